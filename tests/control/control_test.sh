#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The control socket and sluicectl against a running sluiced (shm input fed slowly by
# sluice-pcap2shm, so it runs until told to stop), with python3-zmq clients beside it:
#  1. every command: version, stats, rings, flows, loglevel, reload, pause/resume, shutdown,
#     each checked against a second source (the ledger, the log, /proc);
#  2. garbage, oversized, unknown, multi-frame requests: {"ok":false,"error":...}, and sluiced
#     goes on answering; a REQ client works as well as a DEALER;
#  3. a client that sends and never reads: its replies are dropped and counted, others are
#     answered meanwhile; 1,000 requests in a row on one connection all answered;
#  4. sluicectl against a stopped sluiced (exit 3, a message), and `rings` from the shared
#     headers of the named ring, matching the final ledger; the same with a hung (SIGSTOPped)
#     sluiced;
#  5. CURVE: the right server key is answered, a wrong or missing one is not; with an allow-list
#     only the listed client keys are; a key file others may read is refused (control and
#     outputs.zmq); the ZMQ publisher over CURVE.
#   control_test.sh SLUICED SLUICECTL SLUICE_SYNTH SLUICE_PCAP2SHM
set -uo pipefail
sluiced=$1 ctl=$2 synth=$3 p2s=$4
here=$(dirname "$0")
py=/usr/bin/python3
cli="$py $here/control_client.py"
tmp=$(mktemp -d /tmp/sluice-ctl-XXXXXX)
export SLUICE_SHM_DIR=$tmp
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -CONT "$p" 2>/dev/null; kill -KILL "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT
. "$here/../integration/check.sh"
. "$here/../services/proc.sh"
$py -c 'import zmq' 2>/dev/null || { echo "SKIP: python3-zmq is not installed (scripts/setup)"; exit 77; }

"$synth" -o "$tmp/s.pcap" -n 40000 -f 60 -s 5 >/dev/null || { echo "sluice-synth failed"; exit 1; }

# start_engine NAME EXTRA-ARGS...: a slow producer on ring NAME and sluiced reading it; sets
# $feed and $eng (pids) and $ep (ipc endpoint unless EXTRA-ARGS set control.endpoint)
start_engine() {
  local name=$1; shift
  "$p2s" -q -r 400 "$name" "$tmp/s.pcap" &
  feed=$!; pids+=("$feed")
  for _ in $(seq 50); do [ -e "$tmp/sluice.$name" ] && break; sleep 0.1; done
  ep=ipc://$tmp/$name.ctl
  "$sluiced" -q --shm-input "$name" -w 2 -o /dev/null --stats-json "$tmp/$name.json" \
    --set control.enabled=true --set control.endpoint="$ep" "$@" 2>"$tmp/$name.err" &
  eng=$!; pids+=("$eng")
}
# wait_up EP [sluicectl options]: until sluicectl version answers (10 s at most)
wait_up() {
  local e=$1; shift
  for _ in $(seq 100); do "$ctl" -e "$e" -t 500 "$@" version >/dev/null 2>&1 && return 0; sleep 0.1; done
  return 1
}
jv() { jget "$1" "$2"; }  # jv FILE EXPR
# wait_exit PID: its exit status, or 124 after 60 s (then it is killed): no wait can hang
wait_exit() {
  local i
  for i in $(seq 600); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$1" 2>/dev/null; then kill -KILL "$1"; wait "$1" 2>/dev/null; return 124; fi
  wait "$1"
}

# ---- 1. every command ---------------------------------------------------------------------
cat >"$tmp/a.yaml" <<EOF
log:
  level: info
EOF
ring1=ctl$$a
start_engine $ring1 -c "$tmp/a.yaml"
check "sluiced answers on $ep" "wait_up $ep"
check "the ipc socket file is mode 0600" "[ \"\$(stat -c %a $tmp/$ring1.ctl)\" = 600 ]"

"$ctl" -e "$ep" --json version >"$tmp/v.json"
check "version: exit 0, its pid, its version" \
  "[ \"\$(jv $tmp/v.json 'd[\"pid\"]')\" = $eng ] && \"$sluiced\" --version | grep -qF \"\$(jv $tmp/v.json 'd[\"version\"]')\""
