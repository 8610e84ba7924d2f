// SeccompRuleSet → compact classic BPF (design.md §3.3). Zone: parent.
//
// The program, for Docker's profile on amd64:
//
//   ld arch; jeq X86_64 → x86_64; jeq I386 → i386; ret BADARCH
//   x86_64: ld nr; jset X32_BIT → x32
//           jgt MAX → ret ENOSYS              the ENOSYS boundary: one comparison
//           balanced search over the ranges of numbers that share a verdict; a leaf is a
//           return, or a jump to the argument checks of one call
//   x32:    the same search over x32's numbers (no ENOSYS boundary: runc leaves x32 alone)
//   i386:   ld nr; jgt MAX → ret ENOSYS; search
//   each section ends with its own copies of the returns it uses (every jump stays within
//   the 8 bits a conditional jump has); then the argument checks, shared between
//   architectures when identical, and their returns
//
// Its verdicts are libseccomp's (plus runc's ENOSYS stub) for the same rules, proven by the
// equivalence tests, with two intended differences: an argument the kernel reads as fewer
// than 64 bits is compared on those bits only, and on i386 a rule with argument conditions
// on a call that socketcall(2) or ipc(2) multiplexes is not extended to the multiplexer
// (libseccomp extends it with argument 0 replaced by the call's number and the rest
// compared against the multiplexer's registers, which turns `socket(family < 38)` into
// `socketcall(SYS_SOCKET, any family)`).
#include <errno.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <map>
#include <set>

#include "hardinit/seccomp_arg_widths.h"
#include "hardinit/seccomp_bpf_asm.h"
#include "hardinit/seccomp_compile.h"

namespace hardinit {
namespace {

using Label = BpfAssembler::Label;

constexpr uint32_t kEnosys = SECCOMP_RET_ERRNO | ENOSYS;

uint64_t WidthMask(unsigned bits) { return bits >= 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1; }

// The comparisons of one rule for `name` on `arch`, cut to the bits compared. A MASKED_EQ
// whose mask keeps nothing is always true and is dropped, as libseccomp drops it (which
// makes a rule of only such conditions unconditional).
std::vector<CompiledCondition> CompileConditions(const SeccompRule& rule, const SeccompArch& arch) {
  std::vector<CompiledCondition> out;
  for (const SeccompArgCondition& c : rule.conditions) {
    CompiledCondition cc;
    cc.index = c.index;
    cc.op = c.op;
    cc.bits = SyscallArgBits(rule.name, c.index);
    if (arch.low_halves_only) cc.bits = std::min(cc.bits, 32U);
    const uint64_t width = WidthMask(cc.bits);
    if (c.op == SCMP_CMP_MASKED_EQ) {
      cc.mask = c.value & width;
      cc.datum = c.value_two & cc.mask;
      if (cc.mask == 0) continue;
    } else {
      cc.datum = c.value & width;
    }
    out.push_back(cc);
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.index < b.index; });
  return out;
}

// Where a range of call numbers goes: a return, or the argument checks of a block.
struct Target {
  bool block = false;
  uint32_t value = 0;  // the action, or the block's index
  bool operator==(const Target&) const = default;
};

struct Exception {
  uint32_t nr = 0;
  Target target;
};

// Numbers [first, last] go to `target`, except the listed ones: a lone number between two
// ranges of one target costs one jeq instead of two steps of the search.
struct Range {
  uint32_t first = 0, last = 0;
  Target target;
  std::vector<Exception> exceptions;
};

std::string BlockKey(const SyscallDecision& decision) {
  std::string key;
  for (const CompiledRule& rule : decision.rules) {
    key += "r" + std::to_string(rule.action);
    for (const CompiledCondition& c : rule.conditions) {
      key += ":" + std::to_string(c.index) + "," + std::to_string(c.op) + "," +
             std::to_string(c.datum) + "," + std::to_string(c.mask) + "," + std::to_string(c.bits);
    }
  }
  return key;
}

class Generator {
 public:
  Generator(const SeccompPlan& plan, SeccompCompileReport* report) : plan_(plan), report_(report) {}

