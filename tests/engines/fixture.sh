#!/usr/bin/env bash
# The engines suites' fixture: Podman (rootful with runc, rootful with crun, rootless) and
# containerd, each private to the build directory, offline, with the test image imported from
# the rootfs the Docker suite uses (tests/container/rootfs.sh).
#
#   fixture.sh up ENGINE      install what is missing, start what the engine needs, import the
#                             test image; prints "started" when this call started something
#   fixture.sh down ENGINE    remove containers and pods, stop what up started, unmount, and
#                             (rootless) remove the user up created
#   fixture.sh env ENGINE     print the command line the tests use for ENGINE
#
# ENGINE: podman | crun | rootless | containerd.
#
# Environment (set by engines.cmake): HARDINIT_ENG_STATE (state dir), HARDINIT_BIN,
# HARDINIT_PROBE, HARDINIT_SOURCE_DIR. HARDINIT_ALLOW_SKIP=1 turns "cannot start the engine"
# into a recorded skip ($STATE/ENGINE/skip) instead of a failure (local runs only: CI runs as
# root and must be able to install and start every engine itself).
#
# What each engine needs on this kind of host (Debian 12, cgroup v1 hybrid, root without
# CAP_SYS_RESOURCE, no network), and why:
# - Podman's default rlimits (nofile 1048576, nproc from podman's own limit) cannot be set
#   without CAP_SYS_RESOURCE: containers.conf gives the host's own hard limits instead.
# - crun 1.8 refuses a hybrid cgroup layout ("cgroups in hybrid mode not supported"), so its
#   Podman runs in a private mount namespace where cgroup2 is mounted over /sys/fs/cgroup;
#   there crun's cgroup set-up would load an eBPF device filter, and before that raises
#   RLIMIT_MEMLOCK to unlimited, which fails without CAP_SYS_RESOURCE: so cgroups="disabled".
# - Rootless Podman: an unprivileged system user created here, with subordinate id ranges
#   in /etc/subuid and /etc/subgid (newuidmap/newgidmap from uidmap), its own runtime dir (no
#   logind here) and the vfs driver Podman picks for it.
# - containerd: its own root, state and socket; the CRI plugin is disabled (no kubelet).
set -euo pipefail

