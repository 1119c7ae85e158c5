#!/usr/bin/env bash
# Benchmarks payment-rpc (release build) on loopback: CreatePayout at 1/16/64 concurrent callers and at
# 1,000/s offered, and 1,000-item CreateBatch. The ledger is the real durable SQLite file (WAL,
# synchronous=FULL) in a temporary directory; limits are lifted so the run measures throughput, not refusals.
#
#   scripts/bench.sh [--store sqlite] [payment-bench options…]   as above (the default)
#   scripts/bench.sh --store postgres [--seconds S]
#     A throwaway PostgreSQL cluster (Debian's postgresql; fsync and synchronous commit on; scripts/postgres-cluster.sh)
#     and, at 1/16/64 callers (S seconds each, default 5): CreatePayout against 1 payment-rpc instance on it,
#     against 3 instances on one database (the callers spread over them: one payment-bench per instance), and
#     against 1 instance on SQLite beside it; then pgbench on the same cluster with a script of one single-row
#     INSERT and COMMIT (-n, -c 1/16/64, -T PGBENCH_SECONDS, default 10); and the ledger alone, in process
#     (ledger-bench: createPayout with the server's group commit, no gRPC) on SQLite and on PostgreSQL. Prints every
#     figure and, per concurrency, CreatePayout/s (and the ledger's creates/s) divided by pgbench's transactions/s.
#
# LUCID_BIN_DIR=DIR uses the binaries in DIR (payment-rpc, payment-bench, ledger-bench) instead of building the
# release ones.
set -euo pipefail
cd "$(dirname "$0")/.."
STORE=sqlite
SECONDS_PER_RUN=5
PASS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --store) STORE=${2:?--store needs sqlite or postgres}; shift 2 ;;
    --store=*) STORE=${1#--store=}; shift ;;
    --seconds) SECONDS_PER_RUN=${2:?}; PASS+=("$1" "$2"); shift 2 ;;
    *) PASS+=("$1"); shift ;;
  esac
done
case "$STORE" in
  sqlite | postgres) ;;
  *) echo "--store must be sqlite or postgres, not $STORE" >&2; exit 2 ;;
