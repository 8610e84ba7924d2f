#!/usr/bin/env python3
"""Where an init's start-up and exit time goes, from the kernel's own trace (ftrace).

    bench/trace.py [--runs N] [--timeline] -- INIT ARGS ... PROGRAM

Runs `bench/firstinsn drive N 'traced|INIT ARGS ... PROGRAM'` (build-bench/bench-helpers,
made by bench/run.sh; PROGRAM is normally bench/firstinsn_app) with the system-call, fork,
exec, exit and user page-fault tracepoints on, in a tracefs instance of its own with the
CLOCK_MONOTONIC trace clock, and prints for each run the phases from the init's execve to the
program's first system call and from the program's exit_group to the init's exit, each
process's time in system calls by name, the time between them (user space, page faults
included) and its page faults. --timeline prints every event of the last run.

Tracing costs a few µs per event, so absolute times are inflated (each page fault and each
system call a little); use it for where the time goes, and bench/run.sh for how much.
Root only (tracefs; the runs use PID namespaces).
"""

import argparse
import collections
import os
import re
import statistics
import subprocess
import sys

TRACEFS = "/sys/kernel/tracing"
EVENTS = ["raw_syscalls/sys_enter", "raw_syscalls/sys_exit", "sched/sched_process_fork",
          "sched/sched_process_exec", "sched/sched_process_exit", "exceptions/page_fault_user"]
LINE = re.compile(r"^\s*(.+?)-(\d+)\s+\[\d+\]\s+\S+\s+([\d.]+):\s+(\w+):\s+(.*)$")


def syscall_names():
    names = {}
    for header in ("/usr/include/x86_64-linux-gnu/asm/unistd_64.h",
                   "/usr/include/asm-generic/unistd.h"):
        if not os.path.exists(header):
            continue
        for line in open(header):
            m = re.match(r"#define __NR_(\w+)\s+(\d+)", line)
            if m:
                names.setdefault(int(m.group(2)), m.group(1))
        if names:
            break
    return names


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def trace(driver, runs, command, rt):
    if not os.path.isdir(TRACEFS + "/instances"):
        subprocess.run(["mount", "-t", "tracefs", "nodev", TRACEFS], check=True)
    inst = f"{TRACEFS}/instances/hardinit-bench-{os.getpid()}"
    os.mkdir(inst)
    try:
        write(f"{inst}/trace_clock", "mono")
        write(f"{inst}/buffer_size_kb", "16384")
        write(f"{inst}/options/event-fork", "1")
        for event in EVENTS:
            write(f"{inst}/events/{event}/enable", "1")
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(write_end)
            os.read(read_end, 1)  # wait until the tracer follows this pid
            argv = [driver, "drive", str(runs), "traced|" + " ".join(command)]
            # As bench/run.sh times: SCHED_FIFO, so other load does not delay the processes.
            argv = (["chrt", "-f", "1"] if rt else []) + argv
            os.execvp(argv[0], argv)
        os.close(read_end)
        write(f"{inst}/set_event_pid", str(pid))
        write(f"{inst}/tracing_on", "1")
        os.write(write_end, b"x")
        os.close(write_end)
        _, status = os.waitpid(pid, 0)
        write(f"{inst}/tracing_on", "0")
        with open(f"{inst}/trace") as f:
            text = f.read()
    finally:
        os.rmdir(inst)
    if status != 0:
        sys.exit(f"trace.py: the driver failed (status {status})")
    return text, pid


class Event:
    __slots__ = ("pid", "comm", "ts", "kind", "info")

    def __init__(self, pid, comm, ts, kind, info):
        self.pid, self.comm, self.ts, self.kind, self.info = pid, comm, ts, kind, info


def parse(text):
    events = []
    for line in text.splitlines():
        m = LINE.match(line)
        if m:
            events.append(Event(int(m.group(2)), m.group(1).strip(), float(m.group(3)),
                                m.group(4), m.group(5)))
    return events


def split_runs(events, driver_pid):
    """One run per fork of the driver: the init and everything it forks."""
    runs, owner = [], {}
    for e in events:
        if e.kind == "sched_process_fork":
            m = re.search(r"pid=(\d+) .*child_pid=(\d+)", e.info)
            parent, child = int(m.group(1)), int(m.group(2))
            if parent == driver_pid:
                runs.append([])
                owner[child] = len(runs) - 1
            elif parent in owner:
                owner[child] = owner[parent]
        if e.pid in owner:
            runs[owner[e.pid]].append(e)
    return runs


