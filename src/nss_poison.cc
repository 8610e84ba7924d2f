// hardinit never uses NSS (design.md §3.1): a static binary in a FROM scratch image has no NSS
// modules, and a static glibc's NSS may dlopen() code from the image. libcap-ng's
// capng_change_id(), which hardinit never calls, still references getpwuid() and
// initgroups(), so a static link would pull in glibc's whole NSS and dlopen machinery for
// them. These definitions, linked into the executable ahead of libc.a, satisfy those
// references instead; and should anything ever call them, it fails instead of resolving
// users through the image's nsswitch.conf.
#include <grp.h>
#include <pwd.h>

#include <cerrno>

extern "C" {

struct passwd* getpwuid(uid_t) {
  errno = ENOSYS;
  return nullptr;
}

int initgroups(const char*, gid_t) {
  errno = ENOSYS;
  return -1;
}

}  // extern "C"
