/* SPDX-License-Identifier: MIT */
/*
 * The schema: every configuration key, once. A row names the dotted key, its type, the field of
 * struct sl_config it fills, the default (written as a --set value would be), the limits and a
 * line of help. Defaults, loading, --set, dumping and the documentation test all read this
 * table, so a key exists exactly when it has a row here.
 *
 * These are the engine's own keys. A module's keys are a block of rows next to its code, over a
 * struct of its own (struct sl_conf_block in conf.h); sl_conf_register_blocks() places them in
 * the schema after the keys of their parent section.
 *
 * Adding a key is one field in struct sl_config (conf.h) and one row below, in the section it
 * belongs to (rows of a section stay together; the dump and conf/sluice.yaml follow this order).
 * The row macros (conf_rows.h) refuse, at compile time, a field whose C type does not match the
 * row's type.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <sys/socket.h>

#include "conf_impl.h"
#include "../flow/tcp.h" /* the overlap policies' names (header only) */
#define SL_CONF_STRUCT struct sl_config
#include "conf_rows.h"

/* Enum names, in the order of their C enums (conf.h, sluice/ring.h). */
static const char *const policy_names[] = { "auto", "block", "drop", NULL };
static const char *const wake_names[] = { "fenced", "asymmetric", NULL };
static const char *const hugepages_names[] = { "auto", "require", "never", NULL };
const char *const sl__cap_names[] = { "net_raw", "net_admin", "ipc_lock", "sys_nice", "sys_resource", NULL };
static const char *const tcp_policy_names[] = {
#define SL_TCP_POLICY_NAME(name, text) text,
	SL_TCP_POLICIES(SL_TCP_POLICY_NAME)
#undef SL_TCP_POLICY_NAME
	NULL,
};
static const char *const loglevel_names[] = { "error", "warning", "notice", "info", "debug", NULL };

static int check_listen(const void *value, char *msg, size_t msglen)
{
	struct sockaddr_storage ss;
	unsigned len;
	return sl_conf_parse_addr(*(char *const *)value, &ss, &len, msg, msglen) ? -1 : 0;
}

