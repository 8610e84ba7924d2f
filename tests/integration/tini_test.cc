// The tini personality: invoked as `tini` or `docker-init`, hardinit behaves as tini 0.19
// where tini's own tests and Docker look (design.md §1).

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "../helpers/tini_version.h"
#include "harness.h"

namespace hardinit::testing {
namespace {

RunOptions AsTini(bool pid1 = true, std::vector<std::string> env = {}) {
  RunOptions options;
  options.argv0 = "/sbin/docker-init";
  options.new_pid_namespace = pid1;
  options.env = std::move(env);
  return options;
}

TEST(Tini, VersionHasTheFormDockerParses) {
  HARDINIT_REQUIRE_ROOT();
  for (const char* name : {"tini", "/sbin/docker-init"}) {
    RunOptions options = AsTini();
    options.argv0 = name;
    RunResult r = RunHardinit({"--version"}, options);
    EXPECT_EQ(r.exit_code, 0);
    // moby's parseInitVersion: "tini version X - git.Y", Y without a dot (it splits on '.').
    ASSERT_FALSE(r.out.empty());
    EXPECT_EQ(r.out.back(), '\n') << r.out;
    EXPECT_TRUE(hardinit::testing::ParseTiniVersion(r.out.substr(0, r.out.size() - 1))) << r.out;
  }
}

TEST(Tini, RunsTheProgramUnconfinedAsTiniWould) {
  HARDINIT_REQUIRE_ROOT();
  RunResult r = RunHardinit({"--", kProbe, "status", "exit", "5"}, AsTini());
  EXPECT_EQ(r.exit_code, 5) << r.err;
  auto report = ParseReport(r.out);
  EXPECT_EQ(report["ppid"], "1");
  EXPECT_EQ(report["NoNewPrivs"], "0");
  EXPECT_EQ(report["Seccomp"], "0");
  EXPECT_NE(report["CapEff"], "0000000000000000");
  EXPECT_EQ(r.err, "");
}

TEST(Tini, WarnsWhenNotPid1AndNotASubreaper) {
  HARDINIT_REQUIRE_ROOT();
  RunResult r = RunHardinit({"--", "/bin/true"}, AsTini(/*pid1=*/false));
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.err.find("zombie reaping won't work"), std::string::npos) << r.err;
  // -s or TINI_SUBREAPER (any value) silences it.
  r = RunHardinit({"-s", "--", "/bin/true"}, AsTini(false));
  EXPECT_EQ(r.err.find("zombie reaping won't work"), std::string::npos) << r.err;
  r = RunHardinit({"--", "/bin/true"}, AsTini(false, {"TINI_SUBREAPER="}));
  EXPECT_EQ(r.err.find("zombie reaping won't work"), std::string::npos) << r.err;
  // As PID 1 there is nothing to warn about.
  r = RunHardinit({"--", "/bin/true"}, AsTini(true));
  EXPECT_EQ(r.err, "");
}

TEST(Tini, WarnOnReapPrintsTinisMessage) {
  HARDINIT_REQUIRE_ROOT();
  RunResult r = RunHardinit({"-w", "--", kProbe, "orphans", "3", "await-no-zombies"}, AsTini());
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.err.find("[WARN  tini (1)] Reaped zombie process with pid="), std::string::npos)
      << r.err;
  // Negative control: without -w, reaping is silent.
  r = RunHardinit({"--", kProbe, "orphans", "3", "await-no-zombies"}, AsTini());
  EXPECT_EQ(r.err.find("Reaped zombie process"), std::string::npos) << r.err;
}

TEST(Tini, UsageErrorsExit1) {
  HARDINIT_REQUIRE_ROOT();
  EXPECT_EQ(RunHardinit({}, AsTini()).exit_code, 1);
  EXPECT_EQ(RunHardinit({"--bogus", "true"}, AsTini()).exit_code, 1);
  // hardinit's own flags are not tini's.
  EXPECT_EQ(RunHardinit({"--user", "nobody", "true"}, AsTini()).exit_code, 1);
}

