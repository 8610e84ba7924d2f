# Cross build for x86_64 (Docker's linux/amd64) on a Debian machine of another architecture,
# the counterpart of toolchain-aarch64.cmake (see there), with gcc-x86-64-linux-gnu,
# g++-x86-64-linux-gnu and the amd64 -dev packages of the build's libraries.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(CMAKE_C_COMPILER x86_64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER x86_64-linux-gnu-g++)
set(CMAKE_LIBRARY_ARCHITECTURE x86_64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)

find_program(HARDINIT_QEMU_X86_64 NAMES qemu-x86_64-static qemu-x86_64)
if(HARDINIT_QEMU_X86_64)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${HARDINIT_QEMU_X86_64} -L /usr/x86_64-linux-gnu)
endif()
