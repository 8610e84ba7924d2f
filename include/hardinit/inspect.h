// `hardinit --inspect [PID]`: a process's security state in words a Dockerfile author
// understands. Zone: parent.
#ifndef HARDINIT_INSPECT_H_
#define HARDINIT_INSPECT_H_

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hardinit/cli.h"
#include "hardinit/identity.h"

namespace hardinit {

struct SecurityState {
  pid_t pid = 0;
  std::string name;
  uid_t uid[4] = {};  // real, effective, saved, filesystem
  gid_t gid[4] = {};
  std::vector<gid_t> groups;
  uint64_t cap_inheritable = 0, cap_permitted = 0, cap_effective = 0, cap_bounding = 0,
           cap_ambient = 0;
  std::optional<unsigned long> securebits;  // only readable for the calling process
  bool no_new_privs = false;
  int seccomp_mode = 0;  // 0 disabled, 1 strict, 2 filter
  int seccomp_filters = 0;
  // Landlock (design.md §3.9): the ABI the kernel offers (0: unavailable, errno in
  // landlock_errno), and for the calling process only, whether it is in a domain.
  int landlock_abi = 0;
  int landlock_errno = 0;
  std::optional<bool> landlock_restricted;  // unset: another process, which cannot be told
  std::string landlock_evidence;
};

// Parses the text of /proc/PID/status.
bool ParseProcStatus(const std::string& text, SecurityState* out, std::string* err);

// Reads /proc/PID/status (and securebits and the Landlock look when pid is the caller).
bool ReadSecurityState(pid_t pid, SecurityState* out, std::string* err);

// Renders for people, or as one JSON object.
std::string FormatSecurityState(const SecurityState& state, LogFormat format,
                                const IdentityFiles& files);

}  // namespace hardinit

#endif  // HARDINIT_INSPECT_H_
