// Starting the program: fork + error pipe, or exec in place. Zone: parent.
#ifndef HARDINIT_SPAWN_H_
#define HARDINIT_SPAWN_H_

#include <sys/types.h>

#include <functional>
#include <string>

#include "hardinit/child_error.h"
#include "hardinit/plan.h"
#include "hardinit/seccomp_listen.h"
#include "hardinit/sys.h"

namespace hardinit {

// Forks a child that runs the plan (child.cc) through `child_sys` (RealSys but in tests) and
// reads the close-on-exec error pipe until the child has exec'd. On failure the child has
// been reaped, *exit_code is 125, 126 or 127 and *err says which step failed and why, or
// which signal killed the child before it reached exec (125: the program never ran).
//
// With a `listener` (--seccomp-learn, --seccomp-log: design.md §3.12) it first receives the
// child's listener, then answers the child's reported calls while it waits for the records:
// the record's write and execve itself are reported.
bool Spawn(const LaunchPlan& plan, Sys& child_sys, pid_t* child, int* exit_code, std::string* err,
           SeccompListener* listener = nullptr);

// The same, and runs `in_parent` in the parent while the child finishes its steps: once the
// child reports that its privilege steps hold (plan.supervisor_ready_fd set), else right
// after the fork; never when the child fails first. PID 1's own drop runs there, beside the
// child's filter and exec (design.md §3.5).
bool Spawn(const LaunchPlan& plan, Sys& child_sys, const std::function<void()>& in_parent,
           pid_t* child, int* exit_code, std::string* err, SeccompListener* listener = nullptr);

// --exec: runs the same steps in this process. Returns only on failure, with the exit code.
int ExecInPlace(const LaunchPlan& plan, std::string* err);

// "setresuid(1000): Operation not permitted", "execve /bin/x: No such file or directory".
std::string DescribeChildError(const ChildError& error, const LaunchPlan& plan);

}  // namespace hardinit

#endif  // HARDINIT_SPAWN_H_
