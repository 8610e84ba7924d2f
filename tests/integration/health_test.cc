// `hardinit health URL` (design.md §3.11, issue 16): the real static binary, as PID 1 of a new
// PID namespace (what a HEALTHCHECK gets is not PID 1, but nothing here depends on that), against
// real servers the test starts on 127.0.0.1 and on a unix socket: each status class, a slow
// server past the timeout, a server that never answers, a full listen queue, a closed port,
// garbage, 10 MB of headers. Each unhealthy case has a healthy control next to it.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <regex>

#include "harness.h"

namespace hardinit::testing {
namespace {

// What a test server does with each connection.
struct ServerSpec {
  std::string response;    // sent after the request has arrived
  int delay_ms = 0;        // before the response
  bool hold = false;       // never answer: keep the connection open, silent
  size_t pad_headers = 0;  // after the status line, this many bytes of headers
};

[[noreturn]] void ServerExit(int code) { _exit(code); }

// Reads a request head (up to the blank line, EOF, or 5 s of silence).
std::string ReadRequest(int fd) {
  std::string request;
  char buffer[4096];
  while (request.find("\r\n\r\n") == std::string::npos && request.size() < 65536) {
    pollfd entry{fd, POLLIN, 0};
    if (poll(&entry, 1, 5000) <= 0) break;
    const ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n <= 0) break;
    request.append(buffer, static_cast<size_t>(n));
  }
  return request;
}

bool SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// A server in a forked child, serving `spec` on the listening socket it is given. The first
// request it reads comes back to the test through a pipe (request()).
class TestServer {
 public:
  TestServer(int listen_fd, const ServerSpec& spec) : listen_fd_(listen_fd) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      close(fds[0]);
      Serve(spec, fds[1]);
    }
    close(fds[1]);
    request_fd_ = fds[0];
  }
  ~TestServer() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (request_fd_ >= 0) close(request_fd_);
    if (listen_fd_ >= 0) close(listen_fd_);
  }
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  bool started() const { return pid_ > 0 && request_fd_ >= 0; }

  // The first request, as the server read it.
  std::string request() {
    std::string text;
    char buffer[4096];
    for (;;) {
      pollfd entry{request_fd_, POLLIN, 0};
      if (poll(&entry, 1, 5000) <= 0) break;
      const ssize_t n = read(request_fd_, buffer, sizeof(buffer));
      if (n <= 0) break;
      text.append(buffer, static_cast<size_t>(n));
    }
    return text;
  }

 private:
  // The child: no gtest, no assertions; it ends by SIGKILL from the destructor.
  [[noreturn]] void Serve(const ServerSpec& spec, int request_pipe) {
    std::vector<int> held;
    for (;;) {
      const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) ServerExit(3);
      const std::string request = ReadRequest(fd);
      if (request_pipe >= 0) {
        if (write(request_pipe, request.data(), request.size()) < 0) ServerExit(4);
        close(request_pipe);
        request_pipe = -1;
      }
      if (spec.hold) {
        held.push_back(fd);
        continue;
      }
      if (spec.delay_ms > 0) usleep(static_cast<useconds_t>(spec.delay_ms) * 1000);
      bool ok = SendAll(fd, spec.response);
      const std::string pad = "X-Pad: " + std::string(1017, 'p') + "\r\n";
      for (size_t sent = 0; ok && sent < spec.pad_headers; sent += pad.size()) {
        ok = SendAll(fd, pad);
      }
      if (ok && spec.pad_headers > 0) SendAll(fd, "\r\n");
      close(fd);
    }
  }

  int listen_fd_ = -1;
  int request_fd_ = -1;
  pid_t pid_ = -1;
};

// A TCP listener on 127.0.0.1 and an ephemeral port.
int ListenTcp(int backlog, int* port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      listen(fd, backlog) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    if (fd >= 0) close(fd);
    return -1;
  }
  *port = ntohs(address.sin_port);
  return fd;
}

