#!/usr/bin/env bash
# npm test: lint, format check, type-check, compile, and every test (unit, integration, end-to-end) on the real
# local Postgres, Redis, Kafka-protocol broker and SMTP capture.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash infra/scripts/prepare-machine.sh
echo "== lint";        npx eslint . --max-warnings 0
echo "== format";      npx prettier --check . --log-level warn
echo "== compose";     bash infra/scripts/check-compose.sh
echo "== type-check";  npx tsc -p tsconfig.json --noEmit && npx tsc -p apps/console/tsconfig.json --noEmit
echo "== build";       node infra/scripts/build.mjs
echo "== tests";       npx jest --ci "$@"
echo "== bench smoke"; node dist/bench/src/main.js --quick
