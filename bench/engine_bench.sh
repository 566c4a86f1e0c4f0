#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The engine benchmark: how many packets per second sluiced turns into records, per worker
# core and end to end, beside two pcap analysers measured in the same run on the same files:
# ndpiReader (nDPI, one thread) and tshark (EK JSON output, one thread).
#
# Every run is a whole process, startup included. Per run it records the wall time, the CPU
# time (user+sys, /usr/bin/time), the peak RSS, the tool's own figure when it prints one
# (sluiced's ledger seconds and packets/s, ndpiReader's processing time and throughput), the
# records written, and how contended the machine was meanwhile (/proc/pressure/cpu).
# Round i runs every peer once per data set, starting at a rotating position, so drift on a
# shared machine lands on every peer alike. The core-to-core probe (ring_bench probe) runs
# before and after each round.
#
# Data sets (full run; --quick shrinks them):
#   corpus-http   the largest corpus file by bytes          all peers
#   corpus-tls    the largest corpus file by packets        all peers
#   synth-50k     sluice-synth -n 50000 -f 1024 -s 1         all peers (tshark's bounded input)
#   synth-2m      sluice-synth -n 2000000 -f 10000 -s 1      ndpiReader and sluiced
#   gen-2m        sluiced --synth (the same traffic, generated in process, no pcap reading)
#
# Then a profile: perf stat and a perf cpu-clock sample of sluiced -w 1 on synth-2m, per-thread
# scheduler accounting, and callgrind on a 20k-packet file (-w 1).
#
# Output: bench/results/engine-*.csv, engine-*.txt, and bench/results/ENGINE.md (written by
# bench/engine_report.py from those files; rerun it alone to rewrite the markdown).
#
# usage: bench/engine_bench.sh [--quick] [--rounds N] [--no-profile] [--no-build]
#                              [--build DIR] [--out DIR] [--tmp DIR] [--keep]
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$ROOT/build-ebench
OUT=$ROOT/bench/results
TMPBASE=/dev/shm
ROUNDS=5
QUICK=0
PROFILE=1
DOBUILD=1
KEEP=0
CORPUS=${SLUICE_CORPUS:-/work/shared/corpus/pcap}

usage() {
	sed -n '/^# usage:/,/^set /p' "$0" | sed '$d; s/^# \{0,1\}//'
	exit "${1:-0}"
}

while [ $# -gt 0 ]; do
	case $1 in
	--quick) QUICK=1 ;;
	--rounds) ROUNDS=$2; shift ;;
	--no-profile) PROFILE=0 ;;
	--no-build) DOBUILD=0 ;;
	--build) BUILD=$2; shift ;;
	--out) OUT=$2; shift ;;
	--tmp) TMPBASE=$2; shift ;;
	--keep) KEEP=1 ;;
	-h | --help) usage 0 ;;
	*) echo "engine_bench: unknown option $1" >&2; usage 2 ;;
	esac
	shift
done

if [ "$QUICK" = 1 ]; then
	[ "$ROUNDS" = 5 ] && ROUNDS=1
	N_MID=10000 N_BIG=200000 N_GEN=200000 N_CG=5000
else
	N_MID=50000 N_BIG=2000000 N_GEN=2000000 N_CG=20000
fi
case $ROUNDS in '' | *[!0-9]* | 0) echo "engine_bench: --rounds wants a positive number" >&2; exit 2 ;; esac

