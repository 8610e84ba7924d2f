// Exit codes (design.md §2). Every code hardinit itself produces is named here.
#ifndef HARDINIT_EXIT_CODES_H_
#define HARDINIT_EXIT_CODES_H_

namespace hardinit {

// The program's own status is 0..255; these are the values hardinit adds on top.
inline constexpr int kExitFailedBeforeStart = 125;  // usage, config, identity, a privilege step
inline constexpr int kExitCannotExecute = 126;      // the program exists but exec failed
inline constexpr int kExitNotFound = 127;           // the program was not found
inline constexpr int kExitSignalBase = 128;         // killed by signal N: 128 + N
inline constexpr int kExitTiniUsage = 1;            // tini's own code for bad usage (tini mode)

}  // namespace hardinit

#endif  // HARDINIT_EXIT_CODES_H_
