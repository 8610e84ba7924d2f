// Landlock: filesystem and TCP port least privilege for the program (design.md §3.9).
// Zone: parent.
//
// The parent turns --fs-ro, --fs-rw, --net-bind and --net-connect into a Landlock ruleset: it
// asks the kernel for its ABI, decides which rights that ABI can enforce (failing closed, or
// warning under --landlock best-effort), opens every path with O_PATH and adds the rules. The
// child only calls landlock_restrict_self() on the ready ruleset fd (child.cc).
//
// The pure part (parsing, the rights per ABI, the decision) is in landlock_rules.cc and
// unit-tested for every ABI; the system calls are in landlock.cc.
#ifndef HARDINIT_LANDLOCK_H_
#define HARDINIT_LANDLOCK_H_

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hardinit {

// The kernel's Landlock interface (include/uapi/linux/landlock.h). Debian 12's linux-libc-dev
// (6.1) knows it only up to ABI 2 (LANDLOCK_ACCESS_FS_REFER) and its landlock_ruleset_attr has
// one field, so everything is defined here with the kernel's values; landlock.cc checks the
// ones the system header has against it.
namespace landlock {

// landlock_create_ruleset() flags.
inline constexpr uint32_t kCreateRulesetVersion = 1U << 0;

// landlock_add_rule() rule types.
inline constexpr int kRulePathBeneath = 1;
inline constexpr int kRuleNetPort = 2;  // ABI 4

// Filesystem access rights; the ABI that introduced each is noted.
inline constexpr uint64_t kFsExecute = 1ULL << 0;      // ABI 1
inline constexpr uint64_t kFsWriteFile = 1ULL << 1;    // ABI 1
inline constexpr uint64_t kFsReadFile = 1ULL << 2;     // ABI 1
inline constexpr uint64_t kFsReadDir = 1ULL << 3;      // ABI 1
inline constexpr uint64_t kFsRemoveDir = 1ULL << 4;    // ABI 1
inline constexpr uint64_t kFsRemoveFile = 1ULL << 5;   // ABI 1
inline constexpr uint64_t kFsMakeChar = 1ULL << 6;     // ABI 1
inline constexpr uint64_t kFsMakeDir = 1ULL << 7;      // ABI 1
inline constexpr uint64_t kFsMakeReg = 1ULL << 8;      // ABI 1
inline constexpr uint64_t kFsMakeSock = 1ULL << 9;     // ABI 1
inline constexpr uint64_t kFsMakeFifo = 1ULL << 10;    // ABI 1
inline constexpr uint64_t kFsMakeBlock = 1ULL << 11;   // ABI 1
inline constexpr uint64_t kFsMakeSym = 1ULL << 12;     // ABI 1
inline constexpr uint64_t kFsRefer = 1ULL << 13;       // ABI 2 (Linux 5.19)
inline constexpr uint64_t kFsTruncate = 1ULL << 14;    // ABI 3 (Linux 6.2)
inline constexpr uint64_t kFsIoctlDev = 1ULL << 15;    // ABI 5 (Linux 6.10)
inline constexpr uint64_t kFsAbi1 = (1ULL << 13) - 1;  // every right of ABI 1
// The rights a rule on a file (not a directory) may carry; landlock_add_rule() refuses a
// rule on a file with any other right (EINVAL).
inline constexpr uint64_t kFsFileRights =
    kFsExecute | kFsWriteFile | kFsReadFile | kFsTruncate | kFsIoctlDev;

// Network access rights, ABI 4 (Linux 6.7): TCP only, IPv4 and IPv6.
inline constexpr uint64_t kNetBindTcp = 1ULL << 0;
inline constexpr uint64_t kNetConnectTcp = 1ULL << 1;

// Scopes, ABI 6 (Linux 6.12).
inline constexpr uint64_t kScopeAbstractUnixSocket = 1ULL << 0;
inline constexpr uint64_t kScopeSignal = 1ULL << 1;

// ABI 7 (Linux 6.15) adds only landlock_restrict_self()'s audit logging flags; hardinit
// keeps the kernel's default logging and asks for nothing from it.
inline constexpr int kNewestKnownAbi = 7;

struct RulesetAttr {
  uint64_t handled_access_fs;
  uint64_t handled_access_net;  // ABI 4; must be 0 below
  uint64_t scoped;              // ABI 6; must be 0 below
};

struct PathBeneathAttr {
  uint64_t allowed_access;
  int32_t parent_fd;
} __attribute__((packed));  // packed in the kernel's UAPI too: 12 bytes

struct NetPortAttr {
  uint64_t allowed_access;
  uint64_t port;  // host byte order
};

}  // namespace landlock

// What the command line asked for. A list that is set was given (possibly empty: "" means
// none); `origin` is the flag or variable it came from, for messages.
struct LandlockPaths {
  std::vector<std::string> paths;  // absolute
  std::string origin;              // "--fs-ro" or "HARDINIT_FS_RO"
};
struct LandlockPorts {
  std::vector<uint16_t> ports;
  std::string origin;
};
struct LandlockOptions {
  std::optional<LandlockPaths> fs_ro;        // --fs-ro: read and execute beneath
  std::optional<LandlockPaths> fs_rw;        // --fs-rw: read and write beneath, no execute
  std::optional<LandlockPorts> net_bind;     // --net-bind: the only TCP ports bind() may use
  std::optional<LandlockPorts> net_connect;  // --net-connect: the only ones connect() may use
  bool best_effort = false;                  // --landlock best-effort
  // HARDINIT_LANDLOCK_ABI_CAP: behave as if the kernel offered at most this ABI (0: no
  // Landlock at all). For tests of older kernels; it can only lower what is enforced. -1: none.
  int abi_cap = -1;

  bool requested() const { return fs_ro || fs_rw || net_bind || net_connect; }
};

// "/usr,/etc" → {"/usr", "/etc"}; "" → {}. Every element must be a non-empty absolute path.
bool ParseLandlockPaths(std::string_view text, std::vector<std::string>* out, std::string* err);
// "80,443" → {80, 443}; "" → {}. Every element is a decimal port from 0 to 65535.
bool ParseLandlockPorts(std::string_view text, std::vector<uint16_t>* out, std::string* err);

// What one ruleset handles (denies unless a rule allows) and what the rules allow.
struct LandlockRights {
  uint64_t handled_fs = 0;
  uint64_t handled_net = 0;
  uint64_t scoped = 0;
  uint64_t fs_read = 0;   // allowed beneath --fs-ro: read, list, execute
  uint64_t fs_write = 0;  // allowed beneath --fs-rw: everything handled but execute

  bool any() const { return handled_fs != 0 || handled_net != 0 || scoped != 0; }
};

// A right the request would use on the newest ABI that the kernel's ABI lacks.
struct LandlockShortfall {
  const char* right;    // the kernel's name, e.g. "LANDLOCK_ACCESS_FS_TRUNCATE"
  int abi;              // the ABI that brings it
  bool required;        // part of what the flags promise (fails closed unless best-effort)
  const char* without;  // what the program may do without it
  std::string origin;   // the flag that needs it ("--fs-ro"), or "Landlock" for the scopes
};

// The rights hardinit handles for `options` on a kernel that offers `abi` (0: no Landlock;
// above 7: treated as 7), and every right it would want that `abi` lacks.
LandlockRights ComputeLandlockRights(const LandlockOptions& options, int abi,
                                     std::vector<LandlockShortfall>* shortfalls);

// The Linux release that brought Landlock ABI `abi` ("5.13" for 1 ... "6.15" for 7).
const char* LinuxForLandlockAbi(int abi);

// The whole decision, pure: the rights to enforce for `options` on `abi` (after the cap),
// the warnings to log (one per right not enforced), or false with *err when a required right
// is missing and best-effort was not asked for. `unavailable` says why abi is 0 (e.g.
// "landlock_create_ruleset: Function not implemented").
bool PlanLandlock(const LandlockOptions& options, int abi, const std::string& unavailable,
                  LandlockRights* rights, std::vector<std::string>* warnings, std::string* err);

// Owns a Landlock ruleset fd (close-on-exec: the kernel creates it so).
class LandlockRuleset {
 public:
  LandlockRuleset() = default;
  ~LandlockRuleset();
  LandlockRuleset(const LandlockRuleset&) = delete;
  LandlockRuleset& operator=(const LandlockRuleset&) = delete;

  int fd() const { return fd_; }  // -1: nothing to enforce
  void Reset(int fd);

 private:
  int fd_ = -1;
};

// The ABI the running kernel offers, or 0 with *errnum set (ENOSYS: no Landlock in this
// kernel; EOPNOTSUPP: disabled at boot; EPERM: a seccomp filter denies the call).
int QueryLandlockAbi(int* errnum);

// Plans (logging each warning) and builds the ruleset for `options`: opens every path with
// O_PATH (a missing one fails with its name), adds one rule per path and port, and leaves
// out->fd() at -1 when nothing was asked or nothing can be enforced under best-effort.
bool PrepareLandlock(const LandlockOptions& options, LandlockRuleset* out, std::string* err);

// What --inspect says about Landlock for the calling process.
struct LandlockStatus {
  int abi = 0;     // offered by the kernel; 0 = unavailable
  int errnum = 0;  // why abi is 0
  // true: the process is in a Landlock domain (evidence says how that was seen); false: no
  // sign of one. Only the calling process can look (see InspectOwnLandlock).
  bool restricted = false;
  std::string evidence;
};

// Looks for a Landlock domain around the calling process with two read-only tries that need
// no privilege: kill(pid, 0) on PID 1 and on the parent when the credentials allow it (refused
// only by a domain that scopes signals, ABI 6), and opening "/" when its mode lets everyone
// read it (refused only by a domain whose rules do not cover "/"). A domain with neither
// (older kernels, rules that allow "/", no scoping) cannot be seen from inside: Linux shows
// no Landlock state in /proc.
LandlockStatus InspectOwnLandlock();

}  // namespace hardinit

#endif  // HARDINIT_LANDLOCK_H_
