#!/usr/bin/env bash
# The container suite's fixture: a private Docker engine and the images the tests run.
#
#   fixture.sh up          install docker.io if missing, start our own dockerd (if it is not
#                          already answering) and import the test image; prints "started"
#                          when this call started the engine, so the caller knows to stop it
#   fixture.sh down        stop the engine we started, by its pid
#   fixture.sh images      provide debian:bookworm-slim locally (debootstrap + docker import)
#                          and build hardinit:latest from docker/Dockerfile, as the README
#                          says, with the classic builder and --network host
#   fixture.sh env         print the docker command line the tests use
#
# Environment (set by container.cmake): HARDINIT_CT_STATE (state dir), HARDINIT_BIN,
# HARDINIT_PROBE, HARDINIT_SOURCE_DIR; HARDINIT_CT_DOCKERD replaces /usr/sbin/dockerd (to test the failure path). HARDINIT_ALLOW_SKIP=1 turns "cannot start an engine" into a recorded skip
# ($STATE/skip) instead of a failure; without it, that is a loud failure (CI runs as root and
# must be able to install and start the engine itself).
#
# Concurrency: several test processes may call "up" at once (ctest -j, or the test binary run
# by hand while a fixture is up); one flock serialises them and every step is idempotent.
set -euo pipefail

STATE=${HARDINIT_CT_STATE:?HARDINIT_CT_STATE must name the state directory}
mkdir -p "$STATE"
STATE=$(cd "$STATE" && pwd)

