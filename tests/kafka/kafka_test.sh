#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The Kafka sink against librdkafka's mock cluster (sluice-kafka-mock, 127.0.0.1 only), every
# record read back with kcat and compared with the ledger. Each mode starts what it needs and
# leaves nothing running; each prints produced / delivered / spooled / replayed / dropped /
# duplicates, where `produced` is what the sink took (received) and duplicates is what kcat read
# minus the distinct records it read (every record of a run is a distinct line).
#   kafka_test.sh count PACKETS SLUICED MOCK   a synthetic run; every topic holds exactly the
#                                              ledger's count, distinct, nothing spooled (and at
#                                              least $MIN_RECORDS records when it is set)
#   kafka_test.sh corpus DIR SLUICED MOCK      every pcap of the corpus in one run, the file sink
#                                              beside: the topics hold the file's lines, byte
#                                              for byte, and the ledger's counts
#   kafka_test.sh outage SLUICED MOCK          every broker down for OUTAGE seconds (default 8,
#                                              beyond message-timeout 2s) mid-run: what failed
#                                              went to the spool and was replayed; nothing lost
#   kafka_test.sh leader SLUICED MOCK          3 brokers; broker 1 (leader of a third of the
#                                              partitions) stopped mid-run for 6 s: nothing lost
#   kafka_test.sh kill SLUICED MOCK            a run with the brokers down spools everything; a
#                                              second run replaying it is SIGKILLed, a third on
#                                              the same spool finishes: nothing lost, it resumed
#                                              at the synced cursor, duplicates counted
#   kafka_test.sh diskfull SLUICED MOCK        the spool on a 6 MiB tmpfs (own mount namespace)
#                                              while the brokers are down: ENOSPC holds the sink
#                                              (backpressure), nothing is dropped; brokers up,
#                                              everything arrives
set -uo pipefail
mode=$1
shift
if [ "$mode" = count ]; then packets=$1; shift; fi
if [ "$mode" = corpus ]; then corpus=$1; shift; fi
sluiced=$1 mock=$2
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../integration/check.sh"
. "$here/../services/kafka_mock.sh"
tmp=$(mktemp -d /tmp/sluice-kafka-XXXXXX)
spid=
cleanup() {
  [ -n "$spid" ] && { kill -KILL "$spid" 2>/dev/null; wait "$spid" 2>/dev/null; }
  km_stop
  mountpoint -q "$tmp/spool" 2>/dev/null && umount "$tmp/spool"
  [ -n "${KEEP:-}" ] && echo "kept $tmp" || rm -rf "$tmp"
}
trap cleanup EXIT
types="flow http tls dns"
# the ledger's events of the types the sink takes (the engine's own stats and http_summary
# records are events too, and go to the sinks that ask for them)
ledger_events() { jget "$tmp/l.json" "sum(d['events'].get(t, 0) for t in '$types'.split())"; }
parts=${PARTS:-16} # the mock keeps about 5 MiB per partition: more for more data
topics() { for t in $types; do echo "--topic sl.$t:$parts"; done; }

# sluiced with the Kafka sink alone, the mock's brokers, the spool in $tmp/spool
# (run_bg: in the background, $! being sluiced itself, so a signal reaches it)
run() {
  local a=(-q -o "${OUT:-/dev/null}" --set outputs.file.enabled=false --set outputs.kafka.enabled=true
    --set outputs.kafka.brokers="$KM_BOOTSTRAP" --set outputs.kafka.topic-prefix=sl.
    --set outputs.kafka.spool-dir="$tmp/spool" --set 'outputs.kafka.types=[flow, http, tls, dns]'
    --set 'outputs.kafka.properties=["compression.codec=lz4"]' "$@")
  if [ -n "${BG:-}" ]; then exec "$sluiced" "${a[@]}"; else "$sluiced" "${a[@]}"; fi
}
run_bg() { BG=1 run "$@" & }
sink() { jget "$1" "[s for s in d['sinks'] if s['name']=='kafka'][0]$2"; }

# reads every topic back: $tmp/all (every record), sets got and distinct
readback() {
  : >"$tmp/all"
  for t in $types; do
    kcat -C -b "$KM_BOOTSTRAP" -t "sl.$t" -e -q -f '%s\n' >"$tmp/got.$t" 2>/dev/null
    cat "$tmp/got.$t" >>"$tmp/all"
  done
  got=$(wc -l <"$tmp/all")
  distinct=$(sort -u "$tmp/all" | wc -l)
}

