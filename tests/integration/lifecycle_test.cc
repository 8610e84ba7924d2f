// Stopping the rest of the tree when the program exits (design.md §3.5; tini#180, #95, #236,
// dumb-init#212), and signal rewriting (-r).
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <cstdio>
#include <fstream>
#include <functional>
#include <thread>

#include "harness.h"

namespace hardinit::testing {
namespace {

using Clock = std::chrono::steady_clock;

bool Exists(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0;
}

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// A program that leaves three kinds of processes behind when it exits with status 3:
// a patient child that finishes its shutdown work on SIGTERM, a stubborn child that ignores
// SIGTERM, and a double-forked daemon (re-parented to PID 1) that also cleans up on SIGTERM.
std::string TreeScript(const std::string& dir, bool stubborn) {
  std::string script =
      "D=" + dir + "\n"
      "( trap 'sleep 0.2; echo done > $D/patient; exit 0' TERM; "
      "while :; do sleep 0.05; done ) &\n"
      "( ( trap 'echo done > $D/daemon; exit 0' TERM; while :; do sleep 0.05; done ) & ) &\n";
  if (stubborn) script += "( trap '' TERM; while :; do sleep 0.05; done ) &\n";
  script += "sleep 0.3\nexit 3\n";
  return script;
}

TEST(Lifecycle, TheRestGetSigtermTheirGracePeriodAndSigkill) {
  HARDINIT_REQUIRE_ROOT();
  const std::string dir = MakeTempDir();
  const auto start = Clock::now();
  RunResult r = RunHardinit({"--grace", "2", "--seccomp", "unconfined", "--", "/bin/busybox",
                             "sh", "-c", TreeScript(dir, /*stubborn=*/true)});
  const double elapsed = SecondsSince(start);
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_TRUE(Exists(dir + "/patient")) << "the patient child was not given its time";
  EXPECT_TRUE(Exists(dir + "/daemon")) << "the re-parented daemon did not get SIGTERM";
  // The stubborn one holds hardinit until the deadline (0.3 s of script + 2 s of grace),
  // and not much longer: it is SIGKILLed then.
  EXPECT_GE(elapsed, 2.3);
  EXPECT_LT(elapsed, 2.3 + 1.5);
}

TEST(Lifecycle, TheWaitEndsWhenTheLastProcessIsGone) {
  HARDINIT_REQUIRE_ROOT();
  const std::string dir = MakeTempDir();
  const auto start = Clock::now();
  RunResult r = RunHardinit({"--grace", "20", "--seccomp", "unconfined", "--", "/bin/busybox",
                             "sh", "-c", TreeScript(dir, /*stubborn=*/false)});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_TRUE(Exists(dir + "/patient"));
  EXPECT_TRUE(Exists(dir + "/daemon"));
  EXPECT_LT(SecondsSince(start), 3.0) << "hardinit slept through the grace period";
}

// Negative control: with --grace 0 (tini's behaviour) hardinit exits with the program and
// the kernel SIGKILLs the rest of the namespace: no shutdown work gets done.
TEST(Lifecycle, GraceZeroExitsAtOnceLikeTini) {
  HARDINIT_REQUIRE_ROOT();
  const std::string dir = MakeTempDir();
  const auto start = Clock::now();
  RunResult r = RunHardinit({"--grace", "0", "--seccomp", "unconfined", "--", "/bin/busybox",
                             "sh", "-c", TreeScript(dir, /*stubborn=*/true)});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_LT(SecondsSince(start), 1.5);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_FALSE(Exists(dir + "/patient"));
  EXPECT_FALSE(Exists(dir + "/daemon"));
}

TEST(Lifecycle, SigtermToPid1ReachesTheProgramAtOnce) {
  HARDINIT_REQUIRE_ROOT();
  const std::string dir = MakeTempDir();
  // `docker stop`: the program stops on SIGTERM; its patient helper gets the grace period.
  const std::string script =
      "D=" + dir + "\n"
      "trap 'exit 0' TERM\n"
      // The helper says ready once its own trap is in place.
      "( trap 'sleep 0.2; echo done > $D/helper; exit 0' TERM; echo ready=1; "
      "while :; do sleep 0.05; done ) &\n"
      "while :; do sleep 0.05; done\n";
  Process p({"--grace", "5", "--seccomp", "unconfined", "--", "/bin/busybox", "sh", "-c", script},
            {});
  ASSERT_TRUE(p.WaitForOutput("ready=1")) << p.out();
  const auto start = Clock::now();
  p.Signal(SIGTERM);
  RunResult r = p.Wait();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_LT(SecondsSince(start), 2.0);
  EXPECT_TRUE(Exists(dir + "/helper"));
}

// As a subreaper (not PID 1) hardinit signals only its own descendants, never kill(-1):
// another process of the same uid outside its tree survives the shutdown.
TEST(Lifecycle, ASubreaperSignalsOnlyItsOwnDescendants) {
  HARDINIT_REQUIRE_ROOT();
  const pid_t outsider = fork();
  if (outsider == 0) {
    execl("/bin/busybox", "sleep", "30", nullptr);
    _exit(127);
  }
  const std::string dir = MakeTempDir();
  RunOptions options;
  options.new_pid_namespace = false;
  // The orphan writes its own pid: `$$` in a subshell is the outer shell's, which exits with
  // the program whatever hardinit does. It ignores SIGTERM (an ignored signal stays ignored
  // across exec), so only the SIGKILL at the end of the grace period stops it.
  const std::string script = "( ( trap '' TERM; exec /bin/busybox sh -c 'echo $$ > " + dir +
                             "/orphan; while :; do sleep 0.05; done' ) & ) &\n"
                             "sleep 0.3; exit 4\n";
  auto run_and_read_orphan = [&](const char* grace) {
    std::remove((dir + "/orphan").c_str());
    RunResult r = RunHardinit(
        {"--grace", grace, "--seccomp", "unconfined", "--", "/bin/busybox", "sh", "-c", script},
        options);
    EXPECT_EQ(r.exit_code, 4) << r.err;
    std::string orphan;
    std::ifstream(dir + "/orphan") >> orphan;
    return orphan;
  };
  const std::string orphan = run_and_read_orphan("0.5");
  ASSERT_FALSE(orphan.empty());
  EXPECT_FALSE(Exists("/proc/" + orphan)) << "the orphan in hardinit's tree survived";
  EXPECT_EQ(waitpid(outsider, nullptr, WNOHANG), 0) << "a process outside the tree was killed";
  kill(outsider, SIGKILL);
  waitpid(outsider, nullptr, 0);

  // Negative control: with --grace 0 hardinit leaves the rest alone, and the same orphan
  // outlives it (as a subreaper there is no namespace whose end would kill it).
  const std::string survivor = run_and_read_orphan("0");
  ASSERT_FALSE(survivor.empty());
  EXPECT_TRUE(Exists("/proc/" + survivor)) << "the check above cannot see a survivor";
  kill(static_cast<pid_t>(std::stol(survivor)), SIGKILL);
}

// A descendant that never stays at one pid (it forks and its parent exits, forever, with
// SIGTERM ignored): a subreaper's /proc walk sends SIGKILL to a pid that is already gone,
// while the child it missed lives on. 200 other descendants that ignore SIGTERM make the walk
// take long enough for that to happen every time. hardinit used to send SIGKILL once and then
// wait for the hopper forever; now it walks and kills again on every reap and every 100 ms,
// and gives up after a bounded time (issue 12). hardinit runs under a shell that is PID 1 of a
// fresh namespace, so it is a subreaper and whatever it leaves behind dies with the namespace.
TEST(Lifecycle, ASubreaperStopsAHoppingDescendantOrGivesUpInBoundedTime) {
  HARDINIT_REQUIRE_ROOT();
  RunOptions options;
  options.program = "/bin/busybox";
  options.argv0 = "sh";
  const std::string script = kHardinit + " --grace 0.5 --seccomp unconfined --log-level info -- " +
                             kProbe + " stubborn 200 hopper exit 4; echo hardinit_exit=$?";
  const auto start = Clock::now();
  RunResult r = RunHardinit({"-c", script}, options);
  const double elapsed = SecondsSince(start);
  ASSERT_FALSE(r.timed_out) << "hardinit waited for the hopper forever: " << r.err;
  auto report = ParseReport(r.out);
  EXPECT_NE(report["hopper"], "") << r.out;
  EXPECT_EQ(report["hardinit_exit"], "4") << r.err;
  // 0.5 s of grace and at most 2 s of killing, with room for a loaded machine.
  EXPECT_LT(elapsed, 0.5 + 2 + 5) << r.err;
  std::printf("hopper: hardinit exited after %.2f s; %s\n", elapsed,
              r.err.find("still there") != std::string::npos ? "gave up on it" : "caught it");
}

// Makes prctl(PR_SET_DUMPABLE, ...) wait for the test's answer, through a seccomp user
// notification: PID 1 makes that call in its own drop right after the fork, and nothing else
// in the test does. The test holds it, looks whether the program has started meanwhile, then
// answers.
class HeldDumpable {
 public:
  HeldDumpable() {
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sockets_) != 0) sockets_[0] = -1;
  }
  ~HeldDumpable() {
    for (int fd : {sockets_[0], sockets_[1], listener_}) {
      if (fd >= 0) close(fd);
    }
  }

