# SPDX-License-Identifier: MIT
# Unit tests of the engine core (linked against the engine library).
if(TARGET sluice_engine)
  add_executable(test_encode_json ${CMAKE_CURRENT_LIST_DIR}/test_encode_json.c)
  target_include_directories(test_encode_json PRIVATE ${PROJECT_SOURCE_DIR}/tests/lib)
  target_link_libraries(test_encode_json PRIVATE sluice_engine)
  add_test(NAME unit.encode_json COMMAND test_encode_json)
  set_tests_properties(unit.encode_json PROPERTIES LABELS "unit;engine" TIMEOUT 60)

  add_executable(test_runtime ${CMAKE_CURRENT_LIST_DIR}/test_runtime.c)
  target_include_directories(test_runtime PRIVATE ${PROJECT_SOURCE_DIR}/tests/lib)
  target_link_libraries(test_runtime PRIVATE sluice_engine)
  add_test(NAME unit.runtime COMMAND test_runtime)
  set_tests_properties(unit.runtime PROPERTIES LABELS "unit;engine;threads" TIMEOUT 120)

  # The router alone: type masks that do not alias, drop rings it never waits on, block rings
  # it waits on without dropping.
  add_executable(test_router ${CMAKE_CURRENT_LIST_DIR}/test_router.c)
  target_include_directories(test_router PRIVATE ${PROJECT_SOURCE_DIR}/tests/lib)
  target_link_libraries(test_router PRIVATE sluice_engine)
  add_test(NAME unit.router COMMAND test_router)
  set_tests_properties(unit.router PROPERTIES LABELS "unit;engine;threads" TIMEOUT 120)

  # The sink thread and the module contract: ticks while idle, write taking fewer (the rest
  # offered again), flush -EAGAIN retried, stop once.
  add_executable(test_sink_loop ${CMAKE_CURRENT_LIST_DIR}/test_sink_loop.c)
  target_include_directories(test_sink_loop PRIVATE ${PROJECT_SOURCE_DIR}/tests/lib)
  target_link_libraries(test_sink_loop PRIVATE sluice_engine)
  add_test(NAME unit.sink_loop COMMAND test_sink_loop)
  set_tests_properties(unit.sink_loop PROPERTIES LABELS "unit;engine;threads" TIMEOUT 120)
endif()
