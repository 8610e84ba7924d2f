// How parent code reports failure. Zone: parent.
//
// Parent functions follow ninja and nsjail: `bool F(..., std::string* err)`. On failure they
// return false and set *err to one line that names the value that failed and why, without the
// "hardinit: " prefix, e.g. "--user app: no such user in /etc/passwd". Callers may prefix
// context ("--seccomp x.json: "), never reword. No exception crosses a module boundary.
// Child code never uses this: see child_error.h.
#ifndef HARDINIT_ERROR_H_
#define HARDINIT_ERROR_H_

#include <string>

namespace hardinit {

// Returns "what: strerror(errnum)", the form every syscall failure takes in our messages.
std::string ErrnoMessage(const std::string& what, int errnum);

}  // namespace hardinit

#endif  // HARDINIT_ERROR_H_
