// libFuzzer target: the command line of `hardinit health` (ParseHealthArgs, ParseHealthUrl),
// the request built from it, and the /etc/hosts lookup.
//
// Input: words separated by NUL, the words after "health". When the first word is "\x01hosts",
// the second is a name and the rest of the input is an /etc/hosts file to look it up in.
//
// Beyond "no crash, no leak, no UB", the target checks what the probe relies on: an accepted
// URL has a port, a request-target that starts with '/' and holds no byte that could split the
// request; the request built from accepted arguments has exactly one blank line, at its end
// (no header injection through the URL or --header); a timeout is within its range; and the
// hosts lookup returns only addresses that parse.
#include <arpa/inet.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_input.h"
#include "hardinit/health.h"

namespace hardinit::fuzz {
namespace {

void CheckRequest(const std::string& request) {
  FUZZ_CHECK(request.ends_with("\r\n\r\n"));
  FUZZ_CHECK(request.find("\r\n\r\n") == request.size() - 4);
  for (size_t i = 0; i < request.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(request[i]);
    FUZZ_CHECK(c != 0);
    if (c == '\n') FUZZ_CHECK(i > 0 && request[i - 1] == '\r');
    if (c == '\r') FUZZ_CHECK(i + 1 < request.size() && request[i + 1] == '\n');
  }
}

void CheckOptions(const HealthOptions& options) {
  FUZZ_CHECK(options.timeout_ms > 0 && options.timeout_ms <= 86400L * 1000);
  const HealthUrl& url = options.url;
  switch (url.scheme) {
    case HealthUrl::Scheme::kUnix:
      FUZZ_CHECK(url.target.starts_with('/') && url.target.size() <= 107);
      return;
    case HealthUrl::Scheme::kTcp:
      FUZZ_CHECK(url.port > 0 && !url.host.empty());
      return;
    case HealthUrl::Scheme::kHttp:
      FUZZ_CHECK(url.port > 0 && !url.host.empty());
      FUZZ_CHECK(url.target.starts_with('/'));
      for (unsigned char c : url.target) FUZZ_CHECK(c > 0x20 && c < 0x7f && c != '#');
      for (unsigned char c : url.host) FUZZ_CHECK(c > 0x20 && c < 0x7f && c != '/' && c != '@');
      CheckRequest(BuildHttpRequest(url, options.headers));
      return;
  }
}

}  // namespace
}  // namespace hardinit::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace hardinit;
  std::vector<std::string> words = fuzz::SplitAtNul(data, size);
  if (words.size() >= 2 && words[0] == "\x01hosts") {
    const size_t skip = words[0].size() + 1 + words[1].size() + 1;
    const std::string_view hosts =
        skip < size ? std::string_view(reinterpret_cast<const char*>(data) + skip, size - skip)
                    : std::string_view();
    for (const std::string& address : LookupHosts(hosts, words[1])) {
      unsigned char buffer[16];
      FUZZ_CHECK(inet_pton(AF_INET, address.c_str(), buffer) == 1 ||
                 inet_pton(AF_INET6, address.c_str(), buffer) == 1);
    }
    return 0;
  }
  words.insert(words.begin(), "health");
  HealthOptions options;
  std::string err;
  if (ParseHealthArgs(words, &options, &err)) {
    if (!options.help) fuzz::CheckOptions(options);
  } else {
    FUZZ_CHECK(!err.empty() && err.find('\n') == std::string::npos);
  }
  return 0;
}
