// The cost of --seccomp-learn and --seccomp-log per system call (design.md §3.12): wall time,
// since a reported call waits for PID 1 (its time blocked is not the caller's CPU time), and
// the caller's own CPU time beside it. COUNT calls each of getppid() (allowed by every profile:
// under --seccomp-log it never reaches PID 1; under --seccomp-learn every call does) and
// mount(NULL, ...) (denied by the default profile: under --seccomp-log every call is reported
// and answered with EPERM).
//
//   listencost COUNT   prints `<call>_ns NS-PER-CALL` (wall) and `<call>_cpu_ns` lines
#include "common.h"

static uint64_t CpuNs(void) {
  struct timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static void Measure(const char* name, long count, long nr) {
  const uint64_t wall = NowNs(), cpu = CpuNs();
  // Raw syscall(): every iteration enters the kernel; mount's NULL arguments make it fail
  // early wherever the filter lets it through.
  for (long i = 0; i < count; ++i) syscall(nr, 0, 0, 0, 0, 0);
  printf("%s_ns %.1f\n", name, (double)(NowNs() - wall) / (double)count);
  printf("%s_cpu_ns %.1f\n", name, (double)(CpuNs() - cpu) / (double)count);
}

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: listencost COUNT\n");
    return 2;
  }
  const long count = atol(argv[1]);
  Measure("getppid", count, SYS_getppid);
  Measure("mount_denied", count, SYS_mount);
  return 0;
}
