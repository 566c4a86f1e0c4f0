#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The main thread's timers and the latency histograms, end to end:
#   1. stats records from an endless synthetic run (records every 200 ms, then SIGTERM): they
#      parse, their counters only grow, none exceeds the final ledger, and the final record
#      (made once every worker has ended) equals the ledger's capture, decode and event counts;
#      the stats->router hop balances and carried exactly the stats records the file holds;
#   2. latency: every sampled record is counted at each stage (worker = router = the file
#      sink, which takes every type), the text ledger prints a line per stage, the Prometheus
#      page has the histograms and promtool accepts it;
#   3. SLUICE_TEST_LOSE=stats unbalances that hop: exit 3 naming it;
#   4. http_summary on a replayed capture (one worker, 100 ms windows of packet time): each
#      summary counts exactly the http records written before it since the previous one, its
#      status classes are theirs, every listed host's true count lies in [count - error,
#      count], and a second replay gives the same summaries byte for byte;
#   6. the same check over the watchlist file the configuration names: refreshed, loaded again
#   5. the configuration check (every 200 ms): a file touched with the same content is not
#      reloaded, a changed one is, like SIGHUP (a new configuration version is published).
#
#   stats_test.sh SLUICED SLUICE_SYNTH
set -uo pipefail
sluiced=$1 synth=$2
here=$(cd "$(dirname "$0")" && pwd)
. "$here/check.sh"
. "$here/../services/proc.sh"
tmp=$(mktemp -d /tmp/sluice-stats-XXXXXX)
pid=
cleanup() { [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
wait_for() { local i; for i in $(seq 1 $(($1 * 10))); do eval "$2" && return 0; sleep 0.1; done; return 1; }

# ---- 1 and 2: stats records, latency, the metrics page ------------------------------------
port=$(svc_free_port)
"$sluiced" -q --synth --set capture.synth.packets=0 -w 2 -o "$tmp/run.json" --stats-json "$tmp/run.ledger" \
  --set outputs.file.types=[flow,http,tls,dns,alert,stats,http_summary] --set stats.records-interval=200ms \
  --set stats.latency-sample=16 --set metrics.enabled=true --set metrics.listen=127.0.0.1:$port \
  --set stats.interval=100ms 2>"$tmp/run.err" &
pid=$!
check "sluiced serves /metrics" 'wait_for 20 "curl -sf http://127.0.0.1:$port/metrics -o $tmp/page"'
sleep 1.5
curl -sf "http://127.0.0.1:$port/metrics" -o "$tmp/page"
kill -TERM "$pid"
wait "$pid"; rc=$?; pid=
check "sluiced exits 0 (balanced)" '[ $rc = 0 ]'
python3 - "$tmp/run.json" "$tmp/run.ledger" >"$tmp/run.check" 2>&1 <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
led = json.load(open(sys.argv[2]))
stats = [r["stats"] for r in recs if r["event_type"] == "stats"]
def say(name, ok):
    print(("ok   " if ok else "FAIL ") + name)
say(f"at least 4 stats records ({len(stats)})", len(stats) >= 4)
paths = [("capture", "kernel_packets"), ("decoder", "ok"), ("events", "flow"), ("events", "dns")]
mono = all(stats[i][a][b] <= stats[i + 1][a][b] for i in range(len(stats) - 1) for a, b in paths)
say("stats counters only grow from one record to the next", mono)
lmap = {("capture", "kernel_packets"): led["capture"]["packets"], ("decoder", "ok"): led["decode"]["ok"],
        ("events", "flow"): led["events"]["flow"], ("events", "dns"): led["events"]["dns"]}
say("no stats record counts more than the final ledger",
    all(s[a][b] <= lmap[(a, b)] for s in stats for a, b in paths))
last = stats[-1]
say(f"the final stats record = the ledger: packets {last['capture']['kernel_packets']}, decoded, flow and dns events",
    all(last[a][b] == lmap[(a, b)] for a, b in paths))
say("the final record's worker rings are empty (every worker had ended)",
    all(v["in_flight"] == 0 for k, v in last["rings"].items() if k.startswith("capture")))
ring = [r for r in led["rings"] if r["name"] == "stats->router"]
say("the ledger has the stats->router hop", len(ring) == 1)
r = ring[0]
say(f"stats->router balances: produced {r['produced']} = consumed {r['consumed']}, nothing in flight",
    r["produced"] == r["consumed"] + r["dropped"] + r["in_flight"] and r["in_flight"] == 0)
say(f"it carried the stats records the file holds ({len(stats)})", r["consumed"] == len(stats) == led["events"]["stats"])
say("each stats record names every ring and sink of the ledger",
    set(last["rings"]) == {x["name"] for x in led["rings"]} and set(last["sinks"]) == {x["name"] for x in led["sinks"]})
lat = led["latency"]
w, ro, sk = lat["worker"]["count"], lat["router"]["count"], lat["sink:file"]["count"]
events = sum(v for k, v in led["events"].items() if k != "stats")
say(f"sampled records: worker {w} = router {ro} = file sink {sk}, > 0, at most 1 in 16 of {events}",
    w == ro == sk and 0 < w <= events // 16 + 2)
say("each histogram's buckets sum to its count",
    all(sum(v["buckets"]) == v["count"] for v in lat.values()))
say("p50 <= p99 <= max at every stage", all(v["p50_ns"] <= v["p99_ns"] <= v["max_ns"] for v in lat.values()))
say("the last stats record has the latency of every stage",
    set(last["latency"]) == set(lat) and all(last["latency"][k]["count"] <= lat[k]["count"] for k in lat))
PY
cat "$tmp/run.check"
pass=$((pass + $(grep -c '^ok' "$tmp/run.check"))) fail=$((fail + $(grep -c '^FAIL' "$tmp/run.check")))
grep -q '^FAIL\|Traceback' "$tmp/run.check" && fail=$((fail + 1))
check "the text ledger has a latency line per stage" \
  '[ "$(grep -c "^latency   \(worker\|router\|sink:file\) .* p50 .* p99 .* max " "$tmp/run.err")" = 3 ]'
check "the page has a latency histogram per stage" \
  '[ "$(grep -c "^sluice_latency_seconds_count{stage=" "$tmp/page")" = 3 ] && grep -q "^sluice_latency_seconds_bucket{stage=\"router\",le=\"+Inf\"}" "$tmp/page"'
if command -v promtool >/dev/null; then
  check "promtool check metrics accepts the page" 'promtool check metrics <"$tmp/page" >"$tmp/promtool.out" 2>&1'
  [ -s "$tmp/promtool.out" ] && cat "$tmp/promtool.out"
else
  bad "promtool missing (scripts/setup installs prometheus)"
fi

# ---- 3: the hop's check can fail -------------------------------------------------------------
SLUICE_TEST_LOSE=stats "$sluiced" -q --synth --set capture.synth.packets=2000 -o /dev/null \
  --set stats.records-interval=10ms 2>"$tmp/lose.err"
rc=$?
check "SLUICE_TEST_LOSE=stats: exit 3 naming the stats->router hop" \
  '[ $rc = 3 ] && grep -q "DOES NOT BALANCE: hop stats->router" "$tmp/lose.err"'

# ---- 4: http_summary -------------------------------------------------------------------------
"$synth" -o "$tmp/s.pcap" -n 30000 -f 400 >/dev/null 2>&1
for run in a b; do
  "$sluiced" -q -r "$tmp/s.pcap" -w 1 -o "$tmp/hs.$run.json" --stats-json "$tmp/hs.$run.ledger" \
    --set outputs.file.types=[http,http_summary] --set stats.http-summary-interval=100ms \
    --set stats.http-summary-top=8 2>"$tmp/hs.$run.err"
  check "replay $run exits 0" '[ $? = 0 ]'
done
python3 - "$tmp/hs.a.json" "$tmp/hs.a.ledger" >"$tmp/hs.check" 2>&1 <<'PY'
import json, sys, collections
def say(name, ok):
    print(("ok   " if ok else "FAIL ") + name)
led = json.load(open(sys.argv[2]))
window, sums, good, hosts_ok, classes_ok, nsum, total = [], [], True, True, True, 0, 0
def cls(s):
    return "none" if not s else f"{s // 100}xx" if 100 <= s < 600 else "other"
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["event_type"] == "http":
        window.append(e["http"])
        continue
    s = e["http_summary"]
    nsum += 1
    total += s["requests"]
    good &= s["requests"] == len(window)
    classes = collections.Counter(cls(h.get("status", 0)) for h in window)
    classes_ok &= all(s["status"][k] == classes.get(k, 0) for k in s["status"])
    truth = collections.Counter(h["hostname"] for h in window if h.get("hostname"))
    hosts_ok &= len(s["hosts"]) == min(8, len(truth))
    hosts_ok &= all(t["count"] - t["error"] <= truth[t["value"]] <= t["count"] for t in s["hosts"])
    window = []
say(f"several summaries ({nsum})", nsum >= 2)
say("each summary counts the http records written before it since the previous one", good)
say(f"every http record is in a summary ({total} = {led['events']['http']} http events, none after the last)",
    total == led["events"]["http"] and not window)
say("status classes equal the records'", classes_ok)
say("listed hosts: top 8, true count within [count - error, count]", hosts_ok)
say(f"the ledger counts the summaries ({led['events']['http_summary']})", led["events"]["http_summary"] == nsum)
PY
cat "$tmp/hs.check"
pass=$((pass + $(grep -c '^ok' "$tmp/hs.check"))) fail=$((fail + $(grep -c '^FAIL' "$tmp/hs.check")))
grep -q 'Traceback' "$tmp/hs.check" && fail=$((fail + 1))
check "a second replay gives the same summaries" \
  'cmp -s <(grep http_summary "$tmp/hs.a.json") <(grep http_summary "$tmp/hs.b.json")'

# ---- 5: the configuration check ------------------------------------------------------------------
printf 'flow:\n  timeouts:\n    udp: 60s\n' >"$tmp/cfg.yaml"
"$sluiced" -q -c "$tmp/cfg.yaml" --synth --set capture.synth.packets=0 -o /dev/null \
  --set run.config-check-interval=200ms 2>"$tmp/cfg.err" &
pid=$!
# the file is hashed at start: change nothing before sluiced runs (a sanitizer build starts slowly)
check "sluiced runs with the file" 'wait_for 60 "grep -q \"info: running:\" $tmp/cfg.err"'
sleep 0.5
touch "$tmp/cfg.yaml"
cp "$tmp/cfg.yaml" "$tmp/cfg.new" && mv "$tmp/cfg.new" "$tmp/cfg.yaml" # same bytes, a new inode
sleep 1
check "a touched file with the same content is not reloaded" '! grep -q "changed: reloading" "$tmp/cfg.err"'
printf 'flow:\n  timeouts:\n    udp: 45s\n' >"$tmp/cfg.yaml"
check "a changed file is reloaded within a few checks" 'wait_for 30 "grep -q \"configuration check: $tmp/cfg.yaml changed: reloading\" $tmp/cfg.err"'
check "as SIGHUP does: the live key is published" \
  'wait_for 5 "grep -q \"flow.timeouts.udp: 1m -> 45s\" $tmp/cfg.err && grep -q \"published as configuration version 2\" $tmp/cfg.err"'
sleep 0.6
check "and only once" '[ "$(grep -c "changed: reloading" "$tmp/cfg.err")" = 1 ]'
kill -TERM "$pid"
wait "$pid"; rc=$?; pid=
check "sluiced exits 0 after the reload" '[ $rc = 0 ]'
[ "$fail" = 0 ] || tail -n 20 "$tmp/cfg.err"

# ---- 6: the same check over the enrichment files the configuration names -----------------------
printf 'domain nothing.example t1 3\n' >"$tmp/wl.txt"
"$sluiced" -q --synth --set capture.synth.packets=0 -o /dev/null --set run.config-check-interval=200ms \
  --set app.watchlist.enabled=true --set "app.watchlist.file=$tmp/wl.txt" 2>"$tmp/wl.err" &
pid=$!
check "sluiced runs with the watchlist" 'wait_for 60 "grep -q \"info: running:\" $tmp/wl.err"'
sleep 0.5
cp "$tmp/wl.txt" "$tmp/wl.new" && mv "$tmp/wl.new" "$tmp/wl.txt" # same bytes, a new inode
sleep 1
check "a rewritten watchlist with the same content is not reloaded" '! grep -q "changed: reloading" "$tmp/wl.err"'
printf 'domain nothing.example t1 3\ndomain other.example t2 2\n' >"$tmp/wl.new" && mv "$tmp/wl.new" "$tmp/wl.txt"
check "a refreshed watchlist file is loaded again without a signal" \
  'wait_for 30 "grep -q \"configuration check: a GeoIP database or the watchlist file changed: reloading\" $tmp/wl.err" &&
   wait_for 5 "grep -q \"published as configuration version 2\" $tmp/wl.err"'
kill -TERM "$pid"
wait "$pid"; rc=$?; pid=
check "sluiced exits 0 after it" '[ $rc = 0 ]'
[ "$fail" = 0 ] || tail -n 20 "$tmp/wl.err"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
