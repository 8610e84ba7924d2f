// hardinit beyond Docker (issue 18): Podman rootful with runc and with crun, Podman rootless
// (container root is an unprivileged host user in a user namespace), containerd through ctr,
// and what a Kubernetes pod does to its containers, reproduced with Podman: a shared PID
// namespace under a pause process, securityContext's engine flags, the termination grace
// period against --grace, and the pod manifests of docs/kubernetes.md played as they are.
//
// Every claim is asserted from the program's side: the program is the static probe
// (tests/helpers/probe.c), which reports what the kernel tells it about itself
// (/proc/self/status, prctl, the errno of a tried call) as key=value lines. Each security
// case has a negative control that runs the same check where it must fail.
//
// The engines come from tests/engines/fixture.sh (ctest fixtures; see engines.cmake).

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <ostream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "../helpers/shell.h"

namespace {

constexpr char kImage[] = "localhost/hardinit-ct:latest";
constexpr char kNoCaps[] = "0000000000000000";
constexpr char kNetBindService[] = "0000000000000400";
// NOROOT, NO_SETUID_FIXUP, KEEP_CAPS_LOCKED and their locks (design.md §3.2).
constexpr char kLockedSecurebits[] = "0x2f";
// What hardinit needs to switch users and shrink the bounding set, plus what it keeps.
constexpr char kSwitchingCaps[] = "--cap-drop all --cap-add SETUID,SETGID,SETPCAP,NET_BIND_SERVICE";
// The probe's arguments: what the program sees, what it tries as an attacker would, and
// whether port 80 works.
constexpr char kChecks[] =
    "status try setuid0 try setgroups try capset-raise try unshare-user try bind:80";
// Podman's init when --init-path is not given (the catatonit package).
constexpr char kCatatonit[] = "/usr/libexec/podman/catatonit";
// containers-common's seccomp profile: Podman's default, and what Kubernetes' RuntimeDefault
// means under CRI-O.
constexpr char kPodmanDefaultSeccomp[] = "/usr/share/containers/seccomp.json";

// ---------------------------------------------------------------------------------------
// Running commands.

using hardinit_test::Quote;
using hardinit_test::Result;
using hardinit_test::Shell;
using hardinit_test::Trim;

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

double SecondsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// ---------------------------------------------------------------------------------------
// The probe's reports: one "key=value" line each; a later key wins.

using Report = std::map<std::string, std::string>;

Report ParseReport(const std::string& text) {
  Report report;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    size_t eq = line.find('=');
    if (eq == std::string::npos || eq == 0 || line.find(' ') < eq) continue;
    report[line.substr(0, eq)] = Trim(line.substr(eq + 1));
  }
  return report;
}

std::string Get(const Report& r, const std::string& key) {
  auto it = r.find(key);
  return it == r.end() ? "<missing>" : it->second;
}

// The app user of the test image: uid 1000, primary group 1000, and the two groups that
// list it in /etc/group (audio 29, staff 50). Nothing more, nothing less.
testing::AssertionResult HasAppIdentity(const Report& r) {
  std::istringstream groups_in(Get(r, "Groups"));
  std::set<std::string> groups;
  for (std::string g; groups_in >> g;) groups.insert(g);
  if (Get(r, "Uid") == "1000 1000 1000 1000" && Get(r, "Gid") == "1000 1000 1000 1000" &&
      groups == std::set<std::string>{"29", "50", "1000"}) {
    return testing::AssertionSuccess();
  }
  return testing::AssertionFailure()
         << "want Uid/Gid 1000 x4 and Groups {29 50 1000}; got Uid [" << Get(r, "Uid") << "] Gid ["
         << Get(r, "Gid") << "] Groups [" << Get(r, "Groups") << "]";
}

// All five capability sets equal `hex`.
testing::AssertionResult HasExactlyCaps(const Report& r, const std::string& hex) {
  std::string got;
  bool ok = true;
  for (const char* set : {"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"}) {
    ok = ok && Get(r, set) == hex;
    got += std::string(" ") + set + "=" + Get(r, set);
  }
  if (ok) return testing::AssertionSuccess();
  return testing::AssertionFailure() << "want every capability set = " << hex << "; got" << got;
}

// The sandbox hardinit promises the program (design.md §3.2-3.3), stacked on the engine's
// seccomp filter when it has one.
testing::AssertionResult IsSandboxed(const Report& r, int engine_filters) {
  const std::string filters = std::to_string(engine_filters + 1);
  if (Get(r, "NoNewPrivs") == "1" && Get(r, "Seccomp") == "2" &&
      Get(r, "Seccomp_filters") == filters) {
    return testing::AssertionSuccess();
  }
  return testing::AssertionFailure()
         << "want NoNewPrivs=1 Seccomp=2 Seccomp_filters=" << filters
         << "; got NoNewPrivs=" << Get(r, "NoNewPrivs") << " Seccomp=" << Get(r, "Seccomp")
         << " Seccomp_filters=" << Get(r, "Seccomp_filters");
}

// ---------------------------------------------------------------------------------------
// The engines, brought up once per test process (a no-op when the ctest fixture did it) and
// taken down at the end by the process that started them.

std::string FixtureCommand(const std::string& verb, const std::string& engine) {
  return std::string("env HARDINIT_ENG_STATE=") + Quote(HARDINIT_ENG_STATE) +
         " HARDINIT_BIN=" + Quote(HARDINIT_BINARY) + " HARDINIT_PROBE=" + Quote(HARDINIT_PROBE) +
         " HARDINIT_SOURCE_DIR=" + Quote(HARDINIT_SOURCE_DIR) + " bash " +
         Quote(HARDINIT_ENG_FIXTURE) + " " + verb + " " + engine;
}

struct EngineState {
  bool tried = false;
  bool started = false;
  std::string command;  // the engine's command line (podman ... or ctr ...)
  std::string error;    // why the engine is not usable, or empty
  std::string skip;     // set only under HARDINIT_ALLOW_SKIP=1
};
std::map<std::string, EngineState> g_engines;

EngineState& BringUp(const std::string& engine) {
  EngineState& e = g_engines[engine];
  if (e.tried) return e;
  e.tried = true;
  Result up = Shell(FixtureCommand("up", engine));
  if (up.rc != 0) {
    std::ostringstream msg;
    msg << "the " << engine << " fixture failed; set HARDINIT_ALLOW_SKIP=1 to skip instead" << up;
    e.error = msg.str();
    return e;
  }
  e.started = Contains("\n" + up.out, "\nstarted\n");
  std::ifstream skip(std::string(HARDINIT_ENG_STATE) + "/" + engine + "/skip");
  if (skip) {
    std::getline(skip, e.skip);
    std::printf("SKIP: %s tests: %s\n", engine.c_str(), e.skip.c_str());
    return e;
  }
  e.command = Trim(Shell(FixtureCommand("env", engine)).out);
  return e;
}

class EnginesEnvironment : public testing::Environment {
 public:
  void TearDown() override {
    for (const auto& [engine, state] : g_engines) {
      if (state.started) Shell(FixtureCommand("down", engine));
    }
  }
};

// ---------------------------------------------------------------------------------------
// A test against one engine. Podman-family engines share one command line; containerd's
// cases use Ctr().

class EngineTest : public testing::Test {
 protected:
  void UseEngine(const std::string& engine) {
    engine_ = engine;
    EngineState& e = BringUp(engine);
    // A failure here (not in an Environment) so that it is a test failure, not a skip.
    ASSERT_EQ(e.error, "");
    if (!e.skip.empty()) GTEST_SKIP() << e.skip;
    cmd_ = e.command;
    ASSERT_FALSE(cmd_.empty());
  }