  // For RunOptions::before_exec: installs the filter and sends its listener to the test.
  std::function<void()> Install() const {
    const int socket = sockets_[1];
    return [socket] {
      sock_filter filter[] = {
          BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
          BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_prctl, 0, 3),
          BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, args[0])),
          BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PR_SET_DUMPABLE, 0, 1),
          BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
          BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      };
      sock_fprog program{sizeof(filter) / sizeof(filter[0]), filter};
      const int listener = static_cast<int>(syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
                                                    SECCOMP_FILTER_FLAG_NEW_LISTENER, &program));
      if (listener < 0) _exit(251);
      char byte = 0;
      iovec data{&byte, 1};
      alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
      msghdr message{};
      message.msg_iov = &data;
      message.msg_iovlen = 1;
      message.msg_control = control;
      message.msg_controllen = sizeof(control);
      cmsghdr* header = CMSG_FIRSTHDR(&message);
      header->cmsg_level = SOL_SOCKET;
      header->cmsg_type = SCM_RIGHTS;
      header->cmsg_len = CMSG_LEN(sizeof(int));
      std::memcpy(CMSG_DATA(header), &listener, sizeof(int));
      if (sendmsg(socket, &message, 0) != 1) _exit(252);
      close(listener);
    };
  }

  // Waits for PID 1's call and holds it for `hold_ms`; *started says whether `started_file`
  // appeared meanwhile. Then the call fails with `error`, or runs when `error` is 0.
  bool Answer(int error, const std::string& started_file, int hold_ms, bool* started) {
    pollfd wait_socket{sockets_[0], POLLIN, 0};
    if (poll(&wait_socket, 1, 10000) != 1) return false;
    char byte;
    iovec data{&byte, 1};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr message{};
    message.msg_iov = &data;
    message.msg_iovlen = 1;
    message.msg_control = control;
    message.msg_controllen = sizeof(control);
    if (recvmsg(sockets_[0], &message, 0) != 1) return false;
    std::memcpy(&listener_, CMSG_DATA(CMSG_FIRSTHDR(&message)), sizeof(int));
    pollfd wait_call{listener_, POLLIN, 0};
    if (poll(&wait_call, 1, 10000) != 1) return false;
    seccomp_notif call{};
    if (ioctl(listener_, SECCOMP_IOCTL_NOTIF_RECV, &call) != 0) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(hold_ms));
    *started = Exists(started_file);
    seccomp_notif_resp answer{};
    answer.id = call.id;
    answer.error = -error;
    if (error == 0) answer.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
    return ioctl(listener_, SECCOMP_IOCTL_NOTIF_SEND, &answer) == 0;
  }

 private:
  int sockets_[2] = {-1, -1};
  int listener_ = -1;
};

