// The child's steps through a recording Sys: the order of the calls, and what happens when
// any one of them fails (design.md §3.4, §5).
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "hardinit/child.h"
#include "hardinit/cli.h"
#include "hardinit/exit_codes.h"
#include "hardinit/launch.h"
#include "helpers/require.h"

namespace hardinit {
namespace {

// Records each call by name and makes the call whose name is `fail_on` fail with
// `fail_errno` (-errno in the kernel's convention). Getters report the state a kernel
// would after the setters; tests can skew them to check the verification steps.
class RecordingSys final : public Sys {
 public:
  std::vector<std::string> calls;
  std::string fail_on;
  int fail_occurrence = 1;  // fail the Nth call named fail_on
  int fail_errno = EPERM;
  int close_range_result = 0;
  unsigned int close_range_first = 0;
  uid_t reported_uid_offset = 0;
  uint64_t reported_permitted_extra = 0;
  uint64_t reported_bounding_extra = 0;
  uint64_t reported_ambient_extra = 0;
  long ready_result = 1;  // what read() on PID 1's pipe returns: 1 byte, 0 (EOF) or -errno
  char ready_byte = kSupervisorDropped;

  // A plan prepared from the caller's real capabilities says what the bounding set held when
  // the parent read it (bounding_held); a kernel would still hold exactly that.
  RecordingSys& StartFrom(const LaunchPlan& plan) {
    if (plan.caps.bounding_held_known) bounding_ = plan.caps.bounding_held;
    return *this;
  }

  int SetSignalMask(const sigset_t*) override { return Record("rt_sigprocmask"); }
  int SetSignalIgnored(int sig, bool ignored) override {
    return Record(std::string("rt_sigaction(") + std::to_string(sig) + (ignored ? ",IGN)" : ",DFL)"));
  }
  int SetProcessGroup() override { return Record("setpgid"); }
  int SetForeground(int) override { return Record("tcsetpgrp"); }
  int CloseRangeCloexec(unsigned int first) override {
    close_range_first = first;
    if (int rc = Record("close_range"); rc < 0) return rc;
    return close_range_result;
  }
  int OpenFile(const char*) override { return Record("open"); }
  // Only PID 1's pipe is read: the child reads no file.
  long Read(int fd, void* buffer, size_t) override {
    if (int rc = Record("read(" + std::to_string(fd) + ")"); rc < 0) return rc;
    if (ready_result == 1) *static_cast<char*>(buffer) = ready_byte;
    return ready_result;
  }
  int OpenDirectory(const char*) override {
    if (int rc = Record("open(/proc/self/fd)"); rc < 0) return rc;
    return 50;
  }
  long GetDents(int, void* buffer, size_t size) override {
    if (int rc = Record("getdents64"); rc < 0) return rc;
    if (dents_served_) return 0;
    dents_served_ = true;
    // ".", "7" and "50" (the directory itself): only 7 must be marked.
    return FillDents(static_cast<char*>(buffer), size, {".", "7", "50"});
  }
  int SetCloexec(int fd) override { return Record("fcntl(" + std::to_string(fd) + ",FD_CLOEXEC)"); }
  int Close(int fd) override {
    if (fd >= 70) return Record("close(" + std::to_string(fd) + ")");
    return Record("close");
  }
  long Prctl(int option, unsigned long arg2, unsigned long arg3, unsigned long, unsigned long) override {
    const std::string name = PrctlName(option, arg2);
    if (int rc = Record(name); rc < 0) return rc;
    switch (option) {
      case PR_CAPBSET_DROP: bounding_ &= ~(uint64_t{1} << arg2); return 0;
      case PR_CAPBSET_READ: return ((bounding_ | reported_bounding_extra) >> arg2) & 1U;
      case PR_SET_SECUREBITS: securebits_ = arg2; return 0;
      case PR_GET_SECUREBITS: return static_cast<long>(securebits_);
      case PR_SET_NO_NEW_PRIVS: nnp_ = true; return 0;
      case PR_GET_NO_NEW_PRIVS: return nnp_ ? 1 : 0;
      case PR_CAP_AMBIENT:
        if (arg2 == PR_CAP_AMBIENT_CLEAR_ALL) ambient_ = 0;
        if (arg2 == PR_CAP_AMBIENT_RAISE) ambient_ |= uint64_t{1} << arg3;
        if (arg2 == PR_CAP_AMBIENT_IS_SET) {
          return ((ambient_ | reported_ambient_extra) >> arg3) & 1U;
        }
        return 0;
      default: return 0;
    }
  }
  int SetGroups(size_t count, const gid_t* groups) override {
    groups_.assign(groups, groups + count);
    return Record("setgroups");
  }
  int SetResGid(gid_t, gid_t e, gid_t) override {
    gid_ = e;
    return Record("setresgid");
  }
  int SetResUid(uid_t, uid_t e, uid_t) override {
    uid_ = e;
    return Record("setresuid");
  }
  int GetResGid(gid_t* r, gid_t* e, gid_t* s) override {
    *r = *e = *s = gid_;
    return Record("getresgid");
  }
  int GetResUid(uid_t* r, uid_t* e, uid_t* s) override {
    *r = *e = *s = uid_ + reported_uid_offset;
    return Record("getresuid");
  }
  int GetGroups(int, gid_t* groups) override {
    if (int rc = Record("getgroups"); rc < 0) return rc;
    for (size_t i = 0; i < groups_.size(); ++i) groups[i] = groups_[i];
    return static_cast<int>(groups_.size());
  }
  int CapGet(cap_user_header_t, cap_user_data_t data) override {
    if (int rc = Record("capget"); rc < 0) return rc;
    const uint64_t permitted = permitted_ | reported_permitted_extra;
    data[0] = {static_cast<uint32_t>(effective_), static_cast<uint32_t>(permitted),
               static_cast<uint32_t>(inheritable_)};
    data[1] = {static_cast<uint32_t>(effective_ >> 32), static_cast<uint32_t>(permitted >> 32),
               static_cast<uint32_t>(inheritable_ >> 32)};
    return 0;
  }
  int CapSet(cap_user_header_t, const cap_user_data_t data) override {
    if (int rc = Record("capset"); rc < 0) return rc;
    effective_ = data[0].effective | (uint64_t{data[1].effective} << 32);
    permitted_ = data[0].permitted | (uint64_t{data[1].permitted} << 32);
    inheritable_ = data[0].inheritable | (uint64_t{data[1].inheritable} << 32);
    return 0;
  }
  int Seccomp(unsigned int, unsigned int flags, void*) override {
    seccomp_flags = flags;
    if (int rc = Record("seccomp"); rc < 0) return rc;
    return (flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) != 0 ? kListenerFd : 0;
  }
  long SendMsg(int fd, const msghdr* message, int) override {
    if (int rc = Record("sendmsg"); rc < 0) return rc;
    sendmsg_fd = fd;
    std::memcpy(&sent_listener, CMSG_DATA(CMSG_FIRSTHDR(message)), sizeof(sent_listener));
    return 1;
  }
  int LandlockRestrictSelf(int, unsigned int) override { return Record("landlock_restrict_self"); }
  int Execve(const char*, char* const[], char* const[]) override { return Record("execve"); }
  int GetPid() override {
    Record("getpid");
    return pid;
  }
  long Write(int, const void* buffer, size_t size) override {
    if (int rc = Record("write"); rc < 0) return rc;
    written.assign(static_cast<const char*>(buffer), size);
    return static_cast<long>(size);
  }

