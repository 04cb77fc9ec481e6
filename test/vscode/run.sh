#!/usr/bin/env bash
# All real-VS-Code tests, in one entry point (the last stage of `npm test`):
#   1. installs code-server 4.100.3 into .cache/code-server if missing (and Chromium);
#   2. builds the extension bundles and the extension-host suite;
#   3. runs the window-free unit tests of the extension's pure parts, then the extension-host mocha suite inside code-server's extension host;
#      its Deploy to Swarm… test starts the 3-node swarm lab (test/swarm/lab.sh, needs root) and tears it down;
#   4. runs the Playwright UI tests: Restricted Mode, then the example stack on the local
#      Docker engine (Up, scale, kill/heal, rolling restart, shell, logs, graph, endpoints,
#      Problems, Down).
# Exits non-zero on any failure. Screenshots: test-artifacts/vscode/.
# FLOTILLA_VSCODE_TESTS=ext runs only step 3, =ui only step 4.
set -euo pipefail
# Everything runs inside main, so bash has parsed the whole file before it starts
# (editing this file during a run cannot change the run).
main() {
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
which="${FLOTILLA_VSCODE_TESTS:-all}"

bash extension/scripts/code-server-install.sh
node extension/scripts/bundle.mjs
node test/vscode/build.mjs
mkdir -p test-artifacts/vscode

status=0
if [[ "$which" == all || "$which" == ext ]]; then
  echo "== extension logic without a window (views wording, graph model)"
  npx mocha --no-config --require tsx/cjs 'test/vscode/unit/*.test.ts' || status=1
  echo "== extension-host tests (code-server $(cat .cache/code-server/node_modules/code-server/package.json | node -pe 'JSON.parse(require("fs").readFileSync(0)).version'))"
  node test/vscode/run-extension-host.mjs || status=1
fi
if [[ "$which" == all || "$which" == ui ]]; then
  echo "== UI tests (Playwright + Chromium, example stack on Docker)"
  # The UI test runs the example stack: it needs a Docker engine and the local base images.
  [[ -f extension/scripts/ensure-docker.sh ]] && bash extension/scripts/ensure-docker.sh
  [[ -f extension/scripts/base-images.sh ]] && bash extension/scripts/base-images.sh
  # tsx lets a UI test use the TypeScript test support (the fresh-machine test's private Docker daemon).
  npx mocha --no-config --node-option import=tsx --timeout 900000 'test/vscode/ui/*.test.mjs' || status=1
fi
return $status
}
main "$@"
exit $?
