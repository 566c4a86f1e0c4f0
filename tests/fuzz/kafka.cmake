# SPDX-License-Identifier: MIT
# fuzz.kafka_spool: the Kafka sink's spool-record parser (engine/sinks/kafka/spool_rec.c) on
# any bytes (fuzz_kafka_spool.c).
#   build-fuzz/tests/fuzz_kafka_spool -max_total_time=600 build-fuzz/tests/fuzz/work/kafka_spool
if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
  message(WARNING "fuzz_kafka_spool needs clang (CC=clang); not built")
  return()
endif()
set(SLUICE_FUZZ_TIME 5 CACHE STRING "Seconds each fuzz.<target> ctest runs")
set(_sl_kafka_fuzz_flags -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
    -fno-omit-frame-pointer -g)
add_executable(fuzz_kafka_spool ${CMAKE_CURRENT_LIST_DIR}/fuzz_kafka_spool.c
  ${PROJECT_SOURCE_DIR}/engine/sinks/kafka/spool_rec.c)
target_include_directories(fuzz_kafka_spool PRIVATE ${PROJECT_SOURCE_DIR}/engine ${PROJECT_SOURCE_DIR}/include)
target_compile_options(fuzz_kafka_spool PRIVATE ${_sl_kafka_fuzz_flags})
target_link_options(fuzz_kafka_spool PRIVATE ${_sl_kafka_fuzz_flags})
set(_sl_kafka_fuzz_work ${CMAKE_CURRENT_BINARY_DIR}/fuzz/work/kafka_spool)
file(MAKE_DIRECTORY ${_sl_kafka_fuzz_work})
add_test(NAME fuzz.kafka_spool
  COMMAND fuzz_kafka_spool -max_total_time=${SLUICE_FUZZ_TIME} -timeout=10 -rss_limit_mb=2048
          -max_len=4096 -print_final_stats=1
          -artifact_prefix=${CMAKE_CURRENT_BINARY_DIR}/fuzz/ ${_sl_kafka_fuzz_work})
set_tests_properties(fuzz.kafka_spool PROPERTIES TIMEOUT 300 LABELS "fuzz;sinks")