  int pid = 2;
  std::string written;  // what the last write() wrote
  static constexpr int kListenerFd = 9;  // what seccomp() returns for NEW_LISTENER
  unsigned int seccomp_flags = 0;
  int sendmsg_fd = -1;
  int sent_listener = -1;  // the fd number in the SCM_RIGHTS data

 private:
  int Record(const std::string& name) {
    calls.push_back(name);
    if (name != fail_on) return 0;
    return ++fail_on_seen_ == fail_occurrence ? -fail_errno : 0;
  }
  static std::string PrctlName(int option, unsigned long arg2) {
    switch (option) {
      case PR_CAPBSET_DROP: return "PR_CAPBSET_DROP";
      case PR_CAPBSET_READ: return "PR_CAPBSET_READ";
      case PR_SET_KEEPCAPS: return "PR_SET_KEEPCAPS";
      case PR_SET_SECUREBITS: return "PR_SET_SECUREBITS";
      case PR_GET_SECUREBITS: return "PR_GET_SECUREBITS";
      case PR_SET_NO_NEW_PRIVS: return "PR_SET_NO_NEW_PRIVS";
      case PR_GET_NO_NEW_PRIVS: return "PR_GET_NO_NEW_PRIVS";
      case PR_SET_DUMPABLE: return "PR_SET_DUMPABLE";
      case PR_SET_PDEATHSIG: return "PR_SET_PDEATHSIG";
      case PR_CAP_AMBIENT:
        return arg2 == PR_CAP_AMBIENT_CLEAR_ALL ? "PR_CAP_AMBIENT_CLEAR_ALL"
               : arg2 == PR_CAP_AMBIENT_RAISE   ? "PR_CAP_AMBIENT_RAISE"
                                                : "PR_CAP_AMBIENT_IS_SET";
      default: return "prctl(" + std::to_string(option) + ")";
    }
  }
  static long FillDents(char* buffer, size_t size, std::initializer_list<const char*> names) {
    size_t offset = 0;
    for (const char* name : names) {
      const size_t length = 19 + std::char_traits<char>::length(name) + 1;
      const unsigned short record = static_cast<unsigned short>((length + 7) & ~size_t{7});
      if (offset + record > size) break;
      std::memset(buffer + offset, 0, record);
      std::memcpy(buffer + offset + 16, &record, sizeof(record));
      std::memcpy(buffer + offset + 19, name, length - 19);
      offset += record;
    }
    return static_cast<long>(offset);
  }

  int fail_on_seen_ = 0;
  bool dents_served_ = false;
  uint64_t bounding_ = (uint64_t{1} << 41) - 1;
  uint64_t permitted_ = (uint64_t{1} << 41) - 1, effective_ = permitted_, inheritable_ = 0,
           ambient_ = 0;
  unsigned long securebits_ = 0;
  bool nnp_ = false;
  uid_t uid_ = 0;
  gid_t gid_ = 0;
  std::vector<gid_t> groups_;
};

class ChildStepsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sigemptyset(&plan_.sigmask);
    sigemptyset(&plan_.ignored);
    plan_.switch_ids = true;
    plan_.uid = 1000;
    plan_.gid = 1000;
    plan_.groups = groups_;
    plan_.group_count = 2;
    plan_.caps.last_cap = 40;
    const uint64_t keep = uint64_t{1} << CAP_NET_BIND_SERVICE;
    plan_.caps.bounding = plan_.caps.permitted = plan_.caps.effective = keep;
    plan_.caps.inheritable = plan_.caps.ambient = keep;
    plan_.filter = filter_;
    plan_.filter_len = 1;
    plan_.landlock_ruleset_fd = 9;
    plan_.path = "/bin/true";
  }

  // The calls in the order they were made, with the repetitive per-capability ones collapsed:
  // a call repeated, or a pair of calls repeated ("read, drop, read, drop"), appears once.
  static std::vector<std::string> Collapsed(const std::vector<std::string>& calls) {
    std::vector<std::string> out;
    for (const std::string& call : calls) {
      if (!out.empty() && out.back() == call) continue;
      out.push_back(call);
      const size_t n = out.size();
      if (n >= 4 && out[n - 1] == out[n - 3] && out[n - 2] == out[n - 4]) out.resize(n - 2);
    }
    return out;
  }

  gid_t groups_[2] = {27, 1000};
  sock_filter filter_[1] = {{0x06, 0, 0, SECCOMP_RET_ALLOW}};
  LaunchPlan plan_;
};

