// Landlock (design.md §3.9): the flags and variables, the rights computed for every ABI, the
// decision to fail closed or to warn under best-effort, and the ruleset built on the real
// kernel and enforced in a forked child through RealSys (Landlock needs no privilege).
#include "hardinit/landlock.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "confined_child.h"
#include "hardinit/cli.h"
#include "hardinit/launch.h"
#include "hardinit/sys.h"
#include "helpers/require.h"
#include "temp_dir_test.h"

namespace hardinit {
namespace {

using namespace landlock;

// ---- Parsing ---------------------------------------------------------------------------

TEST(LandlockParse, PathLists) {
  std::vector<std::string> paths;
  std::string err;
  ASSERT_TRUE(ParseLandlockPaths("/usr,/etc,/app", &paths, &err)) << err;
  EXPECT_EQ(paths, (std::vector<std::string>{"/usr", "/etc", "/app"}));
  ASSERT_TRUE(ParseLandlockPaths("", &paths, &err)) << err;
  EXPECT_TRUE(paths.empty()) << "\"\" is the empty list";
  ASSERT_TRUE(ParseLandlockPaths("/", &paths, &err)) << err;
  EXPECT_EQ(paths, std::vector<std::string>{"/"});

  const std::pair<const char*, const char*> bad[] = {
      {"usr", "not an absolute path: \"usr\""},
      {"/usr,etc", "not an absolute path: \"etc\""},
      {"/usr,", "empty path in the list \"/usr,\""},
      {"/a,,/b", "empty path in the list \"/a,,/b\""},
      {",", "empty path in the list \",\""},
  };
  for (const auto& [text, message] : bad) {
    paths = {"untouched"};
    EXPECT_FALSE(ParseLandlockPaths(text, &paths, &err)) << text;
    EXPECT_EQ(err, message) << text;
    EXPECT_EQ(paths, std::vector<std::string>{"untouched"}) << "nothing half-done: " << text;
  }
}

TEST(LandlockParse, PortLists) {
  std::vector<uint16_t> ports;
  std::string err;
  ASSERT_TRUE(ParseLandlockPorts("80,443,0,65535", &ports, &err)) << err;
  EXPECT_EQ(ports, (std::vector<uint16_t>{80, 443, 0, 65535}));
  ASSERT_TRUE(ParseLandlockPorts("", &ports, &err)) << err;
  EXPECT_TRUE(ports.empty());
  for (const char* text :
       {"65536", "-1", "+80", "80,", " 80", "http", "8o", "99999999999999999999", "80,,443"}) {
    EXPECT_FALSE(ParseLandlockPorts(text, &ports, &err)) << text;
    EXPECT_EQ(err.rfind("not a TCP port from 0 to 65535: \"", 0), 0u) << err;
  }
}

struct Parsed {
  bool ok;
  Options options;
  std::string err;
};

Parsed Parse(std::vector<std::string> argv, Environment env = {}) {
  Parsed p;
  p.ok = ParseCommandLine(argv, env, &p.options, &p.err);
  return p;
}

TEST(LandlockCommandLine, Flags) {
  Parsed p = Parse({"hardinit", "--fs-ro", "/", "--fs-rw=/tmp,/data", "--net-bind", "80",
                    "--net-connect", "", "--landlock", "best-effort", "prog"});
  ASSERT_TRUE(p.ok) << p.err;
  const LandlockOptions& l = p.options.landlock;
  ASSERT_TRUE(l.fs_ro && l.fs_rw && l.net_bind && l.net_connect);
  EXPECT_EQ(l.fs_ro->paths, std::vector<std::string>{"/"});
  EXPECT_EQ(l.fs_ro->origin, "--fs-ro");
  EXPECT_EQ(l.fs_rw->paths, (std::vector<std::string>{"/tmp", "/data"}));
  EXPECT_EQ(l.net_bind->ports, std::vector<uint16_t>{80});
  EXPECT_TRUE(l.net_connect->ports.empty()) << "--net-connect \"\": no outgoing TCP at all";
  EXPECT_EQ(l.net_connect->origin, "--net-connect");
  EXPECT_TRUE(l.best_effort);
  EXPECT_EQ(l.abi_cap, -1);
  EXPECT_TRUE(l.requested());
  EXPECT_EQ(p.options.command, std::vector<std::string>{"prog"});

  // Negative control: nothing asked, nothing requested.
  p = Parse({"hardinit", "prog"});
  ASSERT_TRUE(p.ok) << p.err;
  EXPECT_FALSE(p.options.landlock.requested());
  EXPECT_FALSE(p.options.landlock.best_effort);
  // --landlock alone asks for no rule.
  p = Parse({"hardinit", "--landlock", "required", "prog"});
  ASSERT_TRUE(p.ok) << p.err;
  EXPECT_FALSE(p.options.landlock.requested());
}

TEST(LandlockCommandLine, EnvironmentAndFlagsWin) {
  const Environment env = {
      {"HARDINIT_FS_RO", "/usr,/etc"},      {"HARDINIT_FS_RW", "/tmp"},
      {"HARDINIT_NET_BIND", "8080"},        {"HARDINIT_NET_CONNECT", "5432"},
      {"HARDINIT_LANDLOCK", "best-effort"}, {"HARDINIT_LANDLOCK_ABI_CAP", "3"}};
  Parsed p = Parse({"hardinit", "prog"}, env);
  ASSERT_TRUE(p.ok) << p.err;
  const LandlockOptions& l = p.options.landlock;
  EXPECT_EQ(l.fs_ro->paths, (std::vector<std::string>{"/usr", "/etc"}));
  EXPECT_EQ(l.fs_ro->origin, "HARDINIT_FS_RO");
  EXPECT_EQ(l.fs_rw->origin, "HARDINIT_FS_RW");
  EXPECT_EQ(l.net_bind->ports, std::vector<uint16_t>{8080});
  EXPECT_EQ(l.net_bind->origin, "HARDINIT_NET_BIND");
  EXPECT_EQ(l.net_connect->origin, "HARDINIT_NET_CONNECT");
  EXPECT_TRUE(l.best_effort);
  EXPECT_EQ(l.abi_cap, 3);

  p = Parse({"hardinit", "--fs-ro", "/", "--net-bind", "80", "--landlock", "required", "prog"},
            env);
  ASSERT_TRUE(p.ok) << p.err;
  EXPECT_EQ(p.options.landlock.fs_ro->paths, std::vector<std::string>{"/"});
  EXPECT_EQ(p.options.landlock.fs_ro->origin, "--fs-ro");
  EXPECT_EQ(p.options.landlock.net_bind->ports, std::vector<uint16_t>{80});
  EXPECT_EQ(p.options.landlock.fs_rw->origin, "HARDINIT_FS_RW") << "not given as a flag";
  EXPECT_FALSE(p.options.landlock.best_effort);
}

TEST(LandlockCommandLine, BadValuesNameTheFlagOrTheVariable) {
  const struct {
    std::vector<std::string> argv;
    Environment env;
    const char* message;
  } cases[] = {
      {{"hardinit", "--fs-ro", "usr", "p"}, {}, "--fs-ro: not an absolute path: \"usr\""},
      {{"hardinit", "--fs-rw", "/a,", "p"}, {}, "--fs-rw: empty path in the list \"/a,\""},
      {{"hardinit", "--net-bind", "http", "p"},
       {},
       "--net-bind: not a TCP port from 0 to "
       "65535: \"http\""},
      {{"hardinit", "--net-connect", "70000", "p"},
       {},
       "--net-connect: not a TCP port from 0 "
       "to 65535: \"70000\""},
      {{"hardinit", "--landlock", "maybe", "p"},
       {},
       "--landlock: expected required or "
       "best-effort: \"maybe\""},
      {{"hardinit", "--fs-ro", "p"}, {}, "--fs-ro: not an absolute path: \"p\""},
      {{"hardinit", "p"},
       {{"HARDINIT_FS_RW", "tmp"}},
       "HARDINIT_FS_RW: not an absolute path: "
       "\"tmp\""},
      {{"hardinit", "p"},
       {{"HARDINIT_NET_BIND", "80,"}},
       "HARDINIT_NET_BIND: not a TCP port "
       "from 0 to 65535: \"\""},
      {{"hardinit", "p"},
       {{"HARDINIT_LANDLOCK", "yes"}},
       "HARDINIT_LANDLOCK: expected required "
       "or best-effort: \"yes\""},
      {{"hardinit", "p"},
       {{"HARDINIT_LANDLOCK_ABI_CAP", "x"}},
       "HARDINIT_LANDLOCK_ABI_CAP: not "
       "a Landlock ABI from 0 to 99: "
       "\"x\""},
  };
  for (const auto& c : cases) {
    Parsed p = Parse(c.argv, c.env);
    EXPECT_FALSE(p.ok) << c.argv[1];
    EXPECT_EQ(p.err, c.message);
  }
}

TEST(LandlockCommandLine, EveryNameTakesTheVariables) {
  const Environment env = {{"HARDINIT_FS_RO", "/"}, {"HARDINIT_FS_RW", "/tmp"}};
  // gosu and su-exec take no flags of hardinit's: the environment is the way in.
  Parsed p = Parse({"gosu", "app", "prog"}, env);
  ASSERT_TRUE(p.ok) << p.err;
  EXPECT_TRUE(p.options.landlock.requested());
  EXPECT_EQ(p.options.landlock.fs_rw->paths, std::vector<std::string>{"/tmp"});
  // Under tini's name the variables opt in; tini's command line knows no such flag.
  p = Parse({"tini", "--", "prog"}, env);
  ASSERT_TRUE(p.ok) << p.err;
  EXPECT_TRUE(p.options.landlock.requested());
  p = Parse({"tini", "--fs-ro", "/", "prog"});
  EXPECT_FALSE(p.ok);
  EXPECT_EQ(p.err, "unknown option --fs-ro");
  // Negative control: tini without the variables asks for nothing.
  p = Parse({"tini", "--", "prog"});
  ASSERT_TRUE(p.ok) << p.err;
  EXPECT_FALSE(p.options.landlock.requested());
}

// ---- Rights per ABI --------------------------------------------------------------------

LandlockOptions Everything() {
  LandlockOptions o;
  o.fs_ro = LandlockPaths{{"/"}, "--fs-ro"};
  o.fs_rw = LandlockPaths{{"/tmp"}, "--fs-rw"};
  o.net_bind = LandlockPorts{{80}, "--net-bind"};
  o.net_connect = LandlockPorts{{}, "--net-connect"};
  return o;
}

std::vector<std::string> Names(const std::vector<LandlockShortfall>& shortfalls) {
  std::vector<std::string> names;
  for (const LandlockShortfall& s : shortfalls) names.push_back(s.right);
  return names;
}

// The rights' names as the warnings and errors give them.
constexpr char kBaseRules[] = "Landlock filesystem rules (LANDLOCK_ACCESS_FS_*)";
constexpr char kRefer[] = "LANDLOCK_ACCESS_FS_REFER";
constexpr char kTruncate[] = "LANDLOCK_ACCESS_FS_TRUNCATE";
constexpr char kBind[] = "LANDLOCK_ACCESS_NET_BIND_TCP";
constexpr char kConnect[] = "LANDLOCK_ACCESS_NET_CONNECT_TCP";
constexpr char kIoctl[] = "LANDLOCK_ACCESS_FS_IOCTL_DEV";
constexpr char kUnix[] = "LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET";
constexpr char kSignal[] = "LANDLOCK_SCOPE_SIGNAL";

TEST(LandlockRightsPerAbi, EveryAbiFromNoneToNewerThanKnown) {
  constexpr uint64_t kNet = kNetBindTcp | kNetConnectTcp;
  constexpr uint64_t kScopes = kScopeAbstractUnixSocket | kScopeSignal;
  const struct {
    int abi;
    uint64_t fs, net, scoped;
    std::vector<std::string> missing;
  } cases[] = {
      // No Landlock: nothing handled. REFER is not missed there: without it a kernel with
      // filesystem rules refuses more, and there are none.
      {0, 0, 0, 0, {kBaseRules, kTruncate, kBind, kConnect, kIoctl, kUnix, kSignal}},
      {1, kFsAbi1, 0, 0, {kRefer, kTruncate, kBind, kConnect, kIoctl, kUnix, kSignal}},
      {2, kFsAbi1 | kFsRefer, 0, 0, {kTruncate, kBind, kConnect, kIoctl, kUnix, kSignal}},
      {3, kFsAbi1 | kFsRefer | kFsTruncate, 0, 0, {kBind, kConnect, kIoctl, kUnix, kSignal}},
      {4, kFsAbi1 | kFsRefer | kFsTruncate, kNet, 0, {kIoctl, kUnix, kSignal}},
      {5, kFsAbi1 | kFsRefer | kFsTruncate | kFsIoctlDev, kNet, 0, {kUnix, kSignal}},
      {6, kFsAbi1 | kFsRefer | kFsTruncate | kFsIoctlDev, kNet, kScopes, {}},
      // ABI 7 brings only audit logging flags; an ABI newer than hardinit knows adds nothing.
      {7, kFsAbi1 | kFsRefer | kFsTruncate | kFsIoctlDev, kNet, kScopes, {}},
      {9, kFsAbi1 | kFsRefer | kFsTruncate | kFsIoctlDev, kNet, kScopes, {}},
  };
  for (const auto& c : cases) {
    std::vector<LandlockShortfall> shortfalls;
    const LandlockRights r = ComputeLandlockRights(Everything(), c.abi, &shortfalls);
    EXPECT_EQ(r.handled_fs, c.fs) << "ABI " << c.abi;
    EXPECT_EQ(r.handled_net, c.net) << "ABI " << c.abi;
    EXPECT_EQ(r.scoped, c.scoped) << "ABI " << c.abi;
    EXPECT_EQ(Names(shortfalls), c.missing) << "ABI " << c.abi;
    // Read-only trees: read, list and execute, nothing else. Writable ones: everything the
    // ABI handles but execute.
    EXPECT_EQ(r.fs_read, c.fs == 0 ? 0 : kFsExecute | kFsReadFile | kFsReadDir) << c.abi;
    EXPECT_EQ(r.fs_write, c.fs & ~kFsExecute) << "ABI " << c.abi;
    EXPECT_EQ(r.fs_write & kFsExecute, 0u);
    for (const LandlockShortfall& s : shortfalls) EXPECT_GT(s.abi, c.abi) << s.right;
  }
}

TEST(LandlockRightsPerAbi, OnlyWhatWasAskedIsHandled) {
  LandlockOptions bind_only;
  bind_only.net_bind = LandlockPorts{{80}, "--net-bind"};
  LandlockRights r = ComputeLandlockRights(bind_only, 7, nullptr);
  EXPECT_EQ(r.handled_fs, 0u) << "no filesystem rule asked: files stay as they are";
  EXPECT_EQ(r.handled_net, kNetBindTcp) << "connect stays free without --net-connect";
  EXPECT_EQ(r.scoped, kScopeAbstractUnixSocket | kScopeSignal);

  LandlockOptions fs_only;
  fs_only.fs_rw = LandlockPaths{{"/tmp"}, "--fs-rw"};
  r = ComputeLandlockRights(fs_only, 7, nullptr);
  EXPECT_NE(r.handled_fs, 0u);
  EXPECT_EQ(r.handled_net, 0u) << "no port list: TCP stays free";

  r = ComputeLandlockRights(LandlockOptions{}, 7, nullptr);
  EXPECT_FALSE(r.any());
}

TEST(LandlockRightsPerAbi, ShortfallsSayWhichAreRequired) {
  std::vector<LandlockShortfall> shortfalls;
  ComputeLandlockRights(Everything(), 0, &shortfalls);
  std::vector<std::string> required;
  for (const LandlockShortfall& s : shortfalls) {
    if (s.required) required.push_back(s.right);
  }
  EXPECT_EQ(required, (std::vector<std::string>{kBaseRules, kTruncate, kBind, kConnect}));
}

TEST(LandlockRightsPerAbi, KernelReleases) {
  const char* releases[] = {"?", "5.13", "5.19", "6.2", "6.7", "6.10", "6.12", "6.15", "?"};
  for (int abi = 0; abi <= 8; ++abi) EXPECT_STREQ(LinuxForLandlockAbi(abi), releases[abi]);
}

// ---- The decision ----------------------------------------------------------------------

struct Decision {
  bool ok;
  LandlockRights rights;
  std::vector<std::string> warnings;
  std::string err;
};

Decision Decide(const LandlockOptions& options, int abi) {
  Decision d;
  d.ok = PlanLandlock(options, abi, "landlock_create_ruleset: Function not implemented", &d.rights,
                      &d.warnings, &d.err);
  return d;
}

TEST(LandlockDecision, RequiredFailsClosedNamingTheAbi) {
  LandlockOptions fs;
  fs.fs_ro = LandlockPaths{{"/"}, "--fs-ro"};
  Decision d = Decide(fs, 2);
  EXPECT_FALSE(d.ok);
  EXPECT_EQ(d.err,
            "--fs-ro: LANDLOCK_ACCESS_FS_TRUNCATE needs Landlock ABI 3 (Linux 6.2) and this "
            "kernel offers Landlock ABI 2; without it files beneath --fs-ro can be truncated "
            "(truncate(2), open(O_TRUNC)) (--landlock best-effort runs with what the kernel has)");
  EXPECT_FALSE(d.rights.any()) << "nothing half-done";

  // The error names the newest ABI a required right needs: one kernel upgrade fixes all.
  d = Decide(Everything(), 2);
  EXPECT_FALSE(d.ok);
  EXPECT_EQ(d.err.rfind("--net-bind: LANDLOCK_ACCESS_NET_BIND_TCP needs Landlock ABI 4 (Linux "
                        "6.7) and this kernel offers Landlock ABI 2;",
                        0),
            0u)
      << d.err;

  d = Decide(Everything(), 0);
  EXPECT_FALSE(d.ok);
  EXPECT_NE(d.err.find("and Landlock is not available (landlock_create_ruleset: Function not "
                       "implemented)"),
            std::string::npos)
      << d.err;

  // The variable a list came from is what the message names.
  LandlockOptions from_env;
  from_env.net_connect = LandlockPorts{{443}, "HARDINIT_NET_CONNECT"};
  d = Decide(from_env, 3);
  EXPECT_EQ(d.err.rfind("HARDINIT_NET_CONNECT: LANDLOCK_ACCESS_NET_CONNECT_TCP needs", 0), 0u)
      << d.err;
}

TEST(LandlockDecision, RequiredRunsAndWarnsForTheRightsItWouldAdd) {
  // ABI 4 has every required right; device ioctl (5) and the scopes (6) are warned about.
  Decision d = Decide(Everything(), 4);
  ASSERT_TRUE(d.ok) << d.err;
  EXPECT_EQ(d.rights.handled_net, kNetBindTcp | kNetConnectTcp);
  ASSERT_EQ(d.warnings.size(), 3u);
  EXPECT_EQ(d.warnings[0],
            "--fs-ro: LANDLOCK_ACCESS_FS_IOCTL_DEV not enforced: this kernel offers Landlock ABI "
            "4, LANDLOCK_ACCESS_FS_IOCTL_DEV needs Landlock ABI 5 (Linux 6.10); ioctl(2) on "
            "devices the program opens is not restricted");
  EXPECT_EQ(d.warnings[1].rfind("Landlock: LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET not enforced", 0),
            0u);
  EXPECT_EQ(d.warnings[2].rfind("Landlock: LANDLOCK_SCOPE_SIGNAL not enforced", 0), 0u);

  // On the newest ABIs: not a word.
  for (int abi : {6, 7}) {
    d = Decide(Everything(), abi);
    ASSERT_TRUE(d.ok) << d.err;
    EXPECT_TRUE(d.warnings.empty()) << abi << ": " << d.warnings.front();
  }
}

TEST(LandlockDecision, BestEffortDowngradesAndNamesEachRightNotEnforced) {
  LandlockOptions options = Everything();
  options.best_effort = true;
  Decision d = Decide(options, 2);
  ASSERT_TRUE(d.ok) << d.err;
  EXPECT_EQ(d.rights.handled_fs, kFsAbi1 | kFsRefer);
  EXPECT_EQ(d.rights.handled_net, 0u);
  const char* rights[] = {kTruncate, kBind, kConnect, kIoctl, kUnix, kSignal};
  ASSERT_EQ(d.warnings.size(), std::size(rights));
  for (size_t i = 0; i < std::size(rights); ++i) {
    EXPECT_NE(d.warnings[i].find(std::string(rights[i]) + " not enforced: this kernel offers "
                                                          "Landlock ABI 2"),
              std::string::npos)
        << d.warnings[i];
  }
  EXPECT_EQ(d.warnings[1],
            "--net-bind: LANDLOCK_ACCESS_NET_BIND_TCP not enforced: this kernel offers Landlock "
            "ABI 2, LANDLOCK_ACCESS_NET_BIND_TCP needs Landlock ABI 4 (Linux 6.7); the program "
            "may bind any TCP port");

  // ABI 1: cross-directory renames are refused everywhere, which is said too.
  d = Decide(options, 1);
  ASSERT_TRUE(d.ok) << d.err;
  EXPECT_NE(d.warnings[0].find("LANDLOCK_ACCESS_FS_REFER not enforced"), std::string::npos);
  EXPECT_NE(d.warnings[0].find("refused everywhere, also beneath --fs-rw"), std::string::npos);

  // No Landlock at all: every right named, nothing to enforce, and the program runs.
  d = Decide(options, 0);
  ASSERT_TRUE(d.ok) << d.err;
  EXPECT_FALSE(d.rights.any());
  EXPECT_EQ(d.warnings.size(), 7u);
  EXPECT_NE(d.warnings[0].find("Landlock is not available (landlock_create_ruleset: Function "
                               "not implemented)"),
            std::string::npos)
      << d.warnings[0];
}

TEST(LandlockDecision, TheCapLowersTheAbi) {
  LandlockOptions options = Everything();
  options.abi_cap = 3;
  Decision d = Decide(options, 7);
  EXPECT_FALSE(d.ok) << "ABI 7 capped to 3 has no TCP rules";
  EXPECT_NE(d.err.find("this kernel offers Landlock ABI 3 (HARDINIT_LANDLOCK_ABI_CAP=3; the "
                       "kernel offers 7)"),
            std::string::npos)
      << d.err;
  options.abi_cap = 0;
  options.best_effort = true;
  d = Decide(options, 7);
  ASSERT_TRUE(d.ok) << d.err;
  EXPECT_NE(d.warnings[0].find("Landlock is not available (HARDINIT_LANDLOCK_ABI_CAP=0; the "
                               "kernel offers 7)"),
            std::string::npos)
      << d.warnings[0];
  options.best_effort = false;
  options.abi_cap = 9;  // above the kernel's: changes nothing
  d = Decide(options, 7);
  EXPECT_TRUE(d.ok) << d.err;
  EXPECT_TRUE(d.warnings.empty());
}

TEST(LandlockDecision, NothingAskedNothingDone) {
  Decision d = Decide(LandlockOptions{}, 0);
  EXPECT_TRUE(d.ok);
  EXPECT_FALSE(d.rights.any());
  EXPECT_TRUE(d.warnings.empty());
}

// ---- The real kernel -------------------------------------------------------------------

// Each test names the oldest ABI it means something on. CI's x86_64 kernel has ABI 7; the
// arm64 VM (tests/vm) boots Debian 12's Linux 6.1, which has ABI 2. Like every test that
// cannot run, one on an older kernel fails unless HARDINIT_ALLOW_SKIP=1.
#define REQUIRE_LANDLOCK_ABI(n)                                                              \
  do {                                                                                       \
    int errnum_ = 0;                                                                         \
    const int abi_ = QueryLandlockAbi(&errnum_);                                             \
    HARDINIT_REQUIRE(abi_ >= (n), "the kernel offers Landlock ABI " + std::to_string(abi_) + \
                                      ", this test needs " + std::to_string(n));             \
  } while (0)

int KernelAbi() {
  int errnum = 0;
  return QueryLandlockAbi(&errnum);
}

// Required mode (the default) refuses --fs-ro below ABI 3, which brought
// LANDLOCK_ACCESS_FS_TRUNCATE (LandlockDecision.RequiredFailsClosedNamingTheAbi). On such a
// kernel the tests below ask for best-effort, which enforces the rights ABI 1 and 2 have:
// what they check then is the same ruleset built, loaded and held through the real
// system calls, less truncate.
bool FsRulesNeedBestEffort() { return KernelAbi() < 3; }

class LandlockKernelTest : public TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    ASSERT_EQ(mkdir((dir_ + "/ro").c_str(), 0755), 0);
    ASSERT_EQ(mkdir((dir_ + "/rw").c_str(), 0755), 0);
    Write("ro/file", "read me");
    // Executable, with an interpreter that does not exist: execve() says ENOENT when it may
    // run it, EACCES when Landlock refuses. Nothing ever runs.
    Write("rw/script", "#!/nonexistent-interpreter\n");
    chmod((dir_ + "/rw/script").c_str(), 0755);
  }

