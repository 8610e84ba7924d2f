#!/usr/bin/env bash
# Learns the seccomp profile of each docker/examples service (docs/seccomp.md, step 1) and
# writes it next to the service as seccomp.json, merged with the one already there.
#
#   scripts/learn-examples.sh DOCKER_COMMAND...   e.g. scripts/learn-examples.sh docker
#
# The images must exist (hardinit-example-python, hardinit-example-node: see
# docker/examples/compose.yaml, or the container suite, which builds them). Each service runs
# with the settings of compose.yaml, Docker's own filter off (so that the learned profile is
# all that decides when it is shipped with --security-opt seccomp=FILE), and
# HARDINIT_SECCOMP_LEARN pointing into a volume; it is driven with GET requests from inside
# the container, then stopped with `docker stop`, which makes PID 1 write the profile.
# HARDINIT_LEARN_BIN=PATH mounts a static hardinit built elsewhere over the image's own.
set -euo pipefail

(($#)) || { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
docker=("$@")
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

declare -A clients=(
  [python]="python3 -c 'import urllib.request as u; print(len(u.urlopen(\"http://127.0.0.1:80/\").read()))'"
  [node]="node -e 'require(\"http\").get(\"http://127.0.0.1:80/\", r => { r.resume(); r.on(\"end\", () => console.log(r.statusCode)); })'"
)

for example in python node; do
  out=$(mktemp -d)
  chmod 1777 "$out"
  if [[ -f $root/docker/examples/$example/seccomp.json ]]; then
    cp "$root/docker/examples/$example/seccomp.json" "$out/seccomp.json"
    chown 1000:1000 "$out/seccomp.json"  # app: PID 1 renames over it as that user
  fi
  mount_bin=()
  [[ -z ${HARDINIT_LEARN_BIN:-} ]] || mount_bin=(-v "$HARDINIT_LEARN_BIN:/usr/local/bin/hardinit:ro")
  id=$("${docker[@]}" run -d --network none --read-only --tmpfs /tmp "${mount_bin[@]}" \
    --cap-drop ALL --cap-add SETUID --cap-add SETGID --cap-add SETPCAP \
    --cap-add NET_BIND_SERVICE --security-opt no-new-privileges:true \
    --sysctl net.ipv4.ip_unprivileged_port_start=1024 --security-opt seccomp=unconfined \
    -v "$out:/out" -e HARDINIT_SECCOMP_LEARN=/out/seccomp.json "hardinit-example-$example")
  served=0
  for _ in $(seq 100); do
    if "${docker[@]}" exec "$id" sh -c "${clients[$example]}" >/dev/null 2>&1; then
      served=$((served + 1))
      ((served < 5)) || break
    else
      sleep 0.2
    fi
  done
  "${docker[@]}" stop "$id" >/dev/null
  "${docker[@]}" logs "$id" 2>&1 | tail -3
  "${docker[@]}" rm "$id" >/dev/null
  ((served == 5)) || { echo "learn-examples: $example did not serve" >&2; exit 1; }
  cp "$out/seccomp.json" "$root/docker/examples/$example/seccomp.json"
  rm -rf "$out"
  echo "learn-examples: $example: $(grep -c '^        "' "$root/docker/examples/$example/seccomp.json") calls"
done
