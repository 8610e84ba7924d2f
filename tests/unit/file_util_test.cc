#include "hardinit/file_util.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "temp_dir_test.h"

namespace hardinit {
namespace {

using Kind = ReadFileError::Kind;

using ReadWholeFileTest = TempDirTest;

TEST_F(ReadWholeFileTest, ReadsAProcFileWhoseSizeSaysZero) {
  std::string text;
  ReadFileError error;
  ASSERT_TRUE(ReadWholeFile("/proc/self/status", {.limit = 1 << 16}, &text, &error))
      << error.call << ": " << error.errnum;
  EXPECT_EQ(text.rfind("Name:\t", 0), 0u) << text;
  EXPECT_NE(text.find("\nSigIgn:\t"), std::string::npos);
}

TEST_F(ReadWholeFileTest, AProcFileOverTheLimitIsTooLarge) {
  // st_size is 0 for /proc files, so only reading finds out.
  std::string text;
  ReadFileError error;
  ASSERT_FALSE(ReadWholeFile("/proc/self/status", {.limit = 100}, &text, &error));
  EXPECT_EQ(error.kind, Kind::kTooLarge);
  EXPECT_EQ(error.errnum, EFBIG);
}

TEST_F(ReadWholeFileTest, TheLimitIsInclusive) {
  const std::string path = Write("ten", "0123456789");
  for (bool regular_only : {false, true}) {
    std::string text;
    ReadFileError error;
    EXPECT_TRUE(ReadWholeFile(path, {.limit = 10, .regular_only = regular_only}, &text, &error));
    EXPECT_EQ(text, "0123456789");
    EXPECT_FALSE(ReadWholeFile(path, {.limit = 9, .regular_only = regular_only}, &text, &error));
    EXPECT_EQ(error.kind, Kind::kTooLarge);
  }
}

TEST_F(ReadWholeFileTest, EmptyFileUnderAZeroLimit) {
  const std::string path = Write("empty", "");
  std::string text = "stale";
  ReadFileError error;
  EXPECT_TRUE(ReadWholeFile(path, {.limit = 0, .regular_only = true}, &text, &error));
  EXPECT_EQ(text, "");
}

TEST_F(ReadWholeFileTest, ReadsAcrossManyGrowthSteps) {
  std::string content(300'000, 'x');
  for (size_t i = 0; i < content.size(); i += 7) content[i] = static_cast<char>('a' + i % 26);
  const std::string path = Write("big", content);
  std::string text;
  ReadFileError error;
  ASSERT_TRUE(ReadWholeFile(path, {.limit = 1 << 20}, &text, &error));
  EXPECT_EQ(text, content);
}

TEST_F(ReadWholeFileTest, OpenFailureNamesTheCall) {
  std::string text;
  ReadFileError error;
  ASSERT_FALSE(ReadWholeFile(dir_ + "/missing", {.limit = 10}, &text, &error));
  EXPECT_EQ(error.kind, Kind::kSystem);
  EXPECT_STREQ(error.call, "open");
  EXPECT_EQ(error.errnum, ENOENT);
}

TEST_F(ReadWholeFileTest, RegularOnlyRefusesADirectoryAndAFifo) {
  std::string text;
  ReadFileError error;
  ASSERT_FALSE(ReadWholeFile(dir_, {.limit = 10, .regular_only = true}, &text, &error));
  EXPECT_EQ(error.kind, Kind::kNotRegular);
  EXPECT_EQ(error.errnum, EISDIR);

  // Nothing writes to this FIFO: a blocking open would hang the test.
  const std::string fifo = dir_ + "/fifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  ASSERT_FALSE(ReadWholeFile(fifo, {.limit = 10, .regular_only = true}, &text, &error));
  EXPECT_EQ(error.kind, Kind::kNotRegular);
  EXPECT_EQ(error.errnum, EINVAL);
}

TEST_F(ReadWholeFileTest, WithoutRegularOnlyADirectoryFailsInRead) {
  std::string text;
  ReadFileError error;
  ASSERT_FALSE(ReadWholeFile(dir_, {.limit = 10}, &text, &error));
  EXPECT_EQ(error.kind, Kind::kSystem);
  EXPECT_STREQ(error.call, "read");
  EXPECT_EQ(error.errnum, EISDIR);
}

TEST_F(ReadWholeFileTest, RegularOnlyRefusesAnOversizedFileBeforeReadingIt) {
  const std::string path = dir_ + "/sparse";
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(ftruncate(fd, off_t{1} << 40), 0);  // 1 TiB, sparse: costs no disk
  close(fd);
  std::string text;
  ReadFileError error;
  ASSERT_FALSE(ReadWholeFile(path, {.limit = 1 << 20, .regular_only = true}, &text, &error));
  EXPECT_EQ(error.kind, Kind::kTooLarge);
  EXPECT_EQ(error.errnum, EFBIG);
}

}  // namespace
}  // namespace hardinit
