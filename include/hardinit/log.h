// Logging (design.md §3.6). Zone: parent.
//
// spdlog, synchronous, one stderr sink, no threads: no async logger, no flush_every. Text
// lines start with "hardinit: "; --log-format json prints one JSON object a line with ts,
// level, msg and the event's fields. Call spdlog directly for plain messages; use LogEvent
// when a message carries fields a collector should get as keys (pid, signal, status).
#ifndef HARDINIT_LOG_H_
#define HARDINIT_LOG_H_

#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>

#include "hardinit/cli.h"

namespace hardinit {

struct LogField {
  const char* key;
  std::variant<long long, std::string> value;
};

// Installs the stderr logger: "hardinit: " lines, or tini's "[LEVEL tini (pid)] " form in
// the tini personality.
void InitLogging(LogLevel level, LogFormat format, Personality personality);

// True when a message at `level` would be printed: check it before building an expensive
// message on a hot path (the supervisor's reap and forward).
bool LogEnabled(LogLevel level);

// Logs `message` at `level`; in JSON the fields become keys next to "msg".
void LogEvent(LogLevel level, std::string_view message, std::initializer_list<LogField> fields);

// Writes everything buffered; called before fork() so that no line is written twice.
void FlushLog();

// Prints "hardinit: <message>" (or the tini form) on stderr, whatever the level: for the one
// line every failure before start prints (design.md §2).
void LogFatal(std::string_view message);

// JSON string escaping, for the formatter: any bytes in, valid JSON out (a byte that is not
// part of well-formed UTF-8 becomes \ufffd).
std::string JsonEscape(std::string_view text);

}  // namespace hardinit

#endif  // HARDINIT_LOG_H_