ENGINE_STATE=${HARDINIT_ENG_STATE:?HARDINIT_ENG_STATE must name the state directory}
mkdir -p "$ENGINE_STATE"
ENGINE_STATE=$(cd "$ENGINE_STATE" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
ROOTFS_SH=$HERE/../container/rootfs.sh
IMAGE=localhost/hardinit-ct:latest

# Podman and containerd put sockets under their run directories, where a unix socket path
# must fit in sun_path (108 bytes). With a Podman runroot of 48 bytes (44 worked), every
# container's exit went unnoticed and Podman waited out its 20 s conmon timeout each time. So
# the run directories live under a short path of their own, named after the state directory.
RUNBASE=/run/hi-$(printf '%s' "$ENGINE_STATE" | md5sum | cut -c1-8)

# The rootless user: its home holds everything it must read, because the build directory
# may not be reachable by other users (CI clones into a mktemp -d directory, mode 0700).
RL_USER=hardinit-rootless
RL_HOME=/var/lib/$RL_USER
# 65536 subordinate ids, far from the ranges useradd hands out (100000 upwards).
RL_SUBIDS=3000000-3065535

log() { printf 'fixture(%s): %s\n' "${ENGINE:-?}" "$*" >&2; }

. "$HERE/../container/fixture_lib.sh"

# The packages come from scripts/install-deps.sh --engines, the project's one list.
install_engine_packages() {
  local missing=() p
  for p in "$@"; do have_pkg "$p" || missing+=("$p"); done
  ((${#missing[@]})) || return 0
  [[ $(id -u) == 0 ]] || fail_or_skip "need root to install ${missing[*]}"
  log "installing ${missing[*]}"
  "$HERE/../../scripts/install-deps.sh" --engines >"$STATE/apt.log" 2>&1 \
    || fail_or_skip "scripts/install-deps.sh --engines failed: $(tail -5 "$STATE/apt.log")"
  for p in "$@"; do have_pkg "$p" || fail_or_skip "$p is still not installed after install-deps.sh"; done
}

# One rootfs for every engine; its own lock, as engines come up side by side.
rootfs() {
  local hash
  hash=$(flock "$ENGINE_STATE/rootfs.lock" bash "$ROOTFS_SH" "$ENGINE_STATE/rootfs") \
    || fail_or_skip "rootfs.sh failed"
  echo "$hash"
}

# Unmounts everything under the given directories, deepest first.
unmount_under() {
  local m dir
  for dir in "$@"; do
    for m in $(awk -v a="$dir/" 'index($2, a) == 1 { print $2 }' /proc/self/mounts | sort -r); do
      umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
    done
  done
}

# ---------------------------------------------------------------------------------------
# Podman: rootful with runc, rootful with crun, rootless.

# containers.conf and storage.conf that keep every path Podman writes inside $STATE (or the
# rootless user's home), never /etc, /var/lib/containers or /run/libpod.
write_podman_conf() {  # write_podman_conf DIR RUNDIR RUNTIME CGROUPS
  local dir=$1 rundir=$2 runtime=$3 cgroups=$4
  mkdir -p "$dir/storage" "$dir/cni" "$rundir"
  cat >"$dir/containers.conf" <<EOF
[containers]
# The host's own hard limits: root here has no CAP_SYS_RESOURCE to raise them.
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
netns = "none"
cgroups = "$cgroups"
[engine]
runtime = "$runtime"
tmp_dir = "$rundir/libpod"
static_dir = "$dir/storage/libpod"
volume_path = "$dir/storage/volumes"
events_logger = "file"
[network]
network_config_dir = "$dir/cni"
EOF
  cat >"$dir/storage.conf" <<EOF
[storage]
driver = "${PODMAN_DRIVER:-overlay}"
graphroot = "$dir/storage"
# Rootless Podman ignores graphroot and takes this one.
rootless_storage_path = "$dir/storage"
runroot = "$rundir/storage"
EOF
}

podman_env() {  # the env(1) words that select this engine's configuration
  printf 'env CONTAINERS_CONF=%s CONTAINERS_STORAGE_CONF=%s' "$1/containers.conf" "$1/storage.conf"
}

# The holder of crun's private mount namespace: a sleeping process whose namespace has
# cgroup2 over /sys/fs/cgroup.
crun_holder_pid() {
  local pid
  [[ -s $STATE/holder.pid ]] || return 1
  pid=$(<"$STATE/holder.pid")
  [[ -d /proc/$pid ]] && [[ $(readlink "/proc/$pid/ns/mnt") != "$(readlink /proc/self/ns/mnt)" ]] \
    && echo "$pid"
}

podman_command() {
  case $ENGINE in
    podman) echo "$(podman_env "$STATE") podman" ;;
    crun)
      local pid
      pid=$(crun_holder_pid) || { echo "false crun-namespace-holder-not-running"; return; }
      echo "nsenter --mount=/proc/$pid/ns/mnt -- $(podman_env "$STATE") podman"
      ;;
    rootless)
      # env -C /: the caller's directory may be one the user cannot enter (CI clones into a
      # mktemp -d directory, mode 0700).
      echo "runuser -u $RL_USER -- env -C / -i HOME=$RL_HOME XDG_RUNTIME_DIR=$RUNBASE/rootless" \
        "PATH=/usr/sbin:/usr/bin:/sbin:/bin CONTAINERS_CONF=$RL_HOME/podman/containers.conf" \
        "CONTAINERS_STORAGE_CONF=$RL_HOME/podman/storage.conf podman"
      ;;
  esac
}

podman_up() {
  [[ $(id -u) == 0 ]] || fail_or_skip "the engines suites need root (running as uid $(id -u))"
  # python3-yaml: the k8s suite, which shares this fixture, parses the pod manifests.
  install_engine_packages podman runc crun uidmap catatonit python3-yaml busybox-static
  local hash tar fresh=0
  # Podman has no daemon; what down must undo (the run directory, rootless Podman's pause
  # process and user) exists from the first up on.
  [[ -d $RUNBASE/$ENGINE ]] || fresh=1
  hash=$(rootfs)
  tar=$ENGINE_STATE/rootfs/rootfs.tar
  case $ENGINE in
    podman)
      write_podman_conf "$STATE" "$RUNBASE/podman" runc enabled
      ;;
    crun)
      write_podman_conf "$STATE" "$RUNBASE/crun" crun disabled
      if ! crun_holder_pid >/dev/null; then
        # 8>&- 9>&-: the holder must not keep our lock.
        setsid unshare --mount --propagation private sh -c \
          'mount -t cgroup2 none /sys/fs/cgroup && exec sleep infinity' \
          </dev/null >"$STATE/holder.log" 2>&1 8>&- 9>&- &
        echo $! >"$STATE/holder.pid"
        local i
        for i in $(seq 50); do
          crun_holder_pid >/dev/null && grep -q ' /sys/fs/cgroup cgroup2 ' "/proc/$!/mounts" 2>/dev/null && break
          sleep 0.1
        done
        crun_holder_pid >/dev/null \
          || fail_or_skip "no private mount namespace with cgroup2 for crun: $(cat "$STATE/holder.log")"
        fresh=1
      fi
      ;;
    rootless)
      if ! id "$RL_USER" >/dev/null 2>&1; then
        useradd --system --create-home --home-dir "$RL_HOME" --shell /usr/sbin/nologin "$RL_USER"
        touch "$STATE/created-user"
      fi
      grep -q "^$RL_USER:" /etc/subuid 2>/dev/null || usermod --add-subuids "$RL_SUBIDS" "$RL_USER"
      grep -q "^$RL_USER:" /etc/subgid 2>/dev/null || usermod --add-subgids "$RL_SUBIDS" "$RL_USER"
      # Podman would pick vfs itself for a user namespace without fuse-overlayfs configured;
      # saying so keeps it from probing.
      PODMAN_DRIVER=vfs write_podman_conf "$RL_HOME/podman" "$RUNBASE/rootless" runc enabled
      chmod 0700 "$RUNBASE/rootless"
      chown -R "$RL_USER:" "$RUNBASE/rootless"
      # What the rootless engine must read: the image and the init for `--init-path`.
      cp "$tar" "$RL_HOME/rootfs.tar"
      cp "$HARDINIT_BIN" "$RL_HOME/hardinit"
      chown -R "$RL_USER:" "$RL_HOME"
      ;;
  esac
  # Rootful image imports write containers/image's blob cache to /var/lib/containers/cache,
  # a path Podman offers no setting for; down removes it when up created it.
  [[ $ENGINE == rootless || -e /var/lib/containers ]] || touch "$ENGINE_STATE/created-var-lib-containers"
  local podman have
  podman=$(podman_command)
  have=$($podman image inspect -f '{{index .Labels "hardinit.inputs"}}' "$IMAGE" 2>/dev/null || true)
  if [[ $have != "$hash" ]]; then
    [[ $ENGINE == rootless ]] && tar=$RL_HOME/rootfs.tar
    $podman import --change 'ENV PATH=/bin:/sbin' --change 'ENTRYPOINT ["/hardinit"]' \
      --change "LABEL hardinit.inputs=$hash" "$tar" "$IMAGE" >"$STATE/import.log" 2>&1 \
      || fail_or_skip "podman import failed: $(tail -5 "$STATE/import.log")"
    $podman image prune -f >/dev/null 2>&1 || true
    log "imported $IMAGE ($hash)"
    # Once per image: a failure here names the engine set-up, not a test case.
    $podman run --rm --entrypoint /bin/true "$IMAGE" >"$STATE/smoke.log" 2>&1 \
      || fail_or_skip "podman run of the test image failed: $(tail -5 "$STATE/smoke.log")"
  fi
  ((fresh == 0)) || echo started
}