TEST_F(ChildStepsTest, RunsTheStepsInTheDesignOrder) {
  RecordingSys sys;
  const ChildError error = RunChildSteps(plan_, sys);
  EXPECT_TRUE(error.ok()) << StepName(error.step) << " " << error.error;
  const std::vector<std::string> expected = {
      "setpgid", "rt_sigaction(21,DFL)", "rt_sigaction(22,DFL)", "rt_sigprocmask",
      "close_range", "PR_CAPBSET_READ", "PR_CAPBSET_DROP",  // alternate per capability
      "PR_SET_KEEPCAPS", "setgroups", "setresgid",
      "setresuid", "capget", "capset", "PR_SET_SECUREBITS", "capset",
      "PR_CAP_AMBIENT_CLEAR_ALL", "PR_CAP_AMBIENT_RAISE", "PR_SET_NO_NEW_PRIVS", "getresuid",
      "getresgid", "getgroups", "capget",
      // Every capability's bounding bit; the ambient bit only of the one kept (the kernel keeps
      // ambient inside permitted ∩ inheritable).
      "PR_CAPBSET_READ", "PR_CAP_AMBIENT_IS_SET", "PR_CAPBSET_READ",
      "PR_GET_SECUREBITS",
  };
  const std::vector<std::string> calls = Collapsed(sys.calls);
  ASSERT_GE(calls.size(), expected.size());
  EXPECT_EQ(std::vector<std::string>(calls.begin(), calls.begin() + expected.size()), expected);
  const std::vector<std::string> tail = {"PR_GET_SECUREBITS", "PR_GET_NO_NEW_PRIVS",
                                         "landlock_restrict_self", "seccomp", "execve"};
  EXPECT_EQ(std::vector<std::string>(calls.end() - tail.size(), calls.end()), tail);
}

TEST_F(ChildStepsTest, DropsEveryCapabilityOutsideTheAllowlistFromTheBoundingSet) {
  RecordingSys sys;
  RunChildSteps(plan_, sys);
  EXPECT_EQ(std::count(sys.calls.begin(), sys.calls.end(), "PR_CAPBSET_DROP"), 40);
}

// Under a supervisor the parent has dropped most of the set before the fork: what is gone
// already is read, not dropped again; the check afterwards still reads every capability.
TEST_F(ChildStepsTest, DropsOnlyWhatIsStillInTheBoundingSet) {
  RecordingSys sys;
  CapabilityPlan before_fork = plan_.caps;
  before_fork.bounding |= uint64_t{1} << CAP_KILL;
  ASSERT_TRUE(DropBoundingSet(before_fork, sys).ok());
  EXPECT_EQ(std::count(sys.calls.begin(), sys.calls.end(), "PR_CAPBSET_DROP"), 39);
  sys.calls.clear();
  EXPECT_TRUE(RunChildSteps(plan_, sys).ok());
  EXPECT_EQ(std::count(sys.calls.begin(), sys.calls.end(), "PR_CAPBSET_DROP"), 1);
  EXPECT_EQ(std::count(sys.calls.begin(), sys.calls.end(), "PR_CAPBSET_READ"), 40 + 41);
}

// When the parent has read the bounding set (bounding_held), the drop removes exactly what
// is held and not kept, reading nothing; the check after it still reads every capability.
TEST_F(ChildStepsTest, DropsWhatThePlanSaysIsHeldWithoutReadingFirst) {
  RecordingSys sys;
  const uint64_t held = (uint64_t{1} << CAP_KILL) | (uint64_t{1} << CAP_CHOWN);
  CapabilityPlan before_fork = plan_.caps;
  before_fork.bounding |= held;
  ASSERT_TRUE(DropBoundingSet(before_fork, sys).ok());
  sys.calls.clear();
  LaunchPlan plan = plan_;
  plan.caps.bounding_held_known = true;
  plan.caps.bounding_held = held;
  EXPECT_TRUE(RunChildSteps(plan, sys).ok());
  EXPECT_EQ(std::count(sys.calls.begin(), sys.calls.end(), "PR_CAPBSET_DROP"), 2);
  // Every read is the check's, after the last drop.
  EXPECT_EQ(std::count(sys.calls.begin(), sys.calls.end(), "PR_CAPBSET_READ"), 41);
  const auto last_drop = std::find(sys.calls.rbegin(), sys.calls.rend(), "PR_CAPBSET_DROP");
  const auto first_read = std::find(sys.calls.begin(), sys.calls.end(), "PR_CAPBSET_READ");
  EXPECT_LT(sys.calls.rend() - last_drop - 1, first_read - sys.calls.begin());
  // Negative control: unknown, the same plan reads each capability before dropping it.
  sys.calls.clear();
  plan.caps.bounding_held_known = false;
  EXPECT_TRUE(RunChildSteps(plan, sys).ok());
  EXPECT_EQ(std::count(sys.calls.begin(), sys.calls.end(), "PR_CAPBSET_READ"), 40 + 41);
}

// A reading that were wrong cannot let a capability through: the check reads the set itself.
TEST_F(ChildStepsTest, ABoundingSetHeldBeyondThePlansReadingFailsTheCheck) {
  RecordingSys sys;  // the kernel's bounding set still holds every capability
  LaunchPlan plan = plan_;
  plan.caps.bounding_held_known = true;
  plan.caps.bounding_held = 0;  // the plan believes none is
  const ChildError error = RunChildSteps(plan, sys);
  EXPECT_EQ(error.step, Step::kVerifyBoundingSet);
  EXPECT_EQ(std::count(sys.calls.begin(), sys.calls.end(), "execve"), 0);
}

// Every step, made to fail: the child stops there with that step named, calls nothing
// after it, and never reaches execve.
struct FailureCase {
  const char* call;
  Step step;
  int occurrence = 1;  // the Nth call of that name, for calls more than one step makes
  int error = EPERM;
  bool foreground_tty = false;
  bool close_range_missing = false;
};

class ChildFailureTest : public ChildStepsTest, public ::testing::WithParamInterface<FailureCase> {};

TEST_P(ChildFailureTest, StopsAtTheFailedStepAndNamesIt) {
  RecordingSys sys;
  sys.fail_on = GetParam().call;
  sys.fail_occurrence = GetParam().occurrence;
  sys.fail_errno = GetParam().error;
  if (GetParam().close_range_missing) sys.close_range_result = -ENOSYS;
  plan_.foreground_tty = GetParam().foreground_tty;
  const ChildError error = RunChildSteps(plan_, sys);
  EXPECT_EQ(error.step, GetParam().step) << StepName(error.step);
  EXPECT_EQ(error.error, GetParam().error);
  EXPECT_EQ(ExitCodeFor(error), kExitFailedBeforeStart);
  EXPECT_EQ(sys.calls.back(), GetParam().call) << "a call was made after the failure";
  EXPECT_EQ(std::count(sys.calls.begin(), sys.calls.end(), "execve"), 0);
  const bool seccomp_failed = sys.fail_on == "seccomp";
  EXPECT_EQ(std::count(sys.calls.begin(), sys.calls.end(), "seccomp"), seccomp_failed ? 1 : 0);
}

