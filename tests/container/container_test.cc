// hardinit in a real Docker engine (design.md §5, issue 7), as users run it: the ENTRYPOINT of
// an image, under the flags they combine it with (--cap-drop ALL, no-new-privileges,
// --read-only, --user), as docker-init behind `docker run --init`, and under the gosu name.
//
// Every case asserts from the program's own point of view: the program is busybox `cat
// /proc/self/status` (or a shell whose children do the checking), so what is asserted is what
// the kernel tells the confined process about itself. Each security case has a negative
// control nearby that runs the same check where it must fail.
//
// The engine and the test image come from fixture.sh (a ctest fixture; see container.cmake).

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <ostream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "../helpers/shell.h"
#include "../helpers/tini_version.h"

namespace {

constexpr char kImage[] = "hardinit-ct:latest";
// Built from docker/Dockerfile under the name docker/README.md tells users to give it.
constexpr char kHardinitImage[] = "hardinit:latest";
constexpr char kNetBindService[] = "0000000000000400";
constexpr char kNoCaps[] = "0000000000000000";
constexpr char kStatus[] = "cat /proc/self/status";
// What hardinit needs to switch users and shrink the bounding set, plus what it keeps.
constexpr char kSwitchingCapsOnly[] =
    "--cap-drop ALL --cap-add SETUID --cap-add SETGID --cap-add SETPCAP "
    "--cap-add NET_BIND_SERVICE";
// Docker (>= 20.10) sets net.ipv4.ip_unprivileged_port_start=0 in every container network
// namespace, so there anyone may bind port 80. The port cases put the kernel default back, so
// that bind(80) needs CAP_NET_BIND_SERVICE again, as on the host network or under Kubernetes,
// and as docker/examples/compose.yaml does.
constexpr char kPrivilegedPorts[] = "--sysctl net.ipv4.ip_unprivileged_port_start=1024";
// Listens on port 80 and talks to itself: "ping" comes back only if bind(80) succeeded. The
// client retries for up to 5 s, since on a loaded machine the listener may take longer than
// any fixed sleep to bind; a listener that failed to bind never answers.
constexpr char kBindPort80[] =
    "sh -c 'nc -l -p 80 & i=0; while [ $i -lt 50 ]; do echo ping | nc 127.0.0.1 80 && break; "
    "i=$((i+1)); sleep 0.1; done; wait $!'";

// ---------------------------------------------------------------------------------------
// Running commands.

using hardinit_test::Quote;
using hardinit_test::Result;
using hardinit_test::Shell;
using hardinit_test::Trim;

std::string FixtureCommand(const std::string& verb) {
  return std::string("env HARDINIT_CT_STATE=") + Quote(HARDINIT_CT_STATE) +
         " HARDINIT_BIN=" + Quote(HARDINIT_BINARY) + " HARDINIT_PROBE=" + Quote(HARDINIT_PROBE) +
         " HARDINIT_SOURCE_DIR=" + Quote(HARDINIT_SOURCE_DIR) + " bash " +
         Quote(HARDINIT_CT_FIXTURE) + " " + verb;
}

// ---------------------------------------------------------------------------------------
// What a process reports about itself in /proc/<pid>/status.

using Status = std::map<std::string, std::string>;

// "Uid:\t1000\t1000\t1000\t1000" becomes {"Uid", "1000 1000 1000 1000"}.
Status ParseStatus(const std::string& text) {
  Status s;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    size_t colon = line.find(':');
    if (colon == std::string::npos || line.find(' ') < colon) continue;
    std::istringstream words(line.substr(colon + 1));
    std::string w, value;
    while (words >> w) value += (value.empty() ? "" : " ") + w;
    s[line.substr(0, colon)] = value;
  }
  return s;
}

std::string Field(const Status& s, const std::string& key) {
  auto it = s.find(key);
  return it == s.end() ? "<missing>" : it->second;
}

// The app user of the test image: uid 1000, primary group 1000, and the two groups that
// list it in /etc/group (audio 29, staff 50). Nothing more, nothing less.
testing::AssertionResult HasAppIdentity(const Status& s) {
  std::istringstream groups_in(Field(s, "Groups"));
  std::set<std::string> groups;
  for (std::string g; groups_in >> g;) groups.insert(g);
  const std::set<std::string> want_groups = {"29", "50", "1000"};
  if (Field(s, "Uid") == "1000 1000 1000 1000" && Field(s, "Gid") == "1000 1000 1000 1000" &&
      groups == want_groups) {
    return testing::AssertionSuccess();
  }
  return testing::AssertionFailure()
         << "want Uid/Gid 1000 x4 and Groups {29 50 1000}; got Uid [" << Field(s, "Uid")
         << "] Gid [" << Field(s, "Gid") << "] Groups [" << Field(s, "Groups") << "]";
}

// All five capability sets equal `hex` (design.md §3.2: bounding = permitted = effective =
// inheritable = allowlist, and ambient too for a non-root target).
testing::AssertionResult HasExactlyCaps(const Status& s, const std::string& hex) {
  std::string got;
  bool ok = true;
  for (const char* set : {"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"}) {
    ok = ok && Field(s, set) == hex;
    got += std::string(" ") + set + "=" + Field(s, set);
  }
  if (ok) return testing::AssertionSuccess();
  return testing::AssertionFailure() << "want every capability set = " << hex << "; got" << got;
}

// ---------------------------------------------------------------------------------------
// The engine, brought up once per test process (a no-op when the ctest fixture did it).

struct Engine {
  std::string docker;       // the docker command line for our private engine
  std::string error;        // why the engine is not usable, or empty
  std::string skip_reason;  // set only under HARDINIT_ALLOW_SKIP=1
};
Engine g_engine;

