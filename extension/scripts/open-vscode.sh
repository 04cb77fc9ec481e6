#!/usr/bin/env bash
# Opens Flotilla in a real VS Code on this machine: code-server on 127.0.0.1 with the
# example workspace. Prepares what the example needs exactly as `npm run example` does
# (a Docker engine, the local base images), installs code-server into .cache/ on first
# use, builds, prints the URL.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
bash extension/scripts/ensure-docker.sh
bash extension/scripts/base-images.sh 2> >(grep -v -e DEPRECATED -e 'legacy builder' -e buildx -e 'docs.docker.com' -e '^ *$' >&2)
bash extension/scripts/code-server-install.sh
node extension/scripts/bundle.mjs
exec node extension/scripts/code-server.mjs "${1:-$ROOT/examples/shop}"