log() { printf '[engine_bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# ---- build -------------------------------------------------------------------------------
SLUICED=$BUILD/engine/sluiced
SYNTH=$BUILD/engine/capture/sluice-synth
RING_BENCH=$BUILD/bench/ring_bench
if [ "$DOBUILD" = 1 ]; then
	log "building in $BUILD"
	{ cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null &&
		cmake --build "$BUILD" -j2 --target sluiced sluice-synth >/dev/null; } ||
		die "build failed (cmake -S $ROOT -B $BUILD -DCMAKE_BUILD_TYPE=RelWithDebInfo)"
	cmake --build "$BUILD" -j2 --target ring_bench >/dev/null 2>&1 || log "ring_bench not built; no probe"
fi
[ -x "$SLUICED" ] || die "no $SLUICED (build it, or drop --no-build)"
[ -x "$SYNTH" ] || die "no $SYNTH"
[ -x /usr/bin/time ] || die "/usr/bin/time is missing (Debian package: time)"
HAVE_NDPI=0; command -v ndpiReader >/dev/null && HAVE_NDPI=1
HAVE_TSHARK=0; command -v tshark >/dev/null && HAVE_TSHARK=1
HAVE_PROBE=0; [ -x "$RING_BENCH" ] && "$RING_BENCH" probe >/dev/null 2>&1 && HAVE_PROBE=1
NCPU=$(nproc)
CPU_W1=$((NCPU - 1))   # the one worker: the last CPU
CPU_W2=0-1             # two workers: one each on CPUs 0 and 1
[ "$NCPU" -ge 2 ] || CPU_W2=0

mkdir -p "$OUT" || die "cannot create $OUT"
# this run's files only: a profile or summary left from an earlier run must not be reported
rm -f "$OUT"/engine-{perfstat,perf,sched,callgrind,ndpi-summary}.txt
TMP=$(mktemp -d "$TMPBASE/sluice-ebench.XXXXXX") || die "cannot create a directory in $TMPBASE"
cleanup() { if [ "$KEEP" = 1 ]; then log "kept $TMP"; else rm -rf "$TMP"; fi; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- environment -------------------------------------------------------------------------
ENVF=$OUT/engine-env.txt
{
	echo "date_utc=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "mode=$([ "$QUICK" = 1 ] && echo quick || echo full)"
	echo "rounds=$ROUNDS"
	echo "nproc=$NCPU"
	echo "cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
	echo "hypervisor=$(lscpu 2>/dev/null | sed -n 's/^Hypervisor vendor:[[:space:]]*//p')"
	echo "caches=$(lscpu 2>/dev/null | awk -F: '/^L[123][di]? cache/{gsub(/^[ \t]+/,"",$2); printf "%s %s; ", $1, $2}')"
	echo "kernel=$(uname -r)"
	echo "mem_total=$(awk '/MemTotal/{print $2" kB"}' /proc/meminfo)"
	echo "loadavg_start=$(cut -d' ' -f1-3 /proc/loadavg)"
	echo "psi_cpu_start=$(head -1 /proc/pressure/cpu 2>/dev/null)"
	echo "sluice_commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)$(git -C "$ROOT" status --porcelain -- engine ring include 2>/dev/null | grep -q . && echo ' (engine/ring modified)')"
	echo "sluiced_version=$("$SLUICED" --version 2>&1 | head -1)"
	echo "build=${BUILD#"$ROOT"/} ($(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$BUILD/CMakeCache.txt" 2>/dev/null))"
	echo "ndpiReader=$([ $HAVE_NDPI = 1 ] && (dpkg-query -W -f '${Package} ${Version}' libndpi-bin 2>/dev/null || echo present) || echo missing)"
	echo "tshark=$([ $HAVE_TSHARK = 1 ] && tshark --version 2>/dev/null | head -1 || echo missing)"
	echo "probe=$([ $HAVE_PROBE = 1 ] && echo "${RING_BENCH#"$ROOT"/} probe" || echo none)"
	echo "tmp=$TMP ($(stat -f -c %T "$TMP"))"
	echo "pin_w1=workers.cpus=$CPU_W1"
	echo "pin_w2=workers.cpus=$CPU_W2"
} >"$ENVF"
log "environment: $(grep -E '^(nproc|cpu_model|loadavg_start)=' "$ENVF" | tr '\n' ' ')"

# ---- data sets ---------------------------------------------------------------------------
count_packets() { capinfos -c -M "$1" 2>/dev/null | awk -F: '/Number of packets/{gsub(/[ \t]/,"",$2); print $2}'; }

DS_NAMES=() DS_FILE=() DS_PKTS=() DS_PEERS=() DS_DESC=()
add_ds() { DS_NAMES+=("$1"); DS_FILE+=("$2"); DS_PKTS+=("$3"); DS_PEERS+=("$4"); DS_DESC+=("$5"); }

ALL_PEERS="ndpiReader tshark sluiced-w1 sluiced-w1-tmpfs sluiced-w2 sluiced-w2-tmpfs sluiced-w1-fullparse"
BIG_PEERS="ndpiReader sluiced-w1 sluiced-w1-tmpfs sluiced-w2 sluiced-w2-tmpfs sluiced-w1-fullparse"
GEN_PEERS="sluiced-w1 sluiced-w2 sluiced-w1-fullparse"

for f in sv-http-body-hook-01.pcap sv-tls-subjectaltname.pcap; do
	p=$CORPUS/$f
	if [ -r "$p" ]; then
		n=$(count_packets "$p")
		case $f in sv-http*) name=corpus-http ;; *) name=corpus-tls ;; esac
		add_ds "$name" "$p" "$n" "$ALL_PEERS" "corpus $f ($(stat -c %s "$p") bytes, $n packets)"
	else
		log "corpus file $p missing; skipped"
	fi