  void TearDown() override {
    for (const std::string& pod : pods_) Engine("pod rm -f -t 0 " + pod);
    for (const std::string& id : started_) Engine("rm -f -t 0 " + id);
  }

  Result Engine(const std::string& args) { return Shell(cmd_ + " " + args); }

  // run --rm; `args` = [more flags] IMAGE [CMD...]. The network is "none" (containers.conf).
  Result Run(const std::string& args) { return Engine("run --rm " + args); }

  // run -d; the container is removed at the end of the test.
  Result Start(const std::string& args) {
    Result r = Engine("run -d " + args);
    if (r.rc == 0) {
      r.out = Trim(r.out);
      // Podman may print warnings before the id; the id is the last line.
      r.out = r.out.substr(r.out.find_last_of('\n') + 1);
      started_.push_back(r.out);
    }
    return r;
  }

  // Polls the container's log until `marker` shows up.
  Result WaitForLog(const std::string& id, const std::string& marker, int seconds = 20) {
    Result r;
    for (int i = 0; i < seconds * 10; ++i) {
      r = Engine("logs " + id);
      if (Contains(r.out, marker)) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return r;
  }

  std::string Inspect(const std::string& id, const std::string& format) {
    return Trim(Engine("inspect -f '" + format + "' " + id).out);
  }
  std::string ExitCode(const std::string& id) { return Inspect(id, "{{.State.ExitCode}}"); }
  bool IsRunning(const std::string& id) { return Inspect(id, "{{.State.Running}}") == "true"; }

  // `stop -t TIMEOUT`, and how long it took.
  double TimedStop(const std::string& id, int timeout, Result* r) {
    auto t0 = std::chrono::steady_clock::now();
    *r = Engine("stop -t " + std::to_string(timeout) + " " + id);
    return SecondsSince(t0);
  }

  // The hardinit binary as the engine can reach it for --init-path (the rootless user cannot
  // read the build directory; the fixture copies the binary into its home).
  std::string InitPath() const {
    return engine_ == "rootless" ? "/var/lib/hardinit-rootless/hardinit" : HARDINIT_BINARY;
  }

  std::string engine_;
  std::string cmd_;
  std::vector<std::string> started_;
  std::vector<std::string> pods_;
};

std::string In(const std::string& args) { return std::string(kImage) + " " + args; }

// ---------------------------------------------------------------------------------------
// The same claims under each Podman: rootful with runc ("podman"), rootful with crun in its
// own mount namespace ("crun"), and rootless ("rootless").

class PodmanTest : public EngineTest, public testing::WithParamInterface<std::string> {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(UseEngine(GetParam())); }
};

// Way 1 (README): started as root with only what switching users needs.
TEST_P(PodmanTest, Way1SwitchesToAppWithOnlyTheKeptCapability) {
  Result r = Run(std::string(kSwitchingCaps) + " " +
                 In("--user app --cap-keep NET_BIND_SERVICE -- probe " + std::string(kChecks)));
  ASSERT_EQ(r.rc, 0) << r;
  Report p = ParseReport(r.out);
  EXPECT_TRUE(HasAppIdentity(p)) << r;
  EXPECT_TRUE(HasExactlyCaps(p, kNetBindService)) << r;
  EXPECT_EQ(Get(p, "securebits"), kLockedSecurebits) << r;
  EXPECT_TRUE(IsSandboxed(p, 1)) << "Podman's filter plus hardinit's" << r;
  EXPECT_EQ(Get(p, "ppid"), "1") << "hardinit is PID 1, the program its child" << r;
  EXPECT_EQ(Get(p, "setuid0"), "EPERM") << r;
  EXPECT_EQ(Get(p, "setgroups"), "EPERM") << r;
  EXPECT_EQ(Get(p, "capset-raise"), "EPERM") << r;
  EXPECT_EQ(Get(p, "unshare-user"), "EPERM") << r;
  EXPECT_EQ(Get(p, "bind:80"), "OK") << "the kept NET_BIND_SERVICE, ambient" << r;
}

// Negative control: the same engine flags and checks without hardinit. Podman runs the probe
// as root with the four capabilities, no_new_privs unset, one filter; as uid 1000 it cannot
// bind port 80 (Podman leaves ip_unprivileged_port_start at 1024).
TEST_P(PodmanTest, Way1ChecksFailWithoutHardinit) {
  Result root = Run(std::string(kSwitchingCaps) + " --entrypoint /bin/probe " + In(kChecks));
  ASSERT_EQ(root.rc, 0) << root;
  Report p = ParseReport(root.out);
  EXPECT_EQ(Get(p, "Uid"), "0 0 0 0") << root;
  EXPECT_FALSE(HasExactlyCaps(p, kNetBindService)) << root;
  EXPECT_EQ(Get(p, "securebits"), "0x0") << root;
  EXPECT_EQ(Get(p, "NoNewPrivs"), "0") << root;
  EXPECT_EQ(Get(p, "Seccomp_filters"), "1") << root;
  EXPECT_EQ(Get(p, "setuid0"), "OK") << root;

  Result app =
      Run("--user 1000 --cap-drop all --entrypoint /bin/probe " + In("status try bind:80"));
  ASSERT_EQ(app.rc, 0) << app;
  Report a = ParseReport(app.out);
  EXPECT_EQ(Get(a, "Uid"), "1000 1000 1000 1000") << app;
  EXPECT_EQ(Get(a, "bind:80"), "EACCES") << app;
}

// Issue 12 §2.4 (the SETPCAP branch): a root start whose bounding set holds capabilities
// outside the allowlist, without CAP_SETPCAP to shrink it, fails closed and names SETPCAP.
// The positive control is Way1SwitchesToAppWithOnlyTheKeptCapability (the same with SETPCAP).
TEST_P(PodmanTest, Way1WithoutSetpcapFailsClosedNamingIt) {
  Result r = Run("--cap-drop all --cap-add SETUID,SETGID " + In("--user app -- probe status"));
  EXPECT_EQ(r.rc, 125) << r;
  EXPECT_TRUE(Contains(r.out, "SETPCAP")) << r;
  EXPECT_FALSE(Contains(r.out, "Uid=")) << "the program must not run" << r;
}

// Way 2 (README): already non-root, with the flags Kubernetes' restricted profile maps to.
TEST_P(PodmanTest, Way2NonRootStartIsPid1AndSandboxes) {
  Result r = Run("--user 1000 --cap-drop all --security-opt no-new-privileges --read-only " +
                 In("-- probe status status-of 1 try setuid0"));
  ASSERT_EQ(r.rc, 0) << r;
  Report p = ParseReport(r.out);
  EXPECT_EQ(Get(p, "ppid"), "1") << r;
  EXPECT_EQ(Get(p, "of1_Uid"), "1000 1000 1000 1000") << "PID 1 is hardinit, as uid 1000" << r;
  EXPECT_EQ(Get(p, "Uid"), "1000 1000 1000 1000") << r;
  EXPECT_TRUE(HasExactlyCaps(p, kNoCaps)) << r;
  EXPECT_TRUE(IsSandboxed(p, 1)) << r;
  EXPECT_EQ(Get(p, "setuid0"), "EPERM") << r;
}

TEST_P(PodmanTest, Way2RefusesToSwitchUsers) {
  Result r = Run("--user 1000 --cap-drop all " + In("--user nobody -- probe status"));
  EXPECT_EQ(r.rc, 125) << r;
  EXPECT_TRUE(Contains(r.out, "must start as root")) << r;
  EXPECT_FALSE(Contains(r.out, "Uid=")) << r;
}

