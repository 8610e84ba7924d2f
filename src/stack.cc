#include "hardinit/stack.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>

namespace hardinit {

// PID 1's set-up (parsing, planning, the fork, its own drop) runs in deeper frames than its
// loop, and the pages it touched would stay resident for the container's life, as the heap's
// would without malloc_trim (bench/README.md, PID 1's RssAnon).
//
// Safe because nothing below the stack pointer is live: the caller has one thread and no
// alternate signal stack, and the x86-64 red zone (128 bytes) is inside the page kept here.
// A later deeper call or a signal frame faults zeroed pages back in, as the first use did.
// MADV_DONTNEED over a range whose lower part is not mapped zaps the mapped part and then
// fails with ENOMEM (mm/madvise.c: "ignore them, but return -ENOMEM at the end"), so the range
// need not start at the stack's lowest page, which only /proc would tell. It must not reach
// another mapping: the kernel places none within stack_guard_gap (256 pages, 1 MiB, by
// default) below a stack, nor, in the top-down layout, within 128 MiB of the stack's top
// (mmap_base), and hardinit maps nothing at a fixed address. The result is ignored: at worst
// the pages stay. noinline: the frame measured is this function's, one below the caller's.
[[gnu::noinline]] void ReleaseDeadStack() {
  constexpr uintptr_t kSpan = uintptr_t{1} << 20;
  // What is live below this frame while the kernel zaps: the return address of the call to
  // madvise() and whatever the wrapper pushes. A frame that starts in the first bytes of a
  // page puts them on the page below, which must stay too: a zapped return address is 0.
  constexpr uintptr_t kLiveBelow = 512;
  const uintptr_t page = static_cast<uintptr_t>(getpagesize());
  const uintptr_t here = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
  // The pages holding this frame and the live bytes under it stay.
  const uintptr_t end = (here - kLiveBelow) & ~(page - 1);
  if (end <= kSpan) return;
  madvise(reinterpret_cast<void*>(end - kSpan), kSpan, MADV_DONTNEED);
}

}  // namespace hardinit
