// helpers/require.h: only HARDINIT_ALLOW_SKIP=1 turns a test's unmet need into a skip
// (design.md §5). Any other value, 0 included, must leave the failure a failure.
#include "helpers/require.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace hardinit::testing {
namespace {

class AllowSkipVariable : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* value = std::getenv("HARDINIT_ALLOW_SKIP");
    had_ = value != nullptr;
    if (had_) saved_ = value;
  }
  void TearDown() override {
    if (had_) {
      setenv("HARDINIT_ALLOW_SKIP", saved_.c_str(), 1);
    } else {
      unsetenv("HARDINIT_ALLOW_SKIP");
    }
  }

 private:
  bool had_ = false;
  std::string saved_;
};

TEST_F(AllowSkipVariable, OnlyExactlyOneAllowsSkips) {
  unsetenv("HARDINIT_ALLOW_SKIP");
  EXPECT_FALSE(SkipsAllowed());
  for (const char* value : {"0", "", "yes", "true", "10", " 1", "1 "}) {
    setenv("HARDINIT_ALLOW_SKIP", value, 1);
    EXPECT_FALSE(SkipsAllowed()) << '"' << value << '"';
  }
  setenv("HARDINIT_ALLOW_SKIP", "1", 1);
  EXPECT_TRUE(SkipsAllowed());
}

}  // namespace
}  // namespace hardinit::testing
