// What the program can do to PID 1 through the debugging interfaces (docs/security.md row 4):
// PTRACE_ATTACH, /proc/1/mem and process_vm_readv, tried by the program itself in a real PID
// namespace once PID 1 has dropped its own privileges (design.md §3.5). PID 1 is not
// dumpable, so the kernel refuses each one whatever uid PID 1 runs as; the same calls against
// a child of the program's own succeed, which shows they reach the kernel and can work.
#include <signal.h>

#include <map>
#include <string>
#include <vector>

#include "harness.h"

namespace hardinit::testing {
namespace {

// The program, as uid 1000 under `profile`: waits for one signal (a forwarded signal means
// PID 1 is in its loop, past its own drop), then reports PID 1's status and tries each call
// on PID 1 and on a child of its own.
std::map<std::string, std::string> PryUnder(const std::string& profile) {
  Process p({"--user", "1000", "--seccomp", profile, "--", kProbe, "wait-signals", "1", "status-of",
             "1", "pry", "1", "pry", "child"},
            {});
  EXPECT_TRUE(p.WaitForOutput("ready=1")) << p.out();
  p.Signal(SIGUSR1);
  EXPECT_TRUE(p.WaitForOutput("prychild_owner=")) << p.out();
  const RunResult r = p.Wait();
  EXPECT_EQ(r.exit_code, 0) << "--seccomp " << profile << ": " << r.err;
  return ParseReport(r.out);
}

TEST(Pid1Access, TheProgramCannotPtraceOrReadPid1) {
  HARDINIT_REQUIRE_ROOT();
  // unconfined: nothing but the kernel stands between the program and PID 1, so the errnos
  // are the kernel's. default: Docker's profile allows ptrace and process_vm_readv (kernel
  // 4.8 and later), and the answers are the same.
  for (const std::string profile : {"unconfined", "default"}) {
    auto report = PryUnder(profile);
    // The kernel's answers for a process the caller may not access (ptrace(2): a target
    // that is not dumpable needs CAP_SYS_PTRACE): PTRACE_ATTACH and process_vm_readv say
    // EPERM, opening /proc/PID/mem says EACCES.
    EXPECT_EQ(report["pry1_ptrace"], "EPERM") << profile;
    EXPECT_EQ(report["pry1_mem"], "EACCES") << profile;
    EXPECT_EQ(report["pry1_vm_readv"], "EPERM") << profile;
    // Why: PID 1 has left uid 0, yet its /proc files belong to root, which the kernel does
    // only for a process that is not dumpable (proc(5)).
    const std::string pid1_uid = report["of1_Uid"].substr(0, report["of1_Uid"].find(' '));
    EXPECT_NE(pid1_uid, "0") << profile << ": PID 1 still runs as root";
    EXPECT_NE(pid1_uid, "") << profile << ": no status of PID 1";
    EXPECT_EQ(report["pry1_owner"], "0") << profile << ": PID 1 is dumpable";

    // Negative control: the same calls on the program's own child, a dumpable process of
    // the same uid, all work (a kernel whose Yama ptrace_scope is 2 or 3 forbids this for
    // any process, and the test cannot tell anything there).
    EXPECT_EQ(report["prychild_ptrace"], "OK") << profile;
    EXPECT_EQ(report["prychild_mem"], "OK") << profile;
    EXPECT_EQ(report["prychild_vm_readv"], "OK") << profile;
    EXPECT_EQ(report["prychild_owner"], "1000") << profile;
  }
}

}  // namespace
}  // namespace hardinit::testing
