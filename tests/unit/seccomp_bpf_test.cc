// The compiled BPF, judged by what it returns: a small cBPF interpreter runs the filters on
// seccomp_data inputs, and a forked child loads them for real and reports through its exit
// code. Covers the ENOSYS stub's jumps, the TIOCSTI/TIOCLINUX rules, the embedded build-time
// BPF (equal to a fresh compile), PID 1's filter, raw .bpf files and `hardinit seccomp`.
#include <errno.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "hardinit/builtin_profiles.h"
#include "hardinit/seccomp.h"
#include "hardinit/seccomp_compile.h"
#include "bpf_interpreter.h"
#include "confined_child.h"
#include "hardinit/seccomp_profile.h"
#include "temp_dir_test.h"

namespace hardinit {
namespace {

constexpr uint32_t kAllow = SECCOMP_RET_ALLOW;
constexpr uint32_t kEperm = SECCOMP_RET_ERRNO | EPERM;
constexpr uint32_t kEnosys = SECCOMP_RET_ERRNO | ENOSYS;
constexpr uint32_t kFellThrough = SECCOMP_RET_TRACE | 0x4242;  // marks "after the stub"
constexpr uint32_t kAuditArchI386 = AUDIT_ARCH_I386;

SeccompProgram MustPrepare(std::string_view profile, const SeccompContext& context) {
  SeccompProgram program;
  std::string err;
  EXPECT_TRUE(PrepareSeccomp(profile, context, &program, &err)) << err;
  return program;
}

SeccompContext WithCaps(uint64_t caps, int major = 6, int minor = 1) {
  SeccompContext context = CurrentSeccompContext(caps);
  context.kernel_major = major;
  context.kernel_minor = minor;
  return context;
}

std::vector<sock_filter> StubThenMarker(const std::vector<EnosysBoundary>& boundaries) {
  std::vector<sock_filter> program = BuildEnosysStub(boundaries);
  program.push_back(BPF_STMT(BPF_RET | BPF_K, kFellThrough));
  return program;
}

// The stub is plain BPF: these cases hold on any build machine, whatever the arches named.
TEST(SeccompStubTest, AboveTheBoundaryIsEnosysPerArch) {
  const auto program = StubThenMarker({{AUDIT_ARCH_X86_64, 450}, {kAuditArchI386, 460}});
  std::string err;
  ASSERT_TRUE(ValidateSeccompBpf(program, &err)) << err;
  const auto x86_64 = [](uint32_t nr) { return Call(nr, {}, AUDIT_ARCH_X86_64); };
  EXPECT_EQ(RunBpf(program, x86_64(0)), kFellThrough);
  EXPECT_EQ(RunBpf(program, x86_64(450)), kFellThrough);
  EXPECT_EQ(RunBpf(program, x86_64(451)), kEnosys);
  EXPECT_EQ(RunBpf(program, x86_64(0x3fffffff)), kEnosys);
  // x32 numbers carry bit 30: left to libseccomp, never ENOSYS by the x86_64 boundary.
  EXPECT_EQ(RunBpf(program, x86_64(kX32SyscallBit | 1)), kFellThrough);
  EXPECT_EQ(RunBpf(program, x86_64(kX32SyscallBit | 999)), kFellThrough);
  EXPECT_EQ(RunBpf(program, Call(455, {}, kAuditArchI386)), kFellThrough);
  EXPECT_EQ(RunBpf(program, Call(461, {}, kAuditArchI386)), kEnosys);
  // An arch without a section falls through (libseccomp's bad-arch action decides).
  EXPECT_EQ(RunBpf(program, Call(9999, {}, AUDIT_ARCH_AARCH64)), kFellThrough);
  // arm64 has no x32: there bit 30 is just a number above the boundary.
  const auto arm64 = StubThenMarker({{AUDIT_ARCH_AARCH64, 450}});
  EXPECT_EQ(RunBpf(arm64, Call(kX32SyscallBit | 1, {}, AUDIT_ARCH_AARCH64)), kEnosys);
}

TEST(SeccompStubTest, JumpOffsetsHoldWithManyArches) {
  std::vector<EnosysBoundary> boundaries;
  const uint32_t arches[] = {AUDIT_ARCH_AARCH64, AUDIT_ARCH_ARM, AUDIT_ARCH_X86_64,
                             AUDIT_ARCH_RISCV64, kAuditArchI386, AUDIT_ARCH_S390X};
  for (size_t i = 0; i < std::size(arches); ++i) {
    boundaries.push_back({arches[i], static_cast<uint32_t>(100 + i)});
  }
  const auto program = StubThenMarker(boundaries);
  for (size_t i = 0; i < std::size(arches); ++i) {
    EXPECT_EQ(RunBpf(program, Call(100 + i, {}, arches[i])), kFellThrough) << i;
    EXPECT_EQ(RunBpf(program, Call(101 + i, {}, arches[i])), kEnosys) << i;
  }
  EXPECT_TRUE(BuildEnosysStub({}).empty());
}

TEST(SeccompStubTest, OnlyDenyingDefaultsGetTheStub) {
  EXPECT_TRUE(WantsEnosysStub(SCMP_ACT_ERRNO(EPERM)));
  EXPECT_TRUE(WantsEnosysStub(SCMP_ACT_KILL_PROCESS));
  EXPECT_TRUE(WantsEnosysStub(SCMP_ACT_KILL_THREAD));
  EXPECT_TRUE(WantsEnosysStub(SCMP_ACT_TRAP));
  EXPECT_FALSE(WantsEnosysStub(SCMP_ACT_ALLOW));
  EXPECT_FALSE(WantsEnosysStub(SCMP_ACT_LOG));
  EXPECT_FALSE(WantsEnosysStub(SCMP_ACT_TRACE(3)));
}

constexpr uint64_t kCapSysAdmin = uint64_t{1} << 21;
constexpr uint64_t kCapSysPtrace = uint64_t{1} << 19;
constexpr uint64_t kCloneNewUser = 0x10000000;
constexpr uint64_t kHighBits = uint64_t{1} << 32;

// The cases every Docker-like profile must get right on this machine's ABIs.
void ExpectDockerSemantics(const std::vector<sock_filter>& f) {
  EXPECT_EQ(RunBpf(f, Call(__NR_getppid)), kAllow);
  EXPECT_EQ(RunBpf(f, Call(__NR_keyctl)), kEperm);
  EXPECT_EQ(RunBpf(f, Call(__NR_mount)), kEperm);
  EXPECT_EQ(RunBpf(f, Call(__NR_unshare, {kCloneNewUser})), kEperm);
  EXPECT_EQ(RunBpf(f, Call(470)), kEnosys);
  EXPECT_EQ(RunBpf(f, Call(__NR_clone3)), kEnosys);
  EXPECT_EQ(RunBpf(f, Call(__NR_faccessat2)), kAllow);
  EXPECT_EQ(RunBpf(f, Call(__NR_ioctl, {0, TCGETS})), kAllow);
  EXPECT_EQ(RunBpf(f, Call(__NR_personality, {0xffffffff})), kAllow);
  EXPECT_EQ(RunBpf(f, Call(__NR_personality, {0})), kAllow);
  EXPECT_EQ(RunBpf(f, Call(__NR_personality, {ADDR_NO_RANDOMIZE})), kEperm);
  EXPECT_EQ(RunBpf(f, Call(__NR_clone, {kCloneNewUser | SIGCHLD})), kEperm);
  EXPECT_EQ(RunBpf(f, Call(__NR_clone, {SIGCHLD})), kAllow);
  EXPECT_EQ(RunBpf(f, Call(__NR_clone, {0x3d0f00})), kAllow);  // pthread_create's flags
  EXPECT_EQ(RunBpf(f, Call(__NR_socket, {AF_INET})), kAllow);
  EXPECT_EQ(RunBpf(f, Call(__NR_socket, {40})), kEperm);  // AF_VSOCK
#if defined(__x86_64__)
  // x32 goes through libseccomp's section.
  EXPECT_EQ(RunBpf(f, Call(kX32SyscallBit | __NR_getppid)), kAllow);
#else
  // No x32 here: bit 30 is one more number above the boundary.
  EXPECT_EQ(RunBpf(f, Call(kX32SyscallBit | __NR_getppid)), kEnosys);
#endif
  // The compat ABI (Docker's archMap) has its own numbers and its own ENOSYS boundary.
  EXPECT_EQ(RunBpf(f, Call(kCompatGetppid, {}, kCompatAuditArch)), kAllow);
  EXPECT_EQ(RunBpf(f, Call(kCompatKeyctl, {}, kCompatAuditArch)), kEperm);
#if defined(__x86_64__)
  EXPECT_EQ(RunBpf(f, Call(470, {}, kCompatAuditArch)), kEnosys);
#else
  // Docker's profile names ARM's private calls (breakpoint, cacheflush, set_tls at
  // 0xf0000 + n), so the ARM boundary lies above every ordinary number: a 32-bit ARM call
  // newer than the profile gets the default errno, not ENOSYS.
  EXPECT_EQ(RunBpf(f, Call(470, {}, kCompatAuditArch)), kEperm);
  EXPECT_EQ(RunBpf(f, Call(0xf0006, {}, kCompatAuditArch)), kEnosys);
#endif
  // A foreign arch: libseccomp's bad-arch action, a kill.
  EXPECT_EQ(RunBpf(f, Call(__NR_getppid, {}, kForeignAuditArch)), SECCOMP_RET_KILL_THREAD);
}

TEST(SeccompDefaultBpfTest, DockerSemanticsPlusTiocstiDenied) {
  const SeccompProgram program = MustPrepare("default", CurrentSeccompContext(0));
  ASSERT_FALSE(program.unconfined);
  const auto& f = program.filter;
  ExpectDockerSemantics(f);
  for (uint64_t cmd : {uint64_t{TIOCSTI}, kHighBits | TIOCSTI, (uint64_t{0xabcd} << 32) | TIOCSTI,
                       uint64_t{TIOCLINUX}, kHighBits | TIOCLINUX}) {
    EXPECT_EQ(RunBpf(f, Call(__NR_ioctl, {0, cmd})), kEperm) << std::hex << cmd;
    EXPECT_EQ(RunBpf(f, Call(kCompatIoctl, {0, cmd & 0xffffffff}, kCompatAuditArch)), kEperm)
        << std::hex << cmd;
  }
  for (uint64_t cmd : {uint64_t{TCGETS}, uint64_t{TIOCGWINSZ}, uint64_t{FIONREAD},
                       uint64_t{TIOCSTI} + 1, uint64_t{TIOCSTI} - 1, uint64_t{TIOCLINUX} + 1,
                       kHighBits | TCGETS, uint64_t{0}, uint64_t{0xffffffff}}) {
    EXPECT_EQ(RunBpf(f, Call(__NR_ioctl, {0, cmd})), kAllow) << std::hex << cmd;
  }
}

TEST(SeccompDefaultBpfTest, DockersOwnProfileAllowsTiocsti) {
  // Negative control: the same interpreter sees Docker's profile let TIOCSTI through.
  const SeccompProgram program =
      MustPrepare(HARDINIT_TESTDATA_DIR "/seccomp/docker-default.json", CurrentSeccompContext(0));
  ExpectDockerSemantics(program.filter);
  EXPECT_EQ(RunBpf(program.filter, Call(__NR_ioctl, {0, TIOCSTI})), kAllow);
}

TEST(SeccompDefaultBpfTest, KeptCapabilitiesRecompile) {
  const auto admin = MustPrepare("default", WithCaps(kCapSysAdmin)).filter;
  EXPECT_EQ(RunBpf(admin, Call(__NR_mount)), kAllow);
  EXPECT_EQ(RunBpf(admin, Call(__NR_clone, {kCloneNewUser | SIGCHLD})), kAllow);
  EXPECT_EQ(RunBpf(admin, Call(__NR_clone3)), kAllow);
  EXPECT_EQ(RunBpf(admin, Call(__NR_keyctl)), kEperm);
  EXPECT_EQ(RunBpf(admin, Call(__NR_ioctl, {0, TIOCSTI})), kEperm);
  // minKernel 4.8 gates ptrace; CAP_SYS_PTRACE re-enables it.
  EXPECT_EQ(RunBpf(MustPrepare("default", WithCaps(0, 4, 4)).filter, Call(__NR_ptrace)), kEperm);
  EXPECT_EQ(RunBpf(MustPrepare("default", WithCaps(0, 4, 8)).filter, Call(__NR_ptrace)), kAllow);
  EXPECT_EQ(RunBpf(MustPrepare("default", WithCaps(kCapSysPtrace, 4, 4)).filter,
                   Call(__NR_ptrace)),
            kAllow);
}

TEST(SeccompDefaultBpfTest, ContainersCommonDefaultsToEnosys) {
  const auto f =
      MustPrepare(HARDINIT_TESTDATA_DIR "/seccomp/containers-common.json", CurrentSeccompContext(0))
          .filter;
  EXPECT_EQ(RunBpf(f, Call(__NR_getppid)), kAllow);
  EXPECT_EQ(RunBpf(f, Call(470)), kEnosys);
  EXPECT_EQ(RunBpf(f, Call(__NR_kexec_load)), kEperm);
  // Without CAP_AUDIT_WRITE: socket(AF_NETLINK, *, NETLINK_AUDIT) gets EINVAL.
  EXPECT_EQ(RunBpf(f, Call(__NR_socket, {16, 3, 9})), SECCOMP_RET_ERRNO | EINVAL);
  EXPECT_EQ(RunBpf(f, Call(__NR_socket, {16, 3, 0})), kAllow);
}

TEST(SeccompStrictBpfTest, SmallerAllowlist) {
  const auto f = MustPrepare("strict", CurrentSeccompContext(0)).filter;
  EXPECT_EQ(RunBpf(f, Call(__NR_getppid)), kAllow);
  EXPECT_EQ(RunBpf(f, Call(__NR_execve)), kAllow);
  EXPECT_EQ(RunBpf(f, Call(__NR_clone, {SIGCHLD})), kAllow);
  EXPECT_EQ(RunBpf(f, Call(__NR_clone, {kCloneNewUser | SIGCHLD})), kEperm);
  EXPECT_EQ(RunBpf(f, Call(__NR_clone3)), kEnosys);
  EXPECT_EQ(RunBpf(f, Call(__NR_socket, {AF_INET6})), kAllow);
  EXPECT_EQ(RunBpf(f, Call(__NR_socket, {AF_PACKET})), kEperm);
  EXPECT_EQ(RunBpf(f, Call(__NR_ioctl, {0, TIOCSTI})), kEperm);
  EXPECT_EQ(RunBpf(f, Call(__NR_ioctl, {0, TCGETS})), kAllow);
  // What default allows and strict does not.
  for (int nr : {__NR_ptrace, __NR_personality, __NR_setuid, __NR_shmget, __NR_msgget,
                 __NR_setxattr, __NR_chroot}) {
    EXPECT_EQ(RunBpf(f, Call(nr)), kEperm) << nr;
  }
  EXPECT_EQ(RunBpf(f, Call(470)), kEnosys);
  // No 32-bit ABI under strict.
  EXPECT_EQ(RunBpf(f, Call(kCompatGetppid, {}, kCompatAuditArch)), SECCOMP_RET_KILL_THREAD);
}

TEST(SeccompSupervisorBpfTest, AllowsTheLoopAndNeverKills) {
  SeccompProgram program;
  std::string err;
  ASSERT_TRUE(PrepareSupervisorSeccomp(&program, &err)) << err;
  const auto& f = program.filter;
  for (int nr : {__NR_wait4, __NR_kill, __NR_write, __NR_signalfd4, __NR_ppoll, __NR_openat,
                 __NR_getdents64, __NR_exit_group, __NR_pidfd_send_signal}) {
    EXPECT_EQ(RunBpf(f, Call(nr)), kAllow) << nr;
  }
  EXPECT_EQ(RunBpf(f, Call(__NR_execve)), kEperm);
  EXPECT_EQ(RunBpf(f, Call(__NR_getppid)), kEperm);
  for (uint32_t arch : {kNativeAuditArch, kCompatAuditArch, kForeignAuditArch}) {
    for (uint32_t nr = 0; nr < 600; ++nr) {
      for (uint32_t base : {0u, kX32SyscallBit}) {
        const uint32_t action = RunBpf(f, Call(base | nr, {}, arch)) & SECCOMP_RET_ACTION_FULL;
        ASSERT_TRUE(action == SECCOMP_RET_ALLOW || action == SECCOMP_RET_ERRNO)
            << "arch " << arch << " nr " << (base | nr);
      }
    }
  }
}

// The build-time BPF is exactly what a compile at start-up would produce.
TEST(SeccompBuiltinTest, EmbeddedBpfEqualsAFreshCompile) {
  for (const char* name : {"default", "strict"}) {
    const BuiltinSeccompProfile* builtin = FindBuiltinSeccompProfile(name);
    ASSERT_NE(builtin, nullptr) << name;
    ASSERT_NE(builtin->json, nullptr);
    SeccompProfile profile;
    std::string err;
    ASSERT_TRUE(ParseSeccompProfile(std::string_view(builtin->json, builtin->json_size), &profile,
                                    &err))
        << err;
    const SeccompRuleSet rules = ExpandSeccompRules(profile, CurrentSeccompContext(0));
    std::vector<sock_filter> fresh;
    SeccompCompileReport report;
    ASSERT_TRUE(CompileSeccompRules(rules, &fresh, &report, &err)) << err;
    EXPECT_EQ(EncodeSeccompBpf(fresh),
              EncodeSeccompBpf({builtin->filter, builtin->filter + builtin->filter_len}))
        << name;
    // And the embedded JSON is the file in the source tree.
    std::ifstream file(HARDINIT_TESTS_DIR "/../seccomp-profiles/" + std::string(name) + ".json");
    std::stringstream text;
    text << file.rdbuf();
    EXPECT_EQ(text.str(), std::string(builtin->json, builtin->json_size)) << name;
  }
  const BuiltinSeccompProfile* supervisor = FindBuiltinSeccompProfile("supervisor");
  ASSERT_NE(supervisor, nullptr);
  std::vector<sock_filter> fresh;
  SeccompCompileReport report;
  std::string err;
  ASSERT_TRUE(CompileSeccompRules(SupervisorSeccompRules(CurrentSeccompContext(0).arch), &fresh, &report, &err)) << err;
  EXPECT_EQ(EncodeSeccompBpf(fresh),
            EncodeSeccompBpf({supervisor->filter, supervisor->filter + supervisor->filter_len}));
}

TEST(SeccompBuiltinTest, AssumptionsMatchTheProfile) {
  const BuiltinSeccompProfile* builtin = FindBuiltinSeccompProfile("default");
  ASSERT_NE(builtin, nullptr);
  EXPECT_STREQ(builtin->arch, CurrentSeccompContext(0).arch.c_str());
  EXPECT_EQ(builtin->min_kernel_major, 4);
  EXPECT_EQ(builtin->min_kernel_minor, 8);
  EXPECT_TRUE(builtin->caps_mentioned & (uint64_t{1} << 21));
  EXPECT_EQ(FindBuiltinSeccompProfile("nonesuch"), nullptr);
}

TEST(SeccompBuiltinTest, UnconfinedHasNoFilter) {
  const SeccompProgram program = MustPrepare("unconfined", CurrentSeccompContext(0));
  EXPECT_TRUE(program.unconfined);
  EXPECT_TRUE(program.filter.empty());
  EXPECT_EQ(program.name, "unconfined");
}

TEST(SeccompValidateTest, RefusesWhatTheKernelRefuses) {
  const sock_filter ret = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  std::string err;
  EXPECT_TRUE(ValidateSeccompBpf({ret}, &err)) << err;
  EXPECT_FALSE(ValidateSeccompBpf({}, &err));
  EXPECT_EQ(err, "BPF program has 0 instructions (1..4096 allowed)");
  EXPECT_FALSE(ValidateSeccompBpf(std::vector<sock_filter>(4097, ret), &err));
  EXPECT_FALSE(ValidateSeccompBpf({BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0)}, &err));
  EXPECT_EQ(err, "BPF program does not end with a return");
  EXPECT_FALSE(ValidateSeccompBpf({BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 64), ret}, &err));
  EXPECT_EQ(err, "BPF instruction 0: load outside struct seccomp_data");
  EXPECT_FALSE(ValidateSeccompBpf({BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 2), ret}, &err));
  EXPECT_FALSE(ValidateSeccompBpf({BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0), ret}, &err));
  EXPECT_EQ(err, "BPF instruction 0: jump past the end of the program");
  EXPECT_FALSE(ValidateSeccompBpf({BPF_JUMP(BPF_JMP | BPF_JA, 1, 0, 0), ret}, &err));
  EXPECT_FALSE(ValidateSeccompBpf({BPF_STMT(BPF_ALU | BPF_DIV | BPF_K, 0), ret}, &err));
  EXPECT_EQ(err, "BPF instruction 0: division by zero");
  EXPECT_FALSE(ValidateSeccompBpf({BPF_STMT(BPF_LD | BPF_B | BPF_IND, 0), ret}, &err));
  EXPECT_EQ(err.rfind("BPF instruction 0: invalid opcode", 0), 0u) << err;
}

