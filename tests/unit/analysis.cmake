# SPDX-License-Identifier: MIT
# Unit tests of engine/analysis (decode, defrag, hashes, DNS, TLS, X.509, HTTP). Most of them read
# the third-party pcap corpus in shared/corpus (never copied into this repository); its
# location is SLUICE_CORPUS_DIR.
set(SLUICE_CORPUS_DIR "${PROJECT_SOURCE_DIR}/../shared/corpus" CACHE PATH
    "Directory holding the pcap corpus (pcap/ and manifest.json)")

foreach(t decode defrag hash dns tls http x509)
  add_executable(test_${t} ${CMAKE_CURRENT_LIST_DIR}/test_${t}.c)
  target_link_libraries(test_${t} PRIVATE sluice_analysis PkgConfig::PCAP)
  target_compile_definitions(test_${t} PRIVATE _DEFAULT_SOURCE
    SLUICE_CORPUS_DIR="${SLUICE_CORPUS_DIR}")
  if(t STREQUAL "hash" OR t STREQUAL "defrag" OR t STREQUAL "x509")
    # no corpus needed (defrag skips its corpus part, saying so, when there is none)
    add_test(NAME unit.${t} COMMAND test_${t})
  else()
    # mostly corpus streams: skipped (77), naming SLUICE_CORPUS_DIR, when it is absent
    add_test(NAME unit.${t} COMMAND ${PROJECT_SOURCE_DIR}/tests/need_corpus.sh ${SLUICE_CORPUS_DIR} $<TARGET_FILE:test_${t}>)
  endif()
  set_tests_properties(unit.${t} PROPERTIES TIMEOUT 120 LABELS "unit;analysis" SKIP_RETURN_CODE 77)
endforeach()

# The worker's glue between reassembly and the parsers, driven without threads through the
# engine library (tests/unit/test_analysis_harness.h): hostile cuts of a stream must cost
# bounded work and be counted.
if(TARGET sluice_engine)
  foreach(t analysis_tls analysis_http analysis_config)
    add_executable(test_${t} ${CMAKE_CURRENT_LIST_DIR}/test_${t}.c)
    target_include_directories(test_${t} PRIVATE ${PROJECT_SOURCE_DIR}/tests/lib ${PROJECT_SOURCE_DIR}/engine)
    target_link_libraries(test_${t} PRIVATE sluice_engine)
    add_test(NAME unit.${t} COMMAND test_${t})
    set_tests_properties(unit.${t} PROPERTIES TIMEOUT 120 LABELS "unit;analysis")
  endforeach()
endif()
