#include "hardinit/stack.h"

#include <alloca.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>

namespace hardinit {
namespace {

constexpr size_t kDeepBytes = 64 * 1024;

// Touches kDeepBytes of stack below the caller and returns the lowest address it touched,
// which is dead once it returns.
[[gnu::noinline]] uintptr_t TouchDeepStack() {
  volatile char buf[kDeepBytes];
  for (size_t i = 0; i < kDeepBytes; i += 256) buf[i] = 1;
  return reinterpret_cast<uintptr_t>(&buf[0]);
}

bool Resident(uintptr_t address) {
  const uintptr_t page = static_cast<uintptr_t>(getpagesize());
  unsigned char state = 0;
  if (mincore(reinterpret_cast<void*>(address & ~(page - 1)), page, &state) != 0) {
    ADD_FAILURE() << "mincore failed";
    return false;
  }
  return (state & 1) != 0;
}

TEST(ReleaseDeadStack, DropsThePagesADeeperCallTouchedAndKeepsTheCallersFrame) {
  volatile int canary = 0x5a5a;
  const uintptr_t deep = TouchDeepStack();
  // The control: what the deeper call touched is resident before the release.
  ASSERT_TRUE(Resident(deep));
  ReleaseDeadStack();
  EXPECT_FALSE(Resident(deep));
  EXPECT_TRUE(Resident(reinterpret_cast<uintptr_t>(&canary)));
  EXPECT_EQ(canary, 0x5a5a);
  // The stack below works as before: the next deep call gets its pages back.
  EXPECT_EQ(TouchDeepStack(), deep);
  EXPECT_TRUE(Resident(deep));
}

// Calls ReleaseDeadStack from a frame depth bytes deeper than its caller's.
[[gnu::noinline]] int ReleaseAtDepth(size_t depth) {
  volatile char* pad = static_cast<volatile char*>(alloca(depth));
  pad[0] = 1;
  ReleaseDeadStack();
  return pad[0];
}

// Wherever in its page the release's frame starts, the return address of its madvise() call
// and the frames above survive: at some offset one of them sits on the page below the frame's.
TEST(ReleaseDeadStack, SurvivesAFrameAtEveryOffsetInItsPage) {
  volatile int canary = 0x5a5a;
  const size_t page = static_cast<size_t>(getpagesize());
  for (size_t depth = 16; depth <= 2 * page; depth += 16) {
    ASSERT_EQ(ReleaseAtDepth(depth), 1) << "depth " << depth;
  }
  EXPECT_EQ(canary, 0x5a5a);
}

}  // namespace
}  // namespace hardinit
