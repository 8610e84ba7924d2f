// RealSys: the raw system calls behind the seam. Zone: child (async-signal-safe).
//
// Raw syscalls rather than libc wrappers: glibc's setresuid()/setgroups() broadcast the change
// to every thread with signals (setxid), and its sigprocmask() hides the signals glibc
// reserves for itself. The child has one thread and wants exactly one system call per step.
#include <fcntl.h>
#include <linux/close_range.h>
#include <sys/syscall.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>

#include "hardinit/sys.h"

namespace hardinit {
namespace {

long Result(long rc) { return rc < 0 ? -errno : rc; }

// The kernel's own struct sigaction for rt_sigaction (not glibc's, which differs in layout).
struct KernelSigaction {
  void (*handler)(int);
  unsigned long flags;
  void (*restorer)();
  unsigned long mask;
};

}  // namespace

int RealSys::SetSignalMask(const sigset_t* mask) {
  return static_cast<int>(
      Result(syscall(SYS_rt_sigprocmask, SIG_SETMASK, mask, nullptr, _NSIG / 8)));
}

int RealSys::SetSignalIgnored(int sig, bool ignored) {
  KernelSigaction action{};
  action.handler = ignored ? SIG_IGN : SIG_DFL;
  return static_cast<int>(
      Result(syscall(SYS_rt_sigaction, sig, &action, nullptr, sizeof(action.mask))));
}

int RealSys::SetProcessGroup() { return static_cast<int>(Result(syscall(SYS_setpgid, 0, 0))); }

int RealSys::SetForeground(int fd) {
  pid_t group = static_cast<pid_t>(syscall(SYS_getpgid, 0));
  return static_cast<int>(Result(syscall(SYS_ioctl, fd, TIOCSPGRP, &group)));
}

int RealSys::CloseRangeCloexec(unsigned int first) {
  return static_cast<int>(Result(syscall(SYS_close_range, first, ~0U, CLOSE_RANGE_CLOEXEC)));
}

int RealSys::OpenDirectory(const char* path) {
  return static_cast<int>(
      Result(syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)));
}

int RealSys::OpenFile(const char* path) {
  return static_cast<int>(Result(syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC)));
}

long RealSys::Read(int fd, void* buffer, size_t size) {
  return Result(syscall(SYS_read, fd, buffer, size));
}

long RealSys::GetDents(int fd, void* buffer, size_t size) {
  return Result(syscall(SYS_getdents64, fd, buffer, size));
}

int RealSys::SetCloexec(int fd) {
  return static_cast<int>(Result(syscall(SYS_fcntl, fd, F_SETFD, FD_CLOEXEC)));
}

int RealSys::Close(int fd) { return static_cast<int>(Result(syscall(SYS_close, fd))); }

long RealSys::Prctl(int option, unsigned long arg2, unsigned long arg3, unsigned long arg4,
                    unsigned long arg5) {
  return Result(syscall(SYS_prctl, option, arg2, arg3, arg4, arg5));
}

int RealSys::SetGroups(size_t count, const gid_t* groups) {
  return static_cast<int>(Result(syscall(SYS_setgroups, count, groups)));
}

int RealSys::SetResGid(gid_t rgid, gid_t egid, gid_t sgid) {
  return static_cast<int>(Result(syscall(SYS_setresgid, rgid, egid, sgid)));
}

int RealSys::SetResUid(uid_t ruid, uid_t euid, uid_t suid) {
  return static_cast<int>(Result(syscall(SYS_setresuid, ruid, euid, suid)));
}

int RealSys::GetResGid(gid_t* rgid, gid_t* egid, gid_t* sgid) {
  return static_cast<int>(Result(syscall(SYS_getresgid, rgid, egid, sgid)));
}

int RealSys::GetResUid(uid_t* ruid, uid_t* euid, uid_t* suid) {
  return static_cast<int>(Result(syscall(SYS_getresuid, ruid, euid, suid)));
}

int RealSys::GetGroups(int size, gid_t* groups) {
  return static_cast<int>(Result(syscall(SYS_getgroups, size, groups)));
}

int RealSys::CapGet(cap_user_header_t header, cap_user_data_t data) {
  return static_cast<int>(Result(syscall(SYS_capget, header, data)));
}

int RealSys::CapSet(cap_user_header_t header, const cap_user_data_t data) {
  return static_cast<int>(Result(syscall(SYS_capset, header, data)));
}

int RealSys::Seccomp(unsigned int operation, unsigned int flags, void* args) {
  return static_cast<int>(Result(syscall(SYS_seccomp, operation, flags, args)));
}

int RealSys::LandlockRestrictSelf(int ruleset_fd, unsigned int flags) {
  return static_cast<int>(Result(syscall(SYS_landlock_restrict_self, ruleset_fd, flags)));
}

int RealSys::Execve(const char* path, char* const argv[], char* const envp[]) {
  return static_cast<int>(Result(syscall(SYS_execve, path, argv, envp)));
}

int RealSys::GetPid() { return static_cast<int>(syscall(SYS_getpid)); }

long RealSys::Write(int fd, const void* buffer, size_t size) {
  return Result(syscall(SYS_write, fd, buffer, size));
}

long RealSys::SendMsg(int fd, const msghdr* message, int flags) {
  return Result(syscall(SYS_sendmsg, fd, message, flags));
}

}  // namespace hardinit
