#!/usr/bin/env bash
# The README's curl walk-through against a running Strongbox, failing on the first wrong answer:
# backup, poll to succeeded, a missing folder, the audit log for today, stats, verify, restore; then
# the operators' pages (the OpenAPI document, /docs, the dashboard and the console) with every asset
# they name.
#   deploy/smoke.sh URL [TOKEN]
# Environment: SMOKE_FOLDER, a folder under the server's SOURCE_ROOT to back up (default: example);
# SMOKE_TIMEOUT, seconds to wait for a job (default: 120). Needs curl and jq.
set -euo pipefail
url=${1:?usage: deploy/smoke.sh URL [TOKEN]}
url=${url%/}
token=${2:-}
folder=${SMOKE_FOLDER:-example}
timeout=${SMOKE_TIMEOUT:-120}
run=$(date -u +%Y%m%dT%H%M%S)-$$
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fail() { printf 'FAIL: %s\n' "$*" >&2; [ -s "$work/body" ] && { printf 'last answer: ' >&2; cat "$work/body" >&2; echo >&2; }; exit 1; }
step_started=0
step() { step_started=$(date +%s%N); printf '%-46s' "$*"; }
ok() { printf 'ok  %6d ms%s\n' $(( ($(date +%s%N) - step_started) / 1000000 )) "${1:+  ($1)}"; }

