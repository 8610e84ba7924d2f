// SeccompRuleSet → BPF with libseccomp plus runc's ENOSYS stub (the tests' oracle), and what
// every filter is checked against. Zone: parent.
#include "hardinit/seccomp_compile.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstring>
#include <memory>

#include "hardinit/error.h"

namespace hardinit {
namespace {

// Rule sets with more rules than this get libseccomp's binary tree (SCMP_FLTATR_CTL_OPTIMIZE
// = 2); smaller ones stay linear, which is shorter for them. Never with 0 rules: libseccomp
// <= 2.5.4 then ignores the default action (libseccomp#370, runc's comment).
constexpr size_t kBinaryTreeMinRules = 8;

struct ReleaseFilter {
  void operator()(void* ctx) const { seccomp_release(ctx); }
};
using FilterContext = std::unique_ptr<void, ReleaseFilter>;

struct CloseFd {
  int fd;
  ~CloseFd() {
    if (fd >= 0) close(fd);
  }
};

// "SCMP_ARCH_X86_64" → libseccomp's token, 0 when this libseccomp does not know it.
uint32_t ArchToken(const std::string& scmp_name) {
  std::string name = scmp_name.substr(std::strlen("SCMP_ARCH_"));
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return seccomp_arch_resolve_name(name.c_str());
}

// libseccomp 2.5.4 has no seccomp_export_bpf_mem: export into a memfd and read it back.
bool ExportBpf(scmp_filter_ctx ctx, std::vector<sock_filter>* filter, std::string* err) {
  CloseFd memfd{memfd_create("hardinit-seccomp", MFD_CLOEXEC)};
  if (memfd.fd < 0) {
    *err = ErrnoMessage("memfd_create", errno);
    return false;
  }
  if (const int rc = seccomp_export_bpf(ctx, memfd.fd); rc < 0) {
    *err = ErrnoMessage("seccomp_export_bpf", -rc);
    return false;
  }
  struct stat st;
  if (fstat(memfd.fd, &st) != 0) {
    *err = ErrnoMessage("fstat(memfd)", errno);
    return false;
  }
  std::string bytes(static_cast<size_t>(st.st_size), '\0');
  if (pread(memfd.fd, bytes.data(), bytes.size(), 0) != static_cast<ssize_t>(bytes.size())) {
    *err = ErrnoMessage("pread(memfd)", errno);
    return false;
  }
  return DecodeSeccompBpf(bytes, filter, err);
}

// A name in no libseccomp table is skipped, as runc and crun do (a profile may name syscalls
// newer than this libseccomp). Numbers are the build machine's (libseccomp translates them
// for each architecture of the filter, through the name).
bool AddRules(scmp_filter_ctx ctx, const SeccompRuleSet& rules, size_t* added,
              std::string* err) {
  for (const SeccompRule& rule : rules.rules) {
    const int nr = seccomp_syscall_resolve_name(rule.name.c_str());
    if (nr == __NR_SCMP_ERROR) continue;
    std::vector<scmp_arg_cmp> cmps;
    for (const SeccompArgCondition& c : rule.conditions) {
      cmps.push_back(scmp_arg_cmp{c.index, static_cast<scmp_compare>(c.op), c.value, c.value_two});
    }
    const int rc = seccomp_rule_add_array(ctx, rule.action, nr,
                                          static_cast<unsigned int>(cmps.size()), cmps.data());
    if (rc < 0) {
      *err = ErrnoMessage("syscall " + rule.name + ": libseccomp refused the rule", -rc);
      return false;
    }
    ++*added;
  }
  return true;
}

uint8_t JumpOffset(size_t from, size_t to) {
  // Conditional jump offsets are 8 bits; the stub is a few dozen instructions at most.
  return static_cast<uint8_t>(to - from - 1);
}

bool IsValidOpcode(uint16_t code) {
  switch (code) {
    case BPF_LD | BPF_W | BPF_ABS: case BPF_LD | BPF_W | BPF_LEN: case BPF_LDX | BPF_W | BPF_LEN:
    case BPF_LD | BPF_IMM: case BPF_LDX | BPF_IMM: case BPF_LD | BPF_MEM: case BPF_LDX | BPF_MEM:
    case BPF_ST: case BPF_STX: case BPF_MISC | BPF_TAX: case BPF_MISC | BPF_TXA:
    case BPF_RET | BPF_K: case BPF_RET | BPF_A:
    case BPF_ALU | BPF_NEG:
    case BPF_JMP | BPF_JA:
      return true;
    default:
      break;
  }
  // Every bit of an ALU or JMP opcode is class, source or operation, so only the
  // operation can be wrong.
  switch (BPF_CLASS(code)) {
    case BPF_ALU:
      switch (BPF_OP(code)) {
        case BPF_ADD: case BPF_SUB: case BPF_MUL: case BPF_DIV: case BPF_OR: case BPF_AND:
        case BPF_LSH: case BPF_RSH: case BPF_MOD: case BPF_XOR:
          return true;
      }
      return false;
    case BPF_JMP:
      switch (BPF_OP(code)) {
        case BPF_JEQ: case BPF_JGT: case BPF_JGE: case BPF_JSET:
          return true;
      }
      return false;
  }
  return false;
}

}  // namespace

bool WantsEnosysStub(uint32_t default_action) {
  return default_action != SCMP_ACT_ALLOW && default_action != SCMP_ACT_LOG &&
         (default_action & SECCOMP_RET_ACTION_FULL) != SCMP_ACT_TRACE(0);
}

std::vector<EnosysBoundary> EnosysBoundaries(const std::vector<std::string>& known_names,
                                             const std::vector<uint32_t>& audit_arches) {
  std::vector<EnosysBoundary> boundaries;
  for (uint32_t arch : audit_arches) {
    if (arch == SCMP_ARCH_X32) continue;  // shares AUDIT_ARCH_X86_64; libseccomp handles it
    int max_nr = -1;
    for (const std::string& name : known_names) {
      const int nr = seccomp_syscall_resolve_name_arch(arch, name.c_str());
      if (nr >= 0 && !(nr & kX32SyscallBit)) max_nr = std::max(max_nr, nr);
    }
    if (max_nr >= 0) boundaries.push_back({arch, static_cast<uint32_t>(max_nr)});
  }
  return boundaries;
}

std::vector<sock_filter> BuildEnosysStub(const std::vector<EnosysBoundary>& boundaries) {
  if (boundaries.empty()) return {};
  auto section_length = [](const EnosysBoundary& b) -> size_t {
    return b.audit_arch == AUDIT_ARCH_X86_64 ? 4 : 3;
  };
  size_t length = 2;  // load arch ... return ENOSYS
  for (const EnosysBoundary& b : boundaries) length += section_length(b);
  const size_t enosys = length - 1;
  const size_t end = length;  // the first instruction of libseccomp's program

  std::vector<sock_filter> stub;
  stub.push_back(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)));
  for (size_t i = 0; i < boundaries.size(); ++i) {
    const EnosysBoundary& b = boundaries[i];
    // Only reached from the previous section's arch test, so A still holds the arch.
    const size_t next = i + 1 < boundaries.size() ? stub.size() + section_length(b) : end;
    stub.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, b.audit_arch, 0,
                            JumpOffset(stub.size(), next)));
    stub.push_back(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)));
    if (b.audit_arch == AUDIT_ARCH_X86_64) {
      // x32 numbers carry bit 30 and would all be "above" the x86_64 boundary.
      stub.push_back(BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, kX32SyscallBit,
                              JumpOffset(stub.size(), end), 0));
    }
    stub.push_back(BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, b.max_nr,
                            JumpOffset(stub.size(), enosys),
                            JumpOffset(stub.size(), end)));
  }
  stub.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS));
  return stub;
}

