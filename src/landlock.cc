// Landlock's system calls in the parent: the kernel's ABI, the ruleset built from the flags,
// and --inspect's look at the calling process (design.md §3.9). Zone: parent.
#include "hardinit/landlock.h"

#include <fcntl.h>
#include <linux/landlock.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>

#include "hardinit/error.h"
#include "hardinit/file_util.h"

namespace hardinit {
namespace {

using namespace landlock;

// Our definitions must agree with the kernel's where Debian's header has them.
static_assert(kCreateRulesetVersion == LANDLOCK_CREATE_RULESET_VERSION);
static_assert(kRulePathBeneath == LANDLOCK_RULE_PATH_BENEATH);
static_assert(kFsExecute == LANDLOCK_ACCESS_FS_EXECUTE);
static_assert(kFsMakeSym == LANDLOCK_ACCESS_FS_MAKE_SYM);
static_assert(kFsRefer == LANDLOCK_ACCESS_FS_REFER);
static_assert(sizeof(PathBeneathAttr) == sizeof(landlock_path_beneath_attr));

long CreateRuleset(const RulesetAttr* attr, size_t size, uint32_t flags) {
  return syscall(SYS_landlock_create_ruleset, attr, size, flags);
}

long AddRule(int ruleset, int type, const void* rule) {
  return syscall(SYS_landlock_add_rule, ruleset, type, rule, 0);
}

std::string UnavailableReason(int errnum) {
  const std::string call = ErrnoMessage("landlock_create_ruleset", errnum);
  switch (errnum) {
    case ENOSYS:
      return call + ": Linux before 5.13, or built without CONFIG_SECURITY_LANDLOCK";
    case EOPNOTSUPP:
      return call + ": Landlock is built in but not enabled (lsm= on boot)";
    case EPERM:
      return call + ": a seccomp filter denies it (an engine's profile older than Landlock)";
    default:
      return call;
  }
}

// One rule for a path: `access` beneath it, or the file rights alone when it is not a
// directory (the kernel refuses directory rights on a file).
bool AddPathRule(int ruleset, const std::string& origin, const std::string& path, uint64_t access,
                 std::string* err) {
  const int fd = open(path.c_str(), O_PATH | O_CLOEXEC);
  if (fd < 0) {
    *err = ErrnoMessage(origin + " " + path, errno);
    return false;
  }
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    *err = ErrnoMessage(origin + " " + path, errno);
    close(fd);
    return false;
  }
  if (!S_ISDIR(st.st_mode)) access &= kFsFileRights;
  const PathBeneathAttr rule{access, fd};
  const long rc = AddRule(ruleset, kRulePathBeneath, &rule);
  const int saved = errno;
  close(fd);
  if (rc != 0) {
    *err = ErrnoMessage(origin + " " + path + ": landlock_add_rule", saved);
    return false;
  }
  return true;
}

bool AddPortRules(int ruleset, const LandlockPorts& ports, uint64_t access, std::string* err) {
  for (uint16_t port : ports.ports) {
    const NetPortAttr rule{access, port};
    // EAFNOSUPPORT: a kernel without TCP, where no TCP bind or connect can happen anyway
    // (the kernel's documentation says the error can be ignored).
    if (AddRule(ruleset, kRuleNetPort, &rule) != 0 && errno != EAFNOSUPPORT) {
      *err = ErrnoMessage(ports.origin + " " + std::to_string(port) + ": landlock_add_rule", errno);
      return false;
    }
  }
  return true;
}

// The one rule hardinit adds of its own accord: /dev/null stays readable and writable, as
// `>/dev/null` is in nearly every entrypoint script and writing there discloses nothing. Only
// the real device (character 1:3) gets it; nothing when there is none.
bool AddDevNullRule(int ruleset, uint64_t handled_fs, std::string* err) {
  struct stat st {};
  if (stat("/dev/null", &st) != 0 || !S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3)) {
    spdlog::debug("Landlock: no /dev/null device, so no rule for it");
    return true;
  }
  return AddPathRule(ruleset, "Landlock", "/dev/null", handled_fs & (kFsReadFile | kFsWriteFile),
                     err);
}

bool BuildRuleset(const LandlockOptions& options, const LandlockRights& rights, int ruleset,
                  std::string* err) {
  if (rights.handled_fs != 0) {
    for (const LandlockPaths* list :
         {options.fs_ro ? &*options.fs_ro : nullptr, options.fs_rw ? &*options.fs_rw : nullptr}) {
      if (list == nullptr) continue;
      const uint64_t access = list == &*options.fs_rw ? rights.fs_write : rights.fs_read;
      for (const std::string& path : list->paths) {
        if (!AddPathRule(ruleset, list->origin, path, access, err)) return false;
      }
    }
    if (!AddDevNullRule(ruleset, rights.handled_fs, err)) return false;
  }
  if ((rights.handled_net & kNetBindTcp) != 0 &&
      !AddPortRules(ruleset, *options.net_bind, kNetBindTcp, err)) {
    return false;
  }
  if ((rights.handled_net & kNetConnectTcp) != 0 &&
      !AddPortRules(ruleset, *options.net_connect, kNetConnectTcp, err)) {
    return false;
  }
  return true;
}