class EngineEnvironment : public testing::Environment {
 public:
  void SetUp() override {
    Result up = Shell(FixtureCommand("up"));
    if (up.rc != 0) {
      std::ostringstream msg;
      msg << "the container fixture failed; set HARDINIT_ALLOW_SKIP=1 to skip instead" << up;
      g_engine.error = msg.str();
      return;
    }
    started_ = up.out.find("\nstarted\n") != std::string::npos || up.out.rfind("started\n", 0) == 0;
    std::ifstream skip(std::string(HARDINIT_CT_STATE) + "/skip");
    if (skip) {
      std::getline(skip, g_engine.skip_reason);
      std::printf("SKIP: container tests: %s\n", g_engine.skip_reason.c_str());
      return;
    }
    g_engine.docker = Trim(Shell(FixtureCommand("env")).out);
  }
  void TearDown() override {
    if (started_) Shell(FixtureCommand("down"));
  }

 private:
  bool started_ = false;
};

// ---------------------------------------------------------------------------------------

class ContainerTest : public testing::Test {
 protected:
  void SetUp() override {
    // A failure here (not in the Environment) so that it is a test failure, not a skip.
    ASSERT_EQ(g_engine.error, "");
    if (!g_engine.skip_reason.empty()) GTEST_SKIP() << g_engine.skip_reason;
  }
  void TearDown() override {
    for (const std::string& id : started_) Docker("rm -f " + id);
  }

  Result Docker(const std::string& args) { return Shell(g_engine.docker + " " + args); }

  // docker run --rm, no network; `args` = [more flags] IMAGE [CMD...].
  Result Run(const std::string& args) { return Docker("run --rm --network none " + args); }

  // docker run -d; the container is removed at the end of the test.
  Result Start(const std::string& args) {
    Result r = Docker("run -d --network none " + args);
    if (r.rc == 0) {
      r.out = Trim(r.out);
      started_.push_back(r.out);
    }
    return r;
  }

