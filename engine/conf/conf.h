/* SPDX-License-Identifier: MIT */
/*
 * sluice's configuration: one plain struct the engine reads, filled from built-in defaults, a
 * YAML file and --set KEY=VALUE overrides. A single schema table (conf_schema.c) describes every
 * key once — its dotted name, type, place in struct sl_config, default, limits and one line of
 * help — and everything else is driven by it: defaults, loading, --set, dumping, comparing, and
 * the test that keeps conf/sluice.yaml equal to the code. Typos are refused, never ignored.
 *
 * Adding a key: add a field to struct sl_config below and one row to the table in conf_schema.c
 * (the row macro checks at compile time that the field's C type matches the row's type), then
 * document it in conf/sluice.yaml; the unit tests fail until the file shows the key with its
 * default and its help line.
 *
 * Value syntax, the same in the YAML file and in --set:
 *   bool      true/false (also yes/no, on/off; any case)
 *   int       decimal or 0x hex, within the row's range
 *   size      bytes: 65536, 64KiB, 16MiB, 1GiB, 1TiB (powers of 1024) or 64KB, 16MB, 1GB, 1TB
 *             (powers of 1000); B for bytes; units in any case; whole numbers only
 *   duration  30s, 5m, 250ms, 2h, 1d, 10us, 100ns; a bare number is seconds; whole numbers only
 *   string    any UTF-8 text without NUL bytes
 *   enum      one name of the row's list (any case)
 *   cpus      YAML list of CPU numbers, or a string of numbers and ranges "0-3,6"
 *   ints      YAML list of integers, or a comma-separated string; --set also takes "[53,5353]"
 *   strings   YAML list of strings, or a comma-separated string
 * Lists refuse duplicates. In YAML an empty value (`key:`, ~ or null) is "" for a string and
 * [] for a list, and an error for other types. Keys may also be written dotted in YAML
 * (`capture.snaplen: 1500` at the top level).
 *
 * Ownership: strings and lists in the struct are owned by it. sl_conf_defaults() initialises,
 * sl_conf_fini() frees, sl_conf_copy() makes a deep copy. Loading and --set work on a copy and
 * swap it in only on success: a failed load or --set leaves the configuration as it was.
 * Nothing here is thread-safe or meant for the hot path; the engine publishes a finished
 * configuration to other threads (RCU) and never changes it afterwards.
 */
#ifndef SLUICE_CONF_H
#define SLUICE_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sluice/err.h"
#include "sluice/ring.h" /* enum sl_hugepages */

/* Owned lists. v is NULL when n is 0. */
struct sl_conf_ints {
	int *v;
	size_t n;
};
struct sl_conf_strs {
	char **v;
	size_t n;
};

/* The order of each enum is the order of its names in the schema (conf_schema.c). */
enum sl_conf_wake { SL_CONF_WAKE_FENCED = 0, SL_CONF_WAKE_ASYMMETRIC };
enum sl_conf_policy { SL_CONF_POLICY_AUTO = 0, SL_CONF_POLICY_BLOCK, SL_CONF_POLICY_DROP };
enum sl_conf_loglevel {
	SL_CONF_LOG_ERROR = 0,
	SL_CONF_LOG_WARNING,
	SL_CONF_LOG_NOTICE,
	SL_CONF_LOG_INFO,
	SL_CONF_LOG_DEBUG,
};

#define SL_CONF_BLOCKS_MAX 32

/*
 * The effective configuration. Field names follow the dotted keys ('-' becomes '_');
 * sizes are bytes, durations are nanoseconds (fields ending in _ns), a CPU of -1 means
 * "not pinned", an empty CPU list means "not pinned". conf/sluice.yaml explains each key.
 */