// `podman stop`: SIGTERM reaches the program, which decides the exit code; nothing waits for
// the engine's SIGKILL.
TEST_P(PodmanTest, StopReachesTheProgramWhichChoosesTheExitCode) {
  Result c =
      Start(std::string(kSwitchingCaps) + " " + In("--user app -- probe wait-signals 1 exit 3"));
  ASSERT_EQ(c.rc, 0) << c;
  ASSERT_TRUE(Contains(WaitForLog(c.out, "ready=1").out, "ready=1"));
  Result stop;
  double seconds = TimedStop(c.out, 10, &stop);
  ASSERT_EQ(stop.rc, 0) << stop;
  EXPECT_LT(seconds, 5.0) << "podman stop waited for the kill timeout" << stop;
  EXPECT_EQ(ExitCode(c.out), "3") << Engine("logs " + c.out);
  EXPECT_TRUE(Contains(Engine("logs " + c.out).out, "signal=15"));
}

TEST_P(PodmanTest, StopOfAnUntrappingProgramExitsWith143) {
  Result c = Start(In("-- probe status sleep 1000"));
  ASSERT_EQ(c.rc, 0) << c;
  ASSERT_TRUE(Contains(WaitForLog(c.out, "pid=").out, "pid="));
  Result stop;
  double seconds = TimedStop(c.out, 10, &stop);
  ASSERT_EQ(stop.rc, 0) << stop;
  EXPECT_LT(seconds, 5.0) << stop;
  EXPECT_EQ(ExitCode(c.out), "143") << Engine("logs " + c.out);
}

TEST_P(PodmanTest, OrphansAreReaped) {
  Result r = Run(In("-- probe orphans 20 await-no-zombies"));
  ASSERT_EQ(r.rc, 0) << r;
  EXPECT_EQ(Get(ParseReport(r.out), "zombies"), "0") << r;
}

// Negative control: the same orphans under a PID 1 that does not reap (the probe itself).
TEST_P(PodmanTest, OrphansStayZombiesWithoutHardinit) {
  Result r = Run("--entrypoint /bin/probe " + In("orphans 20 sleep 0.5 zombies-of 1"));
  ASSERT_EQ(r.rc, 0) << r;
  EXPECT_EQ(Get(ParseReport(r.out), "zombies"), "20") << r;
}

TEST_P(PodmanTest, ExitCodesAreTheProgramsOrHardinits) {
  EXPECT_EQ(Run(In("-- probe exit 7")).rc, 7);
  EXPECT_EQ(Run(In("-- probe raise 9")).rc, 128 + 9);
  EXPECT_EQ(Run(In("-- probe raise 15")).rc, 128 + 15);
  Result missing = Run(In("-- /no/such/program"));
  EXPECT_EQ(missing.rc, 127) << missing;
  Result bogus = Run(In("--user bogus -- probe status"));
  EXPECT_EQ(bogus.rc, 125) << bogus;
  EXPECT_TRUE(Contains(bogus.out, "--user bogus: no such user in /etc/passwd")) << bogus;
}

// A uid the container's user namespace does not map. Rootless Podman maps 65537 ids (0 to
// the user, 1..65536 to its subordinate range), so there setresuid(70000) is impossible and
// hardinit exits 125 naming the step; rootful Podman maps every id, so the same start works
// (the control).
TEST_P(PodmanTest, UnmappedUidFailsWith125NamingTheStep) {
  Result r = Run(std::string(kSwitchingCaps) + " " + In("--user 70000:1000 -- probe status"));
  if (GetParam() == "rootless") {
    EXPECT_EQ(r.rc, 125) << r;
    EXPECT_TRUE(Contains(r.out, "hardinit: setresuid(70000): Invalid argument")) << r;
    EXPECT_FALSE(Contains(r.out, "Uid=")) << r;
  } else {
    ASSERT_EQ(r.rc, 0) << r;
    EXPECT_EQ(Get(ParseReport(r.out), "Uid"), "70000 70000 70000 70000") << r;
  }
  // The highest id the rootless map holds works everywhere.
  Result top = Run(std::string(kSwitchingCaps) + " " + In("--user 65536:65536 -- probe status"));
  ASSERT_EQ(top.rc, 0) << top;
  EXPECT_EQ(Get(ParseReport(top.out), "Uid"), "65536 65536 65536 65536") << top;
}

// An unmapped supplementary group: the setgroups step.
TEST_P(PodmanTest, UnmappedGroupFailsWith125NamingTheStep) {
  Result r =
      Run(std::string(kSwitchingCaps) + " " + In("--user app --groups 70000 -- probe status"));
  if (GetParam() == "rootless") {
    EXPECT_EQ(r.rc, 125) << r;
    EXPECT_TRUE(Contains(r.out, "hardinit: setgroups(1 groups): Invalid argument")) << r;
    EXPECT_FALSE(Contains(r.out, "Uid=")) << r;
  } else {
    ASSERT_EQ(r.rc, 0) << r;
    EXPECT_EQ(Get(ParseReport(r.out), "Groups"), "70000") << r;
  }
}

// ---------------------------------------------------------------------------------------
// hardinit as Podman's init: `podman run --init --init-path hardinit`. Podman bind-mounts it
// at /run/podman-init and runs `/run/podman-init -- CMD`, as it does catatonit. Each case
// runs both inits and asserts the same outcome for exits, signals, reaping and stop.

struct Init {
  const char* name;
  bool hardinit;
};
constexpr Init kInits[] = {{"catatonit", false}, {"hardinit", true}};

TEST_P(PodmanTest, InitIsPid1AndPassesTheExitCodeLikeCatatonit) {
  for (const Init& init : kInits) {
    SCOPED_TRACE(init.name);
    std::string path = init.hardinit ? InitPath() : kCatatonit;
    Result r = Run("--init --init-path " + path + " --entrypoint /bin/sh " +
                   In("-c 'tr \"\\0\" \" \" </proc/1/cmdline; echo; "
                      "cmp -s /run/podman-init /hardinit && echo same-binary; exit 7'"));
    EXPECT_EQ(r.rc, 7) << r;
    // hardinit's warning that the program runs as root may come first (stderr).
    EXPECT_TRUE(Contains("\n" + r.out, "\n/run/podman-init -- /bin/sh -c")) << r;
    EXPECT_EQ(Contains(r.out, "\nsame-binary\n"), init.hardinit) << r;
    EXPECT_EQ(Run("--init --init-path " + path + " --entrypoint /bin/probe " + In("raise 9")).rc,
              137);
  }
}

TEST_P(PodmanTest, InitForwardsPodmanStopLikeCatatonit) {
  for (const Init& init : kInits) {
    SCOPED_TRACE(init.name);
    std::string flags = "--init --init-path " +
                        std::string(init.hardinit ? InitPath() : kCatatonit) +
                        " --entrypoint /bin/probe ";
    Result trapped = Start(flags + In("wait-signals 1 exit 3"));
    ASSERT_EQ(trapped.rc, 0) << trapped;
    Result untrapped = Start(flags + In("status sleep 1000"));
    ASSERT_EQ(untrapped.rc, 0) << untrapped;
    ASSERT_TRUE(Contains(WaitForLog(trapped.out, "ready=1").out, "ready=1"));
    ASSERT_TRUE(Contains(WaitForLog(untrapped.out, "pid=").out, "pid="));
    Result stop;
    EXPECT_LT(TimedStop(trapped.out, 10, &stop), 5.0) << stop;
    EXPECT_LT(TimedStop(untrapped.out, 10, &stop), 5.0) << stop;
    EXPECT_EQ(ExitCode(trapped.out), "3") << Engine("logs " + trapped.out);
    EXPECT_EQ(ExitCode(untrapped.out), "143") << Engine("logs " + untrapped.out);
  }
}

