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

// Reads `path` whole into *out. Fails with *errnum set (an errno; EFBIG when the file is
// longer than `limit` bytes). Works for /proc files, whose st_size is 0.
bool ReadWholeFile(const std::string& path, size_t limit, std::string* out, int* errnum);

// The whitespace-separated decimal numbers at the start of `text`; stops at the first word
// that is not one.
std::vector<long long> ParseNumbers(std::string_view text);

}  // namespace hardinit

#endif  // HARDINIT_FILE_UTIL_H_
