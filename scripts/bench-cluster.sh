#!/usr/bin/env bash
# bench-cluster.sh: load and model timings on one server against the
# two-shard test cluster, on the same generated data (issue 9's note).
#
# Runs the cluster equality test (cmd/memberlytics,
# TestClusterEqualsSingleNodeIntegration) with MEMBERS generated members
# (default 20,000 x BENCH_SCALE): the loaders load members, orders and events into a
# fresh single-server database and into the two-shard cluster (both
# 18.16, started by internal/testkit/chtest on this machine), every model runs for
# two as_of dates on each, and every output table is compared. Prints the
# seconds of each part and the ratio two shards / one server. Both shards
# share this machine's cores, so the ratio shows cluster mode's overhead,
# not a scale-out speed-up. Holds /tmp/memberlytics-bench.lock so no other
# benchmark runs at the same time (at most 14 minutes: the test times out).
#
# Usage: scripts/bench-cluster.sh [MEMBERS]
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/scripts/lib.sh"
MEMBERS=${1:-$(bench_scaled 20000)}
OUT=$(mktemp /tmp/memberlytics-bench-cluster.XXXXXX)
trap 'rm -f "$OUT"' EXIT

echo "== cluster equality test with $MEMBERS members (waiting for the bench lock)"
cd "$ROOT"
MEMBERLYTICS_CLUSTER_MEMBERS=$MEMBERS MEMBERLYTICS_REQUIRE_CLICKHOUSE=1 \
	flock /tmp/memberlytics-bench.lock \
	go test -count=1 -timeout 14m -run '^TestClusterEqualsSingleNodeIntegration$' -v ./cmd/memberlytics/ >"$OUT" 2>&1 || {
	cat "$OUT"
	exit 1
}
grep -E 'one server:|two shards:|compared' "$OUT" | sed 's/^ *[a-z_]*\.go:[0-9]*: /  /'
awk '
	/one server:/ { for (i = 1; i <= NF; i++) { if ($i == "load") l1 = $(i+1); if ($i == "as_of)") m1 = $(i+1) } }
	/two shards:/ { for (i = 1; i <= NF; i++) { if ($i == "load") l2 = $(i+1); if ($i == "as_of)") m2 = $(i+1) } }
	END {
		gsub(/[s,]/, "", l1); gsub(/[s,]/, "", l2); gsub(/s/, "", m1); gsub(/s/, "", m2)
		if (l1 > 0 && m1 > 0) printf "  ratio two shards / one server: load %.2fx, models %.2fx\n", l2 / l1, m2 / m1
		if (l1 > 0 && m1 > 0) printf "%.4f %.4f\n", l2 / l1, m2 / m1 > "/dev/stderr"
	}' "$OUT" 2>"$OUT.ratios"
if read -r lr mr <"$OUT.ratios"; then
	bench_ratio cluster.load.x_one_server "$lr" lower
	bench_ratio cluster.models.x_one_server "$mr" lower
fi
rm -f "$OUT.ratios"