INSTANTIATE_TEST_SUITE_P(
    EveryStep, ChildFailureTest,
    ::testing::Values(FailureCase{"setpgid", Step::kSetProcessGroup},
                      FailureCase{"rt_sigaction(21,DFL)", Step::kRestoreSignalDisposition},
                      FailureCase{"rt_sigprocmask", Step::kRestoreSignalMask},
                      FailureCase{"PR_CAPBSET_DROP", Step::kDropBoundingSet},
                      FailureCase{"PR_SET_KEEPCAPS", Step::kKeepCaps},
                      FailureCase{"setgroups", Step::kSetGroups},
                      FailureCase{"setresgid", Step::kSetResGid},
                      FailureCase{"setresuid", Step::kSetResUid},
                      FailureCase{"PR_SET_SECUREBITS", Step::kLockSecurebits},
                      FailureCase{"PR_CAP_AMBIENT_CLEAR_ALL", Step::kClearAmbient},
                      FailureCase{"PR_CAP_AMBIENT_RAISE", Step::kRaiseAmbient},
                      FailureCase{"PR_SET_NO_NEW_PRIVS", Step::kNoNewPrivs},
                      FailureCase{"getresuid", Step::kVerifyUids},
                      FailureCase{"getresgid", Step::kVerifyGids},
                      FailureCase{"getgroups", Step::kVerifyGroups},
                      FailureCase{"PR_CAPBSET_READ", Step::kDropBoundingSet},
                      // 40 reads in the drop (every capability but the kept one), then the check.
                      FailureCase{"PR_CAPBSET_READ", Step::kVerifyBoundingSet, 41},
                      FailureCase{"PR_CAP_AMBIENT_IS_SET", Step::kVerifyAmbient},
                      FailureCase{"PR_GET_SECUREBITS", Step::kVerifySecurebits},
                      FailureCase{"PR_GET_NO_NEW_PRIVS", Step::kVerifyNoNewPrivs},
                      FailureCase{"landlock_restrict_self", Step::kLandlock},
                      FailureCase{"seccomp", Step::kLoadSeccomp},
                      // Steps that share a call with another step, or need a setting.
                      FailureCase{"tcsetpgrp", Step::kForegroundTty, 1, EPERM, true},
                      FailureCase{"close_range", Step::kCloexecFds, 1, EBADF},
                      FailureCase{"open(/proc/self/fd)", Step::kCloexecFds, 1, EMFILE, false,
                                  true},
                      FailureCase{"capget", Step::kRaiseSetpcap},
                      FailureCase{"capset", Step::kSetCapabilities, 2},
                      FailureCase{"capget", Step::kVerifyCapabilities, 2}),
    [](const auto& info) {
      std::string name = info.param.call;
      if (info.param.occurrence > 1) name += std::to_string(info.param.occurrence);
      std::erase_if(name, [](char c) { return !std::isalnum(static_cast<unsigned char>(c)); });
      return name;
    });

TEST_F(ChildStepsTest, AFailedCapsetIsReportedAsTheFirstCapsetStep) {
  RecordingSys sys;
  sys.fail_on = "capset";
  const ChildError error = RunChildSteps(plan_, sys);
  EXPECT_EQ(error.step, Step::kRaiseSetpcap);
  EXPECT_EQ(std::count(sys.calls.begin(), sys.calls.end(), "execve"), 0);
}

TEST_F(ChildStepsTest, ExecFailuresMapTo126And127) {
  RecordingSys sys;
  sys.fail_on = "execve";
  sys.fail_errno = ENOENT;
  ChildError error = RunChildSteps(plan_, sys);
  EXPECT_EQ(error.step, Step::kExec);
  EXPECT_EQ(ExitCodeFor(error), kExitNotFound);
  RecordingSys sys2;
  sys2.fail_on = "execve";
  sys2.fail_errno = EACCES;
  error = RunChildSteps(plan_, sys2);
  EXPECT_EQ(ExitCodeFor(error), kExitCannotExecute);
}

TEST_F(ChildStepsTest, AResultThatDiffersFromThePlanFailsClosed) {
  RecordingSys sys;
  sys.reported_uid_offset = 1;  // the kernel says we are someone else
  ChildError error = RunChildSteps(plan_, sys);
  EXPECT_EQ(error.step, Step::kVerifyUids);
  EXPECT_EQ(error.error, 0);
  EXPECT_EQ(std::count(sys.calls.begin(), sys.calls.end(), "execve"), 0);

  RecordingSys sys2;
  sys2.reported_permitted_extra = uint64_t{1} << CAP_SYS_ADMIN;
  error = RunChildSteps(plan_, sys2);
  EXPECT_EQ(error.step, Step::kVerifyCapabilities);
  EXPECT_EQ(std::count(sys2.calls.begin(), sys2.calls.end(), "execve"), 0);
}

TEST_F(ChildStepsTest, ChecksTheBoundingAndAmbientSetsCapByCapWithoutProc) {
  RecordingSys sys;
  EXPECT_TRUE(RunChildSteps(plan_, sys).ok());
  EXPECT_EQ(std::count(sys.calls.begin(), sys.calls.end(), "open"), 0);
  EXPECT_EQ(std::count(sys.calls.begin(), sys.calls.end(), "PR_CAPBSET_READ"), 40 + 41);
  // Ambient: asked inside permitted ∩ inheritable as read back (the one kept capability).
  EXPECT_EQ(std::count(sys.calls.begin(), sys.calls.end(), "PR_CAP_AMBIENT_IS_SET"), 1);

  RecordingSys skewed;  // the kernel reports a capability the plan dropped
  skewed.reported_bounding_extra = uint64_t{1} << CAP_SYS_ADMIN;
  const ChildError error = RunChildSteps(plan_, skewed);
  EXPECT_EQ(error.step, Step::kVerifyBoundingSet);
  EXPECT_EQ(error.error, 0);
  EXPECT_EQ(std::count(skewed.calls.begin(), skewed.calls.end(), "execve"), 0);
}

