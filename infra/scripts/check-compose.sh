#!/usr/bin/env bash
# Validates docker-compose.yml without a Docker engine: `docker compose config -q` when the compose plugin is
# there, otherwise Debian's docker-compose (installed if missing). The file must refuse to start without the
# secrets (`${JWT_SECRET:?…}`: no default value in the repository) and be valid with them.
set -euo pipefail
cd "$(dirname "$0")/../.."
if docker compose version >/dev/null 2>&1; then
  compose() { docker compose "$@"; }
else
  if ! command -v docker-compose >/dev/null; then
    if [ "$(id -u)" -eq 0 ]; then DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose >/dev/null; else sudo apt-get install -y -qq docker-compose >/dev/null; fi
  fi
  compose() { docker-compose "$@"; }
fi
SECRETS=(JWT_SECRET ACK_TOKEN_SECRET POSTGRES_PASSWORD ALEM_APP_DB_PASSWORD)
for secret in "${SECRETS[@]}"; do
  if (for s in "${SECRETS[@]}"; do export "$s=x"; done; unset "$secret"; compose config -q) 2>/dev/null; then
    echo "docker-compose.yml starts without $secret: it must require it" >&2
    exit 1
  fi
done
# Random secrets of this check only; a deployment makes its own (docs/deployment.md "Secrets").
random_secret() { node -e "process.stdout.write(require('node:crypto').randomBytes(48).toString('base64'))"; }
JWT_SECRET="$(random_secret)" ACK_TOKEN_SECRET="$(random_secret)" POSTGRES_PASSWORD="$(random_secret)" \
  ALEM_APP_DB_PASSWORD="$(random_secret)" compose config -q
echo "docker-compose.yml is valid"
