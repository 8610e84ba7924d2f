// A classic-BPF interpreter for seccomp programs (the subset the kernel accepts). Zone: parent.
//
// PID 1 runs a profile's own program on a --seccomp-log notification to learn the errno the
// profile gives (design.md §3.12); the tests ask filters what they answer for any architecture
// and system call, including ones this kernel cannot run.
#ifndef HARDINIT_BPF_INTERPRETER_H_
#define HARDINIT_BPF_INTERPRETER_H_

#include <linux/filter.h>
#include <linux/seccomp.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace hardinit {

// What RunBpf returns for a program that runs off its end (never a seccomp action: the kernel
// refuses such programs, and ValidateSeccompBpf too).
inline constexpr uint32_t kBpfFellOffTheEnd = 0xdeadbeef;

// A classic-BPF interpreter for seccomp programs (the subset the kernel accepts).
// `loaded_args`, when given, gets bit N set for every argument N the run read: the arguments
// that decided the answer (PID 1 names them in --seccomp-log's lines).
inline uint32_t RunBpf(const std::vector<sock_filter>& program, const seccomp_data& data,
                       uint32_t* loaded_args = nullptr) {
  uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = {};
  for (size_t pc = 0; pc < program.size(); ++pc) {
    const sock_filter& insn = program[pc];
    const uint32_t operand = BPF_SRC(insn.code) == BPF_X ? x : insn.k;
    const uint16_t cls = BPF_CLASS(insn.code);
    const bool scratch = cls == BPF_ST || cls == BPF_STX ||
                         ((cls == BPF_LD || cls == BPF_LDX) && BPF_MODE(insn.code) == BPF_MEM);
    if (scratch && insn.k >= BPF_MEMWORDS) return kBpfFellOffTheEnd;
    switch (BPF_CLASS(insn.code)) {
      case BPF_LD:
        if (insn.code == (BPF_LD | BPF_W | BPF_ABS)) {
          if (insn.k > sizeof(data) - sizeof(a)) return kBpfFellOffTheEnd;
          std::memcpy(&a, reinterpret_cast<const char*>(&data) + insn.k, sizeof(a));
          if (loaded_args != nullptr && insn.k >= offsetof(seccomp_data, args)) {
            *loaded_args |= 1U << ((insn.k - offsetof(seccomp_data, args)) / sizeof(uint64_t));
          }
        } else if (insn.code == (BPF_LD | BPF_W | BPF_LEN)) {
          a = sizeof(data);
        } else if (insn.code == (BPF_LD | BPF_IMM)) {
          a = insn.k;
        } else {
          a = mem[insn.k];
        }
        break;
      case BPF_LDX:
        x = insn.code == (BPF_LDX | BPF_MEM)           ? mem[insn.k]
            : insn.code == (BPF_LDX | BPF_W | BPF_LEN) ? sizeof(data)
                                                       : insn.k;
        break;
      case BPF_ST:
        mem[insn.k] = a;
        break;
      case BPF_STX:
        mem[insn.k] = x;
        break;
      case BPF_MISC:
        (BPF_MISCOP(insn.code) == BPF_TAX ? x : a) = BPF_MISCOP(insn.code) == BPF_TAX ? a : x;
        break;
      case BPF_RET:
        return BPF_RVAL(insn.code) == BPF_A ? a : insn.k;
      case BPF_ALU:
        switch (BPF_OP(insn.code)) {
          case BPF_ADD:
            a += operand;
            break;
          case BPF_SUB:
            a -= operand;
            break;
          case BPF_MUL:
            a *= operand;
            break;
          case BPF_DIV:
            a = operand ? a / operand : 0;
            break;
          case BPF_MOD:
            a = operand ? a % operand : 0;
            break;
          case BPF_OR:
            a |= operand;
            break;
          case BPF_AND:
            a &= operand;
            break;
          case BPF_XOR:
            a ^= operand;
            break;
          case BPF_LSH:
            a = operand < 32 ? a << operand : 0;
            break;
          case BPF_RSH:
            a = operand < 32 ? a >> operand : 0;
            break;
          case BPF_NEG:
            a = -a;
            break;
        }
        break;
      case BPF_JMP: {
        bool taken = false;
        switch (BPF_OP(insn.code)) {
          case BPF_JA:
            pc += insn.k;
            continue;
          case BPF_JEQ:
            taken = a == operand;
            break;
          case BPF_JGT:
            taken = a > operand;
            break;
          case BPF_JGE:
            taken = a >= operand;
            break;
          case BPF_JSET:
            taken = (a & operand) != 0;
            break;
        }
        pc += taken ? insn.jt : insn.jf;
        break;
      }
    }
  }
  return kBpfFellOffTheEnd;
}

}  // namespace hardinit

#endif  // HARDINIT_BPF_INTERPRETER_H_
