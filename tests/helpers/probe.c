// probe: the program the tests run under hardinit. It reports what it sees from its own point
// of view (/proc/self/status, the errno of a tried system call), and does what a test needs
// a program to do: exit with a code or a signal, wait for signals, make orphans and zombies.
//
// Usage: probe COMMAND [ARG] [COMMAND [ARG]...]; commands run in order. Each report is one
// "key=value" line on stdout, flushed at once, so a test can read them as they come.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static void Report(const char* key, const char* value) {
  printf("%s=%s\n", key, value);
  fflush(stdout);
}

static const char* ErrnoName(int e) {
  switch (e) {
    case 0: return "OK";
    case EPERM: return "EPERM";
    case EACCES: return "EACCES";
    case ENOSYS: return "ENOSYS";
    case EINVAL: return "EINVAL";
    case EBADF: return "EBADF";
    case EFAULT: return "EFAULT";
    case ENOTTY: return "ENOTTY";
    case EADDRINUSE: return "EADDRINUSE";
    case ECHILD: return "ECHILD";
    case ESRCH: return "ESRCH";
    case EAGAIN: return "EAGAIN";
    case ENOENT: return "ENOENT";
    case EIO: return "EIO";
    case EAFNOSUPPORT: return "EAFNOSUPPORT";
    case ESOCKTNOSUPPORT: return "ESOCKTNOSUPPORT";
    case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case ECONNREFUSED: return "ECONNREFUSED";
    case EROFS: return "EROFS";
    case EXDEV: return "EXDEV";
    default: {
      static char buffer[32];
      snprintf(buffer, sizeof(buffer), "E%d", e);
      return buffer;
    }
  }
}

static void ReportStatusFields(void) {
  static const char* const kFields[] = {"Uid", "Gid", "Groups", "CapInh", "CapPrm", "CapEff",
                                        "CapBnd", "CapAmb", "NoNewPrivs", "Seccomp",
                                        "Seccomp_filters", "SigBlk", "SigIgn"};
  FILE* status = fopen("/proc/self/status", "r");
  if (status == NULL) {
    Report("status_error", ErrnoName(errno));
    return;
  }
  char line[512];
  while (fgets(line, sizeof(line), status) != NULL) {
    char* colon = strchr(line, ':');
    if (colon == NULL) continue;
    *colon = '\0';
    for (size_t i = 0; i < sizeof(kFields) / sizeof(kFields[0]); ++i) {
      if (strcmp(line, kFields[i]) != 0) continue;
      char* value = colon + 1;
      while (*value == ' ' || *value == '\t') ++value;
      value[strcspn(value, "\n")] = '\0';
      // Collapse the tabs between ids into single spaces.
      for (char* c = value; *c != '\0'; ++c) {
        if (*c == '\t') *c = ' ';
      }
      Report(line, value);
    }
  }
  fclose(status);
}

static void Status(void) {
  char buffer[64];
  snprintf(buffer, sizeof(buffer), "%d", getpid());
  Report("pid", buffer);
  snprintf(buffer, sizeof(buffer), "%d", getppid());
  Report("ppid", buffer);
  snprintf(buffer, sizeof(buffer), "%d", getpgrp());
  Report("pgid", buffer);
  int securebits = prctl(PR_GET_SECUREBITS);
  snprintf(buffer, sizeof(buffer), "0x%x", securebits);
  Report("securebits", buffer);
  snprintf(buffer, sizeof(buffer), "%d", prctl(PR_GET_DUMPABLE));
  Report("dumpable", buffer);
  ReportStatusFields();
  const char* env[] = {"HOME", "USER", "LOGNAME"};
  for (int i = 0; i < 3; ++i) {
    const char* value = getenv(env[i]);
    char key[32];
    snprintf(key, sizeof(key), "env_%s", env[i]);
    Report(key, value == NULL ? "(unset)" : value);
  }
}

static int Capset(uint64_t permitted, uint64_t effective, uint64_t inheritable) {
  struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2] = {
      {(uint32_t)effective, (uint32_t)permitted, (uint32_t)inheritable},
      {(uint32_t)(effective >> 32), (uint32_t)(permitted >> 32), (uint32_t)(inheritable >> 32)}};
  return (int)syscall(SYS_capset, &header, data);
}

