// Parsing Docker/OCI seccomp profiles: the two real-world profiles load unchanged, and every
// bad input fails with the JSON path of the value that is wrong.
#include <errno.h>
#include <gtest/gtest.h>
#include <seccomp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "hardinit/seccomp.h"
#include "hardinit/seccomp_profile.h"
#include "temp_dir_test.h"

namespace hardinit {
namespace {

const std::string kTestdata = HARDINIT_TESTDATA_DIR "/seccomp/";

// The error of parsing `json`, or "" when it parses.
std::string ParseError(const std::string& json) {
  SeccompProfile profile;
  std::string err;
  return ParseSeccompProfile(json, &profile, &err) ? "" : err;
}

SeccompProfile MustParse(const std::string& json) {
  SeccompProfile profile;
  std::string err;
  EXPECT_TRUE(ParseSeccompProfile(json, &profile, &err)) << err;
  return profile;
}

// A profile whose single rule is `rule` (a JSON object body without braces).
std::string WithRule(const std::string& rule) {
  return R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], )" + rule + "}]}";
}

TEST(SeccompProfileTest, DockerDefaultLoadsUnchanged) {
  SeccompProfile profile;
  std::string err;
  ASSERT_TRUE(LoadSeccompProfileFile(kTestdata + "docker-default.json", &profile, &err)) << err;
  EXPECT_EQ(profile.default_action, SCMP_ACT_ERRNO(EPERM));
  EXPECT_TRUE(profile.architectures.empty());
  ASSERT_EQ(profile.arch_map.size(), 9u);
  EXPECT_EQ(profile.arch_map[0].architecture, "SCMP_ARCH_X86_64");
  EXPECT_EQ(profile.arch_map[0].sub_architectures,
            (std::vector<std::string>{"SCMP_ARCH_X86", "SCMP_ARCH_X32"}));
  EXPECT_TRUE(profile.arch_map[7].sub_architectures.empty());  // "subArchitectures": null
  ASSERT_EQ(profile.syscalls.size(), 33u);
  EXPECT_EQ(profile.syscalls[18].names, std::vector<std::string>{"clone"});
  ASSERT_EQ(profile.syscalls[18].args.size(), 1u);
  EXPECT_EQ(profile.syscalls[18].args[0],
            (SeccompArgCondition{0, 0x7E020000, 0, SCMP_CMP_MASKED_EQ}));
  EXPECT_EQ(profile.syscalls[20].action, SCMP_ACT_ERRNO(ENOSYS));
  EXPECT_TRUE(profile.syscalls[1].includes.has_min_kernel);
  EXPECT_EQ(profile.syscalls[1].includes.min_kernel_major, 4);
  EXPECT_EQ(profile.syscalls[1].includes.min_kernel_minor, 8);
}

TEST(SeccompProfileTest, ContainersCommonLoadsUnchanged) {
  SeccompProfile profile;
  std::string err;
  ASSERT_TRUE(LoadSeccompProfileFile(kTestdata + "containers-common.json", &profile, &err)) << err;
  // defaultErrnoRet 38 and defaultErrno "ENOSYS" agree.
  EXPECT_EQ(profile.default_action, SCMP_ACT_ERRNO(ENOSYS));
  EXPECT_EQ(profile.syscalls[0].action, SCMP_ACT_ERRNO(EPERM));  // errnoRet 1 + errno "EPERM"
  EXPECT_EQ(profile.syscalls[31].action, SCMP_ACT_ERRNO(EINVAL));
  EXPECT_EQ(profile.syscalls[31].excludes.caps, std::vector<std::string>{"CAP_AUDIT_WRITE"});
}

