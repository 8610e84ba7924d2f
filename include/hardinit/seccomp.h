// Seccomp: Docker/OCI JSON profiles turned into ready BPF (design.md §3.3). Zone: parent.
//
// Everything here runs before fork. The child only hands `SeccompProgram::filter` to the raw
// seccomp() syscall (child.cc); it never calls libseccomp.
#ifndef HARDINIT_SECCOMP_H_
#define HARDINIT_SECCOMP_H_

#include <linux/filter.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hardinit {

// What a profile's includes/excludes are evaluated against.
struct SeccompContext {
  uint64_t kept_caps = 0;        // bit N = capability N (the allowlist, as Docker uses the bounding set)
  std::string arch = "amd64";    // Docker/Go arch name of this machine
  int kernel_major = 0;          // of the running kernel (uname)
  int kernel_minor = 0;
};

struct SeccompProgram {
  std::string name;                 // "default", "strict", "unconfined" or the profile's path
  bool unconfined = false;          // no filter at all
  std::vector<sock_filter> filter;  // ready to load; empty iff unconfined
  unsigned int flags = 0;           // SECCOMP_FILTER_FLAG_* for seccomp(SECCOMP_SET_MODE_FILTER)
};

// Returns the context of the running machine for `kept_caps`.
SeccompContext CurrentSeccompContext(uint64_t kept_caps);

// Turns --seccomp PROFILE (a built-in name or a path to a JSON profile) into BPF.
bool PrepareSeccomp(std::string_view profile, const SeccompContext& context,
                    SeccompProgram* out, std::string* err);

// PID 1's own filter: only the calls the supervisor loop makes; default action an errno,
// never a kill (design.md §3.5).
bool PrepareSupervisorSeccomp(SeccompProgram* out, std::string* err);

// `hardinit seccomp check FILE|NAME` and `hardinit seccomp export FILE|NAME [OUT]`.
// argv[0] is "seccomp". Returns the process exit code.
int SeccompCommand(int argc, char** argv);

}  // namespace hardinit

#endif  // HARDINIT_SECCOMP_H_
