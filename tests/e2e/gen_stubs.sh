#!/usr/bin/env bash
# Generates Python grpcio stubs from proto/ into tests/e2e/gen (not committed): an independent client.
set -euo pipefail
cd "$(dirname "$0")"
PURELIB=$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
rm -rf gen && mkdir -p gen
python3 -m grpc_tools.protoc -I ../../proto -I "$PURELIB" --python_out=gen --grpc_python_out=gen \
  ../../proto/lucid/api/v1/constraints.proto ../../proto/lucid/payment/v1/payment.proto \
  ../../proto/lucid/payment/v1/admin.proto ../../proto/lucid/payment/v1/treasury.proto \
  ../../proto/lucid/sidecar/v1/registry.proto
