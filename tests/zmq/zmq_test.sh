#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The ZMQ publisher against real python3-zmq subscribers on 127.0.0.1:
#  1. one SUB per topic, sluiced waiting for them: each gets exactly the ledger's count of its
#     event type, sequence 1..N with no gap, every message [topic][EVE JSON][8-byte seq];
#  2. wait-subscribers with nobody coming: sluiced refuses to start, saying it timed out;
#  3. a subscriber that stops reading: drops counted as "full", the ledger balances.
#   zmq_test.sh SLUICED SLUICE_SYNTH
set -uo pipefail
sluiced=$1 synth=$2
here=$(dirname "$0")
py=/usr/bin/python3
tmp=$(mktemp -d /tmp/sluice-zmq-XXXXXX)
subpid=
trap '[ -n "$subpid" ] && kill $subpid 2>/dev/null; rm -rf "$tmp"' EXIT
. "$here/../integration/check.sh"
port() { $py -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

"$synth" -o "$tmp/s.pcap" -n 20000 -f 300 -s 3 >/dev/null || { echo "sluice-synth failed"; exit 1; }

# 1. per topic
ep=tcp://127.0.0.1:$(port)
$py "$here/zmq_sub.py" --endpoint "$ep" --topics flow,http,tls,dns --prefix eve. --out "$tmp/sub.json" --idle 3 &
subpid=$!
"$sluiced" -q -r "$tmp/s.pcap" -o /dev/null --stats-json "$tmp/l.json" --set outputs.zmq.enabled=true \
  --set outputs.zmq.endpoints="$ep" --set outputs.zmq.topic-prefix=eve. --set outputs.zmq.wait-subscribers=4 \
  --set outputs.zmq.wait-timeout=20s --set outputs.zmq.policy=block 2>"$tmp/err"
check "publish: exit 0" "[ $? = 0 ]"
# the subscriber ends after 3 s of silence
wait $subpid; subpid=
for t in flow http tls dns; do
  want=$(jget "$tmp/l.json" "d['events']['$t']")
  got=$(jget "$tmp/sub.json" "d['topics']['$t']['count']")
  check "publish: $t: the subscriber got the ledger's $want (got $got)" "[ '$got' = '$want' ] && [ $want -gt 0 ]"
  check "publish: $t: sequence 1..$want, no gap, no bad message" \
    "[ \"\$(jget $tmp/sub.json \"[d['topics']['$t'][k] for k in ('first','last','gaps','bad')]\")\" = '[1, $want, 0, 0]' ]"
done
check "publish: the zmq sink delivered every record" \
  "[ \"\$(jget $tmp/l.json \"[s['delivered'] for s in d['sinks'] if s['name']=='zmq'][0]\")\" = \"\$(jget $tmp/l.json 'sum(d[\"events\"].values())')\" ]"
check "publish: ledger balanced" "[ \"\$(jget $tmp/l.json 'd[\"balanced\"]')\" = True ]"

# 2. nobody subscribes
ep=tcp://127.0.0.1:$(port)
"$sluiced" -q -r "$tmp/s.pcap" -o /dev/null --set outputs.zmq.enabled=true --set outputs.zmq.endpoints="$ep" \
  --set outputs.zmq.wait-subscribers=1 --set outputs.zmq.wait-timeout=300ms 2>"$tmp/err2"
rc=$?
check "wait: exit 1 (got $rc)" "[ $rc = 1 ]"
check "wait: says it timed out" "grep -q 'wait-subscribers: timed out after 0.3 s with 0 of 1' $tmp/err2"
"$sluiced" -q -r "$tmp/s.pcap" -o /dev/null --set outputs.zmq.enabled=true --set outputs.zmq.endpoints=udp://x:1 2>"$tmp/err3"
check "a bad endpoint is refused, named" "[ $? = 1 ] && grep -q 'outputs.zmq.endpoints: \"udp://x:1\"' $tmp/err3"

# 3. a subscriber that stops reading
"$synth" -o "$tmp/big.pcap" -n 200000 -f 3000 -s 4 >/dev/null
ep=tcp://127.0.0.1:$(port)
$py "$here/zmq_sub.py" --endpoint "$ep" --topics dns --out "$tmp/stall.json" --stall --rcvhwm 10 --until-gone $$ &
subpid=$!
"$sluiced" -q -r "$tmp/big.pcap" -o /dev/null --stats-json "$tmp/l3.json" --set outputs.zmq.enabled=true \
  --set outputs.zmq.endpoints="$ep" --set outputs.zmq.sndhwm=10 --set outputs.zmq.wait-subscribers=1 \
  --set outputs.zmq.linger=0s 2>"$tmp/err4"
check "stalled: exit 0" "[ $? = 0 ]"
full=$(jget "$tmp/l3.json" "[s['drops']['full'] for s in d['sinks'] if s['name']=='zmq'][0]")
dropped=$(jget "$tmp/l3.json" "[s['dropped'] for s in d['sinks'] if s['name']=='zmq'][0]")
check "stalled: drops counted as full ($full)" "[ $full -gt 0 ] && [ $full = $dropped ]"
check "stalled: ledger balanced" "[ \"\$(jget $tmp/l3.json 'd[\"balanced\"]')\" = True ]"
kill $subpid 2>/dev/null; wait $subpid 2>/dev/null; subpid=

echo "zmq test: $pass passed, $fail failed"
[ $fail = 0 ]
