#!/usr/bin/env bash
# Builds the images offline, the way distroless images are made: the runtime root is assembled from Debian packages
# (apt-get download + dpkg-deb -x), the programs are release builds with the Swift runtime linked in
# (--static-swift-stdlib), and each image is built FROM scratch (deploy/images/Containerfile.offline). payctl is
# payment-rpc under another name (a link), so it costs the payment-rpc image nothing.
#
#   deploy/build-images.sh [--bin-dir DIR] [--tag TAG] [--max-mb N]
#
#   --bin-dir DIR  take the programs from DIR (a `swift build -c release --static-swift-stdlib` bin path) instead of
#                  building them here
#   --tag TAG      image tag (default dev): lucid/payment-rpc:TAG, lucid/beta-sidecar:TAG, lucid/payment-gateway:TAG,
#                  lucid/tron-devnet:TAG, lucid/socks-proxy:TAG, lucid/tor-proxy:TAG
#   --max-mb N     fail when an image is larger than N MB compressed, as a registry stores and sends it (default 80)
#   --max-unpacked-mb N  fail when an image is larger than N MB unpacked, as `podman images` shows it (default 120)
#
# Needs: podman (or IMAGE_BUILDER=docker), apt-get with Debian 12 package lists (apt-get update), dpkg-deb, tar,
# strip, readelf. Writes only under .build/images/. Prints each image's size.
set -euo pipefail
cd "$(dirname "$0")/.."
umask 022 # the image's files are read by uid 65532: a stricter umask would make them unreadable

BIN_DIR=""
TAG="dev"
MAX_MB=80
MAX_UNPACKED_MB=120
while [ $# -gt 0 ]; do
  case "$1" in
    --bin-dir) BIN_DIR="$2"; shift 2 ;;
    --tag) TAG="$2"; shift 2 ;;
    --max-mb) MAX_MB="$2"; shift 2 ;;
    --max-unpacked-mb) MAX_UNPACKED_MB="$2"; shift 2 ;;
    *) echo "build-images.sh: unknown argument $1 (see the comment at the top)" >&2; exit 2 ;;
  esac
done
BUILDER="${IMAGE_BUILDER:-podman}"
PROGRAMS=(payment-rpc beta-sidecar payment-gateway tron-devnet)

if [ -z "$BIN_DIR" ]; then
  for program in "${PROGRAMS[@]}"; do
    swift build -c release --static-swift-stdlib --product "$program"
  done
  BIN_DIR="$(swift build -c release --static-swift-stdlib --show-bin-path)"
fi
for program in "${PROGRAMS[@]}"; do
  [ -x "$BIN_DIR/$program" ] || { echo "build-images.sh: $BIN_DIR/$program is missing (--bin-dir)" >&2; exit 1; }
done

WORK=.build/images
CONTEXT="$WORK/context"
rm -rf "$CONTEXT" "$WORK/root" "$WORK/state"
mkdir -p "$WORK/debs" "$CONTEXT/bin" "$CONTEXT/share" "$CONTEXT/links/payment-rpc/usr/local/bin" "$WORK/root" \
  "$WORK/state"

# The runtime: what distroless's cc-debian12 holds (glibc, libgcc, libstdc++, CA certificates, time zones, /etc
# basics) plus the two libraries the programs link (SQLite, libsecp256k1), and microsocks for the egress stand-in.
PACKAGES=(libc6 libgcc-s1 libstdc++6 zlib1g ca-certificates tzdata netbase libsqlite3-0 libsecp256k1-1 microsocks)
(cd "$WORK/debs" && apt-get download -qq "${PACKAGES[@]}" 2>/dev/null) || {
  echo "build-images.sh: apt-get download ${PACKAGES[*]} failed (run apt-get update first)" >&2; exit 1; }
for package in "${PACKAGES[@]}"; do
  deb=$(ls -t "$WORK/debs/${package}_"*.deb | head -1)
  dpkg-deb -x "$deb" "$WORK/root"
