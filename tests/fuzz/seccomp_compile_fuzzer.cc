// libFuzzer target: a profile all the way to BPF (parse, expand for this machine, compile
// with hardinit's generator), plus the raw-BPF decoder used for precompiled .bpf profiles.
//
// Slower than seccomp_profile_fuzzer (each input is compiled by the generator and twice by
// libseccomp, and both programs run on every call number), so it gets the inputs that parse.
// Invariants: whatever the generator returns passes the validation the kernel applies, or is
// an error with a reason, never a filter the kernel would refuse after the fork; and its
// program answers as libseccomp's does for the same rules, input by input, with the
// intended differences only (tests/common/seccomp_equivalence.h).
#include <cstddef>
#include <cstdio>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_input.h"
#include "seccomp_equivalence.h"
#include "hardinit/seccomp.h"
#include "hardinit/seccomp_compile.h"
#include "hardinit/seccomp_profile.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace hardinit;
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  // Precompiled profiles: any bytes, decoded and validated.
  std::vector<sock_filter> decoded;
  std::string err;
  if (DecodeSeccompBpf(text, &decoded, &err)) {
    std::string why;
    if (ValidateSeccompBpf(decoded, &why)) FUZZ_CHECK(EncodeSeccompBpf(decoded) == text);
  } else {
    FUZZ_CHECK(!err.empty());
  }

  if (size > kMaxSeccompProfileBytes) return 0;
  SeccompProfile profile;
  if (!ParseSeccompProfile(text, &profile, &err)) return 0;
  const SeccompRuleSet rules = ExpandSeccompRules(profile, CurrentSeccompContext(0));
  std::vector<sock_filter> filter;
  SeccompCompileReport report;
  err.clear();
  if (!CompileSeccompRules(rules, &filter, &report, &err)) {
    FUZZ_CHECK(!err.empty());
    return 0;
  }
  std::string why;
  FUZZ_CHECK(ValidateSeccompBpf(filter, &why));
  FUZZ_CHECK(filter.size() <= kMaxBpfInstructions);
  // libseccomp refuses some profiles the generator takes (rules of different actions on the
  // same comparisons, architectures of another byte order): nothing to compare then.
  const EquivalenceResult equivalence = CheckEquivalence(rules);
  FUZZ_CHECK(equivalence.compiled);
  if (equivalence.oracle_compiled && equivalence.mismatches != 0) {
    for (const std::string& example : equivalence.examples) {
      std::fprintf(stderr, "seccomp_compile_fuzzer: %s\n", example.c_str());
    }
    FUZZ_CHECK(equivalence.mismatches == 0);
  }
  return 0;
}
