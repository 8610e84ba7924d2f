// `hardinit health URL`: the probe for a HEALTHCHECK in an image without curl or a shell
// (design.md §3.11). Zone: parent; a command of its own, never part of PID 1.
//
// The parsers (URL, arguments, /etc/hosts, the response head) are pure and fuzzed
// (tests/fuzz); the probe itself is non-blocking sockets under poll() with one deadline for
// connect, send and response together.
#ifndef HARDINIT_HEALTH_H_
#define HARDINIT_HEALTH_H_

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hardinit {

// Docker's HEALTHCHECK contract: 0 healthy, 1 unhealthy, 2 reserved (never used).
inline constexpr int kExitHealthy = 0;
inline constexpr int kExitUnhealthy = 1;

// The most of a response's status line and headers hardinit reads; more is unhealthy.
inline constexpr size_t kMaxResponseHead = 64 * 1024;
// After the head, at most this much of the body is read and thrown away, so that a server
// still writing a small body is not reset by the close.
inline constexpr size_t kMaxDrainedBody = 64 * 1024;
inline constexpr long kDefaultHealthTimeoutMs = 3000;

struct HealthUrl {
  enum class Scheme { kHttp, kTcp, kUnix };
  Scheme scheme = Scheme::kHttp;
  std::string host;  // without brackets: "127.0.0.1", "::1", "localhost", "db"
  bool ipv6_literal = false;
  uint16_t port = 0;
  std::string target;  // http: the request-target, "/healthz?ready=1"; unix: the socket path
};

// Parses http://HOST[:PORT][/PATH], tcp://HOST:PORT or unix:///PATH. HOST is an IPv4 literal,
// a bracketed IPv6 literal or a name ([A-Za-z0-9.-_]); no user info, no zone id. The path must
// be printable ASCII without spaces (percent-encode the rest); a fragment is dropped. Pure.
bool ParseHealthUrl(std::string_view text, HealthUrl* out, std::string* err);

struct HealthOptions {
  std::string url_text;  // as given, for the result line
  HealthUrl url;
  long timeout_ms = kDefaultHealthTimeoutMs;
  std::vector<std::string> headers;  // "Name: value", checked
  bool help = false;
};

// Parses the words after "health": [--timeout SECONDS] [--header 'Name: value']... URL, in any
// order, `--` ending the options. Pure.
bool ParseHealthArgs(const std::vector<std::string>& args, HealthOptions* out, std::string* err);

// The addresses `name` has in the text of an /etc/hosts file, in file order, as literals
// ("10.0.0.5", "::1"); names compare case-insensitively; unparsable addresses are skipped.
std::vector<std::string> LookupHosts(std::string_view hosts, std::string_view name);

// One place to connect to.
struct HealthAddress {
  sockaddr_storage address{};
  socklen_t length = 0;
  std::string text;  // "127.0.0.1:8080", "[::1]:8080", "/run/app.sock"
};

// The addresses to try, in order: the literal; 127.0.0.1 then ::1 for "localhost"
// (RFC 6761); a name's addresses in `hosts_path`; the unix socket. Never DNS or NSS.
bool ResolveHealthAddresses(const HealthUrl& url, const std::string& hosts_path,
                            std::vector<HealthAddress>* out, std::string* err);

// GET with Host, User-Agent, Connection: close and the extra headers (a Host or User-Agent
// among them replaces hardinit's).
std::string BuildHttpRequest(const HealthUrl& url, const std::vector<std::string>& headers);

// Parses an HTTP/1.x response head as its bytes arrive, keeping at most `limit` bytes.
// Interim 1xx responses (but 101) are skipped; bytes after the head count as body.
class HttpResponseParser {
 public:
  enum class State { kNeedMore, kDone, kInvalid };

  explicit HttpResponseParser(size_t limit = kMaxResponseHead) : limit_(limit) {}

  State Feed(std::string_view bytes);
  // The peer closed the connection: a head that is not complete is invalid.
  State Finish();

  State state() const { return state_; }
  int status() const { return status_; }  // kDone: 100..999
  const std::string& reason() const { return reason_; }
  const std::string& error() const { return error_; }  // kInvalid: one line, printable
  std::optional<uint64_t> content_length() const { return content_length_; }
  uint64_t body_bytes() const { return body_bytes_; }
  size_t head_bytes() const { return head_bytes_; }

 private:
  State ParseLine(std::string_view line);
  bool ParseStatusLine(std::string_view line);
  bool ParseHeaderLine(std::string_view line);
  State Invalid(std::string message);

  size_t limit_;
  State state_ = State::kNeedMore;
  std::string line_;       // the line being received, at most `limit_` bytes
  size_t head_bytes_ = 0;  // every byte of every head so far, interim ones included
  size_t lines_ = 0;       // lines of the current head, for error messages
  bool status_seen_ = false;
  int status_ = 0;
  std::string reason_;
  std::optional<uint64_t> content_length_;
  uint64_t body_bytes_ = 0;
  std::string error_;
};

// `text` with every byte outside printable ASCII as \xHH, cut to `max` bytes ("..." after):
// what a server sent is shown, never written raw to a terminal or Docker's health log.
std::string Printable(std::string_view text, size_t max);

struct HealthResult {
  bool healthy = false;
  std::string line;  // "http://127.0.0.1:8080/healthz: 503 Service Unavailable in 4 ms"
};

// Resolves and probes; `hosts_path` is /etc/hosts but for tests.
HealthResult RunHealthCheck(const HealthOptions& options, const std::string& hosts_path);

// `hardinit health ...`: args[0] is "health". Prints one line on stdout (usage errors on
// stderr) and returns kExitHealthy or kExitUnhealthy, whatever went wrong.
int HealthCommand(const std::vector<std::string>& args);

}  // namespace hardinit

#endif  // HARDINIT_HEALTH_H_
