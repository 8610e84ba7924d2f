#include "harness.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace hardinit::testing {
namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void ChildFail(const char* what) {
  const int e = errno;
  dprintf(STDERR_FILENO, "harness: %s: %s\n", what, strerror(e));
  _exit(250);
}

}  // namespace

Process::Process(const std::vector<std::string>& args, const RunOptions& options) {
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0) return;
  std::vector<std::string> argv_storage;
  argv_storage.push_back(options.argv0.empty() ? options.program : options.argv0);
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_storage = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"};
  env_storage.insert(env_storage.end(), options.env.begin(), options.env.end());
  std::vector<char*> envp;
  for (std::string& e : env_storage) envp.push_back(e.data());
  envp.push_back(nullptr);

  const unsigned long flags = options.new_pid_namespace ? CLONE_NEWPID | CLONE_NEWNS : 0;
  // A raw clone behaves like fork(); with CLONE_NEWPID the child is PID 1 of the new namespace.
  pid_ = static_cast<pid_t>(syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0));
  if (pid_ == 0) {
    if (options.new_pid_namespace) {
      if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) ChildFail("mount /");
      if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0) {
        ChildFail("mount /proc");
      }
    }
    const int null_fd = open("/dev/null", O_RDONLY);
    dup2(null_fd, STDIN_FILENO);
    dup2(out_pipe[1], STDOUT_FILENO);
    dup2(err_pipe[1], STDERR_FILENO);
    // gtest may have left signals blocked or handled; start from a clean slate.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int sig = 1; sig < NSIG; ++sig) signal(sig, SIG_DFL);
    if (options.before_exec) options.before_exec();
    execve(options.program.c_str(), argv.data(), envp.data());
    ChildFail("execve");
  }
  close(out_pipe[1]);
  close(err_pipe[1]);
  out_fd_ = out_pipe[0];
  err_fd_ = err_pipe[0];
}

Process::~Process() {
  if (pid_ > 0 && !reaped_) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  if (out_fd_ >= 0) close(out_fd_);
  if (err_fd_ >= 0) close(err_fd_);
}

void Process::Pump(int timeout_ms) {
  pollfd fds[2] = {{out_fd_, POLLIN, 0}, {err_fd_, POLLIN, 0}};
  if (poll(fds, 2, timeout_ms) <= 0) return;
  char buffer[65536];
  for (int i = 0; i < 2; ++i) {
    if ((fds[i].revents & (POLLIN | POLLHUP)) == 0) continue;
    const ssize_t n = read(fds[i].fd, buffer, sizeof(buffer));
    if (n > 0) (i == 0 ? out_ : err_).append(buffer, static_cast<size_t>(n));
    if (n == 0) {
      close(fds[i].fd);
      (i == 0 ? out_fd_ : err_fd_) = -1;
    }
  }
}

bool Process::WaitForOutput(const std::string& needle, int timeout_ms) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  while (out_.find(needle) == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0 || (out_fd_ < 0 && err_fd_ < 0)) return false;
    Pump(static_cast<int>(std::min<long>(left.count(), 100)));
  }
  return true;
}

void Process::Signal(int sig) { kill(pid_, sig); }

RunResult Process::Wait(int timeout_ms) {
  RunResult result;
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  int status = 0;
  for (;;) {
    const pid_t done = waitpid(pid_, &status, WNOHANG);
    if (done == pid_) break;
    if (Clock::now() >= deadline) {
      result.timed_out = true;
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      break;
    }
    if (out_fd_ >= 0 || err_fd_ >= 0) {
      Pump(20);
    } else {
      usleep(5000);
    }
  }
  reaped_ = true;
  // Collect what is left in the pipes (writers may linger a moment: give them 1 s).
  const auto drain_deadline = Clock::now() + std::chrono::seconds(1);
  while ((out_fd_ >= 0 || err_fd_ >= 0) && Clock::now() < drain_deadline) Pump(50);
  result.exit_code = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
  result.out = out_;
  result.err = err_;
  return result;
}

RunResult RunHardinit(const std::vector<std::string>& args, const RunOptions& options) {
  Process process(args, options);
  return process.Wait(options.timeout_ms);
}

std::map<std::string, std::string> ParseReport(const std::string& out) {
  std::map<std::string, std::string> report;
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line)) {
    const size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    const std::string key = line.substr(0, eq);
    const std::string value = line.substr(eq + 1);
    auto [it, inserted] = report.emplace(key, value);
    if (!inserted) it->second += "," + value;
  }
  return report;
}

namespace {

// Removes every directory MakeTempDir made, once all tests have run: a gtest environment
// tears down in the test process only, never in a child a test forked.
class TempDirCleanup : public ::testing::Environment {
 public:
  void Add(std::string dir) { dirs_.push_back(std::move(dir)); }
  void TearDown() override {
    for (const std::string& dir : dirs_) {
      std::error_code ignored;
      std::filesystem::remove_all(dir, ignored);
    }
  }

 private:
  std::vector<std::string> dirs_;
};

TempDirCleanup* const temp_dirs = static_cast<TempDirCleanup*>(
    ::testing::AddGlobalTestEnvironment(new TempDirCleanup));  // gtest owns it

}  // namespace

std::string MakeTempDir() {
  char pattern[] = "/tmp/hardinit-test-XXXXXX";
  const char* dir = mkdtemp(pattern);
  if (dir == nullptr) return "";
  chmod(dir, 0755);
  temp_dirs->Add(dir);
  return dir;
}

void WriteFile(const std::string& path, const std::string& text, mode_t mode) {
  std::ofstream(path) << text;
  chmod(path.c_str(), mode);
}

}  // namespace hardinit::testing
