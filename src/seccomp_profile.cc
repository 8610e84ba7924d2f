// Docker/OCI seccomp JSON → SeccompProfile. Zone: parent.
//
// Strict where Docker is lax: an unknown field, a value of the wrong type or an unknown name
// is an error naming its JSON path, because a misspelt "excludes" silently turns a gated
// rule into an unconditional allow. seccomp-profiles/README.md lists every choice.
#include <errno.h>
#include <seccomp.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <initializer_list>
#include <nlohmann/json.hpp>

#include "hardinit/error.h"
#include "hardinit/file_util.h"
#include "hardinit/seccomp_profile.h"

namespace hardinit {
namespace {

using Json = nlohmann::json;

// linux/seccomp.h values, spelled out because the kernel headers of the build machine may be
// older than the flags a profile names.
constexpr unsigned int kFlagLog = 1U << 1;
constexpr unsigned int kFlagSpecAllow = 1U << 2;

constexpr uint32_t kMaxErrno = 4095;      // the kernel clamps larger errnos (MAX_ERRNO)
constexpr uint32_t kMaxTraceData = 0xffff;  // SECCOMP_RET_DATA

// Capability names by number (linux/capability.h, up to CAP_CHECKPOINT_RESTORE = 40).
constexpr std::array<const char*, 41> kCapabilityNames = {
    "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID",
    "SETUID", "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN",
    "NET_RAW", "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE",
    "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME",
    "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP",
    "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ",
    "PERFMON", "BPF", "CHECKPOINT_RESTORE"};

// Every architecture the OCI runtime-spec names, whether or not libseccomp 2.5.4 knows it:
// only the entry for this machine is ever handed to libseccomp.
constexpr std::array<const char*, 23> kScmpArchNames = {
    "SCMP_ARCH_X86",        "SCMP_ARCH_X86_64",   "SCMP_ARCH_X32",      "SCMP_ARCH_ARM",
    "SCMP_ARCH_AARCH64",    "SCMP_ARCH_MIPS",     "SCMP_ARCH_MIPS64",   "SCMP_ARCH_MIPS64N32",
    "SCMP_ARCH_MIPSEL",     "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
    "SCMP_ARCH_PPC64",      "SCMP_ARCH_PPC64LE",  "SCMP_ARCH_S390",     "SCMP_ARCH_S390X",
    "SCMP_ARCH_PARISC",     "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64",  "SCMP_ARCH_LOONGARCH64",
    "SCMP_ARCH_M68K",       "SCMP_ARCH_SH",       "SCMP_ARCH_SHEB"};

// Docker's arch names for includes/excludes.arches (moby goToNative, plus libseccomp's
// spellings of the same machines).
constexpr std::array<const char*, 25> kDockerArchNames = {
    "x86",   "amd64",  "x32",      "arm",         "arm64",   "mips",      "mips64",
    "mips64n32", "mipsel", "mipsel64", "mipsel64n32", "ppc",  "ppc64",     "ppc64le",
    "s390",  "s390x",  "parisc",   "parisc64",    "riscv64", "loong64",   "loongarch64",
    "m68k",  "sh",     "sheb",     "mips64le"};

struct NativeArch {
  const char* docker;
  const char* scmp;
};
constexpr std::array<NativeArch, 13> kNativeArches = {{
    {"amd64", "SCMP_ARCH_X86_64"}, {"x86", "SCMP_ARCH_X86"}, {"386", "SCMP_ARCH_X86"},
    {"arm64", "SCMP_ARCH_AARCH64"}, {"arm", "SCMP_ARCH_ARM"}, {"ppc64le", "SCMP_ARCH_PPC64LE"},
    {"ppc64", "SCMP_ARCH_PPC64"}, {"s390x", "SCMP_ARCH_S390X"}, {"riscv64", "SCMP_ARCH_RISCV64"},
    {"loong64", "SCMP_ARCH_LOONGARCH64"}, {"mips64", "SCMP_ARCH_MIPS64"},
    {"mips64le", "SCMP_ARCH_MIPSEL64"}, {"mipsel64", "SCMP_ARCH_MIPSEL64"},
}};

template <size_t N>
bool Contains(const std::array<const char*, N>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::string TypeName(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null: return "null";
    case Json::value_t::object: return "an object";
    case Json::value_t::array: return "an array";
    case Json::value_t::string: return "a string";
    case Json::value_t::boolean: return "a boolean";
    case Json::value_t::number_integer: return "a negative number";
    case Json::value_t::number_float: return "a fractional number";
    default: return "a number";
  }
}

// glibc knows every errno name; scan them rather than keep a table that goes stale.
int ErrnoFromName(std::string_view name) {
  for (int e = 1; e <= static_cast<int>(kMaxErrno); ++e) {
    const char* n = strerrorname_np(e);
    if (n != nullptr && name == n) return e;
  }
  return -1;
}

// Walks the JSON with the path of the current value, so every error can name it.
class ProfileParser {
 public:
  explicit ProfileParser(std::string* err) : err_(err) {}

