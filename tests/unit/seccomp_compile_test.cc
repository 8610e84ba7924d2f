// The generator's parts, checked one by one: the argument-width table, compiling for a named
// target (arm64 on this x86_64 machine), the architectures a target's kernel can report, the
// x32 bit, the assembler's long jumps, and the warning for an entry split into ORed rules.
// Whole profiles against libseccomp: seccomp_equivalence_test.cc.
#include "hardinit/seccomp_compile.h"

#include <errno.h>
#include <gtest/gtest.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <sys/syscall.h>

#include <algorithm>
#include <cstddef>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "bpf_interpreter.h"
#include "hardinit/seccomp.h"
#include "hardinit/seccomp_arg_widths.h"
#include "hardinit/seccomp_bpf_asm.h"
#include "hardinit/seccomp_profile.h"
#include "temp_dir_test.h"
#include "captured_log.h"

namespace hardinit {
namespace {

constexpr uint32_t kAllow = SECCOMP_RET_ALLOW;
constexpr uint32_t kEperm = SECCOMP_RET_ERRNO | EPERM;
constexpr uint32_t kEnosys = SECCOMP_RET_ERRNO | ENOSYS;
constexpr uint32_t kKill = SECCOMP_RET_KILL_THREAD;
constexpr uint64_t kHigh = uint64_t{1} << 32;

// The tests that compile for the amd64 target call it with x86_64's numbers
// (arch/x86/entry/syscalls/syscall_64.tbl) and arch, whatever machine runs them: the
// compiler's output depends on the target only, so they check the same on arm64.
constexpr int kAmd64Getpid = 39;
constexpr int kAmd64Socket = 41;
constexpr int kAmd64Kill = 62;
constexpr int kAmd64Getppid = 110;
seccomp_data Amd64Call(int nr, std::initializer_list<uint64_t> args = {}) {
  return Call(nr, args, AUDIT_ARCH_X86_64);
}

SeccompContext Context(const std::string& arch, uint64_t caps = 0) {
  SeccompContext context;
  context.arch = arch;
  context.kept_caps = caps;
  context.kernel_major = 6;
  context.kernel_minor = 18;
  return context;
}

std::vector<sock_filter> Compile(const SeccompRuleSet& rules,
                                 SeccompCompileReport* report = nullptr) {
  std::vector<sock_filter> filter;
  SeccompCompileReport unused;
  std::string err;
  EXPECT_TRUE(CompileSeccompRules(rules, &filter, report ? report : &unused, &err)) << err;
  return filter;
}

SeccompProfile MustParse(const std::string& json) {
  SeccompProfile profile;
  std::string err;
  EXPECT_TRUE(ParseSeccompProfile(json, &profile, &err)) << err;
  return profile;
}

// --- what the kernel reads --------------------------------------------------------------

TEST(SeccompArgWidthsTest, TableIsSortedAndUnique) {
  ASSERT_GT(kSyscallArgWidthsCount, 200u);
  for (size_t i = 1; i < kSyscallArgWidthsCount; ++i) {
    EXPECT_LT(std::string_view(kSyscallArgWidths[i - 1].name), kSyscallArgWidths[i].name);
  }
}

// The calls Docker's and containers-common's profiles put conditions on, against their
// kernel prototypes.
TEST(SeccompArgWidthsTest, CallsTheProfilesConditionOn) {
  for (unsigned i = 0; i < 3; ++i) EXPECT_EQ(SyscallArgBits("socket", i), 32u) << i;  // int x3
  EXPECT_EQ(SyscallArgBits("personality", 0), 32u);  // unsigned int personality
  EXPECT_EQ(SyscallArgBits("clone", 0), 32u);        // lower_32_bits(clone_flags)
  EXPECT_EQ(SyscallArgBits("clone", 1), 64u);        // unsigned long newsp
  EXPECT_EQ(SyscallArgBits("ioctl", 1), 32u);        // unsigned int cmd
  EXPECT_EQ(SyscallArgBits("ioctl", 2), 64u);        // unsigned long arg
  EXPECT_EQ(SyscallArgBits("kill", 1), 32u);
  EXPECT_EQ(SyscallArgBits("chmod", 1), 16u);    // umode_t
  EXPECT_EQ(SyscallArgBits("unshare", 0), 64u);  // unsigned long, every bit checked
  EXPECT_EQ(SyscallArgBits("mmap", 2), 64u);     // x86_64's mmap takes unsigned longs
  EXPECT_EQ(SyscallArgBits("no_such_call", 0), 64u);
  EXPECT_EQ(SyscallArgBits("socket", 6), 64u);
}

// --- a named target ---------------------------------------------------------------------

// arm64 from this machine: AArch64 and 32-bit ARM sections with their own numbers (mount is
// 40 on arm64, 21 on arm), and x86 calls are a foreign architecture.
TEST(SeccompTargetTest, Arm64CompileUsesArm64Numbers) {
  SeccompProgram program;
  std::string err;
  ASSERT_TRUE(PrepareSeccomp("default", Context("arm64"), &program, &err)) << err;
  const std::vector<sock_filter>& f = program.filter;
  ASSERT_GE(f.size(), 4u);
  EXPECT_EQ(f[0].code, BPF_LD | BPF_W | BPF_ABS);
  EXPECT_EQ(f[0].k, offsetof(seccomp_data, arch));
  EXPECT_EQ(f[1].code, BPF_JMP | BPF_JEQ | BPF_K);
  EXPECT_EQ(f[1].k, AUDIT_ARCH_AARCH64);
  EXPECT_EQ(f[2].code, BPF_JMP | BPF_JEQ | BPF_K);
  EXPECT_EQ(f[2].k, AUDIT_ARCH_ARM);
  EXPECT_EQ(seccomp_syscall_resolve_name_arch(SCMP_ARCH_AARCH64, "mount"), 40);
  EXPECT_EQ(RunBpf(f, Call(40 /* mount */, {}, AUDIT_ARCH_AARCH64)), kEperm);
  EXPECT_EQ(RunBpf(f, Call(173 /* getppid */, {}, AUDIT_ARCH_AARCH64)), kAllow);
  EXPECT_EQ(RunBpf(f, Call(198 /* socket */, {40}, AUDIT_ARCH_AARCH64)), kEperm);
  EXPECT_EQ(RunBpf(f, Call(198, {kHigh | 40}, AUDIT_ARCH_AARCH64)), kEperm);
  EXPECT_EQ(RunBpf(f, Call(198, {2}, AUDIT_ARCH_AARCH64)), kAllow);
  EXPECT_EQ(RunBpf(f, Call(29 /* ioctl */, {0, 0x5412}, AUDIT_ARCH_AARCH64)), kEperm);
  EXPECT_EQ(RunBpf(f, Call(29, {0, 0x5401}, AUDIT_ARCH_AARCH64)), kAllow);
  EXPECT_EQ(RunBpf(f, Call(470, {}, AUDIT_ARCH_AARCH64)), kEnosys);
  EXPECT_EQ(RunBpf(f, Call(21 /* mount */, {}, AUDIT_ARCH_ARM)), kEperm);
  EXPECT_EQ(RunBpf(f, Call(64 /* getppid */, {}, AUDIT_ARCH_ARM)), kAllow);
  // Negative control: x86_64's getppid (110) is a foreign architecture's call here.
  EXPECT_EQ(RunBpf(f, Call(110, {}, AUDIT_ARCH_X86_64)), kKill);
  EXPECT_EQ(RunBpf(f, Call(64, {}, AUDIT_ARCH_I386)), kKill);

  std::vector<sock_filter> supervisor = Compile(SupervisorSeccompRules("arm64"));
  EXPECT_EQ(supervisor[1].k, AUDIT_ARCH_AARCH64);
  EXPECT_EQ(RunBpf(supervisor, Call(260 /* wait4 */, {}, AUDIT_ARCH_AARCH64)), kAllow);
  EXPECT_EQ(RunBpf(supervisor, Call(173 /* getppid */, {}, AUDIT_ARCH_AARCH64)), kEperm);
  EXPECT_EQ(RunBpf(supervisor, Call(61, {}, AUDIT_ARCH_X86_64)), kEperm) << "never a kill";
}

TEST(SeccompTargetTest, UnsupportedTargetIsAnError) {
  SeccompRuleSet rules = SupervisorSeccompRules("s390x");
  std::vector<sock_filter> filter;
  SeccompCompileReport report;
  std::string err;
  EXPECT_FALSE(CompileSeccompRules(rules, &filter, &report, &err));
  EXPECT_EQ(err, "no seccomp compiler for target architecture \"s390x\"");
}

// Sections only for what the target's kernel can report: an amd64 kernel never hands seccomp
// an AArch64 call, so the profile's aarch64 section is left out (its calls get the bad-arch
// action, which is stricter) and reported.
TEST(SeccompTargetTest, ArchitecturesTheTargetNeverReportsAreLeftOut) {
  const SeccompProfile profile = MustParse(R"({"defaultAction": "SCMP_ACT_ERRNO",
      "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_AARCH64", "SCMP_ARCH_X86"],
      "syscalls": [{"names": ["getppid"], "action": "SCMP_ACT_ALLOW"}]})");
  SeccompCompileReport report;
  const auto f = Compile(ExpandSeccompRules(profile, Context("amd64")), &report);
  EXPECT_EQ(report.arches, (std::vector<std::string>{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86"}));
  EXPECT_EQ(report.left_out_arches, std::vector<std::string>{"SCMP_ARCH_AARCH64"});
  EXPECT_EQ(RunBpf(f, Call(110, {}, AUDIT_ARCH_X86_64)), kAllow);
  EXPECT_EQ(RunBpf(f, Call(64, {}, AUDIT_ARCH_I386)), kAllow);
  EXPECT_EQ(RunBpf(f, Call(173, {}, AUDIT_ARCH_AARCH64)), kKill);
}

// x32 numbers carry bit 30 on AUDIT_ARCH_X86_64: with x32 in the filter they are x32's calls,
// without it a foreign ABI, except -1 (a call a tracer skipped), which libseccomp treats as
// x86_64's. Numbers above the boundary without the bit get ENOSYS.
TEST(SeccompTargetTest, X32BitWithAndWithoutX32) {
  const SeccompProfile with = MustParse(R"({"defaultAction": "SCMP_ACT_ERRNO",
      "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X32"],
      "syscalls": [{"names": ["getppid"], "action": "SCMP_ACT_ALLOW"}]})");
  const auto f = Compile(ExpandSeccompRules(with, Context("amd64")));
  EXPECT_EQ(RunBpf(f, Amd64Call(kX32SyscallBit | kAmd64Getppid)), kAllow);
  EXPECT_EQ(RunBpf(f, Amd64Call(kX32SyscallBit | kAmd64Getpid)), kEperm);
  EXPECT_EQ(RunBpf(f, Amd64Call(kX32SyscallBit | 999)), kEperm) << "no ENOSYS for x32 (runc)";
  EXPECT_EQ(RunBpf(f, Amd64Call(999)), kEnosys);
  EXPECT_EQ(RunBpf(f, Amd64Call(0x80000000)), kEnosys) << "bit 31 without bit 30 is no x32 call";

  const SeccompProfile without = MustParse(R"({"defaultAction": "SCMP_ACT_ERRNO",
      "architectures": ["SCMP_ARCH_X86_64"],
      "syscalls": [{"names": ["getppid"], "action": "SCMP_ACT_ALLOW"}]})");
  const auto g = Compile(ExpandSeccompRules(without, Context("amd64")));
  EXPECT_EQ(RunBpf(g, Amd64Call(kX32SyscallBit | kAmd64Getppid)), kKill);
  EXPECT_EQ(RunBpf(g, Amd64Call(-1)), kEperm);
  EXPECT_EQ(RunBpf(g, Amd64Call(kAmd64Getppid)), kAllow);
}