esac
if [ "$STORE" = postgres ] && [ ${#PASS[@]} -gt 0 ] && [ "${PASS[*]}" != "--seconds $SECONDS_PER_RUN" ]; then
  echo "with --store postgres the only other option is --seconds S (given: ${PASS[*]})" >&2
  exit 2
fi
if [ -n "${LUCID_BIN_DIR:-}" ]; then
  BIN="$LUCID_BIN_DIR"
else
  swift build -c release --product payment-rpc
  swift build -c release --product payment-bench
  if [ "$STORE" = postgres ]; then swift build -c release --product ledger-bench; fi
  BIN="$(swift build -c release --show-bin-path)"
fi
STATE=$(mktemp -d)
SERVERS=()
PG_DIR=""
cleanup() {
  if [ ${#SERVERS[@]} -gt 0 ]; then kill "${SERVERS[@]}" 2>/dev/null || true; wait "${SERVERS[@]}" 2>/dev/null || true; fi
  if [ -n "$PG_DIR" ]; then pg_cluster_stop "$PG_DIR" immediate; rm -rf "$PG_DIR"; fi
  rm -rf "$STATE"
}
trap cleanup EXIT

LIFTED=(PAYMENT_RPC_LIMITS_DAILY_UNITS=9000000000000000 PAYMENT_RPC_LIMITS_HOURLY_UNITS=8000000000000000
        PAYMENT_RPC_LOG_LEVEL=warning)

# start_server NAME GRPC_PORT ADMIN_PORT VAR=VALUE… : payment-rpc in the background, ready (or the script stops).
start_server() {
  local name=$1 grpc=$2 admin=$3
  shift 3
  env "${LIFTED[@]}" PAYMENT_RPC_GRPC_LISTEN="127.0.0.1:$grpc" PAYMENT_RPC_ADMIN_LISTEN="127.0.0.1:$admin" "$@" \
    "$BIN/payment-rpc" >"$STATE/$name.log" 2>&1 &
  SERVERS+=($!)
  for _ in $(seq 300); do
    curl -sf "http://127.0.0.1:$admin/ready" >/dev/null && return 0
    sleep 0.1
  done
  echo "payment-rpc $name did not become ready; $STATE/$name.log:" >&2
  tail -20 "$STATE/$name.log" >&2
  exit 1
}

stop_servers() {
  if [ ${#SERVERS[@]} -gt 0 ]; then kill "${SERVERS[@]}" 2>/dev/null || true; wait "${SERVERS[@]}" 2>/dev/null || true; fi
  SERVERS=()
}

echo "machine: $(nproc) cores, $(uname -r); ledger on $(df -h "$STATE" | awk 'NR==2{print $1}')"

if [ "$STORE" = sqlite ]; then
  start_server sqlite 50151 9191 PAYMENT_RPC_STORE_SQLITE_PATH="$STATE/bench.sqlite"
  "$BIN/payment-bench" --target 127.0.0.1:50151 "${PASS[@]}"
  exit 0
fi

# --- --store postgres
# shellcheck source=scripts/postgres-cluster.sh
. scripts/postgres-cluster.sh
PGBENCH=$(command -v pgbench || echo "$PG_BIN/pgbench")
[ -x "$PGBENCH" ] || { echo "pgbench not found (apt-get install -y postgresql-client)" >&2; exit 1; }
PG_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
PG_DIR=$(mktemp -d -t lucid-pg-XXXXXX)  # its own directory: the postgres user cannot enter $STATE (0700)
pg_cluster_start "$PG_DIR" "$PG_PORT" one three rows
echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT, data in $PG_DIR" \
     "(fsync $(pg_cluster_psql "$PG_PORT" rows 'SHOW fsync'), synchronous_commit" \
     "$(pg_cluster_psql "$PG_PORT" rows 'SHOW synchronous_commit'), shared_buffers" \
     "$(pg_cluster_psql "$PG_PORT" rows 'SHOW shared_buffers'))"
LEVELS=(1 16 64)
declare -A RESULT   # RESULT[store,level] = payouts/s

# bench_level KEY LEVEL PORT… : payment-bench with LEVEL callers spread over the instances at PORT…, in parallel;
# prints each process's line and records the summed throughput.
bench_level() {
  local key=$1 level=$2
  shift 2
  local ports=("$@") count=${#ports[@]} pids=() outs=() i callers
  for i in "${!ports[@]}"; do
    callers=$(( level / count + (i < level % count ? 1 : 0) ))
    [ "$callers" -gt 0 ] || continue
    outs+=("$STATE/bench-$key-$level-$i.out")
    "$BIN/payment-bench" --target "127.0.0.1:${ports[$i]}" --concurrency "$callers" --seconds "$SECONDS_PER_RUN" \
      --rate 0 --batches 0 >"${outs[-1]}" 2>&1 &
    pids+=($!)
  done
  local failed=0
  for i in "${pids[@]}"; do wait "$i" || failed=1; done
  [ "$failed" = 0 ] || { cat "${outs[@]}" >&2; exit 1; }
  local total=0 line rate
  for i in "${outs[@]}"; do
    line=$(grep 'concurrent callers' "$i")
    echo "    $line"
    rate=$(sed -E 's/.* ([0-9]+)\/s,.*/\1/' <<<"$line")
    total=$(( total + rate ))
  done
  RESULT[$key,$level]=$total
  printf '  %-22s %3d callers: %6d payouts/s\n' "$key" "$level" "$total"
}

echo
echo "CreatePayout on SQLite (1 instance):"
start_server sqlite 50161 9201 PAYMENT_RPC_STORE_SQLITE_PATH="$STATE/bench.sqlite"
for level in "${LEVELS[@]}"; do bench_level sqlite "$level" 50161; done
stop_servers

echo
echo "CreatePayout on PostgreSQL, 1 instance:"
migrate() {
  PAYMENT_RPC_STORE_POSTGRES_URL="$(pg_cluster_url "$PG_PORT" "$1")" "$BIN/payment-rpc" migrate \
    >"$STATE/migrate-$1.log" 2>&1 || { echo "payment-rpc migrate failed:" >&2; cat "$STATE/migrate-$1.log" >&2; exit 1; }
}
migrate one
start_server pg-one 50151 9191 PAYMENT_RPC_STORE_POSTGRES_URL="$(pg_cluster_url "$PG_PORT" one)"
for level in "${LEVELS[@]}"; do bench_level postgres-1 "$level" 50151; done
stop_servers

echo
echo "CreatePayout on PostgreSQL, 3 instances on one database (callers spread over them):"
migrate three
for n in 1 2 3; do
  start_server "pg-three-$n" $((50151 + n)) $((9191 + n)) PAYMENT_RPC_STORE_POSTGRES_URL="$(pg_cluster_url "$PG_PORT" three)"
done
for level in "${LEVELS[@]}"; do bench_level postgres-3 "$level" 50152 50153 50154; done
stop_servers

echo
PGBENCH_SECONDS=${PGBENCH_SECONDS:-10}
echo "pgbench on the same cluster: BEGIN; one single-row INSERT; COMMIT (-n, -T $PGBENCH_SECONDS):"
pg_cluster_psql "$PG_PORT" rows "CREATE TABLE bench_rows (id bigserial PRIMARY KEY, recipient text NOT NULL,
  amount_units bigint NOT NULL, created_at timestamptz NOT NULL DEFAULT now())"
cat >"$STATE/insert.sql" <<'SQL'
BEGIN;
INSERT INTO bench_rows (recipient, amount_units) VALUES ('TXYZopYRdj2D9XRtbG411XZZ3kM5VkAeBf', 1);
COMMIT;
SQL
for level in "${LEVELS[@]}"; do
  threads=$(( level < $(nproc) ? level : $(nproc) ))
  "$PGBENCH" -n -h 127.0.0.1 -p "$PG_PORT" -U postgres -c "$level" -j "$threads" -T "$PGBENCH_SECONDS" \
    -f "$STATE/insert.sql" rows >"$STATE/pgbench-$level.out" 2>&1 || { cat "$STATE/pgbench-$level.out" >&2; exit 1; }
  tps=$(sed -nE 's/^tps = ([0-9.]+) .*/\1/p' "$STATE/pgbench-$level.out" | head -1)
  latency=$(sed -nE 's/^latency average = (.*)$/\1/p' "$STATE/pgbench-$level.out")
  RESULT[pgbench,$level]=${tps%.*}
  printf '  %-22s %3d clients: %6d transactions/s (latency average %s)\n' pgbench "$level" "${tps%.*}" "$latency"
done

echo
echo "The ledger alone, in process (ledger-bench: createPayout with the group commit, no gRPC, $SECONDS_PER_RUN s each):"
# ledger_levels KEY FILE : prints the lines of a ledger-bench output and records their creates/s.
ledger_levels() {
  local key=$1 out=$2 line level
  while read -r line; do
    echo "    $line"
    level=$(sed -E 's/.*, ([0-9]+) callers:.*/\1/' <<<"$line")
    RESULT[$key,$level]=$(sed -E 's/.* ([0-9]+)\/s,.*/\1/' <<<"$line")
  done < <(grep ' callers: ' "$out")
}
"$BIN/ledger-bench" --sqlite-path "$STATE/ledger-alone.sqlite" --seconds "$SECONDS_PER_RUN" \
  >"$STATE/ledger-sqlite.out" 2>&1 || { cat "$STATE/ledger-sqlite.out" >&2; exit 1; }
ledger_levels ledger-sqlite "$STATE/ledger-sqlite.out"
pg_cluster_psql "$PG_PORT" postgres "CREATE DATABASE alone" >/dev/null
"$BIN/ledger-bench" --postgres-url "$(pg_cluster_url "$PG_PORT" alone)" --seconds "$SECONDS_PER_RUN" \
  >"$STATE/ledger-postgres.out" 2>&1 || { cat "$STATE/ledger-postgres.out" >&2; exit 1; }
ledger_levels ledger-postgres "$STATE/ledger-postgres.out"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf (b>0 ? "%.2f" : "-"), a/(b>0?b:1)}'; }
echo
echo "Summary (payouts/s through payment-rpc; ledger: creates/s in process; pgbench: single-row INSERT"
echo "transactions/s; ratio = payouts/s ÷ pgbench tps):"
printf '  %-7s %8s %11s %11s %9s %9s %9s %8s %8s %10s\n' callers sqlite postgres×1 postgres×3 "ledger sq" "ledger pg" \
  pgbench "ratio×1" "ratio×3" "ratio led"
for level in "${LEVELS[@]}"; do
  pgb=${RESULT[pgbench,$level]}
  printf '  %-7s %8d %11d %11d %9d %9d %9d %8s %8s %10s\n' "$level" "${RESULT[sqlite,$level]}" \
    "${RESULT[postgres-1,$level]}" "${RESULT[postgres-3,$level]}" "${RESULT[ledger-sqlite,$level]:-0}" \
    "${RESULT[ledger-postgres,$level]:-0}" "$pgb" "$(ratio "${RESULT[postgres-1,$level]}" "$pgb")" \
    "$(ratio "${RESULT[postgres-3,$level]}" "$pgb")" "$(ratio "${RESULT[ledger-postgres,$level]:-0}" "$pgb")"
done
