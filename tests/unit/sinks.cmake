# SPDX-License-Identifier: MIT
# The sinks' own parts:
#   unit.spool   the spool on real files: order over segments and restarts, torn tail, corrupt
#                record, bad cursor, each policy at the bound, a full tmpfs (ENOSPC)
add_executable(test_spool ${CMAKE_CURRENT_LIST_DIR}/test_spool.c)
target_include_directories(test_spool PRIVATE ${PROJECT_SOURCE_DIR}/tests/lib)
target_link_libraries(test_spool PRIVATE sluice_spool)
add_test(NAME unit.spool COMMAND test_spool)
set_tests_properties(unit.spool PROPERTIES LABELS "unit;sinks" TIMEOUT 120)
