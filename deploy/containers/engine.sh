#!/usr/bin/env bash
# A container engine for this machine and CI: podman behind the Docker API, as /work/shared's recipe
# describes. Source it; `engine_start DIR` exports DOCKER_HOST and CONTAINERS_CONF, `engine_stop` ends
# what it started. Where a Docker engine already answers, nothing is started and `docker` is used.
#   podman needs runc (crun refuses this kernel's hybrid cgroups) and no default ulimits (refused here);
#   health checks need a loop calling `podman healthcheck run`, as podman leaves them to systemd.

engine_start() {
  local dir=$1
  mkdir -p "$dir"
  if [ -z "${DOCKER_HOST:-}" ] && docker info >/dev/null 2>&1; then
    export CONTAINER_CLI=docker
    echo "using the running Docker engine"
    return
  fi
  export CONTAINER_CLI=podman
  export CONTAINERS_CONF="$dir/containers.conf"
  cat >"$CONTAINERS_CONF" <<'CONF'
[containers]
default_ulimits = []
[engine]
runtime = "runc"
CONF
  export DOCKER_HOST="unix://$dir/podman.sock"
  rm -f "$dir/podman.sock"
  podman system service --time=0 "$DOCKER_HOST" >"$dir/podman-service.log" 2>&1 &
  ENGINE_SERVICE_PID=$!
  for _ in $(seq 1 100); do
    [ -S "$dir/podman.sock" ] && curl -sf --unix-socket "$dir/podman.sock" http://d/_ping >/dev/null && break
    sleep 0.1
  done
  curl -sf --unix-socket "$dir/podman.sock" http://d/_ping >/dev/null ||
    { echo "podman's Docker API did not come up; see $dir/podman-service.log" >&2; return 1; }
  ( while sleep 1; do
      for id in $(podman ps -q 2>/dev/null); do
        podman healthcheck run "$id" >/dev/null 2>&1 || true
      done
    done ) &
  ENGINE_HEALTH_PID=$!
  echo "podman $(podman version --format '{{.Client.Version}}') serving the Docker API on $DOCKER_HOST"
}

engine_stop() {
  if [ -n "${ENGINE_HEALTH_PID:-}" ]; then kill "$ENGINE_HEALTH_PID" 2>/dev/null || true; wait "$ENGINE_HEALTH_PID" 2>/dev/null || true; fi
  if [ -n "${ENGINE_SERVICE_PID:-}" ]; then kill "$ENGINE_SERVICE_PID" 2>/dev/null || true; wait "$ENGINE_SERVICE_PID" 2>/dev/null || true; fi
  ENGINE_HEALTH_PID=
  ENGINE_SERVICE_PID=
}