static int BindPort(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  struct sockaddr_in address = {0};
  address.sin_family = AF_INET;
  address.sin_port = htons((uint16_t)port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  int rc = bind(fd, (struct sockaddr*)&address, sizeof(address));
  int saved = errno;
  close(fd);
  errno = saved;
  return rc;
}

#if defined(__x86_64__)
// An i386 system call through int $0x80 from this 64-bit process: the kernel takes it as
// AUDIT_ARCH_I386 (ia32 emulation). Pointers must lie below 4 GiB.
static long Int80(long nr, long a, long b, long c) {
  long rc;
  __asm__ volatile("int $0x80"
                   : "=a"(rc)
                   : "a"(nr), "b"(a), "c"(b), "d"(c)
                   : "memory", "r8", "r9", "r10", "r11");
  if (rc < 0 && rc > -4096) {
    errno = (int)-rc;
    return -1;
  }
  return rc;
}

// i386's socketcall(call, args): the arguments are in memory, where no seccomp filter can
// read them.
static long Socketcall(long call, unsigned a0, unsigned a1, unsigned a2) {
  unsigned* args =
      mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
  if (args == MAP_FAILED) return -1;
  args[0] = a0;
  args[1] = a1;
  args[2] = a2;
  long rc = Int80(102 /* socketcall */, call, (long)(uintptr_t)args, 0);
  int saved = errno;
  munmap(args, 4096);
  errno = saved;
  return rc;
}
#endif

// Tries one system call and reports its errno ("OK" when it worked). Arguments that would
// do harm if the call succeeded are chosen so that success changes nothing lasting.
static void Try(const char* what) {
  char name[64];
  snprintf(name, sizeof(name), "%s", what);
  char* arg = strchr(name, ':');
  if (arg != NULL) *arg++ = '\0';
  long rc = -1;
  errno = 0;
  if (strcmp(name, "setuid0") == 0) {
    rc = syscall(SYS_setresuid, 0, 0, 0);
  } else if (strcmp(name, "setgid0") == 0) {
    rc = syscall(SYS_setresgid, 0, 0, 0);
  } else if (strcmp(name, "setgroups") == 0) {
    gid_t zero = 0;
    rc = syscall(SYS_setgroups, 1, &zero);
  } else if (strcmp(name, "capset-raise") == 0) {
    // Try to add CAP_SYS_ADMIN to permitted and effective.
    rc = Capset(1ULL << CAP_SYS_ADMIN, 1ULL << CAP_SYS_ADMIN, 0);
  } else if (strcmp(name, "ambient-raise") == 0) {
    rc = prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, arg ? atoi(arg) : CAP_SYS_ADMIN, 0, 0);
  } else if (strcmp(name, "keyctl") == 0) {
    rc = syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3 /* session */, 0);
  } else if (strcmp(name, "mount") == 0) {
    rc = mount("none", "/nonexistent-probe-dir", "tmpfs", 0, NULL);
  } else if (strcmp(name, "unshare-user") == 0) {
    rc = unshare(CLONE_NEWUSER);
  } else if (strcmp(name, "personality") == 0) {
    rc = syscall(SYS_personality, arg ? strtoul(arg, NULL, 0) : 0xffffffffUL);
    if (rc >= 0) {
      syscall(SYS_personality, (unsigned long)rc);  // put it back
      rc = 0;
    }
  } else if (strcmp(name, "clone-newns") == 0) {
    rc = syscall(SYS_clone, CLONE_NEWNS | SIGCHLD, 0, 0, 0, 0);
    if (rc == 0) _exit(0);
    if (rc > 0) {
      waitpid((pid_t)rc, NULL, 0);
      rc = 0;
    }
  } else if (strcmp(name, "fork") == 0) {
    rc = fork();
    if (rc == 0) _exit(0);
    if (rc > 0) {
      waitpid((pid_t)rc, NULL, 0);
      rc = 0;
    }
  } else if (strcmp(name, "tiocsti") == 0 || strcmp(name, "tiocsti-high") == 0) {
    // fd -1: if the filter lets the call through, the kernel answers EBADF.
    unsigned long request = TIOCSTI;
    if (strcmp(name, "tiocsti-high") == 0) request |= 0x1ULL << 32;
    char c = 'x';
    rc = syscall(SYS_ioctl, -1, request, &c);
  } else if (strcmp(name, "tcgets") == 0) {
    struct termios t;
    rc = syscall(SYS_ioctl, -1, TCGETS, &t);
  } else if (strcmp(name, "syscall") == 0) {
    rc = syscall(arg ? atol(arg) : 470, 0, 0, 0, 0, 0);
  } else if (strcmp(name, "getppid") == 0) {
    rc = syscall(SYS_getppid);
  } else if (strcmp(name, "bind") == 0) {
    rc = BindPort(arg ? atoi(arg) : 80);
  } else if (strcmp(name, "kill1") == 0) {
    rc = kill(1, arg ? atoi(arg) : 0);
  } else if (strcmp(name, "ptrace1") == 0) {
    rc = syscall(SYS_ptrace, 16 /* PTRACE_ATTACH */, 1, 0, 0);
  } else if (strcmp(name, "prlimit1-get") == 0) {
    // Reading needs the same permission as writing (kernel/sys.c check_prlimit_permission).
    struct rlimit old;
    rc = prlimit(1, RLIMIT_NOFILE, NULL, &old);
  } else if (strcmp(name, "prlimit1-nofile") == 0) {
    // Were it allowed, PID 1 could open nothing more (its /proc walk, a timerfd).
    const struct rlimit none = {0, 0};
    rc = prlimit(1, RLIMIT_NOFILE, &none, NULL);
  } else if (strcmp(name, "prlimit1-cpu") == 0) {
    // Were it allowed, the kernel would SIGKILL PID 1 at its next tick, and the container
    // with it.
    const struct rlimit none = {0, 0};
    rc = prlimit(1, RLIMIT_CPU, &none, NULL);
  } else if (strcmp(name, "socket") == 0 || strcmp(name, "socket-high") == 0) {
    // socket(FAMILY, SOCK_STREAM, 0); socket-high sets bit 32 of the family, which the
    // kernel never sees: it reads `int family` (issue 12).
    unsigned long family = arg ? strtoul(arg, NULL, 0) : AF_INET;
    if (strcmp(name, "socket-high") == 0) family |= 1UL << 32;
    rc = syscall(SYS_socket, family, SOCK_STREAM, 0);
    if (rc >= 0) {
      close((int)rc);
      rc = 0;
    }
#if defined(__x86_64__)
  } else if (strcmp(name, "i386-getpid") == 0) {
    rc = Int80(20, 0, 0, 0);
  } else if (strcmp(name, "i386-socket") == 0) {
    rc = Int80(359 /* socket */, arg ? atoi(arg) : AF_INET, SOCK_STREAM, 0);
    if (rc >= 0) {
      close((int)rc);
      rc = 0;
    }
  } else if (strcmp(name, "i386-socketcall") == 0) {
    rc = Socketcall(1 /* SYS_SOCKET */, arg ? (unsigned)atoi(arg) : AF_INET, SOCK_STREAM, 0);
    if (rc >= 0) {
      close((int)rc);
      rc = 0;
    }
  } else if (strcmp(name, "i386-getsockname") == 0) {
    // On fd -1: EBADF once it reaches the kernel.
    rc = Socketcall(6 /* SYS_GETSOCKNAME */, (unsigned)-1, 0, 0);
#endif
  } else {
    fprintf(stderr, "probe: unknown call %s\n", name);
    exit(2);
  }
  Report(what, rc < 0 ? ErrnoName(errno) : "OK");
}

