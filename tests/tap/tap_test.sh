#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Taps against their two example consumers (examples/tap/): the C one built from an installed
# tree with nothing but pkg-config, and the Python one (mmap only). Counts are checked against
# sluiced's ledger and its EVE output, which are kept by other code:
#  1. both consumers, sluiced waiting for them: each reads every record (per type = the ledger's
#     events, the flows' packets = the packets captured, the http hostnames' bytes = the EVE
#     file's), none bad; each tap's delivered = what its consumer read; the ledger balances;
#  2. a consumer that stops reading: the tap's drops are counted, delivered = what it read, the
#     rest is `left`; the file sink lost nothing; the ledger balances;
#  3. a consumer killed mid-run: the same, and the tap reports no live consumer at the end;
#  4. no consumer at all: everything is dropped or left, counted; the ledger balances;
#  5. errors: a bad name, a name given twice, wait-consumers timing out, a stale file in the way.
#   tap_test.sh SLUICED SLUICE_SYNTH BUILD_DIR SOURCE_DIR
set -uo pipefail
sluiced=$1 synth=$2 build=$3 src=$4
here=$(dirname "$0")
py=/usr/bin/python3
tmp=$(mktemp -d /tmp/sluice-tap-XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT
. "$here/../integration/check.sh"
# the rings of this test only, and no huge pages (the Python reader looks in SLUICE_SHM_DIR)
export SLUICE_SHM_DIR=$tmp/shm
mkdir -p "$SLUICE_SHM_DIR"
n=$$ # tap names unique to this run
common=(--set rings.hugepages=never --set outputs.tap.enabled=true)

# the C consumer, from an install of this build
cmake --install "$build" --prefix "$tmp/prefix" --component Unspecified >/dev/null || { echo "install failed"; exit 1; }
pc=$(find "$tmp/prefix" -name sluice-ring.pc | head -n1)
# shellcheck disable=SC2046,SC2086
${CC:-cc} -std=c11 -Wall -Wextra -Werror ${SLUICE_TEST_CFLAGS:-} -o "$tmp/tapread" "$src/examples/tap/sluice_tap_read.c" \
  $(PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --cflags --libs sluice-ring) || { echo "consumer build failed"; exit 1; }
libdir=$(PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --variable=libdir sluice-ring)
# exec: each runs as the background job itself, so $! is the consumer (the test kills it)
# exec: each runs as the background job itself, so $! is the consumer (the test kills it)
cread() { LD_LIBRARY_PATH=$libdir exec "$tmp/tapread" "$@"; }
pyread() { exec $py "$src/examples/tap/sluice_tap_read.py" "$@"; }
sink() { jget "$1" "[s['$3'] for s in d['sinks'] if s['name']=='$2'][0]"; }

"$synth" -o "$tmp/s.pcap" -n 20000 -f 300 -s 3 >/dev/null || { echo "sluice-synth failed"; exit 1; }
"$synth" -o "$tmp/big.pcap" -n 200000 -f 3000 -s 4 >/dev/null || { echo "sluice-synth failed"; exit 1; }

# 1. two consumers read everything
cread "c$n" >"$tmp/c.json" 2>"$tmp/c.err" & pids+=($!); cpid=$!
pyread "p$n" >"$tmp/p.json" 2>"$tmp/p.err" & pids+=($!); ppid=$!
"$sluiced" -q -r "$tmp/s.pcap" -o "$tmp/eve.json" --stats-json "$tmp/l.json" "${common[@]}" \
  --set outputs.tap.names="[c$n, p$n]" --set outputs.tap.wait-consumers=true --set outputs.tap.drain-timeout=20s \
  2>"$tmp/err"
check "read: exit 0" "[ $? = 0 ]"
wait $cpid; wait $ppid
# what taps carry: every event but the engine's own records (stats, http_summary)
total=$(jget "$tmp/l.json" 'sum(v for k, v in d["events"].items() if k not in ("stats", "http_summary"))')
pkts=$(jget "$tmp/l.json" 'd["capture"]["packets"]')
hostb=$($py -c 'import json,sys; print(sum(len(json.loads(l)["http"].get("hostname","").encode()) for l in open(sys.argv[1]) if "\"event_type\":\"http\"" in l))' "$tmp/eve.json")
for who in c p; do
  out=$tmp/$who.json
  check "read $who: got a summary" "[ -s $out ]"
  for t in flow http tls dns; do
    want=$(jget "$tmp/l.json" "d['events']['$t']")
    got=$(jget "$out" "d['$t']")
    check "read $who: $t: the ledger's $want (got $got)" "[ '$got' = '$want' ] && [ $want -gt 0 ]"
  done
  check "read $who: no bad record" "[ \"\$(jget $out 'd[\"bad\"]')\" = 0 ]"
  check "read $who: the flows' packets are the $pkts captured" "[ \"\$(jget $out 'd[\"flow_pkts\"]')\" = $pkts ]"
  check "read $who: the http hostnames' bytes are the EVE file's $hostb" \
    "[ \"\$(jget $out 'd[\"http_host_bytes\"]')\" = $hostb ] && [ $hostb -gt 0 ]"
  check "read $who: the tap's delivered = what the consumer read = $total" \
    "[ \"\$(sink $tmp/l.json tap.$who$n delivered)\" = \"\$(jget $out 'd[\"records\"]')\" ] && [ \"\$(jget $out 'd[\"records\"]')\" = $total ]"
  check "read $who: nothing dropped or left" \
    "[ \"\$(sink $tmp/l.json tap.$who$n dropped)\" = 0 ] && [ \"\$(sink $tmp/l.json tap.$who$n left)\" = 0 ]"
done
check "read: ledger balanced" "[ \"\$(jget $tmp/l.json 'd[\"balanced\"]')\" = True ]"
check "read: the rings are gone at exit" "[ -z \"\$(ls $SLUICE_SHM_DIR)\" ]"

# 2. a consumer that stops reading after 100 records (C), and one after 50 (Python)
cread "c$n" --stall-after 100 >/dev/null 2>"$tmp/c2.err" & pids+=($!); cpid=$!
pyread "p$n" --stall-after 50 >/dev/null 2>"$tmp/p2.err" & pids+=($!); ppid=$!
"$sluiced" -q -r "$tmp/big.pcap" -o "$tmp/eve2.json" --stats-json "$tmp/l2.json" "${common[@]}" \
  --set outputs.tap.names="[c$n, p$n]" --set outputs.tap.wait-consumers=true --set outputs.tap.ring-size=64KiB \
  --set outputs.tap.drain-timeout=200ms 2>"$tmp/err2"
check "stalled: exit 0" "[ $? = 0 ]"
total=$(jget "$tmp/l2.json" 'sum(d["events"].values())')
tapped=$(jget "$tmp/l2.json" 'sum(v for k, v in d["events"].items() if k not in ("stats", "http_summary"))')
for who in c:100 p:50; do
  w=${who%%:*} k=${who##*:}
  check "stalled $w: delivered = the $k it read" "[ \"\$(sink $tmp/l2.json tap.$w$n delivered)\" = $k ]"
  dropped=$(sink "$tmp/l2.json" "tap.$w$n" dropped)
  full=$(jget "$tmp/l2.json" "[s['drops']['full'] for s in d['sinks'] if s['name']=='tap.$w$n'][0]")
  left=$(sink "$tmp/l2.json" "tap.$w$n" left)
  check "stalled $w: drops counted ($dropped, reason full), the rest left ($left)" \
    "[ $dropped -gt 0 ] && [ $full = $dropped ] && [ $left -gt 0 ]"
  check "stalled $w: received $tapped = delivered + dropped + left" \
    "[ \$(sink $tmp/l2.json tap.$w$n received) = $tapped ] && [ \$(( $k + $dropped + $left )) = $tapped ]"
  check "stalled $w: its consumer was still attached" "[ \"\$(sink $tmp/l2.json tap.$w$n subscribers)\" = 1 ]"
done
check "stalled: the file sink lost nothing" \
  "[ \"\$(sink $tmp/l2.json file delivered)\" = $total ] && [ \"\$(sink $tmp/l2.json file dropped)\" = 0 ]"
check "stalled: the EVE file has every record" "[ \$(wc -l < $tmp/eve2.json) = $total ]"
check "stalled: ledger balanced" "[ \"\$(jget $tmp/l2.json 'd[\"balanced\"]')\" = True ]"
kill -9 $cpid $ppid 2>/dev/null; wait $cpid $ppid 2>/dev/null

# 3. a consumer killed mid-run: it stalls after 30, the test kills it once it says so
pyread "k$n" --stall-after 30 >/dev/null 2>"$tmp/k.err" & pids+=($!); kpid=$!
( for _ in $(seq 300); do grep -q stalled "$tmp/k.err" && break; sleep 0.05; done; kill -9 $kpid ) &
killer=$!
"$sluiced" -q -r "$tmp/big.pcap" -o /dev/null --stats-json "$tmp/l3.json" "${common[@]}" \
  --set outputs.tap.names="[k$n]" --set outputs.tap.wait-consumers=true --set outputs.tap.ring-size=64KiB \
  --set outputs.tap.drain-timeout=30s 2>"$tmp/err3"
check "killed: exit 0" "[ $? = 0 ]"
wait $killer; wait $kpid 2>/dev/null
total=$(jget "$tmp/l3.json" 'sum(v for k, v in d["events"].items() if k not in ("stats", "http_summary"))')
check "killed: delivered = the 30 it read" "[ \"\$(sink $tmp/l3.json tap.k$n delivered)\" = 30 ]"
check "killed: no live consumer at the end" "[ \"\$(sink $tmp/l3.json tap.k$n subscribers)\" = 0 ]"
check "killed: received $total = delivered + dropped + left" \
  "[ \$(( 30 + \$(sink $tmp/l3.json tap.k$n dropped) + \$(sink $tmp/l3.json tap.k$n left) )) = $total ] && [ \$(sink $tmp/l3.json tap.k$n dropped) -gt 0 ]"
check "killed: ledger balanced" "[ \"\$(jget $tmp/l3.json 'd[\"balanced\"]')\" = True ]"

# 4. nobody reads
"$sluiced" -q -r "$tmp/s.pcap" -o /dev/null --stats-json "$tmp/l4.json" "${common[@]}" \
  --set outputs.tap.names="[n$n]" --set outputs.tap.ring-size=64KiB 2>"$tmp/err4"
check "no consumer: exit 0" "[ $? = 0 ]"
total=$(jget "$tmp/l4.json" 'sum(v for k, v in d["events"].items() if k not in ("stats", "http_summary"))')
check "no consumer: delivered 0, dropped + left = $total, both > 0" \
  "[ \$(sink $tmp/l4.json tap.n$n delivered) = 0 ] && [ \$(( \$(sink $tmp/l4.json tap.n$n dropped) + \$(sink $tmp/l4.json tap.n$n left) )) = $total ] && [ \$(sink $tmp/l4.json tap.n$n dropped) -gt 0 ] && [ \$(sink $tmp/l4.json tap.n$n left) -gt 0 ]"
check "no consumer: ledger balanced" "[ \"\$(jget $tmp/l4.json 'd[\"balanced\"]')\" = True ]"
check "no consumer: the text ledger says what was left" "grep -q 'tap.n$n .* left [0-9]* (no consumer read them)' $tmp/err4"

# 5. errors
"$sluiced" -q -r "$tmp/s.pcap" -o /dev/null "${common[@]}" --set outputs.tap.names="[a/b]" 2>"$tmp/e1"
check "a bad name is refused, named (exit $?)" "grep -q 'outputs.tap.names: \"a/b\"' $tmp/e1"
"$sluiced" -q -r "$tmp/s.pcap" -o /dev/null "${common[@]}" --set outputs.tap.names="[x$n, x$n]" 2>"$tmp/e2"
check "a name given twice is refused" "grep -q 'outputs.tap.names=.*\"x$n\" is listed twice' $tmp/e2"
"$sluiced" -q -r "$tmp/s.pcap" -o /dev/null "${common[@]}" --set outputs.tap.names="[w$n]" \
  --set outputs.tap.wait-consumers=true --set outputs.tap.wait-timeout=300ms 2>"$tmp/e3"
rc=$?
check "wait-consumers: exit 1 (got $rc), says it timed out naming the tap" \
  "[ $rc = 1 ] && grep -q 'outputs.tap.wait-consumers: timed out after 0.3 s with no consumer on \"w$n\"' $tmp/e3"
"$sluiced" -q -r "$tmp/s.pcap" -o /dev/null "${common[@]}" --set outputs.tap.names="[i$n]" \
  --set outputs.tap.wait-consumers=true --set outputs.tap.wait-timeout=60s 2>"$tmp/e5" &
spid=$!
for _ in $(seq 100); do [ -e "$SLUICE_SHM_DIR/sluice.i$n" ] && break; sleep 0.05; done
kill -INT $spid
wait $spid
rc=$?
check "wait-consumers: SIGINT ends the wait (exit $rc), said, the ring unlinked" \
  "[ $rc = 1 ] && grep -q 'outputs.tap.wait-consumers: Interrupt while waiting for a consumer on \"i$n\"' $tmp/e5 && [ ! -e $SLUICE_SHM_DIR/sluice.i$n ]"
head -c 8192 /dev/urandom >"$SLUICE_SHM_DIR/sluice.s$n"
"$sluiced" -q -r "$tmp/s.pcap" -o /dev/null --stats-json "$tmp/l5.json" "${common[@]}" --set outputs.tap.names="[s$n]" 2>"$tmp/e4"
check "a stale file of the name is replaced (exit $?)" "[ \"\$(jget $tmp/l5.json 'd[\"balanced\"]')\" = True ] && [ ! -e $SLUICE_SHM_DIR/sluice.s$n ]"
check "no ring is left behind" "[ -z \"\$(ls $SLUICE_SHM_DIR)\" ]"

echo "tap test: $pass passed, $fail failed"
[ "$fail" = 0 ]
