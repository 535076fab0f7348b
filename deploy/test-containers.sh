#!/usr/bin/env bash
# `npm run test:containers`: builds the images and proves the composed stack for real.
#  1. installs what it needs (podman, runc, docker-compose, debootstrap, jq) when missing;
#  2. serves the Docker API from podman (deploy/containers/engine.sh) unless a Docker engine runs;
#  3. builds stand-ins for the official base images once, cached by tag (deploy/containers/stand-ins.sh);
#  4. builds both app images (deploy/build-images.sh);
#  5. docker-compose up with three workers, then deploy/smoke.sh against it;
#  6. checks that jobs ran on more than one worker container;
#  7. restarts the worker container running a large backup, and sees the job finish;
#  8. docker-compose down, and checks that nothing of the project is left;
#  9. pushes both images, tagged as the Jenkinsfile tags them, to a local registry (Debian's
#     docker-registry) with deploy/push-images.sh, and reads the tags back.
# Prints each step and how long it took. State (engine socket, stand-in build files, the bind-mounted
# source folder) lives in .strongbox/containers/.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
state="$repo/.strongbox/containers"
project=strongbox-test
run_started=$(date +%s)
mkdir -p "$state"

step_name=
step_started=0
step() { end_step; step_name=$*; step_started=$(date +%s); printf '\n==> %s\n' "$step_name"; }
end_step() {
  [ -n "$step_name" ] || return 0
  printf '<== %s: %d s\n' "$step_name" $(( $(date +%s) - step_started ))
  step_name=
}
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi; }

step "tools"
missing=()
command -v podman >/dev/null || missing+=(podman)
command -v runc >/dev/null || [ -x /usr/sbin/runc ] || missing+=(runc)
command -v docker-compose >/dev/null || missing+=(docker-compose)
command -v debootstrap >/dev/null || [ -x /usr/sbin/debootstrap ] || missing+=(debootstrap)
# Container DNS by service name on podman's CNI networks.
[ -x /usr/lib/cni/dnsname ] || missing+=(golang-github-containernetworking-plugin-dnsname)
command -v jq >/dev/null || missing+=(jq)
command -v docker-registry >/dev/null || missing+=(docker-registry)
command -v curl >/dev/null || missing+=(curl)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing: ${missing[*]}"
  as_root apt-get update -q
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
fi
export PATH="$PATH:/usr/sbin:/sbin"
echo "podman $(podman --version | awk '{print $3}'), $(docker-compose version --short 2>/dev/null | sed 's/^/docker-compose /')"

# shellcheck source=deploy/containers/engine.sh
source deploy/containers/engine.sh
compose() { docker-compose -p "$project" --env-file "$state/test.env" "$@"; }
cleanup() {
  local code=$?
  set +e
  if [ "$code" -ne 0 ] && [ -f "$state/test.env" ]; then
    echo "---- last lines of each container ----"
    compose logs --no-color --tail 30 2>/dev/null
  fi
  [ -f "$state/test.env" ] && compose down -v --remove-orphans >/dev/null 2>&1
  engine_stop
  trap - EXIT
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

step "container engine"
engine_start "$state"
[ "$CONTAINER_CLI" = podman ] || fail "this test drives podman; a Docker engine answered instead"
# Leftovers of an interrupted run of this test.
podman rm -f $(podman ps -aq --filter "label=com.docker.compose.project=$project") >/dev/null 2>&1 || true
podman volume rm $(podman volume ls -q --filter "label=com.docker.compose.project=$project") >/dev/null 2>&1 || true

step "stand-in base images (built once, reused by tag)"
deploy/containers/stand-ins.sh "$state/stand-ins"

step "app images"
read -r -a tags <<<"$(deploy/image-tags.sh)"
IMAGE_PREFIX=localhost/strongbox deploy/build-images.sh test "${tags[@]}"
for app in api worker; do
  image="localhost/strongbox/$app:test"
  size=$(podman image inspect "$image" --format '{{.Size}}')
  base=$(podman image inspect docker.io/library/node:24-bookworm-slim --format '{{.Size}}')
  printf '  %-28s %4d MB, %3d MB above its base\n' "$image" $(( size / 1000000 )) $(( (size - base) / 1000000 ))
  # The official node:24-bookworm-slim is about 230 MB: 20 MB more keeps an image under 250 MB.
  [ $(( size - base )) -le 20000000 ] || fail "$image adds more than 20 MB to its base (over 250 MB on the official one)"
done
podman run --rm --entrypoint sh localhost/strongbox/worker:test -c 'command -v sync >/dev/null && [ "$(id -u)" = 1000 ]' ||
  fail "the worker image lacks sync or does not run as uid 1000"

step "compose up with three workers"
port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
token=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
data="$state/data"
rm -rf "$data"
mkdir -p "$data/example/notes" "$data/restored"
echo 'Hello from Strongbox.' >"$data/example/hello.txt"
printf -- '- back this folder up\n- look at the logs\n' >"$data/example/notes/todo.md"
for i in 1 2 3 4 5 6; do
  mkdir -p "$data/spread-$i"
  for j in $(seq 1 200); do echo "file $j of folder $i" >"$data/spread-$i/f$j.txt"; done
done
node -e '
  const fs = require("fs"), path = require("path");
  const root = process.argv[1];
  for (let i = 0; i < 30000; i++) {
    const dir = path.join(root, `d${i % 100}`);
    if (i < 100) fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `f${i}.bin`), String(i).repeat(300));
  }
  // And 2 GiB in eight files, so that the copy (a few seconds even from the page cache, and then
  // flushed to disk) lasts longer than the restart takes to land.
  const chunk = Buffer.alloc(256 << 20);
  for (let i = 0; i < 8; i++) fs.writeFileSync(path.join(root, `big${i}.bin`), chunk.fill(i + 1));' "$data/large"