podman_down() {
  local podman
  podman=$(podman_command)
  if [[ $ENGINE != crun ]] || crun_holder_pid >/dev/null; then
    $podman pod rm -af -t 0 >/dev/null 2>&1 || true
    $podman rm -af -t 0 >/dev/null 2>&1 || true
  fi
  if [[ $ENGINE != rootless && -e $ENGINE_STATE/created-var-lib-containers ]]; then
    rm -f /var/lib/containers/cache/blob-info-cache-v1.boltdb
    rmdir /var/lib/containers/cache /var/lib/containers 2>/dev/null || true
    [[ -e /var/lib/containers ]] || rm -f "$ENGINE_STATE/created-var-lib-containers"
  fi
  case $ENGINE in
    podman)
      unmount_under "$STATE" "$RUNBASE/podman"
      rm -rf "$RUNBASE/podman"
      ;;
    crun)
      local pid
      if pid=$(crun_holder_pid); then
        log "stopping the mount namespace holder $pid"
        kill -TERM "$pid" 2>/dev/null || true
      fi
      rm -f "$STATE/holder.pid"
      unmount_under "$STATE" "$RUNBASE/crun"
      rm -rf "$RUNBASE/crun"
      # crun's own state root; only these suites run crun here, and it is empty once their
      # containers are gone.
      rmdir /run/crun 2>/dev/null || true
      ;;
    rootless)
      # Rootless Podman keeps a pause process that holds its user namespace open, and a
      # Podman killed mid-way may leave others: everything the test user still runs was
      # started by these suites.
      local pid
      for pid in $(ps -u "$RL_USER" -o pid= 2>/dev/null); do
        log "stopping $RL_USER's process $pid ($(cat "/proc/$pid/comm" 2>/dev/null))"
        kill -KILL "$pid" 2>/dev/null || true
      done
      unmount_under "$RL_HOME" "$RUNBASE/rootless"
      rm -rf "$RUNBASE/rootless"
      if [[ -e $STATE/created-user ]]; then
        log "removing user $RL_USER and its subordinate ids"
        for _ in $(seq 20); do
          [[ -z $(ps -u "$RL_USER" -o pid= 2>/dev/null) ]] && break
          sleep 0.1
        done
        if userdel --remove "$RL_USER" 2>"$STATE/userdel.log"; then
          rm -rf "$RL_HOME" "$STATE/created-user"
          # userdel takes the user's ranges out of /etc/subuid and /etc/subgid itself.
        else
          log "userdel $RL_USER failed: $(cat "$STATE/userdel.log")"
          return 1
        fi
      fi
      ;;
  esac
}