class SeccompFileTest : public TempDirTest {
 protected:
  std::string Path(const std::string& name) { return dir_ + "/" + name; }
  std::string Read(const std::string& path) {
    std::ifstream file(path, std::ios::binary);
    std::stringstream text;
    text << file.rdbuf();
    return text.str();
  }
  // SeccompCommand with stdout and stderr silenced.
  int Command(std::vector<std::string> args) {
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    fflush(stdout);
    const int saved_out = dup(1), saved_err = dup(2);
    const int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
    dup2(null, 1);
    dup2(null, 2);
    const int rc = SeccompCommand(static_cast<int>(argv.size()), argv.data());
    fflush(stdout);
    dup2(saved_out, 1);
    dup2(saved_err, 2);
    close(null);
    close(saved_out);
    close(saved_err);
    return rc;
  }
};

TEST_F(SeccompFileTest, ExportedBpfLoadsBackAsIs) {
  const std::string out = Path("default.bpf");
  ASSERT_EQ(Command({"seccomp", "export", "default", out}), 0);
  const SeccompProgram builtin = MustPrepare("default", CurrentSeccompContext(0));
  EXPECT_EQ(Read(out), EncodeSeccompBpf(builtin.filter));
  const SeccompProgram loaded = MustPrepare(out, CurrentSeccompContext(0));
  EXPECT_EQ(EncodeSeccompBpf(loaded.filter), EncodeSeccompBpf(builtin.filter));
  EXPECT_EQ(loaded.flags, 0u);
}

