// The launch plan: everything the child needs, prepared by the parent. Zone: both.
//
// The parent builds it (launch.cc) with allocation, file reads, name lookups and the seccomp
// compiler; the child between fork and exec only reads it (child.cc). Pointers point into
// memory the parent owns and keeps alive until after the fork. Nothing in here needs a
// destructor, a lock or an allocation to read.
#ifndef HARDINIT_PLAN_H_
#define HARDINIT_PLAN_H_

#include <linux/filter.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <cstddef>
#include <cstdint>

namespace hardinit {

// Securebits locked for the program (capabilities(7), "a capabilities-only environment"):
// uid 0 and set-user-ID-root executables grant nothing, a uid change never touches the
// capability sets, and none of it can be undone.
inline constexpr unsigned long kLockedSecurebits =
    (1UL << 0) | (1UL << 1) |  // SECBIT_NOROOT, SECBIT_NOROOT_LOCKED
    (1UL << 2) | (1UL << 3) |  // SECBIT_NO_SETUID_FIXUP, _LOCKED
    (1UL << 5);                // SECBIT_KEEP_CAPS_LOCKED (with KEEP_CAPS off)

// The byte PID 1 writes to supervisor_ready_fd when its own drop has succeeded.
inline constexpr char kSupervisorDropped = 1;

struct CapabilityPlan {
  // Capability sets as bit masks (bit N = capability N).
  uint64_t bounding = 0;
  uint64_t permitted = 0;
  uint64_t effective = 0;
  uint64_t inheritable = 0;
  uint64_t ambient = 0;
  int last_cap = 40;               // /proc/sys/kernel/cap_last_cap
  bool drop_bounding = true;       // false when hardinit lacks CAP_SETPCAP
  bool lock_securebits = true;     // false when hardinit lacks CAP_SETPCAP
  // What the bounding set holds before the drop, when the parent has read it (only the
  // process itself can change its bounding set, so the reading stays true across fork): the
  // drop then removes exactly those without asking the kernel cap by cap first. Unknown: each
  // capability is read before it is dropped. Either way VerifyCapabilities reads every one.
  bool bounding_held_known = false;
  uint64_t bounding_held = 0;
};

struct LaunchPlan {
  // True when a supervisor forked the child: the child then gets its own process group and
  // the signal state hardinit inherited. In --exec mode nothing was changed, so nothing is
  // restored, and the program keeps hardinit's process group (and session leadership).
  bool supervised = true;

  // False in the tini personality: a drop-in tini changes nothing about the program's
  // privileges (no ids, capabilities, no_new_privs or seccomp), like tini itself.
  bool confine = true;

  // Descriptors above 2 are marked close-on-exec from cloexec_from on, so that only the
  // systemd socket-activation fds (3 .. 3+LISTEN_FDS-1) reach the program. False under the
  // tini and gosu names, which keep every fd as tini and gosu do (design.md §3.4).
  bool cloexec_fds = true;
  unsigned int cloexec_from = 3;

  // Under a supervisor with socket activation: the value of the program's LISTEN_PID entry
  // in envp, which the child overwrites with its own pid (room for 10 digits and a NUL).
  char* listen_pid = nullptr;

  // Signals: the mask hardinit inherited, and the dispositions it changed for itself.
  sigset_t sigmask;
  sigset_t ignored;  // signals that were SIG_IGN when hardinit started
  bool foreground_tty = false;  // stdin is a tty: give the program's group the foreground

  // Identity. When switch_ids is false (a non-root start as the same uid) the ids are
  // left as they are and only checked.
  bool switch_ids = false;
  uid_t uid = 0;
  gid_t gid = 0;
  const gid_t* groups = nullptr;  // sorted and unique: the kernel returns them sorted
  size_t group_count = 0;

  CapabilityPlan caps;

  // Landlock (design.md §3.9): a ruleset the parent built, enforced after no_new_privs and
  // before the filter; -1 = none. The kernel made it close-on-exec, so it never reaches the
  // program.
  int landlock_ruleset_fd = -1;

  // Under a supervisor that drops its own privileges: a pipe PID 1 writes kSupervisorDropped
  // to once it has (design.md §3.5). The child closes the write end once its own privilege
  // steps hold, and reads the byte after loading its filter, before exec; -1 when there is
  // nothing to wait for. Both close-on-exec.
  int supervisor_ready_fd = -1;
  int supervisor_ready_write_fd = -1;

  // Seccomp: loaded last, as is (empty = unconfined).
  const sock_filter* filter = nullptr;
  size_t filter_len = 0;
  unsigned int seccomp_flags = 0;

  // --seccomp-learn and --seccomp-log (design.md §3.12): the filter is loaded with
  // SECCOMP_FILTER_FLAG_NEW_LISTENER and the listener it returns is sent to PID 1 with
  // SCM_RIGHTS: sendmsg(listener_socket, listener_message, 0), the one call the filter lets
  // through unreported (it compares both arguments). The child writes the fd number into the
  // message's control data; the message lives in the parent's memory, at the same address in
  // the child. -1 = no listener.
  int listener_socket = -1;
  struct msghdr* listener_message = nullptr;

  // What to run: a path resolved in the parent (no PATH search in the child).
  const char* path = nullptr;
  char* const* argv = nullptr;
  char* const* envp = nullptr;
};

}  // namespace hardinit

#endif  // HARDINIT_PLAN_H_
