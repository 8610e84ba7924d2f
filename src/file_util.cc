#include "hardinit/file_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdint>

namespace hardinit {

bool ReadWholeFile(const std::string& path, const ReadFileOptions& options, std::string* out,
                   ReadFileError* error) {
  using Kind = ReadFileError::Kind;
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) {
    *error = {Kind::kSystem, "open", errno};
    return false;
  }
  auto fail = [&](ReadFileError why) {
    close(fd);
    *error = why;
    return false;
  };
  const ReadFileError too_large{Kind::kTooLarge, "", EFBIG};

  size_t expected = 0;
  if (options.regular_only) {
    struct stat st;
    if (fstat(fd, &st) != 0) return fail({Kind::kSystem, "fstat", errno});
    if (!S_ISREG(st.st_mode)) {
      return fail({Kind::kNotRegular, "", S_ISDIR(st.st_mode) ? EISDIR : EINVAL});
    }
    if (static_cast<uint64_t>(st.st_size) > options.limit) return fail(too_large);
    expected = static_cast<size_t>(st.st_size);
  }

  // Straight into the string, which may hold one byte past the limit: reading that byte is
  // how a file longer than st_size said (or than a /proc file's 0) is caught.
  const size_t capacity = options.limit + 1;
  out->clear();
  out->resize(std::min(expected > 0 ? expected + 1 : 4096, capacity));
  size_t used = 0;
  for (;;) {
    if (used == out->size()) {
      if (used == capacity) return fail(too_large);
      out->resize(std::min(out->size() * 2, capacity));
    }
    const ssize_t n = read(fd, out->data() + used, out->size() - used);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail({Kind::kSystem, "read", errno});
    if (n == 0) break;
    used += static_cast<size_t>(n);
  }
  out->resize(used);
  close(fd);
  return true;
}

std::vector<long long> ParseNumbers(std::string_view text) {
  std::vector<long long> numbers;
  const char* p = text.data();
  const char* end = p + text.size();
  for (;;) {
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n')) ++p;
    if (p == end) break;
    long long value = 0;
    auto [next, ec] = std::from_chars(p, end, value);
    if (ec != std::errc()) break;
    numbers.push_back(value);
    p = next;
  }
  return numbers;
}

}  // namespace hardinit
