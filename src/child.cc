// The ordered steps between fork and exec (design.md §3.4). Zone: child (async-signal-safe).
//
// Each step is a small function returning a ChildError; RunChildSteps reads as the list of
// steps. Once the drop has started, nothing goes on after a failure (minijail: "We can't
// recover from failures if we've dropped privileges partially, so we don't even try").
#include "hardinit/child.h"

#include <linux/capability.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "hardinit/exit_codes.h"

namespace hardinit {
namespace {

#define RETURN_ON_FAILURE(expr)        \
  do {                                 \
    const ChildError failure_ = (expr); \
    if (!failure_.ok()) return failure_; \
  } while (0)

constexpr ChildError kOk{};

ChildError Fail(Step step, long rc) { return ChildError{step, static_cast<int32_t>(-rc)}; }

// A verification step whose read worked but whose result differs from the plan. Reported
// with error 0, which the parent words as "differs from the plan".
ChildError Mismatch(Step step) { return ChildError{step, 0}; }

bool HasBit(uint64_t mask, int bit) { return (mask >> bit) & 1U; }

ChildError IsolateProcessGroup(const LaunchPlan& plan, Sys& sys) {
  if (long rc = sys.SetProcessGroup(); rc < 0) return Fail(Step::kSetProcessGroup, rc);
  if (!plan.foreground_tty) return kOk;
  // Done while SIGTTOU is still ignored, before the dispositions are restored: a background
  // group calling tcsetpgrp() would otherwise be stopped (tini does the same). ENOTTY and
  // ENXIO mean stdin is a tty but not our controlling one; tini tolerates both.
  long rc = sys.SetForeground(STDIN_FILENO);
  if (rc < 0 && rc != -ENOTTY && rc != -ENXIO) return Fail(Step::kForegroundTty, rc);
  return kOk;
}

ChildError RestoreSignals(const LaunchPlan& plan, Sys& sys) {
  // Dispositions first, mask second: a signal that was ignored when hardinit started and is
  // pending now is discarded instead of being delivered with its default action.
  for (int sig = 1; sig < _NSIG; ++sig) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    const bool ignored = sigismember(&plan.ignored, sig) == 1;
    // hardinit changed SIGTTIN/SIGTTOU to ignored and every inherited SIG_IGN to SIG_DFL;
    // everything else is still what it inherited.
    if (!ignored && sig != SIGTTIN && sig != SIGTTOU) continue;
    if (long rc = sys.SetSignalIgnored(sig, ignored); rc < 0) {
      return Fail(Step::kRestoreSignalDisposition, rc);
    }
  }
  if (long rc = sys.SetSignalMask(&plan.sigmask); rc < 0) {
    return Fail(Step::kRestoreSignalMask, rc);
  }
  return kOk;
}

ChildError MarkFdsCloexecFromProc(unsigned int first, Sys& sys) {
  const int dir = sys.OpenDirectory("/proc/self/fd");
  if (dir < 0) return Fail(Step::kCloexecFds, dir);
  alignas(8) char buffer[4096];
  for (;;) {
    const long size = sys.GetDents(dir, buffer, sizeof(buffer));
    if (size < 0) {
      sys.Close(dir);
      return Fail(Step::kCloexecFds, size);
    }
    if (size == 0) break;
    for (long offset = 0; offset < size;) {
      // struct linux_dirent64: ino (8), off (8), reclen (2), type (1), name.
      const char* entry = buffer + offset;
      unsigned short record_length;
      __builtin_memcpy(&record_length, entry + 16, sizeof(record_length));
      const char* name = entry + 19;
      offset += record_length;
      if (name[0] < '0' || name[0] > '9') continue;
      int fd = 0;
      for (const char* c = name; *c >= '0' && *c <= '9'; ++c) fd = fd * 10 + (*c - '0');
      if (fd < static_cast<int>(first) || fd == dir) continue;
      if (long rc = sys.SetCloexec(fd); rc < 0 && rc != -EBADF) {
        sys.Close(dir);
        return Fail(Step::kCloexecFds, rc);
      }
    }
  }
  sys.Close(dir);
  return kOk;
}

ChildError MarkFdsCloexec(const LaunchPlan& plan, Sys& sys) {
  if (!plan.cloexec_fds) return kOk;
  const long rc = sys.CloseRangeCloexec(plan.cloexec_from);
  if (rc == 0) return kOk;
  // close_range() is Linux 5.9, CLOSE_RANGE_CLOEXEC 5.11; older kernels say ENOSYS or
  // EINVAL, and a seccomp profile from before then may deny it with EPERM.
  if (rc == -ENOSYS || rc == -EINVAL || rc == -EPERM) {
    return MarkFdsCloexecFromProc(plan.cloexec_from, sys);
  }
  return Fail(Step::kCloexecFds, rc);
}

// Socket activation: the program's LISTEN_PID must be its own pid, which only the child
// knows. Written in place into the envp entry the parent reserved, without allocating.
void SetListenPid(const LaunchPlan& plan, Sys& sys) {
  if (plan.listen_pid == nullptr) return;
  char digits[16];
  int length = 0;
  for (unsigned int pid = static_cast<unsigned int>(sys.GetPid()); length == 0 || pid != 0;
       pid /= 10) {
    digits[length++] = static_cast<char>('0' + pid % 10);
  }
  for (int i = 0; i < length; ++i) plan.listen_pid[i] = digits[length - 1 - i];
  plan.listen_pid[length] = '\0';
}

ChildError SwitchIds(const LaunchPlan& plan, Sys& sys) {
  if (!plan.switch_ids) return kOk;
  // Keep the permitted set across setresuid() to a non-zero uid, so that the allowlist can
  // still be set afterwards. The kernel clears this flag again at execve().
  if (long rc = sys.Prctl(PR_SET_KEEPCAPS, 1); rc < 0) return Fail(Step::kKeepCaps, rc);
  // Groups first and uid last: each call needs the privilege the next one gives up.
  if (long rc = sys.SetGroups(plan.group_count, plan.groups); rc < 0) {
    return Fail(Step::kSetGroups, rc);
  }
  if (long rc = sys.SetResGid(plan.gid, plan.gid, plan.gid); rc < 0) {
    return Fail(Step::kSetResGid, rc);
  }
  if (long rc = sys.SetResUid(plan.uid, plan.uid, plan.uid); rc < 0) {
    return Fail(Step::kSetResUid, rc);
  }
  return kOk;
}

struct CapabilityState {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2]{};

