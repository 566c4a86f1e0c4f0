#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# sluiced with GeoIP/ASN enrichment and a watchlist on synthetic traffic (HTTP, TLS, DNS):
#  1. every record's src_geo/dest_geo equals what mmdblookup reads from the same files, and the
#     alert records are exactly those an independent re-implementation of the rules expects
#     (enrich_check.py), the ledger counting them;
#  2. the same run without enrichment gives the same records, byte for byte, once the geo
#     members and the alert records are taken out of the enriched run (flow ids aside: they
#     carry the worker, and which worker a flow gets is keyed per process);
#  3. a damaged database, a file that is not one, and a watchlist with a bad row are refused at
#     start, naming the file (and line).
#
#   enrich_test.sh SLUICED
set -uo pipefail
sluiced=$1
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d /tmp/sluice-enrich-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL enrich test: $*"; tail -n 20 "$tmp/log" 2>/dev/null; exit 1; }

perl "$here/make_mmdb.pl" "$tmp" a || fail "make_mmdb.pl (libmaxmind-db-writer-perl missing? scripts/setup)"
command -v mmdblookup >/dev/null || fail "mmdblookup missing (mmdb-bin; scripts/setup)"
synth=(--synth --set capture.synth.packets=60000 --set capture.synth.flows=300 --set capture.synth.seed=7)

# the fingerprints the generator's TLS clients present, from a plain run
"$sluiced" -q "${synth[@]}" -o "$tmp/plain.json" 2>"$tmp/log" || fail "plain run"
ja3=$(grep -m1 -o '"ja3":{"hash":"[0-9a-f]*' "$tmp/plain.json" | sed 's/.*"//')
ja4=$(grep -m1 -o '"ja4":"[^"]*' "$tmp/plain.json" | sed 's/.*"//')
[ -n "$ja3" ] && [ -n "$ja4" ] || fail "no TLS fingerprint in the plain run"
host=$(grep -m1 -o '"hostname":"[^"]*' "$tmp/plain.json" | sed 's/.*"//')

cat >"$tmp/wl.txt" <<W
# every kind, written the ways the format allows
domain *.example.org   suffix-org  2
domain ${host^^}.      exact-host  4 an exact name, upper case, trailing dot
ip     203.0.113.0/24  tls-net     1 TLS servers
ip     203.0.113.10    tls-host    5
cidr   2001:db8::/32   six         6
ja3    ${ja3^^}        ja3-client  3
ja4    $ja4            ja4-client  3
country de             de-servers  7
W
enrich=(--set app.geoip.enabled=true --set app.geoip.city-db="$tmp/city-a.mmdb"
        --set app.geoip.asn-db="$tmp/asn-a.mmdb" --set app.watchlist.enabled=true
        --set app.watchlist.file="$tmp/wl.txt")
"$sluiced" -q "${synth[@]}" "${enrich[@]}" -o "$tmp/out.json" --stats-json "$tmp/stats.json" 2>"$tmp/log" ||
  fail "enriched run exited $?"
python3 "$here/enrich_check.py" "$tmp/out.json" "$tmp/stats.json" "$tmp/city-a.mmdb" "$tmp/asn-a.mmdb" \
  "$tmp/wl.txt" || fail "enrich_check"
for k in domain ip ja3 ja4 country; do
  grep -q "\"match\":{\"kind\":\"$k\"" "$tmp/out.json" || fail "no alert of kind $k"
done
grep -q '"field":"http.hostname"' "$tmp/out.json" || fail "no alert on an HTTP host"
grep -q '"field":"tls.sni"' "$tmp/out.json" || fail "no alert on a TLS SNI"
grep -q '"field":"dns.rrname"' "$tmp/out.json" || fail "no alert on a DNS name"

python3 - "$tmp/plain.json" "$tmp/out.json" <<'PY' || fail "records differ once enrichment is taken out"
import json, re, sys
geo = re.compile(r',"(src|dest)_geo":\{[^{}]*\}')
fid = re.compile(r'"flow_id":\d+,')
# the engine's own counters differ run to run, HTTP summaries are per worker (keyed per process)
own = ('"event_type":"stats"', '"event_type":"http_summary"')
plain = sorted(fid.sub("", l) for l in open(sys.argv[1], encoding="utf-8").read().splitlines()
               if not any(o in l for o in own))
enr = sorted(fid.sub("", geo.sub("", l)) for l in open(sys.argv[2], encoding="utf-8").read().splitlines()
             if '"event_type":"alert"' not in l and not any(o in l for o in own))
print(f"enrich test: {len(plain)} plain records, {len(enr)} enriched (alerts aside)")
sys.exit(0 if plain == enr and plain else 1)
PY

# refusals at start, naming the file
head -c 1000 "$tmp/city-a.mmdb" >"$tmp/cut.mmdb"
printf 'not a database at all\n' >"$tmp/junk.mmdb"
for db in cut junk missing; do
  "$sluiced" -q "${synth[@]}" "${enrich[@]}" --set app.geoip.city-db="$tmp/$db.mmdb" -o /dev/null 2>"$tmp/log"
  rc=$?
  [ "$rc" = 1 ] || fail "$db.mmdb: exit $rc, expected 1"
  grep -q "app.geoip.city-db $tmp/$db.mmdb: " "$tmp/log" || fail "$db.mmdb: not named in the error"
done
{ cat "$tmp/wl.txt"; echo "ip 10.0.0.1/8 typo 1"; } >"$tmp/bad.txt"
"$sluiced" -q "${synth[@]}" "${enrich[@]}" --set app.watchlist.file="$tmp/bad.txt" -o /dev/null 2>"$tmp/log"
[ $? = 1 ] || fail "a bad watchlist row was not refused"
grep -q "watchlist $tmp/bad.txt:10: host bits set past the prefix length (1 bad row)" "$tmp/log" ||
  fail "the bad row is not named by file and line"
# not strict: the row is named, the rest loaded
"$sluiced" -q "${synth[@]}" "${enrich[@]}" --set app.watchlist.file="$tmp/bad.txt" --set app.watchlist.strict=false \
  -o /dev/null 2>"$tmp/log" || fail "not strict: refused"
grep -q "watchlist $tmp/bad.txt:10: host bits set past the prefix length (row skipped)" "$tmp/log" ||
  fail "not strict: the bad row is not named"
echo "enrich test: geo, alerts, plain equivalence and refusals all hold"
