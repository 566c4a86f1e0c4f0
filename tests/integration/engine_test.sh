#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# sluiced end to end on the synthetic capture: events and ledger, the same events whatever the
# worker count and whether packets come from a file or a shm ring, a clean drain on SIGTERM,
# several files in order, and clear errors for bad input.
#
#   engine_test.sh SLUICED SLUICE_SYNTH SLUICE_PCAP2SHM CORPUS_DIR
set -uo pipefail
sluiced=$1 synth=$2 pcap2shm=$3 corpus=$4
tmp=$(mktemp -d /tmp/sluice-engine-XXXXXX)
trap 'rm -rf "$tmp"; [ -n "${bgpid:-}" ] && kill "$bgpid" 2>/dev/null' EXIT
. "$(dirname "$0")/check.sh"

# events without what legitimately differs between runs (flow_id carries the worker index)
# A signal's default action kills a process that has not blocked it yet: wait until sluiced
# has blocked SIGHUP (bit 0 of SigBlk; it blocks HUP, INT and TERM together).
wait_blocked() {
  for _ in $(seq 100); do
    local blk
    blk=$(awk '/^SigBlk/ {print $2}' "/proc/$1/status" 2>/dev/null)
    [ -n "$blk" ] && [ $((0x$blk & 1)) = 1 ] && return 0
    sleep 0.1
  done
}
normalize() { python3 -c '
import json, sys
out = []
for line in open(sys.argv[1]):
    e = json.loads(line)
    # the counters of the engine itself differ run to run; HTTP summaries are per worker, and
    # which worker gets a flow is keyed per process
    if e["event_type"] in ("stats", "http_summary"):
        continue
    e.pop("flow_id", None)
    out.append(json.dumps(e, sort_keys=True))
print("\n".join(sorted(out)))' "$1"; }

"$synth" -o "$tmp/s.pcap" -n 30000 -f 400 -s 7 >/dev/null || { echo "sluice-synth failed"; exit 1; }

# 1. a file, two workers: events, ledger
"$sluiced" -q -r "$tmp/s.pcap" -w 2 -o "$tmp/w2.json" --stats-json "$tmp/w2.ledger" 2>"$tmp/w2.err"
check "sluiced -r exits 0" "[ $? = 0 ]"
check "the ledger balances" "[ \"\$(jget $tmp/w2.ledger 'd[\"balanced\"]')\" = True ]"
check "every packet read (30000)" "[ \"\$(jget $tmp/w2.ledger 'd[\"capture\"][\"packets\"]')\" = 30000 ]"
check "every packet decoded" "[ \"\$(jget $tmp/w2.ledger 'd[\"decode\"][\"ok\"]')\" = 30000 ]"
lines=$(wc -l <"$tmp/w2.json")
check "ledger events = lines written ($lines)" "[ \"\$(jget $tmp/w2.ledger 'sum(d[\"events\"].values())')\" = $lines ]"
check "sink delivered every record" "[ \"\$(jget $tmp/w2.ledger 'd[\"sinks\"][0][\"delivered\"]')\" = $lines ]"
check "no ring holds records at exit" "[ \"\$(jget $tmp/w2.ledger 'sum(r[\"in_flight\"] for r in d[\"rings\"])')\" = 0 ]"
for t in flow http tls dns; do
  n=$(grep -c "\"event_type\":\"$t\"" "$tmp/w2.json")
  check "$t events written ($n)" "[ $n -gt 0 ]"
done
check "every flow created wrote one flow record" "[ \"\$(jget $tmp/w2.ledger 'd[\"flows\"][\"created\"]')\" = \"\$(jget $tmp/w2.ledger 'd[\"events\"][\"flow\"]')\" ]"
check "the ledger is printed on stderr" "grep -q 'ledger    balanced' $tmp/w2.err"

# 2. one worker gives the same events (the shard hash keeps both directions together)
"$sluiced" -q -r "$tmp/s.pcap" -w 1 -o "$tmp/w1.json" 2>/dev/null
normalize "$tmp/w1.json" >"$tmp/w1.norm"
normalize "$tmp/w2.json" >"$tmp/w2.norm"
check "1 worker and 2 workers give the same events" "cmp -s $tmp/w1.norm $tmp/w2.norm"

# 3. stdout by default
"$sluiced" -q -r "$tmp/s.pcap" >"$tmp/stdout.json" 2>/dev/null
normalize "$tmp/stdout.json" >"$tmp/stdout.norm"
check "with no -o, records go to stdout" "cmp -s $tmp/stdout.norm $tmp/w2.norm"

# 4. several files, in order (the second from the corpus, when it is there)
if [ -f "$corpus/pcap/sv-dns-udp-eve-dig.pcap" ]; then
"$sluiced" -q -r "$tmp/s.pcap" -r "$corpus/pcap/sv-dns-udp-eve-dig.pcap" -o "$tmp/two.json" --stats-json "$tmp/two.ledger" 2>/dev/null
check "two files: packets add up (30002)" "[ \"\$(jget $tmp/two.ledger 'd[\"capture\"][\"packets\"]')\" = 30002 ]"
check "two files: the second file's DNS is there" "grep -q 'www.suricata-ids.org' $tmp/two.json"
else
echo "skip two files in order: no pcap corpus at '$corpus' (SLUICE_CORPUS_DIR)"
fi

# 5. shm input: a producer process replays the file into a named ring
ring="engine-test-$$"
"$pcap2shm" --help >/dev/null 2>&1
"$pcap2shm" -q "$ring" "$tmp/s.pcap" >"$tmp/p2s.out" 2>&1 &
bgpid=$!
for _ in $(seq 50); do [ -e "/dev/shm/sluice.$ring" ] && break; sleep 0.1; done
"$sluiced" -q --shm-input "$ring" -o "$tmp/shm.json" --stats-json "$tmp/shm.ledger" 2>"$tmp/shm.err"
rc=$?
wait "$bgpid"; bgpid=
rm -f "/dev/shm/sluice.$ring"
check "--shm-input exits 0" "[ $rc = 0 ]"
normalize "$tmp/shm.json" >"$tmp/shm.norm"
check "--shm-input gives the same events as -r" "cmp -s $tmp/shm.norm $tmp/w2.norm"

# 6. SIGTERM drains: endless synthetic input, stopped after a second
"$sluiced" -q --synth --set capture.synth.packets=0 -o "$tmp/term.json" --stats-json "$tmp/term.ledger" 2>"$tmp/term.err" &
bgpid=$!
wait_blocked "$bgpid"
sleep 1
kill -TERM "$bgpid"
wait "$bgpid"; rc=$?; bgpid=
check "SIGTERM: exit 0" "[ $rc = 0 ]"
check "SIGTERM: the ledger balances" "[ \"\$(jget $tmp/term.ledger 'd[\"balanced\"]')\" = True ]"
check "SIGTERM: nothing left in flight" "[ \"\$(jget $tmp/term.ledger 'sum(r[\"in_flight\"] for r in d[\"rings\"])')\" = 0 ]"
lines=$(wc -l <"$tmp/term.json")
check "SIGTERM: every record reached the file ($lines)" "[ \"\$(jget $tmp/term.ledger 'd[\"sinks\"][0][\"delivered\"]')\" = $lines ]"
check "SIGTERM: flows open at the stop were written (reason shutdown)" "grep -q '\"reason\":\"shutdown\"' $tmp/term.json"

# 7. SIGHUP: a bad file changes nothing and says why; a good one is compared key by key.
# Signals of one kind coalesce, so each HUP waits for its answer in the log before the next.
waitlog() { for _ in $(seq 100); do grep -q "$1" "$2" && return 0; sleep 0.1; done; return 1; }
printf 'log:\n  level: info\n' >"$tmp/hup.yaml"
"$sluiced" -q -c "$tmp/hup.yaml" --synth --set capture.synth.packets=0 -o /dev/null 2>"$tmp/hup.err" &
bgpid=$!
wait_blocked "$bgpid"
printf 'log:\n  levle: debug\n' >"$tmp/hup.yaml"
kill -HUP "$bgpid"
waitlog 'log.levle' "$tmp/hup.err"
printf 'log:\n  level: debug\nworkers:\n  count: 3\n' >"$tmp/hup.yaml"
kill -HUP "$bgpid"
waitlog 'workers.count' "$tmp/hup.err"
kill -TERM "$bgpid"; wait "$bgpid"; rc=$?; bgpid=
check "SIGHUP: still running, then a clean stop" "[ $rc = 0 ]"
check "SIGHUP: a bad file is refused with its line and key" "grep -q 'hup.yaml:2: log.levle: unknown key' $tmp/hup.err"
check "SIGHUP: log.level changes at once" "grep -q 'log.level: info -> debug' $tmp/hup.err"
check "SIGHUP: other changes are reported for the next start" "grep -q 'workers.count: 2 -> 3 takes effect at the next start' $tmp/hup.err"

# 8. bad input says what is wrong
"$sluiced" -q -r "$tmp/missing.pcap" -o /dev/null 2>"$tmp/e1"
rc=$?
check "a missing pcap: nonzero exit, the file named" "[ $rc != 0 ] && grep -q missing.pcap $tmp/e1"
printf 'workers:\n  count: 2\n  cuont: 3\n' >"$tmp/bad.yaml"
"$sluiced" -c "$tmp/bad.yaml" -r "$tmp/s.pcap" 2>"$tmp/e2" >/dev/null
rc=$?
check "a config typo: exit 2, file, line and key named" "[ $rc = 2 ] && grep -q 'bad.yaml:3' $tmp/e2 && grep -q 'workers.cuont' $tmp/e2"
"$sluiced" --set flow.max-flows=abc -r "$tmp/s.pcap" 2>"$tmp/e3" >/dev/null
check "a bad --set value: exit 2, key named" "[ \$? = 2 ] && grep -q 'flow.max-flows' $tmp/e3"
"$sluiced" -D -r "$tmp/s.pcap" 2>"$tmp/e5" >/dev/null
check "-D with records on stdout: refused, -o suggested" "[ \$? = 2 ] && grep -q 'give -o PATH' $tmp/e5"
"$sluiced" -q 2>"$tmp/e4" >/dev/null
check "no input: nonzero exit with a hint" "[ \$? != 0 ] && grep -q -- '-r FILE' $tmp/e4"

echo "$pass passed, $fail failed"
[ $fail = 0 ]
