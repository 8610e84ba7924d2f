// Command lines found by fuzzing (tests/fuzz/cli_fuzzer.cc), kept as regression tests.
#include <gtest/gtest.h>

#include "hardinit/cli.h"

namespace hardinit {
namespace {

// argc == 0: what kernels before 5.18 hand a program exec'd with an empty argv (the
// CVE-2021-4034 trigger). The parser used to take argv.begin() + 1 of an empty vector.
TEST(CommandLineFuzzFindings, AnEmptyArgvIsAUsageError) {
  Options options;
  std::string err;
  EXPECT_FALSE(ParseCommandLine({}, {}, &options, &err));
  EXPECT_EQ(err, "no program given (usage: hardinit [OPTIONS] [--] PROGRAM [ARG...])");
  // The environment alone cannot make it run anything either.
  err.clear();
  EXPECT_FALSE(ParseCommandLine({}, {{"HARDINIT_USER", "0"}, {"TINI_SUBREAPER", ""}}, &options,
                                &err));
  EXPECT_FALSE(err.empty());
}

}  // namespace
}  // namespace hardinit
