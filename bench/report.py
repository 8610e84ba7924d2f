#!/usr/bin/env python3
"""Turns bench/run.sh's raw results into a table (stdout), latest.md, latest.csv and charts.

Input (--raw DIR): results.tsv (section, subject, metric, value), startup.N.json (hyperfine),
hardinit.map (the linker's map), hardinit.nm (nm -S --size-sort -C of the unstripped binary).
"""

import argparse
import collections
import csv
import json
import os
import re
import statistics
import subprocess
import sys

BUDGET_SIZE_BYTES = 1_600_000  # "1.6 MB", read as SI megabytes (the stricter reading)


def median(values):
    return statistics.median(values) if values else float("nan")


def quantile(values, q):
    values = sorted(values)
    if not values:
        return float("nan")
    pos = q * (len(values) - 1)
    low = int(pos)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (pos - low)


def ratio(a, b):
    return a / b if b else float("nan")


def fmt_ratio(r):
    return f"{r:.2f}x" if r == r else "n/a"


def fmt_num(v, digits=0):
    if v != v:
        return "n/a"
    return f"{v:,.{digits}f}"


class Raw:
    def __init__(self, raw_dir):
        self.dir = raw_dir
        self.rows = collections.defaultdict(list)  # (section, subject, metric) -> [values]
        self.order = collections.defaultdict(list)  # section -> subjects in first-seen order
        with open(os.path.join(raw_dir, "results.tsv")) as f:
            for line in f:
                parts = line.rstrip("\n").split("\t", 3)
                if len(parts) != 4:
                    continue
                section, subject, metric, value = parts
                self.rows[(section, subject, metric)].append(value)
                if subject != "meta" and subject not in self.order[section]:
                    self.order[section].append(subject)

    def text(self, section, subject, metric, default="?"):
        values = self.rows.get((section, subject, metric))
        return values[0] if values else default

    def numbers(self, section, subject, metric):
        out = []
        for v in self.rows.get((section, subject, metric), []):
            try:
                out.append(float(v))
            except ValueError:
                pass
        return out

    def median(self, section, subject, metric):
        return median(self.numbers(section, subject, metric))


def load_startup(raw_dir):
    """Pools every round's per-run wall times (and CPU means) per command name."""
    times = collections.defaultdict(list)
    cpu = collections.defaultdict(list)  # (user+system mean, runs) per round
    rounds = sorted(f for f in os.listdir(raw_dir) if re.fullmatch(r"startup\.\d+\.json", f))
    for name in rounds:
        with open(os.path.join(raw_dir, name)) as f:
            data = json.load(f)
        for result in data["results"]:
            times[result["command"]].extend(result["times"])
            cpu[result["command"]].append((result["user"] + result["system"], len(result["times"])))
    stats = {}
    for command, values in times.items():
        us = [t * 1e6 for t in values]
        total_runs = sum(n for _, n in cpu[command])
        cpu_us = sum(m * n for m, n in cpu[command]) / total_runs * 1e6 if total_runs else float("nan")
        stats[command] = {
            "median": median(us),
            "p25": quantile(us, 0.25),
            "p75": quantile(us, 0.75),
            "cpu": cpu_us,
            "runs": len(us),
        }
    return stats, len(rounds)


# --- link map ---------------------------------------------------------------------------------

# Output sections that take no space in the file (or are dropped by strip).
NON_FILE_SECTIONS = (".bss", ".tbss", "__libc_freeres_ptrs", ".debug", ".comment", ".stab",
                     ".note.GNU-stack", ".gnu.warning", ".symtab", ".strtab", ".shstrtab",
                     ".gnu_debuglink", "/DISCARD/", ".gnu.build.attributes")

INPUT_LINE = re.compile(r"^ (\S+)?\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$")
OUTPUT_LINE = re.compile(r"^(\S+)(?:\s+0x([0-9a-f]+)\s+0x([0-9a-f]+))?\s*$")


def bucket_for(path):
    m = re.match(r"^(.*\.a)\((.*)\)$", path)
    if m:
        archive = os.path.basename(m.group(1))
        if archive == "libhardinit_core.a":
            return "hardinit core (libhardinit_core.a)"
        if archive in ("libgcc.a", "libgcc_eh.a"):
            return "libgcc.a + libgcc_eh.a"
        return archive
    base = os.path.basename(path)
    if "hardinit_builtin_profiles" in path:
        return "built-in seccomp profiles (BPF, generated)"
    if "hardinit.dir" in path:
        return "hardinit main.cc.o"
    if re.match(r"crt.*\.o$", base):
        return "C runtime start files (crt*.o)"
    return base


