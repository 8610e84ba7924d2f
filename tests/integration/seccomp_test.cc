// Seccomp from the confined program's own point of view (design.md §3.3, §3.5, issue 5): for each
// built-in profile and for Docker's and Podman's own profiles loaded from file, what the
// probe's system calls return; kill actions; bad profiles; PID 1's own filter; and the
// `hardinit seccomp check|export` precompile flow.
//
// Two probes: `probe try CALL` makes the plain call (its EPERM may be the filter's or the
// kernel's: the program runs without capabilities), `sysprobe try CALL-...` makes the same
// call with an argument the kernel rejects before any permission check (EFAULT, EINVAL,
// EOPNOTSUPP), so "reached the kernel" and "denied by the filter" cannot be confused.
#include <signal.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "harness.h"

namespace hardinit::testing {
namespace {

const std::string kSysprobe = HARDINIT_SYSPROBE;
const std::string kDockerDefault = HARDINIT_TESTDATA_DIR "/seccomp/docker-default.json";
const std::string kContainersCommon = HARDINIT_TESTDATA_DIR "/seccomp/containers-common.json";

using Report = std::map<std::string, std::string>;

// hardinit FLAGS --seccomp PROFILE -- PROGRAM ARGS...
std::vector<std::string> Under(const std::string& profile, const std::string& program,
                               const std::vector<std::string>& program_args,
                               const std::vector<std::string>& flags = {}) {
  std::vector<std::string> args = flags;
  args.insert(args.end(), {"--seccomp", profile, "--", program});
  args.insert(args.end(), program_args.begin(), program_args.end());
  return args;
}

// "try A try B ..." for a probe.
std::vector<std::string> Tries(const std::vector<std::string>& calls) {
  std::vector<std::string> args;
  for (const std::string& call : calls) args.insert(args.end(), {"try", call});
  return args;
}

// Runs the probe (status, then every call) under `profile` and returns its report; a run
// that did not exit 0 is a test failure with hardinit's stderr.
Report ProbeUnder(const std::string& profile, const std::vector<std::string>& calls,
                  const std::vector<std::string>& flags = {}) {
  std::vector<std::string> probe_args = {"status"};
  for (const std::string& a : Tries(calls)) probe_args.push_back(a);
  const RunResult r = RunHardinit(Under(profile, kProbe, probe_args, flags));
  EXPECT_EQ(r.exit_code, 0) << "--seccomp " << profile << ": " << r.err;
  return ParseReport(r.out);
}

Report SysprobeUnder(const std::string& profile, const std::vector<std::string>& calls,
                     const std::vector<std::string>& flags = {}) {
  const RunResult r = RunHardinit(Under(profile, kSysprobe, Tries(calls), flags));
  EXPECT_EQ(r.exit_code, 0) << "--seccomp " << profile << ": " << r.err;
  return ParseReport(r.out);
}

// Checks every expected "call=errno" pair and says which profile broke it.
void ExpectResults(const std::string& profile, const Report& report,
                   const std::map<std::string, std::string>& expected) {
  for (const auto& [call, result] : expected) {
    const auto it = report.find(call);
    ASSERT_NE(it, report.end()) << "--seccomp " << profile << ": no result for " << call;
    EXPECT_EQ(it->second, result) << "--seccomp " << profile << ": try " << call;
  }
}

std::vector<std::string> NonEmptyLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

// What every confined program sees, whatever the profile: one filter (hardinit's; PID 1's
// own filter is installed after the fork and is not inherited), and no_new_privs.
void ExpectOneFilter(const std::string& profile, const Report& status) {
  EXPECT_EQ(status.count("Seccomp") ? status.at("Seccomp") : "", "2") << profile;
  EXPECT_EQ(status.count("Seccomp_filters") ? status.at("Seccomp_filters") : "", "1") << profile;
  EXPECT_EQ(status.count("NoNewPrivs") ? status.at("NoNewPrivs") : "", "1") << profile;
}

// Numbers whose answer depends on the machine. kUnnamed: a call below every profile's ENOSYS
// boundary that no allowlist here names (containers-common lists it explicitly as EPERM).
// futex_requeue (456, Linux 6.7) is the highest number the default profile names: where the
// filter lets it through, an older kernel answers ENOSYS itself.
#if defined(__x86_64__)
const std::string kUnnamed = "syscall:136";  // ustat
#elif defined(__aarch64__)
const std::string kUnnamed = "syscall:42";  // nfsservctl (arm64 has no ustat)
#else
#error "add a number no allowlist names on this machine"
#endif
const std::string kFutexRequeueReached = [] {
  struct utsname uts;
  int major = 0, minor = 0;
  return uname(&uts) == 0 && std::sscanf(uts.release, "%d.%d", &major, &minor) == 2 &&
                 std::pair(major, minor) >= std::pair(6, 7)
             ? "EINVAL"
             : "ENOSYS";
}();

// The calls every profile is tested with, plain and kernel-reaching.
// unshare-user comes last: where it works, the probe continues in a new user namespace with
// every capability in it, and clone-newns would then work too.
const std::vector<std::string> kProbeCalls = {
    "getppid",     "fork",    "tcgets",      "personality:0", "personality:0x40000",
    "keyctl",      "mount",   "clone-newns", "tiocsti",       "tiocsti-high",
    "syscall:470", kUnnamed,
    "syscall:456" /* futex_requeue */, "syscall:457" /* statmount */, "unshare-user"};
const std::vector<std::string> kSysprobeCalls = {"mount-efault", "unshare-einval",
                                                 "clone-einval", "keyctl-badop"};

// What the kernel answers when no filter stands in the way: the reference for "allowed".
const std::map<std::string, std::string> kReachesKernel = {{"mount-efault", "EFAULT"},
                                                           {"unshare-einval", "EINVAL"},
                                                           {"clone-einval", "EINVAL"},
                                                           {"keyctl-badop", "EOPNOTSUPP"}};
const std::map<std::string, std::string> kDeniedByFilter = {{"mount-efault", "EPERM"},
                                                            {"unshare-einval", "EPERM"},
                                                            {"clone-einval", "EPERM"},
                                                            {"keyctl-badop", "EPERM"}};

TEST(Seccomp, DefaultProfile) {
  HARDINIT_REQUIRE_ROOT();
  const Report r = ProbeUnder("default", kProbeCalls);
  ExpectOneFilter("default", r);
  ExpectResults("default", r,
                {{"getppid", "OK"},
                 {"fork", "OK"},
                 {"tcgets", "EBADF"},  // allowed ioctl: the kernel sees fd -1
                 {"personality:0", "OK"},
                 {"personality:0x40000", "EPERM"},  // ADDR_NO_RANDOMIZE
                 {"keyctl", "EPERM"},
                 {"mount", "EPERM"},
                 {"unshare-user", "EPERM"},
                 {"clone-newns", "EPERM"},
                 {"tiocsti", "EPERM"},       // hardinit's addition to Docker's profile
                 {"tiocsti-high", "EPERM"},  // CVE-2019-10063: only the low 32 bits count
                 {"syscall:470", "ENOSYS"},  // newer than the profile: ENOSYS stub
                 {kUnnamed, "EPERM"},
                 // The stub's boundary (README): futex_requeue, the highest number the
                 // profile names, reaches the kernel (EINVAL for null arguments); statmount,
                 // which libseccomp 2.5.4 cannot name, is above it and gets ENOSYS.
                 {"syscall:456", kFutexRequeueReached},
                 {"syscall:457", "ENOSYS"}});
  ExpectResults("default", SysprobeUnder("default", kSysprobeCalls), kDeniedByFilter);
}

TEST(Seccomp, StrictProfile) {
  HARDINIT_REQUIRE_ROOT();
  const Report r = ProbeUnder("strict", kProbeCalls);
  ExpectOneFilter("strict", r);
  ExpectResults("strict", r,
                {{"getppid", "OK"},
                 {"fork", "OK"},
                 {"tcgets", "EBADF"},
                 // strict denies personality altogether (seccomp-profiles/README.md).
                 {"personality:0", "EPERM"},
                 {"personality:0x40000", "EPERM"},
                 {"keyctl", "EPERM"},
                 {"mount", "EPERM"},
                 {"unshare-user", "EPERM"},
                 {"clone-newns", "EPERM"},
                 {"tiocsti", "EPERM"},
                 {"tiocsti-high", "EPERM"},
                 {"syscall:470", "ENOSYS"},
                 {kUnnamed, "EPERM"},
                 {"syscall:456", "ENOSYS"},  // above strict's boundary (446)
                 {"syscall:457", "ENOSYS"}});
  ExpectResults("strict", SysprobeUnder("strict", kSysprobeCalls), kDeniedByFilter);
}

// Docker's own default.json, unchanged, from disk: Docker's semantics, including its plain
// ioctl allow (TIOCSTI reaches the kernel: the negative control for hardinit's `default`).
TEST(Seccomp, DockerDefaultJsonBehavesAsUnderDocker) {
  HARDINIT_REQUIRE_ROOT();
  const Report r = ProbeUnder(kDockerDefault, kProbeCalls);
  ExpectOneFilter(kDockerDefault, r);
  ExpectResults(kDockerDefault, r,
                {{"getppid", "OK"},
                 {"fork", "OK"},
                 {"tcgets", "EBADF"},
                 {"personality:0", "OK"},
                 {"personality:0x40000", "EPERM"},
                 {"keyctl", "EPERM"},
                 {"mount", "EPERM"},
                 {"unshare-user", "EPERM"},
                 {"clone-newns", "EPERM"},
                 {"tiocsti", "EBADF"},
                 {"tiocsti-high", "EBADF"},
                 // The ENOSYS stub goes in front of every profile with a denying default,
                 // loaded from a file too (runc does the same).
                 {"syscall:470", "ENOSYS"},
                 {kUnnamed, "EPERM"},
                 {"syscall:456", kFutexRequeueReached},
                 {"syscall:457", "ENOSYS"}});
  ExpectResults(kDockerDefault, SysprobeUnder(kDockerDefault, kSysprobeCalls), kDeniedByFilter);
}

// containers-common's seccomp.json, as Podman runs it: default errno ENOSYS, EPERM only for
// its explicit list (kUnnamed among them), and mount, unshare, clone and keyctl allowed (Podman
// leaves them to the kernel and to the capabilities the container lacks).
TEST(Seccomp, ContainersCommonJsonBehavesAsUnderPodman) {
  HARDINIT_REQUIRE_ROOT();
  const Report r = ProbeUnder(kContainersCommon, kProbeCalls);
  ExpectOneFilter(kContainersCommon, r);
  ExpectResults(kContainersCommon, r,
                {{"getppid", "OK"},
                 {"fork", "OK"},
                 {"tcgets", "EBADF"},
                 {"personality:0", "OK"},
                 {"personality:0x40000", "ENOSYS"},  // not allowed: the default errno
                 {"tiocsti", "EBADF"},
                 {"tiocsti-high", "EBADF"},
                 {"syscall:470", "ENOSYS"},
                 {kUnnamed, "EPERM"},  // in its explicit EPERM list
                 {"syscall:456", "EPERM"},  // futex_requeue: in that list too
                 // The kernel looks the mount point up before it checks CAP_SYS_ADMIN.
                 {"mount", "ENOENT"},
                 // Podman allows unprivileged user namespaces; so does this kernel.
                 {"unshare-user", "OK"}});
  ExpectResults(kContainersCommon, SysprobeUnder(kContainersCommon, kSysprobeCalls),
                kReachesKernel);
  // The plain calls give exactly what they give with no filter at all: whatever the kernel
  // says to a process without capabilities.
  const std::vector<std::string> passed_through = {"keyctl", "mount", "clone-newns",
                                                   "unshare-user"};
  const Report unconfined = ProbeUnder("unconfined", passed_through);
  for (const std::string& call : passed_through) {
    EXPECT_EQ(r.at(call), unconfined.at(call)) << "try " << call;
  }
}

// Negative control for every "denied by the filter" above: the same calls, no filter.
TEST(Seccomp, UnconfinedHasNoFilterAndWarns) {
  HARDINIT_REQUIRE_ROOT();
  const RunResult run = RunHardinit(
      Under("unconfined", kProbe, {"status", "try", "tiocsti", "try", "tiocsti-high"}));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  Report r = ParseReport(run.out);
  EXPECT_EQ(r["Seccomp"], "0");
  EXPECT_EQ(r["Seccomp_filters"], "0");
  EXPECT_EQ(r["NoNewPrivs"], "1") << "no_new_privs has no opt-out";
  EXPECT_EQ(r["tiocsti"], "EBADF");
  EXPECT_EQ(r["tiocsti-high"], "EBADF");
  EXPECT_NE(run.err.find("unconfined"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("without a seccomp filter"), std::string::npos) << run.err;
  ExpectResults("unconfined", SysprobeUnder("unconfined", kSysprobeCalls), kReachesKernel);

  // Negative control for the warning: the default profile does not warn about seccomp.
  const RunResult quiet = RunHardinit(Under("default", kProbe, {"exit", "0"}));
  EXPECT_EQ(quiet.exit_code, 0);
  EXPECT_EQ(quiet.err.find("seccomp"), std::string::npos) << quiet.err;
}

TEST(Seccomp, SeccompEnvironmentVariableSelectsTheProfile) {
  HARDINIT_REQUIRE_ROOT();
  RunOptions options;
  options.env = {"HARDINIT_SECCOMP=unconfined"};
  RunResult r = RunHardinit({"--", kProbe, "try", "tiocsti"}, options);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ParseReport(r.out)["tiocsti"], "EBADF");
  // The flag wins over the environment.
  r = RunHardinit({"--seccomp", "default", "--", kProbe, "try", "tiocsti"}, options);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ParseReport(r.out)["tiocsti"], "EPERM");
}

// --cap-keep SYS_ADMIN turns on Docker's capability-gated rules, which the build-time BPF
// does not hold: the profile is compiled at start-up, and mount, unshare and clone with
// namespace flags reach the kernel. keyctl stays denied: no capability gates it.
TEST(Seccomp, KeptSysAdminEnablesDockersGatedRules) {
  HARDINIT_REQUIRE_ROOT();
  for (const std::string& profile : {std::string("default"), kDockerDefault}) {
    const std::vector<std::string> flags = {"--cap-keep", "SYS_ADMIN", "--log-level", "debug"};
    const RunResult run = RunHardinit(Under(profile, kSysprobe, Tries(kSysprobeCalls), flags));
    ASSERT_EQ(run.exit_code, 0) << run.err;
    ExpectResults(profile, ParseReport(run.out),
                  {{"mount-efault", "EFAULT"},
                   {"unshare-einval", "EINVAL"},
                   {"clone-einval", "EINVAL"},
                   {"keyctl-badop", "EPERM"}});
    if (profile == "default") {
      EXPECT_NE(run.err.find("seccomp: default: compiling at start-up"), std::string::npos)
          << run.err;
    }
    // The plain mount now fails in the kernel (no such mount point), not in the filter.
    const Report plain = ProbeUnder(profile, {"mount", "keyctl"}, {"--cap-keep", "SYS_ADMIN"});
    EXPECT_EQ(plain.at("mount"), "ENOENT") << profile;
    EXPECT_EQ(plain.at("keyctl"), "EPERM") << profile;
  }
  // Negative control: without the capability, the embedded BPF and every gated call denied.
  const RunResult run =
      RunHardinit(Under("default", kSysprobe, Tries(kSysprobeCalls), {"--log-level", "debug"}));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  ExpectResults("default", ParseReport(run.out), kDeniedByFilter);
  EXPECT_NE(run.err.find("seccomp: default: precompiled BPF"), std::string::npos) << run.err;
}

// Issue 12 §2.1: socket's family is an `int` to the kernel, so a filter comparing all 64 bits
// let (1 << 32) | AF_VSOCK through. AF_VSOCK (40) and AF_ALG (38) are denied whatever the high
// half holds, under the built-in profile and Docker's own from disk alike.
TEST(Seccomp, SocketFamiliesAreDeniedWhateverTheHighBits) {
  HARDINIT_REQUIRE_ROOT();
  const std::vector<std::string> calls = {"socket:40",      "socket-high:40", "socket:38",
                                          "socket-high:38", "socket:2",       "socket-high:2"};
  // The reference: to the kernel the high bits are not there.
  const Report kernel = ProbeUnder("unconfined", calls);
  for (const char* family : {"40", "38", "2"}) {
    EXPECT_EQ(kernel.at(std::string("socket-high:") + family),
              kernel.at(std::string("socket:") + family))
        << family;
  }
  EXPECT_EQ(kernel.at("socket:2"), "OK");
  EXPECT_NE(kernel.at("socket:40"), "EPERM") << "no filter: the kernel's own answer";
  for (const std::string& profile : {std::string("default"), kDockerDefault}) {
    const Report r = ProbeUnder(profile, calls);
    ExpectResults(profile, r,
                  {{"socket:40", "EPERM"},
                   {"socket-high:40", "EPERM"},
                   {"socket:38", "EPERM"},
                   {"socket-high:38", "EPERM"},
                   // Negative control: AF_INET with the high half set is AF_INET.
                   {"socket:2", "OK"},
                   {"socket-high:2", kernel.at("socket-high:2")}});
  }
}

#if defined(__x86_64__)
// i386's socketcall(2) passes socket's family in memory, where seccomp cannot read it
// (seccomp-profiles/README.md). `default` denies socketcall(SYS_SOCKET), so the family rules
// hold for 32-bit code too; the direct i386 socket(2) is checked like x86_64's, and every
// other socketcall reaches the kernel. Docker's own profile allows socketcall whole, as
// Docker does.
TEST(Seccomp, I386SocketcallCannotStepAroundTheFamilyRules) {
  HARDINIT_REQUIRE_ROOT();
  const std::vector<std::string> calls = {"i386-getpid",       "i386-socketcall:40",
                                          "i386-socketcall:2", "i386-socket:40",
                                          "i386-socket:2",     "i386-getsockname"};
  const Report kernel = ProbeUnder("unconfined", calls);
  HARDINIT_REQUIRE(kernel.at("i386-getpid") == "OK",
                   "this kernel runs no i386 code (ia32 emulation is off): int $0x80 getpid "
                   "gives " +
                       kernel.at("i386-getpid"));
  EXPECT_EQ(kernel.at("i386-socketcall:2"), "OK");
  EXPECT_EQ(kernel.at("i386-socket:2"), "OK");
  EXPECT_EQ(kernel.at("i386-getsockname"), "EBADF");
  EXPECT_NE(kernel.at("i386-socketcall:40"), "EPERM");
  ExpectResults("default", ProbeUnder("default", calls),
                {{"i386-getpid", "OK"},
                 {"i386-socketcall:40", "EPERM"},
                 {"i386-socketcall:2", "EPERM"},  // the price: 32-bit socket() needs socket(2)
                 {"i386-socket:40", "EPERM"},
                 {"i386-socket:2", "OK"},
                 {"i386-getsockname", "EBADF"}});
  ExpectResults(kDockerDefault, ProbeUnder(kDockerDefault, calls),
                {{"i386-socketcall:40", kernel.at("i386-socketcall:40")},
                 {"i386-socketcall:2", "OK"},
                 {"i386-socket:40", "EPERM"},
                 {"i386-socket:2", "OK"},
                 {"i386-getsockname", "EBADF"}});
}
#endif

class SeccompFileTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = MakeTempDir(); }
  void TearDown() override {
    std::error_code ignored;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
  }
  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = dir_ + "/" + name;
    WriteFile(path, text);
    return path;
  }
  std::string dir_;
};

