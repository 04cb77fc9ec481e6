#!/usr/bin/env bash
# Opens Flotilla in a real VS Code on this machine: code-server on 127.0.0.1 with the
# example workspace. Installs code-server into .cache/ on first use, builds, prints the URL.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
bash extension/scripts/code-server-install.sh
node extension/scripts/bundle.mjs
exec node extension/scripts/code-server.mjs "${1:-$ROOT/examples/shop}"
