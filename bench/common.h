// Shared by the bench helpers: a clock, a shared-memory page the driver and the program under
// the init both map (hardinit marks inherited fds close-on-exec, so a path in /dev/shm, passed
// in BENCH_SHM, is the channel that survives every init), futex waits on it, and starting an
// init as PID 1 of a new PID namespace (what `unshare --pid --fork --mount-proc` does).
#ifndef HARDINIT_BENCH_COMMON_H_
#define HARDINIT_BENCH_COMMON_H_

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static inline uint64_t NowNs(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static inline void Die(const char* what) {
  fprintf(stderr, "bench: %s: %s\n", what, strerror(errno));
  exit(2);
}

// Not FUTEX_PRIVATE: the word lives in a MAP_SHARED file mapping used by two processes.
static inline void FutexWake(volatile uint32_t* word) {
  syscall(SYS_futex, word, FUTEX_WAKE, 1 << 30, NULL, NULL, 0);
}

// Waits while *word == old, at most timeout_ms; returns 0 once it changed, -1 on timeout.
static inline int FutexWaitChange(volatile uint32_t* word, uint32_t old, int timeout_ms) {
  const uint64_t deadline = NowNs() + (uint64_t)timeout_ms * 1000000u;
  while (__atomic_load_n(word, __ATOMIC_ACQUIRE) == old) {
    const uint64_t now = NowNs();
    if (now >= deadline) return -1;
    const uint64_t left = deadline - now;
    struct timespec t = {(time_t)(left / 1000000000u), (long)(left % 1000000000u)};
    syscall(SYS_futex, word, FUTEX_WAIT, old, &t, NULL, 0);
  }
  return 0;
}

// Driver side: creates the file, sizes it and maps it; exports its path in BENCH_SHM.
static inline void* CreateShared(size_t size) {
  char path[64];
  snprintf(path, sizeof(path), "/dev/shm/hardinit-bench.%d", (int)getpid());
  const int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) Die(path);
  if (ftruncate(fd, (off_t)size) != 0) Die("ftruncate");
  void* map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (map == MAP_FAILED) Die("mmap");
  close(fd);
  setenv("BENCH_SHM", path, 1);
  return map;
}

static inline void RemoveShared(void) {
  const char* path = getenv("BENCH_SHM");
  if (path != NULL) unlink(path);
}

// Program side: maps the driver's file.
static inline void* OpenShared(size_t size) {
  const char* path = getenv("BENCH_SHM");
  if (path == NULL) {
    fprintf(stderr, "bench: BENCH_SHM is not set\n");
    exit(2);
  }
  const int fd = open(path, O_RDWR | O_CLOEXEC);
  if (fd < 0) Die(path);
  void* map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (map == MAP_FAILED) Die("mmap");
  close(fd);
  return map;
}

// Starts argv as PID 1 of a new PID namespace with its own /proc; returns its pid as the
// driver sees it.
static inline pid_t StartInitInPidNamespace(char** argv) {
  if (unshare(CLONE_NEWPID) != 0) Die("unshare(CLONE_NEWPID)");
  const pid_t pid = fork();
  if (pid < 0) Die("fork");
  if (pid == 0) {
    if (unshare(CLONE_NEWNS) != 0) Die("unshare(CLONE_NEWNS)");
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) Die("mount --make-rprivate /");
    if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0) {
      Die("mount /proc");
    }
    execvp(argv[0], argv);
    Die(argv[0]);
  }
  return pid;
}

// Waits for the init to exit, killing it after timeout_ms; returns its wait status.
static inline int AwaitInit(pid_t pid, int timeout_ms) {
  int status = 0;
  for (int waited = 0;; waited += 10) {
    const pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) return status;
    if (done < 0 && errno != EINTR) Die("waitpid");
    if (waited == timeout_ms) kill(pid, SIGKILL);
    usleep(10000);
  }
}

static inline int CompareU64(const void* a, const void* b) {
  const uint64_t x = *(const uint64_t*)a, y = *(const uint64_t*)b;
  return x < y ? -1 : x > y;
}

// Nearest-rank percentile of a sorted array.
static inline uint64_t Percentile(const uint64_t* sorted, size_t n, double p) {
  size_t rank = (size_t)(p / 100.0 * (double)n + 0.999999);
  if (rank < 1) rank = 1;
  if (rank > n) rank = n;
  return sorted[rank - 1];
}

#endif  // HARDINIT_BENCH_COMMON_H_