TEST_F(SeccompFileTest, BadBpfFiles) {
  const std::string odd = Path("odd.bpf");
  std::ofstream(odd) << "1234567";
  SeccompProgram program;
  std::string err;
  EXPECT_FALSE(PrepareSeccomp(odd, CurrentSeccompContext(0), &program, &err));
  EXPECT_EQ(err, "--seccomp " + odd + ": BPF size 7 is not a positive multiple of 8 bytes");
  const std::string no_ret = Path("noret.bpf");
  std::ofstream(no_ret) << EncodeSeccompBpf({BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0)});
  EXPECT_FALSE(PrepareSeccomp(no_ret, CurrentSeccompContext(0), &program, &err));
  EXPECT_EQ(err, "--seccomp " + no_ret + ": BPF program does not end with a return");
}

TEST_F(SeccompFileTest, CheckCommand) {
  EXPECT_EQ(Command({"seccomp", "check", "default"}), 0);
  EXPECT_EQ(Command({"seccomp", "check", "strict"}), 0);
  EXPECT_EQ(Command({"seccomp", "check", "unconfined"}), 0);
  EXPECT_EQ(Command({"seccomp", "check", HARDINIT_TESTDATA_DIR "/seccomp/docker-default.json"}), 0);
  const std::string bad = Path("bad.json");
  std::ofstream(bad) << R"({"defaultAction": "SCMP_ACT_FOO"})";
  EXPECT_EQ(Command({"seccomp", "check", bad}), 125);
  EXPECT_EQ(Command({"seccomp", "check"}), 125);
  EXPECT_EQ(Command({"seccomp", "frobnicate", "default"}), 125);
  EXPECT_EQ(Command({"seccomp", "export", "unconfined", Path("u.bpf")}), 125);
}