TEST_P(PodmanTest, InitReapsOrphansLikeCatatonit) {
  for (const Init& init : kInits) {
    SCOPED_TRACE(init.name);
    Result r = Run("--init --init-path " + std::string(init.hardinit ? InitPath() : kCatatonit) +
                   " --entrypoint /bin/probe " + In("orphans 20 await-no-zombies"));
    ASSERT_EQ(r.rc, 0) << r;
    EXPECT_EQ(Get(ParseReport(r.out), "zombies"), "0") << r;
  }
}

// Podman runs the init as /run/podman-init, a tini name for hardinit (design.md §3.7), as
// Docker's docker-init is: with no HARDINIT_* variable, hardinit changes nothing about the
// program, exactly as catatonit (the control) does: no no_new_privs, Podman's filter alone,
// Podman's capabilities. The opt-in is InitTakesHardinitUserFromTheEnvironment below.
TEST_P(PodmanTest, InitConfinesNothingUnlessAskedAsCatatonit) {
  std::string caps[2];
  for (const Init& init : kInits) {
    SCOPED_TRACE(init.name);
    Result r = Run("--init --init-path " + std::string(init.hardinit ? InitPath() : kCatatonit) +
                   " --entrypoint /bin/probe " + In("status"));
    ASSERT_EQ(r.rc, 0) << r;
    Report p = ParseReport(r.out);
    EXPECT_EQ(Get(p, "Uid"), "0 0 0 0") << r;
    EXPECT_EQ(Get(p, "NoNewPrivs"), "0") << r;
    EXPECT_EQ(Get(p, "Seccomp_filters"), "1") << r;
    EXPECT_NE(Get(p, "CapEff"), kNoCaps) << r;
    caps[init.hardinit ? 1 : 0] = Get(p, "CapEff");
  }
  EXPECT_EQ(caps[0], caps[1]) << "the program's capabilities differ between catatonit and hardinit";
}

// `--init` passes no flags to the init, so the environment is how a container asks hardinit
// for a user switch there. catatonit ignores HARDINIT_USER (the control).
TEST_P(PodmanTest, InitTakesHardinitUserFromTheEnvironment) {
  for (const Init& init : kInits) {
    SCOPED_TRACE(init.name);
    Result r =
        Run("--init --init-path " + std::string(init.hardinit ? InitPath() : kCatatonit) +
            " -e HARDINIT_USER=app " + kSwitchingCaps + " --entrypoint /bin/probe " + In("status"));
    ASSERT_EQ(r.rc, 0) << r;
    Report p = ParseReport(r.out);
    if (init.hardinit) {
      EXPECT_TRUE(HasAppIdentity(p)) << r;
      EXPECT_TRUE(HasExactlyCaps(p, kNoCaps)) << r;
      EXPECT_EQ(Get(p, "securebits"), kLockedSecurebits) << r;
      EXPECT_TRUE(IsSandboxed(p, 1)) << r;
    } else {
      EXPECT_EQ(Get(p, "Uid"), "0 0 0 0") << r;
      EXPECT_EQ(Get(p, "NoNewPrivs"), "0") << r;
    }
  }
}

// Issue 12 §2.3 (the tini-personality branch): under the tini name the HARDINIT_* variables
// opt in to the same confinement; with none set it stays exactly tini (the control).
TEST_P(PodmanTest, TiniNameConfinesOnlyWhenHardinitVariablesOptIn) {
  Result plain =
      Run(std::string(kSwitchingCaps) + " --entrypoint /bin/tini " + In("-- probe status"));
  ASSERT_EQ(plain.rc, 0) << plain;
  Report p = ParseReport(plain.out);
  EXPECT_EQ(Get(p, "Uid"), "0 0 0 0") << plain;
  EXPECT_EQ(Get(p, "NoNewPrivs"), "0") << plain;
  EXPECT_EQ(Get(p, "Seccomp_filters"), "1") << plain;

  Result opted = Run(std::string(kSwitchingCaps) + " -e HARDINIT_USER=app " +
                     "-e HARDINIT_CAP_KEEP=NET_BIND_SERVICE --entrypoint /bin/tini " +
                     In("-- probe status try bind:80"));
  ASSERT_EQ(opted.rc, 0) << opted;
  Report o = ParseReport(opted.out);
  EXPECT_TRUE(HasAppIdentity(o)) << opted;
  EXPECT_TRUE(HasExactlyCaps(o, kNetBindService)) << opted;
  EXPECT_EQ(Get(o, "securebits"), kLockedSecurebits) << opted;
  EXPECT_TRUE(IsSandboxed(o, 1)) << opted;
  EXPECT_EQ(Get(o, "bind:80"), "OK") << opted;
}

// A file learned with --seccomp-learn is the whole container's profile (design.md §3.12):
// `podman run --security-opt seccomp=FILE` with hardinit as the entrypoint and its own filter
// off starts (runc's or crun's calls after installing it, hardinit's start, PID 1), the probe
// runs as app, and calls the learning run never made fail with the profile's EPERM, from the
// probe's own point of view. Controls: under seccomp=unconfined the same calls work
// (unshare-user, personality; mount fails for want of CAP_SYS_ADMIN either way), and the file
// without signalfd4, which only hardinit calls, stops hardinit with 125.
TEST_P(PodmanTest, ALearnedProfileLoadsAsTheWholeContainersProfile) {
  char dir_template[] = "/tmp/hardinit-eng-learn-XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  const std::string dir = dir_template;
  // Sticky and world-writable: the learner renames as the program's uid, and the rootless
  // user reads the file from here.
  ASSERT_EQ(chmod(dir.c_str(), 01777), 0);
  const std::string file = dir + "/probe.json";
  Result learn = Shell("unshare -fp --mount-proc " + Quote(HARDINIT_BINARY) +
                       " --user 1000 --cap-keep NET_BIND_SERVICE --seccomp-learn " + Quote(file) +
                       " -- " + Quote(HARDINIT_PROBE) + " status try getppid");
  ASSERT_EQ(learn.rc, 0) << learn;
  const std::string command =
      " -e HARDINIT_SECCOMP=unconfined " +
      In("--user app --cap-keep NET_BIND_SERVICE -- probe status try getppid try unshare-user "
         "try personality try mount");

  Result r = Run(std::string(kSwitchingCaps) + " --security-opt seccomp=" + file + command);
  ASSERT_EQ(r.rc, 0) << r;
  Report p = ParseReport(r.out);
  EXPECT_TRUE(HasAppIdentity(p)) << r;
  EXPECT_EQ(Get(p, "Seccomp_filters"), "1") << "the learned profile, installed by Podman" << r;
  EXPECT_EQ(Get(p, "getppid"), "OK") << r;
  EXPECT_EQ(Get(p, "unshare-user"), "EPERM") << r;
  EXPECT_EQ(Get(p, "personality"), "EPERM") << r;
  EXPECT_EQ(Get(p, "mount"), "EPERM") << r;

  Result control =
      Run(std::string(kSwitchingCaps) + " --security-opt seccomp=unconfined" + command);
  ASSERT_EQ(control.rc, 0) << control;
  Report c = ParseReport(control.out);
  EXPECT_EQ(Get(c, "Seccomp_filters"), "0") << control;
  EXPECT_EQ(Get(c, "unshare-user"), "OK") << control;
  EXPECT_EQ(Get(c, "personality"), "OK") << control;

  const std::string cut = dir + "/without-signalfd4.json";
  Result strip = Shell("grep -v '^        \"signalfd4\",$' " + Quote(file) + " >" + Quote(cut) +
                       " && chmod 644 " + Quote(cut) + " && ! grep -q signalfd4 " + Quote(cut));
  ASSERT_EQ(strip.rc, 0) << strip;
  Result broken = Run(std::string(kSwitchingCaps) + " --security-opt seccomp=" + cut + command);
  EXPECT_EQ(broken.rc, 125) << broken;
  EXPECT_TRUE(Contains(broken.out, "hardinit: signalfd: Operation not permitted")) << broken;

  // And without one the runtime alone makes after installing the profile, the runtime stops
  // before hardinit runs: runc checks its working directory (getcwd), crun waits for `crun
  // start` (pselect6).
  const std::string runtime_call = engine_ == "crun" ? "pselect6" : "getcwd";
  const std::string no_runtime_call = dir + "/without-" + runtime_call + ".json";
  strip = Shell("grep -v '^        \"" + runtime_call + "\",$' " + Quote(file) + " >" +
                Quote(no_runtime_call) + " && chmod 644 " + Quote(no_runtime_call) +
                " && ! grep -q '\"" + runtime_call + "\"' " + Quote(no_runtime_call));
  ASSERT_EQ(strip.rc, 0) << strip;
  Result runtime =
      Run(std::string(kSwitchingCaps) + " --security-opt seccomp=" + no_runtime_call + command);
  EXPECT_NE(runtime.rc, 0) << runtime;
  EXPECT_FALSE(Contains(runtime.out, "Uid=")) << "the probe ran" << runtime;
  if (engine_ != "crun") {
    EXPECT_TRUE(Contains(runtime.out, "failed to verify if current working directory is safe"))
        << runtime;
  }
  Shell("rm -rf " + Quote(dir));
}