summary() { # LEDGER...: the sums over the runs' ledgers
  local produced=0 delivered=0 spooled=0 replayed=0 dropped=0 l
  for l in "$@"; do
    produced=$((produced + $(sink "$l" "['received']")))
    delivered=$((delivered + $(sink "$l" "['delivered']")))
    spooled=$((spooled + $(sink "$l" "['spooled']")))
    replayed=$((replayed + $(sink "$l" "['replayed']")))
    dropped=$((dropped + $(sink "$l" "['dropped']")))
  done
  echo "$mode: produced $produced delivered $delivered spooled $spooled replayed $replayed dropped $dropped" \
    "read back $got distinct $distinct duplicates $((got - distinct))"
  P=$produced D=$delivered S=$spooled R=$replayed X=$dropped
}

case $mode in
count)
  km_start "$mock" "$tmp" $(topics) || exit 1
  run --synth --set capture.synth.packets="$packets" --set capture.synth.mix=dns=3,http=1,tls=1 \
    --stats-json "$tmp/l.json" 2>"$tmp/err"
  check "exit 0" "[ $? = 0 ]" || tail -5 "$tmp/err"
  readback
  summary "$tmp/l.json"
  for t in $types; do
    want=$(jget "$tmp/l.json" "d['events']['$t']")
    n=$(wc -l <"$tmp/got.$t")
    check "sl.$t holds the ledger's $want records (read $n)" "[ $n = $want ]"
  done
  [ -n "${MIN_RECORDS:-}" ] && check "at least $MIN_RECORDS records ($P)" "[ $P -ge $MIN_RECORDS ]"
  check "produced = the ledger's events of the sink's types ($P)" "[ $P = $(ledger_events) ] && [ $P -gt 0 ]"
  check "every record delivered on its report, none spooled or dropped" "[ $D = $P ] && [ $S = 0 ] && [ $X = 0 ]"
  check "read back = delivered, all distinct" "[ $got = $D ] && [ $distinct = $got ]"
  check "ledger balanced" "[ \"\$(jget $tmp/l.json 'd[\"balanced\"]')\" = True ]"
  # configuration the sink refuses, naming what is wrong
  run --synth --set capture.synth.packets=10 --set 'outputs.kafka.properties=["no.such.property=1"]' 2>"$tmp/e1"
  check "an unknown librdkafka property is refused, named" "[ $? = 1 ] && grep -q 'outputs.kafka: librdkafka property no.such.property=1' $tmp/e1"
  run --synth --set capture.synth.packets=10 --set 'outputs.kafka.properties=["acks"]' 2>"$tmp/e2"
  check "a property without =value is refused" "[ $? = 1 ] && grep -q 'outputs.kafka.properties: \"acks\": want name=value' $tmp/e2"
  # another process holds the spool: refused at start
  mkdir -p "$tmp/spool"
  exec 9>"$tmp/spool/lock"
  flock -n 9
  run --synth --set capture.synth.packets=10 2>"$tmp/e3"
  check "a spool directory another process holds is refused" "[ $? = 1 ] && grep -q 'spool .* in use by another process' $tmp/e3"
  exec 9>&-
  ;;
