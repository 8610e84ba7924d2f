// Running the real hardinit binary for integration tests: as PID 1 of a new PID and mount
// namespace with its own /proc (as `unshare --pid --fork --mount-proc` does), or plainly.
#ifndef HARDINIT_TESTS_INTEGRATION_HARNESS_H_
#define HARDINIT_TESTS_INTEGRATION_HARNESS_H_

#include <sys/types.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "helpers/require.h"

namespace hardinit::testing {

inline const std::string kHardinit = HARDINIT_BINARY;
inline const std::string kProbe = HARDINIT_PROBE;

struct RunOptions {
  bool new_pid_namespace = true;
  std::string program = kHardinit;        // what runs as PID 1 (a negative control may skip hardinit)
  std::string argv0;                      // argv[0] (default: program); "tini" selects a personality
  std::vector<std::string> env;           // "NAME=value" added to a minimal environment
  std::function<void()> before_exec;      // runs in the launcher child just before exec
  int timeout_ms = 30000;
};

struct RunResult {
  int exit_code = -1;  // as a shell reports it: 128+N when killed by signal N
  std::string out;
  std::string err;
  bool timed_out = false;
};

// A started hardinit, for tests that talk to it while it runs.
class Process {
 public:
  Process(const std::vector<std::string>& args, const RunOptions& options);
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }  // hardinit's pid as the test sees it
  // Reads stdout until it contains `needle` (returns true) or the timeout passes.
  bool WaitForOutput(const std::string& needle, int timeout_ms = 10000);
  void Signal(int sig);
  RunResult Wait(int timeout_ms = 30000);
  const std::string& out() const { return out_; }

 private:
  void Pump(int timeout_ms);

  pid_t pid_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  std::string out_;
  std::string err_;
  bool reaped_ = false;
};

RunResult RunHardinit(const std::vector<std::string>& args, const RunOptions& options = {});

// The probe's "key=value" lines; a repeated key keeps every value, joined with ",".
std::map<std::string, std::string> ParseReport(const std::string& out);

// A fresh directory under /tmp (mode 0755), removed after the last test.
std::string MakeTempDir();
void WriteFile(const std::string& path, const std::string& text, mode_t mode = 0644);

}  // namespace hardinit::testing

#endif  // HARDINIT_TESTS_INTEGRATION_HARNESS_H_
