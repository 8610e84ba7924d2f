#include "hardinit/identity.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "hardinit/account_files.h"
#include "temp_dir_test.h"
#include "captured_log.h"

namespace hardinit {
namespace {

using Groups = std::vector<gid_t>;
using namespace std::string_literals;

// Debian-like files, shaped like the image gosu's test suite runs in (its Dockerfile.test-*):
// uid 1000 and gid 1000 have no entries, "games" is in a group besides its own.
constexpr char kPasswd[] =
    "root:x:0:0:root:/root:/bin/bash\n"
    "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
    "games:x:5:60:games:/usr/games:/usr/sbin/nologin\n"
    "app:x:2000:2000:App,,,:/home/app:/bin/sh\n"
    "nohome:x:2001:2001:::/bin/sh\n"
    "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n";
constexpr char kGroup[] =
    "root:x:0:\n"
    "daemon:x:1:\n"
    "adm:x:4:root,app\n"
    "games:x:60:\n"
    "users:x:100:games,app\n"
    "audio:x:29:app\n"
    "app:x:2000:\n"
    "nogroup:x:65534:\n";

class IdentityTest : public TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    files_.passwd = dir_ + "/passwd";
    files_.group = dir_ + "/group";
    WritePasswd(kPasswd);
    WriteGroup(kGroup);
  }
  void WritePasswd(const std::string& text) { std::ofstream(files_.passwd) << text; }
  void WriteGroup(const std::string& text) { std::ofstream(files_.group) << text; }

  // Resolves as a root caller (uid 0, gid 0), the ENTRYPOINT case.
  Identity Resolve(std::string_view spec) {
    Identity id;
    std::string err;
    EXPECT_TRUE(ResolveIdentity(spec, files_, &id, &err))
        << spec << ": " << err;
    return id;
  }

  // The error line for a spec that must fail.
  std::string Fail(std::string_view spec) {
    Identity id;
    id.uid = 4242;
    std::string err;
    EXPECT_FALSE(ResolveIdentity(spec, files_, &id, &err)) << spec;
    EXPECT_EQ(id.uid, 4242u) << "a failed resolution must leave the output alone";
    return err;
  }

  IdentityFiles files_;
};

#define EXPECT_IDS(id, u, g, ...)                  \
  do {                                             \
    EXPECT_EQ((id).uid, uid_t{u});                 \
    EXPECT_EQ((id).gid, gid_t{g});                 \
    EXPECT_EQ((id).groups, (Groups{__VA_ARGS__})); \
  } while (0)

// gosu's matrix, root caller. gosu expects `0`, `root`, `0:` to give root's groups.
TEST_F(IdentityTest, RootAloneGetsItsPasswdGidAndListedGroups) {
  for (const char* spec : {"0", "root", "0:", "root:"}) {
    SCOPED_TRACE(spec);
    Identity id = Resolve(spec);
    EXPECT_IDS(id, 0, 0, 0, 4);
    EXPECT_EQ(id.home, "/root");
    EXPECT_EQ(id.user_name, "root");
  }
}

TEST_F(IdentityTest, AnExplicitGroupIsTheOnlyGroup) {
  for (const char* spec : {"0:0", "0:root", "root:0", "root:root"}) {
    SCOPED_TRACE(spec);
    Identity id = Resolve(spec);
    EXPECT_IDS(id, 0, 0, 0);  // not adm (4): gosu#33
    EXPECT_EQ(id.home, "/root");
  }
}

TEST_F(IdentityTest, NumericUidWithoutEntryGetsItsOwnNumberAsGid) {
  Identity id = Resolve("1000");
  EXPECT_IDS(id, 1000, 1000, 1000);  // gosu would give the caller's gid, 0 here
  EXPECT_EQ(id.home, "/");
  EXPECT_EQ(id.user_name, "");
  EXPECT_IDS(Resolve("1000:"), 1000, 1000, 1000);
}

TEST_F(IdentityTest, NumericUidAndNumericGroupNeedNoEntries) {
  EXPECT_IDS(Resolve("1000:1000"), 1000, 1000, 1000);
  EXPECT_IDS(Resolve("1000:root"), 1000, 0, 0);
  EXPECT_EQ(Resolve("1000:root").home, "/");
  EXPECT_IDS(Resolve("1000:daemon"), 1000, 1, 1);
}