INSTANTIATE_TEST_SUITE_P(Podman, PodmanTest, testing::Values("podman"));
INSTANTIATE_TEST_SUITE_P(Crun, PodmanTest, testing::Values("crun"));
INSTANTIATE_TEST_SUITE_P(Rootless, PodmanTest, testing::Values("rootless"));

// ---------------------------------------------------------------------------------------
// Which runtime each Podman really ran: the OCI runtime's own trace in the process tree is
// gone by the time the program runs, so this asks Podman what it used.

class PodmanOnly : public EngineTest {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(UseEngine("podman")); }
};

TEST_F(PodmanOnly, RunsRuncAndCrunRunsCrun) {
  Result c = Start(In("-- probe sleep 1000"));
  ASSERT_EQ(c.rc, 0) << c;
  EXPECT_EQ(Inspect(c.out, "{{.OCIRuntime}}"), "runc");
  EngineState& crun = BringUp("crun");
  ASSERT_EQ(crun.error, "");
  if (!crun.skip.empty()) GTEST_SKIP() << crun.skip;
  Result d = Shell(crun.command + " run -d " + In("-- probe sleep 1000"));
  ASSERT_EQ(d.rc, 0) << d;
  std::string id = Trim(d.out);
  Result runtime = Shell(crun.command + " inspect -f '{{.OCIRuntime}}' " + id);
  Shell(crun.command + " rm -f -t 0 " + id);
  EXPECT_EQ(Trim(runtime.out), "crun") << runtime;
}

// ---------------------------------------------------------------------------------------
// Rootless only: container root is the unprivileged host user, and --userns=keep-id.

class RootlessOnly : public EngineTest {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(UseEngine("rootless")); }
  std::string HostUid() { return Trim(Shell("id -u hardinit-rootless").out); }
};

// Container root is mapped: uid 0 inside is the user outside, and the app user is one of its
// subordinate ids. The switch to app still gives exactly what it gives under a real root.
TEST_F(RootlessOnly, ContainerRootIsTheUnprivilegedUserAndAppASubordinateId) {
  Result r = Run(std::string(kSwitchingCaps) + " " +
                 In("--user app -- sh -c 'cat /proc/self/uid_map; exec probe status'"));
  ASSERT_EQ(r.rc, 0) << r;
  std::regex first("^\\s*0\\s+" + HostUid() + "\\s+1\\s*$");
  std::istringstream lines(r.out);
  std::string line;
  std::getline(lines, line);
  EXPECT_TRUE(std::regex_match(line, first)) << line << r;
  std::getline(lines, line);
  EXPECT_TRUE(std::regex_match(line, std::regex("^\\s*1\\s+3000000\\s+65536\\s*$"))) << line << r;
  Report p = ParseReport(r.out);
  EXPECT_TRUE(HasAppIdentity(p)) << r;
  EXPECT_TRUE(HasExactlyCaps(p, kNoCaps)) << r;
  EXPECT_EQ(Get(p, "securebits"), kLockedSecurebits) << r;
  EXPECT_TRUE(IsSandboxed(p, 1)) << r;
}

// --userns=keep-id: the container runs as the host user's own uid, so hardinit starts
// non-root (way 2): it sandboxes and supervises, and refuses to switch.
TEST_F(RootlessOnly, KeepIdIsWay2) {
  const std::string uid = HostUid();
  Result r = Run("--userns=keep-id " + In("-- probe status status-of 1"));
  ASSERT_EQ(r.rc, 0) << r;
  Report p = ParseReport(r.out);
  const std::string ids = uid + " " + uid + " " + uid + " " + uid;
  EXPECT_EQ(Get(p, "Uid"), ids) << r;
  EXPECT_EQ(Get(p, "of1_Uid"), ids) << "PID 1 is hardinit as the same uid" << r;
  EXPECT_EQ(Get(p, "ppid"), "1") << r;
  // Way 2 holds no capability to use; the bounding set stays as Podman gave it (shrinking it
  // needs SETPCAP), which no_new_privs makes harmless.
  for (const char* set : {"CapInh", "CapPrm", "CapEff", "CapAmb"}) {
    EXPECT_EQ(Get(p, set), kNoCaps) << set << r;
  }
  EXPECT_TRUE(IsSandboxed(p, 1)) << r;

  Result sw = Run("--userns=keep-id " + In("--user app -- probe status"));
  EXPECT_EQ(sw.rc, 125) << sw;
  EXPECT_TRUE(Contains(sw.out, "must start as root")) << sw;
  EXPECT_FALSE(Contains(sw.out, "Uid=")) << sw;
}

// Negative control for keep-id: without hardinit the program has no_new_privs unset and only
// Podman's filter.
TEST_F(RootlessOnly, KeepIdWithoutHardinitIsNotSandboxed) {
  Result r = Run("--userns=keep-id --entrypoint /bin/probe " + In("status"));
  ASSERT_EQ(r.rc, 0) << r;
  Report p = ParseReport(r.out);
  EXPECT_EQ(Get(p, "NoNewPrivs"), "0") << r;
  EXPECT_EQ(Get(p, "Seccomp_filters"), "1") << r;
}

// ---------------------------------------------------------------------------------------
// containerd through ctr: import (the fixture), run with hardinit as the program, stop with
// `ctr task kill`, exit codes as in Docker.

