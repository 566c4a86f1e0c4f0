/* SPDX-License-Identifier: MIT */
/*
 * The analysis module contract: how a protocol step (http, tls, dns; later geoip, watchlist)
 * plugs into a worker. A step is one folder, engine/analysis/<name>/, holding one
 * `const struct sl_module` of kind SL_MODULE_ANALYSIS whose `analysis` points to its
 * `struct sl_analysis_ops`, and one line in the hand-written table sl__analysis_modules[]
 * (analysis.c). The worker's core (worker_analysis.c) owns decode, defrag, the flow table and
 * TCP reassembly, and calls the steps:
 *
 *   hook          when                                        what it may do
 *   -----------   -----------------------------------------   --------------------------------
 *   init          worker creation (main thread), once per      allocate ALL its per-worker
 *                 worker: cfg is the configuration at start     memory (pools, scratch), read
 *                                                               restart-only keys
 *   config        worker thread, when the batch's snapshot      re-derive what it caches of live
 *                 differs from the last one (and before the     keys (the DNS port set); never
 *                 first packet)                                  blocks, never allocates
 *   detect        worker thread: a TCP flow's first client      SL_AN_CLAIM (the flow is this
 *                 bytes (joined with held ones while too        step's from now on), SL_AN_PASS
 *                 few to tell), steps asked in table order      (not mine), SL_AN_MAYBE (too few
 *                                                               bytes to tell: ask again)
 *   detect_server the server's bytes came first (optional)      SL_AN_CLAIM or SL_AN_PASS
 *   on_payload    worker thread: in-order bytes of a claimed    parse; emit records
 *                 TCP flow, either direction
 *   on_gap        a hole in the claimed flow's direction        stop trusting that direction
 *   on_eos        the direction ended (FIN, RST, timeout)       finish a read-until-close body
 *   on_datagram   every UDP payload of any flow                 e.g. DNS on its ports
 *   on_flow_end   the flow ends, before its flow record         emit what it holds; give pool
 *                 (claimed flows; every flow for steps           slots back
 *                 without detect)
 *   on_record     every record emitted for a flow, after it     enrichment steps (geoip,
 *                 was built and before it is committed; steps   watchlist): fill en's parts from
 *                 in table order, each seeing what the earlier  the batch's snapshot; never emit
 *                 ones put in en                                 here (the record is open)
 *   after_record  once the record is committed, for the steps    emit what on_record found (the
 *                 that have it (not for what they emit here)   watchlist's alert records)
 *   counters      after the worker is joined                    add its counts for the ledger
 *   fini          after the worker is joined (main)             free what init allocated;
 *                                                               accepts a NULL state
 *
 * Steps that claim flows (detect != NULL) share one per-flow area of the largest flow_bytes
 * they ask for (a flow has one owner); steps without detect get an area each. Areas are
 * zeroed when a flow starts and when its owner hands it back to detection (a CONNECT tunnel).
 *
 * Configuration: what sizes a step's pools it reads at init; its live keys it reads in its
 * config hook, which the worker calls with every new snapshot before the batch that uses it
 * (sl_analysis_batch in worker.h), and caches in its state; it never keeps a pointer into a
 * configuration. Everything else a step needs of the worker is the sl_an_* calls
 * below; all of them run on the worker thread and none blocks except sl_an_emit (which waits
 * while the router catches up, like every emit).
 */
#ifndef SLUICE_ANALYSIS_ANALYSIS_H
#define SLUICE_ANALYSIS_ANALYSIS_H

#include <stddef.h>
#include <stdint.h>

#include "module.h"

struct sl_analysis;           /* the worker's analysis core (worker_analysis.c) */
struct sl_analysis_counters;  /* worker.h */
struct sl_config;
struct sl_flow;
struct sl_ev_common;
struct sl_meta_enrichment;
struct sl_runtime;

enum sl_an_detect {
	SL_AN_PASS = 0,  /* not this step's flow */
	SL_AN_CLAIM = 1, /* this step's flow: on_payload gets every byte from the chunk given */
	SL_AN_MAYBE = 2, /* too few bytes to tell */
};

struct sl_analysis_ops {
	uint32_t flow_bytes;   /* per-flow area (8-byte aligned, zeroed when a flow starts) */
	uint32_t stream_bytes; /* private bytes in each stream slot it borrows (sl_an_stream) */

