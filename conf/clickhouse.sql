-- SPDX-License-Identifier: MIT
-- The ClickHouse sink's tables (engine/sinks/clickhouse): one per event type, named
-- outputs.clickhouse.table-prefix + the event type, in outputs.clickhouse.database.
-- Valid on Debian's 18.16 and on current releases. One statement per line:
--   grep -v '^--' conf/clickhouse.sql | while read -r q; do curl -sS --data-binary "$q" http://127.0.0.1:8123/; done
--
-- batch_id  the sink's batch (a random 64-bit id): a retry asks count() WHERE batch_id = X
--           before sending a batch again, so a lost reply never duplicates rows
-- ts        the event's time (seconds, UTC); flow_id the flow's id (0 for stats and config)
-- eve       the EVE JSON line the file sink writes: visitParamExtractString(eve, 'src_ip') on
--           18.16, JSONExtractString(eve, 'src_ip') on current releases
-- No PARTITION BY on purpose: one INSERT is then always one part, committed whole or not at
-- all, which the batch_id check relies on (a batch across two partitions could half commit).
CREATE DATABASE IF NOT EXISTS sluice
CREATE TABLE IF NOT EXISTS sluice.flow (batch_id UInt64, ts DateTime, flow_id UInt64, eve String) ENGINE = MergeTree() ORDER BY (ts, flow_id)
CREATE TABLE IF NOT EXISTS sluice.http (batch_id UInt64, ts DateTime, flow_id UInt64, eve String) ENGINE = MergeTree() ORDER BY (ts, flow_id)
CREATE TABLE IF NOT EXISTS sluice.tls (batch_id UInt64, ts DateTime, flow_id UInt64, eve String) ENGINE = MergeTree() ORDER BY (ts, flow_id)
CREATE TABLE IF NOT EXISTS sluice.dns (batch_id UInt64, ts DateTime, flow_id UInt64, eve String) ENGINE = MergeTree() ORDER BY (ts, flow_id)
CREATE TABLE IF NOT EXISTS sluice.alert (batch_id UInt64, ts DateTime, flow_id UInt64, eve String) ENGINE = MergeTree() ORDER BY (ts, flow_id)
CREATE TABLE IF NOT EXISTS sluice.stats (batch_id UInt64, ts DateTime, flow_id UInt64, eve String) ENGINE = MergeTree() ORDER BY (ts, flow_id)
CREATE TABLE IF NOT EXISTS sluice.http_summary (batch_id UInt64, ts DateTime, flow_id UInt64, eve String) ENGINE = MergeTree() ORDER BY (ts, flow_id)
CREATE TABLE IF NOT EXISTS sluice.config (batch_id UInt64, ts DateTime, flow_id UInt64, eve String) ENGINE = MergeTree() ORDER BY (ts, flow_id)