"$ctl" -e "$ep" version >"$tmp/v.txt"
check "version: a table for people" "grep -Eq '^pid +$eng\$' $tmp/v.txt"

# packets flow: wait until stats shows some
for _ in $(seq 100); do
  "$ctl" -e "$ep" --json stats >"$tmp/st.json"
  [ "$(jv "$tmp/st.json" 'd["stats"]["capture"]["packets"]')" -gt 200 ] && break
  sleep 0.1
done
check "stats: the live ledger (packets counted, rings and sinks rows, not paused)" \
  "[ \$(jv $tmp/st.json 'd[\"stats\"][\"capture\"][\"packets\"]') -gt 200 ] && [ \"\$(jv $tmp/st.json 'len(d[\"stats\"][\"rings\"]), len(d[\"stats\"][\"sinks\"]), d[\"paused\"]')\" = '(6, 1, False)' ]"
"$ctl" -e "$ep" stats >"$tmp/st.txt"
check "stats: a table for people" "grep -Eq '^stats.capture.packets +[0-9]+\$' $tmp/st.txt"

"$ctl" -e "$ep" --json rings >"$tmp/r.json"
check "rings: the ledger's six rings (the main thread's stats ring too), each with its capacity and occupancy" \
  "[ \"\$(jv $tmp/r.json '[(r[\"name\"], r[\"capacity\"] > 0, 0 <= r[\"occupancy\"] <= 1) for r in d[\"rings\"]]')\" = \"[('capture0->worker0', True, True), ('capture0->worker1', True, True), ('worker0->router', True, True), ('worker1->router', True, True), ('stats->router', True, True), ('router->file', True, True)]\" ]"

"$ctl" -e "$ep" --json flows 5 >"$tmp/f.json"
check "flows 5: both workers answered, 1..5 flows, most bytes first, bytes = both directions" \
  "[ \"\$(jv $tmp/f.json 'd[\"answered\"], d[\"workers\"], 1 <= len(d[\"flows\"]) <= 5, [f[\"bytes\"] for f in d[\"flows\"]] == sorted([f[\"bytes\"] for f in d[\"flows\"]], reverse=True), all(f[\"bytes\"] == f[\"bytes_toserver\"] + f[\"bytes_toclient\"] and f[\"bytes\"] > 0 for f in d[\"flows\"])')\" = '(2, 2, True, True, True)' ]"
"$ctl" -e "$ep" flows 3 >"$tmp/f.txt"
check "flows: a table for people" "grep -q '^flow_id' $tmp/f.txt && [ \$(grep -Ec '^[0-9]+ ' $tmp/f.txt) -ge 1 ]"

"$ctl" -e "$ep" --json loglevel debug >"$tmp/l.json"
check "loglevel debug: set, said in the log" \
  "[ \"\$(jv $tmp/l.json 'd[\"level\"]')\" = debug ] && grep -q 'control: log level debug' $tmp/$ring1.err"
check "loglevel: asked again, debug" "[ \"\$($ctl -e $ep --json loglevel | $py -c 'import json,sys; print(json.load(sys.stdin)[\"level\"])')\" = debug ]"
"$ctl" -e "$ep" loglevel loud 2>"$tmp/ll.err"
check "loglevel loud: usage error (exit 2) before asking" "[ \$? = 2 ] && grep -q 'error, warning, notice, info or debug' $tmp/ll.err"

# reload: a live key changed in the file gives configuration version 2
printf 'log:\n  level: notice\n' >"$tmp/a.yaml"
"$ctl" -e "$ep" --json reload >"$tmp/rl.json"
check "reload: queued" "[ \"\$(jv $tmp/rl.json 'd[\"reload\"]')\" = queued ]"
for _ in $(seq 50); do
  [ "$("$ctl" -e "$ep" --json version | $py -c 'import json,sys; print(json.load(sys.stdin)["config_version"])')" = 2 ] && break
  sleep 0.1