TEST(SeccompProfileTest, EveryActionAndOperator) {
  const SeccompProfile profile = MustParse(R"({
    "defaultAction": "SCMP_ACT_KILL_PROCESS",
    "syscalls": [
      {"names": ["a"], "action": "SCMP_ACT_ALLOW"},
      {"names": ["b"], "action": "SCMP_ACT_ERRNO"},
      {"names": ["c"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38},
      {"names": ["d"], "action": "SCMP_ACT_KILL"},
      {"names": ["e"], "action": "SCMP_ACT_KILL_THREAD"},
      {"names": ["f"], "action": "SCMP_ACT_TRAP"},
      {"names": ["g"], "action": "SCMP_ACT_TRACE", "errnoRet": 4242},
      {"names": ["h"], "action": "SCMP_ACT_LOG"},
      {"names": ["i"], "action": "SCMP_ACT_ERRNO", "errno": "EACCES"},
      {"names": ["j"], "action": "SCMP_ACT_ALLOW", "args": [
        {"index": 0, "value": 1, "op": "SCMP_CMP_NE"},
        {"index": 1, "value": 2, "op": "SCMP_CMP_LT"},
        {"index": 2, "value": 3, "op": "SCMP_CMP_LE"},
        {"index": 3, "value": 4, "op": "SCMP_CMP_EQ"},
        {"index": 4, "value": 5, "op": "SCMP_CMP_GE"},
        {"index": 5, "value": 18446744073709551615, "op": "SCMP_CMP_GT"},
        {"index": 1, "value": 4294967295, "valueTwo": 21522, "op": "SCMP_CMP_MASKED_EQ"}]}
    ]})");
  EXPECT_EQ(profile.default_action, SCMP_ACT_KILL_PROCESS);
  const std::vector<uint32_t> expected = {
      SCMP_ACT_ALLOW, SCMP_ACT_ERRNO(EPERM), SCMP_ACT_ERRNO(ENOSYS), SCMP_ACT_KILL_THREAD,
      SCMP_ACT_KILL_THREAD, SCMP_ACT_TRAP, SCMP_ACT_TRACE(4242), SCMP_ACT_LOG,
      SCMP_ACT_ERRNO(EACCES), SCMP_ACT_ALLOW};
  for (size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(profile.syscalls[i].action, expected[i]) << i;
  const auto& args = profile.syscalls[9].args;
  ASSERT_EQ(args.size(), 7u);
  const int ops[] = {SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE, SCMP_CMP_EQ,
                     SCMP_CMP_GE, SCMP_CMP_GT, SCMP_CMP_MASKED_EQ};
  for (size_t i = 0; i < args.size(); ++i) EXPECT_EQ(args[i].op, ops[i]) << i;
  EXPECT_EQ(args[5].value, UINT64_MAX);
  // MASKED_EQ: value is the mask, valueTwo the datum.
  EXPECT_EQ(args[6], (SeccompArgCondition{1, 0xffffffff, 0x5412, SCMP_CMP_MASKED_EQ}));
}

TEST(SeccompProfileTest, LegacyNameFlagsAndNulls) {
  const SeccompProfile profile = MustParse(R"({
    "defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": null,
    "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_LOONGARCH64"],
    "flags": ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
              "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"],
    "listenerPath": "",
    "syscalls": [{"name": "getpid", "action": "SCMP_ACT_ALLOW", "args": null,
                  "includes": {}, "excludes": {"caps": null}, "comment": "legacy"}]})");
  EXPECT_EQ(profile.default_action, SCMP_ACT_ERRNO(EPERM));
  EXPECT_EQ(profile.flags, (1u << 1) | (1u << 2));  // LOG | SPEC_ALLOW
  EXPECT_EQ(profile.ignored_flags.size(), 2u);
  EXPECT_EQ(profile.syscalls[0].names, std::vector<std::string>{"getpid"});
  EXPECT_TRUE(profile.syscalls[0].args.empty());
}

struct BadInput {
  const char* json;
  const char* error;
};

class SeccompProfileBadInputTest : public ::testing::TestWithParam<BadInput> {};

