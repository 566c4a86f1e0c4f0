#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The ClickHouse sink against a real clickhouse-server (Debian's 18.16) of the test's own,
# with the tables of conf/clickhouse.sql. Each case prints
#   produced / delivered / spooled / replayed / dropped / duplicates
# and checks that SELECT count() of every table equals the events the ledgers counted for its
# type, that the ledger balances, and that no row is there twice (duplicates = rows whose EVE
# line the table holds more often than sluiced wrote it to the file sink).
#
#   count N      a synthetic run of N packets (>= 1 million records for N = 2600000)
#   outage S     the server stopped S seconds mid-run and started again
#   lostreply    a proxy of ours drops the reply of every 3rd committed INSERT (at most 5)
#   kill         the server down: a run spools everything; a second run replaying it is
#                SIGKILLed mid-replay (its cursor synced only every 10 s); a third finishes
#   diskfull     the spool on a 12 MiB tmpfs while the server is down (policy block): the
#                pipeline waits, then the server comes back and everything arrives
#   badrow       a table whose column refuses some rows: those go to the dead-letter file
#                with the server's message, the rest arrive
#   failover [N] two servers (url, failover-url); the first SIGKILLed mid-run, back after 10 s: the sink
#                goes on with the second; what the first may have had waits for it; the two
#                servers' tables together hold every row once
#
#   clickhouse_test.sh MODE [ARG] SLUICED   (MODE: count N, outage S, lostreply, kill, diskfull, badrow)
set -uo pipefail
mode=$1
arg=
[ $# -ge 3 ] && { arg=$2; shift; }
sluiced=$2
here=$(cd "$(dirname "$0")" && pwd)
. "$here/check.sh"
. "$here/../services/clickhouse.sh"
command -v clickhouse-server >/dev/null || { echo "SKIP: no clickhouse-server (scripts/setup installs it)"; exit 77; }
tmp=$(mktemp -d /tmp/sluice-ch-XXXXXX)
proxy_pid= run_pid=
cleanup() {
  [ -n "$run_pid" ] && { kill -KILL "$run_pid" 2>/dev/null; wait "$run_pid" 2>/dev/null; }
  [ -n "$proxy_pid" ] && svc_stop "$proxy_pid" 5
  ch_stop
  [ -n "${B_PID:-}" ] && svc_stop "$B_PID" 20
  [ -n "${SLUICE_TEST_KEEP:-}" ] && echo "kept $tmp" || rm -rf "$tmp"
}
trap cleanup EXIT

ch_start "$tmp/ch" || exit 1
grep -v '^--' "$here/../../conf/clickhouse.sql" | while read -r q; do
  ch_query "$q" >/dev/null || echo "schema statement failed: $q"
done
tables="flow http tls dns alert"
url=$CH_URL
spool=$tmp/spool
runs=0
: >"$tmp/all.json"

# sl LEDGER ARGS...: one sluiced run with the ClickHouse sink; its EVE lines are kept too.
# With BG=1 it runs in the background and run_pid is sluiced's own pid (for kill -KILL).
sl() {
  local ledger=$1
  shift
  runs=$((runs + 1))
  local a=(-q -w 1 -o "$tmp/eve.$runs.json" --stats-json "$ledger"
    --set outputs.clickhouse.enabled=true --set outputs.clickhouse.url="$url"
    --set outputs.clickhouse.spool-dir="$spool" --set outputs.clickhouse.dead-letter="$tmp/dead.json"
    --set outputs.clickhouse.backoff-max=1s "$@")
  if [ -n "${BG:-}" ]; then
    "$sluiced" "${a[@]}" 2>"$tmp/err$runs" &
    run_pid=$!
  else
    "$sluiced" "${a[@]}"
  fi
}
# after each run: its EVE lines join the expected rows
keep() { cat "$tmp/eve.$runs.json" >>"$tmp/all.json"; }
sink() { jget "$1" "[s for s in d['sinks'] if s['name']=='clickhouse'][0]$2"; }
# count() of a table over every server of the test (CH_URL, and B_URL in the failover case)
ch_count() {
  local u n=0
  for u in $CH_URL ${B_URL:-}; do n=$((n + $(curl -sS --data-binary "SELECT count() FROM sluice.$1" "$u"))); done
  echo $n
}
ch_total() {
  local t n=0
  for t in $tables; do n=$((n + $(ch_count $t))); done
  echo $n
}
# the final checks: per table count() = EVE lines of that type; no duplicates
verify() {
  local t want got dup_ch=0 dup_in
  for t in $tables; do
    want=$(grep -c "\"event_type\":\"$t\"" "$tmp/all.json")
    got=$(ch_count $t)
    check "$what: count() of $t = $want (got $got)" "[ '$got' = '$want' ]"
    if [ -n "${B_URL:-}" ]; then # rows on either server: compared across both
      for u in $CH_URL $B_URL; do curl -sS --data-binary "SELECT eve FROM sluice.$t FORMAT TSV" "$u"; done >"$tmp/both"
      dup_ch=$((dup_ch + $(wc -l <"$tmp/both") - $(sort -u "$tmp/both" | wc -l)))
    else
      dup_ch=$((dup_ch + $(ch_query "SELECT count() - uniqExact(eve) FROM sluice.$t")))
    fi
  done
  dup_in=$(($(wc -l <"$tmp/all.json") - $(sort -u "$tmp/all.json" | wc -l)))
  dups=$((dup_ch - dup_in))
  check "$what: duplicates 0 (got $dups)" "[ $dups = 0 ]"
}
# produced / delivered / spooled / replayed / dropped / duplicates, summed over the ledgers
report() {
  local p=0 dl=0 sp=0 rp=0 dr=0 l
  for l in "$@"; do
    p=$((p + $(sink "$l" "['received']"))); dl=$((dl + $(sink "$l" "['delivered']")))
    sp=$((sp + $(sink "$l" "['spooled']"))); rp=$((rp + $(sink "$l" "['replayed']")))
    dr=$((dr + $(sink "$l" "['dropped']")))
  done
  echo "$what: produced $p delivered $dl spooled $sp replayed $rp dropped $dr duplicates ${dups:-?}"
  SPOOLED=$sp REPLAYED=$rp DROPPED=$dr
}
balanced() { check "$what: ledger balanced ($1)" "[ \"\$(jget $1 'd[\"balanced\"]')\" = True ]"; }
# an empty capture: a run that only replays the spool
python3 -c "import struct,sys; sys.stdout.buffer.write(struct.pack('<IHHiIII',0xa1b2c3d4,2,4,0,0,65535,1))" >"$tmp/empty.pcap"

case $mode in
count)
  what="count ${arg}"
  sl "$tmp/l1" --synth --set capture.synth.packets="$arg" 2>"$tmp/err1"
  check "$what: exit 0" "[ $? = 0 ]"
  keep
  balanced "$tmp/l1"
  verify
  report "$tmp/l1"
  n=$(jget "$tmp/l1" "sum(d['events'][t] for t in ['flow','http','tls','dns','alert'])")
  got=$(ch_total)
  check "$what: SELECT count() over the tables = delivered + replayed = $n (got $got)" \
    "[ $got = $n ] && [ \$((\$(sink $tmp/l1 \"['delivered']\") + \$(sink $tmp/l1 \"['replayed']\"))) = $n ]"
  ;;
