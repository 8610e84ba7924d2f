#include "hardinit/cli.h"

#include <algorithm>
#include <charconv>
#include <span>
#include <string_view>

#include "hardinit/exit_codes.h"
#include "hardinit/file_env.h"
#include "hardinit/signals.h"
#include "hardinit/version.h"

namespace hardinit {
namespace {

// `source` is where the value came from, "--grace" or "HARDINIT_GRACE": every message starts
// with it.
using Handler = bool (*)(Options*, std::string_view value, std::string_view source,
                         std::string* err);

struct OptionSpec {
  char short_name;        // 0 when there is none
  const char* long_name;  // nullptr when there is none
  bool takes_value;
  bool in_tini;           // also accepted in the tini personality
  Handler handle;
};

std::string Quoted(std::string_view value) { return "\"" + std::string(value) + "\""; }

// "--grace: ...": one line naming where the bad value came from.
bool Refuse(std::string_view source, const std::string& why, std::string* err) {
  *err = std::string(source) + ": " + why;
  return false;
}

bool ParseInt(std::string_view text, long* out) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size();
}

bool ParseLogLevel(std::string_view text, LogLevel* out) {
  static constexpr std::pair<std::string_view, LogLevel> kNames[] = {
      {"trace", LogLevel::kTrace}, {"debug", LogLevel::kDebug},       {"info", LogLevel::kInfo},
      {"warn", LogLevel::kWarn},   {"warning", LogLevel::kWarn},      {"error", LogLevel::kError},
      {"critical", LogLevel::kCritical}, {"off", LogLevel::kOff}};
  for (const auto& [name, level] : kNames) {
    if (text == name) {
      *out = level;
      return true;
    }
  }
  return false;
}

// tini's TINI_VERBOSITY: 1 is its default (warnings), each step up is one level more.
LogLevel LevelForVerbosity(long verbosity) {
  if (verbosity <= 0) return LogLevel::kError;
  if (verbosity >= 4) return LogLevel::kTrace;
  return static_cast<LogLevel>(static_cast<int>(LogLevel::kWarn) - (verbosity - 1));
}

// An empty USER ("", ":", ":GROUP") would keep hardinit's own uid, which for a root start is
// root: an unset ${APP_USER} in a compose file would run the program as root without a word.
// `source` is the flag, the variable, or gosu's own name for its USER argument.
bool CheckUser(std::string_view spec, std::string_view source, std::string* err) {
  if (!spec.substr(0, spec.find(':')).empty()) return true;
  const std::string what = std::string(source) + " " + Quoted(spec);
  const std::string group(spec.substr(std::min<size_t>(1, spec.size())));
  if (spec.empty() && source.starts_with("HARDINIT_")) {
    *err = std::string(source) + " is set but empty (an unset variable in a compose file or "
           "Helm chart?): name a user, or unset it";
  } else if (group.empty()) {
    *err = what + ": the user is empty: name one (app, 1000; 0 or root to run as root)";
  } else {
    *err = what + ": no user before ':': name one (app:" + group + "; 0:" + group +
           " to run as root)";
  }
  return false;
}

bool SetUser(Options* o, std::string_view v, std::string_view source, std::string* err) {
  if (!CheckUser(v, source, err)) return false;
  o->user = std::string(v);
  return true;
}
bool SetGroups(Options* o, std::string_view v, std::string_view source, std::string* err) {
  std::vector<std::string_view> items;
  if (!SplitList(source, v, &items, err)) return false;
  o->groups = std::string(v);
  return true;
}
bool SetCapKeep(Options* o, std::string_view v, std::string_view source, std::string* err) {
  std::vector<std::string_view> items;
  if (!SplitList(source, v, &items, err)) return false;
  o->cap_keep = std::string(v);
  return true;
}
bool SetSeccomp(Options* o, std::string_view v, std::string_view source, std::string* err) {
  if (v.empty()) return Refuse(source, "empty profile name", err);
  o->seccomp = std::string(v);
  return true;
}
bool SetSeccompLearn(Options* o, std::string_view v, std::string_view source, std::string* err) {
  if (v.empty()) return Refuse(source, "empty file name", err);
  o->seccomp_learn = std::string(v);
  return true;
}
bool SetSeccompLog(Options* o, std::string_view, std::string_view, std::string*) {
  o->seccomp_log = true;
  return true;
}
// HARDINIT_SECCOMP_LOG=1|0 (also true|false).
bool SetSeccompLogVariable(Options* o, std::string_view v, std::string_view source,
                           std::string* err) {
  if (v == "1" || v == "true") {
    o->seccomp_log = true;
  } else if (v == "0" || v == "false") {
    o->seccomp_log = false;
  } else {
    return Refuse(source, "expected 1, 0, true or false: " + Quoted(v), err);
  }
  return true;
}
// Landlock's flags and variables (design.md §3.9); `source` is also kept as the list's origin,
// for the messages of a later step (a path that does not exist).
bool SetPaths(std::optional<LandlockPaths>* list, std::string_view source, std::string_view v,
              std::string* err) {
  LandlockPaths paths{{}, std::string(source)};
  std::string why;
  if (!ParseLandlockPaths(v, &paths.paths, &why)) return Refuse(source, why, err);
  *list = std::move(paths);
  return true;
}
bool SetPorts(std::optional<LandlockPorts>* list, std::string_view source, std::string_view v,
              std::string* err) {
  LandlockPorts ports{{}, std::string(source)};
  std::string why;
  if (!ParseLandlockPorts(v, &ports.ports, &why)) return Refuse(source, why, err);
  *list = std::move(ports);
  return true;
}
bool SetFsRo(Options* o, std::string_view v, std::string_view source, std::string* err) {
  return SetPaths(&o->landlock.fs_ro, source, v, err);
}
bool SetFsRw(Options* o, std::string_view v, std::string_view source, std::string* err) {
  return SetPaths(&o->landlock.fs_rw, source, v, err);
}
bool SetNetBind(Options* o, std::string_view v, std::string_view source, std::string* err) {
  return SetPorts(&o->landlock.net_bind, source, v, err);
}
bool SetNetConnect(Options* o, std::string_view v, std::string_view source, std::string* err) {
  return SetPorts(&o->landlock.net_connect, source, v, err);
}
bool SetLandlockMode(Options* o, std::string_view v, std::string_view source, std::string* err) {
  if (v == "required" || v == "best-effort") {
    o->landlock.best_effort = v == "best-effort";
    return true;
  }
  return Refuse(source, "expected required or best-effort: " + Quoted(v), err);
}
bool SetLandlockAbiCap(Options* o, std::string_view v, std::string_view source,
                       std::string* err) {
  long abi = 0;
  if (!ParseInt(v, &abi) || abi < 0 || abi > 99) {
    return Refuse(source, "not a Landlock ABI from 0 to 99: " + Quoted(v), err);
  }
  o->landlock.abi_cap = static_cast<int>(abi);
  return true;
}
bool SetFileEnv(Options* o, std::string_view v, std::string_view source, std::string* err) {
  std::string why;
  return ParseFileEnvNames(v, &o->file_env, &why) || Refuse(source, why, err);
}
bool SetSubreaper(Options* o, std::string_view, std::string_view, std::string*) {
  o->subreaper = true;
  return true;
}
bool SetKillProcessGroup(Options* o, std::string_view, std::string_view, std::string*) {
  o->kill_process_group = true;
  return true;
}
bool SetParentDeathSignal(Options* o, std::string_view v, std::string_view source,
                          std::string* err) {
  o->parent_death_signal = ParseSignal(v);
  if (o->parent_death_signal != 0) return true;
  return Refuse(source, "not a signal: " + Quoted(v), err);
}
bool AddRemappedExitCode(Options* o, std::string_view v, std::string_view source,
                         std::string* err) {
  long code = 0;
  if (!ParseInt(v, &code) || code < 0 || code > 255) {
    return Refuse(source, "not an exit code from 0 to 255: " + Quoted(v), err);
  }
  o->remapped_exit_codes.set(code);
  return true;
}
bool AddSignalRewrite(Options* o, std::string_view v, std::string_view source, std::string* err) {
  const size_t colon = v.find(':');
  const int from = colon == std::string_view::npos ? 0 : ParseSignal(v.substr(0, colon));
  const std::string_view to_text = colon == std::string_view::npos ? "" : v.substr(colon + 1);
  const int to = to_text == "0" ? 0 : ParseSignal(to_text);
  if (from == 0 || (to == 0 && to_text != "0") ||
      from >= static_cast<int>(o->signal_rewrites.size())) {
    return Refuse(source, "expected FROM:TO with two signals (TO may be 0 to drop): " + Quoted(v),
                  err);
  }
  o->signal_rewrites[from] = to;
  return true;
}
// SECONDS with at most three decimals ("5", "0.5", "2.25"): parsed as milliseconds, without
// floating point, so that no strtod/from_chars(double) machinery lands in the binary.
bool SetGrace(Options* o, std::string_view v, std::string_view source, std::string* err) {
  const size_t dot = v.find('.');
  const std::string_view whole = v.substr(0, dot);
  const std::string_view fraction = dot == std::string_view::npos ? "" : v.substr(dot + 1);
  long seconds = 0;
  long millis = 0;
  const bool fraction_ok =
      fraction.size() <= 3 && fraction.find_first_not_of("0123456789") == std::string_view::npos &&
      (dot == std::string_view::npos || !fraction.empty());
  if (!ParseInt(whole, &seconds) ||
      whole.find_first_not_of("0123456789") != std::string_view::npos || !fraction_ok ||
      seconds > 86400) {
    return Refuse(source, "not a number of seconds from 0 to 86400: " + Quoted(v), err);
  }
  for (size_t i = 0; i < 3; ++i) {
    millis = millis * 10 + (i < fraction.size() ? fraction[i] - '0' : 0);
  }
  if (seconds * 1000 + millis > 86400 * 1000) {
    return Refuse(source, "not a number of seconds from 0 to 86400: " + Quoted(v), err);
  }
  o->grace_ms = seconds * 1000 + millis;
  return true;
}

bool SetExec(Options* o, std::string_view, std::string_view, std::string*) {
  o->mode = Mode::kExec;
  return true;
}
bool SetWarnOnReap(Options* o, std::string_view, std::string_view, std::string*) {
  o->warn_on_reap = true;
  return true;
}
bool RaiseVerbosity(Options* o, std::string_view, std::string_view, std::string*) {
  if (o->log_level > LogLevel::kTrace) {
    o->log_level = static_cast<LogLevel>(static_cast<int>(o->log_level) - 1);
  }
  return true;
}
bool SetLogLevel(Options* o, std::string_view v, std::string_view source, std::string* err) {
  if (ParseLogLevel(v, &o->log_level)) return true;
  return Refuse(source, "expected trace, debug, info, warn, error, critical or off: " + Quoted(v),
                err);
}
bool SetLogFormat(Options* o, std::string_view v, std::string_view source, std::string* err) {
  if (v == "text" || v == "json") {
    o->log_format = v == "json" ? LogFormat::kJson : LogFormat::kText;
    return true;
  }
  return Refuse(source, "expected text or json: " + Quoted(v), err);
}
bool SetJson(Options* o, std::string_view, std::string_view, std::string*) {
  o->log_format = LogFormat::kJson;
  return true;
}
bool SetInspect(Options* o, std::string_view, std::string_view, std::string*) {
  o->mode = Mode::kInspect;
  return true;
}
bool SetHelp(Options* o, std::string_view, std::string_view, std::string*) {
  o->mode = Mode::kHelp;
  return true;
}
bool SetVersion(Options* o, std::string_view, std::string_view, std::string*) {
  o->mode = Mode::kVersion;
  return true;
}
bool SetLicense(Options* o, std::string_view, std::string_view, std::string*) {
  o->mode = Mode::kLicense;
  return true;
}

constexpr OptionSpec kOptions[] = {
    {'u', "user", true, false, SetUser},
    {0, "groups", true, false, SetGroups},
    {0, "cap-keep", true, false, SetCapKeep},
    {0, "seccomp", true, false, SetSeccomp},
    {0, "seccomp-learn", true, false, SetSeccompLearn},
    {0, "seccomp-log", false, false, SetSeccompLog},
    {0, "fs-ro", true, false, SetFsRo},
    {0, "fs-rw", true, false, SetFsRw},
    {0, "net-bind", true, false, SetNetBind},
    {0, "net-connect", true, false, SetNetConnect},
    {0, "landlock", true, false, SetLandlockMode},
    {0, "file-env", true, false, SetFileEnv},
    {'s', "subreaper", false, true, SetSubreaper},
    {'g', "kill-process-group", false, true, SetKillProcessGroup},
    {'p', "pdeathsig", true, true, SetParentDeathSignal},
    {'e', "remap-exit", true, true, AddRemappedExitCode},
    {'r', "rewrite", true, false, AddSignalRewrite},
    {0, "grace", true, false, SetGrace},
    {0, "exec", false, false, SetExec},
    {'w', "warn-on-reap", false, true, SetWarnOnReap},
    {'v', "verbose", false, true, RaiseVerbosity},
    {0, "log-level", true, false, SetLogLevel},
    {0, "log-format", true, false, SetLogFormat},
    {0, "json", false, false, SetJson},
    {0, "inspect", false, false, SetInspect},
    {'h', "help", false, true, SetHelp},
    {0, "version", false, false, SetVersion},
    {'l', "license", false, true, SetLicense},
};

const OptionSpec* FindLong(std::string_view name, Personality personality) {
  for (const OptionSpec& spec : kOptions) {
    if (spec.long_name != nullptr && name == spec.long_name &&
        (personality != Personality::kTini || spec.in_tini)) {
      return &spec;
    }
  }
  return nullptr;
}

const OptionSpec* FindShort(char name, Personality personality) {
  for (const OptionSpec& spec : kOptions) {
    if (spec.short_name == name && (personality != Personality::kTini || spec.in_tini)) {
      return &spec;
    }
  }
  return nullptr;
}

// The variables that, under the tini name, ask for hardinit's confinement (design.md §3.7):
// `docker run --init` passes no flags to the init, so the environment is the only way in.
constexpr const char* kConfinementVariables[] = {
    "HARDINIT_USER",   "HARDINIT_GROUPS", "HARDINIT_CAP_KEEP",  "HARDINIT_SECCOMP",
    "HARDINIT_GRACE",  "HARDINIT_FS_RO",  "HARDINIT_FS_RW",     "HARDINIT_NET_BIND",
    "HARDINIT_NET_CONNECT"};

// Environment first, so that flags parsed afterwards win (design.md §1). A bad HARDINIT_*
// value is hardinit's own configuration error (125) under every name; a bad TINI_* value is
// a usage error in the personality's words. Landlock's variables apply under every name: the
// environment is the only way to ask for them under gosu's syntax.
bool ApplyEnvironment(const Environment& env, Options* o, std::string* err, int* exit_code) {
  auto get = [&env](const char* name) -> const std::string* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : &it->second;
  };
  auto apply = [&](const char* name, Handler handle) {
    const std::string* value = get(name);
    return value == nullptr || handle(o, *value, name, err);
  };
  const bool hardinit_variables = o->personality != Personality::kGosu;
  *exit_code = kExitFailedBeforeStart;
  if (hardinit_variables &&
      (!apply("HARDINIT_USER", SetUser) || !apply("HARDINIT_GROUPS", SetGroups) ||
       !apply("HARDINIT_CAP_KEEP", SetCapKeep) || !apply("HARDINIT_SECCOMP", SetSeccomp) ||
       !apply("HARDINIT_GRACE", SetGrace))) {
    return false;
  }
  if (hardinit_variables && (!apply("HARDINIT_SECCOMP_LEARN", SetSeccompLearn) ||
                             !apply("HARDINIT_SECCOMP_LOG", SetSeccompLogVariable))) {
    return false;
  }
  if (o->personality == Personality::kTini && (o->seccomp_learn || o->seccomp_log)) {
    // `docker run --init` runs the tini name with no confinement of its own; learning or
    // logging needs hardinit's filter and its supervisor configured as hardinit.
    *err = std::string(o->seccomp_learn ? "HARDINIT_SECCOMP_LEARN" : "HARDINIT_SECCOMP_LOG") +
           ": not available under the tini name (docker run --init); run hardinit under its "
           "own name as the entrypoint";
    return false;
  }
  if (o->personality == Personality::kTini) {
    o->confine = std::any_of(std::begin(kConfinementVariables), std::end(kConfinementVariables),
                             [&get](const char* name) { return get(name) != nullptr; });
    // tini exits with the program; the grace period comes with the confinement.
    if (!o->confine) o->grace_ms = 0;
  }
  if (!apply("HARDINIT_FS_RO", SetFsRo) || !apply("HARDINIT_FS_RW", SetFsRw) ||
      !apply("HARDINIT_NET_BIND", SetNetBind) || !apply("HARDINIT_NET_CONNECT", SetNetConnect) ||
      !apply("HARDINIT_LANDLOCK", SetLandlockMode) ||
      !apply("HARDINIT_LANDLOCK_ABI_CAP", SetLandlockAbiCap)) {
    return false;
  }
  // Under every name: the environment is all `docker run --init` and the gosu syntax leave
  // for it, and it confines nothing, so the tini name stays tini (design.md §3.10).
  if (!apply("HARDINIT_FILE_ENV", SetFileEnv)) return false;
  // tini's switches count as set whatever their value, even empty.
  if (get("TINI_SUBREAPER") != nullptr) o->subreaper = true;
  if (get("TINI_KILL_PROCESS_GROUP") != nullptr) o->kill_process_group = true;
  if (const std::string* verbosity = get("TINI_VERBOSITY")) {
    long level = 0;
    if (!ParseInt(*verbosity, &level)) {
      *exit_code = UsageExitCode(o->personality);
      *err = "TINI_VERBOSITY: not a number: " + Quoted(*verbosity);
      return false;
    }
    o->log_level = LevelForVerbosity(level);
  }
  // Logging confines nothing and gosu's syntax has no flag for it: under every name.
  return apply("HARDINIT_LOG_FORMAT", SetLogFormat) && apply("HARDINIT_LOG_LEVEL", SetLogLevel);
}