# ---------------------------------------------------------------------------------------
# containerd with ctr.

CTD_NS=hardinit-test

ctd_socket() { echo "$RUNBASE/containerd/containerd.sock"; }

ctd_pid() {
  local pid
  [[ -s $STATE/containerd.pid ]] || return 1
  pid=$(<"$STATE/containerd.pid")
  [[ -d /proc/$pid && $(cat "/proc/$pid/comm" 2>/dev/null) == containerd ]] && echo "$pid"
}

ctd_command() { echo "ctr --address $(ctd_socket) --namespace $CTD_NS"; }

# An OCI image layout archive with one uncompressed layer, the rootfs tar itself, for `ctr
# images import` (which takes image archives, not root filesystems).
make_oci_archive() {  # make_oci_archive ROOTFS_TAR OUT NAME
  local tar=$1 out=$2 name=$3 work layer lsize config csize manifest msize
  work=$(mktemp -d "$STATE/oci.XXXXXX")
  mkdir -p "$work/blobs/sha256"
  layer=$(sha256sum "$tar" | cut -d' ' -f1)
  lsize=$(stat -c %s "$tar")
  cp "$tar" "$work/blobs/sha256/$layer"
  printf '{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/bin:/sbin"],"Entrypoint":["/hardinit"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
    "$layer" >"$work/config"
  config=$(sha256sum "$work/config" | cut -d' ' -f1)
  csize=$(stat -c %s "$work/config")
  mv "$work/config" "$work/blobs/sha256/$config"
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%d},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%d}]}' \
    "$config" "$csize" "$layer" "$lsize" >"$work/manifest"
  manifest=$(sha256sum "$work/manifest" | cut -d' ' -f1)
  msize=$(stat -c %s "$work/manifest")
  mv "$work/manifest" "$work/blobs/sha256/$manifest"
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%d,"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"latest"}}]}' \
    "$manifest" "$msize" "$name" >"$work/index.json"
  printf '{"imageLayoutVersion":"1.0.0"}' >"$work/oci-layout"
  tar -C "$work" -cf "$out" oci-layout index.json blobs
  rm -rf "$work"
}

