// The first line of `tini --version`, "tini version X.Y.Z - git.C", split the way moby's
// parseInitVersion reads it for `docker info` (C must not contain a dot: moby splits on '.').
// Shared by the integration and container tests; hand-written rather than std::regex, whose
// libstdc++ 12 headers trip -Wmaybe-uninitialized under the sanitizer build.
#pragma once

#include <cctype>
#include <optional>
#include <string>
#include <string_view>

namespace hardinit::testing {

struct TiniVersion {
  std::string version;  // "0.19.0"
  std::string commit;   // what follows "git."
};

// `line` without its trailing newline.
inline std::optional<TiniVersion> ParseTiniVersion(std::string_view line) {
  constexpr std::string_view kPrefix = "tini version ";
  constexpr std::string_view kSeparator = " - git.";
  if (line.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  line.remove_prefix(kPrefix.size());
  const size_t separator = line.find(kSeparator);
  if (separator == std::string_view::npos) return std::nullopt;
  const std::string_view version = line.substr(0, separator);
  const std::string_view commit = line.substr(separator + kSeparator.size());

  // X.Y.Z: three non-empty runs of digits.
  int dots = 0;
  bool digit_before = false;
  for (char c : version) {
    if (c == '.') {
      if (!digit_before) return std::nullopt;
      ++dots;
      digit_before = false;
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      digit_before = true;
    } else {
      return std::nullopt;
    }
  }
  if (dots != 2 || !digit_before) return std::nullopt;

  if (commit.empty()) return std::nullopt;
  for (char c : commit) {
    if (c == '.' || std::isspace(static_cast<unsigned char>(c))) return std::nullopt;
  }
  return TiniVersion{std::string(version), std::string(commit)};
}

}  // namespace hardinit::testing
