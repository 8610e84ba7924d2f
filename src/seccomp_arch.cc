// Architectures, system call numbers and argument widths for the compiler. Zone: parent.
#include "hardinit/seccomp_arch.h"

#include <linux/audit.h>
#include <seccomp.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <map>
#include <string>

#include "hardinit/seccomp_arg_widths.h"
#include "hardinit/seccomp_profile.h"

namespace hardinit {
namespace {

constexpr std::array<SeccompArch, 6> kArches = {{
    {"SCMP_ARCH_X86_64", SCMP_ARCH_X86_64, AUDIT_ARCH_X86_64, false, false, false},
    {"SCMP_ARCH_X32", SCMP_ARCH_X32, AUDIT_ARCH_X86_64, true, true, false},
    {"SCMP_ARCH_X86", SCMP_ARCH_X86, AUDIT_ARCH_I386, true, false, true},
    {"SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64, AUDIT_ARCH_AARCH64, false, false, false},
    {"SCMP_ARCH_ARM", SCMP_ARCH_ARM, AUDIT_ARCH_ARM, true, false, false},
    {"SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64, AUDIT_ARCH_RISCV64, false, false, false},
}};

// What each supported target's kernel reports: x86_64 runs x32 and i386 code (ia32
// emulation), arm64 runs 32-bit ARM (compat); libseccomp 2.5.4 knows no riscv32.
struct Family {
  const char* native;
  std::array<const char*, 2> compat;
};
constexpr std::array<std::pair<const char*, Family>, 4> kFamilies = {{
    {"SCMP_ARCH_X86_64", {"SCMP_ARCH_X86_64", {"SCMP_ARCH_X32", "SCMP_ARCH_X86"}}},
    {"SCMP_ARCH_AARCH64", {"SCMP_ARCH_AARCH64", {"SCMP_ARCH_ARM", nullptr}}},
    {"SCMP_ARCH_RISCV64", {"SCMP_ARCH_RISCV64", {nullptr, nullptr}}},
    {"SCMP_ARCH_X86", {"SCMP_ARCH_X86", {nullptr, nullptr}}},
}};

// libseccomp's pseudo numbers for i386's multiplexed calls (its arch-x86.c): -101..-120 are
// socketcall's SYS_* calls, -201..-224 ipc's.
constexpr int kSocketPseudoFirst = -120, kSocketPseudoLast = -100;
constexpr int kIpcPseudoFirst = -224, kIpcPseudoLast = -200;

}  // namespace

const SeccompArch* FindSeccompArch(std::string_view scmp_name) {
  for (const SeccompArch& arch : kArches) {
    if (scmp_name == arch.name) return &arch;
  }
  return nullptr;
}

std::vector<const SeccompArch*> SeccompTargetArches(std::string_view target) {
  const std::string native = NativeScmpArchName(target);
  for (const auto& [name, family] : kFamilies) {
    if (native != name) continue;
    std::vector<const SeccompArch*> arches = {FindSeccompArch(family.native)};
    for (const char* compat : family.compat) {
      if (compat != nullptr) arches.push_back(FindSeccompArch(compat));
    }
    return arches;
  }
  return {};
}

std::optional<uint32_t> SeccompSyscallNumber(const SeccompArch& arch, const char* name) {
  const int nr = seccomp_syscall_resolve_name_arch(arch.token, name);
  if (nr < 0) return std::nullopt;
  return static_cast<uint32_t>(nr);
}

std::optional<MultiplexedCall> SeccompMultiplexedCall(const SeccompArch& arch, const char* name) {
  if (!arch.multiplexed_calls) return std::nullopt;
  const int pseudo = seccomp_syscall_resolve_name_arch(arch.token, name);
  const bool socket = pseudo >= kSocketPseudoFirst && pseudo <= kSocketPseudoLast;
  const bool ipc = pseudo >= kIpcPseudoFirst && pseudo <= kIpcPseudoLast;
  if (!socket && !ipc) return std::nullopt;
  // The direct numbers (Linux 4.3 for sockets, 5.1 for IPC), from libseccomp's own table:
  // the names of i386's numbers that resolve back to a pseudo number.
  static const auto* direct = [] {
    auto* map = new std::map<int, uint32_t>;
    for (int nr = 0; nr < 1024; ++nr) {
      char* n = seccomp_syscall_resolve_num_arch(SCMP_ARCH_X86, nr);
      if (n == nullptr) continue;
      const int p = seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86, n);
      if (p < 0) map->emplace(p, static_cast<uint32_t>(nr));
      std::free(n);
    }
    return map;
  }();
  MultiplexedCall call;
  call.multiplexer = static_cast<uint32_t>(
      seccomp_syscall_resolve_name_arch(arch.token, socket ? "socketcall" : "ipc"));
  call.call = static_cast<uint32_t>(-pseudo % 100);
  if (auto it = direct->find(pseudo); it != direct->end()) call.direct = it->second;
  return call;
}

uint32_t SeccompHighestKnownNumber(const SeccompArch& arch) {
  const uint32_t base = arch.x32 ? kX32SyscallBit : 0;
  uint32_t highest = base;
  auto scan = [&](uint32_t from, uint32_t to) {
    for (uint32_t nr = from; nr < to; ++nr) {
      char* n = seccomp_syscall_resolve_num_arch(arch.token, static_cast<int>(nr));
      if (n != nullptr) highest = std::max(highest, nr);
      std::free(n);
    }
  };
  scan(base, base + 1024);
  // ARM's private calls (arch/arm/include/uapi/asm/unistd.h: __ARM_NR_BASE 0x0f0000).
  if (arch.token == SCMP_ARCH_ARM) scan(0x0f0000, 0x0f0100);
  return highest;
}

unsigned SyscallArgBits(std::string_view name, unsigned index) {
  const SyscallArgWidths* begin = kSyscallArgWidths;
  const SyscallArgWidths* end = kSyscallArgWidths + kSyscallArgWidthsCount;
  const SyscallArgWidths* it = std::lower_bound(
      begin, end, name, [](const SyscallArgWidths& e, std::string_view n) { return e.name < n; });
  if (it == end || it->name != name || index >= 6) return 64;
  return it->bits[index];
}

}  // namespace hardinit
