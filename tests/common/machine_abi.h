// The system-call ABIs of the machine the tests run on, as seccomp filters see them: the
// native audit arch, the compat ABI the kernel may also run for the same process tree (i386
// on x86_64, 32-bit ARM on arm64, each with its own numbers) and a foreign arch that no
// profile for this machine names. A new architecture adds one block here.
#pragma once

#include <linux/audit.h>
#include <seccomp.h>

#include <cstdint>

namespace hardinit {

#if defined(__x86_64__)
inline constexpr uint32_t kNativeAuditArch = AUDIT_ARCH_X86_64;
inline constexpr uint32_t kNativeScmpArch = SCMP_ARCH_X86_64;
inline constexpr uint32_t kCompatAuditArch = AUDIT_ARCH_I386;
inline constexpr uint32_t kForeignAuditArch = AUDIT_ARCH_AARCH64;
inline constexpr const char* kNativeArchName = "x86_64";
inline constexpr const char* kCompatArchName = "i386";
// i386 numbers (arch/x86/entry/syscalls/syscall_32.tbl).
inline constexpr int kCompatGetpid = 20;
inline constexpr int kCompatIoctl = 54;
inline constexpr int kCompatGetppid = 64;
inline constexpr int kCompatKeyctl = 288;
#elif defined(__aarch64__)
inline constexpr uint32_t kNativeAuditArch = AUDIT_ARCH_AARCH64;
inline constexpr uint32_t kNativeScmpArch = SCMP_ARCH_AARCH64;
inline constexpr uint32_t kCompatAuditArch = AUDIT_ARCH_ARM;
inline constexpr uint32_t kForeignAuditArch = AUDIT_ARCH_X86_64;
inline constexpr const char* kNativeArchName = "aarch64";
inline constexpr const char* kCompatArchName = "arm";
// 32-bit ARM EABI numbers (arch/arm/tools/syscall.tbl).
inline constexpr int kCompatGetpid = 20;
inline constexpr int kCompatIoctl = 54;
inline constexpr int kCompatGetppid = 64;
inline constexpr int kCompatKeyctl = 311;
#else
#error "add this machine's system-call ABIs (native, compat, foreign)"
#endif

}  // namespace hardinit
