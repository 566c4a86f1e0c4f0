# SPDX-License-Identifier: MIT
# The Kafka sink (engine/sinks/kafka) against sluice-kafka-mock on 127.0.0.1, every topic read
# back with kcat and compared with the ledger (tests/kafka/kafka_test.sh):
#   integration.kafka           a synthetic run of 60k packets (every build)
#   integration.kafka.1m        >= 1M records (release only: label bench keeps ASan away)
#   integration.kafka.corpus    the pcap corpus: the topics hold the file sink's lines exactly
#   integration.kafka.outage    every broker down mid-run: spooled, replayed, nothing lost
#   integration.kafka.leader    3 brokers, one partition leader's broker stopped mid-run
#   integration.kafka.kill      SIGKILL while replaying the spool, restart on the same spool
#   integration.kafka.diskfull  the spool's disk full (a 6 MiB tmpfs): held, nothing dropped
# TSan: the mock (defined in sinks.cmake, read after this file) needs the same thrd_create
# shim as sluiced (engine/sinks/kafka/tsan_thrd.c says why).
if(SLUICE_SANITIZE MATCHES "thread")
  cmake_language(DEFER CALL target_sources sluice-kafka-mock PRIVATE
    ${PROJECT_SOURCE_DIR}/engine/sinks/kafka/tsan_thrd.c)
endif()
if(TARGET sluiced)
  set(_sl_kafka ${PROJECT_SOURCE_DIR}/tests/kafka/kafka_test.sh)
  add_test(NAME integration.kafka
    COMMAND ${_sl_kafka} count 60000 $<TARGET_FILE:sluiced> $<TARGET_FILE:sluice-kafka-mock>)
  add_test(NAME integration.kafka.1m
    COMMAND ${_sl_kafka} count 1600000 $<TARGET_FILE:sluiced> $<TARGET_FILE:sluice-kafka-mock>)
  add_test(NAME integration.kafka.corpus
    COMMAND ${PROJECT_SOURCE_DIR}/tests/need_corpus.sh ${SLUICE_CORPUS_DIR} ${_sl_kafka} corpus
            ${SLUICE_CORPUS_DIR} $<TARGET_FILE:sluiced> $<TARGET_FILE:sluice-kafka-mock>)
  set_tests_properties(integration.kafka.corpus PROPERTIES SKIP_RETURN_CODE 77)
  foreach(m outage leader kill diskfull)
    add_test(NAME integration.kafka.${m}
      COMMAND ${_sl_kafka} ${m} $<TARGET_FILE:sluiced> $<TARGET_FILE:sluice-kafka-mock>)
  endforeach()
  set_tests_properties(integration.kafka integration.kafka.corpus integration.kafka.outage integration.kafka.leader integration.kafka.kill
    integration.kafka.diskfull PROPERTIES LABELS "integration;sinks;kafka;threads" TIMEOUT 300
    ENVIRONMENT "TSAN_OPTIONS=suppressions=${PROJECT_SOURCE_DIR}/tests/kafka/tsan.supp")
  # the long fault runs in the release build only (scripts/test: -LE long under the sanitizers)
  set_tests_properties(integration.kafka.outage integration.kafka.leader
    PROPERTIES LABELS "integration;sinks;kafka;threads;long")
  set_tests_properties(integration.kafka.1m PROPERTIES LABELS "integration;sinks;kafka;bench" TIMEOUT 600
    ENVIRONMENT "MIN_RECORDS=1000000;PARTS=64")
endif()
