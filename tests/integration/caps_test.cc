// Capabilities, securebits, no_new_privs, PID 1's own drop and fd hygiene (design.md §3.2,
// §3.4, §3.5; issue 4), from the program's own point of view: /proc/self/status and the
// errno of each tried call, as crun's test_capabilities.py and bubblewrap's try-syscall do.
// Each claim has a negative control that shows the check can fail.
#include <fcntl.h>
#include <grp.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <net/if.h>
#include <sched.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include "harness.h"

namespace hardinit::testing {
namespace {

#ifndef SYS_close_range
#define SYS_close_range 436
#endif

[[noreturn]] void ChildFail(const char* what) {
  dprintf(STDERR_FILENO, "before_exec: %s: %s\n", what, strerror(errno));
  _exit(250);
}

struct TempDir {
  std::string path = MakeTempDir();
  ~TempDir() { std::filesystem::remove_all(path); }
};

std::vector<std::string> Probe(std::vector<std::string> flags,
                               std::vector<std::string> probe_args = {"status"}) {
  std::vector<std::string> args = std::move(flags);
  args.push_back("--");
  args.push_back(kProbe);
  args.insert(args.end(), probe_args.begin(), probe_args.end());
  return args;
}

std::string Hex(uint64_t mask) {
  char text[17];
  snprintf(text, sizeof(text), "%016llx", static_cast<unsigned long long>(mask));
  return text;
}

uint64_t Bit(int cap) { return uint64_t{1} << cap; }

std::string AllIds(unsigned id) {
  const std::string s = std::to_string(id);
  return s + " " + s + " " + s + " " + s;
}

// The bounding set the test itself runs with: what root without hardinit gets (a sandbox
// may have taken some capabilities out of it already).
uint64_t TestBoundingSet() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with("CapBnd:")) return std::stoull(line.substr(7), nullptr, 16);
  }
  return 0;
}

void BecomeUid1000() {
  const gid_t group = 1000;
  if (setgroups(1, &group) != 0) ChildFail("setgroups");
  if (setresgid(1000, 1000, 1000) != 0) ChildFail("setresgid");
  if (setresuid(1000, 1000, 1000) != 0) ChildFail("setresuid");
}

// A new network namespace with loopback up, so that port 80 is free and the host's network
// is untouched.
void NewNetworkWithLoopback() {
  if (unshare(CLONE_NEWNET) != 0) ChildFail("unshare(CLONE_NEWNET)");
  const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) ChildFail("socket");
  ifreq request{};
  strncpy(request.ifr_name, "lo", IFNAMSIZ - 1);
  if (ioctl(fd, SIOCGIFFLAGS, &request) != 0) ChildFail("SIOCGIFFLAGS");
  request.ifr_flags |= IFF_UP;
  if (ioctl(fd, SIOCSIFFLAGS, &request) != 0) ChildFail("SIOCSIFFLAGS");
  close(fd);
}

struct CapsCase {
  const char* keep;  // the --cap-keep argument; nullptr: no flag
  uint64_t mask;
};

const CapsCase kCapsCases[] = {
    {nullptr, 0},
    {"", 0},
    {"NET_BIND_SERVICE", Bit(CAP_NET_BIND_SERVICE)},
    // Every spelling the flag accepts: case-insensitive, with or without CAP_.
    {"chown,CAP_DAC_OVERRIDE,cap_setuid,SetGid",
     Bit(CAP_CHOWN) | Bit(CAP_DAC_OVERRIDE) | Bit(CAP_SETUID) | Bit(CAP_SETGID)},
};

