// `hardinit seccomp check|export`: validate a profile, or precompile it to raw BPF for
// `--seccomp FILE.bpf` in a multi-stage build. Zone: parent.
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>

#include "hardinit/builtin_profiles.h"
#include "hardinit/error.h"
#include "hardinit/exit_codes.h"
#include "hardinit/seccomp.h"
#include "hardinit/seccomp_compile.h"
#include "hardinit/seccomp_profile.h"

namespace hardinit {
namespace {

constexpr const char* kUsage =
    "usage: hardinit seccomp check FILE|NAME\n"
    "       hardinit seccomp export FILE|NAME [OUT]\n";

int Fail(const std::string& message) {
  std::fprintf(stderr, "hardinit: %s\n", message.c_str());
  return kExitFailedBeforeStart;
}

std::string ActionName(uint32_t action) {
  switch (action & 0xffff0000U) {
    case SCMP_ACT_ALLOW:
      return "SCMP_ACT_ALLOW";
    case SCMP_ACT_LOG:
      return "SCMP_ACT_LOG";
    case SCMP_ACT_KILL_PROCESS:
      return "SCMP_ACT_KILL_PROCESS";
    case SCMP_ACT_KILL_THREAD:
      return "SCMP_ACT_KILL_THREAD";
    case SCMP_ACT_TRAP:
      return "SCMP_ACT_TRAP";
    case SCMP_ACT_ERRNO(0):
      return "SCMP_ACT_ERRNO(" + std::to_string(action & 0xffff) + ")";
    case SCMP_ACT_TRACE(0):
      return "SCMP_ACT_TRACE(" + std::to_string(action & 0xffff) + ")";
  }
  return "action " + std::to_string(action);
}

bool IsAllowLike(uint32_t action) { return action == SCMP_ACT_ALLOW || action == SCMP_ACT_LOG; }

// Built-in profiles are checked from their embedded JSON, files from disk.
bool LoadForCheck(const std::string& name, SeccompProfile* profile, std::string* err) {
  if (name == "default" || name == "strict") {
    const BuiltinSeccompProfile* builtin = FindBuiltinSeccompProfile(name);
    if (builtin == nullptr || builtin->json == nullptr) {
      *err = "built-in profile is not available in this build";
      return false;
    }
    return ParseSeccompProfile(std::string_view(builtin->json, builtin->json_size), profile, err);
  }
  return LoadSeccompProfileFile(name, profile, err);
}

void PrintSummary(const std::string& name, const SeccompProfile& profile,
                  const SeccompRuleSet& rules, const SeccompCompileReport& report,
                  size_t instructions) {
  const SeccompArch* target = SeccompTargetArches(rules.target_arch).front();
  const uint32_t native = target->token;
  // Per syscall of this arch: libseccomp lets the first unconditional rule win.
  std::map<int, const SeccompRule*> unconditional;
  std::set<int> conditional;
  for (const SeccompRule& rule : rules.rules) {
    const int nr = seccomp_syscall_resolve_name_arch(native, rule.name.c_str());
    if (nr < 0) continue;
    if (rule.conditions.empty())
      unconditional.emplace(nr, &rule);
    else
      conditional.insert(nr);
  }
  size_t allowed = 0, denied = 0, gated = 0;
  for (const auto& [nr, rule] : unconditional) (IsAllowLike(rule->action) ? allowed : denied)++;
  for (int nr : conditional) gated += unconditional.count(nr) == 0;
  size_t known = 0;
  for (int nr = 0; nr < 1024; ++nr) {
    char* n = seccomp_syscall_resolve_num_arch(native, nr);
    known += n != nullptr;
    std::free(n);
  }
  const std::string& arch_name = rules.target_arch;
  std::printf("profile: %s\n", name.c_str());
  std::printf("default action: %s\n", ActionName(rules.default_action).c_str());
  std::printf("architectures:");
  for (const std::string& a : rules.architectures) std::printf(" %s", a.c_str());
  std::printf("%s\n", rules.architectures.empty() ? " native only" : "");
  for (const std::string& flag : profile.ignored_flags) {
    std::printf("flag ignored: %s\n", flag.c_str());
  }
  std::printf(
      "syscalls on %s (no capability kept): %zu allowed, %zu conditional, %zu denied by a "
      "rule, %zu denied by the default action (of %zu known to libseccomp %d.%d.%d)\n",
      arch_name.c_str(), allowed, gated, denied, known - allowed - gated - denied, known,
      SCMP_VER_MAJOR, SCMP_VER_MINOR, SCMP_VER_MICRO);
  std::printf("rules: %zu (%zu names dropped: their action is the default action)\n",
              report.rules_added, rules.dropped_as_default);
  for (const SeccompSplitEntry& split : rules.split_entries) {
    std::printf("split into ORed rules (an argument index repeats): syscalls[%zu]", split.index);
    for (const std::string& n : split.names) std::printf(" %s", n.c_str());
    std::printf("\n");
  }
  std::printf("unknown syscall names skipped: %zu", report.unknown_names.size());
  for (const std::string& n : report.unknown_names) std::printf(" %s", n.c_str());
  std::printf("\n");
  if (!report.left_out_arches.empty()) {
    std::printf("architectures left out (a kernel for %s never reports them):", arch_name.c_str());
    for (const std::string& a : report.left_out_arches) std::printf(" %s", a.c_str());
    std::printf("\n");
  }
  if (!report.untransferred.empty()) {
    std::printf("not extended to i386's socketcall/ipc (argument conditions):");
    for (const std::string& n : report.untransferred) std::printf(" %s", n.c_str());
    std::printf("\n");
  }
  std::printf("BPF: %zu instructions (sections:", instructions);
  for (const std::string& a : report.arches) std::printf(" %s", a.c_str());
  std::printf("; %zu call-number ranges, %zu argument-check blocks)\n", report.ranges,
              report.arg_blocks);
}

int Check(const std::string& name) {
  const std::string context_message = "seccomp check " + name + ": ";
  if (name == "unconfined") {
    std::printf("profile: unconfined (no filter)\n");
    return 0;
  }
  std::string err;
  if (name.ends_with(".bpf")) {
    SeccompProgram program;
    if (!PrepareSeccomp(name, CurrentSeccompContext(0), &program, &err)) return Fail(err);
    std::printf("profile: %s (raw BPF)\nBPF: %zu instructions\n", name.c_str(),
                program.filter.size());
    return 0;
  }
  SeccompProfile profile;
  if (!LoadForCheck(name, &profile, &err)) return Fail(context_message + err);
  const SeccompRuleSet rules = ExpandSeccompRules(profile, CurrentSeccompContext(0));
  std::vector<sock_filter> filter;
  SeccompCompileReport report;
  if (!CompileSeccompRules(rules, &filter, &report, &err)) return Fail(context_message + err);
  PrintSummary(name, profile, rules, report, filter.size());
  return 0;
}

bool WriteAll(int fd, const std::string& bytes, std::string* err) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      *err = ErrnoMessage("write", errno);
      return false;
    }
    done += static_cast<size_t>(n);
  }
  return true;
}

