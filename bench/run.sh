#!/usr/bin/env bash
# hardinit against the tools it replaces (tini, dumb-init, catatonit, gosu, setpriv), every
# measurement in one run. See bench/README.md for what each number means and the budgets.
#
#   bench/run.sh            full run (about 6-10 minutes on 2 cores); writes docs/benchmarks/
#   bench/run.sh --smoke    every measurement with tiny counts (under a minute); writes
#                           build-bench/bench-smoke/ and leaves docs/benchmarks/ alone
#
# Environment: BENCH_BUILD_DIR (default build-bench), BENCH_OUT_DIR (default as above),
# BENCH_RT=0 to run the timing measurements under the normal scheduler instead of SCHED_FIFO.
# Must run as root (PID namespaces, --user nobody, SIGSTOP of a namespace's PID 1).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mode=full
case "${1:-}" in
  "") ;;
  --smoke) mode=smoke ;;
  -h | --help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "bench/run.sh: unknown argument: $1 (try --help)" >&2; exit 2 ;;
esac
if [[ $(id -u) != 0 ]]; then
  echo "bench/run.sh: must run as root (PID namespaces, --user nobody)" >&2
  exit 2
fi

build=${BENCH_BUILD_DIR:-$root/build-bench}
if [[ $mode == full ]]; then
  out=${BENCH_OUT_DIR:-$root/docs/benchmarks}
else
  out=${BENCH_OUT_DIR:-$build/bench-smoke}
fi
raw=$build/bench-raw
helpers=$build/bench-helpers

# Counts. The machines are shared and noisy: start-up runs in interleaved rounds so that a
# burst of load hits every command alike, and everything reports medians.
if [[ $mode == full ]]; then
  startup_rounds=5 startup_runs=150 startup_warmup=20 firstinsn_runs=300
  time_runs=21 idle_seconds=10
  reap_orphans=10000 reap_reps=2
  signals=1000
  syscalls=100000 syscost_reps=7 filter_loads=301 landlock_samples=301 capcost_samples=301
else
  startup_rounds=1 startup_runs=10 startup_warmup=2 firstinsn_runs=5
  time_runs=3 idle_seconds=2
  reap_orphans=200 reap_reps=1
  signals=50
  syscalls=10000 syscost_reps=1 filter_loads=5 landlock_samples=5 capcost_samples=5
fi

section_start=$SECONDS
log() {
  # The time each section took goes into the report, so a slow one is easy to find.
  if [[ -n ${results:-} && -n ${section:-} ]]; then
    record timing "$section" seconds $((SECONDS - section_start))
  fi
  section=$1 section_start=$SECONDS
  printf '\n== %s\n' "$*" >&2
}

# --- 1. peers and tools --------------------------------------------------------------------
log install "installing what is missing"
"$root/scripts/install-deps.sh" --bench
for p in python3; do
  command -v "$p" >/dev/null || { apt-get install -y -q --no-install-recommends "$p" >/dev/null; }
done
tini_static=$(command -v tini-static)
tini=$(command -v tini)
dumb_init=$(command -v dumb-init)
catatonit=$(command -v catatonit)
gosu=$(command -v gosu)
setpriv=$(command -v setpriv)
true_bin=/bin/true

# --- 2. hardinit from this checkout, and the helpers -----------------------------------------
log build "hardinit (Release) in $build"
if [[ ! -f $build/CMakeCache.txt ]]; then
  cmake -S "$root" -B "$build" -G "Unix Makefiles" -DCMAKE_BUILD_TYPE=Release \
    -DHARDINIT_TESTS=OFF >/dev/null
fi
cmake --build "$build" -j2 --target hardinit >/dev/null
hardinit=$build/hardinit