TEST(Capabilities, EverySetIsExactlyTheAllowlist) {
  HARDINIT_REQUIRE_ROOT();
  for (const CapsCase& c : kCapsCases) {
    for (unsigned uid : {0U, 1000U}) {
      std::vector<std::string> flags = {"--user", std::to_string(uid)};
      if (c.keep != nullptr) flags.insert(flags.end(), {"--cap-keep", c.keep});
      const std::string what =
          std::string("--cap-keep ") + (c.keep ? c.keep : "(none)") + " uid " + std::to_string(uid);
      RunResult r = RunHardinit(Probe(flags));
      ASSERT_EQ(r.exit_code, 0) << what << ": " << r.err;
      auto report = ParseReport(r.out);
      EXPECT_EQ(report["Uid"], AllIds(uid)) << what;
      EXPECT_EQ(report["CapInh"], Hex(c.mask)) << what;
      EXPECT_EQ(report["CapPrm"], Hex(c.mask)) << what;
      EXPECT_EQ(report["CapEff"], Hex(c.mask)) << what;
      EXPECT_EQ(report["CapBnd"], Hex(c.mask)) << what;
      // Root too: under SECBIT_NOROOT only the ambient set carries capabilities across
      // execve() into a program without file capabilities.
      EXPECT_EQ(report["CapAmb"], Hex(c.mask)) << what;
      EXPECT_EQ(report["NoNewPrivs"], "1") << what;
      EXPECT_EQ(report["securebits"], "0x2f") << what
                                              << ": NOROOT, NO_SETUID_FIXUP, "
                                                 "KEEP_CAPS_LOCKED and their locks";
    }
  }
}

TEST(Capabilities, NegativeControlTheProbeSeesRootsFullSets) {
  HARDINIT_REQUIRE_ROOT();
  RunOptions options;
  options.program = kProbe;
  RunResult r = RunHardinit({"status"}, options);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto report = ParseReport(r.out);
  EXPECT_EQ(report["CapEff"], Hex(TestBoundingSet()));
  EXPECT_EQ(report["CapBnd"], Hex(TestBoundingSet()));
  EXPECT_EQ(report["NoNewPrivs"], "0");
  EXPECT_EQ(report["securebits"], "0x0");
}

TEST(Capabilities, Uid1000WithNetBindServiceBindsPort80) {
  HARDINIT_REQUIRE_ROOT();
  RunOptions options;
  options.before_exec = NewNetworkWithLoopback;
  RunResult r = RunHardinit(
      Probe({"--user", "1000", "--cap-keep", "NET_BIND_SERVICE"}, {"try", "bind:80"}), options);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ParseReport(r.out)["bind:80"], "OK");

  // Negative control: without the capability port 80 is refused, while an unprivileged port
  // in the same namespace binds (so the refusal is about the capability).
  r = RunHardinit(Probe({"--user", "1000"}, {"try", "bind:80", "try", "bind:8080"}), options);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto report = ParseReport(r.out);
  EXPECT_EQ(report["bind:80"], "EACCES");
  EXPECT_EQ(report["bind:8080"], "OK");
}

TEST(Capabilities, EscalationAttemptsFail) {
  HARDINIT_REQUIRE_ROOT();
  // CAP_SYS_ADMIN (21) and CAP_CHOWN (0) are dropped in every run below.
  const char* const calls[] = {"setuid0",      "setgid0",          "setgroups",
                               "capset-raise", "ambient-raise:21", "ambient-raise:0"};
  std::vector<std::string> tries;
  for (const char* call : calls) tries.insert(tries.end(), {"try", call});
  for (const char* keep : {"", "NET_BIND_SERVICE"}) {
    RunResult r = RunHardinit(Probe({"--user", "1000", "--cap-keep", keep}, tries));
    ASSERT_EQ(r.exit_code, 0) << keep << ": " << r.err;
    auto report = ParseReport(r.out);
    for (const char* call : calls) {
      EXPECT_EQ(report[call], "EPERM") << call << " with --cap-keep " << keep;
    }
  }
  // Root without capabilities cannot take any back either.
  RunResult r = RunHardinit(Probe({"--user", "0"}, tries));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto report = ParseReport(r.out);
  EXPECT_EQ(report["setgroups"], "EPERM");
  EXPECT_EQ(report["capset-raise"], "EPERM");
  EXPECT_EQ(report["ambient-raise:21"], "EPERM");
}

