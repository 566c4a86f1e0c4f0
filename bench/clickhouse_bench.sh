#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Rows per second into ClickHouse: sluiced's ClickHouse sink (RowBinary and JSONEachRow) beside
# clickhouse-client inserting the very same rows as JSONEachRow, on one throwaway server
# (tests/services/clickhouse.sh), interleaved, several rounds, the tables truncated before
# each measurement.
#
# The same data: a first sluiced run (synthetic traffic) fills the tables; their rows are
# exported once with SELECT ... FORMAT JSONEachRow, one file per table, and every
# clickhouse-client run inserts those files (all four tables, one client per table, one after
# the other). Each sluiced run reads the same synthetic traffic (same seed) and inserts the same
# rows, decoding the packets too, so the comparison is conservative for sluiced.
#
# A third peer isolates the sink: sluiced replaying a spool that holds the same rows (made
# once by a run whose server was unreachable, copied back before each run), reading an empty
# capture: no packets, only the spool, the INSERTs and the server.
#
# Figures per run: rows/s (wall clock of the inserting process, from start to exit) and rows per
# CPU-second (the inserting process's user+sys plus the server's, from /proc/PID/stat).
#
#   bench/clickhouse_bench.sh SLUICED [PACKETS] [ROUNDS]  >> bench/RESULTS.md
set -euo pipefail
sluiced=$1 packets=${2:-1000000} rounds=${3:-5}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../tests/services/clickhouse.sh"
tmp=$(mktemp -d /tmp/sluice-chbench-XXXXXX)
trap 'set +e; ch_stop; rm -rf "$tmp"' EXIT
ch_start "$tmp/ch" >/dev/null
grep -v '^--' "$here/../conf/clickhouse.sql" | while read -r q; do ch_query "$q" >/dev/null; done
tables="flow http tls dns"
tick=$(getconf CLK_TCK)

cpu_of() { awk -v t="$tick" '{print ($14 + $15) / t}' "/proc/$1/stat"; }
truncate_all() { for t in $tables; do ch_query "TRUNCATE TABLE sluice.$t" >/dev/null; done; }
rows_in() { local n=0 t; for t in $tables; do n=$((n + $(ch_query "SELECT count() FROM sluice.$t"))); done; echo $n; }

add() { awk -v a="$1" -v b="$2" -v c="${3:-0}" -v d="${4:-0}" 'BEGIN { printf "%.3f", a + b + c + d }'; }
sub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a - b }'; }

# sl URL SPOOL INPUT... : one sluiced run with the ClickHouse sink
sl() {
  local u=$1 sp=$2
  shift 2
  /usr/bin/time -f "%U %S" -o "$tmp/time" "$sluiced" -q -w 1 -o /dev/null --set outputs.file.enabled=false \
    --set outputs.clickhouse.enabled=true --set outputs.clickhouse.url="$u" \
    --set outputs.clickhouse.types="[flow, http, tls, dns]" --set outputs.clickhouse.drain-timeout=600s \
    --set outputs.clickhouse.spool-dir="$sp" --set outputs.clickhouse.dead-letter="$tmp/dead" "$@" 2>"$tmp/err" ||
    { cat "$tmp/err" >&2; exit 1; }
}

# run_sluiced FORMAT | spool: prints "wall cpu rows"
run_sluiced() {
  truncate_all
  local s0 t0 t1 s1
  rm -rf "$tmp/spool"
  [ "$1" = spool ] && cp -a "$tmp/spool.full" "$tmp/spool"
  s0=$(cpu_of "$CH_PID")
  t0=$(date +%s.%N)
  if [ "$1" = spool ]; then
    sl "$CH_URL" "$tmp/spool" -r "$tmp/empty.pcap"
  else
    sl "$CH_URL" "$tmp/spool" --synth --set capture.synth.packets="$packets" --set outputs.clickhouse.format="$1"
  fi
  t1=$(date +%s.%N)
  s1=$(cpu_of "$CH_PID")
  read -r u s <"$tmp/time"
  echo "$(sub "$t1" "$t0") $(add "$u" "$s" "$s1" "-$s0") $(rows_in)"
}

run_client() {
  truncate_all
  local s0 t0 t1 s1 u=0 s=0 t
  s0=$(cpu_of "$CH_PID")
  t0=$(date +%s.%N)
  for t in $tables; do
    /usr/bin/time -f "%U %S" -o "$tmp/time.$t" clickhouse-client --port "$CH_TCP_PORT" \
      --query "INSERT INTO sluice.$t FORMAT JSONEachRow" <"$tmp/$t.json"
  done
  t1=$(date +%s.%N)
  s1=$(cpu_of "$CH_PID")
  for t in $tables; do read -r a b <"$tmp/time.$t"; u=$(add "$u" "$a" "$b"); done
  echo "$(sub "$t1" "$t0") $(add "$u" "$s1" "-$s0") $(rows_in)"
}

