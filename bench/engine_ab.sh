#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Two builds of sluiced on the same captures, interleaved: is B as fast as A? For a change to
# the engine ("within 5% of before, or faster"), A is the build before it and B the build after.
# Each round runs A and B once per capture, in alternating order, whole processes with start-up
# included; /usr/bin/time gives wall and CPU seconds (user+sys). It prints, per capture, the
# median and min-max of B/A for packets per second and packets per CPU-second, with the CPU
# model and the records each side wrote (they must be equal: same input, same output).
#
# usage: bench/engine_ab.sh A_SLUICED B_SLUICED [--rounds N] [--workers W] PCAP...
set -uo pipefail

[ $# -ge 3 ] || { sed -n '/^# usage:/s/^# //p' "$0"; exit 2; }
A=$1 B=$2; shift 2
ROUNDS=7 WORKERS=1
pcaps=()
while [ $# -gt 0 ]; do
	case $1 in
	--rounds) ROUNDS=$2; shift ;;
	--workers) WORKERS=$2; shift ;;
	*) pcaps+=("$1") ;;
	esac
	shift
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
[ -n "${AB_DEBUG:-}" ] && trap 'cat "$tmp/rows"; rm -rf "$tmp"' EXIT

# one SLUICED PCAP -> "wall cpu packets records"
one() {
	rm -f "$tmp/out.json"
	/usr/bin/time -f '%e %U %S' -o "$tmp/time" "$1" -q -w "$WORKERS" -r "$2" -o "$tmp/out.json" \
		--stats-json "$tmp/ledger.json" 2>/dev/null || { echo "run failed: $1 $2" >&2; return 1; }
	read -r wall user sys <"$tmp/time"
	python3 - "$tmp/ledger.json" "$tmp/out.json" "$wall" "$user" "$sys" <<'EOF'
import json, sys
l = json.load(open(sys.argv[1]))
recs = sum(1 for _ in open(sys.argv[2], 'rb'))
wall, cpu = float(sys.argv[3]), float(sys.argv[4]) + float(sys.argv[5])
print(wall, cpu, l["capture"]["packets"], recs)
EOF
}

echo "cpu: $(lscpu | sed -n 's/^Model name: *//p' | head -1); $(date -u '+%Y-%m-%d %H:%M UTC'); rounds $ROUNDS, -w $WORKERS"
for p in "${pcaps[@]}"; do
	: >"$tmp/rows"
	for ((i = 0; i < ROUNDS; i++)); do
		if ((i % 2)); then order="B A"; else order="A B"; fi
		for side in $order; do
			bin=$A; [ "$side" = B ] && bin=$B
			echo "$side $i $(one "$bin" "$p")" >>"$tmp/rows" || exit 1
		done
	done
	python3 - "$tmp/rows" "$p" <<'EOF'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
by = {}
for side, i, wall, cpu, pk, recs in rows:
    by.setdefault(int(i), {})[side] = (float(wall), float(cpu), int(pk), int(recs))
pps, ppc, recs = [], [], set()
for r in by.values():
    a, b = r["A"], r["B"]
    pps.append((b[2] / b[0]) / (a[2] / a[0]))
    ppc.append((b[2] / b[1]) / (a[2] / a[1]))
    recs.add((a[3], b[3]))
def f(v): return "%.3f [%.3f-%.3f]" % (statistics.median(v), min(v), max(v))
a_pps = statistics.median(r["A"][2] / r["A"][0] for r in by.values())
print("%s: B/A packets/s %s, packets/CPU-s %s; A %.0f pkt/s; records A,B %s" %
      (sys.argv[2].rsplit("/", 1)[-1], f(pps), f(ppc), a_pps, sorted(recs)))
EOF
done
