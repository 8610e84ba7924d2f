// Landlock's pure part: the flags' lists, the rights per ABI and the decision to go on or
// fail closed (design.md §3.9). Zone: parent, pure: no I/O, so it is unit-tested for every ABI
// and fuzzed through the command line.
#include <charconv>
#include <string>

#include "hardinit/landlock.h"

namespace hardinit {
namespace {

using namespace landlock;

// Splits "a,b" at commas; "" is no element at all, so that `--net-connect ""` means none.
std::vector<std::string_view> SplitList(std::string_view text) {
  std::vector<std::string_view> parts;
  if (text.empty()) return parts;
  for (;;) {
    const size_t comma = text.find(',');
    parts.push_back(text.substr(0, comma));
    if (comma == std::string_view::npos) return parts;
    text.remove_prefix(comma + 1);
  }
}

std::string Quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

// Which flags a right serves.
enum class Need { kFilesystem, kBind, kConnect, kAny };

struct Feature {
  Need need;
  int abi;
  uint64_t LandlockRights::*field;
  uint64_t bits;
  const char* right;
  bool required;
  const char* without;
};

// Every right hardinit handles, in ABI order. "required" rights are what the flags promise
// (read-only means no write and no truncate; a port list means no other port), so a kernel
// without them fails closed unless --landlock best-effort. The others are enforced where the
// kernel has them and named in a warning where it does not. REFER is not a gap on ABI 1: there
// the kernel refuses every cross-directory rename and link, which is stricter.
constexpr Feature kFeatures[] = {
    {Need::kFilesystem, 1, &LandlockRights::handled_fs, kFsAbi1,
     "Landlock filesystem rules (LANDLOCK_ACCESS_FS_*)", true,
     "the program may read, write and execute anything its uid may"},
    {Need::kFilesystem, 2, &LandlockRights::handled_fs, kFsRefer, "LANDLOCK_ACCESS_FS_REFER", false,
     "renaming or linking a file into another directory is refused everywhere, also "
     "beneath --fs-rw"},
    {Need::kFilesystem, 3, &LandlockRights::handled_fs, kFsTruncate, "LANDLOCK_ACCESS_FS_TRUNCATE",
     true, "files beneath --fs-ro can be truncated (truncate(2), open(O_TRUNC))"},
    {Need::kBind, 4, &LandlockRights::handled_net, kNetBindTcp, "LANDLOCK_ACCESS_NET_BIND_TCP",
     true, "the program may bind any TCP port"},
    {Need::kConnect, 4, &LandlockRights::handled_net, kNetConnectTcp,
     "LANDLOCK_ACCESS_NET_CONNECT_TCP", true, "the program may connect to any TCP port"},
    {Need::kFilesystem, 5, &LandlockRights::handled_fs, kFsIoctlDev, "LANDLOCK_ACCESS_FS_IOCTL_DEV",
     false, "ioctl(2) on devices the program opens is not restricted"},
    {Need::kAny, 6, &LandlockRights::scoped, kScopeAbstractUnixSocket,
     "LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET", false,
     "the program may connect to abstract UNIX sockets of processes outside its domain"},
    {Need::kAny, 6, &LandlockRights::scoped, kScopeSignal, "LANDLOCK_SCOPE_SIGNAL", false,
     "the program may signal processes outside its domain, PID 1 included"},
};

// The flag a right is missing for, as the user wrote it.
std::string OriginFor(Need need, const LandlockOptions& o) {
  switch (need) {
    case Need::kFilesystem:
      return o.fs_ro ? o.fs_ro->origin : o.fs_rw->origin;
    case Need::kBind:
      return o.net_bind->origin;
    case Need::kConnect:
      return o.net_connect->origin;
    case Need::kAny:
      break;
  }
  return "Landlock";
}

bool Wanted(Need need, const LandlockOptions& o) {
  switch (need) {
    case Need::kFilesystem:
      return o.fs_ro.has_value() || o.fs_rw.has_value();
    case Need::kBind:
      return o.net_bind.has_value();
    case Need::kConnect:
      return o.net_connect.has_value();
    case Need::kAny:
      return o.requested();
  }
  return false;
}

}  // namespace

bool ParseLandlockPaths(std::string_view text, std::vector<std::string>* out, std::string* err) {
  std::vector<std::string> paths;
  for (std::string_view part : SplitList(text)) {
    if (part.empty()) {
      *err = "empty path in the list " + Quoted(text);
      return false;
    }
    if (part.front() != '/') {
      *err = "not an absolute path: " + Quoted(part);
      return false;
    }
    paths.emplace_back(part);
  }
  *out = std::move(paths);
  return true;
}

bool ParseLandlockPorts(std::string_view text, std::vector<uint16_t>* out, std::string* err) {
  std::vector<uint16_t> ports;
  for (std::string_view part : SplitList(text)) {
    unsigned long port = 0;
    const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), port);
    if (part.empty() || ec != std::errc() || end != part.data() + part.size() || port > 65535) {
      *err = "not a TCP port from 0 to 65535: " + Quoted(part);
      return false;
    }
    ports.push_back(static_cast<uint16_t>(port));
  }
  *out = std::move(ports);
  return true;
}