def parse_map(path, members=None):
    """Sums the input sections that reach the file, per archive or object (and, into
    `members`, per archive member)."""
    sizes = collections.Counter()
    with open(path, errors="replace") as f:
        lines = f.read().splitlines()
    try:
        start = lines.index("Linker script and memory map")
    except ValueError:
        return sizes
    out_section = None
    pending_name = None
    for line in lines[start + 1:]:
        if not line:
            continue
        if not line[0].isspace():
            m = OUTPUT_LINE.match(line)
            if m and (m.group(1).startswith(".") or m.group(1).startswith("__") or
                      m.group(1) == "/DISCARD/"):
                out_section = m.group(1)
            pending_name = None
            continue
        if out_section is None or out_section.startswith(NON_FILE_SECTIONS):
            continue
        if line.startswith(" *fill*"):
            m = re.match(r"^ \*fill\*\s+0x[0-9a-f]+\s+0x([0-9a-f]+)", line)
            if m:
                sizes["alignment padding"] += int(m.group(1), 16)
            continue
        if line.startswith(" *") or line.startswith(" ."  ) and re.match(r"^ \S+\s*$", line):
            # A script pattern, or a long input section name continued on the next line.
            pending_name = line.strip() if not line.startswith(" *") else None
            continue
        m = INPUT_LINE.match(line)
        if not m:
            continue
        name = m.group(1) or pending_name
        pending_name = None
        if name is None:
            continue
        size = int(m.group(3), 16)
        if size == 0:
            continue
        what = m.group(4).strip()
        if what.startswith("0x") or not ("/" in what or what.endswith(".o") or ".a(" in what):
            what = "linker-generated"
        sizes["linker-generated" if what == "linker-generated" else bucket_for(what)] += size
        if members is not None:
            m = re.match(r"^.*/([^/]+\.a)\((.*)\)$", what)
            members[f"{m.group(1)}: {m.group(2)}" if m else os.path.basename(what)] += size
    return sizes


def demangled_owner(name):
    for prefix in ("vtable for ", "typeinfo name for ", "typeinfo for ", "guard variable for ",
                   "VTT for ", "construction vtable for "):
        if name.startswith(prefix):
            name = name[len(prefix):]
    if "::" not in name:
        return None
    # Drop template arguments (innermost first), then the argument list and a return type.
    previous = None
    while previous != name:
        previous = name
        name = re.sub(r"<[^<>]*>", "", name)
    name = name.split("(", 1)[0].strip()
    name = name.split(" ")[-1] if " " in name else name
    return name.split("::", 1)[0] if "::" in name else None


NAMESPACE_LABELS = {
    "fmt": "fmt (header-only, via spdlog)",
    "spdlog": "spdlog (header-only)",
    "nlohmann": "nlohmann::json (header-only)",
    "hardinit": "hardinit's own code",
    "std": "C++ standard library (std::)",
    "__gnu_cxx": "C++ standard library (std::)",
    "__cxxabiv1": "C++ runtime (__cxxabiv1)",
    "(anonymous namespace)": "hardinit's own code",
}


def parse_nm(path):
    """Sums symbol sizes by the C++ namespace that owns each symbol; C symbols together."""
    sizes = collections.Counter()
    if not os.path.exists(path):
        return sizes
    with open(path, errors="replace") as f:
        for line in f:
            parts = line.rstrip("\n").split(" ", 3)
            if len(parts) != 4:
                continue
            _, size_hex, kind, name = parts
            if kind in "bBuU":
                continue
            owner = demangled_owner(name)
            if owner is None:
                label = "C symbols (libc, libseccomp, libcap-ng, libgcc)"
            else:
                label = NAMESPACE_LABELS.get(owner, f"other C++ ({owner}::)")
            sizes[label] += int(size_hex, 16)
    return sizes


# --- report -----------------------------------------------------------------------------------

