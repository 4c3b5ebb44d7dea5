#!/usr/bin/env bash
# make demo: start the managed local ClickHouse (unless
# MEMBERLYTICS_CLICKHOUSE_ADDR points at a server), migrate, and run the
# main job end to end.
set -euo pipefail
cd "$(dirname "$0")/.."
ML=bin/memberlytics
if [ -z "${MEMBERLYTICS_CLICKHOUSE_ADDR:-}" ]; then
  $ML clickhouse start
  export MEMBERLYTICS_CLICKHOUSE_ADDR="$($ML clickhouse addr)"
fi
$ML migrate
$ML migrate --status