bool CompileSeccompRulesWithLibseccomp(const SeccompRuleSet& rules,
                                       std::vector<sock_filter>* filter, std::string* err) {
  const std::vector<const SeccompArch*> family = SeccompTargetArches(rules.target_arch);
  if (family.empty()) {
    *err = "no seccomp compiler for target architecture \"" + rules.target_arch + "\"";
    return false;
  }
  // libseccomp asks the running kernel which actions it may use (its API level, from
  // seccomp(SECCOMP_GET_ACTION_AVAIL)) and refuses KILL_PROCESS and LOG below level 3. That
  // question is about loading, and this compile never loads: the filter is for `target`'s
  // kernel, not this machine's, and the BPF libseccomp emits is the same at every level from
  // 3 up. Pinning 3 (the lowest with every action the profile parser accepts) makes the
  // output independent of where it runs, qemu-user included, which does not emulate that
  // seccomp() operation. The level is process-wide; hardinit never loads through libseccomp.
  if (const int rc = seccomp_api_set(3); rc < 0) {
    *err = ErrnoMessage("seccomp_api_set(3)", -rc);
    return false;
  }
  FilterContext ctx(seccomp_init(rules.default_action));
  if (!ctx) {
    *err = "libseccomp refused the default action";
    return false;
  }
  // We set no_new_privs ourselves (design.md §3.4) and never call seccomp_load.
  if (const int rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_NNP, 0); rc < 0) {
    *err = ErrnoMessage("seccomp_attr_set(CTL_NNP)", -rc);
    return false;
  }
  if (const int rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_ACT_BADARCH, rules.bad_arch_action);
      rc < 0) {
    *err = ErrnoMessage("seccomp_attr_set(ACT_BADARCH)", -rc);
    return false;
  }
  // The target's native architecture in place of the build machine's.
  const uint32_t native = family.front()->token;
  if (native != seccomp_arch_native()) {
    if (const int rc = seccomp_arch_add(ctx.get(), native); rc < 0) {
      *err = ErrnoMessage("seccomp_arch_add(" + std::string(family.front()->name) + ")", -rc);
      return false;
    }
    if (const int rc = seccomp_arch_remove(ctx.get(), SCMP_ARCH_NATIVE); rc < 0) {
      *err = ErrnoMessage("seccomp_arch_remove(native)", -rc);
      return false;
    }
  }
  std::vector<uint32_t> arches = {native};
  for (const std::string& name : rules.architectures) {
    const uint32_t token = ArchToken(name);
    if (token == 0) {
      *err = "architecture " + name + " is not supported by libseccomp " +
             std::to_string(SCMP_VER_MAJOR) + "." + std::to_string(SCMP_VER_MINOR) + "." +
             std::to_string(SCMP_VER_MICRO);
      return false;
    }
    if (std::find(arches.begin(), arches.end(), token) != arches.end()) continue;
    if (const int rc = seccomp_arch_add(ctx.get(), token); rc < 0) {
      *err = ErrnoMessage("seccomp_arch_add(" + name + ")", -rc);
      return false;
    }
    arches.push_back(token);
  }
  size_t added = 0;
  if (!AddRules(ctx.get(), rules, &added, err)) return false;
  if (added > kBinaryTreeMinRules) {
    if (const int rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_OPTIMIZE, 2); rc < 0) {
      *err = ErrnoMessage("seccomp_attr_set(CTL_OPTIMIZE)", -rc);
      return false;
    }
  }
  std::vector<sock_filter> program;
  if (!ExportBpf(ctx.get(), &program, err)) return false;
  filter->clear();
  if (WantsEnosysStub(rules.default_action)) {
    *filter = BuildEnosysStub(EnosysBoundaries(rules.known_names, arches));
  }
  filter->insert(filter->end(), program.begin(), program.end());
  return ValidateSeccompBpf(*filter, err);
}

