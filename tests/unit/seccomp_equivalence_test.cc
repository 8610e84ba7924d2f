// hardinit's seccomp generator against libseccomp, input by input (design.md §3.3): for the
// built-in profiles, PID 1's rules, Docker's and containers-common's profiles and the fuzz
// corpus's small profiles, for amd64 and arm64, with no capability kept and with all of them.
// Any difference other than the intended ones (tests/common/seccomp_equivalence.h) fails.
#include "seccomp_equivalence.h"

#include <gtest/gtest.h>
#include <linux/audit.h>
#include <seccomp.h>
#include <sys/syscall.h>

#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "hardinit/builtin_profiles.h"
#include "hardinit/seccomp.h"
#include "hardinit/seccomp_compile.h"
#include "hardinit/seccomp_profile.h"

namespace hardinit {
namespace {

constexpr const char* kTargets[] = {"amd64", "arm64"};

SeccompProfile MustLoad(const std::string& path) {
  SeccompProfile profile;
  std::string err;
  EXPECT_TRUE(LoadSeccompProfileFile(path, &profile, &err)) << path << ": " << err;
  return profile;
}

SeccompContext Context(const std::string& arch, uint64_t caps) {
  SeccompContext context;
  context.arch = arch;
  context.kept_caps = caps;
  context.kernel_major = 6;
  context.kernel_minor = 18;
  return context;
}

void ExpectEquivalent(const SeccompRuleSet& rules, const std::string& what) {
  const EquivalenceResult r = CheckEquivalence(rules);
  ASSERT_TRUE(r.compiled) << what << ": " << r.error;
  ASSERT_TRUE(r.oracle_compiled) << what << ": " << r.error;
  EXPECT_EQ(r.mismatches, 0u) << what << ":\n"
                              << [&] {
                                   std::string all;
                                   for (const std::string& e : r.examples) all += "  " + e + "\n";
                                   return all;
                                 }();
  EXPECT_EQ(r.ambiguous, 0u) << what << ": inputs on which rules of different actions match";
  EXPECT_GT(r.vectors, 1000u) << what;
  std::cout << what << ": " << r.vectors << " inputs, hardinit " << r.compact.size()
            << " instructions, libseccomp " << r.oracle.size() << "\n";
}

void ExpectProfileEquivalent(const SeccompProfile& profile, const std::string& name) {
  for (const char* target : kTargets) {
    for (uint64_t caps : {uint64_t{0}, ~uint64_t{0}}) {
      ExpectEquivalent(ExpandSeccompRules(profile, Context(target, caps)),
                       name + " for " + target + (caps ? ", every capability kept" : ""));
    }
  }
}

SeccompProfile Builtin(const char* name) {
  const BuiltinSeccompProfile* builtin = FindBuiltinSeccompProfile(name);
  EXPECT_NE(builtin, nullptr) << name;
  SeccompProfile profile;
  std::string err;
  EXPECT_TRUE(
      ParseSeccompProfile(std::string_view(builtin->json, builtin->json_size), &profile, &err))
      << err;
  return profile;
}

TEST(SeccompEquivalenceTest, DefaultProfile) {
  ExpectProfileEquivalent(Builtin("default"), "default");
}

TEST(SeccompEquivalenceTest, StrictProfile) {
  ExpectProfileEquivalent(Builtin("strict"), "strict");
}

TEST(SeccompEquivalenceTest, DockersProfile) {
  ExpectProfileEquivalent(MustLoad(HARDINIT_TESTDATA_DIR "/seccomp/docker-default.json"),
                          "docker-default.json");
}

TEST(SeccompEquivalenceTest, ContainersCommonProfile) {
  ExpectProfileEquivalent(MustLoad(HARDINIT_TESTDATA_DIR "/seccomp/containers-common.json"),
                          "containers-common.json");
}

TEST(SeccompEquivalenceTest, Pid1Rules) {
  for (const char* target : kTargets) {
    ExpectEquivalent(SupervisorSeccompRules(target), std::string("PID 1's rules for ") + target);
  }
}

TEST(SeccompEquivalenceTest, FuzzCorpusProfiles) {
  size_t checked = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(HARDINIT_TESTS_DIR "/fuzz/corpus/seccomp_compile")) {
    if (entry.path().extension() != ".json") continue;
    SeccompProfile profile;
    std::string err;
    // The corpus also holds profiles the parser must refuse.
    if (!LoadSeccompProfileFile(entry.path(), &profile, &err)) continue;
    ExpectProfileEquivalent(profile, entry.path().filename());
    ++checked;
  }
  EXPECT_GE(checked, 3u);
}

// Negative control: the checker finds differences. Without the intended cut to the bits the
// kernel reads, libseccomp and hardinit disagree on Docker's profile, only on x86_64 (i386's
// and x32's arguments are 32 bits to both) and only for the calls it has conditions on.
TEST(SeccompEquivalenceTest, CheckerSeesTheHighBitsDifference) {
  const SeccompRuleSet rules = ExpandSeccompRules(
      MustLoad(HARDINIT_TESTDATA_DIR "/seccomp/docker-default.json"), Context("amd64", 0));
  EquivalenceOptions uncut;
  uncut.cut_to_arg_widths = false;
  uncut.max_examples = 1000000;
  const EquivalenceResult r = CheckEquivalence(rules, uncut);
  ASSERT_TRUE(r.compiled && r.oracle_compiled) << r.error;
  EXPECT_GT(r.mismatches, 0u);
  const std::string socket = "SCMP_ARCH_X86_64 nr 0x29 ", personality = "SCMP_ARCH_X86_64 nr 0x87 ",
                    clone = "SCMP_ARCH_X86_64 nr 0x38 ";
  for (const std::string& e : r.examples) {
    EXPECT_TRUE(e.starts_with(socket) || e.starts_with(personality) || e.starts_with(clone)) << e;
  }
  // The bypass itself: libseccomp allows AF_VSOCK and AF_ALG with a high bit set; hardinit
  // denies them, and AF_INET with a high bit set stays what AF_INET is. x86_64's socket
  // (0x29) and arch, on whatever machine compiles for amd64.
  constexpr int kAmd64Socket = 41;
  const uint64_t high = uint64_t{1} << 32;
  for (uint64_t family : {uint64_t{38}, uint64_t{40}}) {
    const seccomp_data call = Call(kAmd64Socket, {high | family, 1, 0}, AUDIT_ARCH_X86_64);
    EXPECT_EQ(RunBpf(r.oracle, call), SECCOMP_RET_ALLOW) << "libseccomp compares 64 bits";
    EXPECT_EQ(RunBpf(r.compact, call), SECCOMP_RET_ERRNO | EPERM) << family;
    EXPECT_EQ(RunBpf(r.compact, Call(kAmd64Socket, {family, 1, 0}, AUDIT_ARCH_X86_64)),
              SECCOMP_RET_ERRNO | EPERM);
  }
  EXPECT_EQ(RunBpf(r.compact, Call(kAmd64Socket, {high | 2, 1, 0}, AUDIT_ARCH_X86_64)),
            SECCOMP_RET_ALLOW);
  EXPECT_EQ(RunBpf(r.oracle, Call(kAmd64Socket, {high | 2, 1, 0}, AUDIT_ARCH_X86_64)),
            SECCOMP_RET_ALLOW);
}

}  // namespace
}  // namespace hardinit
