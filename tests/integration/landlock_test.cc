// Landlock from the confined program's own point of view (design.md §3.9, issue 15): the probe,
// as PID 2 of a fresh PID namespace under hardinit, tries to write, read, execute, bind,
// connect and signal, and reports the errno the kernel gave it. Every case has a negative
// control: the same tries without the flags, where they work. Also what Landlock cannot do
// (descriptors opened before, metadata changes, mmap of a written file), tested so that the
// documentation says exactly what happens.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "harness.h"

namespace hardinit::testing {
namespace {

using Report = std::map<std::string, std::string>;

int KernelLandlockAbi() {
  const long abi = syscall(SYS_landlock_create_ruleset, nullptr, 0, 1U /* VERSION */);
  return abi < 0 ? 0 : static_cast<int>(abi);
}

// A TCP port on 127.0.0.1 nobody uses at the moment (the kernel picks it).
int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof(address);
  int port = -1;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), size) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) == 0) {
    port = ntohs(address.sin_port);
  }
  close(fd);
  return port;
}

// A listening socket of the test's own (outside every Landlock domain).
class Listener {
 public:
  // TCP on 127.0.0.1, a free port.
  Listener() {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof(address);
    if (bind(fd_, reinterpret_cast<sockaddr*>(&address), size) == 0 && listen(fd_, 16) == 0 &&
        getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &size) == 0) {
      port_ = ntohs(address.sin_port);
    }
  }
  // A UNIX stream socket: `name` in the abstract namespace, or a path.
  Listener(const std::string& name, bool abstract) {
    fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path + (abstract ? 1 : 0), name.data(), name.size());
    const socklen_t size =
        static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size() + (abstract ? 1 : 0));
    if (bind(fd_, reinterpret_cast<sockaddr*>(&address), size) == 0 && listen(fd_, 16) == 0) {
      port_ = 0;
    }
  }
  ~Listener() { close(fd_); }
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  bool ok() const { return port_ >= 0; }
  std::string port() const { return std::to_string(port_); }

 private:
  int fd_ = -1;
  int port_ = -1;
};

// The read-only trees a program in `binary`'s directory needs: that directory, and for a
// dynamically linked build (scripts/sanitize.sh) the loader, the libraries and /proc, which
// ASan reads at start. None of them holds /tmp, /var/tmp or /etc.
std::string ReadOnlyTreesFor(const std::string& binary) {
  std::string trees = std::filesystem::path(binary).parent_path();
  for (const char* extra : {"/usr", "/lib", "/lib64", "/proc"}) {
    if (std::filesystem::exists(extra)) trees += std::string(",") + extra;
  }
  return trees;
}

class LandlockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HARDINIT_REQUIRE_ROOT();
    HARDINIT_REQUIRE(KernelLandlockAbi() >= 6, "the kernel offers Landlock ABI " +
                                                   std::to_string(KernelLandlockAbi()) +
                                                   "; these tests need 6 (Linux 6.12)");
    tmp_ = MakeTempDir();
    ASSERT_FALSE(tmp_.empty());
    // Beneath "/" but not beneath /tmp: what --fs-ro / --fs-rw /tmp leaves read-only.
    char pattern[] = "/var/tmp/hardinit-landlock-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    outside_ = pattern;
    chmod(outside_.c_str(), 0755);
    WriteFile(outside_ + "/existing", "data");
    WriteFile(tmp_ + "/existing", "data");
    probe_dir_ = ReadOnlyTreesFor(kProbe);
  }
  void TearDown() override {
    std::error_code ignored;
    if (!outside_.empty()) std::filesystem::remove_all(outside_, ignored);
  }

  // hardinit FLAGS -- probe ARGS; the run must succeed; returns the probe's report.
  Report Probe(const std::vector<std::string>& flags, const std::vector<std::string>& probe_args,
               const RunOptions& options = {}) {
    std::vector<std::string> args = flags;
    args.push_back("--");
    args.push_back(kProbe);
    args.insert(args.end(), probe_args.begin(), probe_args.end());
    last_ = RunHardinit(args, options);
    EXPECT_EQ(last_.exit_code, 0) << last_.err;
    return ParseReport(last_.out);
  }

  // Every "command:arg" → errno pair, with the flags that were in force.
  void Expect(const Report& report, const std::map<std::string, std::string>& expected,
              const std::string& what) {
    for (const auto& [key, value] : expected) {
      const auto it = report.find(key);
      ASSERT_NE(it, report.end()) << what << ": no result for " << key << "\n"
                                  << last_.out << last_.err;
      EXPECT_EQ(it->second, value) << what << ": " << key;
    }
  }

  std::string tmp_;
  std::string outside_;
  std::string probe_dir_;  // the probe's directory and what it needs to start, never /tmp
  RunResult last_;
};

