#!/usr/bin/env bash
# Category models benchmark (picked up by make bench through scripts/bench.sh).
#
# Uses generated data (BENCH_CATEGORY_MEMBERS members, default 1,000,000,
# two years, --purchase-rate-scale ORDERS_RATE_SCALE (default 10) and
# --bgnbd-b ORDERS_BGNBD_B (default 19.2) as bench-models.sh: about 10M
# orders and, at 1 + Poisson(0.7) lines per order, about 17M order lines;
# generated unless BENCH_CATEGORY_DIR already holds it), loads members,
# orders and items into its own database, then times `memberlytics run` of
# category_affinity and next_category for 2025-12-31, one process each,
# and prints each time as a ratio to one plain
#   SELECT member_id, count(), sum(amount) FROM order_items GROUP BY member_id
# on the same server (best of three). Goal: category_affinity under 10x.
#
# Uses MEMBERLYTICS_CLICKHOUSE_ADDR when set, otherwise the managed local
# server (memberlytics clickhouse start).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
N=${BENCH_CATEGORY_MEMBERS:-1000000}
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

for model in category_affinity next_category; do
  s=$(date +%s.%N)
  $ML --log-level warn run "$model" --as-of "$AS_OF" >/dev/null
  t=$(echo "$(date +%s.%N) - $s" | bc)
  rows=$(ch "SELECT groupArray(concat(metric, '=', toString(round(value, 3)))) FROM model_metrics WHERE as_of = '$AS_OF' AND model = '$model' AND (metric LIKE 'rows_%' OR metric LIKE '%hit_at_3')")
  printf '%-18s %7.2f s  (%6.1fx baseline)  %s\n' "$model" "$t" "$(echo "$t / $base" | bc -l)" "$rows"
done