def analyse(run, names, timeline):
    """Per process: syscalls by name (time inside), time between them, page faults."""
    procs = collections.OrderedDict()
    open_call = {}
    marks = []
    t_origin = None
    last_exit = {}
    rows = []
    for e in run:
        p = procs.setdefault(e.pid, {"calls": collections.Counter(), "count": collections.Counter(),
                                     "user": 0.0, "faults": 0, "first": e.ts, "last": e.ts,
                                     "comm": e.comm})
        p["last"] = e.ts
        if e.kind == "sys_enter":
            nr = int(re.search(r"NR (\d+)", e.info).group(1))
            name = names.get(nr, f"nr{nr}")
            if t_origin is None and name == "execve":
                t_origin = e.ts
                marks.append(("init execve (the driver's clock)", e.ts, e.pid))
            if e.pid in last_exit:
                p["user"] += e.ts - last_exit[e.pid]
            open_call[e.pid] = (name, e.ts, e.info)
            if name == "exit_group":
                marks.append((f"{p['comm']} {e.pid}: exit_group", e.ts, e.pid))
        elif e.kind == "sys_exit":
            if e.pid in open_call:
                name, start, info = open_call.pop(e.pid)
                p["calls"][name] += e.ts - start
                p["count"][name] += 1
                ret = re.search(r"= (-?\d+)", e.info)
                rows.append((start, e.pid, f"{name}({_args(info)}) = {ret.group(1) if ret else '?'}"
                             f"  [{(e.ts - start) * 1e6:.1f} µs]"))
            last_exit[e.pid] = e.ts
        elif e.kind == "page_fault_user":
            p["faults"] += 1
            rows.append((e.ts, e.pid, "page fault " + e.info))
        elif e.kind == "sched_process_exec":
            last_exit[e.pid] = e.ts
            filename = re.search(r"filename=(\S+)", e.info).group(1)
            marks.append((f"exec {filename} (pid {e.pid}) done", e.ts, e.pid))
            rows.append((e.ts, e.pid, e.kind + " " + e.info))
        elif e.kind in ("sched_process_fork", "sched_process_exit"):
            marks.append((f"{e.kind} {e.info}", e.ts, e.pid))
            rows.append((e.ts, e.pid, e.kind + " " + e.info))
    if t_origin is None:
        return None
    if timeline:
        for ts, pid, what in rows:
            print(f"  {(ts - t_origin) * 1e6:9.1f} µs  {pid:>7}  {what}")
    return t_origin, marks, procs


def _args(info):
    m = re.search(r"\(([^)]*)\)", info)
    if not m:
        return ""
    return ", ".join(a.lstrip("0") or "0" for a in m.group(1).split(", ")[:3])


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--timeline", action="store_true")
    parser.add_argument("--no-rt", action="store_true", help="run under CFS, not chrt -f 1")
    parser.add_argument("--driver", default=os.path.join(
        os.environ.get("BENCH_BUILD_DIR", os.path.join(root, "build-bench")),
        "bench-helpers", "firstinsn"))
    parser.add_argument("command", nargs="+")
    args = parser.parse_args()
    names = syscall_names()
    text, driver_pid = trace(args.driver, args.runs, args.command, not args.no_rt)
    runs = [r for r in split_runs(parse(text), driver_pid) if r]
    per_mark = collections.defaultdict(list)
    per_proc = collections.defaultdict(lambda: collections.defaultdict(list))
    for i, run in enumerate(runs):
        result = analyse(run, names, args.timeline and i == len(runs) - 1)
        if result is None:
            continue
        t0, marks, procs = result
        seen = collections.Counter()
        for label, ts, _ in marks:
            label = re.sub(r"\b\d{3,}\b", "N", label)
            seen[label] += 1
            per_mark[(label, seen[label])].append((ts - t0) * 1e6)
        for k, (pid, p) in enumerate(procs.items()):
            key = f"process {k} ({p['comm']})"
            d = per_proc[key]
            d["lifetime"].append((p["last"] - p["first"]) * 1e6)
            d["between calls (user + faults)"].append(p["user"] * 1e6)
            d["page faults (count)"].append(p["faults"])
            for name, total in p["calls"].items():
                d[f"{name} x{p['count'][name]}"].append(total * 1e6)
    print(f"{len(runs)} traced runs of: {' '.join(args.command)}")
    print("\nMilestones, µs after the init's execve (median over the runs):")
    for (label, n), values in sorted(per_mark.items(), key=lambda kv: statistics.median(kv[1])):
        print(f"  {statistics.median(values):9.1f}  {label}" + (f" (#{n})" if n > 1 else ""))
    for key, d in per_proc.items():
        print(f"\n{key}: µs, median over the runs")
        for what, values in sorted(d.items(), key=lambda kv: -statistics.median(kv[1])):
            print(f"  {statistics.median(values):9.1f}  {what}")


if __name__ == "__main__":
    sys.exit(main())