// The child waits for PID 1's word before its filter and exec (design.md §3.5): while PID 1's
// drop is held, the program has not started; when the drop fails, it never does, and hardinit
// exits 125 with PID 1's own failure. As PID 1 and as a subreaper. (PID 1 used to drop after
// the program had started, and then had to stop a tree that could hold daemons: issue 12.)
TEST(Lifecycle, AFailedSelfDropNeverStartsTheProgram) {
  HARDINIT_REQUIRE_ROOT();
  for (const bool pid1 : {true, false}) {
    SCOPED_TRACE(pid1 ? "as PID 1" : "as a subreaper");
    const std::string dir = MakeTempDir();
    chmod(dir.c_str(), 0777);
    // The program's first act is to create this file.
    const std::string started = dir + "/started";
    const std::string hardinit_args = "--user 65534 -- " + kProbe + " write " + started + " exit 0";
    RunOptions options;
    HeldDumpable held;
    options.before_exec = held.Install();
    std::vector<std::string> args;
    if (pid1) {
      args = {"--user", "65534", "--", kProbe, "write", started, "exit", "0"};
    } else {
      options.program = "/bin/busybox";
      options.argv0 = "sh";
      args = {"-c", kHardinit + " " + hardinit_args + "; echo hardinit_exit=$?"};
    }
    Process p(args, options);
    bool started_while_held = true;
    ASSERT_TRUE(held.Answer(EPERM, started, 300, &started_while_held))
        << "PID 1's prctl(PR_SET_DUMPABLE) never came";
    RunResult r = p.Wait(20000);
    ASSERT_FALSE(r.timed_out) << r.err;
    EXPECT_FALSE(started_while_held) << "the program ran beside a PID 1 that had not dropped";
    EXPECT_FALSE(Exists(started)) << "the program ran although PID 1's drop failed";
    const std::string failure = "hardinit: PID 1's own drop: prctl(PR_SET_DUMPABLE): Operation "
                                "not permitted\n";
    EXPECT_EQ(r.err, failure);
    if (pid1) {
      EXPECT_EQ(r.exit_code, 125);
    } else {
      EXPECT_EQ(ParseReport(r.out)["hardinit_exit"], "125") << r.err;
    }
  }
}

