#!/usr/bin/env bash
# REST through the whole chain: wrk → payment-gateway (JWT verified on every request) → beta-sidecar (mTLS) →
# payment-rpc (SQLite, durable). GET /api/payment/payouts/{id} and POST /api/payment/payouts, 64 connections,
# rate limits and payout limits lifted. Needs: apt-get install -y wrk.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-15s}
for product in payment-rpc beta-sidecar payment-gateway; do swift build -c release --product "$product" >/dev/null; done
BIN="$(swift build -c release --show-bin-path)"
WORK=$(mktemp -d)
trap 'kill $RPC $SIDECAR $GATEWAY 2>/dev/null; [ -n "${KEEP_WORK:-}" ] || rm -rf "$WORK"' EXIT
"$BIN/beta-sidecar" certs --dir "$WORK/certs" --issue ops/api-gateway --issue wallet/tron-payment >/dev/null
(umask 077 && head -c 32 /dev/urandom | base64 >"$WORK/jwt.secret")
PAYMENT_RPC_STORE_SQLITE_PATH="$WORK/p.sqlite" PAYMENT_RPC_GRPC_LISTEN=127.0.0.1:54051 PAYMENT_RPC_ADMIN_LISTEN=127.0.0.1:54090 \
  PAYMENT_RPC_GRPC_UNIX_SOCKET="$WORK/rpc.sock" PAYMENT_RPC_LIMITS_DAILY_UNITS=9000000000000000 \
  PAYMENT_RPC_LIMITS_HOURLY_UNITS=8000000000000000 PAYMENT_RPC_LOG_LEVEL=warning "$BIN/payment-rpc" >"$WORK/rpc.log" 2>&1 &
RPC=$!
sleep 1
"$BIN/beta-sidecar" run --listen 127.0.0.1:54443 --admin-listen 127.0.0.1:54091 --admin-grpc-listen 127.0.0.1:54092 \
  --upstream "unix:$WORK/rpc.sock" --cert "$WORK/certs/wallet-tron-payment.pem" --key "$WORK/certs/wallet-tron-payment.key" \
  --ca "$WORK/certs/ca.pem" --log-level warning >"$WORK/sidecar.log" 2>&1 &
SIDECAR=$!
"$BIN/payment-gateway" --listen 127.0.0.1:54080 --admin-listen 127.0.0.1:54081 --sidecar localhost:54443 \
  --cert "$WORK/certs/ops-api-gateway.pem" --key "$WORK/certs/ops-api-gateway.key" --ca "$WORK/certs/ca.pem" \
  --jwt-secret-file "$WORK/jwt.secret" --no-rate-limits --log-level warning >"$WORK/gateway.log" 2>&1 &
GATEWAY=$!
for _ in $(seq 100); do curl -sf http://127.0.0.1:54080/api/payment/health >/dev/null && break; sleep 0.1; done
TOKEN=$("$BIN/payment-gateway" token --jwt-secret-file "$WORK/jwt.secret" --subject bench --role service)
ID=$(curl -s -X POST http://127.0.0.1:54080/api/payment/payouts -H "Authorization: Bearer $TOKEN" \
  -d '{"idempotencyKey":"bench-get","recipientAddress":"TE2vQGQiihnDQ2qSi4guvFs2QXw3W3Nxrp","amountUnits":"1","reason":"bench"}' \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["payout"]["payoutId"])')
cat >"$WORK/post.lua" <<LUA
counter = 0
request = function()
  counter = counter + 1
  local body = string.format('{"idempotencyKey":"wrk-%d-%d","recipientAddress":"TE2vQGQiihnDQ2qSi4guvFs2QXw3W3Nxrp","amountUnits":"1","reason":"bench"}', math.random(1, 1000000000), counter)
  return wrk.format("POST", "/api/payment/payouts", {["Authorization"] = "Bearer $TOKEN", ["Content-Type"] = "application/json"}, body)
end
LUA
echo "machine: $(nproc) cores; $DURATION per run, 64 connections, 2 wrk threads"
echo "== GET /api/payment/payouts/{id}"
wrk -t2 -c64 -d"$DURATION" --latency -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:54080/api/payment/payouts/$ID" \
  | grep -E "Requests/sec|50%|99%|Non-2xx|Socket errors"
echo "== POST /api/payment/payouts"
wrk -t2 -c64 -d"$DURATION" --latency -s "$WORK/post.lua" http://127.0.0.1:54080 | grep -E "Requests/sec|50%|99%|Non-2xx|Socket errors"
