// The pure half of `hardinit health`: URL, arguments, /etc/hosts and the response head.
// Everything here runs on input hardinit does not control and is fuzzed (tests/fuzz).
#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <charconv>

#include "hardinit/health.h"

namespace hardinit {
namespace {

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return Lower(x) == Lower(y); });
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool AllDigits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), IsDigit);
}

std::string Quoted(std::string_view text) { return "\"" + Printable(text, 80) + "\""; }

// RFC 9110 tchar: the characters of a header name.
bool IsTokenChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || IsDigit(c) ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool IsToken(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), IsTokenChar);
}

// RFC 9110 field-value and reason-phrase bytes: HTAB, SP, VCHAR and obs-text (0x80-0xff).
// Everything else (CR, LF, NUL, other controls) could split or smuggle a line.
bool IsFieldText(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    const unsigned char u = static_cast<unsigned char>(c);
    return u == '\t' || (u >= 0x20 && u != 0x7f);
  });
}

std::string_view TrimWhitespace(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool ParsePort(std::string_view text, uint16_t* out) {
  unsigned value = 0;
  if (!AllDigits(text) || text.size() > 5) return false;
  std::from_chars(text.data(), text.data() + text.size(), value);
  if (value == 0 || value > 65535) return false;
  *out = static_cast<uint16_t>(value);
  return true;
}

bool IsIpv4Literal(const std::string& text) {
  in_addr address;
  return inet_pton(AF_INET, text.c_str(), &address) == 1;
}

bool IsIpv6Literal(const std::string& text) {
  in6_addr address;
  return inet_pton(AF_INET6, text.c_str(), &address) == 1;
}

bool IsHostName(std::string_view text) {
  return !text.empty() && text.size() <= 253 && std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || IsDigit(c) || c == '.' || c == '-' ||
           c == '_';
  });
}

bool ParseAuthority(std::string_view authority, bool port_required, HealthUrl* out,
                    std::string* err) {
  std::string_view port_text;
  bool has_port = false;
  if (authority.starts_with('[')) {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      *err = "unclosed [ in the host";
      return false;
    }
    out->host = std::string(authority.substr(1, close - 1));
    out->ipv6_literal = true;
    const std::string_view rest = authority.substr(close + 1);
    if (!rest.empty() && rest[0] != ':') {
      *err = "expected :PORT after ]";
      return false;
    }
    has_port = !rest.empty();
    if (has_port) port_text = rest.substr(1);
    if (!IsIpv6Literal(out->host)) {
      *err = "not an IPv6 address: " + Quoted(out->host) + " (zone ids are not supported)";
      return false;
    }
  } else {
    const size_t colon = authority.find(':');
    out->host = std::string(authority.substr(0, colon));
    has_port = colon != std::string_view::npos;
    if (has_port) port_text = authority.substr(colon + 1);
    if (!IsHostName(out->host)) {
      *err = "not a host: " + Quoted(out->host) +
             " (an IPv4 address, [an IPv6 address], localhost or a name from /etc/hosts)";
      return false;
    }
  }
  if (has_port && !ParsePort(port_text, &out->port)) {
    *err = "not a port from 1 to 65535: " + Quoted(port_text);
    return false;
  }
  if (!has_port && port_required) {
    *err = "a port is required (tcp://HOST:PORT)";
    return false;
  }
  return true;
}

// Seconds with at most three decimals, as --grace takes them, above 0.
bool ParseTimeout(std::string_view text, long* out_ms) {
  const size_t dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  const std::string_view fraction = dot == std::string_view::npos ? "" : text.substr(dot + 1);
  if (!AllDigits(whole) || whole.size() > 5 || fraction.size() > 3 ||
      (dot != std::string_view::npos && !AllDigits(fraction))) {
    return false;
  }
  long ms = 0;
  for (char c : whole) ms = ms * 10 + (c - '0');
  for (size_t i = 0; i < 3; ++i) ms = ms * 10 + (i < fraction.size() ? fraction[i] - '0' : 0);
  if (ms <= 0 || ms > 86400L * 1000) return false;
  *out_ms = ms;
  return true;
}

