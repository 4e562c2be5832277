#!/usr/bin/env bash
# Makes a fresh machine ready for the demo, the tests and the benchmark: system packages (librdkafka-dev for
# the Kafka-protocol mock broker, a C compiler, Chromium for the console's browser tests), Node packages, the
# broker launcher, and running local Postgres and Redis. Safe to run again: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/../.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else "$@"; fi; }

missing=()
[ -f /usr/include/librdkafka/rdkafka_mock.h ] || missing+=(librdkafka-dev)
command -v gcc >/dev/null || missing+=(gcc libc6-dev)
command -v psql >/dev/null || missing+=(postgresql-client)
# The console's browser tests drive Debian's Chromium through playwright-core (never a browser download).
[ -x /usr/bin/chromium ] || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing system packages: ${missing[*]}"
  as_root apt-get update -qq || true
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "Installing Node packages (npm ci)…"
  if ! npm ci --no-audit --no-fund --loglevel=error >/tmp/alem-npm-ci.log 2>&1; then
    # Some npm 11 releases write lock files without the optional packages of other platforms (@swc/core-darwin-*)
    # and then refuse them in `npm ci`. `npm install` installs exactly the locked versions; the lock must not move.
    if grep -q "can only install packages when your package.json and package-lock.json" /tmp/alem-npm-ci.log; then
      echo "npm ci refused the lock file's platform entries; installing the locked versions with npm install…"
      cp package-lock.json /tmp/alem-package-lock.before
      npm install --no-audit --no-fund --loglevel=error
      if ! cmp -s package-lock.json /tmp/alem-package-lock.before; then
        echo "npm install changed package-lock.json: the lock file is out of date" >&2
        cp /tmp/alem-package-lock.before package-lock.json
        exit 1
      fi
    else
      cat /tmp/alem-npm-ci.log >&2
      exit 1
    fi
  fi
fi

bash infra/kafka-mock/build.sh >/dev/null

# Postgres on 127.0.0.1:5432 (trust auth) and Redis on 127.0.0.1:6379, started if they are not running.
if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    echo "Starting PostgreSQL…"
    as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start || true
  fi
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
  pg_isready -h 127.0.0.1 -p 5432 -q || { echo "PostgreSQL is not reachable on 127.0.0.1:5432" >&2; exit 1; }
fi
if ! (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; then
  if command -v redis-server >/dev/null; then
    echo "Starting Redis…"
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
    for _ in $(seq 1 30); do (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null && break; sleep 0.2; done
  fi
  (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null || { echo "Redis is not reachable on 127.0.0.1:6379" >&2; exit 1; }
fi
