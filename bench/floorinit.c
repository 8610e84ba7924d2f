// The least an init can do and keep hardinit's guarantees: the floor under issue 17's budgets.
//
//   floorinit [--exec] [--no-verify] [--no-wait] -- PROGRAM [ARGS...]
//
// Makes, in plain C with no set-up of its own, the state-changing system calls that
// `hardinit --user nobody --seccomp default` makes (strace of hardinit hardened, bench/README.md)
// and nothing else: no command line and no logging. It looks `nobody` up as hardinit does
// (read /etc/passwd and /etc/group, no NSS), but does not read what is held before dropping it.
// So
//   floorinit ÷ tini-static
// measured in the same run bounds from below every ratio hardinit can reach with its
// guarantees kept. With --no-verify it also skips the read-back of the ids, capabilities,
// securebits and no_new_privs after the drop (hardinit always reads them back: a failed check
// is a 125, not a half-confined program), which shows the read-back's share. With --no-wait the
// child execs without waiting for PID 1's drop (hardinit never does: design.md §3.5), which
// shows that guarantee's share; bench/README.md uses both to show what no init can go below.
//
// Supervisor (default): PID 1 becomes a subreaper, blocks its signals into a signalfd, empties
// the bounding set (one PR_CAPBSET_DROP per capability: the only interface), forks. The child
// locks the securebits, takes nobody's ids, empties its capability sets, sets no_new_privs,
// reports, installs the `default` profile's filter, and execs only once PID 1 says it has
// dropped too: PID 1 takes the same steps after the child's report, installs its own filter
// (PID 1's allow list), sends the byte, then reaps until the program exits and exits with its
// status. --exec: the same steps in one process, then execve (hardinit --exec).
//
// The two filters are compiled in: bench/run.sh exports them with `hardinit seccomp export`
// into floorinit_filters.h (kProgramFilter, kPid1Filter) and builds this file with -static.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <linux/securebits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "floorinit_filters.h"

// PID 1's gids differ from the program's so the program cannot prlimit() it (design.md §3.5):
// nobody's group is 65534, so PID 1 takes 65533, as hardinit does then.
enum { kPid1Gid = 65533, kMaxCaps = 64, kMaxGroups = 32 };

static uid_t g_uid;
static gid_t g_gid;
static gid_t g_groups[kMaxGroups];
static size_t g_group_count;

static const unsigned kSecurebits = SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP |
                                    SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_KEEP_CAPS_LOCKED;

static int g_verify = 1;
static int g_wait = 1;

// Exits 125 with the failed step, as hardinit does; write(2) and _exit only, no stdio: the
// child between fork and exec calls it too.
static void Fail(const char* what) {
  const int saved = errno;
  (void)!write(2, "floorinit: ", 11);
  (void)!write(2, what, strlen(what));
  (void)!write(2, ": ", 2);
  const char* why = strerror(saved);
  (void)!write(2, why, strlen(why));
  (void)!write(2, "\n", 1);
  _exit(125);
}

static void EmptyBoundingSet(void) {
  for (int cap = 0; cap < kMaxCaps; ++cap) {
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == 0) continue;
    if (errno == EINVAL) return;  // past cap_last_cap
    Fail("PR_CAPBSET_DROP");
  }
}

// The privilege steps in hardinit's order, less its capget/capset that keep the effective set
// for the securebits call: locking the securebits first, while still root, needs neither.
static void Drop(gid_t gid, const gid_t* groups, size_t group_count) {
  if (prctl(PR_SET_SECUREBITS, kSecurebits, 0, 0, 0) != 0) Fail("PR_SET_SECUREBITS");
  if (setgroups(group_count, groups) != 0) Fail("setgroups");
  if (setresgid(gid, gid, gid) != 0) Fail("setresgid");
  if (setresuid(g_uid, g_uid, g_uid) != 0) Fail("setresuid");
  struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2];
  memset(data, 0, sizeof(data));
  if (syscall(SYS_capset, &header, data) != 0) Fail("capset");
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0) Fail("PR_CAP_AMBIENT");
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) Fail("PR_SET_NO_NEW_PRIVS");
  if (!g_verify) return;
  // hardinit's read-back: the same calls, the same checks.
  uid_t r, e, s;
  gid_t gr, ge, gs;
  gid_t held[kMaxGroups];
  if (getresuid(&r, &e, &s) != 0 || r != g_uid || e != g_uid || s != g_uid) Fail("uids");
  if (getresgid(&gr, &ge, &gs) != 0 || gr != gid || ge != gid || gs != gid) Fail("gids");
  if (getgroups(kMaxGroups, held) != (int)group_count) Fail("groups");
  if (syscall(SYS_capget, &header, data) != 0) Fail("capget");
  if ((data[0].effective | data[0].permitted | data[0].inheritable | data[1].effective |
       data[1].permitted | data[1].inheritable) != 0) {
    errno = EPERM;
    Fail("capabilities held");
  }
  if ((unsigned)prctl(PR_GET_SECUREBITS, 0, 0, 0, 0) != kSecurebits) Fail("securebits");
  if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1) Fail("no_new_privs");
  for (int cap = 0; cap < kMaxCaps; ++cap) {
    const int held_cap = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
    if (held_cap < 0 && errno == EINVAL) break;
    if (held_cap != 0) Fail("bounding set");
  }
}

// Reads a whole small file into buf (NUL-terminated); the account files of an image.
static void ReadFile(const char* path, char* buf, size_t size) {
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) Fail(path);
  size_t length = 0;
  ssize_t n;
  while (length + 1 < size && (n = read(fd, buf + length, size - 1 - length)) > 0) {
    length += (size_t)n;
  }
  close(fd);
  buf[length] = '\0';
}

