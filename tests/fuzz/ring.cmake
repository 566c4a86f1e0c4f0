# SPDX-License-Identifier: MIT
# fuzz.ring: a named ring's consumer against a producer that scribbles on the shared header,
# the indices and the record headers between peeks (fuzz_ring.c), under libFuzzer with ASan and
# UBSan (-DSLUICE_FUZZ=ON, CC=clang). The ring sources are compiled into the target with
# coverage, so libsluice_ring itself stays uninstrumented. The ctest run is SLUICE_FUZZ_TIME
# seconds from an empty corpus kept in the build tree; longer runs by hand:
#   build/tests/fuzz_ring -max_total_time=600 build/tests/fuzz/work/ring
if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
  message(WARNING "fuzz_ring needs clang (CC=clang); not built")
  return()
endif()
set(SLUICE_FUZZ_TIME 5 CACHE STRING "Seconds each fuzz.<target> ctest runs")
set(_sl_ring_dir ${PROJECT_SOURCE_DIR}/ring)
set(_sl_ring_fuzz_flags -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
    -fno-omit-frame-pointer -g)
add_executable(fuzz_ring ${CMAKE_CURRENT_LIST_DIR}/fuzz_ring.c ${_sl_ring_dir}/ring.c
  ${_sl_ring_dir}/shm.c ${_sl_ring_dir}/err.c)
target_include_directories(fuzz_ring PRIVATE ${PROJECT_SOURCE_DIR}/include ${_sl_ring_dir})
target_compile_options(fuzz_ring PRIVATE ${_sl_ring_fuzz_flags})
target_link_options(fuzz_ring PRIVATE ${_sl_ring_fuzz_flags})
set(_sl_ring_fuzz_work ${CMAKE_CURRENT_BINARY_DIR}/fuzz/work/ring)
file(MAKE_DIRECTORY ${_sl_ring_fuzz_work})
add_test(NAME fuzz.ring
  COMMAND fuzz_ring -max_total_time=${SLUICE_FUZZ_TIME} -timeout=10 -rss_limit_mb=2048
          -max_len=1024 -print_final_stats=1
          -artifact_prefix=${CMAKE_CURRENT_BINARY_DIR}/fuzz/ ${_sl_ring_fuzz_work})
set_tests_properties(fuzz.ring PROPERTIES TIMEOUT 300 LABELS "fuzz;ring")