  // Forks; the child restricts itself through RealSys with `ruleset` after no_new_privs and
  // exits with `body()`. Returns the exit code, or 200+ for a failed set-up step.
  template <typename Body>
  int InRestrictedChild(int ruleset, Body body) {
    const int status = RunInConfinedChild(nullptr, [&]() -> int {
      if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return 201;
      RealSys sys;
      if (sys.LandlockRestrictSelf(ruleset, 0) != 0) return 202;
      return body();
    });
    return WIFEXITED(status) ? WEXITSTATUS(status) : 255;
  }

  // The errno of opening `path` with `flags` (0 = it opened).
  static int OpenErrno(const std::string& path, int flags) {
    const int fd = open(path.c_str(), flags | O_CLOEXEC, 0644);
    if (fd < 0) return errno;
    close(fd);
    return 0;
  }

  LandlockOptions Options(const std::string& ro, const std::string& rw) {
    LandlockOptions o;
    o.fs_ro = LandlockPaths{{ro}, "--fs-ro"};
    o.fs_rw = LandlockPaths{{rw}, "--fs-rw"};
    return o;
  }
};

TEST_F(LandlockKernelTest, TheRulesetHoldsInTheChildThroughRealSys) {
  REQUIRE_LANDLOCK_ABI(1);
  LandlockRuleset ruleset;
  std::string err;
  LandlockOptions o = Options(dir_ + "/ro", dir_ + "/rw");
  o.best_effort = FsRulesNeedBestEffort();
  // truncate(2) is a Landlock right from ABI 3 on; before, nothing refuses it.
  const int truncate_errno = KernelAbi() >= 3 ? EACCES : 0;
  ASSERT_TRUE(PrepareLandlock(o, &ruleset, &err)) << err;
  ASSERT_GE(ruleset.fd(), 0);
  EXPECT_EQ(fcntl(ruleset.fd(), F_GETFD) & FD_CLOEXEC, FD_CLOEXEC)
      << "the ruleset must never reach the program";
  const std::string ro_file = dir_ + "/ro/file";
  const std::string rw_file = dir_ + "/rw/new";
  const std::string script = dir_ + "/rw/script";
  const int code = InRestrictedChild(ruleset.fd(), [&] {
    if (OpenErrno(ro_file, O_RDONLY) != 0) return 1;
    if (OpenErrno(ro_file, O_WRONLY) != EACCES) return 2;
    if (OpenErrno(rw_file, O_WRONLY | O_CREAT) != 0) return 3;
    if (OpenErrno("/etc/passwd", O_RDONLY) != EACCES) return 4;  // beneath no rule
    if ((truncate(ro_file.c_str(), 0) == 0 ? 0 : errno) != truncate_errno) return 5;
    if (OpenErrno("/dev/null", O_WRONLY | O_TRUNC) != 0) return 6;  // the implicit rule
    char* const argv[] = {nullptr};
    if (execve(script.c_str(), argv, argv) == 0 || errno != EACCES) return 7;  // no execute
    return 0;
  });
  EXPECT_EQ(code, 0) << "failed check " << code;
  // Negative control: the same checks unrestricted.
  EXPECT_EQ(OpenErrno(ro_file, O_WRONLY), 0);
  EXPECT_EQ(OpenErrno("/etc/passwd", O_RDONLY), 0);
  EXPECT_EQ(RunInConfinedChild(nullptr,
                               [&] {
                                 char* const argv[] = {nullptr};
                                 execve(script.c_str(), argv, argv);
                                 return errno == ENOENT ? 0 : 1;
                               }),
            0);
}