const struct sl_conf_key sl__conf_core[] = {
	INT("workers.count", workers.count, "2", 1, 64,
	    "worker threads; each decodes, tracks and analyses its share of the flows"),
	CPUS("workers.cpus", workers.cpus, "[]",
	     "CPUs to pin the workers to, one each in order (list or \"0-3,6\"); empty: not pinned"),

	CPUS("capture.cpus", capture.cpus, "[]",
	     "CPUs to pin the capture threads to, one each in order; empty: not pinned"),
	INT("capture.snaplen", capture.snaplen, "65535", 64, 262144,
	    "bytes kept of each packet"),
	ENUM("capture.policy", capture.policy, "auto", policy_names,
	     "when a worker ring is full; auto: block for files and shm input, drop for live capture"),
	SIZE("capture.ring-size", capture.ring_size, "8MiB", RING_MIN, RING_MAX,
	     "size of each worker's input ring"),

	INT("router.cpu", router.cpu, "-1", -1, CPU_MAX,
	    "CPU to pin the router thread to; -1: not pinned"),
	SIZE("router.ring-size", router.ring_size, "4MiB", RING_MIN, RING_MAX,
	     "size of each worker-to-router ring"),

	ENUM("rings.hugepages", rings.hugepages, "auto", hugepages_names,
	     "hugepages for the rings; auto: when the system has them"),
	ENUM("rings.wake", rings.wake, "fenced", wake_names,
	     "wake protocol of the stage rings: fenced (a locked store per commit) or asymmetric (a membarrier per sleep)"),

	INT("flow.max-flows", flow.max_flows, "65536", 16, 67108864,
	    "flows tracked per worker; past it the oldest idle flow is evicted"),
	BOOL("flow.use-vlan", flow.use_vlan, "true",
	     "VLAN ids are part of a flow's key; off when a mirror tags only one direction"),
	DURATION("flow.timeouts.new", flow.timeouts.new_ns, "60s", 1 * SEC, 7 * DAY,
	         "idle timeout of a TCP flow before its handshake completes", LIVE),
	DURATION("flow.timeouts.established", flow.timeouts.established_ns, "600s", 1 * SEC, 7 * DAY,
	         "idle timeout of an established TCP flow", LIVE),
	DURATION("flow.timeouts.closed", flow.timeouts.closed_ns, "60s", 1 * SEC, 7 * DAY,
	         "how long a closed TCP flow lingers for late packets", LIVE),
	DURATION("flow.timeouts.udp", flow.timeouts.udp_ns, "60s", 1 * SEC, 7 * DAY,
	         "idle timeout of a UDP flow", LIVE),
	DURATION("flow.timeouts.icmp", flow.timeouts.icmp_ns, "30s", 1 * SEC, 7 * DAY,
	         "idle timeout of an ICMP flow", LIVE),
	DURATION("flow.timeouts.default", flow.timeouts.default_ns, "60s", 1 * SEC, 7 * DAY,
	         "idle timeout of a flow of any other protocol", LIVE),

	INT("defrag.max-trackers", defrag.max_trackers, "4096", 1, 1048576,
	    "IP datagrams reassembled at once, per worker"),
	SIZE("defrag.memory", defrag.memory, "16MiB", 64 * KiB, 16 * GiB,
	     "memory for fragments waiting for reassembly, per worker"),
	DURATION("defrag.timeout", defrag.timeout_ns, "30s", 1 * MS, HOUR,
	         "time a datagram may take to arrive in full"),

	SIZE("tcp.reassembly-depth", tcp.reassembly_depth, "1MiB", 1 * KiB, 1 * GiB,
	     "bytes of each direction of a TCP stream reassembled for the parsers"),
	SIZE("tcp.window", tcp.window, "64KiB", 4 * KiB, 64 * MiB,
	     "out-of-order bytes held per direction while waiting for a gap to fill"),
	SIZE("tcp.segment-pool", tcp.segment_pool, "32MiB", 1 * MiB, 16 * GiB,
	     "memory for held segments, per worker"),
	ENUM("tcp.overlap-policy", tcp.overlap_policy, "bsd", tcp_policy_names,
	     "target OS whose rule picks the bytes of overlapping segments that differ (Suricata's names)"),

	DURATION("stats.interval", stats.interval_ns, "1s", 10 * MS, HOUR,
	         "how often counters are sampled"),
	DURATION("stats.records-interval", stats.records_interval_ns, "3s", 0, DAY,
	         "how often stats records are emitted; 0: never"),
	DURATION("stats.http-summary-interval", stats.http_summary_interval_ns, "60s", 0, DAY,
	         "how often HTTP summary records are emitted; 0: never"),
	INT("stats.http-summary-top", stats.http_summary_top, "10", 1, 64,
	    "hosts, URLs and user agents listed in each HTTP summary record"),
	INT("stats.latency-sample", stats.latency_sample, "64", 0, 1048576,
	    "1 record in this many is stamped and timed at each stage; 0: no latency histograms"),

	ENUM("log.level", log.level, "info", loglevel_names, "least severe messages logged", LIVE),
	STRING("log.file", log.file, "", 0, 0, NULL, "file to log to; empty: standard error"),
	BOOL("log.syslog", log.syslog, "false", "log to syslog (facility daemon) instead of standard error or log.file"),
	INT("log.rate-limit", log.rate_limit, "20", 0, 1000000,
	    "lines one kind of message may log per minute; the rest are counted and summed up; 0: no limit", LIVE),

	BOOL("metrics.enabled", metrics.enabled, "false", "serve Prometheus metrics (every ledger counter) over HTTP"),
	STRING("metrics.listen", metrics.listen, "127.0.0.1:9580", 3, 64, check_listen,
	       "numeric ADDRESS:PORT the metrics endpoint listens on; GET /metrics"),

	BOOL("postgres.enabled", postgres.enabled, "false",
	     "read settings from PostgreSQL too (conf/postgres.sql), at start and on every NOTIFY"),
	STRING("postgres.conninfo", postgres.conninfo, "host=127.0.0.1 dbname=sluice", 0, 4096, NULL,
	       "libpq connection string (a password is better kept in ~/.pgpass or PGPASSFILE)"),
	STRING("postgres.sensor", postgres.sensor, "default", 1, 255, NULL,
	       "this sensor's name: its rows in sluice_settings override the rows of sensor '*'"),
	STRING("postgres.channel", postgres.channel, "sluice_config", 1, 63, NULL,
	       "the NOTIFY channel conf/postgres.sql's triggers send on"),
	DURATION("postgres.connect-timeout", postgres.connect_timeout_ns, "5s", 100 * MS, 10 * MINUTE,
	         "how long a connection attempt or a query may take"),
	DURATION("postgres.reconnect-max", postgres.reconnect_max_ns, "30s", 100 * MS, HOUR,
	         "longest wait between reconnection attempts (the wait doubles from 1 s up to this)"),

	STRING("run.user", run.user, "", 0, 0, NULL,
	       "user to become once the capture sockets are open (needs root); empty: stay who we are"),
	STRING("run.group", run.group, "", 0, 0, NULL, "group to become with run.user; empty: the user's own"),
	STRINGS("run.capabilities", run.capabilities, "[]", sl__cap_names,
	        "capabilities kept after the drop to run.user"),
	STRING("run.pid-file", run.pid_file, "", 0, 0, NULL,
	       "file holding sluiced's pid, locked while it runs; empty: none"),
	DURATION("run.config-check-interval", run.config_check_ns, "10s", 0, DAY,
	         "how often the -c file, the GeoIP databases and the watchlist file are read again; a changed content reloads like SIGHUP; 0: never"),
};

const size_t sl__conf_core_len = sizeof(sl__conf_core) / sizeof(sl__conf_core[0]);

/* Until blocks are registered, the schema is the core. */
const struct sl_conf_key *sl__conf_schema = sl__conf_core;
size_t sl__conf_schema_len = sizeof(sl__conf_core) / sizeof(sl__conf_core[0]);
const struct sl_conf_block *sl__conf_blocks[SL_CONF_BLOCKS_MAX];
size_t sl__conf_nblocks;
