#!/usr/bin/env bash
# bench-rss.sh: peak RSS of every command at 10M orders (issue #21, goal
# 5: each under 512 MiB), measured with /usr/bin/time -v.
#
# Generates MEMBERS members (default 1,000,000 x BENCH_SCALE) with about
# ten orders each (--purchase-rate-scale 10 --bgnbd-b 19.2, as
# bench-models.sh) and EVENTS_SCALE events (default 0.05), starts a
# private ClickHouse, then runs, one process each: load members, load
# orders, load events, load items (the category models read them), run
# all, export, report, for 2025-12-31. Prints
# seconds and peak RSS of each and records rss.COMMAND.mib (bench_ratio).
# The ClickHouse server's memory is not included.
#
# Usage: scripts/bench-rss.sh   (env: BENCH_SCALE, EVENTS_SCALE, KEEP=1)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/scripts/lib.sh"
MEMBERS=${MEMBERS:-$(bench_scaled 1000000)}
EVS=${EVENTS_SCALE:-0.05}
AS_OF=2025-12-31

bench_private bench-rss
cat >"$CFG" <<YAML
clickhouse:
  database: bench
local:
  dir: $WORK/ch
exports:
  dir: $WORK/exports
log:
  level: warn
YAML

echo "== generate $MEMBERS members"
ml generate --members "$MEMBERS" --seed 7 --out "$WORK/gen" --format csv \
  --purchase-rate-scale 10 --bgnbd-b 19.2 --events-scale "$EVS" >/dev/null
echo "$(( $(wc -l <"$WORK/gen/orders.csv") - 1 )) orders, $(( $(wc -l <"$WORK/gen/events.csv") - 1 )) events"

echo "== start ClickHouse"
ml clickhouse start >/dev/null
ml --local migrate >/dev/null

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs at start"
printf '\n%-16s %9s %9s\n' command seconds "RSS MiB"
# step NAME ARGS...: one memberlytics command under /usr/bin/time -v.
step() {
  local name=$1
  shift
  /usr/bin/time -v -o "$WORK/$name.time" "$BIN" --config "$CFG" --local "$@" >/dev/null
  printf '%-16s %9.1f %9d\n' "$name" "$(wall "$WORK/$name.time")" "$(peak_rss "$WORK/$name.time")"
  bench_ratio "rss.$name.mib" "$(peak_rss "$WORK/$name.time")" lower
}
step load_members load --kind members "$WORK/gen/members.csv"
step load_orders load --kind orders "$WORK/gen/orders.csv"
step load_events load --kind events "$WORK/gen/events.csv"
step load_items load --kind items "$WORK/gen/items.csv"
step run_all run all --as-of "$AS_OF"
step export export --as-of "$AS_OF"
step report report --as-of "$AS_OF" --out "$WORK/report.html"