TEST_F(LandlockKernelTest, AMissingPathFailsWithItsNameAndAFileGetsFileRights) {
  REQUIRE_LANDLOCK_ABI(1);
  LandlockRuleset ruleset;
  std::string err;
  LandlockOptions o = Options(dir_ + "/ro", dir_ + "/missing");
  o.best_effort = FsRulesNeedBestEffort();
  EXPECT_FALSE(PrepareLandlock(o, &ruleset, &err));
  EXPECT_EQ(err, "--fs-rw " + dir_ + "/missing: No such file or directory");
  EXPECT_EQ(ruleset.fd(), -1) << "nothing half-done";

  // A regular file as a rule: the kernel refuses directory rights on a file (EINVAL), so
  // only the file rights go in.
  o = Options(dir_ + "/ro/file", dir_ + "/rw");
  o.best_effort = FsRulesNeedBestEffort();
  o.fs_ro->origin = "HARDINIT_FS_RO";
  ASSERT_TRUE(PrepareLandlock(o, &ruleset, &err)) << err;
  EXPECT_GE(ruleset.fd(), 0);
}

// Below ABI 4 the kernel itself lacks the TCP rules and the cap of 3 changes nothing: the
// same refusal and the same filesystem-only ruleset.
TEST_F(LandlockKernelTest, BestEffortOnACappedAbiRunsWithLessAndRequiredDoesNot) {
  REQUIRE_LANDLOCK_ABI(1);
  LandlockOptions o = Options(dir_ + "/ro", dir_ + "/rw");
  o.net_bind = LandlockPorts{{80}, "--net-bind"};
  o.abi_cap = 3;
  LandlockRuleset ruleset;
  std::string err;
  EXPECT_FALSE(PrepareLandlock(o, &ruleset, &err));
  EXPECT_EQ(err.rfind("--net-bind: LANDLOCK_ACCESS_NET_BIND_TCP needs Landlock ABI 4", 0), 0u)
      << err;
  o.best_effort = true;
  ASSERT_TRUE(PrepareLandlock(o, &ruleset, &err)) << err;
  ASSERT_GE(ruleset.fd(), 0) << "the filesystem rules of ABI 3 (or the kernel's) still hold";
  const std::string ro_file = dir_ + "/ro/file";
  EXPECT_EQ(InRestrictedChild(ruleset.fd(),
                              [&] { return OpenErrno(ro_file, O_WRONLY) == EACCES ? 0 : 1; }),
            0);
  o.abi_cap = 0;  // as if there were no Landlock: nothing to enforce, no ruleset
  ASSERT_TRUE(PrepareLandlock(o, &ruleset, &err)) << err;
  EXPECT_EQ(ruleset.fd(), -1);
}

