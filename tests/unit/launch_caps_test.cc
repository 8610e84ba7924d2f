// What hardinit does with the capabilities it was started with (design.md §3.2, issue 12):
// PlanCapabilities on the states a runtime hands it, without needing any of them.
#include <linux/capability.h>

#include <string>

#include <gtest/gtest.h>

#include "hardinit/launch.h"

namespace hardinit {
namespace {

constexpr int kLastCap = 40;
constexpr uint64_t kAll = (uint64_t{1} << (kLastCap + 1)) - 1;

uint64_t Bit(int cap) { return uint64_t{1} << cap; }

struct Planned {
  bool ok;
  CapabilityPlan caps;
  std::string err;
};

Planned Plan(uint64_t keep, OwnCapabilities own, uid_t target_uid = 1000) {
  Planned p;
  p.ok = PlanCapabilities(keep, own, kLastCap, target_uid, &p.caps, &p.err);
  return p;
}

TEST(PlanCapabilities, WithSetpcapEverySetIsTheAllowlist) {
  Planned p = Plan(Bit(CAP_NET_BIND_SERVICE), {kAll, kAll, true});
  ASSERT_TRUE(p.ok) << p.err;
  EXPECT_TRUE(p.caps.drop_bounding);
  EXPECT_TRUE(p.caps.lock_securebits);
  EXPECT_EQ(p.caps.bounding, Bit(CAP_NET_BIND_SERVICE));
  EXPECT_EQ(p.caps.ambient, Bit(CAP_NET_BIND_SERVICE));
  // Locked securebits: uid 0 needs the ambient set too.
  EXPECT_EQ(Plan(Bit(CAP_CHOWN), {kAll, kAll, true}, 0).caps.ambient, Bit(CAP_CHOWN));
}

// `cap_drop: [ALL]`, `cap_add: [SETUID, SETGID]`, started as root: SETUID and SETGID cannot
// leave the bounding set without SETPCAP. Fail closed, naming what and the fix.
TEST(PlanCapabilities, ARootStartWithoutSetpcapThatCannotShrinkTheBoundingSetFails) {
  const uint64_t runtime = Bit(CAP_SETUID) | Bit(CAP_SETGID);
  Planned p = Plan(0, {runtime, runtime, true});
  EXPECT_FALSE(p.ok);
  EXPECT_EQ(p.err,
            "hardinit lacks CAP_SETPCAP, so CAP_SETGID,CAP_SETUID would stay in the program's "
            "bounding set: add SETPCAP to the container (cap_add: [SETPCAP]) or drop them in "
            "the runtime (cap_drop: [SETGID, SETUID])");
  // Only what the allowlist does not keep is named.
  p = Plan(Bit(CAP_SETUID), {runtime, runtime, true});
  EXPECT_FALSE(p.ok);
  EXPECT_NE(p.err.find("so CAP_SETGID would stay"), std::string::npos) << p.err;
  // Root with no capability left at all but a bounding set that holds some: the same.
  EXPECT_FALSE(Plan(0, {0, runtime, true}).ok);
  // So does a non-root start that holds capabilities (file capabilities, ambient).
  EXPECT_FALSE(Plan(0, {Bit(CAP_NET_RAW), Bit(CAP_NET_RAW), false}).ok);
}

// Nothing to remove: the start goes on, without locked securebits (a warning says so).
TEST(PlanCapabilities, ARootStartWithoutSetpcapWithinTheAllowlistGoesOn) {
  const uint64_t runtime = Bit(CAP_NET_BIND_SERVICE);
  Planned p = Plan(runtime, {runtime, runtime, true}, 0);
  ASSERT_TRUE(p.ok) << p.err;
  EXPECT_FALSE(p.caps.drop_bounding);
  EXPECT_FALSE(p.caps.lock_securebits);
  EXPECT_EQ(p.caps.permitted, runtime);
  EXPECT_EQ(p.caps.ambient, 0u) << "uid 0 without locked securebits keeps root's exec rule";
  EXPECT_TRUE(Plan(0, {0, 0, true}, 0).ok) << "cap_drop: [ALL], as root";
}

// USER in the Dockerfile: no capabilities at all, a full bounding set that no_new_privs makes
// useless. Nothing to lose, so nothing to refuse.
TEST(PlanCapabilities, ANonRootStartWithoutCapabilitiesGoesOn) {
  Planned p = Plan(0, {0, kAll, false});
  ASSERT_TRUE(p.ok) << p.err;
  EXPECT_FALSE(p.caps.drop_bounding);
  EXPECT_FALSE(p.caps.lock_securebits);
}

TEST(PlanCapabilities, AKeptCapabilityHardinitDoesNotHoldFails) {
  Planned p = Plan(Bit(CAP_NET_RAW), {kAll & ~Bit(CAP_NET_RAW), kAll, true});
  EXPECT_FALSE(p.ok);
  EXPECT_EQ(p.err, "--cap-keep CAP_NET_RAW: hardinit does not hold it (it is not in hardinit's "
                   "permitted set; add it to the container)");
}

}  // namespace
}  // namespace hardinit
