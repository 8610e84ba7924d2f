#include "hardinit/file_util.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>

namespace hardinit {

bool ReadWholeFile(const std::string& path, size_t limit, std::string* out, int* errnum) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) {
    *errnum = errno;
    return false;
  }
  out->clear();
  char buffer[4096];
  for (;;) {
    const ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      *errnum = errno;
      close(fd);
      return false;
    }
    if (n == 0) break;
    if (out->size() + static_cast<size_t>(n) > limit) {
      *errnum = EFBIG;
      close(fd);
      return false;
    }
    out->append(buffer, static_cast<size_t>(n));
  }
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