// From ABI 6 on a domain scopes signals, which --inspect sees in kill(1, 0); before, only
// rules that leave "/" out show, as a refused open("/").
TEST_F(LandlockKernelTest, InspectSeesTheDomainFromInsideOnly) {
  REQUIRE_LANDLOCK_ABI(1);
  const int abi = KernelAbi();
  LandlockRuleset ruleset;
  std::string err;
  LandlockOptions o;
  if (abi >= 6) {
    o.net_connect = LandlockPorts{{}, "--net-connect"};  // any rule brings the scopes
  } else {
    o.fs_ro = LandlockPaths{{dir_ + "/ro"}, "--fs-ro"};
    o.best_effort = FsRulesNeedBestEffort();
  }
  ASSERT_TRUE(PrepareLandlock(o, &ruleset, &err)) << err;
  const std::string evidence =
      abi >= 6 ? "signals are scoped to a Landlock domain" : "opening / is refused";
  EXPECT_EQ(InRestrictedChild(ruleset.fd(),
                              [&] {
                                const LandlockStatus inside = InspectOwnLandlock();
                                if (!inside.restricted) return 1;
                                return inside.evidence.find(evidence) != std::string::npos ? 0 : 2;
                              }),
            0)
      << evidence;
  // Negative control: the test process itself, outside any domain.
  const LandlockStatus status = InspectOwnLandlock();
  EXPECT_FALSE(status.restricted) << status.evidence;
  EXPECT_EQ(status.abi, abi);
}

