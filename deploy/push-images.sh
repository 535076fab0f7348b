#!/usr/bin/env bash
# Tags the images deploy/build-images.sh made and pushes them to a registry (a Nexus Docker
# registry, or any other), with the commit and the branch as tags.
#   REGISTRY_URL=nexus.example.com:8443 REGISTRY_USER=... REGISTRY_PASSWORD=... deploy/push-images.sh TAG...
# Environment: IMAGE_PREFIX as given to build-images.sh (default strongbox); CONTAINER_CLI (docker);
# REGISTRY_TLS_VERIFY=false for a registry without TLS (podman only; Docker reads its own
# insecure-registries setting). Prints each pushed name.
set -euo pipefail
cli=${CONTAINER_CLI:-docker}
registry=${REGISTRY_URL:?set REGISTRY_URL, e.g. nexus.example.com:8443}
registry=${registry#https://}
registry=${registry#http://}
registry=${registry%/}
prefix=${IMAGE_PREFIX:-strongbox}
[ $# -gt 0 ] || { echo "usage: deploy/push-images.sh TAG..." >&2; exit 2; }

tls=()
[ "$cli" = podman ] && [ "${REGISTRY_TLS_VERIFY:-true}" = false ] && tls=(--tls-verify=false)
if [ -n "${REGISTRY_USER:-}" ]; then
  printf '%s' "${REGISTRY_PASSWORD:?set REGISTRY_PASSWORD with REGISTRY_USER}" |
    "$cli" login "${tls[@]}" --username "$REGISTRY_USER" --password-stdin "$registry" >/dev/null
fi
for app in api worker; do
  for tag in "$@"; do
    target="$registry/strongbox/$app:$tag"
    "$cli" tag "$prefix/$app:$tag" "$target"
    "$cli" push "${tls[@]}" "$target" >/dev/null
    echo "pushed $target"
  done
done
