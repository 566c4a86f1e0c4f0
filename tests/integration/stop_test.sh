#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Stopping `sluiced -i` while traffic flows: the main thread's SIGTERM must only interrupt the
# capture thread, never unmap the TPACKET ring under it. A veth pair whose far end lives in a
# network namespace this test creates; a flood of frames into the far end; sluiced on the near
# end is stopped RUNS times with SIGTERM and twice with SIGINT (the forced stop). Every run
# must exit 0 with a balanced ledger and no sanitizer report. Needs root; exits 77 otherwise.
#
#   stop_test.sh SLUICED [RUNS]
set -uo pipefail
sluiced=$1 runs=${2:-20}
skip() { echo "SKIP stop test: $1"; exit 77; }
[ "$(id -u)" = 0 ] || skip "not root"
command -v ip >/dev/null || skip "no ip (iproute2)"
command -v python3 >/dev/null || skip "no python3"

ns="sluice-stop-$$"
near="sls$$a"
far="sls$$b"
tmp=$(mktemp -d /tmp/sluice-stop-XXXXXX)
cleanup() {
  [ -n "${pid:-}" ] && kill -KILL "$pid" 2>/dev/null
  [ -n "${flood:-}" ] && kill "$flood" 2>/dev/null
  ip link del "$near" 2>/dev/null
  ip netns del "$ns" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
ip netns add "$ns" 2>"$tmp/err" || skip "ip netns add: $(cat "$tmp/err")"
ip link add "$near" type veth peer name "$far" 2>"$tmp/err" || skip "veth: $(cat "$tmp/err")"
ip link set "$far" netns "$ns"
sysctl -qw "net.ipv6.conf.$near.disable_ipv6=1" 2>/dev/null
ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$far.disable_ipv6=1" 2>/dev/null
ip link set "$near" up
ip -n "$ns" link set "$far" up

# The flood: UDP frames with varying ports through a raw socket, until killed.
ip netns exec "$ns" python3 - "$far" <<'PY' &
import socket, struct, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
def csum(b):
    t = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    t = (t >> 16) + (t & 0xffff)
    return ~(t + (t >> 16)) & 0xffff
i = 0
while True:
    payload = b"x" * 200
    udp = struct.pack("!HHHH", 1024 + i % 5000, 53, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i & 0xffff, 0, 64, 17, 0,
                     bytes([10, 0, (i >> 8) & 0xff, i & 0xff]), bytes([10, 1, 0, 1]))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    try:
        s.send(b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00" + ip + udp)
    except OSError:
        pass
    i += 1
PY
flood=$!

# ready: one of sluiced's socket inodes is in /proc/net/packet
wait_ready() {
  for _ in $(seq 400); do
    for ino in $(ls -l "/proc/$1/fd" 2>/dev/null | sed -n 's/.*socket:\[\([0-9]*\)\]/\1/p'); do
      awk -v i="$ino" 'NR > 1 && $NF == i {f = 1} END {exit !f}' /proc/net/packet && return 0
    done
    sleep 0.025
  done
  return 1
}

fail=0
total=0
nrun=0
one_run() { # $1: label, $2...: signals to send
  local label=$1; shift
  ASAN_OPTIONS=${ASAN_OPTIONS:-}:abort_on_error=0:exitcode=66 \
    "$sluiced" -q -w 2 -i "$near" -o "$tmp/out.json" --stats-json "$tmp/ledger.json" 2>"$tmp/err.txt" &
  pid=$!
  if ! wait_ready "$pid"; then
    echo "FAIL $label: sluiced never opened its packet socket"; cat "$tmp/err.txt"; fail=1
    kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; pid=; return
  fi
  # signal at varying moments: at once (run() may not have begun) up to well inside the
  # flood (nothing is asserted on time)
  sleep "0.$(printf %02d $((nrun++ % 4 * 5)))"
  for sig in "$@"; do kill -"$sig" "$pid" 2>/dev/null; done
  wait "$pid"; local rc=$?; pid=
  local bal pk
  bal=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("balanced"))' "$tmp/ledger.json" 2>/dev/null)
  pk=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["capture"]["packets"])' "$tmp/ledger.json" 2>/dev/null)
  total=$((total + ${pk:-0}))
  if [ "$rc" != 0 ] || grep -qE "(ERROR|WARNING): (Address|Undefined|Leak|Thread)Sanitizer|runtime error:" "$tmp/err.txt" || [ "$bal" != True ]; then
    echo "FAIL $label: exit $rc, balanced $bal"; head -30 "$tmp/err.txt"; fail=1
  fi
  rm -f "$tmp/ledger.json"
}

for i in $(seq "$runs"); do one_run "SIGTERM run $i" TERM; done
one_run "SIGINT twice" INT INT
one_run "SIGINT twice (again)" INT INT
echo "packets captured over all runs: $total"
[ "$total" -gt 0 ] || { echo "FAIL no traffic was captured: the stops were not tested under load"; fail=1; }
[ $fail = 0 ] && echo "ok   $runs SIGTERM runs and 2 double-SIGINT runs under traffic: exit 0, ledger balanced, no sanitizer report"
exit $fail
