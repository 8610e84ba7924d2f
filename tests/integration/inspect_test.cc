// `hardinit --inspect [PID]` (issue 4): the report is checked field by field against what
// the kernel says in /proc/PID/status, for hardinit itself (in a state the test sets up, so
// that every field has a value of its own) and for a confined program under hardinit.
#include <grp.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "harness.h"

namespace hardinit::testing {
namespace {

using nlohmann::json;

[[noreturn]] void ChildFail(const char* what) {
  dprintf(STDERR_FILENO, "before_exec: %s: %s\n", what, strerror(errno));
  _exit(250);
}

std::string Hex(uint64_t mask) {
  char text[17];
  snprintf(text, sizeof(text), "%016llx", static_cast<unsigned long long>(mask));
  return text;
}

// /proc/PID/status as "Field" -> whitespace-separated words.
std::map<std::string, std::vector<std::string>> ProcStatus(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::map<std::string, std::vector<std::string>> fields;
  std::string line;
  while (std::getline(in, line)) {
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::istringstream words(line.substr(colon + 1));
    std::vector<std::string>& field = fields[line.substr(0, colon)];
    for (std::string word; words >> word;) field.push_back(word);
  }
  return fields;
}

// Checks every field of an --inspect JSON report against /proc/PID/status.
void ExpectMatchesProc(const json& report, std::map<std::string, std::vector<std::string>> proc) {
  ASSERT_FALSE(proc.empty());
  EXPECT_EQ(std::to_string(report["pid"].get<int>()), proc["Pid"].at(0));
  EXPECT_EQ(report["name"], proc["Name"].at(0));
  const char* kinds[] = {"real", "effective", "saved", "filesystem"};
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(std::to_string(report["uid"][kinds[i]].get<unsigned>()), proc["Uid"].at(i))
        << "uid " << kinds[i];
    EXPECT_EQ(std::to_string(report["gid"][kinds[i]].get<unsigned>()), proc["Gid"].at(i))
        << "gid " << kinds[i];
  }
  std::vector<std::string> groups;
  for (const json& group : report["groups"]) {
    groups.push_back(std::to_string(group["id"].get<unsigned>()));
  }
  EXPECT_EQ(groups, proc["Groups"]);
  const std::pair<const char*, const char*> sets[] = {{"effective", "CapEff"},
                                                      {"permitted", "CapPrm"},
                                                      {"inheritable", "CapInh"},
                                                      {"bounding", "CapBnd"},
                                                      {"ambient", "CapAmb"}};
  for (const auto& [set, field] : sets) {
    EXPECT_EQ(report["capabilities"][set]["hex"], proc[field].at(0)) << set;
  }
  EXPECT_EQ(report["no_new_privs"].get<bool>() ? "1" : "0", proc["NoNewPrivs"].at(0));
  const std::string mode = proc["Seccomp"].at(0) == "2"   ? "filter"
                           : proc["Seccomp"].at(0) == "1" ? "strict"
                                                          : "disabled";
  EXPECT_EQ(report["seccomp"]["mode"], mode);
  EXPECT_EQ(std::to_string(report["seccomp"]["filters"].get<int>()), proc["Seccomp_filters"].at(0));
}

json ParseJson(const std::string& text) {
  json parsed = json::parse(text, nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(parsed.is_discarded()) << text;
  return parsed;
}

// hardinit inspecting itself in a state of the test's making: real ids apart from the
// effective ones (execve() sets the saved ids to the effective ones), two groups,
// CAP_SYS_ADMIN out of the bounding set, nothing inheritable but CAP_KILL, securebits
// NO_SETUID_FIXUP (KEEP_CAPS would not survive execve()), no_new_privs.
void OddState() {
  const gid_t groups[] = {7, 8};
  if (setgroups(2, groups) != 0) ChildFail("setgroups");
  if (setresgid(5, 6, 7) != 0) ChildFail("setresgid");
  if (prctl(PR_CAPBSET_DROP, CAP_SYS_ADMIN) != 0) ChildFail("PR_CAPBSET_DROP");
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2]{};
  if (syscall(SYS_capget, &header, data) != 0) ChildFail("capget");
  data[0].inheritable = 1U << CAP_KILL;
  data[1].inheritable = 0;
  if (syscall(SYS_capset, &header, data) != 0) ChildFail("capset");
  if (prctl(PR_SET_SECUREBITS, 1UL << 2 /* SECBIT_NO_SETUID_FIXUP */) != 0) {
    ChildFail("securebits");
  }
  // Real 1000, effective still 0: root's rule keeps the capabilities at execve().
  if (setresuid(1000, 0, 2000) != 0) ChildFail("setresuid");
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) ChildFail("PR_SET_NO_NEW_PRIVS");
}

