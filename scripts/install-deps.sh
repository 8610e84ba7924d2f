#!/usr/bin/env bash
# Installs what hardinit's build, tests and demo need from Debian's archive, and only what is
# missing. Everything comes from Debian 12 packages; nothing is downloaded from elsewhere.
set -euo pipefail

packages=(
  build-essential cmake pkg-config file
  libcap-ng-dev libseccomp-dev libspdlog-dev libfmt-dev nlohmann-json3-dev libgtest-dev
  busybox-static libcap2-bin util-linux procps iproute2
)
case "${1:-}" in
  # The runtimes the seccomp tests start under the strict profile: Python, Node.js, a JVM and
  # Go programs (runc, containerd); clang for the fuzzers; tini as a negative control.
  --test) packages+=(python3 clang libclang-rt-14-dev nodejs openjdk-17-jre-headless runc containerd tini) ;;
  # The engines suites (tests/engines): Podman with both OCI runtimes, rootless Podman's
  # subordinate-id helpers, containerd; catatonit is Podman's own --init, the control for
  # hardinit as Podman's init; python3-yaml parses the pod manifests of docs/kubernetes.md.
  --engines) packages+=(podman runc crun uidmap catatonit containerd python3-yaml) ;;
  --bench) packages+=(tini dumb-init catatonit gosu hyperfine gnuplot-nox time) ;;
esac

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi
