# SPDX-License-Identifier: MIT
# sluiced: the engine core (lifecycle, pipeline, worker loop, ledger, JSON, sinks) on top of
# the module libraries built in the subfolders.
# the analysis steps: one folder each under analysis/ (listed in analysis/analysis.c)
file(GLOB SLUICE_ANALYSIS_STEPS CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/analysis/*/*.c)
add_library(sluice_engine STATIC
  ${CMAKE_CURRENT_LIST_DIR}/engine.c
  ${CMAKE_CURRENT_LIST_DIR}/pipeline.c
  ${CMAKE_CURRENT_LIST_DIR}/runtime.c
  ${CMAKE_CURRENT_LIST_DIR}/thread.c
  ${CMAKE_CURRENT_LIST_DIR}/worker.c
  ${CMAKE_CURRENT_LIST_DIR}/worker_analysis.c
  ${CMAKE_CURRENT_LIST_DIR}/summary.c
  ${CMAKE_CURRENT_LIST_DIR}/analysis/analysis.c
  ${SLUICE_ANALYSIS_STEPS}
  ${CMAKE_CURRENT_LIST_DIR}/stats.c
  ${CMAKE_CURRENT_LIST_DIR}/timers.c
  ${CMAKE_CURRENT_LIST_DIR}/log.c
  ${CMAKE_CURRENT_LIST_DIR}/ops.c
  ${CMAKE_CURRENT_LIST_DIR}/encode_json.c
  ${CMAKE_CURRENT_LIST_DIR}/router.c
  ${CMAKE_CURRENT_LIST_DIR}/sinks/sink.c
  ${CMAKE_CURRENT_LIST_DIR}/sinks/file/file.c
  ${CMAKE_CURRENT_LIST_DIR}/sinks/null/null.c
  ${CMAKE_CURRENT_LIST_DIR}/sinks/zmq/zmq.c
  ${CMAKE_CURRENT_LIST_DIR}/sinks/clickhouse/clickhouse.c
  ${CMAKE_CURRENT_LIST_DIR}/sinks/clickhouse/ch_reply.c
  ${CMAKE_CURRENT_LIST_DIR}/sinks/tap/tap.c
  ${CMAKE_CURRENT_LIST_DIR}/metrics/metrics.c
  ${CMAKE_CURRENT_LIST_DIR}/control/control.c)
target_include_directories(sluice_engine PUBLIC ${CMAKE_CURRENT_LIST_DIR} ${PROJECT_SOURCE_DIR}/include)
target_link_libraries(sluice_engine PUBLIC sluice_capture_push sluice_capture sluice_analysis sluice_conf
  sluice_ring_static sluice_fault PkgConfig::URCU_QSBR Threads::Threads)
# the ZMQ publisher (sinks/zmq)
pkg_check_modules(ZMQ REQUIRED IMPORTED_TARGET libzmq)
target_link_libraries(sluice_engine PUBLIC PkgConfig::ZMQ)
# the control socket (control/): its request parser and the CURVE key loader
target_link_libraries(sluice_engine PUBLIC sluice_control_req sluice_curve)
# the ClickHouse sink (sinks/clickhouse): libcurl, and the spool
pkg_check_modules(CURL REQUIRED IMPORTED_TARGET libcurl)
target_link_libraries(sluice_engine PUBLIC PkgConfig::CURL sluice_spool)
# GeoIP/ASN enrichment (analysis/geoip)
pkg_check_modules(MAXMINDDB REQUIRED IMPORTED_TARGET libmaxminddb)
target_link_libraries(sluice_engine PUBLIC PkgConfig::MAXMINDDB m)
# the Prometheus endpoint (metrics/)
pkg_check_modules(MHD REQUIRED IMPORTED_TARGET libmicrohttpd)
target_link_libraries(sluice_engine PUBLIC PkgConfig::MHD)
target_compile_definitions(sluice_engine PRIVATE SLUICE_VERSION="${PROJECT_VERSION}")

add_executable(sluiced ${CMAKE_CURRENT_LIST_DIR}/main.c)
target_compile_definitions(sluiced PRIVATE SLUICE_VERSION="${PROJECT_VERSION}")
target_link_libraries(sluiced PRIVATE sluice_engine)
install(TARGETS sluiced RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
if(TARGET sluice_flow)
  target_link_libraries(sluice_engine PUBLIC sluice_flow)
endif()
# PostgreSQL as a configuration source (config/)
pkg_check_modules(PQ REQUIRED IMPORTED_TARGET libpq)
target_sources(sluice_engine PRIVATE ${CMAKE_CURRENT_LIST_DIR}/config/pgconf.c ${CMAKE_CURRENT_LIST_DIR}/config/pgrows.c)
target_link_libraries(sluice_engine PUBLIC PkgConfig::PQ)
# the Kafka sink (sinks/kafka): librdkafka, and the spool it keeps what it cannot deliver in
target_sources(sluice_engine PRIVATE ${CMAKE_CURRENT_LIST_DIR}/sinks/kafka/kafka.c
  ${CMAKE_CURRENT_LIST_DIR}/sinks/kafka/spool_rec.c)
pkg_check_modules(SL_RDKAFKA_ENGINE REQUIRED IMPORTED_TARGET rdkafka)
target_link_libraries(sluice_engine PUBLIC PkgConfig::SL_RDKAFKA_ENGINE sluice_spool)
if(SLUICE_SANITIZE MATCHES "thread")
  target_sources(sluiced PRIVATE ${CMAKE_CURRENT_LIST_DIR}/sinks/kafka/tsan_thrd.c)
endif()
