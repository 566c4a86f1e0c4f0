#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Live capture: a veth pair whose far end lives in a network namespace this test creates,
# tcpreplay of a corpus capture into the far end, sluiced -i on the near end. The HTTP, TLS
# and DNS events must be the ones sluiced finds in the file itself. Needs root; exits 77
# (skipped) with the reason when it cannot build the namespace.
#
#   live_test.sh SLUICED CORPUS_DIR
set -uo pipefail
sluiced=$1 corpus=$2
file="$corpus/pcap/sv-ethernet-eve.pcap"
skip() { echo "SKIP live capture: $1"; exit 77; }
[ "$(id -u)" = 0 ] || skip "not root"
command -v ip >/dev/null || skip "no ip (iproute2)"
command -v tcpreplay >/dev/null || skip "no tcpreplay"

ns="sluice-live-$$"
near="slv$$a"
far="slv$$b"
tmp=$(mktemp -d /tmp/sluice-live-XXXXXX)
cleanup() {
  [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null
  ip link del "$near" 2>/dev/null
  ip netns del "$ns" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
ip netns add "$ns" 2>"$tmp/err" || skip "ip netns add: $(cat "$tmp/err")"
ip link add "$near" type veth peer name "$far" 2>"$tmp/err" || skip "veth: $(cat "$tmp/err")"
ip link set "$far" netns "$ns"
# no IPv6 on the pair: router solicitations would be traffic the file does not have
sysctl -qw "net.ipv6.conf.$near.disable_ipv6=1" 2>/dev/null
ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$far.disable_ipv6=1" 2>/dev/null
ip link set "$near" mtu 9000 up
ip -n "$ns" link set "$far" mtu 9000 up

"$sluiced" -q -r "$file" -o "$tmp/file.json" 2>/dev/null || { echo "FAIL sluiced -r"; exit 1; }

"$sluiced" -q -i "$near" -o "$tmp/live.json" --stats-json "$tmp/live.ledger" 2>"$tmp/live.err" &
pid=$!
# wait until sluiced has its AF_PACKET socket: one of its socket inodes in /proc/net/packet
ready=0
for _ in $(seq 200); do
  for ino in $(ls -l "/proc/$pid/fd" 2>/dev/null | sed -n 's/.*socket:\[\([0-9]*\)\]/\1/p'); do
    awk -v i="$ino" 'NR > 1 && $NF == i {f = 1} END {exit !f}' /proc/net/packet && ready=1
  done
  [ $ready = 1 ] && break
  sleep 0.05
done
[ $ready = 1 ] || { echo "FAIL sluiced -i never opened its packet socket"; cat "$tmp/live.err"; exit 1; }
sleep 0.2
ip netns exec "$ns" tcpreplay -q -t -i "$far" "$file" >"$tmp/replay.out" 2>&1 || { cat "$tmp/replay.out"; echo "FAIL tcpreplay"; exit 1; }
# wait (bounded) until sluiced has written every app event the file holds, then stop it
app_count() { grep -cE '"event_type":"(http|tls|dns)"' "$1" 2>/dev/null || true; }
want=$(app_count "$tmp/file.json")
for _ in $(seq 400); do
  [ "$(app_count "$tmp/live.json")" -ge "$want" ] && break
  sleep 0.05
done
kill -TERM "$pid"
wait "$pid"
rc=$?
pid=

python3 - "$tmp/file.json" "$tmp/live.json" "$tmp/live.ledger" "$rc" <<'EOF'
import json, sys
def app_events(path):
    out = []
    for line in open(path):
        e = json.loads(line)
        if e["event_type"] in ("http", "tls", "dns"):
            for k in ("timestamp", "flow_id"):
                e.pop(k, None)
            out.append(json.dumps(e, sort_keys=True))
    return sorted(out)
f, l = app_events(sys.argv[1]), app_events(sys.argv[2])
ledger = json.load(open(sys.argv[3]))
checks = [
    ("sluiced -i exits 0 on SIGTERM", sys.argv[4] == "0"),
    ("the live ledger balances", ledger["balanced"] is True),
    (f"the file yields app events ({len(f)})", len(f) > 0),
    (f"live capture yields the same {len(f)} http/tls/dns events (got {len(l)})", f == l),
]
bad = 0
for name, ok in checks:
    print(("ok   " if ok else "FAIL ") + name)
    bad += not ok
if f != l:
    for x in sorted(set(f) ^ set(l))[:10]:
        print("  differs:", x[:300])
print(f"{len(checks) - bad} passed, {bad} failed")
sys.exit(1 if bad else 0)
EOF