  uint64_t Get(uint32_t __user_cap_data_struct::*set) const {
    return data[0].*set | (static_cast<uint64_t>(data[1].*set) << 32);
  }
  void Set(uint32_t __user_cap_data_struct::*set, uint64_t mask) {
    data[0].*set = static_cast<uint32_t>(mask);
    data[1].*set = static_cast<uint32_t>(mask >> 32);
  }
};

ChildError LockSecurebits(const CapabilityPlan& caps, Sys& sys) {
  if (!caps.lock_securebits) return kOk;
  // PR_SET_SECUREBITS needs CAP_SETPCAP in the effective set, which setresuid() to a
  // non-zero uid has just emptied; raise the whole permitted set into effective for this one
  // call. The final capset() below lowers everything to the allowlist.
  CapabilityState state;
  if (long rc = sys.CapGet(&state.header, state.data); rc < 0) {
    return Fail(Step::kRaiseSetpcap, rc);
  }
  state.Set(&__user_cap_data_struct::effective, state.Get(&__user_cap_data_struct::permitted));
  if (long rc = sys.CapSet(&state.header, state.data); rc < 0) {
    return Fail(Step::kRaiseSetpcap, rc);
  }
  if (long rc = sys.Prctl(PR_SET_SECUREBITS, kLockedSecurebits); rc < 0) {
    return Fail(Step::kLockSecurebits, rc);
  }
  return kOk;
}

ChildError SetCapabilities(const CapabilityPlan& caps, Sys& sys) {
  CapabilityState state;
  state.Set(&__user_cap_data_struct::permitted, caps.permitted);
  state.Set(&__user_cap_data_struct::effective, caps.effective);
  state.Set(&__user_cap_data_struct::inheritable, caps.inheritable);
  if (long rc = sys.CapSet(&state.header, state.data); rc < 0) {
    return Fail(Step::kSetCapabilities, rc);
  }
  if (long rc = sys.Prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL); rc < 0) {
    return Fail(Step::kClearAmbient, rc);
  }
  for (int cap = 0; cap <= caps.last_cap; ++cap) {
    if (!HasBit(caps.ambient, cap)) continue;
    if (long rc = sys.Prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap); rc < 0) {
      return Fail(Step::kRaiseAmbient, rc);
    }
  }
  return kOk;
}

