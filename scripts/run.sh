#!/usr/bin/env bash
# The project's two entry points, for a fresh Debian 12 machine, as root:
#   scripts/run.sh demo   install what is missing, build, run the demo
#   scripts/run.sh test   install what is missing, build, run every test suite
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

build() {  # build DIR TARGET... : a Release build of the checkout
  local dir=$1; shift
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$dir" -j"$jobs" ${1:+--target "$@"}
}

case "${1:-}" in
  demo)
    scripts/install-deps.sh
    build build hardinit probe
    scripts/demo.sh build
    ;;
  test)
    scripts/install-deps.sh --test
    build build
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
