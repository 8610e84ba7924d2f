# engines: hardinit under Podman (rootful with runc and with crun, rootless), containerd, and
# Kubernetes' pod semantics reproduced with Podman (tests/engines, docs/kubernetes.md). Needs
# root; each engine is a ctest fixture (engines.ENGINE_up / _down) that installs its packages
# through scripts/install-deps.sh --engines, starts what it needs and imports the test image
# made by tests/container/rootfs.sh. One label per engine:
#
#   ctest --test-dir build -L 'podman|crun|rootless|containerd|k8s'
#
# HARDINIT_ALLOW_SKIP=1 in the environment turns "no engine" into printed skips (local runs
# only). The test binary run by hand brings each engine up itself and takes down what it
# started.

set(HARDINIT_ENG_STATE ${CMAKE_BINARY_DIR}/engines-state)
set(HARDINIT_ENG_FIXTURE ${CMAKE_CURRENT_SOURCE_DIR}/engines/fixture.sh)
set(_hardinit_eng_env
  HARDINIT_ENG_STATE=${HARDINIT_ENG_STATE}
  HARDINIT_BIN=$<TARGET_FILE:hardinit>
  HARDINIT_PROBE=$<TARGET_FILE:probe>
  HARDINIT_SOURCE_DIR=${PROJECT_SOURCE_DIR})

add_executable(hardinit_engine_tests ${CMAKE_CURRENT_SOURCE_DIR}/engines/engines_test.cc)
target_link_libraries(hardinit_engine_tests PRIVATE GTest::gtest)
target_compile_definitions(hardinit_engine_tests PRIVATE
  HARDINIT_BINARY="$<TARGET_FILE:hardinit>"
  HARDINIT_PROBE="$<TARGET_FILE:probe>"
  HARDINIT_ENG_STATE="${HARDINIT_ENG_STATE}"
  HARDINIT_ENG_FIXTURE="${HARDINIT_ENG_FIXTURE}"
  HARDINIT_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
add_dependencies(hardinit_engine_tests hardinit probe)

# engine  label  gtest filter of its tests
foreach(spec "podman;podman;Podman/*:PodmanOnly.*"
             "crun;crun;Crun/*"
             "rootless;rootless;Rootless/*:RootlessOnly.*"
             "containerd;containerd;Containerd.*"
             "podman;k8s;K8s*")
  list(GET spec 0 engine)
  list(GET spec 1 label)
  list(GET spec 2 filter)
  if(NOT TEST engines.${engine}_up)
    add_test(NAME engines.${engine}_up
      COMMAND ${CMAKE_COMMAND} -E env ${_hardinit_eng_env}
              bash ${HARDINIT_ENG_FIXTURE} up ${engine})
    add_test(NAME engines.${engine}_down
      COMMAND ${CMAKE_COMMAND} -E env ${_hardinit_eng_env}
              bash ${HARDINIT_ENG_FIXTURE} down ${engine})
    set_tests_properties(engines.${engine}_up PROPERTIES
      FIXTURES_SETUP engine_${engine} LABELS ${label} TIMEOUT 600)
    set_tests_properties(engines.${engine}_down PROPERTIES
      FIXTURES_CLEANUP engine_${engine} LABELS ${label} TIMEOUT 120)
  else()
    # The k8s label shares Podman's fixture; its set-up and clean-up carry both labels so
    # that `ctest -L k8s` alone still brings the engine up and down.
    get_test_property(engines.${engine}_up LABELS labels)
    set_tests_properties(engines.${engine}_up engines.${engine}_down PROPERTIES
      LABELS "${labels};${label}")
  endif()
  gtest_discover_tests(hardinit_engine_tests
    TEST_FILTER "${filter}"
    TEST_PREFIX "${label}."
    PROPERTIES LABELS ${label} FIXTURES_REQUIRED engine_${engine} TIMEOUT 300
    DISCOVERY_TIMEOUT 60)
endforeach()