  bool Run(std::vector<sock_filter>* filter, std::string* err) {
    // Sections by audit arch: x32 shares x86_64's.
    std::vector<std::pair<uint32_t, Label>> sections;
    for (const ArchPlan& arch : plan_.arches) {
      if (arch.arch->x32) continue;
      sections.emplace_back(arch.arch->audit_arch, asm_.NewLabel());
    }
    asm_.Load(offsetof(seccomp_data, arch));
    for (const auto& [audit_arch, label] : sections) {
      const Label next = asm_.NewLabel();
      asm_.Jump(BPF_JEQ, audit_arch, label, next);
      asm_.Bind(next);
    }
    asm_.Goto(Return(plan_.bad_arch_action));
    size_t s = 0;
    for (const ArchPlan& arch : plan_.arches) {
      if (arch.arch->x32) continue;
      asm_.Bind(sections[s++].second);
      Section(arch);
    }
    // The argument checks, after every section that jumps to them.
    for (size_t i = 0; i < blocks_.size(); ++i) {
      asm_.Bind(block_labels_[i]);
      Block(*blocks_[i]);
    }
    report_->arg_blocks = blocks_.size();
    return asm_.Finish(filter, err);
  }

 private:
  // Inside a section, returns are the section's own copies, placed after its search, so that
  // no jump of the search is too long for 8 bits; elsewhere the program's shared ones.
  Label Return(uint32_t action) {
    if (!in_section_) return asm_.ReturnLabel(action);
    auto [it, added] = section_returns_.emplace(action, 0);
    if (added) it->second = asm_.NewLabel();
    return it->second;
  }

  void BeginSection() {
    in_section_ = true;
    section_returns_.clear();
  }

  void EndSection() {
    in_section_ = false;
    for (const auto& [action, label] : section_returns_) {
      asm_.Bind(label);
      asm_.Return(action);
    }
  }

  Label TargetLabel(const Target& target) {
    return target.block ? block_labels_[target.value] : Return(target.value);
  }

  Target TargetOf(const SyscallDecision& decision) {
    for (const CompiledRule& rule : decision.rules) {
      if (rule.conditions.empty()) return {false, rule.action};
    }
    const std::string key = BlockKey(decision);
    auto [it, added] = block_ids_.emplace(key, blocks_.size());
    if (added) {
      blocks_.push_back(&decision);
      block_labels_.push_back(asm_.NewLabel());
    }
    return {true, static_cast<uint32_t>(it->second)};
  }

  // The ranges that partition [first, last], merged where neighbours share a target, with
  // lone numbers between two ranges of one target folded in as exceptions.
  std::vector<Range> Ranges(const ArchPlan& arch, uint32_t first, uint32_t last) {
    std::vector<Range> plain;
    auto add = [&](uint32_t a, uint32_t b, Target t) {
      if (!plain.empty() && plain.back().target == t && plain.back().last + 1 == a) {
        plain.back().last = b;
      } else {
        plain.push_back({a, b, t, {}});
      }
    };
    const Target fallback{false, plan_.default_action};
    uint64_t cursor = first;
    for (auto it = arch.calls.lower_bound(first); it != arch.calls.end() && it->first <= last;
         ++it) {
      if (it->first > cursor) add(static_cast<uint32_t>(cursor), it->first - 1, fallback);
      add(it->first, it->first, TargetOf(it->second));
      cursor = uint64_t{it->first} + 1;
    }
    if (cursor <= last) add(static_cast<uint32_t>(cursor), last, fallback);
    std::vector<Range> ranges;
    for (size_t i = 0; i < plain.size(); ++i) {
      const bool lone = plain[i].first == plain[i].last && !ranges.empty() &&
                        i + 1 < plain.size() && ranges.back().target == plain[i + 1].target;
      if (lone) {
        ranges.back().exceptions.push_back({plain[i].first, plain[i].target});
        ranges.back().last = plain[i + 1].last;
        ++i;
      } else {
        ranges.push_back(plain[i]);
      }
    }
    return ranges;
  }

  // A balanced search over `ranges` (A holds the number), emitted at the current position.
  void Search(const std::vector<Range>& ranges) {
    for (const Range& r : ranges) report_->ranges += 1 + 2 * r.exceptions.size();
    SearchNode(ranges, 0, ranges.size());
  }

