// Secrets from files (design.md §3.10): the `*_FILE` convention that the official postgres,
// mysql and mariadb entrypoints implement in bash (`file_env`), done by hardinit before it drops
// privileges, for images that have no shell. Zone: parent.
//
// WARNING: a value read here is a secret. It may go into the program's environment and nowhere
// else: no log line at any level, no error message, no --inspect output.
#ifndef HARDINIT_FILE_ENV_H_
#define HARDINIT_FILE_ENV_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace hardinit {

// A secret file larger than this is refused: an environment variable of that size is a
// mistake (a certificate bundle, a binary), and the kernel caps one string at 128 KiB anyway.
inline constexpr size_t kMaxFileEnvBytes = 1 << 20;

// Parses NAMES of `--file-env`/HARDINIT_FILE_ENV: comma-separated variable names
// ([A-Za-z_][A-Za-z0-9_]*), spaces around a name ignored, repeats dropped, "" = none. Pure.
// On failure *err is one line starting "--file-env: ".
bool ParseFileEnvNames(std::string_view list, std::vector<std::string>* out, std::string* err);

// Applies postgres' file_env to `env` ("NAME=value" strings, as in environ) for each NAME:
// - NAME_FILE unset or empty: NAME stays as it is; an empty NAME_FILE is removed.
// - NAME_FILE set: NAME (which must be unset or empty) becomes the file's content with one
//   trailing newline removed, and NAME_FILE is removed.
// - NAME and NAME_FILE both set (non-empty): an error.
// The file must be a regular file of at most kMaxFileEnvBytes without a NUL byte; it is read
// with the caller's credentials, so PrepareLaunch calls this before any privilege is dropped.
// On failure *err names the variable and the path, never the content, and `env` is unchanged.
bool ApplyFileEnv(const std::vector<std::string>& names, std::vector<std::string>* env,
                  std::string* err);

}  // namespace hardinit

#endif  // HARDINIT_FILE_ENV_H_
