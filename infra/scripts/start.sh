#!/usr/bin/env bash
# npm start: prepare the machine, build (server and console), and run the whole system on the embedded defaults
# with the demo's data, serving the console, until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash infra/scripts/prepare-machine.sh
node infra/scripts/build.mjs >/dev/null
exec node --enable-source-maps dist/apps/demo/src/start.js "$@"