// Loads `filter` in a forked child and runs `checks` there. Returns the child's exit status:
// 0 when every check held, else the 1-based number of the first that did not. No gtest
// assertion runs in the child.
int RunConfined(const std::vector<sock_filter>* filter,
                const std::vector<std::function<bool()>>& checks) {
  const int status = RunInConfinedChild(filter, [&checks] {
    for (size_t i = 0; i < checks.size(); ++i) {
      if (!checks[i]()) return static_cast<int>(i + 1);
    }
    return 0;
  });
  return WIFEXITED(status) ? WEXITSTATUS(status) : 200 + WTERMSIG(status);
}

bool Fails(long rc, int expected_errno) { return rc == -1 && errno == expected_errno; }

// ioctl `request` on /dev/null, which is no tty: a command the filter lets through reaches
// the kernel and fails with ENOTTY, a filtered one fails with EPERM.
long IoctlOnDevNull(unsigned long request) {
  const int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  char c = 'x';
  const long rc = syscall(__NR_ioctl, fd, request, &c);
  const int saved = errno;
  close(fd);
  errno = saved;
  return rc;
}

// One thing the confined process tries, and whether it answered as the default profile makes
// it answer. `filter_decides`: without the filter the kernel answers otherwise, so the check
// must fail unconfined (ChecksFailWithoutAFilter). The others are answered the same with or
// without the filter: calls the profile must leave alone, and the ENOSYS stub (it turns a
// number the profile does not know into the kernel's own ENOSYS; SeccompStubTest is its
// control). Each call is chosen so that, unfiltered, it changes nothing beyond the forked
// child it runs in.
struct ConfinedCheck {
  const char* what;
  bool filter_decides;
  std::function<bool()> holds;
};