// ctr 1.6 has no "--cap-drop ALL": drop every capability of containerd's default set but the
// three hardinit needs to switch users and the one the program keeps, which is what
// Kubernetes' `drop: [ALL]` with `add: [...]` gives (the CRI computes the same list).
constexpr char kCtrSwitchingCaps[] =
    "--cap-drop CAP_CHOWN --cap-drop CAP_DAC_OVERRIDE --cap-drop CAP_FSETID "
    "--cap-drop CAP_FOWNER --cap-drop CAP_MKNOD --cap-drop CAP_NET_RAW --cap-drop CAP_SETFCAP "
    "--cap-drop CAP_SYS_CHROOT --cap-drop CAP_KILL --cap-drop CAP_AUDIT_WRITE";
// SETGID, SETUID, SETPCAP, NET_BIND_SERVICE.
constexpr char kCtrSwitchingMask[] = "00000000000005c0";

class Containerd : public EngineTest {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(UseEngine("containerd")); }
  void TearDown() override {
    for (const std::string& id : ids_) {
      Engine("tasks kill -s SIGKILL " + id);
      Engine("tasks delete -f " + id);
      Engine("containers delete " + id);
    }
  }

  std::string NewId() {
    ids_.push_back("hardinit-test-" + std::to_string(getpid()) + "-" + std::to_string(ids_.size()));
    return ids_.back();
  }

  // ctr run --rm [FLAGS] IMAGE ID ARGS...: ARGS replace the image's process entirely, so the
  // cases name /hardinit themselves, as an ENTRYPOINT would.
  Result CtrRun(const std::string& flags, const std::string& args) {
    return Engine("run --rm " + flags + " " + kImage + " " + NewId() + " " + args);
  }

  // Starts ctr run in the background, waits for `marker` in its output, sends SIGTERM with
  // `ctr task kill` (what a stop does first), and returns ctr's exit code and the output.
  Result RunAndStop(const std::string& flags, const std::string& args, const std::string& marker,
                    double* seconds) {
    const std::string id = NewId();
    const std::string log = std::string(HARDINIT_ENG_STATE) + "/containerd/" + id + ".log";
    const std::string script = cmd_ + " run --rm " + flags + " " + kImage + " " + id + " " + args +
                               " >" + Quote(log) +
                               " 2>&1 & ctr_pid=$!\n"
                               "for i in $(seq 200); do grep -q " +
                               Quote(marker) + " " + Quote(log) +
                               " && break; sleep 0.1; done\n"
                               "date +%s.%N\n" +
                               cmd_ + " tasks kill -s SIGTERM " + id +
                               "\n"
                               "wait $ctr_pid; rc=$?; date +%s.%N; cat " +
                               Quote(log) + "; rm -f " + Quote(log) + "; exit $rc";
    Result r = Shell(script);
    std::istringstream in(r.out);
    double before = 0, after = 0;
    in >> before >> after;
    *seconds = after - before;
    return r;
  }

  std::vector<std::string> ids_;
};

TEST_F(Containerd, Way1SwitchesToAppWithOnlyTheKeptCapability) {
  Result r =
      CtrRun(std::string(kCtrSwitchingCaps) + " --seccomp",
             "/hardinit --user app --cap-keep NET_BIND_SERVICE -- probe " + std::string(kChecks));
  ASSERT_EQ(r.rc, 0) << r;
  Report p = ParseReport(r.out);
  EXPECT_TRUE(HasAppIdentity(p)) << r;
  EXPECT_TRUE(HasExactlyCaps(p, kNetBindService)) << r;
  EXPECT_EQ(Get(p, "securebits"), kLockedSecurebits) << r;
  EXPECT_TRUE(IsSandboxed(p, 1)) << "containerd's default filter plus hardinit's" << r;
  EXPECT_EQ(Get(p, "ppid"), "1") << r;
  EXPECT_EQ(Get(p, "setuid0"), "EPERM") << r;
  EXPECT_EQ(Get(p, "capset-raise"), "EPERM") << r;
  EXPECT_EQ(Get(p, "bind:80"), "OK") << r;
}

// Negative control: the same flags without hardinit. Also proves the flags above leave
// exactly the four capabilities, as `drop: [ALL]` plus `add` would.
TEST_F(Containerd, Way1ChecksFailWithoutHardinit) {
  Result r = CtrRun(std::string(kCtrSwitchingCaps) + " --seccomp", "probe " + std::string(kChecks));
  ASSERT_EQ(r.rc, 0) << r;
  Report p = ParseReport(r.out);
  EXPECT_EQ(Get(p, "Uid"), "0 0 0 0") << r;
  EXPECT_EQ(Get(p, "CapBnd"), kCtrSwitchingMask) << r;
  EXPECT_EQ(Get(p, "securebits"), "0x0") << r;
  EXPECT_EQ(Get(p, "Seccomp_filters"), "1") << r;
  EXPECT_EQ(Get(p, "setuid0"), "OK") << r;
}

// ctr sets no_new_privs unless told otherwise and loads no filter unless --seccomp: hardinit
// sets the one and loads its own either way (the controls run the probe alone).
TEST_F(Containerd, HardinitSandboxesWhateverCtrLeavesOff) {
  Result r = CtrRun("--allow-new-privs", "/hardinit -- probe status");
  ASSERT_EQ(r.rc, 0) << r;
  EXPECT_TRUE(IsSandboxed(ParseReport(r.out), 0)) << r;
  Result bare = CtrRun("--allow-new-privs", "probe status");
  ASSERT_EQ(bare.rc, 0) << bare;
  Report b = ParseReport(bare.out);
  EXPECT_EQ(Get(b, "NoNewPrivs"), "0") << bare;
  EXPECT_EQ(Get(b, "Seccomp"), "0") << bare;
}

TEST_F(Containerd, TaskKillReachesTheProgramWhichChoosesTheExitCode) {
  double seconds = 0;
  Result r = RunAndStop(kCtrSwitchingCaps, "/hardinit --user app -- probe wait-signals 1 exit 3",
                        "ready=1", &seconds);
  EXPECT_EQ(r.rc, 3) << r;
  EXPECT_TRUE(Contains(r.out, "signal=15")) << r;
  EXPECT_LT(seconds, 5.0) << r;
}

TEST_F(Containerd, TaskKillOfAnUntrappingProgramExitsWith143) {
  double seconds = 0;
  Result r = RunAndStop("", "/hardinit -- probe status sleep 1000", "pid=", &seconds);
  EXPECT_EQ(r.rc, 143) << r;
  EXPECT_LT(seconds, 5.0) << r;
}

TEST_F(Containerd, OrphansAreReaped) {
  Result r = CtrRun("", "/hardinit -- probe orphans 20 await-no-zombies");
  ASSERT_EQ(r.rc, 0) << r;
  EXPECT_EQ(Get(ParseReport(r.out), "zombies"), "0") << r;
  Result control = CtrRun("", "probe orphans 20 sleep 0.5 zombies-of 1");
  ASSERT_EQ(control.rc, 0) << control;
  EXPECT_EQ(Get(ParseReport(control.out), "zombies"), "20")
      << "the probe as PID 1 reaps nothing" << control;
}

TEST_F(Containerd, ExitCodesAreTheProgramsOrHardinits) {
  EXPECT_EQ(CtrRun("", "/hardinit -- probe exit 7").rc, 7);
  EXPECT_EQ(CtrRun("", "/hardinit -- probe raise 9").rc, 128 + 9);
  Result missing = CtrRun("", "/hardinit -- /no/such/program");
  EXPECT_EQ(missing.rc, 127) << missing;
  Result bogus = CtrRun("", "/hardinit --user bogus -- probe status");
  EXPECT_EQ(bogus.rc, 125) << bogus;
  EXPECT_TRUE(Contains(bogus.out, "--user bogus: no such user in /etc/passwd")) << bogus;
}

