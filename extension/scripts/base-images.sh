#!/usr/bin/env bash
# Builds the base images the example stack and the tests use, from this machine's
# own binaries, because no image registry is reachable here:
#   flotilla.local/busybox:1  static busybox
#   flotilla.local/node:20    the host's node binary + its shared libraries + busybox
# The tags say they were built locally, so they never shadow a registry image.
# On a machine with a registry you can skip this and point the example's
# NODE_IMAGE build argument at node:20-slim instead (see README).
set -euo pipefail

have() { docker image inspect "$1" >/dev/null 2>&1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

busybox_bin=$(command -v busybox || true)
if [ -z "$busybox_bin" ] || ldd "$busybox_bin" >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq busybox-static >/dev/null
    busybox_bin=/bin/busybox
  else
    echo "flotilla: a static busybox is needed to build base images (Debian: apt-get install busybox-static)" >&2
    exit 1
  fi
fi

if [ "${1:-}" = "--force" ] || ! have flotilla.local/busybox:1; then
  mkdir -p "$tmp/busybox"
  cp "$busybox_bin" "$tmp/busybox/busybox"
  cat > "$tmp/busybox/Dockerfile" <<'DF'
FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
CMD ["sh"]
DF
  docker build -q -t flotilla.local/busybox:1 --label dev.flotilla.base=1 "$tmp/busybox" >/dev/null
  echo "flotilla: built flotilla.local/busybox:1"
fi

if [ "${1:-}" = "--force" ] || ! have flotilla.local/node:20; then
  root="$tmp/node/root"
  mkdir -p "$root/usr/bin" "$root/bin" "$root/tmp"
  cp "$(readlink -f "$(command -v node)")" "$root/usr/bin/node"
  for lib in $(ldd "$(command -v node)" | grep -oE '/[^ ]+\.so[^ ]*'); do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
  cp "$busybox_bin" "$root/bin/busybox"
  cat > "$tmp/node/Dockerfile" <<'DF'
FROM scratch
COPY root/ /
RUN ["/bin/busybox", "--install", "-s", "/bin"]
ENV PATH=/usr/local/bin:/usr/bin:/bin
CMD ["node"]
DF
  docker build -q -t flotilla.local/node:20 --label dev.flotilla.base=1 "$tmp/node" >/dev/null
  echo "flotilla: built flotilla.local/node:20"
fi
