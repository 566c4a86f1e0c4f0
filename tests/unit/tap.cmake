# SPDX-License-Identifier: MIT
#   unit.tap   the public tap layout read back from records the engine's builders made, and
#              sl_tap_check refusing each kind of lying record (test_tap.c)
if(TARGET sluice_engine)
  add_executable(test_tap ${CMAKE_CURRENT_LIST_DIR}/test_tap.c)
  target_include_directories(test_tap PRIVATE ${PROJECT_SOURCE_DIR}/tests/lib)
  target_link_libraries(test_tap PRIVATE sluice_engine)
  add_test(NAME unit.tap COMMAND test_tap)
  set_tests_properties(unit.tap PROPERTIES LABELS "unit;engine;tap" TIMEOUT 60)
endif()
