// TEMPORARY: stands in for identity.cc and seccomp.cc while those modules are written in
// parallel; deleted when they are merged. Numeric ids only; no filter.
#include <sys/utsname.h>

#include <charconv>

#include "hardinit/identity.h"
#include "hardinit/seccomp.h"

namespace hardinit {

bool ResolveIdentity(std::string_view spec, const IdentityFiles&, uid_t, gid_t, Identity* out,
                     std::string* err) {
  unsigned long uid = 0;
  auto [end, ec] = std::from_chars(spec.data(), spec.data() + spec.size(), uid);
  if (ec != std::errc() || end != spec.data() + spec.size()) {
    *err = "--user " + std::string(spec) + ": names are not supported yet";
    return false;
  }
  out->uid = static_cast<uid_t>(uid);
  out->gid = static_cast<gid_t>(uid);
  out->groups = {out->gid};
  return true;
}
bool ResolveGroupList(std::string_view, const IdentityFiles&, std::vector<gid_t>* out,
                      std::string*) {
  out->clear();
  return true;
}
std::string GroupName(gid_t, const IdentityFiles&) { return ""; }
std::string UserName(uid_t, const IdentityFiles&) { return ""; }

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
