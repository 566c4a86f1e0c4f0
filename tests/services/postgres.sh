#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Test helper: a throwaway PostgreSQL server (Debian's) in a directory of the caller's, on
# 127.0.0.1 with a free port and its unix socket in that directory, touching no system path.
# initdb refuses root, so the cluster belongs to the `postgres` user the package creates.
#
# Source it, then:
#   pg_start DIR     initdb + start, creates database "sluice"; sets PG_PORT, PG_CONNINFO;
#                    non-zero (with the server's log) if it does not come up
#   pg_sql SQL       runs SQL in database sluice (psql, stops at the first error)
#   pg_down / pg_up  stops the server (fast) / starts it again on the same port and data
#   pg_stop          stops it; safe twice, and from a trap
. "$(dirname "${BASH_SOURCE[0]}")/proc.sh"

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1; }

pg_start() {
  PG_DIR=$1/pg
  PG_BIN=$(pg_bin)
  [ -x "$PG_BIN/initdb" ] || { echo "postgres.sh: no PostgreSQL server (scripts/setup installs postgresql)" >&2; return 1; }
  mkdir -p "$PG_DIR"
  chmod 755 "$1"
  chown postgres: "$PG_DIR"
  PG_PORT=$(svc_free_port)
  runuser -u postgres -- "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U postgres >"$PG_DIR/initdb.log" 2>&1 ||
    { cat "$PG_DIR/initdb.log" >&2; return 1; }
  pg_up || return 1
  pg_sql_db postgres "CREATE DATABASE sluice" >/dev/null || return 1
  PG_CONNINFO="host=127.0.0.1 port=$PG_PORT user=postgres dbname=sluice"
}

pg_up() {
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR -c fsync=off" start >/dev/null 2>&1 ||
    { echo "postgres.sh: the server did not start" >&2; tail -n 20 "$PG_DIR/server.log" >&2; return 1; }
}

pg_down() {
  [ -n "${PG_DIR:-}" ] && [ -f "$PG_DIR/data/postmaster.pid" ] &&
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w -t 30 stop >/dev/null 2>&1
  return 0
}

pg_sql_db() { psql -X -q -A -t -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "$1" -c "$2"; }
pg_sql() { pg_sql_db sluice "$1"; }

pg_stop() {
  pg_down
  PG_DIR=
}
