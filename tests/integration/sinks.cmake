# SPDX-License-Identifier: MIT
# The Kafka and ClickHouse sinks' test services (tests/services/):
#   sluice-kafka-mock      librdkafka's mock cluster as its own process
#   services.kafka         the mock: 127.0.0.1 only, records read back, brokers down and up
#   services.clickhouse    a clickhouse-server from a temp dir: answers, counts, stops
pkg_check_modules(SL_RDKAFKA REQUIRED IMPORTED_TARGET rdkafka)
add_executable(sluice-kafka-mock ${PROJECT_SOURCE_DIR}/tests/services/kafka_mock.c)
target_link_libraries(sluice-kafka-mock PRIVATE PkgConfig::SL_RDKAFKA)

add_test(NAME services.kafka
  COMMAND ${PROJECT_SOURCE_DIR}/tests/services/services_test.sh kafka $<TARGET_FILE:sluice-kafka-mock>)
set_tests_properties(services.kafka PROPERTIES LABELS "integration;sinks" TIMEOUT 120)
add_test(NAME services.clickhouse
  COMMAND ${PROJECT_SOURCE_DIR}/tests/services/services_test.sh clickhouse)
set_tests_properties(services.clickhouse PROPERTIES LABELS "integration;sinks" TIMEOUT 120)