static volatile sig_atomic_t g_last_signal;

static void OnSignal(int sig) { g_last_signal = sig; }

// Installs a handler on every catchable signal, says "ready", then reports each signal as
// it comes until `count` have arrived.
static void WaitSignals(int count) {
  sigset_t all;
  sigfillset(&all);
  sigprocmask(SIG_BLOCK, &all, NULL);
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig == SIGKILL || sig == SIGSTOP || sig == SIGCHLD) continue;
    struct sigaction action = {0};
    action.sa_handler = OnSignal;
    sigaction(sig, &action, NULL);
  }
  Report("ready", "1");
  sigset_t none;
  sigemptyset(&none);
  for (int received = 0; received < count;) {
    g_last_signal = 0;
    sigsuspend(&none);
    if (g_last_signal == 0) continue;
    char buffer[16];
    snprintf(buffer, sizeof(buffer), "%d", (int)g_last_signal);
    Report("signal", buffer);
    ++received;
  }
}

// Makes `count` orphans that exit at once: each becomes a zombie that only PID 1 (or a
// subreaper) can reap.
static void MakeOrphans(int count) {
  for (int i = 0; i < count; ++i) {
    pid_t middle = fork();
    if (middle < 0) {
      Report("fork_error", ErrnoName(errno));
      return;
    }
    if (middle == 0) {
      if (fork() == 0) _exit(0);
      _exit(0);
    }
    waitpid(middle, NULL, 0);
  }
  Report("orphans", "made");
}

// Zombies whose parent is `init`: those it has not reaped yet.
static int CountZombiesOf(pid_t init) {
  DIR* proc = opendir("/proc");
  if (proc == NULL) return -1;
  int zombies = 0;
  struct dirent* entry;
  while ((entry = readdir(proc)) != NULL) {
    if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
    char path[300], text[512];
    snprintf(path, sizeof(path), "/proc/%s/stat", entry->d_name);
    int fd = open(path, O_RDONLY);
    if (fd < 0) continue;
    ssize_t n = read(fd, text, sizeof(text) - 1);
    close(fd);
    if (n <= 0) continue;
    text[n] = '\0';
    char* end = strrchr(text, ')');
    int parent = 0;
    if (end == NULL || sscanf(end + 1, " %*c %d", &parent) != 1) continue;
    if (end[2] == 'Z' && parent == init) ++zombies;
  }
  closedir(proc);
  return zombies;
}

// Zombies our parent (hardinit) has not reaped yet.
static int CountZombies(void) { return CountZombiesOf(getppid()); }

// Polls until no zombie is left (or 10 s pass) and reports the count.
static void AwaitNoZombies(void) {
  int zombies = CountZombies();
  for (int i = 0; i < 1000 && zombies != 0; ++i) {
    struct timespec t = {0, 10 * 1000 * 1000};
    nanosleep(&t, NULL);
    zombies = CountZombies();
  }
  char buffer[16];
  snprintf(buffer, sizeof(buffer), "%d", zombies);
  Report("zombies", buffer);
}

// Reports the parent an orphan is re-parented to: PID 1, or the nearest subreaper.
static void OrphanParent(void) {
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) return;
  pid_t middle = fork();
  if (middle == 0) {
    const pid_t middle_pid = getpid();
    pid_t orphan = fork();
    if (orphan == 0) {
      while (getppid() == middle_pid) usleep(1000);
      pid_t parent = getppid();
      if (write(pipe_fds[1], &parent, sizeof(parent)) < 0) _exit(1);
      _exit(0);
    }
    _exit(0);
  }
  waitpid(middle, NULL, 0);
  pid_t parent = 0;
  if (read(pipe_fds[0], &parent, sizeof(parent)) < 0) parent = -1;
  char buffer[32];
  snprintf(buffer, sizeof(buffer), "%d", parent);
  Report("orphan_parent", buffer);
  snprintf(buffer, sizeof(buffer), "%d", getppid());
  Report("my_parent", buffer);
}

static void Fds(void) {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == NULL) return;
  char list[1024] = "";
  struct dirent* entry;
  while ((entry = readdir(dir)) != NULL) {
    int fd = atoi(entry->d_name);
    if (entry->d_name[0] == '.' || fd <= 2 || fd == dirfd(dir)) continue;
    size_t used = strlen(list);
    snprintf(list + used, sizeof(list) - used, "%s%d", used ? "," : "", fd);
  }
  closedir(dir);
  Report("fds", list[0] ? list : "none");
}

/* --- privilege tests (identity, caps, fds): calls Try does not know --- */

#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* Like Try, for the calls below; anything else goes to Try. close_range on a range far above
 * any open fd changes nothing when it works. */
/* `thread-try CALL`: the call made by a second thread, which then ends (seccomp learn mode
   must see calls of every thread). */
static void* TryInThread(void* what) {
  Try((const char*)what);
  return NULL;
}