  bool Parse(const Json& root, SeccompProfile* out) {
    if (!Expect(root, "profile", Json::value_t::object)) return false;
    if (!CheckKeys(root, "", {"defaultAction", "defaultErrnoRet", "defaultErrno",
                              "architectures", "archMap", "flags", "syscalls", "listenerPath",
                              "listenerMetadata"})) {
      return false;
    }
    for (const char* key : {"listenerPath", "listenerMetadata"}) {
      if (Present(root, key) && !(root[key].is_string() && root[key].get_ref<const std::string&>().empty())) {
        return Fail(key, "seccomp user notification (SCMP_ACT_NOTIFY and its listener) is not "
                         "supported");
      }
    }
    if (!Present(root, "defaultAction")) return Fail("defaultAction", "missing");
    if (!ParseAction(root, "", "defaultAction", "defaultErrnoRet", "defaultErrno",
                     &out->default_action)) {
      return false;
    }
    if (!ParseArchitectures(root, out)) return false;
    if (!ParseFlags(root, out)) return false;
    if (Present(root, "syscalls")) {
      const Json& syscalls = root["syscalls"];
      if (!Expect(syscalls, "syscalls", Json::value_t::array)) return false;
      for (size_t i = 0; i < syscalls.size(); ++i) {
        SeccompEntry entry;
        if (!ParseEntry(syscalls[i], "syscalls[" + std::to_string(i) + "]", &entry)) return false;
        out->syscalls.push_back(std::move(entry));
      }
    }
    return true;
  }

 private:
  bool Fail(const std::string& path, const std::string& what) {
    *err_ = path + ": " + what;
    return false;
  }

  // Go's encoding/json reads null as "absent"; so do we (Docker writes
  // "subArchitectures": null).
  static bool Present(const Json& object, const char* key) {
    auto it = object.find(key);
    return it != object.end() && !it->is_null();
  }

  static std::string Join(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
  }

  bool Expect(const Json& value, const std::string& path, Json::value_t type) {
    if (value.type() == type) return true;
    static const std::array<const char*, 9> kWanted = {
        "null", "an object", "an array", "a string", "a boolean",
        "a number", "a non-negative integer", "a number", "binary"};
    return Fail(path, std::string("expected ") + kWanted[static_cast<size_t>(type)] + ", got " +
                          TypeName(value));
  }

  bool CheckKeys(const Json& object, const std::string& path,
                 std::initializer_list<const char*> known) {
    for (const auto& item : object.items()) {
      if (std::find_if(known.begin(), known.end(), [&](const char* k) {
            return item.key() == k;
          }) == known.end()) {
        return Fail(Join(path, item.key()), "unknown field");
      }
    }
    return true;
  }

  bool GetString(const Json& object, const std::string& path, const char* key,
                 std::string* out) {
    const Json& value = object[key];
    if (!Expect(value, Join(path, key), Json::value_t::string)) return false;
    *out = value.get<std::string>();
    return true;
  }

  bool GetUnsigned(const Json& object, const std::string& path, const char* key, uint64_t max,
                   uint64_t* out) {
    const Json& value = object[key];
    if (!Expect(value, Join(path, key), Json::value_t::number_unsigned)) return false;
    *out = value.get<uint64_t>();
    if (*out > max) return Fail(Join(path, key), std::to_string(*out) + " is out of range (max " +
                                                    std::to_string(max) + ")");
    return true;
  }

  bool GetStringList(const Json& object, const std::string& path, const char* key,
                     std::vector<std::string>* out) {
    const Json& value = object[key];
    const std::string here = Join(path, key);
    if (!Expect(value, here, Json::value_t::array)) return false;
    for (size_t i = 0; i < value.size(); ++i) {
      const std::string item_path = here + "[" + std::to_string(i) + "]";
      if (!Expect(value[i], item_path, Json::value_t::string)) return false;
      out->push_back(value[i].get<std::string>());
    }
    return true;
  }