// Inside permitted ∩ inheritable the ambient bit is still asked and checked; outside it the
// kernel cannot hold one (capabilities(7)), so nothing is asked: keeping nothing asks none.
TEST_F(ChildStepsTest, ChecksTheAmbientBitWhereTheKernelCanHoldOne) {
  RecordingSys skewed;  // the kernel reports the kept capability ambient; the plan says not
  skewed.reported_ambient_extra = uint64_t{1} << CAP_NET_BIND_SERVICE;
  LaunchPlan plan = plan_;
  plan.caps.ambient = 0;
  const ChildError error = RunChildSteps(plan, skewed);
  EXPECT_EQ(error.step, Step::kVerifyAmbient);
  EXPECT_EQ(std::count(skewed.calls.begin(), skewed.calls.end(), "execve"), 0);
  // Negative control: the same plan, the kernel agreeing, starts the program.
  RecordingSys agreeing;
  EXPECT_TRUE(RunChildSteps(plan, agreeing).ok());

  RecordingSys none;  // nothing kept: permitted and inheritable read back empty
  plan.caps.bounding = plan.caps.permitted = plan.caps.effective = plan.caps.inheritable = 0;
  EXPECT_TRUE(RunChildSteps(plan, none).ok());
  EXPECT_EQ(std::count(none.calls.begin(), none.calls.end(), "PR_CAP_AMBIENT_IS_SET"), 0);
  EXPECT_EQ(std::count(none.calls.begin(), none.calls.end(), "PR_CAPBSET_READ"), 41 + 41);
}

// PID 1's cue and word (design.md §3.5): once its privilege steps hold, the child closes its
// copy of PID 1's write end and tells the parent; it waits for PID 1's byte after its filter
// (PID 1 drops meanwhile) and before the exec report and exec.
TEST_F(ChildStepsTest, TellsPid1ItsDropHoldsAndWaitsForPid1sBeforeExec) {
  plan_.supervisor_ready_fd = 70;
  plan_.supervisor_ready_write_fd = 71;
  RecordingSys sys;
  EXPECT_TRUE(RunChildSteps(plan_, sys, /*report_fd=*/60).ok());
  const std::vector<std::string> tail = {"PR_GET_NO_NEW_PRIVS", "close(71)", "write",
                                         "landlock_restrict_self", "seccomp", "read(70)",
                                         "write", "execve"};
  ASSERT_GE(sys.calls.size(), tail.size());
  EXPECT_EQ(std::vector<std::string>(sys.calls.end() - tail.size(), sys.calls.end()), tail);
}

TEST_F(ChildStepsTest, APid1ThatDidNotDropStopsTheChildBeforeExec) {
  plan_.supervisor_ready_fd = 70;
  plan_.supervisor_ready_write_fd = 71;
  for (const long result : {0L, -static_cast<long>(EIO)}) {
    RecordingSys sys;
    sys.ready_result = result;  // end of file: PID 1 closed its end without a word
    const ChildError error = RunChildSteps(plan_, sys, /*report_fd=*/60);
    EXPECT_EQ(error.step, Step::kAwaitSupervisor) << StepName(error.step);
    EXPECT_EQ(error.error, result == 0 ? ECANCELED : EIO);
    EXPECT_EQ(ExitCodeFor(error), kExitFailedBeforeStart);
    EXPECT_EQ(sys.calls.back(), "read(70)") << "a call was made after the failure";
    EXPECT_EQ(std::count(sys.calls.begin(), sys.calls.end(), "execve"), 0);
  }
  RecordingSys wrong_word;  // a byte that is not the word
  wrong_word.ready_byte = 0;
  EXPECT_EQ(RunChildSteps(plan_, wrong_word, 60).step, Step::kAwaitSupervisor);
  RecordingSys no_cue;  // the cue cannot be sent: PID 1 would never start its drop
  no_cue.fail_on = "write";
  EXPECT_EQ(RunChildSteps(plan_, no_cue, 60).step, Step::kAwaitSupervisor);
  EXPECT_EQ(std::count(no_cue.calls.begin(), no_cue.calls.end(), "seccomp"), 0);
}

TEST_F(ChildStepsTest, WithoutAPipeNothingIsAwaited) {
  RecordingSys sys;
  EXPECT_TRUE(RunChildSteps(plan_, sys, /*report_fd=*/60).ok());
  for (const auto& call : sys.calls) EXPECT_FALSE(call.starts_with("read(")) << call;
  EXPECT_EQ(std::count(sys.calls.begin(), sys.calls.end(), "write"), 1) << "only the exec report";
}

TEST_F(ChildStepsTest, FallsBackToProcSelfFdWhenCloseRangeIsMissing) {
  RecordingSys sys;
  sys.close_range_result = -ENOSYS;
  const ChildError error = RunChildSteps(plan_, sys);
  EXPECT_TRUE(error.ok());
  const auto fcntl_calls = std::count_if(sys.calls.begin(), sys.calls.end(), [](const auto& c) {
    return c.starts_with("fcntl(");
  });
  EXPECT_EQ(fcntl_calls, 1);
  EXPECT_NE(std::find(sys.calls.begin(), sys.calls.end(), "fcntl(7,FD_CLOEXEC)"), sys.calls.end());
}

TEST_F(ChildStepsTest, WithoutSetpcapTheBoundingSetAndSecurebitsAreLeftAlone) {
  plan_.caps.drop_bounding = false;
  plan_.caps.lock_securebits = false;
  RecordingSys sys;
  EXPECT_TRUE(RunChildSteps(plan_, sys).ok());
  for (const char* call : {"PR_CAPBSET_DROP", "PR_SET_SECUREBITS", "PR_CAPBSET_READ"}) {
    EXPECT_EQ(std::count(sys.calls.begin(), sys.calls.end(), call), 0) << call;
  }
  EXPECT_EQ(std::count(sys.calls.begin(), sys.calls.end(), "PR_SET_NO_NEW_PRIVS"), 1);
}

TEST_F(ChildStepsTest, WithoutARulesetLandlockIsNotCalled) {
  plan_.landlock_ruleset_fd = -1;
  RecordingSys sys;
  EXPECT_TRUE(RunChildSteps(plan_, sys).ok());
  EXPECT_EQ(std::count(sys.calls.begin(), sys.calls.end(), "landlock_restrict_self"), 0);
  EXPECT_EQ(std::count(sys.calls.begin(), sys.calls.end(), "seccomp"), 1);
}

TEST_F(ChildStepsTest, ExecModeKeepsTheProcessGroupAndSignals) {
  plan_.supervised = false;
  RecordingSys sys;
  EXPECT_TRUE(RunChildSteps(plan_, sys).ok());
  EXPECT_EQ(sys.calls.front(), "close_range");
}

