// The record a failed child step sends to the parent. Zone: both.
//
// Convention (crun's design-docs/error_handling.md, made async-signal-safe): every child step
// returns a ChildError; the first failure is written whole (8 bytes, far below PIPE_BUF, so
// the write is atomic) to an O_CLOEXEC pipe and the child calls _exit(). Right before execve
// the child writes kReachedExecRecord. The parent reads the pipe to its end: that record
// alone means execve() succeeded (and closed the pipe); that record and a failure mean
// execve failed; nothing at all means the child died before exec (a signal, design.md §2),
// which the parent reports from the child's wait status. The child never formats text.
#ifndef HARDINIT_CHILD_ERROR_H_
#define HARDINIT_CHILD_ERROR_H_

#include <cstdint>

namespace hardinit {

enum class Step : uint32_t {
  kNone = 0,
  kSetProcessGroup,
  kForegroundTty,
  kRestoreSignalMask,
  kRestoreSignalDisposition,
  kCloexecFds,
  kDropBoundingSet,
  kKeepCaps,
  kSetGroups,
  kSetResGid,
  kSetResUid,
  kRaiseSetpcap,
  kLockSecurebits,
  kSetCapabilities,
  kClearAmbient,
  kRaiseAmbient,
  kNoNewPrivs,
  kVerifyUids,
  kVerifyGids,
  kVerifyGroups,
  kVerifyCapabilities,
  kVerifyBoundingSet,
  kVerifyAmbient,
  kVerifySecurebits,
  kVerifyNoNewPrivs,
  kLandlock,
  kAwaitSupervisor,
  kLoadSeccomp,
  kSendListener,
  kExec,
  // Not a failure: the record the child sends right before execve (see below).
  kReachedExec,
  // Not a failure: under a supervisor that drops its own privileges, the record the child
  // sends once its own privilege steps hold; PID 1 starts its drop then (design.md §3.5).
  kPrivilegesDropped,
};

struct ChildError {
  Step step = Step::kNone;
  int32_t error = 0;  // an errno value; for verification steps, EPERM-like mismatch codes

  bool ok() const { return step == Step::kNone; }
};
static_assert(sizeof(ChildError) == 8);

inline constexpr ChildError kReachedExecRecord{Step::kReachedExec, 0};
inline constexpr ChildError kPrivilegesDroppedRecord{Step::kPrivilegesDropped, 0};

// The exit status of a child that loaded a reporting filter (design.md §3.12) but could not
// hand its listener to PID 1: every other call of the child now waits for an answer nobody
// gives, so it cannot write a record. The filter lets exit_group() with exactly this value
// through; the kernel keeps its low byte, 125.
inline constexpr int kListenerHandoverFailedExit = 0x4c45417d;

// The syscall or check a step stands for, as it appears in messages ("setresuid(1000)"
// is built by the parent from this and the plan). Parent-side helper; no allocation.
const char* StepName(Step step);

}  // namespace hardinit

#endif  // HARDINIT_CHILD_ERROR_H_
