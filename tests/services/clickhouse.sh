#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Test helper: a throwaway clickhouse-server (Debian's 18.16 or newer) in a directory of the
# caller's, on 127.0.0.1 with free ports, touching no system path (data, tmp, logs, user files
# and format schemas all live under DIR; the config is our own, not /etc's).
#
# Source it, then:
#   ch_start DIR      starts the server, waits until it answers SELECT 1 over HTTP; sets
#                     CH_HTTP_PORT, CH_TCP_PORT, CH_PID, CH_URL; returns non-zero (and prints
#                     the server's log tail) if it does not answer within 60 s
#   ch_query SQL      runs SQL over HTTP, prints the reply, fails on a non-200
#   ch_stop           SIGTERM, waits (SIGKILL after 20 s); safe to call twice, and from a trap
#   ch_restart DIR    starts the stopped server of DIR again on the same ports and data (an
#                     outage a client rides through); waits like ch_start
#
# As root the server runs as root: 18.16 does not drop privileges itself and this directory is
# ours, so no system file is at stake. Nothing here listens beyond 127.0.0.1.

. "$(dirname "${BASH_SOURCE[0]}")/proc.sh"

ch_start() {
  local dir=$1
  mkdir -p "$dir/data" "$dir/tmp" "$dir/user_files" "$dir/format_schemas" "$dir/log"
  CH_HTTP_PORT=$(svc_free_port)
  CH_TCP_PORT=$(svc_free_port)
  while [ "$CH_TCP_PORT" = "$CH_HTTP_PORT" ]; do CH_TCP_PORT=$(svc_free_port); done
  # users.xml: the stock one (user "default", no password, localhost only) copied beside ours,
  # because users_config resolves relative to the config file.
  cp /etc/clickhouse-server/users.xml "$dir/users.xml"
  cat >"$dir/config.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <logger>
    <level>information</level>
    <log>$dir/log/server.log</log>
    <errorlog>$dir/log/server.err.log</errorlog>
    <size>10M</size>
    <count>1</count>
  </logger>
  <http_port>$CH_HTTP_PORT</http_port>
  <tcp_port>$CH_TCP_PORT</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <max_connections>64</max_connections>
  <keep_alive_timeout>10</keep_alive_timeout>
  <max_concurrent_queries>32</max_concurrent_queries>
  <uncompressed_cache_size>67108864</uncompressed_cache_size>
  <mark_cache_size>67108864</mark_cache_size>
  <path>$dir/data/</path>
  <tmp_path>$dir/tmp/</tmp_path>
  <user_files_path>$dir/user_files/</user_files_path>
  <format_schema_path>$dir/format_schemas/</format_schema_path>
  <users_config>users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
</yandex>
XML
  CH_URL="http://127.0.0.1:$CH_HTTP_PORT/"
  ch__run "$dir"
}

ch_restart() {
  ch__run "$1"
}

ch__run() {
  local dir=$1
  clickhouse-server --config-file="$dir/config.xml" >>"$dir/log/stdout" 2>&1 &
  CH_PID=$!
  local i
  for i in $(seq 1 300); do
    if [ "$(curl -s --max-time 2 "${CH_URL}?query=SELECT%201" 2>/dev/null)" = 1 ]; then
      return 0
    fi
    kill -0 "$CH_PID" 2>/dev/null || break
    sleep 0.2
  done
  echo "clickhouse.sh: server did not answer on $CH_URL" >&2
  tail -n 30 "$dir/log/server.err.log" "$dir/log/stdout" >&2 2>/dev/null
  ch_stop
  return 1
}

ch_query() {
  local out code
  out=$(curl -s -w '\n%{http_code}' --data-binary "$1" "$CH_URL") || return 1
  code=${out##*$'\n'}
  out=${out%$'\n'*}
  printf '%s\n' "$out"
  [ "$code" = 200 ]
}

ch_stop() {
  [ -n "${CH_PID:-}" ] || return 0
  svc_stop "$CH_PID" 20
  CH_PID=
}