TEST_F(IdentityTest, KnownUserWithUnknownNumericGroup) {
  for (const char* spec : {"0:1000", "root:1000"}) {
    SCOPED_TRACE(spec);
    Identity id = Resolve(spec);
    EXPECT_IDS(id, 0, 1000, 1000);
    EXPECT_EQ(id.home, "/root");
    EXPECT_EQ(id.user_name, "root");
  }
}

TEST_F(IdentityTest, UserInSeveralGroups) {
  Identity games = Resolve("games");
  EXPECT_IDS(games, 5, 60, 60, 100);
  EXPECT_EQ(games.home, "/usr/games");
  Identity app = Resolve("app");
  EXPECT_IDS(app, 2000, 2000, 4, 29, 100, 2000);  // sorted, as getgroups() returns them
  EXPECT_EQ(app.home, "/home/app");
  EXPECT_EQ(app.user_name, "app");
}

TEST_F(IdentityTest, NumericUidWithAnEntryIsThatUser) {
  Identity id = Resolve("2000");
  EXPECT_IDS(id, 2000, 2000, 4, 29, 100, 2000);
  EXPECT_EQ(id.home, "/home/app");
  EXPECT_EQ(id.user_name, "app");
  EXPECT_EQ(Resolve("0005").user_name, "games");  // all digits: a uid, leading zeros or not
}

TEST_F(IdentityTest, UserWithGroup) {
  Identity id = Resolve("games:daemon");
  EXPECT_IDS(id, 5, 1, 1);
  EXPECT_EQ(id.home, "/usr/games");
  EXPECT_EQ(id.user_name, "games");
  EXPECT_IDS(Resolve("app:users"), 2000, 100, 100);
}

// Defence in depth: the command line refuses an empty user first (cli_test.cc), and the
// resolver never takes it for "the caller", which for a root start is root.
TEST_F(IdentityTest, EmptyUserIsRefused) {
  for (const char* spec : {"", ":", ":0", ":audio"}) {
    Identity id;
    std::string err;
    EXPECT_FALSE(ResolveIdentity(spec, files_, &id, &err)) << spec;
    EXPECT_NE(err.find("the user is empty"), std::string::npos) << spec << ": " << err;
  }
}

TEST_F(IdentityTest, EmptyHomeFieldMeansSlash) {
  Identity id = Resolve("nohome");
  EXPECT_EQ(id.home, "/");
  EXPECT_EQ(id.user_name, "nohome");
}

TEST_F(IdentityTest, UnknownNamesFail) {
  EXPECT_EQ(Fail("bogus"), "--user bogus: no such user in " + files_.passwd);
  EXPECT_EQ(Fail("0day"), "--user 0day: no such user in " + files_.passwd);
  EXPECT_EQ(Fail("0:bogus"), "--user 0:bogus: no such group in " + files_.group);
  EXPECT_EQ(Fail("0:0day"), "--user 0:0day: no such group in " + files_.group);
  EXPECT_EQ(Fail("bogus:0"), "--user bogus:0: no such user in " + files_.passwd);
  EXPECT_EQ(Fail("0:bogus"), "--user 0:bogus: no such group in " + files_.group);
  EXPECT_EQ(Fail("-1"), "--user -1: no such user in " + files_.passwd);
  EXPECT_EQ(Fail("Root"), "--user Root: no such user in " + files_.passwd);
}

TEST_F(IdentityTest, IdsOutOfRangeFail) {
  EXPECT_EQ(Fail("4294967295"),
            "--user 4294967295: uid 4294967295 is out of range (0..4294967294)");
  EXPECT_EQ(Fail("4294967296"),
            "--user 4294967296: uid 4294967296 is out of range (0..4294967294)");
  EXPECT_EQ(Fail("0:4294967295"),
            "--user 0:4294967295: gid 4294967295 is out of range (0..4294967294)");
  EXPECT_EQ(Fail("99999999999999999999:0"),
            "--user 99999999999999999999:0: uid 99999999999999999999 is out of range "
            "(0..4294967294)");
  EXPECT_IDS(Resolve("4294967294"), 4294967294u, 4294967294u, 4294967294u);
}

TEST_F(IdentityTest, MoreThanOneColonFails) {
  EXPECT_EQ(Fail("0:0:0"), "--user 0:0:0: expected USER[:GROUP], found more than one ':'");
  EXPECT_EQ(Fail("root::"), "--user root::: expected USER[:GROUP], found more than one ':'");
}

