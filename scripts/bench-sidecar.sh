#!/usr/bin/env bash
# The sidecar hop's cost: unary gRPC calls against a trivial upstream (payment-rpc's Health/Check), 64 concurrent
# streams, the same load generator (hop-bench, grpc-swift) three ways: direct (h2c), through beta-sidecar (mTLS,
# ACL decided per call), through nginx (Debian, grpc_pass, mTLS). Needs: apt-get install -y nginx.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_RUN=${SECONDS_PER_RUN:-10}
for product in payment-rpc beta-sidecar hop-bench; do swift build -c release --product "$product" >/dev/null; done
BIN="$(swift build -c release --show-bin-path)"
WORK=$(mktemp -d)
trap 'kill $RPC $SIDECAR 2>/dev/null; nginx -p "$WORK" -c "$WORK/nginx.conf" -s stop 2>/dev/null; rm -rf "$WORK"' EXIT
"$BIN/beta-sidecar" certs --dir "$WORK/certs" --issue ops/api-gateway --issue wallet/tron-payment >/dev/null
PAYMENT_RPC_STORE_SQLITE_PATH="$WORK/p.sqlite" PAYMENT_RPC_GRPC_LISTEN=127.0.0.1:52051 PAYMENT_RPC_ADMIN_LISTEN=127.0.0.1:52090 \
  PAYMENT_RPC_LOG_LEVEL=warning "$BIN/payment-rpc" >"$WORK/rpc.log" 2>&1 &
RPC=$!
"$BIN/beta-sidecar" run --listen 127.0.0.1:52443 --admin-listen 127.0.0.1:52091 --upstream 127.0.0.1:52051 \
  --cert "$WORK/certs/wallet-tron-payment.pem" --key "$WORK/certs/wallet-tron-payment.key" --ca "$WORK/certs/ca.pem" \
  --log-level warning >"$WORK/sidecar.log" 2>&1 &
SIDECAR=$!
mkdir -p "$WORK/logs"
cat >"$WORK/nginx.conf" <<CONF
worker_processes auto;
pid $WORK/nginx.pid;
error_log $WORK/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $WORK/logs; proxy_temp_path $WORK/logs; fastcgi_temp_path $WORK/logs; uwsgi_temp_path $WORK/logs; scgi_temp_path $WORK/logs;
  upstream payment { server 127.0.0.1:52051; keepalive 16; keepalive_requests 100000000; }
  server {
    listen 127.0.0.1:52444 ssl http2;
    ssl_certificate $WORK/certs/wallet-tron-payment.pem;
    ssl_certificate_key $WORK/certs/wallet-tron-payment.key;
    ssl_client_certificate $WORK/certs/ca.pem;
    ssl_verify_client on;
    keepalive_requests 100000000;
    location / { grpc_pass grpc://payment; }
  }
}
CONF
nginx -p "$WORK" -c "$WORK/nginx.conf"
for _ in $(seq 100); do curl -sf http://127.0.0.1:52091/ready >/dev/null && break; sleep 0.1; done
echo "machine: $(nproc) cores; $SECONDS_PER_RUN s per run, 64 concurrent streams, unary Health/Check"
MTLS=(--cert "$WORK/certs/ops-api-gateway.pem" --key "$WORK/certs/ops-api-gateway.key" --ca "$WORK/certs/ca.pem")
"$BIN/hop-bench" --target 127.0.0.1:52051 --seconds "$SECONDS_PER_RUN" --name "direct (h2c)"
"$BIN/hop-bench" --target localhost:52443 --seconds "$SECONDS_PER_RUN" --name "beta-sidecar (mTLS)" "${MTLS[@]}"
"$BIN/hop-bench" --target localhost:52444 --seconds "$SECONDS_PER_RUN" --name "nginx grpc_pass (mTLS)" "${MTLS[@]}"
