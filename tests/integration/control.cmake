# SPDX-License-Identifier: MIT
# The control socket and sluicectl against running sluiced processes, with python3-zmq clients
# (tests/control/): every command, bad requests, a silent client, 1,000 requests in a row,
# sluicectl against a stopped and a hung sluiced (rings from the shared headers), CURVE for the
# control socket and the publisher.
if(TARGET sluiced AND TARGET sluicectl)
  add_test(NAME integration.control
    COMMAND ${PROJECT_SOURCE_DIR}/tests/control/control_test.sh $<TARGET_FILE:sluiced> $<TARGET_FILE:sluicectl>
            $<TARGET_FILE:sluice-synth> $<TARGET_FILE:sluice-pcap2shm>)
  set_tests_properties(integration.control PROPERTIES LABELS "integration;engine;threads;control" TIMEOUT 300
    SKIP_RETURN_CODE 77
    ENVIRONMENT "TSAN_OPTIONS=suppressions=${PROJECT_SOURCE_DIR}/tests/zmq/tsan.supp")
endif()