TEST_P(SeccompProfileBadInputTest, FailsWithPathAndReason) {
  EXPECT_EQ(ParseError(GetParam().json), GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
    Top, SeccompProfileBadInputTest,
    ::testing::Values(
        BadInput{"[]", "profile: expected an object, got an array"},
        BadInput{"{}", "defaultAction: missing"},
        BadInput{R"({"defaultAction": 1})", "defaultAction: expected a string, got a number"},
        BadInput{R"({"defaultAction": "SCMP_ACT_FOO"})",
                 "defaultAction: unknown action \"SCMP_ACT_FOO\""},
        BadInput{R"({"defaultAction": "SCMP_ACT_NOTIFY"})",
                 "defaultAction: SCMP_ACT_NOTIFY is not supported (hardinit has no seccomp "
                 "listener)"},
        BadInput{R"({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": -1})",
                 "defaultErrnoRet: expected a non-negative integer, got a negative number"},
        BadInput{R"({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1.5})",
                 "defaultErrnoRet: expected a non-negative integer, got a fractional number"},
        BadInput{R"({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 5000})",
                 "defaultErrnoRet: 5000 is out of range (max 4095)"},
        BadInput{R"({"defaultAction": "SCMP_ACT_ALLOW", "defaultErrnoRet": 1})",
                 "defaultErrnoRet: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take an errno, not "
                 "SCMP_ACT_ALLOW"},
        BadInput{R"({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrno": "EFOO"})",
                 "defaultErrno: unknown errno \"EFOO\""},
        BadInput{R"({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38, "defaultErrno": "EPERM"})",
                 "defaultErrno: \"EPERM\" contradicts defaultErrnoRet 38"},
        BadInput{R"({"defaultAction": "SCMP_ACT_ERRNO", "defaultActon": "x"})",
                 "defaultActon: unknown field"},
        BadInput{R"({"defaultAction": "SCMP_ACT_ERRNO", "listenerPath": "/run/l.sock"})",
                 "listenerPath: seccomp user notification (SCMP_ACT_NOTIFY and its listener) is "
                 "not supported"},
        BadInput{R"({"defaultAction": "SCMP_ACT_ERRNO", "architectures": "SCMP_ARCH_X86"})",
                 "architectures: expected an array, got a string"},
        BadInput{R"({"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86", "SCMP_ARCH_FOO"]})",
                 "architectures[1]: unknown architecture \"SCMP_ARCH_FOO\""},
        BadInput{R"({"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86"], "archMap": []})",
                 "archMap: both architectures and archMap are given; use one (as Docker)"},
        BadInput{R"({"defaultAction": "SCMP_ACT_ERRNO", "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["x86"]}]})",
                 "archMap[0].subArchitectures[0]: unknown architecture \"x86\""},
        BadInput{R"({"defaultAction": "SCMP_ACT_ERRNO", "archMap": [{"subArchitectures": []}]})",
                 "archMap[0].architecture: missing"},
        BadInput{R"({"defaultAction": "SCMP_ACT_ERRNO", "archMap": [{"architecture": "SCMP_ARCH_X86_64", "sub": []}]})",
                 "archMap[0].sub: unknown field"},
        BadInput{R"({"defaultAction": "SCMP_ACT_ERRNO", "flags": ["SECCOMP_FILTER_FLAG_NEW_LISTENER"]})",
                 "flags[0]: unknown flag \"SECCOMP_FILTER_FLAG_NEW_LISTENER\""},
        BadInput{R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": {}})",
                 "syscalls: expected an array, got an object"},
        BadInput{R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": ["read"]})",
                 "syscalls[0]: expected an object, got a string"}));

