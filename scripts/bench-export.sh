#!/usr/bin/env bash
# bench-export.sh: `memberlytics export` of a member_profile-like table
# beside clickhouse-client writing the same rows as TabSeparated.
#
# Starts a private ClickHouse (memberlytics clickhouse start, in a temp
# dir), fills member_profile in its own database with ROWS members (default
# 1,000,000 x BENCH_SCALE; 21 columns: strings, integers, Float64, Decimal(18,2), Date,
# DateTime('UTC') and Nullable ones) for one as_of, then times, each under
# /usr/bin/time -v:
#   clickhouse-client --query "SELECT * ... ORDER BY member_id FORMAT TabSeparated" > file
#   memberlytics export --as-of D --format parquet --tables member_profile
#   memberlytics export --as-of D  (parquet, csv and arrow in one pass)
# and prints seconds, the ratio (export / client) and the peak RSS of each.
# (Server-side FORMAT Parquet does not exist on ClickHouse 18.16.)
#
# Usage: scripts/bench-export.sh [ROWS]   (env: KEEP=1 keeps the temp dir,
# BIG=1 also exports a 10,000,000-row table and reports its peak RSS)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/scripts/lib.sh"
ROWS=${1:-$(bench_scaled 1000000)}
ASOF=2026-01-31

bench_private bench-export
# An unmigrated database of its own: the table below is member_profile-like,
# not the models' member_profile.
cat >"$CFG" <<YAML
clickhouse:
  database: bench_export
local:
  dir: $WORK/ch
log:
  level: warn
exports:
  dir: $WORK/exports
YAML

echo "== start ClickHouse"
ml clickhouse start >/dev/null
port=$(ml clickhouse addr | sed 's/.*://')
ch() { clickhouse-client --port "$port" "$@"; }
ch --query "CREATE DATABASE IF NOT EXISTS bench_export"

# fill N: a fresh member_profile with N members for ASOF.
fill() {
	ch --database bench_export --query "DROP TABLE IF EXISTS member_profile"
	ch --database bench_export --query "CREATE TABLE member_profile (
	    as_of Date, member_id String, joined_on Date, region String, channel String,
	    tier String, rfm_segment String, lifecycle_stage String,
	    recency_days UInt32, frequency UInt32, monetary Decimal(18, 2), aov Decimal(18, 2),
	    r_score UInt8, f_score UInt8, m_score UInt8,
	    engagement_score Float64, churn_probability Float64, clv_12m Decimal(18, 2),
	    last_order_at Nullable(DateTime('UTC')), birthday Nullable(Date), updated_at DateTime('UTC')
	) ENGINE = MergeTree() PARTITION BY as_of ORDER BY (as_of, member_id)"
	ch --database bench_export --query "INSERT INTO member_profile
	    (as_of, member_id, joined_on, region, channel, tier, rfm_segment, lifecycle_stage,
	     recency_days, frequency, monetary, aov, r_score, f_score, m_score,
	     engagement_score, churn_probability, clv_12m, last_order_at, birthday, updated_at)
	  SELECT toDate('$ASOF'), concat('M', toString(cityHash64(number) % 100000000000)),
	    toDate('2018-01-01') + (number % 2900),
	    ['north', 'south', 'east', 'west', 'central'][number % 5 + 1],
	    ['web', 'app', 'store'][number % 3 + 1],
	    ['Bronze', 'Silver', 'Gold', 'Diamond'][number % 4 + 1],
	    ['Champions', 'Loyal', 'Potential Loyalist', 'New', 'Promising', 'Need Attention', 'About to Sleep', 'At Risk', 'Cannot Lose Them', 'Hibernating', 'Lost'][number % 11 + 1],
	    ['prospect', 'new', 'active', 'loyal', 'dormant', 'churned'][number % 6 + 1],
	    toUInt32(number % 730), toUInt32(number % 40),
	    toDecimal64((number % 1000000) / 100, 2), toDecimal64((number % 50000) / 100, 2),
	    toUInt8(number % 5 + 1), toUInt8(intDiv(number, 5) % 5 + 1), toUInt8(intDiv(number, 25) % 5 + 1),
	    (number % 1000) / 10, (number % 997) / 997, toDecimal64((number % 2000000) / 100, 2),
	    if(number % 7 = 0, NULL, toDateTime('2025-01-01 00:00:00', 'UTC') + (number % 31536000)),
	    if(number % 3 = 0, NULL, toDate('1960-01-01') + (number % 15000)),
	    toDateTime('2026-01-31 23:00:00', 'UTC')
	  FROM numbers($1)"
	echo "member_profile: $(ch --database bench_export --query "SELECT count() FROM member_profile") rows"
}

echo "== fill $ROWS rows"
fill "$ROWS"

echo "== clickhouse-client SELECT ... ORDER BY member_id FORMAT TabSeparated"
/usr/bin/time -v -o "$WORK/client.time" clickhouse-client --port "$port" --database bench_export \
	--query "SELECT * FROM member_profile WHERE as_of = '$ASOF' ORDER BY member_id FORMAT TabSeparated" >"$WORK/client.tsv"

echo "== memberlytics export --format parquet"
/usr/bin/time -v -o "$WORK/parquet.time" "$BIN" --config "$CFG" --local export --as-of "$ASOF" \
	--format parquet --tables member_profile >/dev/null

echo "== memberlytics export (parquet, csv, arrow)"
/usr/bin/time -v -o "$WORK/all.time" "$BIN" --config "$CFG" --local export --as-of "$ASOF" \
	--tables member_profile >/dev/null

c=$(wall "$WORK/client.time"); p=$(wall "$WORK/parquet.time"); a=$(wall "$WORK/all.time")
size() { du -m "$1" | cut -f1; }
d=$WORK/exports/as_of=$ASOF
printf '\n%-44s %8s %8s %10s %8s\n' "" seconds ratio "peak MiB" "MiB out"
printf '%-44s %8.2f %8s %10s %8s\n' "clickhouse-client FORMAT TabSeparated" "$c" 1.00 "$(peak_rss "$WORK/client.time")" "$(size "$WORK/client.tsv")"
printf '%-44s %8.2f %8.2f %10s %8s\n' "memberlytics export parquet (zstd)" "$p" "$(echo "$p / $c" | bc -l)" "$(peak_rss "$WORK/parquet.time")" "-"
printf '%-44s %8.2f %8.2f %10s %8s\n' "memberlytics export parquet+csv+arrow" "$a" "$(echo "$a / $c" | bc -l)" "$(peak_rss "$WORK/all.time")" "$(size "$d")"
bench_ratio export.parquet.x_client "$(echo "$p / $c" | bc -l)" lower
bench_ratio export.all.x_client "$(echo "$a / $c" | bc -l)" lower
bench_ratio export.parquet.rss_mib "$(peak_rss "$WORK/parquet.time")" lower
ls -l "$d" | awk 'NR>1 {printf "  %-28s %12d bytes\n", $9, $5}'

if [ "${BIG:-}" = 1 ]; then
	echo "== fill 10000000 rows"
	fill 10000000
	/usr/bin/time -v -o "$WORK/big.time" "$BIN" --config "$CFG" --local export --as-of "$ASOF" \
		--format parquet --tables member_profile >/dev/null
	printf 'export parquet, 10,000,000 rows: %.1f s, peak RSS %s MiB\n' "$(wall "$WORK/big.time")" "$(peak_rss "$WORK/big.time")"
fi
