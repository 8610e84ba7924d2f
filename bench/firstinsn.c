// Time to the program's first instruction, and from its last one to the init's exit.
//
//   firstinsn drive COUNT 'NAME|INIT ARGS ... firstinsn_app' ...
//
// Each command is one argument: a name, '|', and the command's words separated by spaces
// (absolute paths; no quoting). Every run starts the command as PID 1 of a new PID namespace,
// as a container engine starts an init, but keeps the driver's /proc: a /proc of its own
// needs a mount namespace per run, whose teardown when PID 1 exits (an RCU grace period,
// tens of µs) would be added to every init's exit time. /proc/self and every path the inits
// read work the same. The child of the driver takes CLOCK_MONOTONIC just before
// execve(INIT); bench/firstinsn_app takes it in its
// first instructions (it has no C library start-up) and again just before exit_group; the
// driver takes it when waitpid() returns the init. So, per run:
//   start = program's first instruction - the init's execve  (what a service waits for)
//   exit  = the init's exit seen by its parent - program's exit_group
// Runs are interleaved (run i of every command, the order rotated each time) so that a burst
// of load hits every command alike; COUNT/10+2 warm-up runs of each are discarded.
//
// Prints, per command, tab-separated: NAME, metric, value, for the metrics start_p25_ns,
// start_p50_ns, start_p75_ns, exit_p25_ns, exit_p50_ns, exit_p75_ns, runs, failed.
#include "common.h"
#include "firstinsn.h"

#include <sys/stat.h>

enum { kMaxWords = 64 };

struct Command {
  char* name;
  char* argv[kMaxWords + 1];
  uint64_t* start;
  uint64_t* exit;
  int kept;
  int failed;
};

static pid_t g_running;

static void OnAlarm(int sig) {
  (void)sig;
  if (g_running > 0) kill(g_running, SIGKILL);
}

static void ParseCommand(char* spec, struct Command* command) {
  char* bar = strchr(spec, '|');
  if (bar == NULL) {
    fprintf(stderr, "firstinsn: \"%s\": expected NAME|COMMAND\n", spec);
    exit(2);
  }
  *bar = '\0';
  command->name = spec;
  int words = 0;
  for (char* word = strtok(bar + 1, " "); word != NULL; word = strtok(NULL, " ")) {
    if (words == kMaxWords) {
      fprintf(stderr, "firstinsn: %s: more than %d words\n", spec, kMaxWords);
      exit(2);
    }
    command->argv[words++] = word;
  }
  command->argv[words] = NULL;
  if (words == 0 || command->argv[0][0] != '/') {
    fprintf(stderr, "firstinsn: %s: the command must start with an absolute path\n", spec);
    exit(2);
  }
}

// One run: returns 0 and the two durations, or -1 when the init or the program failed.
static int RunOnce(char** argv, volatile struct FirstInsnShared* shared, uint64_t* start,
                   uint64_t* exit_latency) {
  shared->exec_ns = shared->started_ns = shared->exiting_ns = 0;
  // A fork into a new PID namespace: the child is its PID 1.
  const pid_t pid = (pid_t)syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, NULL, NULL, NULL, NULL);
  if (pid < 0) Die("clone(CLONE_NEWPID)");
  if (pid == 0) {
    shared->exec_ns = NowNs();
    execv(argv[0], argv);
    Die(argv[0]);
  }
  g_running = pid;
  alarm(10);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) Die("waitpid");
  }
  const uint64_t reaped = NowNs();
  alarm(0);
  g_running = 0;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || shared->started_ns == 0 ||
      shared->exiting_ns == 0) {
    return -1;
  }
  *start = shared->started_ns - shared->exec_ns;
  *exit_latency = reaped - shared->exiting_ns;
  return 0;
}

static void PrintSummary(const struct Command* command) {
  qsort(command->start, (size_t)command->kept, sizeof(uint64_t), CompareU64);
  qsort(command->exit, (size_t)command->kept, sizeof(uint64_t), CompareU64);
  const size_t n = (size_t)command->kept;
  static const int kPercentiles[] = {25, 50, 75};
  for (size_t i = 0; i < 3 && n > 0; ++i) {
    printf("%s\tstart_p%d_ns\t%llu\n", command->name, kPercentiles[i],
           (unsigned long long)Percentile(command->start, n, kPercentiles[i]));
  }
  for (size_t i = 0; i < 3 && n > 0; ++i) {
    printf("%s\texit_p%d_ns\t%llu\n", command->name, kPercentiles[i],
           (unsigned long long)Percentile(command->exit, n, kPercentiles[i]));
  }
  printf("%s\truns\t%d\n", command->name, command->kept);
  printf("%s\tfailed\t%d\n", command->name, command->failed);
}

static int Drive(int count, int ncommands, char** specs) {
  struct Command* commands = calloc((size_t)ncommands, sizeof(struct Command));
  for (int c = 0; c < ncommands; ++c) {
    ParseCommand(specs[c], &commands[c]);
    commands[c].start = calloc((size_t)count, sizeof(uint64_t));
    commands[c].exit = calloc((size_t)count, sizeof(uint64_t));
  }
  volatile struct FirstInsnShared* shared = CreateShared(sizeof(struct FirstInsnShared));
  // The program may run as another user (--user nobody, gosu, setpriv).
  if (chmod(getenv("BENCH_SHM"), 0666) != 0) Die("chmod BENCH_SHM");
  struct sigaction action;
  memset(&action, 0, sizeof(action));
  action.sa_handler = OnAlarm;
  sigaction(SIGALRM, &action, NULL);
  const int warmup = count / 10 + 2;
  for (int i = 0; i < warmup + count; ++i) {
    for (int k = 0; k < ncommands; ++k) {
      struct Command* command = &commands[(i + k) % ncommands];
      uint64_t start = 0, exit_latency = 0;
      if (RunOnce(command->argv, shared, &start, &exit_latency) != 0) {
        ++command->failed;
        continue;
      }
      if (i < warmup) continue;
      command->start[command->kept] = start;
      command->exit[command->kept] = exit_latency;
      ++command->kept;
    }
  }
  RemoveShared();
  int failures = 0;
  for (int c = 0; c < ncommands; ++c) {
    PrintSummary(&commands[c]);
    if (commands[c].kept == 0) {
      fprintf(stderr, "firstinsn: %s: the program never started (%d failed runs)\n",
              commands[c].name, commands[c].failed);
      ++failures;
    }
  }
  return failures == 0 ? 0 : 1;
}

int main(int argc, char** argv) {
  if (argc >= 4 && strcmp(argv[1], "drive") == 0) return Drive(atoi(argv[2]), argc - 3, argv + 3);
  fprintf(stderr, "usage: firstinsn drive COUNT 'NAME|INIT ARGS ... firstinsn_app' ...\n");
  return 2;
}
