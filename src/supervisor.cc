#include "hardinit/supervisor.h"

#include <dirent.h>
#include <poll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include <spdlog/spdlog.h>

#include "hardinit/error.h"
#include "hardinit/exit_codes.h"
#include "hardinit/file_util.h"
#include "hardinit/log.h"
#include "hardinit/seccomp_listen.h"
#include "hardinit/signals.h"

namespace hardinit {
namespace {

// Bounds the /proc walk, so that a tree that changes under us cannot keep it going forever.
constexpr size_t kMaxDescendants = 1 << 20;

// After SIGKILL: how often the rest is looked for and killed again, and for how long. A
// descendant that forks between the /proc walk and the kill leaves a child nobody signalled
// (a subreaper cannot signal a tree atomically, as kill(-1) does for PID 1), and one that
// forks in a loop could do so every round; the bound ends the wait either way.
constexpr long kKillRetryMs = 100;
constexpr long kKillLimitMs = 2000;

enum class Phase {
  kRunning,   // the program is alive: forward signals to it
  kStopping,  // the program is gone: the rest got SIGTERM and has until the grace deadline
  kKilling,   // the rest got SIGKILL: reap and kill again until nothing is left, or give up
};

class Supervisor {
 public:
  Supervisor(const SupervisorConfig& config, int signal_fd)
      : config_(config), signal_fd_(signal_fd), self_(getpid()) {}
  ~Supervisor() {
    if (timer_fd_ >= 0) close(timer_fd_);
  }

  int Run() {
    while (!done_) {
      SeccompListener* listener = config_.listener;
      const int listener_fd = listener != nullptr ? listener->fd() : -1;
      // The listener last, so that it drops out by shortening the count.
      pollfd fds[3] = {{signal_fd_, POLLIN, 0}, {timer_fd_, POLLIN, 0}, {listener_fd, POLLIN, 0}};
      const nfds_t count = listener_fd >= 0 ? 3 : timer_fd_ >= 0 ? 2 : 1;
      if (poll(fds, count, -1) < 0) {
        if (errno == EINTR) continue;
        spdlog::error("poll: {}", strerrordesc_np(errno));
        return kExitFailedBeforeStart;
      }
      if (count == 3) {
        if ((fds[2].revents & POLLIN) != 0) {
          listener->Service();
        } else if ((fds[2].revents & (POLLHUP | POLLERR | POLLNVAL)) != 0) {
          listener->Close();  // no process uses the filter any more
        }
      }
      if (count >= 2 && timer_fd_ >= 0 && (fds[1].revents & POLLIN) != 0) OnTimer();
      if ((fds[0].revents & POLLIN) != 0) DrainSignals();
    }
    return exit_code_;
  }

  // Straight to the kill phase, the program included: for a PID 1 that must not supervise.
  void KillEverything() {
    BeginKill(LogLevel::kDebug, "stopping every process");
    Run();
  }

 private:
  // noinline: its buffer would otherwise widen Run's frame, which PID 1 idles in (main.cc,
  // ReleaseDeadStack).
  [[gnu::noinline]] void DrainSignals() {
    signalfd_siginfo infos[16];
    for (;;) {
      const ssize_t n = read(signal_fd_, infos, sizeof(infos));
      if (n < 0) {
        if (errno == EINTR) continue;
        // EAGAIN: drained. Anything else would repeat forever; poll() tells us again.
        return;
      }
      for (ssize_t i = 0; i < n / static_cast<ssize_t>(sizeof(infos[0])); ++i) {
        if (infos[i].ssi_signo == SIGCHLD) {
          Reap();
        } else {
          Forward(infos[i]);
        }
      }
    }
  }