TEST(Capabilities, NegativeControlEscalationTriesCanSucceed) {
  HARDINIT_REQUIRE_ROOT();
  // A kept capability can be raised into the ambient set again (it is in permitted and
  // inheritable): the EPERM above is about the dropped one.
  RunResult r = RunHardinit(Probe({"--user", "1000", "--cap-keep", "CHOWN"},
                                  {"try", "ambient-raise:0", "try", "ambient-raise:21"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto report = ParseReport(r.out);
  EXPECT_EQ(report["ambient-raise:0"], "OK");
  EXPECT_EQ(report["ambient-raise:21"], "EPERM");

  // Root without hardinit may setuid, setgroups and capset.
  RunOptions options;
  options.program = kProbe;
  r = RunHardinit({"try", "setuid0", "try", "setgroups", "try", "capset-raise"}, options);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  report = ParseReport(r.out);
  EXPECT_EQ(report["setuid0"], "OK");
  EXPECT_EQ(report["setgroups"], "OK");
  EXPECT_EQ(report["capset-raise"], "OK");
}

// Copies of the probe that would grant privileges at execve(): setuid root, and file
// capabilities, with the effective bit (a "capability-dumb" program the kernel refuses to
// start without them) and without it. All in a directory every uid may enter.
struct PrivilegedProbes {
  TempDir dir;
  std::string setuid_root = dir.path + "/probe-setuid-root";
  std::string file_caps_ep = dir.path + "/probe-file-caps-ep";
  std::string file_caps_p = dir.path + "/probe-file-caps-p";
  std::string error;

  PrivilegedProbes() {
    for (const std::string* copy : {&setuid_root, &file_caps_ep, &file_caps_p}) {
      std::filesystem::copy_file(kProbe, *copy);
      chmod(copy->c_str(), 0755);
    }
    if (chown(setuid_root.c_str(), 0, 0) != 0 || chmod(setuid_root.c_str(), 04755) != 0) {
      error = "chmod 4755: " + std::string(strerror(errno));
    }
    for (const auto& [file, caps] :
         {std::pair{file_caps_ep, "cap_sys_admin+ep"}, std::pair{file_caps_p, "cap_sys_admin+p"}}) {
      const std::string setcap = "setcap " + std::string(caps) + " " + file + " 2>&1";
      if (std::system(setcap.c_str()) != 0) error = "setcap failed (is libcap2-bin installed?)";
    }
  }
};

TEST(Capabilities, ExecingASetuidRootCopyGainsNothing) {
  HARDINIT_REQUIRE_ROOT();
  PrivilegedProbes probes;
  ASSERT_EQ(probes.error, "");
  RunResult r = RunHardinit(Probe({"--user", "1000"}, {"exec", probes.setuid_root, "status"}));
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  auto report = ParseReport(r.out);
  EXPECT_EQ(report["exec_error"], "") << "the exec itself is allowed";
  EXPECT_EQ(report["Uid"], AllIds(1000)) << "no_new_privs ignores the setuid bit";
  EXPECT_EQ(report["CapPrm"], Hex(0));
  EXPECT_EQ(report["CapEff"], Hex(0));

  // Negative control: uid 1000 without hardinit does become euid 0 with every capability.
  RunOptions options;
  options.program = kProbe;
  options.before_exec = BecomeUid1000;
  r = RunHardinit({"status", "exec", probes.setuid_root, "status"}, options);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  report = ParseReport(r.out);
  EXPECT_EQ(report["Uid"], AllIds(1000) + ",1000 0 0 0") << "before, then after the exec";
  EXPECT_EQ(report["CapEff"], Hex(0) + "," + Hex(TestBoundingSet()));
}

TEST(Capabilities, ExecingAFileCapabilityCopyGainsNothing) {
  HARDINIT_REQUIRE_ROOT();
  PrivilegedProbes probes;
  ASSERT_EQ(probes.error, "");
  for (const char* keep : {"", "NET_BIND_SERVICE"}) {
    // cap_sys_admin+ep: the kernel will not start a program whose forced capabilities it
    // cannot grant (not in the bounding set, and no_new_privs), so nothing runs with them.
    RunResult r = RunHardinit(
        Probe({"--user", "1000", "--cap-keep", keep}, {"exec", probes.file_caps_ep, "status"}));
    EXPECT_EQ(r.exit_code, 1) << r.err << r.out;
    auto report = ParseReport(r.out);
    EXPECT_EQ(report["exec_error"], "EPERM") << keep;
    EXPECT_EQ(report["Uid"], "") << keep << ": the copy ran";

    // cap_sys_admin+p: it runs, with nothing. A file with capabilities also clears the
    // ambient set, so even the kept one is gone: the program gets less, never more.
    r = RunHardinit(
        Probe({"--user", "1000", "--cap-keep", keep}, {"exec", probes.file_caps_p, "status"}));
    ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
    report = ParseReport(r.out);
    EXPECT_EQ(report["Uid"], AllIds(1000)) << keep;
    for (const char* set : {"CapPrm", "CapEff", "CapAmb"}) {
      EXPECT_EQ(report[set], Hex(0)) << set << " with --cap-keep " << keep;
    }
  }

  // Negative control: uid 1000 without hardinit gains CAP_SYS_ADMIN from either file.
  RunOptions options;
  options.program = kProbe;
  options.before_exec = BecomeUid1000;
  RunResult r = RunHardinit({"exec", probes.file_caps_ep, "status"}, options);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto report = ParseReport(r.out);
  EXPECT_EQ(report["Uid"], AllIds(1000));
  EXPECT_EQ(report["CapEff"], Hex(Bit(CAP_SYS_ADMIN)));
  r = RunHardinit({"exec", probes.file_caps_p, "status"}, options);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  report = ParseReport(r.out);
  EXPECT_EQ(report["CapPrm"], Hex(Bit(CAP_SYS_ADMIN)));
}

TEST(Capabilities, UnknownCapabilityIs125NamingIt) {
  HARDINIT_REQUIRE_ROOT();
  for (const char* name : {"NET_BIND_SERVIC", "CAP_BOGUS", "chown,frobnicate"}) {
    RunResult r = RunHardinit(Probe({"--cap-keep", name}));
    EXPECT_EQ(r.exit_code, 125) << name;
    EXPECT_EQ(r.out, "") << name << ": the program ran";
    const std::string bad = std::string(name).substr(std::string(name).find(',') + 1);
    EXPECT_NE(r.err.find("--cap-keep: unknown capability \"" + bad + "\""), std::string::npos)
        << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
  EXPECT_EQ(RunHardinit(Probe({"--cap-keep", "NET_BIND_SERVICE"})).exit_code, 0);
}

TEST(Capabilities, KeepingACapabilityHardinitDoesNotHoldIs125) {
  HARDINIT_REQUIRE_ROOT();
  RunOptions options;
  // hardinit starts without CAP_NET_RAW in any set, as under `docker run --cap-drop NET_RAW`.
  options.before_exec = [] {
    if (prctl(PR_CAPBSET_DROP, CAP_NET_RAW) != 0) ChildFail("PR_CAPBSET_DROP");
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2]{};
    if (syscall(SYS_capget, &header, data) != 0) ChildFail("capget");
    data[0].permitted &= ~(1U << CAP_NET_RAW);
    data[0].effective &= ~(1U << CAP_NET_RAW);
    if (syscall(SYS_capset, &header, data) != 0) ChildFail("capset");
  };
  RunResult r = RunHardinit(Probe({"--cap-keep", "net_raw"}), options);
  EXPECT_EQ(r.exit_code, 125);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("hardinit: --cap-keep CAP_NET_RAW: hardinit does not hold it"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;

  // Negative control: started with it, hardinit keeps it.
  r = RunHardinit(Probe({"--cap-keep", "net_raw"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ParseReport(r.out)["CapEff"], Hex(Bit(CAP_NET_RAW)));
}

// Starts hardinit as root with only `caps` in its bounding set, as `cap_drop: [ALL]` plus
// `cap_add` of those does: root's exec then gives it exactly those.
std::function<void()> RootWithOnly(uint64_t caps) {
  return [caps] {
    for (int cap = 0; cap <= 63; ++cap) {
      if ((caps >> cap) & 1U) continue;
      if (prctl(PR_CAPBSET_DROP, cap) != 0 && errno != EINVAL) ChildFail("PR_CAPBSET_DROP");
    }
  };
}

// `cap_drop: [ALL]`, `cap_add: [SETUID, SETGID]` as root: without SETPCAP the switching
// capabilities could not leave the program's bounding set. hardinit used to go on with an
// info line; now it refuses, naming SETPCAP, what it cannot drop and the fix (issue 12).
TEST(Capabilities, ARootStartWithoutSetpcapThatCannotDropIs125) {
  HARDINIT_REQUIRE_ROOT();
  RunOptions options;
  options.before_exec = RootWithOnly(Bit(CAP_SETUID) | Bit(CAP_SETGID));
  RunResult r = RunHardinit(Probe({"--user", "65534"}), options);
  EXPECT_EQ(r.exit_code, 125) << r.err;
  EXPECT_EQ(r.out, "") << "the program ran";
  EXPECT_EQ(r.err,
            "hardinit: hardinit lacks CAP_SETPCAP, so CAP_SETGID,CAP_SETUID would stay in the "
            "program's bounding set: add SETPCAP to the container (cap_add: [SETPCAP]) or drop "
            "them in the runtime (cap_drop: [SETGID, SETUID])\n");

  // Negative control: with SETPCAP added, as the README says, the program starts with
  // nothing in any set.
  options.before_exec = RootWithOnly(Bit(CAP_SETUID) | Bit(CAP_SETGID) | Bit(CAP_SETPCAP));
  r = RunHardinit(Probe({"--user", "65534"}), options);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto report = ParseReport(r.out);
  EXPECT_EQ(report["Uid"], AllIds(65534));
  EXPECT_EQ(report["CapBnd"], Hex(0));
  EXPECT_EQ(report["securebits"], "0x2f");
}

// Nothing outside the allowlist in the bounding set (`cap_drop: [ALL]` as root, no --user):
// the program starts, and the one thing that is lost, the securebits, is named.
TEST(Capabilities, ARootStartWithoutSetpcapAndNothingToDropWarns) {
  HARDINIT_REQUIRE_ROOT();
  RunOptions options;
  options.before_exec = RootWithOnly(0);
  RunResult r = RunHardinit(Probe({}), options);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto report = ParseReport(r.out);
  EXPECT_EQ(report["CapBnd"], Hex(0));
  EXPECT_EQ(report["CapEff"], Hex(0));
  EXPECT_EQ(report["NoNewPrivs"], "1");
  EXPECT_EQ(report["securebits"], "0x0") << "they could not be locked";
  EXPECT_NE(r.err.find("hardinit: hardinit lacks CAP_SETPCAP: the securebits (NOROOT, "
                       "NO_SETUID_FIXUP, KEEP_CAPS_LOCKED) stay unlocked"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find(" runs as root (uid 0)"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 2) << r.err;
}

std::map<std::string, std::string> ProcStatus(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::map<std::string, std::string> fields;
  std::string line;
  while (std::getline(in, line)) {
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string value = line.substr(colon + 1);
    std::istringstream words(value);
    std::string word, joined;
    while (words >> word) joined += (joined.empty() ? "" : " ") + word;
    fields[line.substr(0, colon)] = joined;
  }
  return fields;
}

pid_t FirstChild(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children");
  pid_t child = -1;
  in >> child;
  return child;
}

// Files under /proc/PID of a process that is not dumpable belong to root (proc(5)); the
// directory itself always shows the effective uid, so look at a file.
uid_t ProcOwner(pid_t pid) {
  struct stat st {};
  const std::string path = "/proc/" + std::to_string(pid) + "/status";
  if (stat(path.c_str(), &st) != 0) return static_cast<uid_t>(-1);
  return st.st_uid;
}

// PID 1 gives up what it no longer needs after the fork, and still does its job afterwards.
// A forwarded signal tells the test that PID 1 is in its loop, so past its own drop.
void CheckPid1DropsItsOwnPrivileges(const std::string& keep, uint64_t pid1_caps) {
  Process p(Probe({"--user", "1000", "--cap-keep", keep},
                  {"wait-signals", "1", "status-of", "1", "orphans", "20", "await-no-zombies",
                   "wait-signals", "1"}),
            {});
  ASSERT_TRUE(p.WaitForOutput("ready=1")) << p.out();
  p.Signal(SIGUSR1);
  ASSERT_TRUE(p.WaitForOutput("signal=10\n")) << p.out();
  ASSERT_TRUE(p.WaitForOutput("zombies=")) << p.out();

  auto pid1 = ProcStatus(p.pid());
  EXPECT_EQ(pid1["Uid"], AllIds(1000)) << keep;
  EXPECT_EQ(pid1["Gid"], AllIds(65534)) << keep << ": a gid the program has not";
  EXPECT_EQ(pid1["Groups"], "") << keep;
  EXPECT_EQ(pid1["CapPrm"], Hex(pid1_caps)) << keep;
  EXPECT_EQ(pid1["CapEff"], Hex(pid1_caps)) << keep;
  EXPECT_EQ(pid1["CapInh"], Hex(0)) << keep;
  EXPECT_EQ(pid1["CapAmb"], Hex(0)) << keep;
  EXPECT_EQ(pid1["NoNewPrivs"], "1") << keep;
  EXPECT_EQ(pid1["Seccomp"], "2") << keep << ": PID 1's own filter";
  EXPECT_EQ(ProcOwner(p.pid()), 0U) << keep << ": PID 1 is dumpable";
  const pid_t program = FirstChild(p.pid());
  ASSERT_GT(program, 0);
  EXPECT_EQ(ProcOwner(program), 1000U) << "negative control: the program is dumpable";

  // The same, as the program sees PID 1.
  auto report = ParseReport(p.out());
  EXPECT_EQ(report["of1_Uid"], AllIds(1000)) << keep;
  EXPECT_EQ(report["of1_CapEff"], Hex(pid1_caps)) << keep;
  EXPECT_EQ(report["of1_NoNewPrivs"], "1") << keep;
  EXPECT_EQ(report["zombies"], "0") << keep << ": PID 1 still reaps";

  p.Signal(SIGUSR2);
  EXPECT_TRUE(p.WaitForOutput("signal=12\n")) << keep << ": PID 1 still forwards";
  RunResult r = p.Wait();
  EXPECT_EQ(r.exit_code, 0) << keep << ": " << r.err;
}

TEST(Pid1, DropsItsOwnPrivilegesAndStillForwardsAndReaps) {
  HARDINIT_REQUIRE_ROOT();
  CheckPid1DropsItsOwnPrivileges("", 0);
  CheckPid1DropsItsOwnPrivileges("NET_BIND_SERVICE", 0);
}

TEST(Pid1, KeepsCapKillOnlyWhenTheProgramKeepsCapSetuid) {
  HARDINIT_REQUIRE_ROOT();
  CheckPid1DropsItsOwnPrivileges("SETUID", Bit(CAP_KILL));
}

// The program shares PID 1's uid (so that PID 1 can signal it), and used to share its gids:
// it could prlimit(1, RLIMIT_CPU, {0,0}) and have the kernel SIGKILL PID 1 and the container
// with it, or take PID 1's RLIMIT_NOFILE. PID 1 now runs with a gid the program has not, so
// the kernel refuses (check_prlimit_permission); PID 1 then still forwards, reaps and exits
// with the program's status (issue 12).
TEST(Pid1, TheProgramCannotPrlimitPid1) {
  HARDINIT_REQUIRE_ROOT();
  // A first forwarded signal says PID 1 is in its loop, past its own drop.
  Process p(Probe({"--user", "1000"},
                  {"wait-signals", "1", "try", "prlimit1-get", "try", "prlimit1-nofile", "try",
                   "prlimit1-cpu", "status-of", "1", "orphans", "20", "await-no-zombies",
                   "wait-signals", "1", "exit", "7"}),
            {});
  ASSERT_TRUE(p.WaitForOutput("ready=1")) << p.out();
  p.Signal(SIGUSR1);
  ASSERT_TRUE(p.WaitForOutput("zombies=")) << p.out();
  auto report = ParseReport(p.out());
  EXPECT_EQ(report["prlimit1-get"], "EPERM");
  EXPECT_EQ(report["prlimit1-nofile"], "EPERM");
  EXPECT_EQ(report["prlimit1-cpu"], "EPERM");
  EXPECT_EQ(report["of1_Uid"], AllIds(1000)) << "PID 1 keeps the program's uid";
  EXPECT_EQ(report["of1_Gid"], AllIds(65534)) << "and takes a gid the program has not";
  EXPECT_EQ(report["zombies"], "0") << "PID 1 still reaps";
  p.Signal(SIGUSR2);
  EXPECT_TRUE(p.WaitForOutput("signal=12\n")) << "PID 1 still forwards: " << p.out();
  RunResult r = p.Wait();
  EXPECT_EQ(r.exit_code, 7) << r.err;
}

// Negative control, and the documented limit: started as non-root, nothing can switch, PID 1
// and the program share every id, and the kernel lets the program prlimit PID 1.
TEST(Pid1, NegativeControlANonRootStartSharesItsIdsWithTheProgram) {
  HARDINIT_REQUIRE_ROOT();
  RunOptions options;
  options.before_exec = BecomeUid1000;
  RunResult r = RunHardinit(Probe({}, {"try", "prlimit1-get", "status-of", "1"}), options);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto report = ParseReport(r.out);
  EXPECT_EQ(report["prlimit1-get"], "OK");
  EXPECT_EQ(report["of1_Gid"], AllIds(1000));
}

// Whether the probe's "fds=3,7,100" list holds each of `wanted` (the test process may leak a
// few fds of its own into a launcher that does not close them).
bool HasFds(const std::string& list, std::vector<std::string> wanted) {
  std::istringstream in(list);
  std::vector<std::string> fds;
  for (std::string fd; std::getline(in, fd, ',');) fds.push_back(fd);
  for (const std::string& fd : wanted) {
    if (std::find(fds.begin(), fds.end(), fd) == fds.end()) return false;
  }
  return true;
}

// fds 7 and 100, opened without O_CLOEXEC by whoever started hardinit.
void OpenStrayFds() {
  const int fd = open("/dev/null", O_RDONLY);
  if (fd < 0 || dup2(fd, 7) != 7 || dup2(fd, 100) != 100) ChildFail("open stray fds");
  close(fd);
}

// Makes close_range() unavailable, as on a kernel before 5.9 or under an old seccomp profile:
// ENOSYS for it, everything else allowed.
void DenyCloseRange() {
#if defined(__x86_64__)
  constexpr uint32_t kArch = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
  constexpr uint32_t kArch = AUDIT_ARCH_AARCH64;
#else
#error "add the audit arch of this machine"
#endif
  sock_filter filter[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, kArch, 0, 3),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_close_range, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  sock_fprog program{sizeof(filter) / sizeof(filter[0]), filter};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) ChildFail("PR_SET_NO_NEW_PRIVS");
  if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) != 0) ChildFail("PR_SET_SECCOMP");
}

TEST(Fds, StrayFdsAreNotOpenInTheProgram) {
  HARDINIT_REQUIRE_ROOT();
  RunOptions options;
  options.before_exec = OpenStrayFds;
  for (const char* mode : {"--user", "--exec"}) {
    std::vector<std::string> flags = {"--user", "1000"};
    if (std::string(mode) == "--exec") flags.push_back("--exec");
    RunResult r = RunHardinit(Probe(flags, {"fds", "try-extra", "close_range"}), options);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto report = ParseReport(r.out);
    EXPECT_EQ(report["fds"], "none") << mode;
    EXPECT_EQ(report["close_range"], "OK") << mode << ": the fast path was there";
  }

  // Negative control: the probe started the same way without hardinit sees them.
  options.program = kProbe;
  RunResult r = RunHardinit({"fds"}, options);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(HasFds(ParseReport(r.out)["fds"], {"7", "100"})) << r.out;
}

TEST(Fds, StrayFdsAreNotOpenWhenCloseRangeIsUnavailable) {
  HARDINIT_REQUIRE_ROOT();
  RunOptions options;
  options.before_exec = [] {
    OpenStrayFds();
    DenyCloseRange();
  };
  for (const char* mode : {"--user", "--exec"}) {
    std::vector<std::string> flags = {"--user", "1000"};
    if (std::string(mode) == "--exec") flags.push_back("--exec");
    RunResult r = RunHardinit(Probe(flags, {"fds", "try-extra", "close_range"}), options);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto report = ParseReport(r.out);
    EXPECT_EQ(report["fds"], "none") << mode << ": the /proc/self/fd fallback";
    // Negative control: close_range really is unavailable there, so the fallback did it.
    EXPECT_EQ(report["close_range"], "ENOSYS") << mode;
  }

  options.program = kProbe;
  RunResult r = RunHardinit({"fds", "try-extra", "close_range"}, options);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto report = ParseReport(r.out);
  EXPECT_TRUE(HasFds(report["fds"], {"7", "100"})) << r.out;
  EXPECT_EQ(report["close_range"], "ENOSYS");
}

// systemd socket activation, as Podman passes it into a container (catatonit#13): LISTEN_PID
// names PID 1, fds 3 and 4 are the sockets. They reach the program, and LISTEN_PID names the
// program, or its sd_listen_fds() would ignore them; every other fd is still closed on exec.
void OpenActivationFds() {
  const int fd = open("/dev/null", O_RDONLY);
  if (fd < 0 || dup2(fd, 3) != 3 || dup2(fd, 4) != 4 || dup2(fd, 7) != 7) {
    ChildFail("open activation fds");
  }
  if (fd > 7) close(fd);
}

TEST(Fds, SocketActivationFdsReachTheProgram) {
  HARDINIT_REQUIRE_ROOT();
  RunOptions options;
  options.before_exec = OpenActivationFds;
  options.env = {"LISTEN_FDS=2", "LISTEN_PID=1"};
  const std::vector<std::string> probe = {"fds", "env", "LISTEN_PID", "env", "LISTEN_FDS"};
  RunResult r = RunHardinit(Probe({"--user", "1000"}, probe), options);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto report = ParseReport(r.out);
  EXPECT_EQ(report["fds"], "3,4");
  EXPECT_EQ(report["env_LISTEN_PID"], "2") << "the program's own pid";
  EXPECT_EQ(report["env_LISTEN_FDS"], "2");

  // --exec: the program is PID 1 itself; LISTEN_PID stays right as it is.
  r = RunHardinit(Probe({"--user", "1000", "--exec"}, probe), options);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  report = ParseReport(r.out);
  EXPECT_EQ(report["fds"], "3,4");
  EXPECT_EQ(report["env_LISTEN_PID"], "1");

  // Negative control: LISTEN_PID names another process, so nothing is meant for us.
  options.env = {"LISTEN_FDS=2", "LISTEN_PID=5"};
  r = RunHardinit(Probe({"--user", "1000"}, probe), options);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  report = ParseReport(r.out);
  EXPECT_EQ(report["fds"], "none");
  EXPECT_EQ(report["env_LISTEN_PID"], "5");
}

}  // namespace
}  // namespace hardinit::testing