bool CheckHeader(std::string_view header, std::string* err) {
  const size_t colon = header.find(':');
  const std::string_view name = header.substr(0, colon);
  if (colon == std::string_view::npos || !IsToken(name)) {
    *err = "--header: expected 'Name: value' with a token as Name: " + Quoted(header);
    return false;
  }
  if (!IsFieldText(header.substr(colon + 1))) {
    *err = "--header " + std::string(name) + ": the value holds a control character";
    return false;
  }
  // hardinit frames the request itself; these would contradict it.
  for (std::string_view framing : {"Connection", "Content-Length", "Transfer-Encoding"}) {
    if (EqualsIgnoringCase(name, framing)) {
      *err = "--header " + std::string(name) + ": set by hardinit (a GET with Connection: close)";
      return false;
    }
  }
  return true;
}

bool HasHeader(const std::vector<std::string>& headers, std::string_view name) {
  return std::any_of(headers.begin(), headers.end(), [name](const std::string& h) {
    return EqualsIgnoringCase(std::string_view(h).substr(0, h.find(':')), name);
  });
}

}  // namespace

std::string Printable(std::string_view text, size_t max) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < text.size() && i < max; ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"') {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  if (text.size() > max) out += "...";
  return out;
}

bool ParseHealthUrl(std::string_view text, HealthUrl* out, std::string* err) {
  HealthUrl url;
  const size_t separator = text.find("://");
  const std::string_view scheme =
      separator == std::string_view::npos ? std::string_view() : text.substr(0, separator);
  std::string_view rest = separator == std::string_view::npos ? "" : text.substr(separator + 3);
  if (EqualsIgnoringCase(scheme, "unix")) {
    url.scheme = HealthUrl::Scheme::kUnix;
    // sockaddr_un's sun_path holds 108 bytes with the NUL.
    if (!rest.starts_with('/') || rest.size() > 107 || !IsFieldText(rest)) {
      *err = Quoted(text) + ": expected unix:///PATH with an absolute PATH of at most 107 bytes";
      return false;
    }
    url.target = std::string(rest);
    *out = std::move(url);
    return true;
  }
  if (EqualsIgnoringCase(scheme, "http")) {
    url.scheme = HealthUrl::Scheme::kHttp;
  } else if (EqualsIgnoringCase(scheme, "tcp")) {
    url.scheme = HealthUrl::Scheme::kTcp;
  } else {
    *err = Quoted(text) +
           ": expected http://HOST[:PORT][/PATH], tcp://HOST:PORT or "
           "unix:///PATH (no TLS: https is not supported)";
    return false;
  }
  const size_t authority_end = rest.find_first_of("/?#");
  const std::string_view authority = rest.substr(0, authority_end);
  std::string_view target =
      authority_end == std::string_view::npos ? "" : rest.substr(authority_end);
  const bool is_tcp = url.scheme == HealthUrl::Scheme::kTcp;
  // Not quoted back: the password would land in Docker's health log.
  if (authority.find('@') != std::string_view::npos) {
    *err =
        "user info in the URL is not supported (the URL is printed in the health log); use "
        "--header 'Authorization: ...'";
    return false;
  }
  if (!ParseAuthority(authority, is_tcp, &url, err)) {
    *err = Quoted(text) + ": " + *err;
    return false;
  }
  if (is_tcp) {
    if (!target.empty() && target != "/") {
      *err = Quoted(text) + ": tcp:// takes no path";
      return false;
    }
    *out = std::move(url);
    return true;
  }
  if (url.port == 0) url.port = 80;
  target = target.substr(0, target.find('#'));  // a fragment is never sent
  const bool printable =
      std::all_of(target.begin(), target.end(), [](char c) { return c > 0x20 && c < 0x7f; });
  if (!printable || target.size() > 8192) {
    *err = Quoted(text) +
           ": the path must be printable ASCII without spaces, at most 8192 "
           "bytes (percent-encode the rest)";
    return false;
  }
  url.target = target.empty()            ? "/"
               : target.starts_with('?') ? "/" + std::string(target)
                                         : std::string(target);
  *out = std::move(url);
  return true;
}

