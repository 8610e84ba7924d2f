# Cross build for 64-bit ARM (Docker's linux/arm64) on a Debian machine of another
# architecture, with Debian's own cross compiler and the arm64 -dev packages of the build's
# libraries (scripts/install-deps.sh --arm64):
#
#   cmake -S . -B build-arm64 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-aarch64.cmake \
#         -DHARDINIT_PROFILEC=build/hardinit-profilec
#
# HARDINIT_PROFILEC names a hardinit-profilec built natively (design.md §3.3): it compiles the
# built-in profiles for the target on the build machine.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
# Debian's multiarch layout: libseccomp.a, libcap-ng.a and GoogleTest's config live under
# /usr/lib/aarch64-linux-gnu, the architecture-independent headers (spdlog, fmt,
# nlohmann-json) under /usr/include. CMake derives the library directory from the
# compiler's target, so the root stays "/"; programs (cmake, git) are the build machine's.
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)

# Programs of the target that CMake runs (ctest, gtest discovery) go through user-mode
# emulation (qemu-user-static); dynamically linked ones find their loader and libstdc++ in
# the cross compiler's own runtime.
find_program(HARDINIT_QEMU_AARCH64 NAMES qemu-aarch64-static qemu-aarch64)
if(HARDINIT_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${HARDINIT_QEMU_AARCH64} -L /usr/aarch64-linux-gnu)
endif()
