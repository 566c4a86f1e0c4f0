# SPDX-License-Identifier: MIT
# fuzz.watchlist: any bytes as a watchlist file (fuzz_watchlist.c), the parser compiled in with
# coverage; seeds in seeds/watchlist (every kind, and bad rows). Longer runs by hand:
#   build-fuzz/tests/fuzz_watchlist -max_total_time=600 build-fuzz/tests/fuzz/work/watchlist tests/fuzz/seeds/watchlist
if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
  message(WARNING "fuzz_watchlist needs clang (CC=clang); not built")
  return()
endif()
set(SLUICE_FUZZ_TIME 5 CACHE STRING "Seconds each fuzz.<target> ctest runs")
set(_sl_wl_fuzz_flags -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g)
add_executable(fuzz_watchlist ${CMAKE_CURRENT_LIST_DIR}/fuzz_watchlist.c
  ${PROJECT_SOURCE_DIR}/engine/analysis/watchlist/watchlist.c)
target_include_directories(fuzz_watchlist PRIVATE ${PROJECT_SOURCE_DIR}/engine ${PROJECT_SOURCE_DIR}/include)
target_compile_options(fuzz_watchlist PRIVATE ${_sl_wl_fuzz_flags})
target_link_options(fuzz_watchlist PRIVATE ${_sl_wl_fuzz_flags})
set(_sl_wl_fuzz_work ${CMAKE_CURRENT_BINARY_DIR}/fuzz/work/watchlist)
file(MAKE_DIRECTORY ${_sl_wl_fuzz_work})
add_test(NAME fuzz.watchlist
  COMMAND fuzz_watchlist -max_total_time=${SLUICE_FUZZ_TIME} -timeout=10 -rss_limit_mb=2048
          -max_len=8192 -print_final_stats=1 -artifact_prefix=${CMAKE_CURRENT_BINARY_DIR}/fuzz/
          ${_sl_wl_fuzz_work} ${CMAKE_CURRENT_LIST_DIR}/seeds/watchlist)
set_tests_properties(fuzz.watchlist PROPERTIES TIMEOUT 300 LABELS "fuzz;enrich")
