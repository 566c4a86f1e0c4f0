#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Running sluiced unattended, as root, in a network namespace of the test's own (its loopback
# the only traffic target): the service manager's notifications (READY=1, STOPPING=1) on a
# socket of the test's own as NOTIFY_SOCKET; the drop to run.user read back from
# /proc/PID/status (Uid, CapEff, NoNewPrivs) with the live capture still seeing what is sent
# after the drop; -D with a locked pid file, a second instance refused, a stale file taken
# over; bad run.* keys refused by name; the systemd unit accepted by systemd-analyze verify.
# Exits 77 (skipped) saying why when not root or without ip netns.
#
#   ops_test.sh SLUICED UNIT_FILE
set -uo pipefail
sluiced=$1 unit=$2
here=$(cd "$(dirname "$0")" && pwd)
. "$here/check.sh"
skip() { echo "SKIP ops: $1"; exit 77; }
[ "$(id -u)" = 0 ] || skip "not root"
id nobody >/dev/null 2>&1 || skip "no user nobody"

ns="sluice-ops-$$"
tmp=$(mktemp -d /tmp/sluice-ops-XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
  ip netns del "$ns" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
ip netns add "$ns" 2>"$tmp/err" || skip "ip netns add: $(cat "$tmp/err")"
ip -n "$ns" link set lo up
chmod 755 "$tmp" # the notify socket must stay reachable after the drop to nobody
mkdir -m 1777 "$tmp/out" # what nobody writes at exit (the ledger)

# 20 DNS queries to the namespace's own loopback (nothing answers; ICMP says so)
send_dns() {
  ip netns exec "$ns" python3 - "$1" <<'PY'
import socket, sys
tag = sys.argv[1].encode()
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(20):
    name = b"%s-%02d" % (tag, i)
    q = bytes([0x12, i, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]) + bytes([len(name)]) + name
    q += b"\x07example\x00\x00\x01\x00\x01"
    s.sendto(q, ("127.0.0.1", 53))
PY
}
wait_for() { # SECONDS 'CONDITION'
  local i
  for i in $(seq 1 $(($1 * 10))); do eval "$2" && return 0; sleep 0.1; done
  return 1
}
dns_names() { python3 -c "
import json,sys
n=set()
for l in open(sys.argv[1]):
    d=json.loads(l)
    for q in (d.get('dns', {}).get('queries', []) if d.get('event_type')=='dns' else []):
        if q.get('rrname','').startswith(sys.argv[2]): n.add(q['rrname'])
print(len(n))" "$1" "$2"; }

# --- notifications and the drop to nobody ----------------------------------------------------
python3 - "$tmp/notify" >"$tmp/notify.log" 2>&1 <<'PY' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1]); os.chmod(sys.argv[1], 0o777)
s.settimeout(60)
print("listening", flush=True)
while True:
    m = s.recv(4096).decode()
    print(m.replace("\n", " "), flush=True)
    if "STATUS=stopped" in m:
        break
PY
pids+=($!)
wait_for 10 'grep -q listening "$tmp/notify.log"'
NOTIFY_SOCKET=$tmp/notify ip netns exec "$ns" "$sluiced" -q -i lo -o "$tmp/drop.json" \
  --set run.user=nobody --stats-json "$tmp/out/drop.ledger" 2>"$tmp/drop.err" &
pid=$!
pids+=($pid)
check "READY=1 sent once every stage runs" 'wait_for 20 "grep -q READY=1 \"$tmp/notify.log\""'
check "it is sluiced itself" '[ "$(cat /proc/$pid/comm 2>/dev/null)" = sluiced ]'
status=$(cat /proc/$pid/status 2>/dev/null)
echo "$status" | grep -E "^(Uid|Gid|Cap|NoNewPrivs)"
check "Uid is nobody's, all four" 'echo "$status" | grep -qP "^Uid:\t65534\t65534\t65534\t65534$"'
check "Gid is nogroup's" 'echo "$status" | grep -qP "^Gid:\t65534\t65534\t65534\t65534$"'
check "no capability effective" 'echo "$status" | grep -qP "^CapEff:\t0{16}$"'
check "no capability permitted" 'echo "$status" | grep -qP "^CapPrm:\t0{16}$"'
check "no_new_privs set" 'echo "$status" | grep -qP "^NoNewPrivs:\t1$"'
send_dns after
sleep 1
kill -TERM "$pid"
wait "$pid"
rc=$?
check "exit 0 after SIGTERM" '[ $rc = 0 ]'
check "STOPPING=1 when the drain begins" 'wait_for 10 "grep -q \"STOPPING=1 STATUS=draining\" \"$tmp/notify.log\""'
check "STOPPING=1 once stopped" 'wait_for 10 "grep -q \"STATUS=stopped\" \"$tmp/notify.log\""'
check "READY before STOPPING" '[ "$(grep -n READY=1 "$tmp/notify.log" | cut -d: -f1)" -lt "$(grep -n STOPPING=1 "$tmp/notify.log" | head -1 | cut -d: -f1)" ]'
n=$(dns_names "$tmp/drop.json" after-)
check "the capture still works after the drop: 20 queries seen (got $n)" '[ "$n" = 20 ]'
check "the ledger balances" '[ "$(jget "$tmp/out/drop.ledger" "d[\"balanced\"]")" = True ]'
check "the log says who it became" 'grep -q "running as nobody (uid 65534), 0 capabilities kept" "$tmp/drop.err"'

