#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan + libFuzzer) in their own build
# directory and runs each for SECONDS (default 60). Fails on any crash, leak, timeout or
# out-of-memory, and prints how many inputs each target executed.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]     targets: cli account_files seccomp_profile
#                                             seccomp_compile http_response health_url
#                                             (default: all)
#
# Environment: FUZZ_BUILD_DIR (default build-fuzz), FUZZ_JOBS (build parallelism, default 2),
# FUZZ_ARGS (extra libFuzzer flags, e.g. "-jobs=4 -workers=4" for a longer run).
#
# Seeds are read from tests/fuzz/corpus/TARGET/ (and, for the profile targets, the JSON files
# of seccomp-profiles/ and tests/data/seccomp/) and never written: new inputs go to
# $FUZZ_BUILD_DIR/corpus/TARGET/, which a later run reuses. A crashing input lands in
# $FUZZ_BUILD_DIR/artifacts/TARGET/; replay it with `$FUZZ_BUILD_DIR/tests/fuzz/TARGET_fuzzer
# FILE`, turn it into a unit test, fix the bug, and copy the input into the seed corpus.
set -euo pipefail

cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(cli account_files seccomp_profile seccomp_compile http_response health_url)
build=${FUZZ_BUILD_DIR:-build-fuzz}
jobs=${FUZZ_JOBS:-2}

if ! command -v clang++ >/dev/null; then
  echo "fuzz.sh: clang++ not found (apt-get install clang libclang-rt-dev)" >&2
  exit 2
fi

cmake -S . -B "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHARDINIT_FUZZ=ON -DHARDINIT_TESTS=OFF >/dev/null
cmake --build "$build" -j"$jobs" --target "${targets[@]/%/_fuzzer}"

# Leaks fail the run (detect_leaks is on by default under ASan); UBSan stops at the first
# report (-fno-sanitize-recover) and prints where.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

declare -A executions
failed=()
for target in "${targets[@]}"; do
  binary=$build/tests/fuzz/${target}_fuzzer
  corpus=$build/corpus/$target
  artifacts=$build/artifacts/$target/
  log=$build/logs/$target.log
  mkdir -p "$corpus" "$artifacts" "$(dirname "$log")"
  dict=tests/fuzz/${target}.dict
  [[ $target == seccomp_* ]] && dict=tests/fuzz/seccomp.dict
  dict_flag=()
  [[ -f $dict ]] && dict_flag=(-dict="$dict")
  # The profile targets also start from the real profiles: the built-in ones and the
  # upstream test data, rather than copies of them in the seed corpus.
  seeds=("tests/fuzz/corpus/$target")
  if [[ $target == seccomp_* ]]; then
    mkdir -p "$build/seeds"
    cp seccomp-profiles/*.json tests/data/seccomp/*.json "$build/seeds/"
    seeds+=("$build/seeds")
  fi
  echo "== $target: ${seconds}s"
  status=0
  # shellcheck disable=SC2086  # FUZZ_ARGS is a list of flags
  "$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -print_final_stats=1 -artifact_prefix="$artifacts" "${dict_flag[@]}" ${FUZZ_ARGS:-} \
    "$corpus" "${seeds[@]}" >"$log" 2>&1 || status=$?
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | awk '{s += $2} END {print s + 0}')
  executions[$target]=$runs
  if [[ $status -ne 0 ]]; then
    failed+=("$target")
    echo "!! $target failed (exit $status); log: $log" >&2
    grep -E 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|SUMMARY|Test unit written' \
      "$log" | head -20 >&2 || true
  fi
done

echo
echo "executions per target (${seconds}s each):"
for target in "${targets[@]}"; do printf '  %-16s %12s\n' "$target" "${executions[$target]}"; done
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "FAILED: ${failed[*]}" >&2
  exit 1
fi
