// The tini personality: invoked as `tini` or `docker-init`, hardinit behaves as tini 0.19
// where tini's own tests and Docker look (design.md §1).

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

TEST(Tini, ExitsWithTheProgramLikeTini) {
  HARDINIT_REQUIRE_ROOT();
  // No grace period in tini mode: the remaining processes are left to the kernel.
  RunResult r = RunHardinit({"-e", "143", "--", kProbe, "raise", "15"}, AsTini());
  EXPECT_EQ(r.exit_code, 0);
}

}  // namespace
}  // namespace hardinit::testing