ChildError SetNoNewPrivs(Sys& sys) {
  if (long rc = sys.Prctl(PR_SET_NO_NEW_PRIVS, 1); rc < 0) return Fail(Step::kNoNewPrivs, rc);
  return kOk;
}

ChildError VerifyIds(const LaunchPlan& plan, Sys& sys) {
  uid_t ruid, euid, suid;
  if (long rc = sys.GetResUid(&ruid, &euid, &suid); rc < 0) return Fail(Step::kVerifyUids, rc);
  if (ruid != plan.uid || euid != plan.uid || suid != plan.uid) return Mismatch(Step::kVerifyUids);
  gid_t rgid, egid, sgid;
  if (long rc = sys.GetResGid(&rgid, &egid, &sgid); rc < 0) return Fail(Step::kVerifyGids, rc);
  if (rgid != plan.gid || egid != plan.gid || sgid != plan.gid) return Mismatch(Step::kVerifyGids);
  if (!plan.switch_ids) return kOk;
  gid_t groups[256];
  const long count = sys.GetGroups(sizeof(groups) / sizeof(groups[0]), groups);
  // EINVAL: more groups than fit here; the plan never holds that many (launch.cc checks).
  if (count < 0) return Fail(Step::kVerifyGroups, count);
  if (static_cast<size_t>(count) != plan.group_count) return Mismatch(Step::kVerifyGroups);
  for (long i = 0; i < count; ++i) {
    if (groups[i] != plan.groups[i]) return Mismatch(Step::kVerifyGroups);
  }
  return kOk;
}

ChildError VerifyCapabilities(const CapabilityPlan& caps, Sys& sys) {
  CapabilityState state;
  if (long rc = sys.CapGet(&state.header, state.data); rc < 0) {
    return Fail(Step::kVerifyCapabilities, rc);
  }
  if (state.Get(&__user_cap_data_struct::permitted) != caps.permitted ||
      state.Get(&__user_cap_data_struct::effective) != caps.effective ||
      state.Get(&__user_cap_data_struct::inheritable) != caps.inheritable) {
    return Mismatch(Step::kVerifyCapabilities);
  }
  // Asked cap by cap: 82 prctl() reads take 11 µs, where opening, reading and parsing
  // /proc/self/status takes 20 µs (bench/README.md), and they need no /proc. Capabilities
  // above last_cap do not exist in this kernel, so nothing is left unread. The kernel keeps
  // the ambient set inside permitted ∩ inheritable (capabilities(7): "no capability can ever
  // be ambient if it is not both permitted and inheritable"; cap_capset() and every uid
  // change enforce it), so outside the sets just read back no capability can be ambient and
  // only those inside are asked: none when nothing is kept.
  const uint64_t may_be_ambient = (state.Get(&__user_cap_data_struct::permitted) &
                                   state.Get(&__user_cap_data_struct::inheritable)) |
                                  caps.ambient;
  for (int cap = 0; cap <= caps.last_cap; ++cap) {
    if (caps.drop_bounding) {
      const long in_bounding = sys.Prctl(PR_CAPBSET_READ, cap);
      if (in_bounding < 0) return Fail(Step::kVerifyBoundingSet, in_bounding);
      if ((in_bounding == 1) != HasBit(caps.bounding, cap)) {
        return Mismatch(Step::kVerifyBoundingSet);
      }
    }
    if (!HasBit(may_be_ambient, cap)) continue;
    const long in_ambient = sys.Prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, cap);
    if (in_ambient < 0) return Fail(Step::kVerifyAmbient, in_ambient);
    if ((in_ambient == 1) != HasBit(caps.ambient, cap)) return Mismatch(Step::kVerifyAmbient);
  }
  if (caps.lock_securebits) {
    const long bits = sys.Prctl(PR_GET_SECUREBITS, 0);
    if (bits < 0) return Fail(Step::kVerifySecurebits, bits);
    if (static_cast<unsigned long>(bits) != kLockedSecurebits) {
      return Mismatch(Step::kVerifySecurebits);
    }
  }
  return kOk;
}

