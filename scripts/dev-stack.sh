#!/usr/bin/env bash
# Runs the local stack on embedded defaults: today payment-rpc on SQLite in .state/ (gRPC 127.0.0.1:50051,
# admin http://127.0.0.1:9090). Ctrl-C stops it cleanly.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .state
swift build --product payment-rpc
BIN="$(swift build --show-bin-path)"
"$BIN/payment-rpc" check-config config/development.yaml
echo
echo "payment-rpc: gRPC 127.0.0.1:50051 (and unix:.state/payment-rpc.sock), admin http://127.0.0.1:9090/health"
echo "try:  grpcurl -plaintext -import-path proto -import-path /usr/share/gocode/src/github.com/gogo/googleapis \\"
echo "        -proto lucid/payment/v1/payment.proto -d '{\"idempotency_key\":\"demo-1\",\"recipient_address\":\"TXYZopYRdj2D9XRtbG411XZZ3kM5VkAeBf\",\"amount_units\":\"1500000\",\"reason\":\"demo\"}' \\"
echo "        127.0.0.1:50051 lucid.payment.v1.PaymentService/CreatePayout"
echo
exec "$BIN/payment-rpc" --config config/development.yaml
