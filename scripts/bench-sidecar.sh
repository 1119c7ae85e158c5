#!/usr/bin/env bash
# The sidecar hop's cost: unary gRPC calls against a trivial upstream (payment-rpc's Health/Check), 64 concurrent
# streams, the same load generator (hop-bench, grpc-swift) three ways: direct (h2c), through beta-sidecar (mTLS,
# ACL decided per call), through nginx (Debian, grpc_pass, mTLS). This is the `hop` section of scripts/bench-all.sh
# (Benchmarks/bench_all.py), run alone. Needs: apt-get install -y nginx-light.
#   SECONDS_PER_RUN=S (default 10); LUCID_BIN_DIR=DIR uses DIR's release programs instead of building them.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -n "${LUCID_BIN_DIR:-}" ]; then
  BIN="$LUCID_BIN_DIR"
else
  for product in payment-rpc beta-sidecar hop-bench; do swift build -c release --product "$product" >/dev/null; done
  BIN="$(swift build -c release --show-bin-path)"
fi
exec python3 Benchmarks/bench_all.py --only hop --bin "$BIN" --peers "" --seconds "${SECONDS_PER_RUN:-10}" \
  --json .build/bench-sidecar.json