	int (*init)(struct sl_analysis *an, const struct sl_config *cfg, void **state, char *errbuf,
	            size_t errlen);
	void (*config)(void *state, const struct sl_config *cfg);
	int (*detect)(void *state, struct sl_flow *f, void *area, const uint8_t *p, uint32_t n);
	void (*on_payload)(void *state, struct sl_flow *f, void *area, unsigned dir, const uint8_t *p,
	                   uint32_t n);
	void (*on_gap)(void *state, struct sl_flow *f, void *area, unsigned dir);
	void (*on_eos)(void *state, struct sl_flow *f, void *area, unsigned dir);
	void (*on_datagram)(void *state, struct sl_flow *f, void *area, unsigned dir, const uint8_t *p,
	                    uint32_t n);
	void (*on_flow_end)(void *state, struct sl_flow *f, void *area);
	/* Enrichment: en is the block the core appends to rec (one per record, written once);
	 * record_bytes is the most this step's parts add to it (reserved with every record). */
	uint32_t record_bytes;
	void (*on_record)(void *state, struct sl_flow *f, void *area, uint16_t type, const void *rec, uint32_t len,
	                  struct sl_meta_enrichment *en);
	void (*after_record)(void *state, struct sl_flow *f, void *area);
	void (*counters)(const void *state, struct sl_analysis_counters *c);
	void (*fini)(void *state);
	/* Optional, for protocols that can be told from the server's side: asked (in table
	 * order) when the server's bytes come before any client byte of an undecided TCP flow,
	 * e.g. because the capture missed the request. SL_AN_CLAIM or SL_AN_PASS; a PASS leaves
	 * detection to the client's bytes. */
	int (*detect_server)(void *state, struct sl_flow *f, void *area, const uint8_t *p, uint32_t n);
};

/* The table, NULL-terminated, in detection order (analysis.c). */
extern const struct sl_module *const sl__analysis_modules[];

/* ---- what the core offers the steps (worker_analysis.c) -------------------------------- */

/* Capture time of the packet being processed. */
uint64_t sl_an_packet_ts(const struct sl_analysis *an);

/* The runtime snapshot of the batch being processed (its GeoIP databases and watchlist), or
 * NULL when the worker runs without one (a test driving it alone). */
const struct sl_runtime *sl_an_runtime(const struct sl_analysis *an);

/* Inside on_gap: how many bytes of the stream were lost (a parser may skip them as body). */
uint32_t sl_an_gap_missing(const struct sl_analysis *an);

/* Room for one record in the worker's output ring, then the bytes used (see worker.h). */
void *sl_an_emit(struct sl_analysis *an, uint16_t type, uint32_t len);
void sl_an_emitted(struct sl_analysis *an, uint16_t type, uint32_t len);
/* A record's common part for flow f at time ts: as the flow is oriented (client to server),
 * or in the direction a packet travelled. */
void sl_an_common(const struct sl_analysis *an, struct sl_ev_common *c, const struct sl_flow *f, uint64_t ts);
void sl_an_common_dir(const struct sl_analysis *an, struct sl_ev_common *c, const struct sl_flow *f,
                      unsigned dir, uint64_t ts);

/* The owner of a TCP flow gives it back: detection starts over on the bytes given (the rest
 * of the chunk after a CONNECT or a protocol switch). The owner's area is zeroed; it must
 * have given back its pool slots first and must not touch the area afterwards. */
void sl_an_redetect(struct sl_analysis *an, struct sl_flow *f, unsigned dir, const uint8_t *p, uint32_t n);

/* Stream slots: a pool shared by the steps (app.tls.max-sessions of them per worker), each
 * with a buffer per direction for messages that must be whole before they are parsed (TLS
 * hellos, DNS over TCP) and the step's stream_bytes of private state. A slot is named by
 * index + 1, so a zeroed area holds none; get returns 0 when the pool is empty (counted). */
#define SL_AN_STREAM_BUF (16384 + 4096)
struct sl_an_stream {
	uint32_t len[2];
	uint32_t next_free;
	uint32_t pad_;
	uint8_t buf[2][SL_AN_STREAM_BUF];
	uint8_t priv[]; /* stream_bytes of the borrowing step, 8-byte aligned */
};
uint32_t sl_an_stream_get(struct sl_analysis *an);
void sl_an_stream_put(struct sl_analysis *an, uint32_t *slot); /* sets *slot to 0 */
struct sl_an_stream *sl_an_stream(struct sl_analysis *an, uint32_t slot);
/* Appends to direction dir's buffer; returns the bytes that fitted. */
uint32_t sl_an_stream_append(struct sl_an_stream *s, unsigned dir, const uint8_t *p, uint32_t n);

#endif
