#include "hardinit/spawn.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "hardinit/child.h"
#include "hardinit/error.h"
#include "hardinit/exit_codes.h"
#include "hardinit/log.h"

namespace hardinit {
namespace {

std::string StepWithArgument(const ChildError& error, const LaunchPlan& plan) {
  switch (error.step) {
    case Step::kSetResUid: return "setresuid(" + std::to_string(plan.uid) + ")";
    case Step::kSetResGid: return "setresgid(" + std::to_string(plan.gid) + ")";
    case Step::kSetGroups: return "setgroups(" + std::to_string(plan.group_count) + " groups)";
    case Step::kExec: return std::string("execve ") + plan.path;
    default: return StepName(error.step);
  }
}

}  // namespace

std::string DescribeChildError(const ChildError& error, const LaunchPlan& plan) {
  const std::string what = StepWithArgument(error, plan);
  if (error.error == 0) return what + ": the result differs from the plan";
  return ErrnoMessage(what, error.error);
}

bool Spawn(const LaunchPlan& plan, pid_t* child, int* exit_code, std::string* err) {
  *exit_code = kExitFailedBeforeStart;
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
    *err = ErrnoMessage("pipe2", errno);
    return false;
  }
  FlushLog();
  const pid_t pid = fork();
  if (pid < 0) {
    *err = ErrnoMessage("fork", errno);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    return false;
  }
  if (pid == 0) {
    RealSys sys;
    ChildMain(plan, sys, pipe_fds[1]);
  }
  close(pipe_fds[1]);
  ChildError error;
  size_t received = 0;
  while (received < sizeof(error)) {
    const ssize_t n = read(pipe_fds[0], reinterpret_cast<char*>(&error) + received,
                           sizeof(error) - received);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    received += static_cast<size_t>(n);
  }
  close(pipe_fds[0]);
  if (received == 0) {
    *child = pid;
    return true;
  }
  // The child exits right after writing; reap it so no zombie is left behind.
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (received < sizeof(error)) {
    *err = "the child died before it could exec the program";
    return false;
  }
  *exit_code = ExitCodeFor(error);
  *err = DescribeChildError(error, plan);
  return false;
}

int ExecInPlace(const LaunchPlan& plan, std::string* err) {
  FlushLog();
  RealSys sys;
  const ChildError error = RunChildSteps(plan, sys);
  *err = DescribeChildError(error, plan);
  return ExitCodeFor(error);
}

}  // namespace hardinit