containerd_up() {
  [[ $(id -u) == 0 ]] || fail_or_skip "containerd needs root (running as uid $(id -u))"
  install_engine_packages containerd runc busybox-static
  local hash run=$RUNBASE/containerd
  hash=$(rootfs)
  mkdir -p "$run" "$STATE/root"
  cat >"$STATE/config.toml" <<EOF
version = 2
root = "$STATE/root"
state = "$run/state"
# No kubelet here: the CRI plugin would only look for CNI; nothing may write to /opt.
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.internal.v1.opt"]
[grpc]
  address = "$(ctd_socket)"
[ttrpc]
  address = "$(ctd_socket).ttrpc"
[debug]
  address = ""
EOF
  if ! ctd_pid >/dev/null; then
    log "starting containerd (socket $(ctd_socket), log $STATE/containerd.log)"
    setsid containerd --config "$STATE/config.toml" </dev/null >"$STATE/containerd.log" 2>&1 8>&- 9>&- &
    echo $! >"$STATE/containerd.pid"
    local i
    for i in $(seq 100); do
      $(ctd_command) version >/dev/null 2>&1 && break
      ctd_pid >/dev/null || fail_or_skip "containerd exited: $(tail -5 "$STATE/containerd.log")"
      sleep 0.1
    done
    $(ctd_command) version >/dev/null 2>&1 \
      || fail_or_skip "containerd did not answer within 10 s: $(tail -5 "$STATE/containerd.log")"
    echo started
  fi
  if [[ $(cat "$STATE/image.hash" 2>/dev/null) != "$hash" ]] \
     || ! $(ctd_command) images check "name==$IMAGE" 2>/dev/null | grep -q complete; then
    make_oci_archive "$ENGINE_STATE/rootfs/rootfs.tar" "$STATE/image.tar" "$IMAGE"
    $(ctd_command) images import "$STATE/image.tar" >"$STATE/import.log" 2>&1 \
      || fail_or_skip "ctr images import failed: $(tail -5 "$STATE/import.log")"
    echo "$hash" >"$STATE/image.hash"
    rm -f "$STATE/image.tar"
    log "imported $IMAGE ($hash)"
  fi
}

containerd_down() {
  local pid ctr c
  ctr=$(ctd_command)
  if pid=$(ctd_pid); then
    for c in $($ctr tasks ls -q 2>/dev/null); do $ctr tasks kill -s SIGKILL "$c" >/dev/null 2>&1 || true; done
    sleep 0.3
    for c in $($ctr tasks ls -q 2>/dev/null); do $ctr tasks delete -f "$c" >/dev/null 2>&1 || true; done
    for c in $($ctr containers ls -q 2>/dev/null); do $ctr containers delete "$c" >/dev/null 2>&1 || true; done
    log "stopping containerd $pid"
    kill -TERM "$pid"
    for _ in $(seq 100); do
      [[ -d /proc/$pid ]] || break
      sleep 0.1
    done
    [[ ! -d /proc/$pid ]] || kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$STATE/containerd.pid"
  unmount_under "$STATE" "$RUNBASE/containerd"
  rm -rf "$RUNBASE/containerd"
}

# ---------------------------------------------------------------------------------------

usage() { echo "usage: $0 up|down|env podman|crun|rootless|containerd" >&2; exit 2; }

VERB=${1:-}
ENGINE=${2:-}
case $ENGINE in podman | crun | rootless | containerd) ;; *) usage ;; esac
STATE=$ENGINE_STATE/$ENGINE
mkdir -p "$STATE"

# One lock per engine: ctest may set up several engines at once, and several test processes
# may call "up" for the same one.
exec 9>"$STATE/lock"
flock 9

case $VERB in
  up)
    rm -f "$STATE/skip"
    : "${HARDINIT_BIN:?}" "${HARDINIT_PROBE:?}"
    if [[ $ENGINE == containerd ]]; then containerd_up; else podman_up; fi
    ;;
  down)
    if [[ $ENGINE == containerd ]]; then containerd_down; else podman_down; fi
    rmdir "$RUNBASE" 2>/dev/null || true
    ;;
  env)
    if [[ $ENGINE == containerd ]]; then ctd_command; else podman_command; fi
    ;;
  *) usage ;;
esac