// The issue's budget: Docker's own profile in at most 400 instructions (libseccomp: 1,252).
TEST(SeccompTargetTest, DockersProfileIsCompact) {
  SeccompProfile profile;
  std::string err;
  ASSERT_TRUE(
      LoadSeccompProfileFile(HARDINIT_TESTDATA_DIR "/seccomp/docker-default.json", &profile, &err))
      << err;
  for (const char* target : {"amd64", "arm64"}) {
    EXPECT_LE(Compile(ExpandSeccompRules(profile, Context(target))).size(), 400u) << target;
  }
}

// Conditional rules of different actions that match the same input: the most restrictive
// action wins whatever the order (libseccomp's answer depends on its internal tree), the
// first in profile order among actions of equal precedence. An unconditional rule still wins
// over the call's conditional ones, as under libseccomp.
TEST(SeccompOverlapTest, MostRestrictiveMatchingRuleWins) {
  for (bool deny_first : {false, true}) {
    const std::string allow =
        R"({"names": ["socket"], "action": "SCMP_ACT_ALLOW",
            "args": [{"index": 0, "value": 100, "op": "SCMP_CMP_LT"}]})";
    const std::string deny =
        R"({"names": ["socket"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13,
            "args": [{"index": 0, "value": 40, "op": "SCMP_CMP_EQ"}]},
           {"names": ["socket"], "action": "SCMP_ACT_ERRNO", "errnoRet": 22,
            "args": [{"index": 0, "value": 40, "op": "SCMP_CMP_EQ"}]},
           {"names": ["socket"], "action": "SCMP_ACT_KILL_PROCESS",
            "args": [{"index": 0, "value": 50, "op": "SCMP_CMP_EQ"}]})";
    const auto f = Compile(
        ExpandSeccompRules(MustParse(R"({"defaultAction": "SCMP_ACT_TRAP", "syscalls": [)" +
                                     (deny_first ? deny + "," + allow : allow + "," + deny) + "]}"),
                           Context("amd64")));
    EXPECT_EQ(RunBpf(f, Amd64Call(kAmd64Socket, {40})), SECCOMP_RET_ERRNO | 13) << deny_first;
    EXPECT_EQ(RunBpf(f, Amd64Call(kAmd64Socket, {50})), SECCOMP_RET_KILL_PROCESS) << deny_first;
    EXPECT_EQ(RunBpf(f, Amd64Call(kAmd64Socket, {41})), kAllow) << deny_first;
    EXPECT_EQ(RunBpf(f, Amd64Call(kAmd64Socket, {100})), SECCOMP_RET_TRAP) << deny_first;
  }
  const auto g = Compile(ExpandSeccompRules(MustParse(R"({"defaultAction": "SCMP_ACT_TRAP",
      "syscalls": [
        {"names": ["socket"], "action": "SCMP_ACT_ERRNO",
         "args": [{"index": 0, "value": 40, "op": "SCMP_CMP_EQ"}]},
        {"names": ["socket"], "action": "SCMP_ACT_ALLOW"}]})"),
                                            Context("amd64")));
  EXPECT_EQ(RunBpf(g, Amd64Call(kAmd64Socket, {40})), kAllow) << "the unconditional rule wins";
}