  // An action with its errno: `errno_key` holds a number, `errno_name_key` the name
  // (containers-common writes both, and they must agree).
  bool ParseAction(const Json& object, const std::string& path, const char* action_key,
                   const char* errno_key, const char* errno_name_key, uint32_t* out) {
    std::string name;
    if (!GetString(object, path, action_key, &name)) return false;
    const bool takes_errno = name == "SCMP_ACT_ERRNO" || name == "SCMP_ACT_TRACE";
    uint64_t data = EPERM;  // OCI: "The default is EPERM"
    bool data_given = false;
    if (Present(object, errno_key)) {
      const uint64_t max = name == "SCMP_ACT_TRACE" ? kMaxTraceData : kMaxErrno;
      if (!GetUnsigned(object, path, errno_key, max, &data)) return false;
      data_given = true;
    }
    if (Present(object, errno_name_key)) {
      std::string errno_name;
      if (!GetString(object, path, errno_name_key, &errno_name)) return false;
      const int value = ErrnoFromName(errno_name);
      if (value < 0) return Fail(Join(path, errno_name_key), "unknown errno " + Quote(errno_name));
      if (data_given && data != static_cast<uint64_t>(value)) {
        return Fail(Join(path, errno_name_key),
                    Quote(errno_name) + " contradicts " + errno_key + " " + std::to_string(data));
      }
      data = static_cast<uint64_t>(value);
      data_given = true;
    }
    if (data_given && !takes_errno) {
      return Fail(Join(path, errno_key), "only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take an errno, "
                                          "not " + name);
    }
    const uint32_t d = static_cast<uint32_t>(data);
    if (name == "SCMP_ACT_ALLOW") *out = SCMP_ACT_ALLOW;
    else if (name == "SCMP_ACT_ERRNO") *out = SCMP_ACT_ERRNO(d);
    else if (name == "SCMP_ACT_KILL" || name == "SCMP_ACT_KILL_THREAD") *out = SCMP_ACT_KILL_THREAD;
    else if (name == "SCMP_ACT_KILL_PROCESS") *out = SCMP_ACT_KILL_PROCESS;
    else if (name == "SCMP_ACT_TRAP") *out = SCMP_ACT_TRAP;
    else if (name == "SCMP_ACT_TRACE") *out = SCMP_ACT_TRACE(d);
    else if (name == "SCMP_ACT_LOG") *out = SCMP_ACT_LOG;
    else if (name == "SCMP_ACT_NOTIFY") {
      return Fail(Join(path, action_key), "SCMP_ACT_NOTIFY is not supported (hardinit has no "
                                          "seccomp listener)");
    } else {
      return Fail(Join(path, action_key), "unknown action " + Quote(name));
    }
    return true;
  }

  bool ParseArchitectures(const Json& root, SeccompProfile* out) {
    if (Present(root, "architectures")) {
      if (!GetStringList(root, "", "architectures", &out->architectures)) return false;
      for (size_t i = 0; i < out->architectures.size(); ++i) {
        if (!Contains(kScmpArchNames, out->architectures[i])) {
          return Fail("architectures[" + std::to_string(i) + "]",
                      "unknown architecture " + Quote(out->architectures[i]));
        }
      }
    }
    if (!Present(root, "archMap")) return true;
    if (!out->architectures.empty()) {
      return Fail("archMap", "both architectures and archMap are given; use one (as Docker)");
    }
    const Json& map = root["archMap"];
    if (!Expect(map, "archMap", Json::value_t::array)) return false;
    for (size_t i = 0; i < map.size(); ++i) {
      const std::string path = "archMap[" + std::to_string(i) + "]";
      if (!Expect(map[i], path, Json::value_t::object)) return false;
      if (!CheckKeys(map[i], path, {"architecture", "subArchitectures"})) return false;
      SeccompArchMapEntry entry;
      if (!Present(map[i], "architecture")) return Fail(path + ".architecture", "missing");
      if (!GetString(map[i], path, "architecture", &entry.architecture)) return false;
      if (!Contains(kScmpArchNames, entry.architecture)) {
        return Fail(path + ".architecture", "unknown architecture " + Quote(entry.architecture));
      }
      if (Present(map[i], "subArchitectures")) {
        if (!GetStringList(map[i], path, "subArchitectures", &entry.sub_architectures)) {
          return false;
        }
        for (size_t j = 0; j < entry.sub_architectures.size(); ++j) {
          if (!Contains(kScmpArchNames, entry.sub_architectures[j])) {
            return Fail(path + ".subArchitectures[" + std::to_string(j) + "]",
                        "unknown architecture " + Quote(entry.sub_architectures[j]));
          }
        }
      }
      out->arch_map.push_back(std::move(entry));
    }
    return true;
  }

