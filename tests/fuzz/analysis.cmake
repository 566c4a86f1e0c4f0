# SPDX-License-Identifier: MIT
# libFuzzer targets of engine/analysis (only with -DSLUICE_FUZZ=ON and CC=clang). The
# analysis sources are compiled a second time with coverage + ASan + UBSan instrumentation,
# so the regular library stays uninstrumented. Each target gets a short ctest run
# (fuzz.<target>) starting from seeds that fuzz_seeds extracts from the pcap corpus at test
# time plus the small hand-made seeds in seeds/<target>; longer runs are done by hand, e.g.
#   build/tests/fuzz_http -max_total_time=600 build/tests/fuzz/work/http build/tests/fuzz/seeds/http
if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
  message(WARNING "the analysis fuzz targets need clang (CC=clang); not built")
  return()
endif()
set(SLUICE_CORPUS_DIR "${PROJECT_SOURCE_DIR}/../shared/corpus" CACHE PATH
    "Directory holding the pcap corpus (pcap/ and manifest.json)")
set(SLUICE_FUZZ_TIME 5 CACHE STRING "Seconds each fuzz.<target> ctest runs")
set(_sl_fuzz_flags -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g)

get_target_property(_sl_an_srcs sluice_analysis SOURCES)
get_target_property(_sl_an_dir sluice_analysis SOURCE_DIR)
set(_sl_an_fuzz_srcs)
foreach(s ${_sl_an_srcs})
  list(APPEND _sl_an_fuzz_srcs ${_sl_an_dir}/${s})
endforeach()
add_library(sluice_analysis_fuzz STATIC ${_sl_an_fuzz_srcs})
target_include_directories(sluice_analysis_fuzz PUBLIC ${PROJECT_SOURCE_DIR}/include ${_sl_an_dir})
target_compile_definitions(sluice_analysis_fuzz PRIVATE _DEFAULT_SOURCE)
target_compile_options(sluice_analysis_fuzz PRIVATE -fsanitize=fuzzer-no-link ${_sl_fuzz_flags})

set(_sl_fuzz_dir ${CMAKE_CURRENT_BINARY_DIR}/fuzz)
add_executable(fuzz_seeds ${CMAKE_CURRENT_LIST_DIR}/fuzz_seeds.c)
target_include_directories(fuzz_seeds PRIVATE ${CMAKE_CURRENT_LIST_DIR}/../unit)
target_link_libraries(fuzz_seeds PRIVATE sluice_analysis PkgConfig::PCAP)
target_compile_definitions(fuzz_seeds PRIVATE _DEFAULT_SOURCE SLUICE_CORPUS_DIR="${SLUICE_CORPUS_DIR}")
add_test(NAME fuzz.seeds COMMAND fuzz_seeds ${_sl_fuzz_dir})
set_tests_properties(fuzz.seeds PROPERTIES FIXTURES_SETUP sluice_fuzz_seeds LABELS fuzz)

foreach(t decode defrag http tls dns x509)
  add_executable(fuzz_${t} ${CMAKE_CURRENT_LIST_DIR}/fuzz_${t}.c)
  target_link_libraries(fuzz_${t} PRIVATE sluice_analysis_fuzz)
  target_compile_options(fuzz_${t} PRIVATE -fsanitize=fuzzer ${_sl_fuzz_flags})
  target_link_options(fuzz_${t} PRIVATE -fsanitize=fuzzer ${_sl_fuzz_flags})
  add_test(NAME fuzz.${t}
    COMMAND fuzz_${t} -max_total_time=${SLUICE_FUZZ_TIME} -timeout=10 -rss_limit_mb=2048
            -print_final_stats=1 -artifact_prefix=${_sl_fuzz_dir}/
            ${_sl_fuzz_dir}/work/${t} ${_sl_fuzz_dir}/seeds/${t} ${CMAKE_CURRENT_LIST_DIR}/seeds/${t})
  set_tests_properties(fuzz.${t} PROPERTIES FIXTURES_REQUIRED sluice_fuzz_seeds
    TIMEOUT 300 LABELS fuzz)
endforeach()
