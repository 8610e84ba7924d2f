// A failed privilege step as the user sees it (issue 9): for every step, the message names
// that step, the exit code is 125 (126/127 only for execve), and the forked child's error
// record reaches the parent whole while the program never starts. child_test.cc makes each
// step fail through the syscall seam; this file checks what becomes of the failure.
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "hardinit/child.h"
#include "hardinit/exit_codes.h"
#include "hardinit/seccomp_listen.h"
#include "hardinit/spawn.h"

namespace hardinit {
namespace {

constexpr Step kFirstStep = Step::kSetProcessGroup;
constexpr Step kLastStep = Step::kExec;

std::vector<Step> EveryStep() {
  std::vector<Step> steps;
  for (uint32_t s = static_cast<uint32_t>(kFirstStep); s <= static_cast<uint32_t>(kLastStep); ++s) {
    steps.push_back(static_cast<Step>(s));
  }
  return steps;
}

LaunchPlan SamplePlan() {
  static const gid_t groups[] = {50, 1000};
  LaunchPlan plan;
  plan.uid = 1000;
  plan.gid = 1000;
  plan.groups = groups;
  plan.group_count = 2;
  plan.path = "/usr/bin/app";
  return plan;
}

TEST(ChildErrorMessages, EveryStepHasItsOwnName) {
  std::set<std::string> names;
  for (Step step : EveryStep()) {
    const std::string name = StepName(step);
    EXPECT_NE(name, "unknown step") << static_cast<int>(step);
    EXPECT_TRUE(names.insert(name).second) << "two steps are both called \"" << name << "\"";
  }
  EXPECT_EQ(names.size(), EveryStep().size());
}

TEST(ChildErrorMessages, EveryFailureNamesItsStepAndTheErrno) {
  const LaunchPlan plan = SamplePlan();
  for (Step step : EveryStep()) {
    const std::string message = DescribeChildError(ChildError{step, EPERM}, plan);
    EXPECT_EQ(message.rfind(StepName(step), 0), 0u) << message;
    EXPECT_TRUE(message.ends_with(": Operation not permitted")) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
  // The ids and the path that failed are in the message.
  EXPECT_EQ(DescribeChildError({Step::kSetResUid, EPERM}, plan),
            "setresuid(1000): Operation not permitted");
  EXPECT_EQ(DescribeChildError({Step::kSetResGid, EINVAL}, plan),
            "setresgid(1000): Invalid argument");
  EXPECT_EQ(DescribeChildError({Step::kSetGroups, EPERM}, plan),
            "setgroups(2 groups): Operation not permitted");
  EXPECT_EQ(DescribeChildError({Step::kExec, ENOENT}, plan),
            "execve /usr/bin/app: No such file or directory");
}

TEST(ChildErrorMessages, AVerificationMismatchSaysSo) {
  const LaunchPlan plan = SamplePlan();
  for (Step step : {Step::kVerifyUids, Step::kVerifyGids, Step::kVerifyGroups,
                    Step::kVerifyCapabilities, Step::kVerifyBoundingSet, Step::kVerifyAmbient,
                    Step::kVerifySecurebits, Step::kVerifyNoNewPrivs}) {
    EXPECT_EQ(DescribeChildError(ChildError{step, 0}, plan),
              std::string(StepName(step)) + ": the result differs from the plan");
  }
}

TEST(ChildErrorMessages, EveryStepBeforeExecIs125) {
  for (Step step : EveryStep()) {
    const int code = ExitCodeFor(ChildError{step, EPERM});
    EXPECT_EQ(code, step == Step::kExec ? kExitCannotExecute : kExitFailedBeforeStart)
        << StepName(step);
  }
  EXPECT_EQ(ExitCodeFor({Step::kExec, ENOENT}), kExitNotFound);
  EXPECT_EQ(ExitCodeFor({Step::kExec, ENOTDIR}), kExitNotFound);
  EXPECT_EQ(ExitCodeFor({Step::kExec, E2BIG}), kExitCannotExecute);
  EXPECT_EQ(ExitCodeFor({Step::kExec, ENOEXEC}), kExitCannotExecute);
}

// A Sys whose every call succeeds except `fail`, which it counts down to.
class FailingSys final : public Sys {
 public:
  explicit FailingSys(int fail_after) : left_(fail_after) {}
  int SetSignalMask(const sigset_t*) override { return Next(); }
  int SetSignalIgnored(int, bool) override { return Next(); }
  int SetProcessGroup() override { return Next(); }
  int SetForeground(int) override { return Next(); }
  int CloseRangeCloexec(unsigned int) override { return Next(); }
  int OpenDirectory(const char*) override { return -EPERM; }
  int OpenFile(const char*) override { return -ENOENT; }
  long Read(int, void*, size_t) override { return 0; }
  long GetDents(int, void*, size_t) override { return 0; }
  int SetCloexec(int) override { return Next(); }
  int Close(int) override { return 0; }
  long Prctl(int, unsigned long, unsigned long, unsigned long, unsigned long) override {
    return Next();
  }
  int SetGroups(size_t, const gid_t*) override { return Next(); }
  int SetResGid(gid_t, gid_t, gid_t) override { return Next(); }
  int SetResUid(uid_t, uid_t, uid_t) override { return Next(); }
  int GetResGid(gid_t*, gid_t*, gid_t*) override { return -EPERM; }
  int GetResUid(uid_t*, uid_t*, uid_t*) override { return -EPERM; }
  int GetGroups(int, gid_t*) override { return -EPERM; }
  int CapGet(cap_user_header_t, cap_user_data_t) override { return Next(); }
  int CapSet(cap_user_header_t, const cap_user_data_t) override { return Next(); }
  int Seccomp(unsigned int, unsigned int, void*) override { return Next(); }
  int LandlockRestrictSelf(int, unsigned int) override { return Next(); }
  int Execve(const char*, char* const[], char* const[]) override {
    // Reaching exec is the failure this test exists to catch: say so through the status.
    _exit(99);
  }
  int GetPid() override { return 2; }
  long Write(int, const void*, size_t size) override {
    const int rc = Next();
    return rc < 0 ? rc : static_cast<long>(size);
  }
  long SendMsg(int, const msghdr*, int) override {
    const int rc = Next();
    return rc < 0 ? rc : 1;
  }

 private:
  int Next() { return --left_ == 0 ? -EPERM : 0; }
  int left_;
};

// The forked child's whole life (ChildMain): for a failure at each of the first calls, the
// parent gets exactly one 8-byte record naming a step before exec, and status 125. The
// program (Execve) is never reached.
TEST(ChildErrorMessages, AForkedChildThatFailsSendsOneRecordAndExits125) {
  LaunchPlan plan = SamplePlan();
  plan.switch_ids = true;
  sigemptyset(&plan.sigmask);
  sigemptyset(&plan.ignored);
  char* argv[] = {nullptr};
  plan.argv = argv;
  plan.envp = argv;
  std::set<Step> seen;
  for (int fail_after = 1; fail_after <= 60; ++fail_after) {
    int fds[2];
    ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(fds[0]);
      FailingSys sys(fail_after);
      ChildMain(plan, sys, fds[1]);
    }
    close(fds[1]);
    ChildError error;
    char extra;
    const ssize_t n = read(fds[0], &error, sizeof(error));
    const ssize_t more = read(fds[0], &extra, 1);
    close(fds[0]);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    ASSERT_NE(WEXITSTATUS(status), 99) << "the program was started after failure " << fail_after;
    EXPECT_EQ(WEXITSTATUS(status), kExitFailedBeforeStart) << fail_after;
    ASSERT_EQ(n, static_cast<ssize_t>(sizeof(error)));
    EXPECT_EQ(more, 0) << "more than one record";
    EXPECT_NE(error.step, Step::kNone);
    EXPECT_NE(error.step, Step::kExec);
    EXPECT_EQ(error.error, EPERM);
    seen.insert(error.step);
  }
  // The countdown walked through the steps: the setters and, once they are exhausted, the
  // first check (getresuid fails in this Sys).
  for (Step step : {Step::kSetProcessGroup, Step::kRestoreSignalDisposition,
                    Step::kRestoreSignalMask, Step::kCloexecFds, Step::kDropBoundingSet,
                    Step::kKeepCaps, Step::kSetGroups, Step::kSetResGid, Step::kSetResUid,
                    Step::kRaiseSetpcap, Step::kLockSecurebits, Step::kSetCapabilities,
                    Step::kClearAmbient, Step::kNoNewPrivs, Step::kVerifyUids}) {
    EXPECT_TRUE(seen.count(step)) << StepName(step) << " was never the failing step";
  }
}

// A Sys under which the child is killed by `sig` at its Nth call (as the OOM killer, a
// `kill -9` or a seccomp filter hardinit was started under would), every other call
// succeeding as the kernel would for a plan that switches no ids. execve "succeeds" by
// ending the child with status 0: like a real exec, that closes the pipe.
class DyingSys final : public Sys {
 public:
  DyingSys(int die_at, int sig) : left_(die_at), sig_(sig) {}
  int SetSignalMask(const sigset_t*) override { return Next(); }
  int SetSignalIgnored(int, bool) override { return Next(); }
  int SetProcessGroup() override { return Next(); }
  int SetForeground(int) override { return Next(); }
  int CloseRangeCloexec(unsigned int) override { return Next(); }
  int OpenDirectory(const char*) override { return Next(), -ENOENT; }
  int OpenFile(const char*) override { return Next(), -ENOENT; }
  long Read(int, void*, size_t) override { return Next(); }
  long GetDents(int, void*, size_t) override { return Next(); }
  int SetCloexec(int) override { return Next(); }
  int Close(int) override { return Next(); }
  long Prctl(int option, unsigned long, unsigned long, unsigned long, unsigned long) override {
    Next();
    return option == PR_GET_NO_NEW_PRIVS ? 1 : 0;
  }
  int SetGroups(size_t, const gid_t*) override { return Next(); }
  int SetResGid(gid_t, gid_t, gid_t) override { return Next(); }
  int SetResUid(uid_t, uid_t, uid_t) override { return Next(); }
  int GetResGid(gid_t* r, gid_t* e, gid_t* s) override {
    *r = *e = *s = 1000;
    return Next();
  }
  int GetResUid(uid_t* r, uid_t* e, uid_t* s) override {
    *r = *e = *s = 1000;
    return Next();
  }
  int GetGroups(int, gid_t*) override { return Next(); }
  int CapGet(cap_user_header_t, cap_user_data_t data) override {
    data[0] = data[1] = {};
    return Next();
  }
  int CapSet(cap_user_header_t, const cap_user_data_t) override { return Next(); }
  int Seccomp(unsigned int, unsigned int, void*) override { return Next(); }
  int LandlockRestrictSelf(int, unsigned int) override { return Next(); }
  // A kill during execve itself is the program's: the record is sent, nothing is left to do.
  int Execve(const char*, char* const[], char* const[]) override { _exit(0); }
  int GetPid() override { return Next(), 2; }
  long Write(int fd, const void* buffer, size_t size) override {
    Next();
    return write(fd, buffer, size);
  }
  long SendMsg(int, const msghdr*, int) override {
    Next();
    return sendmsg_error != 0 ? -sendmsg_error : 1;
  }
  int sendmsg_error = 0;  // fail the listener's hand-over with this errno

