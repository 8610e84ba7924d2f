#include "hardinit/account_files.h"

#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "temp_dir_test.h"

namespace hardinit {
namespace {

using namespace std::string_literals;

// The one reason a single-line file was skipped for, or "" when it was not skipped.
std::string PasswdSkipReason(std::string_view line) {
  PasswdFile file = ParsePasswd(line);
  if (file.skipped.empty()) return "";
  EXPECT_TRUE(file.entries.empty());
  return file.skipped[0].reason;
}

std::string GroupSkipReason(std::string_view line) {
  GroupFile file = ParseGroup(line);
  if (file.skipped.empty()) return "";
  EXPECT_TRUE(file.entries.empty());
  return file.skipped[0].reason;
}

TEST(ParseIdTest, AcceptsDecimalUpToTheLargestUsableId) {
  uint32_t id = 7;
  EXPECT_EQ(ParseId("0", &id), IdParse::kOk);
  EXPECT_EQ(id, 0u);
  EXPECT_EQ(ParseId("0010", &id), IdParse::kOk);
  EXPECT_EQ(id, 10u);
  EXPECT_EQ(ParseId("4294967294", &id), IdParse::kOk);
  EXPECT_EQ(id, 4294967294u);
}

TEST(ParseIdTest, RejectsMinusOneAndAbove) {
  uint32_t id = 7;
  EXPECT_EQ(ParseId("4294967295", &id), IdParse::kOutOfRange);  // (uid_t)-1: "unchanged"
  EXPECT_EQ(ParseId("4294967296", &id), IdParse::kOutOfRange);  // wraps to 0 in 32 bits
  EXPECT_EQ(ParseId("99999999999999999999999999", &id), IdParse::kOutOfRange);
  EXPECT_EQ(id, 7u);
}

TEST(ParseIdTest, RejectsAnythingButDigits) {
  uint32_t id = 7;
  for (const char* text : {"", "-1", "+1", " 1", "1 ", "0x10", "1e3", "0day", "１"}) {
    EXPECT_EQ(ParseId(text, &id), IdParse::kNotNumeric) << text;
  }
  EXPECT_EQ(id, 7u);
}

TEST(IsAllDigitsTest, NamesThatStartWithADigitAreNames) {
  EXPECT_TRUE(IsAllDigits("0"));
  EXPECT_TRUE(IsAllDigits("4294967296"));
  EXPECT_FALSE(IsAllDigits(""));
  EXPECT_FALSE(IsAllDigits("0day"));
  EXPECT_FALSE(IsAllDigits("-1"));
}

TEST(ParsePasswdTest, ReadsTheFieldsWeUse) {
  PasswdFile file = ParsePasswd(
      "root:x:0:0:root:/root:/bin/bash\n"
      "app:x:2000:3000:App User,,,:/home/app:/bin/sh\n");
  ASSERT_EQ(file.entries.size(), 2u);
  EXPECT_TRUE(file.skipped.empty());
  EXPECT_EQ(file.entries[1].name, "app");
  EXPECT_EQ(file.entries[1].uid, 2000u);
  EXPECT_EQ(file.entries[1].gid, 3000u);
  EXPECT_EQ(file.entries[1].home, "/home/app");
}

TEST(ParsePasswdTest, AcceptsEmptyOptionalFieldsAndAMissingFinalNewline) {
  PasswdFile file = ParsePasswd("a::1:2:::\nb:x:3:4::/b:/bin/sh");
  ASSERT_EQ(file.entries.size(), 2u);
  EXPECT_EQ(file.entries[0].home, "");
  EXPECT_EQ(file.entries[1].name, "b");
}

TEST(ParsePasswdTest, SkipsCommentsAndEmptyLinesSilently) {
  PasswdFile file = ParsePasswd("# comment\n\n#x:x:0:0::/:/bin/sh\nroot:x:0:0::/root:/bin/sh\n\n");
  ASSERT_EQ(file.entries.size(), 1u);
  EXPECT_TRUE(file.skipped.empty());
}

TEST(ParsePasswdTest, KeepsDuplicatesInFileOrder) {
  PasswdFile file = ParsePasswd("app:x:1:1::/a:\napp:x:2:2::/b:\n");
  ASSERT_EQ(file.entries.size(), 2u);
  EXPECT_EQ(file.entries[0].uid, 1u);
}

TEST(ParsePasswdTest, SkipsEveryKindOfMalformedLine) {
  EXPECT_EQ(PasswdSkipReason("app:x:1:1::/home/app"), "expected 7 fields, found 6");
  EXPECT_EQ(PasswdSkipReason("app:x:1:1::/home/app:/bin/sh:extra"), "expected 7 fields, found 8");
  EXPECT_EQ(PasswdSkipReason("app"), "expected 7 fields, found 1");
  EXPECT_EQ(PasswdSkipReason(":x:0:0::/root:/bin/sh"), "empty user name");
  EXPECT_EQ(PasswdSkipReason(" root:x:0:0::/root:/bin/sh"), "user name \" root\" contains a space");
  EXPECT_EQ(PasswdSkipReason("app:x:abc:1::/:/bin/sh"), "uid \"abc\" is not a number");
  EXPECT_EQ(PasswdSkipReason("app:x::1::/:/bin/sh"), "uid \"\" is not a number");
  EXPECT_EQ(PasswdSkipReason("app:x:-1:1::/:/bin/sh"), "uid \"-1\" is not a number");
  EXPECT_EQ(PasswdSkipReason("app:x:1:x1::/:/bin/sh"), "gid \"x1\" is not a number");
  EXPECT_EQ(PasswdSkipReason("app:x:4294967296:1::/:/bin/sh"),
            "uid \"4294967296\" is out of range (0..4294967294)");
  EXPECT_EQ(PasswdSkipReason("app:x:4294967295:1::/:/bin/sh"),
            "uid \"4294967295\" is out of range (0..4294967294)");
  EXPECT_EQ(PasswdSkipReason("app:x:1:4294967295::/:/bin/sh"),
            "gid \"4294967295\" is out of range (0..4294967294)");
  EXPECT_EQ(PasswdSkipReason("app:x:1:1::/:/bin/sh\r"),
            "carriage return (CRLF line endings are not supported)");
  EXPECT_EQ(PasswdSkipReason("app:x:1:1::/:/bin/sh\0"s), "NUL byte");
  EXPECT_EQ(PasswdSkipReason("app\0:x:1:1::/:/bin/sh"s), "NUL byte");
  EXPECT_EQ(PasswdSkipReason("app:x:1:1:a\tb:/:/bin/sh"), "control character 0x09");
  EXPECT_EQ(PasswdSkipReason("+app:x:1:1::/:/bin/sh"), "NIS compat entry, not supported");
  EXPECT_EQ(PasswdSkipReason("+"), "NIS compat entry, not supported");
  EXPECT_EQ(PasswdSkipReason("-app"), "NIS compat entry, not supported");
  EXPECT_EQ(PasswdSkipReason("app:x:1:1:" + std::string(kMaxAccountLineBytes, 'g') + ":/:"),
            "line longer than 1 MiB");
}

TEST(ParsePasswdTest, ReportsLineNumbersAndKeepsTheGoodLines) {
  PasswdFile file = ParsePasswd(
      "root:x:0:0::/root:/bin/sh\n"
      "\n"
      "bad\n"
      "app:x:1:1::/:/bin/sh\r\n"
      "ok:x:2:2::/:/bin/sh\n");
  ASSERT_EQ(file.entries.size(), 2u);
  EXPECT_EQ(file.entries[1].name, "ok");
  ASSERT_EQ(file.skipped.size(), 2u);
  EXPECT_EQ(file.skipped[0].line, 3u);
  EXPECT_EQ(file.skipped[1].line, 4u);
}

TEST(ParsePasswdTest, ALineAtTheLengthLimitIsStillParsed) {
  std::string gecos(kMaxAccountLineBytes - std::string("a:x:1:1::/:").size(), 'g');
  PasswdFile file = ParsePasswd("a:x:1:1:" + gecos + ":/:");
  EXPECT_EQ(file.entries.size(), 1u);  // negative control for the "longer than" case
}

TEST(ParseGroupTest, ReadsMembers) {
  GroupFile file = ParseGroup("users:x:100:games,app\nempty:x:7:\ntrail:x:8:a,,b,\n");
  ASSERT_EQ(file.entries.size(), 3u);
  EXPECT_EQ(file.entries[0].gid, 100u);
  EXPECT_EQ(file.entries[0].members, (std::vector<std::string>{"games", "app"}));
  EXPECT_TRUE(file.entries[1].members.empty());
  EXPECT_EQ(file.entries[2].members, (std::vector<std::string>{"a", "b"}));
}

TEST(ParseGroupTest, SkipsEveryKindOfMalformedLine) {
  EXPECT_EQ(GroupSkipReason("users:x:100"), "expected 4 fields, found 3");
  EXPECT_EQ(GroupSkipReason("users:x:100:a:b"), "expected 4 fields, found 5");
  EXPECT_EQ(GroupSkipReason("users"), "expected 4 fields, found 1");
  EXPECT_EQ(GroupSkipReason(":x:100:a"), "empty group name");
  EXPECT_EQ(GroupSkipReason("users:x:big:a"), "gid \"big\" is not a number");
  EXPECT_EQ(GroupSkipReason("users:x:4294967296:a"),
            "gid \"4294967296\" is out of range (0..4294967294)");
  EXPECT_EQ(GroupSkipReason("users:x:100:a, b"), "member \" b\" contains a space");
  EXPECT_EQ(GroupSkipReason("users:x:100:a\r"),
            "carriage return (CRLF line endings are not supported)");
  EXPECT_EQ(GroupSkipReason("users:x:100:a\0b"s), "NUL byte");
  EXPECT_EQ(GroupSkipReason("+users:x:100:"), "NIS compat entry, not supported");
}

TEST(ParseGroupTest, ToleratesArbitraryBytes) {
  // Every single byte value as a whole file, and after a valid line: no crash, no entry
  // made of garbage (the fuzz target does the long version of this).
  for (int c = 0; c < 256; ++c) {
    std::string text(1, static_cast<char>(c));
    GroupFile file = ParseGroup("g:x:1:a\n" + text);
    ASSERT_EQ(file.entries.size(), 1u);
    PasswdFile passwd = ParsePasswd(text);
    EXPECT_TRUE(passwd.entries.empty());
  }
}

using ReadAccountFileTest = TempDirTest;

TEST_F(ReadAccountFileTest, ReadsARegularFile) {
  std::string path = dir_ + "/passwd";
  std::ofstream(path) << "root:x:0:0::/root:/bin/sh\n";
  std::string content, err;
  ASSERT_EQ(ReadAccountFile(path, &content, &err), ReadStatus::kOk) << err;
  EXPECT_EQ(content, "root:x:0:0::/root:/bin/sh\n");
}

TEST_F(ReadAccountFileTest, MissingIsNotAnError) {
  std::string content, err;
  EXPECT_EQ(ReadAccountFile(dir_ + "/none", &content, &err), ReadStatus::kMissing);
}

TEST_F(ReadAccountFileTest, RefusesADirectory) {
  std::string content, err;
  ASSERT_EQ(ReadAccountFile(dir_, &content, &err), ReadStatus::kFailed);
  EXPECT_EQ(err, dir_ + ": Is a directory");
}

TEST_F(ReadAccountFileTest, RefusesAFifoWithoutBlocking) {
  std::string path = dir_ + "/fifo";
  ASSERT_EQ(mkfifo(path.c_str(), 0600), 0);
  std::string content, err;
  ASSERT_EQ(ReadAccountFile(path, &content, &err), ReadStatus::kFailed);
  EXPECT_EQ(err, path + ": not a regular file");
}

TEST_F(ReadAccountFileTest, RefusesAFileOverTheCap) {
  std::string path = dir_ + "/huge";
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(ftruncate(fd, kMaxAccountFileBytes + 1), 0);  // sparse: costs no disk
  close(fd);
  std::string content, err;
  ASSERT_EQ(ReadAccountFile(path, &content, &err), ReadStatus::kFailed);
  EXPECT_EQ(err, path + ": larger than 32 MiB");
}

TEST_F(ReadAccountFileTest, AcceptsAFileExactlyAtTheCap) {
  std::string path = dir_ + "/big";
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(ftruncate(fd, kMaxAccountFileBytes), 0);
  close(fd);
  std::string content, err;
  ASSERT_EQ(ReadAccountFile(path, &content, &err), ReadStatus::kOk) << err;
  EXPECT_EQ(content.size(), kMaxAccountFileBytes);
}

TEST_F(ReadAccountFileTest, ReportsAnUnreadableFile) {
  std::string path = dir_ + "/secret";
  std::ofstream(path) << "root:x:0:0::/root:/bin/sh\n";
  ASSERT_EQ(chmod(path.c_str(), 0), 0);
  ASSERT_EQ(chmod(dir_.c_str(), 0755), 0);
  auto read_is_refused = [&path] {
    std::string content, err;
    return ReadAccountFile(path, &content, &err) == ReadStatus::kFailed &&
           err == path + ": Permission denied";
  };
  if (geteuid() != 0) {
    EXPECT_TRUE(read_is_refused());
    return;
  }
  // Root reads a mode-000 file, so drop to nobody in a child; it reports by exit code.
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (setgroups(0, nullptr) != 0 || setresgid(65534, 65534, 65534) != 0 ||
        setresuid(65534, 65534, 65534) != 0) {
      _exit(2);
    }
    _exit(read_is_refused() ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "2: could not drop to uid 65534";
}

}  // namespace
}  // namespace hardinit
