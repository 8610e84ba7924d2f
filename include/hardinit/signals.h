// Signal names and the signal set-up of PID 1 (design.md §3.5). Zone: parent.
#ifndef HARDINIT_SIGNALS_H_
#define HARDINIT_SIGNALS_H_

#include <signal.h>

#include <string>
#include <string_view>

namespace hardinit {

// Parses a signal given as a number ("15"), a name ("TERM", "SIGTERM", case-insensitive) or
// a realtime name ("RTMIN+3"). Returns 0 when it is none of these.
int ParseSignal(std::string_view text);

// "SIGTERM", "SIGRTMIN+3", or "signal 99".
std::string SignalName(int sig);

// What hardinit inherited, saved before it changes anything, so the child gets it back.
struct InheritedSignals {
  sigset_t mask;
  sigset_t ignored;
};

// Blocks every signal but SIGTTIN/SIGTTOU, makes inherited SIG_IGN dispositions SIG_DFL so they reach the
// supervisor and the child gets them forwarded, and ignores SIGTTIN/SIGTTOU so hardinit is
// never stopped when it loses the terminal. `waited` receives the set to read from signalfd.
bool ConfigureSupervisorSignals(InheritedSignals* inherited, sigset_t* waited, std::string* err);

}  // namespace hardinit

#endif  // HARDINIT_SIGNALS_H_
