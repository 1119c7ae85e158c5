#!/usr/bin/env bash
# The test command: builds once, runs the Swift tests, then the end-to-end tests that start the built binaries
# (payment-rpc, tron-devnet, payctl) and drive them from Python: grpcio as an independent gRPC client, tronpy as an
# independent TRON client.
#   needs: Swift 6.2+, libsqlite3-dev, libsecp256k1-dev, python3 with tests/e2e/requirements.txt
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/format.sh
swift build --build-tests
swift test --skip-build

BIN="$(swift build --show-bin-path)"
"$BIN/beta-sidecar" acl test --policy acl/wallet_plane.acl --cases acl/wallet_plane.cases
tests/e2e/gen_stubs.sh
LUCID_BIN_DIR="$BIN" python3 -m pytest -q tests/e2e
