# SPDX-License-Identifier: MIT
# The control socket's parsers:
#   unit.control.request   requests (every command, every kind of refusal) and sluicectl's reply
#                          reader (the tree, truncation, depth and size bounds)
add_executable(test_control_request ${CMAKE_CURRENT_LIST_DIR}/test_control_request.c)
target_include_directories(test_control_request PRIVATE ${PROJECT_SOURCE_DIR}/tests/lib)
target_link_libraries(test_control_request PRIVATE sluice_control_req)
add_test(NAME unit.control.request COMMAND test_control_request)
set_tests_properties(unit.control.request PROPERTIES LABELS "unit;control" TIMEOUT 60)
