// Running a check under a seccomp filter for real, in a forked child, as PID 1 or the program
// would: no_new_privs, then the filter. Shared by the unit tests that load filters.
#pragma once

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <vector>

namespace hardinit {

// What the child exits with when the filter could not be loaded.
inline constexpr int kFilterNotLoaded = 250;

// Ends the calling process with `code`. Not _exit(): before every call to a noreturn
// function a sanitized build runs ASan's __asan_handle_no_return, whose sigaltstack() PID 1's
// filter denies, and ASan then aborts. Always inlined, so no such call is left to instrument.
[[gnu::always_inline]] inline void ExitChild(int code) {
  syscall(SYS_exit_group, code);
  __builtin_unreachable();
}

// Forks; the child loads `filter` (none when null), runs `body` and exits with what it
// returns (0-255). Returns the child's wait status, or -1 if fork or waitpid failed.
template <typename Body>
int RunInConfinedChild(const std::vector<sock_filter>* filter, Body body) {
  const pid_t pid = fork();
  if (pid == 0) {
    if (filter != nullptr) {
      sock_fprog program{static_cast<unsigned short>(filter->size()),
                         const_cast<sock_filter*>(filter->data())};
      if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
          syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &program) != 0) {
        ExitChild(kFilterNotLoaded);
      }
    }
    ExitChild(body());
  }
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) != pid) return -1;
  return status;
}

}  // namespace hardinit
