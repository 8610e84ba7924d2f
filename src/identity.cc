#include "hardinit/identity.h"

#include <limits.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>
#include <utility>

#include "hardinit/account_files.h"

namespace hardinit {
namespace {

// More than this many warnings for one file would bury the line that matters.
constexpr size_t kMaxSkippedLogged = 10;

void LogSkipped(const std::string& path, const std::vector<SkippedLine>& skipped) {
  for (size_t i = 0; i < skipped.size() && i < kMaxSkippedLogged; ++i) {
    spdlog::warn("{}:{}: {}; line ignored", path, skipped[i].line, skipped[i].reason);
  }
  if (skipped.size() > kMaxSkippedLogged) {
    spdlog::warn("{}: {} more malformed lines ignored", path, skipped.size() - kMaxSkippedLogged);
  }
}

// One account file, read at most once per call and only when a lookup needs it: a numeric
// USER:GROUP must work in an image that has neither file.
template <typename File>
class LazyFile {
 public:
  using Parser = File (*)(std::string_view);
  LazyFile(const std::string& path, Parser parse) : path_(path), parse_(parse) {}

  const std::string& path() const { return path_; }

  // On success *file is the parsed file, or nullptr when it does not exist.
  bool Get(const File** file, std::string* err) {
    if (!loaded_) {
      std::string content;
      switch (ReadAccountFile(path_, &content, &read_err_)) {
        case ReadStatus::kOk:
          file_ = parse_(content);
          LogSkipped(path_, file_->skipped);
          break;
        case ReadStatus::kMissing:
          missing_ = true;
          break;
        case ReadStatus::kFailed:
          break;
      }
      loaded_ = true;
    }
    if (!file_ && !missing_) {
      *err = read_err_;
      return false;
    }
    *file = file_ ? &*file_ : nullptr;
    return true;
  }

  // Like Get, but a missing file is an error too: a name can only come from the file.
  bool GetForName(const File** file, std::string* err) {
    if (!Get(file, err)) return false;
    if (*file == nullptr) {
      *err = path_ + ": No such file or directory";
      return false;
    }
    return true;
  }

