# SPDX-License-Identifier: MIT
# GeoIP/ASN enrichment and watchlists (engine/analysis/geoip, engine/analysis/watchlist):
#   unit.watchlist      the parser and index alone: kinds, refusals, 10,000 rows with bad ones
#                       named, 100,000 entries
#   unit.geoip          lookups and decoding on MMDB files written by MaxMind's own Perl writer
#                       (v4 and v6 networks), private addresses, damaged files refused by name
#   integration.enrich  sluiced on synthetic traffic with both: every record's geo equal to
#                       mmdblookup's, alerts equal to an independent re-implementation, ledger
#   integration.enrich_reload  100 reloads each of the databases and the watchlist while
#                       millions of packets flow; every record from one snapshot; ledger exact
if(TARGET sluice_engine)
  add_executable(test_watchlist ${CMAKE_CURRENT_LIST_DIR}/test_watchlist.c)
  target_include_directories(test_watchlist PRIVATE ${PROJECT_SOURCE_DIR}/tests/lib ${PROJECT_SOURCE_DIR}/engine)
  target_link_libraries(test_watchlist PRIVATE sluice_engine)
  add_test(NAME unit.watchlist COMMAND test_watchlist)
  set_tests_properties(unit.watchlist PROPERTIES LABELS "unit;enrich" TIMEOUT 120)

  add_executable(test_geoip ${CMAKE_CURRENT_LIST_DIR}/test_geoip.c)
  target_include_directories(test_geoip PRIVATE ${PROJECT_SOURCE_DIR}/tests/lib ${PROJECT_SOURCE_DIR}/engine)
  target_link_libraries(test_geoip PRIVATE sluice_engine)
  add_test(NAME unit.geoip COMMAND sh -c "d=$(mktemp -d /tmp/sluice-geoip-XXXXXX) && perl ${CMAKE_CURRENT_LIST_DIR}/make_mmdb.pl $d a && perl ${CMAKE_CURRENT_LIST_DIR}/make_mmdb.pl $d b && $<TARGET_FILE:test_geoip> $d; rc=$?; rm -rf $d; exit $rc")
  set_tests_properties(unit.geoip PROPERTIES LABELS "unit;enrich" TIMEOUT 120)
endif()

if(TARGET sluiced)
  add_test(NAME integration.enrich COMMAND ${CMAKE_CURRENT_LIST_DIR}/enrich_test.sh $<TARGET_FILE:sluiced>)
  set_tests_properties(integration.enrich PROPERTIES LABELS "integration;enrich" TIMEOUT 300)
endif()

if(TARGET sluiced)
  # millions of packets in the release build; the sanitizer builds run slower, so fewer
  if(SLUICE_SANITIZE)
    set(_sl_enrich_packets 1000000)
  else()
    set(_sl_enrich_packets 3000000)
  endif()
  add_test(NAME integration.enrich_reload
    COMMAND ${CMAKE_CURRENT_LIST_DIR}/enrich_reload_test.sh $<TARGET_FILE:sluiced> 100 ${_sl_enrich_packets})
  set_tests_properties(integration.enrich_reload PROPERTIES LABELS "integration;enrich;threads" TIMEOUT 900)
endif()
