#include "hardinit/launch.h"

#include <linux/capability.h>
#include <linux/seccomp.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <optional>

#include <spdlog/spdlog.h>

#include "hardinit/caps.h"
#include "hardinit/child.h"
#include "hardinit/error.h"
#include "hardinit/exit_codes.h"
#include "hardinit/file_env.h"
#include "hardinit/spawn.h"

namespace hardinit {
namespace {

constexpr char kDefaultPath[] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
// More socket-activation fds than any service uses; a bigger LISTEN_FDS is a mistake.
constexpr long kMaxActivationFds = 1 << 16;
// The room the child gets to write its pid into LISTEN_PID (pid_max is at most 2^22).
constexpr char kListenPidPlaceholder[] = "0000000000";
// PID 1's gid when the program's is not this: the kernel's overflow gid ("nogroup").
constexpr gid_t kSupervisorGid = 65534;
// The child compares getgroups() against the plan through a fixed buffer (child.cc).
constexpr size_t kMaxGroups = 256;

bool ReadOwnCapabilities(int last_cap, OwnCapabilities* out, std::string* err) {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2]{};
  if (syscall(SYS_capget, &header, data) != 0) {
    *err = ErrnoMessage("capget", errno);
    return false;
  }
  out->permitted = data[0].permitted | (uint64_t{data[1].permitted} << 32);
  out->bounding = 0;
  for (int cap = 0; cap <= last_cap; ++cap) {
    const int in_bounding = prctl(PR_CAPBSET_READ, cap);
    if (in_bounding < 0) {
      *err = ErrnoMessage("prctl(PR_CAPBSET_READ, " + std::to_string(cap) + ")", errno);
      return false;
    }
    if (in_bounding == 1) out->bounding |= uint64_t{1} << cap;
  }
  out->root = geteuid() == 0;
  return true;
}

// "SETGID, SETUID": names as a compose file's cap_add/cap_drop takes them.
std::string ComposeNames(uint64_t mask) {
  std::string names;
  for (int cap = 0; cap < 64; ++cap) {
    if (((mask >> cap) & 1U) == 0) continue;
    names += (names.empty() ? "" : ", ") + CapabilityName(cap).substr(4);
  }
  return names;
}

bool HasCap(uint64_t mask, int cap) { return (mask >> cap) & 1U; }

// gosu refuses to run setuid or setgid: an init that switches users on behalf of whoever
// calls it would be a root shell for everyone.
bool RefuseSetuidInstall(std::string* err) {
  struct stat self {};
  const bool special_bits =
      stat("/proc/self/exe", &self) == 0 && (self.st_mode & (S_ISUID | S_ISGID)) != 0;
  if (getauxval(AT_SECURE) != 0 || special_bits) {
    *err = "refusing to run: hardinit is installed setuid or setgid (remove the bit: "
           "chmod u-s,g-s)";
    return false;
  }
  return true;
}

std::string FindEnv(const std::vector<std::string>& env, const std::string& name) {
  for (const std::string& entry : env) {
    if (entry.size() > name.size() && entry.compare(0, name.size(), name) == 0 &&
        entry[name.size()] == '=') {
      return entry.substr(name.size() + 1);
    }
  }
  return {};
}

void SetEnv(std::vector<std::string>* env, const std::string& name, const std::string& value) {
  const std::string entry = name + "=" + value;
  for (std::string& existing : *env) {
    if (existing.compare(0, name.size() + 1, name + "=") == 0) {
      existing = entry;
      return;
    }
  }
  env->push_back(entry);
}

bool PrepareIdentity(const Options& options, const IdentityFiles& files, Identity* identity,
                     bool* switch_ids, std::string* err) {
  const uid_t uid = getuid();
  const gid_t gid = getgid();
  identity->uid = uid;
  identity->gid = gid;
  *switch_ids = false;
  if (options.user) {
    if (!ResolveIdentity(*options.user, files, identity, err)) return false;
  }
  if (options.groups) {
    if (!ResolveGroupList(*options.groups, files, &identity->groups, err)) return false;
  }
  if (!options.user && !options.groups) return true;
  if (identity->groups.size() > kMaxGroups) {
    *err = "--user " + options.user.value_or("") + ": more than " +
           std::to_string(kMaxGroups) + " supplementary groups";
    return false;
  }
  if (geteuid() == 0) {
    *switch_ids = true;
    return true;
  }
  // Started as non-root (USER in the Dockerfile, runAsUser): hardinit cannot switch, and
  // says so rather than run the program as someone it was not asked for.
  if (identity->uid != uid) {
    *err = "--user " + options.user.value_or("") + ": hardinit must start as root to switch "
           "users (it runs as uid " + std::to_string(uid) + ")";
    return false;
  }
  const bool group_asked = options.groups || options.user->find(':') != std::string::npos;
  if (group_asked && identity->gid != gid) {
    *err = "--user " + *options.user + ": hardinit must start as root to switch groups (it "
           "runs as gid " + std::to_string(gid) + ")";
    return false;
  }
  if (options.groups) {
    std::vector<gid_t> current(kMaxGroups);
    const int count = getgroups(static_cast<int>(current.size()), current.data());
    current.resize(count < 0 ? 0 : count);
    std::sort(current.begin(), current.end());
    current.erase(std::unique(current.begin(), current.end()), current.end());
    if (current != identity->groups) {
      *err = "--groups " + *options.groups + ": hardinit must start as root to set "
             "supplementary groups";
      return false;
    }
  }
  spdlog::info("already running as uid {}: user and groups stay as they are", uid);
  identity->gid = gid;
  return true;
}

bool PrepareCapabilities(const Options& options, uid_t target_uid, CapabilityPlan* caps,
                         std::string* err) {
  const int last_cap = LastCapability();
  uint64_t keep = 0;
  if (options.cap_keep) {
    std::vector<std::string> skipped;
    if (!ParseCapabilityList(*options.cap_keep, last_cap, &keep, &skipped, err)) return false;
    for (const std::string& name : skipped) {
      spdlog::warn("--cap-keep {}: the running kernel does not know it; skipped", name);
    }
  }
  OwnCapabilities own;
  if (!ReadOwnCapabilities(last_cap, &own, err)) return false;
  return PlanCapabilities(keep, own, last_cap, target_uid, caps, err);
}

// Never silently root (design.md §3.1): USER "root", or all digits that are 0, says it.
bool NamesRoot(const std::optional<std::string>& spec) {
  if (!spec) return false;
  const std::string user = spec->substr(0, spec->find(':'));
  return user == "root" || (!user.empty() && user.find_first_not_of('0') == std::string::npos);
}

// systemd socket activation (sd_listen_fds(3)): LISTEN_PID names the process that fds 3 ..
// 3+LISTEN_FDS-1 are meant for. Returns that count when it names hardinit (`self`), else 0.
unsigned int SocketActivationFds(const std::vector<std::string>& env, pid_t self) {
  const std::string pid = FindEnv(env, "LISTEN_PID");
  long value = 0;
  auto parse = [](const std::string& text, long* out) {
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
    return !text.empty() && ec == std::errc() && end == text.data() + text.size();
  };
  if (!parse(pid, &value) || value != self) return 0;
  const std::string fds = FindEnv(env, "LISTEN_FDS");
  if (!parse(fds, &value) || value <= 0 || value > kMaxActivationFds) {
    spdlog::warn("LISTEN_FDS=\"{}\": not a number of fds from 1 to {}; no fd is kept for socket "
                 "activation", fds, kMaxActivationFds);
    return 0;
  }
  return static_cast<unsigned int>(value);
}

}  // namespace