bool AllDigits(std::string_view text) {
  return !text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos;
}

// Parses options up to the first word that is not one (or "--"); returns that word's index.
bool ParseOptions(std::span<const std::string> args, Options* o, size_t* first_operand,
                  std::string* err) {
  size_t i = 1;
  for (; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    if (arg == "--") {
      ++i;
      break;
    }
    if (arg.size() < 2 || arg[0] != '-') break;
    if (arg[1] == '-') {
      std::string_view name = arg.substr(2);
      std::optional<std::string_view> value;
      if (size_t eq = name.find('='); eq != std::string_view::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
      }
      const OptionSpec* spec = FindLong(name, o->personality);
      if (spec == nullptr) {
        *err = "unknown option --" + std::string(name);
        return false;
      }
      if (!spec->takes_value && value) {
        *err = "option --" + std::string(name) + " takes no value";
        return false;
      }
      if (spec->takes_value && !value) {
        if (i + 1 >= args.size()) {
          *err = "option --" + std::string(name) + " needs a value";
          return false;
        }
        value = args[++i];
      }
      if (!spec->handle(o, value.value_or(""), "--" + std::string(name), err)) return false;
      // --inspect takes an optional PID: the next word, when it is a number.
      if (spec->handle == SetInspect && i + 1 < args.size() && AllDigits(args[i + 1])) {
        long pid = 0;
        if (!ParseInt(args[i + 1], &pid) || pid <= 0 || pid > 4194304) {
          *err = "--inspect: not a process id: " + Quoted(args[i + 1]);
          return false;
        }
        o->inspect_pid = static_cast<pid_t>(pid);
        ++i;
      }
      continue;
    }
    for (size_t j = 1; j < arg.size(); ++j) {
      const OptionSpec* spec = FindShort(arg[j], o->personality);
      if (spec == nullptr) {
        *err = "unknown option -" + std::string(1, arg[j]);
        return false;
      }
      const std::string source = "--" + std::string(spec->long_name);
      if (!spec->takes_value) {
        if (!spec->handle(o, "", source, err)) return false;
        continue;
      }
      std::string_view value = arg.substr(j + 1);
      if (value.empty()) {
        if (i + 1 >= args.size()) {
          *err = "option -" + std::string(1, arg[j]) + " needs a value";
          return false;
        }
        value = args[++i];
      }
      if (!spec->handle(o, value, source, err)) return false;
      break;
    }
  }
  // argv may be empty (argc == 0, which kernels before 5.18 pass through): no operand then,
  // rather than an index past the end.
  *first_operand = std::min(i, args.size());
  return true;
}

}  // namespace