# call METHOD PATH [JSON]: sets $status; the body is in $work/body, the headers in $work/headers.
call() {
  local args=(-sS -X "$1" -o "$work/body" -D "$work/headers" -w '%{http_code}' --max-time 330)
  [ -n "$token" ] && args+=(-H "authorization: Bearer $token")
  [ $# -ge 3 ] && args+=(-H 'content-type: application/json' --data "$3")
  status=$(curl "${args[@]}" "$url$2") || status=000
}
field() { jq -r "$1" "$work/body"; }
expect_status() {
  [ "$status" != 000 ] || fail "no answer from $url"
  [ "$status" = "$1" ] || fail "expected HTTP $1, got $status"
}
expect_field() { local got; got=$(field "$1"); [ "$got" = "$2" ] || fail "expected $1 = $2, got $got"; }

step "health: GET /health"
call GET /health
expect_status 200
ok

step "ready: GET /ready"
deadline=$(( $(date +%s) + 60 ))
# Just deployed, it may still be waiting for Redis or MySQL (503) or starting (no answer).
until call GET /ready && [ "$status" = 200 ]; do
  [[ $status =~ ^(000|503)$ ]] || fail "expected HTTP 200 or 503, got $status"
  [ "$(date +%s)" -lt "$deadline" ] || fail "not ready after 60 s"
  sleep 1
done
ok

if [ -n "$token" ]; then
  step "auth: no token is a 401"
  saved=$token token=
  call GET /stats
  token=$saved
  expect_status 401
  ok
fi

step "backup: POST /backups"
call POST /backups "$(jq -cn --arg folder "$folder" '{folder: $folder}')"
expect_status 202
expect_field .status queued
expect_field .kind backup
id=$(field .id)
grep -qi "^location: /backups/$id" "$work/headers" || fail "no Location: /backups/$id header"
ok "$folder, job $id"

step "backup: poll GET /backups/{id} to succeeded"
deadline=$(( $(date +%s) + timeout ))
while call GET "/backups/$id" && expect_status 200 && [[ $(field .status) =~ ^(queued|running)$ ]]; do
  [ "$(date +%s)" -lt "$deadline" ] || fail "still $(field .status) after $timeout s"
  sleep 0.5
done
expect_field .status succeeded
snapshot=$(field .result.snapshot)
files=$(field .result.files)
[ -n "$snapshot" ] && [ "$snapshot" != null ] || fail "no result.snapshot"
[ "$files" -ge 1 ] || fail "result.files is $files"
ok "$snapshot, $files files, worker $(field .worker)"

missing="smoke-missing-$run"
step "missing folder: 404 No such directory"
call POST '/backups?wait=60' "$(jq -cn --arg folder "$missing" '{folder: $folder}')"
expect_status 404
expect_field .status failed
expect_field .error.code NO_SUCH_DIRECTORY
[[ $(field .error.message) == *"No such directory"* ]] || fail "the message does not say No such directory"
missing_id=$(field .id)
ok

today=$(date -u +%F)
yesterday=$(date -u -d yesterday +%F)
step "logs: GET /logs?from=$today&to=$today"
found=
path="/logs?from=$today&to=$today&limit=1000"
while :; do
  call GET "$path"
  expect_status 200
  field '.items[] | [.jobId, .action, .status, (.message // "")] | @tsv' >>"$work/logs"
  cursor=$(field '.nextCursor // empty')
  [ -n "$cursor" ] || break
  path="/logs?from=$today&to=$today&limit=1000&cursor=$(jq -rn --arg c "$cursor" '$c | @uri')"
done
grep -q "^$id	Backup	SUCCESS	" "$work/logs" || fail "no Backup SUCCESS row for $id"
grep -q "^$missing_id	Backup	FAILED	.*No such directory" "$work/logs" || fail "no Backup FAILED row for $missing_id"
ok "$(wc -l <"$work/logs") rows today"

step "logs: from after to is a 400"
call GET "/logs?from=$today&to=$yesterday"
expect_status 400
expect_field .code INVALID_DATE_RANGE
ok

step "stats: GET /stats"
call GET /stats
expect_status 200
jq -e '.backups.total >= 2 and .backups.succeeded >= 1 and .backups.failed >= 1
  and .backups.total >= .backups.succeeded + .backups.failed and .bytesCopied >= 0' "$work/body" >/dev/null ||
  fail "the totals do not add up"
ok "$(field '.backups | "\(.total) backups, \(.succeeded) succeeded, \(.failed) failed"')"

step "verify: POST /backups/{id}/verify"
call POST "/backups/$id/verify?wait=120"
expect_status 200
expect_field .kind verify
expect_field .status succeeded
expect_field .result.snapshot "$snapshot"
expect_field .result.files "$files"
ok "$(field .id)"

target="restored/smoke-$run"
step "restore: POST /backups/{id}/restore"
call POST "/backups/$id/restore?wait=120" "$(jq -cn --arg target "$target" '{target: $target}')"
expect_status 200
expect_field .kind restore
expect_field .status succeeded
expect_field .result.target "$target"
expect_field .result.files "$files"
ok "into $target"

step "restore: same target again is TARGET_EXISTS"
call POST "/backups/$id/restore?wait=120" "$(jq -cn --arg target "$target" '{target: $target}')"
# A 409 either way: refused at once (an error body), or by the worker, which checks before it writes
# (the failed job, answered with the status its error maps to).
expect_status 409
expect_field '.code // .error.code' TARGET_EXISTS
ok "HTTP $status, $(field 'if .code then "refused at once" else "job \(.id) failed" end')"

# The operators' pages: each page and every script and style sheet it names must load, so an image
# that lost a static folder fails here.
# page_assets PAGE BASE: fetches PAGE, then each src/href of .js and .css in it (relative to BASE).
page_assets() {
  call GET "$1"
  expect_status 200
  local assets asset
  assets=$(grep -oE '(src|href)="[^"]+\.(js|css)"' "$work/body" | sed -E 's/^(src|href)="//; s/"$//')
  [ -n "$assets" ] || fail "$1 names no script or style sheet"
  for asset in $assets; do
    [[ $asset == /* ]] || asset="$2$asset"
    call GET "$asset"
    [ "$status" = 200 ] || fail "$asset: expected HTTP 200, got $status"
  done
  count=$(wc -w <<<"$assets")
}

step "docs: GET /openapi.json"
call GET /openapi.json
expect_status 200
jq -e '.paths["/backups"].post and .paths["/stats"].get' "$work/body" >/dev/null ||
  fail "the OpenAPI document does not describe POST /backups and GET /stats"
ok "$(field '.paths | length') paths"

step "docs: GET /docs and its assets"
page_assets /docs /docs/
ok "$count assets"

step "dashboard: GET /admin/queues and its assets"
page_assets /admin/queues /admin/queues/
ok "$count assets"

step "dashboard: its Redis statistics"
call GET /admin/queues/api/redis/stats
expect_status 200
[ -n "$(field '.version // empty')" ] || fail "the dashboard's Redis statistics name no Redis version"
ok "Redis $(field .version)"

step "console: GET /console/ and its assets"
page_assets /console/ /console/
ok "$count assets"

echo "smoke test passed against $url"
