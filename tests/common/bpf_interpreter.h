// A classic-BPF interpreter for seccomp programs, so that tests can ask a filter what it
// answers for any architecture and system call, including ones this kernel cannot run. Shared
// by the unit tests and the fuzz targets (no gtest here).
#pragma once

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <vector>

#include "machine_abi.h"

namespace hardinit {

// What RunBpf returns for a program that runs off its end (never a seccomp action: the kernel
// refuses such programs, and ValidateSeccompBpf too).
inline constexpr uint32_t kBpfFellOffTheEnd = 0xdeadbeef;

// A classic-BPF interpreter for seccomp programs (the subset the kernel accepts).
inline uint32_t RunBpf(const std::vector<sock_filter>& program, const seccomp_data& data) {
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
        } else if (insn.code == (BPF_LD | BPF_W | BPF_LEN)) {
          a = sizeof(data);
        } else if (insn.code == (BPF_LD | BPF_IMM)) {
          a = insn.k;
        } else {
          a = mem[insn.k];
        }
        break;
      case BPF_LDX:
        x = insn.code == (BPF_LDX | BPF_MEM) ? mem[insn.k]
            : insn.code == (BPF_LDX | BPF_W | BPF_LEN) ? sizeof(data) : insn.k;
        break;
      case BPF_ST: mem[insn.k] = a; break;
      case BPF_STX: mem[insn.k] = x; break;
      case BPF_MISC: (BPF_MISCOP(insn.code) == BPF_TAX ? x : a) = BPF_MISCOP(insn.code) == BPF_TAX ? a : x; break;
      case BPF_RET: return BPF_RVAL(insn.code) == BPF_A ? a : insn.k;
      case BPF_ALU:
        switch (BPF_OP(insn.code)) {
          case BPF_ADD: a += operand; break;
          case BPF_SUB: a -= operand; break;
          case BPF_MUL: a *= operand; break;
          case BPF_DIV: a = operand ? a / operand : 0; break;
          case BPF_MOD: a = operand ? a % operand : 0; break;
          case BPF_OR: a |= operand; break;
          case BPF_AND: a &= operand; break;
          case BPF_XOR: a ^= operand; break;
          case BPF_LSH: a = operand < 32 ? a << operand : 0; break;
          case BPF_RSH: a = operand < 32 ? a >> operand : 0; break;
          case BPF_NEG: a = -a; break;
        }
        break;
      case BPF_JMP: {
        bool taken = false;
        switch (BPF_OP(insn.code)) {
          case BPF_JA: pc += insn.k; continue;
          case BPF_JEQ: taken = a == operand; break;
          case BPF_JGT: taken = a > operand; break;
          case BPF_JGE: taken = a >= operand; break;
          case BPF_JSET: taken = (a & operand) != 0; break;
        }
        pc += taken ? insn.jt : insn.jf;
        break;
      }
    }
  }
  return kBpfFellOffTheEnd;
}

// A call of this machine's native ABI unless `arch` says otherwise.
inline seccomp_data Call(int nr, std::initializer_list<uint64_t> args = {},
                         uint32_t arch = kNativeAuditArch) {
  seccomp_data data{};
  data.nr = nr;
  data.arch = arch;
  size_t i = 0;
  for (uint64_t arg : args) data.args[i++] = arg;
  return data;
}

}  // namespace hardinit
