# SPDX-License-Identifier: MIT
# fuzz.tap: sl_tap_check, the check a tap's consumer runs on each record (fuzz_tap.c); the
# header is all there is to compile.
#   build-fuzz/tests/fuzz_tap -max_total_time=600 build-fuzz/tests/fuzz/work/tap
if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
  message(WARNING "fuzz_tap needs clang (CC=clang); not built")
  return()
endif()
set(SLUICE_FUZZ_TIME 5 CACHE STRING "Seconds each fuzz.<target> ctest runs")
set(_sl_tap_fuzz_flags -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
    -fno-omit-frame-pointer -g)
add_executable(fuzz_tap ${CMAKE_CURRENT_LIST_DIR}/fuzz_tap.c)
target_include_directories(fuzz_tap PRIVATE ${PROJECT_SOURCE_DIR}/include)
target_compile_options(fuzz_tap PRIVATE ${_sl_tap_fuzz_flags})
target_link_options(fuzz_tap PRIVATE ${_sl_tap_fuzz_flags})
set(_sl_tap_fuzz_work ${CMAKE_CURRENT_BINARY_DIR}/fuzz/work/tap)
file(MAKE_DIRECTORY ${_sl_tap_fuzz_work})
add_test(NAME fuzz.tap
  COMMAND fuzz_tap -max_total_time=${SLUICE_FUZZ_TIME} -timeout=10 -rss_limit_mb=2048
          -max_len=2048 -print_final_stats=1
          -artifact_prefix=${CMAKE_CURRENT_BINARY_DIR}/fuzz/ ${_sl_tap_fuzz_work})
set_tests_properties(fuzz.tap PROPERTIES TIMEOUT 300 LABELS "fuzz;tap")
