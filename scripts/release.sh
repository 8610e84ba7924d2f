#!/usr/bin/env bash
# The release artefacts: dist/hardinit-VERSION-linux-ARCH for each architecture below, fully
# static and stripped, and dist/SHA256SUMS.
#
#   scripts/release.sh [--out DIR] [--arch ARCH]...
#
# Reproducible (design.md §6): the binaries are built from the commit (git archive HEAD, not
# the working tree) in a fresh directory, with SOURCE_DATE_EPOCH set to the commit's time,
# and nothing of the build machine's paths or clock gets into them, so a release of the same
# commit built anywhere else on Debian 12 gives byte-identical files. Outside a git checkout
# (a tarball, a container build context) the tree is built as it is and HARDINIT_COMMIT
# names the commit.
set -euo pipefail
cd "$(dirname "$0")/.."

# One line per architecture: Docker's name and the toolchain file that cross-builds it.
# The build machine's own architecture is built natively, without its toolchain file.
targets=(
  "amd64 cmake/toolchain-x86_64.cmake"
  "arm64 cmake/toolchain-aarch64.cmake"
)

out=dist
only=()
while (($#)); do
  case $1 in
    --out) out=$2; shift 2 ;;
    --arch) only+=("$2"); shift 2 ;;
    *) echo "usage: $0 [--out DIR] [--arch ARCH]..." >&2; exit 2 ;;
  esac
done
jobs=$(nproc)
native=$(dpkg --print-architecture)
version=$(sed -n 's/^project(hardinit VERSION \([0-9.]*\) .*/\1/p' CMakeLists.txt)
[[ -n $version ]] || { echo "release: no version in CMakeLists.txt" >&2; exit 1; }

work=$(mktemp -d /tmp/hardinit-release.XXXXXX)
trap 'rm -rf "$work"' EXIT
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  commit=$(git rev-parse --short=12 HEAD)
  export SOURCE_DATE_EPOCH=$(git log -1 --format=%ct HEAD)
  if [[ -n $(git status --porcelain --untracked-files=no) ]]; then
    echo "release: uncommitted changes are not in the release; it builds $commit" >&2
  fi
  mkdir "$work/src"
  git archive --format=tar HEAD | tar -x -C "$work/src"
  src=$work/src
else
  commit=${HARDINIT_COMMIT:-unknown}
  export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-0}
  src=$PWD
fi

configure() {  # configure BUILD_DIR [CMAKE_ARGS...]
  local dir=$1; shift
  cmake -S "$src" -B "$dir" -DCMAKE_BUILD_TYPE=Release -DHARDINIT_TESTS=OFF \
    -DHARDINIT_COMMIT="$commit" "$@" >"$dir.log" 2>&1 \
    || { cat "$dir.log" >&2; echo "release: cmake failed for $dir" >&2; exit 1; }
}

wanted() { ((${#only[@]} == 0)) || [[ " ${only[*]} " == *" $1 "* ]]; }

# The build machine's own build: its hardinit if asked for, and the hardinit-profilec that
# compiles the built-in seccomp profiles for every other target (design.md §3.3).
host_targets=(hardinit-profilec)
wanted "$native" && host_targets+=(hardinit)
configure "$work/$native"
cmake --build "$work/$native" -j"$jobs" --target "${host_targets[@]}" >>"$work/$native.log" 2>&1 \
  || { tail -30 "$work/$native.log" >&2; echo "release: build failed for $native" >&2; exit 1; }

mkdir -p "$out"
built=()
for target in "${targets[@]}"; do
  read -r arch toolchain <<<"$target"
  wanted "$arch" || continue
  dir=$work/$native
  if [[ $arch != "$native" ]]; then
    dir=$work/$arch
    configure "$dir" -DCMAKE_TOOLCHAIN_FILE="$src/$toolchain" \
      -DHARDINIT_PROFILEC="$work/$native/hardinit-profilec"
    cmake --build "$dir" -j"$jobs" --target hardinit >>"$dir.log" 2>&1 \
      || { tail -30 "$dir.log" >&2; echo "release: build failed for $arch" >&2; exit 1; }
  fi
  name=hardinit-$version-linux-$arch
  cp "$dir/hardinit" "$out/$name"
  kind=$(file -b "$out/$name")
  [[ $kind == *"statically linked"* && $kind == *", stripped"* ]] \
    || { echo "release: $name is not a static stripped executable: $kind" >&2; exit 1; }
  built+=("$name")
  printf 'release: %-32s %9d bytes  %s\n' "$name" "$(stat -c %s "$out/$name")" "${kind%%,*}"
done
((${#built[@]})) || { echo "release: no architecture matches ${only[*]}" >&2; exit 1; }
(cd "$out" && sha256sum "${built[@]}" >SHA256SUMS)
echo "release: $out/SHA256SUMS (commit $commit)"
