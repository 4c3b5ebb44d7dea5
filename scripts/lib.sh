# scripts/lib.sh: the prelude the bench scripts share. Source it from a
# script that has `set -euo pipefail`:
#
#   . "$(dirname "$0")/lib.sh"
#
# Sourcing only defines functions; each says what it sets or needs.

# Scripts on a shared server (bench-models.sh, bench-predictive.sh) --------

# bench_server DB: the server of MEMBERLYTICS_CLICKHOUSE_ADDR, or else the
# managed local one (memberlytics clickhouse start, through $ML), with DB as
# the database of every memberlytics command. Sets DB, HOST and PORT,
# exports MEMBERLYTICS_CLICKHOUSE_ADDR and MEMBERLYTICS_CLICKHOUSE_DATABASE,
# and defines ch QUERY, which runs QUERY in DB on that server.
bench_server() {
  DB=$1
  if [ -z "${MEMBERLYTICS_CLICKHOUSE_ADDR:-}" ]; then
    $ML clickhouse start >/dev/null
    MEMBERLYTICS_CLICKHOUSE_ADDR="$($ML clickhouse addr)"
    export MEMBERLYTICS_CLICKHOUSE_ADDR
  fi
  export MEMBERLYTICS_CLICKHOUSE_DATABASE=$DB
  HOST=${MEMBERLYTICS_CLICKHOUSE_ADDR%:*}
  PORT=${MEMBERLYTICS_CLICKHOUSE_ADDR##*:}
  ch() { clickhouse-client --host "$HOST" --port "$PORT" -d "$DB" -q "$1"; }
}

# bench_generate N DIR [GENERATE FLAGS...]: N generated members (seed 7,
# CSV, more memberlytics generate flags as given) in DIR, unless DIR already
# holds a generated data set (its truth.json).
bench_generate() {
  local n=$1 dir=$2
  shift 2
  if [ ! -f "$dir/truth.json" ]; then
    echo "generate $n members into $dir"
    $ML generate --members "$n" --seed 7 --out "$dir" --format csv "$@" >/dev/null
  fi
}

# bench_data: prints how many members, orders and events DB holds.
bench_data() {
  echo "data: $(ch 'SELECT count() FROM members_current') members, $(ch 'SELECT count() FROM orders_current') orders, $(ch 'SELECT count() FROM events_current') events"
}

# bench_baseline LABEL QUERY: runs QUERY (which ends in FORMAT Null) three
# times, sets base to the best time in seconds and prints it after LABEL.
bench_baseline() {
  base=999999
  for _ in 1 2 3; do
    s=$(date +%s.%N)
    ch "$2"
    t=$(echo "$(date +%s.%N) - $s" | bc)
    base=$(echo "if ($t < $base) $t else $base" | bc)
  done
  printf '%s: %.2f s\n' "$1" "$base"
}

# Scripts with a private server in a temp dir (bench-load.sh, bench-export.sh)

# bench_private NAME: checks for GNU time (installs it when missing) and
# clickhouse-client, makes the temp dir WORK (removed at exit unless KEEP=1;
# the private server is stopped at exit), builds BIN from ROOT (or copies
# BENCH_BIN when set) and sets CFG, the config path the script writes.
bench_private() {
  WORK=$(mktemp -d "/tmp/memberlytics-$1.XXXXXX")
  BIN=$WORK/memberlytics
  CFG=$WORK/memberlytics.yaml
  if [ ! -x /usr/bin/time ]; then
    echo "$1: /usr/bin/time missing; installing GNU time" >&2
    (apt-get install -y time >/dev/null 2>&1 || sudo apt-get install -y time >/dev/null) || { echo "install the time package" >&2; exit 1; }
  fi
  command -v clickhouse-client >/dev/null || { echo "$1: clickhouse-client not found" >&2; exit 1; }
  trap bench_cleanup EXIT
  if [ -n "${BENCH_BIN:-}" ]; then
    cp "$BENCH_BIN" "$BIN" # another build, e.g. the code before a change
  else
    echo "== build"
    (cd "$ROOT" && go build -o "$BIN" ./cmd/memberlytics)
  fi
}

bench_cleanup() {
  "$BIN" --config "$CFG" clickhouse stop >/dev/null 2>&1 || true
  if [ "${KEEP:-}" != 1 ]; then rm -rf "$WORK"; else echo "kept $WORK"; fi
}

# ml ARGS...: the built binary with the script's config.
ml() { "$BIN" --config "$CFG" "$@"; }

# peak_rss FILE: "Maximum resident set size" of a /usr/bin/time -v report,
# in MiB; wall FILE: its elapsed wall time in seconds.
peak_rss() { awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$1"; }
wall() { awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; print s}' "$1"; }

# Figures for the summary of make bench ------------------------------------

# bench_ratio NAME VALUE BETTER: records one ratio of this run (BETTER is
# higher or lower) with BENCH_SCALE and the 1-minute load average, as a
# line of the file BENCH_RATIOS that scripts/bench.sh sets and compares
# with the figures committed in docs/benchmarks.md (without BENCH_RATIOS
# nothing is recorded).
bench_ratio() {
  [ -n "${BENCH_RATIOS:-}" ] || return 0
  LC_ALL=C printf '%s %s %.4g %s %s\n' "$1" "${BENCH_SCALE:-1}" "$2" "$3" "$(cut -d' ' -f1 /proc/loadavg)" >>"$BENCH_RATIOS"
}

# bench_scaled N: N times BENCH_SCALE (default 1), rounded, at least 1.
bench_scaled() { awk -v n="$1" -v s="${BENCH_SCALE:-1}" 'BEGIN { v = int(n * s + 0.5); print (v < 1 ? 1 : v) }'; }

# proc_cpu PID: user + system CPU seconds the process has used so far.
proc_cpu() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / hz}' "/proc/$1/stat"; }

# cpu FILE: user + system seconds of a /usr/bin/time -v report.
cpu() { awk -F': ' '/User time|System time/ {s+=$2} END {printf "%.2f", s}' "$1"; }