const std::vector<std::string> kReadOnlyRoot = {"--fs-ro", "/", "--fs-rw", "/tmp"};

TEST_F(LandlockTest, ReadOnlyRootWithWritableTmp) {
  const std::vector<std::string> tries = {"write",    outside_ + "/new",
                                          "write",    tmp_ + "/new",
                                          "truncate", outside_ + "/existing",
                                          "mkdir",    outside_ + "/dir",
                                          "read",     outside_ + "/existing",
                                          "read",     "/etc/passwd",
                                          "write",    "/dev/null",
                                          "truncate", tmp_ + "/existing",
                                          "mkdir",    tmp_ + "/dir"};
  Expect(Probe(kReadOnlyRoot, tries),
         {{"write:" + outside_ + "/new", "EACCES"},
          {"truncate:" + outside_ + "/existing", "EACCES"},
          {"mkdir:" + outside_ + "/dir", "EACCES"},
          {"write:" + tmp_ + "/new", "OK"},
          {"truncate:" + tmp_ + "/existing", "OK"},
          {"mkdir:" + tmp_ + "/dir", "OK"},
          {"read:" + outside_ + "/existing", "OK"},
          {"read:/etc/passwd", "OK"},
          {"write:/dev/null", "OK"}},
         "--fs-ro / --fs-rw /tmp");
  EXPECT_FALSE(std::filesystem::exists(outside_ + "/new"));
  // Negative control: the same tries without Landlock all work (root owns the files).
  std::filesystem::remove_all(tmp_ + "/dir");
  Expect(Probe({}, tries),
         {{"write:" + outside_ + "/new", "OK"},
          {"truncate:" + outside_ + "/existing", "OK"},
          {"mkdir:" + outside_ + "/dir", "OK"}},
         "no flags");
}

// Landlock gives a path the union of the rules above it: a --fs-rw path beneath a --fs-ro
// tree also gets execute from that tree. Listing the read-only trees instead keeps the
// writable place non-executable.
TEST_F(LandlockTest, AWrittenFileIsExecutableOnlyBeneathAReadOnlyTree) {
  const std::string copy = tmp_ + "/written";
  Expect(Probe(kReadOnlyRoot, {"copy-self", copy, "exec-path", copy}),
         {{"copy-self:" + copy, "OK"}, {"exec-path:" + copy, "OK"}},
         "--fs-ro / --fs-rw /tmp: /tmp is beneath /, which grants execute");

  const std::string copy2 = tmp_ + "/written2";
  Expect(Probe({"--fs-ro", probe_dir_, "--fs-rw", tmp_},
               {"copy-self", copy2, "exec-path", copy2, "exec-path", kProbe, "mmap-exec", copy2}),
         {{"copy-self:" + copy2, "OK"},
          {"exec-path:" + copy2, "EACCES"},
          {"exec-path:" + kProbe, "OK"},
          // Landlock's execute right is checked at execve(), not at mmap(PROT_EXEC): a
          // library written there can still be loaded (a noexec mount refuses both).
          {"mmap-exec:" + copy2, "OK"}},
         "--fs-ro PROBE_DIR --fs-rw TMP");
}

TEST_F(LandlockTest, ReadingAPathOutsideEveryRuleFails) {
  const std::vector<std::string> tries = {
      "read", "/etc/passwd",      "read", outside_ + "/existing",
      "read", tmp_ + "/existing", "read", kProbe};
  Expect(Probe({"--fs-ro", probe_dir_, "--fs-rw", tmp_}, tries),
         {{"read:/etc/passwd", "EACCES"},
          {"read:" + outside_ + "/existing", "EACCES"},
          {"read:" + tmp_ + "/existing", "OK"},
          {"read:" + kProbe, "OK"}},
         "--fs-ro PROBE_DIR --fs-rw TMP");
  Expect(Probe({}, tries), {{"read:/etc/passwd", "OK"}, {"read:" + outside_ + "/existing", "OK"}},
         "no flags");
}

