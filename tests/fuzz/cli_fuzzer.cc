// libFuzzer target: the command line (ParseCommandLine) with argv and a few environment
// variables taken from the input.
//
// Input: words separated by NUL. The first word is argv[0] (so "tini", "gosu" and
// "/sbin/docker-init" reach the other personalities); the words after it are argv up to a
// word "\x01env"; the words after that are NAME=VALUE environment entries.
//
// Beyond "no crash, no leak, no UB", the target checks what main() relies on: a mode that
// runs a program has one, every number is in its range, and a failure always says why.
#include <signal.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fuzz_input.h"
#include "hardinit/cli.h"

namespace hardinit::fuzz {
namespace {

// Every item of a list the parser accepted is non-empty (the one list rule, cli.h).
void CheckList(const std::optional<std::string>& list) {
  if (!list || list->empty()) return;
  FUZZ_CHECK(list->front() != ',' && list->back() != ',');
  FUZZ_CHECK(list->find(",,") == std::string::npos);
}

void CheckOptions(const Options& o) {
  const bool runs_program = o.mode == Mode::kSupervise || o.mode == Mode::kExec;
  // An empty USER would mean "stay root": never accepted, wherever it came from.
  FUZZ_CHECK(!o.user || (!o.user->empty() && o.user->front() != ':'));
  CheckList(o.groups);
  CheckList(o.cap_keep);
  // Only the tini name may run a program unconfined, and then without a grace period.
  FUZZ_CHECK(o.confine || o.personality == Personality::kTini);
  FUZZ_CHECK(o.confine || o.grace_ms == 0);
  FUZZ_CHECK(!runs_program || !o.command.empty());
  FUZZ_CHECK(o.mode != Mode::kInspect || o.command.empty());
  FUZZ_CHECK(o.grace_ms >= 0 && o.grace_ms <= 86400L * 1000);
  FUZZ_CHECK(o.parent_death_signal >= 0 && o.parent_death_signal < _NSIG);
  for (int to : o.signal_rewrites) FUZZ_CHECK(to >= -1 && to < _NSIG);
  FUZZ_CHECK(static_cast<int>(o.log_level) >= 0 && static_cast<int>(o.log_level) <= 6);
  FUZZ_CHECK(!o.inspect_pid || *o.inspect_pid > 0);
  FUZZ_CHECK(o.seccomp.size() > 0);
  // Landlock lists: absolute, non-empty paths; an ABI cap in range; every list names its origin.
  for (const auto* list : {&o.landlock.fs_ro, &o.landlock.fs_rw}) {
    if (!*list) continue;
    FUZZ_CHECK(!(*list)->origin.empty());
    for (const std::string& path : (*list)->paths) FUZZ_CHECK(!path.empty() && path[0] == '/');
  }
  for (const auto* list : {&o.landlock.net_bind, &o.landlock.net_connect}) {
    FUZZ_CHECK(!*list || !(*list)->origin.empty());
  }
  FUZZ_CHECK(o.landlock.abi_cap >= -1 && o.landlock.abi_cap <= 99);
  for (const std::string& name : o.file_env) {
    FUZZ_CHECK(!name.empty() && name.find_first_of(",= \n") == std::string::npos);
  }
  FUZZ_CHECK(o.mode != Mode::kHealth || (!o.command.empty() && o.command[0] == "health"));
}

}  // namespace
}  // namespace hardinit::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace hardinit;
  std::vector<std::string> words = fuzz::SplitAtNul(data, size);
  std::vector<std::string> argv;
  Environment env;
  bool in_env = false;
  for (std::string& word : words) {
    if (word == "\x01env") {
      in_env = true;
    } else if (!in_env) {
      argv.push_back(std::move(word));
    } else if (const size_t eq = word.find('='); eq != std::string::npos) {
      env[word.substr(0, eq)] = word.substr(eq + 1);
    }
  }
  Options options;
  std::string err;
  int exit_code = 0;
  if (ParseCommandLine(argv, env, &options, &err, &exit_code)) {
    fuzz::CheckOptions(options);
    // What main() does next with a parsed command line that prints usage.
    if (options.mode == Mode::kHelp) {
      FUZZ_CHECK(!UsageText(options.personality, argv.empty() ? "" : argv[0]).empty());
    }
  } else {
    FUZZ_CHECK(!err.empty());
    FUZZ_CHECK(exit_code == 1 || exit_code == 125);
    // 1 is tini's code, for tini's own words only.
    FUZZ_CHECK(exit_code == 125 ||
               (!argv.empty() && PersonalityFor(argv[0]) == Personality::kTini));
  }
  return 0;
}