ChildError VerifyNoNewPrivs(Sys& sys) {
  const long nnp = sys.Prctl(PR_GET_NO_NEW_PRIVS, 0);
  if (nnp < 0) return Fail(Step::kVerifyNoNewPrivs, nnp);
  if (nnp != 1) return Mismatch(Step::kVerifyNoNewPrivs);
  return kOk;
}

// The listener goes to PID 1 right after the filter is loaded: from here on every other call
// of the child waits until PID 1 answers it. The fd is close-on-exec (the kernel creates it
// so), so the program never holds it.
ChildError SendListener(const LaunchPlan& plan, int listener, Sys& sys) {
  msghdr* message = plan.listener_message;
  __builtin_memcpy(CMSG_DATA(CMSG_FIRSTHDR(message)), &listener, sizeof(listener));
  const long sent = sys.SendMsg(plan.listener_socket, message, 0);
  if (sent < 0) return Fail(Step::kSendListener, sent);
  if (sent == 0) return Fail(Step::kSendListener, -EIO);
  return kOk;
}

ChildError LoadSeccomp(const LaunchPlan& plan, Sys& sys) {
  if (plan.filter_len == 0) return kOk;
  sock_fprog program{static_cast<unsigned short>(plan.filter_len),
                     const_cast<sock_filter*>(plan.filter)};
  const bool listen = plan.listener_socket >= 0;
  const unsigned int flags = plan.seccomp_flags | (listen ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0U);
  const long rc = sys.Seccomp(SECCOMP_SET_MODE_FILTER, flags, &program);
  if (rc < 0) return Fail(Step::kLoadSeccomp, rc);
  if (!listen) return kOk;
  return SendListener(plan, static_cast<int>(rc), sys);
}

// The parent tells "the child died before exec" from "exec happened" by this record
// (child_error.h). Written after the filter is loaded, so nothing but execve can fail after
// it. If the write itself fails (a filter that denies write), the program does not start:
// the parent would otherwise take the silence for a child that died.
ChildError ReportReachedExec(int report_fd, Sys& sys) {
  if (report_fd < 0) return kOk;
  const long written = sys.Write(report_fd, &kReachedExecRecord, sizeof(kReachedExecRecord));
  if (written != static_cast<long>(sizeof(kReachedExecRecord))) {
    return Fail(Step::kReachedExec, written < 0 ? written : -EIO);
  }
  return kOk;
}

// Under a supervisor whose PID 1 drops its own privileges (design.md §3.5): tells PID 1 that
// the child's drop holds, so that PID 1 starts its own. PID 1 makes the same calls; had an
// outer filter killed on one of them, the child would have died first and hardinit could
// still say why. Also closes the child's copy of the write end of PID 1's pipe, so that a
// PID 1 that fails, and closes its end without writing, reads as end of file.
ChildError ReportPrivilegesDropped(const LaunchPlan& plan, int report_fd, Sys& sys) {
  if (plan.supervisor_ready_fd < 0) return kOk;
  if (long rc = sys.Close(plan.supervisor_ready_write_fd); rc < 0) {
    return Fail(Step::kAwaitSupervisor, rc);
  }
  if (report_fd < 0) return kOk;
  const long written =
      sys.Write(report_fd, &kPrivilegesDroppedRecord, sizeof(kPrivilegesDroppedRecord));
  if (written != static_cast<long>(sizeof(kPrivilegesDroppedRecord))) {
    return Fail(Step::kAwaitSupervisor, written < 0 ? written : -EIO);
  }
  return kOk;
}

// PID 1 writes one byte once its own drop has succeeded: the program must never run beside a
// PID 1 that has not dropped. After the filter, so that PID 1's drop runs while the child
// loads it (the longest of its steps); the profile must allow read(2), as it must allow
// write(2) for the exec report.
ChildError AwaitSupervisorDrop(const LaunchPlan& plan, Sys& sys) {
  if (plan.supervisor_ready_fd < 0) return kOk;
  char go = 0;
  long n;
  while ((n = sys.Read(plan.supervisor_ready_fd, &go, 1)) == -EINTR) {
  }
  if (n < 0) return Fail(Step::kAwaitSupervisor, n);
  if (n != 1 || go != kSupervisorDropped) return Fail(Step::kAwaitSupervisor, -ECANCELED);
  return kOk;
}

