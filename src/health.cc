// The probe of `hardinit health`: resolve without NSS, then connect, send and read under one
// deadline with non-blocking sockets and poll(). Zone: parent.
#include "hardinit/health.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>

#include "hardinit/error.h"
#include "hardinit/file_util.h"

namespace hardinit {
namespace {

using Clock = std::chrono::steady_clock;

constexpr char kHostsPath[] = "/etc/hosts";
constexpr size_t kMaxHostsBytes = 1 << 20;
constexpr char kUsage[] =
    "usage: hardinit health [--timeout SECONDS] [--header 'NAME: VALUE']... URL\n"
    "  URL: http://HOST[:PORT][/PATH]  healthy on a 2xx or 3xx status\n"
    "       tcp://HOST:PORT             healthy when a connection is accepted\n"
    "       unix:///PATH                healthy when the stream socket accepts a connection\n"
    "  HOST: an IPv4 address, [an IPv6 address], localhost, or a name from /etc/hosts\n"
    "  --timeout SECONDS  bounds the whole probe: connect, request and response (default 3)\n"
    "  --header 'NAME: VALUE'  an extra request header (repeatable)\n"
    "Exit status: 0 healthy, 1 unhealthy (Docker's HEALTHCHECK codes; 2 is never used).\n";

// One deadline for the whole probe: every wait gets what is left of it.
class Deadline {
 public:
  explicit Deadline(long timeout_ms)
      : start_(Clock::now()), end_(start_ + std::chrono::milliseconds(timeout_ms)) {}

  // What is left, rounded up so that poll() never returns a moment before the deadline.
  int RemainingMs() const {
    const auto left = end_ - Clock::now();
    if (left <= Clock::duration::zero()) return 0;
    return static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(left).count());
  }
  long ElapsedMs() const {
    return static_cast<long>(
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start_).count());
  }

 private:
  Clock::time_point start_;
  Clock::time_point end_;
};