static void TryInNewThread(const char* what) {
  pthread_t thread;
  const int rc = pthread_create(&thread, NULL, TryInThread, (void*)what);
  if (rc != 0) {
    Report("thread_error", ErrnoName(rc));
    return;
  }
  pthread_join(thread, NULL);
}

static void TryExtra(const char* what) {
  long rc = -1;
  errno = 0;
  if (strcmp(what, "close_range") == 0) {
    rc = syscall(SYS_close_range, 1000000U, 1000001U, CLOSE_RANGE_CLOEXEC);
  } else {
    Try(what);
    return;
  }
  Report(what, rc < 0 ? ErrnoName(errno) : "OK");
}

/* Reports the security lines of another process's status (e.g. /proc/1/status: PID 1 as
 * the program sees it) as "ofPID_Field=value". */
static void StatusOf(const char* pid) {
  char path[64];
  snprintf(path, sizeof(path), "/proc/%s/status", pid);
  FILE* status = fopen(path, "r");
  if (status == NULL) {
    Report("status_of_error", ErrnoName(errno));
    return;
  }
  char line[512];
  while (fgets(line, sizeof(line), status) != NULL) {
    char* colon = strchr(line, ':');
    if (colon == NULL) continue;
    *colon = '\0';
    if (strcmp(line, "Uid") != 0 && strcmp(line, "Gid") != 0 && strncmp(line, "Cap", 3) != 0 &&
        strcmp(line, "NoNewPrivs") != 0 && strcmp(line, "Seccomp") != 0) {
      continue;
    }
    char* value = colon + 1;
    while (*value == ' ' || *value == '\t') ++value;
    value[strcspn(value, "\n")] = '\0';
    for (char* c = value; *c != '\0'; ++c) {
      if (*c == '\t') *c = ' ';
    }
    char key[64];
    snprintf(key, sizeof(key), "of%.16s_%.40s", pid, line);
    Report(key, value);
  }
  fclose(status);
}

/* What a debugger would do to process `target` ("1", or "child": a child of the probe's
 * own, the negative control): PTRACE_ATTACH, open /proc/PID/mem, process_vm_readv of a
 * marker at the same address in both (the child is a fork). Reports pryTARGET_ptrace,
 * pryTARGET_mem, pryTARGET_vm_readv with the errno, "OK" when the call worked (and for the
 * reads, returned the marker; EIO when they read something else), and pryTARGET_owner: the uid that owns /proc/PID/status, which
 * is 0 for a process that is not dumpable (proc(5)). An attach that worked is undone at
 * once. */
static char g_pry_marker[16] = "pry-marker";

static void Pry(const char* target) {
  pid_t pid = 1;
  if (strcmp(target, "child") == 0) {
    pid = fork();
    if (pid == 0) {
      for (;;) pause();
    }
    if (pid < 0) {
      Report("pry_error", ErrnoName(errno));
      return;
    }
  } else {
    pid = (pid_t)atoi(target);
  }
  char key[64], path[64], buffer[32];
  errno = 0;
  long rc = syscall(SYS_ptrace, 16 /* PTRACE_ATTACH */, pid, 0, 0);
  const int ptrace_errno = rc < 0 ? errno : 0;
  if (rc == 0) {
    waitpid(pid, NULL, __WALL);
    syscall(SYS_ptrace, 17 /* PTRACE_DETACH */, pid, 0, 0);
  }
  snprintf(key, sizeof(key), "pry%s_ptrace", target);
  Report(key, ErrnoName(ptrace_errno));

  snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  int mem_errno = fd < 0 ? errno : 0;
  if (fd >= 0) {
    char read_back[sizeof(g_pry_marker)] = "";
    const ssize_t n = pread(fd, read_back, sizeof(read_back), (off_t)(uintptr_t)g_pry_marker);
    if (n < 0) mem_errno = errno;
    if (n >= 0 && memcmp(read_back, g_pry_marker, sizeof(read_back)) != 0) mem_errno = EIO;
    close(fd);
  }
  snprintf(key, sizeof(key), "pry%s_mem", target);
  Report(key, ErrnoName(mem_errno));

  char copy[sizeof(g_pry_marker)] = "";
  struct iovec local = {copy, sizeof(copy)};
  struct iovec remote = {g_pry_marker, sizeof(g_pry_marker)};
  errno = 0;
  rc = syscall(SYS_process_vm_readv, pid, &local, 1UL, &remote, 1UL, 0UL);
  int vm_errno = rc < 0 ? errno : 0;
  if (rc >= 0 && memcmp(copy, g_pry_marker, sizeof(copy)) != 0) vm_errno = EIO;
  snprintf(key, sizeof(key), "pry%s_vm_readv", target);
  Report(key, ErrnoName(vm_errno));

  snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
  struct stat st;
  snprintf(key, sizeof(key), "pry%s_owner", target);
  snprintf(buffer, sizeof(buffer), "%d", stat(path, &st) == 0 ? (int)st.st_uid : -1);
  Report(key, buffer);

  if (strcmp(target, "child") == 0) {
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
  }
}

/* --- end of privilege tests' helpers --- */

/* --- lifecycle (lifecycle_test.cc, issue 12) --- */

/* A process that never stays at one pid: it ignores SIGTERM and forks, and the parent exits
 * at once, forever. A subreaper's /proc walk sees a pid that is gone by the time it sends its
 * signal, while the child it missed lives on. Reports its first pid. */
static void Hopper(void) {
  pid_t first = fork();
  if (first == 0) {
    signal(SIGTERM, SIG_IGN);
    for (;;) {
      if (fork() > 0) _exit(0);
    }
  }
  char buffer[32];
  snprintf(buffer, sizeof(buffer), "%d", (int)first);
  Report("hopper", buffer);
}

