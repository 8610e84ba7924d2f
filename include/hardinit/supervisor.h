// PID 1's loop: forward signals, reap zombies, stop the rest of the tree, exit with the
// program's status (design.md §3.5). Zone: parent.
//
// The loop blocks in poll() on a signalfd (and, while stopping the rest of the tree, a
// timerfd): it never wakes up when nothing happens, unlike tini's one-second sigtimedwait.
#ifndef HARDINIT_SUPERVISOR_H_
#define HARDINIT_SUPERVISOR_H_

#include <sys/types.h>

#include <array>
#include <bitset>
#include <string>
#include <vector>

namespace hardinit {

class SeccompListener;

struct SupervisorConfig {
  pid_t child = 0;
  bool kill_process_group = false;        // -g: forward to the child's process group
  std::array<int, 65> signal_rewrites{};  // -r: index FROM, value TO (0 drops), -1 unset
  std::bitset<256> remapped_exit_codes;   // -e
  long grace_ms = 5000;                   // --grace
  bool warn_on_reap = false;              // -w
  std::string seccomp_name;               // named in the log line when SIGSYS kills the child
  // --seccomp-learn/--seccomp-log: serviced in the same poll() as the signals, until no
  // process uses the filter any more (design.md §3.12).
  SeccompListener* listener = nullptr;
};

// Runs until the program has exited and every other process in hardinit's care is gone, or,
// after the grace period and SIGKILL, until a bounded wait for them has passed.
// `signal_fd` is a non-blocking signalfd for every signal hardinit blocked. Returns
// hardinit's exit code: the program's status, 128+N, after -e remapping.
int Supervise(const SupervisorConfig& config, int signal_fd);

// For a PID 1 that must not supervise (its own drop failed): SIGKILLs the program and every
// other process in hardinit's care (kill(-1) as PID 1, the descendants as a subreaper), again
// on every reap and every 100 ms, and returns once none is left or 2 s have passed.
void KillEverything(const SupervisorConfig& config, int signal_fd);

// The exit code for a wait status: WEXITSTATUS, or 128 + the signal (design.md §2).
int ExitCodeForStatus(int status);

// Every process below `pid` in the process tree, read from /proc/PID/task/*/children.
std::vector<pid_t> Descendants(pid_t pid);

}  // namespace hardinit

#endif  // HARDINIT_SUPERVISOR_H_
