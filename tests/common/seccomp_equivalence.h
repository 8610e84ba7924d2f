// Proof that hardinit's seccomp generator answers as libseccomp does (design.md §3.3): both
// programs for the same rules run in the BPF interpreter on every architecture of the filter,
// every call number from 0 to 64 beyond the highest libseccomp knows, with and without the
// x32 bit, and argument vectors that hit each comparison's boundaries. Shared by the unit
// test (tests/unit/seccomp_equivalence_test.cc) and the seccomp_compile fuzz target.
//
// The oracle is libseccomp's program (with runc's ENOSYS stub) for the same rules, with the
// two differences hardinit intends (seccomp_compact.cc):
//  - an argument the kernel reads as N < 64 bits: the oracle is libseccomp's verdict on the
//    value with the bits above N cleared, for the rules with their data cut to N bits (what
//    libseccomp itself does on 32-bit ABIs);
//  - i386's socketcall(2)/ipc(2): the oracle is libseccomp's program for the rules without
//    the conditioned rules of the calls they multiplex (which libseccomp would extend to them
//    with the conditions dropped).
// An input on which rules of different actions all match is ambiguous (libseccomp's answer
// then depends on its internal tree order, hardinit's is the most restrictive): it is
// counted and not compared. The named profiles have none (the unit test checks).
#pragma once

#include <seccomp.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include "bpf_interpreter.h"
#include "hardinit/seccomp_arg_widths.h"
#include "hardinit/seccomp_compile.h"