done
ROOT="$WORK/root"
# Documentation, manuals, maintainer scripts' data and locales are not needed to run anything.
rm -rf "$ROOT"/usr/share/{doc,man,info,lintian,locale,bug,gdb,gcc} "$ROOT"/usr/share/zoneinfo/{posix,right} \
  "$ROOT"/usr/sbin "$ROOT"/sbin "$ROOT"/usr/lib/x86_64-linux-gnu/gconv "$ROOT"/usr/lib/aarch64-linux-gnu/gconv \
  "$ROOT"/etc/ld.so.conf.d "$ROOT"/usr/share/ca-certificates/mozilla/.keep
find "$ROOT/usr/bin" -type f ! -name microsocks -delete 2>/dev/null || true
# ca-certificates ships the certificates; its maintainer script would build the bundle, so build it here.
mkdir -p "$ROOT/etc/ssl/certs"
cat "$ROOT"/usr/share/ca-certificates/mozilla/*.crt > "$ROOT/etc/ssl/certs/ca-certificates.crt"
rm -rf "$ROOT/usr/share/ca-certificates"
# Users: root and nonroot (65532), as in distroless; no login shells exist.
cat > "$ROOT/etc/passwd" <<'TXT'
root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
TXT
cat > "$ROOT/etc/group" <<'TXT'
root:x:0:
nobody:x:65534:
nonroot:x:65532:
TXT
printf 'hosts: files dns\nnetworks: files\n' > "$ROOT/etc/nsswitch.conf"
ln -sf ../usr/share/zoneinfo/UTC "$ROOT/etc/localtime"
mkdir -p "$ROOT/root" "$ROOT/tmp" "$ROOT/usr/local/bin"
chmod 1777 "$ROOT/tmp"
chmod 0700 "$ROOT/root"
# Writable places the programs use, owned by nonroot: volumes mounted there start with this owner (a named volume
# copies it from the image), so payment-rpc can create its socket and ledger without running as root. Only these
# leaves belong to 65532 (state.tar is written without recursion); their parents are root's, in the runtime root.
STATE_DIRS=(home/nonroot run/lucid/grpc run/lucid/wallet var/lib/lucid/ledger var/lib/tor)
for directory in "${STATE_DIRS[@]}"; do
  mkdir -p "$WORK/state/$directory" "$ROOT/$(dirname "$directory")"
done
chmod 0750 "$WORK/state/run/lucid/wallet" "$WORK/state/var/lib/lucid/ledger"
chmod 0700 "$WORK/state/var/lib/tor" # tor refuses a DataDirectory others may read

# Reproducible archives: fixed times, sorted names, numeric owners.
TAR=(tar --sort=name --mtime=@0 --numeric-owner --no-acls --no-xattrs)
"${TAR[@]}" --owner=0 --group=0 -cf "$CONTEXT/runtime.tar" -C "$ROOT" --exclude=./usr/bin/microsocks .
"${TAR[@]}" --owner=65532 --group=65532 --no-recursion -cf "$CONTEXT/state.tar" -C "$WORK/state" \
  "${STATE_DIRS[@]/#/./}"
install -m 0755 "$ROOT/usr/bin/microsocks" "$CONTEXT/bin/microsocks"

# Tor for the production egress plane (lucid/tor-proxy): Debian's tor and the libraries it links, on top of the
# runtime. Only the client is used (deploy/k8s/base/egress/tor-proxy.yaml has the torrc).
TOR_PACKAGES=(tor libevent-2.1-7 libssl3 libcap2 liblzma5 libseccomp2 libsystemd0 libzstd1 libgcrypt20 libgpg-error0
  liblz4-1)
(cd "$WORK/debs" && apt-get download -qq "${TOR_PACKAGES[@]}" 2>/dev/null) || {
  echo "build-images.sh: apt-get download ${TOR_PACKAGES[*]} failed" >&2; exit 1; }
TOR_ROOT="$WORK/tor-root"
rm -rf "$TOR_ROOT" && mkdir -p "$TOR_ROOT"
for package in "${TOR_PACKAGES[@]}"; do
  dpkg-deb -x "$(ls -t "$WORK/debs/${package}_"*.deb | head -1)" "$TOR_ROOT"
done
# The tor binary, its libraries and its geoip-free defaults; not its init scripts, manuals or the relay tooling.
rm -rf "$TOR_ROOT"/{etc,usr/share,usr/sbin,lib/systemd} "$TOR_ROOT"/usr/bin/{torify,tor-gencert,tor-print-ed-signing-cert,tor-resolve}
mkdir -p "$TOR_ROOT/etc/tor"

# Every library an ELF file asks for must be in its image's root: found here, not as a crash at start.
check_needed() { # check_needed FILE ROOT...
  local file="$1" needed found; shift
  for needed in $(readelf -d "$file" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
    found="$(find "${@/%//lib}" "${@/%//usr/lib}" -name "$needed" -print -quit 2>/dev/null || true)"
    if [ -z "$found" ]; then
      echo "build-images.sh: $file needs $needed, which is not in the image (add its package)" >&2
      exit 1
    fi
  done
}
for program in "${PROGRAMS[@]}"; do
  strip -o "$CONTEXT/bin/$program" "$BIN_DIR/$program"
  check_needed "$CONTEXT/bin/$program" "$ROOT"
done
while IFS= read -r -d '' library; do check_needed "$library" "$ROOT"; done \
  < <(find "$ROOT/lib" "$ROOT/usr/lib" -name '*.so*' -type f -print0)
while IFS= read -r -d '' file; do check_needed "$file" "$ROOT" "$TOR_ROOT"; done \
  < <(find "$TOR_ROOT" -type f \( -name '*.so*' -o -path '*/bin/*' \) -print0)
"${TAR[@]}" --owner=0 --group=0 -cf "$CONTEXT/tor.tar" -C "$TOR_ROOT" .
cp -R openapi "$CONTEXT/share/openapi"
# payctl is payment-rpc called by that name: one statically linked binary in the image, not two.
ln -s payment-rpc "$CONTEXT/links/payment-rpc/usr/local/bin/payctl"

FORMAT=()
if [ "$BUILDER" = podman ]; then FORMAT=(--format docker); fi # HEALTHCHECK is a Docker-format instruction
status=0
# Unpacked: the layers' size on disk (`podman images`). Compressed: the saved image through gzip -6, what a registry
# stores and a pull transfers. Most of each Swift program is the Swift runtime it carries: Foundation's ICU data
# alone is 34 MB of every binary (deploy/README.md, "Images").
printf '%-28s %9s %11s\n' image unpacked compressed
for target in payment-rpc beta-sidecar payment-gateway tron-devnet socks-proxy tor-proxy; do
  "$BUILDER" build -q "${FORMAT[@]}" -f deploy/images/Containerfile.offline --target "$target" \
    -t "lucid/$target:$TAG" "$CONTEXT" >/dev/null
  unpacked=$(("$("$BUILDER" image inspect --format '{{.Size}}' "lucid/$target:$TAG")" / 1000000))
  compressed=$(("$("$BUILDER" save "lucid/$target:$TAG" 2>/dev/null | gzip -6 | wc -c)" / 1000000))
  printf '%-28s %6d MB %8d MB\n' "lucid/$target:$TAG" "$unpacked" "$compressed"
  if [ "$compressed" -gt "$MAX_MB" ] || [ "$unpacked" -gt "$MAX_UNPACKED_MB" ]; then
    echo "build-images.sh: lucid/$target:$TAG is larger than $MAX_MB MB compressed or $MAX_UNPACKED_MB MB unpacked" >&2
    status=1
  fi
done
exit $status
