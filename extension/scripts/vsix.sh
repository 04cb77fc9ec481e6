#!/usr/bin/env bash
# Builds flotilla-<version>.vsix offline with @vscode/vsce: production bundles (minified,
# no source maps; vscode:prepublish runs the bundler), no node_modules (everything is
# bundled), contents limited by .vscodeignore. Prints the file and its size.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
version=$(node -p 'require("./package.json").version')
out="${1:-$ROOT/flotilla-$version.vsix}"
# vscode:prepublish leaves minified bundles without maps: restore the development
# bundles afterwards, whatever happens.
trap 'node extension/scripts/bundle.mjs' EXIT
rm -f dist/*.map
# The README's relative links (docs in the repo) stay as they are: there is no
# published repository URL to rewrite them against.
flags=(--no-dependencies --allow-missing-repository --allow-star-activation --no-rewrite-relative-links --out "$out")
[[ -f LICENSE || -f LICENSE.md ]] || flags+=(--skip-license)
npx --no-install vsce package "${flags[@]}"
npx --no-install vsce ls --no-dependencies 2>/dev/null | sed 's/^/  /'
size=$(stat -c %s "$out")
echo "$(basename "$out"): $size bytes ($(awk -v s="$size" 'BEGIN{printf "%.1f", s/1048576}') MiB)"