done
log "writing synthetic pcaps into $TMP"
"$SYNTH" -o "$TMP/synth-mid.pcap" -n "$N_MID" -f 1024 -s 1 2>/dev/null || die "sluice-synth failed"
add_ds "synth-$((N_MID / 1000))k" "$TMP/synth-mid.pcap" "$N_MID" "$ALL_PEERS" \
	"sluice-synth -n $N_MID -f 1024 -s 1 ($(stat -c %s "$TMP/synth-mid.pcap") bytes)"
"$SYNTH" -o "$TMP/synth-big.pcap" -n "$N_BIG" -f 10000 -s 1 2>/dev/null || die "sluice-synth failed"
BIGNAME=synth-$([ "$N_BIG" -ge 1000000 ] && echo "$((N_BIG / 1000000))m" || echo "$((N_BIG / 1000))k")
add_ds "$BIGNAME" "$TMP/synth-big.pcap" "$N_BIG" "$BIG_PEERS" \
	"sluice-synth -n $N_BIG -f 10000 -s 1 ($(stat -c %s "$TMP/synth-big.pcap") bytes)"
GENNAME=gen-$([ "$N_GEN" -ge 1000000 ] && echo "$((N_GEN / 1000000))m" || echo "$((N_GEN / 1000))k")
add_ds "$GENNAME" "@synth" "$N_GEN" "$GEN_PEERS" \
	"sluiced --synth --set capture.synth.packets=$N_GEN (flows 10000, seed 1: the same packets as sluice-synth -f 10000 -s 1, made in process)"

DSF=$OUT/engine-datasets.csv
echo "dataset,packets,peers,description" >"$DSF"
for i in "${!DS_NAMES[@]}"; do
	printf '%s,%s,%s,"%s"\n' "${DS_NAMES[$i]}" "${DS_PKTS[$i]}" "${DS_PEERS[$i]// /;}" "${DS_DESC[$i]//\"/\'}" >>"$DSF"
done

# ---- one measured run ----------------------------------------------------------------------
# peer_cmd PEER FILE PACKETS: sets CMD (array) and STDOUT_TO for that peer.
FULLPARSE=(--set app.http.max-sessions=16384 --set app.tls.max-sessions=16384)
peer_cmd() {
	local peer=$1 file=$2 n=$3 input=()
	STDOUT_TO=/dev/null
	if [ "$file" = "@synth" ]; then
		input=(--synth --set "capture.synth.packets=$n")
	else
		input=(-r "$file")
	fi
	case $peer in
	ndpiReader) CMD=(ndpiReader -i "$file"); STDOUT_TO=$TMP/stdout.txt ;;
	tshark) CMD=(tshark -T ek -r "$file") ;;
	sluiced-w1) CMD=("$SLUICED" -q "${input[@]}" -w 1 --set "workers.cpus=$CPU_W1" -o /dev/null --stats-json "$TMP/ledger.json") ;;
	sluiced-w1-tmpfs) CMD=("$SLUICED" -q "${input[@]}" -w 1 --set "workers.cpus=$CPU_W1" -o "$TMP/eve.json" --stats-json "$TMP/ledger.json") ;;
	sluiced-w2) CMD=("$SLUICED" -q "${input[@]}" -w 2 --set "workers.cpus=$CPU_W2" -o /dev/null --stats-json "$TMP/ledger.json") ;;
	sluiced-w2-tmpfs) CMD=("$SLUICED" -q "${input[@]}" -w 2 --set "workers.cpus=$CPU_W2" -o "$TMP/eve.json" --stats-json "$TMP/ledger.json") ;;
	sluiced-w1-fullparse) CMD=("$SLUICED" -q "${input[@]}" -w 1 --set "workers.cpus=$CPU_W1" "${FULLPARSE[@]}" -o /dev/null --stats-json "$TMP/ledger.json") ;;
	*) return 1 ;;
	esac
}

