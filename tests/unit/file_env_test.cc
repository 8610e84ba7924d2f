// --file-env (design.md §3.10): postgres' file_env semantics, every error case, and that no
// error message ever holds the secret.
#include "hardinit/file_env.h"

#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include "hardinit/cli.h"
#include "temp_dir_test.h"

namespace hardinit {
namespace {

using Env = std::vector<std::string>;

constexpr char kSecret[] = "s3cret-Value";

// The entries of `env` named `name` ("NAME=value"), values only.
std::vector<std::string> ValuesOf(const Env& env, const std::string& name) {
  std::vector<std::string> values;
  for (const std::string& entry : env) {
    if (entry.starts_with(name + "=")) values.push_back(entry.substr(name.size() + 1));
  }
  return values;
}

TEST(FileEnvNames, ParsesACommaSeparatedList) {
  std::vector<std::string> names;
  std::string err;
  ASSERT_TRUE(ParseFileEnvNames("DB_PASSWORD,API_KEY", &names, &err)) << err;
  EXPECT_EQ(names, (std::vector<std::string>{"DB_PASSWORD", "API_KEY"}));
  ASSERT_TRUE(ParseFileEnvNames("_a1,B,_a1", &names, &err)) << err;
  EXPECT_EQ(names, (std::vector<std::string>{"_a1", "B"})) << "repeats dropped";
  ASSERT_TRUE(ParseFileEnvNames("", &names, &err)) << err;
  EXPECT_TRUE(names.empty());
}

TEST(FileEnvNames, RefusesWhatIsNotAVariableName) {
  for (const char* bad : {"A,,B", "A,", ",A", "1A", "A-B", "A=B", "A B", " A", "A, B", "Ä", "A\nB"}) {
    std::vector<std::string> names = {"untouched"};
    std::string err;
    EXPECT_FALSE(ParseFileEnvNames(bad, &names, &err)) << bad;
    EXPECT_EQ(err.rfind("not a variable name: ", 0), 0u) << err;
    EXPECT_EQ(names, std::vector<std::string>{"untouched"});
  }
}

TEST(FileEnvNames, FlagAndEnvironmentReachTheOptions) {
  Options options;
  std::string err;
  ASSERT_TRUE(ParseCommandLine({"hardinit", "--file-env", "A,B", "prog"}, {}, &options, &err));
  EXPECT_EQ(options.file_env, (std::vector<std::string>{"A", "B"}));
  // The flag wins over the environment, as every flag does.
  ASSERT_TRUE(ParseCommandLine({"hardinit", "--file-env=C", "prog"}, {{"HARDINIT_FILE_ENV", "A"}},
                               &options, &err));
  EXPECT_EQ(options.file_env, std::vector<std::string>{"C"});
  // Under every name: the environment is all docker run --init and gosu's syntax leave.
  for (const char* argv0 : {"hardinit", "/sbin/docker-init", "tini", "gosu"}) {
    std::vector<std::string> argv = {argv0};
    if (std::string(argv0) == "gosu") argv.push_back("app");
    argv.push_back("prog");
    ASSERT_TRUE(ParseCommandLine(argv, {{"HARDINIT_FILE_ENV", "DB_PASSWORD"}}, &options, &err))
        << argv0 << ": " << err;
    EXPECT_EQ(options.file_env, std::vector<std::string>{"DB_PASSWORD"}) << argv0;
  }
  EXPECT_FALSE(
      ParseCommandLine({"hardinit", "prog"}, {{"HARDINIT_FILE_ENV", "A,"}}, &options, &err));
  EXPECT_EQ(err.rfind("HARDINIT_FILE_ENV: not a variable name", 0), 0u) << err;
  // tini has no such flag: tini's own flags only.
  EXPECT_FALSE(ParseCommandLine({"tini", "--file-env", "A", "prog"}, {}, &options, &err));
}

class FileEnvTest : public TempDirTest {
 protected:
  // Applies `names` to `env`; on failure checks the message never holds the secret.
  bool Apply(std::vector<std::string> names, Env* env, std::string* err) {
    const bool ok = ApplyFileEnv(names, env, err);
    if (!ok) {
      EXPECT_EQ(err->find(kSecret), std::string::npos) << *err;
    }
    return ok;
  }
  // Expects failure with a message holding every one of `parts`, and `env` untouched.
  void ExpectError(std::vector<std::string> names, Env env, std::vector<std::string> parts) {
    const Env before = env;
    std::string err;
    ASSERT_FALSE(Apply(names, &env, &err));
    for (const std::string& part : parts) EXPECT_NE(err.find(part), std::string::npos) << err;
    EXPECT_EQ(err.find('\n'), std::string::npos) << "one line: " << err;
    EXPECT_EQ(env, before) << "nothing half-done";
  }
};

TEST_F(FileEnvTest, SetsNameFromTheFileAndRemovesNameFile) {
  const std::string path = Write("db", std::string(kSecret) + "\n");
  Env env = {"PATH=/bin", "DB_PASSWORD_FILE=" + path, "OTHER=1"};
  std::string err;
  ASSERT_TRUE(Apply({"DB_PASSWORD"}, &env, &err)) << err;
  EXPECT_EQ(ValuesOf(env, "DB_PASSWORD"), std::vector<std::string>{kSecret});
  EXPECT_TRUE(ValuesOf(env, "DB_PASSWORD_FILE").empty());
  EXPECT_EQ(ValuesOf(env, "PATH"), std::vector<std::string>{"/bin"});
  EXPECT_EQ(ValuesOf(env, "OTHER"), std::vector<std::string>{"1"});
  EXPECT_EQ(env.size(), 3u);
}

TEST_F(FileEnvTest, RemovesExactlyOneTrailingNewline) {
  const std::vector<std::pair<std::string, std::string>> cases = {{"a", "a"},
                                                                  {"a\n", "a"},
                                                                  {"a\n\n", "a\n"},
                                                                  {"a\r\n", "a\r"},
                                                                  {"\n", ""},
                                                                  {"", ""},
                                                                  {"multi\nline\n", "multi\nline"}};
  for (const auto& [content, want] : cases) {
    Env env = {"K_FILE=" + Write("k", content)};
    std::string err;
    ASSERT_TRUE(Apply({"K"}, &env, &err)) << err;
    EXPECT_EQ(ValuesOf(env, "K"), std::vector<std::string>{want});
  }
}

TEST_F(FileEnvTest, OnlyListedNamesAreTouched) {
  const std::string path = Write("k", "v");
  Env env = {"SSL_CERT_FILE=/etc/ssl/cert.pem", "K_FILE=" + path, "L_FILE=" + path};
  std::string err;
  ASSERT_TRUE(Apply({"K"}, &env, &err)) << err;
  EXPECT_EQ(ValuesOf(env, "SSL_CERT_FILE"), std::vector<std::string>{"/etc/ssl/cert.pem"});
  EXPECT_EQ(ValuesOf(env, "L_FILE"), std::vector<std::string>{path});
  EXPECT_TRUE(ValuesOf(env, "L").empty());
  EXPECT_EQ(ValuesOf(env, "K"), std::vector<std::string>{"v"});
}

TEST_F(FileEnvTest, EmptyCountsAsUnsetAsInPostgres) {
  const std::string path = Write("k", "from-file");
  // NAME="" with NAME_FILE set: the file wins (`[ "${!var:-}" ]` is false for "").
  Env env = {"K=", "K_FILE=" + path};
  std::string err;
  ASSERT_TRUE(Apply({"K"}, &env, &err)) << err;
  EXPECT_EQ(ValuesOf(env, "K"), std::vector<std::string>{"from-file"});
  // NAME_FILE="": NAME stays, the empty NAME_FILE goes.
  env = {"K=kept", "K_FILE="};
  ASSERT_TRUE(Apply({"K"}, &env, &err)) << err;
  EXPECT_EQ(env, Env{"K=kept"});
  // Neither: nothing is created.
  env = {"PATH=/bin"};
  ASSERT_TRUE(Apply({"K"}, &env, &err)) << err;
  EXPECT_EQ(env, Env{"PATH=/bin"});
}

TEST_F(FileEnvTest, DuplicateEntriesAllGo) {
  const std::string path = Write("k", "new");
  Env env = {"K_FILE=" + path, "K_FILE=/elsewhere", "K="};
  std::string err;
  ASSERT_TRUE(Apply({"K"}, &env, &err)) << err;
  EXPECT_EQ(env, Env{"K=new"});
}

TEST_F(FileEnvTest, FollowsSymlinksAsKubernetesSecretsAre) {
  // A Kubernetes secret volume: KEY -> ..data/KEY -> ..2024_01_01/KEY.
  ASSERT_EQ(mkdir((dir_ + "/..2024").c_str(), 0755), 0);
  Write("..2024/key", kSecret);
  ASSERT_EQ(symlink("..2024", (dir_ + "/..data").c_str()), 0);
  ASSERT_EQ(symlink("..data/key", (dir_ + "/key").c_str()), 0);
  Env env = {"K_FILE=" + dir_ + "/key"};
  std::string err;
  ASSERT_TRUE(Apply({"K"}, &env, &err)) << err;
  EXPECT_EQ(ValuesOf(env, "K"), std::vector<std::string>{kSecret});
}

TEST_F(FileEnvTest, BothSetIsAnErrorThatDoesNotShowTheValue) {
  const std::string path = Write("k", "file-value");
  ExpectError({"DB_PASSWORD"}, {std::string("DB_PASSWORD=") + kSecret, "DB_PASSWORD_FILE=" + path},
              {"DB_PASSWORD and DB_PASSWORD_FILE are both set"});
}

TEST_F(FileEnvTest, MissingFileNamesTheVariableAndThePath) {
  ExpectError({"K"}, {"K_FILE=" + dir_ + "/missing"},
              {"K_FILE=" + dir_ + "/missing", "No such file or directory"});
  ExpectError({"K"}, {"K_FILE=/etc/passwd/below-a-file"},
              {"K_FILE=/etc/passwd/below-a-file", "Not a directory"});
}

TEST_F(FileEnvTest, DirectoryAndFifoAreNotRegularFiles) {
  ExpectError({"K"}, {"K_FILE=" + dir_}, {"K_FILE=" + dir_, "not a regular file"});
  const std::string fifo = dir_ + "/fifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  // No writer: a blocking open would hang here; the bounded reader's open does not.
  ExpectError({"K"}, {"K_FILE=" + fifo}, {"K_FILE=" + fifo, "not a regular file"});
  ExpectError({"K"}, {"K_FILE=/dev/null"}, {"K_FILE=/dev/null", "not a regular file"});
}

TEST_F(FileEnvTest, OneMebibyteIsTheLimit) {
  // At the limit the read succeeds, and then execve's own limit for one string applies.
  const std::string at_limit = Write("big", std::string(kMaxFileEnvBytes, 'x'));
  ExpectError({"K"}, {"K_FILE=" + at_limit},
              {"K_FILE=" + at_limit, "longer than the kernel allows"});
  const std::string over = Write("bigger", std::string(kMaxFileEnvBytes + 1, 'x'));
  ExpectError({"K"}, {"K_FILE=" + over}, {"K_FILE=" + over, "larger than 1 MiB"});
  // The largest value execve takes for K (MAX_ARG_STRLEN = 32 pages, "K=" and the NUL included).
  Env env = {"K_FILE=" + Write("fits", std::string(32 * 4096 - 3, 'x'))};
  std::string err;
  ASSERT_TRUE(Apply({"K"}, &env, &err)) << err;
  env = {"K_FILE=" + Write("fits", std::string(32 * 4096 - 2, 'x'))};
  ExpectError({"K"}, env, {"longer than the kernel allows"});
}

TEST_F(FileEnvTest, NulByteIsRefusedWithoutShowingTheContent) {
  const std::string path = Write("nul", std::string(kSecret) + std::string(1, '\0') + "tail");
  ExpectError({"K"}, {"K_FILE=" + path}, {"K_FILE=" + path, "NUL byte"});
}

TEST_F(FileEnvTest, AFailureOnTheSecondNameLeavesTheFirstUnapplied) {
  const std::string path = Write("a", "a-value");
  ExpectError({"A", "B"}, {"A_FILE=" + path, "B_FILE=" + dir_ + "/missing"}, {"B_FILE="});
}

// A 0400 root file is what --file-env is for: root reads it, anyone else gets EACCES, and the
// message says as whom it was read. As root, the reading that must fail runs in a child that
// has dropped to uid 65534 and reports through a pipe and its exit code.
TEST_F(FileEnvTest, UnreadableFileNamesTheUidItWasReadAs) {
  const std::string path = Write("root-only", kSecret);
  ASSERT_EQ(chmod(dir_.c_str(), 0755), 0);
  auto read_is_refused = [&path](std::string* message) {
    Env env = {"K_FILE=" + path};
    const bool refused = !ApplyFileEnv({"K"}, &env, message);
    const std::string want = "K_FILE=" + path + ": open: Permission denied (read as uid " +
                             std::to_string(geteuid()) + ")";
    return refused && message->find(want) != std::string::npos &&
           message->find(kSecret) == std::string::npos;
  };
  std::string message;
  if (geteuid() != 0) {
    ASSERT_EQ(chmod(path.c_str(), 0), 0);
    EXPECT_TRUE(read_is_refused(&message)) << message;
    return;
  }
  ASSERT_EQ(chmod(path.c_str(), 0400), 0);
  ASSERT_EQ(chown(path.c_str(), 0, 0), 0);
  // Positive control: root reads it.
  Env env = {"K_FILE=" + path};
  std::string err;
  ASSERT_TRUE(Apply({"K"}, &env, &err)) << err;
  EXPECT_EQ(ValuesOf(env, "K"), std::vector<std::string>{kSecret});

  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(fds[0]);
    if (setgroups(0, nullptr) != 0 || setresgid(65534, 65534, 65534) != 0 ||
        setresuid(65534, 65534, 65534) != 0) {
      _exit(2);
    }
    const bool refused = read_is_refused(&message);
    if (write(fds[1], message.data(), message.size()) < 0) _exit(3);
    _exit(refused ? 0 : 1);
  }
  close(fds[1]);
  char buffer[512];
  for (ssize_t n; (n = read(fds[0], buffer, sizeof(buffer))) > 0;) message.append(buffer, n);
  close(fds[0]);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "2: could not drop to uid 65534; message: " << message;
}

}  // namespace
}  // namespace hardinit
