// hardinit's main(): wiring only. Every step it calls lives in the core library.
#include <fcntl.h>
#include <malloc.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "hardinit/cli.h"
#include "hardinit/error.h"
#include "hardinit/exit_codes.h"
#include "hardinit/health.h"
#include "hardinit/inspect.h"
#include "hardinit/launch.h"
#include "hardinit/log.h"
#include "hardinit/seccomp.h"
#include "hardinit/seccomp_listen.h"
#include "hardinit/signals.h"
#include "hardinit/spawn.h"
#include "hardinit/stack.h"
#include "hardinit/supervisor.h"
#include "hardinit/version.h"

extern char** environ;

namespace hardinit {
namespace {

int Fail(int exit_code, const std::string& message) {
  LogFatal(message);
  return exit_code;
}

void PrintVersion(Personality personality) {
  if (personality == Personality::kTini) {
    // Docker's `docker info` parses this form (moby parseInitVersion), splitting the commit
    // on '.': it must be one word without dots, so docker info shows "commit: hardinit".
    std::printf("tini version %s - git.hardinit\n", kTiniCompatibleVersion);
  } else {
    // Docker's name of the architecture the binary was compiled for (amd64, arm64).
    std::printf("hardinit %s (commit %s, linux/%s)\n", HARDINIT_VERSION, kBuildCommit,
                CurrentSeccompContext(0).arch.c_str());
  }
}

// tini's warning, word for word: its users and tests look for "zombie reaping won't work".
constexpr char kTiniNotPid1Warning[] =
    "Tini is not running as PID 1 and isn't registered as a child subreaper.\n"
    "Zombie processes will not be re-parented to Tini, so zombie reaping won't work.\n"
    "To fix the problem, use the -s option or set the environment variable TINI_SUBREAPER to "
    "register Tini as a child subreaper, or run Tini as PID 1.";

bool BecomeSubreaper(const Options& options, std::string* err) {
  if (getpid() == 1) return true;
  // The bit survives execve: a parent that set it and exec'd hardinit made it a subreaper
  // already, and reaping works (tini reads it first too).
  int inherited = 0;
  if (prctl(PR_GET_CHILD_SUBREAPER, &inherited) != 0) {
    *err = ErrnoMessage("prctl(PR_GET_CHILD_SUBREAPER)", errno);
    return false;
  }
  if (inherited != 0) {
    spdlog::debug("not PID 1: already a child subreaper (inherited across exec)");
    return true;
  }
  if (options.personality == Personality::kTini && !options.subreaper) {
    spdlog::warn(kTiniNotPid1Warning);
    return true;
  }
  if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
    *err = ErrnoMessage("prctl(PR_SET_CHILD_SUBREAPER)", errno);
    return false;
  }
  spdlog::debug("not PID 1: registered as child subreaper");
  return true;
}

std::vector<std::string> EnvironmentStrings() {
  std::vector<std::string> env;
  for (char** entry = environ; *entry != nullptr; ++entry) env.emplace_back(*entry);
  return env;
}

Environment EnvironmentMap() {
  Environment env;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string text = *entry;
    const size_t eq = text.find('=');
    if (eq != std::string::npos) env.emplace(text.substr(0, eq), text.substr(eq + 1));
  }
  return env;
}

int RunExec(const Options& options) {
  const InheritedSignals unchanged{};
  Launch launch;
  int exit_code = kExitFailedBeforeStart;
  std::string err;
  if (!PrepareLaunch(options, IdentityFiles{}, unchanged, EnvironmentStrings(), &launch,
                     &exit_code, &err)) {
    return Fail(exit_code, err);
  }
  exit_code = ExecInPlace(launch.plan(), &err);
  return Fail(exit_code, err);
}