// Issue 12 §2.6: conditions on a repeated argument index are ORed, each a rule of its own, as
// runc does; hardinit says so once per such entry, naming it, and the program sees the ORed
// reading. An entry whose indices differ stays ANDed and unnamed (the negative control).
TEST_F(SeccompFileTest, RepeatedArgumentIndexIsOredWithOneWarning) {
  HARDINIT_REQUIRE_ROOT();
  // personality(ADDR_NO_RANDOMIZE) or personality(PER_LINUX32) denied: two conditions on
  // argument 0, ORed. getpriority(0, 1) denied: two indices, ANDed, so getpriority(0, 0)
  // (what `syscall:140` makes) stays allowed; ORed, the first condition alone would deny it.
  const std::string profile = Write("split.json", R"({"defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [
      {"names": ["personality"], "action": "SCMP_ACT_ERRNO", "args": [
        {"index": 0, "value": 262144, "op": "SCMP_CMP_EQ"},
        {"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]},
      {"names": ["getpriority"], "action": "SCMP_ACT_ERRNO", "args": [
        {"index": 0, "value": 0, "op": "SCMP_CMP_EQ"},
        {"index": 1, "value": 1, "op": "SCMP_CMP_EQ"}]}
    ]})");
  const RunResult r = RunHardinit(Under(profile, kProbe,
                                        {"try", "personality:0x40000", "try", "personality:0x8",
                                         "try", "personality:0", "try", "syscall:140"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Report report = ParseReport(r.out);
  EXPECT_EQ(report.at("personality:0x40000"), "EPERM");
  EXPECT_EQ(report.at("personality:0x8"), "EPERM");
  EXPECT_EQ(report.at("personality:0"), "OK");
  EXPECT_EQ(report.at("syscall:140"), "OK") << "getpriority's conditions are ANDed";
  const std::string warning = "syscalls[0] (personality) repeats an argument index";
  EXPECT_NE(r.err.find(warning), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find(warning), r.err.rfind(warning)) << "once per entry:\n" << r.err;
  EXPECT_EQ(r.err.find("syscalls[1]"), std::string::npos) << r.err;
}

// A kill action ends the program with SIGSYS: hardinit exits 159 (128+31) and names the
// profile that did it.
TEST_F(SeccompFileTest, KillActionIs159WithTheProfileNamed) {
  HARDINIT_REQUIRE_ROOT();
  for (const char* action : {"SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL"}) {
    const std::string profile = Write(
        std::string("kill-") + action + ".json",
        std::string(R"({"defaultAction": "SCMP_ACT_ALLOW",
                        "syscalls": [{"names": ["keyctl"], "action": ")") + action + R"("}]})");
    const RunResult killed = RunHardinit(Under(profile, kProbe, {"try", "getppid", "try", "keyctl"}));
    EXPECT_EQ(killed.exit_code, 128 + SIGSYS) << action << ": " << killed.err;
    EXPECT_EQ(ParseReport(killed.out)["getppid"], "OK") << "the program ran up to keyctl";
    EXPECT_EQ(ParseReport(killed.out).count("keyctl"), 0u) << "it never came back from keyctl";
    EXPECT_NE(killed.err.find("SIGSYS"), std::string::npos) << killed.err;
    EXPECT_NE(killed.err.find("seccomp profile \"" + profile + "\""), std::string::npos)
        << killed.err;
    // Negative control: the same profile lets every other call through.
    const RunResult lives = RunHardinit(Under(profile, kProbe, {"try", "getppid", "try", "mount"}));
    EXPECT_EQ(lives.exit_code, 0) << lives.err;
    // The kernel looks the mount point up before it checks CAP_SYS_ADMIN.
    EXPECT_EQ(ParseReport(lives.out)["mount"], "ENOENT") << "mount reaches the kernel";
  }
}

// A profile hardinit cannot use is exit 125, one line on stderr saying what and where, and
// the program never starts.
TEST_F(SeccompFileTest, BadProfilesAre125AndTheProgramNeverRuns) {
  HARDINIT_REQUIRE_ROOT();
  struct Case {
    std::string what;
    std::string path;
    std::vector<std::string> message_parts;
  };
  const std::string big = Write(
      "big.json", R"({"defaultAction": "SCMP_ACT_ERRNO", "comment": ")" +
                      std::string(1024 * 1024, 'x') + R"("})");
  const std::vector<Case> cases = {
      {"missing file", dir_ + "/missing.json", {"missing.json", "No such file or directory"}},
      {"malformed JSON", Write("malformed.json", R"({"defaultAction": "SCMP_ACT_ERRNO",)"),
       {"malformed.json"}},
      {"unknown action",
       Write("action.json", R"({"defaultAction": "SCMP_ACT_ERRNO",
                                "syscalls": [{"names": ["getpid"], "action": "SCMP_ACT_ALLOWW"}]})"),
       {"action.json", "syscalls[0].action", "SCMP_ACT_ALLOWW"}},
      {"unknown default action", Write("default.json", R"({"defaultAction": "SCMP_ACT_NOPE"})"),
       {"defaultAction", "SCMP_ACT_NOPE"}},
      {"unknown field", Write("field.json", R"({"defaultAction": "SCMP_ACT_ERRNO",
                                                "syscalls": [{"names": ["getpid"], "action":
                                                "SCMP_ACT_ALLOW", "exludes": {}}]})"),
       {"syscalls[0].exludes"}},
      {"over 1 MiB", big, {"big.json", "larger than 1048576 bytes"}},
      {"a directory", dir_, {"not a regular file"}},
  };
  for (const Case& c : cases) {
    const RunResult r = RunHardinit(Under(c.path, kProbe, {"status"}));
    EXPECT_EQ(r.exit_code, 125) << c.what << ": " << r.err;
    EXPECT_EQ(r.out, "") << c.what << ": the program ran";
    const std::vector<std::string> lines = NonEmptyLines(r.err);
    ASSERT_EQ(lines.size(), 1u) << c.what << ":\n" << r.err;
    EXPECT_EQ(lines[0].rfind("hardinit: --seccomp ", 0), 0u) << c.what << ": " << lines[0];
    for (const std::string& part : c.message_parts) {
      EXPECT_NE(lines[0].find(part), std::string::npos) << c.what << ": " << lines[0];
    }
  }
}