bool ValidateSeccompBpf(const std::vector<sock_filter>& filter, std::string* err) {
  if (filter.empty() || filter.size() > kMaxBpfInstructions) {
    *err = "BPF program has " + std::to_string(filter.size()) + " instructions (1.." +
           std::to_string(kMaxBpfInstructions) + " allowed)";
    return false;
  }
  const size_t n = filter.size();
  for (size_t pc = 0; pc < n; ++pc) {
    const sock_filter& insn = filter[pc];
    const std::string where = "BPF instruction " + std::to_string(pc);
    if (!IsValidOpcode(insn.code)) {
      *err = where + ": invalid opcode " + std::to_string(insn.code);
      return false;
    }
    if (insn.code == (BPF_LD | BPF_W | BPF_ABS) &&
        (insn.k >= sizeof(seccomp_data) || insn.k % 4 != 0)) {
      *err = where + ": load outside struct seccomp_data";
      return false;
    }
    if ((insn.code == (BPF_LD | BPF_MEM) || insn.code == (BPF_LDX | BPF_MEM) ||
         insn.code == BPF_ST || insn.code == BPF_STX) && insn.k >= BPF_MEMWORDS) {
      *err = where + ": scratch memory index out of range";
      return false;
    }
    if (BPF_CLASS(insn.code) == BPF_ALU && BPF_SRC(insn.code) == BPF_K &&
        (BPF_OP(insn.code) == BPF_DIV || BPF_OP(insn.code) == BPF_MOD) && insn.k == 0) {
      *err = where + ": division by zero";
      return false;
    }
    if (BPF_CLASS(insn.code) == BPF_JMP) {
      const bool out_of_range =
          BPF_OP(insn.code) == BPF_JA ? insn.k >= n - pc - 1
                                      : pc + 1 + insn.jt >= n || pc + 1 + insn.jf >= n;
      if (out_of_range) {
        *err = where + ": jump past the end of the program";
        return false;
      }
    }
  }
  if (BPF_CLASS(filter.back().code) != BPF_RET) {
    *err = "BPF program does not end with a return";
    return false;
  }
  return true;
}

bool DecodeSeccompBpf(std::string_view bytes, std::vector<sock_filter>* filter,
                      std::string* err) {
  if (bytes.empty() || bytes.size() % sizeof(sock_filter) != 0) {
    *err = "BPF size " + std::to_string(bytes.size()) + " is not a positive multiple of " +
           std::to_string(sizeof(sock_filter)) + " bytes";
    return false;
  }
  filter->resize(bytes.size() / sizeof(sock_filter));
  std::memcpy(filter->data(), bytes.data(), bytes.size());
  return true;
}

std::string EncodeSeccompBpf(const std::vector<sock_filter>& filter) {
  return std::string(reinterpret_cast<const char*>(filter.data()),
                     filter.size() * sizeof(sock_filter));
}

}  // namespace hardinit
