#!/usr/bin/env bash
# Runs the local stack on embedded defaults, state in .state/ (created on first run: hot-wallet key, dev CA and
# certificates):
#   tron-devnet   http://127.0.0.1:8090   3 s blocks; the hot wallet funded with 1,000,000 TRX and 1,000,000 USDT
#   payment-rpc   gRPC 127.0.0.1:50051 and unix:.state/payment-rpc.sock, admin http://127.0.0.1:9090
#   beta-sidecar  mTLS 127.0.0.1:50443 in front of payment-rpc (acl/wallet_plane.acl), admin http://127.0.0.1:9443
# Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .state
for product in payment-rpc tron-devnet payctl beta-sidecar; do swift build --product "$product"; done
BIN="$(swift build --show-bin-path)"
[ -f .state/hot-wallet.key ] || "$BIN/payctl" keys generate --out .state/hot-wallet.key >/dev/null
[ -f .state/certs/ca.pem ] || "$BIN/beta-sidecar" certs --dir .state/certs \
  --issue wallet/tron-payment --issue ops/api-gateway --issue chain/tron-node >/dev/null
HOT=$("$BIN/payctl" keys address --key-file .state/hot-wallet.key)

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
sleep 2
cat <<TXT

tron-devnet   http://127.0.0.1:8090        hot wallet $HOT
payment-rpc   grpc://127.0.0.1:50051       admin http://127.0.0.1:9090/health   metrics http://127.0.0.1:9090/metrics
beta-sidecar  grpcs://localhost:50443      admin http://127.0.0.1:9443/ready    registry http://127.0.0.1:9443/registry
              client certificates: .state/certs/ops-api-gateway.{pem,key} (allowed), chain-tron-node.* (denied)

Create a payout through the sidecar (mTLS as ops/api-gateway) and follow it to CONFIRMED:
  scripts/example-payout.py [RECIPIENT] [AMOUNT_UNITS]
It is CONFIRMED about a minute later (19 blocks of 3 s). The recipient's balance on the devnet:
  curl -s -d '{"address":"TE2vQGQiihnDQ2qSi4guvFs2QXw3W3Nxrp"}' http://127.0.0.1:8090/admin/balance
TXT
wait