// The line of /etc/passwd or /etc/group whose first field is name, or NULL.
static char* FindEntry(char* text, const char* name) {
  const size_t length = strlen(name);
  for (char* line = text; line != NULL && *line != '\0';) {
    char* next = strchr(line, '\n');
    if (next != NULL) *next++ = '\0';
    if (strncmp(line, name, length) == 0 && line[length] == ':') return line;
    line = next;
  }
  return NULL;
}

// user's uid and primary gid from /etc/passwd, and every group of /etc/group that lists user.
static void LookUp(const char* user) {
  static char text[65536];
  ReadFile("/etc/passwd", text, sizeof(text));
  char* entry = FindEntry(text, user);
  unsigned uid, gid;
  if (entry == NULL || sscanf(entry + strlen(user), ":%*[^:]:%u:%u:", &uid, &gid) != 2) {
    errno = ENOENT;
    Fail(user);
  }
  g_uid = uid;
  g_gid = gid;
  g_groups[g_group_count++] = gid;
  ReadFile("/etc/group", text, sizeof(text));
  for (char* line = text; line != NULL && *line != '\0';) {
    char* next = strchr(line, '\n');
    if (next != NULL) *next++ = '\0';
    unsigned group;
    int members = 0;
    if (sscanf(line, "%*[^:]:%*[^:]:%u:%n", &group, &members) == 1 && members > 0) {
      for (char* member = strtok(line + members, ","); member != NULL; member = strtok(NULL, ",")) {
        if (strcmp(member, user) == 0 && group != gid && g_group_count < kMaxGroups) {
          g_groups[g_group_count++] = group;
        }
      }
    }
    line = next;
  }
}

static void InstallFilter(const struct sock_filter* code, size_t length) {
  const struct sock_fprog program = {(unsigned short)length, (struct sock_filter*)code};
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &program) != 0) Fail("seccomp");
}

int main(int argc, char** argv) {
  int exec_mode = 0;
  int first = 1;
  for (; first < argc && strcmp(argv[first], "--") != 0; ++first) {
    if (strcmp(argv[first], "--exec") == 0) {
      exec_mode = 1;
    } else if (strcmp(argv[first], "--no-wait") == 0) {
      g_wait = 0;
    } else if (strcmp(argv[first], "--no-verify") == 0) {
      g_verify = 0;
    } else {
      break;
    }
  }
  if (first + 1 >= argc || strcmp(argv[first], "--") != 0) {
    fprintf(stderr, "usage: floorinit [--exec] [--no-verify] [--no-wait] -- PROGRAM [ARGS...]\n");
    return 125;
  }
  char** program = argv + first + 1;
  LookUp("nobody");

  if (exec_mode) {
    EmptyBoundingSet();
    Drop(g_gid, g_groups, g_group_count);
    InstallFilter(kProgramFilter, sizeof(kProgramFilter) / sizeof(kProgramFilter[0]));
    execv(program[0], program);
    Fail(program[0]);
  }

  if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) Fail("PR_SET_CHILD_SUBREAPER");
  sigset_t all;
  sigfillset(&all);
  sigdelset(&all, SIGTTIN);
  sigdelset(&all, SIGTTOU);
  if (sigprocmask(SIG_BLOCK, &all, NULL) != 0) Fail("sigprocmask");
  const int signal_fd = signalfd(-1, &all, SFD_CLOEXEC | SFD_NONBLOCK);
  if (signal_fd < 0) Fail("signalfd");
  EmptyBoundingSet();
  int go[2], report[2];
  if (pipe2(go, O_CLOEXEC) != 0 || pipe2(report, O_CLOEXEC) != 0) Fail("pipe2");
  const pid_t child = fork();
  if (child < 0) Fail("fork");
  if (child == 0) {
    setpgid(0, 0);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    Drop(g_gid, g_groups, g_group_count);
    const char ready = 'r';
    if (write(report[1], &ready, 1) != 1) Fail("report");
    InstallFilter(kProgramFilter, sizeof(kProgramFilter) / sizeof(kProgramFilter[0]));
    char byte;
    if (g_wait && read(go[0], &byte, 1) != 1) _exit(125);  // PID 1 failed: never start the program
    execv(program[0], program);
    Fail(program[0]);
  }
  close(go[0]);
  close(report[1]);
  char ready;
  if (read(report[0], &ready, 1) != 1) Fail("child's report");
  Drop(kPid1Gid, NULL, 0);
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) Fail("PR_SET_DUMPABLE");
  InstallFilter(kPid1Filter, sizeof(kPid1Filter) / sizeof(kPid1Filter[0]));
  const char byte = 1;
  // Without the wait the program may have exec'd already, closing the pipe's reading end.
  if (write(go[1], &byte, 1) != 1 && g_wait) Fail("go");
  close(go[1]);
  // EOF on the close-on-exec pipe: the program has exec'd.
  while (read(report[0], &ready, 1) > 0) {
  }
  close(report[0]);
  for (;;) {
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
      if (pid == child) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    struct pollfd wait_for = {signal_fd, POLLIN, 0};
    if (poll(&wait_for, 1, -1) < 0 && errno != EINTR) Fail("poll");
    struct signalfd_siginfo info[16];
    const ssize_t got = read(signal_fd, info, sizeof(info));
    for (ssize_t i = 0; got > 0 && i < got / (ssize_t)sizeof(info[0]); ++i) {
      if (info[i].ssi_signo != SIGCHLD) kill(child, (int)info[i].ssi_signo);
    }
  }
}
