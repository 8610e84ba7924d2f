// The architectures a seccomp filter is compiled for (design.md §3.3). Zone: parent.
//
// A filter is compiled for a named target (a Docker arch name: "amd64", "arm64"), never
// implicitly for the machine that compiles it: hardinit-profilec runs on the build machine
// and may emit another machine's BPF. System call numbers come from libseccomp's tables for
// each architecture.
#ifndef HARDINIT_SECCOMP_ARCH_H_
#define HARDINIT_SECCOMP_ARCH_H_

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace hardinit {

inline constexpr uint32_t kX32SyscallBit = 0x40000000;

struct SeccompArch {
  const char* name;     // "SCMP_ARCH_X86_64"
  uint32_t token;       // libseccomp's SCMP_ARCH_* value
  uint32_t audit_arch;  // what the kernel puts in seccomp_data.arch (x32 shares x86_64's)
  // libseccomp compares only the low 32 bits of every argument on this ABI (its
  // ARCH_SIZE_32: i386, arm, and x32, whose registers are 64 bits wide).
  bool low_halves_only;
  bool x32;  // numbers carry kX32SyscallBit
  // i386 multiplexes the socket and SysV IPC calls through socketcall(2) and ipc(2).
  bool multiplexed_calls;
};

// By SCMP_ARCH_* name, or null for an architecture the compiler does not support.
const SeccompArch* FindSeccompArch(std::string_view scmp_name);

// The architectures whose system calls a kernel built for Docker arch `target` hands to
// seccomp, native first ({x86_64, x32, x86} for amd64, {aarch64, arm} for arm64); empty
// when the compiler does not support `target`. A filter section for any other architecture
// could never run there.
std::vector<const SeccompArch*> SeccompTargetArches(std::string_view target);

// The number of `name` on `arch`, or nullopt when the architecture has no such call (or
// libseccomp does not know the name).
std::optional<uint32_t> SeccompSyscallNumber(const SeccompArch& arch, const char* name);

// i386's multiplexed calls: a socket or SysV IPC call is also socketcall(2)/ipc(2) with
// the call's number in argument 0 (linux/net.h SYS_*, linux/ipc.h).
struct MultiplexedCall {
  uint32_t multiplexer;            // socketcall's or ipc's number
  uint32_t call;                   // the value of argument 0
  std::optional<uint32_t> direct;  // the call's own number, when it has one
};
std::optional<MultiplexedCall> SeccompMultiplexedCall(const SeccompArch& arch, const char* name);

// The highest system call number libseccomp knows on `arch` (the equivalence tests go 64
// beyond it).
uint32_t SeccompHighestKnownNumber(const SeccompArch& arch);

}  // namespace hardinit

#endif  // HARDINIT_SECCOMP_ARCH_H_
