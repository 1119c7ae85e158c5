#!/usr/bin/env bash
# The test command: builds once, runs the Swift tests, then the end-to-end tests that start the built
# payment-rpc binary and call it from Python grpcio (an independent client).
#   needs: Swift 6.2+, libsqlite3-dev, python3 with grpcio grpcio-tools grpcio-health-checking pytest
set -euo pipefail
cd "$(dirname "$0")/.."

swift build --build-tests
swift test --skip-build

tests/e2e/gen_stubs.sh
PAYMENT_RPC_BIN="$(swift build --show-bin-path)/payment-rpc" python3 -m pytest -q tests/e2e