  bool ParseFlags(const Json& root, SeccompProfile* out) {
    if (!Present(root, "flags")) return true;
    std::vector<std::string> flags;
    if (!GetStringList(root, "", "flags", &flags)) return false;
    for (size_t i = 0; i < flags.size(); ++i) {
      const std::string& flag = flags[i];
      if (flag == "SECCOMP_FILTER_FLAG_LOG") {
        out->flags |= kFlagLog;
      } else if (flag == "SECCOMP_FILTER_FLAG_SPEC_ALLOW") {
        out->flags |= kFlagSpecAllow;
      } else if (flag == "SECCOMP_FILTER_FLAG_TSYNC" ||
                 flag == "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV") {
        // TSYNC: the child is single-threaded when it loads the filter. WAIT_KILLABLE_RECV
        // only changes user notification, which we refuse, and the kernel rejects it
        // (EINVAL) without SECCOMP_FILTER_FLAG_NEW_LISTENER.
        out->ignored_flags.push_back(flag);
      } else {
        return Fail("flags[" + std::to_string(i) + "]", "unknown flag " + Quote(flag));
      }
    }
    return true;
  }

  bool ParseFilterCondition(const Json& value, const std::string& path,
                            SeccompFilterCondition* out) {
    if (!Expect(value, path, Json::value_t::object)) return false;
    if (!CheckKeys(value, path, {"caps", "arches", "minKernel"})) return false;
    if (Present(value, "caps") && !GetStringList(value, path, "caps", &out->caps)) return false;
    if (Present(value, "arches")) {
      if (!GetStringList(value, path, "arches", &out->arches)) return false;
      for (size_t i = 0; i < out->arches.size(); ++i) {
        if (!Contains(kDockerArchNames, out->arches[i])) {
          return Fail(path + ".arches[" + std::to_string(i) + "]",
                      "unknown architecture " + Quote(out->arches[i]));
        }
      }
    }
    if (Present(value, "minKernel")) {
      std::string version;
      if (!GetString(value, path, "minKernel", &version)) return false;
      int major = 0, minor = 0, consumed = 0;
      if (std::sscanf(version.c_str(), "%d.%d%n", &major, &minor, &consumed) != 2 ||
          consumed != static_cast<int>(version.size()) || major < 0 || minor < 0 ||
          !std::isdigit(static_cast<unsigned char>(version[0]))) {
        return Fail(path + ".minKernel", "expected \"MAJOR.MINOR\", got " + Quote(version));
      }
      out->has_min_kernel = true;
      out->min_kernel_major = major;
      out->min_kernel_minor = minor;
    }
    return true;
  }

