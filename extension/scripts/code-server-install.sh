#!/usr/bin/env bash
# Installs code-server 4.100.3 (the real VS Code 1.100.3 workbench and extension host)
# into .cache/code-server/, offline-friendly: only the npm registry and Debian apt are
# needed. Idempotent: returns at once when the pinned version is already installed.
# code-server is deliberately not a project dependency (300 MB, native modules).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VERSION=4.100.3
CACHE="${FLOTILLA_CODE_SERVER_CACHE:-$ROOT/.cache/code-server}"
BIN="$CACHE/node_modules/.bin/code-server"
STAMP="$CACHE/.installed-$VERSION"

if [[ -f "$STAMP" && -x "$BIN" ]]; then
  echo "code-server $VERSION already installed in $CACHE"
  exit 0
fi

# apt prerequisites: compilers and headers for argon2/kerberos/node-pty, ripgrep to
# seed @vscode/ripgrep (its postinstall downloads from GitHub otherwise), chromium
# for the Playwright UI tests.
PKGS=(build-essential python3 pkg-config libkrb5-dev libsecret-1-dev libx11-dev libxkbfile-dev ripgrep chromium)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing apt packages: ${missing[*]}"
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

mkdir -p "$CACHE/tmp"
export TMPDIR="$CACHE/tmp"
RG_CACHE="$TMPDIR/vscode-ripgrep-cache-1.15.11"
RG_TGZ="$RG_CACHE/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
if [[ ! -f "$RG_TGZ" ]]; then
  mkdir -p "$RG_CACHE"
  tar czf "$RG_TGZ" -C "$(dirname "$(command -v rg)")" rg
fi

cd "$CACHE"
[[ -f package.json ]] || echo '{"name":"flotilla-code-server-cache","private":true}' > package.json
echo "installing code-server $VERSION into $CACHE (about 2 minutes)"
npm_config_unsafe_perm=true npm_config_yes=true npm_config_nodedir=/usr \
  npm install --no-audit --no-fund --loglevel=error --save-exact "code-server@$VERSION"
HOME="$CACHE/tmp" XDG_CONFIG_HOME="$CACHE/tmp" "$BIN" --version
touch "$STAMP"