// The plan for a name, built as main() builds it: parsed, then prepared. `env` is the
// environment hardinit runs with.
void PrepareFor(const std::vector<std::string>& argv, const Environment& env, Launch* launch) {
  Options options;
  std::string err;
  ASSERT_TRUE(ParseCommandLine(argv, env, &options, &err)) << err;
  std::vector<std::string> strings;
  for (const auto& [name, value] : env) strings.push_back(name + "=" + value);
  int exit_code = 0;
  ASSERT_TRUE(PrepareLaunch(options, IdentityFiles{}, InheritedSignals{}, strings, launch,
                            &exit_code, &err))
      << err;
}

std::vector<std::string> WithoutTty(std::vector<std::string> calls) {
  std::erase(calls, "tcsetpgrp");  // only when the test's stdin is a terminal
  return calls;
}

// The tini name as the parser and PrepareLaunch make it, not a flag set by hand: the child
// keeps its privileges and every fd, as under tini.
TEST_F(ChildStepsTest, TiniPersonalityConfinesNothing) {
  Launch launch;
  PrepareFor({"/sbin/docker-init", "--", "/bin/true"}, {{"PATH", "/usr/bin:/bin"}}, &launch);
  RecordingSys sys;
  EXPECT_TRUE(RunChildSteps(launch.plan(), sys.StartFrom(launch.plan())).ok());
  const std::vector<std::string> expected = {"setpgid", "rt_sigaction(21,DFL)",
                                             "rt_sigaction(22,DFL)", "rt_sigprocmask", "execve"};
  EXPECT_EQ(WithoutTty(sys.calls), expected);
}

// Negative control, and the opt-in: HARDINIT_USER under the tini name confines the program
// (no_new_privs, the filter) and still keeps its fds, as tini does.
TEST_F(ChildStepsTest, TiniPersonalityWithHardinitUserConfines) {
  Launch launch;
  const std::string ids = std::to_string(getuid()) + ":" + std::to_string(getgid());
  PrepareFor({"tini", "--", "/bin/true"}, {{"PATH", "/usr/bin:/bin"}, {"HARDINIT_USER", ids}},
             &launch);
  RecordingSys sys;
  EXPECT_TRUE(RunChildSteps(launch.plan(), sys.StartFrom(launch.plan())).ok());
  for (const char* call : {"PR_SET_NO_NEW_PRIVS", "seccomp", "PR_CAP_AMBIENT_CLEAR_ALL"}) {
    EXPECT_EQ(std::count(sys.calls.begin(), sys.calls.end(), call), 1) << call;
  }
  EXPECT_EQ(std::count(sys.calls.begin(), sys.calls.end(), "close_range"), 0);
}

TEST_F(ChildStepsTest, TheHardinitNameMarksFdsCloexecAndGosuKeepsThem) {
  Launch hardinit;
  PrepareFor({"hardinit", "--seccomp", "unconfined", "--", "/bin/true"},
             {{"PATH", "/usr/bin:/bin"}}, &hardinit);
  RecordingSys swept;
  EXPECT_TRUE(RunChildSteps(hardinit.plan(), swept.StartFrom(hardinit.plan())).ok());
  EXPECT_EQ(std::count(swept.calls.begin(), swept.calls.end(), "close_range"), 1);
  EXPECT_EQ(swept.close_range_first, 3u);

  Launch gosu;
  const std::string ids = std::to_string(getuid()) + ":" + std::to_string(getgid());
  PrepareFor({"gosu", ids, "/bin/true"}, {{"PATH", "/usr/bin:/bin"}}, &gosu);
  RecordingSys kept;
  EXPECT_TRUE(RunChildSteps(gosu.plan(), kept.StartFrom(gosu.plan())).ok());
  EXPECT_EQ(std::count(kept.calls.begin(), kept.calls.end(), "close_range"), 0);
  EXPECT_EQ(std::count(kept.calls.begin(), kept.calls.end(), "PR_SET_NO_NEW_PRIVS"), 1);
}

// systemd socket activation: LISTEN_PID names hardinit, so fds 3 and 4 are the program's
// and LISTEN_PID becomes the program's pid, written by the child (catatonit#13).
TEST_F(ChildStepsTest, SocketActivationFdsStayOpenAndListenPidNamesTheProgram) {
  Launch launch;
  PrepareFor(
      {"hardinit", "--seccomp", "unconfined", "--", "/bin/true"},
      {{"PATH", "/usr/bin:/bin"}, {"LISTEN_PID", std::to_string(getpid())}, {"LISTEN_FDS", "2"}},
      &launch);
  ASSERT_NE(launch.plan().listen_pid, nullptr);
  RecordingSys sys;
  sys.pid = 4194303;
  EXPECT_TRUE(RunChildSteps(launch.plan(), sys.StartFrom(launch.plan())).ok());
  EXPECT_EQ(sys.close_range_first, 5u) << "fds 3 and 4 are passed on";
  bool found = false;
  for (char* const* entry = launch.plan().envp; *entry != nullptr; ++entry) {
    if (std::string(*entry).starts_with("LISTEN_PID=")) {
      EXPECT_STREQ(*entry, "LISTEN_PID=4194303");
      found = true;
    }
  }
  EXPECT_TRUE(found);

  // Negative control: a LISTEN_PID that names another process keeps nothing and is left as is.
  Launch other;
  PrepareFor({"hardinit", "--seccomp", "unconfined", "--", "/bin/true"},
             {{"PATH", "/usr/bin:/bin"}, {"LISTEN_PID", "1"}, {"LISTEN_FDS", "2"}}, &other);
  EXPECT_EQ(other.plan().listen_pid, nullptr);
  RecordingSys swept;
  EXPECT_TRUE(RunChildSteps(other.plan(), swept.StartFrom(other.plan())).ok());
  EXPECT_EQ(swept.close_range_first, 3u);
  EXPECT_EQ(std::count(swept.calls.begin(), swept.calls.end(), "getpid"), 0);
}

TEST_F(ChildStepsTest, TheProcFallbackKeepsSocketActivationFdsToo) {
  plan_.cloexec_from = 8;  // LISTEN_FDS=5: fds 3..7 are the program's
  RecordingSys sys;
  sys.close_range_result = -ENOSYS;
  EXPECT_TRUE(RunChildSteps(plan_, sys).ok());
  EXPECT_EQ(std::find(sys.calls.begin(), sys.calls.end(), "fcntl(7,FD_CLOEXEC)"), sys.calls.end());
}

