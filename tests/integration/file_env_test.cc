// --file-env (design.md §3.10, issue 16), from the program's own point of view: a secret file
// only root may read (0400, root-owned) reaches a program that runs as nobody, which sees NAME
// and not NAME_FILE; every failure is 125 before the program starts; and hardinit's own output
// at every log level and format never holds the secret.
#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include "harness.h"

namespace hardinit::testing {
namespace {

constexpr char kSecret[] = "pg-Secret-7f3a9c";

[[noreturn]] void ChildFail(const char* what) {
  dprintf(STDERR_FILENO, "before_exec: %s: %s\n", what, strerror(errno));
  _exit(250);
}

// hardinit itself started as uid/gid 1000 with no capabilities: a Dockerfile `USER 1000`.
void BecomeUid1000() {
  const gid_t group = 1000;
  if (setgroups(1, &group) != 0) ChildFail("setgroups");
  if (setresgid(1000, 1000, 1000) != 0) ChildFail("setresgid");
  if (setresuid(1000, 1000, 1000) != 0) ChildFail("setresuid");
}

class FileEnvTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HARDINIT_REQUIRE_ROOT();
    dir_ = MakeTempDir();
    ASSERT_FALSE(dir_.empty());
    secret_ = dir_ + "/db_password";
    // As Docker and Kubernetes mount a secret: root's, readable by root only.
    WriteFile(secret_, std::string(kSecret) + "\n", 0400);
    ASSERT_EQ(chown(secret_.c_str(), 0, 0), 0);
  }

  // `hardinit FLAGS -- probe PROBE_ARGS...`, with DB_PASSWORD_FILE pointing at the secret.
  RunResult Run(std::vector<std::string> flags, std::vector<std::string> probe_args,
                RunOptions options = {}) {
    options.env.push_back("DB_PASSWORD_FILE=" + secret_);
    flags.push_back("--");
    flags.push_back(kProbe);
    flags.insert(flags.end(), probe_args.begin(), probe_args.end());
    return RunHardinit(flags, options);
  }

  // hardinit's failure: 125, one line naming what, the program never ran, no secret.
  void ExpectRefused(const RunResult& r, const std::vector<std::string>& parts) {
    EXPECT_EQ(r.exit_code, 125) << r.err;
    EXPECT_EQ(r.out, "") << "the program must not have run";
    EXPECT_EQ(r.err.rfind("hardinit: --file-env: ", 0), 0u) << r.err;
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "one line: " << r.err;
    for (const std::string& part : parts) EXPECT_NE(r.err.find(part), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find(kSecret), std::string::npos) << r.err;
  }

  std::string dir_;
  std::string secret_;
};

