# Built-in seccomp profiles compiled to BPF at build time (design.md §3.3).
#
# hardinit-profilec (a host tool linking the core) compiles seccomp-profiles/*.json and PID 1's
# own rule set for HARDINIT_TARGET_ARCH into a generated .cc: BPF, JSON and the assumptions the
# BPF rests on. It is an OBJECT library so its objects always reach the link: the core refers
# to the table only through a weak symbol, which would not pull a member out of a static
# archive.
#
# A cross build runs a profilec built for the build machine: configure with
# -DHARDINIT_PROFILEC=/path/to/host/hardinit-profilec (from a native build of the same
# source); HARDINIT_TARGET_ARCH follows from the toolchain's CMAKE_SYSTEM_PROCESSOR. The
# generated file refuses to compile for any other architecture than the one its BPF is for.
set(HARDINIT_PROFILE_DIR ${PROJECT_SOURCE_DIR}/seccomp-profiles)
set(HARDINIT_BUILTIN_PROFILES_CC ${CMAKE_BINARY_DIR}/generated/builtin_seccomp_profiles.cc)

# Docker's name for the machine the binary is for.
string(TOLOWER "${CMAKE_SYSTEM_PROCESSOR}" _hardinit_processor)
if(_hardinit_processor MATCHES "^(x86_64|amd64)$")
  set(_hardinit_default_arch amd64)
elseif(_hardinit_processor MATCHES "^(aarch64|arm64)$")
  set(_hardinit_default_arch arm64)
elseif(_hardinit_processor MATCHES "^riscv64$")
  set(_hardinit_default_arch riscv64)
elseif(_hardinit_processor MATCHES "^i[3-6]86$")
  set(_hardinit_default_arch 386)
elseif(_hardinit_processor MATCHES "^arm")
  set(_hardinit_default_arch arm)
else()
  set(_hardinit_default_arch "${_hardinit_processor}")
endif()
set(HARDINIT_TARGET_ARCH "${_hardinit_default_arch}" CACHE STRING
    "Docker architecture name (amd64, arm64, ...) the built-in seccomp profiles are compiled for")
set(HARDINIT_PROFILEC "" CACHE FILEPATH
    "A hardinit-profilec that runs on the build machine (cross builds); empty: build one")

if(HARDINIT_PROFILEC)
  set(_hardinit_profilec ${HARDINIT_PROFILEC})
  set(_hardinit_profilec_dep ${HARDINIT_PROFILEC})
else()
  add_executable(hardinit-profilec ${HARDINIT_PROFILE_DIR}/profilec.cc)
  target_link_libraries(hardinit-profilec PRIVATE hardinit_core)
  set(_hardinit_profilec hardinit-profilec)
  set(_hardinit_profilec_dep hardinit-profilec)
endif()

add_custom_command(
  OUTPUT ${HARDINIT_BUILTIN_PROFILES_CC}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/generated
  COMMAND ${_hardinit_profilec} --arch ${HARDINIT_TARGET_ARCH} ${HARDINIT_BUILTIN_PROFILES_CC}
          default=${HARDINIT_PROFILE_DIR}/default.json
          strict=${HARDINIT_PROFILE_DIR}/strict.json
  DEPENDS ${_hardinit_profilec_dep} ${HARDINIT_PROFILE_DIR}/default.json
          ${HARDINIT_PROFILE_DIR}/strict.json
  COMMENT "Compiling the built-in seccomp profiles to BPF for ${HARDINIT_TARGET_ARCH}"
  VERBATIM)

add_library(hardinit_builtin_profiles OBJECT ${HARDINIT_BUILTIN_PROFILES_CC})
target_include_directories(hardinit_builtin_profiles PRIVATE ${PROJECT_SOURCE_DIR}/include)