// --- hardinit seccomp check|export -----------------------------------------------------

RunResult Command(const std::vector<std::string>& args) {
  RunOptions options;
  options.new_pid_namespace = false;
  return RunHardinit(args, options);
}

TEST_F(SeccompFileTest, CheckPrintsASummary) {
  HARDINIT_REQUIRE_ROOT();
  const std::map<std::string, std::string> default_actions = {
      {"default", "SCMP_ACT_ERRNO(1)"},
      {"strict", "SCMP_ACT_ERRNO(1)"},
      {kDockerDefault, "SCMP_ACT_ERRNO(1)"},
      {kContainersCommon, "SCMP_ACT_ERRNO(38)"}};
  for (const auto& [profile, action] : default_actions) {
    const RunResult r = Command({"seccomp", "check", profile});
    EXPECT_EQ(r.exit_code, 0) << profile << ": " << r.err;
    EXPECT_NE(r.out.find("profile: " + profile + "\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("default action: " + action + "\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(" allowed, "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("\nBPF: "), std::string::npos) << r.out;
  }
}

TEST_F(SeccompFileTest, CheckRefusesBadProfilesWith125) {
  HARDINIT_REQUIRE_ROOT();
  const std::string bad_action = Write("bad.json", R"({"defaultAction": "SCMP_ACT_ERRNO",
      "syscalls": [{"names": ["getpid"], "action": "SCMP_ACT_BOGUS"}]})");
  const std::string malformed = Write("malformed.json", "{");
  for (const std::string& path : {bad_action, malformed, dir_ + "/missing.json"}) {
    const RunResult r = Command({"seccomp", "check", path});
    EXPECT_EQ(r.exit_code, 125) << path;
    EXPECT_EQ(r.out, "") << path;
    const std::vector<std::string> lines = NonEmptyLines(r.err);
    ASSERT_EQ(lines.size(), 1u) << r.err;
    EXPECT_NE(lines[0].find(path), std::string::npos) << lines[0];
  }
  EXPECT_NE(Command({"seccomp", "check", bad_action}).err.find("syscalls[0].action"),
            std::string::npos);
  // unconfined has nothing to export: one line, not also the warning a run would give.
  const RunResult unconfined = Command({"seccomp", "export", "unconfined", dir_ + "/u.bpf"});
  EXPECT_EQ(unconfined.exit_code, 125);
  EXPECT_EQ(NonEmptyLines(unconfined.err).size(), 1u) << unconfined.err;
  EXPECT_EQ(Command({"seccomp", "check"}).exit_code, 125) << "usage";
  EXPECT_EQ(Command({"seccomp", "frobnicate", "default"}).exit_code, 125) << "usage";
}

// The precompile flow: export a JSON profile to raw BPF, then run with the .bpf file. The
// program sees the same results as under the JSON.
TEST_F(SeccompFileTest, ExportedBpfBehavesLikeTheJson) {
  HARDINIT_REQUIRE_ROOT();
  for (const std::string& profile : {std::string("default"), kDockerDefault, kContainersCommon}) {
    const std::string bpf = dir_ + "/exported.bpf";
    const RunResult exported = Command({"seccomp", "export", profile, bpf});
    ASSERT_EQ(exported.exit_code, 0) << profile << ": " << exported.err;
    struct stat st{};
    ASSERT_EQ(stat(bpf.c_str(), &st), 0);
    EXPECT_GT(st.st_size, 0);
    EXPECT_EQ(st.st_size % 8, 0) << "struct sock_filter is 8 bytes";

    const Report from_json = ProbeUnder(profile, kProbeCalls);
    const Report from_bpf = ProbeUnder(bpf, kProbeCalls);
    ExpectOneFilter(bpf, from_bpf);
    for (const std::string& call : kProbeCalls) {
      EXPECT_EQ(from_bpf.at(call), from_json.at(call)) << profile << ": try " << call;
    }
    const Report sys_json = SysprobeUnder(profile, kSysprobeCalls);
    const Report sys_bpf = SysprobeUnder(bpf, kSysprobeCalls);
    EXPECT_EQ(sys_bpf, sys_json) << profile;
    // Export to stdout writes the same bytes.
    const RunResult to_stdout = Command({"seccomp", "export", profile});
    ASSERT_EQ(to_stdout.exit_code, 0) << to_stdout.err;
    std::ifstream file(bpf, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(file)), {});
    EXPECT_EQ(to_stdout.out, bytes) << profile;
  }
  // `check` reads a .bpf file back.
  const RunResult checked = Command({"seccomp", "check", dir_ + "/exported.bpf"});
  EXPECT_EQ(checked.exit_code, 0) << checked.err;
  EXPECT_NE(checked.out.find("(raw BPF)"), std::string::npos) << checked.out;
  // Negative control: Docker's and hardinit's BPF differ exactly where the profiles do.
  const std::string docker_bpf = dir_ + "/docker.bpf";
  ASSERT_EQ(Command({"seccomp", "export", kDockerDefault, docker_bpf}).exit_code, 0);
  EXPECT_EQ(ProbeUnder(docker_bpf, {"tiocsti"}).at("tiocsti"), "EBADF");
  const std::string default_bpf = dir_ + "/default.bpf";
  ASSERT_EQ(Command({"seccomp", "export", "default", default_bpf}).exit_code, 0);
  EXPECT_EQ(ProbeUnder(default_bpf, {"tiocsti"}).at("tiocsti"), "EPERM");
}