TEST(Inspect, ItselfAsJson) {
  HARDINIT_REQUIRE_ROOT();
  RunOptions options;
  options.before_exec = OddState;
  RunResult r = RunHardinit({"--inspect", "--json"}, options);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json report = ParseJson(r.out);
  EXPECT_EQ(report["pid"], 1) << "PID 1 of its namespace";
  EXPECT_EQ(report["uid"]["real"], 1000);
  EXPECT_EQ(report["uid"]["effective"], 0);
  EXPECT_EQ(report["uid"]["saved"], 0);
  EXPECT_EQ(report["uid"]["filesystem"], 0);
  EXPECT_EQ(report["gid"]["real"], 5);
  EXPECT_EQ(report["gid"]["effective"], 6);
  EXPECT_EQ(report["gid"]["saved"], 6);
  EXPECT_EQ(report["gid"]["filesystem"], 6);
  ASSERT_EQ(report["groups"].size(), 2U) << r.out;
  EXPECT_EQ(report["groups"][0]["id"], 7);
  EXPECT_EQ(report["groups"][1]["id"], 8);
  EXPECT_EQ(report["capabilities"]["inheritable"]["hex"], Hex(uint64_t{1} << CAP_KILL));
  EXPECT_EQ(report["capabilities"]["inheritable"]["names"], json::array({"CAP_KILL"}));
  EXPECT_EQ(report["capabilities"]["ambient"]["names"], json::array());
  const std::string bounding = report["capabilities"]["bounding"]["hex"];
  EXPECT_EQ(std::stoull(bounding, nullptr, 16) & (uint64_t{1} << CAP_SYS_ADMIN), 0U);
  json names = report["capabilities"]["bounding"]["names"];
  EXPECT_EQ(std::find(names.begin(), names.end(), "CAP_SYS_ADMIN"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "CAP_NET_BIND_SERVICE"), names.end());
  EXPECT_EQ(report["securebits"]["value"], 4);
  EXPECT_EQ(report["securebits"]["names"], json::array({"NO_SETUID_FIXUP"}));
  EXPECT_EQ(report["no_new_privs"], true);
  EXPECT_EQ(report["seccomp"]["mode"], "disabled");
  EXPECT_EQ(report["seccomp"]["filters"], 0);

  // Negative control: started plainly, the same report says root, no_new_privs off.
  r = RunHardinit({"--inspect", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  report = ParseJson(r.out);
  EXPECT_EQ(report["uid"]["real"], 0);
  EXPECT_EQ(report["gid"]["effective"], 0);
  EXPECT_EQ(report["securebits"]["value"], 0);
  EXPECT_EQ(report["no_new_privs"], false);
}

// Without a PID namespace, hardinit's own report can be held against the test's own view of
// the same credentials: the launcher inherits the test process's.
TEST(Inspect, ItselfMatchesTheCallersProcStatus) {
  HARDINIT_REQUIRE_ROOT();
  RunOptions options;
  options.new_pid_namespace = false;
  RunResult r = RunHardinit({"--inspect", "--log-format", "json"}, options);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json report = ParseJson(r.out);
  auto proc = ProcStatus(getpid());
  proc["Pid"] = {std::to_string(report["pid"].get<int>())};
  proc["Name"] = {"hardinit"};
  ExpectMatchesProc(report, proc);
}

TEST(Inspect, AnotherPidMatchesItsProcStatus) {
  HARDINIT_REQUIRE_ROOT();
  Process p({"--user", "1000", "--groups", "27,100", "--cap-keep", "NET_BIND_SERVICE,CHOWN", "--",
             kProbe, "status", "sleep", "30"},
            {});
  ASSERT_TRUE(p.WaitForOutput("env_LOGNAME=")) << p.out();
  std::ifstream children("/proc/" + std::to_string(p.pid()) + "/task/" + std::to_string(p.pid()) +
                         "/children");
  pid_t probe = 0;
  ASSERT_TRUE(children >> probe);

  RunOptions options;
  options.new_pid_namespace = false;  // the pid as the test sees it
  RunResult r = RunHardinit({"--inspect", std::to_string(probe), "--json"}, options);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json report = ParseJson(r.out);
  ExpectMatchesProc(report, ProcStatus(probe));
  // And against what the program says about itself.
  auto own = ParseReport(p.out());
  EXPECT_EQ(report["capabilities"]["ambient"]["hex"], own["CapAmb"]);
  EXPECT_EQ(report["capabilities"]["ambient"]["names"],
            json::array({"CAP_CHOWN", "CAP_NET_BIND_SERVICE"}));
  EXPECT_EQ(report["uid"]["real"], 1000);
  EXPECT_EQ(report["no_new_privs"], true);
  EXPECT_EQ(report["seccomp"]["mode"], "filter");
  EXPECT_TRUE(report["securebits"].is_null()) << "readable only by the process itself";

  // PID 1 (hardinit after its own drop) seen from outside.
  r = RunHardinit({"--inspect", std::to_string(p.pid()), "--json"}, options);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ExpectMatchesProc(ParseJson(r.out), ProcStatus(p.pid()));

  // The human form names the capabilities and the user.
  r = RunHardinit({"--inspect", std::to_string(probe)}, options);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("CAP_NET_BIND_SERVICE"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("CAP_CHOWN"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("effective:   CAP_CHOWN, CAP_NET_BIND_SERVICE\n"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("no_new_privs  yes"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("seccomp       filter"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("CAP_SYS_ADMIN"), std::string::npos) << r.out;

  // Negative control: the test process itself holds CAP_SYS_ADMIN, and the human form says
  // so for it.
  r = RunHardinit({"--inspect", std::to_string(getpid())}, options);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("CAP_SYS_ADMIN"), std::string::npos) << r.out;
  p.Signal(SIGKILL);
}

TEST(Inspect, UnknownPidIs125) {
  HARDINIT_REQUIRE_ROOT();
  std::ifstream pid_max_file("/proc/sys/kernel/pid_max");
  long pid_max = 0;
  pid_max_file >> pid_max;
  // Pids are below pid_max, so pid_max itself never names a process.
  const std::string pid = std::to_string(std::min<long>(pid_max, 4194304));
  RunOptions options;
  options.new_pid_namespace = false;
  const std::string message =
      "--inspect " + pid + ": /proc/" + pid + "/status: No such file or directory";
  RunResult r = RunHardinit({"--inspect", pid}, options);
  EXPECT_EQ(r.exit_code, 125);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "hardinit: " + message + "\n");

  // With --json the failure is a JSON log line too.
  r = RunHardinit({"--inspect", pid, "--json"}, options);
  EXPECT_EQ(r.exit_code, 125);
  EXPECT_EQ(r.out, "");
  json line = ParseJson(r.err);
  EXPECT_EQ(line["level"], "critical") << r.err;
  EXPECT_EQ(line["msg"], message) << r.err;

  // Negative control: a pid that is there.
  EXPECT_EQ(RunHardinit({"--inspect", std::to_string(getpid())}, options).exit_code, 0);
}

}  // namespace
}  // namespace hardinit::testing
