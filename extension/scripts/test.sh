#!/usr/bin/env bash
# `npm test`: everything from a fresh machine. Starts (or installs) a Docker
# engine, builds the local base images, type-checks, bundles, then runs the unit,
# language-server, real-engine, swarm-lab and real-VS-Code suites. Exits non-zero on any
# failure and ends with one summary line.
set -uo pipefail
cd "$(dirname "$0")/../.."

log=$(mktemp -d)/test.log
stage() { printf '\n== %s ==\n' "$1"; }
fail() { echo "flotilla test: $1" >&2; exit 1; }

stage "Docker engine"
bash extension/scripts/ensure-docker.sh || fail "no Docker engine"
bash extension/scripts/base-images.sh 2> >(grep -v -e DEPRECATED -e 'legacy builder' -e buildx -e 'docs.docker.com' -e '^ *$' >&2) || fail "base images could not be built"

stage "Type check, lint, format and bundle"
npx tsc -p . --noEmit || fail "type errors"
npx tsc -p tsconfig.webview.json || fail "type errors in the graph webview (media/graph.js)"
npx eslint . || fail "lint errors (npm run lint)"
npx prettier --check --log-level warn "**/*.{ts,mjs,cjs,js,json,css}" || fail "files not formatted (npm run format)"
npm run --silent build || fail "bundle failed"

status=0
stage "Unit, language server and real-engine tests"
npx mocha --require tsx/cjs --timeout 120000 --reporter spec \
  'test/unit/**/*.test.ts' 'test/lsp/**/*.test.ts' 'test/integration/**/*.test.ts' 2>&1 | tee "$log"
[ "${PIPESTATUS[0]}" = 0 ] || status=1

stage "Docker Swarm lab (3 nodes and a registry in network namespaces; about 3 minutes)"
npx mocha --require tsx/cjs --timeout 600000 --reporter spec 'test/swarm/**/*.test.ts' 2>&1 | tee -a "$log"
[ "${PIPESTATUS[0]}" = 0 ] || status=1

if [ -f test/vscode/run.sh ]; then
  stage "Real VS Code (code-server + Playwright)"
  bash test/vscode/run.sh 2>&1 | tee -a "$log"
  [ "${PIPESTATUS[0]}" = 0 ] || status=1
fi

passed=$(grep -Eo '^ *[0-9]+ passing' "$log" | awk '{s+=$1} END {print s+0}')
failed=$(grep -Eo '^ *[0-9]+ failing' "$log" | awk '{s+=$1} END {print s+0}')
pending=$(grep -Eo '^ *[0-9]+ pending' "$log" | awk '{s+=$1} END {print s+0}')
[ "$failed" -gt 0 ] && status=1
[ "$passed" -gt 0 ] || status=1
echo
if [ "$pending" -gt 0 ]; then echo "tests: $passed passed, $failed failed, $pending skipped"; else echo "tests: $passed passed, $failed failed"; fi
exit $status
