// The one-time cost of installing a seccomp filter: in seccomp(SECCOMP_SET_MODE_FILTER) the
// kernel checks the classic BPF, converts it to eBPF, JIT-compiles it and precomputes its
// per-syscall action cache. Every process started under a filter pays this once, before exec,
// and it grows with the filter's length. For each LABEL=FILE (raw BPF as
// `hardinit seccomp export` writes it), COUNT forked children each time one seccomp() call.
// The files take turns, one load each, so that a burst of load on a shared machine hits them
// alike and their medians compare within one run.
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

struct Filter {
  const char* label;
  struct sock_filter* instructions;
  struct sock_fprog program;
  uint64_t* samples;
};

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: filterload COUNT LABEL=FILE...\n");
    return 2;
  }
  const long count = atol(argv[1]);
  if (count < 1) return 2;
  const int n = argc - 2;
  struct Filter* filters = calloc((size_t)n, sizeof(struct Filter));
  if (filters == NULL) Die("calloc");
  for (int i = 0; i < n; ++i) {
    char* path = strchr(argv[i + 2], '=');
    if (path == NULL) {
      fprintf(stderr, "filterload: %s: want LABEL=FILE\n", argv[i + 2]);
      return 2;
    }
    *path++ = '\0';
    struct Filter* f = &filters[i];
    f->label = argv[i + 2];
    f->instructions = calloc(BPF_MAXINSNS + 1, sizeof(struct sock_filter));
    f->samples = calloc((size_t)count, sizeof(uint64_t));
    if (f->instructions == NULL || f->samples == NULL) Die("calloc");
    FILE* file = fopen(path, "rb");
    if (file == NULL) Die(path);
    const size_t len = fread(f->instructions, sizeof(struct sock_filter), BPF_MAXINSNS + 1, file);
    fclose(file);
    if (len == 0 || len > BPF_MAXINSNS) {
      fprintf(stderr, "filterload: %s: want 1 to %d instructions\n", path, BPF_MAXINSNS);
      return 2;
    }
    f->program = (struct sock_fprog){.len = (unsigned short)len, .filter = f->instructions};
  }
  for (long s = 0; s < count; ++s) {
    for (int i = 0; i < n; ++i) filters[i].samples[s] = TimeOneLoad(&filters[i].program);
  }
  for (int i = 0; i < n; ++i) {
    struct Filter* f = &filters[i];
    qsort(f->samples, (size_t)count, sizeof(f->samples[0]), CompareU64);
    printf("%s insns %u\n", f->label, (unsigned)f->program.len);
    printf("%s load_us %.1f\n", f->label, (double)f->samples[count / 2] / 1000.0);
    free(f->samples);
    free(f->instructions);
  }
  free(filters);
  return 0;
}
