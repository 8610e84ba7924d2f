#include "hardinit/spawn.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "hardinit/child.h"
#include "hardinit/error.h"
#include "hardinit/exit_codes.h"
#include "hardinit/log.h"
#include "hardinit/signals.h"
#include "hardinit/supervisor.h"

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

// Reads the child's records into `buffer` until `size` bytes, or until execve closes the pipe
// or the child is gone. With a `listener` it answers the child's reported calls meanwhile (the
// wait for PID 1's drop, the record's write and execve are reported: design.md §3.12).
size_t ReadRecords(int fd, void* buffer, size_t size, SeccompListener* listener = nullptr) {
  size_t received = 0;
  while (received < size) {
    if (listener != nullptr && listener->fd() >= 0) {
      pollfd fds[2] = {{fd, POLLIN, 0}, {listener->fd(), POLLIN, 0}};
      if (poll(fds, 2, -1) < 0) {
        if (errno == EINTR) continue;
        break;
      }
      if ((fds[1].revents & POLLIN) != 0) {
        listener->Service();
      } else if ((fds[1].revents & (POLLHUP | POLLERR | POLLNVAL)) != 0) {
        listener->Close();  // the child is gone; the pipe says so next
      }
      if (fds[0].revents == 0) continue;
    }
    const ssize_t n = read(fd, static_cast<char*>(buffer) + received, size - received);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    received += static_cast<size_t>(n);
  }
  return received;
}

// The child ended before it reached exec without saying why: a signal killed it (the OOM
// killer, a kill -9, a seccomp filter), or it could not write its report.
std::string DescribeSilentDeath(int status, const LaunchPlan& plan) {
  if (WIFEXITED(status) && plan.listener_socket >= 0 &&
      WEXITSTATUS(status) == (kListenerHandoverFailedExit & 0xff)) {
    return "the child could not hand its seccomp listener to PID 1 (sendmsg failed) and "
           "exited before it could start the program";
  }
  if (!WIFSIGNALED(status)) {
    return "the child exited with status " + std::to_string(ExitCodeForStatus(status)) +
           " before it could start the program, without a report (does the seccomp profile "
           "deny write(2)?)";
  }
  std::string what = "the child was killed by " + SignalName(WTERMSIG(status)) +
                     " before it could start the program";
  if (WTERMSIG(status) == SIGSYS) {
    what += plan.filter_len == 0
                ? " (a seccomp filter hardinit was started under kills a call it needs)"
                : " (a seccomp filter hardinit was started under kills a call it needs, or the "
                  "profile kills read(2) or write(2))";
  }
  return what;
}

}  // namespace

std::string DescribeChildError(const ChildError& error, const LaunchPlan& plan) {
  const std::string what = StepWithArgument(error, plan);
  if (error.error == 0) return what + ": the result differs from the plan";
  return ErrnoMessage(what, error.error);
}

bool Spawn(const LaunchPlan& plan, Sys& child_sys, pid_t* child, int* exit_code, std::string* err,
           SeccompListener* listener) {
  return Spawn(plan, child_sys, [] {}, child, exit_code, err, listener);
}

bool Spawn(const LaunchPlan& plan, Sys& child_sys, const std::function<void()>& in_parent,
           pid_t* child, int* exit_code, std::string* err, SeccompListener* listener) {
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
  if (pid == 0) ChildMain(plan, child_sys, pipe_fds[1]);
  close(pipe_fds[1]);
  // The child loads its filter and sends the listener right after its privilege record, with
  // no reported call in between: PID 1 receives it before its own drop, whose filter names the
  // listener's fd. A child waiting for answers nobody gives would never close the pipe.
  auto receive_listener = [&] {
    if (listener == nullptr || listener->Receive(err)) return true;
    kill(pid, SIGKILL);
    while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    close(pipe_fds[0]);
    return false;
  };
  // At most two records after the first: kReachedExecRecord, then execve's failure.
  ChildError records[2];
  size_t received = 0;
  if (plan.supervisor_ready_fd < 0) {
    if (!receive_listener()) return false;
    in_parent();
  } else {
    // PID 1's drop starts once the child's own holds (design.md §3.5). A child that failed
    // before sent its failure instead, or nothing: that is the first record.
    ChildError first;
    const size_t got = ReadRecords(pipe_fds[0], &first, sizeof(first));
    if (got == sizeof(first) && first.step == Step::kPrivilegesDropped) {
      if (!receive_listener()) return false;
      in_parent();
    } else {
      std::memcpy(records, &first, got);
      received = got;
    }
  }
  received += ReadRecords(pipe_fds[0], reinterpret_cast<char*>(records) + received,
                          sizeof(records) - received, listener);
  close(pipe_fds[0]);
  const bool reached_exec = received >= sizeof(ChildError) && records[0].step == Step::kReachedExec;
  if (reached_exec && received == sizeof(ChildError)) {
    *child = pid;
    return true;
  }
  // The child has failed or died; reap it so no zombie is left behind.
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  const ChildError* failure = nullptr;
  if (reached_exec && received == sizeof(records)) failure = &records[1];
  if (!reached_exec && received >= sizeof(ChildError)) failure = &records[0];
  if (failure == nullptr) {
    *err = DescribeSilentDeath(status, plan);
    return false;
  }
  *exit_code = ExitCodeFor(*failure);
  *err = DescribeChildError(*failure, plan);
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
