# SPDX-License-Identifier: MIT
# HTTP that is not textbook, end to end: a capture written by the test itself (no corpus, no
# packet library), read by sluiced, its EVE http records and ledger checked field by field.
find_package(Python3 COMPONENTS Interpreter)
if(TARGET sluiced AND Python3_FOUND)
  add_test(NAME integration.http_odd
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/http_odd_check.py --sluiced $<TARGET_FILE:sluiced>)
  set_tests_properties(integration.http_odd PROPERTIES LABELS "integration;engine" TIMEOUT 120)
endif()
