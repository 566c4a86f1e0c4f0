# SPDX-License-Identifier: MIT
# Configuration unit tests: values and --set, YAML loading and its errors, and the check that
# conf/sluice.yaml documents every key with the code's default. No root, no files outside /tmp.
foreach(t test_conf_values test_conf_yaml test_conf_doc test_conf_blocks)
  add_executable(${t} ${CMAKE_CURRENT_LIST_DIR}/${t}.c)
  target_include_directories(${t} PRIVATE ${PROJECT_SOURCE_DIR}/tests/lib ${CMAKE_CURRENT_LIST_DIR})
  target_compile_definitions(${t} PRIVATE SLUICE_CONF_DIR="${PROJECT_SOURCE_DIR}/conf")
  target_link_libraries(${t} PRIVATE sluice_engine)
  string(REPLACE "test_conf_" "" name ${t})
  add_test(NAME unit.conf.${name} COMMAND ${t})
  set_tests_properties(unit.conf.${name} PROPERTIES LABELS "unit;conf" TIMEOUT 60)
endforeach()
