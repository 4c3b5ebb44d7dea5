#!/usr/bin/env bash
# Category models benchmark (picked up by make bench through scripts/bench.sh).
#
# Uses generated data (BENCH_CATEGORY_MEMBERS members, default 1,000,000
# times BENCH_SCALE, two years, --purchase-rate-scale ORDERS_RATE_SCALE
# (default 10) and --bgnbd-b ORDERS_BGNBD_B (default 19.2) as
# bench-models.sh: about 10M orders and, at 1 + Poisson(0.7) lines per
# order, about 14M order lines at 1M members; generated unless
# BENCH_CATEGORY_DIR already holds it), loads members, orders and items
# into its own database, then times `memberlytics run` of
# category_affinity and next_category for 2025-12-31, one process each,
# and prints each time as a ratio to one plain
#   SELECT member_id, count(), sum(amount) FROM order_items GROUP BY member_id
# on the same server (best of three), recorded as category.<model>.x_baseline
# (bench_ratio). Goal: category_affinity under 10x.
#
# BENCH_CATEGORY_MODELS="next_category" times only those models. Each run
# prints a checksum of its output partition (every column but run_id):
# equal checksums before and after a change mean equal rows.
# BENCH_BEFORE_BIN=path times that build too (e.g. the code before a
# change), just before this one, on the same data. When the server logs
# queries (log_queries = 1 and a <query_log> section), each run also prints
# its peak query memory (system.query_log memory_usage), and with
# BENCH_CATEGORY_PROFILE=1 every query's time, rows read and memory.
#
# Uses MEMBERLYTICS_CLICKHOUSE_ADDR when set, otherwise the managed local
# server (memberlytics clickhouse start).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
N=${BENCH_CATEGORY_MEMBERS:-$(bench_scaled 1000000)}
RATE=${ORDERS_RATE_SCALE:-10}
BGB=${ORDERS_BGNBD_B:-19.2}
TAG=$(echo "${N}_r${RATE}_b${BGB}" | tr . p)
DIR=${BENCH_CATEGORY_DIR:-out/bench-category/$TAG}
AS_OF=2025-12-31
ML=bin/memberlytics
[ -x "$ML" ] || go build -o "$ML" ./cmd/memberlytics

bench_server "bench_category_$TAG"
bench_generate "$N" "$DIR" --purchase-rate-scale "$RATE" --bgnbd-b "$BGB" --events-scale 0.01
$ML migrate >/dev/null 2>&1
for kind in members orders items; do
  table=$kind
  [ "$kind" = items ] && table=order_items
  if [ "$(ch "SELECT count() FROM $table")" = "0" ]; then
    /usr/bin/time -f "  load $kind: %e s" $ML --log-level warn load --kind "$kind" "$DIR/$kind.csv" >/dev/null
  fi
done
echo "data: $(ch 'SELECT count() FROM members_current') members, $(ch 'SELECT count() FROM orders_current') orders, $(ch 'SELECT count() FROM order_items_current') order lines"

bench_baseline "baseline SELECT member_id, count(), sum(amount) FROM order_items GROUP BY member_id" \
  "SELECT member_id, count(), sum(amount) FROM order_items GROUP BY member_id FORMAT Null"

logged=0
if [ "$(ch "SELECT value FROM system.settings WHERE name = 'log_queries'")" = 1 ] &&
  [ "$(ch "SELECT count() FROM system.tables WHERE database = 'system' AND name = 'query_log'")" = 1 ]; then
  logged=1
fi

# query_log SINCE: after the queries since SINCE (epoch seconds) are
# flushed, prints the peak memory_usage among them in MiB, and with
# BENCH_CATEGORY_PROFILE=1 one line per query.
query_log() {
  ch "SYSTEM FLUSH LOGS" 2>/dev/null || sleep 8
  local where="event_time >= toDateTime($1) AND toUInt8(type) IN (2, 4) AND query LIKE '%$DB%' AND query NOT LIKE '%system.query_log%'"
  if [ "${BENCH_CATEGORY_PROFILE:-}" = 1 ]; then
    ch "SELECT query_duration_ms / 1000 AS s, read_rows, round(memory_usage / 1048576) AS mib,
          substring(replaceRegexpAll(replaceRegexpAll(query, '--[^\n]*\n', ''), '[ \t\n]+', ' '), 1, 70)
        FROM system.query_log WHERE $where AND query_duration_ms >= 200 ORDER BY event_time, query_duration_ms FORMAT TSV" |
      awk -F'\t' '{printf "    %7.2f s %11d rows %6d MiB  %s\n", $1, $2, $3, $4}'
  fi
  echo "        peak query memory $(ch "SELECT round(max(memory_usage) / 1048576) FROM system.query_log WHERE $where") MiB"
}

# run_model BIN LABEL MODEL: times one run and prints it against base.
run_model() {
  local bin=$1 label=$2 model=$3 s t status=ok since
  since=$(date +%s)
  s=$(date +%s.%N)
  $bin --log-level warn run "$model" --as-of "$AS_OF" >/dev/null 2>/tmp/bench-category.$$ || status="FAILED: $(tail -c 300 /tmp/bench-category.$$)"
  t=$(echo "$(date +%s.%N) - $s" | bc)
  rm -f /tmp/bench-category.$$
  rows=$(ch "SELECT groupArray(concat(metric, '=', toString(round(value, 3)))) FROM model_metrics WHERE as_of = '$AS_OF' AND model = '$model' AND (metric LIKE 'rows_%' OR metric LIKE '%hit_at_3')")
  cols=$(ch "SELECT arrayStringConcat(groupArray(name), ', ') FROM system.columns WHERE database = '$DB' AND table = '$model' AND name != 'run_id'")
  sum=$(ch "SELECT toString(sum(cityHash64(toString(tuple($cols))))) FROM $model WHERE as_of = '$AS_OF'")
  printf '%-7s %-18s %8.2f s  (%6.1fx baseline, load %s)  %s %s checksum %s\n' "$label" "$model" "$t" "$(echo "$t / $base" | bc -l)" \
    "$(cut -d' ' -f1 /proc/loadavg)" "$rows" "$status" "$sum"
  if [ "$logged" = 1 ]; then
    query_log "$since"
  fi
  if [ "$label" = after ] && [ "$status" = ok ]; then
    bench_ratio "category.$model.x_baseline" "$(echo "$t / $base" | bc -l)" lower
  fi
}

for model in ${BENCH_CATEGORY_MODELS:-category_affinity next_category}; do
  if [ -n "${BENCH_BEFORE_BIN:-}" ]; then
    run_model "$BENCH_BEFORE_BIN" before "$model"
  fi
  run_model "$ML" after "$model"
done
