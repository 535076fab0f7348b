#!/usr/bin/env bash
# Builds the API and worker images from the repository root, each with every tag given.
#   deploy/build-images.sh [TAG...]            (default tag: latest)
# Environment:
#   IMAGE_PREFIX      image names are $IMAGE_PREFIX/api and $IMAGE_PREFIX/worker (default: strongbox);
#                     put a registry in front to push there, e.g. nexus.example.com:8443/strongbox
#   CONTAINER_CLI     docker (default) or podman
#   NODE_EXTRA_CA_CERTS  when set, handed to npm inside the build as the secret npm_ca (a proxy's CA)
set -euo pipefail
cd "$(dirname "$0")/.."
cli=${CONTAINER_CLI:-docker}
prefix=${IMAGE_PREFIX:-strongbox}
tags=("$@")
[ "${#tags[@]}" -gt 0 ] || tags=(latest)

args=()
if [ -n "${NODE_EXTRA_CA_CERTS:-}" ] && [ -s "$NODE_EXTRA_CA_CERTS" ]; then
  args+=(--secret "id=npm_ca,src=$NODE_EXTRA_CA_CERTS")
fi
# Podman writes OCI images by default, which have no HEALTHCHECK; the Docker format keeps it.
[ "$cli" = podman ] && args+=(--format docker)

for app in api worker; do
  names=()
  for tag in "${tags[@]}"; do names+=(-t "$prefix/$app:$tag"); done
  started=$(date +%s)
  "$cli" build "${args[@]}" -f "Dockerfile.$app" "${names[@]}" . >&2
  echo "built $prefix/$app (${tags[*]}) in $(( $(date +%s) - started )) s"
done
