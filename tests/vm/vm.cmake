# vm: a cross build's tests on a real kernel of its architecture (design.md §5): Debian's
# kernel in qemu-system under TCG, with an initramfs of this build's binaries (tests/vm).
#
#   ctest --test-dir build-arm64 -L vm
#
# Included by a cross build only (tests/CMakeLists.txt), for an architecture tests/vm/run.sh
# knows; on the build machine's own architecture the integration tests run on its kernel.
if(CMAKE_SYSTEM_PROCESSOR STREQUAL "aarch64")
  set(HARDINIT_VM_ARCH arm64)
else()
  return()
endif()

# In the VM: the unit tests that need a real kernel (HARDINIT_UNIT_KERNEL_TESTS, which
# user-mode emulation cannot run) and every integration test but
# - the language runtimes but busybox (runtimes_test): Python, Node.js, a JVM and Go programs
#   are not in the initramfs;
# - the fork bomb's throughput floor (200 forks in 2 s), which TCG's emulation speed misses
#   (about 200); its negative control still runs;
# - the zombie storm (11,000 orphans, 70 s under TCG): a memory-flatness stress of code that
#   is the same on every architecture; Init.ReapsAThousandOrphans checks the reaping;
# - Inspect.ItselfAsJson, whose state of the test's making (euid 0, ruid 1000, then
#   no_new_privs) does not survive execve() on Linux 6.1: there any euid/ruid difference
#   counts as set-id, and no_new_privs resets the effective ids to the real ones. The other
#   --inspect tests compare with /proc and run;
# - LandlockTest.*, which need Landlock ABI 6 (Linux 6.12): the default required mode refuses
#   --fs-ro below ABI 3 and --net-* below ABI 4 by design, and the scopes they assert came
#   with ABI 6; Linux 6.1 has ABI 2. The x86_64 run on its newer kernel covers them, Landlock
#   code is the same on every architecture but for the system call numbers (the generic
#   444-446 on both), and here the unit tests LandlockKernelTest.* and LandlockLaunch.*
#   load rulesets through those numbers on arm64. For the same reason
#   WholeContainerProfileTest.HardinitRunsUnderALearnedProfileLoadedFromOutside (--fs-ro);
#   its sibling PidOneForwardsASignalUnderALearnedProfile runs here.
set(HARDINIT_VM_INTEGRATION_FILTER
  "-*/RuntimeTest.Python3*:*/RuntimeTest.Node*:*/RuntimeTest.Java*:*/RuntimeTest.GoBinaries*:Load.ForkBombUnderNprocKeepsPid1ReapingAndExitsWithTheProgramStatus:Load.ZombieStormIsReapedInFlatMemory:Inspect.ItselfAsJson:LandlockTest.*:WholeContainerProfileTest.HardinitRunsUnderALearnedProfileLoadedFromOutside")
add_test(NAME vm.${HARDINIT_VM_ARCH}
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/vm/run.sh --arch ${HARDINIT_VM_ARCH}
          --build ${CMAKE_BINARY_DIR} --source ${PROJECT_SOURCE_DIR}
          --unit-filter ${HARDINIT_UNIT_KERNEL_TESTS}
          --integration-filter ${HARDINIT_VM_INTEGRATION_FILTER})
# The boot and the tests take a few minutes under TCG; run.sh stops the machine at 600 s.
set_tests_properties(vm.${HARDINIT_VM_ARCH} PROPERTIES LABELS vm TIMEOUT 700)
