# SPDX-License-Identifier: MIT
# Flow table and TCP reassembly (engine/flow): single-threaded, no root, no services.
if(TARGET sluice_flow)
  foreach(t test_tcp test_flow test_flow_tcp)
    if(EXISTS ${CMAKE_CURRENT_LIST_DIR}/${t}.c)
      add_executable(${t} ${CMAKE_CURRENT_LIST_DIR}/${t}.c)
      target_include_directories(${t} PRIVATE ${PROJECT_SOURCE_DIR}/tests/lib)
      target_link_libraries(${t} PRIVATE sluice_flow)
    endif()
  endforeach()
  add_test(NAME unit.tcp COMMAND test_tcp unit)
  # random segmentation, duplication, reordering and loss of known streams; the seed is
  # printed, and `test_tcp prop ROUNDS SEED` replays a failure
  add_test(NAME unit.tcp.prop COMMAND test_tcp prop 1500)
  add_test(NAME unit.flow COMMAND test_flow)
  add_test(NAME unit.flow.tcp COMMAND test_flow_tcp)
  set_tests_properties(unit.tcp unit.tcp.prop unit.flow unit.flow.tcp
    PROPERTIES LABELS "unit;flow" TIMEOUT 300)
endif()