// ---------------------------------------------------------------------------------------
// Kubernetes without a cluster (docs/kubernetes.md): what a pod does to its containers,
// reproduced with Podman, whose pods have the same shape (an infra container running
// `catatonit -P`, Podman's pause, holding the namespaces the pod shares).

class K8sTest : public EngineTest {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(UseEngine("podman")); }

  // A pod sharing its PID namespace: shareProcessNamespace: true.
  std::string SharedPidPod() {
    std::string name =
        "hardinit-k8s-" + std::to_string(getpid()) + "-" + std::to_string(pods_.size());
    Result r = Engine("pod create --name " + name + " --share pid,ipc,uts");
    EXPECT_EQ(r.rc, 0) << r;
    pods_.push_back(name);
    return name;
  }
};

using K8sSharedPid = K8sTest;

// hardinit is not PID 1: the pause is. It registers as subreaper, so its program's orphans
// come back to it, not to the pause.
TEST_F(K8sSharedPid, HardinitIsNotPid1AndSubreapsItsTree) {
  const std::string pod = SharedPidPod();
  Result r = Run("--pod " + pod + " " + kSwitchingCaps + " " +
                 In("--user app -- sh -c 'tr \"\\0\" \" \" </proc/1/cmdline; echo; "
                    "exec probe status orphan-parent'"));
  ASSERT_EQ(r.rc, 0) << r;
  EXPECT_TRUE(Contains("\n" + r.out, "\n/catatonit -P")) << "PID 1 is the pod's pause" << r;
  Report p = ParseReport(r.out);
  EXPECT_NE(Get(p, "ppid"), "1") << r;
  EXPECT_EQ(Get(p, "orphan_parent"), Get(p, "my_parent")) << "hardinit took the orphan" << r;
  EXPECT_TRUE(HasAppIdentity(p)) << r;
  EXPECT_TRUE(IsSandboxed(p, 1)) << r;
}

// Negative control: without hardinit the orphan goes to the pause.
TEST_F(K8sSharedPid, WithoutHardinitOrphansGoToThePause) {
  const std::string pod = SharedPidPod();
  Result r = Run("--pod " + pod + " --entrypoint /bin/probe " + In("orphan-parent"));
  ASSERT_EQ(r.rc, 0) << r;
  EXPECT_EQ(Get(ParseReport(r.out), "orphan_parent"), "1") << r;
}

