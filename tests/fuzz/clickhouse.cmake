# SPDX-License-Identifier: MIT
# fuzz.ch_reply: the ClickHouse sink's readers of a server's reply (status + "Code: N"
# classification, the count() parser) and its JSON escaper (fuzz_ch_reply.c).
#   build-fuzz/tests/fuzz_ch_reply -max_total_time=600
if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
  message(WARNING "fuzz_ch_reply needs clang (CC=clang); not built")
  return()
endif()
set(SLUICE_FUZZ_TIME 5 CACHE STRING "Seconds each fuzz.<target> ctest runs")
set(_sl_ch_fuzz_flags -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g)
add_executable(fuzz_ch_reply ${CMAKE_CURRENT_LIST_DIR}/fuzz_ch_reply.c
  ${PROJECT_SOURCE_DIR}/engine/sinks/clickhouse/ch_reply.c)
target_include_directories(fuzz_ch_reply PRIVATE ${PROJECT_SOURCE_DIR}/engine)
target_compile_options(fuzz_ch_reply PRIVATE ${_sl_ch_fuzz_flags})
target_link_options(fuzz_ch_reply PRIVATE ${_sl_ch_fuzz_flags})
set(_sl_ch_fuzz_work ${CMAKE_CURRENT_BINARY_DIR}/fuzz/work/ch_reply)
file(MAKE_DIRECTORY ${_sl_ch_fuzz_work})
add_test(NAME fuzz.ch_reply
  COMMAND fuzz_ch_reply -max_total_time=${SLUICE_FUZZ_TIME} -timeout=10 -rss_limit_mb=2048
          -max_len=8192 -print_final_stats=1
          -artifact_prefix=${CMAKE_CURRENT_BINARY_DIR}/fuzz/ ${_sl_ch_fuzz_work})
set_tests_properties(fuzz.ch_reply PROPERTIES TIMEOUT 300 LABELS "fuzz;sinks")
