# SPDX-License-Identifier: MIT
# fuzz.conf: YAML files and --set lines from libFuzzer for ~10 s, starting from the seeds and
# from conf/sluice.yaml (which names every key). Needs clang; the configuration library is
# built with coverage instrumentation when SLUICE_FUZZ is on (engine/conf/CMakeLists.txt).
if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
  message(WARNING "fuzz_conf needs clang (CC=clang); not built")
  return()
endif()
add_executable(fuzz_conf ${CMAKE_CURRENT_LIST_DIR}/fuzz_conf.c)
target_compile_options(fuzz_conf PRIVATE -fsanitize=fuzzer,address,undefined
  -fno-sanitize-recover=all -fno-omit-frame-pointer)
target_link_options(fuzz_conf PRIVATE -fsanitize=fuzzer,address,undefined)
target_link_libraries(fuzz_conf PRIVATE sluice_conf)

set(SLUICE_FUZZ_CONF_CORPUS ${CMAKE_CURRENT_BINARY_DIR}/fuzz_conf_corpus)
file(MAKE_DIRECTORY ${SLUICE_FUZZ_CONF_CORPUS})
configure_file(${PROJECT_SOURCE_DIR}/conf/sluice.yaml ${SLUICE_FUZZ_CONF_CORPUS}/sluice.yaml COPYONLY)
add_test(NAME fuzz.conf COMMAND fuzz_conf -max_total_time=${SLUICE_FUZZ_TIME} -timeout=10 -rss_limit_mb=2048
  -print_final_stats=1 ${SLUICE_FUZZ_CONF_CORPUS} ${CMAKE_CURRENT_LIST_DIR}/seeds/conf)
set_tests_properties(fuzz.conf PROPERTIES LABELS "fuzz;conf" TIMEOUT 120)

# fuzz.pgrows: PostgreSQL settings rows as a server might send them (engine/config/pgrows.c)
add_executable(fuzz_pgrows ${CMAKE_CURRENT_LIST_DIR}/fuzz_pgrows.c ${PROJECT_SOURCE_DIR}/engine/config/pgrows.c
  ${PROJECT_SOURCE_DIR}/engine/analysis/watchlist/watchlist.c)
target_include_directories(fuzz_pgrows PRIVATE ${PROJECT_SOURCE_DIR}/engine)
target_compile_options(fuzz_pgrows PRIVATE -fsanitize=fuzzer,address,undefined
  -fno-sanitize-recover=all -fno-omit-frame-pointer)
target_link_options(fuzz_pgrows PRIVATE -fsanitize=fuzzer,address,undefined)
target_link_libraries(fuzz_pgrows PRIVATE sluice_conf)
set(SLUICE_FUZZ_PGROWS_CORPUS ${CMAKE_CURRENT_BINARY_DIR}/fuzz_pgrows_corpus)
file(MAKE_DIRECTORY ${SLUICE_FUZZ_PGROWS_CORPUS})
add_test(NAME fuzz.pgrows COMMAND fuzz_pgrows -max_total_time=${SLUICE_FUZZ_TIME} -timeout=10 -rss_limit_mb=2048
  -print_final_stats=1 ${SLUICE_FUZZ_PGROWS_CORPUS} ${CMAKE_CURRENT_LIST_DIR}/seeds/pgrows)
set_tests_properties(fuzz.pgrows PROPERTIES LABELS "fuzz;conf" TIMEOUT 120)