namespace hardinit {

struct EquivalenceOptions {
  // False gives the oracle the rules and arguments as they are: the negative control that
  // shows the checker sees the difference it is told to expect.
  bool cut_to_arg_widths = true;
  size_t max_examples = 10;
};

struct EquivalenceResult {
  bool compiled = false;         // hardinit's generator compiled the rules
  std::string error;             // why not
  bool oracle_compiled = false;  // libseccomp compiled them (it refuses some overlaps)
  std::vector<sock_filter> compact;
  std::vector<sock_filter> oracle;
  size_t vectors = 0;    // inputs compared
  size_t ambiguous = 0;  // inputs not compared (see above)
  size_t mismatches = 0;
  std::vector<std::string> examples;  // the first mismatches, described
};

namespace equivalence_internal {

inline uint64_t WidthMask(unsigned bits) {
  return bits >= 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1;
}

// The rules as the oracle gets them: data cut to the bits the kernel reads.
inline SeccompRuleSet CutToArgWidths(SeccompRuleSet rules) {
  for (SeccompRule& rule : rules.rules) {
    for (SeccompArgCondition& c : rule.conditions) {
      const uint64_t width = WidthMask(SyscallArgBits(rule.name, c.index));
      c.value &= width;
      c.value_two &= width;
    }
  }
  return rules;
}

// Deterministic values for inputs that should look arbitrary.
struct SplitMix {
  uint64_t state;
  uint64_t Next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
};

// Values of one argument that hit the boundaries of the comparisons on it: each datum, one
// below, one above, each with high bits set; for masked comparisons each mask bit flipped,
// and the values that fail (or pass) every masked comparison at once, with the free bits
// enumerated (for default's ioctl rule: TIOCSTI, TIOCLINUX and their neighbours).
inline std::vector<uint64_t> BoundaryValues(const std::vector<CompiledCondition>& conditions) {
  std::set<uint64_t> values = {0, 1, 0xffffffffULL, ~uint64_t{0}, uint64_t{1} << 32};
  auto with_high = [&](uint64_t v) {
    values.insert(v);
    values.insert(v | 0xffffffff00000000ULL);
    values.insert(v | (uint64_t{1} << 32));
    values.insert(v | 0x10000);
    values.insert(v & 0xffffffffULL);
  };
  uint64_t forced_ones = 0, forced = 0;
  std::vector<const CompiledCondition*> wide_masks;
  for (const CompiledCondition& c : conditions) {
    with_high(c.datum);
    with_high(c.datum - 1);
    with_high(c.datum + 1);
    if (c.op != SCMP_CMP_MASKED_EQ) continue;
    with_high(c.datum | ~c.mask);
    for (int bit = 0; bit < 64; ++bit) {
      if ((c.mask >> bit) & 1) values.insert(c.datum ^ (uint64_t{1} << bit));
    }
    if (__builtin_popcountll(c.mask) == 1) {
      // To fail this comparison the bit must differ from the datum.
      if (!(forced & c.mask)) {
        forced |= c.mask;
        if (!(c.datum & c.mask)) forced_ones |= c.mask;
      }
    } else {
      wide_masks.push_back(&c);
    }
  }
  uint64_t free_bits = 0;
  for (const CompiledCondition* c : wide_masks) free_bits |= c->mask & ~forced;
  if (__builtin_popcountll(free_bits) <= 10) {
    std::vector<int> positions;
    for (int bit = 0; bit < 64; ++bit) {
      if ((free_bits >> bit) & 1) positions.push_back(bit);
    }
    for (uint64_t combo = 0; combo < (uint64_t{1} << positions.size()); ++combo) {
      uint64_t v = forced_ones;
      for (size_t i = 0; i < positions.size(); ++i) {
        if ((combo >> i) & 1) v |= uint64_t{1} << positions[i];
      }
      with_high(v);
    }
  }
  return {values.begin(), values.end()};
}

inline std::vector<std::vector<uint64_t>> ArgVectors(const SyscallDecision* decision,
                                                     bool multiplexer, uint64_t seed) {
  std::vector<std::vector<uint64_t>> vectors = {
      {0, 0, 0, 0, 0, 0},
      {~uint64_t{0}, ~uint64_t{0}, ~uint64_t{0}, ~uint64_t{0}, ~uint64_t{0}, ~uint64_t{0}},
      {uint64_t{1} << 32, uint64_t{1} << 32, uint64_t{1} << 32, uint64_t{1} << 32,
       uint64_t{1} << 32, uint64_t{1} << 32}};
  std::vector<std::vector<CompiledCondition>> per_index(6);
  if (decision != nullptr) {
    for (const CompiledRule& rule : decision->rules) {
      for (const CompiledCondition& c : rule.conditions) per_index[c.index].push_back(c);
    }
  }
  if (multiplexer) {
    // socketcall's and ipc's call numbers (linux/net.h SYS_*, linux/ipc.h), and beyond.
    for (uint64_t call = 0; call <= 24; ++call) {
      per_index[0].push_back({0, SCMP_CMP_EQ, call, 0, 32});
    }
  }
  std::vector<size_t> indices;
  std::vector<std::vector<uint64_t>> candidates(6);
  size_t product = 1;
  for (unsigned i = 0; i < 6; ++i) {
    if (per_index[i].empty()) continue;
    candidates[i] = BoundaryValues(per_index[i]);
    indices.push_back(i);
    product *= candidates[i].size();
  }
  if (indices.empty()) return vectors;
  constexpr size_t kCap = 20000;
  if (product <= kCap) {
    std::vector<size_t> odometer(indices.size(), 0);
    for (size_t n = 0; n < product; ++n) {
      std::vector<uint64_t> v(6, 0);
      for (size_t k = 0; k < indices.size(); ++k)
        v[indices[k]] = candidates[indices[k]][odometer[k]];
      vectors.push_back(v);
      for (size_t k = 0; k < indices.size() && ++odometer[k] == candidates[indices[k]].size();
           ++k) {
        odometer[k] = 0;
      }
    }
    return vectors;
  }
  // Too many combinations: every value of each argument with the others at each of their
  // values' first few, plus a deterministic sample of the rest.
  SplitMix random{seed};
  for (size_t k = 0; k < indices.size(); ++k) {
    for (uint64_t value : candidates[indices[k]]) {
      for (size_t anchor = 0; anchor < 4; ++anchor) {
        std::vector<uint64_t> v(6, 0);
        for (size_t j = 0; j < indices.size(); ++j) {
          const auto& c = candidates[indices[j]];
          v[indices[j]] = c[std::min(anchor, c.size() - 1)];
        }
        v[indices[k]] = value;
        vectors.push_back(v);
      }
    }
  }
  for (size_t n = 0; n < kCap; ++n) {
    std::vector<uint64_t> v(6, 0);
    for (size_t index : indices) {
      const auto& c = candidates[index];
      v[index] = c[random.Next() % c.size()];
    }
    vectors.push_back(v);
  }
  return vectors;
}

inline std::string Hex(uint64_t v) {
  char buffer[24];
  std::snprintf(buffer, sizeof(buffer), "%#llx", static_cast<unsigned long long>(v));
  return buffer;
}

}  // namespace equivalence_internal

// Compiles `rules` with both compilers and compares them input by input.
inline EquivalenceResult CheckEquivalence(const SeccompRuleSet& rules,
                                          const EquivalenceOptions& options = {}) {
  using namespace equivalence_internal;
  EquivalenceResult result;
  SeccompCompileReport report;
  if (!CompileSeccompRules(rules, &result.compact, &report, &result.error)) return result;
  result.compiled = true;
  SeccompPlan plan;
  if (!PlanSeccompRules(rules, &plan, &result.error)) return result;

  const SeccompRuleSet cut = options.cut_to_arg_widths ? CutToArgWidths(rules) : rules;
  std::string oracle_error;
  if (!CompileSeccompRulesWithLibseccomp(cut, &result.oracle, &oracle_error)) {
    result.error = "libseccomp: " + oracle_error;
    return result;
  }
  // For socketcall/ipc: the oracle without the rules hardinit does not extend to them.
  std::vector<sock_filter> multiplexer_oracle;
  std::set<uint32_t> multiplexers;
  for (const ArchPlan& arch : plan.arches) {
    if (!arch.arch->multiplexed_calls) continue;
    std::set<size_t> transferred;
    for (const char* name : {"socketcall", "ipc"}) {
      const std::optional<uint32_t> nr = SeccompSyscallNumber(*arch.arch, name);
      if (!nr) continue;
      multiplexers.insert(*nr);
      if (auto it = arch.calls.find(*nr); it != arch.calls.end()) {
        for (const CompiledRule& rule : it->second.rules) transferred.insert(rule.source);
      }
    }
    SeccompRuleSet without = cut;
    without.rules.clear();
    for (size_t i = 0; i < cut.rules.size(); ++i) {
      const bool multiplexed =
          SeccompMultiplexedCall(*arch.arch, cut.rules[i].name.c_str()).has_value();
      if (!multiplexed || transferred.count(i) != 0) without.rules.push_back(cut.rules[i]);
    }
    if (!CompileSeccompRulesWithLibseccomp(without, &multiplexer_oracle, &oracle_error)) {
      result.error = "libseccomp: " + oracle_error;
      return result;
    }
  }
  result.oracle_compiled = true;

  for (const ArchPlan& arch : plan.arches) {
    const uint32_t base = arch.arch->x32 ? kX32SyscallBit : 0;
    const uint32_t highest = SeccompHighestKnownNumber(*arch.arch);
    std::vector<uint32_t> numbers;
    for (uint64_t nr = base; nr <= uint64_t{highest} + 64; ++nr) {
      numbers.push_back(static_cast<uint32_t>(nr));
      // x86_64 and x32 share AUDIT_ARCH_X86_64: the bit is what tells them apart.
      if (arch.arch->token == SCMP_ARCH_X86_64) {
        numbers.push_back(static_cast<uint32_t>(nr) | kX32SyscallBit);
      }
    }
    for (uint32_t special : {0x3fffffffU, 0x7fffffffU, 0x80000000U, 0xbfffffffU, 0xc0000000U,
                             0xfffffffeU, 0xffffffffU}) {
      numbers.push_back(special);
    }
    for (uint32_t nr : numbers) {
      const auto call = arch.calls.find(nr);
      const SyscallDecision* decision = call == arch.calls.end() ? nullptr : &call->second;
      const bool multiplexer = arch.arch->multiplexed_calls && multiplexers.count(nr) != 0;
      const std::vector<sock_filter>& oracle = multiplexer ? multiplexer_oracle : result.oracle;
      // The widths the kernel reads, by the name this number has on this architecture.
      unsigned bits[6] = {64, 64, 64, 64, 64, 64};
      char* name = seccomp_syscall_resolve_num_arch(arch.arch->token, static_cast<int>(nr));
      if (name != nullptr && options.cut_to_arg_widths) {
        for (unsigned i = 0; i < 6; ++i) bits[i] = SyscallArgBits(name, i);
      }
      // A number no call has and no rule names: one input is enough (neither program can
      // look at its arguments); ARM's private calls put 983,000 of them below the highest.
      std::vector<std::vector<uint64_t>> vectors = ArgVectors(decision, multiplexer, nr);
      if (name == nullptr && decision == nullptr) vectors.resize(1);
      std::free(name);
      for (const std::vector<uint64_t>& args : vectors) {
        seccomp_data data{};
        data.nr = static_cast<int>(nr);
        data.arch = arch.arch->audit_arch;
        for (unsigned i = 0; i < 6; ++i) data.args[i] = args[i];
        if (decision != nullptr && !decision->Unconditional()) {
          std::set<uint32_t> matching;
          for (const CompiledRule& rule : decision->rules) {
            if (std::all_of(rule.conditions.begin(), rule.conditions.end(),
                            [&](const CompiledCondition& c) { return c.Holds(data); })) {
              matching.insert(rule.action);
            }
          }
          if (matching.size() > 1) {
            ++result.ambiguous;
            continue;
          }
        }
        seccomp_data cleared = data;
        for (unsigned i = 0; i < 6; ++i) cleared.args[i] &= WidthMask(bits[i]);
        const uint32_t expected = RunBpf(oracle, cleared);
        const uint32_t actual = RunBpf(result.compact, data);
        ++result.vectors;
        if (expected == actual) continue;
        if (++result.mismatches > options.max_examples) continue;
        std::string example = std::string(arch.arch->name) + " nr " + Hex(nr) + " args";
        for (uint64_t a : args) example += " " + Hex(a);
        example += ": libseccomp " + Hex(expected) + ", hardinit " + Hex(actual);
        result.examples.push_back(example);
      }
    }
  }
  return result;
}

}  // namespace hardinit