// Whether the kernel's own rule for kill() (kill_ok_by_cred) lets us signal `pid`: our real
// or effective uid equals its real or saved uid. CAP_KILL is never counted: the program
// under hardinit holds none unless kept, and a false "allowed" only hides evidence.
bool CredentialsAllowSignal(pid_t pid) {
  std::string text;
  ReadFileError error;
  if (!ReadWholeFile("/proc/" + std::to_string(pid) + "/status", {.limit = 1 << 16}, &text,
                     &error)) {
    return false;
  }
  const size_t line = text.find("\nUid:");
  if (line == std::string::npos) return false;
  std::string_view value = std::string_view(text).substr(line + 5);
  value = value.substr(0, value.find('\n'));
  const std::vector<long long> uids = ParseNumbers(value);
  if (uids.size() != 4) return false;
  const long long real = uids[0], saved = uids[2];
  const long long ours[] = {getuid(), geteuid()};
  for (long long uid : ours) {
    if (uid == real || uid == saved) return true;
  }
  return false;
}

}  // namespace

LandlockRuleset::~LandlockRuleset() { Reset(-1); }

void LandlockRuleset::Reset(int fd) {
  if (fd_ >= 0) close(fd_);
  fd_ = fd;
}

int QueryLandlockAbi(int* errnum) {
  const long abi = CreateRuleset(nullptr, 0, kCreateRulesetVersion);
  if (abi < 0) {
    *errnum = errno;
    return 0;
  }
  *errnum = 0;
  return static_cast<int>(abi);
}

bool PrepareLandlock(const LandlockOptions& options, LandlockRuleset* out, std::string* err) {
  out->Reset(-1);
  if (!options.requested()) return true;
  int errnum = 0;
  const int abi = QueryLandlockAbi(&errnum);
  LandlockRights rights;
  std::vector<std::string> warnings;
  if (!PlanLandlock(options, abi, UnavailableReason(errnum), &rights, &warnings, err)) {
    return false;
  }
  for (const std::string& warning : warnings) spdlog::warn("{}", warning);
  if (!rights.any()) return true;
  const RulesetAttr attr{rights.handled_fs, rights.handled_net, rights.scoped};
  // sizeof(attr) on every ABI: the kernel accepts a larger struct whose extra fields are 0.
  const long fd = CreateRuleset(&attr, sizeof(attr), 0);
  if (fd < 0) {
    *err = ErrnoMessage("Landlock: landlock_create_ruleset", errno);
    return false;
  }
  out->Reset(static_cast<int>(fd));
  if (!BuildRuleset(options, rights, out->fd(), err)) {
    out->Reset(-1);
    return false;
  }
  spdlog::debug("Landlock: the kernel offers ABI {}; handled fs {:#x} net {:#x} scoped {:#x}", abi,
                rights.handled_fs, rights.handled_net, rights.scoped);
  return true;
}

LandlockStatus InspectOwnLandlock() {
  LandlockStatus status;
  status.abi = QueryLandlockAbi(&status.errnum);
  // kill(pid, 0) sends nothing: it only asks whether we may. With the credentials allowing
  // it, EPERM comes from a Landlock domain that scopes signals (or another LSM's policy).
  const pid_t self = getpid();
  for (const pid_t target : {pid_t{1}, getppid()}) {
    if (target <= 0 || target == self || !CredentialsAllowSignal(target)) continue;
    if (kill(target, 0) != 0 && errno == EPERM) {
      status.restricted = true;
      status.evidence = "kill(" + std::to_string(target) + ", 0) is refused although the " +
                        "uids allow it: signals are scoped to a Landlock domain";
      return status;
    }
  }
  struct stat root {};
  if (stat("/", &root) == 0 && (root.st_mode & S_IROTH) != 0 && (root.st_mode & S_IXOTH) != 0) {
    const int fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
      close(fd);
    } else if (errno == EACCES) {
      status.restricted = true;
      status.evidence =
          "opening / is refused although its mode lets everyone read it: "
          "Landlock rules that do not cover /";
      return status;
    }
  }
  status.evidence =
      "no sign of a Landlock domain (signals to PID 1 and the parent pass, / "
      "opens; a domain without signal scoping that allows / cannot be seen)";
  return status;
}

}  // namespace hardinit
