// libstdc++'s default terminate handler, __gnu_cxx::__verbose_terminate_handler, names the
// uncaught exception's type through __cxa_demangle, and so links the whole C++ demangler
// (45 KB, 3% of the static binary; issue 17's size budget) into a program that never shows a
// mangled name otherwise. This definition, linked into the executable ahead of libstdc++.a,
// replaces the one in its eh_term_handler.o, which nothing else pulls in. It keeps what matters
// of the verbose handler's message (the exception's what()) and, like it, ends in abort().
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <exception>

namespace {

void WriteAll(const char* text) {
  size_t left = std::strlen(text);
  while (left > 0) {
    ssize_t n = write(STDERR_FILENO, text, left);
    if (n <= 0) return;
    text += n;
    left -= static_cast<size_t>(n);
  }
}

[[noreturn]] void Terminate() noexcept {
  WriteAll("hardinit: terminate called");
  if (std::exception_ptr current = std::current_exception()) {
    try {
      std::rethrow_exception(current);
    } catch (const std::exception& e) {
      WriteAll(" after an uncaught exception: ");
      WriteAll(e.what());
    } catch (...) {
      WriteAll(" after an uncaught exception that is not a std::exception");
    }
  }
  WriteAll("\n");
  std::abort();
}

}  // namespace

namespace __cxxabiv1 {
std::terminate_handler __terminate_handler = Terminate;
}  // namespace __cxxabiv1