struct sl_config {
	struct {
		int64_t count;            /* workers.count */
		struct sl_conf_ints cpus; /* workers.cpus */
	} workers;
	struct {
		struct sl_conf_ints cpus;   /* capture.cpus */
		int64_t snaplen;            /* capture.snaplen */
		enum sl_conf_policy policy; /* capture.policy */
		uint64_t ring_size;         /* capture.ring-size: each worker's input ring */
	} capture;
	struct {
		int64_t cpu;        /* router.cpu */
		uint64_t ring_size; /* router.ring-size: each worker-to-router ring */
	} router;
	struct {
		enum sl_hugepages hugepages; /* rings.hugepages */
		enum sl_conf_wake wake;      /* rings.wake */
	} rings;
	struct {
		int64_t max_flows; /* flow.max-flows, per worker */
		bool use_vlan;     /* flow.use-vlan */
		struct {
			uint64_t new_ns, established_ns, closed_ns; /* flow.timeouts.{new,established,closed} */
			uint64_t udp_ns, icmp_ns, default_ns;       /* flow.timeouts.{udp,icmp,default} */
		} timeouts;
	} flow;
	struct {
		int64_t max_trackers; /* defrag.max-trackers */
		uint64_t memory;      /* defrag.memory */
		uint64_t timeout_ns;  /* defrag.timeout */
	} defrag;
	struct {
		uint64_t reassembly_depth; /* tcp.reassembly-depth, per direction */
		uint64_t window;           /* tcp.window: out-of-order bytes kept per direction */
		uint64_t segment_pool;     /* tcp.segment-pool: bytes per worker */
		int overlap_policy;        /* tcp.overlap-policy: enum sl_tcp_policy (flow/tcp.h) */
	} tcp;
	struct {
		uint64_t interval_ns;              /* stats.interval: sampling */
		uint64_t records_interval_ns;      /* stats.records-interval; 0: off */
		uint64_t http_summary_interval_ns; /* stats.http-summary-interval; 0: off */
		int64_t http_summary_top;          /* stats.http-summary-top: entries per list */
		int64_t latency_sample;            /* stats.latency-sample: 1 record in N; 0: off */
	} stats;
	struct {
		enum sl_conf_loglevel level; /* log.level */
		char *file;                  /* log.file; "": stderr */
		bool syslog;                 /* log.syslog */
		int64_t rate_limit;          /* log.rate-limit: lines per message per minute; 0: no limit */
	} log;
	struct {
		bool enabled;  /* metrics.enabled */
		char *listen;  /* metrics.listen: ADDRESS:PORT */
	} metrics;
	struct {
		bool enabled;              /* postgres.enabled */
		char *conninfo;            /* postgres.conninfo: a libpq connection string */
		char *sensor;              /* postgres.sensor: rows of this sensor override sensor '*' */
		char *channel;             /* postgres.channel: the NOTIFY channel */
		uint64_t connect_timeout_ns; /* postgres.connect-timeout */
		uint64_t reconnect_max_ns;   /* postgres.reconnect-max */
	} postgres;
	struct {
		char *user;                       /* run.user; "": stay who we are */
		char *group;                      /* run.group; "": run.user's own */
		struct sl_conf_strs capabilities; /* run.capabilities, from sl__cap_names */
		char *pid_file;                   /* run.pid-file; "": none */
		uint64_t config_check_ns;         /* run.config-check-interval; 0: never */
	} run;
	/* The modules' own blocks (struct sl_conf_block), in the order registered; owned. Read
	 * them with sl_conf_block(). */
	void *blocks[SL_CONF_BLOCKS_MAX];
};

/* "127.0.0.1:9580" or "[::1]:9580", numeric only (no name lookup): 0, or -EINVAL with msg
 * saying why. */
struct sockaddr_storage;
int sl_conf_parse_addr(const char *s, struct sockaddr_storage *ss, unsigned *len, char *msg, size_t msglen);

/* The names run.capabilities accepts, NULL-terminated (conf_schema.c; ops.c maps them). */
extern const char *const sl__cap_names[];

/* ---- the configuration ------------------------------------------------------------------- */

/* Fill c with the built-in defaults (overwrites c without freeing it). Aborts only if memory
 * for the default strings cannot be had, which at start-up leaves nothing better to do. */
void sl_conf_defaults(struct sl_config *c);
/* Free what c owns; c must be set up again (defaults or copy) before reuse. Accepts NULL. */
void sl_conf_fini(struct sl_config *c);
/* Deep copy: dst is overwritten without being freed. 0 or -ENOMEM (dst then holds nothing). */
int sl_conf_copy(struct sl_config *dst, const struct sl_config *src);

/*
 * Apply a YAML file (or a buffer holding one) on top of c: keys the file names change, the
 * rest keep the value c had. On failure c is unchanged and errbuf says why, naming the file,
 * the line and the dotted key ("conf/x.yaml:12: workers.cuont: unknown key (did you mean
 * workers.count?)"). Returns 0, SL_ECONFIG_KEY (unknown or duplicate key), SL_ECONFIG_VALUE
 * (bad value or wrong kind of node), SL_ECONFIG (YAML syntax, aliases, more than one document,
 * too large), -ENOMEM, or a negative errno from opening or reading the file.
 * On success errbuf holds "". errbuf may be NULL when errlen is 0. name is used in messages
 * only (NULL: "<buffer>").
 */
int sl_conf_load_file(struct sl_config *c, const char *path, char *errbuf, size_t errlen);
int sl_conf_load_buffer(struct sl_config *c, const char *name, const void *buf, size_t len,
                        char *errbuf, size_t errlen);

/* Apply one "KEY=VALUE" override (--set). Same returns as loading; on failure c is unchanged
 * and errbuf reads "--set workers.count=abc: not an integer". assignment may lie in errbuf. */
int sl_conf_set(struct sl_config *c, const char *assignment, char *errbuf, size_t errlen);

/* Write every key as YAML, each under a comment with its help line; the output loads back to
 * an equal configuration. 0, -ENOMEM or -EIO. */
