#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Reloading enrichment under load: while sluiced enriches synthetic packets without end, the
# configuration alternates between two sets of GeoIP databases and watchlists (a and b: the
# same networks and rules with different values and tags) RELOADS times, each SIGHUP waiting
# for the new snapshot to be published; every tenth reload is first tried with a damaged
# database or a watchlist with a bad row, which must be refused, naming the file (and line),
# with the last good state kept. Every record goes through a FIFO to a checker that proves no
# record has a torn view: its geo parts all come from one database set, and an alert's tag
# from the watchlist of the same snapshot as its geo. The ledger must balance, the file sink's
# delivered count must equal the lines read, and both sets must have been seen. After the
# reloads the run goes on until at least PACKETS records were read (so at least as many
# packets: fewer records than packets come out of this traffic), then SIGTERM drains it. The
# ASan build runs this too (no crash, no leak: LSan at exit), and TSan.
#
#   enrich_reload_test.sh SLUICED [RELOADS] [PACKETS]
set -uo pipefail
sluiced=$1 reloads=${2:-100} packets=${3:-3000000}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d /tmp/sluice-enrich-reload-XXXXXX)
pid= checker=
cleanup() { [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null; [ -n "$checker" ] && kill "$checker" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL enrich reload test: $*"; tail -n 30 "$tmp/log" 2>/dev/null; exit 1; }

perl "$here/make_mmdb.pl" "$tmp" a && perl "$here/make_mmdb.pl" "$tmp" b || fail "make_mmdb.pl"
for v in a b; do
  V=${v^^}
  cc=$([ $v = a ] && echo US || echo JP)
  printf 'domain *.example.com %s-dom 2\nip 203.0.113.0/24 %s-net 1\ncountry %s %s-cc 3\n' "$V" "$V" "$cc" "$V" >"$tmp/wl-$v.txt"
  cat >"$tmp/cfg-$v.yaml" <<Y
app:
  geoip:
    enabled: true
    city-db: $tmp/city-$v.mmdb
    asn-db: $tmp/asn-$v.mmdb
  watchlist:
    enabled: true
    file: $tmp/wl-$v.txt
Y
done
head -c 700 "$tmp/city-b.mmdb" >"$tmp/cut.mmdb"
{ cat "$tmp/wl-b.txt"; echo "ja3 nothex B-bad 1"; } >"$tmp/wl-bad.txt"
sed "s|city-db: .*|city-db: $tmp/cut.mmdb|" "$tmp/cfg-b.yaml" >"$tmp/cfg-baddb.yaml"
sed "s|file: .*|file: $tmp/wl-bad.txt|" "$tmp/cfg-b.yaml" >"$tmp/cfg-badwl.yaml"

cp "$tmp/cfg-a.yaml" "$tmp/cfg.yaml"
mkfifo "$tmp/out.json"
# the checker must be able to fail: a record whose country is set a's and ASN set b's is torn
printf '%s\n' '{"dest_geo":{"country":"US","asn":64602}}' '{"dest_geo":{"country":"JP","asn":64602}}' \
  '{"dest_geo":{"country":"JP"},"alert":{"watchlist":"A-net"}}' >"$tmp/torn.json"
python3 "$here/torn_check.py" "$tmp/torn.json" "$tmp/torn.out" || fail "torn_check.py"
[ "$(head -1 "$tmp/torn.out")" = "3 2 1 0 1" ] || fail "torn_check.py missed a torn record: $(head -1 "$tmp/torn.out")"
python3 "$here/torn_check.py" "$tmp/out.json" "$tmp/checked" &
checker=$!
"$sluiced" -q -c "$tmp/cfg.yaml" --synth --set capture.synth.packets=0 --set capture.synth.flows=20000 \
  -o "$tmp/out.json" --stats-json "$tmp/stats.json" 2>"$tmp/log" &
pid=$!

count() { grep -c "$1" "$tmp/log"; }
wait_count() { # pattern, at least
  for _ in $(seq 1 4000); do [ "$(count "$1")" -ge "$2" ] && return 0; kill -0 "$pid" 2>/dev/null || return 1; sleep 0.005; done
  return 1
}
swap() { cp "$1" "$tmp/cfg.yaml.new" && mv "$tmp/cfg.yaml.new" "$tmp/cfg.yaml"; }
sleep 0.3
kill -0 "$pid" 2>/dev/null || fail "sluiced exited at start"
refused=0
for i in $(seq 1 "$reloads"); do
  if [ $((i % 10)) = 0 ]; then
    bad=$([ $((i % 20)) = 0 ] && echo baddb || echo badwl)
    swap "$tmp/cfg-$bad.yaml"
    kill -HUP "$pid" || fail "sluiced gone at reload $i"
    refused=$((refused + 1))
    wait_count "stays in force" "$refused" || fail "reload $i: the $bad configuration was not refused"
  fi
  swap "$tmp/cfg-$([ $((i % 2)) = 1 ] && echo b || echo a).yaml"
  kill -HUP "$pid" || fail "sluiced gone at reload $i"
  wait_count "published as configuration version" "$i" || fail "reload $i not published"
done
grep -q "app.geoip.city-db $tmp/cut.mmdb: .*the running configuration stays in force" "$tmp/log" ||
  fail "the damaged database was not named"
grep -q "watchlist $tmp/wl-bad.txt:4: not a JA3 hash (32 hex digits) (1 bad row); the running configuration stays in force" "$tmp/log" ||
  fail "the bad watchlist row was not named by file and line"
progress() { cat "$tmp/checked.progress" 2>/dev/null || echo 0; }
while [ "$(progress)" -lt "$packets" ]; do
  kill -0 "$pid" 2>/dev/null || fail "sluiced ended before $packets records"
  sleep 0.2
done
kill -TERM "$pid"
wait "$pid"; rc=$?; pid=
wait "$checker"; checker=
[ "$rc" = 0 ] || fail "sluiced exited $rc (3: the ledger does not balance)"
python3 - "$tmp/stats.json" "$tmp/checked" "$packets" "$reloads" <<'PY' || fail "checks"
import json, sys
st = json.load(open(sys.argv[1]))
first, *examples = open(sys.argv[2]).read().splitlines()
lines, torn, alerts, sa, sb = map(int, first.split())
delivered = sum(s["delivered"] for s in st["sinks"])
pkts = st["capture"]["packets"]
print(f"enrich reload test: {sys.argv[4]} reloads, {pkts} packets, {lines} records ({sa} from set a, {sb} from "
      f"set b), {alerts} alerts, {torn} torn, delivered {delivered}, balanced {st['balanced']}")
for e in filter(None, examples):
    print("torn:", e)
ok = (st["balanced"] and lines == delivered and torn == 0 and pkts >= int(sys.argv[3]) and sa > 0 and sb > 0
      and st["events"].get("alert", 0) == alerts == st["enrich"]["alerts"] and alerts > 0)
sys.exit(0 if ok else 1)
PY
echo "enrich reload test: $reloads reloads, $refused refused, no torn record, ledger balanced"
