# SPDX-License-Identifier: MIT
# fuzz.spool: the spool's segment reader on bytes in memory, and open + replay of a spool
# directory made of the input (fuzz_spool.c). The spool sources are compiled in with coverage.
#   build-fuzz/tests/fuzz_spool -max_total_time=600 build-fuzz/tests/fuzz/work/spool
if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
  message(WARNING "fuzz_spool needs clang (CC=clang); not built")
  return()
endif()
set(SLUICE_FUZZ_TIME 5 CACHE STRING "Seconds each fuzz.<target> ctest runs")
set(_sl_spool_fuzz_flags -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
    -fno-omit-frame-pointer -g)
add_executable(fuzz_spool ${CMAKE_CURRENT_LIST_DIR}/fuzz_spool.c
  ${PROJECT_SOURCE_DIR}/engine/sinks/spool/spool.c)
target_include_directories(fuzz_spool PRIVATE ${PROJECT_SOURCE_DIR}/engine)
target_compile_options(fuzz_spool PRIVATE ${_sl_spool_fuzz_flags})
target_link_options(fuzz_spool PRIVATE ${_sl_spool_fuzz_flags})
target_link_libraries(fuzz_spool PRIVATE Threads::Threads)
set(_sl_spool_fuzz_work ${CMAKE_CURRENT_BINARY_DIR}/fuzz/work/spool)
file(MAKE_DIRECTORY ${_sl_spool_fuzz_work})
add_test(NAME fuzz.spool
  COMMAND fuzz_spool -max_total_time=${SLUICE_FUZZ_TIME} -timeout=10 -rss_limit_mb=2048
          -max_len=4096 -print_final_stats=1
          -artifact_prefix=${CMAKE_CURRENT_BINARY_DIR}/fuzz/ ${_sl_spool_fuzz_work})
set_tests_properties(fuzz.spool PROPERTIES TIMEOUT 300 LABELS "fuzz;sinks")
