#!/usr/bin/env bash
# Benchmarks payment-rpc (release build) on loopback: CreatePayout at 1/16/64 concurrent callers and at
# 1,000/s offered, and 1,000-item CreateBatch. The ledger is the real durable SQLite file (WAL,
# synchronous=FULL) in a temporary directory; limits are lifted so the run measures throughput, not refusals.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product payment-rpc
swift build -c release --product payment-bench
BIN="$(swift build -c release --show-bin-path)"
STATE=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null; rm -rf "$STATE"' EXIT
PAYMENT_RPC_STORE_SQLITE_PATH="$STATE/bench.sqlite" PAYMENT_RPC_GRPC_LISTEN=127.0.0.1:50151 \
PAYMENT_RPC_ADMIN_LISTEN=127.0.0.1:9191 PAYMENT_RPC_LIMITS_DAILY_UNITS=9000000000000000 \
PAYMENT_RPC_LIMITS_HOURLY_UNITS=8000000000000000 PAYMENT_RPC_LOG_LEVEL=warning \
  "$BIN/payment-rpc" > "$STATE/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 100); do curl -sf http://127.0.0.1:9191/ready >/dev/null && break; sleep 0.1; done
echo "machine: $(nproc) cores, $(uname -r); ledger on $(df -h "$STATE" | awk 'NR==2{print $1}')"
"$BIN/payment-bench" --target 127.0.0.1:50151 "$@"
