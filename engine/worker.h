/* SPDX-License-Identifier: MIT */
/*
 * A worker: one pinned thread that owns a shard of the flows. It reads packet records from
 * its input rings (one per capture thread), decodes, tracks flows, reassembles TCP, parses
 * HTTP/TLS/DNS and writes metadata records into its output ring to the router. Nothing it
 * owns is shared: counters are single-writer atomics the ledger reads.
 */
#ifndef SLUICE_WORKER_H
#define SLUICE_WORKER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "flow/flow.h"
#include "latency.h"
#include "pipeline.h"

struct sl_analysis; /* worker_analysis.c */

struct sl_analysis_counters;

/* One flow of a worker's answer to the control socket's "flows" (a copy: the table is the
 * worker's alone). */
#define SL_WORKER_TOP_MAX 100
struct sl_worker_flow {
	struct sl_flow_key key;
	uint64_t flow_id, first_ns, last_ns; /* packet time */
	uint64_t pkts[2], bytes[2];          /* to server, to client */
	uint8_t state;                       /* enum sl_flow_state */
};

/* words of struct sl_analysis_counters (below; every field a uint64_t) */
#define SL_AN_WORDS 40

struct sl_worker {
	unsigned index;
	int cpu;
	pthread_t tid;
	int started;
	const struct sl_config *cfg;
	sl_ring *in[SL_MAX_CAPTURES];
	unsigned nin;
	sl_ring *out;
	const _Atomic int *hard_stop;
	struct sl_analysis *an;

	/* Counters: written by the worker thread only. */
	_Atomic uint64_t taken[SL_MAX_CAPTURES];         /* records read from input ring i (its hop) */
	_Atomic uint64_t decode[SL_DECODE_REASON_SLOTS]; /* outcome of sl_decode, [0] = ok */
	_Atomic uint64_t truncated;                      /* decoded, but cut by the snap length */
	_Atomic uint64_t events[SL_REC_TYPE_MAX];        /* records put in the output ring, by type
	                                                    (their sum is this side of its hop) */
	_Atomic uint64_t emit_dropped;                   /* records that could not be emitted */
	_Atomic uint64_t bad_records;                    /* input records that were not packets */
	/* The analysis counters (struct sl_analysis_counters, word for word) as the worker last
	 * published them: every SL_WORKER_PUBLISH_BATCHES busy batches, when idle, and at the end
	 * (so after the join they are exact). Other threads read these, never the analysis. */
	_Atomic uint64_t an_pub[SL_AN_WORDS];
	unsigned publish_in;

	/* The control socket's "flows": a one-slot single-producer/single-consumer exchange, so
	 * the control thread never touches the flow table. The control thread stores top_req =
	 * (sequence << 8) | n with release; at a batch boundary (or idle) the worker sees it differ
	 * from top_done, acquires it, fills top[] and top_n, and stores top_done = top_req with
	 * release (the control thread's acquire of top_done == its request is the partner). The
	 * worker writes top[] only for a request it has not answered, and the control thread makes
	 * a new request only after it has read the last answer or given up on it, so the buffer
	 * has one writer at a time. */
	_Atomic uint64_t top_req;  /* written by the control thread */
	_Atomic uint64_t top_done; /* written by the worker thread */
	unsigned top_n;            /* written by the worker thread before top_done */
	struct sl_worker_flow top[SL_WORKER_TOP_MAX];

	/* Latency (latency.h): the read time of the packet being analysed (0 during ticks and the
	 * flush: records with no packet behind them are not measured), 1 record in sample_every
	 * carries it, and the histogram of emit time minus stamp. Worker thread only. */
	uint64_t pkt_stamp;
	uint32_t sample_every, sample_in;
	void *last_emit;
	struct sl_hist lat;
	_Atomic int done; /* set by the worker thread as it ends (the main loop reads it) */
	void (*wake)(void *arg); /* called by the worker thread as it ends (wakes the main loop) */
	void *wake_arg;
};
#define SL_WORKER_PUBLISH_BATCHES 64

struct sl_worker *sl_worker_create(unsigned index, const struct sl_config *cfg, char *errbuf, size_t errlen);
void sl_worker_destroy(struct sl_worker *w);
void *sl_worker_main(void *arg);

