# container: hardinit in a real Docker engine (design.md §5). Needs root; CI installs and starts
# the engine itself through fixture.sh. HARDINIT_ALLOW_SKIP=1 in the environment turns "no
# engine" into printed skips instead of failures.
#
#   ctest --test-dir build -L container
#
# The engine and the test image are a ctest fixture (container.engine_up / _down), so one
# dockerd serves every test process, also under ctest -j. The test binary run by hand brings
# the fixture up itself and stops the engine afterwards if it was the one that started it.

set(HARDINIT_CT_STATE ${CMAKE_BINARY_DIR}/container-engine)
set(HARDINIT_CT_FIXTURE ${CMAKE_CURRENT_SOURCE_DIR}/container/fixture.sh)
set(_hardinit_ct_env
  HARDINIT_CT_STATE=${HARDINIT_CT_STATE}
  HARDINIT_BIN=$<TARGET_FILE:hardinit>
  HARDINIT_PROBE=$<TARGET_FILE:probe>
  HARDINIT_SOURCE_DIR=${PROJECT_SOURCE_DIR})

add_test(NAME container.engine_up
  COMMAND ${CMAKE_COMMAND} -E env ${_hardinit_ct_env} bash ${HARDINIT_CT_FIXTURE} up)
add_test(NAME container.engine_down
  COMMAND ${CMAKE_COMMAND} -E env ${_hardinit_ct_env} bash ${HARDINIT_CT_FIXTURE} down)
# The slow part (debootstrap a base image, build docker/Dockerfile: about 5 minutes the first
# time on 2 idle cores, 20 on a machine loaded 7 times over; seconds later) is a fixture of its own, so the quick cases run beside it under ctest -j.
# engine_down cleans up both fixtures: it must wait for the tests of either.
add_test(NAME container.images
  COMMAND ${CMAKE_COMMAND} -E env ${_hardinit_ct_env} bash ${HARDINIT_CT_FIXTURE} images)
set_tests_properties(container.engine_up PROPERTIES
  FIXTURES_SETUP container_engine LABELS "container;root" TIMEOUT 300)
set_tests_properties(container.images PROPERTIES
  FIXTURES_SETUP container_images FIXTURES_REQUIRED container_engine
  LABELS "container;root" TIMEOUT 2400)
set_tests_properties(container.engine_down PROPERTIES
  FIXTURES_CLEANUP "container_engine;container_images" LABELS "container;root" TIMEOUT 120)

add_executable(hardinit_container_tests ${CMAKE_CURRENT_SOURCE_DIR}/container/container_test.cc)
target_link_libraries(hardinit_container_tests PRIVATE GTest::gtest)
target_compile_definitions(hardinit_container_tests PRIVATE
  HARDINIT_BINARY="$<TARGET_FILE:hardinit>"
  HARDINIT_PROBE="$<TARGET_FILE:probe>"
  HARDINIT_CT_STATE="${HARDINIT_CT_STATE}"
  HARDINIT_CT_FIXTURE="${HARDINIT_CT_FIXTURE}"
  HARDINIT_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
add_dependencies(hardinit_container_tests hardinit probe)
gtest_discover_tests(hardinit_container_tests
  TEST_FILTER "-Dockerfile.*:Examples.*:LandlockExamples.*:HealthCheck.*:LearnedExamples.*" TEST_LIST hardinit_container_quick_tests
  PROPERTIES LABELS container FIXTURES_REQUIRED container_engine TIMEOUT 300
  DISCOVERY_TIMEOUT 60)
# The example builds install python3 or nodejs from Debian's archive the first time.
gtest_discover_tests(hardinit_container_tests
  TEST_FILTER "Dockerfile.*:Examples.*:LandlockExamples.*:HealthCheck.*:LearnedExamples.*" TEST_LIST hardinit_container_image_tests
  PROPERTIES LABELS container FIXTURES_REQUIRED container_images TIMEOUT 900
  DISCOVERY_TIMEOUT 60)
# Every container test needs root (the engine): label `root` too.
hardinit_label_root(hardinit_container_quick_tests container)
hardinit_label_root(hardinit_container_image_tests container)
