#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Test helper: sourced by test scripts to run sluice-kafka-mock.
#   km_start MOCK DIR [ARGS...]  starts it (ARGS: --brokers N, --topic NAME:PARTS), waits for
#                                its bootstrap line; sets KM_PID and KM_BOOTSTRAP
#   km_down / km_up              all brokers down / up, waiting until the mock says it is done
#   km_one_down / km_one_up      broker 1 alone down / up (SIGHUP toggles it)
#   km_stop                      SIGTERM and wait (SIGKILL after 10 s); safe twice, and in a trap
. "$(dirname "${BASH_SOURCE[0]}")/proc.sh"

km_start() {
  local mock=$1 dir=$2
  shift 2
  KM_OUT=$dir/kafka-mock.out
  : >"$KM_OUT"
  "$mock" "$@" >"$KM_OUT" 2>"$dir/kafka-mock.err" &
  KM_PID=$!
  local i
  for i in $(seq 1 100); do
    KM_BOOTSTRAP=$(sed -n 's/^bootstrap=//p' "$KM_OUT")
    [ -n "$KM_BOOTSTRAP" ] && return 0
    kill -0 "$KM_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "kafka_mock.sh: no bootstrap line from $mock" >&2
  cat "$dir/kafka-mock.err" >&2
  km_stop
  return 1
}
km_wait_line() { # the Nth line saying $1
  local want=$1 n=$2 i
  for i in $(seq 1 100); do
    [ "$(grep -cx "$want" "$KM_OUT")" -ge "$n" ] && return 0
    sleep 0.1
  done
  return 1
}
km_down() { local n=$(($(grep -cx down "$KM_OUT") + 1)); kill -USR1 "$KM_PID"; km_wait_line down $n; }
km_up() { local n=$(($(grep -cx up "$KM_OUT") + 1)); kill -USR2 "$KM_PID"; km_wait_line up $n; }
km_one_down() { local n=$(($(grep -cx "down 1" "$KM_OUT") + 1)); kill -HUP "$KM_PID"; km_wait_line "down 1" $n; }
km_one_up() { local n=$(($(grep -cx "up 1" "$KM_OUT") + 1)); kill -HUP "$KM_PID"; km_wait_line "up 1" $n; }
km_stop() {
  [ -n "${KM_PID:-}" ] || return 0
  svc_stop "$KM_PID" 10
  KM_PID=
}