outage)
  what="outage ${arg}s"
  BG=1 sl "$tmp/l1" --synth --set capture.synth.packets=2000000 --set outputs.clickhouse.drain-timeout=300s \
    --set outputs.clickhouse.batch-rows=5000
  for i in $(seq 1 300); do [ "$(ch_total)" -gt 0 ] && break; sleep 0.05; done
  # sluiced is paused while the server stops, so the stop lands mid-run however fast the run is
  kill -STOP "$run_pid"
  echo "$what: stopping the server with $(ch_total) rows in"
  ch_stop
  kill -CONT "$run_pid"
  sleep "$arg"
  ch_restart "$tmp/ch" || exit 1
  wait "$run_pid"
  rc=$?
  run_pid=
  check "$what: exit 0 (got $rc)" "[ $rc = 0 ]"
  keep
  balanced "$tmp/l1"
  verify
  report "$tmp/l1"
  check "$what: rows were spooled during the outage ($SPOOLED) and all replayed ($REPLAYED)" \
    "[ $SPOOLED -gt 0 ] && [ $SPOOLED = $REPLAYED ]"
  ;;
lostreply)
  what="lost reply"
  pport=$(svc_free_port)
  python3 "$here/../services/ch_lossy_proxy.py" "$pport" "$CH_HTTP_PORT" 3 5 "$tmp/dropped" >"$tmp/proxy.out" 2>&1 &
  proxy_pid=$!
  for i in $(seq 1 100); do grep -q listening "$tmp/proxy.out" && break; sleep 0.05; done
  url="http://127.0.0.1:$pport/"
  sl "$tmp/l1" --synth --set capture.synth.packets=400000 --set outputs.clickhouse.batch-rows=5000 \
    --set outputs.clickhouse.drain-timeout=60s 2>"$tmp/err1"
  check "$what: exit 0" "[ $? = 0 ]"
  keep
  dropped=$(cat "$tmp/dropped")
  found=$(grep -o '[0-9]* found committed' "$tmp/err1" | cut -d' ' -f1)
  check "$what: the proxy dropped replies of committed INSERTs ($dropped)" "[ $dropped -ge 1 ]"
  check "$what: each was found committed by count() and not sent again ($found of $dropped)" \
    "[ '$found' = '$dropped' ]"
  balanced "$tmp/l1"
  verify
  report "$tmp/l1"
  ;;
