#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The publishing benchmarks, every peer in the same run, rounds interleaved:
#  1. PUB: the zmq sink against a bare libzmq XPUB->SUB loop sending the same messages
#     (bench/pub_bench.c; the records are read from a tap of a sluiced run on the capture);
#  2. sluiced packets/s on a synthetic capture with PUB + tap + metrics on (a live subscriber,
#     a live tap consumer) against all of them off;
#  3. the same with a subscriber and a tap consumer that stop reading (stalled) against live
#     ones and against none at all: the pipeline's speed, and the drops the ledger counts.
# Each round runs the four sluiced configurations once (off, live, stalled, absent) in a rotated
# order; /usr/bin/time gives wall and CPU seconds of sluiced (user+sys, start-up included).
# Prints medians and min-max of the ratios, packets per second and per CPU-second.
#
# usage: bench/tap_bench.sh [--rounds N] [--packets N] [--pub-rounds N] [--workers W] [--only 1|2]
#   --only 1: the PUB comparison alone; --only 2: the sluiced runs (2 and 3) alone
#   BUILD=DIR (default build) holds sluiced, sluice-synth, pub_bench and libsluice_ring.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
BUILD=${BUILD:-$ROOT/build}
ROUNDS=7 PUB_ROUNDS=7 PACKETS=600000 WORKERS=1 PARTS=12
while [ $# -gt 0 ]; do
	case $1 in
	--rounds) ROUNDS=$2; shift ;;
	--pub-rounds) PUB_ROUNDS=$2; shift ;;
	--packets) PACKETS=$2; shift ;;
	--workers) WORKERS=$2; shift ;;
	--only) PARTS=$2; shift ;;
	*) sed -n '/^# usage:/,/^#   BUILD/s/^# \{0,1\}//p' "$0"; exit 2 ;;
	esac
	shift
done
sluiced=$BUILD/engine/sluiced
synth=$BUILD/engine/capture/sluice-synth
pub=$BUILD/bench/pub_bench
for f in "$sluiced" "$synth" "$pub"; do [ -x "$f" ] || { echo "missing $f (build first)" >&2; exit 1; }; done
tmp=$(mktemp -d /tmp/sluice-tapbench-XXXXXX)
bg=()
trap 'for p in "${bg[@]}"; do kill -9 "$p" 2>/dev/null; done; rm -rf "$tmp"' EXIT
export SLUICE_SHM_DIR=$tmp/shm
mkdir -p "$SLUICE_SHM_DIR"
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
cc -std=c11 -O2 -I"$ROOT/include" -o "$tmp/tapread" "$ROOT/examples/tap/sluice_tap_read.c" "$BUILD/ring/libsluice_ring.a" ||
	exit 1

echo "cpu: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1) ($(nproc) CPUs)"
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); rounds $ROUNDS, pub rounds $PUB_ROUNDS, $PACKETS packets, -w $WORKERS"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg) (the machine is shared: other builds and tests run beside this)"
"$synth" -o "$tmp/s.pcap" -n "$PACKETS" -f $((PACKETS / 100)) -s 7 >/dev/null 2>&1 || { echo "sluice-synth failed"; exit 1; }

# ---- 1. PUB vs bare libzmq ------------------------------------------------------------------
if [[ $PARTS == *1* ]]; then
echo
echo "== 1. zmq sink vs bare libzmq XPUB->SUB, same messages"
name=bench$$
"$pub" --tap "$name" --rounds "$PUB_ROUNDS" --messages 300000 >"$tmp/pub.txt" 2>&1 &
pubpid=$!
bg+=("$pubpid")
"$sluiced" -q -w "$WORKERS" -r "$tmp/s.pcap" -o /dev/null --set rings.hugepages=never \
	--set outputs.tap.enabled=true --set outputs.tap.names="[$name]" --set outputs.tap.ring-size=64MiB \
	--set outputs.tap.wait-consumers=true --set outputs.tap.drain-timeout=60s 2>/dev/null
wait $pubpid
grep -v notice "$tmp/pub.txt"
fi
[[ $PARTS == *2* ]] || exit 0