/* `count` children that ignore SIGTERM and wait to be killed: a tree that takes a subreaper's
 * /proc walk a while to read. */
static void Stubborn(int count) {
  for (int i = 0; i < count; ++i) {
    if (fork() == 0) {
      signal(SIGTERM, SIG_IGN);
      for (;;) pause();
    }
  }
  Report("stubborn", "started");
}

/* A daemon: double fork, its own session, SIGTERM ignored. It writes its pid to `path` once it
 * is ready, then sleeps until killed. The caller goes on at once. */
static void Daemon(const char* path) {
  pid_t middle = fork();
  if (middle == 0) {
    setsid();
    if (fork() != 0) _exit(0);
    signal(SIGTERM, SIG_IGN);
    char buffer[32];
    const int length = snprintf(buffer, sizeof(buffer), "%d\n", (int)getpid());
    const int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || write(fd, buffer, (size_t)length) != length) _exit(1);
    close(fd);
    for (;;) pause();
  }
  waitpid(middle, NULL, 0);
  Report("daemon", "started");
}

static void ReportCwd(void) {
  char cwd[4096];
  Report("cwd", getcwd(cwd, sizeof(cwd)) != NULL ? cwd : ErrnoName(errno));
}

static void ReportEnv(const char* name) {
  const char* value = getenv(name);
  char key[128];
  snprintf(key, sizeof(key), "env_%s", name);
  Report(key, value == NULL ? "(unset)" : value);
}

/* ---- Landlock (tests/integration/landlock_test.cc) ---------------------------------------
 * Each command tries one thing and reports "command:ARG=errno" ("OK" when it worked). */

static void ReportOn(const char* command, const char* arg, int rc) {
  char key[512];
  snprintf(key, sizeof(key), "%s:%s", command, arg);
  Report(key, rc < 0 ? ErrnoName(errno) : "OK");
}

/* Creates (or truncates) PATH and writes one byte. */
static int WritePath(const char* path) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
  if (fd < 0) return -1;
  int rc = write(fd, "x", 1) == 1 ? 0 : -1;
  int saved = errno;
  close(fd);
  errno = saved;
  return rc;
}

static int ReadPath(const char* path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  char c;
  int rc = read(fd, &c, 1) < 0 ? -1 : 0;
  int saved = errno;
  close(fd);
  errno = saved;
  return rc;
}

/* Copies the probe's own binary to PATH, mode 0755: a program the confined process wrote. */
static int CopySelf(const char* path) {
  int in = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (in < 0) return -1;
  int out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
  if (out < 0) {
    int saved = errno;
    close(in);
    errno = saved;
    return -1;
  }
  char buffer[65536];
  ssize_t n;
  int rc = 0;
  while ((n = read(in, buffer, sizeof(buffer))) > 0) {
    if (write(out, buffer, (size_t)n) != n) {
      rc = -1;
      break;
    }
  }
  if (n < 0) rc = -1;
  int saved = errno;
  close(in);
  close(out);
  errno = saved;
  return rc;
}

/* Runs PATH (a copy of the probe) as "PATH exit 7" in a child: OK only if it really ran. The
 * child sends execve's errno through a close-on-exec pipe. */
static int ExecPath(const char* path) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return -1;
  pid_t pid = fork();
  if (pid == 0) {
    char* args[] = {(char*)path, "exit", "7", NULL};
    execv(path, args);
    int e = errno;
    if (write(fds[1], &e, sizeof(e)) < 0) _exit(126);
    _exit(126);
  }
  close(fds[1]);
  int e = 0;
  ssize_t n = read(fds[0], &e, sizeof(e));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (n == (ssize_t)sizeof(e)) {
    errno = e;
    return -1;
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 7) {
    errno = EIO;
    return -1;
  }
  return 0;
}

/* Maps PATH executable (what a dynamic loader does with a library). */
static int MmapExec(const char* path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  void* p = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
  int saved = errno;
  close(fd);
  if (p == MAP_FAILED) {
    errno = saved;
    return -1;
  }
  munmap(p, 4096);
  return 0;
}

static int InetTo(const char* port_text, int type, int do_connect) {
  int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  struct sockaddr_in address = {0};
  address.sin_family = AF_INET;
  address.sin_port = htons((uint16_t)atoi(port_text));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  int rc = do_connect ? connect(fd, (struct sockaddr*)&address, sizeof(address))
                      : bind(fd, (struct sockaddr*)&address, sizeof(address));
  int saved = errno;
  close(fd);
  errno = saved;
  return rc;
}

/* Connects to a UNIX stream socket: NAME in the abstract namespace, or a PATH. */
static int UnixConnect(const char* name, int abstract) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  struct sockaddr_un address = {0};
  address.sun_family = AF_UNIX;
  size_t length = strlen(name);
  if (length + 2 > sizeof(address.sun_path)) length = sizeof(address.sun_path) - 2;
  memcpy(address.sun_path + (abstract ? 1 : 0), name, length);
  socklen_t size = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + length + (abstract ? 1 : 0));
  int rc = connect(fd, (struct sockaddr*)&address, size);
  int saved = errno;
  close(fd);
  errno = saved;
  return rc;
}

/* The program's own use of Landlock (as a sandboxing program would): a ruleset that handles
 * file writes, enforced on itself. Reports the ABI too. */