# the data clickhouse-client inserts: what sluiced put in the tables
run_sluiced rowbinary >/dev/null
for t in $tables; do
  ch_query "SELECT batch_id, ts, flow_id, eve FROM sluice.$t FORMAT JSONEachRow" >"$tmp/$t.json"
done
want=$(cat "$tmp"/*.json | grep -c .)
# the spool: the same rows, spooled by a run that reaches no server (RowBinary)
python3 -c "import struct,sys; sys.stdout.buffer.write(struct.pack('<IHHiIII',0xa1b2c3d4,2,4,0,0,65535,1))" >"$tmp/empty.pcap"
sl "http://127.0.0.1:1/" "$tmp/spool.full" --synth --set capture.synth.packets="$packets" \
  --set outputs.clickhouse.drain-timeout=0s

: >"$tmp/runs"
for r in $(seq 1 "$rounds"); do
  for peer in rowbinary jsoneachrow spool client; do
    if [ $peer = client ]; then out=$(run_client); else out=$(run_sluiced $peer); fi
    set -- $out
    [ "$3" = "$want" ] || { echo "round $r $peer: $3 rows in the tables, want $want" >&2; exit 1; }
    echo "$r $peer $1 $2 $3" >>"$tmp/runs"
  done
done

python3 - "$tmp/runs" "$packets" "$rounds" "$(clickhouse-client --port "$CH_TCP_PORT" -q 'SELECT version()')" <<'PY'
import statistics, sys, datetime, subprocess
runs = [l.split() for l in open(sys.argv[1])]
packets, rounds, version = sys.argv[2], sys.argv[3], sys.argv[4]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
by = {}
for r, peer, wall, cpus, rows in runs:
    by.setdefault(peer, {})[int(r)] = (float(wall), float(cpus), int(rows))
rows = int(runs[0][4])
def rate(p, r, k): w, c, n = by[p][r]; return n / (w if k == 0 else c)
print(f"\n## ClickHouse sink: rows per second beside clickhouse-client\n")
print(f"`bench/clickhouse_bench.sh build/engine/sluiced {packets} {rounds}`, "
      f"{datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC, CPU {cpu} (2 vCPUs, shared with seven other "
      f"engineers' builds and tests while it ran: absolute figures are low and noisy, the ratios "
      f"of interleaved runs are what to read). ClickHouse {version} (Debian), one server from a temp "
      f"dir; {rows} rows per run over 4 tables (flow, http, tls, dns); {rounds} rounds, peers interleaved.\n")
print("| peer | rows/s median (min-max) | rows per CPU-s median (min-max) |")
print("|---|---|---|")
names = {"rowbinary": "sluiced, RowBinary (default)", "jsoneachrow": "sluiced, JSONEachRow",
         "spool": "sluiced replaying its spool (RowBinary, no packets)",
         "client": "clickhouse-client, JSONEachRow files"}
R = sorted(by["client"])
for p in ["rowbinary", "jsoneachrow", "spool", "client"]:
    a = [rate(p, r, 0) for r in R]; b = [rate(p, r, 1) for r in R]
    print(f"| {names[p]} | {statistics.median(a):,.0f} ({min(a):,.0f}-{max(a):,.0f}) "
          f"| {statistics.median(b):,.0f} ({min(b):,.0f}-{max(b):,.0f}) |")
print("\n| ratio (same round) | rows/s median (min-max) | per CPU-s median (min-max) |")
print("|---|---|---|")
for p, q in [("rowbinary", "client"), ("jsoneachrow", "client"), ("spool", "client"), ("rowbinary", "jsoneachrow")]:
    a = [rate(p, r, 0) / rate(q, r, 0) for r in R]; b = [rate(p, r, 1) / rate(q, r, 1) for r in R]
    print(f"| {names[p]} / {names[q]} | {statistics.median(a):.2f}x ({min(a):.2f}-{max(a):.2f}) "
          f"| {statistics.median(b):.2f}x ({min(b):.2f}-{max(b):.2f}) |")
print("\nsluiced's time includes generating and decoding the packets and encoding the records; "
      "the client's only parsing its files. CPU-seconds are the inserting process's plus the server's.")
PY