  void Forward(const signalfd_siginfo& info) {
    const int received = static_cast<int>(info.ssi_signo);
    // A signal hardinit caused itself (SIGPIPE from a log write to a closed pipe) belongs to
    // nobody else.
    if (static_cast<pid_t>(info.ssi_pid) == self_ && info.ssi_code == SI_USER) {
      spdlog::debug("ignoring {} raised by hardinit itself", SignalName(received));
      return;
    }
    const int rewritten = received < static_cast<int>(config_.signal_rewrites.size()) &&
                                  config_.signal_rewrites[received] >= 0
                              ? config_.signal_rewrites[received]
                              : received;
    if (rewritten == 0) {
      if (!LogEnabled(LogLevel::kDebug)) return;
      LogEvent(LogLevel::kDebug, "dropping " + SignalName(received) + " (--rewrite)",
               {{"signal", SignalName(received)}});
      return;
    }
    if (phase_ != Phase::kRunning) {
      spdlog::debug("{} received while stopping the remaining processes; not forwarded",
                    SignalName(received));
      return;
    }
    const pid_t target = config_.kill_process_group ? -config_.child : config_.child;
    if (LogEnabled(LogLevel::kDebug)) {
      LogEvent(LogLevel::kDebug,
             "forwarding " + SignalName(rewritten) + " to " + std::to_string(target),
               {{"signal", SignalName(rewritten)}, {"pid", target}});
    }
    if (kill(target, rewritten) != 0) {
      // ESRCH: the program exited and its SIGCHLD is on its way.
      spdlog::debug("kill({}, {}): {}", target, SignalName(rewritten), strerrordesc_np(errno));
    }
  }

  // waitpid(-1, WNOHANG) until nothing is left to reap, on every SIGCHLD: coalesced SIGCHLDs
  // must not hide the program's exit (catatonit#4).
  void Reap() {
    bool children_left = true;
    for (;;) {
      int status = 0;
      const pid_t pid = waitpid(-1, &status, WNOHANG);
      if (pid < 0 && errno == EINTR) continue;
      if (pid < 0) {
        children_left = false;  // ECHILD
        break;
      }
      if (pid == 0) break;
      if (pid == config_.child) {
        OnProgramExit(status);
      } else if (config_.warn_on_reap) {
        LogEvent(LogLevel::kWarn, "Reaped zombie process with pid=" + std::to_string(pid),
                 {{"pid", pid}, {"status", ExitCodeForStatus(status)}});
      } else if (LogEnabled(LogLevel::kTrace)) {
        LogEvent(LogLevel::kTrace, "reaped process " + std::to_string(pid), {{"pid", pid}});
      }
    }
    if (!program_exited_) return;
    if (!children_left) {
      done_ = true;
    } else if (phase_ == Phase::kRunning) {
      BeginStop();
    } else if (phase_ == Phase::kKilling) {
      // Whoever a killed process forked before it died is ours now: kill it too.
      SignalTheRest(SIGKILL);
    }
  }

  void OnProgramExit(int status) {
    program_exited_ = true;
    const int code = ExitCodeForStatus(status);
    if (WIFSIGNALED(status)) {
      const std::string name = SignalName(WTERMSIG(status));
      if (WTERMSIG(status) == SIGSYS) {
        LogEvent(LogLevel::kError,
                 "the program was killed by SIGSYS: seccomp profile \"" + config_.seccomp_name +
                     "\" denied a system call with a kill action",
                 {{"pid", config_.child}, {"signal", name}, {"profile", config_.seccomp_name}});
      } else {
        LogEvent(LogLevel::kInfo, "the program was killed by " + name,
                 {{"pid", config_.child}, {"signal", name}, {"status", code}});
      }
    } else {
      LogEvent(LogLevel::kInfo, "the program exited with status " + std::to_string(code),
               {{"pid", config_.child}, {"status", code}});
    }
    exit_code_ = config_.remapped_exit_codes.test(code) ? 0 : code;
  }

  // The program is gone but others remain (orphans, daemons it double-forked): they get
  // SIGTERM and the grace period, then SIGKILL. tini leaves them to the kernel's SIGKILL
  // when PID 1 exits (tini#180, #95, #236; dumb-init#212).
  void BeginStop() {
    if (config_.grace_ms == 0) {
      done_ = true;
      return;
    }
    LogEvent(LogLevel::kInfo,
             "the program has exited; sending SIGTERM to the remaining processes and waiting "
             "up to " + std::to_string(config_.grace_ms) + " ms",
             {{"grace_ms", config_.grace_ms}});
    SignalTheRest(SIGTERM);
    phase_ = Phase::kStopping;
    if (!ArmTimer(config_.grace_ms, 0)) {
      spdlog::warn("timerfd: {}; sending SIGKILL without a grace period", strerrordesc_np(errno));
      BeginKill(LogLevel::kWarn, "no grace period");
    }
  }

  void OnTimer() {
    uint64_t expirations = 0;
    // EAGAIN: poll() woke us for an expiry a re-arm has since cancelled; nothing to do.
    if (read(timer_fd_, &expirations, sizeof(expirations)) != sizeof(expirations)) return;
    if (phase_ == Phase::kStopping) {
      BeginKill(LogLevel::kWarn, "grace period over");
      return;
    }
    kill_rounds_left_ -= static_cast<long>(expirations);
    if (kill_rounds_left_ <= 0) {
      GiveUp();
      return;
    }
    SignalTheRest(SIGKILL);
  }