  void Leaf(const Range& range) {
    if (range.exceptions.empty()) {
      asm_.Goto(TargetLabel(range.target));
      return;
    }
    for (size_t i = 0; i < range.exceptions.size(); ++i) {
      const bool last = i + 1 == range.exceptions.size();
      const Label next = last ? TargetLabel(range.target) : asm_.NewLabel();
      asm_.Jump(BPF_JEQ, range.exceptions[i].nr, TargetLabel(range.exceptions[i].target), next);
      if (!last) asm_.Bind(next);
    }
  }

  // The label of the code for ranges [a, b): a leaf without exceptions is its target itself.
  Label Subtree(const std::vector<Range>& r, size_t a, size_t b, bool* emit) {
    *emit = b - a > 1 || !r[a].exceptions.empty();
    return *emit ? asm_.NewLabel() : TargetLabel(r[a].target);
  }

  void SearchNode(const std::vector<Range>& r, size_t a, size_t b) {
    if (b - a == 1) {
      Leaf(r[a]);
      return;
    }
    const size_t mid = a + (b - a) / 2;
    bool emit_left, emit_right;
    const Label left = Subtree(r, a, mid, &emit_left);
    const Label right = Subtree(r, mid, b, &emit_right);
    asm_.Jump(BPF_JGE, r[mid].first, right, left);
    if (emit_left) {
      asm_.Bind(left);
      SearchNode(r, a, mid);
    }
    if (emit_right) {
      asm_.Bind(right);
      SearchNode(r, mid, b);
    }
  }

  void Section(const ArchPlan& arch) {
    BeginSection();
    asm_.Load(offsetof(seccomp_data, nr));
    uint32_t last = 0xffffffff;
    Label high = 0;
    const bool x86_64 = arch.arch->token == SCMP_ARCH_X86_64;
    if (x86_64) {
      // x32 numbers carry bit 30 on AUDIT_ARCH_X86_64. runc's stub tests the bit (and sends
      // the rest above its boundary to ENOSYS); libseccomp alone tests >= the bit.
      high = asm_.NewLabel();
      const Label low = asm_.NewLabel();
      asm_.Jump(arch.enosys ? BPF_JSET : BPF_JGE, kX32SyscallBit, high, low);
      asm_.Bind(low);
      last = kX32SyscallBit - 1;
    }
    if (arch.enosys) {
      const Label below = asm_.NewLabel();
      asm_.Jump(BPF_JGT, arch.max_nr, Return(kEnosys), below);
      asm_.Bind(below);
      last = arch.max_nr;
    }
    Search(Ranges(arch, 0, last));
    if (!x86_64) {
      EndSection();
      return;
    }
    asm_.Bind(high);
    const ArchPlan* x32 = nullptr;
    for (const ArchPlan& other : plan_.arches) {
      if (other.arch->x32) x32 = &other;
    }
    if (x32 != nullptr) {
      Search(Ranges(*x32, kX32SyscallBit, 0xffffffff));
    } else if (plan_.default_action == plan_.bad_arch_action) {
      asm_.Goto(Return(plan_.default_action));
    } else {
      // libseccomp treats -1 (a syscall skipped by a tracer) as x86_64, any other number
      // with the x32 bit as a foreign ABI.
      asm_.Jump(BPF_JEQ, 0xffffffff, Return(plan_.default_action), Return(plan_.bad_arch_action));
    }
    EndSection();
  }

  // True when every input `rule` matches also matches `earlier`: `rule` pins each argument
  // it looks at to one value (EQ conditions only), and `earlier`'s conditions hold there.
  static bool Subsumes(const CompiledRule& earlier, const CompiledRule& rule) {
    seccomp_data point{};
    std::array<unsigned, 6> pinned_bits{};  // 0: not pinned
    for (const CompiledCondition& c : rule.conditions) {
      if (c.op != SCMP_CMP_EQ || pinned_bits[c.index] != 0) return false;
      pinned_bits[c.index] = c.bits;
      point.args[c.index] = c.datum;
    }
    // A condition on more bits than the pinned ones would see bits the point leaves free.
    return std::all_of(earlier.conditions.begin(), earlier.conditions.end(),
                       [&](const CompiledCondition& c) {
                         return c.bits <= pinned_bits[c.index] && c.Holds(point);
                       });
  }