INSTANTIATE_TEST_SUITE_P(
    Rule, SeccompProfileBadInputTest,
    ::testing::Values(
        BadInput{R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"action": "SCMP_ACT_ALLOW"}]})",
                 "syscalls[0].names: missing or empty"},
        BadInput{R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": [], "action": "SCMP_ACT_ALLOW"}]})",
                 "syscalls[0].names: missing or empty"},
        BadInput{R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read", 3], "action": "SCMP_ACT_ALLOW"}]})",
                 "syscalls[0].names[1]: expected a string, got a number"},
        BadInput{R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read", ""], "action": "SCMP_ACT_ALLOW"}]})",
                 "syscalls[0].names[1]: empty"},
        BadInput{R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "name": "write", "action": "SCMP_ACT_ALLOW"}]})",
                 "syscalls[0].name: both name and names are given; use one (as Docker)"},
        BadInput{R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"]}]})",
                 "syscalls[0].action: missing"},
        BadInput{R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "errnoRet": 1}]})",
                 "syscalls[0].errnoRet: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take an errno, not "
                 "SCMP_ACT_ALLOW"},
        BadInput{R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO", "errno": 1}]})",
                 "syscalls[0].errno: expected a string, got a number"},
        BadInput{R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "comment": 7}]})",
                 "syscalls[0].comment: expected a string, got a number"},
        BadInput{R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "exclude": {}}]})",
                 "syscalls[0].exclude: unknown field"},
        BadInput{R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_NOTIFY"}]})",
                 "syscalls[0].action: SCMP_ACT_NOTIFY is not supported (hardinit has no seccomp "
                 "listener)"}));

INSTANTIATE_TEST_SUITE_P(
    Args, SeccompProfileBadInputTest,
    ::testing::Values(
        BadInput{R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": {}}]})",
                 "syscalls[0].args: expected an array, got an object"},
        BadInput{R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 6, "value": 1, "op": "SCMP_CMP_EQ"}]}]})",
                 "syscalls[0].args[0].index: 6 is out of range (max 5)"},
        BadInput{R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": "1", "op": "SCMP_CMP_EQ"}]}]})",
                 "syscalls[0].args[0].value: expected a non-negative integer, got a string"},
        BadInput{R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": -2, "op": "SCMP_CMP_EQ"}]}]})",
                 "syscalls[0].args[0].value: expected a non-negative integer, got a negative number"},
        BadInput{R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1, "valueTwo": 0.5, "op": "SCMP_CMP_MASKED_EQ"}]}]})",
                 "syscalls[0].args[0].valueTwo: expected a non-negative integer, got a fractional number"},
        BadInput{R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1}]}]})",
                 "syscalls[0].args[0].op: missing"},
        BadInput{R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"value": 1, "op": "SCMP_CMP_EQ"}]}]})",
                 "syscalls[0].args[0].index: missing"},
        BadInput{R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ", "mask": 1}]}]})",
                 "syscalls[0].args[0].mask: unknown field"}));

INSTANTIATE_TEST_SUITE_P(
    Conditions, SeccompProfileBadInputTest,
    ::testing::Values(
        BadInput{R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "includes": []}]})",
                 "syscalls[0].includes: expected an object, got an array"},
        BadInput{R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "includes": {"cap": ["CAP_SYS_ADMIN"]}}]})",
                 "syscalls[0].includes.cap: unknown field"},
        BadInput{R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": "CAP_SYS_ADMIN"}}]})",
                 "syscalls[0].includes.caps: expected an array, got a string"},
        BadInput{R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "excludes": {"arches": ["amd64", "vax"]}}]})",
                 "syscalls[0].excludes.arches[1]: unknown architecture \"vax\""},
        BadInput{R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "4"}}]})",
                 "syscalls[0].includes.minKernel: expected \"MAJOR.MINOR\", got \"4\""},
        BadInput{R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "4.8.1"}}]})",
                 "syscalls[0].includes.minKernel: expected \"MAJOR.MINOR\", got \"4.8.1\""},
        BadInput{R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": 4.8}}]})",
                 "syscalls[0].includes.minKernel: expected a string, got a fractional number"}));

