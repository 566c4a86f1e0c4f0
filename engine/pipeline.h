/* SPDX-License-Identifier: MIT */
/*
 * The pipeline: every thread of the data path and every ring between them, built from the
 * configuration, started, drained and torn down by engine.c.
 *
 *   capture c ──ring[c][w]──▶ worker w ──ring[w]──▶ router ──ring[s]──▶ sink s
 *
 * Drain protocol (how a clean stop loses nothing): a capture thread that ends (end of input,
 * or the stop flag) commits and finishes its rings (sl_ring_finish). A worker whose inputs
 * are all finished and empty flushes its flows, commits and finishes its output ring. The
 * router does the same once every worker ring is finished and empty, and each sink once its
 * ring is: it flushes and returns. So a stop is one flag on the capture threads, and the rest
 * follows in order; joining the threads in the same order ends the engine.
 */
#ifndef SLUICE_PIPELINE_H
#define SLUICE_PIPELINE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "capture/capture.h"
#include "latency.h"
#include "module.h"
#include "sluice/record.h"
#include "sluice/ring.h"

struct sl_config;
struct sl_worker;
struct sl_sink;

#define SL_MAX_WORKERS 64
#define SL_MAX_CAPTURES 16
#define SL_MAX_SINKS 16
#define SL_DECODE_REASON_SLOTS 64

/* The pipeline side of one capture thread: its ring to each worker. Only that thread uses it. */
struct sl_capture_out {
	sl_ring *rings[SL_MAX_WORKERS];
	uint32_t pending[SL_MAX_WORKERS]; /* records reserved and not yet committed */
	unsigned nworkers;
	uint32_t snaplen;
	int drop;                         /* ring policy: 1 drop, 0 block */
	int use_vlan;                     /* flow.use-vlan: VLAN ids are part of a flow's key */
	const _Atomic int *hard_stop;     /* block policy gives up waiting once this is set */
	/* The control socket's pause: while *paused, push holds the packet (and the source with
	 * it) until resume or a stop. NULL: never paused. */
	const _Atomic int *paused, *stop;
	_Atomic uint64_t oversize;        /* packets larger than a ring record can be */
	uint64_t stamp_ns;                /* read time (CLOCK_MONOTONIC) given to the packets pushed */
	unsigned stamp_in;                /* packets until the next clock read */
	/* The capture side of each capture -> worker hop (the ledger compares it with what the
	 * worker took): records put into ring[w], and dropped for it (drop policy). */
	_Atomic uint64_t pushed[SL_MAX_WORKERS];
	_Atomic uint64_t dropped[SL_MAX_WORKERS];
};

struct sl_capture_thread {
	pthread_t tid;
	int started;
	int cpu;
	const struct sl_module *mod;
	void *state;
	struct sl_capture_spec spec;
	struct sl_capture_out out;
	struct sl_capture_counters ctr;
	struct sl_pipeline *pl;
	_Atomic int done;
	int result;
	char err[256];
};

struct sl_router {
	pthread_t tid;
	int started;
	int cpu;
	sl_ring *in[SL_MAX_WORKERS];
	unsigned nin;
	struct sl_sink *sinks[SL_MAX_SINKS];
	unsigned nsinks;
	/* The router's side of its hops; written by the router thread only. */
	_Atomic uint64_t taken[SL_MAX_WORKERS];   /* records read from worker ring i */
	_Atomic uint64_t routed[SL_MAX_SINKS];    /* records copied into sink ring s */
	_Atomic uint64_t dropped[SL_MAX_SINKS];   /* records a full drop-policy ring s refused */
	_Atomic uint64_t unroutable;              /* records of no known type (never expected) */
	sl_ring *stats_in;                        /* the main thread's ring (stats records) */
	_Atomic uint64_t stats_taken;             /* records read from it */
	struct sl_hist lat;                       /* sampled records: routed minus their stamp */
};

