// What the privilege steps' capability calls cost, each way they can be made (bench/README.md,
// "Where the time goes"). In COUNT forked children each (a fresh process, as the child and
// PID 1 are), CLOCK_MONOTONIC around:
//   status_read_us    open + read + close of /proc/self/status (the bounding and ambient
//                     sets from one read)
//   prctl_read_us     PR_CAPBSET_READ and PR_CAP_AMBIENT_IS_SET for every capability up to
//                     cap_last_cap (the same two sets, asked one capability at a time)
//   bounding_read_us  PR_CAPBSET_READ alone for every capability
//   bounding_drop_us  PR_CAPBSET_DROP for every capability (root with CAP_SETPCAP)
// and prints `metric median` lines.
//
//   capcost COUNT
#include "common.h"

#include <sys/prctl.h>

enum { kMetrics = 4 };
static const char* const kNames[kMetrics] = {"status_read_us", "prctl_read_us",
                                             "bounding_read_us", "bounding_drop_us"};

static int LastCap(void) {
  FILE* f = fopen("/proc/sys/kernel/cap_last_cap", "r");
  int last = 40;
  if (f != NULL) {
    if (fscanf(f, "%d", &last) != 1) last = 40;
    fclose(f);
  }
  return last;
}

static void Sample(int last_cap, uint64_t out[kMetrics]) {
  char text[8192];
  const uint64_t t0 = NowNs();
  const int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
  if (fd < 0) Die("/proc/self/status");
  size_t length = 0;
  ssize_t n;
  while (length < sizeof(text) && (n = read(fd, text + length, sizeof(text) - length)) > 0) {
    length += (size_t)n;
  }
  close(fd);
  const uint64_t t1 = NowNs();
  for (int cap = 0; cap <= last_cap; ++cap) {
    if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) < 0) Die("PR_CAPBSET_READ");
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, cap, 0, 0) < 0) Die("PR_CAP_AMBIENT");
  }
  const uint64_t t2 = NowNs();
  for (int cap = 0; cap <= last_cap; ++cap) {
    if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) < 0) Die("PR_CAPBSET_READ");
  }
  const uint64_t t3 = NowNs();
  for (int cap = 0; cap <= last_cap; ++cap) {
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) Die("PR_CAPBSET_DROP (run as root)");
  }
  const uint64_t t4 = NowNs();
  out[0] = t1 - t0;
  out[1] = t2 - t1;
  out[2] = t3 - t2;
  out[3] = t4 - t3;
}

int main(int argc, char** argv) {
  if (argc != 2 || atoi(argv[1]) <= 0) {
    fprintf(stderr, "usage: capcost COUNT\n");
    return 2;
  }
  const int count = atoi(argv[1]);
  const int last_cap = LastCap();
  uint64_t* samples[kMetrics];
  for (int m = 0; m < kMetrics; ++m) samples[m] = calloc((size_t)count, sizeof(uint64_t));
  for (int i = 0; i < count; ++i) {
    int pipe_fds[2];
    if (pipe(pipe_fds) != 0) Die("pipe");
    const pid_t pid = fork();
    if (pid < 0) Die("fork");
    if (pid == 0) {
      uint64_t out[kMetrics];
      Sample(last_cap, out);
      _exit(write(pipe_fds[1], out, sizeof(out)) == (ssize_t)sizeof(out) ? 0 : 1);
    }
    uint64_t out[kMetrics];
    const ssize_t got = read(pipe_fds[0], out, sizeof(out));
    int status = 0;
    waitpid(pid, &status, 0);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    if (got != (ssize_t)sizeof(out) || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      fprintf(stderr, "capcost: sample %d failed\n", i);
      return 1;
    }
    for (int m = 0; m < kMetrics; ++m) samples[m][i] = out[m];
  }
  for (int m = 0; m < kMetrics; ++m) {
    qsort(samples[m], (size_t)count, sizeof(uint64_t), CompareU64);
    printf("%s %.1f\n", kNames[m], (double)Percentile(samples[m], (size_t)count, 50) / 1e3);
  }
  printf("capabilities %d\n", last_cap + 1);
  return 0;
}
