#!/usr/bin/env bash
# fetch-libchdb.sh puts libchdb.so (chDB, ClickHouse 26.7 as a library) into
# .cache/chdb/ at the repository root, for the tests' second ClickHouse engine
# (internal/testkit/chdb). It is idempotent: a library that is already there and
# matches the pinned checksum is left alone.
#
# The library comes from the pinned npm package below, fetched with `npm pack`
# (no install scripts run). Set CHDB_PACKAGE_TGZ to a tarball of that same
# package to skip the download (the checksum is still verified).
set -euo pipefail

PACKAGE='@chdb/lib-linux-x64-gnu'
VERSION='26.7.3-stable.1'
# sha256 of package/libchdb.so in that package version.
SHA256='36ad4e999882821ef13cf2d0f52c93f48e6ee1b4498b35a201c23ce4b8d15bf5'

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest_dir="$root/.cache/chdb"
dest="$dest_dir/libchdb.so"

die() { echo "fetch-libchdb: $*" >&2; exit 1; }

sha() { sha256sum "$1" | cut -d' ' -f1; }

verify() {
	local f="$1"
	[ -s "$f" ] || die "$f is missing or empty"
	[ "$(head -c4 "$f" | od -An -c | tr -d ' ')" = '177ELF' ] || die "$f is not an ELF shared library"
	local got
	got="$(sha "$f")"
	[ "$got" = "$SHA256" ] || die "$f: sha256 $got, want $SHA256 ($PACKAGE@$VERSION)"
}

if [ -f "$dest" ]; then
	verify "$dest"
	echo "fetch-libchdb: $dest is $PACKAGE@$VERSION ($(stat -c %s "$dest") bytes), nothing to do"
	exit 0
fi

case "$(uname -s)-$(uname -m)" in
Linux-x86_64) ;;
*) die "$PACKAGE only runs on Linux x86_64 (glibc); this is $(uname -s)-$(uname -m)" ;;
esac

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

tgz="${CHDB_PACKAGE_TGZ:-}"
if [ -z "$tgz" ]; then
	command -v npm >/dev/null || die "npm is needed to fetch $PACKAGE@$VERSION (or set CHDB_PACKAGE_TGZ)"
	echo "fetch-libchdb: npm pack $PACKAGE@$VERSION (about 180 MB)"
	name="$(cd "$tmp" && npm pack --silent --ignore-scripts "$PACKAGE@$VERSION" 2>/dev/null | tail -n1)"
	tgz="$tmp/$name"
fi
[ -s "$tgz" ] || die "package tarball $tgz is missing or empty"

tar -xzf "$tgz" -C "$tmp" package/libchdb.so package/package.json
got_version="$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$tmp/package/package.json")"
[ "$got_version" = "$VERSION" ] || die "$tgz holds version $got_version, want $VERSION"
verify "$tmp/package/libchdb.so"

mkdir -p "$dest_dir"
# Move into place atomically so an interrupted run leaves no partial library.
mv "$tmp/package/libchdb.so" "$dest.tmp.$$"
mv "$dest.tmp.$$" "$dest"
echo "fetch-libchdb: installed $PACKAGE@$VERSION -> $dest ($(stat -c %s "$dest") bytes)"
