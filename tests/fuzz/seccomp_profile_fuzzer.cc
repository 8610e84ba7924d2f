// libFuzzer target: the Docker/OCI seccomp profile loader (JSON → profile → rules).
//
// A profile given with --seccomp is parsed by PID 1 while it is still root, so the parser
// must survive any text. Accepted profiles are expanded for a few contexts (no capability
// and every capability, amd64 and arm64, an old and a new kernel) as launch.cc does, and the
// rule sets checked for what the compiler relies on.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_input.h"
#include "hardinit/seccomp_profile.h"

namespace hardinit::fuzz {
namespace {

void CheckRules(const SeccompRuleSet& rules) {
  for (const SeccompRule& rule : rules.rules) {
    FUZZ_CHECK(!rule.name.empty());
    FUZZ_CHECK(rule.action != rules.default_action);  // dropped as the default
    FUZZ_CHECK(rule.conditions.size() <= 6);
    unsigned int seen = 0;
    for (const SeccompArgCondition& c : rule.conditions) {
      FUZZ_CHECK(c.index < 6);
      FUZZ_CHECK((seen & (1U << c.index)) == 0);  // at most one condition per argument
      seen |= 1U << c.index;
    }
  }
}

}  // namespace
}  // namespace hardinit::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace hardinit;
  if (size > kMaxSeccompProfileBytes) return 0;  // refused before parsing
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  SeccompProfile profile;
  std::string err;
  if (!ParseSeccompProfile(text, &profile, &err)) {
    FUZZ_CHECK(!err.empty());
    return 0;
  }
  for (const char* arch : {"amd64", "arm64"}) {
    for (uint64_t caps : {uint64_t{0}, ~uint64_t{0} >> 23}) {
      for (auto [major, minor] : {std::pair{4, 14}, std::pair{6, 18}}) {
        SeccompContext context;
        context.kept_caps = caps;
        context.arch = arch;
        context.kernel_major = major;
        context.kernel_minor = minor;
        fuzz::CheckRules(ExpandSeccompRules(profile, context));
      }
    }
  }
  ProfileAssumptions(profile);
  return 0;
}
