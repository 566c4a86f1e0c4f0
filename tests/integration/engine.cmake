# SPDX-License-Identifier: MIT
# End-to-end tests of sluiced: the shared corpus against its manifest, the ledger under
# signals, shm input, live capture on a veth pair in a namespace of our own.
if(NOT DEFINED SLUICE_CORPUS_DIR)
  set(SLUICE_CORPUS_DIR ${PROJECT_SOURCE_DIR}/../shared/corpus)
endif()
find_package(Python3 COMPONENTS Interpreter)

if(TARGET sluiced AND Python3_FOUND)
  # The floor is what sluice reaches today: a regression fails the suite.
  add_test(NAME integration.corpus
    COMMAND ${PROJECT_SOURCE_DIR}/tests/need_corpus.sh ${SLUICE_CORPUS_DIR} ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/corpus_check.py
      --sluiced $<TARGET_FILE:sluiced> --corpus ${SLUICE_CORPUS_DIR} --min 1.0)
  set_tests_properties(integration.corpus PROPERTIES LABELS "integration;engine" TIMEOUT 600
    SKIP_RETURN_CODE 77)

  # tls and dns records field by field, from captures made for it (tests/data, and a DNS
  # capture the script writes): needs no corpus
  add_test(NAME integration.app_fields
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/app_fields_check.py
      --sluiced $<TARGET_FILE:sluiced> --data ${PROJECT_SOURCE_DIR}/tests/data)
  set_tests_properties(integration.app_fields PROPERTIES LABELS "integration;engine" TIMEOUT 120)

  # needs the corpus for one check only, which it skips (saying so) without it
  add_test(NAME integration.engine
    COMMAND ${CMAKE_CURRENT_LIST_DIR}/engine_test.sh $<TARGET_FILE:sluiced>
      $<TARGET_FILE:sluice-synth> $<TARGET_FILE:sluice-pcap2shm> ${SLUICE_CORPUS_DIR})
  set_tests_properties(integration.engine PROPERTIES LABELS "integration;engine;threads" TIMEOUT 600
    SKIP_RETURN_CODE 77)

  add_test(NAME integration.live
    COMMAND ${PROJECT_SOURCE_DIR}/tests/need_corpus.sh ${SLUICE_CORPUS_DIR} ${CMAKE_CURRENT_LIST_DIR}/live_test.sh $<TARGET_FILE:sluiced> ${SLUICE_CORPUS_DIR})
  set_tests_properties(integration.live PROPERTIES LABELS "integration;engine" TIMEOUT 300
    SKIP_RETURN_CODE 77 RUN_SERIAL ON)
endif()

if(TARGET sluiced AND Python3_FOUND)
  # A record lost at each hop unbalances that hop (exit 3); a slow sink with the drop policy
  # costs the file sink nothing, with the block policy nothing is lost.
  add_test(NAME integration.ledger
    COMMAND ${CMAKE_CURRENT_LIST_DIR}/ledger_test.sh $<TARGET_FILE:sluiced> $<TARGET_FILE:sluice-synth>)
  set_tests_properties(integration.ledger PROPERTIES LABELS "integration;engine;threads" TIMEOUT 300)

  # The file sink on a device that refuses its writes (file size limit, /dev/full, a full tmpfs
  # of its own when root): no torn line, delivered = the file's lines, the rest counted.
  add_test(NAME integration.file_full
    COMMAND ${CMAKE_CURRENT_LIST_DIR}/file_full_test.sh $<TARGET_FILE:sluiced> $<TARGET_FILE:sluice-synth>)
  set_tests_properties(integration.file_full PROPERTIES LABELS "integration;engine;threads" TIMEOUT 300
    RUN_SERIAL ON)

  # 1,000 SIGHUP reloads of live keys while synthetic traffic runs; then a drained, balanced stop.
  add_test(NAME integration.reload
    COMMAND ${CMAKE_CURRENT_LIST_DIR}/reload_test.sh $<TARGET_FILE:sluiced> 1000)
  set_tests_properties(integration.reload PROPERTIES LABELS "integration;engine;threads" TIMEOUT 600)
endif()

if(TARGET sluiced AND Python3_FOUND)
  # Truncated and bit-flipped copies of every corpus capture: never a crash (the ASan build
  # makes this the sanitizer pass over the corpus).
  add_test(NAME integration.mutate
    COMMAND ${PROJECT_SOURCE_DIR}/tests/need_corpus.sh ${SLUICE_CORPUS_DIR} ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/mutate_check.py
      --sluiced $<TARGET_FILE:sluiced> --corpus ${SLUICE_CORPUS_DIR} --variants 4)
  set_tests_properties(integration.mutate PROPERTIES LABELS "integration;engine" TIMEOUT 900
    SKIP_RETURN_CODE 77)
endif()

if(TARGET sluiced AND Python3_FOUND)
  # The main thread's timers and the latency histograms: stats records against the final
  # ledger, the stats->router hop, sampled counts equal at every stage, the Prometheus
  # histograms, http_summary windows against the http records, the configuration check.
  add_test(NAME integration.stats
    COMMAND ${CMAKE_CURRENT_LIST_DIR}/stats_test.sh $<TARGET_FILE:sluiced> $<TARGET_FILE:sluice-synth>)
  set_tests_properties(integration.stats PROPERTIES LABELS "integration;engine;threads" TIMEOUT 300)
endif()
