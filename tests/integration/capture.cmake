# SPDX-License-Identifier: MIT
# Live capture: the AF_PACKET source on a veth pair and loopback in a network namespace the
# test makes and removes itself. Needs root; skipped (77) otherwise. (This file is included
# before tests/unit/capture.cmake, so it builds the shared test support itself.)
set(SLUICE_CORPUS_DIR "${PROJECT_SOURCE_DIR}/../shared/corpus" CACHE PATH
    "Directory holding the pcap corpus (pcap/ and manifest.json)")
add_executable(test_capture_afpacket ${CMAKE_CURRENT_LIST_DIR}/test_capture_afpacket.c
  ${PROJECT_SOURCE_DIR}/tests/unit/test_capture_support.c)
target_include_directories(test_capture_afpacket PRIVATE ${PROJECT_SOURCE_DIR}/tests/lib
  ${PROJECT_SOURCE_DIR}/tests/unit)
target_compile_definitions(test_capture_afpacket PRIVATE _GNU_SOURCE)
target_link_libraries(test_capture_afpacket PRIVATE sluice_capture Threads::Threads)
add_test(NAME integration.capture.afpacket
  COMMAND ${PROJECT_SOURCE_DIR}/tests/need_corpus.sh ${SLUICE_CORPUS_DIR}
          ${CMAKE_CURRENT_LIST_DIR}/test_capture_afpacket.sh $<TARGET_FILE:test_capture_afpacket>
          ${SLUICE_CORPUS_DIR})
set_tests_properties(integration.capture.afpacket PROPERTIES LABELS "integration;capture;root"
  TIMEOUT 120 SKIP_RETURN_CODE 77)

# Stopping sluiced -i under traffic (SIGTERM many times, SIGINT twice): run() keeps its ring
# until it has returned. Meant for the ASan build; needs root.
if(TARGET sluiced)
  add_test(NAME integration.capture.stop
    COMMAND ${CMAKE_CURRENT_LIST_DIR}/stop_test.sh $<TARGET_FILE:sluiced> 20)
  set_tests_properties(integration.capture.stop PROPERTIES LABELS "integration;capture;root;threads"
    TIMEOUT 300 SKIP_RETURN_CODE 77 RUN_SERIAL ON)
endif()
