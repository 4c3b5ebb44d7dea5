#!/usr/bin/env bash
# Predictive models benchmark (called by make bench through scripts/bench.sh).
#
# Generates BENCH_PREDICTIVE_MEMBERS members (default 1,000,000 x BENCH_SCALE; two years,
# default generator parameters) unless already generated, loads them into
# the database bench_predictive, then times `memberlytics run` of clv,
# churn and potential for 2025-12-31 (engagement, untimed, before potential),
# one process each under /usr/bin/time
# (wall time and the Go process's peak RSS; the ClickHouse server's memory
# is not included). The fit/score split comes from model_metrics. Each
# time is also given as a ratio to one plain GROUP BY member_id over
# orders_current on the same server, and the churn model's out-of-time
# AUC is printed beside the days-since-last-order baseline.
#
# Uses MEMBERLYTICS_CLICKHOUSE_ADDR when set, otherwise the managed local
# server (memberlytics clickhouse start).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
N=${BENCH_PREDICTIVE_MEMBERS:-$(bench_scaled 1000000)}
DIR=${BENCH_PREDICTIVE_DIR:-out/bench-predictive/$N}
AS_OF=2025-12-31
ML=bin/memberlytics
go build -o "$ML" ./cmd/memberlytics # always: a stale binary would time old code

bench_server "bench_predictive_$N"
bench_generate "$N" "$DIR"
$ML migrate >/dev/null 2>&1
if [ "$(ch 'SELECT count() FROM members')" = "0" ]; then
  echo "load $DIR"
  for kind in members orders events; do
    /usr/bin/time -f "  load $kind: %e s, peak RSS %M KB" $ML --log-level warn load --kind "$kind" "$DIR/$kind.csv" >/dev/null
  done
fi
bench_data

# Baseline: one plain aggregation per member over orders, best of three.
bench_baseline "baseline GROUP BY member_id over orders_current" \
  "SELECT member_id, count(), sum(amount) FROM orders_current WHERE status = 'paid' GROUP BY member_id FORMAT Null"

for model in clv churn potential; do
  # potential depends on engagement (untimed); churn on clv, run just before.
  [ "$model" = potential ] && $ML --log-level warn run engagement --as-of "$AS_OF" >/dev/null
  out=$(mktemp)
  /usr/bin/time -f "%e %M" -o "$out" $ML --log-level warn run "$model" --as-of "$AS_OF" >/dev/null
  read -r secs rss <"$out"
  rm -f "$out"
  printf '%-10s %7.2f s  (%5.1fx baseline)  peak RSS %6.1f MB\n' "$model" "$secs" "$(echo "$secs / $base" | bc -l)" "$(echo "$rss / 1024" | bc -l)"
  bench_ratio "predictive.$model.x_baseline" "$(echo "$secs / $base" | bc -l)" lower
done
m() { ch "SELECT round(value, 4) FROM model_metrics WHERE as_of = '$AS_OF' AND model = '$1' AND metric = '$2'"; }
echo "clv:   fit (member statistics + BG/NBD + Gamma-Gamma) $(m clv fit_seconds) s over $(m clv distinct_tuples) distinct tuples of $(m clv members) members; scoring (tuples, join, deciles) $(m clv score_seconds) s"
echo "churn: features $(m churn features_seconds) s, fit $(m churn fit_seconds) s on $(m churn train_rows) rows, scoring $(m churn score_seconds) s; BG/NBD fits $(m churn bgnbd_fits), reused from clv $(m churn bgnbd_fits_reused)"
echo "churn: out-of-time AUC $(m churn auc) vs days-since-last-order baseline AUC $(m churn baseline_auc) (validation rows $(m churn validation_rows))"