  void BeginKill(LogLevel level, const char* why) {
    LogEvent(level, std::string(why) + "; sending SIGKILL to the remaining processes",
             {{"grace_ms", config_.grace_ms}});
    phase_ = Phase::kKilling;
    SignalTheRest(SIGKILL);
    kill_rounds_left_ = kKillLimitMs / kKillRetryMs;
    if (!ArmTimer(kKillRetryMs, kKillRetryMs)) {
      // Without a timer the wait could not be bounded: do not wait at all.
      spdlog::warn("timerfd: {}; not waiting for the killed processes", strerrordesc_np(errno));
      done_ = true;
    }
  }

  // The bound of the kill phase: what is still there is left behind (to the kernel, which
  // kills a PID namespace with its PID 1, or to the init above a subreaper).
  void GiveUp() {
    const size_t left = Descendants(self_).size();
    LogEvent(LogLevel::kWarn,
             std::to_string(left) + " processes are still there " + std::to_string(kKillLimitMs) +
                 " ms after SIGKILL; exiting without them",
             {{"processes", static_cast<long long>(left)}});
    done_ = true;
  }

  bool ArmTimer(long first_ms, long interval_ms) {
    if (timer_fd_ < 0) timer_fd_ = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    if (timer_fd_ < 0) return false;
    itimerspec when{};
    when.it_value.tv_sec = first_ms / 1000;
    when.it_value.tv_nsec = (first_ms % 1000) * 1000000;
    when.it_interval.tv_sec = interval_ms / 1000;
    when.it_interval.tv_nsec = (interval_ms % 1000) * 1000000;
    return timerfd_settime(timer_fd_, 0, &when, nullptr) == 0;
  }

  void SignalTheRest(int sig) {
    if (self_ == 1) {
      // PID 1 of a namespace: every process in it is ours (and kill(-1) spares the caller).
      if (kill(-1, sig) != 0 && errno != ESRCH) {
        spdlog::warn("kill(-1, {}): {}", SignalName(sig), strerrordesc_np(errno));
      }
      return;
    }
    // A subreaper shares the pid namespace with others, maybe of the same uid: only our own
    // descendants are signalled, never kill(-1).
    for (pid_t pid : Descendants(self_)) {
      if (kill(pid, sig) != 0 && errno != ESRCH) {
        spdlog::debug("kill({}, {}): {}", pid, SignalName(sig), strerrordesc_np(errno));
      }
    }
  }

  const SupervisorConfig& config_;
  const int signal_fd_;
  const pid_t self_;
  int timer_fd_ = -1;
  long kill_rounds_left_ = 0;
  Phase phase_ = Phase::kRunning;
  bool program_exited_ = false;
  bool done_ = false;
  int exit_code_ = 0;
};

void AppendChildren(pid_t pid, std::vector<pid_t>* out) {
  const std::string task_dir = "/proc/" + std::to_string(pid) + "/task";
  DIR* tasks = opendir(task_dir.c_str());
  if (tasks == nullptr) return;  // gone already
  while (dirent* task = readdir(tasks)) {
    if (task->d_name[0] == '.') continue;
    std::string children;
    ReadFileError error;
    if (!ReadWholeFile(task_dir + "/" + task->d_name + "/children", {.limit = 1 << 20}, &children,
                       &error)) {
      continue;  // the task is gone
    }
    for (long long child : ParseNumbers(children)) {
      if (out->size() >= kMaxDescendants) break;
      out->push_back(static_cast<pid_t>(child));
    }
  }
  closedir(tasks);
}

}  // namespace

int ExitCodeForStatus(int status) {
  if (WIFSIGNALED(status)) return kExitSignalBase + WTERMSIG(status);
  return WEXITSTATUS(status);
}

std::vector<pid_t> Descendants(pid_t pid) {
  std::vector<pid_t> found;
  AppendChildren(pid, &found);
  for (size_t next = 0; next < found.size(); ++next) AppendChildren(found[next], &found);
  return found;
}

int Supervise(const SupervisorConfig& config, int signal_fd) {
  Supervisor supervisor(config, signal_fd);
  return supervisor.Run();
}

void KillEverything(const SupervisorConfig& config, int signal_fd) {
  Supervisor supervisor(config, signal_fd);
  supervisor.KillEverything();
}

}  // namespace hardinit