TEST_F(IdentityTest, MissingPasswdFailsForANameOnly) {
  ASSERT_EQ(unlink(files_.passwd.c_str()), 0);
  EXPECT_EQ(Fail("root"), "--user root: " + files_.passwd + ": No such file or directory");
  Identity id = Resolve("1000");
  EXPECT_IDS(id, 1000, 1000, 1000);
  EXPECT_EQ(id.home, "/");
  EXPECT_IDS(Resolve("0"), 0, 0, 0);  // FROM scratch: `--user 0` still works
  EXPECT_IDS(Resolve("1000:daemon"), 1000, 1, 1);
}

TEST_F(IdentityTest, MissingGroupFile) {
  ASSERT_EQ(unlink(files_.group.c_str()), 0);
  EXPECT_IDS(Resolve("app"), 2000, 2000, 2000);  // no file, no supplementary groups
  EXPECT_IDS(Resolve("app:29"), 2000, 29, 29);
  EXPECT_EQ(Fail("app:audio"), "--user app:audio: " + files_.group + ": No such file or directory");
}

TEST_F(IdentityTest, NoFilesAtAllNumericOnly) {
  ASSERT_EQ(unlink(files_.passwd.c_str()), 0);
  ASSERT_EQ(unlink(files_.group.c_str()), 0);
  EXPECT_IDS(Resolve("1000:1000"), 1000, 1000, 1000);
  EXPECT_IDS(Resolve("65534"), 65534, 65534, 65534);
}

TEST_F(IdentityTest, DirectoryInsteadOfAFileFails) {
  ASSERT_EQ(unlink(files_.passwd.c_str()), 0);
  ASSERT_EQ(mkdir(files_.passwd.c_str(), 0700), 0);
  EXPECT_EQ(Fail("root"), "--user root: " + files_.passwd + ": Is a directory");
  // Even a numeric uid needs the file it might be in to be readable: fail closed.
  EXPECT_EQ(Fail("1000"), "--user 1000: " + files_.passwd + ": Is a directory");
}

TEST_F(IdentityTest, UnreadableGroupFileFailsWhenGroupsAreNeeded) {
  ASSERT_EQ(unlink(files_.group.c_str()), 0);
  ASSERT_EQ(mkdir(files_.group.c_str(), 0700), 0);
  EXPECT_EQ(Fail("app"), "--user app: " + files_.group + ": Is a directory");
  EXPECT_IDS(Resolve("app:29"), 2000, 29, 29);  // a numeric group does not read the file
  EXPECT_IDS(Resolve("1000"), 1000, 1000, 1000);
}

TEST_F(IdentityTest, HugeFileFails) {
  ASSERT_EQ(truncate(files_.passwd.c_str(), kMaxAccountFileBytes + 1), 0);
  EXPECT_EQ(Fail("root"), "--user root: " + files_.passwd + ": larger than 32 MiB");
}

TEST_F(IdentityTest, EmptyFilesKnowNobody) {
  WritePasswd("");
  WriteGroup("");
  EXPECT_EQ(Fail("root"), "--user root: no such user in " + files_.passwd);
  EXPECT_IDS(Resolve("0"), 0, 0, 0);
  EXPECT_EQ(Fail("0:root"), "--user 0:root: no such group in " + files_.group);
}

// Each of these lines names "evil" with uid 0 and is malformed: "evil" must stay unknown,
// while a valid line for "good" in the same file (the negative control) still resolves.
TEST_F(IdentityTest, MalformedPasswdLinesNeverMatch) {
  const std::vector<std::string> bad_lines = {
      "evil:x:0:0::/root",            // 6 fields
      "evil:x:0:0::/root:/bin/sh:",   // 8 fields
      "evil:x:0:0::/root:/bin/sh\r",  // CRLF
      std::string("evil:x:0:0::/root:/bin/sh\0", 26),
      "evil:x:4294967296:0::/root:/bin/sh",  // wraps to 0 in 32 bits
      "evil:x:0x0:0::/root:/bin/sh",
      "evil:x::0::/root:/bin/sh",
      "evil:x:0:4294967296::/root:/bin/sh",
      "+evil:x:0:0::/root:/bin/sh",
      "evil x:x:0:0::/root:/bin/sh",
      "evil:x:0:0:" + std::string(kMaxAccountLineBytes, 'g') + ":/root:/bin/sh",
  };
  for (const std::string& bad : bad_lines) {
    SCOPED_TRACE(bad.substr(0, 40));
    WritePasswd(bad + "\ngood:x:3000:3000::/home/good:/bin/sh\n");
    EXPECT_EQ(Fail("evil"), "--user evil: no such user in " + files_.passwd);
    EXPECT_IDS(Resolve("good"), 3000, 3000, 3000);
    EXPECT_EQ(Resolve("0").user_name, "");  // the bad line does not name uid 0 either
  }
}