TEST_F(SeccompFileTest, ExportedKillProfileStillKills) {
  HARDINIT_REQUIRE_ROOT();
  const std::string json = Write("kill.json", R"({"defaultAction": "SCMP_ACT_ALLOW",
      "syscalls": [{"names": ["keyctl"], "action": "SCMP_ACT_KILL_PROCESS"}]})");
  const std::string bpf = dir_ + "/kill.bpf";
  ASSERT_EQ(Command({"seccomp", "export", json, bpf}).exit_code, 0);
  const RunResult r = RunHardinit(Under(bpf, kProbe, {"try", "keyctl"}));
  EXPECT_EQ(r.exit_code, 128 + SIGSYS) << r.err;
  EXPECT_NE(r.err.find(bpf), std::string::npos) << r.err;
}

TEST_F(SeccompFileTest, BadBpfFilesAre125) {
  HARDINIT_REQUIRE_ROOT();
  const std::string truncated = Write("truncated.bpf", "1234567");  // not a whole instruction
  const std::string empty = Write("empty.bpf", "");
  // One instruction, "ld [0]", with no return after it: the kernel would refuse it.
  const std::string no_return = Write("noret.bpf", std::string("\x20\x00\x00\x00\x00\x00\x00\x00", 8));
  for (const std::string& path : {truncated, empty, no_return, dir_ + "/missing.bpf"}) {
    const RunResult r = RunHardinit(Under(path, kProbe, {"status"}));
    EXPECT_EQ(r.exit_code, 125) << path << ": " << r.err;
    EXPECT_EQ(r.out, "") << path << ": the program ran";
    EXPECT_EQ(NonEmptyLines(r.err).size(), 1u) << r.err;
    EXPECT_NE(r.err.find(path), std::string::npos) << r.err;
  }
}

