#!/bin/sh
# What the official redis image's entrypoint does that docker-compose.yml relies on: options alone
# go to redis-server; it listens on every address and runs as redis.
set -e
if [ "${1#-}" != "$1" ]; then set -- redis-server "$@"; fi
if [ "$1" = redis-server ]; then
  shift
  set -- redis-server --bind '*' --protected-mode no "$@"
  if [ "$(id -u)" = 0 ]; then chown -R redis:redis . ; exec setpriv --reuid=redis --regid=redis --init-groups "$@"; fi
fi
exec "$@"
