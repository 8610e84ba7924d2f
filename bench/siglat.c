// Signal forwarding latency: the time from just before kill(init, SIGUSR1) in the driver to
// the program's SIGUSR1 handler running under the init, which is PID 1 of a new PID namespace.
//
//   siglat drive COUNT INIT [INIT ARGS...]   the init's argv must end with `siglat app`
//   siglat app                               the program: records CLOCK_MONOTONIC in its handler
//
// The driver prints `p50_ns`, `p90_ns`, `p99_ns`, `mean_ns`, `lost` lines.
#include "common.h"

struct Shared {
  uint32_t ready;
  uint32_t handled;      // incremented by the handler; the driver waits on it
  uint64_t handler_ns;   // CLOCK_MONOTONIC in the handler
};

static struct Shared* g_shared;

static void OnUsr1(int sig) {
  (void)sig;
  g_shared->handler_ns = NowNs();
  __atomic_add_fetch(&g_shared->handled, 1, __ATOMIC_RELEASE);
  FutexWake(&g_shared->handled);
}

static int App(void) {
  g_shared = OpenShared(sizeof(struct Shared));
  struct sigaction action;
  memset(&action, 0, sizeof(action));
  action.sa_handler = OnUsr1;
  action.sa_flags = SA_RESTART;
  sigaction(SIGUSR1, &action, NULL);
  __atomic_store_n(&g_shared->ready, 1, __ATOMIC_RELEASE);
  FutexWake(&g_shared->ready);
  for (;;) pause();  // SIGTERM (default action) ends it
  return 0;
}

static int Drive(int count, char** init_argv) {
  struct Shared* shared = CreateShared(sizeof(struct Shared));
  const pid_t init = StartInitInPidNamespace(init_argv);
  if (FutexWaitChange(&shared->ready, 0, 10000) != 0) {
    fprintf(stderr, "siglat: the program did not start under %s\n", init_argv[0]);
    kill(init, SIGKILL);
    RemoveShared();
    return 1;
  }
  const int warmup = count / 10 + 10;
  uint64_t* latencies = calloc((size_t)count, sizeof(uint64_t));
  int kept = 0, lost = 0;
  for (int i = 0; i < warmup + count; ++i) {
    // Let the init go back to sleep first: the latency of interest is that of an idle init.
    const struct timespec gap = {0, 300 * 1000};
    nanosleep(&gap, NULL);
    const uint32_t before = __atomic_load_n(&shared->handled, __ATOMIC_ACQUIRE);
    const uint64_t sent = NowNs();
    if (kill(init, SIGUSR1) != 0) Die("kill");
    if (FutexWaitChange(&shared->handled, before, 1000) != 0) {
      ++lost;
      continue;
    }
    if (i >= warmup) latencies[kept++] = shared->handler_ns - sent;
  }
  kill(init, SIGTERM);
  AwaitInit(init, 5000);
  RemoveShared();
  if (kept == 0) {
    fprintf(stderr, "siglat: no signal reached the program under %s\n", init_argv[0]);
    return 1;
  }
  qsort(latencies, (size_t)kept, sizeof(uint64_t), CompareU64);
  uint64_t sum = 0;
  for (int i = 0; i < kept; ++i) sum += latencies[i];
  printf("p50_ns %llu\n", (unsigned long long)Percentile(latencies, (size_t)kept, 50));
  printf("p90_ns %llu\n", (unsigned long long)Percentile(latencies, (size_t)kept, 90));
  printf("p99_ns %llu\n", (unsigned long long)Percentile(latencies, (size_t)kept, 99));
  printf("mean_ns %llu\n", (unsigned long long)(sum / (uint64_t)kept));
  printf("signals %d\n", kept);
  printf("lost %d\n", lost);
  return 0;
}

int main(int argc, char** argv) {
  if (argc == 2 && strcmp(argv[1], "app") == 0) return App();
  if (argc >= 4 && strcmp(argv[1], "drive") == 0) return Drive(atoi(argv[2]), argv + 3);
  fprintf(stderr, "usage: siglat drive COUNT INIT [ARGS...] (ending in: siglat app)\n");
  return 2;
}