static int LandlockSelf(void) {
  long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, 1U /* VERSION */);
  char buffer[16];
  snprintf(buffer, sizeof(buffer), "%ld", abi);
  Report("landlock_abi", buffer);
  uint64_t attr[3] = {1ULL << 1 /* LANDLOCK_ACCESS_FS_WRITE_FILE */, 0, 0};
  int fd = (int)syscall(SYS_landlock_create_ruleset, attr, sizeof(attr), 0);
  if (fd < 0) return -1;
  prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
  int rc = (int)syscall(SYS_landlock_restrict_self, fd, 0);
  int saved = errno;
  close(fd);
  errno = saved;
  return rc;
}

/* Runs one Landlock command; returns 0 when `command` is not one of them. */
static int LandlockCommand(const char* command, const char* arg) {
  int rc;
  if (strcmp(command, "write") == 0) {
    rc = WritePath(arg);
  } else if (strcmp(command, "read") == 0) {
    rc = ReadPath(arg);
  } else if (strcmp(command, "truncate") == 0) {
    rc = truncate(arg, 0);
  } else if (strcmp(command, "chmod") == 0) {
    rc = chmod(arg, 0755);
  } else if (strcmp(command, "mkdir") == 0) {
    rc = mkdir(arg, 0755);
  } else if (strcmp(command, "copy-self") == 0) {
    rc = CopySelf(arg);
  } else if (strcmp(command, "exec-path") == 0) {
    rc = ExecPath(arg);
  } else if (strcmp(command, "mmap-exec") == 0) {
    rc = MmapExec(arg);
  } else if (strcmp(command, "write-fd") == 0) {
    rc = write(atoi(arg), "x", 1) == 1 ? 0 : -1;
  } else if (strcmp(command, "tcp-bind") == 0) {
    rc = InetTo(arg, SOCK_STREAM, 0);
  } else if (strcmp(command, "tcp-connect") == 0) {
    rc = InetTo(arg, SOCK_STREAM, 1);
  } else if (strcmp(command, "udp-bind") == 0) {
    rc = InetTo(arg, SOCK_DGRAM, 0);
  } else if (strcmp(command, "abstract-connect") == 0) {
    rc = UnixConnect(arg, 1);
  } else if (strcmp(command, "unix-connect") == 0) {
    rc = UnixConnect(arg, 0);
  } else if (strcmp(command, "signal") == 0) {
    rc = kill(atoi(arg), 0);
  } else if (strcmp(command, "landlock-self") == 0) {
    rc = LandlockSelf();
  } else {
    return 0;
  }
  ReportOn(command, arg, rc);
  return 1;
}

/* ---- end of Landlock ---- */

static void SleepSeconds(double seconds) {
  struct timespec t = {(time_t)seconds, (long)((seconds - (time_t)seconds) * 1e9)};
  while (nanosleep(&t, &t) != 0 && errno == EINTR) {
  }
}

// ---- Faults and load (tests/integration/faults_test.cc) ------------------------------------

// Raises `sig` with its default action and, if the process is still alive afterwards (the
// signal is ignored by default, or it stopped the process and a SIGCONT resumed it), exits
// with `code`: the test tells "killed" from "survived" by the status.
static void DieBy(int sig, int code) {
  signal(sig, SIG_DFL);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, sig);
  sigprocmask(SIG_UNBLOCK, &set, NULL);
  kill(getpid(), sig);
  exit(code);
}

// Real faults, not kill(): the kernel forces these signals whatever the mask says.
static void Fault(const char* kind) {
  if (strcmp(kind, "segv") == 0) {
    volatile int* volatile nowhere = NULL;
    *nowhere = 1;
  } else if (strcmp(kind, "abort") == 0) {
    abort();
  } else if (strcmp(kind, "fpe") == 0) {
    volatile int zero = 0;
    volatile int one = 1;
    Report("quotient", one / zero ? "nonzero" : "zero");
  } else if (strcmp(kind, "ill") == 0) {
#if defined(__aarch64__)
    __asm__ volatile("udf #0");  // __builtin_trap() is BRK here: SIGTRAP, not SIGILL
#else
    __builtin_trap();
#endif
  } else if (strcmp(kind, "bus") == 0) {
    // A page of a file that has since shrunk to nothing.
    int fd = (int)syscall(SYS_memfd_create, "probe-bus", 0);
    if (fd < 0 || ftruncate(fd, 4096) != 0) return;
    volatile char* page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (page == MAP_FAILED || ftruncate(fd, 0) != 0) return;
    page[0] = 1;
  }
  Report("fault", "survived");
}

// Children that exit at once, then exit: vfork() shares the address space and waits for
// the child's _exit(), which is the cheapest way to make a process.
static void __attribute__((noinline, noreturn)) VforkBatch(long batch) {
  for (volatile long i = 0; i < batch; i = i + 1) {
    if (vfork() == 0) _exit(0);
  }
  _exit(0);
}

// `count` orphans, as fast as processes can be made: middle processes each vfork a batch of
// children that exit at once, then exit themselves, handing the whole batch of zombies to
// PID 1 in one go.
static void OrphanStorm(long count) {
  const long kBatch = 500;
  long made = 0;
  while (made < count) {
    const long batch = count - made < kBatch ? count - made : kBatch;
    pid_t middle = fork();
    if (middle < 0) {
      Report("fork_error", ErrnoName(errno));
      return;
    }
    if (middle == 0) VforkBatch(batch);
    while (waitpid(middle, NULL, 0) < 0 && errno == EINTR) {
    }
    made += batch;
  }
  char buffer[32];
  snprintf(buffer, sizeof(buffer), "%ld", made);
  Report("orphans", buffer);
}

static volatile sig_atomic_t g_signals_counted;
static volatile sig_atomic_t g_exit_signal;
static volatile sig_atomic_t g_exit_now;