// After no_new_privs (the kernel requires it, or CAP_SYS_ADMIN) and before the filter, so that
// the filter need not allow it. Default audit logging: the kernel's choice (flags 0).
ChildError RestrictLandlock(const LaunchPlan& plan, Sys& sys) {
  if (plan.landlock_ruleset_fd < 0) return kOk;
  if (long rc = sys.LandlockRestrictSelf(plan.landlock_ruleset_fd, 0); rc < 0) {
    return Fail(Step::kLandlock, rc);
  }
  return kOk;
}

ChildError Exec(const LaunchPlan& plan, Sys& sys) {
  if (long rc = sys.Execve(plan.path, plan.argv, plan.envp); rc < 0) return Fail(Step::kExec, rc);
  return kOk;
}

}  // namespace

// Each drop commits a new set of credentials (about 1 µs); a read is a fifth of that, and
// needless when the parent has read the set already (bounding_held). Under a supervisor the
// parent has dropped, before the fork, what neither the program nor PID 1 keeps
// (DropBoundingSetBeforeFork), so here most capabilities are gone already.
ChildError DropBoundingSet(const CapabilityPlan& caps, Sys& sys) noexcept {
  if (!caps.drop_bounding) return kOk;
  for (int cap = 0; cap <= caps.last_cap; ++cap) {
    if (HasBit(caps.bounding, cap)) continue;
    if (caps.bounding_held_known) {
      if (!HasBit(caps.bounding_held, cap)) continue;
    } else {
      const long in_bounding = sys.Prctl(PR_CAPBSET_READ, cap);
      if (in_bounding < 0) return Fail(Step::kDropBoundingSet, in_bounding);
      if (in_bounding == 0) continue;
    }
    if (long rc = sys.Prctl(PR_CAPBSET_DROP, cap); rc < 0) return Fail(Step::kDropBoundingSet, rc);
  }
  return kOk;
}

ChildError ApplyPrivileges(const LaunchPlan& plan, Sys& sys) noexcept {
  RETURN_ON_FAILURE(DropBoundingSet(plan.caps, sys));
  RETURN_ON_FAILURE(SwitchIds(plan, sys));
  RETURN_ON_FAILURE(LockSecurebits(plan.caps, sys));
  RETURN_ON_FAILURE(SetCapabilities(plan.caps, sys));
  RETURN_ON_FAILURE(SetNoNewPrivs(sys));
  RETURN_ON_FAILURE(VerifyIds(plan, sys));
  RETURN_ON_FAILURE(VerifyCapabilities(plan.caps, sys));
  return VerifyNoNewPrivs(sys);
}

ChildError RunChildSteps(const LaunchPlan& plan, Sys& sys, int report_fd) noexcept {
  if (plan.supervised) {
    RETURN_ON_FAILURE(IsolateProcessGroup(plan, sys));
    RETURN_ON_FAILURE(RestoreSignals(plan, sys));
  }
  RETURN_ON_FAILURE(MarkFdsCloexec(plan, sys));
  SetListenPid(plan, sys);
  if (plan.confine) {
    RETURN_ON_FAILURE(ApplyPrivileges(plan, sys));
    RETURN_ON_FAILURE(ReportPrivilegesDropped(plan, report_fd, sys));
    RETURN_ON_FAILURE(RestrictLandlock(plan, sys));
    // Last before exec, so that the filter need not allow any of the steps above.
    RETURN_ON_FAILURE(LoadSeccomp(plan, sys));
    RETURN_ON_FAILURE(AwaitSupervisorDrop(plan, sys));
  }
  RETURN_ON_FAILURE(ReportReachedExec(report_fd, sys));
  return Exec(plan, sys);
}

int ExitCodeFor(const ChildError& error) noexcept {
  if (error.step != Step::kExec) return kExitFailedBeforeStart;
  return error.error == ENOENT || error.error == ENOTDIR ? kExitNotFound : kExitCannotExecute;
}

void ChildMain(const LaunchPlan& plan, Sys& sys, int error_fd) noexcept {
  const ChildError error = RunChildSteps(plan, sys, error_fd);
  // The record's write would wait for PID 1, which never got the listener (child_error.h).
  if (error.step == Step::kSendListener) _exit(kListenerHandoverFailedExit);
  // A short or failed write leaves the parent without a failure record, which it reports
  // from the child's exit status; there is nobody else to tell.
  [[maybe_unused]] ssize_t written = write(error_fd, &error, sizeof(error));
  _exit(ExitCodeFor(error));
}

}  // namespace hardinit
