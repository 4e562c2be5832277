#!/usr/bin/env bash
# npm run demo: prepare the machine, build, and run the whole system once on the embedded defaults.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash infra/scripts/prepare-machine.sh
node infra/scripts/build.mjs >/dev/null
exec node --enable-source-maps dist/apps/demo/src/main.js "$@"
