// hardinit as PID 1 (design.md §3.5): exit codes, signal forwarding, reaping, the child's
// signal state, exec failures, idleness. Each check has a negative control where one makes
// sense, so that a broken check cannot pass.
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <set>
#include <thread>

#include "harness.h"

namespace hardinit::testing {
namespace {

// The probe as the program, unconfined but for what the test asks: these tests are about
// the init, not the sandbox.
std::vector<std::string> Probe(std::vector<std::string> probe_args,
                               std::vector<std::string> flags = {}) {
  std::vector<std::string> args = std::move(flags);
  args.push_back("--");
  args.push_back(kProbe);
  args.insert(args.end(), probe_args.begin(), probe_args.end());
  return args;
}

TEST(Init, IsPid1AndTheProgramIsItsChild) {
  HARDINIT_REQUIRE_ROOT();
  RunResult r = RunHardinit(Probe({"status"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto report = ParseReport(r.out);
  EXPECT_EQ(report["ppid"], "1");
  EXPECT_EQ(report["pid"], "2");
  EXPECT_EQ(report["pgid"], "2") << "the program gets its own process group";
}

TEST(Init, ExitCodesPassThrough) {
  HARDINIT_REQUIRE_ROOT();
  for (int code = 0; code <= 255; ++code) {
    RunResult r = RunHardinit(Probe({"exit", std::to_string(code)}));
    ASSERT_EQ(r.exit_code, code) << r.err;
  }
}

TEST(Init, SignalDeathIs128PlusN) {
  HARDINIT_REQUIRE_ROOT();
  for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2, SIGKILL}) {
    RunResult r = RunHardinit(Probe({"raise", std::to_string(sig)}));
    EXPECT_EQ(r.exit_code, 128 + sig) << "signal " << sig << ": " << r.err;
  }
}

TEST(Init, RemapsExitCodes) {
  HARDINIT_REQUIRE_ROOT();
  EXPECT_EQ(RunHardinit(Probe({"raise", "15"}, {"-e", "143"})).exit_code, 0);
  EXPECT_EQ(RunHardinit(Probe({"exit", "3"}, {"-e", "3", "-e", "4"})).exit_code, 0);
  // Negative control: codes that are not remapped stay.
  EXPECT_EQ(RunHardinit(Probe({"exit", "5"}, {"-e", "3"})).exit_code, 5);
}

// Every signal a program can catch, sent to PID 1, reaches the program: all of 1..31 but
// KILL and STOP (uncatchable, never reach PID 1's queue), CHLD (hardinit's own: it reaps) and
// TTIN/TTOU (hardinit ignores them so it is never stopped), and a realtime signal.
TEST(Init, ForwardsEveryCatchableSignal) {
  HARDINIT_REQUIRE_ROOT();
  std::vector<int> signals;
  for (int sig = 1; sig <= 31; ++sig) {
    if (sig == SIGKILL || sig == SIGSTOP || sig == SIGCHLD || sig == SIGTTIN || sig == SIGTTOU) {
      continue;
    }
    signals.push_back(sig);
  }
  signals.push_back(SIGRTMIN + 2);
  Process p(Probe({"wait-signals", std::to_string(signals.size())}), {});
  ASSERT_TRUE(p.WaitForOutput("ready=1")) << p.out();
  for (size_t i = 0; i < signals.size(); ++i) {
    p.Signal(signals[i]);
    // One at a time: standard signals that are pending together coalesce.
    ASSERT_TRUE(p.WaitForOutput("signal=" + std::to_string(signals[i]) + "\n", 5000))
        << "signal " << signals[i] << " did not arrive; got:\n" << p.out();
  }
  RunResult r = p.Wait();
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST(Init, KillProcessGroupReachesAGrandchild) {
  HARDINIT_REQUIRE_ROOT();
  // sh ignores USR1; its background child, the probe, waits for one signal.
  const std::string script = "trap '' USR1; " + kProbe + " wait-signals 1 & wait";
  {
    Process p({"-g", "--", "/bin/busybox", "sh", "-c", script}, {});
    ASSERT_TRUE(p.WaitForOutput("ready=1")) << p.out();
    p.Signal(SIGUSR1);
    EXPECT_TRUE(p.WaitForOutput("signal=10", 5000)) << p.out();
    EXPECT_EQ(p.Wait().exit_code, 0);
  }
  // Negative control: without -g only sh gets the signal.
  Process p({"--", "/bin/busybox", "sh", "-c", script}, {});
  ASSERT_TRUE(p.WaitForOutput("ready=1")) << p.out();
  p.Signal(SIGUSR1);
  EXPECT_FALSE(p.WaitForOutput("signal=10", 500)) << p.out();
}

TEST(Init, ReapsAThousandOrphans) {
  HARDINIT_REQUIRE_ROOT();
  RunResult r = RunHardinit(Probe({"orphans", "1000", "await-no-zombies"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ParseReport(r.out)["zombies"], "0");
}

TEST(Init, NegativeControlWithoutAReaperZombiesStay) {
  HARDINIT_REQUIRE_ROOT();
  // The probe itself as PID 1 never reaps: its orphans stay zombies, which is what the
  // previous test would see if hardinit did not reap.
  RunOptions options;
  options.program = kProbe;
  RunResult r = RunHardinit({"orphans", "50", "sleep", "0.3", "zombies-of", "1"}, options);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ParseReport(r.out)["zombies"], "50") << r.out;
}

// tini's sigconf test: the program starts with the signal mask and ignored signals that
// hardinit itself was started with.
TEST(Init, TheProgramGetsTheInheritedSignalMaskAndIgnoredSignals) {
  HARDINIT_REQUIRE_ROOT();
  RunOptions options;
  options.before_exec = [] {
    sigset_t blocked;
    sigemptyset(&blocked);
    sigaddset(&blocked, SIGUSR2);
    sigaddset(&blocked, SIGWINCH);
    sigprocmask(SIG_SETMASK, &blocked, nullptr);
    signal(SIGHUP, SIG_IGN);
    signal(SIGUSR1, SIG_IGN);
    signal(SIGTTOU, SIG_IGN);
  };
  RunResult r = RunHardinit(Probe({"status"}), options);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto report = ParseReport(r.out);
  auto bit = [](int sig) { return 1ULL << (sig - 1); };
  char expected_blocked[17], expected_ignored[17];
  snprintf(expected_blocked, sizeof(expected_blocked), "%016llx", bit(SIGUSR2) | bit(SIGWINCH));
  snprintf(expected_ignored, sizeof(expected_ignored), "%016llx",
           bit(SIGHUP) | bit(SIGUSR1) | bit(SIGTTOU));
  EXPECT_EQ(report["SigBlk"], expected_blocked);
  EXPECT_EQ(report["SigIgn"], expected_ignored);

  // Negative control: started clean, the program sees nothing blocked or ignored, although
  // hardinit itself blocks everything and ignores SIGTTIN/SIGTTOU.
  r = RunHardinit(Probe({"status"}));
  report = ParseReport(r.out);
  EXPECT_EQ(report["SigBlk"], "0000000000000000");
  EXPECT_EQ(report["SigIgn"], "0000000000000000");
}

TEST(Init, ProgramNotFoundIs127) {
  HARDINIT_REQUIRE_ROOT();
  RunResult r = RunHardinit({"--", "no-such-program-anywhere"});
  EXPECT_EQ(r.exit_code, 127);
  EXPECT_EQ(r.err, "hardinit: no-such-program-anywhere: not found in PATH\n");
  r = RunHardinit({"--", "/no/such/path"});
  EXPECT_EQ(r.exit_code, 127);
  EXPECT_NE(r.err.find("hardinit: execve /no/such/path: No such file or directory\n"),
            std::string::npos) << r.err;
}

TEST(Init, ProgramThatCannotBeExecutedIs126) {
  HARDINIT_REQUIRE_ROOT();
  const std::string dir = MakeTempDir();
  WriteFile(dir + "/not-executable", "#!/bin/sh\nexit 0\n", 0644);
  WriteFile(dir + "/no-shebang", "echo hi\n", 0755);
  mkdir((dir + "/a-directory").c_str(), 0755);
  RunResult r = RunHardinit({"--", dir + "/not-executable"});
  EXPECT_EQ(r.exit_code, 126);
  EXPECT_NE(r.err.find("Permission denied"), std::string::npos) << r.err;
  r = RunHardinit({"--", dir + "/no-shebang"});
  EXPECT_EQ(r.exit_code, 126);
  EXPECT_NE(r.err.find("Exec format error"), std::string::npos) << r.err;
  r = RunHardinit({"--", dir + "/a-directory"});
  EXPECT_EQ(r.exit_code, 126);
  EXPECT_NE(r.err.find("Permission denied"), std::string::npos) << r.err;
}

long ContextSwitches(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  long total = 0;
  while (std::getline(status, line)) {
    if (line.find("ctxt_switches:") != std::string::npos) {
      total += std::stol(line.substr(line.find(':') + 1));
    }
  }
  return total;
}

TEST(Init, AnIdleInitNeverWakesUp) {
  HARDINIT_REQUIRE_ROOT();
  Process p(Probe({"status", "sleep", "4"}), {});
  ASSERT_TRUE(p.WaitForOutput("NoNewPrivs=")) << p.out();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const long before = ContextSwitches(p.pid());
  std::this_thread::sleep_for(std::chrono::seconds(2));
  const long after = ContextSwitches(p.pid());
  EXPECT_EQ(after, before) << "hardinit woke up " << after - before << " times in 2 s";
  EXPECT_EQ(p.Wait().exit_code, 0);
}

TEST(Init, NegativeControlTiniWakesUpEverySecond) {
  HARDINIT_REQUIRE_ROOT();
  HARDINIT_REQUIRE_TOOL(access("/usr/bin/tini-static", X_OK) == 0, "tini-static (package tini)");
  RunOptions options;
  options.program = "/usr/bin/tini-static";
  Process p({"--", kProbe, "status", "sleep", "4"}, options);
  ASSERT_TRUE(p.WaitForOutput("NoNewPrivs=")) << p.out();
  const long before = ContextSwitches(p.pid());
  std::this_thread::sleep_for(std::chrono::seconds(2));
  EXPECT_GE(ContextSwitches(p.pid()) - before, 1) << "the measurement cannot see wake-ups";
}

TEST(Init, NotPid1BecomesASubreaperAndReapsGrandchildren) {
  HARDINIT_REQUIRE_ROOT();
  RunOptions options;
  options.new_pid_namespace = false;
  RunResult r = RunHardinit(Probe({"orphan-parent", "orphans", "100", "await-no-zombies"}), options);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto report = ParseReport(r.out);
  EXPECT_EQ(report["orphan_parent"], report["my_parent"]) << "orphans go to hardinit";
  EXPECT_EQ(report["zombies"], "0");
}

// PID 1 stays for the container's life: it must not keep busy the directory it was started
// in (a mount the runtime may want to unmount). The program keeps its own (issue 12).
TEST(Init, Pid1MovesToTheRootDirectoryAndTheProgramKeepsItsOwn) {
  HARDINIT_REQUIRE_ROOT();
  const std::string dir = MakeTempDir();
  RunOptions options;
  options.before_exec = [dir] {
    if (chdir(dir.c_str()) != 0) _exit(251);
  };
  Process p(Probe({"cwd", "wait-signals", "2"}), options);
  ASSERT_TRUE(p.WaitForOutput("ready=1")) << p.out();
  // A forwarded signal says PID 1 is in its loop, past everything it does after the fork.
  p.Signal(SIGUSR1);
  ASSERT_TRUE(p.WaitForOutput("signal=10\n")) << p.out();
  char pid1_cwd[4096] = {};
  const std::string link = "/proc/" + std::to_string(p.pid()) + "/cwd";
  ASSERT_GT(readlink(link.c_str(), pid1_cwd, sizeof(pid1_cwd) - 1), 0) << strerror(errno);
  EXPECT_STREQ(pid1_cwd, "/");
  EXPECT_EQ(ParseReport(p.out())["cwd"], dir) << "the program starts where hardinit did";
  p.Signal(SIGUSR1);
  EXPECT_EQ(p.Wait().exit_code, 0);
}

// The subreaper bit survives execve: a parent that set it and exec'd hardinit made it a
// subreaper already. hardinit reads it first, under every name (issue 12).
TEST(Init, AnInheritedSubreaperBitIsReadFirst) {
  HARDINIT_REQUIRE_ROOT();
  RunOptions options;
  options.new_pid_namespace = false;
  options.before_exec = [] {
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) _exit(251);
  };
  RunResult r = RunHardinit(Probe({"orphan-parent"}, {"--log-level", "debug"}), options);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("already a child subreaper (inherited across exec)"), std::string::npos)
      << r.err;
  auto report = ParseReport(r.out);
  EXPECT_EQ(report["orphan_parent"], report["my_parent"]) << "orphans still go to hardinit";
  // Negative control: without the bit hardinit sets it itself.
  options.before_exec = nullptr;
  r = RunHardinit(Probe({"orphan-parent"}, {"--log-level", "debug"}), options);
  EXPECT_NE(r.err.find("registered as child subreaper"), std::string::npos) << r.err;
}

TEST(Init, LogsAsJsonLines) {
  HARDINIT_REQUIRE_ROOT();
  RunResult r = RunHardinit(Probe({"exit", "7"}, {"--log-format", "json", "--log-level", "info"}));
  EXPECT_EQ(r.exit_code, 7);
  EXPECT_NE(r.err.find("\"level\":\"info\",\"msg\":\"the program exited with status 7\""),
            std::string::npos) << r.err;
  EXPECT_NE(r.err.find("\"status\":7"), std::string::npos) << r.err;
  for (size_t start = 0; start < r.err.size();) {
    const size_t end = r.err.find('\n', start);
    EXPECT_EQ(r.err[start], '{') << r.err;
    EXPECT_EQ(r.err[end - 1], '}') << r.err;
    start = end + 1;
  }
}

TEST(Init, QuietByDefault) {
  HARDINIT_REQUIRE_ROOT();
  RunResult r = RunHardinit(Probe({"exit", "0"}, {"--user", "65534"}));
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.err, "");
}

TEST(Init, BadUsageIs125WithOneLine) {
  HARDINIT_REQUIRE_ROOT();
  RunResult r = RunHardinit({"--grace", "soon", "true"});
  EXPECT_EQ(r.exit_code, 125);
  EXPECT_EQ(r.err, "hardinit: --grace: not a number of seconds from 0 to 86400: \"soon\"\n");
  r = RunHardinit({});
  EXPECT_EQ(r.exit_code, 125);
}

}  // namespace
}  // namespace hardinit::testing