/* For the analysis code: room for one record of type and len in the output ring, waiting
 * while the router catches up (block policy). NULL only when the engine is being torn down
 * (counted). Then sl_worker_emitted() with the bytes actually written (at most len): the
 * record is trimmed to them and counted; the worker loop commits once per batch. */
void *sl_worker_emit(struct sl_worker *w, uint16_t type, uint32_t len);
void sl_worker_emitted(struct sl_worker *w, uint16_t type, uint32_t len);

/* What the analysis counted, for the ledger (read after the worker has been joined). */
struct sl_analysis_counters {
	uint64_t flows_created, flows_evicted, flows_timeout, flows_shutdown, flows_reused, flows_active;
	uint64_t tcp_segments, tcp_out_of_order, tcp_retransmissions, tcp_gaps, tcp_gap_bytes;
	uint64_t tcp_depth_reached, tcp_pool_exhausted;
	uint64_t defrag_fragments, defrag_reassembled, defrag_timeouts, defrag_evicted;
	uint64_t defrag_refused; /* fragments refused, any reason (defrag.h's errors[]) */
	uint64_t teredo;
	uint64_t http_errors, tls_errors, dns_errors, no_http_slot, no_stream_slot;
	uint64_t tls_too_big;      /* hellos given up: longer than the stream buffer */
	uint64_t http_skipped_bytes; /* HTTP stream bytes not parsed because no parser was free */
	uint64_t http_bad_lines;   /* malformed header lines, junk lines and over-long heads skipped */
	uint64_t http_framing;     /* messages with conflicting or unusable CL / TE framing */
	uint64_t http_resyncs;     /* HTTP directions that lost bytes outside a body and resynced */
	uint64_t tcp_overlap_conflicts; /* overlapping TCP segments whose bytes differed */
	uint64_t tls_parsed_bytes; /* stream bytes the hello parsers read (work, for tests) */
	uint64_t geoip_lookups;    /* addresses looked up (two per flow and database generation) */
	uint64_t geoip_found;      /* of them, found in a database */
	uint64_t geoip_decodes;    /* records decoded from a database (the cache's misses) */
	uint64_t watchlist_alerts; /* alert records written */
	uint64_t watchlist_suppressed; /* matches not written: the flow alerted for that entry */
	uint64_t watchlist_untracked;  /* alerts past the per-flow memory (may repeat) */
	uint64_t watchlist_lost;       /* matches past the per-record limit (16) */
};

_Static_assert(sizeof(struct sl_analysis_counters) % sizeof(uint64_t) == 0 &&
                       sizeof(struct sl_analysis_counters) <= SL_AN_WORDS * sizeof(uint64_t),
               "struct sl_analysis_counters: only uint64_t fields, at most SL_AN_WORDS of them");
/* The worker's published copy, added to *c (any thread). */
void sl_worker_counters(const struct sl_worker *w, struct sl_analysis_counters *c);

/* worker_analysis.c: the per-packet work, kept apart from the loop; the protocol steps it
 * runs are modules (analysis/analysis.h). */
/* Adds this worker's counts to *c. */
void sl_analysis_counters(const struct sl_analysis *an, struct sl_analysis_counters *c);
struct sl_analysis *sl_analysis_create(struct sl_worker *w, char *errbuf, size_t errlen);
void sl_analysis_destroy(struct sl_analysis *an);
/* The configuration for what follows, once per batch (and before a tick or the flush): the
 * only configuration the analysis reads while processing. version names the snapshot (the
 * runtime's, 1 at start); a new one makes the analysis re-derive what it caches of live keys.
 * cfg must stay valid until the next call. */
void sl_analysis_batch(struct sl_analysis *an, const struct sl_config *cfg, uint64_t version);
/* The snapshot of the same batch, for the enrichment steps (NULL: none). */
struct sl_runtime;
void sl_analysis_runtime(struct sl_analysis *an, const struct sl_runtime *rt);
void sl_analysis_packet(struct sl_analysis *an, const struct sl_pkt_rec *p);
/* The n (<= SL_WORKER_TOP_MAX) flows of the table with the most bytes, both directions, most
 * first, into out; returns how many. The worker thread only (it walks the table). */
unsigned sl_analysis_top_flows(struct sl_analysis *an, struct sl_worker_flow *out, unsigned n);
/* Idle or between batches: expire flows by packet time. */
void sl_analysis_tick(struct sl_analysis *an);
/* End of input: emit every flow still open. */
void sl_analysis_flush(struct sl_analysis *an);

#endif