// --- PID 1's own filter (design.md §3.5) -------------------------------------------------

// The seccomp fields of a process, read from outside (the test's /proc).
Report StatusOf(pid_t pid) {
  Report fields;
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(" \t"));
    fields[line.substr(0, colon)] = value;
  }
  return fields;
}

// PID 1 drops its own privileges once the program has exec'd (Spawn returns after the exec),
// so the program may run, and print, a moment before PID 1's filter is on: wait for it.
Report AwaitSeccompMode(pid_t pid, const std::string& mode, int timeout_ms = 5000) {
  Report status = StatusOf(pid);
  for (int i = 0; i < timeout_ms / 10 && status["Seccomp"] != mode; ++i) {
    usleep(10 * 1000);
    status = StatusOf(pid);
  }
  return status;
}

TEST(SupervisorSeccomp, Pid1RunsUnderItsOwnFilterAfterTheSpawn) {
  HARDINIT_REQUIRE_ROOT();
  for (const std::string profile : {"default", "unconfined"}) {
    Process p(Under(profile, kProbe, {"wait-signals", "1"}), {});
    ASSERT_TRUE(p.WaitForOutput("ready=1")) << p.out();
    Report pid1 = AwaitSeccompMode(p.pid(), "2");
    EXPECT_EQ(pid1["Seccomp"], "2") << "PID 1 under --seccomp " << profile;
    EXPECT_EQ(pid1["Seccomp_filters"], "1") << profile;
    EXPECT_EQ(pid1["NoNewPrivs"], "1") << profile;
    p.Signal(SIGUSR1);
    EXPECT_EQ(p.Wait().exit_code, 0);
  }
  // Negative control: as tini, hardinit confines nothing, itself included.
  RunOptions tini;
  tini.argv0 = "tini";
  Process p({"--", kProbe, "wait-signals", "1"}, tini);
  ASSERT_TRUE(p.WaitForOutput("ready=1")) << p.out();
  EXPECT_EQ(AwaitSeccompMode(p.pid(), "2", 1000)["Seccomp"], "0");
  p.Signal(SIGUSR1);
  EXPECT_EQ(p.Wait().exit_code, 0);
}