// When the program exits, hardinit stops what the program left behind, and only that: a
// sibling container's process of the same uid in the shared namespace lives on (kill(-1)
// would have hit it).
TEST_F(K8sSharedPid, StopsOnlyItsOwnDescendants) {
  const std::string pod = SharedPidPod();
  Result sibling =
      Start("--pod " + pod + " --user 1000 --entrypoint /bin/probe " + In("status sleep 1000"));
  ASSERT_EQ(sibling.rc, 0) << sibling;
  ASSERT_TRUE(Contains(WaitForLog(sibling.out, "pid=").out, "pid="));
  auto t0 = std::chrono::steady_clock::now();
  Result r = Run("--pod " + pod + " --user 1000 " +
                 In("--grace 10 -- sh -c 'sleep 1000 & echo left $!; exit 4'"));
  double seconds = SecondsSince(t0);
  EXPECT_EQ(r.rc, 4) << r;
  EXPECT_LT(seconds, 8.0) << "the orphan took SIGTERM; nothing waited out the grace" << r;
  EXPECT_TRUE(IsRunning(sibling.out)) << Engine("logs " + sibling.out);

  // Negative control: the sibling is within reach of the same uid's kill(-1, SIGTERM).
  Result all =
      Run("--pod " + pod + " --user 1000 --entrypoint /bin/sh " + In("-c 'kill -TERM -1'"));
  EXPECT_EQ(all.rc, 0) << all;
  bool running = true;
  for (int i = 0; i < 50 && running; ++i) {
    running = IsRunning(sibling.out);
    if (running) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_FALSE(running) << Engine("logs " + sibling.out);
}

// Deleting a pod: the kubelet stops each app container with the grace period (SIGTERM to its
// PID 1, SIGKILL when it runs out), and the sandbox (the pause) only after them. The
// program, under hardinit in the shared namespace, gets the SIGTERM and its own exit code
// stands. (`podman pod stop` does not keep that order: it can stop the pause first, and
// when PID 1 of a PID namespace dies the kernel SIGKILLs everything in it, so the same
// container then ends with 137. That is Podman's race, not a kubelet's.)
TEST_F(K8sSharedPid, KubeletStopReachesTheProgram) {
  const std::string pod = SharedPidPod();
  Result c = Start("--pod " + pod + " " + In("-- probe wait-signals 1 exit 3"));
  ASSERT_EQ(c.rc, 0) << c;
  ASSERT_TRUE(Contains(WaitForLog(c.out, "ready=1").out, "ready=1"));
  Result stop;
  double seconds = TimedStop(c.out, 10, &stop);
  ASSERT_EQ(stop.rc, 0) << stop;
  EXPECT_LT(seconds, 5.0) << stop;
  EXPECT_EQ(ExitCode(c.out), "3") << Engine("logs " + c.out);
  EXPECT_TRUE(Contains(Engine("logs " + c.out).out, "signal=15"));
  Result sandbox = Engine("pod stop -t 10 " + pod);
  EXPECT_EQ(sandbox.rc, 0) << sandbox;
}

// securityContext, field by field, as the engine flags a kubelet turns them into:
// runAsUser 1000 → --user 1000; capabilities.drop [ALL] → --cap-drop all;
// allowPrivilegeEscalation false → no-new-privileges; readOnlyRootFilesystem → --read-only;
// seccompProfile RuntimeDefault → the runtime's default profile.
using K8sSecurityContext = K8sTest;

std::string RestrictedFlags(const std::string& seccomp) {
  return "--user 1000 --cap-drop all --security-opt no-new-privileges --read-only "
         "--security-opt seccomp=" +
         seccomp + " ";
}

TEST_F(K8sSecurityContext, RestrictedProfileWithHardinit) {
  Result r =
      Run(RestrictedFlags(kPodmanDefaultSeccomp) +
          In("-- sh -c 'echo x >/written || echo read-only; exec probe status try setuid0'"));
  ASSERT_EQ(r.rc, 0) << r;
  EXPECT_TRUE(Contains(r.out, "read-only")) << r;
  Report p = ParseReport(r.out);
  EXPECT_EQ(Get(p, "Uid"), "1000 1000 1000 1000") << r;
  EXPECT_TRUE(HasExactlyCaps(p, kNoCaps)) << r;
  EXPECT_TRUE(IsSandboxed(p, 1)) << "RuntimeDefault with hardinit's filter stacked on it" << r;
  EXPECT_EQ(Get(p, "setuid0"), "EPERM") << r;
}

// Negative controls: without hardinit the engine alone sets no_new_privs (that is what
// allowPrivilegeEscalation: false means) and loads one filter; Unconfined leaves hardinit's
// filter alone in place, and nothing at all without hardinit.
TEST_F(K8sSecurityContext, WhatTheEngineAloneGives) {
  Result bare =
      Run(RestrictedFlags(kPodmanDefaultSeccomp) + "--entrypoint /bin/probe " + In("status"));
  ASSERT_EQ(bare.rc, 0) << bare;
  Report b = ParseReport(bare.out);
  EXPECT_EQ(Get(b, "NoNewPrivs"), "1") << bare;
  EXPECT_EQ(Get(b, "Seccomp_filters"), "1") << bare;

  Result unconfined = Run(RestrictedFlags("unconfined") + In("-- probe status"));
  ASSERT_EQ(unconfined.rc, 0) << unconfined;
  EXPECT_TRUE(IsSandboxed(ParseReport(unconfined.out), 0)) << unconfined;

  Result neither = Run(RestrictedFlags("unconfined") + "--entrypoint /bin/probe " + In("status"));
  ASSERT_EQ(neither.rc, 0) << neither;
  EXPECT_EQ(Get(ParseReport(neither.out), "Seccomp"), "0") << neither;
}

// terminationGracePeriodSeconds is the engine's stop timeout: SIGTERM, then SIGKILL when it
// runs out. With --grace inside it, hardinit's own stop (SIGTERM to what is left, SIGKILL
// after --grace) finishes first and the pod sees the program's exit code.
using K8sGrace = K8sTest;

// The program exits 3 on SIGTERM and leaves a child that ignores SIGTERM.
constexpr char kStubbornChild[] =
    "sh -c 'trap \"exit 3\" TERM; (trap \"\" TERM; exec sleep 1000) & echo ready; "
    "sleep 1000 & wait'";

TEST_F(K8sGrace, GraceInsideTheStopTimeoutKeepsTheProgramsExitCode) {
  Result c = Start(In("--grace 1 -- " + std::string(kStubbornChild)));
  ASSERT_EQ(c.rc, 0) << c;
  ASSERT_TRUE(Contains(WaitForLog(c.out, "ready").out, "ready"));
  Result stop;
  double seconds = TimedStop(c.out, 10, &stop);
  ASSERT_EQ(stop.rc, 0) << stop;
  EXPECT_EQ(ExitCode(c.out), "3") << "hardinit, not the engine, ended it"
                                  << Engine("logs " + c.out);
  EXPECT_GE(seconds, 1.0) << "the stubborn child had its grace period" << stop;
}

// Negative control: --grace longer than the stop timeout; the engine's SIGKILL ends the
// container and the program's own exit code is lost.
TEST_F(K8sGrace, GraceBeyondTheStopTimeoutIsCutByTheEngine) {
  Result c = Start(In("--grace 30 -- " + std::string(kStubbornChild)));
  ASSERT_EQ(c.rc, 0) << c;
  ASSERT_TRUE(Contains(WaitForLog(c.out, "ready").out, "ready"));
  Result stop;
  double seconds = TimedStop(c.out, 2, &stop);
  EXPECT_EQ(ExitCode(c.out), "137") << stop << Engine("logs " + c.out);
  EXPECT_GE(seconds, 2.0) << stop;
}

// Every pod manifest in docs/kubernetes.md: parsed as YAML (kubectl --dry-run=client needs an
// API server for discovery even in client mode, so it cannot check offline), then played by
// `podman kube play` with the test image and the probe as the program, and what the program
// reports must match what the manifest asks for.
using K8sManifests = K8sTest;

std::vector<std::string> PodManifests(const std::string& markdown) {
  std::vector<std::string> manifests;
  std::istringstream in(markdown);
  std::string line, block;
  bool inside = false;
  while (std::getline(in, line)) {
    if (!inside && line == "```yaml") {
      inside = true;
      block.clear();
    } else if (inside && line == "```") {
      inside = false;
      if (Contains(block, "kind: Pod\n")) manifests.push_back(block);
    } else if (inside) {
      block += line + "\n";
    }
  }
  return manifests;
}

TEST_F(K8sManifests, EveryPodManifestParsesPlaysAndConfines) {
  std::ifstream doc(std::string(HARDINIT_SOURCE_DIR) + "/docs/kubernetes.md");
  ASSERT_TRUE(doc) << "docs/kubernetes.md";
  std::stringstream text;
  text << doc.rdbuf();
  const std::vector<std::string> manifests = PodManifests(text.str());
  ASSERT_GE(manifests.size(), 3u) << "a manifest per way of starting";
  const std::string dir = std::string(HARDINIT_ENG_STATE) + "/podman/manifests";
  ASSERT_EQ(Shell("mkdir -p " + Quote(dir)).rc, 0);
  for (size_t i = 0; i < manifests.size(); ++i) {
    SCOPED_TRACE("manifest " + std::to_string(i + 1) + " of docs/kubernetes.md:\n" + manifests[i]);
    const std::string& m = manifests[i];
    // The manifests name a user's image and server; the test runs its own in their place.
    std::string played =
        std::regex_replace(m, std::regex("image: .*"), std::string("image: ") + kImage);
    played = std::regex_replace(
        played, std::regex("args: \\[.*\\]"),
        "args: [\"probe\", \"status\", \"try\", \"setuid0\", \"try\", \"bind:80\"]");
    ASSERT_NE(played, m);
    const std::string file = dir + "/pod" + std::to_string(i) + ".yaml";
    {
      std::ofstream out(file);
      out << played;
    }
    Result parse = Shell(
        "python3 -c 'import sys, yaml\n"
        "d = yaml.safe_load(open(sys.argv[1]))\n"
        "assert d[\"apiVersion\"] == \"v1\" and d[\"kind\"] == \"Pod\", d\n"
        "assert d[\"spec\"][\"containers\"][0][\"securityContext\"], d\n"
        "print(\"parsed\", d[\"metadata\"][\"name\"])' " +
        Quote(file));
    ASSERT_EQ(parse.rc, 0) << parse;

    Result play = Engine("kube play " + Quote(file));
    ASSERT_EQ(play.rc, 0) << play;
    // Podman names a pod's container POD-CONTAINER.
    const std::string name =
        Trim(Shell("python3 -c 'import sys, yaml; d = yaml.safe_load(open(sys.argv[1]))\n"
                   "print(d[\"metadata\"][\"name\"] + \" \" + d[\"metadata\"][\"name\"] + \"-\" + "
                   "d[\"spec\"][\"containers\"][0][\"name\"])' " +
                   Quote(file))
                 .out);
    ASSERT_NE(name.find(' '), std::string::npos) << name;
    pods_.push_back(name.substr(0, name.find(' ')));
    const std::string container = name.substr(name.find(' ') + 1);
    std::string status;
    for (int t = 0; t < 200; ++t) {
      status = Inspect(container, "{{.State.Status}}");
      if (status == "exited" || status == "stopped") break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    Result logs = Engine("logs " + container);
    ASSERT_EQ(ExitCode(container), "0") << status << logs;
    Report p = ParseReport(logs.out);
    EXPECT_EQ(Get(p, "Uid"), "1000 1000 1000 1000") << logs;
    EXPECT_TRUE(IsSandboxed(p, 1)) << logs;
    EXPECT_EQ(Get(p, "setuid0"), "EPERM") << logs;
    const bool keeps_port = Contains(m, "NET_BIND_SERVICE\"");
    EXPECT_TRUE(HasExactlyCaps(p, keeps_port ? kNetBindService : kNoCaps)) << logs;
    if (keeps_port) {
      EXPECT_EQ(Get(p, "bind:80"), "OK") << logs;
    }
    if (Contains(m, "shareProcessNamespace: true")) {
      EXPECT_NE(Get(p, "ppid"), "1") << "the pod's pause is PID 1" << logs;
    } else {
      EXPECT_EQ(Get(p, "ppid"), "1") << logs;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  testing::AddGlobalTestEnvironment(new EnginesEnvironment);
  return RUN_ALL_TESTS();
}
