#!/usr/bin/env bash
# The release build is reproducible (design.md §6): scripts/release.sh builds HEAD from a git
# archive in a fresh directory of its own, and each of its binaries must be byte-identical
# to this checkout's own Release build of the same architecture: other source and build
# paths, the commit taken from a variable instead of git, the same bytes.
#
#   tests/reproducible.sh ARCH=BINARY...      e.g. amd64=build/hardinit arm64=build-arm64/hardinit
set -euo pipefail
cd "$(dirname "$0")/.."
(($#)) || { echo "usage: $0 ARCH=BINARY..." >&2; exit 2; }

if [[ -n $(git status --porcelain --untracked-files=no) ]]; then
  why="the checkout has uncommitted changes, so its builds are not HEAD's"
  if [[ ${HARDINIT_ALLOW_SKIP:-} == 1 ]]; then echo "reproducible: SKIP: $why"; exit 0; fi
  echo "reproducible: FAILED: $why (HARDINIT_ALLOW_SKIP=1 skips)"
  exit 1
fi

out=$(mktemp -d /tmp/hardinit-reproducible.XXXXXX)
trap 'rm -rf "$out"' EXIT
arches=()
for pair in "$@"; do arches+=(--arch "${pair%%=*}"); done
start=$SECONDS
scripts/release.sh --out "$out" "${arches[@]}"
echo "reproducible: release build took $((SECONDS - start)) s"

failed=0
for pair in "$@"; do
  arch=${pair%%=*} binary=${pair#*=}
  artefact=$(ls "$out"/hardinit-*-linux-"$arch")
  if cmp -s "$binary" "$artefact"; then
    echo "reproducible: $arch: identical, sha256 $(sha256sum <"$artefact" | cut -c1-16)..., $(stat -c %s "$artefact") bytes"
  else
    echo "reproducible: FAILED: $arch: $binary and the release's $(basename "$artefact") differ in" \
      "$(cmp -l "$binary" "$artefact" 2>/dev/null | wc -l) bytes (sizes $(stat -c %s "$binary"), $(stat -c %s "$artefact"))"
    failed=1
  fi
done
exit $failed