bool ResolveProgramPath(const std::string& name, const std::string& path_variable,
                        std::string* out, int* exit_code, std::string* err) {
  if (name.empty()) {
    *exit_code = kExitNotFound;
    *err = "the program name is empty";
    return false;
  }
  if (name.find('/') != std::string::npos) {
    *out = name;
    return true;
  }
  bool found_unexecutable = false;
  // Both sides as string_view: `cond ? kDefaultPath : path_variable` is a temporary
  // std::string, and a view of it would dangle (a use after free on every PATH search).
  std::string_view dirs =
      path_variable.empty() ? std::string_view(kDefaultPath) : std::string_view(path_variable);
  while (true) {
    const size_t colon = dirs.find(':');
    std::string dir(dirs.substr(0, colon));
    // An empty PATH element means the current directory, as in execvp().
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    struct stat st {};
    if (stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
      if ((st.st_mode & (S_IXUSR | S_IXGRP | S_IXOTH)) != 0) {
        *out = candidate;
        return true;
      }
      found_unexecutable = true;
    }
    if (colon == std::string_view::npos) break;
    dirs.remove_prefix(colon + 1);
  }
  *exit_code = found_unexecutable ? kExitCannotExecute : kExitNotFound;
  *err = name + (found_unexecutable ? ": found in PATH but not executable"
                                    : ": not found in PATH");
  return false;
}