  bool ParseArg(const Json& value, const std::string& path, SeccompArgCondition* out) {
    if (!Expect(value, path, Json::value_t::object)) return false;
    if (!CheckKeys(value, path, {"index", "value", "valueTwo", "op"})) return false;
    for (const char* key : {"index", "value", "op"}) {
      if (!Present(value, key)) return Fail(Join(path, key), "missing");
    }
    uint64_t index = 0;
    if (!GetUnsigned(value, path, "index", 5, &index)) return false;
    out->index = static_cast<unsigned int>(index);
    if (!GetUnsigned(value, path, "value", UINT64_MAX, &out->value)) return false;
    if (Present(value, "valueTwo") &&
        !GetUnsigned(value, path, "valueTwo", UINT64_MAX, &out->value_two)) {
      return false;
    }
    std::string op;
    if (!GetString(value, path, "op", &op)) return false;
    static constexpr std::array<std::pair<const char*, int>, 7> kOps = {{
        {"SCMP_CMP_NE", SCMP_CMP_NE}, {"SCMP_CMP_LT", SCMP_CMP_LT}, {"SCMP_CMP_LE", SCMP_CMP_LE},
        {"SCMP_CMP_EQ", SCMP_CMP_EQ}, {"SCMP_CMP_GE", SCMP_CMP_GE}, {"SCMP_CMP_GT", SCMP_CMP_GT},
        {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
    }};
    auto it = std::find_if(kOps.begin(), kOps.end(), [&](const auto& p) { return op == p.first; });
    if (it == kOps.end()) return Fail(path + ".op", "unknown operator " + Quote(op));
    out->op = it->second;
    return true;
  }

  bool ParseEntry(const Json& value, const std::string& path, SeccompEntry* out) {
    if (!Expect(value, path, Json::value_t::object)) return false;
    if (!CheckKeys(value, path, {"names", "name", "action", "errnoRet", "errno", "args",
                                 "includes", "excludes", "comment"})) {
      return false;
    }
    if (Present(value, "names") && !GetStringList(value, path, "names", &out->names)) {
      return false;
    }
    if (Present(value, "name")) {
      if (!out->names.empty()) {
        return Fail(path + ".name", "both name and names are given; use one (as Docker)");
      }
      out->names.emplace_back();
      if (!GetString(value, path, "name", &out->names.back())) return false;
    }
    if (out->names.empty()) return Fail(path + ".names", "missing or empty");
    for (size_t i = 0; i < out->names.size(); ++i) {
      if (out->names[i].empty()) return Fail(path + ".names[" + std::to_string(i) + "]", "empty");
    }
    if (!Present(value, "action")) return Fail(path + ".action", "missing");
    if (!ParseAction(value, path, "action", "errnoRet", "errno", &out->action)) return false;
    if (Present(value, "args")) {
      const Json& args = value["args"];
      if (!Expect(args, path + ".args", Json::value_t::array)) return false;
      for (size_t i = 0; i < args.size(); ++i) {
        SeccompArgCondition arg;
        if (!ParseArg(args[i], path + ".args[" + std::to_string(i) + "]", &arg)) return false;
        out->args.push_back(arg);
      }
    }
    if (Present(value, "comment") &&
        !Expect(value["comment"], path + ".comment", Json::value_t::string)) {
      return false;
    }
    if (Present(value, "includes") &&
        !ParseFilterCondition(value["includes"], path + ".includes", &out->includes)) {
      return false;
    }
    if (Present(value, "excludes") &&
        !ParseFilterCondition(value["excludes"], path + ".excludes", &out->excludes)) {
      return false;
    }
    return true;
  }

  std::string* err_;
};

}  // namespace

bool ParseSeccompProfile(std::string_view json_text, SeccompProfile* out, std::string* err) {
  if (json_text.size() > kMaxSeccompProfileBytes) {
    *err = "profile is larger than " + std::to_string(kMaxSeccompProfileBytes) + " bytes";
    return false;
  }
  Json root;
  try {
    root = Json::parse(json_text.begin(), json_text.end());
  } catch (const Json::exception& e) {
    // "[json.exception.parse_error.101] parse error at line 3, column 1: ..." → from "parse".
    std::string message = e.what();
    const size_t bracket = message.find("] ");
    *err = "invalid JSON: " + (bracket == std::string::npos ? message : message.substr(bracket + 2));
    return false;
  }
  *out = SeccompProfile{};
  return ProfileParser(err).Parse(root, out);
}

bool ReadSeccompFile(const std::string& path, size_t limit, std::string* text,
                     std::string* err) {
  ReadFileError error;
  if (ReadWholeFile(path, {.limit = limit, .regular_only = true}, text, &error)) return true;
  switch (error.kind) {
    case ReadFileError::Kind::kSystem:
      *err = ErrnoMessage(error.call, error.errnum);
      break;
    case ReadFileError::Kind::kNotRegular:  // a FIFO or a device would block or never end
      *err = "not a regular file";
      break;
    case ReadFileError::Kind::kTooLarge:
      *err = "file is larger than " + std::to_string(limit) + " bytes";
      break;
  }
  return false;
}

bool LoadSeccompProfileFile(const std::string& path, SeccompProfile* out, std::string* err) {
  std::string text;
  return ReadSeccompFile(path, kMaxSeccompProfileBytes, &text, err) &&
         ParseSeccompProfile(text, out, err);
}

int SeccompCapabilityNumber(std::string_view name) {
  std::string upper;
  for (char c : name) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::string_view bare = upper;
  if (bare.starts_with("CAP_")) bare.remove_prefix(4);
  for (size_t i = 0; i < kCapabilityNames.size(); ++i) {
    if (bare == kCapabilityNames[i]) return static_cast<int>(i);
  }
  return -1;
}

std::string NativeScmpArchName(std::string_view arch) {
  for (const NativeArch& a : kNativeArches) {
    if (arch == a.docker) return a.scmp;
  }
  return "";
}

SeccompProfileAssumptions ProfileAssumptions(const SeccompProfile& profile) {
  SeccompProfileAssumptions result;
  auto note = [&](const SeccompFilterCondition& condition) {
    for (const std::string& cap : condition.caps) {
      const int number = SeccompCapabilityNumber(cap);
      if (number >= 0) result.caps_mentioned |= uint64_t{1} << number;
    }
    if (condition.has_min_kernel &&
        std::pair(condition.min_kernel_major, condition.min_kernel_minor) >
            std::pair(result.min_kernel_major, result.min_kernel_minor)) {
      result.min_kernel_major = condition.min_kernel_major;
      result.min_kernel_minor = condition.min_kernel_minor;
    }
  };
  for (const SeccompEntry& entry : profile.syscalls) {
    note(entry.includes);
    note(entry.excludes);
  }
  return result;
}

}  // namespace hardinit
