#include "hardinit/inspect.h"

#include <sys/prctl.h>
#include <unistd.h>

#include <charconv>
#include <cstring>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "hardinit/caps.h"
#include "hardinit/error.h"
#include "hardinit/file_util.h"
#include "hardinit/landlock.h"

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
  int seen = 0;
  std::string_view rest = text;
  while (!rest.empty()) {
    const size_t newline = rest.find('\n');
    const std::string_view line = rest.substr(0, newline);
    rest = newline == std::string_view::npos ? std::string_view() : rest.substr(newline + 1);
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view key = line.substr(0, colon);
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
      value.remove_prefix(1);
    }
    const std::vector<long long> numbers = ParseNumbers(value);
    auto hex = [value](uint64_t* mask) {
      std::from_chars(value.data(), value.data() + value.size(), *mask, 16);
    };
    if (key == "Name") {
      out->name = std::string(value);
    } else if (key == "Pid" && numbers.size() == 1) {
      out->pid = static_cast<pid_t>(numbers[0]);
    } else if ((key == "Uid" || key == "Gid") && numbers.size() == 4) {
      for (int i = 0; i < 4; ++i) {
        if (key == "Uid") out->uid[i] = static_cast<uid_t>(numbers[i]);
        if (key == "Gid") out->gid[i] = static_cast<gid_t>(numbers[i]);
      }
      ++seen;
    } else if (key == "Groups") {
      for (long long group : numbers) out->groups.push_back(static_cast<gid_t>(group));
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
    } else if (key == "NoNewPrivs" && numbers.size() == 1) {
      out->no_new_privs = numbers[0] != 0;
    } else if (key == "Seccomp" && numbers.size() == 1) {
      out->seccomp_mode = static_cast<int>(numbers[0]);
    } else if (key == "Seccomp_filters" && numbers.size() == 1) {
      out->seccomp_filters = static_cast<int>(numbers[0]);
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
  std::string text;
  ReadFileError error;
  if (!ReadWholeFile(path, {.limit = 1 << 20}, &text, &error)) {
    *err = ErrnoMessage("--inspect " + std::to_string(pid) + ": " + path, error.errnum);
    return false;
  }
  if (!ParseProcStatus(text, out, err)) {
    *err = path + ": " + *err;
    return false;
  }
  if (pid == getpid()) {
    const int bits = prctl(PR_GET_SECUREBITS);
    if (bits >= 0) out->securebits = static_cast<unsigned long>(bits);
    const LandlockStatus landlock = InspectOwnLandlock();
    out->landlock_restricted = landlock.restricted;
    out->landlock_evidence = landlock.evidence;
  } else {
    out->landlock_evidence = "unknown: Linux shows no Landlock state in /proc; run --inspect "
                             "inside the process's domain (e.g. as its child) to look";
  }
  out->landlock_abi = QueryLandlockAbi(&out->landlock_errno);
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
    j["landlock"] = {{"abi", s.landlock_abi},
                     {"restricted", s.landlock_restricted ? nlohmann::ordered_json(
                                                                *s.landlock_restricted)
                                                          : nlohmann::ordered_json(nullptr)},
                     {"evidence", s.landlock_evidence}};
    if (s.landlock_abi == 0) j["landlock"]["unavailable"] = strerrordesc_np(s.landlock_errno);
    // Names come from the kernel (comm) and the image's files, in any bytes: an invalid UTF-8
    // byte becomes U+FFFD rather than an exception (nlohmann's default) or invalid JSON.
    return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
  }
  std::vector<std::string> groups;
  for (gid_t g : s.groups) groups.push_back(Named(g, GroupName(g, files)));
  auto caps = [](uint64_t mask) { return Join(CapabilityNames(mask), "none"); };
  std::string out = fmt::format(
      "process       {} ({})\n"
      "user          {}  [real {}, effective {}, saved {}]\n"
      "group         {}  [real {}, effective {}, saved {}]\n"
      "groups        {}\n"
      "capabilities  effective:   {}\n"
      "              permitted:   {}\n"
      "              inheritable: {}\n"
      "              bounding:    {}\n"
      "              ambient:     {}\n"
      "securebits    {}\n"
      "no_new_privs  {}\n"
      "seccomp       {}",
      s.pid, s.name, Named(s.uid[0], UserName(s.uid[0], files)), s.uid[0], s.uid[1], s.uid[2],
      Named(s.gid[0], GroupName(s.gid[0], files)), s.gid[0], s.gid[1], s.gid[2],
      Join(groups, "none"), caps(s.cap_effective), caps(s.cap_permitted),
      caps(s.cap_inheritable), caps(s.cap_bounding), caps(s.cap_ambient),
      s.securebits ? Join(SecurebitNames(*s.securebits), "none")
                   : std::string("(readable only by the process itself)"),
      s.no_new_privs ? "yes: exec can never gain privileges" : "no",
      SeccompModeName(s.seccomp_mode));
  if (s.seccomp_mode == 2) out += fmt::format(" ({} filter(s))", s.seccomp_filters);
  const std::string kernel =
      s.landlock_abi > 0 ? fmt::format("the kernel offers ABI {}", s.landlock_abi)
                         : fmt::format("unavailable ({})", strerrordesc_np(s.landlock_errno));
  const char* restricted = !s.landlock_restricted ? "" : *s.landlock_restricted ? "restricted: "
                                                                                 : "not seen: ";
  out += fmt::format("\nlandlock      {}\n              {}{}", kernel, restricted,
                     s.landlock_evidence);
  return out + "\n";
}

}  // namespace hardinit
