#!/usr/bin/env bash
# Installs what memberlytics' tests, demo and benchmarks need on a Debian
# machine: ClickHouse server and client and ZooKeeper (apt), Node's npm (to fetch the
# pinned chDB library), /usr/bin/time. Idempotent; only acts when a tool is
# missing. Without root it prints what to install instead.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v clickhouse-server >/dev/null 2>&1 || command -v clickhouse >/dev/null 2>&1 || need+=(clickhouse-server)
command -v clickhouse-client >/dev/null 2>&1 || command -v clickhouse >/dev/null 2>&1 || need+=(clickhouse-client)
command -v npm >/dev/null 2>&1 || need+=(npm)
[ -x /usr/bin/time ] || need+=(time)
# The report's end-to-end tests drive headless Chromium; CJK fonts render the zh report.
command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || need+=(chromium)
[ -d /usr/share/fonts/opentype/noto ] || need+=(fonts-noto-cjk)
# The replicated-cluster tests run a standalone ZooKeeper (Java) from Debian's package.
[ -f /usr/share/java/zookeeper.jar ] && command -v java >/dev/null 2>&1 || need+=(zookeeper)

if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  else
    echo "setup: please install: ${need[*]} (e.g. sudo apt-get install ${need[*]})" >&2
    exit 1
  fi
fi

if [ -x scripts/fetch-libchdb.sh ]; then
  scripts/fetch-libchdb.sh
fi
