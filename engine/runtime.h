/* SPDX-License-Identifier: MIT */
/*
 * The runtime snapshot: everything a pinned thread reads of the configuration, immutable once
 * published, replaced as a whole with liburcu QSBR. Workers (and the router, and sinks where
 * they read live settings) never read main()'s struct sl_config.
 *
 *   control thread (SIGHUP, control socket, file check, PostgreSQL)
 *     build: deep-copy the new configuration, derive lookup tables, open GeoIP/watchlists
 *     sl_runtime_publish(): rcu_assign_pointer(current, new); call_rcu(old, free)
 *
 *   reader (a registered thread)
 *     once per batch:  rt = sl_runtime_get();  ...use rt for the whole batch...
 *                      sl_runtime_quiescent();
 *     before blocking: sl_runtime_offline();  after: sl_runtime_online();
 *
 * A batch reads one snapshot from start to end, so a record never mixes two. A reader never
 * frees, never blocks the writer, and never calls synchronize_rcu.
 *
 *   function               who                          progress
 *   ---------------------  ---------------------------  ------------------------------
 *   sl_runtime_init/fini   main, before/after threads   -
 *   sl_runtime_publish     one control thread at a time  wait-free for readers
 *   sl_runtime_register    each reader thread, once      -
 *   sl_runtime_get         a registered, online thread   wait-free
 *   quiescent/online/off   a registered thread           wait-free
 */
#ifndef SLUICE_RUNTIME_H
#define SLUICE_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

struct sl_config;
struct sl_geoip;
struct sl_watchlist;

struct sl_runtime {
	uint64_t version;              /* 1 at start, +1 per published change */
	const struct sl_config *cfg;   /* a deep copy owned by this snapshot */
	/* Handles built once per snapshot, from its configuration's files, read by every worker
	 * and closed with the snapshot (NULL: that enrichment is off). Lookup tables a module
	 * derives from its keys it re-derives itself when `version` changes. */
	const struct sl_geoip *geoip;         /* app.geoip: City/ASN databases */
	const struct sl_watchlist *watchlist; /* app.watchlist: the entries */
};

/* The database's watchlist rows (postgres.enabled), in the watchlist file format, read after
 * app.watchlist.file's by every snapshot made from now on (init, publish). Takes text over
 * (malloc'd; NULL: none) and gives back the previous one (the caller frees it, or sets it back
 * when a publish with the new one failed). The publisher's thread only. */
char *sl_runtime_set_db_watchlist(char *text, size_t len, size_t *oldlen);

int sl_runtime_init(const struct sl_config *cfg, char *errbuf, size_t errlen);
void sl_runtime_fini(void);

/* Publishes a snapshot of cfg. Keys the schema does not mark live that differ from the running
 * configuration are kept at their running values and named in `restart` (comma-separated).
 * Returns 1 when a new snapshot was published, 0 when no live key changed (readers keep the one
 * they have), or a negative errno with errbuf set (nothing changed). */
int sl_runtime_publish(const struct sl_config *cfg, char *restart, size_t restartlen, char *errbuf,
                       size_t errlen);

/* The configuration in force (the publisher's view: only the thread that publishes may use it,
 * until its next publish). NULL before init. */
const struct sl_config *sl_runtime_config(void);
/* The version in force (the publisher's view, like sl_runtime_config). */
uint64_t sl_runtime_version(void);
/* Published snapshots freed so far, by call_rcu or by fini (tests). */
uint64_t sl__runtime_freed(void);

void sl_runtime_register(void);   /* a reader thread, at its start (online) */
void sl_runtime_unregister(void); /* at its end */
const struct sl_runtime *sl_runtime_get(void); /* NULL before init */
void sl_runtime_quiescent(void);
void sl_runtime_offline(void);
void sl_runtime_online(void);

#endif
