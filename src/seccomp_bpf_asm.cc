// Labels, shared returns and long jumps for classic BPF. Zone: parent.
#include "hardinit/seccomp_bpf_asm.h"

#include <algorithm>
#include <utility>

namespace hardinit {
namespace {

// The kernel's conditional jumps carry 8-bit offsets (struct sock_filter jt/jf).
constexpr size_t kMaxConditionalOffset = 255;
constexpr uint16_t kJa = BPF_JMP | BPF_JA;

bool IsConditional(uint16_t code) { return BPF_CLASS(code) == BPF_JMP && BPF_OP(code) != BPF_JA; }

bool IsReturn(uint16_t code) { return BPF_CLASS(code) == BPF_RET; }

}  // namespace

BpfAssembler::Label BpfAssembler::NewLabel() {
  label_pos_.push_back(kUnbound);
  incoming_.emplace_back();
  return label_pos_.size() - 1;
}

void BpfAssembler::Bind(Label label) {
  label_pos_[label] = insns_.size();
  // What A holds here: the same on every way in, or unknown.
  std::vector<std::optional<AState>> ways = incoming_[label];
  if (reachable_) ways.push_back(a_);
  a_.reset();
  if (!ways.empty() && std::all_of(ways.begin(), ways.end(), [&](const auto& s) {
        return s.has_value() && s == ways.front();
      })) {
    a_ = ways.front();
  }
  reachable_ = true;
}

BpfAssembler::Label BpfAssembler::ReturnLabel(uint32_t action) {
  auto it = returns_.find(action);
  if (it != returns_.end()) return it->second;
  const Label label = NewLabel();
  returns_.emplace(action, label);
  return label;
}

void BpfAssembler::Emit(const Insn& insn) { insns_.push_back(insn); }

void BpfAssembler::NoteJump(Label target) { incoming_[target].push_back(a_); }

void BpfAssembler::Load(uint32_t offset) {
  if (reachable_ && a_ == AState{offset, ~0U}) return;
  Emit({static_cast<uint16_t>(BPF_LD | BPF_W | BPF_ABS), offset});
  a_ = AState{offset, ~0U};
  reachable_ = true;
}

void BpfAssembler::And(uint32_t k) {
  if (reachable_ && a_.has_value() && (a_->mask & k) == a_->mask) return;
  Emit({static_cast<uint16_t>(BPF_ALU | BPF_AND | BPF_K), k});
  if (a_.has_value()) a_->mask &= k;
}

void BpfAssembler::Jump(uint16_t op, uint32_t k, Label if_true, Label if_false) {
  NoteJump(if_true);
  NoteJump(if_false);
  Insn insn{static_cast<uint16_t>(BPF_JMP | op | BPF_K), k};
  insn.jt = if_true;
  insn.jf = if_false;
  Emit(insn);
  reachable_ = false;
}

void BpfAssembler::Goto(Label target) {
  NoteJump(target);
  Insn insn{kJa, 0};
  insn.target = target;
  Emit(insn);
  reachable_ = false;
}

void BpfAssembler::Return(uint32_t action) {
  Emit({static_cast<uint16_t>(BPF_RET | BPF_K), action});
  reachable_ = false;
}

bool BpfAssembler::Finish(std::vector<sock_filter>* program, std::string* err) {
  // The shared returns, the most used first: nearest to most of the jumps.
  std::vector<std::pair<uint32_t, Label>> returns(returns_.begin(), returns_.end());
  std::stable_sort(returns.begin(), returns.end(), [&](const auto& a, const auto& b) {
    return incoming_[a.second].size() > incoming_[b.second].size();
  });
  for (const auto& [action, label] : returns) {
    if (incoming_[label].empty()) continue;
    Bind(label);
    Return(action);
  }
  for (Label label = 0; label < label_pos_.size(); ++label) {
    if (!incoming_[label].empty() && label_pos_[label] == kUnbound) {
      *err = "BPF assembler: a jump to a label that was never placed";
      return false;
    }
  }
  auto shift_labels = [&](size_t from, long delta) {
    for (size_t& pos : label_pos_) {
      if (pos != kUnbound && pos >= from) pos = static_cast<size_t>(static_cast<long>(pos) + delta);
    }
  };
  // Jumps to a `ja` go where it goes (a `ja` without limit, a conditional jump when that stays
  // within 8 bits); a jump to the next instruction is no jump; what no jump reaches and
  // nothing falls into is dropped. Repeated until nothing changes.
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t pc = 0; pc < insns_.size(); ++pc) {
      Insn& insn = insns_[pc];
      const bool conditional = IsConditional(insn.code);
      for (Label* branch : {&insn.jt, &insn.jf, &insn.target}) {
        if ((branch == &insn.target) == conditional) continue;
        const Insn& to = insns_[label_pos_[*branch]];
        if (to.code != kJa || to.target == *branch) continue;
        if (conditional && label_pos_[to.target] - pc - 1 > kMaxConditionalOffset) continue;
        *branch = to.target;
        changed = true;
      }
      if (conditional && label_pos_[insn.jt] == label_pos_[insn.jf]) {
        insn = Insn{kJa, 0, 0, 0, insn.jt};
        changed = true;
      }
    }
    std::vector<bool> reached(insns_.size(), false);
    if (!reached.empty()) reached[0] = true;
    for (size_t pc = 0; pc < insns_.size(); ++pc) {
      const Insn& insn = insns_[pc];
      if (IsConditional(insn.code)) {
        reached[label_pos_[insn.jt]] = reached[label_pos_[insn.jf]] = true;
      } else if (insn.code == kJa) {
        reached[label_pos_[insn.target]] = true;
      } else if (!IsReturn(insn.code) && pc + 1 < insns_.size()) {
        reached[pc + 1] = true;
      }
    }
    for (size_t pc = insns_.size(); pc-- > 0;) {
      const bool to_next = insns_[pc].code == kJa && label_pos_[insns_[pc].target] == pc + 1;
      if (reached[pc] && !to_next) continue;
      insns_.erase(insns_.begin() + static_cast<long>(pc));
      shift_labels(pc + 1, -1);
      changed = true;
    }
  }
  // Conditional jumps too long for 8 bits go through a proxy within reach: an existing `ret`
  // of the same action or `ja` to the same label, or else a new one right after the jump.
  // A proxy right after its jump stays in reach whatever is inserted later, and only those
  // insertions can put a reused proxy out of reach, so this ends: at most two insertions per
  // conditional jump.
  for (bool moved = true; moved;) {
    moved = false;
    for (size_t pc = 0; pc < insns_.size(); ++pc) {
      if (!IsConditional(insns_[pc].code)) continue;
      for (int side = 0; side < 2; ++side) {
        const Label target = side == 0 ? insns_[pc].jt : insns_[pc].jf;
        const size_t to = label_pos_[target];
        if (to <= pc) {
          *err = "BPF assembler: backward jump at instruction " + std::to_string(pc);
          return false;
        }
        if (to - pc - 1 <= kMaxConditionalOffset) continue;
        const Insn destination = insns_[to];
        const size_t last = pc + 1 + kMaxConditionalOffset;  // < to, so inside the program
        std::optional<size_t> proxy;
        for (size_t q = last; q > pc && !proxy; --q) {
          const Insn& candidate = insns_[q];
          if ((IsReturn(destination.code) && candidate.code == destination.code &&
               candidate.k == destination.k) ||
              (candidate.code == kJa && destination.code != kJa &&
               label_pos_[candidate.target] == to) ||
              (candidate.code == kJa && destination.code == kJa &&
               label_pos_[candidate.target] == label_pos_[destination.target])) {
            proxy = q;
          }
        }
        if (!proxy) {
          proxy = pc + 1;
          shift_labels(*proxy, 1);
          const Insn copy = IsReturn(destination.code) ? destination : Insn{kJa, 0, 0, 0, target};
          insns_.insert(insns_.begin() + static_cast<long>(*proxy), copy);
          moved = true;
        }
        const Label label = NewLabel();
        label_pos_[label] = *proxy;
        (side == 0 ? insns_[pc].jt : insns_[pc].jf) = label;
      }
    }
  }
  if (insns_.size() > BPF_MAXINSNS) {
    *err = "BPF program has " + std::to_string(insns_.size()) + " instructions (at most " +
           std::to_string(BPF_MAXINSNS) + ")";
    return false;
  }
  program->clear();
  for (size_t pc = 0; pc < insns_.size(); ++pc) {
    const Insn& insn = insns_[pc];
    sock_filter out{insn.code, 0, 0, insn.k};
    if (IsConditional(insn.code)) {
      out.jt = static_cast<uint8_t>(label_pos_[insn.jt] - pc - 1);
      out.jf = static_cast<uint8_t>(label_pos_[insn.jf] - pc - 1);
    } else if (insn.code == kJa) {
      if (label_pos_[insn.target] <= pc) {
        *err = "BPF assembler: backward jump at instruction " + std::to_string(pc);
        return false;
      }
      out.k = static_cast<uint32_t>(label_pos_[insn.target] - pc - 1);
    }
    program->push_back(out);
  }
  return true;
}

}  // namespace hardinit