# The containers run as uid 1000 (node), and restores write into the source folder.
chown -R 1000:1000 "$data"
cat >"$state/test.env" <<ENV
API_TOKENS=$token
MARIADB_ROOT_PASSWORD=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
MARIADB_PASSWORD=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
SOURCE_DIR=$data
API_PUBLISH=127.0.0.1:$port
REDIS_IMAGE=localhost/strongbox-standin/redis:7
MARIADB_IMAGE=localhost/strongbox-standin/mariadb:10.11
API_IMAGE=localhost/strongbox/api:test
WORKER_IMAGE=localhost/strongbox/worker:test
ENV
compose up -d --no-build --scale worker=3
url="http://127.0.0.1:$port"
deadline=$(( $(date +%s) + 180 ))
until curl -sf "$url/health" >/dev/null; do
  [ "$(date +%s)" -lt "$deadline" ] || fail "the API did not answer $url/health within 180 s"
  sleep 1
done
compose ps

step "smoke test: deploy/smoke.sh $url TOKEN"
deploy/smoke.sh "$url" "$token"

auth=(-H "authorization: Bearer $token")
post_backup() { curl -sf "${auth[@]}" -H 'content-type: application/json' -d "{\"folder\":\"$1\"}" "$url/backups" | jq -r .id; }
job() { curl -sf "${auth[@]}" "$url/backups/$1"; }
wait_job() { # ID TIMEOUT: waits until the job ended; prints it
  local deadline=$(( $(date +%s) + $2 )) body
  while body=$(job "$1") && [[ $(jq -r .status <<<"$body") =~ ^(queued|running)$ ]]; do
    [ "$(date +%s)" -lt "$deadline" ] || fail "job $1 did not end within $2 s: $body"
    sleep 0.5
  done
  echo "$body"
}
worker_containers() { compose ps -q worker; }
# A job's `worker` is host:pid, and a container's host name is its short id.
container_of() { local host=${1%%:*}; worker_containers | grep "^$host" || true; }

step "jobs run on more than one worker container"
hosts=()
for round in 1 2 3 4 5; do
  ids=()
  for i in 1 2 3 4 5 6; do ids+=("$(post_backup "spread-$i")"); done
  for id in "${ids[@]}"; do
    body=$(wait_job "$id" 120)
    [ "$(jq -r .status <<<"$body")" = succeeded ] || fail "job $id: $body"
    worker=$(jq -r .worker <<<"$body")
    [ -n "$(container_of "$worker")" ] || fail "job $id ran on $worker, which is not a worker container"
    hosts+=("${worker%%:*}")
  done
  distinct=$(printf '%s\n' "${hosts[@]}" | sort -u | wc -l)
  echo "round $round: $(( ${#hosts[@]} )) jobs so far on $distinct worker container(s)"
  [ "$distinct" -ge 2 ] && break
