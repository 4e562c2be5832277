#!/usr/bin/env bash
# npm run drill [-- --faults=pg-restart | --faults=none | --quick | --results=N ...]: see apps/drill/src/main.ts.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash infra/scripts/prepare-machine.sh
node infra/scripts/build.mjs >/dev/null
exec node --enable-source-maps dist/apps/drill/src/main.js "$@"