// ---- The launch plan -------------------------------------------------------------------

TEST(LandlockLaunch, ThePlanCarriesTheRulesetAndPid1sPlanDoesNot) {
  REQUIRE_LANDLOCK_ABI(1);
  const std::string ids = std::to_string(getuid()) + ":" + std::to_string(getgid());
  Options options;
  std::string err;
  Environment env;
  if (FsRulesNeedBestEffort()) env["HARDINIT_LANDLOCK"] = "best-effort";
  ASSERT_TRUE(ParseCommandLine({"hardinit", "--user", ids, "--fs-ro", "/", "--", "/bin/true"}, env,
                               &options, &err))
      << err;
  Launch launch;
  int exit_code = 0;
  ASSERT_TRUE(PrepareLaunch(options, IdentityFiles{}, InheritedSignals{}, {"PATH=/usr/bin:/bin"},
                            &launch, &exit_code, &err))
      << err;
  EXPECT_GE(launch.plan().landlock_ruleset_fd, 0);
  EXPECT_EQ(launch.SupervisorPlan().landlock_ruleset_fd, -1);
}

TEST(LandlockLaunch, UnderTiniTheVariablesOptInToConfinement) {
  REQUIRE_LANDLOCK_ABI(1);
  Options options;
  std::string err;
  Environment env = {{"HARDINIT_FS_RO", "/"}};
  if (FsRulesNeedBestEffort()) env["HARDINIT_LANDLOCK"] = "best-effort";
  ASSERT_TRUE(ParseCommandLine({"tini", "--", "/bin/true"}, env, &options, &err)) << err;
  Launch launch;
  int exit_code = 0;
  ASSERT_TRUE(PrepareLaunch(options, IdentityFiles{}, InheritedSignals{}, {"PATH=/usr/bin:/bin"},
                            &launch, &exit_code, &err))
      << err;
  EXPECT_TRUE(launch.plan().confine);
  EXPECT_GE(launch.plan().landlock_ruleset_fd, 0);

  // Negative control: tini without them confines nothing, as tini.
  ASSERT_TRUE(ParseCommandLine({"tini", "--", "/bin/true"}, {}, &options, &err)) << err;
  Launch plain;
  ASSERT_TRUE(PrepareLaunch(options, IdentityFiles{}, InheritedSignals{}, {"PATH=/usr/bin:/bin"},
                            &plain, &exit_code, &err))
      << err;
  EXPECT_FALSE(plain.plan().confine);
  EXPECT_EQ(plain.plan().landlock_ruleset_fd, -1);
}

TEST(LandlockLaunch, AMissingPathStopsTheLaunchWithItsName) {
  REQUIRE_LANDLOCK_ABI(1);
  Options options;
  std::string err;
  Environment env;
  if (FsRulesNeedBestEffort()) env["HARDINIT_LANDLOCK"] = "best-effort";
  ASSERT_TRUE(
      ParseCommandLine({"hardinit", "--fs-ro", "/nonexistent-hardinit-path", "--", "/bin/true"},
                       env, &options, &err))
      << err;
  Launch launch;
  int exit_code = 0;
  EXPECT_FALSE(PrepareLaunch(options, IdentityFiles{}, InheritedSignals{}, {"PATH=/usr/bin:/bin"},
                             &launch, &exit_code, &err));
  EXPECT_EQ(exit_code, 125);
  EXPECT_EQ(err, "--fs-ro /nonexistent-hardinit-path: No such file or directory");
}

}  // namespace
}  // namespace hardinit