# --- one capability kept: CAP_NET_RAW is bit 13 -----------------------------------------------
ip netns exec "$ns" "$sluiced" -q -i lo -o /dev/null --set run.user=nobody \
  --set 'run.capabilities=[net_raw]' 2>"$tmp/cap.err" &
pid=$!
pids+=($pid)
wait_for 20 'grep -q "running as nobody" "$tmp/cap.err"'
check "run.capabilities=[net_raw]: CapEff 0x2000" 'grep -qP "^CapEff:\t0{12}2000$" /proc/$pid/status'
check "run.capabilities=[net_raw]: bounding set 0x2000" 'grep -qP "^CapBnd:\t0{12}2000$" /proc/$pid/status'
kill -TERM "$pid"
wait "$pid"

# --- -D with a pid file (a stale one left by a crash first) -----------------------------------
echo 99999 >"$tmp/sluiced.pid"
ip netns exec "$ns" "$sluiced" -D -q -i lo -o "$tmp/d.json" --set run.pid-file="$tmp/sluiced.pid" \
  --set log.file="$tmp/d.log" 2>"$tmp/d.err"
check "-D returns 0 at once" '[ $? = 0 ]'
wait_for 10 '[ "$(cat "$tmp/sluiced.pid" 2>/dev/null)" != 99999 ] && [ -s "$tmp/sluiced.pid" ]'
dpid=$(cat "$tmp/sluiced.pid")
pids+=($dpid)
wait_for 20 'grep -q "info: running: 1 capture" "$tmp/d.log"'
check "the pid file names the daemon (stale one taken over)" '[ "$(cat /proc/$dpid/comm 2>/dev/null)" = sluiced ]'
check "the daemon has no terminal" '[ "$(awk "{print \$7}" /proc/$dpid/stat)" = 0 ]'
ip netns exec "$ns" "$sluiced" -q -i lo -o /dev/null --set run.pid-file="$tmp/sluiced.pid" 2>"$tmp/second.err"
rc=$?
check "a second sluiced on the same pid file: exit 2" '[ $rc = 2 ]'
check "... saying who holds it" 'grep -q "another sluiced holds it (pid $dpid)" "$tmp/second.err"'
send_dns daemon
sleep 1
kill -TERM "$dpid"
check "the daemon stops on SIGTERM" 'wait_for 20 "! kill -0 $dpid 2>/dev/null"'
check "its pid file is gone" '[ ! -e "$tmp/sluiced.pid" ]'
n=$(dns_names "$tmp/d.json" daemon-)
check "the daemon captured the 20 queries (got $n)" '[ "$n" = 20 ]'
check "the daemon logged to log.file" 'grep -q "stopping, draining every ring" "$tmp/d.log"'

# --- log.syslog: /dev/log is a socket of the test's own, in a mount namespace of its own -------
mkdir -p "$tmp/dev/shm"
python3 - "$tmp/dev/log" >"$tmp/syslog.out" 2>&1 <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1]); s.settimeout(30)
print("listening", flush=True)
try:
    while True:
        print(s.recv(4096).decode(errors="replace"), flush=True)
except socket.timeout:
    pass
PY
pids+=($!)
wait_for 10 'grep -q listening "$tmp/syslog.out"'
mknod -m 666 "$tmp/dev/null" c 1 3
unshare -m sh -c 'mount --bind /dev/shm "$1/dev/shm" && mount --bind "$1/dev" /dev && exec "$2" -q -r /dev/null --set log.syslog=true -o /dev/null' \
  sh "$tmp" "$sluiced" 2>"$tmp/syslog.err"
wait_for 10 'grep -q "sluiced\[[0-9]*\]: \[sluiced\] capture 0 (pcap)" "$tmp/syslog.out"'
check "log.syslog: the warning reaches syslog, facility daemon, level warning (<28>)" 'grep -q "^<28>.*sluiced\[[0-9]*\]: \[sluiced\] capture 0 (pcap)" "$tmp/syslog.out"'
check "log.syslog: nothing of it on stderr" '! grep -q "capture 0 (pcap)" "$tmp/syslog.err"'

# --- refused by name --------------------------------------------------------------------------
"$sluiced" -q -i lo -o /dev/null --set run.user=no-such-user-here 2>"$tmp/bad1.err"
check "run.user unknown: refused by name" 'grep -q "run.user: no user named no-such-user-here" "$tmp/bad1.err"'
"$sluiced" -q -i lo -o /dev/null --set run.group=nogroup 2>"$tmp/bad2.err"
check "run.group without run.user: refused" 'grep -q "run.group: has no effect without run.user" "$tmp/bad2.err"'
"$sluiced" -q -i lo -o /dev/null --set 'run.capabilities=[sys_admin]' 2>"$tmp/bad3.err"
check "a capability not on the list: refused" '[ $? = 2 ] && grep -q "run.capabilities" "$tmp/bad3.err"'

# --- the unit ---------------------------------------------------------------------------------
if command -v systemd-analyze >/dev/null; then
  # verify resolves ExecStart: point it at this build's sluiced in a copy
  sed "s|^ExecStart=[^ ]*|ExecStart=$sluiced|" "$unit" >"$tmp/sluiced.service"
  systemd-analyze verify --man=no "$tmp/sluiced.service" >"$tmp/verify.out" 2>&1
  rc=$?
  check "systemd-analyze verify accepts the unit" '[ $rc = 0 ] && ! grep -q "sluiced.service" "$tmp/verify.out"'
  [ $rc = 0 ] || cat "$tmp/verify.out"
  check "the unit is Type=notify" 'grep -qx "Type=notify" "$unit"'
else
  bad "systemd-analyze is missing (scripts/setup installs systemd)"
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
