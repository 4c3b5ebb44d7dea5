#!/usr/bin/env bash
# bench-load.sh: load throughput of `memberlytics load` against
# clickhouse-client on the same file, server and table structure.
#
# Generates ORDERS orders (default 2,000,000 x BENCH_SCALE) as CSV and
# EVENTS events (default 30,000,000 x BENCH_SCALE) as NDJSON with the
# generator, starts a private ClickHouse (memberlytics clickhouse start, in
# a temp dir), then times three files, each side under /usr/bin/time -v:
#   csv10   orders.csv, 10 columns   client: INSERT ... FORMAT CSVWithNames
#   csv4    the same cut to order_id, member_id, ordered_at, amount
#   ndjson  events.ndjson            client: INSERT ... FORMAT JSONEachRow
# memberlytics loads into orders/events, the client into a table created
# AS that one. Before each side both tables are truncated and the server
# has no merges running. Prints rows/s, the process's CPU, the server's CPU
# during the load (/proc/PID/stat) and peak RSS of both, and records
# (bench_ratio) load.FILE.rows_per_s (memberlytics / client rows/s),
# load.FILE.cpu_per_row (process + server CPU, memberlytics / client) and
# load.FILE.rss_mib (memberlytics' peak RSS). REPEAT (default 1) runs
# each pair that many times.
#
# Usage: scripts/bench-load.sh [ORDERS [EVENTS]]
# (env: BENCH_SCALE, REPEAT, FILES="csv10 csv4 ndjson", KEEP=1 keeps the temp dir)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/scripts/lib.sh"
ORDERS=${1:-$(bench_scaled 2000000)}
EVENTS=${2:-$(bench_scaled 30000000)}
REPEAT=${REPEAT:-1}
FILES=${FILES:-csv10 csv4 ndjson}

bench_private bench-load
cat >"$CFG" <<YAML
clickhouse:
  database: bench
local:
  dir: $WORK/ch
log:
  level: warn
YAML

case " $FILES " in *" csv"*)
  echo "== generate $ORDERS orders"
  # About 3.4 orders per member with no prospects over six years; take the
  # first ORDERS rows.
  members=$(( ORDERS * 10 / 33 + 1000 ))
  ml generate --members "$members" --seed 1 --out "$WORK/gen" --format csv \
    --events-scale 0 --prospect-share 0 --start 2020-01-01 >/dev/null
  head -n $(( ORDERS + 1 )) "$WORK/gen/orders.csv" >"$WORK/csv10"
  rm -rf "$WORK/gen"
  cut -d, -f1-4 "$WORK/csv10" >"$WORK/csv4"
  rows=$(( $(wc -l <"$WORK/csv10") - 1 ))
  [ "$rows" -eq "$ORDERS" ] || { echo "generated only $rows orders" >&2; exit 1; }
  echo "$rows orders, $(du -h "$WORK/csv10" | cut -f1) (10 columns), $(du -h "$WORK/csv4" | cut -f1) (4 columns)"
  ;;
esac
case " $FILES " in *" ndjson "*)
  echo "== generate $EVENTS events"
  # About 32 events per member over two years with no prospects.
  members=$(( EVENTS / 30 + 1000 ))
  ml generate --members "$members" --seed 1 --out "$WORK/gen" --format ndjson --prospect-share 0 >/dev/null
  head -n "$EVENTS" "$WORK/gen/events.ndjson" >"$WORK/ndjson"
  rm -rf "$WORK/gen"
  rows=$(wc -l <"$WORK/ndjson")
  [ "$rows" -eq "$EVENTS" ] || { echo "generated only $rows events" >&2; exit 1; }
  echo "$rows events, $(du -h "$WORK/ndjson" | cut -f1)"
  ;;
esac

echo "== start ClickHouse"
ml clickhouse start >/dev/null
ml --local migrate >/dev/null
port=$(ml clickhouse addr | sed 's/.*://')
server_pid=$(tr -d " \n" <"$WORK/ch/state.json" | sed 's/.*"pid":\([0-9]*\).*/\1/')
[ -d "/proc/$server_pid" ] || { echo "no server process $server_pid (from $WORK/ch/state.json)" >&2; exit 1; }
ch() { clickhouse-client --port "$port" --database bench "$@"; }
ch --query "CREATE TABLE orders_client AS orders"
ch --query "CREATE TABLE events_client AS events"

# settle: wait until the server has no merges running, so neither side
# pays for the other's background work.
settle() { for _ in $(seq 1 240); do [ "$(ch --query "SELECT count() FROM system.merges")" = 0 ] && return; sleep 0.5; done; }

