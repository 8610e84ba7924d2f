// Docker/OCI seccomp profiles: the JSON schema, and its expansion into concrete rules for one
// machine and one set of kept capabilities. Zone: parent.
//
// Both steps are pure: parsing reads only the text it is given, and expansion reads only the
// profile and the context, so tests check the rule list without libseccomp or a kernel.
// seccomp_compile.h turns the rule list into BPF.
#ifndef HARDINIT_SECCOMP_PROFILE_H_
#define HARDINIT_SECCOMP_PROFILE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "hardinit/seccomp.h"

namespace hardinit {

// Profiles larger than this are refused before parsing (Docker's default is about 20 KiB).
inline constexpr size_t kMaxSeccompProfileBytes = 1 << 20;

// One comparison on a syscall argument. `op` is libseccomp's enum scmp_compare (SCMP_CMP_*).
// For SCMP_CMP_MASKED_EQ `value` is the mask and `value_two` the datum (Docker's reading).
struct SeccompArgCondition {
  unsigned int index = 0;  // 0..5
  uint64_t value = 0;
  uint64_t value_two = 0;
  int op = 0;

  bool operator==(const SeccompArgCondition&) const = default;
};

// Docker's `includes`/`excludes` object.
struct SeccompFilterCondition {
  std::vector<std::string> caps;    // as written, e.g. "CAP_SYS_ADMIN"
  std::vector<std::string> arches;  // Docker arch names, e.g. "amd64", "x32"
  bool has_min_kernel = false;
  int min_kernel_major = 0;
  int min_kernel_minor = 0;
};

// One element of `syscalls[]`.
struct SeccompEntry {
  std::vector<std::string> names;
  uint32_t action = 0;  // libseccomp's SCMP_ACT_* value with the errno folded in
  std::vector<SeccompArgCondition> args;
  SeccompFilterCondition includes;
  SeccompFilterCondition excludes;
};

struct SeccompArchMapEntry {
  std::string architecture;                // SCMP_ARCH_* name
  std::vector<std::string> sub_architectures;
};

struct SeccompProfile {
  uint32_t default_action = 0;             // SCMP_ACT_* with defaultErrnoRet folded in
  std::vector<std::string> architectures;  // SCMP_ARCH_* names
  std::vector<SeccompArchMapEntry> arch_map;
  unsigned int flags = 0;                  // SECCOMP_FILTER_FLAG_* passed to the kernel
  std::vector<std::string> ignored_flags;  // accepted but without effect (TSYNC, ...)
  std::vector<SeccompEntry> syscalls;
};

// Parses a Docker/OCI profile. On failure *err is "<json path>: <what is wrong>", e.g.
// `syscalls[3].args[0].op: unknown operator "SCMP_CMP_FOO"`, or the parser's own message.
bool ParseSeccompProfile(std::string_view json_text, SeccompProfile* out, std::string* err);

// Reads and parses `path`, refusing files over kMaxSeccompProfileBytes.
bool LoadSeccompProfileFile(const std::string& path, SeccompProfile* out, std::string* err);

// Reads a regular file of at most `limit` bytes.
bool ReadSeccompFile(const std::string& path, size_t limit, std::string* text, std::string* err);

// A concrete rule: one syscall name, one action, conditions ANDed (at most one per argument).
struct SeccompRule {
  std::string name;
  uint32_t action = 0;
  std::vector<SeccompArgCondition> conditions;

  bool operator==(const SeccompRule&) const = default;
};

// A `syscalls[]` entry whose conditions repeat an argument index: every condition became a
// rule of its own (ORed), as runc and crun do.
struct SeccompSplitEntry {
  size_t index = 0;                // in syscalls[]
  std::vector<std::string> names;
};

// The profile as it applies to one context: what the compiler is given.
struct SeccompRuleSet {
  std::string target_arch;                 // Docker arch name the filter is for ("amd64")
  uint32_t default_action = 0;
  std::vector<std::string> architectures;  // SCMP_ARCH_* names to add next to the native one
  unsigned int flags = 0;
  std::vector<SeccompRule> rules;          // in profile order: the first unconditional rule
                                           // of a syscall wins (seccomp_compile.h)
  std::vector<std::string> known_names;    // every name the profile mentions, for the
                                           // ENOSYS boundary (whatever the conditions)
  size_t dropped_as_default = 0;           // rules whose action equals the default
  uint32_t bad_arch_action = 0;            // for foreign-arch syscalls; 0 = SCMP_ACT_KILL_THREAD,
                                           // libseccomp's default, which Docker keeps
  std::vector<SeccompSplitEntry> split_entries;
};

// Evaluates includes/excludes against `context` the way Docker does (caps against the kept
// set, arches against context.arch, minKernel against the running kernel), expands archMap,
// and drops rules whose action equals the default action (libseccomp refuses them, runc and
// crun skip them). An entry's conditions form one rule (ANDed) when their argument indices
// are all different; when any index repeats, every condition of the entry becomes a rule of
// its own (ORed), conditions on other indices included, exactly as runc and crun do; such
// entries are listed in split_entries for the caller to warn about. The rule set targets
// context.arch.
SeccompRuleSet ExpandSeccompRules(const SeccompProfile& profile, const SeccompContext& context);

// PID 1's own rule set for Docker arch `target_arch` (design.md §3.5): default ERRNO(EPERM),
// never a kill, allowing only the calls of the supervisor loop (the list is in
// seccomp_supervisor.cc).
SeccompRuleSet SupervisorSeccompRules(std::string_view target_arch);

// What a compile of `profile` for the base context (no capability kept, every minKernel
// satisfied) silently assumes: precompiled BPF is valid for any context that keeps none of
// `caps_mentioned` and runs at least `min_kernel`.
struct SeccompProfileAssumptions {
  uint64_t caps_mentioned = 0;
  int min_kernel_major = 0;
  int min_kernel_minor = 0;
};
SeccompProfileAssumptions ProfileAssumptions(const SeccompProfile& profile);

// The capability number of "CAP_SYS_ADMIN" or "sys_admin" (any case), or -1.
int SeccompCapabilityNumber(std::string_view name);

// The SCMP_ARCH_* name that Docker's arch name `arch` ("amd64") runs natively, or "".
std::string NativeScmpArchName(std::string_view arch);

}  // namespace hardinit

#endif  // HARDINIT_SECCOMP_PROFILE_H_
