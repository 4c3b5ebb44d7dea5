#!/usr/bin/env bash
# Segmentation models benchmark (called by make bench through scripts/bench.sh).
#
# Uses generated data (BENCH_SEGMENTS_MEMBERS members, default 1,000,000,
# two years, default generator parameters; generated unless BENCH_SEGMENTS_DIR
# already holds it), loads it into the database bench_segments_<N>, then
# times `memberlytics run` of rfm, cohorts, engagement, lifecycle, tiers and
# member_profile for 2025-12-31, one process each, and prints each time as a
# ratio to one plain
#   SELECT member_id, count(), sum(amount) FROM orders GROUP BY member_id
# on the same server (best of three). BENCH_SEGMENTS_SKIP_EVENTS=1 loads no
# events (engagement and tiers then run over an empty events table).
#
# Uses MEMBERLYTICS_CLICKHOUSE_ADDR when set, otherwise the managed local
# server (memberlytics clickhouse start).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${BENCH_SEGMENTS_MEMBERS:-1000000}
DIR=${BENCH_SEGMENTS_DIR:-out/bench-segments/$N}
DB=bench_segments_$N
AS_OF=2025-12-31
ML=bin/memberlytics
[ -x "$ML" ] || go build -o "$ML" ./cmd/memberlytics

if [ -z "${MEMBERLYTICS_CLICKHOUSE_ADDR:-}" ]; then
  $ML clickhouse start >/dev/null
  export MEMBERLYTICS_CLICKHOUSE_ADDR="$($ML clickhouse addr)"
fi
export MEMBERLYTICS_CLICKHOUSE_DATABASE=$DB
HOST=${MEMBERLYTICS_CLICKHOUSE_ADDR%:*}
PORT=${MEMBERLYTICS_CLICKHOUSE_ADDR##*:}
ch() { clickhouse-client --host "$HOST" --port "$PORT" -d "$DB" -q "$1"; }

if [ ! -f "$DIR/truth.json" ]; then
  echo "generate $N members into $DIR"
  $ML generate --members "$N" --seed 7 --out "$DIR" --format csv >/dev/null
fi
$ML migrate >/dev/null 2>&1
kinds="members orders events"
[ "${BENCH_SEGMENTS_SKIP_EVENTS:-0}" = 1 ] && kinds="members orders"
for kind in $kinds; do
  if [ "$(ch "SELECT count() FROM $kind")" = "0" ]; then
    /usr/bin/time -f "  load $kind: %e s" $ML --log-level warn load --kind "$kind" "$DIR/$kind.csv" >/dev/null
  fi
done
echo "data: $(ch 'SELECT count() FROM members_current') members, $(ch 'SELECT count() FROM orders_current') orders, $(ch 'SELECT count() FROM events_current') events"

base=999999
for _ in 1 2 3; do
  s=$(date +%s.%N)
  ch "SELECT member_id, count(), sum(amount) FROM orders GROUP BY member_id FORMAT Null"
  t=$(echo "$(date +%s.%N) - $s" | bc)
  base=$(echo "if ($t < $base) $t else $base" | bc)
done
printf 'baseline SELECT member_id, count(), sum(amount) FROM orders GROUP BY member_id: %.2f s\n' "$base"

for model in rfm cohorts engagement lifecycle tiers member_profile; do
  s=$(date +%s.%N)
  $ML --log-level warn run "$model" --as-of "$AS_OF" >/dev/null
  t=$(echo "$(date +%s.%N) - $s" | bc)
  rows=$(ch "SELECT groupArray(concat(substring(metric, 6), '=', toString(value))) FROM model_metrics WHERE as_of = '$AS_OF' AND model = '$model' AND metric LIKE 'rows_%'")
  printf '%-15s %7.2f s  (%6.1fx baseline)  %s\n' "$model" "$t" "$(echo "$t / $base" | bc -l)" "$rows"
done
