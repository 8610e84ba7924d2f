// The one-time cost of installing a seccomp filter: in seccomp(SECCOMP_SET_MODE_FILTER) the
// kernel checks the classic BPF, converts it to eBPF, JIT-compiles it and precomputes its
// per-syscall action cache. Every process started under a filter pays this once, before exec,
// and it grows with the filter's length. For each LABEL=FILE (raw BPF as
// `hardinit seccomp export` writes it), COUNT forked children each time one seccomp() call.
//
//   filterload COUNT LABEL=FILE...   prints `LABEL insns N` and `LABEL load_us MEDIAN` lines
#include "common.h"

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>

// One child per sample: filters only stack up, so each load needs a fresh process.
static uint64_t TimeOneLoad(const struct sock_fprog* program) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) Die("pipe2");
  const pid_t pid = fork();
  if (pid < 0) Die("fork");
  if (pid == 0) {
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) _exit(3);
    const uint64_t start = NowNs();
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, program) != 0) _exit(4);
    const uint64_t elapsed = NowNs() - start;
    _exit(write(fds[1], &elapsed, sizeof(elapsed)) == sizeof(elapsed) ? 0 : 5);
  }
  close(fds[1]);
  uint64_t elapsed = 0;
  const ssize_t n = read(fds[0], &elapsed, sizeof(elapsed));
  close(fds[0]);
  int status = 0;
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
      n != (ssize_t)sizeof(elapsed)) {
    fprintf(stderr, "filterload: the child failed (status %d)\n", status);
    exit(2);
  }
  return elapsed;
}

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: filterload COUNT LABEL=FILE...\n");
    return 2;
  }
  const long count = atol(argv[1]);
  if (count < 1) return 2;
  uint64_t* samples = calloc((size_t)count, sizeof(uint64_t));
  static struct sock_filter instructions[BPF_MAXINSNS + 1];
  if (samples == NULL) Die("calloc");
  for (int i = 2; i < argc; ++i) {
    char* path = strchr(argv[i], '=');
    if (path == NULL) {
      fprintf(stderr, "filterload: %s: want LABEL=FILE\n", argv[i]);
      return 2;
    }
    *path++ = '\0';
    FILE* file = fopen(path, "rb");
    if (file == NULL) Die(path);
    const size_t n = fread(instructions, sizeof(instructions[0]), BPF_MAXINSNS + 1, file);
    fclose(file);
    if (n == 0 || n > BPF_MAXINSNS) {
      fprintf(stderr, "filterload: %s: want 1 to %d instructions\n", path, BPF_MAXINSNS);
      return 2;
    }
    const struct sock_fprog program = {.len = (unsigned short)n, .filter = instructions};
    for (long s = 0; s < count; ++s) samples[s] = TimeOneLoad(&program);
    qsort(samples, (size_t)count, sizeof(samples[0]), CompareU64);
    printf("%s insns %zu\n", argv[i], n);
    printf("%s load_us %.1f\n", argv[i], (double)samples[count / 2] / 1000.0);
  }
  free(samples);
  return 0;
}
