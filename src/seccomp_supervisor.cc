// PID 1's own seccomp filter (design.md §3.5). Zone: parent (built before PID 1 installs it).
#include <errno.h>
#include <seccomp.h>

#include <array>

#include "hardinit/seccomp_profile.h"

namespace hardinit {
namespace {

// Every system call the supervisor loop makes after it has dropped its privileges: wait for
// signals (signalfd/timerfd/ppoll/epoll), forward them (kill, tgkill, pidfd_*), reap (wait4,
// waitid), log to stderr (write, writev; spdlog may fstat), walk /proc/<pid>/task/*/children
// (openat, getdents64, read, lseek, close), keep the allocator and glibc running (brk, mmap,
// munmap, mremap, madvise, futex, getrandom), and exit. Anything else fails with EPERM rather
// than killing PID 1, so a call missing here shows up as an error message, not a dead
// container. Extend it here, and nowhere else.
constexpr std::array kSupervisorSyscalls = {
    // signals and waiting
    "rt_sigprocmask", "rt_sigtimedwait", "rt_sigreturn", "restart_syscall", "signalfd4",
    "timerfd_create", "timerfd_settime", "ppoll", "poll", "epoll_create1", "epoll_ctl",
    "epoll_wait", "epoll_pwait", "epoll_pwait2", "clock_gettime", "clock_nanosleep",
    // forwarding and reaping
    "kill", "tgkill", "pidfd_open", "pidfd_send_signal", "wait4", "waitid",
    // logging and /proc
    "read", "write", "writev", "close", "openat", "getdents64", "fstat", "newfstatat", "statx",
    "lseek",
    // the process itself
    "getpid", "gettid", "prctl", "sched_yield", "exit", "exit_group",
    // memory and glibc
    "brk", "mmap", "munmap", "mremap", "madvise", "futex", "getrandom",
};

}  // namespace

SeccompRuleSet SupervisorSeccompRules(std::string_view target_arch) {
  SeccompRuleSet set;
  set.target_arch = target_arch;
  set.default_action = SCMP_ACT_ERRNO(EPERM);
  // A foreign-arch call also gets the errno: PID 1 must never be killed by its own filter.
  set.bad_arch_action = SCMP_ACT_ERRNO(EPERM);
  // known_names stays empty: no ENOSYS stub, every call the loop makes is listed above.
  for (const char* name : kSupervisorSyscalls) {
    set.rules.push_back(SeccompRule{name, SCMP_ACT_ALLOW, {}});
  }
  return set;
}

}  // namespace hardinit
