// The program for bench/firstinsn.c: reads CLOCK_MONOTONIC in its very first instructions,
// before any C library start-up code runs (it has none: -nostdlib, its own _start), writes
// the time into the driver's shared page (BENCH_SHM, as in common.h), and reads the clock
// again just before exit_group, so the driver can time both ends of an init's work: from
// the init's exec to this program's first instruction, and from this program's last
// instruction to the init's exit.
//
// Built by bench/run.sh: cc -O2 -static -no-pie -nostdlib -ffreestanding -fno-stack-protector
#include <stddef.h>
#include <stdint.h>

#include "firstinsn.h"

#if defined(__x86_64__)
enum { kSysOpenat = 257, kSysMmap = 9, kSysClockGettime = 228, kSysExitGroup = 231 };
__asm__(
    ".text\n"
    ".global _start\n"
    "_start:\n"
    "  xor %rbp, %rbp\n"
    "  mov %rsp, %rdi\n"
    "  and $-16, %rsp\n"
    "  call AppMain\n"
    "  hlt\n");

static long Syscall6(long n, long a, long b, long c, long d, long e, long f) {
  register long r10 __asm__("r10") = d;
  register long r8 __asm__("r8") = e;
  register long r9 __asm__("r9") = f;
  long ret;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                   : "rcx", "r11", "memory");
  return ret;
}
#elif defined(__aarch64__)
enum { kSysOpenat = 56, kSysMmap = 222, kSysClockGettime = 113, kSysExitGroup = 94 };
__asm__(
    ".text\n"
    ".global _start\n"
    "_start:\n"
    "  mov x29, #0\n"
    "  mov x0, sp\n"
    "  bl AppMain\n"
    "  brk #0\n");

static long Syscall6(long n, long a, long b, long c, long d, long e, long f) {
  register long x8 __asm__("x8") = n;
  register long x0 __asm__("x0") = a;
  register long x1 __asm__("x1") = b;
  register long x2 __asm__("x2") = c;
  register long x3 __asm__("x3") = d;
  register long x4 __asm__("x4") = e;
  register long x5 __asm__("x5") = f;
  __asm__ volatile("svc 0"
                   : "+r"(x0)
                   : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
                   : "memory");
  return x0;
}
#else
#error "bench/firstinsn_app.c: add _start and the system call numbers for this architecture"
#endif

enum { kClockMonotonic = 1, kAtFdCwd = -100, kOpenRdwr = 2, kProtReadWrite = 3, kMapShared = 1 };

struct Timespec {
  long tv_sec;
  long tv_nsec;
};

static uint64_t Now(void) {
  struct Timespec t = {0, 0};
  Syscall6(kSysClockGettime, kClockMonotonic, (long)&t, 0, 0, 0, 0);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static _Noreturn void Exit(int code) {
  for (;;) Syscall6(kSysExitGroup, code, 0, 0, 0, 0, 0);
}

static const char* FindShmPath(char** envp) {
  static const char kKey[] = "BENCH_SHM=";
  for (; *envp != NULL; ++envp) {
    size_t i = 0;
    while (kKey[i] != '\0' && (*envp)[i] == kKey[i]) ++i;
    if (kKey[i] == '\0') return *envp + i;
  }
  return NULL;
}

__attribute__((used)) _Noreturn void AppMain(long* stack) {
  const uint64_t started = Now();
  const long argc = stack[0];
  char** envp = (char**)(stack + 1 + argc + 1);
  const char* path = FindShmPath(envp);
  if (path == NULL) Exit(3);
  const long fd = Syscall6(kSysOpenat, kAtFdCwd, (long)path, kOpenRdwr, 0, 0, 0);
  if (fd < 0) Exit(4);
  const long map = Syscall6(kSysMmap, 0, sizeof(struct FirstInsnShared), kProtReadWrite,
                            kMapShared, fd, 0);
  if (map < 0 && map > -4096) Exit(5);
  volatile struct FirstInsnShared* shared = (volatile struct FirstInsnShared*)map;
  shared->started_ns = started;
  shared->exiting_ns = Now();
  Exit(0);
}
