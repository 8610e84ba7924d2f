// The child between fork and exec: the ordered steps of design.md §3.4. Zone: child.
//
// WARNING: everything reachable from here must be async-signal-safe. No allocation, no
// logging, no stdio, no NSS, no exceptions, no locks: the only inputs are the LaunchPlan the
// parent prepared and the Sys seam. The same steps serve --exec mode, where they run in
// hardinit's own process and no fork happens.
#ifndef HARDINIT_CHILD_H_
#define HARDINIT_CHILD_H_

#include "hardinit/child_error.h"
#include "hardinit/plan.h"
#include "hardinit/sys.h"

namespace hardinit {

// Runs every step in order and stops at the first failure, which it returns. Right before
// execve it writes kReachedExecRecord to report_fd (none when -1: --exec mode has no parent
// to tell). With RealSys a successful run never returns (execve replaced the process); a
// fake Sys whose Execve returns 0 makes it return a ChildError with step kNone.
ChildError RunChildSteps(const LaunchPlan& plan, Sys& sys, int report_fd = -1) noexcept;

// The privilege steps alone (bounding set, ids, securebits, capabilities, no_new_privs and
// the checks of the result), in that order. PID 1 uses them on itself after the fork.
ChildError ApplyPrivileges(const LaunchPlan& plan, Sys& sys) noexcept;

// Removes from the bounding set every capability outside caps.bounding that is still in it
// (§3.4 step 5). The parent also calls it before the fork, with the union of the program's
// and PID 1's sets, so that neither of them drops the rest one prctl() at a time.
ChildError DropBoundingSet(const CapabilityPlan& caps, Sys& sys) noexcept;

// The forked child's whole life: RunChildSteps, then on failure write the ChildError to
// error_fd and _exit() with the code the failure maps to. Never returns.
[[noreturn]] void ChildMain(const LaunchPlan& plan, Sys& sys, int error_fd) noexcept;

// The exit code a failed step maps to: 127 when exec found nothing, 126 when exec failed for
// another reason, 125 for every step before it (design.md §2).
int ExitCodeFor(const ChildError& error) noexcept;

}  // namespace hardinit

#endif  // HARDINIT_CHILD_H_