bool ParseHealthArgs(const std::vector<std::string>& args, HealthOptions* out, std::string* err) {
  HealthOptions options;
  std::vector<std::string_view> operands;
  bool options_done = false;
  for (size_t i = args.empty() ? 0 : 1; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    if (options_done || !arg.starts_with("-") || arg == "-") {
      operands.push_back(arg);
      continue;
    }
    if (arg == "--") {
      options_done = true;
      continue;
    }
    if (arg == "-h" || arg == "--help") {
      options.help = true;
      continue;
    }
    std::string_view name = arg;
    std::optional<std::string_view> value;
    if (const size_t eq = arg.find('='); eq != std::string_view::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
    }
    if (name != "--timeout" && name != "--header") {
      *err = "health: unknown option " + Quoted(name);
      return false;
    }
    if (!value) {
      if (i + 1 >= args.size()) {
        *err = "health: option " + std::string(name) + " needs a value";
        return false;
      }
      value = args[++i];
    }
    if (name == "--timeout") {
      if (!ParseTimeout(*value, &options.timeout_ms)) {
        *err =
            "health: --timeout: not a number of seconds above 0, at most 86400, with up to "
            "three decimals: " +
            Quoted(*value);
        return false;
      }
    } else {
      if (!CheckHeader(*value, err)) {
        *err = "health: " + *err;
        return false;
      }
      options.headers.emplace_back(*value);
    }
  }
  if (options.help) {
    *out = std::move(options);
    return true;
  }
  if (operands.size() != 1) {
    *err = operands.empty() ? "health: no URL given (usage: hardinit health [--timeout SECONDS] "
                              "[--header 'NAME: VALUE']... URL)"
                            : "health: one URL only, got " + Quoted(operands[1]) + " too";
    return false;
  }
  options.url_text = std::string(operands[0]);
  if (!ParseHealthUrl(operands[0], &options.url, err)) {
    *err = "health: " + *err;
    return false;
  }
  *out = std::move(options);
  return true;
}

std::vector<std::string> LookupHosts(std::string_view hosts, std::string_view name) {
  std::vector<std::string> addresses;
  while (!hosts.empty()) {
    const size_t newline = hosts.find('\n');
    std::string_view line = hosts.substr(0, newline);
    hosts.remove_prefix(newline == std::string_view::npos ? hosts.size() : newline + 1);
    line = line.substr(0, line.find('#'));
    auto next_word = [&line]() {
      const size_t start = line.find_first_not_of(" \t\r");
      if (start == std::string_view::npos) return std::string_view();
      const size_t end = line.find_first_of(" \t\r", start);
      const std::string_view word = line.substr(start, end - start);
      line.remove_prefix(end == std::string_view::npos ? line.size() : end);
      return word;
    };
    const std::string address(next_word());
    if (address.empty()) continue;
    for (std::string_view alias = next_word(); !alias.empty(); alias = next_word()) {
      if (!EqualsIgnoringCase(alias, name)) continue;
      if ((IsIpv4Literal(address) || IsIpv6Literal(address)) &&
          std::find(addresses.begin(), addresses.end(), address) == addresses.end()) {
        addresses.push_back(address);
      }
      break;
    }
  }
  return addresses;
}

std::string BuildHttpRequest(const HealthUrl& url, const std::vector<std::string>& headers) {
  std::string request = "GET " + url.target + " HTTP/1.1\r\n";
  if (!HasHeader(headers, "Host")) {
    request += "Host: " + (url.ipv6_literal ? "[" + url.host + "]" : url.host);
    if (url.port != 80) request += ":" + std::to_string(url.port);
    request += "\r\n";
  }
  if (!HasHeader(headers, "User-Agent")) request += "User-Agent: hardinit/" HARDINIT_VERSION "\r\n";
  request += "Connection: close\r\n";
  for (const std::string& header : headers) request += header + "\r\n";
  request += "\r\n";
  return request;
}

HttpResponseParser::State HttpResponseParser::Invalid(std::string message) {
  error_ = std::move(message);
  state_ = State::kInvalid;
  return state_;
}