peer_available() {
	case $1 in
	ndpiReader) [ $HAVE_NDPI = 1 ] ;;
	tshark) [ $HAVE_TSHARK = 1 ] ;;
	*) return 0 ;;
	esac
}

HZ=$(getconf CLK_TCK)
# CPU ticks the whole machine spent busy (user nice system irq softirq steal), all CPUs
busy_ticks() { awk '/^cpu /{print $2 + $3 + $4 + $7 + $8 + $9; exit}' /proc/stat; }
psi_total() { awk '/^some/{for(i=1;i<=NF;i++) if($i ~ /^total=/){sub("total=","",$i); print $i}}' /proc/pressure/cpu 2>/dev/null || echo 0; }

RUNS=$OUT/engine-runs.csv
echo "date_utc,round,pos,dataset,peer,expected_packets,packets,rc,wall_s,user_s,sys_s,cpu_s,maxrss_kb,pps_wall,pps_cpu,self_s,self_pps,flows,records,http,tls,dns,out_bytes,psi_some,other_cpu_s,load1,no_http_parser,no_stream_buffer" >"$RUNS"

# run_one ROUND POS DATASET_INDEX PEER
run_one() {
	local round=$1 pos=$2 di=$3 peer=$4
	local ds=${DS_NAMES[$di]} file=${DS_FILE[$di]} n=${DS_PKTS[$di]}
	local t0 t1 rc psi0 psi1 b0 b1 wall user sys rss packets=0
	local self_s='' self_pps='' flows='' records='' http='' tls='' dns='' out_bytes='' nohttp='' nostream=''
	peer_cmd "$peer" "$file" "$n" || return
	rm -f "$TMP/eve.json" "$TMP/ledger.json" "$TMP/stdout.txt" "$TMP/stderr.txt" "$TMP/time.txt"
	psi0=$(psi_total)
	b0=$(busy_ticks)
	t0=$(date +%s%N)
	/usr/bin/time -f '%e %U %S %M' -o "$TMP/time.txt" "${CMD[@]}" >"$STDOUT_TO" 2>"$TMP/stderr.txt"
	rc=$?
	t1=$(date +%s%N)
	b1=$(busy_ticks)
	psi1=$(psi_total)
	wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.6f", (b-a)/1e9}')
	read -r _ user sys rss <"$TMP/time.txt" 2>/dev/null || true
	# GNU time prefixes "Command exited with non-zero status N" when the command fails
	[ "$rc" = 0 ] || read -r _ user sys rss < <(tail -1 "$TMP/time.txt") || true
	case $peer in
	sluiced*)
		self_s=$(sed -n 's/^--- sluice ledger (\([0-9.]*\) s) ---$/\1/p' "$TMP/stderr.txt" | head -1)
		self_pps=$(sed -n 's/^[[:space:]]*\([0-9.]*\) packets\/s$/\1/p' "$TMP/stderr.txt" | head -1)
		if [ -s "$TMP/ledger.json" ]; then
			IFS=, read -r packets flows records http tls dns nohttp nostream < <(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
ev, app = d.get("events", {}), d.get("app", {})
print(d["capture"]["packets"], ev.get("flow", 0), sum(ev.values()), ev.get("http", 0), ev.get("tls", 0),
      ev.get("dns", 0), app.get("no_http_parser", ""), app.get("no_stream_buffer", ""), sep=",")
' "$TMP/ledger.json")
		fi
		[ -f "$TMP/eve.json" ] && out_bytes=$(stat -c %s "$TMP/eve.json")
		;;
	ndpiReader)
		# "IP packets: 3090 of 3138 packets total", "Packet Processing Time: 9 msec",
		# "nDPI throughput: 317.80 K pps / ...", "Unique flows: 10000"
		IFS=, read -r packets self_s self_pps flows < <(awk '
			/IP packets:/ {for (i = 1; i <= NF; i++) if ($i == "of") p = $(i + 1)}
			/Packet Processing Time:/ {t = $4; if ($5 == "sec") t *= 1000; s = t / 1000}
			/nDPI throughput:/ {v = $3; u = $4; m = (u == "K") ? 1e3 : (u == "M") ? 1e6 : (u == "G") ? 1e9 : 1; r = v * m}
			/Unique flows:/ {f = $3}
			END {printf "%s,%s,%s,%s\n", p + 0, s, (r == "" ? "" : sprintf("%.0f", r)), f}' "$TMP/stdout.txt")
		[ "$ds" = "$BIGNAME" ] && cp "$TMP/stdout.txt" "$OUT/engine-ndpi-summary.txt"
		;;
	tshark)
		packets=$n   # its output goes to /dev/null; the input's count (capinfos) stands
		;;
	esac
	[ "$rc" = 0 ] || log "$peer on $ds exited $rc: $(tail -2 "$TMP/stderr.txt" | tr '\n' ' ')"
	[ "$rc" != 0 ] || [ "${packets:-0}" = "$n" ] || log "$peer on $ds: $packets packets seen of $n"
	awk -v d="$(date -u +%Y-%m-%dT%H:%M:%SZ)" -v r="$round" -v pos="$pos" -v ds="$ds" -v peer="$peer" \
		-v n="$n" -v p="${packets:-0}" -v rc="$rc" -v w="$wall" -v u="${user:-0}" -v s="${sys:-0}" \
		-v rss="${rss:-0}" -v ss="$self_s" -v sp="$self_pps" -v fl="$flows" -v rec="$records" \
		-v h="$http" -v t="$tls" -v dn="$dns" -v ob="$out_bytes" -v p0="$psi0" -v p1="$psi1" \
		-v b0="$b0" -v b1="$b1" -v hz="$HZ" -v nh="$nohttp" -v ns="$nostream" \
		-v la="$(cut -d' ' -f1 /proc/loadavg)" 'BEGIN {
			cpu = u + s
			pw = (w > 0) ? n / w : 0
			pc = (cpu > 0) ? n / cpu : ""
			psi = (w > 0) ? (p1 - p0) / (w * 1e6) : ""
			other = (b1 - b0) / hz - cpu   # CPU-seconds the rest of the machine used meanwhile
			printf "%s,%d,%d,%s,%s,%d,%d,%d,%.6f,%.2f,%.2f,%.2f,%d,%.0f,%s,%s,%s,%s,%s,%s,%s,%s,%s,%.3f,%.2f,%s,%s,%s\n",
				d, r, pos, ds, peer, n, p, rc, w, u, s, cpu, rss, pw, (pc == "" ? "" : sprintf("%.0f", pc)),
				ss, sp, fl, rec, h, t, dn, ob, psi, other, la, nh, ns }' >>"$RUNS"
	rm -f "$TMP/eve.json"
	printf '  %-14s %-22s %8.3f s  %10.0f pkt/s  cpu %5.2f s\n' "$ds" "$peer" "$wall" \
		"$(awk -v n="$n" -v w="$wall" 'BEGIN{print (w > 0) ? n / w : 0}')" \
		"$(awk -v u="${user:-0}" -v s="${sys:-0}" 'BEGIN{print u + s}')" >&2
}