TEST_F(IdentityTest, MalformedLineDoesNotHideALaterValidOne) {
  WritePasswd("app:x:0:0::/root:/bin/sh\r\napp:x:2000:2000::/home/app:/bin/sh\n");
  EXPECT_IDS(Resolve("app"), 2000, 2000, 4, 29, 100, 2000);
}

TEST_F(IdentityTest, MalformedGroupLinesNeverMatch) {
  WriteGroup(std::string(kGroup) +
             "wheel:x:10:app\r\n"     // would add gid 10 to app
             "evil:x:4294967296:\n"   // would be gid 0
             "evil2:x:0:app,\0\n"s +  // NUL
             "+nis:x:11:app\n"
             "spaced:x:12:app, games\n");
  EXPECT_IDS(Resolve("app"), 2000, 2000, 4, 29, 100, 2000);
  EXPECT_IDS(Resolve("games"), 5, 60, 60, 100);
  EXPECT_EQ(Fail("0:evil"), "--user 0:evil: no such group in " + files_.group);
  EXPECT_EQ(Fail("0:wheel"), "--user 0:wheel: no such group in " + files_.group);
  EXPECT_EQ(GroupName(10, files_), "");
}

TEST_F(IdentityTest, CrlfFilesResolveNoName) {
  WritePasswd("root:x:0:0:root:/root:/bin/bash\r\n");
  EXPECT_EQ(Fail("root"), "--user root: no such user in " + files_.passwd);
}

TEST_F(IdentityTest, DuplicatesFirstWins) {
  WritePasswd(
      "app:x:2000:2000::/first:/bin/sh\napp:x:0:0::/second:/bin/sh\n"
      "other:x:2000:7::/other:/bin/sh\n");
  WriteGroup("g:x:50:\ng:x:0:\nh:x:50:\n");
  Identity id = Resolve("app");
  EXPECT_EQ(id.uid, 2000u);
  EXPECT_EQ(id.home, "/first");
  EXPECT_EQ(Resolve("2000").user_name, "app");
  EXPECT_IDS(Resolve("0:g"), 0, 50, 50);
  EXPECT_EQ(GroupName(50, files_), "g");
  EXPECT_EQ(UserName(2000, files_), "app");
}

TEST_F(IdentityTest, DuplicateGroupLinesAllCountForMembership) {
  // glibc's initgroups() and gosu scan every line: both gids are the user's.
  WriteGroup("dup:x:50:app\ndup:x:51:app\n");
  EXPECT_IDS(Resolve("app"), 2000, 2000, 50, 51, 2000);
}

TEST_F(IdentityTest, CommentsAndBlankLinesAreIgnored) {
  WritePasswd("# accounts\n\nroot:x:0:0::/root:/bin/sh\n#evil:x:0:0::/:/bin/sh\n");
  EXPECT_EQ(Resolve("root").home, "/root");
  EXPECT_EQ(Fail("#evil"), "--user #evil: no such user in " + files_.passwd);
}

TEST_F(IdentityTest, MissingFinalNewline) {
  WritePasswd("root:x:0:0::/root:/bin/sh\napp:x:2000:2000::/home/app:/bin/sh");
  WriteGroup("app:x:2000:\naudio:x:29:app");
  EXPECT_IDS(Resolve("app"), 2000, 2000, 29, 2000);
}

TEST_F(IdentityTest, NamesOfIds) {
  EXPECT_EQ(UserName(0, files_), "root");
  EXPECT_EQ(UserName(1000, files_), "");
  EXPECT_EQ(GroupName(100, files_), "users");
  EXPECT_EQ(GroupName(1000, files_), "");
  ASSERT_EQ(unlink(files_.passwd.c_str()), 0);
  ASSERT_EQ(mkdir(files_.passwd.c_str(), 0700), 0);
  EXPECT_EQ(UserName(0, files_), "");  // never fails, even on a directory
  ASSERT_EQ(unlink(files_.group.c_str()), 0);
  EXPECT_EQ(GroupName(0, files_), "");
}

