// SeccompProfile + SeccompContext → SeccompRuleSet. Zone: parent. Pure: no I/O, no libseccomp.
#include <algorithm>
#include <array>
#include <set>

#include <spdlog/spdlog.h>

#include "hardinit/seccomp_profile.h"

namespace hardinit {
namespace {

bool KernelAtLeast(const SeccompContext& context, const SeccompFilterCondition& condition) {
  return std::pair(context.kernel_major, context.kernel_minor) >=
         std::pair(condition.min_kernel_major, condition.min_kernel_minor);
}

bool CapKept(const SeccompContext& context, const std::string& name) {
  const int number = SeccompCapabilityNumber(name);
  if (number < 0) {
    // Docker compares names as strings, so a name it does not know is never in the set.
    spdlog::debug("seccomp: unknown capability {} in a profile condition: never kept", name);
    return false;
  }
  return (context.kept_caps >> number) & 1;
}

// Docker writes "x86" for Go's "386", and the two spellings of LoongArch both occur.
std::string CanonicalArch(std::string_view arch) {
  if (arch == "386") return "x86";
  if (arch == "loongarch64") return "loong64";
  if (arch == "mips64le") return "mipsel64";
  return std::string(arch);
}

bool ArchListed(const SeccompContext& context, const std::vector<std::string>& arches) {
  const std::string native = CanonicalArch(context.arch);
  return std::any_of(arches.begin(), arches.end(),
                     [&](const std::string& a) { return CanonicalArch(a) == native; });
}

// moby/profiles seccomp_linux.go setupSeccomp, same order and same reading: excludes.caps
// drops the rule when ANY listed cap is kept, includes.caps keeps it only when ALL are.
bool Applies(const SeccompEntry& entry, const SeccompContext& context) {
  const SeccompFilterCondition& ex = entry.excludes;
  if (!ex.arches.empty() && ArchListed(context, ex.arches)) return false;
  if (std::any_of(ex.caps.begin(), ex.caps.end(),
                  [&](const std::string& c) { return CapKept(context, c); })) {
    return false;
  }
  if (ex.has_min_kernel && KernelAtLeast(context, ex)) return false;

  const SeccompFilterCondition& in = entry.includes;
  if (!in.arches.empty() && !ArchListed(context, in.arches)) return false;
  if (!std::all_of(in.caps.begin(), in.caps.end(),
                   [&](const std::string& c) { return CapKept(context, c); })) {
    return false;
  }
  if (in.has_min_kernel && !KernelAtLeast(context, in)) return false;
  return true;
}

std::vector<std::string> Architectures(const SeccompProfile& profile,
                                       const SeccompContext& context) {
  if (!profile.architectures.empty()) return profile.architectures;
  // Docker expands only the archMap entry of the daemon's own architecture.
  const std::string native = NativeScmpArchName(context.arch);
  for (const SeccompArchMapEntry& entry : profile.arch_map) {
    if (entry.architecture != native) continue;
    std::vector<std::string> arches = {entry.architecture};
    arches.insert(arches.end(), entry.sub_architectures.begin(), entry.sub_architectures.end());
    return arches;
  }
  return {};
}

// runc and crun: when any argument index carries two or more conditions, every condition
// becomes a rule of its own (ORed); otherwise all conditions form one rule (ANDed). libseccomp
// cannot AND two comparisons on one argument.
bool RepeatsAnIndex(const std::vector<SeccompArgCondition>& args) {
  std::array<int, 6> per_index{};
  bool repeated = false;
  for (const SeccompArgCondition& arg : args) repeated |= ++per_index[arg.index] > 1;
  return repeated;
}

std::vector<std::vector<SeccompArgCondition>> SplitConditions(
    const std::vector<SeccompArgCondition>& args) {
  if (!RepeatsAnIndex(args)) return {args};
  std::vector<std::vector<SeccompArgCondition>> split;
  for (const SeccompArgCondition& arg : args) split.push_back({arg});
  return split;
}

}  // namespace

SeccompRuleSet ExpandSeccompRules(const SeccompProfile& profile, const SeccompContext& context) {
  SeccompRuleSet set;
  set.target_arch = context.arch;
  set.default_action = profile.default_action;
  set.flags = profile.flags;
  set.architectures = Architectures(profile, context);
  std::set<std::string> known;
  for (size_t index = 0; index < profile.syscalls.size(); ++index) {
    const SeccompEntry& entry = profile.syscalls[index];
    for (const std::string& name : entry.names) {
      if (known.insert(name).second) set.known_names.push_back(name);
    }
    if (!Applies(entry, context)) continue;
    if (entry.action == profile.default_action) {
      // libseccomp refuses such a rule (EACCES); runc and crun skip it too.
      set.dropped_as_default += entry.names.size();
      continue;
    }
    if (RepeatsAnIndex(entry.args)) set.split_entries.push_back({index, entry.names});
    const auto alternatives = SplitConditions(entry.args);
    for (const std::string& name : entry.names) {
      for (const auto& conditions : alternatives) {
        set.rules.push_back(SeccompRule{name, entry.action, conditions});
      }
    }
  }
  return set;
}

}  // namespace hardinit
