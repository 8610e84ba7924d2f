#!/usr/bin/env bash
# The project's two entry points, for a fresh Debian 12 machine, as root:
#   scripts/run.sh demo   install what is missing, build, run the demo
#   scripts/run.sh test   install what is missing, build (x86_64 and arm64), run every test
#                         suite, check that the release build is reproducible
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

build() {  # build DIR [CMAKE_ARGS...] [-- TARGET...] : a Release build of the checkout
  local dir=$1 args=() targets=(); shift
  while (($#)) && [[ $1 != -- ]]; do args+=("$1"); shift; done
  (($#)) && shift && targets=("$@")
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release "${args[@]}" >/dev/null
  cmake --build "$dir" -j"$jobs" ${targets[0]:+--target "${targets[@]}"}
}

timed() {  # timed LABEL COMMAND... : runs it and says how long it took
  local start=$SECONDS rc=0
  "${@:2}" || rc=$?
  echo "run.sh: $1 took $((SECONDS - start)) s (exit $rc)"
  return $rc
}

case "${1:-}" in
  demo)
    scripts/install-deps.sh
    build build -- hardinit probe
    scripts/demo.sh build
    ;;
  test)
    scripts/install-deps.sh --test
    build build
    # The arm64 cross build, its built-in profiles compiled by this machine's profilec
    # (design.md §6); its unit tests under user-mode emulation, the rest on Debian's arm64
    # kernel in a VM (tests/vm); then the release build, which must be byte-identical to both.
    timed "arm64 build" build build-arm64 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-aarch64.cmake \
      -DHARDINIT_PROFILEC="$PWD/build/hardinit-profilec"
    timed "arm64 tests" ctest --test-dir build-arm64 -L 'unit|vm' --output-on-failure -j1
    grep -h '^vm: arm64: ' build-arm64/Testing/Temporary/LastTest.log || true
    timed "reproducible release" tests/reproducible.sh amd64=build/hardinit arm64=build-arm64/hardinit
    # The extra suites first; the last line printed is ctest's summary of the main suites.
    for extra in scripts/sanitize.sh scripts/fuzz.sh; do
      [ -x "$extra" ] && "$extra"
    done
    [ -x bench/run.sh ] && bench/run.sh --smoke
    ctest --test-dir build --output-on-failure -j1
    ;;
  *)
    echo "usage: $0 demo|test" >&2
    exit 2
    ;;
esac