kill)
  what="SIGKILL"
  url="http://127.0.0.1:1/" # nobody: everything goes to the spool
  sl "$tmp/l1" --synth --set capture.synth.packets=300000 --set outputs.clickhouse.batch-rows=500 \
    --set outputs.clickhouse.drain-timeout=0s 2>"$tmp/err1"
  keep
  balanced "$tmp/l1"
  total=$(sink "$tmp/l1" "['spooled']")
  check "$what: the first run spooled everything ($total)" "[ $total -gt 0 ] && [ $total = \$(sink $tmp/l1 \"['received']\") ]"
  url=$CH_URL
  BG=1 sl "$tmp/l2" -r "$tmp/empty.pcap" --set outputs.clickhouse.spool-fsync=10s \
    --set outputs.clickhouse.drain-timeout=300s
  for i in $(seq 1 600); do [ "$(ch_total)" -gt $((total / 3)) ] && break; sleep 0.02; done
  kill -KILL "$run_pid"
  wait "$run_pid" 2>/dev/null
  run_pid=
  at=$(ch_total)
  echo "$what: killed with $at of $total rows in the tables"
  check "$what: killed mid-replay" "[ $at -gt 0 ] && [ $at -lt $total ]"
  sl "$tmp/l3" -r "$tmp/empty.pcap" --set outputs.clickhouse.drain-timeout=300s 2>"$tmp/err3"
  check "$what: the restarted run exits 0" "[ $? = 0 ]"
  keep
  found=$(grep -o '[0-9]* found committed' "$tmp/err3" | cut -d' ' -f1)
  rec=$(sink "$tmp/l3" "['spool']['recovered']")
  echo "$what: the restarted run recovered $rec rows; $found batches found already committed"
  check "$what: the restart found batches the killed run had sent (cursor behind)" "[ '$found' -gt 0 ]"
  check "$what: nothing left spooled" "[ \$(sink $tmp/l3 \"['spool']['pending']\") = 0 ]"
  balanced "$tmp/l3"
  verify
  report "$tmp/l1" "$tmp/l3"
  ;;
diskfull)
  what="disk full"
  mkdir -p "$tmp/tmpfs"
  # a mount namespace of our own holds the tmpfs; sluiced runs inside it
  if ! unshare -m --propagation private true 2>/dev/null; then echo "SKIP: no mount namespace"; exit 77; fi
  ch_stop
  unshare -m --propagation private bash -c "mount -t tmpfs -o size=12m none '$tmp/tmpfs' && exec \"\$@\"" _ \
    "$sluiced" -q -w 1 -o "$tmp/eve.1.json" --stats-json "$tmp/l1" --synth --set capture.synth.packets=300000 \
    --set outputs.clickhouse.enabled=true --set outputs.clickhouse.url="$url" \
    --set outputs.clickhouse.spool-dir="$tmp/tmpfs/spool" --set outputs.clickhouse.dead-letter="$tmp/dead.json" \
    --set outputs.clickhouse.backoff-max=1s --set outputs.clickhouse.spool-segment-bytes=8MiB \
    --set outputs.clickhouse.spool-max-bytes=1GiB --set outputs.clickhouse.drain-timeout=300s 2>"$tmp/err1" &
  run_pid=$!
  runs=1
  # the server comes back once the spool has filled its disk (however fast this build runs)
  for i in $(seq 1 900); do
    grep -q 'the spool takes no more' "$tmp/err1" 2>/dev/null && break
    kill -0 "$run_pid" 2>/dev/null || break
    sleep 0.1
  done
  sleep 1
  ch_restart "$tmp/ch" || exit 1
  wait "$run_pid"
  rc=$?
  run_pid=
  check "$what: exit 0 (got $rc)" "[ $rc = 0 ]"
  keep
  check "$what: the spool filled its disk and held the pipeline" \
    "grep -q 'the spool takes no more (at its bound or disk full, [0-9]* bytes, [1-9][0-9]* disk-full writes)' $tmp/err1"
  check "$what: rows went through the spool ($(sink $tmp/l1 "['spooled']"))" "[ \$(sink $tmp/l1 \"['spooled']\") -gt 0 ]"
  balanced "$tmp/l1"
  verify
  report "$tmp/l1"
  ;;