done
[ "$distinct" -ge 2 ] || fail "every job ran on the same worker container"

step "restart a worker container in the middle of a backup"
id=$(post_backup large)
deadline=$(( $(date +%s) + 120 ))
# Restart as soon as the job runs: waiting for its first progress report would leave the restart
# less of the copy to land in.
while body=$(job "$id") && ! jq -e '.status == "running"' <<<"$body" >/dev/null; do
  [ "$(jq -r .status <<<"$body")" != queued ] && [ "$(jq -r .status <<<"$body")" != running ] &&
    fail "the large backup ended before the restart: $body"
  [ "$(date +%s)" -lt "$deadline" ] || fail "the large backup did not start: $body"
  sleep 0.2
done
worker=$(jq -r .worker <<<"$body")
victim=$(container_of "$worker")
[ -n "$victim" ] || fail "job $id runs on $worker, which is not a worker container"
echo "job $id is running on $worker (${victim:0:12}), $(jq -r .progress.filesDone <<<"$body") files copied; restarting it at once (SIGKILL)"
podman restart --time 0 "$victim" >/dev/null
body=$(wait_job "$id" 240)
echo "$body" | jq -c '{status, attempts, worker, files: .result.files, error}'
[ "$(jq -r .status <<<"$body")" = succeeded ] || fail "the interrupted job did not succeed"
[ "$(jq -r .result.files <<<"$body")" = 30008 ] || fail "the interrupted job's snapshot does not hold 30008 files"
[ "$(jq -r .attempts <<<"$body")" -ge 2 ] || fail "the restart did not interrupt the job (attempts: $(jq -r .attempts <<<"$body"))"
[ "$(podman inspect "$victim" --format '{{.State.Running}}')" = true ] || fail "the restarted worker is not running"
[ "$(worker_containers | wc -l)" = 3 ] || fail "not three worker containers any more"

step "compose down leaves nothing running"
compose down -v --remove-orphans
left=$(podman ps -aq --filter "label=com.docker.compose.project=$project")
[ -z "$left" ] || fail "containers left: $left"
left=$(podman volume ls -q --filter "label=com.docker.compose.project=$project")
[ -z "$left" ] || fail "volumes left: $left"
left=$(podman network ls -q --filter "label=com.docker.compose.project=$project")
[ -z "$left" ] || fail "networks left: $left"
rm -f "$state/test.env"

step "push to a registry: deploy/push-images.sh ${tags[*]}"
registry_port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
rm -rf "$state/registry"
mkdir -p "$state/registry"
cat >"$state/registry/config.yml" <<YAML
version: 0.1
storage:
  filesystem:
    rootdirectory: $state/registry/data
http:
  addr: 127.0.0.1:$registry_port
YAML
docker-registry serve "$state/registry/config.yml" >"$state/registry/registry.log" 2>&1 &
registry_pid=$!
until curl -sf "http://127.0.0.1:$registry_port/v2/" >/dev/null; do
  kill -0 "$registry_pid" 2>/dev/null || fail "the registry did not start: $(tail -n 5 "$state/registry/registry.log")"
  sleep 0.2
done
IMAGE_PREFIX=localhost/strongbox REGISTRY_URL="127.0.0.1:$registry_port" REGISTRY_TLS_VERIFY=false \
  deploy/push-images.sh "${tags[@]}"
for app in api worker; do
  pushed=$(curl -sf "http://127.0.0.1:$registry_port/v2/strongbox/$app/tags/list" | jq -r '.tags | sort | join(" ")')
  [ "$pushed" = "$(printf '%s\n' "${tags[@]}" | sort | paste -sd ' ')" ] || fail "the registry holds strongbox/$app:{$pushed}"
  echo "registry has strongbox/$app: $pushed"
done
kill "$registry_pid"
wait "$registry_pid" 2>/dev/null || true
for app in api worker; do
  for tag in "${tags[@]}"; do podman rmi "127.0.0.1:$registry_port/strongbox/$app:$tag" >/dev/null; done
done
rm -rf "$state/registry"
end_step

printf '\ncontainer test passed in %d s\n' $(( $(date +%s) - run_started ))
