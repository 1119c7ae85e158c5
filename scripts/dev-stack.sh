#!/usr/bin/env bash
# Runs the local stack on embedded defaults, state in .state/:
#   tron-devnet   http://127.0.0.1:8090   (3 s blocks; the hot wallet funded with 1,000,000 TRX and 1,000,000 USDT)
#   payment-rpc   gRPC 127.0.0.1:50051 (and unix:.state/payment-rpc.sock), admin http://127.0.0.1:9090
# The hot-wallet key is generated on first run into .state/hot-wallet.key (mode 0600). Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .state
for product in payment-rpc tron-devnet payctl; do swift build --product "$product"; done
BIN="$(swift build --show-bin-path)"
[ -f .state/hot-wallet.key ] || "$BIN/payctl" keys generate --out .state/hot-wallet.key >/dev/null
HOT=$("$BIN/payctl" keys address --key-file .state/hot-wallet.key)

"$BIN/tron-devnet" --listen 127.0.0.1:8090 --state-file .state/devnet.json \
  --fund "$HOT:1000000000000:1000000000000" &
DEVNET=$!
trap 'kill -TERM $DEVNET $SERVER 2>/dev/null; wait' EXIT INT TERM
PAYMENT_RPC_PROCESSOR_ENABLED=true PAYMENT_RPC_WALLET_KEY_FILE=.state/hot-wallet.key \
  "$BIN/payment-rpc" --config config/development.yaml &
SERVER=$!
sleep 2
cat <<TXT

tron-devnet  http://127.0.0.1:8090      hot wallet $HOT
payment-rpc  grpc://127.0.0.1:50051     admin http://127.0.0.1:9090/health   metrics http://127.0.0.1:9090/metrics

Create a payout (grpcurl, or any gRPC client; python: see tests/e2e):
  grpcurl -plaintext -import-path proto -import-path /usr/share/gocode/src/github.com/gogo/googleapis \\
    -proto lucid/payment/v1/payment.proto \\
    -d '{"idempotency_key":"demo-1","recipient_address":"TE2vQGQiihnDQ2qSi4guvFs2QXw3W3Nxrp","amount_units":"1500000","reason":"demo"}' \\
    127.0.0.1:50051 lucid.payment.v1.PaymentService/CreatePayout
It is CONFIRMED about a minute later (19 blocks of 3 s). Balance on the devnet:
  curl -s -d '{"address":"TE2vQGQiihnDQ2qSi4guvFs2QXw3W3Nxrp"}' http://127.0.0.1:8090/admin/balance
TXT
wait
