// Default ASan options for the programs the integration tests start (hardinit, the probe and
// sysprobe) in a -DHARDINIT_SANITIZE=ON build. The tests give them a minimal environment, so
// ASAN_OPTIONS from the caller never reaches them.
//
// Leak checking is off in them: LeakSanitizer stops the world at exit with clone() and
// ptrace(), which PID 1's own seccomp filter and the program's profile deny, and its
// failure turns every exit status into 1. Leaks in the core are still caught: the unit tests
// and the fuzzers link the same code with leak checking on.
const char* __asan_default_options(void);
const char* __asan_default_options(void) { return "detect_leaks=0"; }
