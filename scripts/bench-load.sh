#!/usr/bin/env bash
# bench-load.sh: load throughput of `memberlytics load` against
# clickhouse-client on the same file, server and table structure.
#
# Generates a CSV of ORDERS orders (default 2,000,000) with the generator,
# starts a private ClickHouse (memberlytics clickhouse start, in a temp
# dir), then times, each under /usr/bin/time -v:
#   memberlytics load --kind orders orders.csv          -> orders
#   clickhouse-client --query "INSERT INTO orders_client (...) FORMAT CSVWithNames" < orders.csv
# into orders_client, created AS orders. Prints rows/s of both, the
# ratio (memberlytics / client) and the peak RSS of each process.
#
# Usage: scripts/bench-load.sh [ORDERS]    (env: KEEP=1 keeps the temp dir)
set -euo pipefail

ORDERS=${1:-2000000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/scripts/lib.sh"

bench_private bench-load
cat >"$CFG" <<YAML
clickhouse:
  database: bench
local:
  dir: $WORK/ch
log:
  level: warn
YAML

echo "== generate $ORDERS orders"
# About 3.4 orders per member with no prospects over six years; take the
# first ORDERS rows.
members=$(( ORDERS * 10 / 33 + 1000 ))
ml generate --members "$members" --seed 1 --out "$WORK/gen" --format csv \
	--events-scale 0 --prospect-share 0 --start 2020-01-01 >/dev/null
head -n $(( ORDERS + 1 )) "$WORK/gen/orders.csv" >"$WORK/orders.csv"
rm -rf "$WORK/gen"
rows=$(( $(wc -l <"$WORK/orders.csv") - 1 ))
[ "$rows" -eq "$ORDERS" ] || { echo "generated only $rows orders" >&2; exit 1; }
echo "$rows orders, $(du -h "$WORK/orders.csv" | cut -f1)"

echo "== start ClickHouse"
ml clickhouse start >/dev/null
ml --local migrate >/dev/null
port=$(ml clickhouse addr | sed 's/.*://')
ch() { clickhouse-client --port "$port" --database bench "$@"; }
ch --query "CREATE TABLE orders_client AS orders"
cols="order_id, member_id, ordered_at, amount, discount, items, channel, store_id, status, updated_at"
# Warm the page cache so neither side pays for the first read.
cat "$WORK/orders.csv" >/dev/null

# cpu FILE: user + system seconds (peak_rss and wall are in lib.sh).
cpu() { awk -F': ' '/User time|System time/ {s+=$2} END {printf "%.2f", s}' "$1"; }

# settle: wait until the server has no merges running, so neither side
# pays for the other's background work.
settle() { for _ in $(seq 1 240); do [ "$(ch --query "SELECT count() FROM system.merges")" = 0 ] && return; sleep 0.5; done; }

settle
echo "== clickhouse-client INSERT ... FORMAT CSVWithNames"
/usr/bin/time -v -o "$WORK/client.time" clickhouse-client --port "$port" --database bench \
	--date_time_input_format=best_effort \
	--query "INSERT INTO orders_client ($cols) FORMAT CSVWithNames" <"$WORK/orders.csv"
client_rows=$(ch --query "SELECT count() FROM orders_client")

settle
echo "== memberlytics load"
/usr/bin/time -v -o "$WORK/load.time" "$BIN" --config "$CFG" --local load --kind orders "$WORK/orders.csv"
load_rows=$(ch --query "SELECT count() FROM orders")

[ "$client_rows" -eq "$rows" ] || { echo "client loaded $client_rows rows, want $rows" >&2; exit 1; }
[ "$load_rows" -eq "$rows" ] || { echo "memberlytics loaded $load_rows rows, want $rows" >&2; exit 1; }
# Same content on both sides.
a=$(ch --query "SELECT sum(amount), sum(discount), sum(items), min(ordered_at), max(updated_at) FROM orders")
b=$(ch --query "SELECT sum(amount), sum(discount), sum(items), min(ordered_at), max(updated_at) FROM orders_client")
[ "$a" = "$b" ] || { echo "tables differ: memberlytics [$a] client [$b]" >&2; exit 1; }

cw=$(wall "$WORK/client.time"); lw=$(wall "$WORK/load.time")
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs (wall times depend on it)"
awk -v rows="$rows" -v cw="$cw" -v lw="$lw" -v crss="$(peak_rss "$WORK/client.time")" -v lrss="$(peak_rss "$WORK/load.time")" \
	-v ccpu="$(cpu "$WORK/client.time")" -v lcpu="$(cpu "$WORK/load.time")" 'BEGIN {
	printf "\n%-18s %10s %9s %12s %14s %12s\n", "", "rows", "seconds", "rows/s", "peak RSS MiB", "client CPU s"
	printf "%-18s %10d %9.2f %12.0f %14d %12.2f\n", "clickhouse-client", rows, cw, rows/cw, crss, ccpu
	printf "%-18s %10d %9.2f %12.0f %14d %12.2f\n", "memberlytics load", rows, lw, rows/lw, lrss, lcpu
	printf "ratio (memberlytics / client rows/s): %.2f (goal >= 0.90)\n", cw/lw
}'
