#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The Prometheus endpoint against the real thing, in network namespaces of the test's own:
# sluiced captures a veth whose far end lives in a second namespace (so the scrapes, on the
# first one's loopback, are not what it counts), with metrics on; promtool checks the page; Debian's
# prometheus server scrapes it every second; the test reads the counters back through
# Prometheus's HTTP query API and compares them with the ledger sluiced writes at exit (two
# sides: the page as Prometheus parsed and stored it, the ledger as the engine wrote it).
# Exits 77 (skipped) saying why when not root or without ip netns.
#
#   metrics_test.sh SLUICED
set -uo pipefail
sluiced=$1
here=$(cd "$(dirname "$0")" && pwd)
. "$here/check.sh"
. "$here/../services/proc.sh"
skip() { echo "SKIP metrics: $1"; exit 77; }
[ "$(id -u)" = 0 ] || skip "not root"
command -v prometheus >/dev/null || { echo "FAIL prometheus missing (scripts/setup installs it)"; exit 1; }

ns="sluice-metrics-$$" far="sluice-metrics-far-$$"
tmp=$(mktemp -d /tmp/sluice-metrics-XXXXXX)
spid= ppid=
cleanup() {
  [ -n "$spid" ] && kill -KILL "$spid" 2>/dev/null
  [ -n "$ppid" ] && svc_stop "$ppid" 10
  ip netns del "$ns" 2>/dev/null
  ip netns del "$far" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
ip netns add "$ns" 2>"$tmp/err" || skip "ip netns add: $(cat "$tmp/err")"
ip netns add "$far"
ip -n "$ns" link set lo up
ip -n "$ns" link add slm0 type veth peer name slm1 netns "$far" || skip "veth"
for n in "$ns:slm0:10.213.0.1" "$far:slm1:10.213.0.2"; do
  IFS=: read -r nn dev addr <<<"$n"
  ip netns exec "$nn" sysctl -qw "net.ipv6.conf.$dev.disable_ipv6=1"
  ip netns exec "$nn" sysctl -qw net.ipv4.icmp_ratelimit=0
  ip -n "$nn" addr add "$addr/24" dev "$dev"
  ip -n "$nn" link set "$dev" up
done
# the far side knows the near one's MAC already: no ARP in the count
ip -n "$far" neigh replace 10.213.0.1 lladdr "$(ip -n "$ns" -o link show slm0 | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')" dev slm1
ip -n "$ns" neigh replace 10.213.0.2 lladdr "$(ip -n "$far" -o link show slm1 | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')" dev slm0
inns() { ip netns exec "$ns" "$@"; }
wait_for() { local i; for i in $(seq 1 $(($1 * 10))); do eval "$2" && return 0; sleep 0.1; done; return 1; }
mport=9580 pport=9090 # the namespace is ours: its ports are free

ip netns exec "$ns" "$sluiced" -q -i slm0 -o "$tmp/eve.json" --stats-json "$tmp/ledger.json" --set metrics.enabled=true \
  --set metrics.listen=127.0.0.1:$mport --set stats.interval=100ms 2>"$tmp/sluiced.err" &
spid=$!
check "sluiced serves /metrics" 'wait_for 20 "inns curl -sf http://127.0.0.1:$mport/metrics -o \"$tmp/page0\""'
check "promtool check metrics accepts the page" 'promtool check metrics <"$tmp/page0" >"$tmp/promtool.out" 2>&1'
[ -s "$tmp/promtool.out" ] && cat "$tmp/promtool.out"
check "a wrong path is 404" '[ "$(inns curl -s -o /dev/null -w "%{http_code}" http://127.0.0.1:$mport/other)" = 404 ]'
check "POST is 405" '[ "$(inns curl -s -o /dev/null -w "%{http_code}" -d x http://127.0.0.1:$mport/metrics)" = 405 ]'

cat >"$tmp/prometheus.yml" <<YML
global: {scrape_interval: 1s, evaluation_interval: 1s}
scrape_configs:
  - job_name: sluiced
    static_configs: [{targets: ["127.0.0.1:$mport"]}]
YML
ip netns exec "$ns" prometheus --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/tsdb" \
  --web.listen-address=127.0.0.1:$pport >"$tmp/prometheus.log" 2>&1 &
ppid=$!
check "prometheus is up" 'wait_for 60 "inns curl -sf http://127.0.0.1:$pport/-/ready >/dev/null"'

# 30 DNS queries from the far side (ICMP unreachable comes back: 60 packets)
ip netns exec "$far" python3 - <<'PY'
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(30):
    name = b"metrics-%02d" % i
    s.sendto(bytes([0x21, i, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]) + bytes([len(name)]) + name
             + b"\x07example\x00\x00\x01\x00\x01", ("10.213.0.1", 53))
PY
# PromQL through the HTTP API: one scalar, or "none"
q() {
  inns curl -s --data-urlencode "query=$1" "http://127.0.0.1:$pport/api/v1/query" | python3 -c '
import json, sys
r = json.load(sys.stdin)["data"]["result"]
print(r[0]["value"][1] if r else "none")'
}
check "prometheus scraped 60 packets" 'wait_for 30 "[ \"\$(q sluice_capture_packets_total)\" = 60 ]"'
check "the scrape is up" '[ "$(q up)" = 1 ]'
sleep 2 # the flows are still open: their records come at exit; the counters now stand still
prom_packets=$(q sluice_capture_packets_total)
prom_decoded=$(q sluice_decode_ok_total)
prom_in=$(q 'sluice_ring_consumed_total{ring="capture0->worker0"} + ignoring(ring) sluice_ring_consumed_total{ring="capture0->worker1"}')
prom_flows=$(q sluice_flows_created_total)
kill -TERM "$spid"
wait "$spid"
rc=$?
spid=
check "sluiced exits 0" '[ $rc = 0 ]'
lp=$(jget "$tmp/ledger.json" 'd["capture"]["packets"]')
ld=$(jget "$tmp/ledger.json" 'd["decode"]["ok"]')
lw=$(jget "$tmp/ledger.json" 'sum(r["consumed"] for r in d["rings"] if r["name"].startswith("capture0->"))')
lflows=$(jget "$tmp/ledger.json" 'd["flows"]["created"]')
check "packets: Prometheus $prom_packets = ledger $lp" '[ "$prom_packets" = "$lp" ]'
check "decoded: Prometheus $prom_decoded = ledger $ld" '[ "$prom_decoded" = "$ld" ]'
check "worker input rings: Prometheus $prom_in = ledger $lw" '[ "$prom_in" = "$lw" ]'
check "an analysis counter (flows created): Prometheus $prom_flows = ledger $lflows > 0" '[ "$prom_flows" = "$lflows" ] && [ "$lflows" -gt 0 ]'
dns=$(grep -c '"rrname":"metrics-' "$tmp/eve.json")
check "the 30 queries are records too (got $dns)" '[ "$dns" = 30 ]'
page_series=$(grep -c '^sluice_' "$tmp/page0")
check "every ring and sink has its series ($page_series lines)" 'grep -q "^sluice_ring_in_flight{ring=\"router->file\"}" "$tmp/page0" && grep -q "^sluice_sink_drops_total{sink=\"file\",reason=\"full\"}" "$tmp/page0"'

# a port already taken: refused by name, exit 1
ip netns exec "$ns" python3 -c "import socket,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1', 9581)); s.listen(); time.sleep(5)" &
hold=$!
sleep 0.5
inns "$sluiced" -q -i lo -o /dev/null --set metrics.enabled=true --set metrics.listen=127.0.0.1:9581 2>"$tmp/busy.err"
rc=$?
kill "$hold" 2>/dev/null
check "a taken port: exit 1 naming metrics.listen" '[ $rc = 1 ] && grep -q "metrics.listen 127.0.0.1:9581: cannot listen" "$tmp/busy.err"'

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