// `probe status exec /usr/bin/env`: the probe reports its ids, then env (same process, same
// credentials) prints the environment the program was given.
TEST_F(FileEnvTest, RootOnlySecretReachesTheProgramRunningAsNobody) {
  RunResult r =
      Run({"--user", "nobody", "--file-env", "DB_PASSWORD"}, {"status", "exec", "/usr/bin/env"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto report = ParseReport(r.out);
  EXPECT_EQ(report["Uid"], "65534 65534 65534 65534");
  EXPECT_EQ(report["CapEff"], "0000000000000000");
  EXPECT_EQ(report["DB_PASSWORD"], kSecret) << "one trailing newline removed" << r.out;
  EXPECT_EQ(report.count("DB_PASSWORD_FILE"), 0u) << r.out;
}

// Negative control: without --file-env the program gets the path, and as nobody it cannot
// read the file itself: the secret really was beyond its reach.
TEST_F(FileEnvTest, WithoutFileEnvTheProgramCannotReadTheSecret) {
  RunResult r = Run({"--user", "nobody"}, {"status", "exec", "/bin/cat", secret_});
  auto report = ParseReport(r.out);
  EXPECT_EQ(report["Uid"], "65534 65534 65534 65534");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("Permission denied"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find(kSecret), std::string::npos);
  r = Run({"--user", "nobody"}, {"exec", "/usr/bin/env"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  report = ParseReport(r.out);
  EXPECT_EQ(report["DB_PASSWORD_FILE"], secret_);
  EXPECT_EQ(report.count("DB_PASSWORD"), 0u);
}

TEST_F(FileEnvTest, ExecModeTheEnvironmentVariableAndTheGosuName) {
  RunOptions from_env;
  from_env.env = {"HARDINIT_FILE_ENV=DB_PASSWORD"};
  for (bool exec_mode : {false, true}) {
    std::vector<std::string> flags = {"--user", "nobody"};
    if (exec_mode) flags.push_back("--exec");
    RunResult r = Run(flags, {"status", "exec", "/usr/bin/env"}, from_env);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto report = ParseReport(r.out);
    EXPECT_EQ(report["Uid"], "65534 65534 65534 65534");
    EXPECT_EQ(report["DB_PASSWORD"], kSecret);
    EXPECT_EQ(report.count("DB_PASSWORD_FILE"), 0u);
    EXPECT_EQ(report["pid"], exec_mode ? "1" : "2") << "--exec runs the program in place";
  }
  RunOptions gosu = from_env;
  gosu.argv0 = "gosu";
  gosu.env.push_back("DB_PASSWORD_FILE=" + secret_);
  RunResult r = RunHardinit({"nobody", kProbe, "status", "exec", "/usr/bin/env"}, gosu);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto report = ParseReport(r.out);
  EXPECT_EQ(report["Uid"], "65534 65534 65534 65534");
  EXPECT_EQ(report["DB_PASSWORD"], kSecret);
  EXPECT_EQ(report.count("DB_PASSWORD_FILE"), 0u);
}

// Under the tini name HARDINIT_FILE_ENV works (docker run --init -e ...), and confines
// nothing by itself: the program still runs exactly as under tini.
TEST_F(FileEnvTest, TiniNameTakesTheVariableAndStaysTini) {
  RunOptions tini;
  tini.argv0 = "tini";
  tini.env = {"HARDINIT_FILE_ENV=DB_PASSWORD"};
  RunResult r = Run({}, {"status", "exec", "/usr/bin/env"}, tini);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto report = ParseReport(r.out);
  EXPECT_EQ(report["DB_PASSWORD"], kSecret);
  EXPECT_EQ(report.count("DB_PASSWORD_FILE"), 0u);
  EXPECT_EQ(report["NoNewPrivs"], "0");
  EXPECT_EQ(report["Seccomp"], "0");
  // Control: without the variable, tini's program gets the path untouched.
  tini.env.clear();
  r = Run({}, {"exec", "/usr/bin/env"}, tini);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ParseReport(r.out)["DB_PASSWORD_FILE"], secret_);
}

// The copy PID 1 keeps is out of the program's reach: PID 1 is not dumpable after its drop, so
// the program's uid can open neither /proc/1/mem nor /proc/1/environ. Control: the same cat
// reads the program's own environ, secret included. The error is GNU cat's
// ("cat: /proc/1/mem: Permission denied") or busybox's, which quotes the path
// ("cat: can't open '/proc/1/mem': Permission denied", the arm64 VM's /bin/cat).
TEST_F(FileEnvTest, PidOnesMemoryIsClosedToTheProgram) {
  for (const std::string file : {"/proc/1/environ", "/proc/1/mem"}) {
    RunResult r = Run({"--user", "nobody", "--file-env", "DB_PASSWORD"},
                      {"status", "exec", "/bin/cat", file});
    EXPECT_EQ(ParseReport(r.out)["Uid"], "65534 65534 65534 65534");
    EXPECT_NE(r.exit_code, 0) << file;
    EXPECT_TRUE(r.err.find(file + ": Permission denied") != std::string::npos ||
                r.err.find("'" + file + "': Permission denied") != std::string::npos)
        << r.err;
    EXPECT_EQ(r.out.find(kSecret), std::string::npos);
  }
  RunResult r = Run({"--user", "nobody", "--file-env", "DB_PASSWORD"},
                    {"exec", "/bin/cat", "/proc/self/environ"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(std::string("DB_PASSWORD=") + kSecret), std::string::npos);
}

// hardinit started as uid 1000 (USER in the Dockerfile) reads with uid 1000's rights.
TEST_F(FileEnvTest, StartedAsNonRootTheRootOnlyFileIsRefused) {
  RunOptions non_root;
  non_root.before_exec = BecomeUid1000;
  ASSERT_EQ(chmod(dir_.c_str(), 0755), 0);
  RunResult r = Run({"--file-env", "DB_PASSWORD"}, {"status"}, non_root);
  ExpectRefused(r, {"DB_PASSWORD_FILE=" + secret_, "Permission denied (read as uid 1000)"});
}

TEST_F(FileEnvTest, EveryBadFileIs125NamingTheVariableAndPath) {
  RunOptions both;
  both.env = {std::string("DB_PASSWORD=") + kSecret};
  ExpectRefused(Run({"--file-env", "DB_PASSWORD"}, {"status"}, both),
                {"DB_PASSWORD and DB_PASSWORD_FILE are both set"});

  const std::string missing = dir_ + "/missing";
  const std::string nul = dir_ + "/nul";
  WriteFile(nul, std::string(kSecret) + std::string(1, '\0'), 0400);
  const std::string big = dir_ + "/big";
  WriteFile(big, std::string((1 << 20) + 1, 's'), 0400);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {missing, "No such file or directory"},
      {dir_, "not a regular file"},
      {"/dev/null", "not a regular file"},
      {nul, "holds a NUL byte"},
      {big, "larger than 1 MiB"}};
  for (const auto& [path, why] : cases) {
    RunOptions options;
    options.env = {"API_KEY_FILE=" + path};
    ExpectRefused(
        Run({"--file-env", "DB_PASSWORD,API_KEY", "--log-level", "trace"}, {"status"}, options),
        {"API_KEY_FILE=" + path, why});
  }
  ExpectRefused(RunHardinit({"--file-env", "DB-PASSWORD", "--", kProbe}),
                {"not a variable name: \"DB-PASSWORD\""});
}

// Every line hardinit writes, at trace level, as text and as JSON, on success and on failure,
// and --inspect's output: none holds the secret. The program here prints no environment, so
// anything found would be hardinit's.
TEST_F(FileEnvTest, NoLogLineAtAnyLevelHoldsTheSecret) {
  for (const char* format : {"text", "json"}) {
    RunResult r = Run({"--user", "nobody", "--file-env", "DB_PASSWORD", "--log-level", "trace",
                       "--log-format", format, "-w"},
                      {"status"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("DB_PASSWORD set from DB_PASSWORD_FILE=" + secret_), std::string::npos)
        << "the trace output is there to search: " << r.err;
    EXPECT_EQ(r.err.find(kSecret), std::string::npos) << r.err;
    EXPECT_EQ(r.out.find(kSecret), std::string::npos) << r.out;

    RunOptions both;
    both.env = {std::string("DB_PASSWORD=") + kSecret};
    r = Run({"--file-env", "DB_PASSWORD", "--log-level", "trace", "--log-format", format},
            {"status"}, both);
    EXPECT_EQ(r.exit_code, 125);
    EXPECT_EQ((r.out + r.err).find(kSecret), std::string::npos) << r.err;

    // The program is hardinit --inspect, holding the secret in its own environment.
    std::vector<std::string> inspect = {
        "--user", "nobody", "--file-env", "DB_PASSWORD", "--log-level", "trace", "--log-format",
        format,   "--",     kHardinit,    "--inspect",   "--log-level", "trace"};
    if (std::string(format) == "json") inspect.push_back("--json");
    RunOptions with_file;
    with_file.env = {"DB_PASSWORD_FILE=" + secret_};
    r = RunHardinit(inspect, with_file);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("65534"), std::string::npos) << "inspect ran: " << r.out;
    EXPECT_EQ((r.out + r.err).find(kSecret), std::string::npos) << r.out << r.err;
  }
  // Positive control for the search: the program's own output does show it when it prints
  // its environment, so the same find() would have caught a leak.
  RunResult r = Run({"--user", "nobody", "--file-env", "DB_PASSWORD"}, {"exec", "/usr/bin/env"});
  EXPECT_NE(r.out.find(kSecret), std::string::npos);
}

}  // namespace
}  // namespace hardinit::testing