  // The rules of a block that can decide something. A rule covered by an earlier one of the
  // same action never does (the earlier one matches first); when every rule has the same
  // action, order does not matter and a rule covered by any other is left out (socketcall's
  // calls under `a0 != SYS_SOCKET`; of two rules covering each other, the first stays).
  static std::vector<CompiledRule> NeededRules(const SyscallDecision& decision) {
    const std::vector<CompiledRule> rules = decision.EvaluationOrder();
    const bool one_action = std::all_of(rules.begin(), rules.end(), [&](const CompiledRule& r) {
      return r.action == rules.front().action;
    });
    std::vector<CompiledRule> needed;
    for (size_t i = 0; i < rules.size(); ++i) {
      bool covered = false;
      for (size_t j = 0; j < rules.size() && !covered; ++j) {
        if (j == i || rules[j].action != rules[i].action || !Subsumes(rules[j], rules[i])) continue;
        covered = j < i || (one_action && !Subsumes(rules[i], rules[j]));
      }
      if (!covered) needed.push_back(rules[i]);
    }
    return needed;
  }

  // A set of values of one word that some comparison fixes bits of: (v & mask) == datum.
  struct Cube {
    uint32_t mask, datum;
  };

  // The values of `bits`-wide words, below `bit` and with the bits above it as in `prefix`,
  // that no cube contains: into *out, or false when there would be more than kMaxPoints (or
  // the search grows too long).
  static constexpr size_t kMaxPoints = 8;
  static bool Uncovered(const std::vector<Cube>& cubes, int bit, uint32_t prefix,
                        std::vector<uint32_t>* out, size_t* budget) {
    if (*budget == 0) return false;
    --*budget;
    const uint32_t below = bit < 0 ? 0 : bit >= 31 ? 0xffffffff : (uint32_t{2} << bit) - 1;
    for (const Cube& c : cubes) {
      if ((c.mask & below) == 0) return true;  // c holds the whole rest
    }
    if (cubes.empty()) {
      if (bit >= 3 || out->size() + (size_t{1} << (bit + 1)) > kMaxPoints) return false;
      for (uint32_t v = 0; v <= below; ++v) out->push_back(prefix | v);
      return true;
    }
    for (uint32_t value : {0U, 1U}) {
      std::vector<Cube> rest;
      for (const Cube& c : cubes) {
        if (!((c.mask >> bit) & 1) || ((c.datum >> bit) & 1) == value) rest.push_back(c);
      }
      if (!Uncovered(rest, bit - 1, prefix | (value << bit), out, budget)) return false;
    }
    return true;
  }

  // One action, each rule one EQ or MASKED_EQ on the same word of at most 32 bits: the union
  // of what they accept is everything but a few values, tested one by one. default's ioctl
  // rule is 33 masked comparisons that spell "neither TIOCSTI nor TIOCLINUX" because
  // libseccomp cannot negate; here it is two jeq.
  bool AllButAFew(const std::vector<CompiledRule>& rules) {
    if (rules.empty() || rules.front().conditions.empty()) return false;
    const CompiledCondition& first = rules.front().conditions.front();
    std::vector<Cube> cubes;
    for (const CompiledRule& rule : rules) {
      if (rule.action != rules.front().action || rule.conditions.size() != 1) return false;
      const CompiledCondition& c = rule.conditions.front();
      if (c.index != first.index || c.bits != first.bits || c.bits > 32) return false;
      if (c.op == SCMP_CMP_EQ) {
        cubes.push_back({static_cast<uint32_t>(WidthMask(c.bits)), static_cast<uint32_t>(c.datum)});
      } else if (c.op == SCMP_CMP_MASKED_EQ) {
        cubes.push_back({static_cast<uint32_t>(c.mask), static_cast<uint32_t>(c.datum)});
      } else {
        return false;
      }
    }
    std::vector<uint32_t> points;
    size_t budget = 4096;
    if (!Uncovered(cubes, static_cast<int>(first.bits) - 1, 0, &points, &budget)) return false;
    asm_.Load(offsetof(seccomp_data, args) + 8 * first.index);
    if (first.bits < 32) asm_.And(static_cast<uint32_t>(WidthMask(first.bits)));
    for (uint32_t point : points) {
      const Label next = asm_.NewLabel();
      asm_.Jump(BPF_JEQ, point, Return(plan_.default_action), next);
      asm_.Bind(next);
    }
    asm_.Goto(Return(rules.front().action));
    return true;
  }

