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
#  9. the stack again on an object repository in S3: an S3 endpoint on this host (moto_server), the
#     settings from the env file as .env.example documents them, the password as a compose secret
#     (docker-compose.repository-secret.yml), the repository created with the worker image's
#     command, a backup whose objects are then listed from the host, a restore compared byte for
#     byte; then down again, nothing left;
# 10. pushes both images, tagged as the Jenkinsfile tags them, to a local registry (Debian's
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
# The S3 endpoint of the object repository's step: Python's moto, not a Debian package (as in .ci/run).
command -v moto_server >/dev/null || fail "moto_server is not installed: pip install 'moto[server]'"
echo "podman $(podman --version | awk '{print $3}'), $(docker-compose version --short 2>/dev/null | sed 's/^/docker-compose /')"

# shellcheck source=deploy/containers/engine.sh
source deploy/containers/engine.sh
compose_files=(-f docker-compose.yml)
compose() { docker-compose -p "$project" "${compose_files[@]}" --env-file "$state/test.env" "$@"; }
free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
s3_pid=
cleanup() {
  local code=$?
  set +e
  if [ "$code" -ne 0 ] && [ -n "$s3_pid" ]; then
    echo "---- last lines of the S3 endpoint's log ----"
    tail -n 20 "$state/s3.log"
  fi
  if [ "$code" -ne 0 ] && [ -f "$state/test.env" ]; then
    echo "---- last lines of each container ----"
    compose logs --no-color --tail 30 2>/dev/null
  fi
  [ -f "$state/test.env" ] && compose down -v --remove-orphans >/dev/null 2>&1
  if [ -n "$s3_pid" ]; then kill "$s3_pid" 2>/dev/null; wait "$s3_pid" 2>/dev/null; fi
  rm -f "$state/repository-password"
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
port=$(free_port)
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
write_env() {
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
}
write_env
compose up -d --no-build --scale worker=3
url="http://127.0.0.1:$port"
wait_health() {
  local deadline=$(( $(date +%s) + 180 ))
  until curl -sf "$url/health" >/dev/null; do
    [ "$(date +%s)" -lt "$deadline" ] || fail "the API did not answer $url/health within 180 s"
    sleep 1
  done
}
wait_health
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

down_leaves_nothing() {
  compose down -v --remove-orphans
  local left
  left=$(podman ps -aq --filter "label=com.docker.compose.project=$project")
  [ -z "$left" ] || fail "containers left: $left"
  left=$(podman volume ls -q --filter "label=com.docker.compose.project=$project")
  [ -z "$left" ] || fail "volumes left: $left"
  left=$(podman network ls -q --filter "label=com.docker.compose.project=$project")
  [ -z "$left" ] || fail "networks left: $left"
}
step "compose down leaves nothing running"
down_leaves_nothing

step "the stack on an object repository in S3 (REPOSITORY_URL=s3://BUCKET/PREFIX, an endpoint on this host)"
# The repository's settings as .env.example documents them, and its password as a compose secret:
# REPOSITORY_PASSWORD and AWS_REGION are left empty, as the secret's instructions say and as
# .env.example has them (an empty variable is unset; the region is then compose's us-east-1).
bucket=strongbox-test
prefix=deployments/ci
write_env
cat >>"$state/test.env" <<ENV
REPOSITORY_URL=s3://$bucket/$prefix
REPOSITORY_PASSWORD=
REPOSITORY_PASSWORD_SECRET=$state/repository-password
S3_FORCE_PATH_STYLE=true
AWS_REGION=
AWS_ACCESS_KEY_ID=testing
AWS_SECRET_ACCESS_KEY=testing
ENV
# With a trailing newline, as `echo` writes it, which is not part of the password.
echo "$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')" >"$state/repository-password"
chmod 400 "$state/repository-password"
chown 1000:1000 "$state/repository-password"
compose_files+=(-f docker-compose.repository-secret.yml)
# The containers reach this host as host.containers.internal, the gateway of the project's network;
# the endpoint listens there only (it exists once the network has a container), not on every address.
compose up -d --no-build redis mariadb
gateway=$(podman network inspect "${project}_default" --format '{{range .Subnets}}{{.Gateway}}{{end}}')
[[ $gateway =~ ^[0-9.]+$ ]] || fail "no gateway address for the network ${project}_default: '$gateway'"
s3_port=$(free_port)
# Path-style requests only: the test server takes the first label of a dotted host name
# (host.containers.internal) for a bucket unless told not to.
S3_IGNORE_SUBDOMAIN_BUCKETNAME=true moto_server -H "$gateway" -p "$s3_port" >"$state/s3.log" 2>&1 &
s3_pid=$!
s3_url="http://$gateway:$s3_port"
until curl -s -o /dev/null "$s3_url/"; do
  kill -0 "$s3_pid" 2>/dev/null || fail "the S3 endpoint did not start: $(tail -n 5 "$state/s3.log")"
  sleep 0.2
done
echo "S3_ENDPOINT=http://host.containers.internal:$s3_port" >>"$state/test.env"
s3() { AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing node deploy/s3-bucket.mjs "$@"; }
s3 create "$s3_url" "$bucket"
echo "an S3 endpoint on $s3_url (host.containers.internal:$s3_port in the containers), bucket $bucket"

# The API started before the repository exists waits for it: /ready names the reason, and turns
# ready once it is created, without a restart. (The workers wait the same way, as the worker's own
# tests prove; here they start after init, because docker-compose 1.x links a one-off container to
# its service's running ones, which podman refuses.)
compose up -d --no-build api
wait_health
ready_repository() { curl -s "${auth[@]}" "$url/ready" | jq -r '.checks.repository // empty'; }
deadline=$(( $(date +%s) + 60 ))
until [[ $(ready_repository) == REPOSITORY_NOT_FOUND:* ]]; do
  [ "$(date +%s)" -lt "$deadline" ] || fail "/ready does not name REPOSITORY_NOT_FOUND: $(curl -s "${auth[@]}" "$url/ready")"
  sleep 1
done
curl -s -o /dev/null -w '%{http_code}' "${auth[@]}" "$url/ready" | grep -qx 503 || fail "/ready is not 503 without the repository"
echo "before init: /ready 503, repository: $(ready_repository)"

compose run --rm -T worker node apps/worker/dist/repository-command.js init ||
  fail "the repository command did not create the repository"
objects=$(s3 list "$s3_url" "$bucket" "$prefix")
grep -q "^$prefix/config	" <<<"$objects" || fail "no $prefix/config after init: $objects"
grep -q "^$prefix/keys/" <<<"$objects" || fail "no $prefix/keys/… after init: $objects"
if compose run --rm -T worker node apps/worker/dist/repository-command.js init; then
  fail "a second init did not refuse the existing repository"
fi
[ "$(s3 list "$s3_url" "$bucket" "$prefix")" = "$objects" ] || fail "the refused init changed the repository"
echo "init created $(wc -l <<<"$objects") objects; a second init refused and changed nothing"
compose up -d --no-build

deadline=$(( $(date +%s) + 60 ))
until [ "$(curl -s -o /dev/null -w '%{http_code}' "${auth[@]}" "$url/ready")" = 200 ]; do
  [ "$(date +%s)" -lt "$deadline" ] || fail "not ready 60 s after init: $(curl -s "${auth[@]}" "$url/ready")"
  sleep 1
done
[ "$(ready_repository)" = ok ] || fail "/ready is 200 but its repository check says $(ready_repository)"
mkdir -p "$data/s3-example/nested/deeper"
echo 'Hello from Strongbox, in a bucket.' >"$data/s3-example/hello.txt"
printf -- '- one\n- two\n' >"$data/s3-example/nested/todo.md"
head -c 3145728 /dev/urandom >"$data/s3-example/nested/deeper/random.bin"
: >"$data/s3-example/empty"
chown -R 1000:1000 "$data/s3-example"
id=$(post_backup s3-example)
body=$(wait_job "$id" 120)
echo "$body" | jq -c '{status, snapshot: .result.snapshot, files: .result.files, error}'
[ "$(jq -r .status <<<"$body")" = succeeded ] || fail "the backup to S3 did not succeed"
[ "$(jq -r .result.files <<<"$body")" = 4 ] || fail "the backup to S3 does not hold 4 files"
objects=$(s3 list "$s3_url" "$bucket" "$prefix")
for kind in config keys data tree snapshots; do
  printf '  %-10s %3d object(s)\n' "$kind" "$(grep -c "^$prefix/$kind[/	]" <<<"$objects")"
done
grep -q "^$prefix/config	" <<<"$objects" || fail "no $prefix/config"
grep -q "^$prefix/keys/[^	]" <<<"$objects" || fail "no $prefix/keys/…"
grep -qE "^$prefix/data/[0-9a-f]{2}/[0-9a-f]{64}	" <<<"$objects" || fail "no data pack under $prefix/data/"
grep -qE "^$prefix/tree/[0-9a-f]{2}/[0-9a-f]{64}	" <<<"$objects" || fail "no tree pack under $prefix/tree/"
grep -q "^$prefix/snapshots/$id	" <<<"$objects" || fail "no $prefix/snapshots/$id"
[ -z "$(compose exec -T worker find /backup -mindepth 1 -print -quit)" ] || fail "the worker wrote into the local tree"
target="restored/s3-$id"
restored=$(curl -sf "${auth[@]}" -H 'content-type: application/json' -d "{\"target\":\"$target\"}" \
  "$url/backups/$id/restore?wait=120")
echo "$restored" | jq -c '{status, target: .result.target, files: .result.files, error}'
[ "$(jq -r .status <<<"$restored")" = succeeded ] || fail "the restore from S3 did not succeed"
diff -r "$data/s3-example" "$data/$target" || fail "the restored folder differs from the source"
echo "restored into $target: the same bytes"
down_leaves_nothing
kill "$s3_pid"
wait "$s3_pid" 2>/dev/null || true
s3_pid=
compose_files=(-f docker-compose.yml)
rm -f "$state/test.env" "$state/repository-password"

step "push to a registry: deploy/push-images.sh ${tags[*]}"
registry_port=$(free_port)
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
