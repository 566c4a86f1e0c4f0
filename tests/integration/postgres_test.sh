#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# PostgreSQL as a source of settings, against a real server (Debian's, from a temp dir on
# 127.0.0.1): conf/postgres.sql loads (twice); precedence file < database ('*' < this sensor) <
# command line, read back with --dump-config; a bad row refuses the start naming the row; a
# running sluiced (live capture on the loopback of a namespace of the test's own, so it idles)
# applies an UPDATE within a second, refuses a bad row and keeps its settings, keeps running
# while the server is down, reconnects and applies changes again; it exits 0, balanced.
# Exits 77 (skipped) saying why when not root.
#
#   postgres_test.sh SLUICED CONFDIR
set -uo pipefail
sluiced=$1 confdir=$2
here=$(cd "$(dirname "$0")" && pwd)
. "$here/check.sh"
. "$here/../services/postgres.sh"
skip() { echo "SKIP postgres: $1"; exit 77; }
[ "$(id -u)" = 0 ] || skip "not root (initdb runs as the postgres user)"
id postgres >/dev/null 2>&1 || { echo "FAIL no postgres user (scripts/setup installs postgresql)"; exit 1; }

tmp=$(mktemp -d /tmp/sluice-pg-XXXXXX)
ns="sluice-pg-$$"
spid=
cleanup() {
  [ -n "$spid" ] && kill -KILL "$spid" 2>/dev/null
  pg_stop
  ip netns del "$ns" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
wait_for() { local i; for i in $(seq 1 $(($1 * 10))); do eval "$2" && return 0; sleep 0.1; done; return 1; }

check "the server starts" 'pg_start "$tmp"'
[ -n "${PG_CONNINFO:-}" ] || exit 1
check "conf/postgres.sql loads" 'pg_sql "\i $confdir/postgres.sql" >/dev/null'
check "and loads again" 'pg_sql "\i $confdir/postgres.sql" >/dev/null'

cat >"$tmp/sluice.yaml" <<YML
log: {level: warning}
flow: {timeouts: {udp: 40s, icmp: 40s, new: 40s}}
postgres: {enabled: true, conninfo: "$PG_CONNINFO", sensor: sensor-a, reconnect-max: 300ms}
YML
pg_sql "INSERT INTO sluice_settings (sensor, key, value) VALUES
  ('*', 'flow.timeouts.udp', '50s'), ('*', 'flow.timeouts.icmp', '50s'),
  ('sensor-a', 'flow.timeouts.icmp', '35s'), ('sensor-b', 'flow.timeouts.udp', '99s')"
dump() { "$sluiced" -c "$tmp/sluice.yaml" "$@" --dump-config 2>"$tmp/dump.err"; }
val() { sed -n "/^flow:/,/^[a-z]/p" "$tmp/dump.out" | sed -n "/^    $1:/s/^    $1: *//p"; }
dump --set flow.timeouts.new=45s >"$tmp/dump.out"
check "the command line over the file where the database says nothing (new: $(val new))" '[ "$(val new)" = 45s ]'
check "the database's '*' row over the file (udp: $(val udp))" '[ "$(val udp)" = 50s ]'
check "this sensor's row over '*' (icmp: $(val icmp))" '[ "$(val icmp)" = 35s ]'
dump --set flow.timeouts.udp=25s >"$tmp/dump.out"
check "the command line over the database (udp: $(val udp))" '[ "$(val udp)" = 25s ]'

pg_sql "INSERT INTO sluice_settings VALUES ('*', 'workers.cuont', '2')"
dump >/dev/null
rc=$?
check "a bad row refuses the start (exit $rc) naming it" \
  '[ $rc = 2 ] && grep -q "sluice_settings row sensor=.\*. key=.workers.cuont.: unknown key" "$tmp/dump.err"'
pg_sql "DELETE FROM sluice_settings WHERE key = 'workers.cuont'"
pg_sql "INSERT INTO sluice_settings VALUES ('*', 'postgres.enabled', 'false')"
dump >/dev/null
check "the database may not set postgres.*" 'grep -q "postgres.\* comes from the file or the command line only" "$tmp/dump.err"'
pg_sql "DELETE FROM sluice_settings WHERE key = 'postgres.enabled'"

# a running sluiced, idle on a loopback of its own; the namespace has its own 127.0.0.1, so it
# reaches the server through its unix socket
ip netns add "$ns" 2>"$tmp/err" || skip "ip netns add: $(cat "$tmp/err")"
ip -n "$ns" link set lo up
ip netns exec "$ns" "$sluiced" -q -c "$tmp/sluice.yaml" -i lo -o "$tmp/eve.json" --stats-json "$tmp/ledger.json" \
  --set log.level=info --set "postgres.conninfo=host=$PG_DIR port=$PG_PORT user=postgres dbname=sluice" \
  --set app.watchlist.enabled=true --set app.watchlist.strict=false 2>"$tmp/run.err" &
spid=$!
check "sluiced connects and listens" 'wait_for 20 "grep -q \"postgres: connected; listening on sluice_config\" \"$tmp/run.err\""'
check "the start read no row in error" '! grep -q "sluice_settings row" "$tmp/run.err"'
sleep 0.5
t0=$(date +%s%N)
pg_sql "UPDATE sluice_settings SET value = '55s' WHERE sensor = '*' AND key = 'flow.timeouts.udp'"
check "an UPDATE is applied (live key)" 'wait_for 10 "grep -q \"postgres: flow.timeouts.udp: 50s -> 55s\" \"$tmp/run.err\""'
t1=$(date +%s%N)
echo "     (applied $(( (t1 - t0) / 1000000 )) ms after the commit, as the test saw it)"
check "as a published configuration version" 'grep -q "postgres: 1 live change published as configuration version" "$tmp/run.err"'
# a config record in the EVE output: SOURCE KEY FROM TO (applied), read with python
config_rec() {
  python3 - "$tmp/eve.json" "$@" <<'PY'
import json, sys
path, source, key, frm, to = sys.argv[1:6]
for line in open(path):
    r = json.loads(line)
    if r.get("event_type") == "config" and r["config"]["source"] == source and r["config"]["version"] > 1:
        if any(c["key"] == key and c["from"] == frm and c["to"] == to and c["applied"] for c in r["config"]["changes"]):
            sys.exit(0)
sys.exit(1)
PY
}
check "and as a config record to every sink (source postgres, 50s to 55s, applied)" \
  'wait_for 10 "config_rec postgres flow.timeouts.udp 50s 55s"'

pg_sql "INSERT INTO sluice_settings VALUES ('sensor-a', 'flow.timeouts.tcp', '1s')"
check "a row with an unknown key is refused, naming it; the settings stay" \
  'wait_for 10 "grep -q \"sluice_settings row sensor=.sensor-a. key=.flow.timeouts.tcp.: unknown key; the settings in force stay\" \"$tmp/run.err\""'
pg_sql "DELETE FROM sluice_settings WHERE key = 'flow.timeouts.tcp'"
pg_sql "UPDATE sluice_settings SET value = 'soon' WHERE sensor = '*' AND key = 'flow.timeouts.udp'"
check "a value that does not parse is refused, naming the row; the configuration stays" \
  'wait_for 10 "grep -q \"postgres: postgres: sluice_settings row sensor=.\*. key=.flow.timeouts.udp.: .*the running configuration stays in force\" \"$tmp/run.err\""'
pg_sql "UPDATE sluice_settings SET value = '55s' WHERE sensor = '*' AND key = 'flow.timeouts.udp'"

# watchlist rows: a DNS query inside the namespace, before and after a row names it
query() { # NAME: one DNS query to the namespace's own 127.0.0.1 (nothing answers: ICMP comes back)
  ip netns exec "$ns" python3 -c "
import socket, sys
n = sys.argv[1].encode()
q = b'\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00' + b''.join(bytes([len(p)]) + p for p in n.split(b'.')) + b'\x00\x00\x01\x00\x01'
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(q, ('127.0.0.1', 53))" "$1"
}
alerts() { grep -c "\"event_type\":\"alert\".*\"watchlist\":\"$1\"" "$tmp/eve.json"; }
query before.watch-me.example
check "the query is a record" 'wait_for 10 "grep -q before.watch-me.example \"$tmp/eve.json\""'
check "no alert before the row" '[ "$(alerts pgtest)" = 0 ]'
t0=$(date +%s%N)
pg_sql "INSERT INTO sluice_watchlist (kind, value, tag, severity) VALUES ('domain', '*.watch-me.example', 'pgtest', 1),
  ('ip', 'not-an-address', 'pgbad', 3), ('ja3', 'e7d705a3286e19ea42f587b344ee6865', 'pgja3', 2)"
check "the new rows are in force, the bad one skipped and named by its id" \
  'wait_for 10 "grep -q \"postgres: [0-9]* settings*, 2 watchlist rows in force\" \"$tmp/run.err\"" &&
   grep -q "postgres: sluice_watchlist row id=2: .*(row skipped)" "$tmp/run.err"'
query after.watch-me.example
check "a query the row names raises an alert" 'wait_for 10 "[ \$(alerts pgtest) = 1 ]"'
t1=$(date +%s%N)
echo "     (alert seen $(( (t1 - t0) / 1000000 )) ms after the INSERT's commit, including the query)"
check "the alert carries the row's tag, severity and the matched name" \
  'grep "\"event_type\":\"alert\"" "$tmp/eve.json" | grep -q "\"severity\":1.*\"watchlist\":\"pgtest\""'
pg_sql "UPDATE sluice_watchlist SET enabled = false WHERE tag = 'pgtest'"
check "a row disabled is gone" 'wait_for 10 "grep -q \"postgres: [0-9]* settings*, 1 watchlist row in force\" \"$tmp/run.err\""'
query again.watch-me.example
check "and raises no alert" 'wait_for 10 "grep -q again.watch-me.example \"$tmp/eve.json\"" && [ "$(alerts pgtest)" = 1 ]'

pg_down
check "the server going away is noticed" 'wait_for 10 "grep -q \"postgres: connection lost\" \"$tmp/run.err\""'
sleep 1
check "sluiced keeps running without it" 'kill -0 $spid'
pg_up
check "it reconnects once the server is back" \
  'wait_for 20 "[ \$(grep -c \"postgres: connected; listening\" \"$tmp/run.err\") -ge 2 ]"'
pg_sql "UPDATE sluice_settings SET value = '57s' WHERE sensor = '*' AND key = 'flow.timeouts.udp'"
check "changes apply again" 'wait_for 10 "grep -q \"postgres: flow.timeouts.udp: 55s -> 57s\" \"$tmp/run.err\""'

kill -TERM "$spid"
wait "$spid"
rc=$?
spid=
check "sluiced exits 0 on SIGTERM" '[ $rc = 0 ]'
check "the ledger balances" '[ "$(jget "$tmp/ledger.json" "d[\"balanced\"]")" = True ]'

pg_down
"$sluiced" -q -c "$tmp/sluice.yaml" --synth --set capture.synth.packets=100 --set postgres.connect-timeout=500ms \
  -o /dev/null 2>"$tmp/down.err"
check "a server that is down at start is said, and the start goes on with the file" \
  'grep -q "starting with the file.s settings, the database.s follow once it answers" "$tmp/down.err"'

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