TEST(Tini, LicenseAndVerbosity) {
  HARDINIT_REQUIRE_ROOT();
  RunResult r = RunHardinit({"-l"}, AsTini());
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("MIT License"), std::string::npos);
  // The embedded default profile is Docker's, under Apache-2.0: its notice ships with the binary.
  EXPECT_NE(r.out.find("derived from Docker's default seccomp profile"), std::string::npos);
  EXPECT_NE(r.out.find("Apache License\n                           Version 2.0, January 2004"),
            std::string::npos);
  r = RunHardinit({"--", "/bin/true"}, AsTini(true, {"TINI_VERBOSITY=3"}));
  EXPECT_NE(r.err.find("[DEBUG tini (1)] "), std::string::npos) << r.err;
}

TEST(Tini, KillProcessGroupFromTheEnvironment) {
  HARDINIT_REQUIRE_ROOT();
  const std::string script = "trap '' USR1; " + kProbe + " wait-signals 1 & wait";
  Process p({"--", "/bin/busybox", "sh", "-c", script}, AsTini(true, {"TINI_KILL_PROCESS_GROUP="}));
  ASSERT_TRUE(p.WaitForOutput("ready=1")) << p.out();
  p.Signal(SIGUSR1);
  EXPECT_TRUE(p.WaitForOutput("signal=10", 5000)) << p.out();
  EXPECT_EQ(p.Wait().exit_code, 0);
}

bool Exists(const std::string& path) { return access(path.c_str(), F_OK) == 0; }

// The program leaves a child behind that would finish its shutdown work on SIGTERM. Under the
// tini name hardinit exits with the program (tini's behaviour): the child never gets a
// SIGTERM, the kernel SIGKILLs it with the namespace. HARDINIT_GRACE opts in to the grace
// period, and the same child gets its time (the control: it can write its file).
TEST(Tini, ExitsWithTheProgramLikeTini) {
  HARDINIT_REQUIRE_ROOT();
  const std::string dir = MakeTempDir();
  const std::string script =
      "( trap 'echo done > " + dir + "/patient; exit 0' TERM; while :; do sleep 0.05; done ) &\n"
      "sleep 0.2; exit 3\n";
  RunResult r = RunHardinit({"--", "/bin/busybox", "sh", "-c", script}, AsTini());
  EXPECT_EQ(r.exit_code, 3) << r.err;
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_FALSE(Exists(dir + "/patient")) << "tini sends nothing to the rest";

  r = RunHardinit({"--", "/bin/busybox", "sh", "-c", script},
                  AsTini(true, {"HARDINIT_GRACE=20", "HARDINIT_SECCOMP=unconfined"}));
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_TRUE(Exists(dir + "/patient")) << "HARDINIT_GRACE gave the rest a SIGTERM and time";
}

// `tini -h` is tini's own text, line for line, as the real tini prints it under the same
// name; only the version line names this build.
TEST(Tini, HelpIsTinisOwnUsageText) {
  HARDINIT_REQUIRE_ROOT();
  HARDINIT_REQUIRE_TOOL(access("/usr/bin/tini-static", X_OK) == 0, "tini-static (package tini)");
  RunResult ours = RunHardinit({"-h"}, AsTini());
  RunOptions real_tini = AsTini();
  real_tini.program = "/usr/bin/tini-static";
  RunResult theirs = RunHardinit({"-h"}, real_tini);
  EXPECT_EQ(ours.exit_code, 0);
  EXPECT_EQ(theirs.exit_code, 0);
  const size_t ours_eol = ours.out.find('\n'), theirs_eol = theirs.out.find('\n');
  ASSERT_NE(ours_eol, std::string::npos) << ours.out;
  ASSERT_NE(theirs_eol, std::string::npos) << theirs.out;
  EXPECT_EQ(ours.out.substr(0, ours_eol), "docker-init (tini version 0.19.0 - git.hardinit)");
  EXPECT_EQ(theirs.out.substr(0, theirs_eol).rfind("docker-init (tini version 0.19.0", 0), 0u)
      << theirs.out;
  EXPECT_EQ(ours.out.substr(ours_eol), theirs.out.substr(theirs_eol));
  // Negative control: hardinit's own -h is not tini's.
  RunResult own = RunHardinit({"-h"});
  EXPECT_EQ(own.out.find("Execute a program under the supervision"), std::string::npos);
}

