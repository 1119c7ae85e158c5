#!/usr/bin/env bash
# Runs the local stack on embedded defaults, state in .state/ (created on first run: hot-wallet key, dev CA and
# certificates):
#   tron-devnet   http://127.0.0.1:8090   3 s blocks; the hot wallet funded with 1,000,000 TRX and 1,000,000 USDT
#   payment-rpc   gRPC 127.0.0.1:50051 and unix:.state/payment-rpc.sock, admin http://127.0.0.1:9090
#   beta-sidecar  mTLS 127.0.0.1:50443 in front of payment-rpc (acl/wallet_plane.acl), admin http://127.0.0.1:9443
#   payment-gateway  http://127.0.0.1:8080/api/payment (JWT HS256 with a development secret), metrics :9080
# Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .state
for product in payment-rpc tron-devnet payctl beta-sidecar payment-gateway; do swift build --product "$product"; done
BIN="$(swift build --show-bin-path)"
[ -f .state/hot-wallet.key ] || "$BIN/payctl" keys generate --out .state/hot-wallet.key >/dev/null
[ -f .state/certs/ca.pem ] || "$BIN/beta-sidecar" certs --dir .state/certs \
  --issue wallet/tron-payment --issue ops/api-gateway --issue chain/tron-node >/dev/null
HOT=$("$BIN/payctl" keys address --key-file .state/hot-wallet.key)
if [ ! -f .state/jwt.secret ]; then
  (umask 077 && head -c 32 /dev/urandom | base64 > .state/jwt.secret)
fi

PIDS=()
trap 'kill -TERM "${PIDS[@]}" 2>/dev/null; wait' EXIT INT TERM
"$BIN/tron-devnet" --listen 127.0.0.1:8090 --state-file .state/devnet.json \
  --fund "$HOT:1000000000000:1000000000000" &
PIDS+=($!)
PAYMENT_RPC_PROCESSOR_ENABLED=true PAYMENT_RPC_WALLET_KEY_FILE=.state/hot-wallet.key \
  "$BIN/payment-rpc" --config config/development.yaml &
PIDS+=($!)
sleep 1
"$BIN/beta-sidecar" run --config config/sidecar-wallet.yaml &
PIDS+=($!)
"$BIN/payment-gateway" --listen 127.0.0.1:8080 --admin-listen 127.0.0.1:9080 --sidecar localhost:50443 \
  --cert .state/certs/ops-api-gateway.pem --key .state/certs/ops-api-gateway.key --ca .state/certs/ca.pem \
  --jwt-secret-file .state/jwt.secret &
PIDS+=($!)
sleep 2
TOKEN=$("$BIN/payment-gateway" token --jwt-secret-file .state/jwt.secret --subject operator-1 --role node_operator)
cat <<TXT

tron-devnet   http://127.0.0.1:8090        hot wallet $HOT
payment-rpc   grpc://127.0.0.1:50051       admin http://127.0.0.1:9090/health   metrics http://127.0.0.1:9090/metrics
beta-sidecar  grpcs://localhost:50443      admin http://127.0.0.1:9443/ready    registry http://127.0.0.1:9443/registry
gateway       http://127.0.0.1:8080/api/payment   docs http://127.0.0.1:8080/api/payment/openapi.yaml
              client certificates: .state/certs/ops-api-gateway.{pem,key} (allowed), chain-tron-node.* (denied)

A development token (node_operator, 1 h):
  export TOKEN=$TOKEN
Create a payout over REST, then read it:
  curl -s -X POST http://127.0.0.1:8080/api/payment/payouts -H "Authorization: Bearer \$TOKEN" \
    -d '{"idempotencyKey":"demo-1","recipientAddress":"TE2vQGQiihnDQ2qSi4guvFs2QXw3W3Nxrp","amountUnits":"1500000","reason":"demo"}'
  curl -s http://127.0.0.1:8080/api/payment/payouts -H "Authorization: Bearer \$TOKEN"
Or over gRPC through the sidecar (mTLS as ops/api-gateway), followed to CONFIRMED:
  scripts/example-payout.py [RECIPIENT] [AMOUNT_UNITS]
It is CONFIRMED about a minute later (19 blocks of 3 s). The recipient's balance on the devnet:
  curl -s -d '{"address":"TE2vQGQiihnDQ2qSi4guvFs2QXw3W3Nxrp"}' http://127.0.0.1:8090/admin/balance
TXT
wait