PROBE=$OUT/engine-probe.csv
: >"$PROBE"
probe() {
	[ $HAVE_PROBE = 1 ] || return 0
	if [ -s "$PROBE" ]; then
		"$RING_BENCH" probe --label "$1" >>"$PROBE" 2>/dev/null
	else
		"$RING_BENCH" probe --label "$1" --header >>"$PROBE" 2>/dev/null
	fi
}

# ---- warm-up (not recorded): libraries and binaries into the page cache --------------------
log "warm-up"
for peer in $ALL_PEERS; do
	peer_available "$peer" || continue
	peer_cmd "$peer" "${DS_FILE[0]}" "${DS_PKTS[0]}" && "${CMD[@]}" >/dev/null 2>&1
done
rm -f "$TMP/eve.json"

# ---- rounds --------------------------------------------------------------------------------
START=$(date +%s)
for ((r = 0; r < ROUNDS; r++)); do
	log "round $((r + 1))/$ROUNDS (load $(cut -d' ' -f1 /proc/loadavg))"
	probe "before round $r"
	for di in "${!DS_NAMES[@]}"; do
		read -r -a peers <<<"${DS_PEERS[$di]}"
		avail=()
		for p in "${peers[@]}"; do peer_available "$p" && avail+=("$p"); done
		k=${#avail[@]}
		for ((j = 0; j < k; j++)); do
			run_one "$r" "$j" "$di" "${avail[$(((r + j) % k))]}"
		done
	done
	probe "after round $r"
done
log "rounds done in $(($(date +%s) - START)) s"

# ---- profile ---------------------------------------------------------------------------------
if [ "$PROFILE" = 1 ]; then
	BIGFILE=$TMP/synth-big.pcap
	W1=("$SLUICED" -q -r "$BIGFILE" -w 1 --set "workers.cpus=$CPU_W1" -o /dev/null)

	# perf stat: hardware counters may be missing in a VM; perf then says <not supported>
	PS=$OUT/engine-perfstat.txt
	if command -v perf >/dev/null; then
		log "perf stat ($BIGNAME, -w 1, and ndpiReader on the same file)"
		{
			echo "\$ perf stat -e task-clock,cycles,instructions,context-switches,cpu-migrations,page-faults sluiced -q -r $BIGNAME -w 1 --set workers.cpus=$CPU_W1 -o /dev/null"
			perf stat -e task-clock,cycles,instructions,context-switches,cpu-migrations,page-faults \
				"${W1[@]}" 2>&1 | grep -v '^ring\|^sink\|notice:'
			if [ $HAVE_NDPI = 1 ]; then
				echo "\$ perf stat -e task-clock,cycles,instructions,context-switches,cpu-migrations,page-faults ndpiReader -i $BIGNAME"
				# perf's report (stderr) into the file, ndpiReader's summary (stdout) away
				# shellcheck disable=SC2069
				perf stat -e task-clock,cycles,instructions,context-switches,cpu-migrations,page-faults \
					ndpiReader -i "$BIGFILE" 2>&1 >/dev/null
			fi
		} >"$PS" 2>&1
		# cpu-clock sampling works without hardware counters: where each thread's time goes
		log "perf record -e cpu-clock ($BIGNAME, -w 1)"
		PR=$OUT/engine-perf.txt
		if perf record -q -e cpu-clock -F 999 -o "$TMP/perf.data" "${W1[@]}" >/dev/null 2>&1; then
			{
				echo "# perf record -e cpu-clock -F 999: sluiced -q -r $BIGNAME -w 1 --set workers.cpus=$CPU_W1 -o /dev/null"
				echo "## threads (share of samples, samples at ~1 ms each)"
				perf report -i "$TMP/perf.data" --sort comm -F overhead,sample,comm --stdio 2>/dev/null | grep -v '^#' | grep -v '^$'
				echo "## symbols (thread, symbol)"
				perf report -i "$TMP/perf.data" --sort comm,dso,sym --stdio 2>/dev/null | grep -v '^#' | grep -v '^$' | head -40
			} >"$PR"
		else
			echo "perf record failed" >"$PR"
		fi
	else
		echo "perf: not installed" >"$PS"
	fi

	# scheduler accounting per thread: time on a CPU against time runnable but waiting for one
	log "per-thread scheduler accounting ($BIGNAME, -w 1 and -w 2)"
	SCH=$OUT/engine-sched.txt
	: >"$SCH"
	for w in 1 2; do
		cpus=$CPU_W1; [ $w = 2 ] && cpus=$CPU_W2
		echo "# sluiced -q -r $BIGNAME -w $w --set workers.cpus=$cpus -o /dev/null   (packets $N_BIG, load $(cut -d' ' -f1 /proc/loadavg))" >>"$SCH"
		python3 - "$SLUICED" -q -r "$BIGFILE" -w "$w" --set "workers.cpus=$cpus" -o /dev/null >>"$SCH" <<'EOF'
import os, subprocess, sys, time
p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
last, t0 = {}, time.time()
while p.poll() is None:
    try:
        tids = os.listdir(f"/proc/{p.pid}/task")
    except OSError:
        break
    for tid in tids:
        d = f"/proc/{p.pid}/task/{tid}"
        try:
            comm = open(d + "/comm").read().strip()
            run, wait, _ = open(d + "/schedstat").read().split()
            st = dict(l.split(":", 1) for l in open(d + "/status") if "ctxt_switches" in l)
            last[comm] = (int(run) / 1e9, int(wait) / 1e9, int(st["voluntary_ctxt_switches"]),
                          int(st["nonvoluntary_ctxt_switches"]))
        except (OSError, ValueError, KeyError):
            pass
    time.sleep(0.02)
err = p.stderr.read()
wall = time.time() - t0
led = [l for l in err.splitlines() if l.startswith("--- sluice ledger")]
print(f"wall {wall:.3f} s  {led[0] if led else ''}")
print(f"{'thread':<10} {'on-cpu s':>9} {'runnable-waiting s':>19} {'voluntary cs':>13} {'involuntary cs':>15}")
for comm, (run, wait, vol, inv) in sorted(last.items()):
    print(f"{comm:<10} {run:9.3f} {wait:19.3f} {vol:13d} {inv:15d}")
print("(sampled every 20 ms; a thread's last sample before it exits)")
print()
EOF
	done

	# callgrind: instructions, every thread apart
	if command -v valgrind >/dev/null && command -v callgrind_annotate >/dev/null; then
		log "callgrind (-w 1, $N_CG packets)"
		"$SYNTH" -o "$TMP/cg.pcap" -n "$N_CG" -f 256 -s 1 2>/dev/null
		CG=$OUT/engine-callgrind.txt
		CGCMD=("$SLUICED" -q -r "$TMP/cg.pcap" -w 1 -o /dev/null --stats-json "$TMP/cg-ledger.json")
		(cd "$TMP" && valgrind --tool=callgrind --separate-threads=yes \
			--callgrind-out-file="$TMP/cg.out" "${CGCMD[@]}" >/dev/null 2>"$TMP/cg.stderr")
		{
			echo "# valgrind --tool=callgrind --separate-threads=yes sluiced -q -r cg.pcap -w 1 -o /dev/null"
			echo "# cg.pcap: sluice-synth -n $N_CG -f 256 -s 1"
			echo "# ledger: $(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("packets", d["capture"]["packets"], "events", json.dumps(d["events"]))' "$TMP/cg-ledger.json" 2>/dev/null)"
			for f in "$TMP"/cg.out-*; do
				[ -s "$f" ] || continue
				echo "=== thread file ${f##*/}"
				echo "--- exclusive"
				callgrind_annotate --threshold=99 "$f" 2>/dev/null | sed -n '/PROGRAM TOTALS/p; /file:function/,/^-- Auto-annotated/p' | grep -v '^--' | grep -v 'file:function' | grep . | head -30
				echo "--- inclusive"
				callgrind_annotate --inclusive=yes --threshold=99 "$f" 2>/dev/null | sed -n '/file:function/,/^-- Auto-annotated/p' | grep -v '^--' | grep -v 'file:function' | grep . | head -40
				echo "--- callers"
				callgrind_annotate --tree=caller --inclusive=yes --threshold=99 "$f" 2>/dev/null | sed -n '/file:function/,/^-- Auto-annotated/p' | grep -v '^--' | grep -v 'file:function' | head -400
			done
		} >"$CG"
	fi
fi
{
	echo "loadavg_end=$(cut -d' ' -f1-3 /proc/loadavg)"
	echo "psi_cpu_end=$(head -1 /proc/pressure/cpu 2>/dev/null)"
	echo "elapsed_s=$(($(date +%s) - START))"
} >>"$ENVF"

log "report"
python3 "$ROOT/bench/engine_report.py" --results "$OUT" || die "engine_report.py failed"
# fold the section into bench/RESULTS.md beside the ring's figures
if [ "$OUT" = "$ROOT/bench/results" ]; then
	python3 "$ROOT/bench/report.py" --results "$OUT" --out "$ROOT/bench/RESULTS.md" || die "report.py failed"
fi
log "done: $OUT/ENGINE.md"
