# Shared by the engine fixtures (tests/container/fixture.sh, tests/engines/fixture.sh): a need
# that is not met fails the fixture, and with it every test that requires it, unless
# HARDINIT_ALLOW_SKIP=1 records it as a skip (design.md §5). The sourcing script defines
# log() and STATE.

fail_or_skip() {
  if [[ ${HARDINIT_ALLOW_SKIP:-0} == 1 ]]; then
    log "SKIP (HARDINIT_ALLOW_SKIP=1): $*"
    printf '%s\n' "$*" >"$STATE/skip"
    exit 0
  fi
  log "FAILED: $*"
  log "(set HARDINIT_ALLOW_SKIP=1 to record this as a skip instead)"
  exit 1
}

have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
