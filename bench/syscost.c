// Per-system-call cost under whatever seccomp filter the process runs with: COUNT calls each of
// getppid() (allowed by every profile), personality(0xffffffff) (allowed only for listed
// argument values, so the filter compares an argument) and ioctl(fd, TCGETS) on /dev/null
// (hardinit's default profile compares ioctl's command against TIOCSTI and TIOCLINUX; the call
// itself fails with ENOTTY after the filter let it through).
//
//   syscost COUNT   prints `seccomp MODE` and `<call>_ns NS-PER-CALL` lines
#include "common.h"

#include <sys/ioctl.h>
#include <sys/personality.h>
#include <termios.h>

static int SeccompMode(void) {
  FILE* status = fopen("/proc/self/status", "re");
  if (status == NULL) return -1;
  char line[256];
  int mode = -1;
  while (fgets(line, sizeof(line), status) != NULL) {
    if (sscanf(line, "Seccomp: %d", &mode) == 1) break;
  }
  fclose(status);
  return mode;
}

// On-CPU time of this thread: other load on the machine does not inflate it.
static uint64_t CpuNs(void) {
  struct timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: syscost COUNT\n");
    return 2;
  }
  const long count = atol(argv[1]);
  const int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_fd < 0) Die("/dev/null");
  printf("seccomp %d\n", SeccompMode());

  // Raw syscall() so that libc caches nothing and every iteration enters the kernel.
  uint64_t start = CpuNs();
  for (long i = 0; i < count; ++i) syscall(SYS_getppid);
  printf("getppid_ns %.1f\n", (double)(CpuNs() - start) / (double)count);

  start = CpuNs();
  for (long i = 0; i < count; ++i) syscall(SYS_personality, 0xffffffffUL);
  printf("personality_ns %.1f\n", (double)(CpuNs() - start) / (double)count);

  struct termios term;
  start = CpuNs();
  for (long i = 0; i < count; ++i) syscall(SYS_ioctl, null_fd, TCGETS, &term);
  printf("ioctl_tcgets_ns %.1f\n", (double)(CpuNs() - start) / (double)count);
  return 0;
}
