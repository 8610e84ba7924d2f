#include "hardinit/signals.h"

#include <strings.h>

#include <array>
#include <charconv>
#include <string>

#include "hardinit/error.h"
#include "hardinit/file_util.h"

namespace hardinit {
namespace {

struct NamedSignal {
  const char* name;
  int number;
};

constexpr std::array<NamedSignal, 31> kSignals{{
    {"HUP", SIGHUP},     {"INT", SIGINT},       {"QUIT", SIGQUIT},     {"ILL", SIGILL},
    {"TRAP", SIGTRAP},   {"ABRT", SIGABRT},     {"BUS", SIGBUS},       {"FPE", SIGFPE},
    {"KILL", SIGKILL},   {"USR1", SIGUSR1},     {"SEGV", SIGSEGV},     {"USR2", SIGUSR2},
    {"PIPE", SIGPIPE},   {"ALRM", SIGALRM},     {"TERM", SIGTERM},     {"STKFLT", SIGSTKFLT},
    {"CHLD", SIGCHLD},   {"CONT", SIGCONT},     {"STOP", SIGSTOP},     {"TSTP", SIGTSTP},
    {"TTIN", SIGTTIN},   {"TTOU", SIGTTOU},     {"URG", SIGURG},       {"XCPU", SIGXCPU},
    {"XFSZ", SIGXFSZ},   {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},     {"WINCH", SIGWINCH},
    {"IO", SIGIO},       {"PWR", SIGPWR},       {"SYS", SIGSYS},
}};

bool ParseNumber(std::string_view text, int* out) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size();
}

// hardinit ignores SIGTTIN/SIGTTOU so it is never stopped; every signal it inherited as
// ignored becomes SIG_DFL, because an ignored signal is discarded when it is sent, even while
// blocked: to forward it (and to reap at all, for SIGCHLD) hardinit needs the default.
bool SetDisposition(int sig, bool inherited_ignored, std::string* err) {
  struct sigaction now {};
  now.sa_handler = sig == SIGTTIN || sig == SIGTTOU ? SIG_IGN : SIG_DFL;
  if (!inherited_ignored && now.sa_handler == SIG_DFL) return true;
  if (sigaction(sig, &now, nullptr) != 0) {
    *err = ErrnoMessage("sigaction(" + SignalName(sig) + ")", errno);
    return false;
  }
  return true;
}

// The ignored signals from /proc/self/status's SigIgn: one read, where asking sigaction()
// takes a system call per signal.
bool ReadIgnoredSignals(sigset_t* ignored) {
  std::string status;
  ReadFileError error;
  if (!ReadWholeFile("/proc/self/status", {.limit = 1 << 16}, &status, &error)) return false;
  const size_t at = status.find("\nSigIgn:\t");
  if (at == std::string::npos) return false;
  uint64_t mask = 0;
  const char* begin = status.data() + at + 9;
  auto [end, ec] = std::from_chars(begin, status.data() + status.size(), mask, 16);
  if (ec != std::errc() || end - begin != 16) return false;
  sigemptyset(ignored);
  for (int sig = 1; sig <= 64 && sig < _NSIG; ++sig) {
    if ((mask >> (sig - 1)) & 1U) sigaddset(ignored, sig);
  }
  return true;
}

// Without /proc: ask the kernel signal by signal.
bool AskEachSignal(InheritedSignals* inherited, std::string* err) {
  sigemptyset(&inherited->ignored);
  for (int sig = 1; sig < _NSIG; ++sig) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    struct sigaction old {};
    // EINVAL: a signal glibc reserves for itself (32, 33); it is not ours to change.
    if (sigaction(sig, nullptr, &old) != 0) continue;
    const bool ignored = old.sa_handler == SIG_IGN;
    if (ignored) sigaddset(&inherited->ignored, sig);
    if ((ignored || sig == SIGTTIN || sig == SIGTTOU) && !SetDisposition(sig, ignored, err)) {
      return false;
    }
  }
  return true;
}

}  // namespace

int ParseSignal(std::string_view text) {
  int number = 0;
  if (ParseNumber(text, &number)) return number > 0 && number < _NSIG ? number : 0;
  if (text.size() > 3 && strncasecmp(text.data(), "SIG", 3) == 0) text.remove_prefix(3);
  for (const NamedSignal& s : kSignals) {
    if (text.size() == std::char_traits<char>::length(s.name) &&
        strncasecmp(text.data(), s.name, text.size()) == 0) {
      return s.number;
    }
  }
  for (const auto& [base_name, base] : {std::pair{"RTMIN", SIGRTMIN}, {"RTMAX", SIGRTMAX}}) {
    const size_t length = std::char_traits<char>::length(base_name);
    if (text.size() < length || strncasecmp(text.data(), base_name, length) != 0) continue;
    std::string_view offset = text.substr(length);
    if (offset.empty()) return base;
    const int sign = offset[0] == '+' ? 1 : offset[0] == '-' ? -1 : 0;
    if (sign == 0 || !ParseNumber(offset.substr(1), &number)) return 0;
    const int sig = base + sign * number;
    return sig >= SIGRTMIN && sig <= SIGRTMAX ? sig : 0;
  }
  return 0;
}

std::string SignalName(int sig) {
  for (const NamedSignal& s : kSignals) {
    if (s.number == sig) return std::string("SIG") + s.name;
  }
  if (sig >= SIGRTMIN && sig <= SIGRTMAX) {
    return sig == SIGRTMIN ? "SIGRTMIN" : "SIGRTMIN+" + std::to_string(sig - SIGRTMIN);
  }
  return "signal " + std::to_string(sig);
}

bool ConfigureSupervisorSignals(InheritedSignals* inherited, sigset_t* waited, std::string* err) {
  // Everything but SIGTTIN/SIGTTOU, the synchronous signals included: a real fault in
  // hardinit is delivered anyway (the kernel unblocks a forced SIGSEGV, SIGBUS, SIGILL,
  // SIGFPE, SIGTRAP or SIGSYS and resets it to the default), while `kill -SEGV 1` from
  // outside is one more signal to forward, as every other.
  sigfillset(waited);
  sigdelset(waited, SIGTTIN);
  sigdelset(waited, SIGTTOU);
  if (sigprocmask(SIG_BLOCK, waited, &inherited->mask) != 0) {
    *err = ErrnoMessage("sigprocmask", errno);
    return false;
  }
  if (!ReadIgnoredSignals(&inherited->ignored)) return AskEachSignal(inherited, err);
  for (int sig = 1; sig < _NSIG; ++sig) {
    // 32 and 33 are glibc's own (thread cancellation, setxid): not ours to change.
    if (sig == SIGKILL || sig == SIGSTOP || (sig >= 32 && sig < SIGRTMIN)) continue;
    const bool ignored = sigismember(&inherited->ignored, sig) == 1;
    if (!ignored && sig != SIGTTIN && sig != SIGTTOU) continue;
    if (!SetDisposition(sig, ignored, err)) return false;
  }
  return true;
}

}  // namespace hardinit