done
check "reload: the changed live key is configuration version 2, logged" \
  "[ \"\$($ctl -e $ep --json version | $py -c 'import json,sys; print(json.load(sys.stdin)[\"config_version\"])')\" = 2 ] && grep -q 'log.level: debug -> notice\|log.level: info -> notice' $tmp/$ring1.err"
check "reload: the log level is the file's again" "[ \"\$($ctl -e $ep --json loglevel | $py -c 'import json,sys; print(json.load(sys.stdin)[\"level\"])')\" = notice ]"

# pause: the packet count holds (the producer waits, nothing is lost); resume: it moves on
"$ctl" -e "$ep" --json pause >"$tmp/p.json"
check "pause: paused" "[ \"\$(jv $tmp/p.json 'd[\"paused\"], d[\"was_paused\"]')\" = '(True, False)' ]"
# the producer writes 400 packets a second: a count that holds for a second is the pause (the
# packet already past the hold when it came may still be counted, so look until it settles)
"$ctl" -e "$ep" --json stats >"$tmp/p1.json"
for _ in $(seq 20); do
  sleep 1
  "$ctl" -e "$ep" --json stats >"$tmp/p2.json"
  a=$(jv "$tmp/p1.json" 'd["stats"]["capture"]["packets"]'); b=$(jv "$tmp/p2.json" 'd["stats"]["capture"]["packets"]')
  [ "$a" = "$b" ] && break
  cp "$tmp/p2.json" "$tmp/p1.json"
done
check "pause: stats says paused; no packet read in a second of pause ($a, $b)" \
  "[ \"\$(jv $tmp/p2.json 'd[\"paused\"], d[\"stats\"][\"paused\"]')\" = '(True, True)' ] && [ $a = $b ]"
"$ctl" -e "$ep" --json resume >/dev/null
for _ in $(seq 100); do
  c=$("$ctl" -e "$ep" --json stats | $py -c 'import json,sys; print(json.load(sys.stdin)["stats"]["capture"]["packets"])')
  [ "$c" -gt "$b" ] && break
  sleep 0.1
done
check "resume: packets move again ($b -> $c)" "[ $c -gt $b ]"

# ---- 2. bad requests ---------------------------------------------------------------------
refuse() { # NAME EXPECTED-ERROR-SUBSTRING FRAME...
  local name=$1 want=$2; shift 2
  $cli req "$ep" "$@" >"$tmp/bad.json"
  check "refused: $name" \
    "[ \"\$(jv $tmp/bad.json 'd[\"reply\"][\"ok\"]')\" = False ] && jv $tmp/bad.json 'd[\"reply\"][\"error\"]' | grep -qF '$want'"
}
refuse "garbage" "a JSON object was expected" 'garbage'
refuse "binary" "a JSON object was expected" $'\x01\x02\xff'
refuse "empty" "a JSON object was expected" ''
refuse "no cmd" 'no "cmd"' '{}'
refuse "unknown command" 'unknown command "reboot"' '{"cmd":"reboot"}'
refuse "unknown member" "unknown member" '{"cmd":"stats","all":true}'
refuse "oversized (5000 bytes)" "control.max-request is 4096" '@5000'
refuse "two frames" "one frame per request" '{"cmd":"stats"}' '{"cmd":"stats"}'
refuse "four frames" "one frame per request" a b c d
$cli reqsock "$ep" '{"cmd":"version"}' >"$tmp/req.json"
check "a REQ socket is answered too" "[ \"\$(jv $tmp/req.json 'd[\"reply\"][\"pid\"]')\" = $eng ]"
"$ctl" -e "$ep" --json version >"$tmp/v2.json"
check "after the bad requests, still answering; each counted as refused" \
  "[ \$(jv $tmp/v2.json 'd[\"control\"][\"refused\"]') -ge 9 ]"

# ---- 3. a silent client; 1,000 requests in a row ----------------------------------------
$cli silent "$ep" 3000 "$tmp/silent.flag" &
silent=$!; pids+=("$silent")
for _ in $(seq 100); do [ -e "$tmp/silent.flag" ] && break; sleep 0.1; done
for _ in $(seq 300); do
  "$ctl" -e "$ep" --json version >"$tmp/v3.json" 2>/dev/null || break
  [ "$(jv "$tmp/v3.json" 'd["control"]["replies_dropped"]')" -gt 0 ] && break
  sleep 0.1
