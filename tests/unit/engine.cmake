# SPDX-License-Identifier: MIT
# Unit tests of the engine core (linked against the engine library):
#   encode_json  the EVE encoder
#   runtime      the RCU snapshot: readers under 1,000 publishes (threads)
#   router       the router alone: type masks that do not alias, drop rings it never waits on,
#                block rings it waits on without dropping (threads)
#   sink_loop    the sink thread and the module contract: ticks while idle, write taking fewer
#                (the rest offered again), flush -EAGAIN retried, stop once (threads)
#   log          the log's rate limit per kind of message, read back from its file
#   stats_records  stats and http_summary records (nesting, refusals), space-saving lists,
#                the latency buckets, the configuration file's hash
#   pgrows       PostgreSQL rows decoded without a server: settings, 10,000 watchlist rows with bad ones
if(TARGET sluice_engine)
  foreach(t encode_json runtime router sink_loop log stats_records pgrows)
    add_executable(test_${t} ${CMAKE_CURRENT_LIST_DIR}/test_${t}.c)
    target_include_directories(test_${t} PRIVATE ${PROJECT_SOURCE_DIR}/tests/lib)
    target_link_libraries(test_${t} PRIVATE sluice_engine)
    add_test(NAME unit.${t} COMMAND test_${t})
    if(t STREQUAL "encode_json" OR t STREQUAL "log" OR t STREQUAL "stats_records" OR t STREQUAL "pgrows")
      set_tests_properties(unit.${t} PROPERTIES LABELS "unit;engine" TIMEOUT 60)
    else()
      set_tests_properties(unit.${t} PROPERTIES LABELS "unit;engine;threads" TIMEOUT 120)
    endif()
  endforeach()
endif()