// Everything from the plan to the running program. What supervising needs goes into *config
// (and *kept, which owns the listener under --seccomp-learn/--seccomp-log); the rest of the
// set-up (the plan, the compiled profile, argv and environment copies, PID 1's filter) is
// freed when this returns, so that PID 1 does not hold it for the container's life. Returns
// false with *exit_code and *err when the program did not start; *config->child is then the
// child to stop when it is not 0 (PID 1's own drop failed).
bool StartProgram(const Options& options, const InheritedSignals& inherited, int signal_fd,
                  SupervisorConfig* config, std::unique_ptr<Launch>* kept, int* exit_code,
                  std::string* err) {
  auto launch = std::make_unique<Launch>();
  *exit_code = kExitFailedBeforeStart;
  if (!PrepareLaunch(options, IdentityFiles{}, inherited, EnvironmentStrings(), launch.get(),
                     exit_code, err)) {
    return false;
  }
  SeccompProgram supervisor_filter;
  supervisor_filter.unconfined = true;
  if (options.confine && !PrepareSupervisorSeccomp(&supervisor_filter, err)) return false;

  RealSys sys;
  if (!DropBoundingSetBeforeFork(launch.get(), sys, err)) return false;
  // After the fork PID 1 needs little: it reads a signalfd, reaps, signals the program and
  // writes log lines. It gives up the rest once the child's own privilege steps hold, while
  // the child loads its filter, and the child execs only once PID 1 has written that it did:
  // the program never runs beside a PID 1 that has not dropped, and the exit of a program
  // shorter than the drop does not wait for it (design.md §3.5).
  LaunchPlan plan = launch->plan();
  int ready[2] = {-1, -1};
  if (plan.confine) {
    if (pipe2(ready, O_CLOEXEC) != 0) {
      *err = ErrnoMessage("pipe2", errno);
      return false;
    }
    plan.supervisor_ready_fd = ready[0];
    plan.supervisor_ready_write_fd = ready[1];
  }
  bool dropped = true;
  std::string drop_err;
  SeccompListener* listener = launch->listener();
  auto drop_own_privileges = [&] {
    // The program keeps the directory it was started in; PID 1 must not pin that mount for
    // the container's life (dumb-init moves to / after the fork too). Before PID 1's filter,
    // which does not allow chdir.
    if (chdir("/") != 0) spdlog::warn("chdir(\"/\"): {}", strerrordesc_np(errno));
    if (ready[0] < 0) return;
    // PID 1 answering the program's reported calls needs ioctl() on that one listener fd,
    // whose number Spawn has just received (design.md §3.12).
    if (listener != nullptr && listener->fd() >= 0 &&
        !PrepareSupervisorListenerSeccomp(*listener, &supervisor_filter, &drop_err)) {
      dropped = false;
    } else {
      dropped = DropSupervisorPrivileges(*launch, options.parent_death_signal, supervisor_filter,
                                         sys, &drop_err);
    }
    // Not written on failure: the child then reads end of file and does not start the
    // program. EPIPE: the child has failed already, and Spawn reports why.
    if (dropped && write(ready[1], &kSupervisorDropped, 1) != 1 && errno != EPIPE) {
      dropped = false;
      drop_err = ErrnoMessage("PID 1's own drop: telling the child", errno);
    }
    close(ready[1]);
    ready[1] = -1;
  };
  pid_t child = 0;
  const bool started = Spawn(plan, sys, drop_own_privileges, &child, exit_code, err, listener);
  for (int fd : ready) {
    if (fd >= 0) close(fd);
  }
  if (!started) {
    // When PID 1 could not drop, the child stopped because PID 1 told it to: PID 1's own
    // failure is the one to report.
    if (!dropped) {
      *exit_code = kExitFailedBeforeStart;
      *err = drop_err;
    }
    return false;
  }
  LogEvent(LogLevel::kDebug, "started " + launch->program() + " as pid " + std::to_string(child),
           {{"pid", child}});

  config->child = child;
  config->kill_process_group = options.kill_process_group;
  config->signal_rewrites = options.signal_rewrites;
  config->remapped_exit_codes = options.remapped_exit_codes;
  config->grace_ms = options.grace_ms;
  config->warn_on_reap = options.warn_on_reap;
  config->seccomp_name = launch->seccomp_name();
  config->listener = listener;
  if (!dropped) {
    // Fail closed, should the child ever have exec'd without PID 1's word: a PID 1 that kept
    // privileges it promised to drop does not supervise. It stops the whole tree with the
    // same bounded SIGKILL loop that ends a grace stop.
    KillEverything(*config, signal_fd);
    *exit_code = kExitFailedBeforeStart;
    *err = drop_err;
    return false;
  }
  // The listener lives in the launch (it names the profile it learns into).
  if (listener != nullptr) *kept = std::move(launch);
  return true;
}