HttpResponseParser::State HttpResponseParser::Feed(std::string_view bytes) {
  if (state_ == State::kDone) body_bytes_ += bytes.size();
  if (state_ != State::kNeedMore) return state_;
  while (!bytes.empty()) {
    const size_t newline = bytes.find('\n');
    const std::string_view piece =
        bytes.substr(0, newline == std::string_view::npos ? bytes.size() : newline + 1);
    bytes.remove_prefix(piece.size());
    if (piece.size() > limit_ - head_bytes_) {
      return Invalid("the response head is larger than " + std::to_string(limit_) + " bytes");
    }
    head_bytes_ += piece.size();
    line_.append(piece);
    // Garbage (another protocol, a TLS server) is told from its first bytes, even before a
    // newline arrives, rather than after the timeout.
    const std::string_view start = std::string_view("HTTP/").substr(0, line_.size());
    if (!status_seen_ && !std::string_view(line_).starts_with(start)) {
      return Invalid("not an HTTP response: starts with \"" + Printable(line_, 32) + "\"");
    }
    if (newline == std::string_view::npos) break;
    std::string_view line(line_);
    line.remove_suffix(1);
    if (line.ends_with('\r')) line.remove_suffix(1);
    const State state = ParseLine(line);
    line_.clear();
    if (state != State::kNeedMore) {
      if (state == State::kDone) body_bytes_ += bytes.size();
      return state;
    }
  }
  return state_;
}

HttpResponseParser::State HttpResponseParser::Finish() {
  if (state_ != State::kNeedMore) return state_;
  if (head_bytes_ == 0) return Invalid("the server closed the connection without a response");
  return Invalid("the server closed the connection before the end of the response head (after " +
                 std::to_string(head_bytes_) + " bytes)");
}

HttpResponseParser::State HttpResponseParser::ParseLine(std::string_view line) {
  ++lines_;
  if (!status_seen_) {
    if (!ParseStatusLine(line)) {
      if (!error_.empty()) return Invalid(error_);
      return Invalid("not an HTTP status line: " + Quoted(line));
    }
    status_seen_ = true;
    return State::kNeedMore;
  }
  if (line.empty()) {
    // Interim responses (100 Continue, 103 Early Hints) precede the final one; 101 would
    // switch protocols, so it is final (and not healthy).
    if (status_ < 200 && status_ != 101) {
      status_seen_ = false;
      lines_ = 0;
      reason_.clear();
      content_length_.reset();
      return State::kNeedMore;
    }
    state_ = State::kDone;
    return state_;
  }
  if (!ParseHeaderLine(line)) {
    return Invalid("malformed header line " + std::to_string(lines_) + ": " + Quoted(line));
  }
  return State::kNeedMore;
}

// HTTP-version SP 3DIGIT [SP reason-phrase] (RFC 9112 §4; the second SP is often left out).
bool HttpResponseParser::ParseStatusLine(std::string_view line) {
  if (line.size() < 12 || !line.starts_with("HTTP/") || !IsDigit(line[5]) || line[6] != '.' ||
      !IsDigit(line[7]) || line[8] != ' ') {
    return false;
  }
  if (line[5] != '1') {
    error_ = "unsupported HTTP version " + Quoted(line.substr(0, 8));
    return false;
  }
  const std::string_view code = line.substr(9, 3);
  if (!AllDigits(code) || code[0] == '0') return false;
  std::string_view reason = line.substr(12);
  if (!reason.empty()) {
    if (reason[0] != ' ') return false;
    reason.remove_prefix(1);
  }
  if (!IsFieldText(reason)) return false;
  status_ = (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');
  reason_ = std::string(reason);
  return true;
}

bool HttpResponseParser::ParseHeaderLine(std::string_view line) {
  // obs-fold: a user agent must accept it as part of the previous value (RFC 9112 §5.2).
  if (line[0] == ' ' || line[0] == '\t') return lines_ > 2 && IsFieldText(line);
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos || !IsToken(line.substr(0, colon))) return false;
  const std::string_view value = line.substr(colon + 1);
  if (!IsFieldText(value)) return false;
  if (EqualsIgnoringCase(line.substr(0, colon), "Content-Length")) {
    const std::string_view digits = TrimWhitespace(value);
    uint64_t length = 0;
    // Only used to stop draining the body early; a value that does not parse is ignored.
    if (AllDigits(digits) && digits.size() <= 18) {
      std::from_chars(digits.data(), digits.data() + digits.size(), length);
      content_length_ = length;
    }
  }
  return true;
}

}  // namespace hardinit