// --- the assembler ----------------------------------------------------------------------

// A jump across more than 255 instructions goes through a nearer copy of its return (or a
// `ja`), and every offset fits in 8 bits.
TEST(BpfAssemblerTest, LongJumpsGoThroughAProxy) {
  BpfAssembler a;
  a.Load(offsetof(seccomp_data, nr));
  const auto far_block = a.NewLabel();
  for (uint32_t nr = 0; nr < 300; ++nr) {
    const auto next = a.NewLabel();
    a.Jump(BPF_JEQ, 1000 + nr, nr == 0 ? far_block : a.ReturnLabel(SECCOMP_RET_ERRNO | nr), next);
    a.Bind(next);
  }
  a.Goto(a.ReturnLabel(kAllow));
  a.Bind(far_block);
  a.Load(offsetof(seccomp_data, args));
  const auto holds = a.NewLabel();
  a.Jump(BPF_JEQ, 7, holds, a.ReturnLabel(kEperm));
  a.Bind(holds);
  a.Return(SECCOMP_RET_TRAP);
  std::vector<sock_filter> f;
  std::string err;
  ASSERT_TRUE(a.Finish(&f, &err)) << err;
  ASSERT_TRUE(ValidateSeccompBpf(f, &err)) << err;
  EXPECT_EQ(RunBpf(f, Call(1000, {7})), SECCOMP_RET_TRAP);
  EXPECT_EQ(RunBpf(f, Call(1000, {8})), kEperm);
  EXPECT_EQ(RunBpf(f, Call(1001)), SECCOMP_RET_ERRNO | 1);
  EXPECT_EQ(RunBpf(f, Call(1299)), SECCOMP_RET_ERRNO | 299);
  EXPECT_EQ(RunBpf(f, Call(5)), kAllow);
}

