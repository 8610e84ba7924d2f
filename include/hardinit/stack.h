// Giving back the stack pages a finished set-up touched (design.md §3.5). Zone: parent.
#ifndef HARDINIT_STACK_H_
#define HARDINIT_STACK_H_

namespace hardinit {

// Drops the pages of the calling thread's stack wholly below the page that holds this call's
// frame (down to 1 MiB below it), so that pages deeper frames used earlier stop counting in
// the process's memory; a deeper call later gets zeroed pages again. Only for a thread with
// nothing live below its stack pointer: no alternate signal stack there, no other thread's
// data. Never fails: when the kernel refuses, nothing changes.
void ReleaseDeadStack();

}  // namespace hardinit

#endif  // HARDINIT_STACK_H_