TEST_F(IdentityTest, MalformedLinesAreLoggedWithFileAndLine) {
  WritePasswd("root:x:0:0::/root:/bin/sh\nevil:x:0:0::/root\n");
  CapturedLog log;
  Resolve("root");
  EXPECT_EQ(log.str(),
            "warning " + files_.passwd + ":2: expected 7 fields, found 6; line ignored\n");
}

TEST_F(IdentityTest, AGoodFileLogsNothing) {
  CapturedLog log;
  Resolve("app");
  EXPECT_EQ(log.str(), "");  // negative control for the test above
}

TEST_F(IdentityTest, ManyMalformedLinesAreSummarised) {
  std::string text = "root:x:0:0::/root:/bin/sh\n";
  for (int i = 0; i < 25; ++i) text += "bad\n";
  WritePasswd(text);
  CapturedLog log;
  Resolve("root");
  std::string out = log.str();
  EXPECT_NE(out.find(":11: expected 7 fields"), std::string::npos);
  EXPECT_EQ(out.find(":12: expected 7 fields"), std::string::npos);
  EXPECT_NE(out.find(files_.passwd + ": 15 more malformed lines ignored"), std::string::npos);
}

TEST_F(IdentityTest, NumericUidWithoutEntryIsLoggedAtInfo) {
  CapturedLog log;
  Resolve("1000");
  EXPECT_EQ(log.str(), "info --user 1000: uid 1000 has no entry in " + files_.passwd +
                           "; using gid 1000 and HOME=/\n");
}

TEST_F(IdentityTest, MoreGroupsThanTheKernelTakesFails) {
  // setgroups() would fail with EINVAL in the child; say so before anything starts.
  std::string text;
  for (int gid = 100001; gid <= 165536; ++gid) {  // 65536 groups + the primary gid
    std::string id = std::to_string(gid);
    text.append("g").append(id).append(":x:").append(id).append(":app\n");
  }
  WriteGroup(text);
  EXPECT_EQ(Fail("app"),
            "--user app: 65537 supplementary groups, more than the kernel's limit of 65536");
  EXPECT_EQ(Resolve("nobody").groups.size(), 1u);  // the same file is fine for others
}

class GroupListTest : public IdentityTest {
 protected:
  Groups List(std::string_view list) {
    Groups out = {12345};
    std::string err;
    EXPECT_TRUE(ResolveGroupList(list, files_, &out, &err)) << list << ": " << err;
    return out;
  }
  std::string Fail(std::string_view list) {
    Groups out = {12345};
    std::string err;
    EXPECT_FALSE(ResolveGroupList(list, files_, &out, &err)) << list;
    EXPECT_EQ(out, Groups{12345});
    return err;
  }
};

TEST_F(GroupListTest, EmptyMeansNone) { EXPECT_EQ(List(""), Groups{}); }

TEST_F(GroupListTest, NamesAndIdsSortedAndUnique) {
  EXPECT_EQ(List("users"), Groups{100});
  EXPECT_EQ(List("users,audio,4"), (Groups{4, 29, 100}));
  EXPECT_EQ(List("audio,29,audio,7777"), (Groups{29, 7777}));
}

TEST_F(GroupListTest, Failures) {
  EXPECT_EQ(Fail("audio,bogus"), "--groups audio,bogus: bogus: no such group in " + files_.group);
  EXPECT_EQ(Fail("0day"), "--groups 0day: 0day: no such group in " + files_.group);
  EXPECT_EQ(Fail("audio,,users"), "--groups audio,,users: empty group name in the list");
  EXPECT_EQ(Fail("audio,"), "--groups audio,: empty group name in the list");
  EXPECT_EQ(Fail(","), "--groups ,: empty group name in the list");
  EXPECT_EQ(Fail("4294967295"),
            "--groups 4294967295: 4294967295: gid 4294967295 is out of range (0..4294967294)");
}

TEST_F(GroupListTest, NumericIdsNeedNoGroupFile) {
  ASSERT_EQ(unlink(files_.group.c_str()), 0);
  EXPECT_EQ(List("5,3"), (Groups{3, 5}));
  EXPECT_EQ(Fail("audio"),
            "--groups audio: audio: " + files_.group + ": No such file or directory");
}

}  // namespace
}  // namespace hardinit
