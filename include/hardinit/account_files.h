// Parsers for the image's /etc/passwd and /etc/group, and the bounded reader that loads
// them. Zone: parent.
//
// The parsers are pure (no I/O, no logging) so that they can be unit-tested line by line and
// fuzzed: they take the whole file as bytes and return the valid entries plus the lines they
// skipped, with a reason. Callers decide how to report skipped lines (identity.cc logs them).
//
// Format decisions (the files backend of glibc is the model; where it is lax we are strict,
// because a line we misread could run the program as the wrong user):
// - Lines end at '\n'. A missing final newline is fine. A '\r' is data, and every control
//   byte (NUL, '\r', '\t', ...) makes the line malformed, so a CRLF file has no valid lines
//   and resolution fails closed instead of matching "app\r".
// - Empty lines and lines whose first byte is '#' are skipped silently (glibc does the same).
// - NIS compat lines ('+' or '-' first) are skipped and reported: we have no NIS.
// - passwd: exactly 7 fields `name:password:uid:gid:gecos:home:shell`;
//   group: exactly 4 fields `name:password:gid:member,member,...`.
// - Names and members: non-empty, no space (control bytes are already excluded). Empty
//   members (a trailing comma, "a,,b") are ignored, as glibc does.
// - Ids: decimal digits only, no sign, fit in 32 bits and are not 4294967295 ((uid_t)-1,
//   which setresuid() reads as "leave unchanged").
// - Lines longer than kMaxAccountLineBytes are malformed.
// - A malformed line is never matched on. Duplicates are kept in file order, so a lookup
//   that takes the first match behaves like libc ("first wins").
#ifndef HARDINIT_ACCOUNT_FILES_H_
#define HARDINIT_ACCOUNT_FILES_H_

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hardinit {

// Files larger than this are refused: the real ones are kilobytes, and reading an unbounded
// file (or a device bind-mounted over /etc/passwd) into memory in PID 1 is a denial of
// service. 32 MiB still holds several hundred thousand accounts.
inline constexpr size_t kMaxAccountFileBytes = size_t{32} << 20;
// A group line listing tens of thousands of members still fits.
inline constexpr size_t kMaxAccountLineBytes = size_t{1} << 20;
// The largest id we accept; (uid_t)-1 is reserved by the kernel.
inline constexpr uint32_t kMaxId = 4294967294U;

struct PasswdEntry {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
  std::string home;  // as in the file; may be empty
};

struct GroupEntry {
  std::string name;
  gid_t gid = 0;
  std::vector<std::string> members;
};

// A line the parser did not use, and why ("expected 7 fields, found 6").
struct SkippedLine {
  size_t line = 0;  // 1-based
  std::string reason;
};

struct PasswdFile {
  std::vector<PasswdEntry> entries;  // valid lines, in file order
  std::vector<SkippedLine> skipped;
};

struct GroupFile {
  std::vector<GroupEntry> entries;  // valid lines, in file order
  std::vector<SkippedLine> skipped;
};

// Parses the contents of a passwd / group file. Never fails: bad lines land in `skipped`.
PasswdFile ParsePasswd(std::string_view text);
GroupFile ParseGroup(std::string_view text);

enum class IdParse { kOk, kNotNumeric, kOutOfRange };

// Parses a decimal id: one or more ASCII digits (leading zeros allowed), value <= kMaxId.
IdParse ParseId(std::string_view text, uint32_t* out);

// True when `text` is non-empty and all ASCII digits: such a USER or GROUP is an id, never a
// name (gosu: "0day" is a name, "0010" is uid 10).
bool IsAllDigits(std::string_view text);

enum class ReadStatus { kOk, kMissing, kFailed };

// Reads a regular file of at most kMaxAccountFileBytes into *content. kMissing means ENOENT
// (a FROM scratch image may have no /etc/passwd at all); any other problem is kFailed with
// *err = "PATH: why" (strerror, "Is a directory", "not a regular file", "larger than 32 MiB").
ReadStatus ReadAccountFile(const std::string& path, std::string* content, std::string* err);

}  // namespace hardinit

#endif  // HARDINIT_ACCOUNT_FILES_H_
