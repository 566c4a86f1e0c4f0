#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The test services themselves, before any sink relies on them:
#   kafka    sluice-kafka-mock listens on 127.0.0.1 only; what kcat produces to a 4-partition
#            topic is read back whole; with every broker down a metadata request fails; once up
#            again more records go through and the total read back is the sum produced
#   clickhouse  a server from a temp dir answers, takes a table and 1000 JSONEachRow rows,
#            counts them back, and is gone after ch_stop (no process, no port)
# usage: services_test.sh kafka MOCK | clickhouse
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../integration/check.sh"
. "$here/kafka_mock.sh"
. "$here/clickhouse.sh"
tmp=$(mktemp -d)
trap 'km_stop; ch_stop; rm -rf "$tmp"' EXIT

count_topic() { # kcat reads to the end of every partition, one line per record
  kcat -C -b "$KM_BOOTSTRAP" -t "$1" -e -q -f '%s\n' 2>/dev/null | wc -l
}

case ${1:-} in
kafka)
  km_start "$2" "$tmp" --brokers 3 --topic sl.test:4 || exit 1
  check "bootstrap printed" '[ -n "$KM_BOOTSTRAP" ]'
  check "listens on 127.0.0.1 only" \
    '[ "$(ss -Hltnp | grep "pid=$KM_PID," | grep -vc " 127.0.0.1:")" = 0 ] && ss -Hltnp | grep -q "pid=$KM_PID,"'
  seq 1 20000 | kcat -P -b "$KM_BOOTSTRAP" -t sl.test -q -X acks=all
  check "20000 produced, 20000 read back" '[ "$(count_topic sl.test)" = 20000 ]'
  check "brokers down" 'km_down'
  check "metadata fails while down" '! kcat -L -b "$KM_BOOTSTRAP" -m 2 >/dev/null 2>&1'
  check "brokers up" 'km_up'
  seq 1 5000 | kcat -P -b "$KM_BOOTSTRAP" -t sl.test -q -X acks=all
  check "25000 read back after the outage" '[ "$(count_topic sl.test)" = 25000 ]'
  pid=$KM_PID
  km_stop
  check "mock stopped by SIGTERM" '! kill -0 $pid 2>/dev/null'
  ;;
clickhouse)
  ch_start "$tmp/ch" || exit 1
  check "server answers" '[ "$(ch_query "SELECT 1")" = 1 ]'
  check "listens on 127.0.0.1 only" \
    '[ "$(ss -Hltnp | grep "pid=$CH_PID," | grep -vc " 127.0.0.1:")" = 0 ]'
  check "create table" 'ch_query "CREATE TABLE t (id UInt64, s String) ENGINE = MergeTree ORDER BY id" >/dev/null'
  seq 1 1000 | awk '{printf "{\"id\":%d,\"s\":\"r%d\"}\n", $1, $1}' >"$tmp/rows.json"
  check "insert 1000 JSONEachRow" \
    'curl -sf --data-binary @"$tmp/rows.json" "${CH_URL}?query=INSERT%20INTO%20t%20FORMAT%20JSONEachRow" >/dev/null'
  check "count() = 1000" '[ "$(ch_query "SELECT count() FROM t")" = 1000 ]'
  check "data under the temp dir" '[ -d "$tmp/ch/data/data/default/t" ]'
  pid=$CH_PID port=$CH_HTTP_PORT
  ch_stop
  check "server stopped" '! kill -0 $pid 2>/dev/null && ! ss -Hltn | grep -q ":$port "'
  ;;
*) echo "usage: $0 kafka MOCK | clickhouse" >&2; exit 2 ;;
esac
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
