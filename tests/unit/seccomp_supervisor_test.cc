// PID 1's own seccomp filter, loaded for real (design.md §3.5): a call outside it fails with an
// errno and never kills the caller, on every ABI the kernel offers a process on this machine.
// Each check runs in a forked child that reports through its exit code (never an assertion
// in the child); a SIGSYS death shows up as a signal in the parent.
#include <errno.h>
#include <gtest/gtest.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <iostream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include "bpf_interpreter.h"
#include "confined_child.h"
#include "hardinit/seccomp.h"
#include "hardinit/seccomp_profile.h"

namespace hardinit {
namespace {

// How a confined child ended: the errno it reported, or the signal that killed it.
struct Outcome {
  int exit_code = -1;  // the errno the call returned (0: it worked), when the child exited
  int signal = 0;      // the signal that killed it, otherwise
};

std::string Describe(const Outcome& o) {
  if (o.signal != 0) return "killed by signal " + std::to_string(o.signal);
  return "exit " + std::to_string(o.exit_code);
}

std::vector<sock_filter> SupervisorFilter() {
  SeccompProgram program;
  std::string err;
  EXPECT_TRUE(PrepareSupervisorSeccomp(&program, &err)) << err;
  EXPECT_FALSE(program.filter.empty());
  return program.filter;
}

// The child loads `filter` (if any) exactly as PID 1 does and exits with the errno `call`
// leaves (0 when it returns >= 0); kFilterNotLoaded means the filter could not be loaded.
template <typename Call>
Outcome RunUnder(const std::vector<sock_filter>* filter, Call call) {
  const int status = RunInConfinedChild(filter, [&call] {
    errno = 0;
    const long rc = call();
    return rc < 0 ? (errno & 0xff) : 0;
  });
  Outcome outcome;
  if (status == -1) return outcome;
  if (WIFSIGNALED(status)) {
    outcome.signal = WTERMSIG(status);
  } else {
    outcome.exit_code = WEXITSTATUS(status);
  }
  return outcome;
}

TEST(SupervisorSeccompTest, SocketFailsWithEpermNotSigsys) {
  const std::vector<sock_filter> filter = SupervisorFilter();
  const auto make_socket = [] {
    const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0) close(fd);
    return static_cast<long>(fd);
  };
  const Outcome confined = RunUnder(&filter, make_socket);
  EXPECT_EQ(confined.signal, 0) << Describe(confined);
  EXPECT_EQ(confined.exit_code, EPERM) << Describe(confined);
  // Negative control: without the filter the same call works, so the EPERM above is the
  // filter's.
  const Outcome unfiltered = RunUnder(nullptr, make_socket);
  EXPECT_EQ(unfiltered.exit_code, 0) << Describe(unfiltered);
}

TEST(SupervisorSeccompTest, MountFailsWithEpermFromTheFilter) {
  const std::vector<sock_filter> filter = SupervisorFilter();
  // An unreadable fstype pointer: the kernel, if reached, answers EFAULT before it checks
  // any permission, so EPERM can only come from the filter.
  const auto bad_mount = [] {
    return syscall(SYS_mount, "none", "/nonexistent", reinterpret_cast<const char*>(1), 0UL,
                   nullptr);
  };
  const Outcome confined = RunUnder(&filter, bad_mount);
  EXPECT_EQ(confined.signal, 0) << Describe(confined);
  EXPECT_EQ(confined.exit_code, EPERM) << Describe(confined);
  EXPECT_EQ(RunUnder(nullptr, bad_mount).exit_code, EFAULT) << "negative control";
}

TEST(SupervisorSeccompTest, WhatTheLoopNeedsStillWorks) {
  const std::vector<sock_filter> filter = SupervisorFilter();
  EXPECT_EQ(RunUnder(&filter, [] { return syscall(SYS_getpid); }).exit_code, 0);
  EXPECT_EQ(RunUnder(&filter, [] { return syscall(SYS_kill, getpid(), 0); }).exit_code, 0);
  EXPECT_EQ(RunUnder(&filter, [] { return syscall(SYS_wait4, -1, nullptr, WNOHANG, nullptr); })
                .exit_code,
            ECHILD)
      << "wait4 reaches the kernel";
  EXPECT_EQ(RunUnder(&filter, [] { return syscall(SYS_write, -1, "", 0); }).exit_code, EBADF);
}

#if defined(__x86_64__)
// uretprobe (335, Linux 6.11) and uprobe (336, Linux 6.16) never reach any seccomp filter:
// the kernel lets them through unfiltered (kernel commits "seccomp: passthrough uretprobe
// systemcall without filtering" and "... uprobe ..."), and outside their trampoline they
// answer SIGILL and ENXIO. Nothing a filter can change, and PID 1 never makes them.
const std::set<int> kUnfilteredByTheKernel = {335, 336};
#else
const std::set<int> kUnfilteredByTheKernel;  // both are x86-only
#endif

// Every native number from 0 to 599 that the loop does not need: EPERM, never a death. The
// allowed names are skipped (calling exit or a blocking wait with zero arguments proves
// nothing); the numbers past the last syscall are kept: the filter answers before the kernel
// finds there is no such call.
TEST(SupervisorSeccompTest, EveryUnlistedNativeNumberIsEperm) {
  const std::vector<sock_filter> filter = SupervisorFilter();
  std::set<int> skipped = kUnfilteredByTheKernel;
  for (const SeccompRule& rule : SupervisorSeccompRules(CurrentSeccompContext(0).arch).rules) {
    skipped.insert(seccomp_syscall_resolve_name_arch(kNativeScmpArch, rule.name.c_str()));
  }
  for (int nr = 0; nr < 600; ++nr) {
    if (skipped.count(nr) != 0) continue;
    const Outcome o = RunUnder(&filter, [nr] { return syscall(nr, 0, 0, 0, 0, 0, 0); });
    EXPECT_EQ(o.signal, 0) << kNativeArchName << " syscall " << nr << ": " << Describe(o);
    EXPECT_EQ(o.exit_code, EPERM) << kNativeArchName << " syscall " << nr << ": " << Describe(o);
  }
}

#if defined(__x86_64__)

// x32 numbers (bit 30 set on AUDIT_ARCH_X86_64): the filter answers before the kernel looks
// at whether x32 is built in, so a kernel without x32 changes nothing here.
TEST(SupervisorSeccompTest, X32NumbersAreEperm) {
  const std::vector<sock_filter> filter = SupervisorFilter();
  for (int nr : {__NR_getpid, __NR_write, __NR_kill, __NR_socket, __NR_mount}) {
    const long x32_nr = 0x40000000L | nr;
    const Outcome o = RunUnder(&filter, [x32_nr] { return syscall(x32_nr, -1, 0, 0, 0, 0, 0); });
    EXPECT_EQ(o.signal, 0) << "x32 syscall " << nr << ": " << Describe(o);
    EXPECT_EQ(o.exit_code, EPERM) << "x32 syscall " << nr << ": " << Describe(o);
  }
}

// An i386 call through int $0x80: a foreign architecture for the filter, whose bad-arch
// action is ERRNO(EPERM) rather than libseccomp's KILL_THREAD.
long Int80(long nr) {
  long rc;
  asm volatile("int $0x80" : "=a"(rc) : "a"(nr), "b"(0), "c"(0), "d"(0), "S"(0), "D"(0)
               : "memory");
  if (rc < 0 && rc > -4096) {
    errno = static_cast<int>(-rc);
    return -1;
  }
  return rc;
}

TEST(SupervisorSeccompTest, I386CallsAreEperm) {
  constexpr long kI386Getpid = 20;
  const std::vector<sock_filter> filter = SupervisorFilter();
  const Outcome probe = RunUnder(nullptr, [] { return Int80(kI386Getpid); });
  if (probe.signal != 0 || probe.exit_code != 0) {
    // This kernel runs no i386 code (ia32 emulation is off), so no i386 call can reach the
    // filter; ask the filter itself what it would answer.
    std::cout << "int $0x80 getpid: " << Describe(probe)
              << ": no ia32 emulation; checking the filter's answers in a BPF interpreter\n";
    for (int nr = 0; nr < 460; ++nr) {
      EXPECT_EQ(RunBpf(filter, Call(nr, {}, AUDIT_ARCH_I386)), SECCOMP_RET_ERRNO | EPERM)
          << "i386 syscall " << nr;
    }
    return;
  }
  for (long nr = 0; nr < 460; ++nr) {
    const Outcome o = RunUnder(&filter, [nr] { return Int80(nr); });
    EXPECT_EQ(o.signal, 0) << "i386 syscall " << nr << ": " << Describe(o);
    EXPECT_EQ(o.exit_code, EPERM) << "i386 syscall " << nr << ": " << Describe(o);
  }
}

#elif defined(__aarch64__)

// 32-bit ARM calls: a foreign architecture for the filter, answered with EPERM. Unlike
// int $0x80 on x86_64, an arm64 process cannot make an AArch32 call itself: only an exec of a
// 32-bit program switches the ABI, and this filter denies execve. So the filter's answers
// are read in the BPF interpreter, for every number the ARM table has.
TEST(SupervisorSeccompTest, ArmCompatCallsAreEperm) {
  const std::vector<sock_filter> filter = SupervisorFilter();
  for (int nr = 0; nr < 460; ++nr) {
    EXPECT_EQ(RunBpf(filter, Call(nr, {}, AUDIT_ARCH_ARM)), SECCOMP_RET_ERRNO | EPERM)
        << "arm syscall " << nr;
  }
  // ARM's private calls (cacheflush, set_tls) sit at 0xf0000 + n.
  for (int nr = 0xf0001; nr <= 0xf0005; ++nr) {
    EXPECT_EQ(RunBpf(filter, Call(nr, {}, AUDIT_ARCH_ARM)), SECCOMP_RET_ERRNO | EPERM)
        << "arm syscall " << nr;
  }
}

#endif

}  // namespace
}  // namespace hardinit