int ListenUnix(const std::string& path) {
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      listen(fd, 16) != 0) {
    if (fd >= 0) close(fd);
    return -1;
  }
  return fd;
}

std::string Http(int port, const std::string& path = "/healthz") {
  return "http://127.0.0.1:" + std::to_string(port) + path;
}

RunResult Health(std::vector<std::string> args, RunOptions options = {}) {
  args.insert(args.begin(), "health");
  options.timeout_ms = 20000;
  return RunHardinit(args, options);
}

// The one line on stdout, `URL: DETAIL in N ms`, and nothing on stderr.
::testing::AssertionResult OneLine(const RunResult& r, const std::string& url,
                                   const std::string& detail_pattern) {
  const std::regex want(std::regex_replace(url, std::regex(R"([.?*+^$()\[\]{}|\\])"), R"(\$&)") +
                        ": " + detail_pattern + "\n");
  if (std::regex_match(r.out, want) && r.err.empty()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "want one line \"" << url << ": " << detail_pattern << "\"; got stdout [" << r.out
         << "] stderr [" << r.err << "] exit " << r.exit_code;
}

class HealthTest : public ::testing::Test {
 protected:
  void SetUp() override { HARDINIT_REQUIRE_ROOT(); }

  // A server on 127.0.0.1 that answers every request with `response`.
  std::unique_ptr<TestServer> Serve(const ServerSpec& spec, int* port) {
    const int fd = ListenTcp(16, port);
    EXPECT_GE(fd, 0) << strerror(errno);
    auto server = std::make_unique<TestServer>(fd, spec);
    EXPECT_TRUE(server->started());
    return server;
  }
};

TEST_F(HealthTest, Status200IsHealthyAndTheRequestIsAGetWithHostAndConnectionClose) {
  int port = 0;
  auto server = Serve({"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"}, &port);
  RunResult r = Health({"--header", "X-Probe: yes", Http(port)});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(OneLine(r, Http(port), R"(200 OK in \d+ ms)"));
  const std::string request = server->request();
  EXPECT_EQ(request.rfind("GET /healthz HTTP/1.1\r\n", 0), 0u) << request;
  EXPECT_NE(request.find("\r\nHost: 127.0.0.1:" + std::to_string(port) + "\r\n"), std::string::npos)
      << request;
  EXPECT_NE(request.find("\r\nConnection: close\r\n"), std::string::npos) << request;
  EXPECT_NE(request.find("\r\nX-Probe: yes\r\n"), std::string::npos) << request;
}

TEST_F(HealthTest, Status301IsHealthy) {
  int port = 0;
  auto server = Serve({"HTTP/1.1 301 Moved Permanently\r\nLocation: /elsewhere\r\n\r\n"}, &port);
  RunResult r = Health({Http(port)});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(OneLine(r, Http(port), R"(301 Moved Permanently in \d+ ms)"));
}

TEST_F(HealthTest, Status404IsUnhealthy) {
  int port = 0;
  auto server = Serve({"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"}, &port);
  RunResult r = Health({Http(port)});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(OneLine(r, Http(port), R"(404 Not Found in \d+ ms)"));
}

TEST_F(HealthTest, Status503IsUnhealthy) {
  int port = 0;
  auto server = Serve({"HTTP/1.0 503 Service Unavailable\r\n\r\nbusy"}, &port);
  RunResult r = Health({Http(port)});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(OneLine(r, Http(port), R"(503 Service Unavailable in \d+ ms)"));
}

// The slow server answers after 20 s; the probe gives up at its timeout, long before the
// harness's own 20 s limit would stop it (r.timed_out).
TEST_F(HealthTest, SlowServerPastTheTimeoutIsUnhealthy) {
  int port = 0;
  auto server = Serve({"HTTP/1.1 200 OK\r\n\r\n", 20000}, &port);
  RunResult r = Health({"--timeout", "0.5", Http(port)});
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(OneLine(r, Http(port), R"(timed out after 0\.5 s waiting for the response)"));
}

// Control: a server that is slow, but within the timeout, is healthy.
TEST_F(HealthTest, SlowServerWithinTheTimeoutIsHealthy) {
  int port = 0;
  auto server = Serve({"HTTP/1.1 200 OK\r\n\r\n", 300}, &port);
  RunResult r = Health({"--timeout", "10", Http(port)});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(OneLine(r, Http(port), R"(200 OK in \d+ ms)"));
}

TEST_F(HealthTest, ServerThatNeverAnswersIsUnhealthyAtTheTimeout) {
  int port = 0;
  ServerSpec silent;
  silent.hold = true;
  auto server = Serve(silent, &port);
  RunResult r = Health({"--timeout", "0.3", Http(port)});
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(OneLine(r, Http(port), R"(timed out after 0\.3 s waiting for the response)"));
  EXPECT_EQ(server->request().rfind("GET /healthz HTTP/1.1\r\n", 0), 0u)
      << "the request got there; the answer did not";
}

// A listen queue that is full drops the SYN (Linux), so connect() itself never completes: the
// same deadline bounds the connect.
TEST_F(HealthTest, FullListenQueueTimesOutTheConnect) {
  int port = 0;
  const int listener = ListenTcp(0, &port);
  ASSERT_GE(listener, 0);
  std::vector<int> fillers;
  for (int i = 0; i < 3; ++i) {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
    fillers.push_back(fd);
  }
  usleep(100 * 1000);
  const std::string url = "tcp://127.0.0.1:" + std::to_string(port);
  RunResult r = Health({"--timeout", "0.4", url});
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(OneLine(r, url, R"(timed out after 0\.4 s connecting to 127\.0\.0\.1:\d+)"));
  for (int fd : fillers) close(fd);
  close(listener);
}

TEST_F(HealthTest, ClosedPortIsUnhealthy) {
  int port = 0;
  close(ListenTcp(1, &port));  // a port nobody listens on any more
  RunResult r = Health({Http(port)});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(OneLine(
      r, Http(port),
      "connect to 127\\.0\\.0\\.1:" + std::to_string(port) + R"(: Connection refused in \d+ ms)"));
  const std::string tcp = "tcp://127.0.0.1:" + std::to_string(port);
  r = Health({tcp});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(OneLine(r, tcp, R"(connect to .*: Connection refused in \d+ ms)"));
}

// Control for the closed port: tcp:// to a port that listens is healthy.
TEST_F(HealthTest, TcpToAListeningPortIsHealthy) {
  int port = 0;
  auto server = Serve({"hello\n"}, &port);
  const std::string tcp = "tcp://127.0.0.1:" + std::to_string(port);
  RunResult r = Health({tcp});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(OneLine(r, tcp, R"(connected to 127\.0\.0\.1:\d+ in \d+ ms)"));
}

TEST_F(HealthTest, GarbageIsUnhealthy) {
  int port = 0;
  auto server = Serve({"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"}, &port);
  RunResult r = Health({Http(port)});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(OneLine(
      r, Http(port),
      R"(not an HTTP response: starts with "SSH-2\.0-OpenSSH_9\.2p1 Debian-2\\x0d\\x0a" in \d+ ms)"));
}

TEST_F(HealthTest, EmptyAnswerIsUnhealthy) {
  int port = 0;
  auto server = Serve({""}, &port);
  RunResult r = Health({Http(port)});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(
      OneLine(r, Http(port), R"(the server closed the connection without a response in \d+ ms)"));
}

// 10 MB of headers after a 200: refused at 64 KiB, quickly, whatever the status said.
TEST_F(HealthTest, TenMegabytesOfHeadersAreUnhealthy) {
  int port = 0;
  ServerSpec huge{"HTTP/1.1 200 OK\r\n"};
  huge.pad_headers = 10 * 1000 * 1000;
  auto server = Serve(huge, &port);
  RunResult r = Health({Http(port)});
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(OneLine(r, Http(port), R"(the response head is larger than 65536 bytes in \d+ ms)"));
}

// Control: the same padding, a few KiB of it, is a healthy answer.
TEST_F(HealthTest, AFewKilobytesOfHeadersAreFine) {
  int port = 0;
  ServerSpec padded{"HTTP/1.1 200 OK\r\n"};
  padded.pad_headers = 8 * 1024;
  auto server = Serve(padded, &port);
  RunResult r = Health({Http(port)});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(OneLine(r, Http(port), R"(200 OK in \d+ ms)"));
}

TEST_F(HealthTest, UnixSocketThatAcceptsIsHealthy) {
  const std::string dir = MakeTempDir();
  const std::string path = dir + "/app.sock";
  const int fd = ListenUnix(path);
  ASSERT_GE(fd, 0) << strerror(errno);
  TestServer server(fd, {"hello\n"});
  ASSERT_TRUE(server.started());
  RunResult r = Health({"unix://" + path});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(OneLine(r, "unix://" + path, "connected to " + path + R"( in \d+ ms)"));
}

// Control: the same path with nobody listening, and a path that is not there.
TEST_F(HealthTest, UnixSocketWithoutAListenerIsUnhealthy) {
  const std::string dir = MakeTempDir();
  const std::string path = dir + "/stale.sock";
  close(ListenUnix(path));  // the socket file stays, its listener is gone
  RunResult r = Health({"unix://" + path});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(OneLine(r, "unix://" + path, R"(connect to .*: Connection refused in \d+ ms)"));
  r = Health({"unix://" + dir + "/missing.sock"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(OneLine(r, "unix://" + dir + "/missing.sock",
                      R"(connect to .*: No such file or directory in \d+ ms)"));
}

// Names come from the image's /etc/hosts (bound over the system's in the launcher's private
// mount namespace), never from DNS.
TEST_F(HealthTest, NamesComeFromEtcHostsAndLocalhostIsTheLoopback) {
  int port = 0;
  auto server = Serve({"HTTP/1.1 204 No Content\r\n\r\n"}, &port);
  const std::string dir = MakeTempDir();
  WriteFile(dir + "/hosts", "# test hosts\n127.0.0.1\tlocalhost\n127.0.0.1 app-under-test\n");
  RunOptions options;
  const std::string hosts = dir + "/hosts";
  options.before_exec = [hosts] {
    if (mount(hosts.c_str(), "/etc/hosts", nullptr, MS_BIND, nullptr) != 0) _exit(250);
  };
  const std::string named = "http://app-under-test:" + std::to_string(port) + "/";
  RunResult r = Health({named}, options);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(OneLine(r, named, R"(204 No Content in \d+ ms)"));
  const std::string local = "http://localhost:" + std::to_string(port) + "/";
  r = Health({local}, options);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(OneLine(r, local, R"(204 No Content in \d+ ms)"));
  // Control: a name that only DNS could know.
  const std::string unknown = "http://example.com:" + std::to_string(port) + "/";
  r = Health({unknown}, options);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(OneLine(r, unknown, R"(example\.com: not in /etc/hosts \(.*no DNS or NSS.*\))"));
}

// Docker reserves 2; usage errors are unhealthy too, with the reason on stderr.
TEST_F(HealthTest, UsageErrorsExitOneNeverTwo) {
  for (std::vector<std::string> args : {std::vector<std::string>{},
                                        {"ftp://127.0.0.1/"},
                                        {"--timeout", "0", "http://127.0.0.1/"},
                                        {"--header", "Bad", "http://127.0.0.1/"},
                                        {"http://a/", "http://b/"}}) {
    RunResult r = Health(args);
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_EQ(r.err.rfind("hardinit: health: ", 0), 0u) << r.err;
    EXPECT_EQ(r.out, "");
  }
}

// `health` is a subcommand only as the first word, as `seccomp` is.
TEST_F(HealthTest, OnlyTheFirstWordIsTheSubcommand) {
  RunResult r = RunHardinit({"--", "health", "http://127.0.0.1:1/"});
  EXPECT_EQ(r.exit_code, 127) << r.err;
  EXPECT_NE(r.err.find("health: not found in PATH"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace hardinit::testing
