#!/usr/bin/env bash
# Segmentation models benchmark (called by make bench through scripts/bench.sh).
#
# Uses generated data (BENCH_SEGMENTS_MEMBERS members, default 1,000,000 x BENCH_SCALE,
# two years; generated unless BENCH_SEGMENTS_DIR already holds it), loads it
# into its own database, then times `memberlytics run` of rfm, cohorts,
# engagement, lifecycle, tiers and member_profile (which also writes
# segment_members) for 2025-12-31, one process each, and prints each time
# as a ratio to one plain
#   SELECT member_id, count(), sum(amount) FROM orders GROUP BY member_id
# on the same server (best of three).
#
# Volume (issue #4: about 10M orders for 1M members): the generator runs
# with --purchase-rate-scale ORDERS_RATE_SCALE (default 10: every BG/NBD
# purchase rate times 10), --bgnbd-b ORDERS_BGNBD_B (default 19.2: later
# dropout) and --events-scale EVENTS_SCALE (default 0.05, since sessions grow
# with the purchase rate). At 1M members that is about 10.3M orders and 32.6M
# events. ORDERS_RATE_SCALE=1 ORDERS_BGNBD_B=2.4 EVENTS_SCALE=1 is the
# default generator (about 1.85M orders, 29M events). The data directory and
# database are named after these values, so volumes never mix.
# BENCH_SEGMENTS_SKIP_EVENTS=1 loads no events (engagement and tiers then run
# over an empty events table). BENCH_SEGMENTS_PREPARE_ONLY=1 stops after
# generating and loading (so the timed part can run alone under flock).
#
# Uses MEMBERLYTICS_CLICKHOUSE_ADDR when set, otherwise the managed local
# server (memberlytics clickhouse start).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
N=${BENCH_SEGMENTS_MEMBERS:-$(bench_scaled 1000000)}
RATE=${ORDERS_RATE_SCALE:-10}
BGB=${ORDERS_BGNBD_B:-19.2}
EVS=${EVENTS_SCALE:-0.05}
TAG=$(echo "${N}_r${RATE}_b${BGB}_e${EVS}" | tr . p)
DIR=${BENCH_SEGMENTS_DIR:-out/bench-segments/$TAG}
AS_OF=2025-12-31
ML=bin/memberlytics
[ -x "$ML" ] || go build -o "$ML" ./cmd/memberlytics

bench_server "bench_segments_$TAG"
bench_generate "$N" "$DIR" --purchase-rate-scale "$RATE" --bgnbd-b "$BGB" --events-scale "$EVS"
$ML migrate >/dev/null 2>&1
kinds="members orders events"
[ "${BENCH_SEGMENTS_SKIP_EVENTS:-0}" = 1 ] && kinds="members orders"
for kind in $kinds; do
  if [ "$(ch "SELECT count() FROM $kind")" = "0" ]; then
    /usr/bin/time -f "  load $kind: %e s" $ML --log-level warn load --kind "$kind" "$DIR/$kind.csv" >/dev/null
  fi
done
bench_data
[ "${BENCH_SEGMENTS_PREPARE_ONLY:-0}" = 1 ] && exit 0

bench_baseline "baseline SELECT member_id, count(), sum(amount) FROM orders GROUP BY member_id" \
  "SELECT member_id, count(), sum(amount) FROM orders GROUP BY member_id FORMAT Null"

for model in rfm cohorts engagement lifecycle tiers member_profile; do
  s=$(date +%s.%N)
  $ML --log-level warn run "$model" --as-of "$AS_OF" >/dev/null
  t=$(echo "$(date +%s.%N) - $s" | bc)
  rows=$(ch "SELECT groupArray(concat(substring(metric, 6), '=', toString(value))) FROM model_metrics WHERE as_of = '$AS_OF' AND model = '$model' AND metric LIKE 'rows_%'")
  printf '%-15s %7.2f s  (%6.1fx baseline)  %s\n' "$model" "$t" "$(echo "$t / $base" | bc -l)" "$rows"
  bench_ratio "models.$model.x_baseline" "$(echo "$t / $base" | bc -l)" lower
done
echo "segment_members: $(ch "SELECT count() FROM segment_members WHERE as_of = '$AS_OF'") rows for $AS_OF (written by member_profile)"
