// libFuzzer target: the response head parser of `hardinit health` (HttpResponseParser), which
// reads whatever the probed server sends.
//
// Input: byte 0 picks how the rest arrives: its low 7 bits are the size of each read (0 = all
// at once) and its top bit closes the connection afterwards (Finish). Byte 1's low bit selects
// a 256-byte limit instead of 64 KiB, so that the limit is reached often. The rest is the
// response.
//
// Beyond "no crash, no leak, no UB", the target checks what the probe relies on: the verdict
// does not depend on how the bytes were split into reads; a final status is 100..999 and not
// an interim 1xx; the reason and every error are one line the health log can show as is; the
// head never exceeds the limit; and every byte is accounted for as head or body.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_input.h"
#include "hardinit/health.h"

namespace hardinit::fuzz {
namespace {

using State = HttpResponseParser::State;

HttpResponseParser Feed(std::string_view response, size_t chunk, bool close, size_t limit) {
  HttpResponseParser parser(limit);
  if (chunk == 0) chunk = response.size() + 1;
  for (size_t at = 0; at < response.size(); at += chunk) parser.Feed(response.substr(at, chunk));
  if (close) parser.Finish();
  return parser;
}

bool IsOneLineOfText(std::string_view text, bool printable_ascii_only) {
  for (unsigned char c : text) {
    if (c == '\r' || c == '\n' || c == 0 || c == 0x7f) return false;
    if (c < 0x20 && c != '\t') return false;
    if (printable_ascii_only && (c < 0x20 || c > 0x7e)) return false;
  }
  return true;
}

}  // namespace
}  // namespace hardinit::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace hardinit;
  using fuzz::State;
  if (size < 2) return 0;
  const size_t chunk = data[0] & 0x7f;
  const bool close = (data[0] & 0x80) != 0;
  const size_t limit = (data[1] & 1) != 0 ? 256 : kMaxResponseHead;
  const std::string_view response(reinterpret_cast<const char*>(data + 2), size - 2);

  const HttpResponseParser parser = fuzz::Feed(response, chunk, close, limit);
  const HttpResponseParser whole = fuzz::Feed(response, 0, close, limit);
  FUZZ_CHECK(parser.state() == whole.state());
  FUZZ_CHECK(parser.head_bytes() <= limit);
  switch (parser.state()) {
    case State::kDone:
      FUZZ_CHECK(parser.status() >= 100 && parser.status() <= 999);
      FUZZ_CHECK(parser.status() >= 200 || parser.status() == 101);
      FUZZ_CHECK(parser.status() == whole.status() && parser.reason() == whole.reason());
      FUZZ_CHECK(parser.content_length() == whole.content_length());
      FUZZ_CHECK(fuzz::IsOneLineOfText(parser.reason(), false));
      FUZZ_CHECK(parser.head_bytes() + parser.body_bytes() == response.size());
      break;
    case State::kInvalid:
      FUZZ_CHECK(!parser.error().empty() && !whole.error().empty());
      FUZZ_CHECK(fuzz::IsOneLineOfText(parser.error(), true));
      break;
    case State::kNeedMore:
      FUZZ_CHECK(!close);
      FUZZ_CHECK(parser.head_bytes() == response.size());
      break;
  }
  return 0;
}
