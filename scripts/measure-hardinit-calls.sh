#!/usr/bin/env bash
# Measures the system calls hardinit itself makes (not its program's) across its modes, for
# the table in src/seccomp_listen.cc (kHardinitCalls, design.md §3.12): each mode runs under
# `strace -f` as PID 1 of a new PID namespace, and the calls of every process from its execve
# of hardinit until it execs something else (its forks included) are listed, sorted.
#
#   scripts/measure-hardinit-calls.sh HARDINIT
#
# Needs root, strace (6.x: --pidns-translation), busybox and python3. The union it prints
# must be a subset of EntrypointCalls(); the integration test
# WholeContainerProfileTest.HardinitRunsUnderALearnedProfileLoadedFromOutside proves the set.
set -uo pipefail

(($# == 1)) || { sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
H=$(realpath "$1")
B=$(command -v busybox) || { echo "measure-hardinit-calls: needs busybox" >&2; exit 1; }
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
cd "$D"
printf '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["unshare"],"action":"SCMP_ACT_ERRNO"}]}' >p.json
"$H" seccomp export p.json p.bpf >/dev/null
echo secret >s
run() { strace -f -qq --pidns-translation -o "t$1" unshare -fp --mount-proc "${@:2}" >/dev/null 2>&1; }
run 1 "$H" -- "$B" true
run 2 "$H" --user 1000:1000 --groups 1000,1001 --cap-keep NET_BIND_SERVICE --seccomp strict -- "$B" true
run 3 "$H" --user 1000:1000 --seccomp "$D/p.json" --fs-ro / --fs-rw /tmp --net-bind 80 \
  --net-connect 80 -- "$B" sh -c 'exit 3'
run 4 "$H" --user 1000 --seccomp "$D/p.bpf" -- "$B" true
run 5 "$H" --seccomp-log --user 1000 -- "$B" unshare -U true
# A reaped orphan, a forwarded SIGTERM, and a grandchild that ignores it, killed after --grace.
run 6 "$H" -v -v --json -w -g --grace 0.5 -- "$B" sh -c \
  "($B sleep 0.2 &); $B sh -c \"trap '' TERM; $B sleep 5\" & kill -TERM 1; exit 0"
run 7 "$H" --grace 0.5 -- "$B" sh -c "$B sleep 0.3 & kill -HUP 1; kill -INT 1; exec $B sleep 5"
run 8 env SECRET_FILE="$D/s" "$H" --file-env SECRET --user 1000 -- "$B" sh -c 'kill -9 $$'
run 9 "$H" --inspect
run 10 "$H" --inspect --json 1
run 11 "$H" health --timeout 1 http://127.0.0.1:9/
"$B" httpd -f -p 127.0.0.1:18089 -h "$D" &
httpd=$!
sleep 0.3
strace -f -qq -o t12 "$H" health --header 'X-A: b' http://127.0.0.1:18089/s >/dev/null 2>&1
kill "$httpd"
run 13 "$H" -s -p TERM -e 3 -r 15:2 -- "$B" sh -c 'exit 3'
run 14 "$H" --exec --user 1000 -- "$B" true
run 15 "$H" seccomp check "$D/p.json"
python3 - t* <<'PY'
import re, sys
line_re = re.compile(r'^(\d+)\s+(?:<\.\.\. (\w+) resumed>|(\w+)\()(.*)$')
names = set()
for trace in sys.argv[1:]:
    lines, parent, execs, pending = [], {}, {}, {}
    for i, line in enumerate(open(trace)):
        m = line_re.match(line)
        if not m:
            continue
        pid, resumed, call, rest = int(m.group(1)), m.group(2), m.group(3), m.group(4)
        name = resumed or call
        # A pid inside the namespace is followed by strace's own: /* N in strace's PID NS */.
        ret = None if rest.endswith('<unfinished ...>') else (
            re.search(r'/\* (\d+) in strace', rest) or re.search(r'= (-?\d+)', rest))
        if call == 'execve':
            path = re.match(r'"([^"]*)"', rest)
            pending[pid] = path.group(1) if path else ''
        if name == 'execve' and ret and ret.group(1) == '0':
            execs.setdefault(pid, []).append((i, pending.get(pid, '').endswith('hardinit')))
        if name in ('clone', 'clone3', 'fork', 'vfork') and ret and int(ret.group(1)) > 0:
            parent[int(ret.group(1))] = (pid, i)
        if call:
            lines.append((i, pid, call))
    def is_hardinit(pid, i):
        last = [h for (j, h) in execs.get(pid, []) if j < i]
        if last:
            return last[-1]
        return is_hardinit(*parent[pid]) if pid in parent else False
    names.update(call for i, pid, call in lines if is_hardinit(pid, i))
print('\n'.join(sorted(names)))
PY
