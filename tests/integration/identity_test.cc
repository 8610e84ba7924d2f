// Identity (design.md §3.1, issue 3), from the program's own point of view: the probe, run as
// the app under hardinit as PID 1 of a new PID namespace, reports its real, effective and
// saved ids, its groups and its environment. Users come from a temporary passwd/group bound
// over /etc/passwd and /etc/group in the launcher's private mount namespace, or from the
// system's own `nobody`. Each claim has a negative control next to it.
#include <fcntl.h>
#include <grp.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <sstream>

#include "harness.h"

namespace hardinit::testing {
namespace {

constexpr char kPasswd[] =
    "root:x:0:0:root:/root:/bin/sh\n"
    "app:x:1000:1000:app:/home/app:/bin/sh\n"
    "multi:x:2001:2000:in several groups:/srv/multi:/bin/sh\n"
    "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n";
constexpr char kGroup[] =
    "root:x:0:\n"
    "app:x:1000:\n"
    "staff:x:2000:\n"
    "audio:x:2002:app,multi\n"
    "video:x:2003:someone,multi\n"
    "extra:x:2004:\n"
    "nogroup:x:65534:\n";

[[noreturn]] void ChildFail(const char* what) {
  dprintf(STDERR_FILENO, "before_exec: %s: %s\n", what, strerror(errno));
  _exit(250);
}

// A temporary directory that is removed with everything in it at the end of the test.
struct TempDir {
  std::string path = MakeTempDir();
  ~TempDir() { std::filesystem::remove_all(path); }
};

// The test's passwd and group, bound over the system's in the launcher's private mount
// namespace (the host's /etc is untouched).
struct Accounts {
  TempDir dir;
  Accounts() {
    WriteFile(dir.path + "/passwd", kPasswd);
    WriteFile(dir.path + "/group", kGroup);
  }
  std::function<void()> BindMount() const {
    const std::string passwd = dir.path + "/passwd", group = dir.path + "/group";
    return [passwd, group] {
      if (mount(passwd.c_str(), "/etc/passwd", nullptr, MS_BIND, nullptr) != 0) {
        ChildFail("bind /etc/passwd");
      }
      if (mount(group.c_str(), "/etc/group", nullptr, MS_BIND, nullptr) != 0) {
        ChildFail("bind /etc/group");
      }
    };
  }
};

// Runs hardinit itself as uid/gid 1000 with no capabilities: a Dockerfile `USER 1000`.
void BecomeUid1000() {
  const gid_t group = 1000;
  if (setgroups(1, &group) != 0) ChildFail("setgroups");
  if (setresgid(1000, 1000, 1000) != 0) ChildFail("setresgid");
  if (setresuid(1000, 1000, 1000) != 0) ChildFail("setresuid");
}

std::vector<std::string> Probe(std::vector<std::string> flags,
                               std::vector<std::string> probe_args = {"status"}) {
  std::vector<std::string> args = std::move(flags);
  args.push_back("--");
  args.push_back(kProbe);
  args.insert(args.end(), probe_args.begin(), probe_args.end());
  return args;
}

// "Uid=2001 2001 2001 2001" holds real, effective, saved and filesystem ids.
std::string AllIds(unsigned id) {
  const std::string s = std::to_string(id);
  return s + " " + s + " " + s + " " + s;
}

// The kernel prints "Groups:\t2000 2002 \n"; the probe keeps the trailing space.
std::string Groups(std::map<std::string, std::string>& report) {
  std::istringstream in(report["Groups"]);
  std::string out, group;
  while (in >> group) out += (out.empty() ? "" : " ") + group;
  return out;
}

bool Exists(const std::string& path) { return access(path.c_str(), F_OK) == 0; }

TEST(Identity, UserFromTheImagePasswdGetsExactIdsGroupsAndEnvironment) {
  HARDINIT_REQUIRE_ROOT();
  Accounts accounts;
  RunOptions options;
  options.before_exec = accounts.BindMount();
  options.env = {"HOME=/root", "USER=root", "LOGNAME=root"};
  RunResult r = RunHardinit(Probe({"--user", "multi"}), options);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto report = ParseReport(r.out);
  EXPECT_EQ(report["Uid"], AllIds(2001));
  EXPECT_EQ(report["Gid"], AllIds(2000));
  EXPECT_EQ(Groups(report), "2000 2002 2003") << "passwd gid plus every group listing multi";
  EXPECT_EQ(report["env_HOME"], "/srv/multi") << "HOME from passwd, over the image's HOME";
  EXPECT_EQ(report["env_USER"], "multi");
  EXPECT_EQ(report["env_LOGNAME"], "multi");

  // Negative control: without --user the program is root with the environment untouched.
  r = RunHardinit(Probe({}), options);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  report = ParseReport(r.out);
  EXPECT_EQ(report["Uid"], AllIds(0));
  EXPECT_EQ(report["env_HOME"], "/root");
  EXPECT_EQ(report["env_USER"], "root");
}

TEST(Identity, SystemNobody) {
  HARDINIT_REQUIRE_ROOT();
  RunResult r = RunHardinit(Probe({"--user", "nobody"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto report = ParseReport(r.out);
  EXPECT_EQ(report["Uid"], AllIds(65534));
  EXPECT_EQ(report["Gid"], AllIds(65534));
  EXPECT_EQ(Groups(report), "65534");
  EXPECT_EQ(report["env_HOME"], "/nonexistent");
  EXPECT_EQ(report["env_USER"], "nobody");
  EXPECT_EQ(report["env_LOGNAME"], "nobody");
  EXPECT_EQ(report["NoNewPrivs"], "1");
}

TEST(Identity, UserColonGroupGivesExactlyThatGroup) {
  HARDINIT_REQUIRE_ROOT();
  Accounts accounts;
  RunOptions options;
  options.before_exec = accounts.BindMount();
  for (const char* spec : {"multi:extra", "2001:2004", "multi:2004", "2001:extra"}) {
    RunResult r = RunHardinit(Probe({"--user", spec}), options);
    ASSERT_EQ(r.exit_code, 0) << spec << ": " << r.err;
    auto report = ParseReport(r.out);
    EXPECT_EQ(report["Uid"], AllIds(2001)) << spec;
    EXPECT_EQ(report["Gid"], AllIds(2004)) << spec;
    EXPECT_EQ(Groups(report), "2004") << spec << ": gosu#33, the group alone";
    EXPECT_EQ(report["env_HOME"], "/srv/multi") << spec;
    EXPECT_EQ(report["env_USER"], "multi") << spec;
  }
}

TEST(Identity, NumericUidWithoutAnEntryGetsItsOwnNumberAsGid) {
  HARDINIT_REQUIRE_ROOT();
  Accounts accounts;
  RunOptions options;
  options.before_exec = accounts.BindMount();
  options.env = {"HOME=/root"};
  RunResult r = RunHardinit(Probe({"--user", "4242"}), options);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto report = ParseReport(r.out);
  EXPECT_EQ(report["Uid"], AllIds(4242));
  EXPECT_EQ(report["Gid"], AllIds(4242)) << "never gid 0 by accident";
  EXPECT_EQ(Groups(report), "4242");
  EXPECT_EQ(report["env_HOME"], "/");
  EXPECT_EQ(report["env_USER"], "(unset)") << "no name to give";

  // A numeric uid that has an entry gets the entry's name, group and HOME.
  r = RunHardinit(Probe({"--user", "2001"}), options);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  report = ParseReport(r.out);
  EXPECT_EQ(report["Gid"], AllIds(2000));
  EXPECT_EQ(Groups(report), "2000 2002 2003");
  EXPECT_EQ(report["env_USER"], "multi");
}

TEST(Identity, GroupsFlagReplacesTheSupplementaryList) {
  HARDINIT_REQUIRE_ROOT();
  Accounts accounts;
  RunOptions options;
  options.before_exec = accounts.BindMount();
  RunResult r = RunHardinit(Probe({"--user", "multi", "--groups", "extra,3000,audio"}), options);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto report = ParseReport(r.out);
  EXPECT_EQ(report["Gid"], AllIds(2000));
  EXPECT_EQ(Groups(report), "2002 2004 3000") << "exactly the list, sorted";

  r = RunHardinit(Probe({"--user", "multi", "--groups", ""}), options);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  report = ParseReport(r.out);
  EXPECT_EQ(report["Gid"], AllIds(2000));
  EXPECT_EQ(Groups(report), "") << "--groups \"\" means none";

  // The environment variable does the same; the flag wins over it.
  options.env = {"HARDINIT_GROUPS=video"};
  r = RunHardinit(Probe({"--user", "multi"}), options);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  report = ParseReport(r.out);
  EXPECT_EQ(Groups(report), "2003");
  r = RunHardinit(Probe({"--user", "multi", "--groups", "extra"}), options);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  report = ParseReport(r.out);
  EXPECT_EQ(Groups(report), "2004");
}

// A failure is one line and exit 125, and the program never runs: it would have created
// the marker file.
TEST(Identity, UnknownUserOrGroupIs125AndTheProgramNeverRuns) {
  HARDINIT_REQUIRE_ROOT();
  Accounts accounts;
  TempDir scratch;
  chmod(scratch.path.c_str(), 0777);
  const std::string marker = scratch.path + "/marker";
  RunOptions options;
  options.before_exec = accounts.BindMount();
  auto touch = [&](std::vector<std::string> flags) {
    flags.insert(flags.end(), {"--", "/bin/busybox", "touch", marker});
    return RunHardinit(flags, options);
  };

  struct Case {
    std::vector<std::string> flags;
    std::string message;
  };
  const Case cases[] = {
      {{"--user", "bogus"}, "hardinit: --user bogus: no such user in /etc/passwd\n"},
      {{"--user", "app:bogus"}, "hardinit: --user app:bogus: no such group in /etc/group\n"},
      {{"--user", "0day"}, "hardinit: --user 0day: no such user in /etc/passwd\n"},
      {{"--user", "app", "--groups", "audio,bogus"},
       "hardinit: --groups audio,bogus: bogus: no such group in /etc/group\n"},
  };
  for (const Case& c : cases) {
    RunResult r = touch(c.flags);
    EXPECT_EQ(r.exit_code, 125) << c.flags[1];
    EXPECT_EQ(r.err, c.message);
    EXPECT_FALSE(Exists(marker)) << c.flags[1] << ": the program ran";
  }

  // Negative control: with a user that exists, the same program does create the marker.
  RunResult r = touch({"--user", "app"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(Exists(marker));
  struct stat st {};
  ASSERT_EQ(stat(marker.c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 1000U) << "created by the program as app";
}

TEST(Identity, Uid65534CannotBecomeRootOrChangeGroups) {
  HARDINIT_REQUIRE_ROOT();
  RunResult r = RunHardinit(
      Probe({"--user", "65534"}, {"try", "setuid0", "try", "setgid0", "try", "setgroups"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto report = ParseReport(r.out);
  EXPECT_EQ(report["setuid0"], "EPERM");
  EXPECT_EQ(report["setgid0"], "EPERM");
  EXPECT_EQ(report["setgroups"], "EPERM");

  // Negative control: the same tries work for root without hardinit.
  RunOptions options;
  options.program = kProbe;
  r = RunHardinit({"try", "setuid0", "try", "setgid0", "try", "setgroups"}, options);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  report = ParseReport(r.out);
  EXPECT_EQ(report["setuid0"], "OK");
  EXPECT_EQ(report["setgid0"], "OK");
  EXPECT_EQ(report["setgroups"], "OK");
}

TEST(Identity, ExecModeKeepsThePidAndAppliesTheSameIdentity) {
  HARDINIT_REQUIRE_ROOT();
  Accounts accounts;
  RunOptions options;
  options.before_exec = accounts.BindMount();
  RunResult r = RunHardinit(Probe({"--exec", "--user", "multi"}), options);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto report = ParseReport(r.out);
  EXPECT_EQ(report["pid"], "1") << "no fork: the program is PID 1 itself";
  EXPECT_EQ(report["Uid"], AllIds(2001));
  EXPECT_EQ(report["Gid"], AllIds(2000));
  EXPECT_EQ(Groups(report), "2000 2002 2003");
  EXPECT_EQ(report["env_HOME"], "/srv/multi");
  EXPECT_EQ(report["NoNewPrivs"], "1");
  EXPECT_EQ(report["CapEff"], "0000000000000000");

  // Negative control: supervised, the program is PID 1's child.
  r = RunHardinit(Probe({"--user", "multi"}), options);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ParseReport(r.out)["pid"], "2");
}

// The multi-call names, through a symlink as images install them.
class GosuName : public ::testing::TestWithParam<const char*> {};

TEST_P(GosuName, BehavesAsGosu) {
  HARDINIT_REQUIRE_ROOT();
  TempDir dir;
  const std::string link = dir.path + "/" + GetParam();
  ASSERT_EQ(symlink(kHardinit.c_str(), link.c_str()), 0) << strerror(errno);
  RunOptions options;
  options.program = link;
  RunResult r = RunHardinit({"nobody", kProbe, "status"}, options);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto report = ParseReport(r.out);
  EXPECT_EQ(report["pid"], "1") << "exec in place, no supervisor";
  EXPECT_EQ(report["Uid"], AllIds(65534));
  EXPECT_EQ(report["Gid"], AllIds(65534));
  EXPECT_EQ(report["env_HOME"], "/nonexistent");
  EXPECT_EQ(report["NoNewPrivs"], "1");

  r = RunHardinit({"nobody:0", kProbe, "status"}, options);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  report = ParseReport(r.out);
  EXPECT_EQ(report["Gid"], AllIds(0));
  EXPECT_EQ(Groups(report), "0");

  r = RunHardinit({"bogus", "true"}, options);
  EXPECT_EQ(r.exit_code, 125);
  EXPECT_NE(r.err.find("--user bogus: no such user in /etc/passwd"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;

  // Negative control: under its own name the same words mean "run the program `nobody`".
  options.program = kHardinit;
  r = RunHardinit({"nobody", kProbe, "status"}, options);
  EXPECT_EQ(r.exit_code, 127) << r.err;
}

INSTANTIATE_TEST_SUITE_P(MultiCall, GosuName, ::testing::Values("gosu", "su-exec"));

TEST(Identity, StartedAsNonRootTheSameUidWorksAndTheSandboxStillApplies) {
  HARDINIT_REQUIRE_ROOT();
  Accounts accounts;
  RunOptions options;
  auto bind = accounts.BindMount();
  options.before_exec = [bind] {
    bind();
    BecomeUid1000();
  };
  for (const char* spec : {"1000", "app"}) {
    RunResult r = RunHardinit(Probe({"--user", spec}), options);
    ASSERT_EQ(r.exit_code, 0) << spec << ": " << r.err;
    auto report = ParseReport(r.out);
    EXPECT_EQ(report["Uid"], AllIds(1000)) << spec;
    EXPECT_EQ(report["Gid"], AllIds(1000)) << spec;
    EXPECT_EQ(report["NoNewPrivs"], "1") << spec;
    EXPECT_EQ(report["CapEff"], "0000000000000000") << spec;
    EXPECT_EQ(report["Seccomp"], "2") << spec;
    EXPECT_EQ(report["env_HOME"], "/home/app") << spec;
  }
}

TEST(Identity, StartedAsNonRootADifferentUidIs125) {
  HARDINIT_REQUIRE_ROOT();
  Accounts accounts;
  TempDir scratch;
  chmod(scratch.path.c_str(), 0777);
  const std::string marker = scratch.path + "/marker";
  RunOptions options;
  auto bind = accounts.BindMount();
  options.before_exec = [bind] {
    bind();
    BecomeUid1000();
  };
  for (const char* spec : {"multi", "0", "2001"}) {
    RunResult r = RunHardinit({"--user", spec, "--", "/bin/busybox", "touch", marker}, options);
    EXPECT_EQ(r.exit_code, 125) << spec;
    EXPECT_EQ(r.err, std::string("hardinit: --user ") + spec +
                         ": hardinit must start as root to switch users (it runs as uid 1000)\n");
    EXPECT_FALSE(Exists(marker)) << spec;
  }
  // Negative control: the same start as root switches.
  options.before_exec = bind;
  RunResult r = RunHardinit({"--user", "multi", "--", "/bin/busybox", "touch", marker}, options);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(Exists(marker));
}

// An empty user (an unset ${APP_USER} in a compose file, `value: ""` in a Helm chart) used to
// run the program as root without a word. It is a usage error now, wherever it comes from,
// and the program never runs (issue 12).
TEST(Identity, AnEmptyUserIs125AndTheProgramNeverRuns) {
  HARDINIT_REQUIRE_ROOT();
  Accounts accounts;
  TempDir scratch;
  chmod(scratch.path.c_str(), 0777);
  const std::string marker = scratch.path + "/marker";
  TempDir links;
  const std::string gosu = links.path + "/gosu";
  ASSERT_EQ(symlink(kHardinit.c_str(), gosu.c_str()), 0) << strerror(errno);
  const struct {
    std::vector<std::string> args;
    std::vector<std::string> env;
    std::string program;
    std::string message;
  } kCases[] = {
      {{"--user", ""}, {}, kHardinit, "hardinit: --user \"\": the user is empty"},
      {{"--user", ":"}, {}, kHardinit, "hardinit: --user \":\": the user is empty"},
      {{"--user", ":staff"}, {}, kHardinit,
       "hardinit: --user \":staff\": no user before ':': name one (app:staff; 0:staff to run "
       "as root)"},
      {{}, {"HARDINIT_USER="}, kHardinit,
       "hardinit: HARDINIT_USER is set but empty (an unset variable in a compose file or Helm "
       "chart?): name a user, or unset it"},
      {{""}, {}, gosu, "hardinit: gosu \"\": the user is empty"},
  };
  for (const auto& c : kCases) {
    RunOptions options;
    options.before_exec = accounts.BindMount();
    options.env = c.env;
    options.program = c.program;
    std::vector<std::string> args = c.args;
    if (c.program == kHardinit) args.push_back("--");
    args.insert(args.end(), {"/bin/busybox", "touch", marker});
    RunResult r = RunHardinit(args, options);
    EXPECT_EQ(r.exit_code, 125) << c.message;
    EXPECT_EQ(r.err.rfind(c.message, 0), 0u) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_FALSE(Exists(marker)) << c.message << ": the program ran";
  }
  // Negative control: naming root runs the program as root, and says nothing.
  RunOptions options;
  options.before_exec = accounts.BindMount();
  RunResult r = RunHardinit({"--user", "0", "--", "/bin/busybox", "touch", marker}, options);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_TRUE(Exists(marker));
}

// Root under another name is still root: hardinit says so, unless the user wrote 0 or root.
TEST(Identity, AUserWhoseUidIs0RunsAsRootWithAWarning) {
  HARDINIT_REQUIRE_ROOT();
  TempDir dir;
  WriteFile(dir.path + "/passwd", std::string(kPasswd) + "toor:x:0:0:root too:/root:/bin/sh\n");
  RunOptions options;
  const std::string passwd = dir.path + "/passwd";
  options.before_exec = [passwd] {
    if (mount(passwd.c_str(), "/etc/passwd", nullptr, MS_BIND, nullptr) != 0) {
      ChildFail("bind /etc/passwd");
    }
  };
  RunResult r = RunHardinit(Probe({"--user", "toor"}), options);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ParseReport(r.out)["Uid"], AllIds(0));
  EXPECT_EQ(r.err, "hardinit: user \"toor\" has uid 0: " + kProbe +
                       " runs as root (name it root or 0 to mean it)\n");
  r = RunHardinit(Probe({}), options);
  EXPECT_EQ(r.err, "hardinit: " + kProbe +
                       " runs as root (uid 0); use --user to run it as an unprivileged user\n");
  // Negative control: root named as such is not warned about.
  for (const char* spec : {"root", "0", "0:0", "root:root"}) {
    r = RunHardinit(Probe({"--user", spec}), options);
    EXPECT_EQ(r.exit_code, 0) << spec << ": " << r.err;
    EXPECT_EQ(ParseReport(r.out)["Uid"], AllIds(0)) << spec;
    EXPECT_EQ(r.err, "") << spec;
  }
}

// gosu refuses a setuid install: it would be a root shell for every local user.
TEST(Identity, RefusesToRunSetuidInstalled) {
  HARDINIT_REQUIRE_ROOT();
  TempDir dir;
  const std::string copy = dir.path + "/hardinit";
  std::filesystem::copy_file(kHardinit, copy);
  ASSERT_EQ(chown(copy.c_str(), 0, 0), 0);
  RunOptions options;
  options.program = copy;
  options.before_exec = BecomeUid1000;
  const std::vector<std::string> args = Probe({"--user", "0"});

  // Negative control first: without the bit, uid 1000 may not switch to 0 (125 for that
  // reason), and runs as itself.
  ASSERT_EQ(chmod(copy.c_str(), 0755), 0);
  RunResult r = RunHardinit(args, options);
  EXPECT_EQ(r.exit_code, 125);
  EXPECT_NE(r.err.find("must start as root"), std::string::npos) << r.err;
  r = RunHardinit(Probe({"--user", "1000"}), options);
  EXPECT_EQ(r.exit_code, 0) << r.err;

  const std::string refusal =
      "hardinit: refusing to run: hardinit is installed setuid or setgid (remove the bit: "
      "chmod u-s,g-s)\n";
  for (mode_t mode : {04755, 02755}) {
    ASSERT_EQ(chmod(copy.c_str(), mode), 0);
    r = RunHardinit(args, options);
    EXPECT_EQ(r.exit_code, 125) << std::oct << mode;
    EXPECT_EQ(r.err, refusal) << std::oct << mode;
    EXPECT_EQ(r.out, "") << "the program ran";
  }
}

}  // namespace
}  // namespace hardinit::testing
