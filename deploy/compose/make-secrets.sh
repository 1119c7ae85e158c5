#!/usr/bin/env bash
# Creates the compose stack's secrets with the images' own tools (no Swift toolchain needed), in DIR (default
# deploy/compose/secrets):
#   hot-wallet.key                 a new hot-wallet key (payctl keys generate)
#   ca.pem, ca.key                 a development CA (beta-sidecar certs)
#   wallet-tron-payment.{pem,key}  the sidecar's certificate: spiffe://lucid/plane/wallet/service/tron-payment,
#                                  DNS name beta-sidecar (the host name the gateway dials)
#   ops-api-gateway.{pem,key}      the gateway's client certificate
#   chain-tron-node.{pem,key}      a chain-plane identity, which the wallet plane's ACL refuses (for trying it)
#   (only the sidecar's certificate carries the DNS name beta-sidecar)
#   jwt.secret                     the gateway's HS256 development secret
#   devnet.env                     LUCID_DEVNET_FUND=<hot wallet address>:TRX_SUN:USDT_UNITS for compose
# Every file is owned by 65532 (the programs' uid) with mode 0400 (certificates 0444); the directory is 0700.
#
#   deploy/compose/make-secrets.sh [DIR] [--tag TAG]
# An existing DIR is refused: rotating is making a new one and restarting (deploy/README.md).
set -euo pipefail
cd "$(dirname "$0")"
DIR="secrets"
TAG="${LUCID_TAG:-dev}"
while [ $# -gt 0 ]; do
  case "$1" in
    --tag) TAG="$2"; shift 2 ;;
    -*) echo "make-secrets.sh: unknown option $1" >&2; exit 2 ;;
    *) DIR="$1"; shift ;;
  esac
done
ENGINE="${CONTAINER_ENGINE:-podman}"
if [ -e "$DIR" ] && [ -n "$(ls -A "$DIR" 2>/dev/null)" ]; then
  echo "make-secrets.sh: $DIR exists and is not empty; move it away or name another directory" >&2
  exit 1
fi
mkdir -p "$DIR"
DIR="$(cd "$DIR" && pwd)"
# As root the files are chowned directly; rootless podman maps uid 65532 into its user namespace.
as_owner() { if [ "$(id -u)" = 0 ] || [ "$ENGINE" != podman ]; then "$@"; else podman unshare "$@"; fi; }
as_owner chown 65532:65532 "$DIR"
as_owner chmod 0700 "$DIR"

tool() { # tool IMAGE PROGRAM ARGS...: runs a program of an image as 65532 with DIR at /out
  local image="$1" program="$2"; shift 2
  "$ENGINE" run --rm --network none --read-only --cap-drop ALL --security-opt no-new-privileges \
    --user 65532:65532 -v "$DIR:/out:rw" --entrypoint "/usr/local/bin/$program" "lucid/$image:$TAG" "$@"
}
tool payment-rpc payctl keys generate --out /out/hot-wallet.key >/dev/null
# Only the sidecar's certificate names the host the gateway dials: a client identity's must not be able to pose as
# the sidecar.
tool beta-sidecar beta-sidecar certs --dir /out --issue wallet/tron-payment --dns beta-sidecar >/dev/null
tool beta-sidecar beta-sidecar certs --dir /out --issue ops/api-gateway --issue chain/tron-node >/dev/null
ADDRESS="$(tool payment-rpc payctl keys address --key-file /out/hot-wallet.key)"
# 32 random bytes, base64: the gateway's HS256 secret; written as the directory's owner (rootless: in podman's
# user namespace), like every other file here.
head -c 32 /dev/urandom | base64 | as_owner sh -c "umask 077 && cat > '$DIR/jwt.secret'"
as_owner chown 65532:65532 "$DIR/jwt.secret"
as_owner sh -c "chmod 0400 '$DIR'/*.key '$DIR/jwt.secret' && chmod 0444 '$DIR'/*.pem"
# 1,000,000 TRX and 1,000,000 USDT on the devnet (test money only).
echo "LUCID_DEVNET_FUND=$ADDRESS:1000000000000:1000000000000" | as_owner sh -c "cat > '$DIR/devnet.env'"
echo "secrets in $DIR; hot wallet $ADDRESS"
echo "start the stack: cd deploy/compose && env LUCID_SECRETS_DIR=$DIR \$(cat $DIR/devnet.env) podman-compose up -d"
