# container: hardinit in a real Docker engine (DESIGN §5). Needs root; CI installs and starts
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
  HARDINIT_PROBE=$<TARGET_FILE:probe>)

add_test(NAME container.engine_up
  COMMAND ${CMAKE_COMMAND} -E env ${_hardinit_ct_env} bash ${HARDINIT_CT_FIXTURE} up)
add_test(NAME container.engine_down
  COMMAND ${CMAKE_COMMAND} -E env ${_hardinit_ct_env} bash ${HARDINIT_CT_FIXTURE} down)
set_tests_properties(container.engine_up PROPERTIES
  FIXTURES_SETUP container_engine LABELS container TIMEOUT 300)
set_tests_properties(container.engine_down PROPERTIES
  FIXTURES_CLEANUP container_engine LABELS container TIMEOUT 120)

add_executable(hardinit_container_tests ${CMAKE_CURRENT_SOURCE_DIR}/container/container_test.cc)
target_link_libraries(hardinit_container_tests PRIVATE GTest::gtest)
target_compile_definitions(hardinit_container_tests PRIVATE
  HARDINIT_BINARY="$<TARGET_FILE:hardinit>"
  HARDINIT_PROBE="$<TARGET_FILE:probe>"
  HARDINIT_CT_STATE="${HARDINIT_CT_STATE}"
  HARDINIT_CT_FIXTURE="${HARDINIT_CT_FIXTURE}"
  HARDINIT_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
add_dependencies(hardinit_container_tests hardinit probe)
# TIMEOUT: the first run of the docker/Dockerfile cases debootstraps a base image and builds
# hardinit inside it (a few minutes on 2 cores); every later run hits the caches.
gtest_discover_tests(hardinit_container_tests
  PROPERTIES LABELS container FIXTURES_REQUIRED container_engine TIMEOUT 900
  DISCOVERY_TIMEOUT 60)
