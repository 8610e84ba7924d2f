// Reaping: how long PID 1 of a new PID namespace takes to reap COUNT orphaned zombies.
//
//   reap drive COUNT INIT [INIT ARGS...]   the init's argv must end with `reap app`
//   reap app                               the program: makes the orphans, then watches them go
//
// To time the reaping alone (not the forks), the driver stops the init with SIGSTOP, the
// program makes COUNT orphans that exit at once (zombies re-parented to PID 1), and the clock
// starts when the driver sends SIGCONT. The program polls the orphans in the order they were
// made (waitpid(-1) reaps the oldest child first) with kill(pid, 0), which succeeds on a
// zombie and fails with ESRCH once it is reaped. The driver also reads the init's own CPU time
// from /proc/PID/schedstat (ns on the CPU) before SIGCONT and after the last orphan is gone.
//
// The driver prints `wall_ns`, `cpu_ns`, `per_zombie_ns`.
#include "common.h"

enum { kStarted = 1, kGo, kMade, kContinued, kDone };
enum { kBatch = 100 };

struct Shared {
  uint32_t state;
  uint32_t count;
  uint64_t done_ns;
  int32_t pids[];  // orphan pids as the namespace sees them
};

static void Advance(struct Shared* shared, uint32_t state) {
  __atomic_store_n(&shared->state, state, __ATOMIC_RELEASE);
  FutexWake(&shared->state);
}

static void AwaitState(struct Shared* shared, uint32_t state, int timeout_ms) {
  const uint64_t deadline = NowNs() + (uint64_t)timeout_ms * 1000000u;
  uint32_t now;
  while ((now = __atomic_load_n(&shared->state, __ATOMIC_ACQUIRE)) != state) {
    if (NowNs() > deadline) {
      fprintf(stderr, "reap: timed out waiting for state %u (at %u)\n", state, now);
      exit(1);
    }
    FutexWaitChange(&shared->state, now, 100);
  }
}

static size_t SharedSize(uint32_t count) { return sizeof(struct Shared) + count * sizeof(int32_t); }

static int App(void) {
  struct Shared* header = OpenShared(sizeof(struct Shared));
  const uint32_t count = header->count;
  struct Shared* shared = OpenShared(SharedSize(count));
  Advance(shared, kStarted);
  AwaitState(shared, kGo, 10000);
  // Each middle process forks a batch of orphans and exits: fewer forks and waits than one
  // middle per orphan, so making 10,000 of them stays quick on a loaded machine.
  for (uint32_t first = 0; first < count; first += kBatch) {
    const uint32_t last = first + kBatch < count ? first + kBatch : count;
    const pid_t middle = fork();
    if (middle < 0) Die("fork");
    if (middle == 0) {
      for (uint32_t i = first; i < last; ++i) {
        const pid_t orphan = fork();
        if (orphan == 0) _exit(0);
        if (orphan < 0) _exit(1);
        shared->pids[i] = orphan;
      }
      _exit(0);
    }
    int status;
    if (waitpid(middle, &status, 0) != middle || status != 0) Die("orphan fork");
  }
  Advance(shared, kMade);
  AwaitState(shared, kContinued, 10000);
  for (uint32_t i = 0; i < count; ++i) {
    while (kill(shared->pids[i], 0) == 0) sched_yield();
  }
  shared->done_ns = NowNs();
  Advance(shared, kDone);
  return 0;
}

static uint64_t CpuNs(pid_t pid) {
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
  FILE* file = fopen(path, "re");
  if (file == NULL) Die(path);
  unsigned long long ns = 0;
  if (fscanf(file, "%llu", &ns) != 1) ns = 0;
  fclose(file);
  return ns;
}

static char ProcessState(pid_t pid) {
  char path[64], text[512];
  snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return '?';
  const ssize_t n = read(fd, text, sizeof(text) - 1);
  close(fd);
  if (n <= 0) return '?';
  text[n] = '\0';
  const char* end = strrchr(text, ')');
  return end != NULL && end[1] == ' ' ? end[2] : '?';
}

static int Drive(uint32_t count, char** init_argv) {
  struct Shared* shared = CreateShared(SharedSize(count));
  shared->count = count;
  const pid_t init = StartInitInPidNamespace(init_argv);
  AwaitState(shared, kStarted, 10000);
  if (kill(init, SIGSTOP) != 0) Die("kill SIGSTOP");
  while (ProcessState(init) != 'T') usleep(1000);
  Advance(shared, kGo);
  AwaitState(shared, kMade, 120000);
  const uint64_t cpu_before = CpuNs(init);
  const uint64_t start = NowNs();
  if (kill(init, SIGCONT) != 0) Die("kill SIGCONT");
  Advance(shared, kContinued);
  AwaitState(shared, kDone, 60000);
  const uint64_t cpu_after = CpuNs(init);
  const uint64_t wall = shared->done_ns - start;
  const int status = AwaitInit(init, 10000);
  RemoveShared();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fprintf(stderr, "reap: %s ended with status 0x%x\n", init_argv[0], status);
    return 1;
  }
  printf("wall_ns %llu\n", (unsigned long long)wall);
  printf("cpu_ns %llu\n", (unsigned long long)(cpu_after - cpu_before));
  printf("per_zombie_ns %llu\n", (unsigned long long)(wall / count));
  return 0;
}

int main(int argc, char** argv) {
  if (argc == 2 && strcmp(argv[1], "app") == 0) return App();
  if (argc >= 4 && strcmp(argv[1], "drive") == 0) {
    return Drive((uint32_t)strtoul(argv[2], NULL, 10), argv + 3);
  }
  fprintf(stderr, "usage: reap drive COUNT INIT [ARGS...] (ending in: reap app)\n");
  return 2;
}
