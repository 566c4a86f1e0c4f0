-- SPDX-License-Identifier: MIT
-- sluice's tables in PostgreSQL, the optional second source of settings (postgres.enabled).
-- Load it once into the database postgres.conninfo names:  psql -d sluice -f conf/postgres.sql
-- It can be loaded again: every statement keeps what exists.
--
-- sluice_settings: one row per key, as `--set KEY=VALUE` would write it (the same keys and
-- values as conf/sluice.yaml). Rows of sensor '*' apply to every sensor; a sensor's own rows
-- (postgres.sensor) override them. Precedence, lowest first: built-in defaults, the file, the
-- database, the command line. postgres.* cannot be set from here.
--
-- Every change to the table sends NOTIFY on the channel sluiced listens to (postgres.channel,
-- default sluice_config); sluiced reads the table again and applies it, within a second. A row
-- that does not parse makes the whole read refused, naming the row, and the settings in force
-- stay; live keys ([live] in conf/sluice.yaml) apply at once, the others at the next start.

CREATE TABLE IF NOT EXISTS sluice_settings (
    sensor     text        NOT NULL DEFAULT '*',
    key        text        NOT NULL,
    value      text        NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (sensor, key)
);

-- sluice_watchlist: entries in the watchlist file's format (docs/ARCHITECTURE.md, Watchlists):
-- kind ip|cidr|domain|ja3|ja4|country, value (a "*.name" domain matches the name and every name
-- under it), tag, severity 1 (highest)..255, an optional signature. With app.watchlist.enabled,
-- sluiced reads the enabled rows of sensor '*' and of its own sensor after app.watchlist.file's
-- (the file may be empty then). A row that does not parse is skipped and named by its id; the
-- others load.
CREATE TABLE IF NOT EXISTS sluice_watchlist (
    id         bigserial   PRIMARY KEY,
    sensor     text        NOT NULL DEFAULT '*',
    kind       text        NOT NULL,
    value      text        NOT NULL,
    tag        text        NOT NULL,
    severity   integer     NOT NULL DEFAULT 2,
    signature  text,
    enabled    boolean     NOT NULL DEFAULT true,
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE OR REPLACE FUNCTION sluice_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('sluice_config', TG_TABLE_NAME);
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS sluice_settings_notify ON sluice_settings;
CREATE TRIGGER sluice_settings_notify
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON sluice_settings
    FOR EACH STATEMENT EXECUTE FUNCTION sluice_notify();

DROP TRIGGER IF EXISTS sluice_watchlist_notify ON sluice_watchlist;
CREATE TRIGGER sluice_watchlist_notify
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON sluice_watchlist
    FOR EACH STATEMENT EXECUTE FUNCTION sluice_notify();
