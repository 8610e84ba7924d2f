// A classic-BPF assembler for seccomp programs: forward jumps to labels, shared return
// instructions, and the kernel's 8-bit limit on conditional jump offsets handled for the
// caller. Zone: parent.
#ifndef HARDINIT_SECCOMP_BPF_ASM_H_
#define HARDINIT_SECCOMP_BPF_ASM_H_

#include <linux/filter.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hardinit {

class BpfAssembler {
 public:
  using Label = size_t;

  Label NewLabel();
  // Binds `label` to the next instruction emitted. Every jump is forward: a label is bound
  // after every jump to it has been emitted (Finish checks).
  void Bind(Label label);
  // The label of a `ret action` shared by every jump to it; emitted by Finish, after the code.
  Label ReturnLabel(uint32_t action);

  // ld [offset] of struct seccomp_data, left out when A already holds that word: the
  // assembler tracks what A holds through fall-through and every jump into a label.
  void Load(uint32_t offset);
  // A &= k. A then holds the word masked, which a later Load of the same word undoes.
  void And(uint32_t k);
  // One of BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET against the constant k.
  void Jump(uint16_t op, uint32_t k, Label if_true, Label if_false);
  void Goto(Label target);
  void Return(uint32_t action);

  // The program: returns placed after the code, jumps resolved, and any conditional jump
  // longer than 255 instructions routed through a nearer copy of its return or an
  // unconditional jump. False (with *err) on an unbound label or a backward jump.
  bool Finish(std::vector<sock_filter>* program, std::string* err);

 private:
  struct AState {
    uint32_t offset;
    uint32_t mask;
    bool operator==(const AState&) const = default;
  };
  struct Insn {
    uint16_t code = 0;
    uint32_t k = 0;
    Label jt = 0, jf = 0;  // conditional jumps
    Label target = 0;      // BPF_JA
  };
  static constexpr size_t kUnbound = static_cast<size_t>(-1);

  void Emit(const Insn& insn);
  void NoteJump(Label target);
  bool FallsThrough() const;

  std::vector<Insn> insns_;
  std::vector<size_t> label_pos_;                             // instruction index, or kUnbound
  std::vector<std::vector<std::optional<AState>>> incoming_;  // A at each jump to a label
  std::map<uint32_t, Label> returns_;
  std::optional<AState> a_;  // what A holds at the next instruction
  bool reachable_ = true;    // the next instruction can be reached by
                             // falling through
};

}  // namespace hardinit

#endif  // HARDINIT_SECCOMP_BPF_ASM_H_
