#include "hardinit/cli.h"

#include <signal.h>

#include <gtest/gtest.h>

#include "hardinit/signals.h"

namespace hardinit {
namespace {

struct Parsed {
  bool ok;
  Options options;
  std::string err;
};

Parsed Parse(std::vector<std::string> argv, Environment env = {}) {
  Parsed p;
  p.ok = ParseCommandLine(argv, env, &p.options, &p.err);
  return p;
}

TEST(CommandLine, StopsAtTheFirstNonOption) {
  Parsed p = Parse({"hardinit", "-g", "sh", "-c", "echo hi", "-v"});
  ASSERT_TRUE(p.ok) << p.err;
  EXPECT_TRUE(p.options.kill_process_group);
  EXPECT_EQ(p.options.command, (std::vector<std::string>{"sh", "-c", "echo hi", "-v"}));
  EXPECT_EQ(p.options.log_level, LogLevel::kWarn);
}

TEST(CommandLine, DoubleDashEndsOptions) {
  Parsed p = Parse({"hardinit", "--", "-weird-program", "--version"});
  ASSERT_TRUE(p.ok) << p.err;
  EXPECT_EQ(p.options.command, (std::vector<std::string>{"-weird-program", "--version"}));
}

TEST(CommandLine, ParsesEveryOption) {
  Parsed p = Parse({"hardinit", "-u", "app:staff", "--groups=a,b", "--cap-keep", "NET_BIND_SERVICE",
                    "--seccomp", "strict", "-sgw", "-p", "SIGKILL", "-e", "143", "-e143",
                    "-e", "0", "-r", "TERM:QUIT", "--rewrite", "USR1:0", "--grace", "2.5",
                    "-vv", "--log-format", "json", "prog"});
  ASSERT_TRUE(p.ok) << p.err;
  const Options& o = p.options;
  EXPECT_EQ(o.user, "app:staff");
  EXPECT_EQ(o.groups, "a,b");
  EXPECT_EQ(o.cap_keep, "NET_BIND_SERVICE");
  EXPECT_EQ(o.seccomp, "strict");
  EXPECT_TRUE(o.subreaper && o.kill_process_group && o.warn_on_reap);
  EXPECT_EQ(o.parent_death_signal, SIGKILL);
  EXPECT_TRUE(o.remapped_exit_codes.test(143));
  EXPECT_TRUE(o.remapped_exit_codes.test(0));
  EXPECT_EQ(o.remapped_exit_codes.count(), 2u);
  EXPECT_EQ(o.signal_rewrites[SIGTERM], SIGQUIT);
  EXPECT_EQ(o.signal_rewrites[SIGUSR1], 0);
  EXPECT_EQ(o.signal_rewrites[SIGHUP], -1);
  EXPECT_EQ(o.grace_ms, 2500);
  EXPECT_EQ(o.log_level, LogLevel::kDebug);
  EXPECT_EQ(o.log_format, LogFormat::kJson);
  EXPECT_EQ(o.command, std::vector<std::string>{"prog"});
}

TEST(CommandLine, FlagsWinOverEnvironment) {
  Environment env = {{"HARDINIT_USER", "envuser"}, {"HARDINIT_SECCOMP", "strict"},
                     {"HARDINIT_GRACE", "9"}, {"HARDINIT_LOG_LEVEL", "debug"},
                     {"TINI_SUBREAPER", ""}, {"TINI_KILL_PROCESS_GROUP", ""}};
  Parsed p = Parse({"hardinit", "--user", "flaguser", "--log-level", "error", "prog"}, env);
  ASSERT_TRUE(p.ok) << p.err;
  EXPECT_EQ(p.options.user, "flaguser");
  EXPECT_EQ(p.options.seccomp, "strict");
  EXPECT_EQ(p.options.grace_ms, 9000);
  EXPECT_EQ(p.options.log_level, LogLevel::kError);
  EXPECT_TRUE(p.options.subreaper);  // tini's switches count even when empty
  EXPECT_TRUE(p.options.kill_process_group);
}

TEST(CommandLine, TiniVerbosity) {
  EXPECT_EQ(Parse({"hardinit", "x"}, {{"TINI_VERBOSITY", "3"}}).options.log_level, LogLevel::kDebug);
  EXPECT_EQ(Parse({"hardinit", "x"}, {{"TINI_VERBOSITY", "1"}}).options.log_level, LogLevel::kWarn);
  EXPECT_FALSE(Parse({"hardinit", "x"}, {{"TINI_VERBOSITY", "loud"}}).ok);
}

struct BadInput {
  std::vector<std::string> argv;
  const char* message;
};

class BadCommandLine : public ::testing::TestWithParam<BadInput> {};

TEST_P(BadCommandLine, FailsWithOneClearLine) {
  Parsed p = Parse(GetParam().argv);
  EXPECT_FALSE(p.ok);
  EXPECT_EQ(p.err, GetParam().message);
  EXPECT_EQ(p.err.find('\n'), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(
    Messages, BadCommandLine,
    ::testing::Values(
        BadInput{{"hardinit"}, "no program given (usage: hardinit [OPTIONS] [--] PROGRAM [ARG...])"},
        BadInput{{"hardinit", "-v"}, "no program given (usage: hardinit [OPTIONS] [--] PROGRAM [ARG...])"},
        BadInput{{"hardinit", "--bogus", "x"}, "unknown option --bogus"},
        BadInput{{"hardinit", "-Z", "x"}, "unknown option -Z"},
        BadInput{{"hardinit", "--user"}, "option --user needs a value"},
        BadInput{{"hardinit", "-p"}, "option -p needs a value"},
        BadInput{{"hardinit", "--exec=yes", "x"}, "option --exec takes no value"},
        BadInput{{"hardinit", "-p", "SIGNOPE", "x"}, "--pdeathsig: not a signal: \"SIGNOPE\""},
        BadInput{{"hardinit", "-e", "256", "x"}, "--remap-exit: not an exit code from 0 to 255: \"256\""},
        BadInput{{"hardinit", "-e", "-1", "x"}, "--remap-exit: not an exit code from 0 to 255: \"-1\""},
        BadInput{{"hardinit", "-e", "1x", "x"}, "--remap-exit: not an exit code from 0 to 255: \"1x\""},
        BadInput{{"hardinit", "-r", "TERM", "x"}, "--rewrite: expected FROM:TO with two signals (TO may be 0 to drop): \"TERM\""},
        BadInput{{"hardinit", "-r", "TERM:NOPE", "x"}, "--rewrite: expected FROM:TO with two signals (TO may be 0 to drop): \"TERM:NOPE\""},
        BadInput{{"hardinit", "--grace", "soon", "x"}, "--grace: not a number of seconds from 0 to 86400: \"soon\""},
        BadInput{{"hardinit", "--grace", "-1", "x"}, "--grace: not a number of seconds from 0 to 86400: \"-1\""},
        BadInput{{"hardinit", "--grace", "nan", "x"}, "--grace: not a number of seconds from 0 to 86400: \"nan\""},
        BadInput{{"hardinit", "--grace", "1.", "x"}, "--grace: not a number of seconds from 0 to 86400: \"1.\""},
        BadInput{{"hardinit", "--grace", "1.2345", "x"}, "--grace: not a number of seconds from 0 to 86400: \"1.2345\""},
        BadInput{{"hardinit", "--grace", "1e3", "x"}, "--grace: not a number of seconds from 0 to 86400: \"1e3\""},
        BadInput{{"hardinit", "--grace", "86400.001", "x"}, "--grace: not a number of seconds from 0 to 86400: \"86400.001\""},
        BadInput{{"hardinit", "--grace", "+5", "x"}, "--grace: not a number of seconds from 0 to 86400: \"+5\""},
        BadInput{{"hardinit", "--log-level", "loud", "x"}, "--log-level: expected trace, debug, info, warn, error, critical or off: \"loud\""},
        BadInput{{"hardinit", "--log-format", "xml", "x"}, "--log-format: expected text or json: \"xml\""},
        BadInput{{"hardinit", "--seccomp", "", "x"}, "--seccomp: empty profile name"},
        BadInput{{"hardinit", "--inspect", "x"}, "--inspect takes no program: \"x\""}));

TEST(CommandLine, GraceInMilliseconds) {
  EXPECT_EQ(Parse({"hardinit", "--grace", "0", "x"}).options.grace_ms, 0);
  EXPECT_EQ(Parse({"hardinit", "--grace", "0.05", "x"}).options.grace_ms, 50);
  EXPECT_EQ(Parse({"hardinit", "--grace", "86400", "x"}).options.grace_ms, 86400000);
  EXPECT_EQ(Parse({"hardinit", "--grace", "007.125", "x"}).options.grace_ms, 7125);
}

TEST(CommandLine, EnvironmentErrorsNameTheVariable) {
  Parsed p = Parse({"hardinit", "x"}, {{"HARDINIT_GRACE", "soon"}});
  EXPECT_FALSE(p.ok);
  EXPECT_EQ(p.err, "HARDINIT_GRACE: not a number of seconds from 0 to 86400: \"soon\"");
}

TEST(CommandLine, Inspect) {
  Parsed p = Parse({"hardinit", "--inspect"});
  ASSERT_TRUE(p.ok);
  EXPECT_EQ(p.options.mode, Mode::kInspect);
  EXPECT_FALSE(p.options.inspect_pid);
  p = Parse({"hardinit", "--inspect", "42", "--json"});
  ASSERT_TRUE(p.ok) << p.err;
  EXPECT_EQ(p.options.inspect_pid, 42);
  EXPECT_EQ(p.options.log_format, LogFormat::kJson);
}

TEST(CommandLine, VersionAndSeccompSubcommand) {
  EXPECT_EQ(Parse({"hardinit", "--version"}).options.mode, Mode::kVersion);
  Parsed p = Parse({"hardinit", "seccomp", "check", "x.json"});
  ASSERT_TRUE(p.ok);
  EXPECT_EQ(p.options.mode, Mode::kSeccomp);
  // After `--`, "seccomp" is a program like any other.
  EXPECT_EQ(Parse({"hardinit", "--", "seccomp"}).options.mode, Mode::kSupervise);
}

TEST(Personality, FromArgv0) {
  EXPECT_EQ(PersonalityFor("/sbin/docker-init"), Personality::kTini);
  EXPECT_EQ(PersonalityFor("tini"), Personality::kTini);
  EXPECT_EQ(PersonalityFor("/run/podman-init"), Personality::kTini);
  EXPECT_EQ(PersonalityFor("/run/podman-init2"), Personality::kHardinit);
  EXPECT_EQ(PersonalityFor("/usr/local/bin/gosu"), Personality::kGosu);
  EXPECT_EQ(PersonalityFor("su-exec"), Personality::kGosu);
  EXPECT_EQ(PersonalityFor("/hardinit"), Personality::kHardinit);
}

TEST(Personality, GosuSyntaxExecsInPlace) {
  Parsed p = Parse({"gosu", "app:staff", "prog", "--flag"});
  ASSERT_TRUE(p.ok) << p.err;
  EXPECT_EQ(p.options.mode, Mode::kExec);
  EXPECT_EQ(p.options.user, "app:staff");
  EXPECT_EQ(p.options.command, (std::vector<std::string>{"prog", "--flag"}));
  EXPECT_FALSE(Parse({"gosu", "app"}).ok);
}

TEST(Personality, TiniHasOnlyTinisFlags) {
  EXPECT_TRUE(Parse({"tini", "-s", "-g", "-w", "-e", "3", "--", "x"}).ok);
  EXPECT_FALSE(Parse({"tini", "--user", "app", "x"}).ok);
  EXPECT_FALSE(Parse({"tini", "--grace", "1", "x"}).ok);
  EXPECT_EQ(UsageExitCode(Personality::kTini), 1);
  EXPECT_EQ(UsageExitCode(Personality::kHardinit), 125);
}

TEST(Signals, ParsesNamesAndNumbers) {
  EXPECT_EQ(ParseSignal("TERM"), SIGTERM);
  EXPECT_EQ(ParseSignal("SIGTERM"), SIGTERM);
  EXPECT_EQ(ParseSignal("sigterm"), SIGTERM);
  EXPECT_EQ(ParseSignal("15"), SIGTERM);
  EXPECT_EQ(ParseSignal("RTMIN"), SIGRTMIN);
  EXPECT_EQ(ParseSignal("RTMIN+2"), SIGRTMIN + 2);
  EXPECT_EQ(ParseSignal("SIGRTMAX-1"), SIGRTMAX - 1);
  EXPECT_EQ(ParseSignal("0"), 0);
  EXPECT_EQ(ParseSignal("65"), 0);
  EXPECT_EQ(ParseSignal("RTMIN+99"), 0);
  EXPECT_EQ(ParseSignal(""), 0);
  EXPECT_EQ(ParseSignal("SIG"), 0);
  EXPECT_EQ(SignalName(SIGUSR1), "SIGUSR1");
  EXPECT_EQ(SignalName(SIGRTMIN + 3), "SIGRTMIN+3");
}

}  // namespace
}  // namespace hardinit

namespace hardinit {
namespace {

struct ParsedWithCode {
  bool ok;
  Options options;
  std::string err;
  int exit_code = -1;
};

ParsedWithCode ParseWithCode(std::vector<std::string> argv, Environment env = {}) {
  ParsedWithCode p;
  p.ok = ParseCommandLine(argv, env, &p.options, &p.err, &p.exit_code);
  return p;
}

// An empty USER would keep hardinit's own uid: root, for the usual start (issue 12).
TEST(EmptyUser, IsAUsageErrorThatSaysWhereItCameFromAndWhatToWrite) {
  const struct {
    std::vector<std::string> argv;
    Environment env;
    std::string message;
  } kCases[] = {
      {{"hardinit", "--user", "", "prog"}, {},
       "--user \"\": the user is empty: name one (app, 1000; 0 or root to run as root)"},
      {{"hardinit", "-u", ":", "prog"}, {},
       "--user \":\": the user is empty: name one (app, 1000; 0 or root to run as root)"},
      {{"hardinit", "--user=:staff", "prog"}, {},
       "--user \":staff\": no user before ':': name one (app:staff; 0:staff to run as root)"},
      {{"hardinit", "prog"}, {{"HARDINIT_USER", ""}},
       "HARDINIT_USER is set but empty (an unset variable in a compose file or Helm chart?): "
       "name a user, or unset it"},
      {{"hardinit", "prog"}, {{"HARDINIT_USER", ":1000"}},
       "HARDINIT_USER \":1000\": no user before ':': name one (app:1000; 0:1000 to run as "
       "root)"},
      {{"/usr/local/bin/gosu", "", "prog"}, {},
       "gosu \"\": the user is empty: name one (app, 1000; 0 or root to run as root)"},
      {{"su-exec", ":staff", "prog"}, {},
       "su-exec \":staff\": no user before ':': name one (app:staff; 0:staff to run as root)"},
      {{"tini", "--", "prog"}, {{"HARDINIT_USER", ""}},
       "HARDINIT_USER is set but empty (an unset variable in a compose file or Helm chart?): "
       "name a user, or unset it"},
  };
  for (const auto& c : kCases) {
    ParsedWithCode p = ParseWithCode(c.argv, c.env);
    EXPECT_FALSE(p.ok) << c.message;
    EXPECT_EQ(p.err, c.message);
    EXPECT_EQ(p.exit_code, 125) << c.message << ": hardinit's own config error, even as tini";
  }
  // Negative control: a user, with or without a group, is fine, and root said out loud too.
  for (const char* spec : {"app", "app:", "app:staff", "0", "root:staff", "1000:1000"}) {
    ParsedWithCode p = ParseWithCode({"hardinit", "--user", spec, "prog"});
    EXPECT_TRUE(p.ok) << spec << ": " << p.err;
    EXPECT_EQ(p.options.user, spec);
  }
  EXPECT_TRUE(ParseWithCode({"gosu", "app:staff", "prog"}).ok);
}

// One rule for every list: an empty item is an error naming the flag or variable.
TEST(Lists, AnEmptyItemIsAnErrorInEveryList) {
  for (const std::string flag : {"--cap-keep", "--groups"}) {
    for (const std::string list : {"NET_RAW,", ",NET_RAW", "a,,b", ","}) {
      ParsedWithCode p = ParseWithCode({"hardinit", flag, list, "prog"});
      EXPECT_FALSE(p.ok) << flag << " " << list;
      EXPECT_EQ(p.err, flag + ": empty item in \"" + list +
                           "\" (a list is items separated by ',', with nothing empty; \"\" is "
                           "the empty list)");
      EXPECT_EQ(p.exit_code, 125);
    }
    // "" is the empty list, and a list without empty items is fine (the control).
    EXPECT_TRUE(ParseWithCode({"hardinit", flag, "", "prog"}).ok) << flag;
    EXPECT_TRUE(ParseWithCode({"hardinit", flag, "a,b", "prog"}).ok) << flag;
  }
  for (const std::string variable : {"HARDINIT_CAP_KEEP", "HARDINIT_GROUPS"}) {
    ParsedWithCode p = ParseWithCode({"hardinit", "prog"}, {{variable, "a,"}});
    EXPECT_FALSE(p.ok);
    EXPECT_TRUE(p.err.starts_with(variable + ": empty item in \"a,\"")) << p.err;
  }
}

TEST(Lists, SplitListSplitsOnCommasOnly) {
  std::vector<std::string_view> items;
  std::string err;
  ASSERT_TRUE(SplitList("--x", "a,b c,d", &items, &err)) << err;
  EXPECT_EQ(items, (std::vector<std::string_view>{"a", "b c", "d"}));
  ASSERT_TRUE(SplitList("--x", "", &items, &err));
  EXPECT_TRUE(items.empty());
}

// Every variable's error starts with the variable's name, whatever the message's shape (the
// old code cut the flag's name off at the first ':' and threw on a message without one).
TEST(CommandLine, EveryVariableErrorNamesTheVariable) {
  const Environment kBad[] = {
      {{"HARDINIT_USER", ""}},          {{"HARDINIT_GROUPS", ",x"}},
      {{"HARDINIT_CAP_KEEP", "x,"}},    {{"HARDINIT_SECCOMP", ""}},
      {{"HARDINIT_GRACE", "1.2345"}},   {{"HARDINIT_LOG_FORMAT", "xml"}},
      {{"HARDINIT_LOG_LEVEL", "loud"}}, {{"TINI_VERBOSITY", "loud"}},
  };
  for (const Environment& env : kBad) {
    const std::string& name = env.begin()->first;
    ParsedWithCode p = ParseWithCode({"hardinit", "prog"}, env);
    EXPECT_FALSE(p.ok) << name;
    EXPECT_TRUE(p.err.starts_with(name + " ") || p.err.starts_with(name + ":")) << p.err;
  }
}

// `docker run --init` passes no flags: under the tini name the environment opts in to the
// confinement; without it the program runs exactly as under tini (issue 12).
TEST(TiniName, HardinitVariablesOptInToConfinement) {
  ParsedWithCode plain = ParseWithCode({"tini", "--", "prog"});
  ASSERT_TRUE(plain.ok) << plain.err;
  EXPECT_FALSE(plain.options.confine);
  EXPECT_EQ(plain.options.grace_ms, 0) << "tini exits with the program";
  for (const char* variable : {"HARDINIT_USER", "HARDINIT_GROUPS", "HARDINIT_CAP_KEEP",
                               "HARDINIT_SECCOMP", "HARDINIT_GRACE"}) {
    const std::string value = std::string(variable) == "HARDINIT_GRACE"     ? "2"
                              : std::string(variable) == "HARDINIT_SECCOMP" ? "strict"
                                                                            : "app";
    ParsedWithCode p = ParseWithCode({"/sbin/docker-init", "--", "prog"}, {{variable, value}});
    ASSERT_TRUE(p.ok) << variable << ": " << p.err;
    EXPECT_TRUE(p.options.confine) << variable;
    EXPECT_EQ(p.options.grace_ms, std::string(variable) == "HARDINIT_GRACE" ? 2000 : 5000)
        << variable;
  }
  ParsedWithCode seccomp = ParseWithCode({"tini", "--", "prog"}, {{"HARDINIT_SECCOMP", "strict"}});
  EXPECT_EQ(seccomp.options.seccomp, "strict");
  ParsedWithCode user = ParseWithCode({"tini", "--", "prog"}, {{"HARDINIT_USER", "app:staff"}});
  EXPECT_EQ(user.options.user, "app:staff");
  // The log variables work under the tini name and ask for no confinement.
  ParsedWithCode logs = ParseWithCode(
      {"tini", "--", "prog"}, {{"HARDINIT_LOG_LEVEL", "debug"}, {"HARDINIT_LOG_FORMAT", "json"}});
  ASSERT_TRUE(logs.ok) << logs.err;
  EXPECT_FALSE(logs.options.confine);
  EXPECT_EQ(logs.options.log_level, LogLevel::kDebug);
  EXPECT_EQ(logs.options.log_format, LogFormat::kJson);
  // The hardinit name is always confined.
  EXPECT_TRUE(ParseWithCode({"hardinit", "prog"}).options.confine);
  EXPECT_TRUE(ParseWithCode({"gosu", "app", "prog"}).options.confine);
}

// gosu's syntax has no logging flag: the log variables apply there too, and the identity
// variables do not (the user is gosu's first argument).
TEST(CommandLine, GosuNameTakesTheLogVariablesOnly) {
  ParsedWithCode p = ParseWithCode({"gosu", "app", "prog"},
                                   {{"HARDINIT_LOG_LEVEL", "debug"},
                                    {"HARDINIT_LOG_FORMAT", "json"},
                                    {"HARDINIT_USER", "root"}});
  ASSERT_TRUE(p.ok) << p.err;
  EXPECT_EQ(p.options.log_level, LogLevel::kDebug);
  EXPECT_EQ(p.options.log_format, LogFormat::kJson);
  EXPECT_EQ(p.options.user, "app");
  ParsedWithCode bad = ParseWithCode({"gosu", "app", "prog"}, {{"HARDINIT_LOG_LEVEL", "loud"}});
  EXPECT_FALSE(bad.ok);
  EXPECT_EQ(bad.exit_code, 125) << bad.err;
}

TEST(TiniName, UsageErrorsInTinisWordsExit1AndHardinitsExit125) {
  EXPECT_EQ(ParseWithCode({"tini", "--bogus", "prog"}).exit_code, 1);
  EXPECT_EQ(ParseWithCode({"tini"}).exit_code, 1);
  EXPECT_EQ(ParseWithCode({"tini", "prog"}, {{"TINI_VERBOSITY", "loud"}}).exit_code, 1);
  ParsedWithCode grace = ParseWithCode({"tini", "prog"}, {{"HARDINIT_GRACE", "soon"}});
  EXPECT_FALSE(grace.ok);
  EXPECT_EQ(grace.exit_code, 125);
  EXPECT_EQ(grace.err, "HARDINIT_GRACE: not a number of seconds from 0 to 86400: \"soon\"");
  EXPECT_EQ(ParseWithCode({"hardinit", "--bogus", "prog"}).exit_code, 125);
}

TEST(TiniName, HelpIsTinisUsageText) {
  ParsedWithCode p = ParseWithCode({"/sbin/docker-init", "-h"});
  ASSERT_TRUE(p.ok) << p.err;
  EXPECT_EQ(p.options.mode, Mode::kHelp);
  const std::string text = UsageText(Personality::kTini, "/sbin/docker-init");
  EXPECT_TRUE(text.starts_with("docker-init (tini version 0.19.0 - git.hardinit)\n"
                               "Usage: docker-init [OPTIONS] PROGRAM -- [ARGS] | --version\n"))
      << text;
  EXPECT_NE(text.find("  TINI_KILL_PROCESS_GROUP: Send signals to the child's process group.\n"),
            std::string::npos);
  // Negative control: hardinit's own usage is not tini's.
  EXPECT_EQ(UsageText(Personality::kHardinit, "hardinit").find("tini version"), std::string::npos);
  EXPECT_EQ(text.find("--cap-keep"), std::string::npos);
}

}  // namespace
}  // namespace hardinit

namespace hardinit {
namespace {

TEST(CommandLineSeccompListen, LearnAndLogFromFlagsAndVariables) {
  Parsed learn = Parse({"hardinit", "--seccomp-learn", "/out/app.json", "--", "app"});
  ASSERT_TRUE(learn.ok) << learn.err;
  EXPECT_EQ(learn.options.seccomp_learn, "/out/app.json");
  EXPECT_FALSE(learn.options.seccomp_log);
  Parsed log = Parse({"hardinit", "--seccomp-log", "--seccomp", "strict", "app"});
  ASSERT_TRUE(log.ok) << log.err;
  EXPECT_TRUE(log.options.seccomp_log);
  EXPECT_FALSE(log.options.seccomp_learn);
  Parsed env = Parse({"hardinit", "app"}, {{"HARDINIT_SECCOMP_LEARN", "/out/a.json"}});
  ASSERT_TRUE(env.ok) << env.err;
  EXPECT_EQ(env.options.seccomp_learn, "/out/a.json");
  Parsed log_env = Parse({"hardinit", "app"}, {{"HARDINIT_SECCOMP_LOG", "1"}});
  ASSERT_TRUE(log_env.ok) << log_env.err;
  EXPECT_TRUE(log_env.options.seccomp_log);
  Parsed log_off = Parse({"hardinit", "app"}, {{"HARDINIT_SECCOMP_LOG", "0"}});
  ASSERT_TRUE(log_off.ok) << log_off.err;
  EXPECT_FALSE(log_off.options.seccomp_log);
  // Negative control: neither is on by default.
  Parsed plain = Parse({"hardinit", "app"});
  EXPECT_FALSE(plain.options.seccomp_learn);
  EXPECT_FALSE(plain.options.seccomp_log);
}

TEST(CommandLineSeccompListen, RefusesWhatCannotWork) {
  auto refused = [](std::vector<std::string> argv, Environment env, const std::string& why) {
    Options options;
    std::string err;
    int exit_code = 0;
    EXPECT_FALSE(ParseCommandLine(argv, env, &options, &err, &exit_code)) << argv.back();
    EXPECT_EQ(exit_code, 125) << err;
    EXPECT_NE(err.find(why), std::string::npos) << err;
  };
  refused({"hardinit", "--exec", "--seccomp-learn", "f.json", "app"}, {},
          "--seccomp-learn: needs hardinit's supervisor");
  refused({"hardinit", "--exec", "--seccomp-log", "app"}, {},
          "--seccomp-log: needs hardinit's supervisor");
  refused({"tini", "--", "app"}, {{"HARDINIT_SECCOMP_LEARN", "f.json"}},
          "HARDINIT_SECCOMP_LEARN: not available under the tini name");
  refused({"tini", "--", "app"}, {{"HARDINIT_SECCOMP_LOG", "1"}},
          "HARDINIT_SECCOMP_LOG: not available under the tini name");
  refused({"hardinit", "--seccomp-learn", "f.json", "--seccomp-log", "app"}, {}, "use one");
  refused({"hardinit", "--seccomp", "strict", "--seccomp-learn", "f.json", "app"}, {},
          "cannot be combined with --seccomp strict");
  refused({"hardinit", "--seccomp-learn=", "app"}, {}, "--seccomp-learn: empty file name");
  refused({"hardinit", "app"}, {{"HARDINIT_SECCOMP_LOG", "yes"}},
          "HARDINIT_SECCOMP_LOG: expected 1, 0, true or false");
}

}  // namespace
}  // namespace hardinit
