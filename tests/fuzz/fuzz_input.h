// Splitting a fuzzer's bytes into words. Shared by the targets that take argv-like input.
#ifndef HARDINIT_TESTS_FUZZ_FUZZ_INPUT_H_
#define HARDINIT_TESTS_FUZZ_FUZZ_INPUT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hardinit::fuzz {

// The bytes split at every NUL: the form argv and environ have in memory, so that a seed
// corpus file reads like /proc/PID/cmdline.
inline std::vector<std::string> SplitAtNul(const uint8_t* data, size_t size) {
  std::vector<std::string> words;
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  while (!rest.empty()) {
    const size_t nul = rest.find('\0');
    words.emplace_back(rest.substr(0, nul));
    if (nul == std::string_view::npos) break;
    rest.remove_prefix(nul + 1);
  }
  return words;
}

// Stops the run with a crash libFuzzer records, for broken invariants (not for bad input).
#define FUZZ_CHECK(condition) \
  do {                        \
    if (!(condition)) __builtin_trap(); \
  } while (0)

}  // namespace hardinit::fuzz

#endif  // HARDINIT_TESTS_FUZZ_FUZZ_INPUT_H_
