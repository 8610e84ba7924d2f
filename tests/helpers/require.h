// What a test needs before it can run (root, a tool), shared by the unit and integration
// suites (design.md §5). A test whose need is not met fails with the reason; only
// HARDINIT_ALLOW_SKIP=1 turns that failure into a skip, printed with the same reason. CI runs
// as root with every tool installed (scripts/install-deps.sh --test) and sets no such
// variable, so nothing is skipped there. A test that uses HARDINIT_REQUIRE_ROOT also carries
// the ctest label `root` (tests/CMakeLists.txt), so `ctest -LE root` leaves it out.
#ifndef HARDINIT_TESTS_HELPERS_REQUIRE_H_
#define HARDINIT_TESTS_HELPERS_REQUIRE_H_

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

namespace hardinit::testing {

// Exactly "1": HARDINIT_ALLOW_SKIP=0 (or any other value) must not quietly allow skips.
inline bool SkipsAllowed() {
  const char* value = std::getenv("HARDINIT_ALLOW_SKIP");
  return value != nullptr && std::strcmp(value, "1") == 0;
}

// True when the test runs as root; otherwise says why in `why`.
inline bool CanRunPrivileged(std::string* why) {
  if (geteuid() != 0) {
    *why = "needs root (euid " + std::to_string(geteuid()) +
           "): PID namespaces, uid switches and capabilities";
    return false;
  }
  return true;
}

}  // namespace hardinit::testing

// Fails the test with `why` when `ok` is false; under HARDINIT_ALLOW_SKIP=1 it skips instead.
#define HARDINIT_REQUIRE(ok, why)                                                  \
  do {                                                                             \
    if (!(ok)) {                                                                   \
      if (::hardinit::testing::SkipsAllowed()) GTEST_SKIP() << (why);              \
      FAIL() << (why)                                                              \
             << " (HARDINIT_ALLOW_SKIP=1 skips it instead; ctest -LE root leaves " \
                "out every test that needs root)";                                 \
    }                                                                              \
  } while (0)

#define HARDINIT_REQUIRE_ROOT()                                           \
  do {                                                                    \
    std::string why_;                                                     \
    HARDINIT_REQUIRE(::hardinit::testing::CanRunPrivileged(&why_), why_); \
  } while (0)

// For a tool a test needs (a runtime, a peer init).
#define HARDINIT_REQUIRE_TOOL(present, what) \
  HARDINIT_REQUIRE(present,                  \
                   std::string(what) + " is not installed (scripts/install-deps.sh --test)")

#endif  // HARDINIT_TESTS_HELPERS_REQUIRE_H_