std::vector<ConfinedCheck> DefaultProfileChecks() {
  return {
      {"getppid works", false, [] { return syscall(__NR_getppid) > 0; }},
      // Unfiltered: ENOKEY (no thread keyring), or ENOSYS without CONFIG_KEYS.
      {"keyctl(KEYCTL_GET_KEYRING_ID) is EPERM", true,
       [] { return Fails(syscall(__NR_keyctl, 0, -1 /* thread keyring */, 0), EPERM); }},
      {"syscall 470 is ENOSYS", false, [] { return Fails(syscall(470), ENOSYS); }},
      {"unshare(CLONE_NEWUSER) is EPERM", true,
       [] { return Fails(unshare(CLONE_NEWUSER), EPERM); }},
      // An unreadable fstype: the kernel answers EFAULT before any permission check, and
      // mounts nothing.
      {"mount is EPERM", true,
       [] {
         return Fails(
             syscall(__NR_mount, "none", "/nonexistent", reinterpret_cast<char*>(1), 0, nullptr),
             EPERM);
       }},
      {"ioctl(TIOCSTI) is EPERM", true, [] { return Fails(IoctlOnDevNull(TIOCSTI), EPERM); }},
      {"ioctl(TIOCSTI with high bits set) is EPERM", true,
       [] { return Fails(IoctlOnDevNull(kHighBits | TIOCSTI), EPERM); }},
      {"ioctl(TIOCLINUX) is EPERM", true, [] { return Fails(IoctlOnDevNull(TIOCLINUX), EPERM); }},
      {"ioctl(TCGETS) reaches the kernel", false,
       [] { return Fails(IoctlOnDevNull(TCGETS), ENOTTY); }},
      {"personality(query) works", false,
       [] { return syscall(__NR_personality, 0xffffffffUL) >= 0; }},
      {"personality(ADDR_NO_RANDOMIZE) is EPERM", true,
       [] { return Fails(syscall(__NR_personality, ADDR_NO_RANDOMIZE), EPERM); }},
      // CLONE_FS with CLONE_NEWUSER: the kernel refuses the pair (EINVAL), so unfiltered no
      // child is made; the filter looks only at the namespace bits and answers EPERM.
      {"clone(CLONE_NEWUSER) is EPERM", true,
       [] {
         return Fails(syscall(__NR_clone, CLONE_NEWUSER | CLONE_FS | SIGCHLD, 0, 0, 0, 0), EPERM);
       }},
      {"fork works", false,
       [] {
         const pid_t child = fork();
         if (child == 0) _exit(7);
         int status = 0;
         return child > 0 && waitpid(child, &status, 0) == child && WIFEXITED(status) &&
                WEXITSTATUS(status) == 7;
       }},
      {"prctl(PR_GET_SECCOMP) says filter mode", true, [] { return prctl(PR_GET_SECCOMP) == 2; }},
  };
}