Personality PersonalityFor(const std::string& argv0) {
  const std::string_view name = std::string_view(argv0).substr(argv0.rfind('/') + 1);
  // Docker's --init runs its init as docker-init, Podman's as podman-init: both pass it no
  // flags and expect an init that changes nothing about the program (design.md §3.7).
  if (name == "tini" || name == "docker-init" || name == "podman-init") return Personality::kTini;
  if (name == "gosu" || name == "su-exec") return Personality::kGosu;
  return Personality::kHardinit;
}

int UsageExitCode(Personality personality) {
  return personality == Personality::kTini ? kExitTiniUsage : kExitFailedBeforeStart;
}

bool SplitList(std::string_view source, std::string_view list, std::vector<std::string_view>* items,
               std::string* err) {
  items->clear();
  if (list.empty()) return true;
  for (size_t start = 0;;) {
    const size_t comma = list.find(',', start);
    const std::string_view item = list.substr(start, comma - start);
    if (item.empty()) {
      *err = std::string(source) + ": empty item in " + Quoted(list) +
             " (a list is items separated by ',', with nothing empty; \"\" is the empty list)";
      return false;
    }
    items->push_back(item);
    if (comma == std::string_view::npos) return true;
    start = comma + 1;
  }
}

bool ParseCommandLine(const std::vector<std::string>& argv, const Environment& env,
                      Options* out, std::string* err) {
  int exit_code = 0;
  return ParseCommandLine(argv, env, out, err, &exit_code);
}

