# SPDX-License-Identifier: MIT
# Running sluiced unattended: notifications, the privilege drop, -D and the pid file, the unit.
if(TARGET sluiced AND Python3_FOUND)
  add_test(NAME integration.ops
    COMMAND ${CMAKE_CURRENT_LIST_DIR}/ops_test.sh $<TARGET_FILE:sluiced> ${PROJECT_BINARY_DIR}/sluiced.service)
  set_tests_properties(integration.ops PROPERTIES LABELS "integration;engine;threads" TIMEOUT 300
    SKIP_RETURN_CODE 77)
endif()

# The Prometheus endpoint scraped by Debian's prometheus, read back through its query API.
if(TARGET sluiced AND Python3_FOUND)
  add_test(NAME integration.metrics COMMAND ${CMAKE_CURRENT_LIST_DIR}/metrics_test.sh $<TARGET_FILE:sluiced>)
  set_tests_properties(integration.metrics PROPERTIES LABELS "integration;engine;threads" TIMEOUT 300
    SKIP_RETURN_CODE 77)
endif()

# PostgreSQL as a source of settings, against a real server the test starts (tests/services/postgres.sh).
if(TARGET sluiced AND Python3_FOUND)
  add_test(NAME integration.postgres COMMAND ${CMAKE_CURRENT_LIST_DIR}/postgres_test.sh $<TARGET_FILE:sluiced>
    ${PROJECT_SOURCE_DIR}/conf)
  set_tests_properties(integration.postgres PROPERTIES LABELS "integration;engine;threads" TIMEOUT 240
    SKIP_RETURN_CODE 77)
endif()
