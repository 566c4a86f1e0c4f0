#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The file sink on a full device: nothing lost, no torn line.
#
#  1. A small tmpfs of our own, nearly full: sluiced holds the records while writes fail
#     (the ring fills, the router waits); once space is freed it writes them all. Every line
#     of the file is whole JSON and their count is what the ledger says was delivered.
#  2. The same full tmpfs, never freed, then two SIGTERMs (the forced stop): what could not be
#     written is dropped and counted, the file ends with whole lines only (a line cut in the
#     middle by the full disk is cut off the file), and the ledger balances.
#  3. /dev/full (not a regular file): the same forced stop, every record dropped and counted.
# Needs root (mount); exits 77 otherwise.
#
#   file_full_test.sh SLUICED SLUICE_SYNTH
set -uo pipefail
sluiced=$1 synth=$2
skip() { echo "SKIP file full test: $1"; exit 77; }
[ "$(id -u)" = 0 ] || skip "not root (mounting a small tmpfs)"
tmp=$(mktemp -d /tmp/sluice-full-XXXXXX)
mnt=$tmp/mnt
pid=
cleanup() { [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null; umount "$mnt" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
mkdir -p "$mnt"
mount -t tmpfs -o size=16m tmpfs "$mnt" 2>"$tmp/err" || skip "mount tmpfs: $(cat "$tmp/err")"
pass=0 fail=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }
jget() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$1" "$2"; }
# every line is a JSON object and the file ends with a newline
whole_lines() { python3 - "$1" <<'PY'
import json, sys
data = open(sys.argv[1], 'rb').read()
if data and not data.endswith(b'\n'):
    sys.exit("the file ends inside a line")
for i, line in enumerate(data.splitlines()):
    json.loads(line)
PY
}
wait_log() { for _ in $(seq 1 1000); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.02; done; return 1; }

"$synth" -o "$tmp/s.pcap" -n 20000 -f 300 -s 5 >/dev/null || { echo "sluice-synth failed"; exit 1; }

# 1. full, then freed
fill() { rm -f "$mnt"/*; dd if=/dev/zero of="$mnt/filler" bs=4k count=4080 2>/dev/null; } # 64 KiB left
fill
"$sluiced" -q -r "$tmp/s.pcap" -o "$mnt/out.json" --stats-json "$tmp/1.ledger" \
  --set outputs.file.buffer-size=64KiB 2>"$tmp/1.err" &
pid=$!
check "1: the disk fills (logged once)" "wait_log $tmp/1.err 'No space left on device; holding'"
rm -f "$mnt/filler"
wait "$pid"; rc=$?; pid=
check "1: exit 0 once space is back (got $rc)" "[ $rc = 0 ]"
cp "$mnt/out.json" "$tmp/1.json"
events=$(jget "$tmp/1.ledger" 'sum(d["events"].values())')
check "1: every line whole" "whole_lines $tmp/1.json"
check "1: every record written ($events)" "[ \$(wc -l <$tmp/1.json) = $events ]"
check "1: delivered = lines, nothing dropped" "[ \"\$(jget $tmp/1.ledger 'd[\"sinks\"][0][\"delivered\"]')\" = $events ] && [ \"\$(jget $tmp/1.ledger 'd[\"sinks\"][0][\"dropped\"]')\" = 0 ]"
check "1: the recovery is logged" "grep -q 'works again' $tmp/1.err"

# 2. full for good, forced stop
fill
"$sluiced" -q -r "$tmp/s.pcap" -o "$mnt/out.json" --stats-json "$tmp/2.ledger" \
  --set outputs.file.buffer-size=64KiB 2>"$tmp/2.err" &
pid=$!
wait_log "$tmp/2.err" 'No space left on device'
kill -TERM "$pid"; sleep 0.2; kill -TERM "$pid"
wait "$pid"; rc=$?; pid=
check "2: exit 0 after the forced stop (got $rc)" "[ $rc = 0 ]"
check "2: the file holds whole lines only" "whole_lines $mnt/out.json"
lines=$(wc -l <"$mnt/out.json")
check "2: delivered = the lines in the file ($lines)" "[ \"\$(jget $tmp/2.ledger 'd[\"sinks\"][0][\"delivered\"]')\" = $lines ]"
check "2: some records dropped, counted" "[ \"\$(jget $tmp/2.ledger 'd[\"sinks\"][0][\"dropped\"]')\" -gt 0 ]"
check "2: the ledger balances" "[ \"\$(jget $tmp/2.ledger 'd[\"balanced\"]')\" = True ]"

# 3. /dev/full
"$sluiced" -q -r "$tmp/s.pcap" -o /dev/full --stats-json "$tmp/3.ledger" 2>"$tmp/3.err" &
pid=$!
wait_log "$tmp/3.err" 'No space left on device'
kill -TERM "$pid"; sleep 0.2; kill -TERM "$pid"
wait "$pid"; rc=$?; pid=
check "3: /dev/full: exit 0 after the forced stop (got $rc)" "[ $rc = 0 ]"
check "3: nothing delivered, all received dropped" "[ \"\$(jget $tmp/3.ledger 'd[\"sinks\"][0][\"delivered\"]')\" = 0 ] && [ \"\$(jget $tmp/3.ledger 'd[\"sinks\"][0][\"dropped\"]')\" = \"\$(jget $tmp/3.ledger 'd[\"sinks\"][0][\"received\"]')\" ]"
check "3: the ledger balances" "[ \"\$(jget $tmp/3.ledger 'd[\"balanced\"]')\" = True ]"

echo "file full test: $pass passed, $fail failed"
[ $fail = 0 ]
