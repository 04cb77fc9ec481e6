#!/usr/bin/env bash
# Builds flotilla-<version>.vsix offline with @vscode/vsce: production bundles (minified,
# no source maps; vscode:prepublish runs the bundler), no node_modules (everything is
# bundled), contents limited by .vscodeignore. Prints the file and its size.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
version=$(node -p 'require("./package.json").version')
out="${1:-$ROOT/flotilla-$version.vsix}"
rm -f dist/*.map
flags=(--no-dependencies --allow-missing-repository --allow-star-activation --out "$out")
[[ -f LICENSE || -f LICENSE.md ]] || flags+=(--skip-license)
npx --no-install vsce package "${flags[@]}"
npx --no-install vsce ls --no-dependencies 2>/dev/null | sed 's/^/  /'
size=$(stat -c %s "$out")
echo "$(basename "$out"): $size bytes ($(awk -v s="$size" 'BEGIN{printf "%.1f", s/1048576}') MiB)"
node extension/scripts/bundle.mjs  # restore the development bundles (with source maps)