class Report:
    def __init__(self, raw, mode):
        self.raw = raw
        self.mode = mode
        self.md = []
        self.csv = []  # section, subject, metric, value, unit
        self.console = []
        self.budgets = []

    def add_csv(self, section, subject, metric, value, unit):
        if isinstance(value, float):
            value = f"{value:.4f}" if abs(value) < 100 else f"{value:.1f}"
        self.csv.append((section, subject, metric, value, unit))

    def table(self, header, rows, title=None):
        if title:
            self.md.append(f"### {title}\n")
        self.md.append("| " + " | ".join(header) + " |")
        self.md.append("|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|")
        for row in rows:
            self.md.append("| " + " | ".join(str(c) for c in row) + " |")
        self.md.append("")
        widths = [max(len(str(c)) for c in col) for col in zip(header, *rows)] if rows else []
        if title:
            self.console.append(f"\n{title}")
        for row in [header] + rows:
            self.console.append("  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w)
                                          for i, (c, w) in enumerate(zip(row, widths))))

    def budget(self, what, value_text, limit_text, met, note=""):
        self.budgets.append((what, value_text, limit_text, "met" if met else "**missed**", note))
        self.add_csv("budget", what, "met", "yes" if met else "no", "")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--raw", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--mode", default="full")
    parser.add_argument("--readme")
    args = parser.parse_args()
    raw = Raw(args.raw)
    rep = Report(raw, args.mode)
    os.makedirs(args.out, exist_ok=True)

    meta = lambda k: raw.text("meta", "meta", k)
    body = []

    # 1. start-up
    startup, rounds = load_startup(args.raw)
    base = startup.get("tini-static", {}).get("median", float("nan"))
    rows = []
    for name in raw.order["startup_cmd"]:
        s = startup.get(name)
        if not s:
            continue
        rows.append([name, fmt_num(s["median"]), fmt_num(s["p25"]), fmt_num(s["p75"]),
                     fmt_num(s["cpu"]), fmt_ratio(ratio(s["median"], base)), s["runs"]])
        for metric in ("median", "p25", "p75", "cpu"):
            rep.add_csv("startup", name, "wall_" + metric if metric != "cpu" else "cpu_mean",
                        s[metric], "us")
        rep.add_csv("startup", name, "ratio_vs_tini-static", ratio(s["median"], base), "x")
    rep.md.append("## 1. Start-up to a finished `/bin/true`\n")
    rep.md.append(f"hyperfine -N, {rounds} interleaved round(s), order rotated each round; wall "
                  "time per run pooled over the rounds. CPU = user+system of the whole process "
                  "tree (hyperfine's mean), which other load on the machine does not inflate.\n")
    rep.table(["command", "median µs", "p25 µs", "p75 µs", "CPU µs", "÷ tini-static", "runs"],
              rows, "Start-up (wall µs)")
    med = lambda n: startup.get(n, {}).get("median", float("nan"))
    hard, gosu_chain = med("hardinit hardened"), med("tini-static + gosu")
    plain, unconfined = med("hardinit"), med("hardinit --seccomp unconfined")
    r1, r2, r3 = ratio(hard, base), ratio(hard, gosu_chain), ratio(plain, unconfined)
    floor, floor_exec = med("floor"), med("floor --exec")
    rep.budget("start-up: hardened ÷ tini-static", fmt_ratio(r1), "≤ 1.10x", r1 <= 1.10,
               f"{fmt_num(hard)} µs vs {fmt_num(base)} µs; the floor (bench/floorinit.c) "
               f"{fmt_ratio(ratio(floor, base))}")
    rep.budget("start-up: hardened ÷ (tini-static + gosu)", fmt_ratio(r2), "≤ 0.75x", r2 <= 0.75,
               f"{fmt_num(hard)} µs vs {fmt_num(gosu_chain)} µs")
    rep.budget("start-up: --seccomp default ÷ unconfined", fmt_ratio(r3), "≤ 1.03x", r3 <= 1.03,
               f"{fmt_num(plain)} µs vs {fmt_num(unconfined)} µs; installing the default "
               f"filter alone: {fmt_num(raw.median('filterload', 'default', 'load_us'))} µs (§7)")
    exec_mode = med("hardinit --exec hardened")
    r5 = ratio(exec_mode, base)
    rep.budget("start-up: --exec hardened ÷ tini-static", fmt_ratio(r5), "≤ 1.00x", r5 <= 1.00,
               f"{fmt_num(exec_mode)} µs vs {fmt_num(base)} µs; the floor "
               f"{fmt_ratio(ratio(floor_exec, base))}")
    landlock = med("hardinit hardened + Landlock")
    r4 = ratio(landlock, hard)
    rep.add_csv("startup", "hardinit hardened + Landlock", "ratio_vs_hardened", r4, "x")
    rep.md.append(f"Landlock (`--fs-ro / --fs-rw /tmp --net-bind 80`) on the hardened start-up: "
                  f"{fmt_ratio(r4)} the same command without it ({fmt_num(landlock)} µs vs "
                  f"{fmt_num(hard)} µs; no fixed budget). Building the ruleset takes "
                  f"{fmt_num(raw.median('landlockcost', 'ruleset', 'build_us'), 1)} µs and "
                  f"enforcing it {fmt_num(raw.median('landlockcost', 'ruleset', 'restrict_us'), 1)}"
                  f" µs (`bench/landlockcost.c`, Landlock ABI "
                  f"{raw.text('landlockcost', 'ruleset', 'abi')}).\n")
    rep.md.append("Commands (`-n NAME CMD`):\n")
    for name in raw.order["startup_cmd"]:
        rep.md.append(f"- {name}: `{raw.text('startup_cmd', name, 'command')}`")
    rep.md.append(f"\nhyperfine invocation: `{raw.text('startup_cmd', 'meta', 'hyperfine')}`\n")

    # 1c. exec to the program's first instruction; the program's exit to the init's
    rows = []
    fi = lambda name, metric: raw.median("firstinsn", name, metric) / 1e3
    fi_base, fi_exit_base = fi("tini-static", "start_p50_ns"), fi("tini-static", "exit_p50_ns")
    for name in raw.order["firstinsn_cmd"]:
        start, exit_ = fi(name, "start_p50_ns"), fi(name, "exit_p50_ns")
        rows.append([name, fmt_num(start), fmt_num(fi(name, "start_p25_ns")),
                     fmt_num(fi(name, "start_p75_ns")), fmt_ratio(ratio(start, fi_base)),
                     fmt_num(exit_), fmt_num(fi(name, "exit_p25_ns")),
                     fmt_num(fi(name, "exit_p75_ns")), fmt_ratio(ratio(exit_, fi_exit_base)),
                     fmt_num(raw.median("firstinsn", name, "runs")),
                     fmt_num(raw.median("firstinsn", name, "failed"))])
        for metric in ("start_p25_ns", "start_p50_ns", "start_p75_ns", "exit_p25_ns",
                       "exit_p50_ns", "exit_p75_ns"):
            rep.add_csv("firstinsn", name, metric[:-3], fi(name, metric), "us")
        rep.add_csv("firstinsn", name, "start_ratio_vs_tini-static", ratio(start, fi_base), "x")
        rep.add_csv("firstinsn", name, "exit_ratio_vs_tini-static", ratio(exit_, fi_exit_base), "x")
    rep.md.append("## 1c. Exec to the program's first instruction, and its exit to the init's\n")
    rep.md.append("`bench/firstinsn.c`: each run starts the command as PID 1 of a new PID "
                  "namespace (the driver's /proc: a mount namespace per run would add its "
                  "teardown to every exit); start = from just before the init's `execve` "
                  "to the first instructions of `bench/firstinsn_app.c` (no C library: it reads "
                  "CLOCK_MONOTONIC in `_start`), the latency a long-running service sees; exit "
                  "= from the program's `exit_group` to `waitpid()` returning the init in its "
                  "parent. Runs interleaved, percentiles over the runs.\n")
    rep.table(["command", "start p50 µs", "p25", "p75", "÷ tini-static", "exit p50 µs", "p25",
               "p75", "÷ tini-static", "runs", "failed"], rows,
              "Exec to first instruction (µs)")
    hard_fi = fi("hardinit hardened", "start_p50_ns")
    r6 = ratio(hard_fi, fi_base)
    rep.budget("first instruction: hardened ÷ tini-static", fmt_ratio(r6), "≤ 1.05x", r6 <= 1.05,
               f"{fmt_num(hard_fi)} µs vs {fmt_num(fi_base)} µs; the floor "
               f"{fmt_ratio(ratio(fi('floor', 'start_p50_ns'), fi_base))}")
    rep.md.append("Commands (`NAME|CMD`):\n")
    for name in raw.order["firstinsn_cmd"]:
        rep.md.append(f"- {name}: `{raw.text('firstinsn_cmd', name, 'command')}`")
    rep.md.append(f"\nDriver: `{raw.text('firstinsn', 'meta', 'command')}`\n")

    # 2. memory
    rows = []
    hwm_base = raw.median("memory", "tini-static", "vmhwm_kib")
    for name in raw.order["memory"]:
        hwm, rss = raw.median("memory", name, "vmhwm_kib"), raw.median("memory", name, "vmrss_kib")
        whole = raw.median("time_maxrss", name, "maxrss_kib")
        anon = raw.median("memory", name, "rssanon_kib")
        file_backed = raw.median("memory", name, "rssfile_kib")
        rows.append([name, fmt_num(hwm), fmt_num(rss), fmt_num(anon), fmt_num(file_backed),
                     fmt_num(whole), fmt_ratio(ratio(hwm, hwm_base))])
        rep.add_csv("memory", name, "rssanon", anon, "KiB")
        rep.add_csv("memory", name, "rssfile", file_backed, "KiB")
        rep.add_csv("memory", name, "vmhwm", hwm, "KiB")
        rep.add_csv("memory", name, "vmrss", rss, "KiB")
        rep.add_csv("memory", name, "time_maxrss_median", whole, "KiB")
    true_rss = raw.median("time_maxrss", "/bin/true", "maxrss_kib")
    rep.add_csv("memory", "/bin/true", "time_maxrss_median", true_rss, "KiB")
    rep.md.append("## 2. Memory of PID 1\n")
    rep.md.append("VmHWM (peak) and VmRSS of the init itself, from /proc/PID/status while it "
                  "supervises `sleep` as PID 1 of a new PID namespace. `time %M` = "
                  "`/usr/bin/time -f %M INIT /bin/true` (ru_maxrss: the largest of the init and "
                  f"what it waited for; bare /bin/true: {fmt_num(true_rss)} KiB), median.\n")
    rep.md.append("RssAnon is the init's own heap, stack and data; RssFile is its binary's pages "
                  "in memory (shared page cache: every copy of the same binary shares them), so "
                  "it grows with the binary's size.\n")
    rep.table(["init", "VmHWM KiB", "VmRSS KiB", "RssAnon KiB", "RssFile KiB", "time %M KiB",
               "HWM ÷ tini-static"], rows,
              "Memory (KiB)")
    anon_base = raw.median("memory", "tini-static", "rssanon_kib")
    for name in ("hardinit", "hardinit hardened"):
        anon = raw.median("memory", name, "rssanon_kib")
        rep.budget(f"memory: {name} RssAnon ÷ tini-static", fmt_ratio(ratio(anon, anon_base)),
                   "≤ 1.25x", ratio(anon, anon_base) <= 1.25,
                   f"{fmt_num(anon)} vs {fmt_num(anon_base)} KiB")
    for name in ("hardinit", "hardinit hardened"):
        hwm = raw.median("memory", name, "vmhwm_kib")
        rep.budget(f"memory: {name} VmHWM vs tini-static", f"{fmt_num(hwm)} KiB",
                   f"≤ {fmt_num(hwm_base)} KiB", hwm <= hwm_base,
                   f"{fmt_ratio(ratio(hwm, hwm_base))}; VmRSS {fmt_num(raw.median('memory', name, 'vmrss_kib'))}"
                   f" vs {fmt_num(raw.median('memory', 'tini-static', 'vmrss_kib'))} KiB")

    # 3. size
    rows = []
    for name in raw.order["size"]:
        size = raw.median("size", name, "stripped_bytes")
        rows.append([name, raw.text("size", name, "linkage", ""), fmt_num(size)])
        rep.add_csv("size", name, "stripped", size, "bytes")
    rep.md.append("## 3. Binary size (stripped)\n")
    rep.table(["binary", "linkage", "bytes"], rows, "Size")
    size = raw.median("size", "hardinit", "stripped_bytes")
    rep.budget("size: hardinit stripped", f"{fmt_num(size)} B", f"≤ {fmt_num(BUDGET_SIZE_BYTES)} B",
               size <= BUDGET_SIZE_BYTES,
               f"{fmt_num(size - BUDGET_SIZE_BYTES)} B over" if size > BUDGET_SIZE_BYTES else "")
    members = collections.Counter()
    map_sizes = parse_map(os.path.join(args.raw, "hardinit.map"), members)
    total = sum(map_sizes.values())
    rows = [[k, fmt_num(v), f"{100 * v / total:.1f}%"] for k, v in map_sizes.most_common()]
    for k, v in map_sizes.items():
        rep.add_csv("size_by_archive", k, "bytes", v, "bytes")
    rep.md.append("What takes the space, per archive or object, from the link map (input "
                  "sections that reach the file; .bss and debug sections excluded; mergeable "
                  "strings counted before the linker merges them). Total "
                  f"{fmt_num(total)} B against {fmt_num(size)} B on disk.\n")
    rep.table(["archive / object", "bytes", "share"], rows, "Size by archive (link map)")
    stdio_members = [k for k in members if re.match(
        r"libstdc\+\+\.a: (.*locale.*|.*stream.*|.*shim_facets.*|.*ios.*|.*wstring.*|codecvt.*|.*facets.*)", k)]
    stdio = sum(members[k] for k in stdio_members)
    rep.add_csv("size_by_archive", "libstdc++.a iostream+locale members", "bytes", stdio, "bytes")
    rep.md.append(f"Of libstdc++.a, {fmt_num(stdio)} B are iostream and locale members "
                  f"({len(stdio_members)} objects: locale-inst, wlocale-inst, fstream-inst, "
                  "sstream-inst, ...), which a `std::ifstream` or `std::stringstream` anywhere "
                  "in the program pulls in.\n")
    nss_members = [k for k in members if re.match(
        r"libc\.a: (dl-|nss|nscd|files-|dns-|res_|res-|resolv|ns_|inet|getpw|initgroups|"
        r"if_index|ifaddrs|rtld)", k)]
    nss = sum(members[k] for k in nss_members)
    rep.add_csv("size_by_archive", "libc.a NSS+resolver+dlopen members", "bytes", nss, "bytes")
    rep.md.append(f"Of libc.a, {fmt_num(nss)} B are NSS, DNS resolver and dynamic-loader members "
                  f"({len(nss_members)} objects: nss_*, files-*, dns-*, res_*, dl-*, getpwuid, "
                  "initgroups, ...). hardinit never calls NSS; libcap-ng.a's cap-ng.o is one "
                  "section that holds `capng_change_id`, which calls getpwuid and initgroups, "
                  "so the whole chain is linked as soon as any libcap-ng function is (some dl-* "
                  "members are part of every static glibc program).\n")
    rows = [[k, fmt_num(v)] for k, v in members.most_common(20)]
    rep.table(["largest archive members / objects", "bytes"], rows, "Largest members (link map)")
    nm_sizes = parse_nm(os.path.join(args.raw, "hardinit.nm"))
    nm_total = sum(nm_sizes.values())
    rows = [[k, fmt_num(v), f"{100 * v / nm_total:.1f}%"] for k, v in nm_sizes.most_common()]
    for k, v in nm_sizes.items():
        rep.add_csv("size_by_namespace", k, "bytes", v, "bytes")
    rep.md.append("The same binary by owner of each symbol (`nm -S --size-sort -C` of the "
                  "unstripped relink; header-only libraries are compiled into hardinit's own "
                  "objects, so this is where spdlog, fmt and nlohmann::json show up). Sized "
                  f"symbols only: {fmt_num(nm_total)} B.\n")
    rep.table(["owner", "bytes", "share"], rows, "Size by symbol owner (nm)")
    rep.md.append(f"Link map made with: `{raw.text('size', 'meta', 'map_command')}`\n")

    # 4. reaping
    rows = []
    wall_base = raw.median("reap", "tini", "wall_ns")
    for name in raw.order["reap"]:
        wall, cpu = raw.median("reap", name, "wall_ns"), raw.median("reap", name, "cpu_ns")
        reps = len(raw.numbers("reap", name, "wall_ns"))
        rows.append([name, fmt_num(wall / 1e6, 1), fmt_num(cpu / 1e6, 1),
                     fmt_num(raw.median("reap", name, "per_zombie_ns")),
                     fmt_ratio(ratio(wall, wall_base)),
                     fmt_ratio(ratio(cpu, raw.median("reap", "tini", "cpu_ns"))), reps])
        rep.add_csv("reap", name, "wall_median", wall / 1e6, "ms")
        rep.add_csv("reap", name, "init_cpu_median", cpu / 1e6, "ms")
        rep.add_csv("reap", name, "ratio_vs_tini", ratio(wall, wall_base), "x")
    rep.md.append("## 4. Reaping orphaned zombies\n")
    rep.md.append("PID 1 of a new PID namespace is stopped (SIGSTOP) while the program makes "
                  "the orphans; the clock runs from SIGCONT until the last one is gone. Init "
                  "CPU = the init's own time on the CPU meanwhile (/proc/PID/schedstat). "
                  "Median of the reps.\n")
    rep.table(["init", "wall ms", "init CPU ms", "ns/zombie", "wall ÷ tini", "CPU ÷ tini", "reps"],
              rows, f"Reaping (orphans per run: see command)")
    rep.md.append(f"Command: `{raw.text('reap', 'meta', 'command')}`\n")

    # 5. signals
    rows = []
    lat_base = {m: raw.median("siglat", "tini", m) for m in ("p50_ns", "p99_ns")}
    for name in raw.order["siglat"]:
        v = {m: raw.median("siglat", name, m) for m in ("p50_ns", "p90_ns", "p99_ns", "mean_ns")}
        rows.append([name] + [fmt_num(v[m] / 1e3, 1) for m in ("p50_ns", "p90_ns", "p99_ns", "mean_ns")] +
                    [fmt_ratio(ratio(v["p50_ns"], lat_base["p50_ns"])),
                     fmt_ratio(ratio(v["p99_ns"], lat_base["p99_ns"])),
                     fmt_num(raw.median("siglat", name, "signals")),
                     fmt_num(raw.median("siglat", name, "lost"))])
        for m in v:
            rep.add_csv("signal", name, m.replace("_ns", ""), v[m] / 1e3, "us")
        rep.add_csv("signal", name, "p50_ratio_vs_tini", ratio(v["p50_ns"], lat_base["p50_ns"]), "x")
        rep.add_csv("signal", name, "p99_ratio_vs_tini", ratio(v["p99_ns"], lat_base["p99_ns"]), "x")
    rep.md.append("## 5. Signal forwarding latency\n")
    rep.md.append("From just before `kill(PID 1, SIGUSR1)` in the driver to the program's "
                  "handler (CLOCK_MONOTONIC, shared memory), the init as PID 1 of a new PID "
                  "namespace; 300 µs between signals so the init is idle when each arrives.\n")
    rep.table(["init", "p50 µs", "p90 µs", "p99 µs", "mean µs", "p50 ÷ tini", "p99 ÷ tini",
               "signals", "lost"], rows, "Signal forwarding (µs)")
    rep.md.append(f"Command: `{raw.text('siglat', 'meta', 'command')}`\n")

    # 6. idle
    rows = []
    for name in raw.order["idle"]:
        n = raw.median("idle", name, "ctxt_switches")
        rows.append([name, fmt_num(n)])
        rep.add_csv("idle", name, "ctxt_switches", n, "count")
    rep.md.append("## 6. Idle wake-ups of PID 1\n")
    rep.md.append(f"{raw.text('idle', 'meta', 'command')}.\n")
    rep.table(["init", "context switches"], rows, "Idle")
    idle = raw.median("idle", "hardinit", "ctxt_switches")
    rep.budget("idle: hardinit context switches", fmt_num(idle), "0", idle == 0,
               f"tini: {fmt_num(raw.median('idle', 'tini', 'ctxt_switches'))}")

    # 7. seccomp
    calls = [("getppid_ns", "getppid() (allowed)"),
             ("personality_ns", "personality(0xffffffff) (argument-filtered)"),
             ("ioctl_tcgets_ns", "ioctl(fd, TCGETS) (argument-filtered: TIOCSTI rule)")]
    configs = raw.order["syscost"]
    rows = []
    for key, label in calls:
        vals = {c: raw.median("syscost", c, key) for c in configs}
        unc = vals.get("hardinit --seccomp unconfined", float("nan"))
        dft = vals.get("hardinit --seccomp default", float("nan"))
        rows.append([label] + [fmt_num(vals[c], 1) for c in configs] +
                    [fmt_ratio(ratio(dft, unc)), fmt_num(dft - unc, 1)])
        for c in configs:
            rep.add_csv("seccomp", f"{key[:-3]} / {c}", "per_call", vals[c], "ns")
        rep.add_csv("seccomp", key[:-3], "ratio_default_vs_unconfined", ratio(dft, unc), "x")
    modes = ", ".join(f"{c}: Seccomp {fmt_num(raw.median('syscost', c, 'seccomp'))}" for c in configs)
    rep.md.append("## 7. Seccomp: cost per system call\n")
    rep.md.append("ns of thread CPU time per call, median of the reps; the program reports its "
                  f"own /proc/self/status Seccomp mode ({modes}).\n")
    rep.table(["call"] + [f"{c} ns" for c in configs] + ["default ÷ unconfined", "default − unconfined ns"],
              rows, "Seccomp (ns per call)")
    rep.md.append(f"Command: `{raw.text('syscost', 'meta', 'command')}`\n")

    # 7b. seccomp: the one-time cost of installing a filter
    rows = []
    for profile in raw.order["filterload"]:
        insns = raw.median("filterload", profile, "insns")
        load = raw.median("filterload", profile, "load_us")
        rows.append([profile, fmt_num(insns), fmt_num(load, 1)])
        rep.add_csv("filterload", profile, "instructions", insns, "")
        rep.add_csv("filterload", profile, "load_median", load, "us")
    rep.md.append("Installing a filter is paid once per process, before exec: in `seccomp()` the "
                  "kernel checks the classic BPF, converts it to eBPF and JIT-compiles it, in time "
                  "that grows with its length. This is most of start-up's `--seccomp default` ÷ "
                  "`unconfined` difference (§1); Docker and runc pay the same for the same profile.\n")
    rep.table(["profile", "BPF instructions", "seccomp() µs (median)"], rows,
              "Seccomp filter installation")
    rep.md.append(f"Command: `{raw.text('filterload', 'meta', 'command')}`\n")

    # 7c. the capability calls of the privilege steps
    labels = [("status_read_us",
               "open + read + close of /proc/self/status (bounding and ambient sets at once)"),
              ("prctl_read_us",
               "PR_CAPBSET_READ + PR_CAP_AMBIENT_IS_SET for every capability"),
              ("bounding_read_us", "PR_CAPBSET_READ for every capability"),
              ("bounding_drop_us", "PR_CAPBSET_DROP for every capability")]
    rows = []
    for key, label in labels:
        value = raw.median("capcost", "calls", key)
        rows.append([label, fmt_num(value, 1)])
        rep.add_csv("capcost", key[:-3], "median", value, "us")
    rep.md.append("The capability calls of the privilege steps, in a fresh forked process each "
                  f"sample ({raw.text('capcost', 'calls', 'capabilities')} capabilities): what "
                  "the checks cost read from /proc or asked one capability at a time, and what "
                  "emptying the bounding set costs (each drop commits new credentials).\n")
    rep.table(["calls", "µs (median)"], rows, "Capability calls")
    rep.md.append(f"Command: `{raw.text('capcost', 'meta', 'command')}`\n")

    # 7d. --seccomp-log and --seccomp-learn per call
    if "listencost" in raw.order:
        configs = raw.order["listencost"]
        rows = []
        for key, label in [("getppid", "getppid() (allowed)"),
                           ("mount_denied", "mount() (denied by default)")]:
            wall = {c: raw.median("listencost", c, f"{key}_ns") for c in configs}
            cpu = {c: raw.median("listencost", c, f"{key}_cpu_ns") for c in configs}
            rows.append([label] + [f"{fmt_num(wall[c], 1)} / {fmt_num(cpu[c], 1)}" for c in configs])
            for c in configs:
                rep.add_csv("listencost", f"{key} / {c}", "wall_per_call", wall[c], "ns")
                rep.add_csv("listencost", f"{key} / {c}", "cpu_per_call", cpu[c], "ns")
        rep.md.append("## 7d. Seccomp learn and log: cost per system call\n")
        rep.md.append("ns per call, wall / the caller's thread CPU, median of the reps. A reported "
                      "call waits for PID 1's answer: under `--seccomp-log` only denied calls are "
                      "reported, under `--seccomp-learn` every call is (design.md §3.12).\n")
        rep.table(["call"] + [f"{c} ns" for c in configs], rows, "Seccomp learn/log (ns per call)")
        rep.md.append(f"Command: `{raw.text('listencost', 'meta', 'command')}`\n")

    # header
    versions = [[k, raw.text("version", k, "version")] for k in raw.order["version"]]
    head = ["# hardinit benchmarks\n",
            f"- Date: {meta('started')} ({'smoke run: tiny counts, numbers meaningless' if args.mode == 'smoke' else 'full run'}), "
            f"{meta('duration_s')} s",
            f"- Machine: {meta('os')}, kernel {meta('kernel')}, {meta('cpu')}, nproc {meta('nproc')}, {meta('memory')}",
            f"- Load average before / after: {meta('load_before')} / {meta('load_after')} "
            "(the machine is shared)",
            f"- Scheduler for the timed runs: {meta('scheduler')}",
            f"- hardinit commit: {meta('commit')}, built Release by bench/run.sh",
            "- Command: `bench/run.sh`" + (" --smoke" if args.mode == "smoke" else ""),
            "- Seconds per section: " + ", ".join(
                f"{k} {raw.text('timing', k, 'seconds')}" for k in raw.order["timing"]), ""]
    budget_md = ["## Budgets\n", "| budget | value | limit | result | detail |",
                 "|---|---:|---:|---|---|"]
    for b in rep.budgets:
        budget_md.append("| " + " | ".join(b) + " |")
    budget_md.append("")
    version_md = ["## Versions\n", "| tool | version |", "|---|---|"] + \
                 [f"| {k} | {v} |" for k, v in versions] + [""]
    charts = ["![start-up](startup.png)\n", "![signal forwarding](signals.png)\n"]
    with open(os.path.join(args.out, "latest.md"), "w") as f:
        f.write("\n".join(head + budget_md + charts + rep.md + version_md))

    for k, v in versions:
        rep.add_csv("version", k, "version", v, "")
    for k in ("started", "kernel", "cpu", "nproc", "load_before", "load_after", "scheduler", "commit", "mode"):
        rep.add_csv("meta", k, "value", meta(k), "")
    with open(os.path.join(args.out, "latest.csv"), "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["section", "subject", "metric", "value", "unit"])
        writer.writerows(rep.csv)

    draw_charts(args.out, raw, startup)

    if args.readme and args.mode == "full":
        update_readme(args.readme, head, budget_md, rep)

    print("\n".join(rep.console))
    print("\nBudgets")
    for b in rep.budgets:
        print(f"  {b[3].strip('*'):7} {b[0]}: {b[1]} (limit {b[2]}) {b[4]}")
    print(f"\nwrote {args.out}/latest.md, latest.csv, startup.png, signals.png")


def draw_charts(out, raw, startup):
    data = os.path.join(out, "startup.dat")
    with open(data, "w") as f:
        for i, name in enumerate(raw.order["startup_cmd"]):
            s = startup.get(name)
            if s:
                color = "0x1f77b4" if name.startswith("hardinit") else "0xaaaaaa"
                f.write(f'{i} "{name}" {s["median"]:.1f} {s["p25"]:.1f} {s["p75"]:.1f} {color}\n')
    sig = os.path.join(out, "signals.dat")
    with open(sig, "w") as f:
        for name in raw.order["siglat"]:
            f.write(f'"{name}" {raw.median("siglat", name, "p50_ns") / 1e3:.1f} '
                    f'{raw.median("siglat", name, "p99_ns") / 1e3:.1f}\n')
    script = f"""
set terminal pngcairo size 1000,560 font ",10"
set output "{out}/startup.png"
set title "Start-up to a finished /bin/true (median, bars: p25-p75; blue: hardinit)"
set ylabel "µs"
set style fill solid 0.8 border -1
set boxwidth 0.7
set xtics rotate by -35 noenhanced
set grid ytics
set yrange [0:*]
set key off
plot "{data}" using 1:3:6:xtic(2) with boxes lc rgb variable, \\
     "" using 1:3:4:5 with yerrorbars lc rgb "black" pt -1
set output "{out}/signals.png"
set title "Signal forwarding latency, SIGUSR1 to PID 1 until the program's handler"
set style data histograms
set style histogram clustered gap 1
set boxwidth 0.9 relative
set xtics norotate
set key top left
plot "{sig}" using 2:xtic(1) title "p50", "" using 3 title "p99"
"""
    subprocess.run(["gnuplot"], input=script, text=True, check=True)
    os.remove(data)
    os.remove(sig)


def update_readme(path, head, budget_md, rep):
    begin, end = "<!-- bench:latest:begin -->", "<!-- bench:latest:end -->"
    try:
        text = open(path).read()
    except OSError:
        return
    if begin not in text or end not in text:
        return
    start_table = [l for l in rep.md]
    i = next(n for n, line in enumerate(start_table) if line.startswith("### Start-up"))
    j = start_table.index("", i + 2)
    k = next(n for n, line in enumerate(start_table) if line.startswith("### Exec to first"))
    m = start_table.index("", k + 2)
    block = [begin, ""] + head[1:-1] + ["", "Budgets:", ""] + budget_md[1:] + \
            ["Start-up:", ""] + start_table[i + 1:j] + \
            ["", "Exec to the program's first instruction, and its exit to the init's (µs, "
             "PID 1 of a new PID namespace):", ""] + start_table[k + 1:m] + \
            ["", "![start-up](../docs/benchmarks/startup.png)", "",
             "Everything else (memory, size by library, reaping, signal latency, idle, seccomp): "
             "[docs/benchmarks/latest.md](../docs/benchmarks/latest.md).", "", end]
    new = text[:text.index(begin)] + "\n".join(block) + text[text.index(end) + len(end):]
    with open(path, "w") as f:
        f.write(new)


if __name__ == "__main__":
    sys.exit(main())
