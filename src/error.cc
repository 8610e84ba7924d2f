#include "hardinit/error.h"

#include <cstring>

namespace hardinit {

std::string ErrnoMessage(const std::string& what, int errnum) {
  return what + ": " + strerrordesc_np(errnum);
}

}  // namespace hardinit
