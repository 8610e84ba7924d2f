// SeccompRuleSet → classic BPF, through libseccomp, with runc's ENOSYS stub in front. Zone:
// parent. Nothing here loads a filter: the child does that with the raw syscall.
#ifndef HARDINIT_SECCOMP_COMPILE_H_
#define HARDINIT_SECCOMP_COMPILE_H_

#include <linux/filter.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "hardinit/seccomp_profile.h"

namespace hardinit {

// Rule sets with more rules than this get libseccomp's binary tree (SCMP_FLTATR_CTL_OPTIMIZE
// = 2); smaller ones stay linear, which is shorter for them. Never with 0 rules: libseccomp
// <= 2.5.4 then ignores the default action (libseccomp#370, runc's comment).
inline constexpr size_t kBinaryTreeMinRules = 8;

// The kernel's limit (BPF_MAXINSNS).
inline constexpr size_t kMaxBpfInstructions = 4096;

inline constexpr uint32_t kX32SyscallBit = 0x40000000;

struct SeccompCompileReport {
  std::vector<std::string> unknown_names;  // in no libseccomp table: skipped
  size_t rules_added = 0;
  bool binary_tree = false;
  size_t stub_instructions = 0;            // 0 when no ENOSYS stub was prepended
};

// Compiles `rules` for this machine (its native architecture plus rules.architectures).
bool CompileSeccompRules(const SeccompRuleSet& rules, std::vector<sock_filter>* filter,
                         SeccompCompileReport* report, std::string* err);

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