// Everything before supervising, in a frame of its own: the set-up's locals (and those of what
// the compiler inlines here) are dead once PID 1 supervises, and ReleaseDeadStack gives their
// pages back; inlined into RunSupervisor they would stay in the frame PID 1 lives in. Empties
// *options: PID 1 keeps none of the parsed options for the container's life.
[[gnu::noinline]] bool SetUpSupervisor(Options* options, SupervisorConfig* config, int* signal_fd,
                                       std::unique_ptr<Launch>* kept, int* exit_code,
                                       std::string* err) {
  *exit_code = kExitFailedBeforeStart;
  if (options->parent_death_signal != 0 &&
      prctl(PR_SET_PDEATHSIG, options->parent_death_signal) != 0) {
    *err = ErrnoMessage("prctl(PR_SET_PDEATHSIG)", errno);
    return false;
  }
  if (!BecomeSubreaper(*options, err)) return false;

  InheritedSignals inherited;
  sigset_t waited;
  if (!ConfigureSupervisorSignals(&inherited, &waited, err)) return false;
  *signal_fd = signalfd(-1, &waited, SFD_CLOEXEC | SFD_NONBLOCK);
  if (*signal_fd < 0) {
    *err = ErrnoMessage("signalfd", errno);
    return false;
  }
  if (!StartProgram(*options, inherited, *signal_fd, config, kept, exit_code, err)) return false;
  *options = Options{};
  return true;
}

// PID 1's own frame, small on purpose: it stays resident for the container's life.
int RunSupervisor(Options* options) {
  SupervisorConfig config;
  std::unique_ptr<Launch> kept;
  int signal_fd = -1;
  int exit_code = kExitFailedBeforeStart;
  std::string err;
  if (!SetUpSupervisor(options, &config, &signal_fd, &kept, &exit_code, &err)) {
    return Fail(exit_code, err);
  }
  // The set-up's memory is free now but still resident, spread over the heap's pages among
  // what stays: give the wholly free pages back, since PID 1 holds the rest for the
  // container's life (bench/README.md, PID 1's RssAnon).
  malloc_trim(0);
  ReleaseDeadStack();
  const int status = Supervise(config, signal_fd);
  SeccompListener* listener = config.listener;
  if (listener != nullptr && listener->mode() == ListenMode::kLearn &&
      !listener->WriteLearnedProfile(&err)) {
    return Fail(kExitFailedBeforeStart, err);
  }
  return status;
}

// The parse and the other modes run in frames of their own (noinline), not in Main's: Main's
// frame stays on the stack above PID 1's for the container's life (ReleaseDeadStack).
[[gnu::noinline]] bool ParseOptions(int argc, char** argv, Options* options, int* exit_code) {
  // Out of scope before supervising: PID 1 keeps none of its own copies for the container's
  // life (RunSupervisor).
  const std::vector<std::string> args(argv, argv + argc);
  const Personality personality = args.empty() ? Personality::kHardinit : PersonalityFor(args[0]);
  std::string err;
  if (!ParseCommandLine(args, EnvironmentMap(), options, &err, exit_code)) {
    InitLogging(LogLevel::kWarn, LogFormat::kText, personality);
    *exit_code = Fail(*exit_code, err);
    return false;
  }
  InitLogging(options->log_level, options->log_format, options->personality);
  return true;
}

// Every mode but supervising.
[[gnu::noinline]] int RunCommand(int argc, char** argv, const Options& options) {
  std::string err;
  switch (options.mode) {
    case Mode::kHelp:
      std::fputs(UsageText(options.personality, argc > 0 ? argv[0] : "hardinit").c_str(), stdout);
      return 0;
    case Mode::kVersion:
      PrintVersion(options.personality);
      return 0;
    case Mode::kLicense:
      std::fputs(kLicenseText, stdout);
      return 0;
    case Mode::kSeccomp:
      return SeccompCommand(argc - 1, argv + 1);
    case Mode::kHealth:
      return HealthCommand(options.command);
    case Mode::kInspect: {
      SecurityState state;
      if (!ReadSecurityState(options.inspect_pid.value_or(getpid()), &state, &err)) {
        return Fail(kExitFailedBeforeStart, err);
      }
      std::fputs(FormatSecurityState(state, options.log_format, IdentityFiles{}).c_str(), stdout);
      return 0;
    }
    case Mode::kExec:
      return RunExec(options);
    case Mode::kSupervise:
      break;
  }
  return kExitFailedBeforeStart;
}

int Main(int argc, char** argv) {
  Options options;
  int usage_exit_code = kExitFailedBeforeStart;
  if (!ParseOptions(argc, argv, &options, &usage_exit_code)) return usage_exit_code;
  if (options.mode == Mode::kSupervise) return RunSupervisor(&options);
  return RunCommand(argc, argv, options);
}

}  // namespace
}  // namespace hardinit

int main(int argc, char** argv) { return hardinit::Main(argc, argv); }