TEST(BpfAssemblerTest, LoadsAreLeftOutWhenAAlreadyHoldsTheWord) {
  BpfAssembler a;
  a.Load(16);
  const auto second = a.NewLabel();
  a.Jump(BPF_JEQ, 1, a.ReturnLabel(kAllow), second);
  a.Bind(second);
  a.Load(16);  // every way in holds args[0]: left out
  const auto third = a.NewLabel();
  a.Jump(BPF_JEQ, 2, a.ReturnLabel(kAllow), third);
  a.Bind(third);
  a.And(0xff);
  a.Load(16);  // A holds args[0] & 0xff: loaded again
  a.Jump(BPF_JEQ, 3, a.ReturnLabel(kAllow), a.ReturnLabel(kEperm));
  std::vector<sock_filter> f;
  std::string err;
  ASSERT_TRUE(a.Finish(&f, &err)) << err;
  EXPECT_EQ(
      std::count_if(f.begin(), f.end(),
                    [](const sock_filter& i) { return i.code == (BPF_LD | BPF_W | BPF_ABS); }),
      2);
  EXPECT_EQ(RunBpf(f, Call(0, {3})), kAllow);
  EXPECT_EQ(RunBpf(f, Call(0, {0x103})), kEperm);
}

TEST(BpfAssemblerTest, AJumpToALabelNeverPlacedIsAnError) {
  BpfAssembler a;
  a.Goto(a.NewLabel());
  std::vector<sock_filter> f;
  std::string err;
  EXPECT_FALSE(a.Finish(&f, &err));
  EXPECT_EQ(err, "BPF assembler: a jump to a label that was never placed");
}