static void CountSignal(int sig) {
  g_signals_counted = g_signals_counted + 1;
  if (sig == g_exit_signal) g_exit_now = 1;
}

// Catches every signal but SIGCHLD, says "ready", and works (forks children and reaps them,
// and leaves an orphan for PID 1 now and then) until `exit_signal` arrives; then reports how
// many signals it caught and exits with `code`.
static void CountSignalsWhileWorking(int exit_signal, int code) {
  g_exit_signal = exit_signal;
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig == SIGKILL || sig == SIGSTOP || sig == SIGCHLD) continue;
    struct sigaction action = {0};
    action.sa_handler = CountSignal;
    action.sa_flags = SA_RESTART;
    sigaction(sig, &action, NULL);
  }
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  Report("ready", "1");
  for (long round = 0; !g_exit_now; ++round) {
    pid_t child = fork();
    if (child == 0) {
      if (round % 16 == 0 && fork() == 0) _exit(0);  // an orphan for PID 1
      _exit(0);
    }
    if (child > 0) {
      while (waitpid(child, NULL, 0) < 0 && errno == EINTR) {
      }
    }
  }
  char buffer[32];
  snprintf(buffer, sizeof(buffer), "%ld", (long)g_signals_counted);
  Report("signals_counted", buffer);
  exit(code);
}