 private:
  int Next() {
    if (--left_ != 0) return 0;
    const rlimit no_core{0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    kill(getpid(), sig_);
    for (;;) pause();  // a blocked signal would be a bug in the test: it hangs, visibly
  }
  int left_;
  int sig_;
};

// The confined plan of a start that switches no ids: capabilities, no_new_privs and their
// checks, the filter (none here), the report, execve.
LaunchPlan ConfinedPlan() {
  LaunchPlan plan = SamplePlan();
  plan.switch_ids = false;
  plan.caps.drop_bounding = false;
  plan.caps.lock_securebits = false;
  sigemptyset(&plan.sigmask);
  sigemptyset(&plan.ignored);
  static char* none[] = {nullptr};
  plan.argv = none;
  plan.envp = none;
  return plan;
}

// A child killed during its steps never ran the program: 125 naming the signal, not the
// program's 128+N (the parent used to take an empty pipe for a successful exec).
TEST(ChildErrorMessages, AChildKilledBeforeExecIs125NamingTheSignal) {
  const LaunchPlan plan = ConfinedPlan();
  int killed = 0;
  bool started = false;
  for (int die_at = 1; die_at < 200 && !started; ++die_at) {
    DyingSys sys(die_at, SIGKILL);
    pid_t child = 0;
    int exit_code = 0;
    std::string err;
    started = Spawn(plan, sys, &child, &exit_code, &err);
    if (started) {
      // Past the last step: the child "exec'd". The control: success is still success.
      int status = 0;
      ASSERT_EQ(waitpid(child, &status, 0), child);
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
      break;
    }
    EXPECT_EQ(exit_code, kExitFailedBeforeStart) << "killed at call " << die_at;
    EXPECT_EQ(err, "the child was killed by SIGKILL before it could start the program")
        << "killed at call " << die_at;
    ++killed;
  }
  EXPECT_TRUE(started) << "the fake never reached execve";
  // Every step of this plan is a call: the privilege steps, their checks and the report.
  EXPECT_GE(killed, 12);
}

// A child that loaded a reporting filter but could not send the listener cannot write its
// record (the write would wait for PID 1 forever): it exits with the one status the filter
// lets through, and the parent names the hand-over (design.md §3.12).
TEST(ChildErrorMessages, AFailedListenerHandOverIs125NamingIt) {
  SeccompListener listener(ListenMode::kLearn, "learn");
  std::string err;
  ASSERT_TRUE(listener.Open(&err)) << err;
  LaunchPlan plan = ConfinedPlan();
  static const sock_filter allow[] = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
  plan.filter = allow;
  plan.filter_len = 1;
  plan.listener_socket = listener.child_socket();
  plan.listener_message = listener.message();
  DyingSys sys(1000, SIGKILL);  // never dies: the call count stays below 1000
  sys.sendmsg_error = ENOBUFS;
  pid_t child = 0;
  int exit_code = 0;
  EXPECT_FALSE(Spawn(plan, sys, &child, &exit_code, &err, &listener));
  EXPECT_EQ(exit_code, kExitFailedBeforeStart);
  EXPECT_EQ(err, "the child could not hand its seccomp listener to PID 1 (sendmsg failed) and "
                 "exited before it could start the program");
  EXPECT_EQ(listener.fd(), -1);
  // Control: the same plan whose hand-over works starts (the fake sends nothing, so PID 1
  // receives no fd, and the child goes on to its record and the fake exec).
  SeccompListener working(ListenMode::kLearn, "learn");
  ASSERT_TRUE(working.Open(&err)) << err;
  plan.listener_socket = working.child_socket();
  plan.listener_message = working.message();
  DyingSys ok(1000, SIGKILL);
  ASSERT_TRUE(Spawn(plan, ok, &child, &exit_code, &err, &working)) << err;
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST(ChildErrorMessages, ASigsysBeforeExecPointsAtTheOuterFilter) {
  DyingSys sys(1, SIGSYS);
  pid_t child = 0;
  int exit_code = 0;
  std::string err;
  EXPECT_FALSE(Spawn(ConfinedPlan(), sys, &child, &exit_code, &err));
  EXPECT_EQ(exit_code, kExitFailedBeforeStart);
  EXPECT_EQ(err,
            "the child was killed by SIGSYS before it could start the program (a seccomp filter "
            "hardinit was started under kills a call it needs)");
}

}  // namespace
}  // namespace hardinit