  // Polls `docker logs` until `marker` shows up.
  Result WaitForLog(const std::string& id, const std::string& marker, int seconds = 20) {
    Result r;
    for (int i = 0; i < seconds * 10; ++i) {
      r = Docker("logs " + id);
      if (r.out.find(marker) != std::string::npos) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return r;
  }

  bool IsRunning(const std::string& id) {
    return Trim(Docker("inspect -f '{{.State.Running}}' " + id).out) == "true";
  }

  std::string ExitCode(const std::string& id) {
    return Trim(Docker("inspect -f '{{.State.ExitCode}}' " + id).out);
  }

  std::vector<std::string> started_;
};

std::string In(const std::string& args) { return std::string(kImage) + " " + args; }

// ---------------------------------------------------------------------------------------
// Started as root under Docker's default capabilities.

using DefaultCaps = ContainerTest;

TEST_F(DefaultCaps, UserAppHasExactlyTheAppIdentity) {
  Result r = Run(In("--user app --cap-keep NET_BIND_SERVICE -- " + std::string(kStatus)));
  ASSERT_EQ(r.rc, 0) << r;
  EXPECT_TRUE(HasAppIdentity(ParseStatus(r.out))) << r;
}

TEST_F(DefaultCaps, CapKeepLeavesOnlyNetBindServiceInEverySet) {
  Result r = Run(In("--user app --cap-keep NET_BIND_SERVICE -- " + std::string(kStatus)));
  ASSERT_EQ(r.rc, 0) << r;
  EXPECT_TRUE(HasExactlyCaps(ParseStatus(r.out), kNetBindService)) << r;
}

TEST_F(DefaultCaps, CapKeepNetBindServiceBindsPort80) {
  Result r = Run(std::string(kPrivilegedPorts) + " " +
                 In("--user app --cap-keep NET_BIND_SERVICE -- " + std::string(kBindPort80)));
  EXPECT_EQ(r.rc, 0) << r;
  EXPECT_NE(r.out.find("ping"), std::string::npos) << r;
}

// Negative control for the bind check: the same program without the kept capability.
TEST_F(DefaultCaps, WithoutCapKeepPort80IsRefused) {
  Result r =
      Run(std::string(kPrivilegedPorts) + " " + In("--user app -- " + std::string(kBindPort80)));
  EXPECT_NE(r.rc, 0) << r;
  EXPECT_EQ(r.out.find("ping"), std::string::npos) << r;
  EXPECT_NE(r.out.find("bind"), std::string::npos) << r;
}

// ---------------------------------------------------------------------------------------
// Started as root with only what switching users needs.

using SwitchingCapsOnly = ContainerTest;

TEST_F(SwitchingCapsOnly, UserAppHasExactlyTheAppIdentity) {
  Result r = Run(std::string(kSwitchingCapsOnly) + " " +
                 In("--user app --cap-keep NET_BIND_SERVICE -- " + std::string(kStatus)));
  ASSERT_EQ(r.rc, 0) << r;
  EXPECT_TRUE(HasAppIdentity(ParseStatus(r.out))) << r;
}

TEST_F(SwitchingCapsOnly, CapKeepLeavesOnlyNetBindServiceInEverySet) {
  Result r = Run(std::string(kSwitchingCapsOnly) + " " +
                 In("--user app --cap-keep NET_BIND_SERVICE -- " + std::string(kStatus)));
  ASSERT_EQ(r.rc, 0) << r;
  EXPECT_TRUE(HasExactlyCaps(ParseStatus(r.out), kNetBindService)) << r;
}

TEST_F(SwitchingCapsOnly, CapKeepNetBindServiceBindsPort80) {
  Result r = Run(std::string(kSwitchingCapsOnly) + " " + kPrivilegedPorts + " " +
                 In("--user app --cap-keep NET_BIND_SERVICE -- " + std::string(kBindPort80)));
  EXPECT_EQ(r.rc, 0) << r;
  EXPECT_NE(r.out.find("ping"), std::string::npos) << r;
}

// ---------------------------------------------------------------------------------------
// Already non-root: `--user 1000` plus the hardening flags users combine it with. hardinit is
// init and sandbox, but switches nobody.

using NonRootStart = ContainerTest;

constexpr char kNonRootFlags[] =
    "--user 1000 --cap-drop ALL --security-opt no-new-privileges --read-only";

TEST_F(NonRootStart, HardinitIsPid1AsUid1000AndTheProgramItsChild) {
  Result r = Run(std::string(kNonRootFlags) + " " +
                 In("-- sh -c 'cat /proc/1/status; echo ====; exec cat /proc/self/status'"));
  ASSERT_EQ(r.rc, 0) << r;
  size_t split = r.out.find("====");
  ASSERT_NE(split, std::string::npos) << r;
  Status init = ParseStatus(r.out.substr(0, split));
  Status program = ParseStatus(r.out.substr(split));
  EXPECT_EQ(Field(init, "Name"), "hardinit") << r;
  EXPECT_EQ(Field(init, "Uid"), "1000 1000 1000 1000") << r;
  EXPECT_EQ(Field(program, "PPid"), "1") << r;
  EXPECT_EQ(Field(program, "Uid"), "1000 1000 1000 1000") << r;
}

TEST_F(NonRootStart, SeccompFilterStacksOnDockersUnderNoNewPrivs) {
  Result r = Run(std::string(kNonRootFlags) + " " + In("-- " + std::string(kStatus)));
  ASSERT_EQ(r.rc, 0) << r;
  Status s = ParseStatus(r.out);
  EXPECT_EQ(Field(s, "NoNewPrivs"), "1") << r;
  EXPECT_EQ(Field(s, "Seccomp"), "2") << r;
  EXPECT_EQ(Field(s, "Seccomp_filters"), "2") << "Docker's filter plus hardinit's" << r;
  EXPECT_TRUE(HasExactlyCaps(s, kNoCaps)) << r;
}

// ---------------------------------------------------------------------------------------
// docker stop: the signal reaches the program, which decides the exit code; nothing waits
// for the engine's 10 s SIGKILL.

using DockerStop = ContainerTest;

// Returns how long `docker stop` (default timeout: 10 s, then SIGKILL) took.
double TimedStop(const std::string& id, Result* r) {
  auto t0 = std::chrono::steady_clock::now();
  *r = Shell(g_engine.docker + " stop " + id);
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

TEST_F(DockerStop, TrappedTermExitsWithTheProgramsCode) {
  // `sleep & wait`: a trapped signal interrupts `wait`, but not a foreground command.
  Result c = Start(In("-- sh -c 'trap \"exit 3\" TERM; echo ready; sleep 1000 & wait'"));
  ASSERT_EQ(c.rc, 0) << c;
  Result logs = WaitForLog(c.out, "ready");
  ASSERT_NE(logs.out.find("ready"), std::string::npos) << logs;
  Result stop;
  double seconds = TimedStop(c.out, &stop);
  ASSERT_EQ(stop.rc, 0) << stop;
  EXPECT_LT(seconds, 5.0) << "docker stop waited for the engine's kill timeout" << stop;
  EXPECT_EQ(ExitCode(c.out), "3") << Docker("logs " + c.out);
}

TEST_F(DockerStop, UntrappedTermExitsWith143) {
  Result c = Start(In("-- sh -c 'echo ready; exec sleep 1000'"));
  ASSERT_EQ(c.rc, 0) << c;
  Result logs = WaitForLog(c.out, "ready");
  ASSERT_NE(logs.out.find("ready"), std::string::npos) << logs;
  Result stop;
  double seconds = TimedStop(c.out, &stop);
  ASSERT_EQ(stop.rc, 0) << stop;
  EXPECT_LT(seconds, 5.0) << "docker stop waited for the engine's kill timeout" << stop;
  EXPECT_EQ(ExitCode(c.out), "143") << Docker("logs " + c.out);
}

// ---------------------------------------------------------------------------------------
// Reaping. The zombies are counted with ps inside the container's PID namespace: on cgroup
// v1 an exited task leaves the cgroup, so `docker top` never lists zombies at all.

using Reaping = ContainerTest;

// Twenty orphans that exit 0.2 s later, then a PID 1 or a main program that never waits.
constexpr char kMakeOrphans[] =
    "-c 'for i in $(seq 20); do (sleep 0.2 &); done; echo made; exec sleep 1000'";

int CountZombies(const std::string& ps_output) {
  int zombies = 0;
  std::istringstream in(ps_output);
  std::string pid, stat;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    if (words >> pid >> stat && stat[0] == 'Z') ++zombies;
  }
  return zombies;
}

TEST_F(Reaping, OrphansLeaveNoZombies) {
  Result c = Start(In("-- sh " + std::string(kMakeOrphans)));
  ASSERT_EQ(c.rc, 0) << c;
  ASSERT_NE(WaitForLog(c.out, "made").out.find("made"), std::string::npos);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  Result ps = Docker("exec " + c.out + " ps -o pid,stat,args");
  ASSERT_EQ(ps.rc, 0) << ps;
  EXPECT_EQ(CountZombies(ps.out), 0) << ps;
}

// Negative control: the same orphans under a PID 1 that does not reap.
TEST_F(Reaping, ZombieCountCanFailWithoutHardinit) {
  Result c = Start("--entrypoint /bin/sh " + In(kMakeOrphans));
  ASSERT_EQ(c.rc, 0) << c;
  ASSERT_NE(WaitForLog(c.out, "made").out.find("made"), std::string::npos);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  Result ps = Docker("exec " + c.out + " ps -o pid,stat,args");
  ASSERT_EQ(ps.rc, 0) << ps;
  EXPECT_GT(CountZombies(ps.out), 0) << ps;
}

// ---------------------------------------------------------------------------------------
// docker run --init, with the daemon's --init-path set to hardinit (named docker-init).

using DockerInit = ContainerTest;

TEST_F(DockerInit, Pid1IsHardinitAsDockerInitAndPassesTheExitCode) {
  Result r = Run("--init --entrypoint /bin/sh " +
                 In("-c 'tr \"\\0\" \" \" </proc/1/cmdline; echo; "
                    "cmp /sbin/docker-init /hardinit && echo same-binary; exit 7'"));
  EXPECT_EQ(r.rc, 7) << r;
  EXPECT_EQ(r.out.rfind("/sbin/docker-init -- /bin/sh -c", 0), 0u) << r;
  EXPECT_NE(r.out.find("same-binary"), std::string::npos) << r;
}

TEST_F(DockerInit, DockerInfoParsesTheTiniStyleVersion) {
  Result version = Shell(Quote(std::string(HARDINIT_CT_STATE) + "/docker-init") + " --version");
  ASSERT_EQ(version.rc, 0) << version;
  std::string first_line = version.out.substr(0, version.out.find('\n'));
  auto parsed = hardinit::testing::ParseTiniVersion(first_line);
  ASSERT_TRUE(parsed) << "want `tini version X.Y.Z - git.C` (design.md §1)" << version;
  Result info = Docker("info --format '{{.InitCommit.ID}}'");
  ASSERT_EQ(info.rc, 0) << info;
  EXPECT_EQ(Trim(info.out), parsed->commit) << info;
}

// ---------------------------------------------------------------------------------------
// Exec mode under the gosu name: no supervisor, the program is PID 1 itself.

using GosuName = ContainerTest;

TEST_F(GosuName, ProgramIsPid1WithTheAppIdentityAndNoCaps) {
  Result r = Run("--entrypoint /bin/gosu " + In(std::string("app ") + kStatus));
  ASSERT_EQ(r.rc, 0) << r;
  Status s = ParseStatus(r.out);
  EXPECT_EQ(Field(s, "Pid"), "1") << r;
  EXPECT_TRUE(HasAppIdentity(s)) << r;
  EXPECT_TRUE(HasExactlyCaps(s, kNoCaps)) << r;
  EXPECT_EQ(Field(s, "NoNewPrivs"), "1") << r;
}

TEST_F(GosuName, DockerTopShowsExactlyOneProcess) {
  Result c = Start("--entrypoint /bin/gosu " + In("app sleep 1000"));
  ASSERT_EQ(c.rc, 0) << c;
  Result top;
  for (int i = 0; i < 50; ++i) {
    top = Docker("top " + c.out + " -o pid,uid,args");
    if (top.out.find("sleep 1000") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(top.rc, 0) << top;
  std::istringstream in(top.out);
  std::vector<std::string> rows;
  for (std::string line; std::getline(in, line);) {
    if (!Trim(line).empty() && line.find("PID") == std::string::npos) rows.push_back(line);
  }
  ASSERT_EQ(rows.size(), 1u) << top;
  std::istringstream row(rows[0]);
  std::string pid, uid;
  row >> pid >> uid;
  EXPECT_EQ(uid, "1000") << top;
  EXPECT_NE(rows[0].find("sleep 1000"), std::string::npos) << top;
}

// docker/examples/tini-gosu: an entrypoint script written for tini + gosu, unchanged, with
// both names pointing at hardinit.
TEST_F(GosuName, TiniPlusGosuEntrypointScriptRunsUnchanged) {
  std::string script =
      std::string(HARDINIT_SOURCE_DIR) + "/docker/examples/tini-gosu/docker-entrypoint.sh";
  Result r = Run("-v " + Quote(script) + ":/docker-entrypoint.sh:ro --entrypoint /bin/tini " +
                 In(std::string("-- /docker-entrypoint.sh ") + kStatus));
  ASSERT_EQ(r.rc, 0) << r;
  Status s = ParseStatus(r.out);
  EXPECT_TRUE(HasAppIdentity(s)) << r;
  EXPECT_TRUE(HasExactlyCaps(s, kNoCaps)) << r;
  EXPECT_EQ(Field(s, "NoNewPrivs"), "1") << "gosu itself would leave it 0" << r;
}

// ---------------------------------------------------------------------------------------
// Negative control for the identity and capability checks: the same image and program with a
// plain shell as ENTRYPOINT is root with Docker's default capabilities.

using NegativeControl = ContainerTest;

TEST_F(NegativeControl, PlainShellEntrypointIsRootWithDockersCaps) {
  Result r = Run("--entrypoint /bin/sh " + In(std::string("-c '") + kStatus + "'"));
  ASSERT_EQ(r.rc, 0) << r;
  Status s = ParseStatus(r.out);
  EXPECT_FALSE(HasAppIdentity(s)) << r;
  EXPECT_FALSE(HasExactlyCaps(s, kNetBindService)) << r;
  EXPECT_EQ(Field(s, "Uid"), "0 0 0 0") << r;
  EXPECT_NE(Field(s, "CapEff"), kNoCaps) << r;
  EXPECT_EQ(Field(s, "NoNewPrivs"), "0") << r;
  EXPECT_EQ(Field(s, "Seccomp_filters"), "1") << r;
}

// ---------------------------------------------------------------------------------------
// Landlock (design.md §3.9) under Docker's own seccomp profile and without --read-only: the
// image insists on a read-only root. /home/app belongs to app, so only Landlock refuses.

using Landlock = ContainerTest;

// A writable mount (a volume, here a tmpfs) is read-only to the program too unless listed.
TEST_F(Landlock, ReadOnlyRootFromTheImageAloneWithoutDockersReadOnly) {
  const std::string tries =
      "write /home/app/new write /data/new write /tmp/new tcp-bind 8081 status";
  const std::string data = "--tmpfs /data:mode=1777 ";
  Result r =
      Run(data + In("--user app --fs-ro / --fs-rw /tmp --net-bind 8080 -- /bin/probe " + tries));
  ASSERT_EQ(r.rc, 0) << r;
  EXPECT_NE(r.out.find("write:/home/app/new=EACCES"), std::string::npos) << r;
  EXPECT_NE(r.out.find("write:/data/new=EACCES"), std::string::npos) << r;
  EXPECT_NE(r.out.find("write:/tmp/new=OK"), std::string::npos) << r;
  EXPECT_NE(r.out.find("tcp-bind:8081=EACCES"), std::string::npos) << r;
  // Negative control: the same user and tries without the flags.
  r = Run(data + In("--user app -- /bin/probe " + tries));
  ASSERT_EQ(r.rc, 0) << r;
  EXPECT_NE(r.out.find("write:/home/app/new=OK"), std::string::npos) << r;
  EXPECT_NE(r.out.find("write:/data/new=OK"), std::string::npos) << r;
  EXPECT_NE(r.out.find("tcp-bind:8081=OK"), std::string::npos) << r;
}

// `docker run --init` passes its init no flags: the environment opts the tini name in.
TEST_F(Landlock, DockerInitConfinesOnlyWhenTheEnvironmentAsks) {
  const std::string probe = "--init --entrypoint /bin/probe ";
  Result r = Run(probe + "-e HARDINIT_FS_RO=/ -e HARDINIT_FS_RW=/tmp " +
                 In("write /etc/new write /tmp/new status"));
  ASSERT_EQ(r.rc, 0) << r;
  EXPECT_NE(r.out.find("write:/etc/new=EACCES"), std::string::npos) << r;
  EXPECT_NE(r.out.find("write:/tmp/new=OK"), std::string::npos) << r;
  EXPECT_NE(r.out.find("NoNewPrivs=1"), std::string::npos) << r;
  // Negative control: plain --init changes nothing about the program, as tini.
  r = Run(probe + In("write /etc/new status"));
  ASSERT_EQ(r.rc, 0) << r;
  EXPECT_NE(r.out.find("write:/etc/new=OK"), std::string::npos) << r;
}

// ---------------------------------------------------------------------------------------
// docker/Dockerfile and the examples, built offline: the base image is debootstrapped and
// imported as debian:bookworm-slim; the build stages reach only Debian's archive.

class DockerfileTest : public ContainerTest {
 protected:
  // The classic builder, as fixture.sh uses for docker/Dockerfile (see there why).
  Result Build(const std::string& args) {
    return Shell("env DOCKER_BUILDKIT=0 " + g_engine.docker + " build --network host -q " + args);
  }

  // hardinit:latest from docker/Dockerfile, built exactly as docker/README.md says. Under
  // ctest the container.images fixture has built it already and this is a cache hit.
  void BuildHardinitImage() {
    Result r = Shell(FixtureCommand("images"));
    ASSERT_EQ(r.rc, 0) << r;
  }
};

using Dockerfile = DockerfileTest;

TEST_F(Dockerfile, FinalImageHoldsOnlyHardinitAndItsLicense) {
  ASSERT_NO_FATAL_FAILURE(BuildHardinitImage());
  // Every file of every layer; `tar -i` reads through the concatenated layer archives.
  Result files = Shell(g_engine.docker + " save " + kHardinitImage +
                       " | tar -xOf - --wildcards '*/layer.tar' | tar -ti | sort");
  ASSERT_EQ(files.rc, 0) << files;
  EXPECT_EQ(files.out, "LICENSE\nhardinit\n") << files;
}

TEST_F(Dockerfile, CopyFromIntoAnotherScratchImageRuns) {
  ASSERT_NO_FATAL_FAILURE(BuildHardinitImage());
  std::string dir = std::string(HARDINIT_CT_STATE) + "/copy-from";
  Result mk = Shell("mkdir -p " + Quote(dir) + " && cat >" + Quote(dir + "/Dockerfile") +
                    " <<'EOF'\n"
                    "FROM " +
                    kImage +
                    " AS tools\n"
                    "FROM scratch\n"
                    "COPY --from=" +
                    kHardinitImage +
                    " /hardinit /hardinit\n"
                    "COPY --from=tools /bin/busybox /bin/busybox\n"
                    "ENTRYPOINT [\"/hardinit\"]\n"
                    "EOF");
  ASSERT_EQ(mk.rc, 0) << mk;
  Result build = Build("-t hardinit-ct-copy-from " + Quote(dir));
  ASSERT_EQ(build.rc, 0) << build;
  // The program's exit code through hardinit as PID 1: 5 only if the program really ran.
  Result r = Run("hardinit-ct-copy-from -- /bin/busybox sh -c 'exit 5'");
  EXPECT_EQ(r.rc, 5) << r;
}

// docker/examples/python and node: the recipe as docker/examples/compose.yaml runs it. The
// app answers GET / with its own /proc/self/status.
class Examples : public DockerfileTest {
 protected:
  // The capabilities and options of the services in compose.yaml, without read_only.
  static std::string ComposeSettings() {
    return std::string(
               "--cap-drop ALL --cap-add SETUID --cap-add SETGID --cap-add SETPCAP "
               "--cap-add NET_BIND_SERVICE --security-opt no-new-privileges:true ") +
           kPrivilegedPorts + " ";
  }

  // Builds docker/examples/EXAMPLE as hardinit-example-EXAMPLE.
  void BuildExample(const std::string& example, std::string* image) {
    ASSERT_NO_FATAL_FAILURE(BuildHardinitImage());
    *image = "hardinit-example-" + example;
    Result build = Build("-t " + *image + " " +
                         Quote(std::string(HARDINIT_SOURCE_DIR) + "/docker/examples/" + example));
    ASSERT_EQ(build.rc, 0) << build;
  }

  // Starts `run_args` (flags and image) and runs `client` in it until the service answers.
  void StartAndGet(const std::string& run_args, const std::string& client, std::string* id,
                   Result* get) {
    Result c = Start(run_args);
    ASSERT_EQ(c.rc, 0) << c;
    *id = c.out;
    for (int i = 0; i < 100; ++i) {
      *get = Docker("exec " + c.out + " " + client);
      if (get->rc == 0 || !IsRunning(c.out)) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    ASSERT_EQ(get->rc, 0) << *get << Docker("logs " + c.out) << "\nexit code: " << ExitCode(c.out);
  }

  void ServesAsAppWithOnlyNetBindService(const std::string& example, const std::string& client) {
    std::string image, id;
    Result get;
    ASSERT_NO_FATAL_FAILURE(BuildExample(example, &image));
    // The settings of the service in compose.yaml.
    ASSERT_NO_FATAL_FAILURE(
        StartAndGet("--read-only --tmpfs /tmp " + ComposeSettings() + image, client, &id, &get));
    Status s = ParseStatus(get.out);
    EXPECT_EQ(Field(s, "Uid"), "1000 1000 1000 1000") << get;
    EXPECT_EQ(Field(s, "Gid"), "1000 1000 1000 1000") << get;
    EXPECT_TRUE(HasExactlyCaps(s, kNetBindService)) << get;
    EXPECT_EQ(Field(s, "NoNewPrivs"), "1") << get;
    EXPECT_EQ(Field(s, "Seccomp_filters"), "2") << "Docker's filter plus hardinit's" << get;
  }
};

// The examples' ENTRYPOINT holds --fs-ro / --fs-rw /tmp --net-bind 80 (issue 15): with no
// --read-only given to Docker, the service serves port 80, and its own attempt at start to
// write its code (which belongs to its user) is refused by Landlock. The negative control
// runs the same image without the Landlock flags: then the write goes through.
class LandlockExamples : public Examples {
 protected:
  void ServesWithLandlockAlone(const std::string& example, const std::string& program,
                               const std::string& client) {
    std::string image, id;
    Result get;
    ASSERT_NO_FATAL_FAILURE(BuildExample(example, &image));
    ASSERT_NO_FATAL_FAILURE(StartAndGet(ComposeSettings() + image, client, &id, &get));
    Status s = ParseStatus(get.out);
    EXPECT_EQ(Field(s, "Uid"), "1000 1000 1000 1000") << get;
    EXPECT_TRUE(HasExactlyCaps(s, kNetBindService)) << get;
    Result logs = WaitForLog(id, "own code:");
    EXPECT_NE(logs.out.find("write refused: EACCES"), std::string::npos) << logs;
    EXPECT_EQ(logs.out.find("WRITABLE"), std::string::npos) << logs;
    EXPECT_EQ(Trim(Docker("inspect -f '{{.HostConfig.ReadonlyRootfs}}' " + id).out), "false");

    // Negative control: the same image and settings, the ENTRYPOINT without Landlock.
    Result plain = Start(ComposeSettings() + "--entrypoint /usr/local/bin/hardinit " + image +
                         " --user app --cap-keep NET_BIND_SERVICE -- " + program);
    ASSERT_EQ(plain.rc, 0) << plain;
    logs = WaitForLog(plain.out, "own code:");
    EXPECT_NE(logs.out.find("WRITABLE"), std::string::npos) << logs;
  }
};

// GET / from inside the container, with the example's own runtime.
constexpr char kPythonClient[] =
    "python3 -c 'import urllib.request as u; "
    "print(u.urlopen(\"http://127.0.0.1:80/\").read().decode())'";
constexpr char kNodeClient[] =
    "node -e 'require(\"http\").get(\"http://127.0.0.1:80/\", r => r.pipe(process.stdout))"
    ".on(\"error\", e => { console.error(e.message); process.exit(1); })'";

TEST_F(LandlockExamples, PythonServiceCannotWriteItsOwnCodeWithoutReadOnly) {
  ServesWithLandlockAlone("python", "python3 /srv/app.py", kPythonClient);
}

TEST_F(LandlockExamples, NodeServiceCannotWriteItsOwnCodeWithoutReadOnly) {
  ServesWithLandlockAlone("node", "node /srv/server.js", kNodeClient);
}

TEST_F(Examples, PythonServiceServesPort80AsAppWithOnlyNetBindService) {
  ServesAsAppWithOnlyNetBindService("python", kPythonClient);
}

TEST_F(Examples, NodeServiceServesPort80AsAppWithOnlyNetBindService) {
  ServesAsAppWithOnlyNetBindService("node", kNodeClient);
}

// ---------------------------------------------------------------------------------------
// `hardinit health` as the HEALTHCHECK (design.md §3.11), in the engine that runs it. The
// examples' Dockerfiles keep realistic intervals; the runs here shorten them with
// --health-interval 1s --health-retries 1 (Docker merges these with the image's HEALTHCHECK).

constexpr char kShortHealthChecks[] = "--health-interval 1s --health-retries 1";

class HealthCheck : public Examples {
 protected:
  // Every entry of Docker's health log (it keeps the last five): "EXITCODE OUTPUT".
  std::string HealthLog(const std::string& id) {
    return Docker("inspect -f '{{range .State.Health.Log}}{{.ExitCode}} {{.Output}}{{end}}' " + id)
        .out;
  }

  std::string Status(const std::string& id) {
    return Trim(Docker("inspect -f '{{.State.Health.Status}}' " + id).out);
  }

  std::string WaitFor(const std::string& id, const std::string& want, int seconds = 90) {
    std::string status;
    for (int i = 0; i < seconds * 5; ++i) {
      status = Status(id);
      if (status == want || !IsRunning(id)) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return status;
  }

  // The host pid of the process whose command line starts with `args` (not hardinit's own,
  // whose command line ends with the same words).
  pid_t HostPid(const std::string& id, const std::string& args) {
    Result top = Docker("top " + id + " -o pid,args");
    std::istringstream in(top.out);
    for (std::string line; std::getline(in, line);) {
      std::istringstream row(line);
      std::string pid;
      row >> pid;
      std::string rest;
      std::getline(row, rest);
      if (Trim(rest).rfind(args, 0) == 0) return static_cast<pid_t>(std::atoi(pid.c_str()));
    }
    ADD_FAILURE() << "no process \"" << args << "\" in" << top;
    return -1;
  }

  // Healthy once the service answers; unhealthy, by hardinit's timeout, while the service is
  // stopped (SIGSTOP: the container and hardinit keep running, the kernel still accepts the
  // connection, nobody answers); healthy again after SIGCONT.
  void FollowsTheService(const std::string& example, const std::string& service) {
    std::string image;
    ASSERT_NO_FATAL_FAILURE(BuildExample(example, &image));
    Result c =
        Start("--read-only --tmpfs /tmp " + ComposeSettings() + kShortHealthChecks + " " + image);
    ASSERT_EQ(c.rc, 0) << c;
    ASSERT_EQ(WaitFor(c.out, "healthy"), "healthy") << HealthLog(c.out) << Docker("logs " + c.out);
    EXPECT_NE(HealthLog(c.out).find("0 http://127.0.0.1:80/: 200 OK in "), std::string::npos)
        << HealthLog(c.out);

    const pid_t pid = HostPid(c.out, service);
    ASSERT_GT(pid, 0);
    ASSERT_EQ(kill(pid, SIGSTOP), 0);
    const std::string stopped = WaitFor(c.out, "unhealthy");
    const std::string log = HealthLog(c.out);
    kill(pid, SIGCONT);
    ASSERT_EQ(stopped, "unhealthy") << log;
    EXPECT_NE(log.find("1 http://127.0.0.1:80/: timed out after 3 s waiting for the response"),
              std::string::npos)
        << log;
    EXPECT_TRUE(IsRunning(c.out)) << "the container lives on; only its health changed";

    EXPECT_EQ(WaitFor(c.out, "healthy"), "healthy") << HealthLog(c.out);
  }
};

TEST_F(HealthCheck, PythonExampleTurnsHealthyAndUnhealthyWhenItsServiceStops) {
  FollowsTheService("python", "python3 /srv/app.py");
}

TEST_F(HealthCheck, NodeExampleTurnsHealthyAndUnhealthyWhenItsServiceStops) {
  FollowsTheService("node", "node /srv/server.js");
}

// FROM scratch: no shell, no NSS, no curl; the exec-form HEALTHCHECK still works, and resolves
// the name Docker's --add-host wrote to /etc/hosts. Control: without that entry the same image
// is unhealthy, and the log says the name is not in /etc/hosts.
TEST_F(HealthCheck, ScratchImageResolvesFromEtcHostsWithoutAShell) {
  ASSERT_NO_FATAL_FAILURE(BuildHardinitImage());
  const std::string dir = std::string(HARDINIT_CT_STATE) + "/health-scratch";
  Result mk = Shell("mkdir -p " + Quote(dir) + " && echo hello >" + Quote(dir + "/index.html") +
                    " && cat >" + Quote(dir + "/Dockerfile") +
                    " <<'EOF'\n"
                    "FROM " +
                    kImage +
                    " AS tools\n"
                    "FROM scratch\n"
                    "COPY --from=" +
                    kHardinitImage +
                    " /hardinit /hardinit\n"
                    "COPY --from=tools /bin/busybox /bin/busybox\n"
                    "COPY index.html /www/index.html\n"
                    "HEALTHCHECK --interval=1s --timeout=5s --retries=1 "
                    "CMD [\"/hardinit\", \"health\", \"--timeout\", \"2\", "
                    "\"http://app.internal:8080/\"]\n"
                    "ENTRYPOINT [\"/hardinit\", \"--user\", \"65534:65534\", \"--\"]\n"
                    "CMD [\"/bin/busybox\", \"httpd\", \"-f\", \"-p\", \"8080\", \"-h\", "
                    "\"/www\"]\n"
                    "EOF");
  ASSERT_EQ(mk.rc, 0) << mk;
  Result build = Build("-t hardinit-ct-health-scratch " + Quote(dir));
  ASSERT_EQ(build.rc, 0) << build;

  Result c = Start("--add-host app.internal:127.0.0.1 hardinit-ct-health-scratch");
  ASSERT_EQ(c.rc, 0) << c;
  ASSERT_EQ(WaitFor(c.out, "healthy"), "healthy") << HealthLog(c.out) << Docker("logs " + c.out);
  EXPECT_NE(HealthLog(c.out).find("0 http://app.internal:8080/: 200 OK in "), std::string::npos)
      << HealthLog(c.out);
  Result shell = Docker("exec " + c.out + " /bin/sh -c true");
  EXPECT_NE(shell.rc, 0) << "the image must have no shell for this to prove anything" << shell;

  Result without = Start("hardinit-ct-health-scratch");
  ASSERT_EQ(without.rc, 0) << without;
  EXPECT_EQ(WaitFor(without.out, "unhealthy"), "unhealthy") << HealthLog(without.out);
  EXPECT_NE(
      HealthLog(without.out).find("1 http://app.internal:8080/: app.internal: not in /etc/hosts"),
      std::string::npos)
      << HealthLog(without.out);
}

// docker/examples/*/seccomp.json, learned with --seccomp-learn (scripts/learn-examples.sh,
// docs/seccomp.md), shipped the way the issue promises: `docker run --security-opt
// seccomp=FILE` with hardinit as the entrypoint and no other filter (HARDINIT_SECCOMP=
// unconfined), so the learned file is the whole container's profile: runc's calls after it
// installs it, hardinit's start, PID 1 for its life, the service. The service serves (the
// GET comes from a sibling container in its network namespace, outside the profile: a
// `docker exec` would run under it), and calls it never made, tried from inside a container
// under the same file (without no-new-privileges, where runc installs the profile earliest),
// fail with the profile's EPERM: unshare(CLONE_NEWUSER) and mount() through Python's ctypes;
// Node.js has no binding for either (and spawning unshare(1) needs calls outside its
// profile), so chmod() and setpriority(). Controls: the same tries under Docker's
// seccomp=unconfined work (mount still fails, with the kernel's EPERM for a process without
// capabilities), so the denials were the profile's; the file without signalfd4, which only
// hardinit calls, stops the container with hardinit's 125. Also hardinit's own --seccomp FILE
// with --seccomp-log names the denied calls.
class LearnedExamples : public Examples {
 protected:
  static std::string Profile(const std::string& example) {
    return std::string(HARDINIT_SOURCE_DIR) + "/docker/examples/" + example + "/seccomp.json";
  }
  static std::string UnderDocker(const std::string& profile) {
    return "--tmpfs /tmp --security-opt seccomp=" + Quote(profile) +
           " -e HARDINIT_SECCOMP=unconfined ";
  }
  static std::string WithProfile(const std::string& example) {
    return ComposeSettings() + "--security-opt seccomp=unconfined --tmpfs /tmp -v " +
           Quote(Profile(example)) + ":/etc/hardinit/seccomp.json:ro ";
  }

  struct Tries {
    std::string command;                  // run by hardinit as uid 0 without capabilities
    std::vector<std::string> denied;      // what it prints under the profile
    std::vector<std::string> logged;      // hardinit's lines under --seccomp-log
    std::vector<std::string> unconfined;  // what it prints without a filter
  };

  // GET from a sibling container sharing `id`'s network namespace, Docker's default profile.
  Result GetFromOutside(const std::string& id, const std::string& image,
                        const std::string& client) {
    Result get;
    for (int i = 0; i < 100; ++i) {
      get =
          Docker("run --rm --network container:" + id + " --entrypoint '' " + image + " " + client);
      if (get.rc == 0 || !IsRunning(id)) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return get;
  }

  void ServesUnderItsLearnedProfile(const std::string& example, const std::string& client,
                                    const Tries& tries) {
    std::string image;
    ASSERT_NO_FATAL_FAILURE(BuildExample(example, &image));
    Result c = Start("--read-only " + ComposeSettings() + UnderDocker(Profile(example)) + image);
    ASSERT_EQ(c.rc, 0) << c;
    Result get = GetFromOutside(c.out, image, client);
    ASSERT_EQ(get.rc, 0) << get << Docker("logs " + c.out) << "\nexit code: " << ExitCode(c.out);
    Status s = ParseStatus(get.out);
    EXPECT_EQ(Field(s, "Uid"), "1000 1000 1000 1000") << get;
    EXPECT_EQ(Field(s, "Seccomp"), "2") << get;
    EXPECT_EQ(Field(s, "Seccomp_filters"), "1") << "Docker's learned profile alone" << get;
    EXPECT_TRUE(IsRunning(c.out)) << Docker("logs " + c.out);

    // The calls it never made, under the file as Docker installs it.
    const std::string tried = " --entrypoint /usr/local/bin/hardinit " + image +
                              " --seccomp unconfined --user 0 -- " + tries.command;
    const std::string switching =
        "--cap-drop ALL --cap-add SETUID --cap-add SETGID --cap-add SETPCAP ";
    Result denied = Run(switching + UnderDocker(Profile(example)) + tried);
    for (const std::string& line : tries.denied) {
      EXPECT_NE(denied.out.find(line), std::string::npos) << line << denied;
    }
    Result control = Run(switching + "--tmpfs /tmp --security-opt seccomp=unconfined" + tried);
    for (const std::string& line : tries.unconfined) {
      EXPECT_NE(control.out.find(line), std::string::npos) << line << control;
    }

    // Control: without one of hardinit's own calls the container does not start.
    const std::string cut = std::string(HARDINIT_CT_STATE) + "/" + example + "-no-signalfd4.json";
    Result strip = Shell("grep -v '^        \"signalfd4\",$' " + Quote(Profile(example)) + " >" +
                         Quote(cut) + " && ! grep -q signalfd4 " + Quote(cut));
    ASSERT_EQ(strip.rc, 0) << strip;
    Result broken = Run(ComposeSettings() + UnderDocker(cut) + image);
    EXPECT_EQ(broken.rc, 125) << broken;
    EXPECT_NE(broken.out.find("hardinit: signalfd: Operation not permitted"), std::string::npos)
        << broken;

    // hardinit's own --seccomp FILE --seccomp-log names what the file denies.
    const std::string run = "run --rm --network none " + WithProfile(example) +
                            "--entrypoint /usr/local/bin/hardinit " + image;
    Result logged = Docker(
        run + " --seccomp /etc/hardinit/seccomp.json --seccomp-log --user 0 -- " + tries.command);
    for (const std::string& line : tries.logged) {
      EXPECT_NE(logged.out.find("seccomp profile \"/etc/hardinit/seccomp.json\" denied " + line),
                std::string::npos)
          << line << logged;
    }
  }
};

TEST_F(LearnedExamples, PythonServesUnderItsLearnedProfileThatDeniesUnshareAndMount) {
  const Tries tries{
      "python3 -I -c " +
          Quote("import ctypes; l = ctypes.CDLL(None, use_errno=True); "
                "r = l.unshare(0x10000000); print('unshare', r, ctypes.get_errno(), flush=True); "
                "r = l.mount(b'none', b'/tmp', b'tmpfs', 0, None); "
                "print('mount', r, ctypes.get_errno(), flush=True)"),
      {"unshare -1 1\n", "mount -1 1\n"},
      {"unshare() to python3 (pid ", "mount() to python3 (pid "},
      {"unshare 0 0\n", "mount -1 1\n"}};
  ServesUnderItsLearnedProfile("python", kPythonClient, tries);
}

TEST_F(LearnedExamples, NodeServesUnderItsLearnedProfileThatDeniesChmodAndSetpriority) {
  const Tries tries{
      "node -e " +
          Quote("const fs = require('fs'), os = require('os');"
                "for (const [n, f] of [['chmod', () => fs.chmodSync('/tmp', 0o1777)],"
                "                      ['setpriority', () => os.setPriority(0, 10)]]) {"
                "  try { f(); console.log(n, 'OK'); } catch (e) { console.log(n, e.code); } }"),
      {"chmod EPERM\n", "setpriority ERR_SYSTEM_ERROR\n"},
      {"chmod() to node (pid ", "setpriority() to node (pid "},
      {"chmod OK\n", "setpriority OK\n"}};
  ServesUnderItsLearnedProfile("node", kNodeClient, tries);
}

}  // namespace

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  testing::AddGlobalTestEnvironment(new EngineEnvironment);
  return RUN_ALL_TESTS();
}
