#!/usr/bin/env bash
# make bench: every benchmark prints its figures as ratios against a
# baseline run on the same machine in the same script, and records them
# (bench_ratio in lib.sh) with the load average. At the end one summary
# table lists every ratio beside the figure committed in the bench-ratios
# block of docs/benchmarks.md and calls out any more than 20% worse
# (internal/devtools/benchcmp).
#
# Env: BENCH_SCALE (default 1) scales every data size, e.g. 0.1 for a
# short run; committed figures are compared only at the same scale.
# BENCH_ONLY="load fit" runs only those scripts (scripts/bench-NAME.sh).
# BENCH_STRICT=1 makes a regression fail the run.
set -euo pipefail
cd "$(dirname "$0")/.."
export BENCH_SCALE=${BENCH_SCALE:-1}
BENCH_RATIOS=$(mktemp /tmp/memberlytics-bench-ratios.XXXXXX)
export BENCH_RATIOS
trap 'rm -f "$BENCH_RATIOS"' EXIT
ran=0
for b in scripts/bench-*.sh; do
  [ -x "$b" ] || continue
  name=${b#scripts/bench-}
  name=${name%.sh}
  if [ -n "${BENCH_ONLY:-}" ] && [[ " $BENCH_ONLY " != *" $name "* ]]; then
    continue
  fi
  echo "== $b (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  "$b"
  ran=$((ran+1))
done
echo "bench: $ran scripted benchmarks at BENCH_SCALE=$BENCH_SCALE"
echo
echo "== summary: ratios of this run against docs/benchmarks.md"
strict=()
[ "${BENCH_STRICT:-}" = 1 ] && strict=(-strict)
go run ./internal/devtools/benchcmp -committed docs/benchmarks.md -run "$BENCH_RATIOS" "${strict[@]}"