bool ParseCommandLine(const std::vector<std::string>& argv, const Environment& env, Options* out,
                      std::string* err, int* exit_code) {
  Options o;
  o.personality = argv.empty() ? Personality::kHardinit : PersonalityFor(argv[0]);
  *exit_code = UsageExitCode(o.personality);

  if (o.personality == Personality::kGosu) {
    // gosu USER[:GROUP] PROGRAM [ARG...], exec in place; gosu's own --help and --version.
    o.mode = Mode::kExec;
    if (argv.size() == 2 && (argv[1] == "--help" || argv[1] == "-h")) o.mode = Mode::kHelp;
    if (argv.size() == 2 && (argv[1] == "--version" || argv[1] == "-v")) o.mode = Mode::kVersion;
    if (o.mode != Mode::kExec) {
      *out = std::move(o);
      return true;
    }
    if (argv.size() < 3) {
      *err = "usage: " + argv[0] + " USER[:GROUP] PROGRAM [ARG...]";
      return false;
    }
    if (!ApplyEnvironment(env, &o, err, exit_code)) return false;
    const std::string name = argv[0].substr(argv[0].rfind('/') + 1);
    if (!SetUser(&o, argv[1], name, err)) return false;
    o.command.assign(argv.begin() + 2, argv.end());
    *out = std::move(o);
    return true;
  }

  // tini recognises --version only as the sole argument.
  if (argv.size() == 2 && argv[1] == "--version") {
    o.mode = Mode::kVersion;
    *out = std::move(o);
    return true;
  }
  if (o.personality == Personality::kHardinit && argv.size() >= 2 && argv[1] == "seccomp") {
    o.mode = Mode::kSeccomp;
    o.command.assign(argv.begin() + 1, argv.end());
    *out = std::move(o);
    return true;
  }
  if (o.personality == Personality::kHardinit && argv.size() >= 2 && argv[1] == "health") {
    o.mode = Mode::kHealth;
    o.command.assign(argv.begin() + 1, argv.end());
    *out = std::move(o);
    return true;
  }

  if (!ApplyEnvironment(env, &o, err, exit_code)) return false;
  *exit_code = UsageExitCode(o.personality);
  size_t first_operand = 0;
  if (!ParseOptions(argv, &o, &first_operand, err)) return false;
  o.command.assign(argv.begin() + static_cast<std::ptrdiff_t>(first_operand), argv.end());

  const bool needs_program = o.mode == Mode::kSupervise || o.mode == Mode::kExec;
  if (needs_program && o.command.empty()) {
    *err = "no program given (usage: hardinit [OPTIONS] [--] PROGRAM [ARG...])";
    return false;
  }
  if (o.mode == Mode::kExec && (o.seccomp_learn || o.seccomp_log)) {
    *exit_code = kExitFailedBeforeStart;
    *err = std::string(o.seccomp_learn ? "--seccomp-learn" : "--seccomp-log") +
           ": needs hardinit's supervisor, which --exec does not keep (PID 1 answers the "
           "program's reported calls)";
    return false;
  }
  if (o.seccomp_learn && o.seccomp_log) {
    *exit_code = kExitFailedBeforeStart;
    *err = "--seccomp-learn and --seccomp-log: use one (learning reports every call, logging "
           "only the denied ones)";
    return false;
  }
  if (o.seccomp_learn && o.seccomp != "default") {
    *exit_code = kExitFailedBeforeStart;
    *err = "--seccomp-learn " + *o.seccomp_learn + ": cannot be combined with --seccomp " +
           o.seccomp + " (learning runs the program under the learn filter only; pass the "
           "learned file to --seccomp afterwards)";
    return false;
  }
  if (o.mode == Mode::kInspect && !o.command.empty()) {
    *err = "--inspect takes no program: " + Quoted(o.command[0]);
    return false;
  }
  *out = std::move(o);
  return true;
}

