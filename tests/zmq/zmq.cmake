# SPDX-License-Identifier: MIT
# The ZMQ publisher against python3-zmq subscribers on 127.0.0.1 (per-topic counts and
# sequences, wait-subscribers timing out, a stalled subscriber's drops counted).
if(TARGET sluiced)
  add_test(NAME integration.zmq
    COMMAND ${CMAKE_CURRENT_LIST_DIR}/zmq_test.sh $<TARGET_FILE:sluiced> $<TARGET_FILE:sluice-synth>)
  set_tests_properties(integration.zmq PROPERTIES LABELS "integration;engine;threads;zmq" TIMEOUT 300
    ENVIRONMENT "TSAN_OPTIONS=suppressions=${CMAKE_CURRENT_LIST_DIR}/tsan.supp")
endif()