const char* LinuxForLandlockAbi(int abi) {
  static constexpr const char* kReleases[] = {"",    "5.13", "5.19", "6.2",
                                              "6.7", "6.10", "6.12", "6.15"};
  return abi >= 1 && abi <= kNewestKnownAbi ? kReleases[abi] : "?";
}

LandlockRights ComputeLandlockRights(const LandlockOptions& options, int abi,
                                     std::vector<LandlockShortfall>* shortfalls) {
  LandlockRights rights;
  for (const Feature& feature : kFeatures) {
    if (!Wanted(feature.need, options)) continue;
    if (feature.abi <= abi) {
      rights.*feature.field |= feature.bits;
    } else if (shortfalls != nullptr && (feature.bits != kFsRefer || abi >= 1)) {
      // Without REFER the kernel refuses more, not less; that only matters once there are
      // filesystem rules at all.
      shortfalls->push_back({feature.right, feature.abi, feature.required, feature.without,
                             OriginFor(feature.need, options)});
    }
  }
  rights.fs_read = rights.handled_fs & (kFsExecute | kFsReadFile | kFsReadDir);
  // A writable place is not executable by its own rule: beneath --fs-rw the program may
  // create a file but not run it, unless a --fs-ro rule above grants execute (Landlock adds
  // up the rules on a path).
  rights.fs_write = rights.handled_fs & ~kFsExecute;
  return rights;
}

bool PlanLandlock(const LandlockOptions& options, int abi, const std::string& unavailable,
                  LandlockRights* rights, std::vector<std::string>* warnings, std::string* err) {
  *rights = {};
  if (!options.requested()) return true;
  std::string kernel = abi == 0 ? "Landlock is not available (" + unavailable + ")"
                                : "this kernel offers Landlock ABI " + std::to_string(abi);
  if (options.abi_cap >= 0 && abi > options.abi_cap) {
    const std::string capped = "HARDINIT_LANDLOCK_ABI_CAP=" + std::to_string(options.abi_cap) +
                               "; the kernel offers " + std::to_string(abi);
    abi = options.abi_cap;
    kernel = abi == 0
                 ? "Landlock is not available (" + capped + ")"
                 : "this kernel offers Landlock ABI " + std::to_string(abi) + " (" + capped + ")";
  }
  std::vector<LandlockShortfall> shortfalls;
  const LandlockRights computed = ComputeLandlockRights(options, abi, &shortfalls);
  auto needs = [](const LandlockShortfall& s) {
    return std::string(s.right) + " needs Landlock ABI " + std::to_string(s.abi) + " (Linux " +
           LinuxForLandlockAbi(s.abi) + ")";
  };
  if (!options.best_effort) {
    // The required right with the newest ABI: the error names the oldest kernel that would do.
    const LandlockShortfall* fatal = nullptr;
    for (const LandlockShortfall& s : shortfalls) {
      if (s.required && (fatal == nullptr || s.abi > fatal->abi)) fatal = &s;
    }
    if (fatal != nullptr) {
      *err = fatal->origin + ": " + needs(*fatal) + " and " + kernel + "; without it " +
             fatal->without + " (--landlock best-effort runs with what the kernel has)";
      return false;
    }
  }
  for (const LandlockShortfall& s : shortfalls) {
    warnings->push_back(s.origin + ": " + s.right + " not enforced: " + kernel + ", " + needs(s) +
                        "; " + s.without);
  }
  *rights = computed;
  return true;
}

}  // namespace hardinit
