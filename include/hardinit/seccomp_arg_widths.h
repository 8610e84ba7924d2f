// How many bits of each system call argument the kernel reads (design.md §3.3). Zone: parent.
//
// The kernel casts every argument register to the type its prototype declares, so an
// `int family` is the low 32 bits of the register. A filter that compares all 64 bits can be
// stepped around with the high half set (CVE-2019-10063 for ioctl), so the compiler compares
// only the bits the kernel reads. The table is generated from Linux's syscall prototypes by
// seccomp-profiles/arg_widths.py (its header says from which sources).
#ifndef HARDINIT_SECCOMP_ARG_WIDTHS_H_
#define HARDINIT_SECCOMP_ARG_WIDTHS_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace hardinit {

struct SyscallArgWidths {
  const char* name;  // libseccomp's name
  uint8_t bits[6];   // 16, 32 or 64 per argument
};

// Sorted by name; only calls with an argument narrower than 64 bits (src/seccomp_arg_widths.cc).
extern const SyscallArgWidths kSyscallArgWidths[];
extern const size_t kSyscallArgWidthsCount;

// The bits of argument `index` (0-5) of `name` that a 64-bit kernel reads: 64 unless the
// table says less.
unsigned SyscallArgBits(std::string_view name, unsigned index);

}  // namespace hardinit

#endif  // HARDINIT_SECCOMP_ARG_WIDTHS_H_
