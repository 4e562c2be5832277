#!/usr/bin/env bash
# Validates docker-compose.yml without a Docker engine: `docker compose config -q` when the compose plugin is
# there, otherwise Debian's docker-compose (installed if missing).
set -euo pipefail
cd "$(dirname "$0")/../.."
# The file requires the secrets (`${JWT_SECRET:?…}`); random ones of this check only, as a deployment makes its own.
export JWT_SECRET="${JWT_SECRET:-$(openssl rand -base64 48)}" ACK_TOKEN_SECRET="${ACK_TOKEN_SECRET:-$(openssl rand -base64 48)}"
if docker compose version >/dev/null 2>&1; then
  docker compose config -q
else
  if ! command -v docker-compose >/dev/null; then
    if [ "$(id -u)" -eq 0 ]; then DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose >/dev/null; else sudo apt-get install -y -qq docker-compose >/dev/null; fi
  fi
  docker-compose config -q
fi
echo "docker-compose.yml is valid"
