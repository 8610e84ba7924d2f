// The program types `strict` is promised to (seccomp-profiles/README.md, issue 5) start and do
// ordinary work under it, and under `default`: busybox, CPython (files, a socket pair, a
// thread), Node.js (a worker thread), a JVM, Go binaries. busybox and python3 must be
// installed (scripts/install-deps.sh --test); the others are skipped, with the reason
// printed, when this machine lacks them.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "harness.h"

namespace hardinit::testing {
namespace {

// The directories of the PATH the harness gives hardinit: a runtime found elsewhere (a pyenv
// shim in root's PATH) is not what an image would run.
const std::vector<std::string> kPathDirs = {"/usr/local/sbin", "/usr/local/bin", "/usr/sbin",
                                            "/usr/bin",        "/sbin",          "/bin"};

// The first executable regular file called `name` on the harness's PATH, or "".
std::string FindProgram(const std::string& name) {
  for (const std::string& dir : kPathDirs) {
    const std::string path = dir + "/" + name;
    struct stat st{};
    if (stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(path.c_str(), X_OK) == 0) {
      return path;
    }
  }
  return "";
}

class RuntimeTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { dir_ = MakeTempDir(); }
  void TearDown() override {
    std::error_code ignored;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
  }
  const std::string& profile() const { return GetParam(); }
  RunResult Run(const std::string& program, const std::vector<std::string>& args) {
    std::vector<std::string> all = {"--seccomp", profile(), "--", program};
    all.insert(all.end(), args.begin(), args.end());
    RunOptions options;
    options.timeout_ms = 60000;
    return RunHardinit(all, options);
  }
  std::string dir_;
};

TEST_P(RuntimeTest, Busybox) {
  HARDINIT_REQUIRE_ROOT();
  const std::string busybox = FindProgram("busybox");
  ASSERT_NE(busybox, "") << "busybox must be installed (scripts/install-deps.sh --test)";
  const std::string file = dir_ + "/x";
  const RunResult r =
      Run(busybox, {"sh", "-c",
                    "echo ok > " + file + " && cat " + file +
                        " && ls " + dir_ + " >/dev/null && grep '^Seccomp:' /proc/self/status"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "ok\nSeccomp:\t2\n") << r.err;
}

TEST_P(RuntimeTest, Python3FilesSocketpairAndAThread) {
  HARDINIT_REQUIRE_ROOT();
  const std::string python = FindProgram("python3");
  ASSERT_NE(python, "") << "python3 must be installed (scripts/install-deps.sh --test)";
  const std::string script = R"py(
import os, socket, sys, threading
path = sys.argv[1] + "/data.txt"
with open(path, "w") as f:
    f.write("ok")
with open(path) as f:
    assert f.read() == "ok"
a, b = socket.socketpair()
a.sendall(b"ping")
assert b.recv(4) == b"ping"
result = []
t = threading.Thread(target=lambda: result.append(sum(range(1000))))
t.start()
t.join()
assert result == [499500]
seccomp = [l.split()[1] for l in open("/proc/self/status") if l.startswith("Seccomp:")][0]
print("python ok seccomp=" + seccomp)
)py";
  const RunResult r = Run(python, {"-c", script, dir_});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "python ok seccomp=2\n") << r.err;
}

TEST_P(RuntimeTest, NodeWorkerThread) {
  HARDINIT_REQUIRE_ROOT();
  std::string node = FindProgram("node");
  if (node.empty()) node = FindProgram("nodejs");
  HARDINIT_REQUIRE_TOOL(!node.empty(), "Node.js (node, nodejs)");
  const std::string script = R"js(
const { Worker } = require('worker_threads');
const fs = require('fs');
const seccomp = fs.readFileSync('/proc/self/status', 'utf8').match(/^Seccomp:\s+(\d+)/m)[1];
const w = new Worker("require('worker_threads').parentPort.postMessage(6 * 7)", { eval: true });
w.on('message', (m) => console.log('worker=' + m + ' seccomp=' + seccomp));
w.on('error', (e) => { console.error(e); process.exit(1); });
)js";
  const RunResult r = Run(node, {"-e", script});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "worker=42 seccomp=2\n") << r.err;
}

TEST_P(RuntimeTest, JavaVersion) {
  HARDINIT_REQUIRE_ROOT();
  const std::string java = FindProgram("java");
  HARDINIT_REQUIRE_TOOL(!java.empty(), "a JVM (java)");
  const RunResult r = Run(java, {"-version"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find(" version \""), std::string::npos) << r.err;  // java -version: stderr
}

TEST_P(RuntimeTest, GoBinaries) {
  HARDINIT_REQUIRE_ROOT();
  int tested = 0;
  for (const std::string name : {"runc", "containerd"}) {
    const std::string program = FindProgram(name);
    if (program.empty()) {
      std::printf("[   INFO   ] %s is not installed: not tested\n", name.c_str());
      continue;
    }
    const RunResult r = Run(program, {"--version"});
    EXPECT_EQ(r.exit_code, 0) << name << ": " << r.err;
    EXPECT_NE(r.out.find(name), std::string::npos) << name << ": " << r.out << r.err;
    ++tested;
  }
  HARDINIT_REQUIRE_TOOL(tested > 0, "a Go binary (runc, containerd)");
}

INSTANTIATE_TEST_SUITE_P(Profiles, RuntimeTest, ::testing::Values("strict", "default"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

}  // namespace
}  // namespace hardinit::testing
