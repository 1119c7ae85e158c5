#!/usr/bin/env bash
# Regenerates the committed OpenAPI documents (openapi/), the gateway shim, the server's request checks
# (Sources/PaymentAPI/Generated/payment.constraints.swift) and the codegen golden fixtures (Tests/CodegenTests/Fixtures)
# with Debian's protoc and protoc-gen-lucid-rest. Descriptor sets are committed so the golden tests need no protoc.
#   needs: apt-get install -y protobuf-compiler golang-github-gogo-googleapis-dev
set -euo pipefail
cd "$(dirname "$0")/.."
GOOGLEAPIS=/usr/share/gocode/src/github.com/gogo/googleapis
swift build --product protoc-gen-lucid-rest >/dev/null
swift build --product payment-gateway >/dev/null
PLUGIN="$(swift build --show-bin-path)/protoc-gen-lucid-rest"
# The per-RPC rate limits the document states are the gateway's own (RateLimiter.seedLimits), printed by the binary
# that enforces them, so the two cannot drift.
RATES="$("$(swift build --show-bin-path)/payment-gateway" rate-limits)"
[[ -n "$RATES" ]] || { echo "payment-gateway rate-limits printed nothing" >&2; exit 1; }
FIX=Tests/CodegenTests/Fixtures
mkdir -p openapi
protoc -I proto -I "$GOOGLEAPIS" --plugin=protoc-gen-lucid-rest="$PLUGIN" --lucid-rest_out=openapi \
  --lucid-rest_opt="title=payment,rate_limits=$RATES" proto/lucid/payment/v1/payment.proto proto/lucid/payment/v1/admin.proto \
  proto/lucid/payment/v1/treasury.proto
protoc -I proto -I "$GOOGLEAPIS" --include_imports --include_source_info --descriptor_set_out="$FIX/payment.pb" \
  proto/lucid/payment/v1/payment.proto proto/lucid/payment/v1/admin.proto \
  proto/lucid/payment/v1/treasury.proto
protoc -I "$FIX" -I proto -I "$GOOGLEAPIS" --include_imports --include_source_info --descriptor_set_out="$FIX/http_forms.pb" \
  "$FIX/http_forms.proto"
protoc -I "$FIX" -I proto -I "$GOOGLEAPIS" --plugin=protoc-gen-lucid-rest="$PLUGIN" --lucid-rest_out="$FIX" \
  --lucid-rest_opt="title=http_forms,rate_limits=GetBook:60;CreateBook:10" "$FIX/http_forms.proto"
cp openapi/payment.openapi.json openapi/payment.openapi.yaml "$FIX/"
mv openapi/payment.rest.swift Sources/PaymentGateway/Generated/payment.rest.swift
mv openapi/payment.constraints.swift Sources/PaymentAPI/Generated/payment.constraints.swift
echo "generated: $(ls openapi) and fixtures in $FIX"