TEST(SeccompProfileTest, ErrorNamesTheIndexOfTheOffendingRule) {
  const std::string ok = R"({"names": ["read"], "action": "SCMP_ACT_ALLOW"})";
  EXPECT_EQ(ParseError(R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [)" + ok + "," + ok +
                       "," + ok + R"(, {"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [
                       {"index": 0, "value": 1, "op": "SCMP_CMP_FOO"}]}]})"),
            "syscalls[3].args[0].op: unknown operator \"SCMP_CMP_FOO\"");
  EXPECT_EQ(ParseError(WithRule(R"("action": "SCMP_ACT_ERRNO", "errnoRet": 70000)")),
            "syscalls[0].errnoRet: 70000 is out of range (max 4095)");
}

TEST(SeccompProfileTest, MalformedJson) {
  const std::string err = ParseError(R"({"defaultAction": )");
  EXPECT_EQ(err.rfind("invalid JSON: parse error at line 1, column 19", 0), 0u) << err;
}

using SeccompProfileFileTest = TempDirTest;

TEST_F(SeccompProfileFileTest, RefusesFilesOverOneMebibyte) {
  // Valid JSON, padded with spaces past the limit: refused for its size, not its content.
  const std::string path =
      Write("big.json", R"({"defaultAction": "SCMP_ACT_ALLOW"})" + std::string(1 << 20, ' '));
  SeccompProfile profile;
  std::string err;
  EXPECT_FALSE(LoadSeccompProfileFile(path, &profile, &err));
  EXPECT_EQ(err, "file is larger than 1048576 bytes");
  // Negative control: just under the limit loads.
  const std::string fits = Write(
      "fits.json", R"({"defaultAction": "SCMP_ACT_ALLOW"})" + std::string((1 << 20) - 40, ' '));
  EXPECT_TRUE(LoadSeccompProfileFile(fits, &profile, &err)) << err;
}

TEST_F(SeccompProfileFileTest, UnreadableFiles) {
  SeccompProfile profile;
  std::string err;
  EXPECT_FALSE(LoadSeccompProfileFile(dir_ + "/missing.json", &profile, &err));
  EXPECT_EQ(err, "open: No such file or directory");
  EXPECT_FALSE(LoadSeccompProfileFile(dir_, &profile, &err));
  EXPECT_EQ(err, "not a regular file");
  // A FIFO is refused without blocking in open(): nothing ever writes to this one.
  const std::string fifo = dir_ + "/fifo.json";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_FALSE(LoadSeccompProfileFile(fifo, &profile, &err));
  EXPECT_EQ(err, "not a regular file");
}

TEST_F(SeccompProfileFileTest, PrepareSeccompPrefixesTheOption) {
  const std::string path = Write("x.json", WithRule(R"("action": "SCMP_ACT_ALLOW", "args": [
      {"index": 0, "value": 1, "op": "SCMP_CMP_FOO"}])"));
  SeccompProgram program;
  std::string err;
  EXPECT_FALSE(PrepareSeccomp(path, CurrentSeccompContext(0), &program, &err));
  EXPECT_EQ(err, "--seccomp " + path + ": syscalls[0].args[0].op: unknown operator \"SCMP_CMP_FOO\"");
}

TEST(SeccompCapabilityNumberTest, AcceptsDockerAndBareNames) {
  EXPECT_EQ(SeccompCapabilityNumber("CAP_SYS_ADMIN"), 21);
  EXPECT_EQ(SeccompCapabilityNumber("sys_admin"), 21);
  EXPECT_EQ(SeccompCapabilityNumber("CAP_CHECKPOINT_RESTORE"), 40);
  EXPECT_EQ(SeccompCapabilityNumber("CAP_CHOWN"), 0);
  EXPECT_EQ(SeccompCapabilityNumber("CAP_FLY"), -1);
}

}  // namespace
}  // namespace hardinit