bool PrepareLaunch(const Options& options, const IdentityFiles& files,
                   const InheritedSignals& signals, const std::vector<std::string>& environment,
                   Launch* out, int* exit_code, std::string* err) {
  *exit_code = kExitFailedBeforeStart;
  LaunchPlan& plan = out->plan_;
  if (!RefuseSetuidInstall(err)) return false;
  plan.supervised = options.mode == Mode::kSupervise;
  plan.confine = options.confine;
  plan.sigmask = signals.mask;
  plan.ignored = signals.ignored;
  plan.foreground_tty = plan.supervised && isatty(STDIN_FILENO) == 1;
  out->env_ = environment;
  // Secret files are read here, with hardinit's own credentials: a 0400 root file must be
  // read before the child (or --exec) drops them (design.md §3.10).
  if (!ApplyFileEnv(options.file_env, &out->env_, err)) return false;
  if (plan.confine && !PrepareConfinement(options, files, out, err)) return false;

  // tini and gosu keep every fd; hardinit passes on only socket activation's (design.md §3.4).
  plan.cloexec_fds = options.personality == Personality::kHardinit;
  const unsigned int activation_fds = SocketActivationFds(out->env_, getpid());
  plan.cloexec_from = STDERR_FILENO + 1 + activation_fds;
  const bool rewrite_listen_pid = activation_fds > 0 && plan.supervised;
  if (rewrite_listen_pid) SetEnv(&out->env_, "LISTEN_PID", kListenPidPlaceholder);

  out->args_ = options.command;
  if (!ResolveProgramPath(out->args_.front(), FindEnv(out->env_, "PATH"), &out->path_,
                          exit_code, err)) {
    return false;
  }
  for (std::string& arg : out->args_) out->argv_.push_back(arg.data());
  out->argv_.push_back(nullptr);
  for (std::string& entry : out->env_) {
    out->envp_.push_back(entry.data());
    if (rewrite_listen_pid && entry.starts_with("LISTEN_PID=")) {
      plan.listen_pid = entry.data() + entry.find('=') + 1;
    }
  }
  out->envp_.push_back(nullptr);
  plan.path = out->path_.c_str();
  plan.argv = out->argv_.data();
  plan.envp = out->envp_.data();
  if (plan.confine && plan.uid == 0 && !NamesRoot(options.user)) {
    if (options.user) {
      spdlog::warn("user \"{}\" has uid 0: {} runs as root (name it root or 0 to mean it)",
                   *options.user, options.command.front());
    } else {
      spdlog::warn("{} runs as root (uid 0); use --user to run it as an unprivileged user",
                   options.command.front());
    }
  }
  return true;
}

