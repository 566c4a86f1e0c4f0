/* SPDX-License-Identifier: MIT */
/*
 * The main thread's timers (timers.c): stats records every stats.records-interval (and a final
 * one once every worker has ended), and the configuration file's check every
 * run.config-check-interval. They run from the engine's main loop, never on a stage thread.
 */
#ifndef SLUICE_TIMERS_H
#define SLUICE_TIMERS_H

#include <stdint.h>

#include "pipeline.h"
#include "stats.h"

struct sl_timers {
	const struct sl_config *cfg;   /* the configuration at start (restart-only keys) */
	struct sl_ledger *l;           /* scratch: the sample a stats record is built from */
	uint64_t t0_ns, next_stats_ns; /* CLOCK_MONOTONIC */
	uint64_t prev_ns, prev_packets, prev_bytes, prev_events; /* the last record's, for rates */
	int final_done;
	/* the configuration file's check */
	const char *config_path;       /* NULL: none given (-c) */
	uint64_t config_hash;          /* of the content last loaded */
	uint64_t files_hash;           /* of the GeoIP databases and the watchlist file in force */
	struct {                       /* each one's identity when last hashed: unchanged, not re-read */
		uint64_t dev, ino, size, mtime_ns, hash;
	} files[3];
	int config_unreadable;         /* the last read failed (said once) */
	uint64_t next_check_ns;
	void (*reload)(void *arg);     /* what SIGHUP does */
	void *reload_arg;
	uint64_t config_reloads;       /* reloads the check made */
};

/* 0, or -ENOMEM. config_path may be NULL. */
int sl_timers_init(struct sl_timers *t, const struct sl_config *cfg, const char *config_path,
                   void (*reload)(void *), void *reload_arg, uint64_t now_ns);
/* From the main loop, as often as it wakes: what is due now. */
void sl_timers_tick(struct sl_timers *t, struct sl_pipeline *pl, uint64_t now_ns);
/* Once every worker has ended: the final stats record, then the end of the stats ring. */
void sl_timers_final(struct sl_timers *t, struct sl_pipeline *pl, uint64_t now_ns);
/* The file was just loaded by someone else (SIGHUP): remember its content as seen. */
void sl_timers_config_loaded(struct sl_timers *t);
void sl_timers_fini(struct sl_timers *t);

/* FNV-1a 64 of a file's content: 0 and *hash set, or a negative errno. */
int sl_timers_hash_file(const char *path, uint64_t *hash);
/* Builds a stats record from a ledger into rec (NULL: only its size). Returns the bytes. */
uint32_t sl_stats_record_build(void *rec, const struct sl_ledger *l, uint64_t wall_ns, uint64_t uptime_ns,
                               const uint64_t rates[3]);

#endif