TEST(SupervisorSeccomp, StillForwardsSignalsAndLogs) {
  HARDINIT_REQUIRE_ROOT();
  const std::vector<int> signals = {SIGUSR1, SIGUSR2, SIGHUP, SIGTERM, SIGRTMIN + 3};
  Process p(Under("default", kProbe, {"wait-signals", std::to_string(signals.size())},
                  {"--log-level", "debug"}),
            {});
  ASSERT_TRUE(p.WaitForOutput("ready=1")) << p.out();
  ASSERT_EQ(AwaitSeccompMode(p.pid(), "2")["Seccomp"], "2") << "signals go to a confined PID 1";
  for (int sig : signals) {
    p.Signal(sig);
    ASSERT_TRUE(p.WaitForOutput("signal=" + std::to_string(sig) + "\n", 5000))
        << "signal " << sig << ":\n" << p.out();
  }
  const RunResult r = p.Wait();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  // Logging after the filter went on: debug lines written by PID 1 from its loop.
  EXPECT_NE(r.err.find("forwarding SIGUSR1"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("forwarding SIGHUP"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("exited with status 0"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("Operation not permitted"), std::string::npos)
      << "a call of PID 1's loop hit its own filter:\n" << r.err;
}

TEST(SupervisorSeccomp, StillReaps) {
  HARDINIT_REQUIRE_ROOT();
  const RunResult r = RunHardinit(Under("default", kProbe, {"orphans", "200", "await-no-zombies"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Report report = ParseReport(r.out);
  EXPECT_EQ(report.count("zombies") ? report.at("zombies") : "", "0");
}

// The stop path uses calls the steady loop does not (timerfd, kill(-1), SIGKILL): a sleeper
// that ignores SIGTERM outlives the program; PID 1 waits the grace period, kills it, reaps
// it and exits with the program's status.
TEST(SupervisorSeccomp, StillStopsTheRestAfterTheGracePeriod) {
  HARDINIT_REQUIRE_ROOT();
  RunOptions options;
  options.timeout_ms = 20000;
  const auto start = std::chrono::steady_clock::now();
  const RunResult r = RunHardinit(
      {"--grace", "1", "--log-level", "info", "--", "/bin/busybox", "sh", "-c",
       "trap '' TERM; /bin/busybox sleep 100 & exit 3"},
      options);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_GE(seconds, 0.9) << "the sleeper ignores SIGTERM: PID 1 must have waited";
  EXPECT_LT(seconds, 1 + 3.0) << "grace 1 s plus a margin";
  EXPECT_NE(r.err.find("grace period over"), std::string::npos) << r.err;
}

// Not PID 1 (a subreaper in the test's own namespace), hardinit finds what is left by walking
// /proc/<pid>/task/*/children: openat, getdents64 and read under its filter. A sleeper it
// failed to find would keep it waiting for 100 s.
TEST(SupervisorSeccomp, StillStopsTheRestAsASubreaper) {
  HARDINIT_REQUIRE_ROOT();
  RunOptions options;
  options.new_pid_namespace = false;
  options.timeout_ms = 20000;
  const auto start = std::chrono::steady_clock::now();
  const RunResult r = RunHardinit(
      {"--grace", "1", "--", "/bin/busybox", "sh", "-c",
       "trap '' TERM; /bin/busybox sleep 100 & exit 3"},
      options);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_GE(seconds, 0.9);
  EXPECT_LT(seconds, 1 + 3.0);
  EXPECT_NE(r.err.find("grace period over"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace hardinit::testing