class Socket {
 public:
  Socket() = default;
  ~Socket() {
    if (fd_ >= 0) close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int fd() const { return fd_; }
  void Reset(int fd) {
    if (fd_ >= 0) close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

enum class Wait { kReady, kTimedOut, kFailed };

// poll() for `events` until the deadline; EINTR resumes with what is left.
Wait WaitFor(int fd, short events, const Deadline& deadline) {
  for (;;) {
    pollfd entry{fd, events, 0};
    const int rc = poll(&entry, 1, deadline.RemainingMs());
    if (rc > 0) return Wait::kReady;
    if (rc == 0) return Wait::kTimedOut;
    if (errno != EINTR) return Wait::kFailed;
  }
}

std::string TimeoutText(long timeout_ms) {
  std::string text = std::to_string(timeout_ms / 1000);
  if (timeout_ms % 1000 != 0) {
    char fraction[8];
    std::snprintf(fraction, sizeof(fraction), ".%03ld", timeout_ms % 1000);
    text += fraction;
    while (text.back() == '0') text.pop_back();
  }
  return text + " s";
}

struct Outcome {
  bool healthy = false;
  bool timed_out = false;  // detail then says when; no "in N ms"
  std::string detail;
  long elapsed_ms = -1;  // when the verdict was known, if before the end of the probe
};

Outcome Failure(std::string detail) { return {false, false, std::move(detail)}; }

Outcome TimedOut(long timeout_ms, const std::string& waiting_for) {
  return {false, true, "timed out after " + TimeoutText(timeout_ms) + " " + waiting_for};
}

bool MakeIpAddress(const std::string& ip, uint16_t port, HealthAddress* out) {
  HealthAddress address;
  const std::string port_text = ":" + std::to_string(port);
  if (auto* v4 = reinterpret_cast<sockaddr_in*>(&address.address);
      inet_pton(AF_INET, ip.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    address.length = sizeof(sockaddr_in);
    address.text = ip + port_text;
  } else if (auto* v6 = reinterpret_cast<sockaddr_in6*>(&address.address);
             inet_pton(AF_INET6, ip.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    address.length = sizeof(sockaddr_in6);
    address.text = "[" + ip + "]" + port_text;
  } else {
    return false;
  }
  *out = std::move(address);
  return true;
}

// Connects to the first address that accepts. A refusal moves on to the next address; the
// deadline ends the attempt.
Outcome Connect(const std::vector<HealthAddress>& addresses, const Deadline& deadline,
                long timeout_ms, Socket* socket) {
  std::string failures;
  for (const HealthAddress& address : addresses) {
    const int family = address.address.ss_family;
    socket->Reset(::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    int error = 0;
    if (socket->fd() < 0) {
      error = errno;
    } else if (connect(socket->fd(), reinterpret_cast<const sockaddr*>(&address.address),
                       address.length) != 0) {
      error = errno;
      if (error == EINPROGRESS || error == EINTR) {
        switch (WaitFor(socket->fd(), POLLOUT, deadline)) {
          case Wait::kTimedOut:
            return TimedOut(timeout_ms, "connecting to " + address.text);
          case Wait::kFailed:
            return Failure(ErrnoMessage("poll", errno));
          case Wait::kReady:
            break;
        }
        socklen_t length = sizeof(error);
        if (getsockopt(socket->fd(), SOL_SOCKET, SO_ERROR, &error, &length) != 0) error = errno;
      }
    }
    if (error == 0) return {true, false, "connected to " + address.text};
    failures +=
        (failures.empty() ? "connect to " : "; ") + address.text + ": " + strerrordesc_np(error);
  }
  return Failure(failures);
}

Outcome SendAll(int fd, std::string_view request, const Deadline& deadline, long timeout_ms) {
  while (!request.empty()) {
    // MSG_NOSIGNAL: a server that closes early must not kill the probe with SIGPIPE.
    const ssize_t sent = send(fd, request.data(), request.size(), MSG_NOSIGNAL);
    if (sent > 0) {
      request.remove_prefix(static_cast<size_t>(sent));
      continue;
    }
    if (sent < 0 && errno == EINTR) continue;
    if (sent < 0 && errno != EAGAIN) return Failure(ErrnoMessage("send", errno));
    switch (WaitFor(fd, POLLOUT, deadline)) {
      case Wait::kTimedOut:
        return TimedOut(timeout_ms, "sending the request");
      case Wait::kFailed:
        return Failure(ErrnoMessage("poll", errno));
      case Wait::kReady:
        break;
    }
  }
  return {true, false, ""};
}

// Reads into `parser` until it is done or invalid, the server closes, or the deadline.
// Returns what the reading itself came to; the parser's state says the rest.
Outcome ReadResponse(int fd, HttpResponseParser* parser, const Deadline& deadline,
                     long timeout_ms) {
  char buffer[4096];
  while (parser->state() == HttpResponseParser::State::kNeedMore) {
    const ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
    if (n > 0) {
      parser->Feed(std::string_view(buffer, static_cast<size_t>(n)));
      continue;
    }
    if (n == 0) {
      parser->Finish();
      break;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN) return Failure(ErrnoMessage("recv", errno));
    switch (WaitFor(fd, POLLIN, deadline)) {
      case Wait::kTimedOut:
        return TimedOut(timeout_ms, parser->head_bytes() == 0
                                        ? "waiting for the response"
                                        : "in the middle of the response head");
      case Wait::kFailed:
        return Failure(ErrnoMessage("poll", errno));
      case Wait::kReady:
        break;
    }
  }
  return {true, false, ""};
}

// After the verdict: reads what is left of a small body, within the same deadline, so that
// closing with unread data (which makes the kernel send a reset) does not cut off a server
// that is still writing. Nothing read here changes the verdict.
void DrainBody(int fd, const HttpResponseParser& first, const Deadline& deadline) {
  uint64_t read_so_far = first.body_bytes();
  const uint64_t want =
      std::min<uint64_t>(first.content_length().value_or(kMaxDrainedBody), kMaxDrainedBody);
  char buffer[4096];
  while (read_so_far < want) {
    const ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
    if (n > 0) {
      read_so_far += static_cast<uint64_t>(n);
      continue;
    }
    if (n == 0 || (errno != EAGAIN && errno != EINTR)) return;
    if (errno == EAGAIN && WaitFor(fd, POLLIN, deadline) != Wait::kReady) return;
  }
}

Outcome ProbeHttp(const HealthOptions& options, int fd, const Deadline& deadline) {
  const std::string request = BuildHttpRequest(options.url, options.headers);
  if (Outcome sent = SendAll(fd, request, deadline, options.timeout_ms); !sent.healthy) {
    return sent;
  }
  HttpResponseParser parser;
  if (Outcome read = ReadResponse(fd, &parser, deadline, options.timeout_ms); !read.healthy) {
    return read;
  }
  if (parser.state() != HttpResponseParser::State::kDone) return Failure(parser.error());
  const int status = parser.status();
  Outcome outcome;
  outcome.healthy = status >= 200 && status < 400;
  outcome.detail = std::to_string(status);
  if (!parser.reason().empty()) outcome.detail += " " + Printable(parser.reason(), 80);
  outcome.elapsed_ms = deadline.ElapsedMs();
  DrainBody(fd, parser, deadline);
  return outcome;
}

Outcome Probe(const HealthOptions& options, const std::vector<HealthAddress>& addresses,
              const Deadline& deadline) {
  Socket socket;
  Outcome connected = Connect(addresses, deadline, options.timeout_ms, &socket);
  if (!connected.healthy || options.url.scheme != HealthUrl::Scheme::kHttp) return connected;
  return ProbeHttp(options, socket.fd(), deadline);
}

}  // namespace

bool ResolveHealthAddresses(const HealthUrl& url, const std::string& hosts_path,
                            std::vector<HealthAddress>* out, std::string* err) {
  out->clear();
  if (url.scheme == HealthUrl::Scheme::kUnix) {
    HealthAddress address;
    auto* un = reinterpret_cast<sockaddr_un*>(&address.address);
    un->sun_family = AF_UNIX;
    std::memcpy(un->sun_path, url.target.data(), url.target.size());
    address.length =
        static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + url.target.size() + 1);
    address.text = url.target;
    out->push_back(std::move(address));
    return true;
  }
  std::vector<std::string> ips;
  HealthAddress literal;
  if (MakeIpAddress(url.host, url.port, &literal)) {
    out->push_back(std::move(literal));
    return true;
  }
  // RFC 6761 §6.3: localhost is the loopback, whatever a resolver would say.
  if (url.host.size() == 9 && strncasecmp(url.host.c_str(), "localhost", 9) == 0) {
    ips = {"127.0.0.1", "::1"};
  } else {
    std::string hosts;
    ReadFileError error;
    const char* no_nss =
        " (hardinit resolves names only from /etc/hosts: a static binary has "
        "no DNS or NSS; use an IP address)";
    if (!ReadWholeFile(hosts_path, {.limit = kMaxHostsBytes, .regular_only = true}, &hosts,
                       &error)) {
      *err = url.host + ": cannot read " + hosts_path + ": " +
             (error.kind == ReadFileError::Kind::kSystem       ? strerrordesc_np(error.errnum)
              : error.kind == ReadFileError::Kind::kNotRegular ? "not a regular file"
                                                               : "larger than 1 MiB") +
             no_nss;
      return false;
    }
    ips = LookupHosts(hosts, url.host);
    if (ips.empty()) {
      *err = url.host + ": not in " + hosts_path + no_nss;
      return false;
    }
  }
  for (const std::string& ip : ips) {
    HealthAddress address;
    if (MakeIpAddress(ip, url.port, &address)) out->push_back(std::move(address));
  }
  return true;
}

HealthResult RunHealthCheck(const HealthOptions& options, const std::string& hosts_path) {
  const Deadline deadline(options.timeout_ms);
  HealthResult result;
  std::vector<HealthAddress> addresses;
  std::string err;
  if (!ResolveHealthAddresses(options.url, hosts_path, &addresses, &err)) {
    result.line = options.url_text + ": " + err;
    return result;
  }
  const Outcome outcome = Probe(options, addresses, deadline);
  result.healthy = outcome.healthy;
  result.line = options.url_text + ": " + outcome.detail;
  if (!outcome.timed_out) {
    const long elapsed_ms = outcome.elapsed_ms >= 0 ? outcome.elapsed_ms : deadline.ElapsedMs();
    result.line += " in " + std::to_string(elapsed_ms) + " ms";
  }
  return result;
}

int HealthCommand(const std::vector<std::string>& args) {
  HealthOptions options;
  std::string err;
  if (!ParseHealthArgs(args, &options, &err)) {
    std::fprintf(stderr, "hardinit: %s\n", err.c_str());
    return kExitUnhealthy;
  }
  if (options.help) {
    std::fputs(kUsage, stdout);
    return kExitHealthy;
  }
  const HealthResult result = RunHealthCheck(options, kHostsPath);
  std::printf("%s\n", result.line.c_str());
  std::fflush(stdout);
  return result.healthy ? kExitHealthy : kExitUnhealthy;
}

}  // namespace hardinit