TEST_F(ChildStepsTest, WritesTheListenPidDigitsWithoutAllocating) {
  for (const int pid : {2, 10, 4194304}) {
    char entry[] = "LISTEN_PID=0000000000";
    plan_.listen_pid = entry + 11;
    RecordingSys sys;
    sys.pid = pid;
    EXPECT_TRUE(RunChildSteps(plan_, sys).ok());
    EXPECT_EQ(std::string(entry), "LISTEN_PID=" + std::to_string(pid));
  }
}

// The record that tells the parent the child reached exec (design.md §2): after the filter,
// right before execve, and nothing in between.
TEST_F(ChildStepsTest, ReportsReachingExecRightBeforeExecve) {
  RecordingSys sys;
  EXPECT_TRUE(RunChildSteps(plan_, sys, /*report_fd=*/9).ok());
  const std::vector<std::string> tail = {"seccomp", "write", "execve"};
  ASSERT_GE(sys.calls.size(), tail.size());
  EXPECT_EQ(std::vector<std::string>(sys.calls.end() - tail.size(), sys.calls.end()), tail);
  ASSERT_EQ(sys.written.size(), sizeof(ChildError));
  ChildError record;
  std::memcpy(&record, sys.written.data(), sizeof(record));
  EXPECT_EQ(record.step, Step::kReachedExec);

  // --exec mode has nobody to tell.
  RecordingSys in_place;
  EXPECT_TRUE(RunChildSteps(plan_, in_place).ok());
  EXPECT_EQ(std::count(in_place.calls.begin(), in_place.calls.end(), "write"), 0);
}

TEST_F(ChildStepsTest, AReportThatCannotBeWrittenStopsBeforeExecve) {
  RecordingSys sys;
  sys.fail_on = "write";
  const ChildError error = RunChildSteps(plan_, sys, 9);
  EXPECT_EQ(error.step, Step::kReachedExec);
  EXPECT_EQ(error.error, EPERM);
  EXPECT_EQ(ExitCodeFor(error), kExitFailedBeforeStart);
  EXPECT_EQ(std::count(sys.calls.begin(), sys.calls.end(), "execve"), 0);
}

// The message the child sends its listener in: one SCM_RIGHTS header, as PID 1 prepares it.
struct ListenerMessage {
  msghdr message{};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};

  void AskFor(LaunchPlan* plan, int socket) {
    message.msg_control = control;
    message.msg_controllen = sizeof(control);
    plan->listener_socket = socket;
    plan->listener_message = &message;
  }
};

// --seccomp-learn/--seccomp-log (design.md §3.12): the filter asks for a listener, which goes
// to PID 1 right after the load and before anything else, through the plan's socket and
// message, and the listener's own fd number travels in the message.
TEST_F(ChildStepsTest, SendsTheListenerRightAfterTheFilter) {
  ListenerMessage message;
  message.AskFor(&plan_, /*socket=*/11);
  RecordingSys sys;
  EXPECT_TRUE(RunChildSteps(plan_, sys, /*report_fd=*/9).ok());
  const std::vector<std::string> tail = {"seccomp", "sendmsg", "write", "execve"};
  ASSERT_GE(sys.calls.size(), tail.size());
  EXPECT_EQ(std::vector<std::string>(sys.calls.end() - tail.size(), sys.calls.end()), tail);
  EXPECT_NE(sys.seccomp_flags & SECCOMP_FILTER_FLAG_NEW_LISTENER, 0U);
  EXPECT_EQ(sys.sendmsg_fd, 11);
  EXPECT_EQ(sys.sent_listener, RecordingSys::kListenerFd);
  // Negative control: without a socket no listener is asked for and nothing is sent.
  plan_.listener_socket = -1;
  RecordingSys plain;
  EXPECT_TRUE(RunChildSteps(plan_, plain, 9).ok());
  EXPECT_EQ(plain.seccomp_flags & SECCOMP_FILTER_FLAG_NEW_LISTENER, 0U);
  EXPECT_EQ(std::count(plain.calls.begin(), plain.calls.end(), "sendmsg"), 0);
}

TEST_F(ChildStepsTest, AFailedHandOverStopsBeforeTheRecordAndExecve) {
  ListenerMessage message;
  message.AskFor(&plan_, /*socket=*/11);
  RecordingSys sys;
  sys.fail_on = "sendmsg";
  sys.fail_errno = ENOBUFS;
  const ChildError error = RunChildSteps(plan_, sys, 9);
  EXPECT_EQ(error.step, Step::kSendListener);
  EXPECT_EQ(error.error, ENOBUFS);
  EXPECT_EQ(ExitCodeFor(error), kExitFailedBeforeStart);
  EXPECT_EQ(sys.calls.back(), "sendmsg") << "a call was made after the failure";
}

// PID 1's own plan (design.md §3.5): the program's uid, so it can signal the program, but a
// gid the program has not, so the program cannot prlimit() or ptrace() PID 1.
TEST_F(ChildStepsTest, Pid1TakesAGidTheProgramHasNot) {
  LaunchPlan pid1 = SupervisorPlanFor(plan_);
  EXPECT_EQ(pid1.uid, plan_.uid);
  EXPECT_EQ(pid1.gid, 65534u);
  EXPECT_EQ(pid1.group_count, 0u);
  EXPECT_EQ(pid1.caps.permitted | pid1.caps.effective | pid1.caps.bounding, 0u);
  EXPECT_EQ(pid1.filter_len, 0u);

  plan_.gid = 65534;  // the program runs as nogroup: PID 1 takes the gid below
  pid1 = SupervisorPlanFor(plan_);
  EXPECT_EQ(pid1.gid, 65533u);

  // Started as non-root nothing can switch: PID 1 keeps the ids it has (and says so in the
  // docs: there the program can prlimit PID 1).
  plan_.switch_ids = false;
  pid1 = SupervisorPlanFor(plan_);
  EXPECT_EQ(pid1.gid, plan_.gid);
  EXPECT_EQ(pid1.group_count, plan_.group_count);

  // A program that keeps CAP_SETUID may leave PID 1's uid: PID 1 keeps CAP_KILL.
  plan_.caps.permitted |= uint64_t{1} << CAP_SETUID;
  EXPECT_EQ(SupervisorPlanFor(plan_).caps.permitted, uint64_t{1} << CAP_KILL);
}

