// TEMPORARY: stands in for seccomp.cc while those modules are written in
// parallel; deleted when they are merged. No filter.
#include <sys/utsname.h>

#include <charconv>

#include "hardinit/seccomp.h"

namespace hardinit {

SeccompContext CurrentSeccompContext(uint64_t kept_caps) {
  SeccompContext context;
  context.kept_caps = kept_caps;
  return context;
}
bool PrepareSeccomp(std::string_view profile, const SeccompContext&, SeccompProgram* out,
                    std::string*) {
  out->name = std::string(profile);
  out->unconfined = true;
  return true;
}
bool PrepareSupervisorSeccomp(SeccompProgram* out, std::string*) {
  out->unconfined = true;
  return true;
}
int SeccompCommand(int, char**) { return 125; }

}  // namespace hardinit