done
check "a client that never reads: the others are answered, its replies dropped and counted" \
  "[ \$(jv $tmp/v3.json 'd[\"control\"][\"replies_dropped\"]') -gt 0 ]"
$cli burst "$ep" 1000 >"$tmp/burst.json"
check "1,000 requests in a row, beside the silent client: 1,000 answers ok" \
  "[ \"\$(jv $tmp/burst.json 'd[\"sent\"], d[\"ok\"]')\" = '(1000, 1000)' ]"
rm -f "$tmp/silent.flag"; wait "$silent"
"$ctl" -e "$ep" --json stats >"$tmp/st2.json"
check "the pipeline went on meanwhile (packets still counted)" \
  "[ \$(jv $tmp/st2.json 'd[\"stats\"][\"capture\"][\"packets\"]') -gt $c ]"

# ---- 4. shutdown; sluicectl against a stopped sluiced -------------------------------------
"$ctl" -e "$ep" shutdown >"$tmp/sd.txt"
check "shutdown: exit 0, draining" "[ \$? = 0 ] && grep -q draining $tmp/sd.txt"
wait_exit "$eng"; rc=$?
check "shutdown: sluiced drained and exited 0, ledger balanced" \
  "[ $rc = 0 ] && [ \"\$(jv $tmp/$ring1.json 'd[\"balanced\"]')\" = True ] && grep -q 'control: shutdown: stopping' $tmp/$ring1.err"
kill "$feed" 2>/dev/null; wait "$feed" 2>/dev/null
"$ctl" -e "$ep" version >"$tmp/o.out" 2>"$tmp/o.err"; rc=$?
check "stopped: version exits 3 with a message (rc $rc)" "[ $rc = 3 ] && grep -q 'no sluiced at $ep' $tmp/o.err"
"$ctl" -e tcp://127.0.0.1:$(svc_free_port) -t 300 stats >/dev/null 2>"$tmp/o2.err"; rc=$?
check "nobody on a tcp endpoint: exit 3 (rc $rc)" "[ $rc = 3 ] && grep -q 'no reply from sluiced at tcp' $tmp/o2.err"
"$ctl" -e "$ep" --json rings >"$tmp/or.json"; rc=$?
check "stopped: rings from the shared header, exit 0; what the ring gave out = the ledger's packets" \
  "[ $rc = 0 ] && [ \"\$(jv $tmp/or.json '[(r[\"name\"], r[\"records_out\"], r[\"consumer_alive\"]) for r in d[\"rings\"]]')\" = \"[('$ring1', \$(jv $tmp/$ring1.json 'd[\"capture\"][\"packets\"]'), False)]\" ]"
"$ctl" -e "$ep" rings >"$tmp/or.txt"
check "stopped: rings as a table" "grep -q '^$ring1 ' $tmp/or.txt && grep -q 'no sluiced at' $tmp/or.txt"

# hung: SIGSTOP, so the socket accepts and nobody answers
ring2=ctl$$b
start_engine $ring2
ep2=$ep
check "second sluiced up" "wait_up $ep2"
kill -STOP "$eng"
"$ctl" -e "$ep2" -t 400 version >/dev/null 2>"$tmp/h.err"; rc=$?
check "hung: version exits 3, no reply within the timeout (rc $rc)" "[ $rc = 3 ] && grep -q 'no reply from sluiced' $tmp/h.err"
"$ctl" -e "$ep2" -t 400 --json rings >"$tmp/hr.json"; rc=$?
check "hung: rings from the shared header, the consumer alive" \
  "[ $rc = 0 ] && [ \"\$(jv $tmp/hr.json '[(r[\"name\"], r[\"consumer_alive\"], r[\"consumer_pid\"]) for r in d[\"rings\"] if r[\"name\"] == \"$ring2\"]')\" = \"[('$ring2', True, $eng)]\" ]"
