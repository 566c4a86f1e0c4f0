# SPDX-License-Identifier: MIT
# Ring stress tests: threads, processes (with and without hugepages) and a killed producer.
# Under TSan the record counts are smaller: the race detector slows every access ~20x.
add_executable(test_ring_stress ${CMAKE_CURRENT_LIST_DIR}/test_ring_stress.c)
target_include_directories(test_ring_stress PRIVATE ${PROJECT_SOURCE_DIR}/tests/lib)
target_link_libraries(test_ring_stress PRIVATE sluice_ring_static Threads::Threads)
if(SLUICE_SANITIZE)
  set(RING_STRESS_RECORDS 1000000)
else()
  set(RING_STRESS_RECORDS 20000000)
endif()
add_test(NAME stress.ring.threads COMMAND test_ring_stress threads ${RING_STRESS_RECORDS})
add_test(NAME stress.ring.xproc COMMAND test_ring_stress xproc 2000000)
add_test(NAME stress.ring.xproc_huge COMMAND test_ring_stress xproc-huge 2000000)
add_test(NAME stress.ring.crash COMMAND test_ring_stress crash)
# A producer sleeping on a full ring is woken, never left to its timeout (red without the
# consumer's FUTEX_WAKE; a missing membarrier is a race too narrow for it to catch).
add_test(NAME stress.ring.wake COMMAND test_ring_stress wake 200000)
# The same with SL_RING_FENCED: locked stores, no membarrier on the sleeping side.
add_test(NAME stress.ring.wake_fenced COMMAND test_ring_stress wake-fenced 200000)
set_tests_properties(stress.ring.wake stress.ring.wake_fenced PROPERTIES LABELS "stress;ring;threads" TIMEOUT 300)
set_tests_properties(stress.ring.threads stress.ring.xproc stress.ring.xproc_huge stress.ring.crash
  PROPERTIES LABELS "stress;ring" TIMEOUT 300 SKIP_RETURN_CODE 77)
# The hugepage half changes a system-wide setting: never alongside another test that does.
set_tests_properties(stress.ring.xproc_huge PROPERTIES RUN_SERIAL ON)

# The ring against its peer process: roles, stream ends, forked children, file creation, the
# idle syscall count and the futex wake (test_ring_peer.c). Uses the ring's internals (ring/).
add_executable(test_ring_peer ${CMAKE_CURRENT_LIST_DIR}/test_ring_peer.c)
target_include_directories(test_ring_peer PRIVATE ${PROJECT_SOURCE_DIR}/tests/lib ${PROJECT_SOURCE_DIR}/ring)
target_link_libraries(test_ring_peer PRIVATE sluice_ring_static)
foreach(m fork-close roles finish-detach consumer-gone create idle wake)
  add_test(NAME stress.ring.peer.${m} COMMAND test_ring_peer ${m})
  set_tests_properties(stress.ring.peer.${m} PROPERTIES LABELS "stress;ring" TIMEOUT 120
    SKIP_RETURN_CODE 77)
endforeach()
# It mounts a small tmpfs of its own (root) and counts another process's syscalls: alone.
set_tests_properties(stress.ring.peer.create stress.ring.peer.idle PROPERTIES RUN_SERIAL ON)
