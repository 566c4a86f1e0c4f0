# SPDX-License-Identifier: MIT
# fuzz.control: the control socket's request parser and sluicectl's reply reader on libFuzzer's
# bytes (fuzz_control.c), both compiled in with coverage.
#   build-fuzz/tests/fuzz_control -max_total_time=600 tests/fuzz/seeds/control
if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
  message(WARNING "fuzz_control needs clang (CC=clang); not built")
  return()
endif()
set(_sl_ctl_fuzz_flags -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g)
add_executable(fuzz_control ${CMAKE_CURRENT_LIST_DIR}/fuzz_control.c
  ${PROJECT_SOURCE_DIR}/engine/control/request.c ${PROJECT_SOURCE_DIR}/engine/control/json.c)
target_include_directories(fuzz_control PRIVATE ${PROJECT_SOURCE_DIR}/engine/control)
target_compile_options(fuzz_control PRIVATE ${_sl_ctl_fuzz_flags})
target_link_options(fuzz_control PRIVATE ${_sl_ctl_fuzz_flags})
set(_sl_ctl_fuzz_work ${CMAKE_CURRENT_BINARY_DIR}/fuzz/work/control)
file(MAKE_DIRECTORY ${_sl_ctl_fuzz_work})
add_test(NAME fuzz.control
  COMMAND fuzz_control -max_total_time=${SLUICE_FUZZ_TIME} -timeout=10 -rss_limit_mb=2048 -max_len=8192 -print_final_stats=1
          -artifact_prefix=${CMAKE_CURRENT_BINARY_DIR}/fuzz/ ${_sl_ctl_fuzz_work} ${CMAKE_CURRENT_LIST_DIR}/seeds/control)
set_tests_properties(fuzz.control PROPERTIES LABELS "fuzz;control" TIMEOUT 120)
