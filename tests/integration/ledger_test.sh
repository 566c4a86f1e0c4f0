#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The ledger can fail, and the router does not let one slow sink stall the others.
#
#  1. SLUICE_TEST_LOSE=HOP makes the producer of that hop count one record it never handed over
#     (engine/fault.h). Each side of a hop keeps its own count, so sluiced must exit 3 and name
#     that hop; without the hook the same run exits 0. Also with the most rings a pipeline has
#     room for a row of (two captures x 64 workers): no hop goes unchecked.
#  2. A slow sink (outputs.null.rate) with the drop policy next to the file sink: the file sink
#     still writes every record, the slow sink's drops are counted, the ledger balances.
#  3. The same slow sink with the block policy: nothing is dropped anywhere; every record
#     reaches both sinks (the pipeline slows to the slow sink's rate instead).
#
#   ledger_test.sh SLUICED SLUICE_SYNTH
set -uo pipefail
sluiced=$1 synth=$2
tmp=$(mktemp -d /tmp/sluice-ledger-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/check.sh"

"$synth" -o "$tmp/s.pcap" -n 20000 -f 300 -s 3 >/dev/null || { echo "sluice-synth failed"; exit 1; }

# 1. a lost record at each hop
"$sluiced" -q -r "$tmp/s.pcap" -w 2 -o "$tmp/clean.json" 2>"$tmp/clean.err"
check "without the hook: exit 0" "[ $? = 0 ]"
declare -A hop=([capture]="capture[0-9]*->worker[0-9]*" [worker]="worker[0-9]*->router" [router]="router->file" [sink]="sink file: received")
for h in capture worker router sink; do
  SLUICE_TEST_LOSE=$h "$sluiced" -q -r "$tmp/s.pcap" -w 2 -o "$tmp/$h.json" --stats-json "$tmp/$h.ledger" 2>"$tmp/$h.err"
  rc=$?
  check "lose one at $h: exit 3 (got $rc)" "[ $rc = 3 ]"
  check "lose one at $h: the ledger names ${hop[$h]}" "grep -q 'DOES NOT BALANCE: .*${hop[$h]}' $tmp/$h.err"
  check "lose one at $h: --stats-json says unbalanced" "[ \"\$(jget $tmp/$h.ledger 'd[\"balanced\"]')\" = False ]"
done
# the largest pipelines have a row for every ring: two captures x 64 workers, the loss still found
# (small per-worker tables: 64 of them must fit a sanitizer build's memory)
small=(--set capture.ring-size=64KiB --set router.ring-size=64KiB --set flow.max-flows=1024 --set tcp.segment-pool=1MiB
  --set defrag.memory=64KiB --set defrag.max-trackers=16 --set app.http.max-sessions=16 --set app.tls.max-sessions=16)
SLUICE_TEST_LOSE=router "$sluiced" -q -r "$tmp/s.pcap" --synth --set capture.synth.packets=5000 -w 64 "${small[@]}" \
  -o "$tmp/wide.json" 2>"$tmp/wide.err"
rc=$?
check "lose one at router with 2 captures x 64 workers: exit 3 (got $rc)" "[ $rc = 3 ]"
check "lose one at router with 2 captures x 64 workers: the ledger names router->file" \
  "grep -q 'DOES NOT BALANCE: hop router->file' $tmp/wide.err"
SLUICE_TEST_LOSE=nowhere "$sluiced" -q -r "$tmp/s.pcap" -o /dev/null 2>"$tmp/bad.err"
check "an unknown hop is refused (exit 1)" "[ $? = 1 ] && grep -q 'not a hop' $tmp/bad.err"

# 2. a slow drop sink next to the file sink
"$sluiced" -q -r "$tmp/s.pcap" -w 2 -o "$tmp/drop.json" --stats-json "$tmp/drop.ledger" \
  --set outputs.null.enabled=true --set outputs.null.rate=2000 --set outputs.null.ring-size=64KiB 2>"$tmp/drop.err"
check "slow drop sink: exit 0" "[ $? = 0 ]"
events=$(jget "$tmp/drop.ledger" 'sum(d["events"].values())')
lines=$(wc -l <"$tmp/drop.json")
check "slow drop sink: the file got every record ($lines of $events)" "[ $lines = $events ]"
check "slow drop sink: the file sink dropped nothing" "[ \"\$(jget $tmp/drop.ledger '[s for s in d[\"sinks\"] if s[\"name\"]==\"file\"][0][\"dropped\"]')\" = 0 ]"
ndrop=$(jget "$tmp/drop.ledger" '[r for r in d["rings"] if r["name"]=="router->null"][0]["dropped"]')
ndel=$(jget "$tmp/drop.ledger" '[s for s in d["sinks"] if s["name"]=="null"][0]["delivered"]')
check "slow drop sink: the router dropped for it alone ($ndrop), counted" "[ $ndrop -gt 0 ] && [ \$((ndrop + ndel)) = $events ]"
check "slow drop sink: the ledger balances" "[ \"\$(jget $tmp/drop.ledger 'd[\"balanced\"]')\" = True ]"

# 3. the same slow sink, lossless
"$sluiced" -q -r "$tmp/s.pcap" -w 2 -o "$tmp/block.json" --stats-json "$tmp/block.ledger" \
  --set outputs.null.enabled=true --set outputs.null.rate=20000 --set outputs.null.policy=block \
  --set outputs.null.ring-size=64KiB 2>"$tmp/block.err"
check "slow block sink: exit 0" "[ $? = 0 ]"
events=$(jget "$tmp/block.ledger" 'sum(d["events"].values())')
check "slow block sink: nothing dropped on any ring" "[ \"\$(jget $tmp/block.ledger 'sum(r[\"dropped\"] for r in d[\"rings\"])')\" = 0 ]"
check "slow block sink: it delivered every record" "[ \"\$(jget $tmp/block.ledger '[s for s in d[\"sinks\"] if s[\"name\"]==\"null\"][0][\"delivered\"]')\" = $events ]"
check "slow block sink: so did the file" "[ \$(wc -l <$tmp/block.json) = $events ]"

echo "ledger test: $pass passed, $fail failed"
[ $fail = 0 ]
