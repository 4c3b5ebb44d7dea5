#!/usr/bin/env bash
# make bench: every benchmark prints its figures as ratios against a
# baseline run on the same machine in the same script.
set -euo pipefail
cd "$(dirname "$0")/.."
ran=0
for b in scripts/bench-*.sh; do
  [ -x "$b" ] || continue
  echo "== $b"
  "$b"
  ran=$((ran+1))
done
echo "== go benchmarks (pure Go statistics)"
go test -run '^$' -bench . -benchtime 3x ./models/clv/ ./models/churn/ ./internal/devtools/datagen/ 2>&1 | grep -E '^(Benchmark|ok|PASS)' || true
echo "bench: $ran scripted benchmarks"