bool PrepareConfinement(const Options& options, const IdentityFiles& files, Launch* out,
                        std::string* err) {
  LaunchPlan& plan = out->plan_;
  Identity identity;
  if (!PrepareIdentity(options, files, &identity, &plan.switch_ids, err)) return false;
  plan.uid = identity.uid;
  plan.gid = identity.gid;
  out->groups_ = identity.groups;
  plan.groups = out->groups_.data();
  plan.group_count = out->groups_.size();

  if (!PrepareCapabilities(options, plan.uid, &plan.caps, err)) return false;

  SeccompContext context = CurrentSeccompContext(plan.caps.permitted);
  if (!PrepareSeccomp(options.seccomp, context, &out->seccomp_, err)) return false;
  const LaunchPlan pid1 = SupervisorPlanFor(plan);  // who writes a learned profile
  if (!PrepareSeccompListener(options, context, {pid1.uid, pid1.gid, plan.switch_ids, plan.gid},
                              &out->seccomp_, &out->listener_, err)) {
    return false;
  }
  if (out->listener_ != nullptr) {
    plan.listener_socket = out->listener_->child_socket();
    plan.listener_message = out->listener_->message();
  }
  plan.filter = out->seccomp_.filter.data();
  plan.filter_len = out->seccomp_.filter.size();
  plan.seccomp_flags = out->seccomp_.flags;

  if (!PrepareLandlock(options.landlock, &out->landlock_, err)) return false;
  plan.landlock_ruleset_fd = out->landlock_.fd();

  if (options.user) {
    // gosu's rule: HOME always from passwd (or "/"), whatever the image's ENV says.
    SetEnv(&out->env_, "HOME", identity.home);
    if (!identity.user_name.empty()) {
      SetEnv(&out->env_, "USER", identity.user_name);
      SetEnv(&out->env_, "LOGNAME", identity.user_name);
    }
  }
  return true;
}

LaunchPlan Launch::SupervisorPlan() const { return SupervisorPlanFor(plan_); }

LaunchPlan SupervisorPlanFor(const LaunchPlan& program) {
  LaunchPlan supervisor = program;
  CapabilityPlan& caps = supervisor.caps;
  // A program that keeps CAP_SETUID may move to a uid PID 1 could no longer signal.
  const uint64_t keep = HasCap(program.caps.permitted, CAP_SETUID) ? uint64_t{1} << CAP_KILL : 0;
  caps.bounding = keep;
  caps.permitted = keep;
  caps.effective = keep;
  caps.inheritable = 0;
  caps.ambient = 0;
  // The program's uid, so PID 1 can signal it (kill() compares uids only), but a gid it does
  // not have and, without CAP_SETGID, cannot take: prlimit() and ptrace() on another process
  // need the caller's real uid *and* gid to equal all of the target's (kernel/sys.c
  // check_prlimit_permission, kernel/ptrace.c __ptrace_may_access), so the program cannot
  // lower PID 1's RLIMIT_CPU or RLIMIT_NOFILE and kill it (design.md §3.5).
  if (supervisor.switch_ids) {
    supervisor.gid = program.gid == kSupervisorGid ? kSupervisorGid - 1 : kSupervisorGid;
    supervisor.groups = nullptr;
    supervisor.group_count = 0;
  }
  supervisor.filter = nullptr;
  supervisor.filter_len = 0;
  supervisor.landlock_ruleset_fd = -1;
  return supervisor;
}