TEST_F(ChildStepsTest, InheritedIgnoredSignalsAreIgnoredAgain) {
  sigaddset(&plan_.ignored, SIGHUP);
  sigaddset(&plan_.ignored, SIGTTOU);
  RecordingSys sys;
  RunChildSteps(plan_, sys);
  EXPECT_NE(std::find(sys.calls.begin(), sys.calls.end(), "rt_sigaction(1,IGN)"), sys.calls.end());
  EXPECT_NE(std::find(sys.calls.begin(), sys.calls.end(), "rt_sigaction(22,IGN)"), sys.calls.end());
  EXPECT_NE(std::find(sys.calls.begin(), sys.calls.end(), "rt_sigaction(21,DFL)"), sys.calls.end());
}

// PID 1's own drop after the spawn (design.md §3.5), on a Launch prepared as main() prepares it
// from the caller's real capabilities, for the caller's own ids. Root only (ctest label
// `root`): started without CAP_SETPCAP the plan neither drops the bounding set nor switches
// ids, so the drop checked here would not be the one PID 1 makes in a container.
class SupervisorDropTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HARDINIT_REQUIRE_ROOT();
    const std::string ids = std::to_string(getuid()) + ":" + std::to_string(getgid());
    std::string err;
    ASSERT_TRUE(ParseCommandLine({"hardinit", "--user", ids, "--", "/bin/true"},
                                 {{"PATH", "/usr/bin:/bin"}}, &options_, &err))
        << err;
    int exit_code = 0;
    ASSERT_TRUE(PrepareLaunch(options_, IdentityFiles{}, InheritedSignals{},
                              {"PATH=/usr/bin:/bin"}, &launch_, &exit_code, &err))
        << err;
    filter_.filter = {{0x06, 0, 0, SECCOMP_RET_ALLOW}};
  }

  bool Drop(RecordingSys& sys, std::string* err, int parent_death_signal = SIGTERM) {
    return DropSupervisorPrivileges(launch_, parent_death_signal, filter_,
                                    sys.StartFrom(launch_.plan()), err);
  }

  Options options_;
  Launch launch_;
  SeccompProgram filter_;
};

TEST_F(SupervisorDropTest, AppliesThePlanThenDumpablePdeathsigAndItsFilter) {
  RecordingSys sys;
  std::string err;
  ASSERT_TRUE(Drop(sys, &err)) << err;
  // The parent read the bounding set: PID 1 drops what it holds without reading first.
  EXPECT_EQ(sys.calls.front(), "PR_CAPBSET_DROP") << "no process group or signal steps";
  EXPECT_NE(std::find(sys.calls.begin(), sys.calls.end(), "setresuid"), sys.calls.end());
  EXPECT_NE(std::find(sys.calls.begin(), sys.calls.end(), "PR_SET_NO_NEW_PRIVS"), sys.calls.end());
  EXPECT_EQ(std::find(sys.calls.begin(), sys.calls.end(), "execve"), sys.calls.end());
  const std::vector<std::string> tail = {"PR_SET_DUMPABLE", "PR_SET_PDEATHSIG", "seccomp"};
  ASSERT_GE(sys.calls.size(), tail.size());
  EXPECT_EQ(std::vector<std::string>(sys.calls.end() - tail.size(), sys.calls.end()), tail);
}

TEST_F(SupervisorDropTest, NoParentDeathSignalAndNoFilterWhenNoneWasAsked) {
  filter_.unconfined = true;
  RecordingSys sys;
  std::string err;
  ASSERT_TRUE(Drop(sys, &err, /*parent_death_signal=*/0)) << err;
  EXPECT_EQ(sys.calls.back(), "PR_SET_DUMPABLE");
}

TEST_F(SupervisorDropTest, EveryFailedStepIsNamedAndNothingAfterItRuns) {
  const struct {
    const char* call;
    const char* message;
  } cases[] = {
      {"PR_CAPBSET_DROP", "PID 1's own drop: prctl(PR_CAPBSET_DROP"},
      {"setgroups", "PID 1's own drop: setgroups"},
      {"setresgid", "PID 1's own drop: setresgid"},
      {"setresuid", "PID 1's own drop: setresuid"},
      {"capset", "PID 1's own drop: capset"},
      {"PR_SET_NO_NEW_PRIVS", "PID 1's own drop: prctl(PR_SET_NO_NEW_PRIVS"},
      {"PR_SET_DUMPABLE", "PID 1's own drop: prctl(PR_SET_DUMPABLE): Operation not permitted"},
      {"PR_SET_PDEATHSIG", "PID 1's own drop: prctl(PR_SET_PDEATHSIG): Operation not permitted"},
      {"seccomp", "PID 1's own drop: seccomp(SECCOMP_SET_MODE_FILTER): Operation not permitted"},
  };
  for (const auto& c : cases) {
    RecordingSys sys;
    sys.fail_on = c.call;
    std::string err;
    EXPECT_FALSE(Drop(sys, &err)) << c.call;
    EXPECT_EQ(err.rfind(c.message, 0), 0u) << c.call << ": " << err;
    ASSERT_FALSE(sys.calls.empty());
    EXPECT_EQ(sys.calls.back(), c.call) << "a step ran after the failed one";
  }
}

TEST_F(SupervisorDropTest, ADropThatDoesNotHoldFailsClosed) {
  RecordingSys sys;
  sys.reported_permitted_extra = uint64_t{1} << CAP_SYS_ADMIN;
  std::string err;
  EXPECT_FALSE(Drop(sys, &err));
  EXPECT_EQ(err.rfind("PID 1's own drop: ", 0), 0u) << err;
  EXPECT_NE(err.find("differs from the plan"), std::string::npos) << err;
  EXPECT_EQ(std::find(sys.calls.begin(), sys.calls.end(), "seccomp"), sys.calls.end());
}

TEST_F(SupervisorDropTest, TiniPersonalityDropsNothing) {
  Options tini;
  std::string err;
  ASSERT_TRUE(ParseCommandLine({"tini", "--", "/bin/true"}, {{"PATH", "/usr/bin:/bin"}}, &tini,
                               &err))
      << err;
  Launch launch;
  int exit_code = 0;
  ASSERT_TRUE(PrepareLaunch(tini, IdentityFiles{}, InheritedSignals{}, {"PATH=/usr/bin:/bin"},
                            &launch, &exit_code, &err))
      << err;
  RecordingSys sys;
  EXPECT_TRUE(DropSupervisorPrivileges(launch, SIGTERM, filter_, sys, &err)) << err;
  EXPECT_TRUE(sys.calls.empty());
}

}  // namespace
}  // namespace hardinit
