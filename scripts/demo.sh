#!/usr/bin/env bash
# The demo: hardinit as PID 1 of a new PID namespace runs a program as an unprivileged user
# under the default seccomp profile (and then under Landlock rules), and the program reports
# what it sees.
set -euo pipefail
build=${1:-build}
hardinit=$build/hardinit
probe=$build/tests/probe

show() {
  printf '\n$ %s\n' "$*"
  "$@" || printf '(exit status %d)\n' "$?"
}

echo "hardinit demo: PID 1 of a fresh PID namespace, the program as user nobody, default profile"
# The program is hardinit itself in --inspect mode: it prints its own security state.
show unshare --pid --fork --mount-proc "$hardinit" --user nobody -- "$hardinit" --inspect
# The probe tries what an attacker in the container would try, and reports the errno.
show unshare --pid --fork --mount-proc "$hardinit" --user nobody -- "$probe" \
  try setuid0 try setgroups try capset-raise try keyctl try mount try unshare-user \
  try tiocsti try syscall:470 try fork
# The same with a kept capability: a non-root program binding port 80.
show unshare --pid --net --fork --mount-proc sh -c \
  "ip link set lo up && $hardinit --user nobody --cap-keep NET_BIND_SERVICE -- $probe try bind:80"
# And the exit code of a program killed by a signal, as a shell would report it.
show unshare --pid --fork --mount-proc "$hardinit" --user nobody -- "$probe" raise 15

# Landlock: the image insists on a read-only root with one writable place, and on its ports,
# whatever the runtime was told. The program (as nobody) tries to write outside /tmp, into a
# directory its uid may write to, and to bind a port that is not listed.
demo_dir=$(mktemp -d /var/tmp/hardinit-demo.XXXXXX)
chmod 1777 "$demo_dir"
trap 'rm -rf "$demo_dir"' EXIT
tries="write $demo_dir/file write /tmp/hardinit-demo-file tcp-bind 8080 tcp-bind 8081"
show unshare --pid --net --fork --mount-proc sh -c \
  "ip link set lo up && $hardinit --user nobody --fs-ro / --fs-rw /tmp --net-bind 8080 -- $probe $tries"
rm -f /tmp/hardinit-demo-file
# The same program without the Landlock flags: the kernel's file permissions alone let it write.
show unshare --pid --fork --mount-proc "$hardinit" --user nobody -- "$probe" write "$demo_dir/file"
