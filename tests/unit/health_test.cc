// `hardinit health` (design.md §3.11): the URL, the arguments, /etc/hosts, the request, and
// the response head parser, which the fuzz target `http_response` also runs.
#include "hardinit/health.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "temp_dir_test.h"

namespace hardinit {
namespace {

using State = HttpResponseParser::State;

HealthUrl Url(const std::string& text) {
  HealthUrl url;
  std::string err;
  EXPECT_TRUE(ParseHealthUrl(text, &url, &err)) << text << ": " << err;
  return url;
}

std::string UrlError(const std::string& text) {
  HealthUrl url;
  std::string err;
  EXPECT_FALSE(ParseHealthUrl(text, &url, &err)) << text;
  return err;
}

TEST(HealthUrl, HttpWithHostPortAndPath) {
  const HealthUrl url = Url("http://127.0.0.1:8080/healthz");
  EXPECT_EQ(url.scheme, HealthUrl::Scheme::kHttp);
  EXPECT_EQ(url.host, "127.0.0.1");
  EXPECT_FALSE(url.ipv6_literal);
  EXPECT_EQ(url.port, 8080);
  EXPECT_EQ(url.target, "/healthz");
}

TEST(HealthUrl, HttpDefaultsToPort80AndSlash) {
  const HealthUrl url = Url("http://localhost");
  EXPECT_EQ(url.host, "localhost");
  EXPECT_EQ(url.port, 80);
  EXPECT_EQ(url.target, "/");
  EXPECT_EQ(Url("http://db?ready=1").target, "/?ready=1");
  EXPECT_EQ(Url("http://db#top").target, "/");
  EXPECT_EQ(Url("HTTP://DB:81/A").scheme, HealthUrl::Scheme::kHttp) << "the scheme is case-blind";
}

TEST(HealthUrl, Ipv6LiteralInBracketsAndTheFragmentDropped) {
  const HealthUrl url = Url("http://[::1]:9000/x?y=1#frag");
  EXPECT_EQ(url.host, "::1");
  EXPECT_TRUE(url.ipv6_literal);
  EXPECT_EQ(url.port, 9000);
  EXPECT_EQ(url.target, "/x?y=1");
}

TEST(HealthUrl, TcpNeedsAPortAndTakesNoPath) {
  const HealthUrl url = Url("tcp://db:5432");
  EXPECT_EQ(url.scheme, HealthUrl::Scheme::kTcp);
  EXPECT_EQ(url.host, "db");
  EXPECT_EQ(url.port, 5432);
  EXPECT_EQ(Url("tcp://db:5432/").port, 5432);
  EXPECT_NE(UrlError("tcp://db").find("a port is required"), std::string::npos);
  EXPECT_NE(UrlError("tcp://db:5432/x").find("tcp:// takes no path"), std::string::npos);
}

TEST(HealthUrl, UnixTakesAnAbsolutePathThatFitsSunPath) {
  const HealthUrl url = Url("unix:///run/app/health.sock");
  EXPECT_EQ(url.scheme, HealthUrl::Scheme::kUnix);
  EXPECT_EQ(url.target, "/run/app/health.sock");
  Url("unix:///" + std::string(106, 'a'));
  EXPECT_NE(UrlError("unix:///" + std::string(107, 'a')).find("at most 107 bytes"),
            std::string::npos);
  UrlError("unix://run/app.sock");
  UrlError("unix://");
}

TEST(HealthUrl, RefusesWhatItCannotProbe) {
  EXPECT_NE(UrlError("https://127.0.0.1/").find("no TLS"), std::string::npos);
  UrlError("ftp://127.0.0.1/");
  UrlError("127.0.0.1:8080");
  UrlError("");
  UrlError("http://");
  UrlError("http:///healthz");
  UrlError("http://[::1/");
  UrlError("http://[::1]x/");
  UrlError("http://[127.0.0.1]/");
  EXPECT_NE(UrlError("http://[fe80::1%25eth0]/").find("zone ids"), std::string::npos);
  for (const char* port : {"0", "65536", "", "8a", "-1", "+80", "000000080"}) {
    EXPECT_NE(UrlError(std::string("http://db:") + port + "/").find("not a port"),
              std::string::npos)
        << port;
  }
  UrlError("http://bad host/");
  UrlError("http://ho$t/");
  UrlError("http://host/a b");
  UrlError("http://host/\xc3\xa9");
  UrlError("http://host/a\r\nX-Injected: 1");
  UrlError("http://host/" + std::string(8192, 'a'));
}

TEST(HealthUrl, UserInfoIsRefusedWithoutEchoingThePassword) {
  const std::string err = UrlError("http://admin:hunter2@127.0.0.1/");
  EXPECT_NE(err.find("user info"), std::string::npos) << err;
  EXPECT_NE(err.find("--header 'Authorization"), std::string::npos) << err;
  EXPECT_EQ(err.find("hunter2"), std::string::npos) << err;
}

HealthOptions Args(std::vector<std::string> args) {
  args.insert(args.begin(), "health");
  HealthOptions options;
  std::string err;
  EXPECT_TRUE(ParseHealthArgs(args, &options, &err)) << err;
  return options;
}

std::string ArgsError(std::vector<std::string> args) {
  args.insert(args.begin(), "health");
  HealthOptions options;
  std::string err;
  EXPECT_FALSE(ParseHealthArgs(args, &options, &err));
  EXPECT_EQ(err.rfind("health: ", 0), 0u) << err;
  return err;
}

TEST(HealthArgs, DefaultsAndOptionsInAnyOrder) {
  HealthOptions o = Args({"http://127.0.0.1/"});
  EXPECT_EQ(o.timeout_ms, 3000);
  EXPECT_TRUE(o.headers.empty());
  EXPECT_EQ(o.url_text, "http://127.0.0.1/");
  o = Args({"--timeout", "0.5", "http://127.0.0.1/", "--header", "X-A: 1", "--header=X-B:2",
            "--timeout=2.25"});
  EXPECT_EQ(o.timeout_ms, 2250);
  EXPECT_EQ(o.headers, (std::vector<std::string>{"X-A: 1", "X-B:2"}));
  EXPECT_EQ(o.url.port, 80);
  EXPECT_TRUE(Args({"--help"}).help);
  EXPECT_EQ(Args({"--", "tcp://db:1"}).url.scheme, HealthUrl::Scheme::kTcp);
}

TEST(HealthArgs, BadTimeouts) {
  for (const char* bad :
       {"0", "0.000", "-1", "abc", "1.2345", "86400.001", "1e3", "", ".5", "5."}) {
    EXPECT_NE(ArgsError({"--timeout", bad, "http://127.0.0.1/"}).find("--timeout"),
              std::string::npos)
        << bad;
  }
  EXPECT_EQ(Args({"--timeout", "86400", "http://127.0.0.1/"}).timeout_ms, 86400000);
  EXPECT_EQ(Args({"--timeout", "0.001", "http://127.0.0.1/"}).timeout_ms, 1);
}

TEST(HealthArgs, HeadersAreCheckedSoNoneCanSplitTheRequest) {
  for (const char* bad : {"NoColon", "Bad Name: v", ": v", "X: a\r\nInjected: 1", "X: \x01"}) {
    ArgsError({"--header", bad, "http://127.0.0.1/"});
  }
  for (const char* framing :
       {"Connection: keep-alive", "content-length: 5", "Transfer-Encoding: chunked"}) {
    EXPECT_NE(ArgsError({"--header", framing, "http://127.0.0.1/"}).find("set by hardinit"),
              std::string::npos);
  }
}

TEST(HealthArgs, UsageErrors) {
  EXPECT_NE(ArgsError({}).find("no URL"), std::string::npos);
  EXPECT_NE(ArgsError({"http://a/", "http://b/"}).find("one URL only"), std::string::npos);
  EXPECT_NE(ArgsError({"--retries", "3", "http://a/"}).find("unknown option"), std::string::npos);
  EXPECT_NE(ArgsError({"http://a/", "--timeout"}).find("needs a value"), std::string::npos);
}

constexpr char kDockerHosts[] =
    "127.0.0.1\tlocalhost\n"
    "::1\tlocalhost ip6-localhost ip6-loopback\n"
    "fe00::0\tip6-localnet\n"
    "172.17.0.2\tf00dfeed1234\n"
    "# 10.0.0.9 commented-out\n"
    "10.0.0.5 db.internal   DB  # the database\r\n"
    "10.0.0.6\tdb\n"
    "10.0.0.5 db\n"
    "not-an-address db\n"
    "fe80::1%eth0 db\n"
    "  \t\n"
    "10.0.0.7";

TEST(HostsFile, NamesResolveInFileOrderCaseBlind) {
  EXPECT_EQ(LookupHosts(kDockerHosts, "f00dfeed1234"), std::vector<std::string>{"172.17.0.2"});
  EXPECT_EQ(LookupHosts(kDockerHosts, "ip6-loopback"), std::vector<std::string>{"::1"});
  EXPECT_EQ(LookupHosts(kDockerHosts, "db"), (std::vector<std::string>{"10.0.0.5", "10.0.0.6"}))
      << "aliases count, the comment does not, repeats and bad addresses are skipped";
  EXPECT_EQ(LookupHosts(kDockerHosts, "DB.Internal"), std::vector<std::string>{"10.0.0.5"});
  EXPECT_EQ(LookupHosts(kDockerHosts, "localhost"), (std::vector<std::string>{"127.0.0.1", "::1"}));
}

TEST(HostsFile, WhatIsNotThereIsNotFound) {
  EXPECT_TRUE(LookupHosts(kDockerHosts, "commented-out").empty());
  EXPECT_TRUE(LookupHosts(kDockerHosts, "the").empty());
  EXPECT_TRUE(LookupHosts(kDockerHosts, "10.0.0.7").empty()) << "an address is not a name";
  EXPECT_TRUE(LookupHosts(kDockerHosts, "d").empty());
  EXPECT_TRUE(LookupHosts("", "db").empty());
  EXPECT_TRUE(LookupHosts(std::string("10.0.0.1 d\0b\n", 13), "db").empty());
}

using ResolveTest = TempDirTest;

std::vector<std::string> Resolved(const std::string& url_text, const std::string& hosts_path,
                                  std::string* err) {
  std::vector<HealthAddress> addresses;
  std::vector<std::string> texts;
  if (ResolveHealthAddresses(Url(url_text), hosts_path, &addresses, err)) {
    for (const HealthAddress& a : addresses) texts.push_back(a.text);
  }
  return texts;
}

TEST_F(ResolveTest, LiteralsLocalhostHostsAndUnix) {
  const std::string hosts = Write("hosts", kDockerHosts);
  std::string err;
  EXPECT_EQ(Resolved("http://10.1.2.3:81/", hosts, &err), std::vector<std::string>{"10.1.2.3:81"});
  EXPECT_EQ(Resolved("http://[::1]/", hosts, &err), std::vector<std::string>{"[::1]:80"});
  // localhost is the loopback without reading the file (RFC 6761).
  EXPECT_EQ(Resolved("tcp://LocalHost:5", dir_ + "/none", &err),
            (std::vector<std::string>{"127.0.0.1:5", "[::1]:5"}))
      << err;
  EXPECT_EQ(Resolved("tcp://db:5432", hosts, &err),
            (std::vector<std::string>{"10.0.0.5:5432", "10.0.0.6:5432"}));
  EXPECT_EQ(Resolved("unix:///run/a.sock", hosts, &err), std::vector<std::string>{"/run/a.sock"});
}

TEST_F(ResolveTest, ANameNotInHostsSaysThereIsNoDns) {
  const std::string hosts = Write("hosts", kDockerHosts);
  std::string err;
  EXPECT_TRUE(Resolved("http://example.com/", hosts, &err).empty());
  EXPECT_NE(err.find("example.com: not in " + hosts), std::string::npos) << err;
  EXPECT_NE(err.find("no DNS or NSS"), std::string::npos) << err;
  EXPECT_TRUE(Resolved("http://db/", dir_ + "/missing", &err).empty());
  EXPECT_NE(err.find("cannot read " + dir_ + "/missing: No such file"), std::string::npos) << err;
  EXPECT_TRUE(Resolved("http://db/", dir_, &err).empty());
  EXPECT_NE(err.find("not a regular file"), std::string::npos) << err;
}

TEST(HttpRequest, AGetWithHostUserAgentAndConnectionClose) {
  EXPECT_EQ(BuildHttpRequest(Url("http://127.0.0.1:8080/healthz?x=1"), {"X-Probe: yes"}),
            "GET /healthz?x=1 HTTP/1.1\r\n"
            "Host: 127.0.0.1:8080\r\n"
            "User-Agent: hardinit/" HARDINIT_VERSION
            "\r\n"
            "Connection: close\r\n"
            "X-Probe: yes\r\n"
            "\r\n");
  EXPECT_EQ(BuildHttpRequest(Url("http://[::1]/"), {}).find("Host: [::1]\r\n"), 16u)
      << "brackets kept, port 80 left out";
  const std::string own =
      BuildHttpRequest(Url("http://127.0.0.1/"), {"host: app.example", "User-Agent: probe"});
  EXPECT_EQ(own.find("Host: 127.0.0.1"), std::string::npos) << own;
  EXPECT_EQ(own.find("hardinit/"), std::string::npos) << own;
  EXPECT_NE(own.find("host: app.example\r\n"), std::string::npos) << own;
}

// Feeds `response` in pieces of `chunk` bytes, then EOF if `close`.
HttpResponseParser Parse(std::string_view response, size_t chunk = 0, bool close = false,
                         size_t limit = kMaxResponseHead) {
  HttpResponseParser parser(limit);
  if (chunk == 0) chunk = response.size() + 1;
  for (size_t at = 0; at < response.size(); at += chunk) parser.Feed(response.substr(at, chunk));
  if (close) parser.Finish();
  return parser;
}

TEST(HttpResponse, StatusReasonAndContentLengthWhateverTheChunks) {
  const std::string response = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Y:z\r\n\r\nok";
  for (size_t chunk : {0, 1, 2, 7, 64}) {
    HttpResponseParser p = Parse(response, chunk);
    ASSERT_EQ(p.state(), State::kDone) << chunk << ": " << p.error();
    EXPECT_EQ(p.status(), 200);
    EXPECT_EQ(p.reason(), "OK");
    EXPECT_EQ(p.content_length(), 2u);
    EXPECT_EQ(p.body_bytes(), 2u);
    EXPECT_EQ(p.head_bytes(), response.size() - 2);
  }
}

TEST(HttpResponse, BareLfHttp10AndMissingReasons) {
  HttpResponseParser p = Parse("HTTP/1.0 503 Service Unavailable\n\n");
  ASSERT_EQ(p.state(), State::kDone) << p.error();
  EXPECT_EQ(p.status(), 503);
  EXPECT_EQ(p.reason(), "Service Unavailable");
  p = Parse("HTTP/1.1 204\r\n\r\n");
  ASSERT_EQ(p.state(), State::kDone) << p.error();
  EXPECT_EQ(p.status(), 204);
  EXPECT_EQ(p.reason(), "");
  EXPECT_EQ(Parse("HTTP/1.1 301 \r\nLocation: /x\r\n\r\n").status(), 301);
}

TEST(HttpResponse, InterimResponsesAreSkippedBut101IsFinal) {
  HttpResponseParser p = Parse(
      "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
      "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
      5);
  ASSERT_EQ(p.state(), State::kDone) << p.error();
  EXPECT_EQ(p.status(), 404);
  EXPECT_EQ(p.reason(), "Not Found");
  EXPECT_EQ(p.content_length(), 0u);
  p = Parse("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n");
  ASSERT_EQ(p.state(), State::kDone);
  EXPECT_EQ(p.status(), 101);
}

TEST(HttpResponse, NeedsTheWholeHead) {
  EXPECT_EQ(Parse("HTTP/1.1 200 OK\r\nX: y\r\n").state(), State::kNeedMore);
  HttpResponseParser p = Parse("HTTP/1.1 200 OK\r\nX: y\r\n", 0, true);
  ASSERT_EQ(p.state(), State::kInvalid);
  EXPECT_NE(p.error().find("before the end of the response head (after 23 bytes)"),
            std::string::npos)
      << p.error();
  p = Parse("", 0, true);
  ASSERT_EQ(p.state(), State::kInvalid);
  EXPECT_EQ(p.error(), "the server closed the connection without a response");
}

TEST(HttpResponse, GarbageIsToldFromTheFirstBytes) {
  // No newline yet: still known to be no HTTP response.
  HttpResponseParser p = Parse("SSH-2.0-OpenSSH_9.2p1");
  ASSERT_EQ(p.state(), State::kInvalid);
  EXPECT_EQ(p.error(), "not an HTTP response: starts with \"SSH-2.0-OpenSSH_9.2p1\"");
  p = Parse(std::string("\x16\x03\x01\x00\xa5\x01", 6));
  ASSERT_EQ(p.state(), State::kInvalid);
  EXPECT_EQ(p.error(), "not an HTTP response: starts with \"\\x16\\x03\\x01\\x00\\xa5\\x01\"")
      << "printable, whatever was sent";
  EXPECT_EQ(Parse("HTT").state(), State::kNeedMore) << "a prefix of HTTP/ may still be one";
  EXPECT_EQ(Parse("HTTX").state(), State::kInvalid);
}

TEST(HttpResponse, MalformedStatusLines) {
  for (const char* bad :
       {"HTTP/1.1 20 OK\r\n", "HTTP/1.1 099 Low\r\n", "HTTP/1.1 2000 OK\r\n",
        "HTTP/1.1  200 OK\r\n", "HTTP/1.1 abc OK\r\n", "HTTP/11 200 OK\r\n", "HTTP/1.1\r\n",
        "HTTP/1.1 200\x01OK\r\n", "HTTP/1.1 200 O\rK\r\n", "http/1.1 200 OK\r\n"}) {
    HttpResponseParser p = Parse(bad);
    EXPECT_EQ(p.state(), State::kInvalid) << bad;
    EXPECT_FALSE(p.error().empty());
  }
  HttpResponseParser p = Parse("HTTP/2.0 200 OK\r\n\r\n");
  ASSERT_EQ(p.state(), State::kInvalid);
  EXPECT_EQ(p.error(), "unsupported HTTP version \"HTTP/2.0\"");
}

TEST(HttpResponse, MalformedHeaderLines) {
  for (const char* bad :
       {"NoColon", "Bad Name: x", ": empty name", "X: a\rb", " folded-first: x", "X: \x7f"}) {
    HttpResponseParser p = Parse(std::string("HTTP/1.1 200 OK\r\n") + bad + "\r\n\r\n");
    EXPECT_EQ(p.state(), State::kInvalid) << bad;
    EXPECT_NE(p.error().find("malformed header line 2"), std::string::npos) << p.error();
  }
  static constexpr char kWithNul[] = "HTTP/1.1 200 OK\r\nX: a\0b\r\n\r\n";
  HttpResponseParser nul = Parse(std::string(kWithNul, sizeof(kWithNul) - 1));
  EXPECT_EQ(nul.state(), State::kInvalid);
  // obs-fold after a header is part of its value (RFC 9112 §5.2).
  EXPECT_EQ(Parse("HTTP/1.1 200 OK\r\nX: a\r\n  continued\r\n\r\n").state(), State::kDone);
  // A Content-Length that does not parse is ignored, not fatal: the verdict is the status.
  HttpResponseParser odd = Parse("HTTP/1.1 200 OK\r\nContent-Length: 1,1\r\n\r\n");
  ASSERT_EQ(odd.state(), State::kDone);
  EXPECT_FALSE(odd.content_length());
}

TEST(HttpResponse, TheHeadIsBoundedAtTheLimit) {
  // Exactly the limit: complete.
  const std::string status = "HTTP/1.1 200 OK\r\n";
  std::string head = status + "X: " + std::string(100 - status.size() - 7, 'a') + "\r\n\r\n";
  ASSERT_EQ(head.size(), 100u);
  EXPECT_EQ(Parse(head, 0, false, 100).state(), State::kDone);
  // One byte more: refused, however it arrives.
  head.insert(status.size() + 3, "a");
  for (size_t chunk : {0, 1, 33}) {
    HttpResponseParser p = Parse(head, chunk, false, 100);
    ASSERT_EQ(p.state(), State::kInvalid);
    EXPECT_EQ(p.error(), "the response head is larger than 100 bytes");
    EXPECT_LE(p.head_bytes(), 100u);
  }
  // 10 MB of headers at the default limit.
  HttpResponseParser p;
  p.Feed(status);
  const std::string header = "X-Pad: " + std::string(1017, 'p') + "\r\n";
  size_t fed = status.size();
  while (fed < 10 * 1000 * 1000 && p.state() == State::kNeedMore) {
    p.Feed(header);
    fed += header.size();
  }
  ASSERT_EQ(p.state(), State::kInvalid);
  EXPECT_LE(p.head_bytes(), kMaxResponseHead);
  EXPECT_LT(fed, kMaxResponseHead + header.size() + 1) << "refused as soon as the limit passed";
}

TEST(HttpResponse, BytesAfterTheHeadAreBody) {
  HttpResponseParser p = Parse("HTTP/1.1 200 OK\r\n\r\nabc");
  ASSERT_EQ(p.state(), State::kDone);
  EXPECT_EQ(p.body_bytes(), 3u);
  EXPECT_EQ(p.Feed("defg"), State::kDone);
  EXPECT_EQ(p.body_bytes(), 7u);
  EXPECT_EQ(p.Finish(), State::kDone);
}

TEST(Printable, EscapesAndCuts) {
  EXPECT_EQ(Printable("plain text", 80), "plain text");
  EXPECT_EQ(Printable("a\nb\x1b[31m\"\\", 80), "a\\x0ab\\x1b[31m\\x22\\x5c");
  EXPECT_EQ(Printable("abcdef", 3), "abc...");
  EXPECT_EQ(Printable("\xff", 80), "\\xff");
}

}  // namespace
}  // namespace hardinit
