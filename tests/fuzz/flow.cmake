# SPDX-License-Identifier: MIT
# fuzz.tcp: the flow table with TCP reassembly under libFuzzer (-DSLUICE_FUZZ=ON, CC=clang).
# The flow sources are compiled into the target with coverage + ASan + UBSan, so the regular
# sluice_flow library stays uninstrumented. The ctest run is short (SLUICE_FUZZ_TIME seconds,
# 10 by default) and starts from an empty corpus kept in the build tree; longer runs by hand:
#   build/tests/fuzz_tcp -max_total_time=600 build/tests/fuzz/work/tcp
if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
  message(WARNING "fuzz_tcp needs clang (CC=clang); not built")
  return()
endif()
if(NOT TARGET sluice_flow)
  return()
endif()
set(SLUICE_FUZZ_TIME 5 CACHE STRING "Seconds each fuzz.<target> ctest runs")
set(_sl_flow_dir ${PROJECT_SOURCE_DIR}/engine/flow)
set(_sl_flow_fuzz_flags -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
    -fno-omit-frame-pointer -g)
add_executable(fuzz_tcp ${CMAKE_CURRENT_LIST_DIR}/fuzz_tcp.c ${_sl_flow_dir}/flow.c ${_sl_flow_dir}/tcp.c)
target_include_directories(fuzz_tcp PRIVATE ${PROJECT_SOURCE_DIR}/include ${_sl_flow_dir})
target_compile_options(fuzz_tcp PRIVATE ${_sl_flow_fuzz_flags})
target_link_options(fuzz_tcp PRIVATE ${_sl_flow_fuzz_flags})
set(_sl_flow_fuzz_work ${CMAKE_CURRENT_BINARY_DIR}/fuzz/work/tcp)
file(MAKE_DIRECTORY ${_sl_flow_fuzz_work})
add_test(NAME fuzz.tcp
  COMMAND fuzz_tcp -max_total_time=${SLUICE_FUZZ_TIME} -timeout=10 -rss_limit_mb=2048
          -max_len=4096 -print_final_stats=1
          -artifact_prefix=${CMAKE_CURRENT_BINARY_DIR}/fuzz/ ${_sl_flow_fuzz_work})
set_tests_properties(fuzz.tcp PROPERTIES TIMEOUT 300 LABELS "fuzz;flow")
