// Reading small files without iostreams. Zone: parent.
//
// std::ifstream would pull libstdc++'s locale machinery into the static binary for what is
// always "read this small file whole"; this is open() and read().
#ifndef HARDINIT_FILE_UTIL_H_
#define HARDINIT_FILE_UTIL_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace hardinit {

struct ReadFileOptions {
  size_t limit = 0;           // a file longer than this fails with kTooLarge
  bool regular_only = false;  // refuse directories, FIFOs and devices (one more fstat)
};

struct ReadFileError {
  enum class Kind { kSystem, kNotRegular, kTooLarge };
  Kind kind = Kind::kSystem;
  const char* call = "";  // kSystem: the call that failed, "open", "fstat" or "read"
  int errnum = 0;         // always an errno: the call's; EISDIR or EINVAL; EFBIG
};

// Reads `path` whole into *out: the one bounded reader behind /proc files, /etc/passwd and
// /etc/group, seccomp profiles and BPF files. The open never blocks (a FIFO at the path
// cannot hang PID 1), and the limit is checked while reading, so a file that grows meanwhile
// is never slurped whole. Works for /proc files, whose st_size is 0.
bool ReadWholeFile(const std::string& path, const ReadFileOptions& options, std::string* out,
                   ReadFileError* error);

// The whitespace-separated decimal numbers at the start of `text`; stops at the first word
// that is not one.
std::vector<long long> ParseNumbers(std::string_view text);

}  // namespace hardinit

#endif  // HARDINIT_FILE_UTIL_H_