 private:
  std::string path_;
  Parser parse_;
  bool loaded_ = false;
  bool missing_ = false;
  std::optional<File> file_;
  std::string read_err_;
};

using PasswdDb = LazyFile<PasswdFile>;
using GroupDb = LazyFile<GroupFile>;

const PasswdEntry* FindUserByName(const PasswdFile* file, std::string_view name) {
  if (file == nullptr) return nullptr;
  for (const PasswdEntry& e : file->entries) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

const PasswdEntry* FindUserById(const PasswdFile* file, uid_t uid) {
  if (file == nullptr) return nullptr;
  for (const PasswdEntry& e : file->entries) {
    if (e.uid == uid) return &e;
  }
  return nullptr;
}

const GroupEntry* FindGroupByName(const GroupFile* file, std::string_view name) {
  if (file == nullptr) return nullptr;
  for (const GroupEntry& e : file->entries) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

const GroupEntry* FindGroupById(const GroupFile* file, gid_t gid) {
  if (file == nullptr) return nullptr;
  for (const GroupEntry& e : file->entries) {
    if (e.gid == gid) return &e;
  }
  return nullptr;
}

// Every group that lists `user` as a member. Duplicate group lines all count, as in glibc's
// initgroups() over the files backend and in gosu.
void AddGroupsListing(const GroupFile& file, std::string_view user, std::vector<gid_t>* out) {
  for (const GroupEntry& e : file.entries) {
    if (std::find(e.members.begin(), e.members.end(), user) != e.members.end()) {
      out->push_back(e.gid);
    }
  }
}

// The kernel sorts the list setgroups() gets; the child compares getgroups() with ours.
void SortUnique(std::vector<gid_t>* groups) {
  std::sort(groups->begin(), groups->end());
  groups->erase(std::unique(groups->begin(), groups->end()), groups->end());
}

bool CheckGroupCount(const std::string& what, const std::vector<gid_t>& groups, std::string* err) {
  if (groups.size() <= NGROUPS_MAX) return true;
  *err = what + ": " + std::to_string(groups.size()) +
         " supplementary groups, more than the kernel's limit of " + std::to_string(NGROUPS_MAX);
  return false;
}

// An all-digit USER or GROUP: an id whatever the files say.
bool ParseNumericId(const std::string& what, std::string_view kind, std::string_view text,
                    uint32_t* id, std::string* err) {
  if (ParseId(text, id) == IdParse::kOk) return true;
  *err = what + ": " + std::string(kind) + " " + std::string(text) +
         " is out of range (0..4294967294)";
  return false;
}

// GROUP of USER:GROUP, as a gid. A name must exist in the group file.
bool ResolveGroup(const std::string& what, std::string_view group, GroupDb* groups, gid_t* gid,
                  std::string* err) {
  if (IsAllDigits(group)) return ParseNumericId(what, "gid", group, gid, err);
  const GroupFile* file = nullptr;
  std::string why;
  if (!groups->GetForName(&file, &why)) {
    *err = what + ": " + why;
    return false;
  }
  const GroupEntry* entry = FindGroupByName(file, group);
  if (entry == nullptr) {
    *err = what + ": no such group in " + groups->path();
    return false;
  }
  *gid = entry->gid;
  return true;
}

}  // namespace

bool ResolveIdentity(std::string_view spec, const IdentityFiles& files, Identity* out,
                     std::string* err) {
  const std::string what = "--user " + (spec.empty() ? std::string("\"\"") : std::string(spec));
  size_t colon = spec.find(':');
  std::string_view user = spec.substr(0, colon);
  std::string_view group =
      colon == std::string_view::npos ? std::string_view() : spec.substr(colon + 1);
  if (group.find(':') != std::string_view::npos) {
    *err = what + ": expected USER[:GROUP], found more than one ':'";
    return false;
  }
  if (user.empty()) {
    *err = what + ": the user is empty: name one (app, 1000; 0 or root to run as root)";
    return false;
  }

  PasswdDb passwd(files.passwd, ParsePasswd);
  GroupDb groups(files.group, ParseGroup);
  const PasswdFile* passwd_file = nullptr;
  std::string why;

  // The user: all digits is a uid (found in passwd or not); else a name.
  const PasswdEntry* entry = nullptr;
  uid_t uid = 0;
  if (!IsAllDigits(user)) {
    if (!passwd.GetForName(&passwd_file, &why)) {
      *err = what + ": " + why;
      return false;
    }
    entry = FindUserByName(passwd_file, user);
    if (entry == nullptr) {
      *err = what + ": no such user in " + files.passwd;
      return false;
    }
    uid = entry->uid;
  } else {
    if (!ParseNumericId(what, "uid", user, &uid, err)) return false;
    if (!passwd.Get(&passwd_file, &why)) {
      *err = what + ": " + why;
      return false;
    }
    entry = FindUserById(passwd_file, uid);
  }

  // The groups. An explicit GROUP is the only group (gosu#33: "I explicitly want only this
  // user+group"); otherwise the passwd gid plus every group that lists the user.
  gid_t gid = 0;
  std::vector<gid_t> supplementary;
  if (!group.empty()) {
    if (!ResolveGroup(what, group, &groups, &gid, err)) return false;
  } else if (entry != nullptr) {
    gid = entry->gid;
    const GroupFile* group_file = nullptr;
    if (!groups.Get(&group_file, &why)) {
      *err = what + ": " + why;
      return false;
    }
    if (group_file == nullptr) {
      spdlog::info("{}: no {}; {} gets no supplementary groups", what, files.group, entry->name);
    } else {
      AddGroupsListing(*group_file, entry->name, &supplementary);
    }
  } else {
    // gosu would keep the caller's gid here, which for a root caller is 0: a program meant to
    // run unprivileged would own files as group root. The uid's own number is safer.
    gid = uid;
    spdlog::info("{}: uid {} has no entry in {}; using gid {} and HOME=/", what, uid, files.passwd,
                 gid);
  }
  supplementary.push_back(gid);
  SortUnique(&supplementary);
  if (!CheckGroupCount(what, supplementary, err)) return false;

  out->uid = uid;
  out->gid = gid;
  out->groups = std::move(supplementary);
  out->user_name = entry != nullptr ? entry->name : "";
  out->home = entry != nullptr && !entry->home.empty() ? entry->home : "/";
  return true;
}

bool ResolveGroupList(std::string_view list, const IdentityFiles& files, std::vector<gid_t>* out,
                      std::string* err) {
  const std::string what = "--groups " + std::string(list);
  std::vector<gid_t> gids;
  GroupDb groups(files.group, ParseGroup);
  std::string_view rest = list;
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    // "a," would otherwise end in an empty item that the loop never sees.
    if (item.empty() || (comma != std::string_view::npos && comma + 1 == rest.size())) {
      *err = what + ": empty group name in the list";
      return false;
    }
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    gid_t gid = 0;
    if (!ResolveGroup(what + ": " + std::string(item), item, &groups, &gid, err)) return false;
    gids.push_back(gid);
  }
  SortUnique(&gids);
  if (!CheckGroupCount(what, gids, err)) return false;
  *out = std::move(gids);
  return true;
}

std::string GroupName(gid_t gid, const IdentityFiles& files) {
  GroupDb groups(files.group, ParseGroup);
  const GroupFile* file = nullptr;
  std::string ignored;  // --inspect shows "" for any failure: it must never stop on a name
  if (!groups.Get(&file, &ignored)) return "";
  const GroupEntry* entry = FindGroupById(file, gid);
  return entry != nullptr ? entry->name : "";
}

std::string UserName(uid_t uid, const IdentityFiles& files) {
  PasswdDb passwd(files.passwd, ParsePasswd);
  const PasswdFile* file = nullptr;
  std::string ignored;  // as in GroupName
  if (!passwd.Get(&file, &ignored)) return "";
  const PasswdEntry* entry = FindUserById(file, uid);
  return entry != nullptr ? entry->name : "";
}

}  // namespace hardinit