int Export(const std::string& name, const char* out_path) {
  const std::string context_message = "seccomp export " + name + ": ";
  // Before PrepareSeccomp, whose warning about a program running unfiltered would make a
  // second, misleading line: no program runs here.
  if (name == "unconfined") return Fail(context_message + "unconfined has no filter to export");
  SeccompProgram program;
  std::string err;
  // The base context (no capability kept): the same BPF `--seccomp NAME` uses by default.
  if (!PrepareSeccomp(name, CurrentSeccompContext(0), &program, &err)) return Fail(err);
  if (program.flags != 0) {
    std::fprintf(stderr,
                 "hardinit: seccomp export %s: warning: raw BPF cannot carry the "
                 "profile's flags (0x%x); they are lost\n",
                 name.c_str(), program.flags);
  }
  const std::string bytes = EncodeSeccompBpf(program.filter);
  if (out_path == nullptr) {
    return WriteAll(STDOUT_FILENO, bytes, &err) ? 0 : Fail(context_message + err);
  }
  const int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Fail(context_message + ErrnoMessage(out_path, errno));
  const bool written = WriteAll(fd, bytes, &err);
  if (close(fd) != 0 && written) return Fail(context_message + ErrnoMessage(out_path, errno));
  return written ? 0 : Fail(context_message + err);
}

}  // namespace

int SeccompCommand(int argc, char** argv) {
  const std::string verb = argc > 1 ? argv[1] : "";
  if (verb == "check" && argc == 3) return Check(argv[2]);
  if (verb == "export" && (argc == 3 || argc == 4)) {
    return Export(argv[2], argc == 4 ? argv[3] : nullptr);
  }
  std::fputs(kUsage, stderr);
  return kExitFailedBeforeStart;
}

}  // namespace hardinit
