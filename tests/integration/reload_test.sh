#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Reloading under load: sluiced generates synthetic traffic without end while this script
# rewrites its configuration file and sends SIGHUP RELOADS times, waiting each time for the
# engine to say it published the new snapshot (live keys alternate between two files, so every
# reload publishes). Then a restart-only change must be named and not applied, and SIGTERM must
# drain with a balanced ledger: exit 0, and the file sink's delivered count equal to the lines
# in the output. The ASan and TSan builds run this too (no leak, no race, no use after free).
#
#   reload_test.sh SLUICED [RELOADS]
set -uo pipefail
sluiced=$1 reloads=${2:-1000}
tmp=$(mktemp -d /tmp/sluice-reload-XXXXXX)
pid=
cleanup() { [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL reload test: $*"; tail -n 30 "$tmp/log" 2>/dev/null; exit 1; }

cat >"$tmp/a.yaml" <<'Y'
app:
  tls:
    log-resumed: false
  dns:
    ports: [53]
flow:
  timeouts:
    udp: 60s
Y
cat >"$tmp/b.yaml" <<'Y'
app:
  tls:
    log-resumed: true
  dns:
    ports: [53, 5353]
flow:
  timeouts:
    udp: 45s
Y
cp "$tmp/a.yaml" "$tmp/cfg.yaml"
# Records go through a FIFO to a line counter: a run of millions of packets would fill /tmp.
mkfifo "$tmp/out.json"
(wc -l <"$tmp/out.json" >"$tmp/lines") &
counter=$!
"$sluiced" -q -c "$tmp/cfg.yaml" --synth --set capture.synth.packets=0 -o "$tmp/out.json" \
  --stats-json "$tmp/stats.json" 2>"$tmp/log" &
pid=$!

published() { grep -c "published as configuration version" "$tmp/log"; }
sleep 0.5 # let packets flow
kill -0 "$pid" 2>/dev/null || fail "sluiced exited at start"

for i in $(seq 1 "$reloads"); do
  if [ $((i % 2)) = 1 ]; then cp "$tmp/b.yaml" "$tmp/cfg.yaml.new"; else cp "$tmp/a.yaml" "$tmp/cfg.yaml.new"; fi
  mv "$tmp/cfg.yaml.new" "$tmp/cfg.yaml"
  kill -HUP "$pid" || fail "sluiced gone at reload $i"
  for _ in $(seq 1 2000); do [ "$(published)" -ge "$i" ] && break; sleep 0.005; done
  [ "$(published)" -ge "$i" ] || fail "reload $i not published after 10 s"
done
[ "$(published)" = "$reloads" ] || fail "$(published) snapshots published for $reloads reloads"
grep -q "configuration version $((reloads + 1))\$" "$tmp/log" || fail "the last version is not $((reloads + 1))"

# a restart-only key: named, not applied, nothing published
{ cat "$tmp/a.yaml"; printf 'workers:\n  count: 3\n'; } >"$tmp/cfg.yaml"
kill -HUP "$pid"
for _ in $(seq 1 2000); do grep -q "waiting for a restart: workers.count\|workers.count: 2 -> 3 takes effect" "$tmp/log" && break; sleep 0.005; done
grep -q "workers.count: 2 -> 3 takes effect at the next start" "$tmp/log" || fail "restart-only change not named"

kill -TERM "$pid"
wait "$pid"; rc=$?; pid=
wait "$counter"
[ "$rc" = 0 ] || fail "sluiced exited $rc after the reloads (3: the ledger does not balance)"
python3 - "$tmp/stats.json" "$tmp/lines" <<'PY' || fail "ledger check"
import json, sys
st = json.load(open(sys.argv[1]))
lines = int(open(sys.argv[2]).read())
delivered = sum(s['delivered'] for s in st['sinks'])
pkts = st['capture']['packets']
print(f"reload test: {pkts} packets, {lines} records, delivered {delivered}, balanced {st['balanced']}")
sys.exit(0 if st['balanced'] and lines == delivered and lines > 0 else 1)
PY
echo "reload test: $reloads reloads published, ledger balanced"
