#include "hardinit/caps.h"

#include <cap-ng.h>

#include <algorithm>
#include <cctype>

#include "hardinit/file_util.h"

namespace hardinit {

bool ParseCapabilityList(std::string_view list, int last_cap, uint64_t* mask,
                         std::vector<std::string>* skipped, std::string* err) {
  *mask = 0;
  while (!list.empty()) {
    const size_t comma = list.find(',');
    std::string name(list.substr(0, comma));
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    std::string key = name;
    std::transform(key.begin(), key.end(), key.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    if (key.starts_with("cap_")) key.erase(0, 4);
    const int cap = key.empty() ? -1 : capng_name_to_capability(key.c_str());
    if (cap < 0 || cap > 63) {
      *err = "--cap-keep: unknown capability \"" + name + "\"";
      return false;
    }
    if (cap > last_cap) {
      skipped->push_back(CapabilityName(cap));
      continue;
    }
    *mask |= uint64_t{1} << cap;
  }
  return true;
}

std::string CapabilityName(int cap) {
  const char* name = capng_capability_to_name(static_cast<unsigned>(cap));
  if (name == nullptr) return "CAP_" + std::to_string(cap);
  std::string upper = std::string("CAP_") + name;
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return std::toupper(c); });
  return upper;
}

std::string CapabilityListName(uint64_t mask) {
  std::string names;
  for (int cap = 0; cap < 64; ++cap) {
    if (((mask >> cap) & 1U) == 0) continue;
    if (!names.empty()) names += ',';
    names += CapabilityName(cap);
  }
  return names.empty() ? "none" : names;
}

int LastCapability() {
  std::string text;
  ReadFileError error;
  if (ReadWholeFile("/proc/sys/kernel/cap_last_cap", {.limit = 64}, &text, &error)) {
    const std::vector<long long> last = ParseNumbers(text);
    if (last.size() == 1 && last[0] >= 0 && last[0] < 64) return static_cast<int>(last[0]);
  }
  return CAP_LAST_CAP;
}

}  // namespace hardinit
