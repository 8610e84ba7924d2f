// The page bench/firstinsn.c (the driver) and bench/firstinsn_app.c (the program under the
// init) share through the file named in BENCH_SHM. Plain C types only: the program has no
// C library.
#ifndef HARDINIT_BENCH_FIRSTINSN_H_
#define HARDINIT_BENCH_FIRSTINSN_H_

#include <stdint.h>

struct FirstInsnShared {
  uint64_t exec_ns;     // the driver's child, just before it execs the init
  uint64_t started_ns;  // the program's first instructions
  uint64_t exiting_ns;  // the program, just before exit_group
};

#endif  // HARDINIT_BENCH_FIRSTINSN_H_
