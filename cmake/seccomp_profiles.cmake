# Built-in seccomp profiles compiled to BPF at build time (design.md §3.3).
#
# hardinit-profilec (a host tool linking the core) compiles seccomp-profiles/*.json and PID 1's
# own rule set into a generated .cc: BPF, JSON and the assumptions the BPF rests on. It is an
# OBJECT library so its objects always reach the link: the core refers to the table only
# through a weak symbol, which would not pull a member out of a static archive.
set(HARDINIT_PROFILE_DIR ${PROJECT_SOURCE_DIR}/seccomp-profiles)
set(HARDINIT_BUILTIN_PROFILES_CC ${CMAKE_BINARY_DIR}/generated/builtin_seccomp_profiles.cc)

add_executable(hardinit-profilec ${HARDINIT_PROFILE_DIR}/profilec.cc)
target_link_libraries(hardinit-profilec PRIVATE hardinit_core)

add_custom_command(
  OUTPUT ${HARDINIT_BUILTIN_PROFILES_CC}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/generated
  COMMAND hardinit-profilec ${HARDINIT_BUILTIN_PROFILES_CC}
          default=${HARDINIT_PROFILE_DIR}/default.json
          strict=${HARDINIT_PROFILE_DIR}/strict.json
  DEPENDS hardinit-profilec ${HARDINIT_PROFILE_DIR}/default.json
          ${HARDINIT_PROFILE_DIR}/strict.json
  COMMENT "Compiling the built-in seccomp profiles to BPF"
  VERBATIM)

add_library(hardinit_builtin_profiles OBJECT ${HARDINIT_BUILTIN_PROFILES_CC})
target_include_directories(hardinit_builtin_profiles PRIVATE ${PROJECT_SOURCE_DIR}/include)
