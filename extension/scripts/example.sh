#!/usr/bin/env bash
# `npm run example`: bring up the example shop stack (examples/shop) in the
# foreground on this machine's Docker engine, starting one if needed.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash extension/scripts/ensure-docker.sh
bash extension/scripts/base-images.sh 2> >(grep -v -e DEPRECATED -e 'legacy builder' -e buildx -e 'docs.docker.com' -e '^ *$' >&2)
npm run --silent build
exec node extension/bin/flotilla.js up --stack examples/shop "$@"
