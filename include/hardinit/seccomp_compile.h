// SeccompRuleSet → classic BPF (design.md §3.3). Zone: parent. Nothing here loads a filter:
// the child does that with the raw syscall.
//
// CompileSeccompRules is hardinit's own generator: per architecture, one comparison for the
// ENOSYS boundary, a balanced search over ranges of call numbers, and argument checks only
// for the calls that have them, comparing only the bits of an argument the kernel reads.
// CompileSeccompRulesWithLibseccomp is libseccomp's compile with runc's ENOSYS stub in
// front: what hardinit used before, kept as the oracle the tests prove the generator
// against (tests/common/seccomp_equivalence.h).
#ifndef HARDINIT_SECCOMP_COMPILE_H_
#define HARDINIT_SECCOMP_COMPILE_H_

#include <linux/filter.h>
#include <linux/seccomp.h>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "hardinit/seccomp_arch.h"
#include "hardinit/seccomp_profile.h"

namespace hardinit {

// The kernel's limit (BPF_MAXINSNS).
inline constexpr size_t kMaxBpfInstructions = 4096;

// One argument comparison as the filter makes it: on `bits` bits of the argument (64, or
// fewer when the kernel reads fewer or the ABI's arguments are 32 bits wide), with the
// datum and mask cut to them and, as libseccomp does, the datum masked for MASKED_EQ.
struct CompiledCondition {
  unsigned index = 0;
  int op = 0;  // SCMP_CMP_*
  uint64_t datum = 0;
  uint64_t mask = 0;  // MASKED_EQ only
  unsigned bits = 64;

  bool Holds(const seccomp_data& data) const;
  bool operator==(const CompiledCondition&) const = default;
};

struct CompiledRule {
  uint32_t action = 0;
  std::vector<CompiledCondition> conditions;  // ANDed; empty: unconditional
  size_t source = 0;                          // index in SeccompRuleSet::rules

  bool operator==(const CompiledRule&) const = default;
};

// The kernel's precedence among actions (kernel/seccomp.c, seccomp(2)): the lower, the more
// restrictive; KILL_PROCESS, KILL_THREAD, TRAP, ERRNO, USER_NOTIF, TRACE, LOG, ALLOW.
int32_t SeccompActionPrecedence(uint32_t action);

// What one system call number gets on one architecture. The first unconditional rule wins
// over everything else (libseccomp's behaviour, which profiles rely on); otherwise, of the
// rules whose conditions all hold, the most restrictive action, the first in profile order
// among equals (where rules of different actions match the same input libseccomp's answer
// depends on its internal tree order; this one is never more permissive); otherwise the
// default action.
struct SyscallDecision {
  std::vector<CompiledRule> rules;  // in profile order

  uint32_t Evaluate(const seccomp_data& data, uint32_t default_action) const;
  bool Unconditional() const;
  // The conditional rules in the order that makes the first match the answer: by precedence,
  // then profile order.
  std::vector<CompiledRule> EvaluationOrder() const;
};

struct ArchPlan {
  const SeccompArch* arch = nullptr;
  std::map<uint32_t, SyscallDecision> calls;  // by number (x32: with kX32SyscallBit)
  bool enosys = false;  // numbers above `max_nr` get ERRNO(ENOSYS) (not on x32)
  uint32_t max_nr = 0;
};

// The rule set resolved for its target: what the generator compiles, and what the tests ask
// which rules apply to a call.
struct SeccompPlan {
  std::vector<ArchPlan> arches;  // native first; x32 after x86_64
  uint32_t default_action = 0;
  uint32_t bad_arch_action = 0;
  std::vector<std::string> unknown_names;    // in no libseccomp table: skipped
  std::vector<std::string> left_out_arches;  // named by the profile, unreachable
  std::vector<std::string> untransferred;    // i386: conditioned rules of calls that
                                             // socketcall/ipc multiplex (see .cc)
  size_t rules_used = 0;                     // rules that reached some architecture
};

bool PlanSeccompRules(const SeccompRuleSet& rules, SeccompPlan* plan, std::string* err);

struct SeccompCompileReport {
  std::vector<std::string> unknown_names;
  std::vector<std::string> arches;  // SCMP_ARCH_* names the filter has sections for
  std::vector<std::string> left_out_arches;
  std::vector<std::string> untransferred;
  size_t rules_added = 0;
  size_t ranges = 0;      // call-number ranges the searches tell apart
  size_t arg_blocks = 0;  // argument-check blocks, after identical ones are shared
};

// Compiles `rules` for rules.target_arch (its native architecture plus rules.architectures,
// less those its kernel never reports).
bool CompileSeccompRules(const SeccompRuleSet& rules, std::vector<sock_filter>* filter,
                         SeccompCompileReport* report, std::string* err);

// libseccomp's program for the same rules, with runc's ENOSYS stub in front: the oracle.
bool CompileSeccompRulesWithLibseccomp(const SeccompRuleSet& rules,
                                       std::vector<sock_filter>* filter, std::string* err);

// True when a default action denies (errno, kill, trap): only then do syscalls newer than the
// profile get ENOSYS instead. Allow-like defaults (ALLOW, LOG, TRACE) already let them run.
bool WantsEnosysStub(uint32_t default_action);

// The highest syscall number `known_names` reach on one audit architecture.
struct EnosysBoundary {
  uint32_t audit_arch = 0;  // AUDIT_ARCH_* (= SCMP_ARCH_*)
  uint32_t max_nr = 0;
};

// runc's stub (patchbpf generateEnosysStub): per architecture, a syscall number above the
// boundary returns ERRNO(ENOSYS); everything else, x32 numbers (bit 30 on AUDIT_ARCH_X86_64)
// and unlisted architectures fall through to the instruction after the stub. Empty for no
// boundaries.
std::vector<sock_filter> BuildEnosysStub(const std::vector<EnosysBoundary>& boundaries);

// The boundaries of `known_names` on each of `audit_arches` (x32 is left to libseccomp).
std::vector<EnosysBoundary> EnosysBoundaries(const std::vector<std::string>& known_names,
                                             const std::vector<uint32_t>& audit_arches);

// What the kernel's seccomp_check_filter and bpf_check_classic refuse, checked in the parent
// so a bad precompiled filter is a 125 with a reason rather than an EINVAL in the child.
bool ValidateSeccompBpf(const std::vector<sock_filter>& filter, std::string* err);

// Raw BPF as `hardinit seccomp export` writes it (struct sock_filter array, host order).
bool DecodeSeccompBpf(std::string_view bytes, std::vector<sock_filter>* filter, std::string* err);
std::string EncodeSeccompBpf(const std::vector<sock_filter>& filter);

}  // namespace hardinit

#endif  // HARDINIT_SECCOMP_COMPILE_H_