# ---- 2 and 3. sluiced with PUB + tap + metrics --------------------------------------------------
# one CONFIG ROUND -> "config round wall cpu packets tap_dropped zmq_dropped"
one() {
	local cfg=$1 r=$2 zp mp args=() pids=()
	zp=$(port)
	mp=$(port)
	local ep=tcp://127.0.0.1:$zp tname=t$$r$cfg
	if [ "$cfg" != off ]; then
		args=(--set outputs.zmq.enabled=true --set outputs.zmq.endpoints="$ep" --set outputs.zmq.linger=0s
		      --set outputs.tap.enabled=true --set outputs.tap.names="[$tname]" --set outputs.tap.drain-timeout=0s
		      --set metrics.enabled=true --set "metrics.listen=127.0.0.1:$mp")
	fi
	case $cfg in
	live)
		"$pub" --sub "$ep" >/dev/null 2>&1 & pids+=($!)
		"$tmp/tapread" "$tname" >/dev/null 2>&1 & pids+=($!)
		args+=(--set outputs.zmq.wait-subscribers=1 --set outputs.tap.wait-consumers=true) ;;
	stalled)
		"$pub" --sub "$ep" --stall >/dev/null 2>&1 & pids+=($!)
		"$tmp/tapread" "$tname" --stall-after 100 >/dev/null 2>&1 & pids+=($!)
		args+=(--set outputs.zmq.wait-subscribers=1 --set outputs.tap.wait-consumers=true) ;;
	esac
	bg+=("${pids[@]}")
	/usr/bin/time -f '%e %U %S' -o "$tmp/time" "$sluiced" -q -w "$WORKERS" -r "$tmp/s.pcap" -o /dev/null \
		--set rings.hugepages=never --stats-json "$tmp/l.json" "${args[@]}" 2>/dev/null ||
		{ echo "run failed: $cfg" >&2; return 1; }
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	read -r wall user sys <"$tmp/time"
	python3 - "$tmp/l.json" "$cfg" "$r" "$wall" "$user" "$sys" <<'EOF'
import json, sys
l = json.load(open(sys.argv[1]))
s = {x["name"].split(".")[0]: x for x in l["sinks"]}
assert l["balanced"], "ledger does not balance"
print(sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5]) + float(sys.argv[6]), l["capture"]["packets"],
      s.get("tap", {}).get("dropped", 0), s.get("zmq", {}).get("dropped", 0), s.get("tap", {}).get("left", 0))
EOF
}

echo
echo "== 2, 3. sluiced -w $WORKERS -r (synthetic, $PACKETS packets): off / PUB+tap+metrics live / stalled / absent"
configs=(off live stalled absent)
: >"$tmp/rows"
for ((r = 0; r < ROUNDS; r++)); do
	for ((k = 0; k < 4; k++)); do
		c=${configs[$(((k + r) % 4))]}
		one "$c" "$r" >>"$tmp/rows" || exit 1
	done
done
python3 - "$tmp/rows" <<'EOF'
import statistics, sys
by = {}
for line in open(sys.argv[1]):
    cfg, r, wall, cpu, pk, tdrop, zdrop, left = line.split()
    by.setdefault(int(r), {})[cfg] = (float(wall), float(cpu), int(pk), int(tdrop), int(zdrop), int(left))
def f(v): return "%.3f [%.3f-%.3f]" % (statistics.median(v), min(v), max(v))
for cfg in ("off", "live", "stalled", "absent"):
    rows = [r[cfg] for r in by.values()]
    print("%-8s %9.0f packets/s  %9.0f packets/CPU-s  (medians)  tap dropped %d  zmq dropped %d  tap left %d" % (
        cfg, statistics.median(x[2] / x[0] for x in rows), statistics.median(x[2] / x[1] for x in rows),
        statistics.median(x[3] for x in rows), statistics.median(x[4] for x in rows),
        statistics.median(x[5] for x in rows)))
for a, b in (("live", "off"), ("stalled", "live"), ("stalled", "absent"), ("absent", "off")):
    pps = [(r[a][2] / r[a][0]) / (r[b][2] / r[b][0]) for r in by.values()]
    ppc = [(r[a][2] / r[a][1]) / (r[b][2] / r[b][1]) for r in by.values()]
    print("%s/%s: packets/s %s, packets/CPU-s %s" % (a, b, f(pps), f(ppc)))
EOF
