/* SPDX-License-Identifier: MIT */
/* The ledger (stats.c): collected from a pipeline, printed, written as JSON, checked. */
#ifndef SLUICE_STATS_H
#define SLUICE_STATS_H

#include <stdint.h>
#include <stdio.h>

#include "pipeline.h"
#include "worker.h"

/* Every ring a pipeline can have: one per capture and worker, one per worker, one per sink,
 * the main thread's (stats).
 * A row that did not fit would be a hop the ledger could not check. */
#define SL_LEDGER_MAX_RINGS (SL_MAX_CAPTURES * SL_MAX_WORKERS + SL_MAX_WORKERS + SL_MAX_SINKS + 1)

struct sl_ledger_ring {
	char name[48];
	uint64_t produced, consumed, dropped, in_flight, full_events;
	uint64_t capacity, used; /* data bytes, and bytes held now (occupancy) */
	enum sl_ring_backing backing;
};

struct sl_ledger_sink {
	char name[32];
	uint64_t received, delivered, spooled, dropped, bytes;
	uint64_t left; /* a tap's records that no consumer read (still in its ring at the end) */
	uint64_t dropped_full, dropped_encode, dropped_error, subscribers, subscriptions;
	int has_spool;
	uint64_t replayed, spool_recovered, spool_pending, spool_dropped, spool_lost;
};

/* A stage's latency histogram (latency.h): "worker" (every worker's, summed), "router",
 * "sink:NAME". */
struct sl_ledger_lat {
	char stage[40];
	struct sl_hist_snap h;
};
#define SL_LEDGER_MAX_LAT (2 + SL_MAX_SINKS)

struct sl_ledger {
	uint64_t packets, bytes, kernel_dropped, ring_dropped, oversize, input_errors;
	uint64_t producer_absent, producer_restarts; /* shm input: producers away now, restarts */
	uint64_t decoded, truncated, decode_errors[SL_DECODE_REASON_SLOTS];
	uint64_t bad_records, emit_dropped, unroutable;
	uint64_t paused; /* 1 while the control socket holds the captures */
	uint64_t events[SL_REC_TYPE_MAX];
	struct sl_analysis_counters an;
	struct sl_ledger_ring rings[SL_LEDGER_MAX_RINGS];
	unsigned nrings;
	unsigned rings_missing; /* rows that had no room: the ledger then cannot balance */
	struct sl_ledger_sink sinks[SL_MAX_SINKS];
	unsigned nsinks;
	struct sl_ledger_lat lat[SL_LEDGER_MAX_LAT];
	unsigned nlat;
	uint64_t stats_records; /* stats records the main thread put into its ring */
};

/* The per-ring and per-sink counters by name, for every view of them that lists columns (the
 * stats records' paths, the Prometheus page), so a new counter is added once, here. `gauge`: a
 * value now (occupancy), not a count that only grows. */
struct sl_ledger_col {
	const char *key, *help;
	int gauge;
	size_t off; /* of a uint64_t in struct sl_ledger_ring or struct sl_ledger_sink */
};
extern const struct sl_ledger_col sl_ledger_ring_cols[], sl_ledger_sink_cols[];
extern const size_t sl_ledger_nring_cols, sl_ledger_nsink_cols;
static inline uint64_t sl_ledger_col(const void *row, const struct sl_ledger_col *c)
{
	return *(const uint64_t *)((const char *)row + c->off);
}

void sl_ledger_collect(const struct sl_pipeline *pl, struct sl_ledger *l);
int sl_ledger_balanced(const struct sl_ledger *l, char *why, size_t len);
void sl_ledger_print(const struct sl_ledger *l, FILE *f, double seconds);
/* The analysis counters' rows as the text and JSON name them (section "tcp", key "gaps"):
 * row i of them in *section, *key, *v; 0 past the last. */
int sl_ledger_section_row(const struct sl_ledger *l, size_t i, const char **section, const char **key,
                          uint64_t *v);
/* The ledger as JSON (--stats-json, the control socket's stats) to f. */
void sl_ledger_json(const struct sl_ledger *l, FILE *f);
int sl_ledger_write_json(const struct sl_ledger *l, const char *path, char *errbuf, size_t errlen);

#endif