static double MonotonicSeconds(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

// A fork bomb for `seconds`: every bomber forks two children and exits, and a bomber that
// cannot fork exits too, so the tree keeps being orphaned to PID 1; only PID 1's reaping
// frees room under RLIMIT_NPROC for more. The leader keeps seeding new bombers (and reaps
// those, its own children, but nothing else), then reports the bombers' forks that worked
// and those refused (EAGAIN), and exits with `code`.
static void Bomber(long* counters, double deadline) {
  int made = 0;
  while (MonotonicSeconds() < deadline) {
    pid_t pid = fork();
    if (pid == 0) {
      made = 0;
      continue;
    }
    if (pid < 0) {
      __atomic_add_fetch(&counters[1], 1, __ATOMIC_RELAXED);
      break;
    }
    __atomic_add_fetch(&counters[0], 1, __ATOMIC_RELAXED);
    if (++made == 2) break;
  }
  _exit(0);
}

/* `fork-pipe-loop N`: N rounds of fork (the child exits at once) and five pipe() calls, with
   a SIGCHLD handler installed with SA_RESTART, as bash and most runtimes install theirs.
   Reports fork_pipe_failures=COUNT and the errno of the first failure. Under --seccomp-learn
   every call waits for PID 1, and a signal that arrives before PID 1 picks the call up
   interrupts the wait: SA_RESTART must make the kernel restart the call, never fail it. */
static void OnChild(int sig) { (void)sig; }

static void ForkPipeLoop(int rounds) {
  struct sigaction action;
  memset(&action, 0, sizeof(action));
  action.sa_handler = OnChild;
  action.sa_flags = SA_RESTART;
  sigaction(SIGCHLD, &action, NULL);
  int failures = 0, first_errno = 0;
  for (int round = 0; round < rounds; ++round) {
    const pid_t pid = fork();
    if (pid == 0) _exit(0);
    if (pid < 0 && failures++ == 0) first_errno = errno;
    for (int j = 0; j < 5; ++j) {
      int fds[2];
      if (pipe(fds) != 0) {
        if (failures++ == 0) first_errno = errno;
        continue;
      }
      close(fds[0]);
      close(fds[1]);
    }
    while (waitpid(-1, NULL, WNOHANG) > 0) {
    }
  }
  while (waitpid(-1, NULL, 0) > 0) {
  }
  char buffer[16];
  snprintf(buffer, sizeof(buffer), "%d", failures);
  Report("fork_pipe_failures", buffer);
  Report("fork_pipe_first_error", first_errno == 0 ? "none" : ErrnoName(first_errno));
  signal(SIGCHLD, SIG_DFL);
}

static void ForkBomb(double seconds, int code) {
  long* counters = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (counters == MAP_FAILED) exit(3);
  const double deadline = MonotonicSeconds() + seconds;
  pid_t seeds[64] = {0};
  while (MonotonicSeconds() < deadline) {
    for (int i = 0; i < 64; ++i) {
      if (seeds[i] > 0 && waitpid(seeds[i], NULL, WNOHANG) == seeds[i]) seeds[i] = 0;
      if (seeds[i] != 0) continue;
      pid_t pid = fork();
      if (pid == 0) Bomber(counters, deadline);
      if (pid > 0) seeds[i] = pid;
      break;
    }
    struct timespec pause = {0, 2 * 1000 * 1000};
    nanosleep(&pause, NULL);
  }
  for (int i = 0; i < 64; ++i) {
    if (seeds[i] > 0) waitpid(seeds[i], NULL, 0);
  }
  char buffer[32];
  snprintf(buffer, sizeof(buffer), "%ld", __atomic_load_n(&counters[0], __ATOMIC_RELAXED));
  Report("forks", buffer);
  snprintf(buffer, sizeof(buffer), "%ld", __atomic_load_n(&counters[1], __ATOMIC_RELAXED));
  Report("forks_refused", buffer);
  exit(code);
}

// The size of what the program was started with.
static void ReportArguments(int argc, char** argv) {
  extern char** environ;
  size_t argv_bytes = 0, env_bytes = 0, envc = 0;
  for (int i = 0; i < argc; ++i) argv_bytes += strlen(argv[i]) + 1;
  for (char** e = environ; *e != NULL; ++e, ++envc) env_bytes += strlen(*e) + 1;
  char buffer[32];
  snprintf(buffer, sizeof(buffer), "%d", argc);
  Report("argc", buffer);
  snprintf(buffer, sizeof(buffer), "%zu", argv_bytes);
  Report("argv_bytes", buffer);
  snprintf(buffer, sizeof(buffer), "%zu", envc);
  Report("envc", buffer);
  snprintf(buffer, sizeof(buffer), "%zu", env_bytes);
  Report("env_bytes", buffer);
}

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const char* command = argv[i];
    const char* arg = i + 1 < argc ? argv[i + 1] : "";
    if (strcmp(command, "status") == 0) {
      Status();
    } else if (strcmp(command, "exit") == 0) {
      exit(atoi(arg));
    } else if (strcmp(command, "raise") == 0) {
      int sig = atoi(arg);
      signal(sig, SIG_DFL);
      sigset_t set;
      sigemptyset(&set);
      sigaddset(&set, sig);
      sigprocmask(SIG_UNBLOCK, &set, NULL);
      kill(getpid(), sig);
      SleepSeconds(5);
      return 99;
    } else if (strcmp(command, "wait-signals") == 0) {
      WaitSignals(atoi(arg));
      ++i;
    } else if (strcmp(command, "orphans") == 0) {
      MakeOrphans(atoi(arg));
      ++i;
    } else if (strcmp(command, "zombies") == 0) {
      char buffer[16];
      snprintf(buffer, sizeof(buffer), "%d", CountZombies());
      Report("zombies", buffer);
    } else if (strcmp(command, "zombies-of") == 0) {
      char buffer[16];
      snprintf(buffer, sizeof(buffer), "%d", CountZombiesOf(atoi(arg)));
      Report("zombies", buffer);
      ++i;
    } else if (strcmp(command, "await-no-zombies") == 0) {
      AwaitNoZombies();
    } else if (strcmp(command, "orphan-parent") == 0) {
      OrphanParent();
    } else if (strcmp(command, "try") == 0) {
      Try(arg);
      ++i;
    } else if (strcmp(command, "getppid-exit") == 0) {
      /* Exits with the errno getppid() fails with (0 when it works), reporting nothing: for a
         process whose every other call may fail (a seccomp learner that is gone). */
      const long rc = syscall(SYS_getppid);
      _exit(rc < 0 ? errno : 0);
    } else if (strcmp(command, "thread-try") == 0) {
      TryInNewThread(arg);
      ++i;
    } else if (strcmp(command, "sleep") == 0) {
      SleepSeconds(atof(arg));
      ++i;
    } else if (strcmp(command, "fds") == 0) {
      Fds();
    } else if (strcmp(command, "exec") == 0) {
      execv(arg, argv + i + 1);
      Report("exec_error", ErrnoName(errno));
      return 1;
    } else if (strcmp(command, "try-extra") == 0) {
      /* privilege tests: `try-extra close_range`; other names behave as `try`. */
      TryExtra(arg);
      ++i;
    } else if (strcmp(command, "pry") == 0) {
      /* `pry 1`: what the program can do to PID 1; `pry child`: the same to its own child. */
      Pry(arg);
      ++i;
    } else if (strcmp(command, "status-of") == 0) {
      /* privilege tests: `status-of 1` reports of1_Uid=..., of1_CapEff=..., ... */
      StatusOf(arg);
      ++i;
    } else if (strcmp(command, "hopper") == 0) {
      Hopper();
    } else if (strcmp(command, "stubborn") == 0) {
      Stubborn(atoi(arg));
      ++i;
    } else if (strcmp(command, "daemon") == 0) {
      Daemon(arg);
      ++i;
    } else if (strcmp(command, "cwd") == 0) {
      ReportCwd();
    } else if (strcmp(command, "env") == 0) {
      ReportEnv(arg);
      ++i;
    } else if (strcmp(command, "die") == 0) {
      // ---- Faults and load (faults_test.cc) ----
      DieBy(atoi(arg), i + 2 < argc ? atoi(argv[i + 2]) : 0);
    } else if (strcmp(command, "fault") == 0) {
      Fault(arg);
      ++i;
    } else if (strcmp(command, "orphan-storm") == 0) {
      OrphanStorm(atol(arg));
      ++i;
    } else if (strcmp(command, "count-signals") == 0) {
      CountSignalsWhileWorking(atoi(arg), i + 2 < argc ? atoi(argv[i + 2]) : 0);
    } else if (strcmp(command, "fork-pipe-loop") == 0) {
      ForkPipeLoop(atoi(arg));
      ++i;
    } else if (strcmp(command, "fork-bomb") == 0) {
      ForkBomb(atof(arg), i + 2 < argc ? atoi(argv[i + 2]) : 0);
    } else if (strcmp(command, "args") == 0) {
      ReportArguments(argc, argv);
      return 0;
    } else if (strcmp(command, "exec-argv0") == 0) {
      // exec-argv0 ARGV0 PATH [ARG...]: ARGV0 may be "".
      if (i + 2 >= argc) return 2;
      char* path = argv[i + 2];
      argv[i + 2] = argv[i + 1];
      execv(path, argv + i + 2);
      Report("exec_error", ErrnoName(errno));
      return 1;
    } else if (strcmp(command, "exec-no-argv") == 0) {
      char* none[] = {NULL};
      extern char** environ;
      execve(arg, none, environ);
      Report("exec_error", ErrnoName(errno));
      return 1;
    } else if (LandlockCommand(command, arg)) {
      ++i;  /* every Landlock command takes one argument ("landlock-self -" too) */
    } else {
      fprintf(stderr, "probe: unknown command %s\n", command);
      return 2;
    }
  }
  return 0;
}