  void Block(const SyscallDecision& decision) {
    const std::vector<CompiledRule> needed = NeededRules(decision);
    if (AllButAFew(needed)) return;
    for (const CompiledRule& rule : needed) {
      const Label next = asm_.NewLabel();
      for (size_t i = 0; i < rule.conditions.size(); ++i) {
        const bool last = i + 1 == rule.conditions.size();
        const Label holds = last ? Return(rule.action) : asm_.NewLabel();
        Condition(rule.conditions[i], holds, next);
        if (!last) asm_.Bind(holds);
      }
      asm_.Bind(next);
    }
    asm_.Goto(Return(plan_.default_action));
  }

  // (word & mask) == datum, on a word already in A.
  void MaskedWord(uint32_t mask, uint32_t datum, Label t, Label f) {
    if (mask == 0xffffffff) {
      asm_.Jump(BPF_JEQ, datum, t, f);
    } else if (std::has_single_bit(mask)) {
      asm_.Jump(BPF_JSET, mask, datum != 0 ? t : f, datum != 0 ? f : t);
    } else {
      asm_.And(mask);
      asm_.Jump(BPF_JEQ, datum, t, f);
    }
  }

  void Condition(const CompiledCondition& c, Label t, Label f) {
    // Every supported ABI is little-endian: the low half of an argument comes first.
    const uint32_t lo = offsetof(seccomp_data, args) + 8 * c.index;
    const uint32_t hi = lo + 4;
    if (c.bits < 64) {
      const uint32_t width = static_cast<uint32_t>(WidthMask(c.bits));
      const uint32_t d = static_cast<uint32_t>(c.datum);
      asm_.Load(lo);
      if (c.op == SCMP_CMP_MASKED_EQ) {
        MaskedWord(static_cast<uint32_t>(c.mask), d, t, f);
        return;
      }
      if (width != 0xffffffff) asm_.And(width);
      switch (c.op) {
        case SCMP_CMP_EQ:
          asm_.Jump(BPF_JEQ, d, t, f);
          break;
        case SCMP_CMP_NE:
          asm_.Jump(BPF_JEQ, d, f, t);
          break;
        case SCMP_CMP_GT:
          d >= width ? asm_.Goto(f) : asm_.Jump(BPF_JGT, d, t, f);
          break;
        case SCMP_CMP_GE:
          d == 0 ? asm_.Goto(t) : asm_.Jump(BPF_JGE, d, t, f);
          break;
        case SCMP_CMP_LT:
          d == 0 ? asm_.Goto(f) : asm_.Jump(BPF_JGE, d, f, t);
          break;
        case SCMP_CMP_LE:
          d >= width ? asm_.Goto(t) : asm_.Jump(BPF_JGT, d, f, t);
          break;
      }
      return;
    }
    const uint32_t dh = static_cast<uint32_t>(c.datum >> 32);
    const uint32_t dl = static_cast<uint32_t>(c.datum);
    if (c.op == SCMP_CMP_MASKED_EQ) {
      const uint32_t mh = static_cast<uint32_t>(c.mask >> 32);
      const uint32_t ml = static_cast<uint32_t>(c.mask);
      if (mh != 0) {
        const Label low_half = ml != 0 ? asm_.NewLabel() : t;
        asm_.Load(hi);
        MaskedWord(mh, dh, low_half, f);
        if (ml == 0) return;
        asm_.Bind(low_half);
      }
      asm_.Load(lo);
      MaskedWord(ml, dl, t, f);
      return;
    }
    // 64-bit comparisons from two 32-bit ones: the high halves decide unless equal.
    const Label equal_high = asm_.NewLabel();
    asm_.Load(hi);
    switch (c.op) {
      case SCMP_CMP_EQ:
        asm_.Jump(BPF_JEQ, dh, equal_high, f);
        break;
      case SCMP_CMP_NE:
        asm_.Jump(BPF_JEQ, dh, equal_high, t);
        break;
      case SCMP_CMP_GT:
      case SCMP_CMP_GE: {
        const Label not_above = asm_.NewLabel();
        asm_.Jump(BPF_JGT, dh, t, not_above);
        asm_.Bind(not_above);
        asm_.Jump(BPF_JEQ, dh, equal_high, f);
        break;
      }
      case SCMP_CMP_LT:
      case SCMP_CMP_LE: {
        const Label not_above = asm_.NewLabel();
        asm_.Jump(BPF_JGT, dh, f, not_above);
        asm_.Bind(not_above);
        asm_.Jump(BPF_JEQ, dh, equal_high, t);
        break;
      }
    }
    asm_.Bind(equal_high);
    asm_.Load(lo);
    switch (c.op) {
      case SCMP_CMP_EQ:
        asm_.Jump(BPF_JEQ, dl, t, f);
        break;
      case SCMP_CMP_NE:
        asm_.Jump(BPF_JEQ, dl, f, t);
        break;
      case SCMP_CMP_GT:
        asm_.Jump(BPF_JGT, dl, t, f);
        break;
      case SCMP_CMP_GE:
        dl == 0 ? asm_.Goto(t) : asm_.Jump(BPF_JGE, dl, t, f);
        break;
      case SCMP_CMP_LT:
        dl == 0 ? asm_.Goto(f) : asm_.Jump(BPF_JGE, dl, f, t);
        break;
      case SCMP_CMP_LE:
        asm_.Jump(BPF_JGT, dl, f, t);
        break;
    }
  }

