// Who the program runs as: USER[:GROUP] resolved from the image's own /etc/passwd and
// /etc/group with gosu's semantics (design.md §3.1). Zone: parent.
//
// Never NSS: a static binary in a FROM scratch image has no NSS modules, and NSS in a
// static glibc binary may dlopen() code from the image. The files are read directly.
#ifndef HARDINIT_IDENTITY_H_
#define HARDINIT_IDENTITY_H_

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

namespace hardinit {

// Where the account databases live; tests point these at their own files.
struct IdentityFiles {
  std::string passwd = "/etc/passwd";
  std::string group = "/etc/group";
};

// The identity the program gets. Resolved in full in the parent; the child only copies ids.
struct Identity {
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;  // supplementary groups, exactly as setgroups() will get them
  std::string user_name;      // empty when the uid has no passwd entry
  std::string home = "/";     // from passwd, "/" when unknown
};

// Resolves `spec` (USER, USER:GROUP, USER:, :GROUP, "") for a caller whose real ids are
// caller_uid/caller_gid. Fails with one line naming the value and the file.
//
// All-digit USER/GROUP is an id (0..4294967294) whether or not the files have it; anything
// else is a name that must exist. An empty USER ("", ":", ":GROUP") is an error here too, not
// "the caller", which for a root start would mean root (the command line refuses it first).
// The uid's passwd entry, when there is one, gives the name, HOME (empty field: "/") and,
// without GROUP, the gid and the groups that list the name. Without an entry: HOME "/", no
// name, gid = uid (not gosu's caller gid). An explicit GROUP is the only group (gosu#33).
// `groups` always contains `gid`, sorted and unique. Files are read only when needed, so a
// numeric spec works without them; a file that exists but cannot be read is an error.
// Malformed lines are skipped with a warning (account_files.h) and never matched.
bool ResolveIdentity(std::string_view spec, const IdentityFiles& files, Identity* out,
                     std::string* err);

// Resolves --groups LIST (comma-separated names or ids; "" means none) into gids, sorted and
// unique. An empty item ("a,,b", "a,") is an error. The primary gid is not added: the list
// is exactly what setgroups() gets.
bool ResolveGroupList(std::string_view list, const IdentityFiles& files,
                      std::vector<gid_t>* out, std::string* err);

// The name of `gid` in the group file, or "" when it has none (for --inspect). Never fails.
std::string GroupName(gid_t gid, const IdentityFiles& files);
// The name of `uid` in the passwd file, or "" when it has none (for --inspect). Never fails.
std::string UserName(uid_t uid, const IdentityFiles& files);

}  // namespace hardinit

#endif  // HARDINIT_IDENTITY_H_
