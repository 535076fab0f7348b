#!/usr/bin/env bash
# `npm test` against Redis and MariaDB running as sidecar containers (what the Jenkins pipeline does),
# instead of the servers npm test would start from the machine's binaries. Arguments go to vitest.
#   deploy/test-with-sidecars.sh [VITEST ARGS...]
# Uses the Docker engine when one answers, else podman (deploy/containers/engine.sh).
# Environment: REDIS_IMAGE (redis:7-bookworm), MARIADB_IMAGE (mariadb:11).
set -euo pipefail
cd "$(dirname "$0")/.."
name="strongbox-test-$$"
redis_image=${REDIS_IMAGE:-redis:7-bookworm}
mariadb_image=${MARIADB_IMAGE:-mariadb:11}

# shellcheck source=deploy/containers/engine.sh
source deploy/containers/engine.sh
stop() {
  "$cli" rm -f "$name-redis" "$name-mariadb" >/dev/null 2>&1 || true
  engine_stop
}
trap stop EXIT
engine_start "$(pwd)/.strongbox/containers/sidecars" >/dev/null
cli=$CONTAINER_CLI

"$cli" run -d --name "$name-redis" -p 127.0.0.1::6379 "$redis_image" \
  redis-server --maxmemory-policy noeviction --save '' --appendonly no >/dev/null
"$cli" run -d --name "$name-mariadb" -p 127.0.0.1::3306 -e MARIADB_ALLOW_EMPTY_ROOT_PASSWORD=1 \
  "$mariadb_image" --max-connections=500 >/dev/null
port_of() { "$cli" port "$1" "$2" | head -n 1 | sed 's/.*://'; }
redis_port=$(port_of "$name-redis" 6379)
mariadb_port=$(port_of "$name-mariadb" 3306)

deadline=$(( $(date +%s) + 120 ))
until "$cli" exec "$name-redis" redis-cli ping 2>/dev/null | grep -q PONG &&
  "$cli" exec "$name-mariadb" healthcheck.sh --connect --innodb_initialized >/dev/null 2>&1; do
  [ "$(date +%s)" -lt "$deadline" ] || { echo "the sidecars did not come up within 120 s" >&2; exit 1; }
  sleep 1
done
echo "sidecars: redis on 127.0.0.1:$redis_port, mariadb on 127.0.0.1:$mariadb_port"

REDIS_URL="redis://127.0.0.1:$redis_port" DATABASE_URL="mysql://root@127.0.0.1:$mariadb_port/strongbox" \
  npm test -- "$@"
