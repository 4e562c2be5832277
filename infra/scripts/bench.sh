#!/usr/bin/env bash
# npm run bench [-- --quick | --n=100000 | --profile | --only=raw-kafka,p10]: see bench/src/main.ts.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash infra/scripts/prepare-machine.sh
node infra/scripts/build.mjs >/dev/null
exec node --enable-source-maps dist/bench/src/main.js "$@"
