# SPDX-License-Identifier: MIT
# Unit tests of engine/capture: the pcap, shm and synth sources and the two programs. They
# link their own sl_capture_push() (test_capture_support.c) in place of the pipeline's. No
# root needed; the corpus is read in place, never copied (SLUICE_CORPUS_DIR).
set(SLUICE_CORPUS_DIR "${PROJECT_SOURCE_DIR}/../shared/corpus" CACHE PATH
    "Directory holding the pcap corpus (pcap/ and manifest.json)")
# libpcap's imported target is made in engine/; imported targets are seen only below the
# directory that made them, so make it here too for the tests' own uses.
if(NOT TARGET PkgConfig::PCAP)
  pkg_check_modules(PCAP REQUIRED IMPORTED_TARGET libpcap)
endif()

foreach(t pcap synth shm)
  # test_capture_support.c holds the tests' own sl_capture_push()/sl_capture_flush().
  add_executable(test_capture_${t} ${CMAKE_CURRENT_LIST_DIR}/test_capture_${t}.c
    ${CMAKE_CURRENT_LIST_DIR}/test_capture_support.c)
  target_include_directories(test_capture_${t} PRIVATE ${PROJECT_SOURCE_DIR}/tests/lib ${CMAKE_CURRENT_LIST_DIR})
  target_link_libraries(test_capture_${t} PRIVATE sluice_capture PkgConfig::PCAP Threads::Threads)
  target_compile_definitions(test_capture_${t} PRIVATE _GNU_SOURCE
    SLUICE_CORPUS_DIR="${SLUICE_CORPUS_DIR}"
    SLUICE_SYNTH_BIN="$<TARGET_FILE:sluice-synth>"
    SLUICE_PCAP2SHM_BIN="$<TARGET_FILE:sluice-pcap2shm>")
  add_dependencies(test_capture_${t} sluice-synth sluice-pcap2shm)
  if(t STREQUAL "synth")
    add_test(NAME unit.capture.${t} COMMAND test_capture_${t})
  else()
    # reads the corpus: skipped (77), with a message naming SLUICE_CORPUS_DIR, without it
    add_test(NAME unit.capture.${t} COMMAND ${PROJECT_SOURCE_DIR}/tests/need_corpus.sh
      ${SLUICE_CORPUS_DIR} $<TARGET_FILE:test_capture_${t}>)
  endif()
  set_tests_properties(unit.capture.${t} PROPERTIES LABELS "unit;capture" TIMEOUT 120
    SKIP_RETURN_CODE 77)
endforeach()
# The generated capture as tshark reads it: hosts, qnames, SNIs, no expert warnings.
add_test(NAME unit.capture.synth_tshark COMMAND test_capture_synth tshark)
set_tests_properties(unit.capture.synth_tshark PROPERTIES LABELS "unit;capture" TIMEOUT 180
  SKIP_RETURN_CODE 77)

# The keyed flow hash and the capture's minimal parse (links the real sl_capture_push).
add_executable(test_flow_hash ${CMAKE_CURRENT_LIST_DIR}/test_flow_hash.c)
target_include_directories(test_flow_hash PRIVATE ${PROJECT_SOURCE_DIR}/tests/lib ${PROJECT_SOURCE_DIR}/engine)
target_compile_definitions(test_flow_hash PRIVATE _GNU_SOURCE SLUICE_CORPUS_DIR="${SLUICE_CORPUS_DIR}")
target_link_libraries(test_flow_hash PRIVATE sluice_capture_push PkgConfig::PCAP Threads::Threads)
add_test(NAME unit.capture.flow_hash COMMAND test_flow_hash)
set_tests_properties(unit.capture.flow_hash PROPERTIES LABELS "unit;capture" TIMEOUT 120)
