# SPDX-License-Identifier: MIT
# fuzz.geoip: any bytes as an MMDB City database for the GeoIP handle (fuzz_geoip.c): refused
# by name, or looked up and decoded in bounds. Seeds: the tests' databases, written at test time
# by make_mmdb.pl (libmaxmind-db-writer-perl) into the work directory's seed folder.
if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
  message(WARNING "fuzz_geoip needs clang (CC=clang); not built")
  return()
endif()
pkg_check_modules(MAXMINDDB REQUIRED IMPORTED_TARGET libmaxminddb)
set(SLUICE_FUZZ_TIME 5 CACHE STRING "Seconds each fuzz.<target> ctest runs")
set(_sl_geo_fuzz_flags -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g)
add_executable(fuzz_geoip ${CMAKE_CURRENT_LIST_DIR}/fuzz_geoip.c ${PROJECT_SOURCE_DIR}/engine/analysis/geoip/geoip.c)
target_include_directories(fuzz_geoip PRIVATE ${PROJECT_SOURCE_DIR}/engine ${PROJECT_SOURCE_DIR}/include)
target_compile_options(fuzz_geoip PRIVATE ${_sl_geo_fuzz_flags})
target_link_options(fuzz_geoip PRIVATE ${_sl_geo_fuzz_flags})
target_link_libraries(fuzz_geoip PRIVATE PkgConfig::MAXMINDDB m)
set(_sl_geo_fuzz_work ${CMAKE_CURRENT_BINARY_DIR}/fuzz/work/geoip)
file(MAKE_DIRECTORY ${_sl_geo_fuzz_work} ${CMAKE_CURRENT_BINARY_DIR}/fuzz/seeds/geoip)
add_test(NAME fuzz.geoip
  COMMAND sh -c "perl ${PROJECT_SOURCE_DIR}/tests/enrich/make_mmdb.pl ${CMAKE_CURRENT_BINARY_DIR}/fuzz/seeds/geoip a && $<TARGET_FILE:fuzz_geoip> -max_total_time=${SLUICE_FUZZ_TIME} -timeout=10 -rss_limit_mb=2048 -max_len=8192 -print_final_stats=1 -artifact_prefix=${CMAKE_CURRENT_BINARY_DIR}/fuzz/ ${_sl_geo_fuzz_work} ${CMAKE_CURRENT_BINARY_DIR}/fuzz/seeds/geoip")
set_tests_properties(fuzz.geoip PROPERTIES TIMEOUT 300 LABELS "fuzz;enrich"
  ENVIRONMENT "LSAN_OPTIONS=suppressions=${CMAKE_CURRENT_LIST_DIR}/lsan_maxminddb.supp:print_suppressions=0")