corpus)
  km_start "$mock" "$tmp" $(topics) || exit 1
  set --
  for f in "$corpus"/pcap/*.pcap*; do set -- "$@" -r "$f"; done
  # the file sink too (run turns it off first; a later --set wins)
  OUT=$tmp/eve.json run "$@" --set outputs.file.enabled=true \
    --set 'outputs.file.types=[flow, http, tls, dns]' --stats-json "$tmp/l.json" 2>"$tmp/err"
  check "exit 0" "[ $? = 0 ]" || tail -5 "$tmp/err"
  readback
  # the corpus repeats some records (the same packets twice): duplicates are what Kafka holds
  # beyond the file sink's lines
  distinct=$(wc -l <"$tmp/eve.json")
  summary "$tmp/l.json"
  check "the corpus gave records ($P)" "[ $P -gt 0 ] && [ $P = $(ledger_events) ]"
  check "every record delivered, none spooled or dropped" "[ $D = $P ] && [ $S = 0 ] && [ $X = 0 ]"
  sort "$tmp/all" >"$tmp/all.sorted"
  sort "$tmp/eve.json" >"$tmp/eve.sorted"
  check "the topics hold the file sink's $(wc -l <"$tmp/eve.json") lines, byte for byte" "cmp -s $tmp/all.sorted $tmp/eve.sorted"
  for t in $types; do
    want=$(jget "$tmp/l.json" "d['events']['$t']")
    check "sl.$t: the ledger's $want" "[ $(wc -l <"$tmp/got.$t") = $want ]"
  done
  check "ledger balanced" "[ \"\$(jget $tmp/l.json 'd[\"balanced\"]')\" = True ]"
  ;;
outage)
  km_start "$mock" "$tmp" $(topics) || exit 1
  run_bg --synth --set capture.synth.packets=400000 --set capture.synth.mix=dns=3,http=1,tls=1 \
    --set outputs.kafka.message-timeout=2s --set outputs.kafka.queue-records=20000 \
    --set outputs.kafka.drain-timeout=120s --set outputs.kafka.spool-fsync=100ms \
    --stats-json "$tmp/l.json" 2>"$tmp/err"
  spid=$!
  # down once records flow (the first ones are on the broker), up after the outage
  for i in $(seq 1 100); do [ -n "$(kcat -C -b "$KM_BOOTSTRAP" -t sl.dns -c 1 -e -q 2>/dev/null)" ] && break; sleep 0.1; done
  km_down
  sleep "${OUTAGE:-8}"
  km_up
  wait $spid
  rc=$?
  spid=
  check "exit 0" "[ $rc = 0 ]" || tail -5 "$tmp/err"
  readback
  summary "$tmp/l.json"
  check "records failed in the outage went to the spool ($S)" "[ $S -gt 0 ]"
  check "every spooled record replayed, none pending, none dropped" \
    "[ $R = $S ] && [ $(sink "$tmp/l.json" "['spool']['pending']") = 0 ] && [ $X = 0 ]"
  check "nothing lost: the distinct records read back are all the sink took ($distinct of $P)" "[ $distinct = $P ]"
  check "read back = delivered + replayed + duplicates" "[ $got = $((D + R + got - distinct)) ] && [ $got -ge $((D + R)) ]"
  check "duplicates bounded by queue-records ($((got - distinct)))" "[ $((got - distinct)) -le 20000 ]"
  check "ledger balanced" "[ \"\$(jget $tmp/l.json 'd[\"balanced\"]')\" = True ]"
  ;;
leader)
  km_start "$mock" "$tmp" --brokers 3 $(topics) || exit 1
  run_bg --synth --set capture.synth.packets=300000 --set capture.synth.mix=dns=3,http=1,tls=1 \
    --set outputs.kafka.message-timeout=2s --set outputs.kafka.queue-records=20000 \
    --set outputs.kafka.drain-timeout=120s --stats-json "$tmp/l.json" 2>"$tmp/err"
  spid=$!
  for i in $(seq 1 100); do [ -n "$(kcat -C -b "$KM_BOOTSTRAP" -t sl.dns -c 1 -e -q 2>/dev/null)" ] && break; sleep 0.1; done
  km_one_down
  sleep 6
  km_one_up
  wait $spid
  rc=$?
  spid=
  check "exit 0" "[ $rc = 0 ]" || tail -5 "$tmp/err"
  readback
  summary "$tmp/l.json"
  # whether broker 1's records outlive message-timeout (and go to the spool) or librdkafka's own
  # retries reach it once it is back depends on the scheduling of a shared machine: either way
  # what was spooled is replayed whole and nothing is dropped
  check "what went to the spool ($S) was replayed ($R), nothing dropped" "[ $R = $S ] && [ $X = 0 ]"
  check "nothing lost: the distinct records read back are all the sink took ($distinct of $P)" "[ $distinct = $P ]"
  check "ledger balanced" "[ \"\$(jget $tmp/l.json 'd[\"balanced\"]')\" = True ]"
  ;;
kill)
  km_start "$mock" "$tmp" $(topics) || exit 1
  km_down
  # 1. nothing can be delivered: it all goes to the spool, and stays there at the end
  run --synth --set capture.synth.packets=300000 --set capture.synth.mix=dns=3,http=1,tls=1 \
    --set outputs.kafka.message-timeout=1s --set outputs.kafka.queue-records=5000 \
    --set outputs.kafka.drain-timeout=0s --stats-json "$tmp/l1.json" 2>"$tmp/err1"
  check "run 1: exit 0" "[ $? = 0 ]" || tail -5 "$tmp/err1"
  s1=$(sink "$tmp/l1.json" "['spooled']")
  check "run 1: everything spooled, all pending ($s1)" \
    "[ $s1 -gt 0 ] && [ $s1 = $(sink "$tmp/l1.json" "['received']") ] && [ $(sink "$tmp/l1.json" "['spool']['pending']") = $s1 ]"
  km_up
  # 2. replaying it, SIGKILLed once some of it is on the broker (no new records: types alert)
  run_bg --synth --set capture.synth.packets=1 --set 'outputs.kafka.types=[alert]' \
    --set outputs.kafka.spool-fsync=50ms 2>"$tmp/err2"
  spid=$!
  # SIGKILL once its cursor moved (a sync after records were acknowledged)
  # (run 1 may have left none: it never replayed)
  cp "$tmp/spool/cursor" "$tmp/cursor.1" 2>/dev/null || : >"$tmp/cursor.1"
  for i in $(seq 1 3000); do # (up to a minute: sanitizer builds start slowly)
    [ -s "$tmp/spool/cursor" ] && ! cmp -s "$tmp/spool/cursor" "$tmp/cursor.1" && break
    sleep 0.02
  done
  kill -KILL $spid
  wait $spid 2>/dev/null
  spid=
  [ -n "${KEEP:-}" ] && cp -a "$tmp/spool" "$tmp/spool.after2"
  # 3. the same spool: the rest
  run --synth --set capture.synth.packets=1 --set 'outputs.kafka.types=[alert]' \
    --stats-json "$tmp/l3.json" 2>"$tmp/err3"
  check "run 3: exit 0" "[ $? = 0 ]" || tail -5 "$tmp/err3"
  readback
  summary "$tmp/l1.json" "$tmp/l3.json"
  rec3=$(sink "$tmp/l3.json" "['spool']['recovered']")
  echo "kill: run 3 found $rec3 of $s1 waiting"
  check "run 3: what it found waiting it replayed, nothing pending or lost" \
    "[ $(sink "$tmp/l3.json" "['replayed']") = $rec3 ] && [ $(sink "$tmp/l3.json" "['spool']['pending']") = 0 ] && [ $(sink "$tmp/l3.json" "['spool']['lost']") = 0 ]"
  check "nothing lost: the distinct records read back are all run 1 took ($distinct of $s1)" "[ $distinct = $s1 ]"
  check "run 3 resumed at run 2's synced cursor, not at the start ($rec3 < $s1)" "[ $rec3 -lt $s1 ]"
  # what run 2 delivered past its last cursor sync comes again: at most the replay window
  # (16384 in flight) and what one sync interval (50 ms) acknowledged
  check "duplicates counted ($((got - distinct))) and fewer than run 1's records" "[ $((got - distinct)) -lt $s1 ]"
  ;;
diskfull)
  km_start "$mock" "$tmp" $(topics) || exit 1
  km_down
  mkdir -p "$tmp/spool"
  # the spool on a 6 MiB tmpfs seen by sluiced alone: ENOSPC long before spool-max-bytes
  unshare -m --propagation private sh -c 'mount -t tmpfs -o size=6m sluice-spool "$0" && exec "$@"' \
    "$tmp/spool" "$sluiced" -q -o /dev/null --set outputs.file.enabled=false --set outputs.kafka.enabled=true \
    --set outputs.kafka.brokers="$KM_BOOTSTRAP" --set outputs.kafka.topic-prefix=sl. \
    --set outputs.kafka.spool-dir="$tmp/spool" --set 'outputs.kafka.types=[flow, http, tls, dns]' \
    --set 'outputs.kafka.properties=["compression.codec=lz4"]' \
    --synth --set capture.synth.packets=150000 --set capture.synth.mix=dns=3,http=1,tls=1 \
    --set outputs.kafka.message-timeout=1s --set outputs.kafka.queue-records=5000 \
    --set outputs.kafka.spool-segment-bytes=2MiB --set outputs.kafka.drain-timeout=120s \
    --stats-json "$tmp/l.json" 2>"$tmp/err" &
  spid=$!
  # the spool fills its tmpfs (a segment closed at 2 MiB, then ENOSPC): wait for the log line
  for i in $(seq 1 300); do grep -q "spool.*disk full" "$tmp/err" && break; sleep 0.1; done
  check "the sink says its spool's disk is full" "grep -q 'spool.*disk full' $tmp/err"
  km_up
  wait $spid
  rc=$?
  spid=
  check "exit 0" "[ $rc = 0 ]" || tail -5 "$tmp/err"
  readback
  summary "$tmp/l.json"
  check "some records went through the spool ($S), none dropped" "[ $S -gt 0 ] && [ $X = 0 ] && [ $R = $S ]"
  check "nothing lost: the distinct records read back are all the sink took ($distinct of $P)" "[ $distinct = $P ]"
  check "ledger balanced" "[ \"\$(jget $tmp/l.json 'd[\"balanced\"]')\" = True ]"
  ;;
*) echo "usage: $0 count PACKETS|corpus DIR|outage|leader|kill|diskfull SLUICED MOCK" >&2; exit 2 ;;
esac
echo "kafka $mode: $pass passed, $fail failed"
[ "$fail" = 0 ]