// The control: the same hold, then the call goes through: the program starts only then.
TEST(Lifecycle, TheProgramStartsOncePid1HasDropped) {
  HARDINIT_REQUIRE_ROOT();
  const std::string dir = MakeTempDir();
  chmod(dir.c_str(), 0777);
  const std::string started = dir + "/started";
  RunOptions options;
  HeldDumpable held;
  options.before_exec = held.Install();
  Process p({"--user", "65534", "--", kProbe, "write", started, "exit", "0"}, options);
  bool started_while_held = true;
  ASSERT_TRUE(held.Answer(0, started, 300, &started_while_held))
      << "PID 1's prctl(PR_SET_DUMPABLE) never came";
  RunResult r = p.Wait(20000);
  ASSERT_FALSE(r.timed_out) << r.err;
  EXPECT_FALSE(started_while_held) << "the program ran beside a PID 1 that had not dropped";
  EXPECT_TRUE(Exists(started)) << "the program did not run: " << r.err;
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

struct Rewrite {
  std::vector<std::string> flags;
  int sent;
  int expected;  // what the program gets; 0 = nothing
};

class SignalRewriteTest : public ::testing::TestWithParam<Rewrite> {};

TEST_P(SignalRewriteTest, RewritesOrDropsForwardedSignals) {
  HARDINIT_REQUIRE_ROOT();
  std::vector<std::string> args = GetParam().flags;
  for (const char* a : {"--", HARDINIT_PROBE, "wait-signals", "1"}) args.push_back(a);
  Process p(args, {});
  ASSERT_TRUE(p.WaitForOutput("ready=1")) << p.out();
  p.Signal(GetParam().sent);
  if (GetParam().expected == 0) {
    // Dropped: nothing arrives; a signal that is not rewritten still does (the control).
    EXPECT_FALSE(p.WaitForOutput("signal=", 500)) << p.out();
    p.Signal(SIGUSR2);
    EXPECT_TRUE(p.WaitForOutput("signal=" + std::to_string(SIGUSR2) + "\n")) << p.out();
  } else {
    EXPECT_TRUE(p.WaitForOutput("signal=" + std::to_string(GetParam().expected) + "\n")) << p.out();
  }
  EXPECT_EQ(p.Wait().exit_code, 0);
}

INSTANTIATE_TEST_SUITE_P(
    Table, SignalRewriteTest,
    ::testing::Values(Rewrite{{"-r", "TERM:QUIT"}, SIGTERM, SIGQUIT},
                      Rewrite{{"--rewrite", "15:3"}, SIGTERM, SIGQUIT},
                      Rewrite{{"-r", "USR1:0"}, SIGUSR1, 0},
                      Rewrite{{"-r", "SIGHUP:SIGUSR1", "-r", "USR1:HUP"}, SIGHUP, SIGUSR1},
                      Rewrite{{"-r", "SIGHUP:SIGUSR1", "-r", "USR1:HUP"}, SIGUSR1, SIGHUP},
                      Rewrite{{"-r", "TERM:QUIT"}, SIGINT, SIGINT}));

}  // namespace
}  // namespace hardinit::testing