# A unix socket path must fit in sun_path (108 bytes), and containerd puts its own sockets
# under the exec root, so both live under a short directory when the build dir is deep.
RUNDIR=$STATE/run
if ((${#RUNDIR} > 60)); then
  RUNDIR=/tmp/hardinit-ct-$(printf '%s' "$STATE" | md5sum | cut -c1-12)
fi
SOCK=$RUNDIR/docker.sock
PIDFILE=$STATE/dockerd.pid
LOG=$STATE/dockerd.log
# Debian's CLI, not a newer one that may come first in PATH (some machines have a client in
# /usr/local/bin that is newer than the daemon).
DOCKER=(/usr/bin/docker -H "unix://$SOCK")
TEST_IMAGE=hardinit-ct:latest
BASE_IMAGE=debian:bookworm-slim

log() { printf 'fixture: %s\n' "$*" >&2; }

. "$(dirname "$0")/fixture_lib.sh"

install_missing() {
  local missing=() p
  for p in "$@"; do have_pkg "$p" || missing+=("$p"); done
  ((${#missing[@]})) || return 0
  [[ $(id -u) == 0 ]] || fail_or_skip "need root to install ${missing[*]}"
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # policy-rc.d or the lack of systemd keep the packaged docker.service from starting;
  # we never use it anyway.
  { apt-get update -q && apt-get install -y -q --no-install-recommends "${missing[@]}"; } \
    >"$STATE/apt.log" 2>&1 || fail_or_skip "apt-get install ${missing[*]} failed: $(tail -5 "$STATE/apt.log")"
}

engine_answers() { "${DOCKER[@]}" version >/dev/null 2>&1; }

engine_pid() {
  local pid
  [[ -s $PIDFILE ]] || return 1
  pid=$(<"$PIDFILE")
  [[ -d /proc/$pid ]] && [[ $(cat "/proc/$pid/comm" 2>/dev/null) == dockerd ]] && echo "$pid"
}

start_engine() {
  [[ $(id -u) == 0 ]] || fail_or_skip "dockerd needs root (running as uid $(id -u))"
  install_missing docker.io
  mkdir -p "$RUNDIR" "$STATE/data"
  # A pid file left by an engine that died would make dockerd refuse to start.
  engine_pid >/dev/null || rm -f "$PIDFILE"
  # The init binary `docker run --init` mounts at /sbin/docker-init. Named docker-init so
  # that `dockerd` asking it for `--version` gets tini's format (design.md §1, multi-call).
  ln -sfn "$HARDINIT_BIN" "$STATE/docker-init"
  log "starting dockerd (socket $SOCK, log $LOG)"
  local t0=$SECONDS pid
  # setsid: the engine must outlive this script and not share the caller's process group;
  # 9>&-: nor hold our lock.
  setsid "${HARDINIT_CT_DOCKERD:-/usr/sbin/dockerd}" --iptables=false --ip6tables=false --bridge=none \
    --data-root "$STATE/data" --exec-root "$RUNDIR/exec" --pidfile "$PIDFILE" \
    -H "unix://$SOCK" --init-path "$STATE/docker-init" \
    </dev/null >"$LOG" 2>&1 8>&- 9>&- &
  pid=$!
  # Until it answers, a failure here is ours to clean up.
  trap 'kill -TERM $pid 2>/dev/null || true' EXIT
  while ! engine_answers; do
    if ! kill -0 "$pid" 2>/dev/null; then
      fail_or_skip "dockerd exited during start-up; last lines of $LOG: $(tail -5 "$LOG")"
    fi
    if ((SECONDS - t0 > 60)); then
      fail_or_skip "dockerd did not answer within 60 s; last lines of $LOG: $(tail -5 "$LOG")"
    fi
    sleep 0.2
  done
  trap - EXIT
  log "dockerd $pid answers after $((SECONDS - t0)) s"
}

stop_engine() {
  local pid
  pid=$(engine_pid) || { log "no engine running"; return 0; }
  # Remove what the tests left behind first: dockerd would otherwise wait out each
  # container's stop timeout during its own shutdown.
  local left
  left=$("${DOCKER[@]}" ps -aq 2>/dev/null || true)
  [[ -z $left ]] || "${DOCKER[@]}" rm -f $left >/dev/null 2>&1 || true
  log "stopping dockerd $pid"
  kill -TERM "$pid"
  for _ in $(seq 150); do
    [[ -d /proc/$pid ]] || break
    sleep 0.1
  done
  if [[ -d /proc/$pid ]]; then
    log "dockerd $pid still running after 15 s; SIGKILL"
    kill -KILL "$pid" || true
    sleep 1
  fi
  # dockerd leaves its default network namespace mounted under the exec root; unmount what
  # is left so that `rm -rf build` works afterwards.
  local m
  for m in $(awk -v a="$RUNDIR/" -v b="$STATE/" 'index($2, a) == 1 || index($2, b) == 1 { print $2 }' /proc/self/mounts | sort -r); do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
  done
}

# The test image (tests/container/rootfs.sh, shared with the other engines' suites). Imported
# again when any input changes.
import_test_image() {
  local want have
  install_missing busybox-static
  # The import's own settings below are an input too.
  want=$(bash "$(dirname "$0")/rootfs.sh" "$STATE")-$(sha256sum "$0" | cut -c1-8)
  have=$("${DOCKER[@]}" image inspect -f '{{index .Config.Labels "hardinit.inputs"}}' "$TEST_IMAGE" 2>/dev/null || true)
  [[ $want == "$have" ]] && return 0
  local old
  old=$("${DOCKER[@]}" image inspect -f '{{.Id}}' "$TEST_IMAGE" 2>/dev/null || true)
  "${DOCKER[@]}" import \
    --change 'ENV PATH=/bin:/sbin' \
    --change 'ENTRYPOINT ["/hardinit"]' \
    --change "LABEL hardinit.inputs=$want" \
    "$STATE/rootfs.tar" "$TEST_IMAGE" >/dev/null
  # The previous test image is of no further use; keep the data root from growing per build.
  [[ -z $old ]] || "${DOCKER[@]}" rmi "$old" >/dev/null 2>&1 || true
  log "imported $TEST_IMAGE ($want)"
}

# debian:bookworm-slim, made locally: docker/Dockerfile's default base, never pulled.
# The debootstrap tarball is cached in the state dir so reruns only re-import it.
provide_base_image() {
  "${DOCKER[@]}" image inspect "$BASE_IMAGE" >/dev/null 2>&1 && return 0
  [[ $(id -u) == 0 ]] || { log "debootstrap needs root"; exit 1; }
  local tarball=$STATE/bookworm-minbase.tar
  if [[ ! -s $tarball ]]; then
    install_missing debootstrap
    local mirror dir=$STATE/bookworm
    mirror=$(debian_mirror)
    log "debootstrap --variant=minbase bookworm from $mirror"
    rm -rf "$dir"
    debootstrap --variant=minbase bookworm "$dir" "$mirror" >"$STATE/debootstrap.log" 2>&1 \
      || { log "debootstrap failed: $(tail -5 "$STATE/debootstrap.log")"; exit 1; }
    # The same slimming the official image does, so apt-get in a build stage behaves alike.
    rm -rf "$dir"/var/lib/apt/lists/* "$dir"/var/cache/apt/archives/*.deb
    tar -C "$dir" --numeric-owner -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
    rm -rf "$dir"
  fi
  "${DOCKER[@]}" import --change 'CMD ["bash"]' "$tarball" "$BASE_IMAGE" >/dev/null
  log "imported $BASE_IMAGE from $tarball"
}

# hardinit:latest from docker/Dockerfile. The classic builder: with --bridge=none it needs no
# set-up (BuildKit's RUN steps need a bridge network), and it takes local images for FROM and COPY --from without asking a
# registry. Its layer cache makes a rebuild with unchanged sources take a second.
build_hardinit_image() {
  local src=${HARDINIT_SOURCE_DIR:?HARDINIT_SOURCE_DIR must name the source tree}
  log "docker build -f $src/docker/Dockerfile -t hardinit:latest $src"
  DOCKER_BUILDKIT=0 "${DOCKER[@]}" build --network host -q \
    -f "$src/docker/Dockerfile" -t hardinit:latest "$src" >"$STATE/hardinit-image.log" 2>&1 \
    || { cat "$STATE/hardinit-image.log" >&2; log "docker build of docker/Dockerfile failed"; exit 1; }
}

# The Debian archive this machine's apt uses (deb822 or one-line sources).
debian_mirror() {
  local m
  m=$(grep -hsE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -E '/debian/?$' | head -1 || true)
  [[ -n $m ]] || m=$(grep -hsE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
    | awk '{print $2}' | grep -E '/debian/?$' | head -1 || true)
  echo "${m:-http://deb.debian.org/debian}"
}

with_lock() { exec 9>"$STATE/lock"; flock 9; }

case ${1:-} in
  up)
    with_lock
    rm -f "$STATE/skip"
    : "${HARDINIT_BIN:?}" "${HARDINIT_PROBE:?}"
    if ! engine_answers; then start_engine; echo started; fi
    import_test_image
    ;;
  down)
    with_lock
    stop_engine
    ;;
  images)
    # Its own lock: the build takes minutes the first time, and "up" must not wait for it.
    exec 8>"$STATE/images.lock"
    flock 8
    engine_answers || { log "engine not running; run '$0 up' first"; exit 1; }
    provide_base_image
    build_hardinit_image
    ;;
  env)
    printf '%s\n' "${DOCKER[*]}"
    ;;
  *)
    echo "usage: $0 up|down|images|env" >&2
    exit 2
    ;;
esac