TEST_F(LandlockTest, BindOnlyToListedPorts) {
  const std::string listed = std::to_string(FreePort());
  const std::string other = std::to_string(FreePort());
  Listener server;
  ASSERT_TRUE(server.ok());
  const std::vector<std::string> tries = {"tcp-bind", listed, "tcp-bind",    other,
                                          "udp-bind", other,  "tcp-connect", server.port()};
  Expect(Probe({"--net-bind", listed}, tries),
         {{"tcp-bind:" + listed, "OK"},
          {"tcp-bind:" + other, "EACCES"},
          {"udp-bind:" + other, "OK"},              // the port rules are TCP only
          {"tcp-connect:" + server.port(), "OK"}},  // connect is not restricted by --net-bind
         "--net-bind " + listed);
  Expect(Probe({}, tries), {{"tcp-bind:" + listed, "OK"}, {"tcp-bind:" + other, "OK"}}, "no flags");
}

TEST_F(LandlockTest, ConnectOnlyToListedPorts) {
  Listener listed, other;
  ASSERT_TRUE(listed.ok() && other.ok());
  const std::string bind_port = std::to_string(FreePort());
  const std::vector<std::string> tries = {"tcp-connect", listed.port(), "tcp-connect",
                                          other.port(),  "tcp-bind",    bind_port};
  Expect(Probe({"--net-connect", listed.port()}, tries),
         {{"tcp-connect:" + listed.port(), "OK"},
          {"tcp-connect:" + other.port(), "EACCES"},
          {"tcp-bind:" + bind_port, "OK"}},
         "--net-connect " + listed.port());
  Expect(Probe({"--net-connect", ""}, tries),
         {{"tcp-connect:" + listed.port(), "EACCES"}, {"tcp-connect:" + other.port(), "EACCES"}},
         "--net-connect \"\"");
  Expect(Probe({}, tries),
         {{"tcp-connect:" + listed.port(), "OK"}, {"tcp-connect:" + other.port(), "OK"}},
         "no flags");
}

// Any Landlock flag also scopes abstract UNIX sockets and signals (ABI 6): the program can
// reach neither a socket nor a process outside its own domain, PID 1 included. A socket with
// a path is a file: no filesystem right covers connecting to it.
TEST_F(LandlockTest, AbstractSocketsAndSignalsAreScopedToTheProgramsDomain) {
  const std::string name = "hardinit-landlock-test-" + std::to_string(getpid());
  Listener abstract(name, /*abstract=*/true);
  Listener named(tmp_ + "/socket", /*abstract=*/false);
  ASSERT_TRUE(abstract.ok() && named.ok());
  const std::vector<std::string> tries = {"abstract-connect", name, "signal", "1", "unix-connect",
                                          tmp_ + "/socket"};
  Expect(Probe({"--fs-ro", "/"}, tries),
         {{"abstract-connect:" + name, "EPERM"},
          {"signal:1", "EPERM"},
          {"unix-connect:" + tmp_ + "/socket", "OK"}},
         "--fs-ro /");
  Expect(Probe({}, tries), {{"abstract-connect:" + name, "OK"}, {"signal:1", "OK"}}, "no flags");
}