// --- an entry split into ORed rules (issue 12 §2.6) ------------------------------------------

class SeccompSplitTest : public TempDirTest {};

// runc's reading, which hardinit follows: an index that repeats makes every condition of the
// entry a rule of its own, those on other indices too. A user's profile gets one warning per
// such entry, naming it.
TEST_F(SeccompSplitTest, SplitEntryWarnsOnceNamingIt) {
  const std::string path = Write("split.json", R"({"defaultAction": "SCMP_ACT_ERRNO",
    "syscalls": [
      {"names": ["getppid"], "action": "SCMP_ACT_ALLOW"},
      {"names": ["socket", "socketpair"], "action": "SCMP_ACT_ALLOW", "args": [
        {"index": 0, "value": 1, "op": "SCMP_CMP_EQ"},
        {"index": 0, "value": 2, "op": "SCMP_CMP_EQ"},
        {"index": 1, "value": 1, "op": "SCMP_CMP_EQ"}]},
      {"names": ["kill"], "action": "SCMP_ACT_ALLOW", "args": [
        {"index": 0, "value": 1, "op": "SCMP_CMP_EQ"},
        {"index": 1, "value": 15, "op": "SCMP_CMP_EQ"}]}
    ]})");
  CapturedLog log;
  SeccompProgram program;
  std::string err;
  ASSERT_TRUE(PrepareSeccomp(path, Context("amd64"), &program, &err)) << err;
  EXPECT_EQ(log.str(), "warning seccomp: " + path +
                           ": syscalls[1] (socket, socketpair) repeats an argument index: each "
                           "of its conditions is a rule of its own, ORed (as runc and crun do)\n");
  const auto& f = program.filter;
  // ORed: type 1 alone is enough, whatever the family.
  EXPECT_EQ(RunBpf(f, Amd64Call(kAmd64Socket, {10, 1})), kAllow);
  EXPECT_EQ(RunBpf(f, Amd64Call(kAmd64Socket, {2, 5})), kAllow);
  EXPECT_EQ(RunBpf(f, Amd64Call(kAmd64Socket, {10, 5})), kEperm);
  // Negative control: kill's indices differ, so its conditions stay ANDed.
  EXPECT_EQ(RunBpf(f, Amd64Call(kAmd64Kill, {1, 15})), kAllow);
  EXPECT_EQ(RunBpf(f, Amd64Call(kAmd64Kill, {1, 9})), kEperm);
  EXPECT_EQ(RunBpf(f, Amd64Call(kAmd64Kill, {2, 15})), kEperm);
}

// The built-in profiles split ioctl's entry on purpose: compiled at start-up (a kept
// capability the precompiled BPF does not cover) they say so only at debug level.
TEST_F(SeccompSplitTest, BuiltinSplitIsNoWarning) {
  CapturedLog log;
  SeccompProgram program;
  std::string err;
  ASSERT_TRUE(PrepareSeccomp("default", Context("amd64", uint64_t{1} << 21), &program, &err))
      << err;
  EXPECT_EQ(log.str(), "");
}

}  // namespace
}  // namespace hardinit
