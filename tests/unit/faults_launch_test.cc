// PATH search on long PATH values (issue 9). ResolveProgramPath used to take a
// std::string_view of a temporary copy of PATH, so every search walked freed memory; ASan
// (scripts/sanitize.sh) reports a heap-use-after-free on this test if it comes back, and
// without ASan the walk can read directories that were never in PATH.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "hardinit/exit_codes.h"
#include "hardinit/launch.h"
#include "temp_dir_test.h"

namespace hardinit {
namespace {

class LongPathTest : public TempDirTest {
 protected:
  // A directory with a long name (well past the small-string buffer), optionally holding
  // an executable `name`.
  std::string Dir(int i, const char* name = nullptr) {
    const std::string dir = dir_ + "/" + std::string(40, 'd') + std::to_string(i);
    mkdir(dir.c_str(), 0755);
    if (name != nullptr) {
      std::ofstream(dir + "/" + name) << "#!/bin/sh\n";
      chmod((dir + "/" + name).c_str(), 0755);
    }
    return dir;
  }

};

TEST_F(LongPathTest, FindsTheProgramInTheLastOfManyLongDirectories) {
  std::string path;
  for (int i = 0; i < 20; ++i) path += Dir(i) + ":";
  const std::string last = Dir(20, "the-program");
  path += last;
  std::string found, err;
  int code = 0;
  ASSERT_TRUE(ResolveProgramPath("the-program", path, &found, &code, &err)) << err;
  EXPECT_EQ(found, last + "/the-program");
}

TEST_F(LongPathTest, AProgramInNoneOfThemIs127) {
  std::string path;
  for (int i = 0; i < 20; ++i) path += Dir(i) + ":";
  path += Dir(20);
  std::string found, err;
  int code = 0;
  EXPECT_FALSE(ResolveProgramPath("the-program", path, &found, &code, &err));
  EXPECT_EQ(code, kExitNotFound);
  EXPECT_EQ(err, "the-program: not found in PATH");
}

}  // namespace
}  // namespace hardinit
