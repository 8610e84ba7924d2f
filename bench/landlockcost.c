// The one-time cost of Landlock for a typical rule set (`--fs-ro / --fs-rw /tmp --net-bind 80`
// and the /dev/null rule hardinit adds): what hardinit's parent does (ask the ABI, create the
// ruleset, open each path with O_PATH, fstat it, add a rule; one port rule) and what its child
// does (landlock_restrict_self after no_new_privs). COUNT forked children each time both
// phases; a domain only stacks up, so each sample needs a fresh process.
//
//   landlockcost COUNT   prints `build_us MEDIAN`, `restrict_us MEDIAN`, `abi N` lines
#include "common.h"

#include <linux/landlock.h>
#include <sys/prctl.h>
#include <sys/stat.h>

// The kernel's UAPI from ABI 6 (Debian 12's header stops at ABI 2).
struct RulesetAttr {
  uint64_t handled_access_fs, handled_access_net, scoped;
};
struct NetPortAttr {
  uint64_t allowed_access, port;
};

static int AddPath(int ruleset, const char* path, uint64_t access) {
  const int fd = open(path, O_PATH | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0) return -1;
  if (!S_ISDIR(st.st_mode)) access &= (1ULL << 0) | (1ULL << 1) | (1ULL << 2) | (1ULL << 14) | (1ULL << 15);
  struct landlock_path_beneath_attr rule = {.allowed_access = access, .parent_fd = fd};
  const long rc = syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &rule, 0);
  close(fd);
  return (int)rc;
}

static void TimeOnce(uint64_t* build, uint64_t* restrict_ns) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) Die("pipe2");
  const pid_t pid = fork();
  if (pid < 0) Die("fork");
  if (pid == 0) {
    uint64_t times[2];
    const uint64_t start = NowNs();
    if (syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION) < 6) _exit(3);
    const uint64_t fs = (1ULL << 16) - 1;  // every filesystem right of ABI 5
    const struct RulesetAttr attr = {fs, 1 /* BIND_TCP */, 3 /* both scopes */};
    const int ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
    if (ruleset < 0) _exit(4);
    const uint64_t read = (1ULL << 0) | (1ULL << 2) | (1ULL << 3);
    if (AddPath(ruleset, "/", read) != 0 || AddPath(ruleset, "/tmp", fs & ~1ULL) != 0 ||
        AddPath(ruleset, "/dev/null", (1ULL << 1) | (1ULL << 2)) != 0) {
      _exit(5);
    }
    const struct NetPortAttr port = {1, 80};
    if (syscall(SYS_landlock_add_rule, ruleset, 2 /* NET_PORT */, &port, 0) != 0) _exit(6);
    times[0] = NowNs() - start;
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) _exit(7);
    const uint64_t restrict_start = NowNs();
    if (syscall(SYS_landlock_restrict_self, ruleset, 0) != 0) _exit(8);
    times[1] = NowNs() - restrict_start;
    _exit(write(fds[1], times, sizeof(times)) == sizeof(times) ? 0 : 9);
  }
  close(fds[1]);
  uint64_t times[2] = {0, 0};
  const ssize_t n = read(fds[0], times, sizeof(times));
  close(fds[0]);
  int status = 0;
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
      n != (ssize_t)sizeof(times)) {
    fprintf(stderr, "landlockcost: the child failed (status %d; 3: Landlock ABI below 6)\n",
            status);
    exit(2);
  }
  *build = times[0];
  *restrict_ns = times[1];
}

int main(int argc, char** argv) {
  if (argc != 2 || atol(argv[1]) < 1) {
    fprintf(stderr, "usage: landlockcost COUNT\n");
    return 2;
  }
  const long count = atol(argv[1]);
  uint64_t* build = calloc((size_t)count, sizeof(uint64_t));
  uint64_t* restrict_ns = calloc((size_t)count, sizeof(uint64_t));
  if (build == NULL || restrict_ns == NULL) Die("calloc");
  for (long s = 0; s < count; ++s) TimeOnce(&build[s], &restrict_ns[s]);
  qsort(build, (size_t)count, sizeof(build[0]), CompareU64);
  qsort(restrict_ns, (size_t)count, sizeof(restrict_ns[0]), CompareU64);
  printf("abi %ld\n", syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION));
  printf("build_us %.1f\n", (double)build[count / 2] / 1000.0);
  printf("restrict_us %.1f\n", (double)restrict_ns[count / 2] / 1000.0);
  free(build);
  free(restrict_ns);
  return 0;
}
