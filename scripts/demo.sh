#!/usr/bin/env bash
# make demo: the main job end to end. Starts the managed local ClickHouse
# (unless MEMBERLYTICS_CLICKHOUSE_ADDR points at a server), generates a
# realistic data set (20k members, two years), loads it, runs every model for
# the last day, exports the segment files, writes the HTML report, and prints
# where each result is and the segment sizes.
#
# A second run is fast and changes nothing: the generator is deterministic
# and skipped when its output exists, loading the same files is a no-op
# (content-addressed ledger), model runs replace their as_of partition, and
# exports of the same as_of are byte-identical.
set -euo pipefail
cd "$(dirname "$0")/.."
# The demo's config: the campaigns model's intended treatment share matches
# the generator's (see the file); DEMO_CONFIG names another one.
CONFIG=${DEMO_CONFIG:-deploy/demo/memberlytics.yaml}
ML="bin/memberlytics --log-level warn --config $CONFIG"
OUT=${DEMO_OUT:-out/demo}
MEMBERS=${DEMO_MEMBERS:-20000}
AS_OF=2025-12-31    # the generator's default window ends at 2026-01-01 (exclusive)
EXPORTS=exports     # exports.dir's default; the export refuses paths outside it

has() { $ML "$1" --help >/dev/null 2>&1; }
step() { printf '\n== %s\n' "$*"; }

if [ -z "${MEMBERLYTICS_CLICKHOUSE_ADDR:-}" ]; then
  step "local ClickHouse"
  $ML clickhouse start
  export MEMBERLYTICS_CLICKHOUSE_ADDR="$($ML clickhouse addr)"
fi

step "migrate"
$ML migrate

if [ ! -f "$OUT/data/truth.json" ]; then
  step "generate $MEMBERS members"
  $ML generate --members "$MEMBERS" --seed 42 --out "$OUT/data" --format csv
else
  step "generate: $OUT/data already holds the data set (delete it to regenerate)"
fi

if has load; then
  step "load"
  # items after orders: an item's member comes from its order.
  # (a data set generated before items and campaigns has neither file).
  for kind in members orders events items campaigns; do
    [ -f "$OUT/data/$kind.csv" ] || continue
    $ML load --kind "$kind" "$OUT/data/$kind.csv"
  done
else
  echo "load: not available in this build"
fi

if has backfill; then
  # backfill --reprocess failed runs each job that has not yet succeeded for
  # this as_of, so a second demo skips the models it already ran.
  step "run all models for as_of $AS_OF"
  $ML backfill all --from "$AS_OF" --to "$AS_OF" --reprocess failed
elif has run; then
  step "run all models for as_of $AS_OF"
  $ML run all --as-of "$AS_OF"
fi

if has export; then
  step "export"
  $ML export --as-of "$AS_OF" --out "$EXPORTS"
fi

if has report; then
  step "report"
  $ML report --as-of "$AS_OF" --out "$OUT/report.html"
fi

step "results"
echo "data:     $OUT/data (truth.json holds the generator's parameters)"
[ -d "$EXPORTS/as_of=$AS_OF" ] && echo "exports:  $EXPORTS/as_of=$AS_OF"
[ -f "$OUT/report.html" ] && echo "report:   $OUT/report.html"
echo "database: ${MEMBERLYTICS_CLICKHOUSE_DATABASE:-memberlytics} on $MEMBERLYTICS_CLICKHOUSE_ADDR"
if has segments; then
  $ML segments --as-of "$AS_OF"
elif command -v clickhouse-client >/dev/null; then
  host=${MEMBERLYTICS_CLICKHOUSE_ADDR%:*}; port=${MEMBERLYTICS_CLICKHOUSE_ADDR##*:}
  db=${MEMBERLYTICS_CLICKHOUSE_DATABASE:-memberlytics}
  if clickhouse-client --host "$host" --port "$port" -q "EXISTS TABLE $db.segment_members" 2>/dev/null | grep -q 1; then
    echo; echo "segment sizes for $AS_OF:"
    clickhouse-client --host "$host" --port "$port" --format PrettyCompactMonoBlock -q "
      SELECT family, segment, count() AS members
      FROM $db.segment_members WHERE as_of = toDate('$AS_OF')
      GROUP BY family, segment ORDER BY family, members DESC"
  else
    clickhouse-client --host "$host" --port "$port" --format PrettyCompactMonoBlock -q "
      SELECT 'members' AS table, count() AS rows FROM $db.members_current
      UNION ALL SELECT 'orders', count() FROM $db.orders_current
      UNION ALL SELECT 'events', count() FROM $db.events_current"
  fi
fi
