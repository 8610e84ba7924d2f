#!/usr/bin/env bash
# Installs what hardinit's build, tests and demo need from Debian's archive, and only what is
# missing. Everything comes from Debian 12 packages; nothing is downloaded from elsewhere.
set -euo pipefail

packages=(
  build-essential cmake pkg-config file
  libcap-ng-dev libseccomp-dev libspdlog-dev libfmt-dev nlohmann-json3-dev libgtest-dev
  busybox-static libcap2-bin util-linux procps iproute2
)
# The cross build for arm64 (cmake/toolchain-aarch64.cmake): Debian's cross compiler and the
# arm64 builds of the libraries hardinit links statically; spdlog, fmt and nlohmann-json are
# headers, the same for every architecture.
arm64=(gcc-aarch64-linux-gnu g++-aarch64-linux-gnu libc6-dev:arm64 libseccomp-dev:arm64
       libcap-ng-dev:arm64 libgtest-dev:arm64)
case "${1:-}" in
  # The runtimes the seccomp tests start under the strict profile: Python, Node.js, a JVM and
  # Go programs (runc, containerd); clang for the fuzzers; tini as a negative control. The
  # arm64 build's tests: user-mode emulation for its unit tests, a system emulator and cpio
  # for the VM that boots Debian's arm64 kernel (tests/vm).
  --test) packages+=(python3 clang libclang-rt-14-dev nodejs openjdk-17-jre-headless runc containerd tini
                     "${arm64[@]}" qemu-user-static qemu-system-arm cpio) ;;
  # The engines suites (tests/engines): Podman with both OCI runtimes, rootless Podman's
  # subordinate-id helpers, containerd; catatonit is Podman's own --init, the control for
  # hardinit as Podman's init; python3-yaml parses the pod manifests of docs/kubernetes.md.
  --engines) packages+=(podman runc crun uidmap catatonit containerd python3-yaml) ;;
  --bench) packages+=(tini dumb-init catatonit gosu hyperfine gnuplot-nox time) ;;
  --arm64) packages+=("${arm64[@]}") ;;
esac
# Packages of another architecture need it added to dpkg first (multiarch).
foreign=$(printf '%s\n' "${packages[@]}" | sed -n 's/.*:\(.*\)$/\1/p' | sort -u)
for arch in $foreign; do
  if ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
    echo "install-deps: adding the $arch architecture to dpkg"
    dpkg --add-architecture "$arch"
    added_arch=1
  fi
done

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})) || [[ -n ${added_arch:-} ]]; then
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi
