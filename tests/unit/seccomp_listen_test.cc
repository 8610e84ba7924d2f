// --seccomp-learn and --seccomp-log's parts that need no PID namespace (design.md §3.12): the
// reporting filter as an interpreter and the kernel see it, PID 1's widened filter loaded for
// real, and the learned profile's text.
#include "hardinit/seccomp_listen.h"

#include <errno.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "bpf_interpreter.h"
#include "confined_child.h"
#include "hardinit/child_error.h"
#include "hardinit/seccomp.h"
#include "hardinit/seccomp_compile.h"
#include "hardinit/seccomp_profile.h"
#include "machine_abi.h"

namespace hardinit {
namespace {

constexpr int kSocket = 7;
const std::string kArch = CurrentSeccompContext(0).arch;  // Docker's name of this machine
const char kMessage[64] = {};                             // only its address matters
const uint64_t kAddress = reinterpret_cast<uintptr_t>(kMessage);

std::vector<sock_filter> Reporting(ListenMode mode, const std::vector<sock_filter>& profile = {}) {
  std::vector<sock_filter> filter;
  std::string err;
  EXPECT_TRUE(BuildReportingFilter(mode, profile, kArch, kSocket, kMessage, &filter, &err)) << err;
  return filter;
}

std::vector<sock_filter> DefaultProfile() {
  SeccompProgram program;
  std::string err;
  EXPECT_TRUE(PrepareSeccomp("default", CurrentSeccompContext(0), &program, &err)) << err;
  return program.filter;
}

TEST(ReportingFilterTest, LearnReportsEveryCallButTheHandOverAndExit) {
  const std::vector<sock_filter> learn = Reporting(ListenMode::kLearn);
  EXPECT_EQ(RunBpf(learn, Call(SYS_getppid)), SECCOMP_RET_USER_NOTIF);
  EXPECT_EQ(RunBpf(learn, Call(SYS_mount)), SECCOMP_RET_USER_NOTIF);
  EXPECT_EQ(RunBpf(learn, Call(SYS_sendmsg, {kSocket, kAddress, 0})), SECCOMP_RET_ALLOW);
  EXPECT_EQ(RunBpf(learn, Call(SYS_exit_group, {3})), SECCOMP_RET_ALLOW);
  EXPECT_EQ(RunBpf(learn, Call(SYS_exit, {0})), SECCOMP_RET_ALLOW);
  // A program's sendmsg is reported unless both arguments are the hand-over's.
  EXPECT_EQ(RunBpf(learn, Call(SYS_sendmsg, {kSocket, kAddress + 8, 0})), SECCOMP_RET_USER_NOTIF);
  EXPECT_EQ(RunBpf(learn, Call(SYS_sendmsg, {kSocket + 1, kAddress, 0})), SECCOMP_RET_USER_NOTIF);
  EXPECT_EQ(RunBpf(learn, Call(SYS_sendmsg, {kSocket, kAddress ^ (1ULL << 40), 0})),
            SECCOMP_RET_USER_NOTIF);
  // Other ABIs are reported too, the hand-over's number included.
  EXPECT_EQ(RunBpf(learn, Call(SYS_sendmsg, {kSocket, kAddress}, kCompatAuditArch)),
            SECCOMP_RET_USER_NOTIF);
  EXPECT_EQ(RunBpf(learn, Call(kCompatGetpid, {}, kCompatAuditArch)), SECCOMP_RET_USER_NOTIF);
  EXPECT_EQ(RunBpf(learn, Call(SYS_getpid, {}, kForeignAuditArch)), SECCOMP_RET_USER_NOTIF);
#if defined(__x86_64__)
  EXPECT_EQ(RunBpf(learn, Call(0x40000000 | 39)), SECCOMP_RET_USER_NOTIF) << "x32";
#endif
}

TEST(ReportingFilterTest, LogTurnsOnlyTheProfilesErrnoReturnsIntoReports) {
  const std::vector<sock_filter> profile = DefaultProfile();
  const std::vector<sock_filter> log = Reporting(ListenMode::kLog, profile);
  for (const seccomp_data& call : {Call(SYS_getppid), Call(SYS_read), Call(SYS_socket, {2, 1, 0}),
                                   Call(SYS_exit_group, {0})}) {
    EXPECT_EQ(RunBpf(profile, call), SECCOMP_RET_ALLOW) << call.nr;
    EXPECT_EQ(RunBpf(log, call), SECCOMP_RET_ALLOW) << call.nr << ": allowed calls never report";
  }
  for (const seccomp_data& call : {Call(SYS_mount), Call(SYS_socket, {40, 1, 0})}) {
    EXPECT_EQ(RunBpf(profile, call) & SECCOMP_RET_ACTION_FULL, SECCOMP_RET_ERRNO) << call.nr;
    EXPECT_EQ(RunBpf(log, call), SECCOMP_RET_USER_NOTIF) << call.nr;
  }
  // The hand-over passes, and only an exact one; the failure exit is the magic value only.
  EXPECT_EQ(RunBpf(log, Call(SYS_sendmsg, {kSocket, kAddress, 0})), SECCOMP_RET_ALLOW);
  EXPECT_EQ(RunBpf(log, Call(SYS_exit_group, {kListenerHandoverFailedExit})), SECCOMP_RET_ALLOW);
}

TEST(ReportingFilterTest, KillActionsStayKills) {
  SeccompRuleSet rules;
  rules.target_arch = kArch;
  rules.default_action = SCMP_ACT_ALLOW;
  rules.bad_arch_action = SCMP_ACT_KILL_PROCESS;
  rules.rules = {{"mount", SCMP_ACT_KILL_PROCESS, {}}, {"personality", SCMP_ACT_ERRNO(22), {}}};
  std::vector<sock_filter> profile;
  SeccompCompileReport report;
  std::string err;
  ASSERT_TRUE(CompileSeccompRules(rules, &profile, &report, &err)) << err;
  const std::vector<sock_filter> log = Reporting(ListenMode::kLog, profile);
  EXPECT_EQ(RunBpf(log, Call(SYS_mount)), SECCOMP_RET_KILL_PROCESS);
  EXPECT_EQ(RunBpf(log, Call(SYS_personality)), SECCOMP_RET_USER_NOTIF);
  EXPECT_EQ(RunBpf(profile, Call(SYS_personality)), SECCOMP_RET_ERRNO | 22)
      << "PID 1 answers with what the profile's own program says";
}

TEST(ReportingFilterTest, AProfileWithoutErrnoReturnsHasNothingToLog) {
  const std::vector<sock_filter> allow_all = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
  std::vector<sock_filter> filter;
  std::string err;
  EXPECT_FALSE(
      BuildReportingFilter(ListenMode::kLog, allow_all, kArch, kSocket, kMessage, &filter, &err));
  EXPECT_NE(err.find("nothing to report"), std::string::npos) << err;
}

// PID 1's filter with a listener, loaded for real: ioctl on that fd with the three
// notification requests reaches the kernel; any other ioctl, or those on another fd, fail
// with the filter's EPERM; the write calls exist in learn mode only.
TEST(SupervisorListenerFilterTest, AllowsTheListenerIoctlsAndNothingMore) {
  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  const int listener = pipe_fds[0];  // stands in: the kernel answers ENOTTY, not the filter
  auto errno_of = [](long rc) { return rc < 0 ? (errno & 0xff) : 0; };
  for (ListenMode mode : {ListenMode::kLearn, ListenMode::kLog}) {
    std::vector<sock_filter> filter;
    SeccompCompileReport report;
    std::string err;
    ASSERT_TRUE(
        CompileSeccompRules(SupervisorListenerRules(kArch, listener, mode), &filter, &report, &err))
        << err;
    auto under = [&](auto call) {
      const int status = RunInConfinedChild(&filter, [&] { return errno_of(call()); });
      return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
    };
    uint64_t id = 0;
    EXPECT_EQ(under([&] { return ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id); }), ENOTTY);
    EXPECT_EQ(under([&] { return ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, nullptr); }), ENOTTY);
    EXPECT_EQ(under([&] { return ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, nullptr); }), ENOTTY);
    EXPECT_EQ(under([&] { return ioctl(pipe_fds[1], SECCOMP_IOCTL_NOTIF_RECV, nullptr); }), EPERM);
    EXPECT_EQ(under([&] { return ioctl(listener, FIONREAD, &id); }), EPERM);
    EXPECT_EQ(under([&] { return syscall(SYS_mount, 0, 0, 0, 0, 0); }), EPERM);
    EXPECT_EQ(under([&] { return syscall(SYS_fsync, -1); }),
              mode == ListenMode::kLearn ? EBADF : EPERM);
    EXPECT_EQ(under([&] { return renameat(-1, "", -1, ""); }),
              mode == ListenMode::kLearn ? ENOENT : EPERM);
    // Negative control: unconfined, the foreign ioctl reaches the kernel.
    EXPECT_EQ(under.template operator()([&] { return 0L; }), 0);
  }
  close(pipe_fds[0]);
  close(pipe_fds[1]);
}

TEST(LearnedProfileTest, FormatsSortedNamesAndParsesBack) {
  const std::set<std::string> names = {"write", "read", "execve"};
  const std::string text =
      FormatLearnedProfile(names, {"SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_X86"});
  EXPECT_EQ(text,
            "{\n"
            "  \"defaultAction\": \"SCMP_ACT_ERRNO\",\n"
            "  \"defaultErrnoRet\": 1,\n"
            "  \"architectures\": [\n"
            "    \"SCMP_ARCH_X86_64\",\n"
            "    \"SCMP_ARCH_X32\",\n"
            "    \"SCMP_ARCH_X86\"\n"
            "  ],\n"
            "  \"syscalls\": [\n"
            "    {\n"
            "      \"names\": [\n"
            "        \"execve\",\n"
            "        \"read\",\n"
            "        \"write\"\n"
            "      ],\n"
            "      \"action\": \"SCMP_ACT_ALLOW\"\n"
            "    }\n"
            "  ]\n"
            "}\n");
  std::set<std::string> parsed;
  std::string err;
  ASSERT_TRUE(ParseLearnedProfile(text, &parsed, &err)) << err;
  EXPECT_EQ(parsed, names);
  // And hardinit compiles it.
  SeccompProfile profile;
  ASSERT_TRUE(ParseSeccompProfile(text, &profile, &err)) << err;
}

TEST(LearnedProfileTest, RefusesToMergeAnythingElse) {
  std::set<std::string> names;
  std::string err;
  EXPECT_FALSE(ParseLearnedProfile(R"({"defaultAction": "SCMP_ACT_ALLOW"})", &names, &err));
  EXPECT_NE(err.find("not a learned profile"), std::string::npos) << err;
  err.clear();
  EXPECT_FALSE(ParseLearnedProfile(
      R"({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1, "syscalls": [
          {"names": ["socket"], "action": "SCMP_ACT_ALLOW",
           "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]}]})",
      &names, &err));
  EXPECT_NE(err.find("syscalls[0]"), std::string::npos) << err;
  EXPECT_FALSE(ParseLearnedProfile("{", &names, &err));
}

TEST(LearnedProfileTest, NamesCallsOfEveryAbi) {
  EXPECT_EQ(SyscallNameFor(kNativeAuditArch, SYS_getppid), "getppid");
  EXPECT_EQ(SyscallNameFor(kCompatAuditArch, kCompatGetpid), "getpid");
#if defined(__x86_64__)
  EXPECT_EQ(SyscallNameFor(AUDIT_ARCH_X86_64, 0x40000000 | 39), "getpid") << "x32";
#endif
  EXPECT_EQ(SyscallNameFor(kNativeAuditArch, 100000), "");
}

// The calls every learned file includes besides the program's (design.md §3.12): PID 1's own
// allow list is part of them by construction, the runtimes' measured lists are whole, and
// every name is one libseccomp knows on x86_64 or aarch64 (a typo would be silently skipped by
// runc and by hardinit's own compiler).
TEST(EntrypointCallsTest, HoldsPid1sAllowListTheRuntimesListsAndOnlyKnownNames) {
  const std::set<std::string> all = EntrypointCalls();
  for (const SeccompRule& rule : SupervisorSeccompRules("").rules) {
    EXPECT_TRUE(all.count(rule.name)) << rule.name;
    EXPECT_TRUE(HardinitOwnCalls().count(rule.name)) << rule.name;
  }
  // runc 1.1.5 and crun 1.8.1, as docs/seccomp.md lists them.
  for (const char* name :
       {"capget",    "capset",       "chdir",          "clone3",     "close",      "close_range",
        "epoll_ctl", "epoll_pwait",  "execve",         "faccessat2", "fchown",     "fcntl",
        "fstat",     "fstatfs",      "futex",          "getcwd",     "getdents64", "getpid",
        "getppid",   "nanosleep",    "newfstatat",     "openat",     "pread64",    "prctl",
        "read",      "sched_yield",  "setgid",         "setgroups",  "setuid",     "write",
        "pselect6",  "rt_sigaction", "rt_sigprocmask", "setresgid",  "setresuid"}) {
    EXPECT_TRUE(RuntimeCalls().count(name)) << name;
  }
  std::set<std::string> both = HardinitOwnCalls();
  both.merge(RuntimeCalls());
  EXPECT_EQ(all, both);
  for (const std::string& name : all) {
    const bool known = seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, name.c_str()) >= 0 ||
                       seccomp_syscall_resolve_name_arch(SCMP_ARCH_AARCH64, name.c_str()) >= 0;
    EXPECT_TRUE(known) << name << " is not a call libseccomp knows";
  }
  // aarch64 has no readlink or poll: their names there are in the set too.
  EXPECT_TRUE(all.count("readlinkat"));
  EXPECT_TRUE(all.count("ppoll"));
  // Calls no part of a container's start makes stay out (the examples' tests deny them).
  for (const char* name : {"mount", "unshare", "personality", "ptrace", "bpf"}) {
    EXPECT_FALSE(all.count(name)) << name;
  }
}

// A learned file holds the program's calls, merged with an existing file, and the calls
// above: with nothing recorded yet, exactly those and the exits the filter lets through.
TEST(EntrypointCallsTest, EveryLearnedFileIncludesThem) {
  SeccompListener listener(ListenMode::kLearn, "learn");
  std::set<std::string> want = EntrypointCalls();
  want.insert({"exit", "exit_group"});
  EXPECT_EQ(listener.LearnedNames(), want);
  const std::string text = FormatLearnedProfile(listener.LearnedNames(), {"SCMP_ARCH_X86_64"});
  std::set<std::string> parsed;
  std::string err;
  ASSERT_TRUE(ParseLearnedProfile(text, &parsed, &err)) << err;
  EXPECT_EQ(parsed, want);
}

}  // namespace
}  // namespace hardinit
