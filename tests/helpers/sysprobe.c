// sysprobe: system calls made so that the kernel, once reached, answers with an errno no
// seccomp profile returns. A filter's EPERM and the kernel's EPERM (no capability) look the
// same; these calls tell "denied by the filter" from "reached the kernel" without needing the
// privilege the real call would need.
//
// Usage: sysprobe try CALL [try CALL...]; each prints "CALL=ERRNO" ("OK" when it worked).
//   mount-efault    mount() with an unreadable fstype pointer: the kernel copies the strings
//                   before any permission check, so it answers EFAULT
//   unshare-einval  unshare(CLONE_NEWUSER | 1): bit 0 is no unshare flag, EINVAL first
//   clone-einval    clone(CLONE_NEWNS | CLONE_FS): a combination copy_process refuses, EINVAL
//   keyctl-badop    keyctl(no such operation): EOPNOTSUPP
// A filter's decision depends only on the syscall number and its arguments, and every
// profile here decides mount, unshare, clone and keyctl on the number alone (clone: on the
// CLONE_NEW* bits, which are the same as in the plain call), so these calls get the same
// decision as the plain ones the probe makes.
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static const char* ErrnoName(int e) {
  switch (e) {
    case 0: return "OK";
    case EPERM: return "EPERM";
    case ENOSYS: return "ENOSYS";
    case EINVAL: return "EINVAL";
    case EFAULT: return "EFAULT";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case ENOENT: return "ENOENT";
    default: {
      static char buffer[32];
      snprintf(buffer, sizeof(buffer), "E%d", e);
      return buffer;
    }
  }
}

static long Try(const char* name) {
  if (strcmp(name, "mount-efault") == 0) {
    return syscall(SYS_mount, "none", "/nonexistent-sysprobe-dir", (const char*)1, 0UL, NULL);
  }
  if (strcmp(name, "unshare-einval") == 0) return syscall(SYS_unshare, CLONE_NEWUSER | 1);
  if (strcmp(name, "clone-einval") == 0) {
    long rc = syscall(SYS_clone, CLONE_NEWNS | CLONE_FS | SIGCHLD, 0, 0, 0, 0);
    if (rc == 0) _exit(0);  // cannot happen: the kernel refuses the combination
    if (rc > 0) waitpid((pid_t)rc, NULL, 0);
    return rc < 0 ? rc : 0;
  }
  if (strcmp(name, "keyctl-badop") == 0) return syscall(SYS_keyctl, 0x7fffffffL, 0, 0, 0, 0);
  fprintf(stderr, "sysprobe: unknown call %s\n", name);
  _exit(2);
}

int main(int argc, char** argv) {
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "try") != 0) {
      fprintf(stderr, "sysprobe: unknown command %s\n", argv[i]);
      return 2;
    }
    errno = 0;
    const long rc = Try(argv[i + 1]);
    printf("%s=%s\n", argv[i + 1], rc < 0 ? ErrnoName(errno) : "OK");
    fflush(stdout);
  }
  return 0;
}