# timed NAME CMD...: runs CMD under /usr/bin/time -v into $WORK/NAME.time
# and the server's CPU seconds meanwhile into $WORK/NAME.server.
timed() {
  local name=$1
  shift
  local before
  before=$(proc_cpu "$server_pid")
  /usr/bin/time -v -o "$WORK/$name.time" "$@"
  echo "$(proc_cpu "$server_pid") - $before" | bc >"$WORK/$name.server"
}

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs at start"
printf '\n%-8s %-18s %10s %8s %11s %7s %8s %8s\n' file side rows seconds rows/s "CPU s" "server s" "RSS MiB"
for file in $FILES; do
  case $file in
  csv10 | csv4)
    table=orders kind=orders fmt=CSVWithNames
    cols=$(head -n 1 "$WORK/$file" | sed 's/,/, /g')
    check="sum(amount), min(ordered_at), max(ordered_at), uniqExact(member_id)"
    ;;
  ndjson)
    table=events kind=events fmt=JSONEachRow
    cols="event_id, member_id, event_time, event_type, value, properties"
    check="sum(value), min(event_time), max(event_time), uniqExact(event_id), sum(length(properties))"
    ;;
  *) echo "unknown file $file (csv10, csv4, ndjson)" >&2; exit 1 ;;
  esac
  rows=$(wc -l <"$WORK/$file")
  [ "$file" = ndjson ] || rows=$(( rows - 1 )) # the CSV header
  cat "$WORK/$file" >/dev/null # page cache: neither side pays for the first read
  for rep in $(seq 1 "$REPEAT"); do
    ch --query "TRUNCATE TABLE ${table}_client"
    ch --query "TRUNCATE TABLE $table"
    settle
    timed client clickhouse-client --port "$port" --database bench --date_time_input_format=best_effort \
      --query "INSERT INTO ${table}_client ($cols) FORMAT $fmt" <"$WORK/$file"
    settle
    timed load "$BIN" --config "$CFG" --local load --force --kind "$kind" --format "${file%%[0-9]*}" "$WORK/$file" >/dev/null
    load_avg=$(cut -d' ' -f1 /proc/loadavg)
    for t in "${table}_client" "$table"; do
      n=$(ch --query "SELECT count() FROM $t")
      [ "$n" -eq "$rows" ] || { echo "$t has $n rows, want $rows" >&2; exit 1; }
    done
    a=$(ch --query "SELECT $check FROM $table")
    b=$(ch --query "SELECT $check FROM ${table}_client")
    [ "$a" = "$b" ] || { echo "$file: tables differ: memberlytics [$a] client [$b]" >&2; exit 1; }
    cw=$(wall "$WORK/client.time") lw=$(wall "$WORK/load.time")
    cc=$(cpu "$WORK/client.time") lc=$(cpu "$WORK/load.time")
    cs=$(cat "$WORK/client.server") ls=$(cat "$WORK/load.server")
    lrss=$(peak_rss "$WORK/load.time")
    printf '%-8s %-18s %10d %8.2f %11.0f %7.2f %8.2f %8d\n' "$file" clickhouse-client "$rows" "$cw" "$(echo "$rows / $cw" | bc -l)" "$cc" "$cs" "$(peak_rss "$WORK/client.time")"
    printf '%-8s %-18s %10d %8.2f %11.0f %7.2f %8.2f %8d\n' "$file" "memberlytics load" "$rows" "$lw" "$(echo "$rows / $lw" | bc -l)" "$lc" "$ls" "$lrss"
    rate=$(echo "$cw / $lw" | bc -l) cpur=$(echo "($lc + $ls) / ($cc + $cs)" | bc -l)
    printf '%-8s ratio rows/s %.2f (goal >= 1.0), CPU per row %.2f (goal <= 1.0), load average %s\n' "$file" "$rate" "$cpur" "$load_avg"
    # The scale recorded is the file's size against the default, so sizes
    # given as arguments are compared with the committed figure of theirs.
    if [ "$file" = ndjson ]; then s=$(awk -v n="$rows" 'BEGIN {printf "%g", n / 30000000}'); else s=$(awk -v n="$rows" 'BEGIN {printf "%g", n / 2000000}'); fi
    BENCH_SCALE=$s bench_ratio "load.$file.rows_per_s" "$rate" higher
    BENCH_SCALE=$s bench_ratio "load.$file.cpu_per_row" "$cpur" lower
    BENCH_SCALE=$s bench_ratio "load.$file.rss_mib" "$lrss" lower
  done
done
