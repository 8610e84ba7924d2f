// libFuzzer target: the /etc/passwd and /etc/group parsers and the id parser.
//
// The same bytes go to both parsers. Beyond "no crash, no leak, no UB", every entry they
// accept must be one a lookup can trust: a non-empty name without ':' or a control byte (a
// NUL in a name is how "app\0x:0:0" could turn into root), ids in range and never
// (uid_t)-1, and the skipped lines numbered within the file.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_input.h"
#include "hardinit/account_files.h"

namespace hardinit::fuzz {
namespace {

bool IsCleanName(std::string_view name) {
  if (name.empty()) return false;
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f || c == ':' || c == ' ' || c == '\n') return false;
  }
  return true;
}

size_t LineCount(std::string_view text) {
  size_t lines = 0;
  for (char c : text) lines += c == '\n';
  return lines + 1;
}

}  // namespace
}  // namespace hardinit::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace hardinit;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const size_t lines = fuzz::LineCount(text);

  const PasswdFile passwd = ParsePasswd(text);
  for (const PasswdEntry& e : passwd.entries) {
    FUZZ_CHECK(fuzz::IsCleanName(e.name));
    FUZZ_CHECK(e.uid <= kMaxId && e.gid <= kMaxId);
    FUZZ_CHECK(e.home.find('\0') == std::string::npos && e.home.find(':') == std::string::npos);
  }
  for (const SkippedLine& s : passwd.skipped) FUZZ_CHECK(s.line >= 1 && s.line <= lines);

  const GroupFile group = ParseGroup(text);
  for (const GroupEntry& e : group.entries) {
    FUZZ_CHECK(fuzz::IsCleanName(e.name));
    FUZZ_CHECK(e.gid <= kMaxId);
    for (const std::string& member : e.members) {
      FUZZ_CHECK(fuzz::IsCleanName(member) && member.find(',') == std::string::npos);
    }
  }
  for (const SkippedLine& s : group.skipped) FUZZ_CHECK(s.line >= 1 && s.line <= lines);

  // The id parser on the first line, as --user 1000 and the files' fields use it.
  const std::string_view first = text.substr(0, text.find('\n'));
  uint32_t id = 0;
  switch (ParseId(first, &id)) {
    case IdParse::kOk:
      FUZZ_CHECK(IsAllDigits(first) && id <= kMaxId);
      FUZZ_CHECK(std::to_string(id) == first.substr(std::min(first.find_first_not_of('0'),
                                                             first.size() - 1)));
      break;
    case IdParse::kNotNumeric:
      FUZZ_CHECK(!IsAllDigits(first));
      break;
    case IdParse::kOutOfRange:
      FUZZ_CHECK(IsAllDigits(first));
      break;
  }
  return 0;
}