badrow)
  what="bad row"
  # eve as FixedString(492): the server refuses the longer lines (Code: 131), takes the rest
  ch_query "DROP TABLE sluice.http" >/dev/null
  ch_query "CREATE TABLE sluice.http (batch_id UInt64, ts DateTime, flow_id UInt64, eve FixedString(492)) ENGINE = MergeTree() ORDER BY ts" >/dev/null
  sl "$tmp/l1" --synth --set capture.synth.packets=100000 --set outputs.clickhouse.format=jsoneachrow \
    --set outputs.clickhouse.drain-timeout=60s 2>"$tmp/err1"
  check "$what: exit 0" "[ $? = 0 ]"
  keep
  long=$(grep '"event_type":"http"' "$tmp/all.json" | awk 'length($0) > 492' | wc -l)
  short=$(grep '"event_type":"http"' "$tmp/all.json" | awk 'length($0) <= 492' | wc -l)
  dead=$(wc -l <"$tmp/dead.json")
  check "$what: some lines are too long for the column ($long) and some fit ($short)" "[ $long -gt 0 ] && [ $short -gt 0 ]"
  check "$what: the dead-letter file has each refused row ($dead of $long)" "[ $dead = $long ]"
  check "$what: with the server's message" "grep -q 'Code: 131' $tmp/dead.json"
  check "$what: the dead letters parse as JSON" "python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' $tmp/dead.json"
  got=$(ch_count http)
  check "$what: the rest arrived ($got of $short)" "[ $got = $short ]"
  check "$what: the other tables are whole" "[ \$(ch_count dns) = \$(grep -c '\"event_type\":\"dns\"' $tmp/all.json) ]"
  balanced "$tmp/l1"
  report "$tmp/l1"
  check "$what: the ledger counts them dropped from the spool ($long)" "[ \$(sink $tmp/l1 \"['spool']['dropped']\") = $long ]"
  ;;
failover)
  what="failover"
  A_URL=$CH_URL A_PID=$CH_PID A_PORT=$CH_HTTP_PORT A_TCP=$CH_TCP_PORT
  ch_start "$tmp/chb" || exit 1
  B_URL=$CH_URL B_PID=$CH_PID
  grep -v '^--' "$here/../../conf/clickhouse.sql" | while read -r q; do ch_query "$q" >/dev/null; done
  CH_URL=$A_URL CH_PID=$A_PID CH_HTTP_PORT=$A_PORT CH_TCP_PORT=$A_TCP
  url=$A_URL
  BG=1 sl "$tmp/l1" --synth --set capture.synth.packets="${arg:-1500000}" --set outputs.clickhouse.batch-rows=5000 \
    --set outputs.clickhouse.failover-url="$B_URL" --set outputs.clickhouse.drain-timeout=300s
  for i in $(seq 1 300); do [ "$(ch_query 'SELECT count() FROM sluice.dns')" -gt 0 ] && break; sleep 0.05; done
  # SIGKILL: it is gone at once (a graceful stop can outlast a short run)
  echo "$what: killing the first server with $(ch_count dns) dns rows in"
  kill -KILL "$CH_PID"
  wait "$CH_PID" 2>/dev/null
  CH_PID=
  sleep 10
  ch_restart "$tmp/ch" || exit 1
  wait "$run_pid"
  rc=$?
  run_pid=
  check "$what: exit 0 (got $rc)" "[ $rc = 0 ]"
  keep
  onb=0
  for t in $tables; do onb=$((onb + $(curl -sS --data-binary "SELECT count() FROM sluice.$t" "$B_URL"))); done
  check "$what: the second server took rows while the first was down ($onb)" "[ $onb -gt 0 ]"
  check "$what: the sink said it failed over" "grep -q 'sending to $B_URL from now on' $tmp/err1"
  balanced "$tmp/l1"
  verify
  report "$tmp/l1"
  ;;
*) echo "usage: $0 count N|outage SECONDS|lostreply|kill|diskfull SLUICED" >&2; exit 2 ;;
esac
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