mkdir -p "$helpers" "$raw" "$out"
rm -f "$raw"/*
for helper in siglat reap syscost filterload landlockcost firstinsn capcost listencost; do
  if [[ ! -x $helpers/$helper || $root/bench/$helper.c -nt $helpers/$helper ||
        $root/bench/common.h -nt $helpers/$helper ||
        $root/bench/firstinsn.h -nt $helpers/$helper ]]; then
    cc -O2 -Wall -Wextra -Werror -static -o "$helpers/$helper" "$root/bench/$helper.c"
  fi
done
# The program whose first instruction is timed: no C library, so nothing runs before it.
if [[ ! -x $helpers/firstinsn_app || $root/bench/firstinsn_app.c -nt $helpers/firstinsn_app ||
      $root/bench/firstinsn.h -nt $helpers/firstinsn_app ]]; then
  cc -O2 -Wall -Wextra -Werror -static -no-pie -nostdlib -ffreestanding -fno-stack-protector \
    -o "$helpers/firstinsn_app" "$root/bench/firstinsn_app.c"
fi

# The floor (bench/floorinit.c): hardinit's state-changing calls in plain C, with the same two
# filters compiled in: the `default` profile's and PID 1's own allow list, taken from
# src/seccomp_supervisor.cc and exported by this hardinit as a profile of one rule.
floor_src=$root/src/seccomp_supervisor.cc
if [[ ! -x $helpers/floorinit || $root/bench/floorinit.c -nt $helpers/floorinit ||
      $floor_src -nt $helpers/floorinit || $hardinit -nt $helpers/floorinit ]]; then
  names=$(sed -n '/kSupervisorSyscalls = {/,/};/p' "$floor_src" | grep -o '"[a-z0-9_]*"' | paste -sd,)
  [[ -n $names ]] || { echo "bench: no kSupervisorSyscalls in $floor_src" >&2; exit 1; }
  printf '{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":1,"syscalls":[{"names":[%s],"action":"SCMP_ACT_ALLOW"}]}\n' \
    "$names" >"$helpers/floor-pid1.json"
  "$hardinit" seccomp export default "$helpers/floor-default.bpf"
  "$hardinit" seccomp export "$helpers/floor-pid1.json" "$helpers/floor-pid1.bpf"
  # A raw BPF program (struct sock_filter, little-endian) as a C array.
  bpf_array() {
    echo "static const struct sock_filter $1[] = {"
    od -An -v -tx1 -w8 "$2" |
      awk '{printf "    {0x%s%s, 0x%s, 0x%s, 0x%s%s%s%s},\n", $2, $1, $3, $4, $8, $7, $6, $5}'
    echo "};"
  }
  { bpf_array kProgramFilter "$helpers/floor-default.bpf"
    bpf_array kPid1Filter "$helpers/floor-pid1.bpf"; } >"$helpers/floorinit_filters.h"
  cc -O2 -Wall -Wextra -Werror -static -I"$helpers" -o "$helpers/floorinit" "$root/bench/floorinit.c"
fi
floor=$helpers/floorinit

# Timing runs under SCHED_FIFO (lowest priority): other engineers' builds on the same 2 cores
# then delay neither the init nor its child. The kernel's RT throttling still leaves them 5%.
rt=()
if [[ ${BENCH_RT:-1} != 0 ]] && chrt -f 1 true 2>/dev/null; then
  rt=(chrt -f 1)
fi

results=$raw/results.tsv
: >"$results"
record() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$results"; }
record meta meta mode "$mode"
record meta meta scheduler "${rt[*]:-normal (CFS)}"
record meta meta load_before "$(cut -d' ' -f1-3 /proc/loadavg)"
record meta meta started "$(date -u '+%Y-%m-%d %H:%M:%S UTC')"
started_s=$SECONDS

# --- 3. start-up to a finished /bin/true ----------------------------------------------------
# name|command; the name is what tables and charts show.
startup_commands=(
  "/bin/true|$true_bin"
  "hardinit|$hardinit -- $true_bin"
  "hardinit --seccomp unconfined|$hardinit --seccomp unconfined -- $true_bin"
  "hardinit hardened|$hardinit --user nobody --seccomp default -- $true_bin"
  "hardinit hardened + Landlock|$hardinit --user nobody --seccomp default --fs-ro / --fs-rw /tmp --net-bind 80 -- $true_bin"
  "tini-static|$tini_static -s -- $true_bin"
  "tini|$tini -s -- $true_bin"
  "dumb-init|$dumb_init $true_bin"
  "catatonit|$catatonit -- $true_bin"
  "tini-static + gosu|$tini_static -s -- $gosu nobody $true_bin"
  "tini-static + setpriv|$tini_static -s -- $setpriv --reuid=65534 --regid=65534 --clear-groups --no-new-privs --inh-caps=-all --bounding-set=-all $true_bin"
  "hardinit --exec hardened|$hardinit --exec --user nobody --seccomp default -- $true_bin"
  "gosu|$gosu nobody $true_bin"
  "floor|$floor -- $true_bin"
  "floor, no read-back|$floor --no-verify -- $true_bin"
  "floor --exec|$floor --exec -- $true_bin"
  "hardinit --version|$hardinit --version"
  "tini-static --version|$tini_static --version"
)
log start-up "$startup_rounds round(s) x $startup_runs runs of ${#startup_commands[@]} commands"
for ((round = 0; round < startup_rounds; ++round)); do
  # Rotate the order each round so no command always runs first or last.
  args=()
  n=${#startup_commands[@]}
  for ((i = 0; i < n; ++i)); do
    entry=${startup_commands[$(((i + round) % n))]}
    args+=(-n "${entry%%|*}" "${entry#*|}")
  done
  "${rt[@]}" hyperfine -N --style basic --warmup "$startup_warmup" --runs "$startup_runs" \
    --export-json "$raw/startup.$round.json" "${args[@]}" >"$raw/startup.$round.log" 2>&1
done
for entry in "${startup_commands[@]}"; do
  record startup_cmd "${entry%%|*}" command "${entry#*|}"
done
record startup_cmd meta hyperfine "${rt[*]} hyperfine -N --warmup $startup_warmup --runs $startup_runs -n NAME CMD ... (x$startup_rounds rounds, order rotated)"

# --- 3b. exec to the program's first instruction, and the program's exit to the init's ------
# The latency a long-running service sees at start, and what the init adds after it ends.
# Every command runs as PID 1 of a new PID namespace, as in a container; see bench/firstinsn.c.
app=$helpers/firstinsn_app
firstinsn_commands=(
  "no init|$app"
  "hardinit|$hardinit -- $app"
  "hardinit --seccomp unconfined|$hardinit --seccomp unconfined -- $app"
  "hardinit hardened|$hardinit --user nobody --seccomp default -- $app"
  "hardinit --exec hardened|$hardinit --exec --user nobody --seccomp default -- $app"
  "tini-static|$tini_static -s -- $app"
  "tini|$tini -s -- $app"
  "dumb-init|$dumb_init $app"
  "catatonit|$catatonit -- $app"
  "tini-static + gosu|$tini_static -s -- $gosu nobody $app"
  "tini-static + setpriv|$tini_static -s -- $setpriv --reuid=65534 --regid=65534 --clear-groups --no-new-privs --inh-caps=-all --bounding-set=-all $app"
  "gosu|$gosu nobody $app"
  "setpriv|$setpriv --reuid=65534 --regid=65534 --clear-groups --no-new-privs --inh-caps=-all --bounding-set=-all $app"
  "floor|$floor -- $app"
  "floor, no read-back|$floor --no-verify -- $app"
  "floor --exec|$floor --exec -- $app"
)
log first-instruction "$firstinsn_runs interleaved runs of ${#firstinsn_commands[@]} commands"
"${rt[@]}" "$helpers/firstinsn" drive "$firstinsn_runs" "${firstinsn_commands[@]}" \
  >"$raw/firstinsn.out" 2>>"$raw/firstinsn.log" || { tail -5 "$raw/firstinsn.log" >&2; exit 1; }
while IFS=$'\t' read -r name key value; do
  record firstinsn "$name" "$key" "$value"
done <"$raw/firstinsn.out"
for entry in "${firstinsn_commands[@]}"; do
  record firstinsn_cmd "${entry%%|*}" command "${entry#*|}"
done
record firstinsn meta command "${rt[*]} bench/firstinsn drive $firstinsn_runs 'NAME|CMD' ... (each run PID 1 of a new PID namespace, the host's /proc; interleaved; percentiles over the runs)"

# --- 4. memory -----------------------------------------------------------------------------
# The init's own VmRSS/VmHWM (peak) from /proc/PID/status while it supervises a sleeping
# child as PID 1 of a new PID namespace; the same 10 idle seconds give the context switches.
idle_inits=(
  "hardinit|$hardinit --"
  "hardinit hardened|$hardinit --user nobody --seccomp default --"
  "tini-static|$tini_static --"
  "tini|$tini --"
  "dumb-init|$dumb_init"
  "catatonit|$catatonit --"
)
status_field() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
log memory+idle "${#idle_inits[@]} inits side by side, $idle_seconds idle seconds"
unshare_pids=() init_pids=()
for entry in "${idle_inits[@]}"; do
  # shellcheck disable=SC2086  # the command is a word list on purpose
  unshare --pid --fork --mount-proc ${entry#*|} sleep $((idle_seconds + 30)) 2>>"$raw/idle.log" &
  unshare_pids+=($!)
done
sleep 1
for upid in "${unshare_pids[@]}"; do
  child=$(cat "/proc/$upid/task/$upid/children" 2>/dev/null | awk '{print $1}')
  [[ -n $child ]] || { echo "bench/run.sh: an init did not start (unshare pid $upid)" >&2; exit 1; }
  init_pids+=("$child")
done
declare -A ctx_before
for i in "${!init_pids[@]}"; do
  pid=${init_pids[$i]}
  ctx_before[$i]=$(($(status_field "$pid" voluntary_ctxt_switches) + $(status_field "$pid" nonvoluntary_ctxt_switches)))
done
sleep "$idle_seconds"
for i in "${!init_pids[@]}"; do
  pid=${init_pids[$i]} name=${idle_inits[$i]%%|*}
  after=$(($(status_field "$pid" voluntary_ctxt_switches) + $(status_field "$pid" nonvoluntary_ctxt_switches)))
  record idle "$name" ctxt_switches $((after - ctx_before[$i]))
  record memory "$name" vmrss_kib "$(status_field "$pid" VmRSS)"
  record memory "$name" vmhwm_kib "$(status_field "$pid" VmHWM)"
  record memory "$name" rssanon_kib "$(status_field "$pid" RssAnon)"
  record memory "$name" rssfile_kib "$(status_field "$pid" RssFile)"
  kill -TERM "$pid"
done
for upid in "${unshare_pids[@]}"; do wait "$upid" || true; done
record idle meta command "unshare --pid --fork --mount-proc INIT sleep N; voluntary+nonvoluntary_ctxt_switches of INIT over $idle_seconds s; VmRSS/VmHWM at the end"

# ru_maxrss of the whole run (the init and what it waited for, so /bin/true too).
log time-maxrss "/usr/bin/time -f %M, $time_runs runs each"
time_commands=(
  "/bin/true|$true_bin"
  "hardinit|$hardinit -- $true_bin"
  "hardinit hardened|$hardinit --user nobody --seccomp default -- $true_bin"
  "tini-static|$tini_static -s -- $true_bin"
  "tini|$tini -s -- $true_bin"
  "dumb-init|$dumb_init $true_bin"
  "catatonit|$catatonit -- $true_bin"
)
for entry in "${time_commands[@]}"; do
  for ((i = 0; i < time_runs; ++i)); do
    # shellcheck disable=SC2086
    record time_maxrss "${entry%%|*}" maxrss_kib "$(/usr/bin/time -f %M ${entry#*|} 2>&1 >/dev/null | tail -1)"
  done
done
record time_maxrss meta command "/usr/bin/time -f %M CMD ($time_runs runs, median)"

# --- 5. binary size and what takes the space ------------------------------------------------
log size "stripped sizes and the link map"
stripped_size() {
  local copy=$raw/strip.tmp
  strip -o "$copy" "$1" 2>/dev/null || cp "$1" "$copy"
  stat -c %s "$copy"
  rm -f "$copy"
}
for entry in "hardinit|$hardinit" "tini-static|$tini_static" "tini|$tini" "dumb-init|$dumb_init" \
  "catatonit|$catatonit" "gosu|$gosu" "setpriv|$setpriv"; do
  bin=${entry#*|}
  linkage=dynamic
  file -L "$bin" | grep -q 'statically linked' && linkage=static
  record size "${entry%%|*}" stripped_bytes "$(stripped_size "$bin")"
  record size "${entry%%|*}" linkage "$linkage"
done
# Relink hardinit from the same objects with a link map and without -s (for nm), using the
# link command CMake wrote: no second compile. Fall back to a separate build dir.
link_txt=$build/CMakeFiles/hardinit.dir/link.txt
if [[ -f $link_txt ]]; then
  link_cmd=$(sed -e 's/ -s / /g' -e "s| -o hardinit | -o $raw/hardinit.unstripped -Wl,-Map=$raw/hardinit.map |" "$link_txt")
  (cd "$build" && eval "$link_cmd") 2>"$raw/relink.log"
  record size meta map_command "$link_cmd"
else
  mapbuild=$build-map
  cmake -S "$root" -B "$mapbuild" -DCMAKE_BUILD_TYPE=Release -DHARDINIT_TESTS=OFF \
    "-DCMAKE_EXE_LINKER_FLAGS=-Wl,-Map=$raw/hardinit.map" >/dev/null
  cmake --build "$mapbuild" -j2 --target hardinit >/dev/null
  cp "$mapbuild/hardinit" "$raw/hardinit.unstripped"
  record size meta map_command "cmake -DCMAKE_EXE_LINKER_FLAGS=-Wl,-Map=hardinit.map"
fi
record size "hardinit (relinked, stripped)" stripped_bytes "$(stripped_size "$raw/hardinit.unstripped")"
nm -S --size-sort -C "$raw/hardinit.unstripped" >"$raw/hardinit.nm" 2>/dev/null || true

# --- 6. reaping ------------------------------------------------------------------------------
ns_inits=(
  "hardinit|$hardinit --"
  "tini-static|$tini_static --"
  "tini|$tini --"
  "dumb-init|$dumb_init"
  "catatonit|$catatonit --"
)
log reaping "$reap_orphans orphaned zombies, $reap_reps rep(s) per init"
for ((rep = 0; rep < reap_reps; ++rep)); do
  for entry in "${ns_inits[@]}"; do
    # shellcheck disable=SC2086
    "${rt[@]}" "$helpers/reap" drive "$reap_orphans" ${entry#*|} "$helpers/reap" app >"$raw/reap.out" 2>>"$raw/reap.log" ||
      { tail -5 "$raw/reap.log" >&2; exit 1; }
    while read -r key value; do record reap "${entry%%|*}" "$key" "$value"; done <"$raw/reap.out"
  done
done
record reap meta command "${rt[*]} bench/reap drive $reap_orphans INIT [--] bench/reap app ($reap_reps reps, median)"

# --- 7. signal forwarding latency ----------------------------------------------------------
log signals "$signals SIGUSR1 per init"
for entry in "${ns_inits[@]}"; do
  # shellcheck disable=SC2086
  "${rt[@]}" "$helpers/siglat" drive "$signals" ${entry#*|} "$helpers/siglat" app >"$raw/siglat.out" 2>>"$raw/siglat.log" ||
    { tail -5 "$raw/siglat.log" >&2; exit 1; }
  while read -r key value; do record siglat "${entry%%|*}" "$key" "$value"; done <"$raw/siglat.out"
done
record siglat meta command "${rt[*]} bench/siglat drive $signals INIT [--] bench/siglat app"

# --- 8. seccomp per-syscall cost ------------------------------------------------------------
syscost_configs=(
  "no init|"
  "hardinit --seccomp unconfined|$hardinit --seccomp unconfined --"
  "hardinit --seccomp default|$hardinit --seccomp default --"
  "hardinit --seccomp strict|$hardinit --seccomp strict --"
)
log seccomp "$syscalls calls per system call, $syscost_reps rep(s) per profile"
for ((rep = 0; rep < syscost_reps; ++rep)); do
  for entry in "${syscost_configs[@]}"; do
    # shellcheck disable=SC2086
    "${rt[@]}" ${entry#*|} "$helpers/syscost" "$syscalls" >"$raw/syscost.out" 2>/dev/null
    while read -r key value; do record syscost "${entry%%|*}" "$key" "$value"; done <"$raw/syscost.out"
  done
done
record syscost meta command "${rt[*]} [hardinit --seccomp P --] bench/syscost $syscalls ($syscost_reps reps, median; thread CPU time per call)"

# The one-time cost behind start-up's "default ÷ unconfined": installing the filter itself.
log filterload "$filter_loads loads per built-in profile"
loads=()
for profile in default strict; do
  "$hardinit" seccomp export "$profile" "$raw/$profile.bpf"
  loads+=("$profile=$raw/$profile.bpf")
done
"${rt[@]}" "$helpers/filterload" "$filter_loads" "${loads[@]}" >"$raw/filterload.out"
while read -r profile metric value; do record filterload "$profile" "$metric" "$value"; done <"$raw/filterload.out"
record filterload meta command "${rt[*]} bench/filterload $filter_loads default=BPF strict=BPF (BPF from \`hardinit seccomp export\`; one fork per load, median)"

# --seccomp-log and --seccomp-learn per call: wall time, since a reported call waits for PID 1.
listencost_configs=(
  "hardinit --seccomp default|$hardinit --seccomp default --"
  "hardinit --seccomp default --seccomp-log|$hardinit --seccomp default --seccomp-log --"
  "hardinit --seccomp-learn|$hardinit --seccomp-learn $raw/learned.json --"
)
log listen "$syscalls calls per system call, $syscost_reps rep(s) per mode"
for ((rep = 0; rep < syscost_reps; ++rep)); do
  for entry in "${listencost_configs[@]}"; do
    # shellcheck disable=SC2086
    "${rt[@]}" ${entry#*|} "$helpers/listencost" "$syscalls" >"$raw/listencost.out" 2>/dev/null
    while read -r key value; do record listencost "${entry%%|*}" "$key" "$value"; done <"$raw/listencost.out"
  done
done
record listencost meta command "${rt[*]} hardinit MODE -- bench/listencost $syscalls ($syscost_reps reps, median; wall and thread CPU time per call)"

# What start-up's "hardened + Landlock ÷ hardened" is made of: the ruleset and its enforcement.
log landlock "$landlock_samples samples of a typical Landlock rule set"
"${rt[@]}" "$helpers/landlockcost" "$landlock_samples" >"$raw/landlockcost.out"
while read -r metric value; do record landlockcost ruleset "$metric" "$value"; done <"$raw/landlockcost.out"
record landlockcost meta command "${rt[*]} bench/landlockcost $landlock_samples (one fork per sample, median)"

# The capability calls of the privilege steps, each way they can be made: what the checks and
# the bounding-set drops cost (bench/README.md, "Where the time goes").
log capcost "$capcost_samples forked samples of the capability calls"
"${rt[@]}" "$helpers/capcost" "$capcost_samples" >"$raw/capcost.out"
while read -r metric value; do record capcost calls "$metric" "$value"; done <"$raw/capcost.out"
record capcost meta command "${rt[*]} bench/capcost $capcost_samples (one fork per sample, median)"

# --- 9. report -------------------------------------------------------------------------------
record meta meta load_after "$(cut -d' ' -f1-3 /proc/loadavg)"
record meta meta duration_s $((SECONDS - started_s))
record meta meta kernel "$(uname -r)"
record meta meta cpu "$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
record meta meta nproc "$(nproc)"
record meta meta memory "$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
record meta meta os "$(. /etc/os-release && echo "$PRETTY_NAME")"
record meta meta commit "$(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet HEAD -- . ':!docs/benchmarks' 2>/dev/null || echo ' (modified)')"
record version hardinit version "$("$hardinit" --version 2>&1 | head -1)"
for pkg in tini dumb-init catatonit gosu util-linux hyperfine gnuplot-nox time libc6 gcc; do
  record version "$pkg" version "$(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null || echo '?')"
done
record version cc version "$(cc --version | head -1)"

log report
python3 "$root/bench/report.py" --raw "$raw" --out "$out" --mode "$mode" \
  --readme "$root/bench/README.md"
