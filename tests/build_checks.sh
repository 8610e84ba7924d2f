#!/usr/bin/env bash
# The release binary is what images COPY --from: fully static, stripped, hardened.
# Usage: build_checks.sh PATH_TO_HARDINIT
set -u
binary=$1
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
check "runs with no libraries at all" sh -c "env -i '$binary' --version | grep -q '^hardinit '"
exit $failed
