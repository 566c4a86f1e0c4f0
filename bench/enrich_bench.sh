#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# What enrichment costs the workers: sluiced on one large synthetic capture with GeoIP/ASN
# enrichment off and on, and with watchlists of 0, 1,000 and 100,000 entries, interleaved in
# the same run (each round runs every configuration once, in a rotated order), whole processes
# with start-up included (the list is parsed and indexed at start: its cost is in the figure).
# /usr/bin/time gives wall and CPU seconds; the ledger gives packets. Prints, per configuration,
# the median and min-max of packets/s and packets per CPU-second, and of the ratio to "plain"
# in the same round, with the CPU model. The databases are the tests' (make_mmdb.pl): small
# trees, so the per-flow tree walk is shorter than with a full GeoLite2-City database.
#
# usage: bench/enrich_bench.sh SLUICED SLUICE_SYNTH [--rounds N] [--packets N] [--flows N]
set -uo pipefail
[ $# -ge 2 ] || { sed -n '/^# usage:/s/^# //p' "$0"; exit 2; }
S=$1 SYNTH=$2; shift 2
ROUNDS=5 PACKETS=2000000 FLOWS=100000
while [ $# -gt 0 ]; do
	case $1 in
	--rounds) ROUNDS=$2; shift ;;
	--packets) PACKETS=$2; shift ;;
	--flows) FLOWS=$2; shift ;;
	*) echo "unknown argument $1" >&2; exit 2 ;;
	esac
	shift
done
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d /tmp/sluice-enrich-bench-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

"$SYNTH" -o "$tmp/cap.pcap" -n "$PACKETS" -f "$FLOWS" -s 11 >/dev/null || exit 1
perl "$here/../tests/enrich/make_mmdb.pl" "$tmp" a || exit 1
# lists: n entries, mostly hosts and networks of both families and names that never match,
# plus a few that do (the generator's server networks and one of its domains)
mklist() {
	python3 - "$1" >"$tmp/wl-$1.txt" <<'PY'
import sys
n = int(sys.argv[1])
rows = []
if n:
    rows += ["ip 203.0.113.0/24 tls-net 2", "domain *.example.org org 3", "country DE de 4"]
i = 0
while len(rows) < n:
    k = i % 5
    if k == 0: rows.append(f"ip 10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255} h{i} 5")
    elif k == 1: rows.append(f"ip 2001:db8:{(i >> 8) & 0xffff:x}::{i & 255:x} h{i} 5")
    elif k == 2: rows.append(f"cidr 100.{(i >> 8) & 255}.{i & 255}.0/24 n{i} 5")
    elif k == 3: rows.append(f"domain *.d{i}.invalid d{i} 5")
    else: rows.append(f"ja3 {i:032x} j{i} 5")
    i += 1
print("\n".join(rows[:n]))
PY
}
for n in 0 1000 100000; do mklist $n; done
geo=(--set app.geoip.enabled=true --set app.geoip.city-db="$tmp/city-a.mmdb" --set app.geoip.asn-db="$tmp/asn-a.mmdb")
wl() { echo --set app.watchlist.enabled=true --set app.watchlist.file="$tmp/wl-$1.txt"; }
names=(plain geoip wl-0 wl-1000 wl-100000 geoip+wl-100000)
args=("" "${geo[*]}" "$(wl 0)" "$(wl 1000)" "$(wl 100000)" "${geo[*]} $(wl 100000)")

: >"$tmp/rows"
for r in $(seq 1 "$ROUNDS"); do
	for j in $(seq 0 $((${#names[@]} - 1))); do
		i=$(((j + r) % ${#names[@]}))
		rm -f "$tmp/ledger.json"
		# shellcheck disable=SC2086
		/usr/bin/time -f '%e %U %S' -o "$tmp/time" "$S" -q -w 1 -r "$tmp/cap.pcap" -o /dev/null \
			--stats-json "$tmp/ledger.json" ${args[$i]} 2>/dev/null || { echo "run failed: ${names[$i]}" >&2; exit 1; }
		read -r wall user sys <"$tmp/time"
		python3 -c "
import json,sys; l=json.load(open('$tmp/ledger.json'))
print('$r ${names[$i]}', l['capture']['packets'], sum(l['events'].values()), l['events'].get('alert', 0), '$wall', float('$user') + float('$sys'))" >>"$tmp/rows"
	done
done
python3 - "$tmp/rows" "$PACKETS" "$FLOWS" "$ROUNDS" "${names[@]}" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
packets, flows, rounds, names = sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
by = {}
for r, name, pk, recs, alerts, wall, cpu in rows:
    by.setdefault(name, {})[int(r)] = (int(pk), int(recs), int(alerts), float(wall), float(cpu))
cpu_model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
print(f"CPU: {cpu_model}; {packets} packets over {flows} flows; {rounds} rounds; -w 1\n")
print("| configuration | records (alerts) | Mpkt/s median (min-max) | vs plain, same round | Mpkt per CPU-s median (min-max) | vs plain |")
print("|---|---|---|---|---|---|")
def mm(v):
    return f"{statistics.median(v):.3f} ({min(v):.3f}-{max(v):.3f})"
for n in names:
    d = by[n]
    pps = [d[r][0] / d[r][3] / 1e6 for r in d]
    ppc = [d[r][0] / max(d[r][4], 1e-3) / 1e6 for r in d]
    rp = [(d[r][0] / d[r][3]) / (by["plain"][r][0] / by["plain"][r][3]) for r in d]
    rc = [(d[r][0] / max(d[r][4], 1e-3)) / (by["plain"][r][0] / max(by["plain"][r][4], 1e-3)) for r in d]
    any_r = next(iter(d.values()))
    print(f"| {n} | {any_r[1]} ({any_r[2]}) | {mm(pps)} | {mm(rp)} | {mm(ppc)} | {mm(rc)} |")
PY
