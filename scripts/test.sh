#!/usr/bin/env bash
# The test command: builds once, runs the Swift tests, then the end-to-end tests that start the built binaries
# (payment-rpc, tron-devnet, payctl, beta-sidecar, payment-gateway) and drive them from Python (grpcio as an
# independent gRPC client, tronpy as an independent TRON client), and the deployed form: release images
# (deploy/build-images.sh) run as the compose stack with podman (tests/e2e/test_compose_stack.py).
#   needs: Swift 6.2+, libsqlite3-dev, libsecp256k1-dev, python3 with tests/e2e/requirements.txt; for the images
#   podman, runc and root (LUCID_SKIP_IMAGES=1 skips the release build, the images and the compose test)
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/format.sh
started=$SECONDS
swift build --build-tests
echo "test.sh: debug build with tests took $((SECONDS - started)) s"
swift test --skip-build

BIN="$(swift build --show-bin-path)"
"$BIN/beta-sidecar" acl test --policy acl/wallet_plane.acl --cases acl/wallet_plane.cases

IMAGE_TAG=""
if [ "${LUCID_SKIP_IMAGES:-0}" != 1 ] && [ "$(id -u)" != 0 ]; then
  echo "test.sh: not root, so no images and no compose or kube tests (rootful podman and nsenter); LUCID_SKIP_IMAGES=1 silences this"
elif [ "${LUCID_SKIP_IMAGES:-0}" != 1 ]; then
  IMAGE_TAG="test-$$"
  trap 'for image in payment-rpc beta-sidecar payment-gateway tron-devnet socks-proxy tor-proxy; do
          podman rmi -f "lucid/$image:$IMAGE_TAG" >/dev/null 2>&1 || true; done' EXIT
  # The images' programs: one release build with the Swift runtime linked in, reused for every image.
  started=$SECONDS
  for product in payment-rpc beta-sidecar payment-gateway tron-devnet; do
    swift build -c release --static-swift-stdlib --product "$product"
  done
  echo "test.sh: release build of the image programs took $((SECONDS - started)) s"
  export CONTAINERS_CONF="${CONTAINERS_CONF:-$PWD/deploy/podman/containers.conf}"
  deploy/build-images.sh --bin-dir "$(swift build -c release --static-swift-stdlib --show-bin-path)" --tag "$IMAGE_TAG"
fi

tests/e2e/gen_stubs.sh
LUCID_IMAGE_TAG="$IMAGE_TAG" LUCID_BIN_DIR="$BIN" python3 -m pytest -q tests/e2e