  const SeccompPlan& plan_;
  SeccompCompileReport* report_;
  BpfAssembler asm_;
  bool in_section_ = false;
  std::map<uint32_t, Label> section_returns_;
  std::map<std::string, size_t> block_ids_;
  std::vector<const SyscallDecision*> blocks_;
  std::vector<Label> block_labels_;
};

bool KnownToLibseccomp(const std::string& name) {
  return seccomp_syscall_resolve_name(name.c_str()) != __NR_SCMP_ERROR;
}

}  // namespace

bool CompiledCondition::Holds(const seccomp_data& data) const {
  const uint64_t value = data.args[index] & WidthMask(bits);
  switch (op) {
    case SCMP_CMP_EQ:
      return value == datum;
    case SCMP_CMP_NE:
      return value != datum;
    case SCMP_CMP_LT:
      return value < datum;
    case SCMP_CMP_LE:
      return value <= datum;
    case SCMP_CMP_GT:
      return value > datum;
    case SCMP_CMP_GE:
      return value >= datum;
    case SCMP_CMP_MASKED_EQ:
      return (value & mask) == datum;
  }
  return false;
}

bool SyscallDecision::Unconditional() const {
  return std::any_of(rules.begin(), rules.end(),
                     [](const CompiledRule& r) { return r.conditions.empty(); });
}

int32_t SeccompActionPrecedence(uint32_t action) {
  return static_cast<int32_t>(action & SECCOMP_RET_ACTION_FULL);
}

std::vector<CompiledRule> SyscallDecision::EvaluationOrder() const {
  std::vector<CompiledRule> order = rules;
  std::stable_sort(order.begin(), order.end(), [](const CompiledRule& a, const CompiledRule& b) {
    return SeccompActionPrecedence(a.action) < SeccompActionPrecedence(b.action);
  });
  return order;
}

uint32_t SyscallDecision::Evaluate(const seccomp_data& data, uint32_t default_action) const {
  for (const CompiledRule& rule : rules) {
    if (rule.conditions.empty()) return rule.action;
  }
  for (const CompiledRule& rule : EvaluationOrder()) {
    if (std::all_of(rule.conditions.begin(), rule.conditions.end(),
                    [&](const CompiledCondition& c) { return c.Holds(data); })) {
      return rule.action;
    }
  }
  return default_action;
}

