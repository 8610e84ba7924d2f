#include "hardinit/inspect.h"

#include <sys/prctl.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "hardinit/caps.h"
#include "hardinit/error.h"

namespace hardinit {
namespace {

struct SecurebitName {
  int bit;
  const char* name;
};
constexpr SecurebitName kSecurebits[] = {
    {0, "NOROOT"},         {1, "NOROOT_LOCKED"},         {2, "NO_SETUID_FIXUP"},
    {3, "NO_SETUID_FIXUP_LOCKED"}, {4, "KEEP_CAPS"},     {5, "KEEP_CAPS_LOCKED"},
    {6, "NO_CAP_AMBIENT_RAISE"},   {7, "NO_CAP_AMBIENT_RAISE_LOCKED"},
};

std::vector<std::string> CapabilityNames(uint64_t mask) {
  std::vector<std::string> names;
  for (int cap = 0; cap < 64; ++cap) {
    if ((mask >> cap) & 1U) names.push_back(CapabilityName(cap));
  }
  return names;
}

std::vector<std::string> SecurebitNames(unsigned long bits) {
  std::vector<std::string> names;
  for (const SecurebitName& s : kSecurebits) {
    if ((bits >> s.bit) & 1U) names.push_back(s.name);
  }
  return names;
}

std::string Join(const std::vector<std::string>& parts, const char* none) {
  if (parts.empty()) return none;
  std::string out;
  for (const std::string& part : parts) out += (out.empty() ? "" : ", ") + part;
  return out;
}

std::string Named(unsigned id, const std::string& name) {
  return std::to_string(id) + (name.empty() ? "" : " (" + name + ")");
}

const char* SeccompModeName(int mode) {
  return mode == 2 ? "filter" : mode == 1 ? "strict" : "disabled";
}

}  // namespace

bool ParseProcStatus(const std::string& text, SecurityState* out, std::string* err) {
  std::istringstream lines(text);
  std::string line;
  int seen = 0;
  while (std::getline(lines, line)) {
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string key = line.substr(0, colon);
    std::istringstream value(line.substr(colon + 1));
    auto hex = [&value](uint64_t* mask) { value >> std::hex >> *mask; };
    if (key == "Name") {
      value >> out->name;
    } else if (key == "Pid") {
      value >> out->pid;
    } else if (key == "Uid") {
      value >> out->uid[0] >> out->uid[1] >> out->uid[2] >> out->uid[3];
      ++seen;
    } else if (key == "Gid") {
      value >> out->gid[0] >> out->gid[1] >> out->gid[2] >> out->gid[3];
      ++seen;
    } else if (key == "Groups") {
      gid_t group;
      while (value >> group) out->groups.push_back(group);
    } else if (key == "CapInh") {
      hex(&out->cap_inheritable);
    } else if (key == "CapPrm") {
      hex(&out->cap_permitted);
    } else if (key == "CapEff") {
      hex(&out->cap_effective);
    } else if (key == "CapBnd") {
      hex(&out->cap_bounding);
    } else if (key == "CapAmb") {
      hex(&out->cap_ambient);
    } else if (key == "NoNewPrivs") {
      int nnp = 0;
      value >> nnp;
      out->no_new_privs = nnp != 0;
    } else if (key == "Seccomp") {
      value >> out->seccomp_mode;
    } else if (key == "Seccomp_filters") {
      value >> out->seccomp_filters;
    }
  }
  if (seen != 2) {
    *err = "not a /proc/PID/status text (no Uid/Gid lines)";
    return false;
  }
  return true;
}

bool ReadSecurityState(pid_t pid, SecurityState* out, std::string* err) {
  const std::string path = "/proc/" + std::to_string(pid) + "/status";
  std::ifstream file(path);
  if (!file) {
    *err = ErrnoMessage("--inspect " + std::to_string(pid) + ": " + path, errno);
    return false;
  }
  std::stringstream text;
  text << file.rdbuf();
  if (!ParseProcStatus(text.str(), out, err)) {
    *err = path + ": " + *err;
    return false;
  }
  if (pid == getpid()) {
    const int bits = prctl(PR_GET_SECUREBITS);
    if (bits >= 0) out->securebits = static_cast<unsigned long>(bits);
  }
  return true;
}

std::string FormatSecurityState(const SecurityState& s, LogFormat format,
                                const IdentityFiles& files) {
  if (format == LogFormat::kJson) {
    nlohmann::ordered_json j;
    j["pid"] = s.pid;
    j["name"] = s.name;
    auto ids = [](const auto& v, const std::string& name) {
      return nlohmann::ordered_json{{"real", v[0]}, {"effective", v[1]}, {"saved", v[2]},
                                    {"filesystem", v[3]}, {"name", name}};
    };
    j["uid"] = ids(s.uid, UserName(s.uid[0], files));
    j["gid"] = ids(s.gid, GroupName(s.gid[0], files));
    j["groups"] = nlohmann::ordered_json::array();
    for (gid_t g : s.groups) j["groups"].push_back({{"id", g}, {"name", GroupName(g, files)}});
    auto caps = [](uint64_t mask) {
      char hex[17];
      std::snprintf(hex, sizeof(hex), "%016llx", static_cast<unsigned long long>(mask));
      return nlohmann::ordered_json{{"hex", hex}, {"names", CapabilityNames(mask)}};
    };
    j["capabilities"] = {{"effective", caps(s.cap_effective)},
                         {"permitted", caps(s.cap_permitted)},
                         {"inheritable", caps(s.cap_inheritable)},
                         {"bounding", caps(s.cap_bounding)},
                         {"ambient", caps(s.cap_ambient)}};
    if (s.securebits) {
      j["securebits"] = {{"value", *s.securebits}, {"names", SecurebitNames(*s.securebits)}};
    } else {
      j["securebits"] = nullptr;
    }
    j["no_new_privs"] = s.no_new_privs;
    j["seccomp"] = {{"mode", SeccompModeName(s.seccomp_mode)}, {"filters", s.seccomp_filters}};
    return j.dump() + "\n";
  }
  std::ostringstream out;
  std::vector<std::string> groups;
  for (gid_t g : s.groups) groups.push_back(Named(g, GroupName(g, files)));
  out << "process       " << s.pid << " (" << s.name << ")\n"
      << "user          " << Named(s.uid[0], UserName(s.uid[0], files)) << "  [real "
      << s.uid[0] << ", effective " << s.uid[1] << ", saved " << s.uid[2] << "]\n"
      << "group         " << Named(s.gid[0], GroupName(s.gid[0], files)) << "  [real "
      << s.gid[0] << ", effective " << s.gid[1] << ", saved " << s.gid[2] << "]\n"
      << "groups        " << Join(groups, "none") << "\n"
      << "capabilities  effective:   " << Join(CapabilityNames(s.cap_effective), "none") << "\n"
      << "              permitted:   " << Join(CapabilityNames(s.cap_permitted), "none") << "\n"
      << "              inheritable: " << Join(CapabilityNames(s.cap_inheritable), "none") << "\n"
      << "              bounding:    " << Join(CapabilityNames(s.cap_bounding), "none") << "\n"
      << "              ambient:     " << Join(CapabilityNames(s.cap_ambient), "none") << "\n"
      << "securebits    "
      << (s.securebits ? Join(SecurebitNames(*s.securebits), "none")
                       : std::string("(readable only by the process itself)"))
      << "\n"
      << "no_new_privs  " << (s.no_new_privs ? "yes: exec can never gain privileges" : "no")
      << "\n"
      << "seccomp       " << SeccompModeName(s.seccomp_mode);
  if (s.seccomp_mode == 2) out << " (" << s.seccomp_filters << " filter(s))";
  out << "\n";
  return out.str();
}

}  // namespace hardinit
