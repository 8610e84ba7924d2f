// The command line (design.md §1). Zone: parent. Pure: no I/O, so it can be unit-tested and
// fuzzed; the environment comes in as a map.
#ifndef HARDINIT_CLI_H_
#define HARDINIT_CLI_H_

#include <sys/types.h>

#include <array>
#include <bitset>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hardinit/landlock.h"

namespace hardinit {

// Who hardinit is pretending to be, from argv[0]'s basename.
enum class Personality { kHardinit, kTini, kGosu };

enum class Mode {
  kSupervise,  // fork the program and supervise it (the default)
  kExec,       // apply identity and sandbox, then exec in place (--exec, gosu, su-exec)
  kInspect,    // print a process's security state (--inspect [PID])
  kSeccomp,    // `hardinit seccomp check|export ...`
  kHealth,     // `hardinit health URL`, a HEALTHCHECK probe (health.h)
  kHelp,
  kVersion,
  kLicense,
};

enum class LogFormat { kText, kJson };

// Log levels, in spdlog's order (trace = 0 ... off = 6).
enum class LogLevel { kTrace = 0, kDebug, kInfo, kWarn, kError, kCritical, kOff };

struct Options {
  Personality personality = Personality::kHardinit;
  Mode mode = Mode::kSupervise;

  // Identity, capabilities, no_new_privs, seccomp and PID 1's own drop (design.md §3.7).
  // Always on under the hardinit and gosu names; under the tini name only when one of
  // HARDINIT_USER, _GROUPS, _CAP_KEEP, _SECCOMP or _GRACE asks for it.
  bool confine = true;

  std::optional<std::string> user;      // -u, --user USER[:GROUP]
  std::optional<std::string> groups;    // --groups LIST
  std::optional<std::string> cap_keep;  // --cap-keep LIST
  std::string seccomp = "default";      // --seccomp PROFILE
  std::optional<std::string> seccomp_learn;  // --seccomp-learn FILE (design.md §3.12)
  bool seccomp_log = false;                  // --seccomp-log
  LandlockOptions landlock;             // --fs-ro, --fs-rw, --net-bind, --net-connect, --landlock
  std::vector<std::string> file_env;    // --file-env NAMES: set NAME from NAME_FILE (file_env.h)

  bool subreaper = false;           // -s
  bool kill_process_group = false;  // -g
  int parent_death_signal = 0;      // -p
  std::bitset<256> remapped_exit_codes;           // -e
  std::array<int, 65> signal_rewrites{};          // -r FROM:TO; index = FROM, -1 = unset
  long grace_ms = 5000;                           // --grace; 0 under the tini name unless confined
  bool warn_on_reap = false;        // -w

  LogLevel log_level = LogLevel::kWarn;
  LogFormat log_format = LogFormat::kText;

  std::optional<pid_t> inspect_pid;  // --inspect [PID]; unset = hardinit itself
  std::vector<std::string> command;  // PROGRAM [ARG...], or a subcommand's words

  Options() { signal_rewrites.fill(-1); }
};

using Environment = std::map<std::string, std::string>;

// The personality argv[0] asks for: "tini" and "docker-init" → tini, "gosu" and "su-exec" →
// gosu, anything else → hardinit.
Personality PersonalityFor(const std::string& argv0);

// Parses argv (argv[0] included) and the environment. On failure returns false with *err set
// to one line, e.g. "--grace: not a number of seconds: \"soon\"", and *exit_code to the
// code to exit with: 1 for tini's own words under the tini name (tini's code), 125 for
// everything else, the HARDINIT_* variables under the tini name included.
bool ParseCommandLine(const std::vector<std::string>& argv, const Environment& env, Options* out,
                      std::string* err, int* exit_code);
// The same, for callers that need no exit code.
bool ParseCommandLine(const std::vector<std::string>& argv, const Environment& env,
                      Options* out, std::string* err);

// The exit code for a usage error in the personality's own words (tini exits 1, hardinit 125).
int UsageExitCode(Personality personality);

// The one rule for every list flag and variable (--groups, --cap-keep, HARDINIT_GROUPS,
// HARDINIT_CAP_KEEP): items separated by ',', no spaces, no empty item ("a,", ",a", "a,,b");
// "" is the empty list. On failure *err names `source` (the flag or variable).
bool SplitList(std::string_view source, std::string_view list, std::vector<std::string_view>* items,
               std::string* err);

// Usage text for -h.
std::string UsageText(Personality personality, const std::string& argv0);

}  // namespace hardinit

#endif  // HARDINIT_CLI_H_
