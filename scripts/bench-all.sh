#!/usr/bin/env bash
# Every performance figure of issue 14 in one run, each beside its peer, printed and written as JSON
# (Benchmarks/bench_all.py has the sections): the disk's fsync latency first; start-up time and RSS of each program;
# the transport (payment-rpc's Health/Check, grpc-swift-2 alone, grpc-go, grpcio; h2load); CreatePayout at
# 1/16/64 callers and 1,000/s offered; the sidecar hop beside nginx grpc_pass; the gateway beside a FastAPI peer.
#
#   scripts/bench-all.sh [--seconds S] [--json FILE] [--only transport|create|hop|gateway]...
#
# Builds the release programs once (LUCID_BIN_DIR=DIR uses DIR's instead) and the grpc-go peer from Debian's
# packages. Needs: apt-get install -y nghttp2-client wrk nginx-light golang-go golang-google-grpc-dev;
# pip install -r tests/e2e/requirements.txt -r Benchmarks/peers/requirements.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -n "${LUCID_BIN_DIR:-}" ]; then
  BIN="$LUCID_BIN_DIR"
else
  for product in payment-rpc beta-sidecar payment-gateway payment-bench hop-bench grpc-noop; do
    swift build -c release --product "$product"
  done
  BIN="$(swift build -c release --show-bin-path)"
fi
PEERS="${LUCID_PEERS_DIR:-.build/peers}"
mkdir -p "$PEERS"
PEERS="$(cd "$PEERS" && pwd)"
(cd Benchmarks/peers/grpc-go-health && GO111MODULE=off GOPATH="$PWD/.gopath:/usr/share/gocode" \
  GOCACHE="${GOCACHE:-/tmp/lucid-gocache}" go build -o "$PEERS/grpc-go-health" .)
[ -d tests/e2e/gen ] || tests/e2e/gen_stubs.sh
exec python3 Benchmarks/bench_all.py --bin "$BIN" --peers "$PEERS" "$@"
