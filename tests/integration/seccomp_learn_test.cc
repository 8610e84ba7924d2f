// --seccomp-learn and --seccomp-log in a PID namespace (design.md §3.12, issue 14), from the
// program's own point of view: what a learned profile then lets a program do, and what the
// probe's calls return under --seccomp-log.
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "harness.h"

namespace hardinit::testing {
namespace {

using Report = std::map<std::string, std::string>;

#if defined(__x86_64__)
constexpr char kNativeScmpArch[] = "SCMP_ARCH_X86_64";
#elif defined(__aarch64__)
constexpr char kNativeScmpArch[] = "SCMP_ARCH_AARCH64";
#else
#error "name this machine's SCMP_ARCH"
#endif

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The names of a learned profile: every quoted word inside "names": [ ... ].
std::set<std::string> LearnedNames(const std::string& path) {
  const std::string text = ReadText(path);
  std::set<std::string> names;
  const size_t start = text.find("\"names\": [");
  const size_t end = text.find(']', start);
  if (start == std::string::npos || end == std::string::npos) return names;
  for (size_t q = text.find('"', start + 10); q < end; q = text.find('"', q + 1)) {
    const size_t close = text.find('"', q + 1);
    names.insert(text.substr(q + 1, close - q - 1));
    q = close;
  }
  return names;
}

std::vector<std::string> Learn(const std::string& file, const std::vector<std::string>& command) {
  std::vector<std::string> args = {"--seccomp-learn", file, "--"};
  args.insert(args.end(), command.begin(), command.end());
  return args;
}

std::vector<std::string> Enforce(const std::string& file, const std::vector<std::string>& command) {
  std::vector<std::string> args = {"--seccomp", file, "--"};
  args.insert(args.end(), command.begin(), command.end());
  return args;
}

// No temporary file is left next to FILE.
void ExpectNoTemporaryFiles(const std::string& dir) {
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    EXPECT_EQ(entry.path().filename().string().find(".hardinit-"), std::string::npos)
        << entry.path();
  }
}

// The shell of the learning runs below is bash, not dash: under --seccomp-learn every call
// waits for PID 1, and a signal that arrives before PID 1 has picked the call up interrupts
// the wait, which the kernel restarts only for a handler installed with SA_RESTART (bash's
// SIGCHLD handler) and otherwise fails with EINTR, even fork() and pipe() (dash's, "Cannot
// fork"). design.md §3.12 documents it; SignalsDuringLearningRestartTheCall pins the rest.
const char kShell[] = "/bin/bash";

TEST(SeccompLearnTest, ALearnedPipelineRunsUnderItsProfileAndAnUnlearnedCallIsDenied) {
  HARDINIT_REQUIRE_ROOT();
  const std::string dir = MakeTempDir();
  const std::string file = dir + "/pipeline.json";
  const std::string pipeline = "echo learned | cat | wc -c; exec " + kProbe + " try getppid";
  const RunResult learn = RunHardinit(Learn(file, {kShell, "-c", pipeline}));
  ASSERT_EQ(learn.exit_code, 0) << learn.err;
  EXPECT_NE(learn.out.find("8\n"), std::string::npos) << learn.out;
  ExpectNoTemporaryFiles(dir);
  const std::set<std::string> names = LearnedNames(file);
  for (const char* call : {"execve", "clone", "pipe2", "wait4", "getppid", "exit_group"}) {
    EXPECT_TRUE(names.count(call)) << call << " not learned:\n" << ReadText(file);
  }
  EXPECT_FALSE(names.count("personality")) << "never called, yet learned";
  // What the learned profile decides, from the probe's own point of view: the learned call
  // works, the one the run never made fails with the profile's errno.
  const RunResult enforced =
      RunHardinit(Enforce(file, {kShell, "-c", pipeline + " try personality"}));
  ASSERT_EQ(enforced.exit_code, 0) << enforced.err;
  EXPECT_NE(enforced.out.find("8\n"), std::string::npos) << enforced.out;
  const Report report = ParseReport(enforced.out);
  EXPECT_EQ(report.at("getppid"), "OK");
  EXPECT_EQ(report.at("personality"), "EPERM");
  // Negative control: the same call without the learned profile works, so the EPERM above is
  // the profile's.
  const RunResult unconfined =
      RunHardinit({"--seccomp", "unconfined", "--", kProbe, "try", "personality"});
  EXPECT_EQ(ParseReport(unconfined.out).at("personality"), "OK") << unconfined.err;
}

TEST(SeccompLearnTest, SignalsDuringLearningRestartTheCall) {
  HARDINIT_REQUIRE_ROOT();
  const std::string dir = MakeTempDir();
  // 2,000 forks, each child's SIGCHLD landing while the parent's next calls wait for PID 1:
  // with SA_RESTART not one fork() or pipe() may fail.
  const RunResult learn =
      RunHardinit(Learn(dir + "/loop.json", {kProbe, "fork-pipe-loop", "2000"}));
  ASSERT_EQ(learn.exit_code, 0) << learn.err;
  const Report report = ParseReport(learn.out);
  EXPECT_EQ(report.at("fork_pipe_failures"), "0") << report.at("fork_pipe_first_error");
  // Control: the loop itself, unconfined, fails nothing either, so a failure above would be
  // the learner's.
  const RunResult unconfined =
      RunHardinit({"--seccomp", "unconfined", "--", kProbe, "fork-pipe-loop", "2000"});
  ASSERT_EQ(unconfined.exit_code, 0) << unconfined.err;
  EXPECT_EQ(ParseReport(unconfined.out).at("fork_pipe_failures"), "0");
}

TEST(SeccompLearnTest, TheProfileHasDockersLayout) {
  HARDINIT_REQUIRE_ROOT();
  const std::string file = MakeTempDir() + "/p.json";
  const RunResult r = RunHardinit(Learn(file, {kProbe, "try", "getppid"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string text = ReadText(file);
  EXPECT_EQ(text.rfind(std::string("{\n  \"defaultAction\": \"SCMP_ACT_ERRNO\",\n  "
                                   "\"defaultErrnoRet\": 1,\n  \"architectures\": [\n    \"") +
                           kNativeScmpArch + "\"",
                       0),
            0U)
      << text;
  EXPECT_NE(text.find("\"action\": \"SCMP_ACT_ALLOW\""), std::string::npos) << text;
  // Sorted, one a line: the file's own order is the sorted order.
  std::vector<std::string> in_file;
  std::istringstream lines(text.substr(text.find("\"names\"")));
  std::string line;
  std::getline(lines, line);
  while (std::getline(lines, line) && line.find(']') == std::string::npos) {
    in_file.push_back(line.substr(line.find('"')));
  }
  ASSERT_GT(in_file.size(), 5U);
  EXPECT_TRUE(std::is_sorted(in_file.begin(), in_file.end()));
  // hardinit's own checker loads it as a profile.
  RunOptions plain;
  plain.new_pid_namespace = false;
  const RunResult check = RunHardinit({"seccomp", "check", file}, plain);
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
}

TEST(SeccompLearnTest, TwoRunsMergeIntoOneProfile) {
  HARDINIT_REQUIRE_ROOT();
  const std::string file = MakeTempDir() + "/merged.json";
  ASSERT_EQ(RunHardinit(Learn(file, {kProbe, "try", "getppid"})).exit_code, 0);
  const std::set<std::string> first = LearnedNames(file);
  EXPECT_FALSE(first.count("personality"));
  ASSERT_EQ(RunHardinit(Learn(file, {kProbe, "try", "personality"})).exit_code, 0);
  const std::set<std::string> merged = LearnedNames(file);
  EXPECT_TRUE(merged.count("personality"));
  EXPECT_TRUE(merged.count("getppid")) << "the first run's call was lost";
  for (const std::string& name : first) EXPECT_TRUE(merged.count(name)) << name;
  // Under the merged profile both runs' calls work.
  const RunResult both =
      RunHardinit(Enforce(file, {kProbe, "try", "getppid", "try", "personality"}));
  const Report report = ParseReport(both.out);
  EXPECT_EQ(report.at("getppid"), "OK") << both.err;
  EXPECT_EQ(report.at("personality"), "OK") << both.err;
}

TEST(SeccompLearnTest, AFileThatIsNotALearnedProfileIsRefusedBeforeStart) {
  HARDINIT_REQUIRE_ROOT();
  const std::string dir = MakeTempDir();
  const std::string file = dir + "/hand-written.json";
  WriteFile(file, R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": []})");
  const RunResult r = RunHardinit(Learn(file, {kProbe, "exit", "0"}));
  EXPECT_EQ(r.exit_code, 125);
  EXPECT_NE(r.err.find("not a learned profile"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "") << "the program ran";
  EXPECT_EQ(ReadText(file), R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": []})");
  // A directory that does not exist: refused before the program starts.
  const RunResult missing = RunHardinit(Learn(dir + "/no/such/dir.json", {kProbe, "exit", "0"}));
  EXPECT_EQ(missing.exit_code, 125);
  EXPECT_NE(missing.err.find("--seccomp-learn"), std::string::npos) << missing.err;
}

// PID 1 renames the file with the program's uid and no capability (design.md §3.5): a
// directory that uid cannot write is refused before the program starts; a sticky one it can
// write (/tmp) works, since the temporary file is the program's user's.
TEST(SeccompLearnTest, TheDirectoryMustBeWritableByTheProgramsUser) {
  HARDINIT_REQUIRE_ROOT();
  const std::string dir = MakeTempDir();  // root's, 0755
  const RunResult refused = RunHardinit(
      {"--user", "nobody", "--seccomp-learn", dir + "/p.json", "--", kProbe, "try", "getppid"});
  EXPECT_EQ(refused.exit_code, 125);
  EXPECT_NE(refused.err.find("does not let them create files"), std::string::npos) << refused.err;
  EXPECT_EQ(refused.out, "") << "the program ran";
  ExpectNoTemporaryFiles(dir);
  const std::string sticky = dir + "/sticky";
  ASSERT_EQ(mkdir(sticky.c_str(), 0755), 0);
  ASSERT_EQ(chmod(sticky.c_str(), 01777), 0);
  const RunResult r = RunHardinit(
      {"--user", "nobody", "--seccomp-learn", sticky + "/p.json", "--", kProbe, "try", "getppid"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(LearnedNames(sticky + "/p.json").count("getppid"));
  ExpectNoTemporaryFiles(sticky);
}

TEST(SeccompLearnTest, ThreadsAndAnExecdGrandchildAreRecorded) {
  HARDINIT_REQUIRE_ROOT();
  const std::string dir = MakeTempDir();
  const std::string threads = dir + "/threads.json";
  const RunResult r = RunHardinit(Learn(threads, {kProbe, "thread-try", "personality"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ParseReport(r.out).at("personality"), "OK");
  EXPECT_TRUE(LearnedNames(threads).count("personality")) << ReadText(threads);
  // The shell forks, and its child execs the probe: hardinit's grandchild.
  const std::string grandchild = dir + "/grandchild.json";
  const RunResult g =
      RunHardinit(Learn(grandchild, {kShell, "-c", kProbe + " try personality; exit 0"}));
  ASSERT_EQ(g.exit_code, 0) << g.err;
  EXPECT_TRUE(LearnedNames(grandchild).count("personality")) << ReadText(grandchild);
  // Negative control: a run without that call does not have it.
  const std::string without = dir + "/without.json";
  ASSERT_EQ(RunHardinit(Learn(without, {kShell, "-c", kProbe + " try getppid; exit 0"})).exit_code,
            0);
  EXPECT_FALSE(LearnedNames(without).count("personality")) << ReadText(without);
}

TEST(SeccompLearnTest, TheProfileIsWrittenWhenTheProgramIsKilled) {
  HARDINIT_REQUIRE_ROOT();
  const std::string dir = MakeTempDir();
  const std::string file = dir + "/killed.json";
  const RunResult r =
      RunHardinit(Learn(file, {kShell, "-c", kProbe + " try personality; kill -KILL $$"}));
  EXPECT_EQ(r.exit_code, 128 + SIGKILL) << r.err;
  EXPECT_TRUE(LearnedNames(file).count("personality")) << ReadText(file);
  EXPECT_TRUE(LearnedNames(file).count("kill"));
  ExpectNoTemporaryFiles(dir);
}

TEST(SeccompLearnTest, TheProfileIsWrittenWhenTheContainerIsStopped) {
  HARDINIT_REQUIRE_ROOT();
  const std::string dir = MakeTempDir();
  const std::string file = dir + "/stopped.json";
  // docker stop: SIGTERM to PID 1, which forwards it to the program.
  Process hardinit(Learn(file, {kProbe, "try", "personality", "sleep", "60"}), {});
  ASSERT_TRUE(hardinit.WaitForOutput("personality=")) << hardinit.out();
  hardinit.Signal(SIGTERM);
  const RunResult r = hardinit.Wait();
  EXPECT_EQ(r.exit_code, 128 + SIGTERM) << r.err;
  EXPECT_TRUE(LearnedNames(file).count("personality")) << ReadText(file);
  ExpectNoTemporaryFiles(dir);
}

// Fail safe (design.md §3.12): when the learner is gone, the program's calls fail (the
// kernel's ENOSYS for a listener nobody holds); nothing runs unrecorded. hardinit runs as a
// subreaper here, so it can be killed while the program lives on; the program, orphaned to
// this test process, reports through its exit status alone.
TEST(SeccompLearnTest, WithTheLearnerGoneTheProgramsCallsFail) {
  HARDINIT_REQUIRE_ROOT();
  ASSERT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
  const std::string file = MakeTempDir() + "/gone.json";
  RunOptions plain;
  plain.new_pid_namespace = false;
  auto orphan_status = [](pid_t hardinit_pid) {
    // The program, reparented here once hardinit is gone.
    for (int i = 0; i < 100; ++i) {
      int status = 0;
      const pid_t pid = waitpid(-1, &status, WNOHANG);
      if (pid > 0 && pid != hardinit_pid) return status;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return -1;
  };
  {
    Process hardinit(Learn(file, {kProbe, "try", "getppid", "sleep", "1", "getppid-exit"}), plain);
    ASSERT_TRUE(hardinit.WaitForOutput("getppid=OK")) << hardinit.out();
    hardinit.Signal(SIGKILL);
    EXPECT_EQ(hardinit.Wait().exit_code, 128 + SIGKILL);
    const int status = orphan_status(hardinit.pid());
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == ENOSYS) << "status " << status;
  }
  // Negative control: with the learner alive, the same call works (exit 0).
  {
    Process hardinit(Learn(file, {kProbe, "try", "getppid", "sleep", "1", "getppid-exit"}), plain);
    const RunResult r = hardinit.Wait();
    EXPECT_EQ(r.exit_code, 0) << r.err;
  }
  prctl(PR_SET_CHILD_SUBREAPER, 0);
}

TEST(SeccompLearnTest, RefusedWithExecAndUnderTheTiniName) {
  HARDINIT_REQUIRE_ROOT();
  const std::string file = MakeTempDir() + "/p.json";
  const RunResult exec =
      RunHardinit({"--exec", "--seccomp-learn", file, "--", kProbe, "exit", "0"});
  EXPECT_EQ(exec.exit_code, 125);
  EXPECT_NE(exec.err.find("--seccomp-learn: needs hardinit's supervisor"), std::string::npos)
      << exec.err;
  RunOptions as_tini;
  as_tini.argv0 = "tini";
  as_tini.env = {"HARDINIT_SECCOMP_LEARN=" + file};
  const RunResult tini = RunHardinit({"--", kProbe, "exit", "0"}, as_tini);
  EXPECT_EQ(tini.exit_code, 125);
  EXPECT_NE(tini.err.find("HARDINIT_SECCOMP_LEARN: not available under the tini name"),
            std::string::npos)
      << tini.err;
  EXPECT_FALSE(std::filesystem::exists(file));
  // Negative control: the variable under hardinit's own name learns.
  RunOptions with_variable;
  with_variable.env = {"HARDINIT_SECCOMP_LEARN=" + file};
  const RunResult env = RunHardinit({"--", kProbe, "exit", "0"}, with_variable);
  EXPECT_EQ(env.exit_code, 0) << env.err;
  EXPECT_TRUE(LearnedNames(file).count("execve"));
}

// A learned file is the profile of the whole container whose entrypoint is hardinit
// (design.md §3.12): an outer process installs it before it execs hardinit, the way runc and
// crun do, and hardinit runs as PID 1 under it with the usual options: --user, a kept
// capability, its own profile inside (default, strict, the learned file), Landlock, a reaped
// orphan, a grandchild that ignores SIGTERM and is killed after the grace time. A call of
// hardinit's missing from EntrypointCalls() (seccomp_listen.cc) makes it exit 125 or its program
// fail. Negative control: the same file without one of hardinit's own calls (capset, signalfd4,
// landlock_create_ruleset) stops hardinit.
class WholeContainerProfileTest : public ::testing::Test {
 protected:
  // `hardinit seccomp export` of `json`: the filter as an OCI runtime would install it.
  static std::vector<sock_filter> Export(const std::string& json) {
    const std::string bpf = json + ".bpf";
    RunOptions plain;
    plain.new_pid_namespace = false;
    const RunResult r = RunHardinit({"seccomp", "export", json, bpf}, plain);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    const std::string bytes = ReadText(bpf);
    std::vector<sock_filter> filter(bytes.size() / sizeof(sock_filter));
    std::memcpy(filter.data(), bytes.data(), filter.size() * sizeof(sock_filter));
    return filter;
  }

  // Runs hardinit with `args` under `filter`, installed in the launcher just before its exec.
  static RunResult UnderFilter(const std::vector<sock_filter>& filter,
                               const std::vector<std::string>& args) {
    return RunHardinit(args, Outer(filter));
  }

  // Installs `filter` in the launcher just before it execs hardinit. Not ASSERT there: it
  // runs in the forked launcher; a failed load is an exit code of its own (97).
  static RunOptions Outer(const std::vector<sock_filter>& filter) {
    RunOptions outer;
    outer.before_exec = [&filter] {
      sock_fprog prog{static_cast<unsigned short>(filter.size()),
                      const_cast<sock_filter*>(filter.data())};
      if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) _exit(97);
    };
    return outer;
  }

  static std::string WithoutName(const std::string& json, const std::string& name) {
    std::string text = json;
    const std::string line = "\n        \"" + name + "\",";
    const size_t at = text.find(line);
    if (at != std::string::npos) text.erase(at, line.size());
    return text;
  }
};

TEST_F(WholeContainerProfileTest, HardinitRunsUnderALearnedProfileLoadedFromOutside) {
  HARDINIT_REQUIRE_ROOT();
  const std::string dir = MakeTempDir();
  const std::string file = dir + "/whole.json";
  const std::string program =
      "echo learned | cat | wc -c; (sleep 0.1 &); sh -c \"trap '' TERM; exec sleep 3\" & "
      "sleep 0.2; exec " +
      kProbe + " status try getppid";
  const std::vector<std::string> command = {kShell, "-c", program};
  ASSERT_EQ(chmod(dir.c_str(), 01777), 0);
  const RunResult learn = RunHardinit(Learn(file, command));
  ASSERT_EQ(learn.exit_code, 0) << learn.err;
  // hardinit's own calls and the runtimes' are in the file although the program never made
  // them (the set itself is tested in tests/unit/seccomp_listen_test.cc).
  for (const char* name : {"capset", "signalfd4", "landlock_create_ruleset", "clone3"}) {
    EXPECT_TRUE(LearnedNames(file).count(name)) << name << " is not in the learned file";
  }
  const std::vector<sock_filter> whole = Export(file);
  ASSERT_FALSE(whole.empty());

  for (const std::string& inner : std::vector<std::string>{"default", "strict", file}) {
    std::vector<std::string> args = {
        "--user",  "1000:1000", "--cap-keep", "NET_BIND_SERVICE", "--fs-ro", "/", "--fs-rw", "/tmp",
        "--grace", "0.5",       "-w",         "--seccomp",        inner,     "--"};
    args.insert(args.end(), command.begin(), command.end());
    const RunResult r = UnderFilter(whole, args);
    EXPECT_EQ(r.exit_code, 0) << inner << "\n" << r.err << r.out;
    EXPECT_NE(r.out.find("8\n"), std::string::npos) << inner << r.out;
    const Report report = ParseReport(r.out);
    EXPECT_EQ(report.count("getppid") ? report.at("getppid") : "", "OK") << inner << r.out;
    EXPECT_EQ(report.count("Uid") ? report.at("Uid") : "", "1000 1000 1000 1000") << r.out;
    EXPECT_EQ(report.count("Seccomp_filters") ? report.at("Seccomp_filters") : "", "2")
        << "the outer profile and hardinit's " << inner << r.out;
    EXPECT_NE(r.err.find("Reaped zombie process"), std::string::npos) << inner << r.err;
  }

  // Negative controls: without one of hardinit's own calls, hardinit cannot start.
  const std::vector<std::pair<std::string, std::string>> controls = {
      {"capset", "hardinit: capset(CAP_SETPCAP) for securebits: Operation not permitted"},
      {"signalfd4", "hardinit: signalfd: Operation not permitted"},
      {"landlock_create_ruleset", "landlock_create_ruleset: Operation not permitted"}};
  for (const auto& [missing, why] : controls) {
    const std::string cut = dir + "/without-" + missing + ".json";
    WriteFile(cut, WithoutName(ReadText(file), missing));
    ASSERT_FALSE(LearnedNames(cut).count(missing));
    std::vector<std::string> args = {"--user",  "1000:1000", "--fs-ro", "/",
                                     "--fs-rw", "/tmp",      "--"};
    args.insert(args.end(), command.begin(), command.end());
    const RunResult r = UnderFilter(Export(cut), args);
    EXPECT_EQ(r.exit_code, 125) << missing << "\n" << r.err << r.out;
    EXPECT_NE(r.err.find(why), std::string::npos) << missing << "\n" << r.err;
    EXPECT_EQ(r.out.find("8\n"), std::string::npos) << missing << ": the program ran" << r.out;
  }
}

// The same, for a signal: under a learned file installed from outside, PID 1 forwards the
// engine's SIGTERM to the program, whose handler decides the exit code (7, not 143).
TEST_F(WholeContainerProfileTest, PidOneForwardsASignalUnderALearnedProfile) {
  HARDINIT_REQUIRE_ROOT();
  const std::string dir = MakeTempDir();
  ASSERT_EQ(chmod(dir.c_str(), 01777), 0);
  const std::string file = dir + "/signal.json";
  const std::vector<std::string> command = {
      kShell, "-c", "trap 'echo got-term; exit 7' TERM; echo ready; while :; do sleep 0.1; done"};
  std::vector<std::string> learn = {"--user", "1000:1000", "--seccomp-learn", file, "--"};
  learn.insert(learn.end(), command.begin(), command.end());
  {
    Process p(learn, RunOptions{});
    ASSERT_TRUE(p.WaitForOutput("ready"));
    p.Signal(SIGTERM);
    const RunResult r = p.Wait();
    ASSERT_EQ(r.exit_code, 7) << r.err;
  }
  const std::vector<sock_filter> whole = Export(file);
  ASSERT_FALSE(whole.empty());
  std::vector<std::string> args = {"--user", "1000:1000", "--seccomp", file, "--"};
  args.insert(args.end(), command.begin(), command.end());
  Process p(args, Outer(whole));
  ASSERT_TRUE(p.WaitForOutput("ready")) << p.out();
  p.Signal(SIGTERM);
  const RunResult r = p.Wait();
  EXPECT_EQ(r.exit_code, 7) << r.err << r.out;
  EXPECT_NE(r.out.find("got-term"), std::string::npos) << r.out;
}

// --seccomp-log: denied calls fail with exactly the profile's errno, are named once per
// program and call, with the arguments an argument rule read.
TEST(SeccompLogTest, NamesADeniedCallOnceWithItsErrnoAndArguments) {
  HARDINIT_REQUIRE_ROOT();
  const RunResult r = RunHardinit({"--seccomp-log", "--", kProbe, "try", "mount", "try", "mount",
                                   "try", "socket:40", "try", "getppid"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Report report = ParseReport(r.out);
  EXPECT_EQ(report.at("mount"), "EPERM,EPERM");
  EXPECT_EQ(report.at("socket:40"), "EPERM");
  EXPECT_EQ(report.at("getppid"), "OK");
  const std::string mount_line = "denied mount() to probe (pid 2): EPERM";
  const size_t first = r.err.find(mount_line);
  EXPECT_NE(first, std::string::npos) << r.err;
  EXPECT_EQ(r.err.find(mount_line, first + 1), std::string::npos) << "logged twice:\n" << r.err;
  EXPECT_NE(r.err.find("denied socket(family=40) to probe"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("getppid"), std::string::npos) << "an allowed call reached PID 1";
  // Negative control: without --seccomp-log the same calls fail the same way, silently.
  const RunResult quiet = RunHardinit({"--", kProbe, "try", "mount", "try", "socket:40"});
  EXPECT_EQ(ParseReport(quiet.out).at("mount"), "EPERM");
  EXPECT_EQ(ParseReport(quiet.out).at("socket:40"), "EPERM");
  EXPECT_EQ(quiet.err.find("denied"), std::string::npos) << quiet.err;
}

TEST(SeccompLogTest, KeepsAProfilesOwnErrnoAndLogsJson) {
  HARDINIT_REQUIRE_ROOT();
  const std::string file = MakeTempDir() + "/enosys.json";
  WriteFile(file, R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
    {"names": ["personality"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}]})");
  const RunResult r = RunHardinit({"--seccomp", file, "--seccomp-log", "--log-format", "json", "--",
                                   kProbe, "try", "personality"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ParseReport(r.out).at("personality"), "ENOSYS");
  EXPECT_NE(r.err.find("\"syscall\":\"personality\""), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("\"errno\":38"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("\"level\":\"warn\""), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("\"comm\":\"probe\""), std::string::npos) << r.err;
}

TEST(SeccompLogTest, RefusedWithExecAndWithUnconfined) {
  HARDINIT_REQUIRE_ROOT();
  const RunResult exec = RunHardinit({"--exec", "--seccomp-log", "--", kProbe, "exit", "0"});
  EXPECT_EQ(exec.exit_code, 125);
  EXPECT_NE(exec.err.find("--seccomp-log: needs hardinit's supervisor"), std::string::npos)
      << exec.err;
  const RunResult unconfined =
      RunHardinit({"--seccomp", "unconfined", "--seccomp-log", "--", kProbe, "exit", "0"});
  EXPECT_EQ(unconfined.exit_code, 125);
  EXPECT_NE(unconfined.err.find("nothing to log"), std::string::npos) << unconfined.err;
}

}  // namespace
}  // namespace hardinit::testing
