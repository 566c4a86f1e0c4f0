# SPDX-License-Identifier: MIT
# Ring unit tests: one thread, no root, no hugepages needed.
add_executable(test_ring ${CMAKE_CURRENT_LIST_DIR}/test_ring.c)
target_include_directories(test_ring PRIVATE ${PROJECT_SOURCE_DIR}/tests/lib ${PROJECT_SOURCE_DIR}/ring)
target_link_libraries(test_ring PRIVATE sluice_ring_static)
add_test(NAME unit.ring COMMAND test_ring)
set_tests_properties(unit.ring PROPERTIES LABELS "unit;ring" TIMEOUT 60)

# Installed library + pkg-config, used by a program from outside the tree (plain builds only:
# a sanitized library needs its runtime preloaded into the outside program).
if(NOT SLUICE_SANITIZE)
add_test(NAME unit.ring.pkgconfig
  COMMAND ${PROJECT_SOURCE_DIR}/tests/pkgconfig/run.sh ${PROJECT_BINARY_DIR} ${PROJECT_SOURCE_DIR}/tests/pkgconfig/ring_user.c)
set_tests_properties(unit.ring.pkgconfig PROPERTIES LABELS "unit;ring" TIMEOUT 120)
endif()