std::string UsageText(Personality personality, const std::string& argv0) {
  const std::string name = argv0.substr(argv0.rfind('/') + 1);
  if (personality == Personality::kTini) {
    // tini 0.19.0's print_usage, line for line (the HARDINIT_* variables are in the README).
    return name + " (tini version " + kTiniCompatibleVersion + " - git.hardinit)\n"
           "Usage: " + name + " [OPTIONS] PROGRAM -- [ARGS] | --version\n"
           "\n"
           "Execute a program under the supervision of a valid init process (" + name + ")\n"
           "\n"
           "Command line options:\n"
           "\n"
           "  --version: Show version and exit.\n"
           "  -h: Show this help message and exit.\n"
           "  -s: Register as a process subreaper (requires Linux >= 3.4).\n"
           "  -p SIGNAL: Trigger SIGNAL when parent dies, e.g. \"-p SIGKILL\".\n"
           "  -v: Generate more verbose output. Repeat up to 3 times.\n"
           "  -w: Print a warning when processes are getting reaped.\n"
           "  -g: Send signals to the child's process group.\n"
           "  -e EXIT_CODE: Remap EXIT_CODE (from 0 to 255) to 0.\n"
           "  -l: Show license and exit.\n"
           "\n"
           "Environment variables:\n"
           "\n"
           "  TINI_SUBREAPER: Register as a process subreaper (requires Linux >= 3.4).\n"
           "  TINI_VERBOSITY: Set the verbosity level (default: 1).\n"
           "  TINI_KILL_PROCESS_GROUP: Send signals to the child's process group.\n"
           "\n";
  }
  if (personality == Personality::kGosu) {
    return "Usage: " + argv0 + " USER[:GROUP] PROGRAM [ARG...]\n"
           "Runs PROGRAM as USER (name or id) and GROUP, in place, with no_new_privs,\n"
           "no capabilities and hardinit's default seccomp profile. HARDINIT_FS_RO,\n"
           "HARDINIT_FS_RW, HARDINIT_NET_BIND and HARDINIT_NET_CONNECT add Landlock rules.\n";
  }
  return "Usage: " + argv0 + " [OPTIONS] [--] PROGRAM [ARG...]\n"
         "       " + argv0 + " --inspect [PID]\n"
         "       " + argv0 + " seccomp check|export PROFILE [OUT]\n"
         "       " + argv0 + " health [--timeout SECONDS] [--header 'NAME: VALUE'] URL\n"
         "\n"
         "Runs PROGRAM as PID 1: as the given user, with only the capabilities kept,\n"
         "no_new_privs and a seccomp filter; forwards signals, reaps zombies, stops the\n"
         "remaining processes gracefully and exits with PROGRAM's status.\n"
         "\n"
         "  -u, --user USER[:GROUP]   run as USER and GROUP (names or ids)   HARDINIT_USER\n"
         "      --groups LIST         supplementary groups (\"\" = none)       HARDINIT_GROUPS\n"
         "      --cap-keep LIST       capabilities to keep (default none)    HARDINIT_CAP_KEEP\n"
         "      --seccomp PROFILE     default, strict, unconfined or a JSON  HARDINIT_SECCOMP\n"
         "                            or .bpf file (default: default)\n"
         "      --seccomp-learn FILE  record every call into the profile FILE  HARDINIT_SECCOMP_LEARN\n"
         "      --seccomp-log         log each call the profile denies      HARDINIT_SECCOMP_LOG\n"
         "      --fs-ro PATHS         read and execute only beneath PATHS    HARDINIT_FS_RO\n"
         "      --fs-rw PATHS         read and write (not execute) beneath   HARDINIT_FS_RW\n"
         "      --net-bind PORTS      the only TCP ports bind may use        HARDINIT_NET_BIND\n"
         "      --net-connect PORTS   the only TCP ports connect may use     HARDINIT_NET_CONNECT\n"
         "      --landlock MODE       required (default) or best-effort      HARDINIT_LANDLOCK\n"
         "                            (Landlock; lists are comma-separated, \"\" = none)\n"
         "      --file-env NAMES      set each NAME from the file NAME_FILE   HARDINIT_FILE_ENV\n"
         "                            names, read before the drop\n"
         "  -s, --subreaper           register as child subreaper            TINI_SUBREAPER\n"
         "  -g, --kill-process-group  forward signals to the program's group TINI_KILL_PROCESS_GROUP\n"
         "  -p, --pdeathsig SIGNAL    signal hardinit gets if its parent dies\n"
         "  -e, --remap-exit CODE     exit code CODE becomes 0 (repeatable)\n"
         "  -r, --rewrite FROM:TO     rewrite a forwarded signal; TO 0 drops it (repeatable)\n"
         "      --grace SECONDS       time the other processes get after the program\n"
         "                            exits, before SIGKILL (default 5)      HARDINIT_GRACE\n"
         "      --exec                no supervisor: exec PROGRAM in place\n"
         "  -w, --warn-on-reap        log each reaped process that is not PROGRAM\n"
         "  -v, --verbose             more logging (repeatable)              TINI_VERBOSITY\n"
         "      --log-level LEVEL     trace|debug|info|warn|error|critical|off\n"
         "                                                                   HARDINIT_LOG_LEVEL\n"
         "      --log-format FORMAT   text|json                              HARDINIT_LOG_FORMAT\n"
         "      --inspect [PID]       print the security state of PID (default: itself)\n"
         "  -h, --help                this text\n"
         "      --version             the version\n"
         "  -l, --license             the license\n"
         "\n"
         "A LIST is items separated by ',' without spaces (NET_RAW,CHOWN); \"\" is none.\n"
         "\n"
         "Exit status: PROGRAM's, 128+N if it was killed by signal N, 125 if hardinit failed\n"
         "before PROGRAM started, 126 if PROGRAM could not be executed, 127 if not found.\n";
}

}  // namespace hardinit
