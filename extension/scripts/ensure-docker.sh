#!/usr/bin/env bash
# Makes sure a Docker engine answers. Honours DOCKER_HOST, else the default socket.
# On a Debian machine where we are root and no engine runs, installs Debian's
# docker.io and starts dockerd in the background; anywhere else it stops with a
# message that says how to start Docker.
set -euo pipefail

sock=/var/run/docker.sock
answers() {
  if [ -n "${DOCKER_HOST:-}" ]; then
    node -e '
      const u = new URL(process.env.DOCKER_HOST);
      const http = require("http");
      const o = u.protocol === "unix:" ? { socketPath: u.pathname } : { host: u.hostname, port: u.port || 2375 };
      http.get({ ...o, path: "/_ping", timeout: 3000 }, r => process.exit(r.statusCode === 200 ? 0 : 1))
        .on("error", () => process.exit(1)).on("timeout", () => process.exit(1));'
  else
    [ -S "$sock" ] && node -e '
      require("http").get({ socketPath: "'"$sock"'", path: "/_ping", timeout: 3000 }, r => process.exit(r.statusCode === 200 ? 0 : 1))
        .on("error", () => process.exit(1)).on("timeout", () => process.exit(1));'
  fi
}

if answers; then exit 0; fi

if [ -n "${DOCKER_HOST:-}" ]; then
  echo "flotilla: no Docker engine answers at DOCKER_HOST=$DOCKER_HOST. Start that engine, or unset DOCKER_HOST to use $sock." >&2
  exit 1
fi

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null || ! grep -qi debian /etc/os-release 2>/dev/null; then
  echo "flotilla: no Docker engine answers at $sock. Start Docker (Docker Desktop, or 'sudo systemctl start docker' on Linux) and try again." >&2
  exit 1
fi

if ! command -v dockerd >/dev/null; then
  echo "flotilla: installing Debian's docker.io (no Docker engine on this machine)..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq docker.io busybox-static >/dev/null
fi

echo "flotilla: starting dockerd in the background (log: /var/log/dockerd.log)..."
# setsid: a daemon started from a test runner or an editor task must outlive that process group.
setsid nohup dockerd >/var/log/dockerd.log 2>&1 &
for _ in $(seq 1 120); do
  if answers; then echo "flotilla: Docker engine is up."; exit 0; fi
  sleep 0.5
done
echo "flotilla: dockerd did not answer within 60 s; see /var/log/dockerd.log" >&2
exit 1
