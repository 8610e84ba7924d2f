#include "hardinit/log.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <ctime>

#include <spdlog/details/null_mutex.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

namespace hardinit {
namespace {

// The fields of the event being logged. The logger is synchronous and hardinit has one
// thread, so the formatter runs inside LogEvent's call to spdlog and can read them.
const std::initializer_list<LogField>* g_fields = nullptr;
Personality g_personality = Personality::kHardinit;

const char* LevelName(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace: return "trace";
    case spdlog::level::debug: return "debug";
    case spdlog::level::info: return "info";
    case spdlog::level::warn: return "warn";
    case spdlog::level::err: return "error";
    case spdlog::level::critical: return "critical";
    default: return "off";
  }
}

// tini's prefixes, so that scripts grepping tini's output keep working in tini mode.
const char* TiniPrefix(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace: return "[TRACE tini (";
    case spdlog::level::debug: return "[DEBUG tini (";
    case spdlog::level::info: return "[INFO  tini (";
    case spdlog::level::warn: return "[WARN  tini (";
    default: return "[FATAL tini (";
  }
}

void Append(spdlog::memory_buf_t& out, std::string_view text) {
  out.append(text.data(), text.data() + text.size());
}

class TextFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& out) override {
    if (g_personality == Personality::kTini) {
      Append(out, TiniPrefix(msg.level));
      Append(out, std::to_string(getpid()));
      Append(out, ")] ");
    } else {
      Append(out, "hardinit: ");
    }
    Append(out, std::string_view(msg.payload.data(), msg.payload.size()));
    Append(out, "\n");
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<TextFormatter>();
  }
};

class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& out) override {
    const auto since_epoch = msg.time.time_since_epoch();
    const std::time_t seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch).count();
    const long micros = static_cast<long>(
        std::chrono::duration_cast<std::chrono::microseconds>(since_epoch).count() % 1000000);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char stamp[40];
    const size_t length = std::strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &utc);
    std::snprintf(stamp + length, sizeof(stamp) - length, ".%06ldZ", micros);
    Append(out, "{\"ts\":\"");
    Append(out, stamp);
    Append(out, "\",\"level\":\"");
    Append(out, LevelName(msg.level));
    Append(out, "\",\"msg\":\"");
    Append(out, JsonEscape(std::string_view(msg.payload.data(), msg.payload.size())));
    Append(out, "\"");
    if (g_fields != nullptr) {
      for (const LogField& field : *g_fields) {
        Append(out, ",\"");
        Append(out, field.key);
        Append(out, "\":");
        if (const long long* number = std::get_if<long long>(&field.value)) {
          Append(out, std::to_string(*number));
        } else {
          Append(out, "\"");
          Append(out, JsonEscape(std::get<std::string>(field.value)));
          Append(out, "\"");
        }
      }
    }
    Append(out, "}\n");
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }
};

// Writes to stderr without ever dying of it or signalling itself. A log line to a pipe whose
// reader is gone raises SIGPIPE, whose default action kills: PID 1 of a namespace is spared by
// the kernel and the supervisor blocks the signal, but hardinit as a subreaper (not PID 1) or
// before its signals are set up would die of its own log line. And where the supervisor
// blocks it, the SIGPIPE reached its signalfd, whose debug line about it raised the next
// one: at --log-level debug PID 1 spun forever and stopped reaping. So the signal is blocked
// around the write and the SIGPIPE the write raised is taken back at once.
void WriteToStderr(const char* data, size_t size) {
  const int saved_errno = errno;
  sigset_t pipe_signal, old;
  sigemptyset(&pipe_signal);
  sigaddset(&pipe_signal, SIGPIPE);
  const bool mask_changed =
      sigprocmask(SIG_BLOCK, &pipe_signal, &old) == 0 && sigismember(&old, SIGPIPE) == 0;
  bool broken_pipe = false;
  while (size > 0) {
    const ssize_t n = write(STDERR_FILENO, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      // EPIPE, EBADF (stderr closed), ENOSPC...: there is nowhere else to say it.
      broken_pipe = n < 0 && errno == EPIPE;
      break;
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  if (broken_pipe) {
    // Standard signals coalesce: a SIGPIPE someone else sent PID 1 at this very moment is
    // taken back too. Nobody sends SIGPIPE to an init on purpose; a spinning one is worse.
    const timespec no_wait{};
    sigtimedwait(&pipe_signal, nullptr, &no_wait);
  }
  if (mask_changed) sigprocmask(SIG_SETMASK, &old, nullptr);
  errno = saved_errno;
}

// spdlog's stderr sink minus stdio: one write(2) a line, through WriteToStderr. No mutex:
// hardinit has one thread.
class StderrSink final : public spdlog::sinks::base_sink<spdlog::details::null_mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t line;
    formatter_->format(msg, line);
    WriteToStderr(line.data(), line.size());
  }
  void flush_() override {}
};

}  // namespace

void InitLogging(LogLevel level, LogFormat format, Personality personality) {
  g_personality = personality;
  // No mutex, no thread, no buffer: each line is one write(2) to stderr.
  auto logger = std::make_shared<spdlog::logger>("hardinit", std::make_shared<StderrSink>());
  if (format == LogFormat::kJson) {
    logger->set_formatter(std::make_unique<JsonFormatter>());
  } else {
    logger->set_formatter(std::make_unique<TextFormatter>());
  }
  logger->set_level(static_cast<spdlog::level::level_enum>(level));
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(std::move(logger));
}

bool LogEnabled(LogLevel level) {
  return spdlog::default_logger_raw()->should_log(static_cast<spdlog::level::level_enum>(level));
}

void LogEvent(LogLevel level, std::string_view message, std::initializer_list<LogField> fields) {
  g_fields = &fields;
  spdlog::log(static_cast<spdlog::level::level_enum>(level), "{}", message);
  g_fields = nullptr;
}

void FlushLog() { spdlog::default_logger()->flush(); }

void LogFatal(std::string_view message) {
  auto logger = spdlog::default_logger();
  // A failure line is printed even under --log-level off: it is the only word the user gets.
  if (!logger->should_log(spdlog::level::critical)) logger->set_level(spdlog::level::critical);
  logger->critical("{}", message);
}

namespace {

// The length of the well-formed UTF-8 sequence that starts at text[at], or 0 when there is
// none there (Unicode 15, table 3-7: no overlong forms, no surrogates, nothing past U+10FFFF).
size_t Utf8SequenceLength(std::string_view text, size_t at) {
  auto byte = [&text](size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(at);
  if (lead < 0x80) return 1;
  size_t length = 0;
  unsigned char low = 0x80, high = 0xbf;  // the range of the second byte
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    if (lead == 0xe0) low = 0xa0;
    if (lead == 0xed) high = 0x9f;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    if (lead == 0xf0) low = 0x90;
    if (lead == 0xf4) high = 0x8f;
  } else {
    return 0;
  }
  if (at + length > text.size() || byte(at + 1) < low || byte(at + 1) > high) return 0;
  for (size_t i = 2; i < length; ++i) {
    if (byte(at + i) < 0x80 || byte(at + i) > 0xbf) return 0;
  }
  return length;
}

}  // namespace

std::string JsonEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      // A name from an image's files or a path can hold any bytes; JSON holds only Unicode.
      const size_t length = Utf8SequenceLength(text, i);
      if (length == 0) {
        out += "\\ufffd";
        ++i;
      } else {
        out.append(text.substr(i, length));
        i += length;
      }
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof(escaped), "\\u%04x", c);
          out += escaped;
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
  return out;
}

}  // namespace hardinit
