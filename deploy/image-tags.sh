#!/usr/bin/env bash
# Prints the tags an image build gets: the short commit, and the branch made safe for a tag
# (Docker tags: letters, digits, "_", "." and "-", at most 128 characters).
#   deploy/image-tags.sh [BRANCH]   (default: $BRANCH_NAME as Jenkins sets it, else git's branch)
set -euo pipefail
cd "$(dirname "$0")/.."
commit=$(git rev-parse --short=12 HEAD)
branch=${1:-${BRANCH_NAME:-$(git rev-parse --abbrev-ref HEAD)}}
branch=$(printf '%s' "$branch" | tr -c 'A-Za-z0-9_.-' '-' | sed 's/^[.-]*//' | cut -c1-128)
echo "$commit ${branch:-detached}"
