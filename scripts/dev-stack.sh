#!/usr/bin/env bash
# Runs the local stack on embedded defaults, state in .state/ (created on first run: hot-wallet key, dev CA and
# certificates):
#   tron-devnet   http://127.0.0.1:8090   3 s blocks; the hot wallet funded with 1,000,000 TRX and 1,000,000 USDT
#   payment-rpc   gRPC 127.0.0.1:50051 and unix:.state/payment-rpc.sock, admin http://127.0.0.1:9090
#   beta-sidecar  mTLS 127.0.0.1:50443 in front of payment-rpc (acl/wallet_plane.acl), admin http://127.0.0.1:9443
#   payment-gateway  http://127.0.0.1:8080/api/payment (JWT HS256 with a development secret), metrics :9080
# Ctrl-C stops everything.
#
# --postgres: the shared PostgreSQL ledger instead of SQLite. A cluster of its own in .state/postgres (Debian's
# postgresql, initdb on first use, 127.0.0.1:55433 (LUCID_PG_PORT), database lucid, trust authentication; stopped on exit;
# `rm -rf .state/postgres` starts it afresh), migrated with `payment-rpc migrate`, and two payment-rpc instances
# paying from it (processor on in both, one hot wallet), each behind its own beta-sidecar, registered in that
# sidecar's embedded registry:
#   payment-rpc #1  gRPC 127.0.0.1:50051, unix:.state/payment-rpc.sock,   admin http://127.0.0.1:9090
#   beta-sidecar #1 mTLS 127.0.0.1:50443 → #1, admin http://127.0.0.1:9443, registry gRPC 127.0.0.1:9444
#   payment-rpc #2  gRPC 127.0.0.1:50052, unix:.state/payment-rpc-2.sock, admin http://127.0.0.1:9091
#   beta-sidecar #2 mTLS 127.0.0.1:50453 → #2, admin http://127.0.0.1:9453, registry gRPC 127.0.0.1:9454
# The gateway calls sidecar #1. LUCID_BIN_DIR=DIR uses binaries built there instead of building.
set -euo pipefail
cd "$(dirname "$0")/.."
POSTGRES=false
for arg in "$@"; do
  case "$arg" in
    --postgres) POSTGRES=true ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option: $arg (only --postgres)" >&2; exit 2 ;;
  esac
done
mkdir -p .state
if [ -n "${LUCID_BIN_DIR:-}" ]; then
  BIN="$LUCID_BIN_DIR"
else
  for product in payment-rpc tron-devnet payctl beta-sidecar payment-gateway; do swift build --product "$product"; done
  BIN="$(swift build --show-bin-path)"
fi
[ -f .state/hot-wallet.key ] || "$BIN/payctl" keys generate --out .state/hot-wallet.key >/dev/null
[ -f .state/certs/ca.pem ] || "$BIN/beta-sidecar" certs --dir .state/certs \
  --issue wallet/tron-payment --issue ops/api-gateway --issue chain/tron-node >/dev/null
HOT=$("$BIN/payctl" keys address --key-file .state/hot-wallet.key)
if [ ! -f .state/jwt.secret ]; then
  (umask 077 && head -c 32 /dev/urandom | base64 > .state/jwt.secret)
fi

PIDS=()
PG_DIR=.state/postgres
PG_PORT=${LUCID_PG_PORT:-55433}
cleanup() {
  trap - EXIT INT TERM
  if [ ${#PIDS[@]} -gt 0 ]; then kill -TERM "${PIDS[@]}" 2>/dev/null || true; fi
  wait || true
  if [ "$POSTGRES" = true ]; then pg_cluster_stop "$PG_DIR" fast; fi
}
trap cleanup EXIT INT TERM
if [ "$POSTGRES" = true ]; then
  # shellcheck source=scripts/postgres-cluster.sh
  . scripts/postgres-cluster.sh
  pg_cluster_start "$PG_DIR" "$PG_PORT" lucid
  export PAYMENT_RPC_STORE_POSTGRES_URL
  PAYMENT_RPC_STORE_POSTGRES_URL=$(pg_cluster_url "$PG_PORT" lucid)
  "$BIN/payment-rpc" migrate --config config/development.yaml
fi
"$BIN/tron-devnet" --listen 127.0.0.1:8090 --state-file .state/devnet.json \
  --fund "$HOT:1000000000000:1000000000000" &
PIDS+=($!)
PAYMENT_RPC_PROCESSOR_ENABLED=true PAYMENT_RPC_WALLET_KEY_FILE=.state/hot-wallet.key \
  "$BIN/payment-rpc" --config config/development.yaml &
PIDS+=($!)
if [ "$POSTGRES" = true ]; then
  PAYMENT_RPC_PROCESSOR_ENABLED=true PAYMENT_RPC_WALLET_KEY_FILE=.state/hot-wallet.key \
  PAYMENT_RPC_GRPC_LISTEN=127.0.0.1:50052 PAYMENT_RPC_GRPC_UNIX_SOCKET=.state/payment-rpc-2.sock \
  PAYMENT_RPC_ADMIN_LISTEN=127.0.0.1:9091 \
    "$BIN/payment-rpc" --config config/development.yaml &
  PIDS+=($!)
fi
sleep 1
"$BIN/beta-sidecar" run --config config/sidecar-wallet.yaml &
PIDS+=($!)
if [ "$POSTGRES" = true ]; then
  BETA_SIDECAR_LISTEN=127.0.0.1:50453 BETA_SIDECAR_ADMIN_LISTEN=127.0.0.1:9453 \
  BETA_SIDECAR_ADMIN_GRPC_LISTEN=127.0.0.1:9454 BETA_SIDECAR_UPSTREAM=unix:.state/payment-rpc-2.sock \
    "$BIN/beta-sidecar" run --config config/sidecar-wallet.yaml &
  PIDS+=($!)
fi
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
TXT
if [ "$POSTGRES" = true ]; then
  cat <<TXT
ledger        $PAYMENT_RPC_STORE_POSTGRES_URL (PostgreSQL in $PG_DIR; psql -h 127.0.0.1 -p $PG_PORT -U postgres lucid)
payment-rpc#2 grpc://127.0.0.1:50052       admin http://127.0.0.1:9091/health   (same ledger, same hot wallet)
beta-sidecar#2 grpcs://localhost:50453     admin http://127.0.0.1:9453/ready    registry http://127.0.0.1:9453/registry
              registries: $BIN/beta-sidecar registry list --admin-grpc 127.0.0.1:9444 (and 127.0.0.1:9454)
TXT
fi
cat <<TXT

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
