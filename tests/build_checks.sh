#!/usr/bin/env bash
# The release binary is what images COPY --from: fully static, stripped, hardened.
# Usage: build_checks.sh PATH_TO_HARDINIT [EMULATOR...]
# A cross build passes its CMAKE_CROSSCOMPILING_EMULATOR to run the binary.
set -u
binary=$1
emulator=("${@:2}")
failed=0
check() {  # check NAME COMMAND...
  if "${@:2}" >/dev/null 2>&1; then echo "ok: $1"; else echo "FAILED: $1"; failed=1; fi
}
kind=$(file -b "$binary")
echo "file: $kind"
check "statically linked" grep -q "statically linked" <<<"$kind"
check "stripped" grep -q ", stripped" <<<"$kind"
check "ldd says not a dynamic executable" sh -c "ldd '$binary' 2>&1 | grep -q 'not a dynamic executable'"
# A static executable has no dynamic section (so no BIND_NOW flag to read): what -z relro
# -z now leaves is a read-only-after-start GNU_RELRO segment.
check "RELRO segment" sh -c "readelf -lW '$binary' | grep -q GNU_RELRO"
check "non-executable stack" sh -c "readelf -lW '$binary' | grep GNU_STACK | grep -qv RWE"
# Symbols are stripped; the handlers' messages show that the checks are linked and used.
check "stack protector" sh -c "grep -aq 'stack smashing detected' '$binary'"
check "_FORTIFY_SOURCE" sh -c "grep -aq 'buffer overflow detected' '$binary'"
version=$(env -i "${emulator[@]}" "$binary" --version 2>&1)
echo "version: $version"
check "runs with no libraries at all" grep -q '^hardinit ' <<<"$version"
check "--version names the version, the commit and the architecture" \
  grep -Eqx 'hardinit [0-9]+\.[0-9]+\.[0-9]+ \(commit [0-9A-Za-z._+-]+, linux/[a-z0-9]+\)' <<<"$version"
case $kind in
  *x86-64*) arch=amd64 ;;
  *aarch64*) arch=arm64 ;;
  *) arch="unknown machine in: $kind" ;;
esac
check "--version names the binary's own architecture ($arch)" grep -q "linux/$arch)\$" <<<"$version"
exit $failed
