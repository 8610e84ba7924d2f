// Rule expansion, checked on the rule list alone: no libseccomp, no kernel.
#include <errno.h>
#include <gtest/gtest.h>
#include <seccomp.h>

#include <algorithm>
#include <string>

#include "hardinit/seccomp_profile.h"

namespace hardinit {
namespace {

constexpr uint64_t kCapSysAdmin = uint64_t{1} << 21;
constexpr uint64_t kCapSysPtrace = uint64_t{1} << 19;
constexpr uint64_t kCapNetAdmin = uint64_t{1} << 12;

SeccompProfile MustParse(const std::string& json) {
  SeccompProfile profile;
  std::string err;
  EXPECT_TRUE(ParseSeccompProfile(json, &profile, &err)) << err;
  return profile;
}

SeccompProfile MustLoad(const std::string& name) {
  SeccompProfile profile;
  std::string err;
  EXPECT_TRUE(LoadSeccompProfileFile(HARDINIT_TESTDATA_DIR "/seccomp/" + name, &profile, &err))
      << err;
  return profile;
}

SeccompContext Context(uint64_t caps = 0, std::string arch = "amd64", int major = 6,
                       int minor = 1) {
  SeccompContext context;
  context.kept_caps = caps;
  context.arch = std::move(arch);
  context.kernel_major = major;
  context.kernel_minor = minor;
  return context;
}

std::vector<std::string> Names(const SeccompRuleSet& set) {
  std::vector<std::string> names;
  for (const SeccompRule& rule : set.rules) names.push_back(rule.name);
  return names;
}

std::vector<const SeccompRule*> RulesFor(const SeccompRuleSet& set, const std::string& name) {
  std::vector<const SeccompRule*> found;
  for (const SeccompRule& rule : set.rules) {
    if (rule.name == name) found.push_back(&rule);
  }
  return found;
}

// One rule per entry, named after what its condition is, so the surviving names say which
// conditions held.
const char* kConditionalProfile = R"({
  "defaultAction": "SCMP_ACT_ERRNO",
  "syscalls": [
    {"names": ["plain"], "action": "SCMP_ACT_ALLOW"},
    {"names": ["inc_admin"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}},
    {"names": ["inc_admin_and_ptrace"], "action": "SCMP_ACT_ALLOW",
     "includes": {"caps": ["CAP_SYS_ADMIN", "CAP_SYS_PTRACE"]}},
    {"names": ["exc_admin_or_ptrace"], "action": "SCMP_ACT_ALLOW",
     "excludes": {"caps": ["CAP_SYS_ADMIN", "CAP_SYS_PTRACE"]}},
    {"names": ["inc_amd64"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["amd64", "x32"]}},
    {"names": ["inc_arm"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["arm", "arm64"]}},
    {"names": ["exc_amd64"], "action": "SCMP_ACT_ALLOW", "excludes": {"arches": ["amd64"]}},
    {"names": ["inc_kernel_4_8"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "4.8"}},
    {"names": ["exc_kernel_5_10"], "action": "SCMP_ACT_ALLOW", "excludes": {"minKernel": "5.10"}},
    {"names": ["inc_unknown_cap"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_FLY"]}},
    {"names": ["exc_unknown_cap"], "action": "SCMP_ACT_ALLOW", "excludes": {"caps": ["CAP_FLY"]}}
  ]})";

TEST(SeccompRulesTest, IncludesNeedAllCapsExcludesDropOnAny) {
  const SeccompProfile profile = MustParse(kConditionalProfile);
  const std::vector<std::string> none = {"plain", "exc_admin_or_ptrace", "inc_amd64",
                                         "inc_kernel_4_8", "exc_kernel_5_10", "exc_unknown_cap"};
  EXPECT_EQ(Names(ExpandSeccompRules(profile, Context(0, "amd64", 4, 9))), none);
  // An unrelated cap changes nothing (negative control).
  EXPECT_EQ(Names(ExpandSeccompRules(profile, Context(kCapNetAdmin, "amd64", 4, 9))), none);
  EXPECT_EQ(Names(ExpandSeccompRules(profile, Context(kCapSysAdmin, "amd64", 4, 9))),
            (std::vector<std::string>{"plain", "inc_admin", "inc_amd64", "inc_kernel_4_8",
                                      "exc_kernel_5_10", "exc_unknown_cap"}));
  EXPECT_EQ(Names(ExpandSeccompRules(profile, Context(kCapSysPtrace, "amd64", 4, 9))),
            (std::vector<std::string>{"plain", "inc_amd64", "inc_kernel_4_8", "exc_kernel_5_10",
                                      "exc_unknown_cap"}));
  EXPECT_EQ(Names(ExpandSeccompRules(profile,
                                     Context(kCapSysAdmin | kCapSysPtrace, "amd64", 4, 9))),
            (std::vector<std::string>{"plain", "inc_admin", "inc_admin_and_ptrace", "inc_amd64",
                                      "inc_kernel_4_8", "exc_kernel_5_10", "exc_unknown_cap"}));
}

TEST(SeccompRulesTest, ArchesAndMinKernel) {
  const SeccompProfile profile = MustParse(kConditionalProfile);
  EXPECT_EQ(Names(ExpandSeccompRules(profile, Context(0, "arm64", 4, 7))),
            (std::vector<std::string>{"plain", "exc_admin_or_ptrace", "inc_arm", "exc_amd64",
                                      "exc_kernel_5_10", "exc_unknown_cap"}));
  // minKernel compares major.minor: 5.10 >= 5.10 drops the excludes rule, 5.9 does not.
  const auto at_5_10 = Names(ExpandSeccompRules(profile, Context(0, "amd64", 5, 10)));
  EXPECT_EQ(std::count(at_5_10.begin(), at_5_10.end(), "exc_kernel_5_10"), 0);
  const auto at_5_9 = Names(ExpandSeccompRules(profile, Context(0, "amd64", 5, 9)));
  EXPECT_EQ(std::count(at_5_9.begin(), at_5_9.end(), "exc_kernel_5_10"), 1);
  const auto at_4_8 = Names(ExpandSeccompRules(profile, Context(0, "amd64", 4, 8)));
  EXPECT_EQ(std::count(at_4_8.begin(), at_4_8.end(), "inc_kernel_4_8"), 1);
  const auto at_4_7 = Names(ExpandSeccompRules(profile, Context(0, "amd64", 4, 7)));
  EXPECT_EQ(std::count(at_4_7.begin(), at_4_7.end(), "inc_kernel_4_8"), 0);
}

TEST(SeccompRulesTest, SameArgumentConditionsAreOredOthersAnded) {
  const SeccompProfile profile = MustParse(R"({
    "defaultAction": "SCMP_ACT_ERRNO",
    "syscalls": [
      {"names": ["and"], "action": "SCMP_ACT_ALLOW", "args": [
        {"index": 0, "value": 16, "op": "SCMP_CMP_EQ"},
        {"index": 2, "value": 9, "op": "SCMP_CMP_EQ"}]},
      {"names": ["or", "or2"], "action": "SCMP_ACT_ALLOW", "args": [
        {"index": 0, "value": 1, "op": "SCMP_CMP_EQ"},
        {"index": 0, "value": 2, "op": "SCMP_CMP_EQ"},
        {"index": 1, "value": 3, "op": "SCMP_CMP_EQ"}]}
    ]})");
  const SeccompRuleSet set = ExpandSeccompRules(profile, Context());
  const SeccompArgCondition a0_16{0, 16, 0, SCMP_CMP_EQ}, a2_9{2, 9, 0, SCMP_CMP_EQ};
  const SeccompArgCondition a0_1{0, 1, 0, SCMP_CMP_EQ}, a0_2{0, 2, 0, SCMP_CMP_EQ},
      a1_3{1, 3, 0, SCMP_CMP_EQ};
  const std::vector<SeccompRule> expected = {
      {"and", SCMP_ACT_ALLOW, {a0_16, a2_9}},
      // runc and crun: once an index repeats, every condition is a rule of its own.
      {"or", SCMP_ACT_ALLOW, {a0_1}}, {"or", SCMP_ACT_ALLOW, {a0_2}}, {"or", SCMP_ACT_ALLOW, {a1_3}},
      {"or2", SCMP_ACT_ALLOW, {a0_1}}, {"or2", SCMP_ACT_ALLOW, {a0_2}}, {"or2", SCMP_ACT_ALLOW, {a1_3}},
  };
  EXPECT_EQ(set.rules, expected);
}

TEST(SeccompRulesTest, RulesWithTheDefaultActionAreDropped) {
  const SeccompProfile profile = MustParse(R"({
    "defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1,
    "syscalls": [
      {"names": ["a", "b"], "action": "SCMP_ACT_ERRNO"},
      {"names": ["c"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1},
      {"names": ["d"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38},
      {"names": ["e"], "action": "SCMP_ACT_ALLOW"}
    ]})");
  const SeccompRuleSet set = ExpandSeccompRules(profile, Context());
  EXPECT_EQ(Names(set), (std::vector<std::string>{"d", "e"}));
  EXPECT_EQ(set.dropped_as_default, 3u);
  // Dropped or not, every name counts as known to the profile (the ENOSYS boundary).
  EXPECT_EQ(set.known_names, (std::vector<std::string>{"a", "b", "c", "d", "e"}));
}

TEST(SeccompRulesTest, KnownNamesIncludeRulesExcludedByConditions) {
  const SeccompRuleSet set = ExpandSeccompRules(MustParse(kConditionalProfile), Context());
  // Every name of the profile, whether its entry's conditions held or not ...
  EXPECT_EQ(
      set.known_names,
      (std::vector<std::string>{"plain", "inc_admin", "inc_admin_and_ptrace", "exc_admin_or_ptrace",
                                "inc_amd64", "inc_arm", "exc_amd64", "inc_kernel_4_8",
                                "exc_kernel_5_10", "inc_unknown_cap", "exc_unknown_cap"}));
  // ... while the rules are only those whose conditions held on amd64, kernel 6.1, no caps.
  EXPECT_EQ(Names(set), (std::vector<std::string>{"plain", "exc_admin_or_ptrace", "inc_amd64",
                                                  "inc_kernel_4_8", "exc_unknown_cap"}));
}

TEST(SeccompRulesTest, ArchMapExpandsOnlyTheMachinesEntry) {
  const SeccompProfile profile = MustLoad("docker-default.json");
  EXPECT_EQ(ExpandSeccompRules(profile, Context()).architectures,
            (std::vector<std::string>{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"}));
  EXPECT_EQ(ExpandSeccompRules(profile, Context(0, "arm64")).architectures,
            (std::vector<std::string>{"SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"}));
  EXPECT_EQ(ExpandSeccompRules(profile, Context(0, "riscv64")).architectures,
            (std::vector<std::string>{"SCMP_ARCH_RISCV64"}));
  EXPECT_TRUE(ExpandSeccompRules(profile, Context(0, "ppc64le")).architectures.empty());
  // `architectures` is taken as written.
  const SeccompProfile explicit_arches = MustParse(
      R"({"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"]})");
  EXPECT_EQ(ExpandSeccompRules(explicit_arches, Context(0, "arm64")).architectures,
            std::vector<std::string>{"SCMP_ARCH_X86_64"});
}

TEST(SeccompRulesTest, DockerDefaultFollowsCapabilitiesAndKernel) {
  const SeccompProfile profile = MustLoad("docker-default.json");
  const SeccompRuleSet base = ExpandSeccompRules(profile, Context());
  // Without CAP_SYS_ADMIN: clone only without namespace flags, clone3 ENOSYS, no mount.
  ASSERT_EQ(RulesFor(base, "clone").size(), 1u);
  EXPECT_EQ(RulesFor(base, "clone")[0]->conditions,
            (std::vector<SeccompArgCondition>{{0, 0x7E020000, 0, SCMP_CMP_MASKED_EQ}}));
  ASSERT_EQ(RulesFor(base, "clone3").size(), 1u);
  EXPECT_EQ(RulesFor(base, "clone3")[0]->action, SCMP_ACT_ERRNO(ENOSYS));
  EXPECT_TRUE(RulesFor(base, "mount").empty());
  EXPECT_TRUE(RulesFor(base, "keyctl").empty());
  EXPECT_EQ(RulesFor(base, "ptrace").size(), 1u);  // kernel >= 4.8
  EXPECT_EQ(RulesFor(base, "personality").size(), 5u);
  EXPECT_EQ(RulesFor(base, "socket").size(), 3u);

  const SeccompRuleSet admin = ExpandSeccompRules(profile, Context(kCapSysAdmin));
  ASSERT_EQ(RulesFor(admin, "clone").size(), 1u);
  EXPECT_TRUE(RulesFor(admin, "clone")[0]->conditions.empty());
  ASSERT_EQ(RulesFor(admin, "clone3").size(), 1u);
  EXPECT_EQ(RulesFor(admin, "clone3")[0]->action, SCMP_ACT_ALLOW);
  EXPECT_EQ(RulesFor(admin, "mount").size(), 1u);

  EXPECT_TRUE(RulesFor(ExpandSeccompRules(profile, Context(0, "amd64", 4, 4)), "ptrace").empty());
  EXPECT_EQ(RulesFor(ExpandSeccompRules(profile, Context(kCapSysPtrace, "amd64", 4, 4)), "ptrace")
                .size(),
            1u);
}

TEST(SeccompRulesTest, ContainersCommonAuditSocketRules) {
  const SeccompProfile profile = MustLoad("containers-common.json");
  const SeccompRuleSet set = ExpandSeccompRules(profile, Context());
  // Rule 31 ANDs two different arguments (AF_NETLINK and NETLINK_AUDIT) into one EINVAL rule.
  bool found = false;
  for (const SeccompRule* rule : RulesFor(set, "socket")) {
    if (rule->action == SCMP_ACT_ERRNO(EINVAL)) {
      found = true;
      EXPECT_EQ(rule->conditions.size(), 2u);
    }
  }
  EXPECT_TRUE(found);
}

TEST(SeccompRulesTest, AssumptionsOfDockerDefault) {
  const SeccompProfileAssumptions a = ProfileAssumptions(MustLoad("docker-default.json"));
  EXPECT_EQ(a.min_kernel_major, 4);
  EXPECT_EQ(a.min_kernel_minor, 8);
  EXPECT_TRUE(a.caps_mentioned & kCapSysAdmin);
  EXPECT_TRUE(a.caps_mentioned & kCapSysPtrace);
  EXPECT_FALSE(a.caps_mentioned & kCapNetAdmin);
  EXPECT_FALSE(a.caps_mentioned & (uint64_t{1} << 10));  // NET_BIND_SERVICE
}

TEST(SeccompRulesTest, SupervisorRulesNeverKill) {
  const SeccompRuleSet set = SupervisorSeccompRules("amd64");
  EXPECT_EQ(set.default_action, SCMP_ACT_ERRNO(EPERM));
  EXPECT_EQ(set.bad_arch_action, SCMP_ACT_ERRNO(EPERM));
  for (const SeccompRule& rule : set.rules) EXPECT_EQ(rule.action, SCMP_ACT_ALLOW) << rule.name;
  EXPECT_FALSE(RulesFor(set, "wait4").empty());
  EXPECT_TRUE(RulesFor(set, "execve").empty());
}

}  // namespace
}  // namespace hardinit
