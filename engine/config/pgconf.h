/* SPDX-License-Identifier: MIT */
/*
 * PostgreSQL as a second source of configuration (pgconf.c). The settings table of
 * conf/postgres.sql holds KEY = VALUE rows per sensor; a trigger sends NOTIFY on every change.
 * A thread of its own (never a pinned one) keeps an asynchronous libpq connection, LISTENs,
 * re-reads the table when told and hands the rows to the main loop, which rebuilds the
 * configuration (defaults < file < database < command line) and publishes what changed.
 *
 *   who            calls
 *   main thread    sl_pgconf_read, sl_pgconf_start, sl_pgconf_take, sl_pgconf_stats, sl_pgconf_stop
 *   pgconf thread  its own loop; calls opts.changed (which must not block) after each new read
 *
 * The database is untrusted: a row whose key is unknown, whose value does not parse, or that
 * names a key the database may not set (postgres.*) makes the whole read refused by the main
 * loop with the table and the row named; the last good settings stay in force. A lost
 * connection keeps them too; the thread reconnects with capped exponential backoff and reads
 * again once connected.
 */
#ifndef SLUICE_PGCONF_H
#define SLUICE_PGCONF_H

#include <stddef.h>
#include <stdint.h>

/* One read of the settings: n rows as "key=value" assignments, each with where it came from
 * ("sluice_settings row sensor='*' key='log.level'"), for messages. */
struct sl_pgconf_rows {
	size_t n;
	char **assign; /* NULL-terminated, n of them */
	char **origin; /* n of them */
	/* sluice_watchlist's enabled rows of this sensor and '*', as watchlist file lines
	 * ("KIND VALUE TAG SEVERITY SIGNATURE\n"), bad rows already left out */
	char *watchlist;
	size_t watchlist_len, watchlist_rows;
	uint64_t *watchlist_ids; /* the row id of each line (watchlist_rows of them) */
};
struct sl_pgconf_rows *sl__pgconf_rows_new(void);    /* empty; NULL when out of memory */
void sl_pgconf_rows_free(struct sl_pgconf_rows *r); /* accepts NULL; frees r too */

/* Builds rows from text pairs (the decoding of a query result, kept apart so that it can be
 * fuzzed): key and value as the server sent them, lengths given (they may hold NULs, which
 * are refused). 0, or -EINVAL with the reason in errbuf naming the row. */
int sl_pgconf_rows_add(struct sl_pgconf_rows *r, const char *sensor, const char *key, size_t keylen,
                       const char *value, size_t vallen, char *errbuf, size_t errlen);

/* Appends one sluice_watchlist row as a line: 0, or -EINVAL with errbuf naming the row when a
 * field holds what the line format cannot carry (a NUL, a line break; white space in the kind,
 * value or tag) or is too long. */
int sl_pgconf_watchlist_add(struct sl_pgconf_rows *r, uint64_t id, const char *kind, size_t kindlen,
                            const char *value, size_t valuelen, const char *tag, size_t taglen, const char *severity,
                            size_t sevlen, const char *signature, size_t siglen, char *errbuf, size_t errlen);
/* Parses the lines added as the watchlist will, calls bad (may be NULL) for each row that does
 * not parse with "sluice_watchlist row id=N: reason", and leaves those out. The number of rows
 * left out, or -ENOMEM. */
size_t sl_pgconf_watchlist_check(struct sl_pgconf_rows *r, void (*bad)(void *arg, const char *why), void *arg);

struct sl_pgconf_opts {
	const char *conninfo;       /* libpq connection string */
	const char *sensor;         /* rows of this sensor override the rows of sensor '*' */
	const char *channel;        /* the NOTIFY channel */
	uint64_t connect_timeout_ns;
	uint64_t reconnect_max_ns;  /* backoff cap */
	void (*changed)(void *arg); /* pgconf thread: new rows to take (wake the main loop) */
	void *arg;
};

/* One synchronous read, at start-up, within opts->connect_timeout_ns. 0 with *rows set, or
 * -errno with errbuf saying why (unreachable, no table, a bad row). */
int sl_pgconf_read(const struct sl_pgconf_opts *opts, struct sl_pgconf_rows **rows, char *errbuf, size_t errlen);

struct sl_pgconf;
/* Starts the listener thread. opts is copied. 0 or -errno with errbuf. */
int sl_pgconf_start(struct sl_pgconf **out, const struct sl_pgconf_opts *opts, char *errbuf, size_t errlen);
/* The rows of the newest read not taken yet: 1 and *rows (the caller frees), or 0. */
int sl_pgconf_take(struct sl_pgconf *pg, struct sl_pgconf_rows **rows);

struct sl_pgconf_stats {
	uint64_t connects;      /* connections made */
	uint64_t disconnects;   /* connections lost */
	uint64_t reads;         /* reads of the settings table */
	uint64_t notifications; /* NOTIFYs received */
	uint64_t errors;        /* failed connects, queries and bad rows */
	int connected;
};
void sl_pgconf_stats(struct sl_pgconf *pg, struct sl_pgconf_stats *st);
void sl_pgconf_stop(struct sl_pgconf *pg); /* accepts NULL; joins the thread */

#endif