bool PlanSeccompRules(const SeccompRuleSet& rules, SeccompPlan* plan, std::string* err) {
  *plan = SeccompPlan{};
  plan->default_action = rules.default_action;
  plan->bad_arch_action = rules.bad_arch_action;
  const std::vector<const SeccompArch*> family = SeccompTargetArches(rules.target_arch);
  if (family.empty()) {
    *err = "no seccomp compiler for target architecture \"" + rules.target_arch + "\"";
    return false;
  }
  // The native architecture always, as libseccomp's seccomp_init adds it; the profile's
  // others where the target's kernel can report them. A section for any other could never
  // run: leaving it out gives its calls the bad-arch action, which is stricter.
  std::set<const SeccompArch*> wanted = {family.front()};
  for (const std::string& name : rules.architectures) {
    const SeccompArch* arch = FindSeccompArch(name);
    if (arch != nullptr && std::find(family.begin(), family.end(), arch) != family.end()) {
      wanted.insert(arch);
    } else if (std::find(plan->left_out_arches.begin(), plan->left_out_arches.end(), name) ==
               plan->left_out_arches.end()) {
      plan->left_out_arches.push_back(name);
    }
  }
  std::set<std::string> unknown, untransferred;
  std::vector<bool> used(rules.rules.size(), false);
  const bool stub = WantsEnosysStub(rules.default_action);
  for (const SeccompArch* arch : family) {
    if (wanted.count(arch) == 0) continue;
    ArchPlan arch_plan;
    arch_plan.arch = arch;
    for (size_t i = 0; i < rules.rules.size(); ++i) {
      const SeccompRule& rule = rules.rules[i];
      // libseccomp refuses a rule with the default action; ExpandSeccompRules drops them.
      if (rule.action == rules.default_action) continue;
      if (!KnownToLibseccomp(rule.name)) {
        unknown.insert(rule.name);
        continue;
      }
      CompiledRule compiled{rule.action, CompileConditions(rule, *arch), i};
      if (const auto mux = SeccompMultiplexedCall(*arch, rule.name.c_str())) {
        if (mux->direct) {
          arch_plan.calls[*mux->direct].rules.push_back(compiled);
          used[i] = true;
        }
        if (compiled.conditions.empty()) {
          CompiledCondition call{0, SCMP_CMP_EQ, mux->call, 0, 32};
          arch_plan.calls[mux->multiplexer].rules.push_back({rule.action, {call}, i});
          used[i] = true;
        } else {
          untransferred.insert(rule.name);
        }
        continue;
      }
      const std::optional<uint32_t> nr = SeccompSyscallNumber(*arch, rule.name.c_str());
      if (!nr) continue;
      arch_plan.calls[*nr].rules.push_back(compiled);
      used[i] = true;
    }
    if (stub && !arch->x32) {
      const std::vector<EnosysBoundary> boundary =
          EnosysBoundaries(rules.known_names, {arch->token});
      if (!boundary.empty()) {
        arch_plan.enosys = true;
        arch_plan.max_nr = boundary.front().max_nr;
      }
    }
    plan->arches.push_back(std::move(arch_plan));
  }
  plan->unknown_names.assign(unknown.begin(), unknown.end());
  plan->untransferred.assign(untransferred.begin(), untransferred.end());
  plan->rules_used = static_cast<size_t>(std::count(used.begin(), used.end(), true));
  return true;
}

bool CompileSeccompRules(const SeccompRuleSet& rules, std::vector<sock_filter>* filter,
                         SeccompCompileReport* report, std::string* err) {
  *report = SeccompCompileReport{};
  SeccompPlan plan;
  if (!PlanSeccompRules(rules, &plan, err)) return false;
  report->unknown_names = plan.unknown_names;
  report->left_out_arches = plan.left_out_arches;
  report->untransferred = plan.untransferred;
  report->rules_added = plan.rules_used;
  for (const ArchPlan& arch : plan.arches) report->arches.push_back(arch.arch->name);
  for (const std::string& name : plan.unknown_names) {
    spdlog::debug("seccomp: unknown syscall {} skipped", name);
  }
  Generator generator(plan, report);
  if (!generator.Run(filter, err)) return false;
  return ValidateSeccompBpf(*filter, err);
}

}  // namespace hardinit
