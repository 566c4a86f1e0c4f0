#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Shared by the test-service helpers (sourced).
#   svc_free_port        prints a TCP port free on 127.0.0.1 right now
#   svc_stop PID SECS    SIGTERM, waits up to SECS for the process to go, then SIGKILL; reaps it
svc_free_port() {
  python3 - <<'PY'
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()
PY
}

svc_stop() {
  local pid=$1 secs=$2 i
  kill -TERM "$pid" 2>/dev/null
  for i in $(seq 1 $((secs * 10))); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  return 0
}
