#include "hardinit/file_env.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <optional>

#include "hardinit/error.h"
#include "hardinit/file_util.h"

namespace hardinit {
namespace {

constexpr std::string_view kFileSuffix = "_FILE";
// execve(2) refuses any single argument or environment string longer than MAX_ARG_STRLEN
// (32 pages): caught here with the variable's name rather than as E2BIG from execve.
constexpr size_t kMaxEnvironmentString = 32 * 4096;

bool IsVariableName(std::string_view name) {
  auto letter = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; };
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (name.empty() || !letter(name[0])) return false;
  return std::all_of(name.begin(), name.end(), [&](char c) { return letter(c) || digit(c); });
}

bool Named(const std::string& entry, std::string_view name) {
  return entry.size() > name.size() && entry[name.size()] == '=' && entry.starts_with(name);
}

// The value of the first entry named `name` (execve and getenv take the first too).
std::optional<std::string_view> Lookup(const std::vector<std::string>& env, std::string_view name) {
  for (const std::string& entry : env) {
    if (Named(entry, name)) return std::string_view(entry).substr(name.size() + 1);
  }
  return std::nullopt;
}

// Every entry named `name` goes: a duplicate left behind would still reach the program.
void Remove(std::vector<std::string>* env, std::string_view name) {
  std::erase_if(*env, [name](const std::string& entry) { return Named(entry, name); });
}

// `where` is "NAME_FILE=PATH"; the message never holds what the file contains.
bool ReadSecret(const std::string& where, const std::string& path, std::string* value,
                std::string* err) {
  ReadFileError error;
  if (!ReadWholeFile(path, {.limit = kMaxFileEnvBytes, .regular_only = true}, value, &error)) {
    switch (error.kind) {
      case ReadFileError::Kind::kSystem:
        *err = ErrnoMessage(where + ": " + error.call, error.errnum);
        // Who read it matters for a 0400 secret: hardinit started as non-root cannot.
        if (error.errnum == EACCES) *err += " (read as uid " + std::to_string(geteuid()) + ")";
        break;
      case ReadFileError::Kind::kNotRegular:
        *err = where + ": not a regular file";
        break;
      case ReadFileError::Kind::kTooLarge:
        *err = where + ": larger than 1 MiB";
        break;
    }
    return false;
  }
  // An environment string ends at its first NUL: the program would get part of the secret.
  if (value->find('\0') != std::string::npos) {
    *err = where + ": holds a NUL byte, which an environment variable cannot";
    return false;
  }
  if (value->ends_with('\n')) value->pop_back();
  return true;
}

}  // namespace

bool ParseFileEnvNames(std::string_view list, std::vector<std::string>* out, std::string* err) {
  std::vector<std::string> names;
  if (list.empty()) {
    *out = {};
    return true;
  }
  for (;;) {
    const size_t comma = list.find(',');
    // The project's one list rule (cli.h SplitList): no spaces, no empty item.
    const std::string_view name = list.substr(0, comma);
    if (!IsVariableName(name)) {
      *err = "not a variable name: \"" + std::string(name) +
             "\" (expected NAME[,NAME...] with NAME made of A-Z, a-z, 0-9 and _)";
      return false;
    }
    if (std::find(names.begin(), names.end(), name) == names.end()) names.emplace_back(name);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  *out = std::move(names);
  return true;
}

bool ApplyFileEnv(const std::vector<std::string>& names, std::vector<std::string>* env,
                  std::string* err) {
  // Built on a copy, so that a failure on the second name leaves `env` as it was.
  std::vector<std::string> result = *env;
  std::vector<std::string> applied;  // logged only once every name has succeeded
  for (const std::string& name : names) {
    const std::string file_variable = name + std::string(kFileSuffix);
    const std::optional<std::string_view> path = Lookup(result, file_variable);
    // postgres' `[ "${!fileVar:-}" ]`: an empty NAME_FILE counts as unset.
    if (!path || path->empty()) {
      Remove(&result, file_variable);
      continue;
    }
    const std::string path_text(*path);
    const std::string where = file_variable + "=" + path_text;
    if (const std::optional<std::string_view> value = Lookup(result, name);
        value && !value->empty()) {
      *err =
          "--file-env: " + name + " and " + file_variable + " are both set; set only one of them";
      return false;
    }
    std::string secret;
    if (!ReadSecret(where, path_text, &secret, err)) {
      *err = "--file-env: " + *err;
      return false;
    }
    if (name.size() + 1 + secret.size() + 1 > kMaxEnvironmentString) {
      *err = "--file-env: " + where +
             ": longer than the kernel allows for one environment "
             "string (" +
             std::to_string(kMaxEnvironmentString) + " bytes with the name)";
      return false;
    }
    Remove(&result, file_variable);
    Remove(&result, name);
    std::string entry;
    entry.reserve(name.size() + 1 + secret.size());
    entry.append(name).append(1, '=').append(secret);
    result.push_back(std::move(entry));
    applied.push_back(name + " set from " + where);
  }
  *env = std::move(result);
  for (const std::string& line : applied) spdlog::debug("--file-env: {}", line);
  return true;
}

}  // namespace hardinit