// `docker run --init -e HARDINIT_USER=65534`: the environment opts the tini name in to the
// whole sandbox, PID 1's own drop included, as seen by the program.
TEST(Tini, HardinitUserOptsInToTheSandbox) {
  HARDINIT_REQUIRE_ROOT();
  // PID 1 drops after the fork: a forwarded signal says it is in its loop, past its drop.
  Process p({"--", kProbe, "wait-signals", "1", "status", "status-of", "1", "exit", "5"},
            AsTini(true, {"HARDINIT_USER=65534"}));
  ASSERT_TRUE(p.WaitForOutput("ready=1")) << p.out();
  p.Signal(SIGUSR1);
  RunResult r = p.Wait();
  EXPECT_EQ(r.exit_code, 5) << r.err;
  auto report = ParseReport(r.out);
  EXPECT_EQ(report["Uid"], "65534 65534 65534 65534");
  EXPECT_EQ(report["NoNewPrivs"], "1");
  EXPECT_EQ(report["Seccomp"], "2");
  EXPECT_EQ(report["CapEff"], "0000000000000000");
  EXPECT_EQ(report["of1_Uid"], "65534 65534 65534 65534") << "PID 1 dropped too";
  EXPECT_EQ(report["of1_NoNewPrivs"], "1");

  // HARDINIT_SECCOMP alone opts in too (the profile it names, the rest as the hardinit name).
  r = RunHardinit({"--", kProbe, "status"}, AsTini(true, {"HARDINIT_SECCOMP=strict"}));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  report = ParseReport(r.out);
  EXPECT_EQ(report["NoNewPrivs"], "1");
  EXPECT_EQ(report["Seccomp"], "2");

  // An empty HARDINIT_USER (an unset compose variable) is an error, not root.
  r = RunHardinit({"--", kProbe, "status"}, AsTini(true, {"HARDINIT_USER="}));
  EXPECT_EQ(r.exit_code, 125);
  EXPECT_EQ(r.out, "") << "the program ran";
  EXPECT_NE(r.err.find("HARDINIT_USER is set but empty"), std::string::npos) << r.err;
}

// tini reads PR_GET_CHILD_SUBREAPER before it warns: a parent that set the bit and exec'd
// it made it a subreaper already, and orphans do come to it.
TEST(Tini, AnInheritedSubreaperBitSilencesTheWarning) {
  HARDINIT_REQUIRE_ROOT();
  RunOptions options = AsTini(/*pid1=*/false);
  options.before_exec = [] {
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) _exit(251);
  };
  RunResult r =
      RunHardinit({"--", kProbe, "orphan-parent", "orphans", "20", "await-no-zombies"}, options);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("zombie reaping won't work"), std::string::npos) << r.err;
  auto report = ParseReport(r.out);
  EXPECT_EQ(report["orphan_parent"], report["my_parent"]) << "orphans go to hardinit";
  EXPECT_EQ(report["zombies"], "0");
  // Negative control: WarnsWhenNotPid1AndNotASubreaper, the same start without the bit.
}

// tini keeps the descriptors it was given, and so does hardinit under its name.
TEST(Tini, KeepsTheDescriptorsItWasGiven) {
  HARDINIT_REQUIRE_ROOT();
  RunOptions options = AsTini();
  options.before_exec = [] {
    const int fd = open("/dev/null", O_RDONLY);  // no O_CLOEXEC
    if (fd < 0 || dup2(fd, 7) != 7) _exit(251);
  };
  RunResult r = RunHardinit({"--", kProbe, "fds"}, options);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  // The test process may leak a few fds of its own into the launcher: look for 7.
  const std::string fds = "," + ParseReport(r.out)["fds"] + ",";
  EXPECT_NE(fds.find(",7,"), std::string::npos) << fds;
  // Negative control: under the hardinit name the same fd is closed on exec.
  options.argv0.clear();
  r = RunHardinit({"--", kProbe, "fds"}, options);
  EXPECT_EQ(ParseReport(r.out)["fds"], "none");
}

}  // namespace
}  // namespace hardinit::testing