bool PlanCapabilities(uint64_t keep, const OwnCapabilities& own, int last_cap, uid_t target_uid,
                      CapabilityPlan* caps, std::string* err) {
  caps->last_cap = last_cap;
  for (int cap = 0; cap <= last_cap; ++cap) {
    if (HasCap(keep, cap) && !HasCap(own.permitted, cap)) {
      *err = "--cap-keep " + CapabilityName(cap) + ": hardinit does not hold it (it is not "
             "in hardinit's permitted set; add it to the container)";
      return false;
    }
  }
  const bool has_setpcap = HasCap(own.permitted, CAP_SETPCAP);
  caps->drop_bounding = has_setpcap;
  caps->lock_securebits = has_setpcap;
  const uint64_t stuck = own.bounding & ~keep;
  if (!has_setpcap && !own.root && own.permitted == 0) {
    // USER in the Dockerfile, runAsUser: a process without capabilities can give the program
    // none, and under no_new_privs neither the bounding set nor the securebits grant any.
    spdlog::info("started without capabilities: the bounding set and the securebits stay as "
                 "they are, and under no_new_privs neither can grant anything at exec");
  } else if (!has_setpcap && stuck != 0) {
    *err = "hardinit lacks CAP_SETPCAP, so " + CapabilityListName(stuck) + " would stay in the "
           "program's bounding set: add SETPCAP to the container (cap_add: [SETPCAP]) or drop "
           "them in the runtime (cap_drop: [" + ComposeNames(stuck) + "])";
    return false;
  } else if (!has_setpcap) {
    spdlog::warn("hardinit lacks CAP_SETPCAP: the securebits (NOROOT, NO_SETUID_FIXUP, "
                 "KEEP_CAPS_LOCKED) stay unlocked, so uid 0 keeps root's special rules at exec "
                 "(capped by no_new_privs); the bounding set already holds only the kept "
                 "capabilities; add SETPCAP to the container to lock them");
  }
  caps->bounding = keep;
  caps->bounding_held_known = true;
  caps->bounding_held = own.bounding;
  caps->permitted = keep;
  caps->effective = keep;
  caps->inheritable = keep;
  // A non-root program without file capabilities keeps capabilities across execve() only
  // through the ambient set (capabilities(7)). So does root once SECBIT_NOROOT is locked:
  // uid 0 then gets nothing from its uid at execve(), and an empty ambient set would leave
  // `--user 0 --cap-keep X` without X. Only when the securebits stay unlocked (no
  // CAP_SETPCAP) does root's own rule give it the permitted set, bounded by no_new_privs.
  caps->ambient = target_uid != 0 || caps->lock_securebits ? keep : 0;
  return true;
}

bool DropBoundingSetBeforeFork(Launch* launch, Sys& sys, std::string* err) {
  LaunchPlan& program = launch->plan_;
  if (!program.confine || !program.caps.drop_bounding) return true;
  CapabilityPlan both = program.caps;
  both.bounding = program.caps.bounding | launch->SupervisorPlan().caps.bounding;
  const ChildError error = DropBoundingSet(both, sys);
  if (!error.ok()) {
    *err = "before the fork: " + DescribeChildError(error, program);
    return false;
  }
  // What the child and PID 1 (SupervisorPlanFor copies it) inherit: they drop the rest of
  // their own without reading first.
  if (program.caps.bounding_held_known) program.caps.bounding_held &= both.bounding;
  return true;
}

bool DropSupervisorPrivileges(const Launch& launch, int parent_death_signal,
                              const SeccompProgram& filter, Sys& sys, std::string* err) {
  if (!launch.plan().confine) return true;
  const LaunchPlan plan = launch.SupervisorPlan();
  const ChildError error = ApplyPrivileges(plan, sys);
  if (!error.ok()) {
    *err = "PID 1's own drop: " + DescribeChildError(error, plan);
    return false;
  }
  auto failed = [err](const char* step, long rc) {
    *err = "PID 1's own drop: " + ErrnoMessage(step, static_cast<int>(-rc));
    return false;
  };
  // Not dumpable: nobody of the program's uid may ptrace PID 1 or read its memory.
  if (long rc = sys.Prctl(PR_SET_DUMPABLE, 0); rc < 0) {
    return failed("prctl(PR_SET_DUMPABLE)", rc);
  }
  // A uid change clears the parent-death signal (prctl(2)); runc restores it the same way.
  if (parent_death_signal != 0) {
    if (long rc = sys.Prctl(PR_SET_PDEATHSIG, static_cast<unsigned long>(parent_death_signal));
        rc < 0) {
      return failed("prctl(PR_SET_PDEATHSIG)", rc);
    }
  }
  if (filter.unconfined) return true;
  sock_fprog program{static_cast<unsigned short>(filter.filter.size()),
                     const_cast<sock_filter*>(filter.filter.data())};
  if (int rc = sys.Seccomp(SECCOMP_SET_MODE_FILTER, 0, &program); rc < 0) {
    return failed("seccomp(SECCOMP_SET_MODE_FILTER)", rc);
  }
  return true;
}

}  // namespace hardinit
