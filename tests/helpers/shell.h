// Running shell commands from the engine suites (tests/container, tests/engines): the
// command, its exit code and everything it printed, for failure messages that show it all.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <ostream>
#include <string>

namespace hardinit_test {

struct Result {
  std::string cmd;
  int rc = -1;
  std::string out;  // stdout and stderr, interleaved
};

// Every failure message shows the command and everything it printed.
inline std::ostream& operator<<(std::ostream& os, const Result& r) {
  return os << "\n$ " << r.cmd << "\n[exit " << r.rc << "]\n" << r.out;
}

inline std::string Quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

inline Result Shell(const std::string& cmd) {
  Result r{cmd, -1, ""};
  FILE* f = popen(("{ " + cmd + "\n} </dev/null 2>&1").c_str(), "r");
  if (f == nullptr) {
    r.out = "popen failed";
    return r;
  }
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) r.out.append(buf, n);
  int status = pclose(f);
  r.rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

inline std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  size_t e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

}  // namespace hardinit_test