kill -CONT "$eng"
"$ctl" -e "$ep2" shutdown >/dev/null
wait_exit "$eng"; rc=$?
check "hung, then resumed: shutdown exits 0" "[ $rc = 0 ]"
kill "$feed" 2>/dev/null; wait "$feed" 2>/dev/null

# ---- 5. CURVE -----------------------------------------------------------------------------
"$ctl" keygen "$tmp/srv" >/dev/null && "$ctl" keygen "$tmp/other" >/dev/null
check "keygen: a secret key mode 0600 and a public key" \
  "[ \"\$(stat -c %a $tmp/srv.key)\" = 600 ] && [ \$(grep -v '^#' $tmp/srv.pub | tr -d '\n' | wc -c) = 40 ]"
port=$(svc_free_port)
tep=tcp://127.0.0.1:$port
ring3=ctl$$c
start_engine $ring3 --set control.endpoint="$tep" --set control.curve.secret-key-file="$tmp/srv.key"
check "CURVE: the right server key is answered" "wait_up $tep --server-key $tmp/srv.pub"
"$ctl" -e "$tep" --server-key "$tmp/srv.pub" --json version >"$tmp/cv.json"
check "CURVE: version says curve, its pid" "[ \"\$(jv $tmp/cv.json 'd[\"curve\"], d[\"pid\"]')\" = \"(True, $eng)\" ]"
"$ctl" -e "$tep" -t 500 --server-key "$tmp/other.pub" version >/dev/null 2>&1; rc=$?
check "CURVE: a wrong server key gets no answer (rc $rc)" "[ $rc = 3 ]"
"$ctl" -e "$tep" -t 500 version >/dev/null 2>&1; rc=$?
check "CURVE: no key gets no answer (rc $rc)" "[ $rc = 3 ]"
$cli req "$tep" '{"cmd":"version"}' >"$tmp/nc.json" 2>/dev/null &
ncpid=$!; sleep 0 # plain ZMQ: no reply either (the client times out after 5 s)
"$ctl" -e "$tep" --server-key "$tmp/srv.pub" shutdown >/dev/null
wait_exit "$eng"; rc=$?
check "CURVE: shutdown with the key, exit 0" "[ $rc = 0 ]"
wait $ncpid
check "CURVE: a plain ZMQ client got nothing" "[ \"\$(jv $tmp/nc.json 'd[\"reply\"]')\" = None ]"
kill "$feed" 2>/dev/null; wait "$feed" 2>/dev/null

# an allow-list of client keys: the listed client is answered, another client is not
"$ctl" keygen "$tmp/cli" >/dev/null
printf '# operators\n\n%s\n' "$(grep -v '^#' "$tmp/cli.pub")" >"$tmp/authorized"
ring4=ctl$$d
port=$(svc_free_port)
tep=tcp://127.0.0.1:$port
start_engine $ring4 --set control.endpoint="$tep" --set control.curve.secret-key-file="$tmp/srv.key" \
  --set control.curve.authorized-keys="$tmp/authorized"
check "allow-list: the listed client key is answered" "wait_up $tep --server-key $tmp/srv.pub --client-key $tmp/cli.key"
"$ctl" -e "$tep" -t 500 --server-key "$tmp/srv.pub" version >/dev/null 2>&1; rc=$?
check "allow-list: a client key not listed gets no answer (rc $rc)" "[ $rc = 3 ]"
"$ctl" -e "$tep" -t 500 --server-key "$tmp/srv.pub" --client-key "$tmp/other.key" version >/dev/null 2>&1; rc=$?
check "allow-list: another key pair gets no answer (rc $rc)" "[ $rc = 3 ]"
"$ctl" -e "$tep" --server-key "$tmp/srv.pub" --client-key "$tmp/cli.key" --json version >"$tmp/al.json"
check "allow-list: the refusals are counted" "[ \$(jv $tmp/al.json 'd[\"control\"][\"keys_refused\"]') -ge 2 ]"
"$ctl" -e "$tep" --server-key "$tmp/srv.pub" --client-key "$tmp/cli.key" shutdown >/dev/null
wait_exit "$eng"; rc=$?
check "allow-list: shutdown by the listed client, exit 0" "[ $rc = 0 ]"
kill "$feed" 2>/dev/null; wait "$feed" 2>/dev/null
printf 'not a key\n' >"$tmp/badauth"
"$sluiced" -q -r "$tmp/s.pcap" -o /dev/null --set control.enabled=true --set control.endpoint="$tep" \
  --set control.curve.secret-key-file="$tmp/srv.key" --set control.curve.authorized-keys="$tmp/badauth" 2>"$tmp/ba.err"; rc=$?