struct sl_pipeline {
	const struct sl_config *cfg;
	unsigned nworkers, ncaptures, nsinks;
	struct sl_capture_thread cap[SL_MAX_CAPTURES];
	struct sl_worker *workers[SL_MAX_WORKERS];
	struct sl_router router;
	struct sl_sink *sinks[SL_MAX_SINKS];
	void (*capture_done)(void *arg); /* called by each capture thread as it ends */
	void *capture_done_arg;
	/* Called by sl_pipeline_start on the calling thread once every capture is open (its
	 * sockets bound) and before any stage thread exists: where privileges are dropped. A
	 * non-zero return fails the start. NULL: nothing. */
	int (*opened)(void *arg, char *errbuf, size_t errlen);
	void *opened_arg;
	/* The main thread's input to the router (stats records, later anything else a timer
	 * makes): an SPSC ring whose producer is the main thread, finished by it once every worker
	 * has ended (after the final stats record), so the router drains it last. Written by the
	 * main thread only. */
	sl_ring *stats_ring;
	_Atomic uint64_t stats_put, stats_dropped;
	_Atomic uint64_t config_put; /* of stats_put: config records (the main thread's) */
	int stats_finished;
	_Atomic int stop;      /* capture threads: stop reading */
	_Atomic int hard_stop; /* everyone: stop waiting on full rings (second signal) */
	_Atomic int paused;    /* capture threads: hold (the control socket's pause/resume) */
};

/* What the engine was asked to read. */
struct sl_inputs {
	const char *const *pcaps; /* NULL-terminated, may be NULL */
	const char *iface;
	const char *shm;
	int synth;
};

int sl_pipeline_create(struct sl_pipeline *pl, const struct sl_config *cfg, const struct sl_inputs *in,
                       char *errbuf, size_t errlen);
int sl_pipeline_start(struct sl_pipeline *pl, char *errbuf, size_t errlen);
/* 1 once every capture thread has ended. */
int sl_pipeline_captures_done(struct sl_pipeline *pl);
/* 1 once every thread of the data path has ended (the sinks end last). */
int sl_pipeline_done(struct sl_pipeline *pl);
/* 1 once every worker has ended (its output ring finished). */
int sl_pipeline_workers_done(struct sl_pipeline *pl);
void sl_pipeline_stop(struct sl_pipeline *pl);
/* Main thread: room for one record in the router's stats ring, or NULL (counted dropped: the
 * main thread never waits on the data path); then sl_pipeline_stats_commit with the bytes
 * written (at most len). Finish once, after the last record (the join does it if not done). */
void *sl_pipeline_stats_reserve(struct sl_pipeline *pl, uint16_t type, uint32_t len);
void sl_pipeline_stats_commit(struct sl_pipeline *pl, uint32_t len);
void sl_pipeline_stats_finish(struct sl_pipeline *pl);
/* Join every thread in data-path order; returns the first capture error (negative) or 0. */
int sl_pipeline_join(struct sl_pipeline *pl);
void sl_pipeline_destroy(struct sl_pipeline *pl);

/* Several input rings read in turn by one thread (a worker's capture rings, the router's
 * worker rings): which are still live, and how to wait when all of them are empty. */
struct sl_fanin {
	sl_ring *const *in;
	unsigned n, nlive, turn;
	uint8_t live[SL_MAX_WORKERS];
};

void sl_fanin_init(struct sl_fanin *f, sl_ring *const *in, unsigned n);
/* Nothing came from any input: sleep on one of them (each in turn) until it has records, and
 * mark it finished when its producer is done and it is empty. */
void sl_fanin_idle(struct sl_fanin *f);

/* Threads (thread.c) */
int sl_thread_start(pthread_t *tid, const char *name, int cpu, void *(*fn)(void *), void *arg);
/* CLOCK_MONOTONIC in nanoseconds: the engine's timers (ticks, the progress line). */
uint64_t sl_mono_ns(void);

/* The bodies of the stage threads: a capture source (capture/push.c), the router (router.c);
 * workers are worker.c's sl_worker_main, sinks sinks/sink.c's sl__sink_main. */
void *sl__capture_main(void *arg);
void *sl__router_main(void *arg);

#endif
