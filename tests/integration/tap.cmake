# SPDX-License-Identifier: MIT
# integration.tap: taps against their example consumers (examples/tap/: the C one built from an
# installed tree with pkg-config, the Python one with mmap only); counts against the ledger and
# the EVE output, a consumer that stalls, one killed, none at all, and the refusals
# (tests/tap/tap_test.sh).
if(TARGET sluiced)
  add_test(NAME integration.tap
    COMMAND ${PROJECT_SOURCE_DIR}/tests/tap/tap_test.sh $<TARGET_FILE:sluiced> $<TARGET_FILE:sluice-synth>
            ${PROJECT_BINARY_DIR} ${PROJECT_SOURCE_DIR})
  set_tests_properties(integration.tap PROPERTIES LABELS "integration;engine;threads;tap" TIMEOUT 300)
  if(SLUICE_SANITIZE)
    # the installed library is instrumented: the consumer built against it is too
    set_tests_properties(integration.tap PROPERTIES
      ENVIRONMENT "SLUICE_TEST_CFLAGS=-fsanitize=${SLUICE_SANITIZE} -fno-omit-frame-pointer")
  endif()
endif()

# unit.tap.cross: the Python consumer's record check against sl_tap_check on the same bytes
# (valid records, thousands of mutations, random bytes): they must agree on every one.
add_executable(tap_check_tool ${PROJECT_SOURCE_DIR}/tests/tap/tap_check_tool.c)
target_include_directories(tap_check_tool PRIVATE ${PROJECT_SOURCE_DIR}/include)
add_test(NAME unit.tap.cross
  COMMAND /usr/bin/python3 ${PROJECT_SOURCE_DIR}/tests/tap/tap_check_cross.py $<TARGET_FILE:tap_check_tool>
          ${PROJECT_SOURCE_DIR})
set_tests_properties(unit.tap.cross PROPERTIES LABELS "unit;tap" TIMEOUT 120)
