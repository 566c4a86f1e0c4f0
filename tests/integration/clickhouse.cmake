# SPDX-License-Identifier: MIT
# The ClickHouse sink (engine/sinks/clickhouse) against a real clickhouse-server of each test's
# own (tests/services/clickhouse.sh): counts per table against the ledger, the server stopped
# mid-run, lost replies after committed inserts, SIGKILL and restart on the spool, a full spool
# disk, refused rows. The million-record run is in release builds only; sanitizer builds run a
# smaller one.
find_package(Python3 COMPONENTS Interpreter)
if(TARGET sluiced AND Python3_FOUND)
  if(SLUICE_SANITIZE)
    set(_sl_ch_packets 100000)
    set(_sl_ch_outage 5)
    set(_sl_ch_failover 1000000)
  else()
    set(_sl_ch_packets 2600000) # >= 1 million records (about 0.4 per packet)
    set(_sl_ch_outage 30)
    set(_sl_ch_failover 1500000)
  endif()
  set(_sl_ch ${CMAKE_CURRENT_LIST_DIR}/clickhouse_test.sh)
  add_test(NAME integration.clickhouse.count COMMAND ${_sl_ch} count ${_sl_ch_packets} $<TARGET_FILE:sluiced>)
  add_test(NAME integration.clickhouse.outage COMMAND ${_sl_ch} outage ${_sl_ch_outage} $<TARGET_FILE:sluiced>)
  add_test(NAME integration.clickhouse.lostreply COMMAND ${_sl_ch} lostreply $<TARGET_FILE:sluiced>)
  add_test(NAME integration.clickhouse.kill COMMAND ${_sl_ch} kill $<TARGET_FILE:sluiced>)
  add_test(NAME integration.clickhouse.diskfull COMMAND ${_sl_ch} diskfull $<TARGET_FILE:sluiced>)
  add_test(NAME integration.clickhouse.badrow COMMAND ${_sl_ch} badrow $<TARGET_FILE:sluiced>)
  add_test(NAME integration.clickhouse.failover COMMAND ${_sl_ch} failover ${_sl_ch_failover} $<TARGET_FILE:sluiced>)
  set_tests_properties(integration.clickhouse.count integration.clickhouse.outage integration.clickhouse.lostreply
    integration.clickhouse.kill integration.clickhouse.diskfull integration.clickhouse.badrow integration.clickhouse.failover
    PROPERTIES LABELS "integration;sinks;threads" TIMEOUT 600 SKIP_RETURN_CODE 77)
  # the long fault runs (a 30 s outage, a server killed mid-run) prove the sink's logic in the
  # release build; the sanitizer builds run the shorter ones (scripts/test: -LE long)
  set_tests_properties(integration.clickhouse.outage integration.clickhouse.failover
    PROPERTIES LABELS "integration;sinks;threads;long")
endif()
