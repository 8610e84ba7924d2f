// Building the launch plan from the options (design.md §4). Zone: parent.
//
// Everything that can fail before the program starts fails here, in the parent, with one
// line: unknown users and capabilities, unreadable profiles, a program that is not there.
// What is left for the child is a sequence of system calls on ready values.
#ifndef HARDINIT_LAUNCH_H_
#define HARDINIT_LAUNCH_H_

#include <memory>
#include <string>
#include <vector>

#include "hardinit/cli.h"
#include "hardinit/identity.h"
#include "hardinit/landlock.h"
#include "hardinit/plan.h"
#include "hardinit/seccomp.h"
#include "hardinit/seccomp_listen.h"
#include "hardinit/signals.h"
#include "hardinit/sys.h"

namespace hardinit {

// Owns every buffer the LaunchPlan points into. Not copyable or movable: the plan holds
// pointers into it.
class Launch {
 public:
  Launch() = default;
  Launch(const Launch&) = delete;
  Launch& operator=(const Launch&) = delete;

  const LaunchPlan& plan() const { return plan_; }
  const std::string& program() const { return args_.front(); }
  const std::string& seccomp_name() const { return seccomp_.name; }
  bool runs_as_root() const { return plan_.uid == 0; }
  // --seccomp-learn/--seccomp-log: PID 1's end of the reporting filter; null otherwise.
  SeccompListener* listener() const { return listener_.get(); }

  // The plan for PID 1 itself after the fork: the program's uid, a gid the program has not
  // (when hardinit switches ids) and no supplementary groups, no capabilities (CAP_KILL only
  // when the program keeps CAP_SETUID and may leave PID 1's uid), no_new_privs.
  LaunchPlan SupervisorPlan() const;

  friend bool PrepareLaunch(const Options& options, const IdentityFiles& files,
                            const InheritedSignals& signals,
                            const std::vector<std::string>& environment, Launch* out,
                            int* exit_code, std::string* err);
  friend bool PrepareConfinement(const Options& options, const IdentityFiles& files,
                                 Launch* out, std::string* err);
  friend bool DropBoundingSetBeforeFork(Launch* launch, Sys& sys, std::string* err);

 private:
  std::vector<gid_t> groups_;
  std::vector<std::string> args_;
  std::vector<std::string> env_;
  std::vector<char*> argv_;
  std::vector<char*> envp_;
  std::string path_;
  SeccompProgram seccomp_;
  LandlockRuleset landlock_;
  std::unique_ptr<SeccompListener> listener_;
  LaunchPlan plan_{};
};

// PID 1's own plan for a program's plan: see Launch::SupervisorPlan().
LaunchPlan SupervisorPlanFor(const LaunchPlan& program);

// The capabilities hardinit itself holds, as the parent reads them before the fork.
struct OwnCapabilities {
  uint64_t permitted = 0;
  uint64_t bounding = 0;
  bool root = false;  // effective uid 0
};

// The program's capability sets for the allowlist `keep` (design.md §3.2), given what
// hardinit holds. Fails when `keep` names a capability hardinit does not hold, and when
// hardinit lacks CAP_SETPCAP while the bounding set holds capabilities outside `keep` and
// hardinit runs as root or holds any capability: those could not be removed. Without
// CAP_SETPCAP and with nothing to remove it warns that the securebits stay unlocked; a start
// without any capability only says so at info level.
bool PlanCapabilities(uint64_t keep, const OwnCapabilities& own, int last_cap, uid_t target_uid,
                      CapabilityPlan* caps, std::string* err);

// Before the fork, under a supervisor: removes from hardinit's own bounding set what neither
// the program nor PID 1 keeps, so that the child and PID 1 each have at most their few own
// capabilities left to drop (a bounding-set drop costs about 1 µs, and there are 41). The
// bounding set only matters at execve(), which the parent does not call. Nothing to do when
// the launch confines nothing or hardinit lacks CAP_SETPCAP. Records in the launch's plan
// what the bounding set then holds (CapabilityPlan::bounding_held).
bool DropBoundingSetBeforeFork(Launch* launch, Sys& sys, std::string* err);

// Once the child's own drop holds, while the child loads its filter: PID 1 applies
// SupervisorPlan() to itself through `sys` (the child's own privilege steps, checked the same
// way), becomes non-dumpable, re-sets the parent-death signal the uid change cleared (0:
// none), and loads `filter` unless it is unconfined. Nothing to do when the launch confines
// nothing (the tini personality). On failure *err names the step; the caller must not let the
// program start, nor go on supervising.
bool DropSupervisorPrivileges(const Launch& launch, int parent_death_signal,
                              const SeccompProgram& filter, Sys& sys, std::string* err);

// Resolves identity, capabilities, the seccomp filter, the program's path and environment
// ("NAME=value" strings, as in environ). On failure *exit_code is 125, or 126/127 when the
// program cannot be run.
bool PrepareLaunch(const Options& options, const IdentityFiles& files,
                   const InheritedSignals& signals, const std::vector<std::string>& environment,
                   Launch* out, int* exit_code, std::string* err);

// The confinement part of PrepareLaunch: identity, capabilities, seccomp, Landlock, HOME/USER.
bool PrepareConfinement(const Options& options, const IdentityFiles& files, Launch* out,
                        std::string* err);

// Looks `name` up the way execvp() would, in `path_variable`; a name with a '/' is returned
// as is. Fails with 127's or 126's message; *exit_code says which.
bool ResolveProgramPath(const std::string& name, const std::string& path_variable,
                        std::string* out, int* exit_code, std::string* err);

}  // namespace hardinit

#endif  // HARDINIT_LAUNCH_H_