int sl_conf_dump(const struct sl_config *c, FILE *f);

/* ---- the schema ---------------------------------------------------------------------------- */

enum sl_conf_type {
	SL_CONF_BOOL = 0, /* bool */
	SL_CONF_INT,      /* int64_t, within [min, max] */
	SL_CONF_SIZE,     /* uint64_t bytes, within [min, max] */
	SL_CONF_DURATION, /* uint64_t nanoseconds, within [min, max] */
	SL_CONF_STRING,   /* char *, length in bytes within [min, max] */
	SL_CONF_ENUM,     /* an enum (int-sized): the index of the name in values */
	SL_CONF_CPUS,     /* struct sl_conf_ints of CPU numbers within [min, max]; ranges allowed */
	SL_CONF_INTS,     /* struct sl_conf_ints, each within [min, max] */
	SL_CONF_STRINGS,  /* struct sl_conf_strs; each one of values when values is not NULL */
};

/* One row of the schema: a key. */
struct sl_conf_key {
	const char *key;         /* dotted, lowercase: "capture.afpacket.block-size" */
	enum sl_conf_type type;
	size_t offset;           /* of the field in struct sl_config */
	const char *def;         /* the default, written as in a --set value */
	int64_t min, max;        /* limits, in the type's unit (see enum sl_conf_type) */
	const char *const *values; /* enum names, or allowed list items; NULL-terminated */
	/* Optional extra check of a parsed value (pointer to a value of the field's type); returns
	 * 0, or nonzero after writing the reason to msg. */
	int (*check)(const void *value, char *msg, size_t msglen);
	const char *help;        /* one line */
	/* A running engine applies a change of this key at SIGHUP (the runtime snapshot); a change
	 * of any other key is reported and waits for the next start. The help line says [live]. */
	bool live;
	/* 0: offset is into struct sl_config; n: into the n-th registered block (set by
	 * sl_conf_register_blocks in its copy of the row; a block's own rows leave it 0). */
	uint8_t block;
};

/*
 * A module's configuration: a struct of its own, filled by rows of its own (offsets into that
 * struct, written with the macros of conf_rows.h), every key under `section`. The module keeps
 * the block next to its code and points to it from its descriptor; the engine registers the
 * blocks of every module in its tables at start-up, and from then on the keys load, --set, dump,
 * diff and reload like the engine's own. Reading it: sl_conf_block(cfg, &my_block).
 */
struct sl_conf_block {
	const char *section;            /* "outputs.file": every key starts with "outputs.file." */
	size_t size;                    /* sizeof the module's struct */
	const struct sl_conf_key *keys;
	size_t nkeys;
};

/*
 * Add blocks to the schema: once, at start-up, before any configuration is made (not
 * thread-safe). Each block's rows go right after the last key of its parent section ("outputs"
 * for "outputs.file"), or at the end. Returns 0, or -EINVAL with errbuf set (a second call, too
 * many blocks, a key outside its section, a key already taken, a field outside the struct).
 */
int sl_conf_register_blocks(const struct sl_conf_block *const *blocks, size_t n, char *errbuf,
                            size_t errlen);
/* The block's struct in c (NULL when b was not registered). */
const void *sl_conf_block(const struct sl_config *c, const struct sl_conf_block *b);

/* The schema rows, in documentation order (sections are contiguous). */
const struct sl_conf_key *sl_conf_keys(size_t *count);
/* The row of a dotted key, or NULL. */
const struct sl_conf_key *sl_conf_key_find(const char *key);
/* "bool", "int", "size", "duration", "string", "enum", "cpus", "ints", "strings". */
const char *sl_conf_type_name(enum sl_conf_type type);
/* The help line as written above the key in a dump and in conf/sluice.yaml: the row's help
 * plus the limits or choices, e.g. "worker threads (1..64)". Returns snprintf's count, or
 * -ENOMEM. */
int sl_conf_key_help(const struct sl_conf_key *k, char *buf, size_t len);

/* A key's value as config text ("16MiB", "[0, 1]", "\"-\""); returns snprintf's count, or
 * -ENOMEM. */
int sl_conf_format(const struct sl_config *c, const struct sl_conf_key *k, char *buf, size_t len);
/* Before a reload: every key that is not live and differs between next and running is set back
 * to its running value in next, and its name appended to names (comma-separated, truncated to
 * namelen). Returns how many keys were set back, or -ENOMEM (next is then unchanged for the
 * key that failed). names may be NULL when namelen is 0. */
int sl_conf_keep_restart_only(struct sl_config *next, const struct sl_config *running, char *names,
                              size_t namelen);
/* The first key after `after` (NULL: from the start) whose value differs between a and b, or
 * NULL when they are equal from there on: loop to list every change, e.g. at a reload. */
const struct sl_conf_key *sl_conf_diff(const struct sl_config *a, const struct sl_config *b,
                                       const struct sl_conf_key *after);

#endif
