#!/usr/bin/env bash
# Applies deploy/k8s with the images pushed by deploy/push-images.sh, runs the migration Job to its
# end, then waits for the API and worker rollouts.
#   deploy/deploy-k8s.sh REGISTRY_URL TAG
# Needs kubectl (with kustomize, built in) pointed at the cluster, and KEDA installed there.
set -euo pipefail
cd "$(dirname "$0")/k8s"
registry=${1:?usage: deploy/deploy-k8s.sh REGISTRY_URL TAG}
registry=${registry#https://}
registry=${registry#http://}
registry=${registry%/}
tag=${2:?usage: deploy/deploy-k8s.sh REGISTRY_URL TAG}
namespace=strongbox

overlay=$(mktemp -d)
trap 'rm -rf "$overlay"' EXIT
cat >"$overlay/kustomization.yaml" <<YAML
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - $(pwd)
images:
  - name: strongbox/api
    newName: $registry/strongbox/api
    newTag: "$tag"
  - name: strongbox/worker
    newName: $registry/strongbox/worker
    newTag: "$tag"
YAML
# A Job's template cannot change: the previous migration Job goes before the new one is applied.
kubectl -n "$namespace" delete job strongbox-migrate --ignore-not-found
kubectl apply -k "$overlay"
kubectl -n "$namespace" wait --for=condition=complete --timeout=300s job/strongbox-migrate
kubectl -n "$namespace" rollout status deployment/strongbox-api --timeout=300s
kubectl -n "$namespace" rollout status deployment/strongbox-worker --timeout=300s
