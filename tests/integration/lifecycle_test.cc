// Stopping the rest of the tree when the program exits (design.md §3.5; tini#180, #95, #236,
// dumb-init#212), and signal rewriting (-r).
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <thread>

#include "harness.h"

namespace hardinit::testing {
namespace {

using Clock = std::chrono::steady_clock;

bool Exists(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0;
}

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// A program that leaves three kinds of processes behind when it exits with status 3:
// a patient child that finishes its shutdown work on SIGTERM, a stubborn child that ignores
// SIGTERM, and a double-forked daemon (re-parented to PID 1) that also cleans up on SIGTERM.
std::string TreeScript(const std::string& dir, bool stubborn) {
  std::string script =
      "D=" + dir + "\n"
      "( trap 'sleep 0.2; echo done > $D/patient; exit 0' TERM; "
      "while :; do sleep 0.05; done ) &\n"
      "( ( trap 'echo done > $D/daemon; exit 0' TERM; while :; do sleep 0.05; done ) & ) &\n";
  if (stubborn) script += "( trap '' TERM; while :; do sleep 0.05; done ) &\n";
  script += "sleep 0.3\nexit 3\n";
  return script;
}

TEST(Lifecycle, TheRestGetSigtermTheirGracePeriodAndSigkill) {
  HARDINIT_REQUIRE_ROOT();
  const std::string dir = MakeTempDir();
  const auto start = Clock::now();
  RunResult r = RunHardinit({"--grace", "2", "--seccomp", "unconfined", "--", "/bin/busybox",
                             "sh", "-c", TreeScript(dir, /*stubborn=*/true)});
  const double elapsed = SecondsSince(start);
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_TRUE(Exists(dir + "/patient")) << "the patient child was not given its time";
  EXPECT_TRUE(Exists(dir + "/daemon")) << "the re-parented daemon did not get SIGTERM";
  // The stubborn one holds hardinit until the deadline (0.3 s of script + 2 s of grace),
  // and not much longer: it is SIGKILLed then.
  EXPECT_GE(elapsed, 2.3);
  EXPECT_LT(elapsed, 2.3 + 1.5);
}

TEST(Lifecycle, TheWaitEndsWhenTheLastProcessIsGone) {
  HARDINIT_REQUIRE_ROOT();
  const std::string dir = MakeTempDir();
  const auto start = Clock::now();
  RunResult r = RunHardinit({"--grace", "20", "--seccomp", "unconfined", "--", "/bin/busybox",
                             "sh", "-c", TreeScript(dir, /*stubborn=*/false)});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_TRUE(Exists(dir + "/patient"));
  EXPECT_TRUE(Exists(dir + "/daemon"));
  EXPECT_LT(SecondsSince(start), 3.0) << "hardinit slept through the grace period";
}

// Negative control: with --grace 0 (tini's behaviour) hardinit exits with the program and
// the kernel SIGKILLs the rest of the namespace: no shutdown work gets done.
TEST(Lifecycle, GraceZeroExitsAtOnceLikeTini) {
  HARDINIT_REQUIRE_ROOT();
  const std::string dir = MakeTempDir();
  const auto start = Clock::now();
  RunResult r = RunHardinit({"--grace", "0", "--seccomp", "unconfined", "--", "/bin/busybox",
                             "sh", "-c", TreeScript(dir, /*stubborn=*/true)});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_LT(SecondsSince(start), 1.5);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_FALSE(Exists(dir + "/patient"));
  EXPECT_FALSE(Exists(dir + "/daemon"));
}

TEST(Lifecycle, SigtermToPid1ReachesTheProgramAtOnce) {
  HARDINIT_REQUIRE_ROOT();
  const std::string dir = MakeTempDir();
  // `docker stop`: the program stops on SIGTERM; its patient helper gets the grace period.
  const std::string script =
      "D=" + dir + "\n"
      "trap 'exit 0' TERM\n"
      // The helper says ready once its own trap is in place.
      "( trap 'sleep 0.2; echo done > $D/helper; exit 0' TERM; echo ready=1; "
      "while :; do sleep 0.05; done ) &\n"
      "while :; do sleep 0.05; done\n";
  Process p({"--grace", "5", "--seccomp", "unconfined", "--", "/bin/busybox", "sh", "-c", script},
            {});
  ASSERT_TRUE(p.WaitForOutput("ready=1")) << p.out();
  const auto start = Clock::now();
  p.Signal(SIGTERM);
  RunResult r = p.Wait();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_LT(SecondsSince(start), 2.0);
  EXPECT_TRUE(Exists(dir + "/helper"));
}

// As a subreaper (not PID 1) hardinit signals only its own descendants, never kill(-1):
// another process of the same uid outside its tree survives the shutdown.
TEST(Lifecycle, ASubreaperSignalsOnlyItsOwnDescendants) {
  HARDINIT_REQUIRE_ROOT();
  const pid_t outsider = fork();
  if (outsider == 0) {
    execl("/bin/busybox", "sleep", "30", nullptr);
    _exit(127);
  }
  const std::string dir = MakeTempDir();
  RunOptions options;
  options.new_pid_namespace = false;
  // The orphan writes its own pid: `$$` in a subshell is the outer shell's, which exits with
  // the program whatever hardinit does. It ignores SIGTERM (an ignored signal stays ignored
  // across exec), so only the SIGKILL at the end of the grace period stops it.
  const std::string script = "( ( trap '' TERM; exec /bin/busybox sh -c 'echo $$ > " + dir +
                             "/orphan; while :; do sleep 0.05; done' ) & ) &\n"
                             "sleep 0.3; exit 4\n";
  auto run_and_read_orphan = [&](const char* grace) {
    std::remove((dir + "/orphan").c_str());
    RunResult r = RunHardinit(
        {"--grace", grace, "--seccomp", "unconfined", "--", "/bin/busybox", "sh", "-c", script},
        options);
    EXPECT_EQ(r.exit_code, 4) << r.err;
    std::string orphan;
    std::ifstream(dir + "/orphan") >> orphan;
    return orphan;
  };
  const std::string orphan = run_and_read_orphan("0.5");
  ASSERT_FALSE(orphan.empty());
  EXPECT_FALSE(Exists("/proc/" + orphan)) << "the orphan in hardinit's tree survived";
  EXPECT_EQ(waitpid(outsider, nullptr, WNOHANG), 0) << "a process outside the tree was killed";
  kill(outsider, SIGKILL);
  waitpid(outsider, nullptr, 0);

  // Negative control: with --grace 0 hardinit leaves the rest alone, and the same orphan
  // outlives it (as a subreaper there is no namespace whose end would kill it).
  const std::string survivor = run_and_read_orphan("0");
  ASSERT_FALSE(survivor.empty());
  EXPECT_TRUE(Exists("/proc/" + survivor)) << "the check above cannot see a survivor";
  kill(static_cast<pid_t>(std::stol(survivor)), SIGKILL);
}

struct Rewrite {
  std::vector<std::string> flags;
  int sent;
  int expected;  // what the program gets; 0 = nothing
};

class SignalRewriteTest : public ::testing::TestWithParam<Rewrite> {};

TEST_P(SignalRewriteTest, RewritesOrDropsForwardedSignals) {
  HARDINIT_REQUIRE_ROOT();
  std::vector<std::string> args = GetParam().flags;
  for (const char* a : {"--", HARDINIT_PROBE, "wait-signals", "1"}) args.push_back(a);
  Process p(args, {});
  ASSERT_TRUE(p.WaitForOutput("ready=1")) << p.out();
  p.Signal(GetParam().sent);
  if (GetParam().expected == 0) {
    // Dropped: nothing arrives; a signal that is not rewritten still does (the control).
    EXPECT_FALSE(p.WaitForOutput("signal=", 500)) << p.out();
    p.Signal(SIGUSR2);
    EXPECT_TRUE(p.WaitForOutput("signal=" + std::to_string(SIGUSR2) + "\n")) << p.out();
  } else {
    EXPECT_TRUE(p.WaitForOutput("signal=" + std::to_string(GetParam().expected) + "\n")) << p.out();
  }
  EXPECT_EQ(p.Wait().exit_code, 0);
}

INSTANTIATE_TEST_SUITE_P(
    Table, SignalRewriteTest,
    ::testing::Values(Rewrite{{"-r", "TERM:QUIT"}, SIGTERM, SIGQUIT},
                      Rewrite{{"--rewrite", "15:3"}, SIGTERM, SIGQUIT},
                      Rewrite{{"-r", "USR1:0"}, SIGUSR1, 0},
                      Rewrite{{"-r", "SIGHUP:SIGUSR1", "-r", "USR1:HUP"}, SIGHUP, SIGUSR1},
                      Rewrite{{"-r", "SIGHUP:SIGUSR1", "-r", "USR1:HUP"}, SIGUSR1, SIGHUP},
                      Rewrite{{"-r", "TERM:QUIT"}, SIGINT, SIGINT}));

}  // namespace
}  // namespace hardinit::testing