check "allow-list: a line that is not a key is refused, file and line named (rc $rc)" \
  "[ $rc = 1 ] && grep -q 'control.curve.authorized-keys: $tmp/badauth:1: not a Z85 public key' $tmp/ba.err"

chmod 644 "$tmp/srv.key"
"$sluiced" -q -r "$tmp/s.pcap" -o /dev/null --set control.enabled=true --set control.endpoint="$tep" \
  --set control.curve.secret-key-file="$tmp/srv.key" 2>"$tmp/wr.err"; rc=$?
check "a world-readable control key is refused (rc $rc)" \
  "[ $rc = 1 ] && grep -q 'control.curve.secret-key-file: $tmp/srv.key: a secret key readable by others (mode 0644)' $tmp/wr.err"
"$sluiced" -q -r "$tmp/s.pcap" -o /dev/null --set outputs.zmq.enabled=true --set outputs.zmq.endpoints="$tep" \
  --set outputs.zmq.curve.secret-key-file="$tmp/srv.key" 2>"$tmp/wr2.err"; rc=$?
check "a world-readable publisher key is refused (rc $rc)" \
  "[ $rc = 1 ] && grep -q 'outputs.zmq.curve.secret-key-file: .*readable by others' $tmp/wr2.err"
chmod 600 "$tmp/srv.key"
"$sluiced" -q -r "$tmp/s.pcap" -o /dev/null --set control.enabled=true \
  --set control.endpoint=tcp://192.0.2.1:$port 2>"$tmp/nl.err"; rc=$?
check "tcp off loopback without CURVE is refused before binding (rc $rc)" \
  "[ $rc = 1 ] && grep -q 'not a loopback address: set control.curve.secret-key-file' $tmp/nl.err"

# the publisher over CURVE: a subscriber with the key gets every record, one without none
"$synth" -o "$tmp/small.pcap" -n 3000 -f 40 -s 6 >/dev/null
pport=$(svc_free_port)
$cli sub tcp://127.0.0.1:$pport "$tmp/srv.pub" 20 >"$tmp/sub.json" &
sub=$!; pids+=("$sub")
$cli sub tcp://127.0.0.1:$pport - 6 >"$tmp/sub0.json" &
sub0=$!; pids+=("$sub0")
"$sluiced" -q -r "$tmp/small.pcap" -o /dev/null --stats-json "$tmp/pub.json" --set outputs.zmq.enabled=true \
  --set outputs.zmq.endpoints=tcp://127.0.0.1:$pport --set outputs.zmq.curve.secret-key-file="$tmp/srv.key" \
  --set outputs.zmq.wait-subscribers=1 --set outputs.zmq.wait-timeout=20s --set outputs.zmq.policy=block 2>"$tmp/pub.err"
check "publisher over CURVE: exit 0" "[ $? = 0 ]"
wait $sub; wait $sub0
check "publisher over CURVE: the keyed subscriber got every record the sink delivered" \
  "[ \"\$(jv $tmp/sub.json 'd[\"count\"]')\" = \"\$(jv $tmp/pub.json '[s[\"delivered\"] for s in d[\"sinks\"] if s[\"name\"] == \"zmq\"][0]')\" ] && [ \$(jv $tmp/sub.json 'd[\"count\"]') -gt 0 ]"
check "publisher over CURVE: a subscriber without the key got nothing" "[ \"\$(jv $tmp/sub0.json 'd[\"count\"]')\" = 0 ]"

if [ "$fail" != 0 ]; then # what the engines said, for whoever reads the failure
  for f in "$tmp"/*.err; do echo "--- $f"; tail -n 15 "$f"; done
fi
echo "control: $pass passed, $fail failed"
[ "$fail" = 0 ]