// Runs `check` alone in a forked child under `filter` (none when null): "holds", "fails", or
// how the child ended otherwise.
std::string Outcome(const std::vector<sock_filter>* filter, const ConfinedCheck& check) {
  const int status = RunConfined(filter, {check.holds});
  if (status == 0) return "holds";
  if (status == 1) return "fails";
  if (status == kFilterNotLoaded) return "the filter could not be loaded";
  return status > 200 ? "killed by signal " + std::to_string(status - 200)
                      : "exit " + std::to_string(status);
}

TEST(SeccompLoadTest, DefaultProfileFromTheConfinedProcess) {
  const SeccompProgram program = MustPrepare("default", CurrentSeccompContext(0));
  for (const ConfinedCheck& check : DefaultProfileChecks()) {
    EXPECT_EQ(Outcome(&program.filter, check), "holds") << check.what;
  }
}

TEST(SeccompLoadTest, ChecksFailWithoutAFilter) {
  // Negative control: unconfined, every check the filter decides fails (the kernel answers
  // something else), and every other check still holds. Run where an outer seccomp filter
  // already denies these calls (inside a container), this fails: the checks above could not
  // tell hardinit's filter from that one there.
  for (const ConfinedCheck& check : DefaultProfileChecks()) {
    EXPECT_EQ(Outcome(nullptr, check), check.filter_decides ? "fails" : "holds") << check.what;
  }
}

TEST(SeccompLoadTest, SupervisorFilterReturnsErrnoNotDeath) {
  SeccompProgram program;
  std::string err;
  ASSERT_TRUE(PrepareSupervisorSeccomp(&program, &err)) << err;
  EXPECT_EQ(RunConfined(&program.filter,
                        {
                            [] { return syscall(__NR_getpid) > 0; },
                            [] { return Fails(syscall(__NR_getppid), EPERM); },
                            [] { return Fails(syscall(__NR_execve, "/bin/true", nullptr, nullptr), EPERM); },
                            [] { return write(-1, "", 0) == -1 && errno == EBADF; },
                        }),
            0);
}

}  // namespace
}  // namespace hardinit
