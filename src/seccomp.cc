// --seccomp PROFILE → SeccompProgram. Zone: parent.
//
// The common path (`default`, no gated capability kept) copies BPF that was compiled at build
// time: no JSON is parsed and libseccomp compiles nothing. Any other context compiles the
// embedded JSON, exactly as a user profile is compiled.
#include "hardinit/seccomp.h"

#include <sys/utsname.h>

#include <cstdio>

#include <spdlog/spdlog.h>

#include "hardinit/builtin_profiles.h"
#include "hardinit/seccomp_compile.h"
#include "hardinit/seccomp_profile.h"

namespace hardinit {
namespace {

constexpr std::string_view kUnconfined = "unconfined";
constexpr std::string_view kBpfSuffix = ".bpf";

#if defined(__x86_64__)
constexpr const char* kMachineArch = "amd64";
#elif defined(__aarch64__)
constexpr const char* kMachineArch = "arm64";
#elif defined(__i386__)
constexpr const char* kMachineArch = "x86";
#elif defined(__arm__)
constexpr const char* kMachineArch = "arm";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
constexpr const char* kMachineArch = "ppc64le";
#elif defined(__s390x__)
constexpr const char* kMachineArch = "s390x";
#elif defined(__riscv) && __riscv_xlen == 64
constexpr const char* kMachineArch = "riscv64";
#elif defined(__loongarch64)
constexpr const char* kMachineArch = "loong64";
#else
#error "unknown machine architecture: add its Docker name"
#endif

bool IsBuiltinName(std::string_view name) { return name == "default" || name == "strict"; }

std::string JoinNames(const std::vector<std::string>& names) {
  std::string joined;
  for (const std::string& name : names) joined += (joined.empty() ? "" : ", ") + name;
  return joined;
}

bool Compile(const SeccompProfile& profile, const SeccompContext& context, bool builtin,
             SeccompProgram* out, std::string* err) {
  const SeccompRuleSet rules = ExpandSeccompRules(profile, context);
  for (const SeccompSplitEntry& split : rules.split_entries) {
    // The built-in profiles split ioctl's entry on purpose (seccomp-profiles/README.md).
    spdlog::log(builtin ? spdlog::level::debug : spdlog::level::warn,
                "seccomp: {}: syscalls[{}] ({}) repeats an argument index: each of its "
                "conditions is a rule of its own, ORed (as runc and crun do)",
                out->name, split.index, JoinNames(split.names));
  }
  SeccompCompileReport report;
  if (!CompileSeccompRules(rules, &out->filter, &report, err)) return false;
  out->flags = rules.flags;
  spdlog::debug("seccomp: {}: {} rules, {} BPF instructions", out->name, report.rules_added,
                out->filter.size());
  return true;
}

// Why the build-time BPF does not fit `context`, or "" when it does.
std::string EmbeddedMismatch(const BuiltinSeccompProfile& builtin, const SeccompContext& context) {
  if (builtin.filter_len == 0) return "no precompiled BPF";
  if (context.arch != builtin.arch) return "built for " + std::string(builtin.arch);
  if (const uint64_t gated = context.kept_caps & builtin.caps_mentioned; gated != 0) {
    return "kept capabilities change its rules (mask 0x" + fmt::format("{:x}", gated) + ")";
  }
  if (std::pair(context.kernel_major, context.kernel_minor) <
      std::pair(builtin.min_kernel_major, builtin.min_kernel_minor)) {
    return "kernel older than " + std::to_string(builtin.min_kernel_major) + "." +
           std::to_string(builtin.min_kernel_minor);
  }
  return "";
}

bool PrepareBuiltin(std::string_view name, const SeccompContext& context, SeccompProgram* out,
                    std::string* err) {
  const BuiltinSeccompProfile* builtin = FindBuiltinSeccompProfile(name);
  if (builtin == nullptr || builtin->json == nullptr) {
    *err = "built-in profile is not available in this build";
    return false;
  }
  const std::string mismatch = EmbeddedMismatch(*builtin, context);
  if (mismatch.empty()) {
    out->filter.assign(builtin->filter, builtin->filter + builtin->filter_len);
    out->flags = builtin->flags;
    spdlog::debug("seccomp: {}: precompiled BPF, {} instructions", name, out->filter.size());
    return true;
  }
  spdlog::debug("seccomp: {}: compiling at start-up: {}", name, mismatch);
  SeccompProfile profile;
  if (!ParseSeccompProfile(std::string_view(builtin->json, builtin->json_size), &profile, err)) {
    return false;
  }
  return Compile(profile, context, /*builtin=*/true, out, err);
}

bool PrepareBpfFile(const std::string& path, SeccompProgram* out, std::string* err) {
  std::string bytes;
  if (!ReadSeccompFile(path, kMaxBpfInstructions * sizeof(sock_filter), &bytes, err) ||
      !DecodeSeccompBpf(bytes, &out->filter, err) || !ValidateSeccompBpf(out->filter, err)) {
    return false;
  }
  // Raw BPF carries no flags: a profile's SPEC_ALLOW or LOG is lost (README).
  spdlog::debug("seccomp: {}: precompiled BPF file, {} instructions", path, out->filter.size());
  return true;
}

bool PrepareAny(std::string_view profile, const SeccompContext& context, SeccompProgram* out,
                std::string* err) {
  if (profile == kUnconfined) {
    out->unconfined = true;
    spdlog::warn("--seccomp unconfined: the program runs without a seccomp filter");
    return true;
  }
  if (IsBuiltinName(profile)) return PrepareBuiltin(profile, context, out, err);
  if (profile.empty()) {
    *err = "empty profile name";
    return false;
  }
  const std::string path(profile);
  if (profile.ends_with(kBpfSuffix)) return PrepareBpfFile(path, out, err);
  SeccompProfile parsed;
  return LoadSeccompProfileFile(path, &parsed, err) &&
         Compile(parsed, context, /*builtin=*/false, out, err);
}

}  // namespace

const BuiltinSeccompProfile* FindBuiltinSeccompProfile(std::string_view name) {
  if (HardinitBuiltinSeccompProfiles == nullptr) return nullptr;
  const BuiltinSeccompProfiles* table = HardinitBuiltinSeccompProfiles();
  for (size_t i = 0; table != nullptr && i < table->count; ++i) {
    if (name == table->profiles[i].name) return &table->profiles[i];
  }
  return nullptr;
}

SeccompContext CurrentSeccompContext(uint64_t kept_caps) {
  SeccompContext context;
  context.kept_caps = kept_caps;
  context.arch = kMachineArch;
  struct utsname uts;
  if (uname(&uts) == 0 &&
      std::sscanf(uts.release, "%d.%d", &context.kernel_major, &context.kernel_minor) != 2) {
    // An unparsable release satisfies no minKernel: the safe side for includes.minKernel.
    context.kernel_major = context.kernel_minor = 0;
  }
  return context;
}

bool PrepareSeccomp(std::string_view profile, const SeccompContext& context,
                    SeccompProgram* out, std::string* err) {
  *out = SeccompProgram{};
  out->name = std::string(profile);
  std::string why;
  if (!PrepareAny(profile, context, out, &why)) {
    *err = "--seccomp " + std::string(profile) + ": " + why;
    return false;
  }
  return true;
}

bool PrepareSupervisorSeccomp(SeccompProgram* out, std::string* err) {
  *out = SeccompProgram{};
  out->name = "supervisor";
  const BuiltinSeccompProfile* builtin = FindBuiltinSeccompProfile("supervisor");
  if (builtin != nullptr && builtin->filter_len > 0 &&
      std::string_view(builtin->arch) == kMachineArch) {
    out->filter.assign(builtin->filter, builtin->filter + builtin->filter_len);
    return true;
  }
  SeccompCompileReport report;
  std::string why;
  if (!CompileSeccompRules(SupervisorSeccompRules(kMachineArch), &out->filter, &report, &why)) {
    *err = "PID 1's seccomp filter: " + why;
    return false;
  }
  return true;
}

}  // namespace hardinit
