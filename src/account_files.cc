#include "hardinit/account_files.h"

#include <cerrno>
#include <cstdio>
#include <string_view>
#include <utility>

#include "hardinit/error.h"
#include "hardinit/file_util.h"

namespace hardinit {
namespace {

static_assert(sizeof(uid_t) == sizeof(uint32_t) && sizeof(gid_t) == sizeof(uint32_t),
              "ids are parsed as 32-bit values");

constexpr size_t kPasswdFields = 7;
constexpr size_t kGroupFields = 4;

// A field value for a message: short, so that a 1 MiB field does not become a 1 MiB log line.
std::string Quote(std::string_view value) {
  constexpr size_t kMaxShown = 32;
  std::string out = "\"";
  out += value.substr(0, kMaxShown);
  if (value.size() > kMaxShown) out += "...";
  out += "\"";
  return out;
}

std::vector<std::string_view> SplitFields(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t start = 0;
  while (true) {
    size_t colon = line.find(':', start);
    if (colon == std::string_view::npos) {
      fields.push_back(line.substr(start));
      return fields;
    }
    fields.push_back(line.substr(start, colon - start));
    start = colon + 1;
  }
}

// Why `line` cannot be an entry whatever its fields say, or "" when it may be one.
std::string CheckLineBytes(std::string_view line) {
  if (line.size() > kMaxAccountLineBytes) return "line longer than 1 MiB";
  for (unsigned char c : line) {
    if (c == '\0') return "NUL byte";
    if (c == '\r') return "carriage return (CRLF line endings are not supported)";
    if (c < 0x20 || c == 0x7f) {
      char buf[48];
      std::snprintf(buf, sizeof(buf), "control character 0x%02x", c);
      return buf;
    }
  }
  // glibc's compat backend reads these as NIS inclusions/exclusions; we have no NIS, and
  // treating "+app" as a user named "+app" would be wrong too.
  if (line[0] == '+' || line[0] == '-') return "NIS compat entry, not supported";
  return "";
}

// Why `name` is not a valid user, group or member name, or "".
std::string CheckName(std::string_view what, std::string_view name) {
  if (name.empty()) return std::string("empty ") + std::string(what);
  if (name.find(' ') != std::string_view::npos) {
    return std::string(what) + " " + Quote(name) + " contains a space";
  }
  return "";
}

std::string CheckId(std::string_view what, std::string_view text, uint32_t* out) {
  switch (ParseId(text, out)) {
    case IdParse::kOk:
      return "";
    case IdParse::kNotNumeric:
      return std::string(what) + " " + Quote(text) + " is not a number";
    case IdParse::kOutOfRange:
      return std::string(what) + " " + Quote(text) + " is out of range (0..4294967294)";
  }
  return "bad " + std::string(what);
}

std::string ParsePasswdLine(std::string_view line, PasswdEntry* entry) {
  std::vector<std::string_view> f = SplitFields(line);
  if (f.size() != kPasswdFields) {
    return "expected 7 fields, found " + std::to_string(f.size());
  }
  if (std::string why = CheckName("user name", f[0]); !why.empty()) return why;
  uint32_t uid = 0;
  uint32_t gid = 0;
  if (std::string why = CheckId("uid", f[2], &uid); !why.empty()) return why;
  if (std::string why = CheckId("gid", f[3], &gid); !why.empty()) return why;
  entry->name = std::string(f[0]);
  entry->uid = uid;
  entry->gid = gid;
  entry->home = std::string(f[5]);
  return "";
}

std::string ParseGroupLine(std::string_view line, GroupEntry* entry) {
  std::vector<std::string_view> f = SplitFields(line);
  if (f.size() != kGroupFields) {
    return "expected 4 fields, found " + std::to_string(f.size());
  }
  if (std::string why = CheckName("group name", f[0]); !why.empty()) return why;
  uint32_t gid = 0;
  if (std::string why = CheckId("gid", f[2], &gid); !why.empty()) return why;
  std::vector<std::string> members;
  std::string_view rest = f[3];
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string_view member = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    if (member.empty()) continue;  // "a,,b" and a trailing comma: glibc ignores them too
    if (std::string why = CheckName("member", member); !why.empty()) return why;
    members.emplace_back(member);
  }
  entry->name = std::string(f[0]);
  entry->gid = gid;
  entry->members = std::move(members);
  return "";
}

// Calls parse_line(line, &entry) for each line that may be an entry; collects the results.
template <typename Entry, typename File, typename ParseLine>
File ParseLines(std::string_view text, ParseLine parse_line) {
  File file;
  size_t number = 0;
  while (!text.empty()) {
    ++number;
    size_t newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    text = newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1);
    if (line.empty() || line[0] == '#') continue;
    std::string why = CheckLineBytes(line);
    Entry entry;
    if (why.empty()) why = parse_line(line, &entry);
    if (why.empty()) {
      file.entries.push_back(std::move(entry));
    } else {
      file.skipped.push_back({number, std::move(why)});
    }
  }
  return file;
}

}  // namespace

PasswdFile ParsePasswd(std::string_view text) {
  return ParseLines<PasswdEntry, PasswdFile>(text, ParsePasswdLine);
}

GroupFile ParseGroup(std::string_view text) {
  return ParseLines<GroupEntry, GroupFile>(text, ParseGroupLine);
}

bool IsAllDigits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

IdParse ParseId(std::string_view text, uint32_t* out) {
  if (!IsAllDigits(text)) return IdParse::kNotNumeric;
  uint64_t value = 0;
  for (char c : text) {
    value = value * 10 + static_cast<uint64_t>(c - '0');
    // Checked per digit, so that no number of digits can overflow the accumulator.
    if (value > kMaxId) return IdParse::kOutOfRange;
  }
  *out = static_cast<uint32_t>(value);
  return IdParse::kOk;
}

ReadStatus ReadAccountFile(const std::string& path, std::string* content, std::string* err) {
  ReadFileError error;
  if (ReadWholeFile(path, {.limit = kMaxAccountFileBytes, .regular_only = true}, content, &error)) {
    return ReadStatus::kOk;
  }
  switch (error.kind) {
    case ReadFileError::Kind::kSystem:
      if (error.errnum == ENOENT && std::string_view(error.call) == "open") {
        return ReadStatus::kMissing;
      }
      *err = ErrnoMessage(path, error.errnum);
      break;
    case ReadFileError::Kind::kNotRegular:
      *err = error.errnum == EISDIR ? ErrnoMessage(path, EISDIR) : path + ": not a regular file";
      break;
    case ReadFileError::Kind::kTooLarge:
      *err = path + ": larger than 32 MiB";
      break;
  }
  return ReadStatus::kFailed;
}

}  // namespace hardinit
