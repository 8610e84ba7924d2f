// libFuzzer target: a profile all the way to BPF (parse, expand for this machine, compile
// with libseccomp and runc's ENOSYS stub), plus the raw-BPF decoder used for precompiled
// .bpf profiles.
//
// Slower than seccomp_profile_fuzzer (libseccomp builds a whole filter per input), so it
// gets the inputs that parse; the invariant is the one the child relies on: whatever the
// compiler returns passes the same validation the kernel applies, or is an error with a
// reason, never a filter the kernel would refuse after the fork.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_input.h"
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
  if (CompileSeccompRules(rules, &filter, &report, &err)) {
    std::string why;
    FUZZ_CHECK(ValidateSeccompBpf(filter, &why));
    FUZZ_CHECK(filter.size() <= kMaxBpfInstructions);
  } else {
    FUZZ_CHECK(!err.empty());
  }
  return 0;
}
