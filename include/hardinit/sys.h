// The syscall seam of the privilege drop. Zone: child.
//
// Every system call the child makes between fork and exec goes through Sys, so that unit
// tests can record the order of the calls and make any one of them fail (ninja's
// "abstract so it can be mocked out for tests"). Each method returns the kernel's result:
// a non-negative value on success, -errno on failure. Implementations must not allocate,
// lock or log: RealSys issues raw syscalls.
#ifndef HARDINIT_SYS_H_
#define HARDINIT_SYS_H_

#include <linux/capability.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <cstddef>

namespace hardinit {

class Sys {
 public:
  virtual ~Sys() = default;

  virtual int SetSignalMask(const sigset_t* mask) = 0;      // rt_sigprocmask(SIG_SETMASK)
  virtual int SetSignalIgnored(int sig, bool ignored) = 0;  // rt_sigaction to SIG_IGN/SIG_DFL
  virtual int SetProcessGroup() = 0;                        // setpgid(0, 0)
  virtual int SetForeground(int fd) = 0;                    // ioctl(fd, TIOCSPGRP, getpgrp())
  virtual int CloseRangeCloexec(unsigned int first) = 0;    // close_range(first, ~0, CLOEXEC)
  virtual int OpenDirectory(const char* path) = 0;          // open(O_RDONLY|O_DIRECTORY|O_CLOEXEC)
  virtual int OpenFile(const char* path) = 0;               // open(O_RDONLY|O_CLOEXEC)
  virtual long Read(int fd, void* buffer, size_t size) = 0;
  virtual long GetDents(int fd, void* buffer, size_t size) = 0;  // getdents64
  virtual int SetCloexec(int fd) = 0;                       // fcntl(F_SETFD, FD_CLOEXEC)
  virtual int Close(int fd) = 0;
  virtual long Prctl(int option, unsigned long arg2, unsigned long arg3 = 0,
                     unsigned long arg4 = 0, unsigned long arg5 = 0) = 0;
  virtual int SetGroups(size_t count, const gid_t* groups) = 0;
  virtual int SetResGid(gid_t rgid, gid_t egid, gid_t sgid) = 0;
  virtual int SetResUid(uid_t ruid, uid_t euid, uid_t suid) = 0;
  virtual int GetResGid(gid_t* rgid, gid_t* egid, gid_t* sgid) = 0;
  virtual int GetResUid(uid_t* ruid, uid_t* euid, uid_t* suid) = 0;
  virtual int GetGroups(int size, gid_t* groups) = 0;  // returns the count
  virtual int CapGet(cap_user_header_t header, cap_user_data_t data) = 0;
  virtual int CapSet(cap_user_header_t header, const cap_user_data_t data) = 0;
  virtual int Seccomp(unsigned int operation, unsigned int flags, void* args) = 0;
  virtual int LandlockRestrictSelf(int ruleset_fd, unsigned int flags) = 0;
  virtual int Execve(const char* path, char* const argv[], char* const envp[]) = 0;
  virtual int GetPid() = 0;
  virtual long Write(int fd, const void* buffer, size_t size) = 0;
  virtual long SendMsg(int fd, const msghdr* message, int flags) = 0;
};

// The real thing: raw system calls, async-signal-safe.
class RealSys final : public Sys {
 public:
  int SetSignalMask(const sigset_t* mask) override;
  int SetSignalIgnored(int sig, bool ignored) override;
  int SetProcessGroup() override;
  int SetForeground(int fd) override;
  int CloseRangeCloexec(unsigned int first) override;
  int OpenDirectory(const char* path) override;
  int OpenFile(const char* path) override;
  long Read(int fd, void* buffer, size_t size) override;
  long GetDents(int fd, void* buffer, size_t size) override;
  int SetCloexec(int fd) override;
  int Close(int fd) override;
  long Prctl(int option, unsigned long arg2, unsigned long arg3, unsigned long arg4,
             unsigned long arg5) override;
  int SetGroups(size_t count, const gid_t* groups) override;
  int SetResGid(gid_t rgid, gid_t egid, gid_t sgid) override;
  int SetResUid(uid_t ruid, uid_t euid, uid_t suid) override;
  int GetResGid(gid_t* rgid, gid_t* egid, gid_t* sgid) override;
  int GetResUid(uid_t* ruid, uid_t* euid, uid_t* suid) override;
  int GetGroups(int size, gid_t* groups) override;
  int CapGet(cap_user_header_t header, cap_user_data_t data) override;
  int CapSet(cap_user_header_t header, const cap_user_data_t data) override;
  int Seccomp(unsigned int operation, unsigned int flags, void* args) override;
  int LandlockRestrictSelf(int ruleset_fd, unsigned int flags) override;
  int Execve(const char* path, char* const argv[], char* const envp[]) override;
  int GetPid() override;
  long Write(int fd, const void* buffer, size_t size) override;
  long SendMsg(int fd, const msghdr* message, int flags) override;
};

}  // namespace hardinit

#endif  // HARDINIT_SYS_H_