TEST_F(LandlockTest, AMissingPathIs125AndNamedBeforeTheProgramRuns) {
  const std::string missing = outside_ + "/missing";
  RunResult r =
      RunHardinit({"--fs-ro", "/", "--fs-rw", missing, "--", kProbe, "write", outside_ + "/ran"});
  EXPECT_EQ(r.exit_code, 125) << r.err;
  EXPECT_NE(r.err.find("hardinit: --fs-rw " + missing + ": No such file or directory\n"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(std::filesystem::exists(outside_ + "/ran")) << "the program must not run";

  RunOptions env;
  env.env = {"HARDINIT_FS_RO=" + missing};
  r = RunHardinit({"--", kProbe, "exit", "0"}, env);
  EXPECT_EQ(r.exit_code, 125) << r.err;
  EXPECT_NE(r.err.find("hardinit: HARDINIT_FS_RO " + missing + ": No such file or directory"),
            std::string::npos)
      << r.err;
}

// HARDINIT_LANDLOCK_ABI_CAP makes this ABI 7 kernel look like an older one.
TEST_F(LandlockTest, BestEffortOnAnOlderAbiWarnsNamingEachRightAndRuns) {
  const std::string other = std::to_string(FreePort());
  RunOptions abi3;
  abi3.env = {"HARDINIT_LANDLOCK_ABI_CAP=3"};
  const std::vector<std::string> flags = {"--fs-ro", "/", "--fs-rw", "/tmp", "--net-bind", "80"};
  const std::vector<std::string> tries = {"write", outside_ + "/new", "tcp-bind",
                                          other,   "signal",          "1"};

  // Required (the default): 125, naming the ABI the port list needs.
  RunResult r = RunHardinit({"--fs-ro", "/", "--net-bind", "80", "--", kProbe, "exit", "0"}, abi3);
  EXPECT_EQ(r.exit_code, 125) << r.err;
  EXPECT_NE(r.err.find("hardinit: --net-bind: LANDLOCK_ACCESS_NET_BIND_TCP needs Landlock ABI 4 "
                       "(Linux 6.7) and this kernel offers Landlock ABI 3"),
            std::string::npos)
      << r.err;

  std::vector<std::string> best_effort = flags;
  best_effort.insert(best_effort.begin(), {"--landlock", "best-effort"});
  Expect(Probe(best_effort, tries, abi3),
         {{"write:" + outside_ + "/new", "EACCES"},  // ABI 3's filesystem rules hold
          {"tcp-bind:" + other, "OK"},               // ABI 4's port rules are missing
          {"signal:1", "OK"}},                       // and ABI 6's scopes
         "best-effort, ABI capped to 3");
  for (const char* right : {"LANDLOCK_ACCESS_NET_BIND_TCP", "LANDLOCK_ACCESS_FS_IOCTL_DEV",
                            "LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET", "LANDLOCK_SCOPE_SIGNAL"}) {
    EXPECT_NE(last_.err.find(std::string(right) + " not enforced: this kernel offers Landlock "
                                                  "ABI 3"),
              std::string::npos)
        << right << "\n"
        << last_.err;
  }
  EXPECT_EQ(last_.err.find("LANDLOCK_ACCESS_FS_TRUNCATE"), std::string::npos) << last_.err;

  // As if there were no Landlock: required stops, best-effort runs with nothing enforced.
  RunOptions none;
  none.env = {"HARDINIT_LANDLOCK_ABI_CAP=0", "HARDINIT_LANDLOCK=best-effort"};
  Expect(Probe(flags, tries, none), {{"write:" + outside_ + "/new", "OK"}}, "no Landlock");
  EXPECT_NE(last_.err.find("Landlock is not available"), std::string::npos) << last_.err;
  none.env = {"HARDINIT_LANDLOCK_ABI_CAP=0"};
  r = RunHardinit({"--fs-ro", "/", "--", kProbe, "exit", "0"}, none);
  EXPECT_EQ(r.exit_code, 125) << r.err;
}

TEST_F(LandlockTest, ExecModeAndTheGosuNameApplyTheSameRules) {
  const std::vector<std::string> tries = {"write", outside_ + "/new", "write", tmp_ + "/new"};
  std::vector<std::string> exec = kReadOnlyRoot;
  exec.insert(exec.begin(), "--exec");
  Expect(Probe(exec, tries),
         {{"write:" + outside_ + "/new", "EACCES"}, {"write:" + tmp_ + "/new", "OK"}},
         "--exec --fs-ro / --fs-rw /tmp");

  RunOptions gosu;
  gosu.argv0 = "gosu";
  gosu.env = {"HARDINIT_FS_RO=/", "HARDINIT_FS_RW=/tmp"};
  std::vector<std::string> args = {"root", kProbe};
  args.insert(args.end(), tries.begin(), tries.end());
  RunResult r = RunHardinit(args, gosu);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Report report = ParseReport(r.out);
  EXPECT_EQ(report["write:" + outside_ + "/new"], "EACCES") << r.out;
  EXPECT_EQ(report["write:" + tmp_ + "/new"], "OK") << r.out;
}

// Under tini's name the program runs exactly as under tini, unless the environment opts in.
TEST_F(LandlockTest, TheTiniNameConfinesOnlyWhenTheEnvironmentOptsIn) {
  RunOptions tini;
  tini.argv0 = "tini";
  const std::vector<std::string> args = {"--", kProbe, "write", outside_ + "/new", "status"};
  RunResult r = RunHardinit(args, tini);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Report report = ParseReport(r.out);
  EXPECT_EQ(report["write:" + outside_ + "/new"], "OK") << r.out;
  EXPECT_EQ(report["NoNewPrivs"], "0");

  tini.env = {"HARDINIT_FS_RO=/", "HARDINIT_FS_RW=/tmp"};
  r = RunHardinit(args, tini);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  report = ParseReport(r.out);
  EXPECT_EQ(report["write:" + outside_ + "/new"], "EACCES") << r.out;
  EXPECT_EQ(report["NoNewPrivs"], "1") << "Landlock comes with the rest of the confinement";
}

// The program may still sandbox itself (stack its own domain) under both built-in profiles,
// as under Docker's: hardinit's own landlock_restrict_self() runs before the filter.
TEST_F(LandlockTest, TheProgramsOwnLandlockUseWorksUnderTheBuiltInProfiles) {
  for (const char* profile : {"default", "strict"}) {
    Expect(Probe({"--seccomp", profile}, {"landlock-self", "-"}), {{"landlock-self:-", "OK"}},
           std::string("--seccomp ") + profile);
    Expect(Probe({"--seccomp", profile, "--fs-ro", "/", "--fs-rw", "/tmp"},
                 {"landlock-self", "-", "write", tmp_ + "/after"}),
           {{"landlock-self:-", "OK"}, {"write:" + tmp_ + "/after", "EACCES"}},
           std::string("--seccomp ") + profile + " with hardinit's domain below");
  }
}

// What Landlock does not cover, as the documentation says: a descriptor opened before the
// restriction stays usable, and metadata (chmod, chown, utime) is not a Landlock right. The
// ruleset's own descriptor never reaches the program.
TEST_F(LandlockTest, WhatLandlockDoesNotCover) {
  const std::string log = outside_ + "/opened-before";
  RunOptions options;
  options.before_exec = [log] {
    const int fd = open(log.c_str(), O_WRONLY | O_CREAT, 0644);
    if (fd >= 0) dup2(fd, STDIN_FILENO);
  };
  Expect(
      Probe(kReadOnlyRoot, {"write-fd", "0", "write", log, "chmod", outside_ + "/existing", "fds"},
            options),
      {{"write-fd:0", "OK"}, {"write:" + log, "EACCES"}, {"chmod:" + outside_ + "/existing", "OK"}},
      "--fs-ro / --fs-rw /tmp");
  EXPECT_EQ(ParseReport(last_.out)["fds"], "none") << last_.out;
}

TEST_F(LandlockTest, InspectSeesTheDomainFromInsideIt) {
  RunResult r = RunHardinit({"--fs-ro", "/", "--", kHardinit, "--inspect", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto report = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(report.is_discarded()) << r.out;
  EXPECT_EQ(report["landlock"]["abi"], KernelLandlockAbi());
  EXPECT_EQ(report["landlock"]["restricted"], true) << r.out;
  EXPECT_NE(report["landlock"]["evidence"].get<std::string>().find("kill(1, 0) is refused"),
            std::string::npos)
      << r.out;

  r = RunHardinit({"--", kHardinit, "--inspect", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  report = nlohmann::json::parse(r.out, nullptr, false);
  EXPECT_EQ(report["landlock"]["restricted"], false) << r.out;

  // Rules that do not cover "/" show even without the scopes (ABI capped to 5).
  RunOptions abi5;
  abi5.env = {"HARDINIT_LANDLOCK_ABI_CAP=5", "HARDINIT_LANDLOCK=best-effort"};
  r = RunHardinit({"--fs-ro", ReadOnlyTreesFor(kHardinit), "--", kHardinit, "--inspect"}, abi5);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("restricted: opening / is refused"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace hardinit::testing
