#!/usr/bin/env bash
# Model-fit benchmark (called by make bench through scripts/bench.sh); pure
# Go, no ClickHouse.
#
# Runs the Go benchmarks of the predictive fits on simulated data of the
# 1M-member bench size: BG/NBD on 249,000 distinct (x, t_x, T) tuples,
# Gamma-Gamma on 249,000 spend rows, the churn logistic regression on
# 500,000 rows of 39 features (the training cap) and the churn validation
# figures on 500,000 scores. Each time is printed with its ratio to a
# baseline timed in the same process beside it, every iteration: one
# plain single-goroutine likelihood pass (clv), one Model.Predict pass
# (churn fit) or a sort of the scores (churn validation). The load average
# is printed too: on a shared machine it moves the times, less the ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
WORKRATIOS=$(mktemp)
trap 'rm -f "$WORKRATIOS"' EXIT
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
go test -run '^$' -bench '^Benchmark(FitBGNBD249k|FitGammaGamma249k|Fit500k|Validation500k)$' -benchtime 3x \
  ./models/clv/ ./models/churn/ 2>&1 | awk -v ratios="$WORKRATIOS" '
  /^Benchmark/ {
    name = $1; sub(/^Benchmark/, "", name); sub(/-[0-9]+$/, "", name)
    secs = $3 / 1e9; it = ""; ratio = ""; unit = ""
    for (i = 5; i < NF; i += 2) {
      if ($(i+1) == "iterations") it = $i
      else if ($(i+1) ~ /^x_/) { ratio = $i; unit = $(i+1); sub(/^x_/, "", unit) }
    }
    label["FitBGNBD249k"] = "clv bg/nbd fit, 249k tuples"
    label["FitGammaGamma249k"] = "clv gamma-gamma fit, 249k rows"
    label["Fit500k"] = "churn logistic fit, 500k x 39"
    label["Validation500k"] = "churn validation figures, 500k"
    gsub(/_/, " ", unit)
    printf "%-34s %7.3f s  (%6.1fx one %s)%s\n", label[name], secs, ratio, unit, (it == "" ? "" : sprintf("  %d optimiser iterations", it))
    if (ratio != "") print "fit." name ".x_baseline", ratio > ratios
    next
  }
  /^(FAIL|panic)/ { print; failed = 1 }
  END { exit failed }'
# The fits' sizes are fixed: their ratios are recorded at scale 1.
while read -r name ratio; do BENCH_SCALE=1 bench_ratio "$name" "$ratio" lower; done <"$WORKRATIOS"
