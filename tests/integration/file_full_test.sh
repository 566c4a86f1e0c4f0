#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The file sink when the device will not take what it writes: no torn line, and the ledger's
# counts are the lines in the file.
#
#  1. A hard error: the file size limit (ulimit -f, SIGXFSZ ignored) makes a write stop short
#     in the middle of a line and the next one fail with EFBIG. sluiced gives up what it held,
#     cuts the partial line off the file, and ends by itself: delivered = the file's lines (all
#     whole), dropped = received - delivered > 0, the ledger balances.
#  2. /dev/full (ENOSPC, which may pass, so the sink holds and retries) until two SIGTERMs
#     (the forced stop): nothing delivered, every record received is dropped, counted.
#  3. A small tmpfs of our own with little room left (root only): the disk fills in the middle
#     of a line, sluiced holds the records (ring full, router waits), and once space is freed
#     it writes them all: every record, each line whole, nothing dropped.
#  4. The same tmpfs never freed, then the forced stop: the partial line is cut off the file,
#     delivered = its lines, the rest dropped and counted, the ledger balances.
#
#   file_full_test.sh SLUICED SLUICE_SYNTH
set -uo pipefail
sluiced=$1 synth=$2
tmp=$(mktemp -d /tmp/sluice-full-XXXXXX)
mnt=$tmp/mnt
pid= mounted=
cleanup() {
	[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
	[ -n "$mounted" ] && umount "$mnt" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
. "$(dirname "$0")/check.sh"
skipped=0
sink() { jget "$1" "[s for s in d['sinks'] if s['name']=='file'][0]['$2']"; }
# every line is a JSON object and the file ends with a newline
whole_lines() { python3 - "$1" <<'PY'
import json, sys
data = open(sys.argv[1], 'rb').read()
if data and not data.endswith(b'\n'):
    sys.exit("%s ends inside a line" % sys.argv[1])
for line in data.splitlines():
    json.loads(line)
PY
}
lines() { wc -l <"$1" | tr -d ' '; }
# wait (generously) for a pattern in a log
wait_log() { for _ in $(seq 1 1500); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.02; done; return 1; }
forced_stop() { kill -TERM "$1"; sleep 0.2; kill -TERM "$1"; }

"$synth" -o "$tmp/s.pcap" -n 20000 -f 300 -s 5 >/dev/null || { echo "sluice-synth failed"; exit 1; }
# 64KiB buffers: many writes, so the limit falls inside one of them, not between two
opts=(-q -w 2 -r "$tmp/s.pcap" --set outputs.file.buffer-size=64KiB)

# 1. a hard error
(
	trap '' XFSZ
	# KiB: well short of the records' ~3 MB; the limit binds the rings' memory files too, so
	# they are made smaller than it
	ulimit -f 1200
	exec "$sluiced" "${opts[@]}" -o "$tmp/1.json" --stats-json "$tmp/1.ledger" --set capture.ring-size=1MiB \
		--set router.ring-size=1MiB --set outputs.file.ring-size=1MiB
) 2>"$tmp/1.err" &
pid=$!
# a sink that held on to a hard error would never end: wait generously, then force it
for _ in $(seq 1 1500); do kill -0 "$pid" 2>/dev/null || break; sleep 0.04; done
ended=1
kill -0 "$pid" 2>/dev/null && { ended=0; forced_stop "$pid"; }
wait "$pid"; rc=$?; pid=
check "1: EFBIG: sluiced ends by itself, exit 0 (ended $ended, rc $rc)" "[ $ended = 1 ] && [ $rc = 0 ]"
check "1: the hard error is logged once" "[ \$(grep -c 'File too large; dropping' $tmp/1.err) = 1 ]"
check "1: the file holds whole lines only" "whole_lines $tmp/1.json"
n=$(lines "$tmp/1.json")
check "1: delivered = the file's lines ($n)" "[ \"\$(sink $tmp/1.ledger delivered)\" = $n ] && [ $n -gt 0 ]"
check "1: bytes delivered = the file's size" "[ \"\$(sink $tmp/1.ledger bytes)\" = \$(stat -c %s $tmp/1.json) ]"
check "1: the rest is dropped, counted" "[ \$(( \$(sink $tmp/1.ledger received) - n )) = \"\$(sink $tmp/1.ledger dropped)\" ] && [ \"\$(sink $tmp/1.ledger dropped)\" -gt 0 ]"
check "1: the ledger balances" "[ \"\$(jget $tmp/1.ledger 'd[\"balanced\"]')\" = True ]"

# 2. /dev/full
"$sluiced" "${opts[@]}" -o /dev/full --stats-json "$tmp/2.ledger" 2>"$tmp/2.err" &
pid=$!
check "2: /dev/full: the sink holds and retries" "wait_log $tmp/2.err 'No space left on device; holding'"
forced_stop "$pid"
wait "$pid"; rc=$?; pid=
check "2: /dev/full: exit 0 after the forced stop (got $rc)" "[ $rc = 0 ]"
check "2: /dev/full: nothing delivered, every record received dropped" \
	"[ \"\$(sink $tmp/2.ledger delivered)\" = 0 ] && [ \"\$(sink $tmp/2.ledger dropped)\" = \"\$(sink $tmp/2.ledger received)\" ]"
check "2: /dev/full: the ledger balances" "[ \"\$(jget $tmp/2.ledger 'd[\"balanced\"]')\" = True ]"

# 3 and 4 need a small file system of our own
if [ "$(id -u)" != 0 ]; then
	echo "skip 3, 4: not root (mounting a small tmpfs)"; skipped=2
elif ! { mkdir -p "$mnt" && mount -t tmpfs -o size=8m tmpfs "$mnt" 2>"$tmp/mount.err"; }; then
	echo "skip 3, 4: mount tmpfs: $(cat "$tmp/mount.err")"; skipped=2
else
	mounted=1
	# leave 100KiB (not a whole number of lines) free
	fill() { rm -f "$mnt"/*; dd if=/dev/zero of="$mnt/filler" bs=4k count=$(((8192 - 100) / 4)) 2>/dev/null; }

	# 3. full, then freed
	fill
	"$sluiced" "${opts[@]}" -o "$mnt/out.json" --stats-json "$tmp/3.ledger" 2>"$tmp/3.err" &
	pid=$!
	check "3: the disk fills, the sink holds" "wait_log $tmp/3.err 'No space left on device; holding'"
	rm -f "$mnt/filler"
	wait "$pid"; rc=$?; pid=
	check "3: exit 0 once space is back (got $rc)" "[ $rc = 0 ]"
	events=$(jget "$tmp/3.ledger" 'sum(d["events"].values())')
	check "3: every line whole" "whole_lines $mnt/out.json"
	check "3: every record written ($events)" "[ \$(lines $mnt/out.json) = $events ]"
	check "3: delivered = lines, nothing dropped anywhere" \
		"[ \"\$(sink $tmp/3.ledger delivered)\" = $events ] && [ \"\$(sink $tmp/3.ledger dropped)\" = 0 ] && [ \"\$(jget $tmp/3.ledger 'sum(r[\"dropped\"] for r in d[\"rings\"])')\" = 0 ]"
	check "3: the recovery is logged" "grep -q 'works again' $tmp/3.err"

	# 4. full for good, forced stop
	fill
	"$sluiced" "${opts[@]}" -o "$mnt/out.json" --stats-json "$tmp/4.ledger" 2>"$tmp/4.err" &
	pid=$!
	check "4: the disk fills, the sink holds" "wait_log $tmp/4.err 'No space left on device; holding'"
	forced_stop "$pid"
	wait "$pid"; rc=$?; pid=
	check "4: exit 0 after the forced stop (got $rc)" "[ $rc = 0 ]"
	check "4: the file holds whole lines only" "whole_lines $mnt/out.json"
	n=$(lines "$mnt/out.json")
	check "4: delivered = the file's lines ($n)" "[ \"\$(sink $tmp/4.ledger delivered)\" = $n ] && [ $n -gt 0 ]"
	check "4: the rest dropped, counted" "[ \$(( \$(sink $tmp/4.ledger received) - n )) = \"\$(sink $tmp/4.ledger dropped)\" ] && [ \"\$(sink $tmp/4.ledger dropped)\" -gt 0 ]"
	check "4: the ledger balances" "[ \"\$(jget $tmp/4.ledger 'd[\"balanced\"]')\" = True ]"
fi

echo "file full test: $pass passed, $fail failed, $skipped skipped"
[ $fail = 0 ]
