/* SPDX-License-Identifier: MIT */
/*
 * One module contract for every capture source, analysis step and sink. A module is one
 * folder with one `const struct sl_module` descriptor, listed in the hand-written,
 * NULL-terminated table of its kind (capture/capture.c, analysis/analysis.c, sinks/sink.c).
 * No code generation, no dlopen, no constructor attributes: adding a module is its folder and
 * one line in one table.
 *
 * Hooks, and the thread each runs on. Every hook is optional where it makes no sense for the
 * kind (NULL); the engine checks for NULL before calling.
 *
 *   hook        thread            what it may do
 *   ---------   ---------------   --------------------------------------------------------------
 *   init        main              parse its configuration block, allocate ALL memory it will ever
 *                                 use, open nothing that has a peer yet; errbuf says why not.
 *   start       main              open files, sockets, rings; after this the module's thread runs.
 *   run         module's thread   capture only: read the input until it ends or until interrupt()
 *                                 was called; return 0 (ended or interrupted) or negative errno.
 *   process     worker thread     analysis only: see analysis/analysis.h (the per-flow hooks).
 *   write       module's thread   sink only: take the first k (0 <= k <= n) records, return k.
 *                                 Records not taken stay in the ring and are offered again: that is
 *                                 backpressure. write never sleeps and never drops to make room.
 *   tick        module's thread   called at the module's cadence (its `tick_ns`, or the engine's
 *                                 default) even when its input is idle: linger timers, retry
 *                                 backoff, rd_kafka_poll, spool replay, flow expiry.
 *   flush       module's thread   deliver what it buffers. Returns 0 when nothing is left,
 *                                 -EAGAIN when it must be called again (after a tick), or a
 *                                 negative errno when what is left cannot be delivered (then the
 *                                 module has counted it as spooled or dropped).
 *   interrupt   ANY thread        ask run()/write() to return soon: set a flag, write an eventfd,
 *                                 break a poll. It frees nothing and closes nothing, because the
 *                                 module's thread may be inside run() at that very moment.
 *   stop        module's thread   after the last run/write/flush: close what start opened.
 *   fini        main              after the module's thread is joined: free what init allocated.
 *                                 Accepts a state that init left NULL.
 *
 * The order is init → start → (run | write/tick | process/tick)* → flush → stop → fini, and
 * interrupt may come at any point between start and stop, more than once.
 */
#ifndef SLUICE_MODULE_H
#define SLUICE_MODULE_H

#include <stddef.h>
#include <stdint.h>

struct sl_config;
struct sl_rec;
struct sl_conf_block;          /* conf/conf.h: a module's configuration keys */
struct sl_capture_spec;        /* capture/capture.h */
struct sl_capture_out;         /* capture/capture.h */
struct sl_capture_counters;    /* capture/capture.h */
struct sl_sink_counters;       /* sinks/sink.h */
struct sl_analysis_ops;        /* analysis/analysis.h */

enum sl_module_kind {
	SL_MODULE_CAPTURE = 1,
	SL_MODULE_ANALYSIS = 2,
	SL_MODULE_SINK = 3,
};

/* What init() is given. Borrowed for the call: a module copies what it keeps. */
struct sl_module_env {
	const struct sl_config *cfg;            /* the configuration at start (init only) */
	const struct sl_capture_spec *capture;  /* capture modules: what this instance reads */
	unsigned instance;                      /* worker index (analysis), source index (capture) */
	struct sl_sink_counters *sink_ctr;      /* sinks: the counters write/flush/tick update (the
	                                           sink's thread is their only writer) */
};

struct sl_module {
	const char *name;            /* "pcap", "afpacket", "http", "file", ...: also its log prefix */
	enum sl_module_kind kind;
	const struct sl_conf_block *conf; /* the keys this module owns, next to its code (NULL: none) */
	uint64_t tick_ns;            /* cadence of tick(); 0: the engine's default (100 ms) */

	int (*init)(const struct sl_module_env *env, void **state, char *errbuf, size_t errlen);
	int (*start)(void *state, char *errbuf, size_t errlen);

	/* capture */
	int (*run)(void *state, struct sl_capture_out *out, struct sl_capture_counters *ctr, char *errbuf,
	           size_t errlen);
	/* analysis */
	const struct sl_analysis_ops *analysis;
	/* sink */
	size_t (*write)(void *state, const struct sl_rec *recs, size_t n, struct sl_sink_counters *ctr);

	void (*tick)(void *state, uint64_t now_ns);
	int (*flush)(void *state);
	void (*interrupt)(void *state);
	void (*stop)(void *state);
	void (*fini)(void *state);
};

#endif
