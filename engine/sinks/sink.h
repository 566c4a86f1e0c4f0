/* SPDX-License-Identifier: MIT */
/*
 * Sinks. A sink (file, null, later zmq, kafka, clickhouse) is one folder with one
 * `const struct sl_module` of kind SL_MODULE_SINK (engine/module.h) listed in the hand-written
 * table sl__sink_modules[] (sink.c), and one configuration block whose struct begins with
 * struct sl_sink_conf (the keys every sink has: enabled, types, ring-size, cpu, policy; written
 * with SL_SINK_KEYS). The engine gives each enabled sink a thread and a ring from the router.
 *
 * The sink thread (sink.c), for each sink:
 *   peek a batch → k = write(batch) → release k: the n - k records not taken stay in the ring and
 *   are offered again (backpressure: the ring fills, and the router waits or drops by the ring's
 *   policy). When write took nothing, the thread waits for the next tick instead of spinning.
 *   tick(now) at the module's cadence, also while the ring is idle. flush() when the ring goes
 *   idle and at the end, again after each tick while it says -EAGAIN. At a forced stop (second
 *   signal) it calls interrupt(): the module gives up on what it still holds, counted as dropped.
 *
 * The ledger rule every sink keeps: received = delivered + spooled + dropped, where `received`
 * is counted by the sink thread (the records write() took) and the rest by the module, which
 * counts a record delivered only once its destination has it (the file's write() returned, the
 * broker acknowledged). At the end flush() has brought what it buffers to zero.
 */
#ifndef SLUICE_SINK_H
#define SLUICE_SINK_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"
#include "latency.h"
#include "module.h"
#include "sluice/record.h"
#include "sluice/ring.h"

/* What a full ring to this sink does to the router. */
enum sl_sink_policy {
	SL_SINK_BLOCK = 0, /* lossless: the router waits for room (file, Kafka, ClickHouse) */
	SL_SINK_DROP,      /* the router drops the record for this sink, counted (ZMQ PUB, taps) */
};

/* The first member of every sink's configuration block. */
struct sl_sink_conf {
	bool enabled;
	struct sl_conf_strs types;  /* event type names (sl__event_type_names) */
	uint64_t ring_size;
	int64_t cpu;                /* -1: not pinned */
	enum sl_sink_policy policy;
};

extern const char *const sl__event_type_names[];
extern const char *const sl__sink_policy_names[];

/* The five keys every sink has, as rows of a block whose struct has `struct sl_sink_conf
 * common` (include conf/conf_rows.h first). SEC is the section ("outputs.file"). */
#define SL_SINK_KEYS(SEC, EN, TYPES, RING, POLICY, WHAT)                                          \
	BOOL(SEC ".enabled", common.enabled, EN, WHAT),                                            \
	STRINGS(SEC ".types", common.types, TYPES, sl__event_type_names, "event types sent to this sink"), \
	SIZE(SEC ".ring-size", common.ring_size, RING, RING_MIN, RING_MAX,                         \
	     "size of the router's ring to this sink"),                                            \
	INT(SEC ".cpu", common.cpu, "-1", -1, CPU_MAX, "CPU to pin this sink's thread to; -1: not pinned"), \
	ENUM(SEC ".policy", common.policy, POLICY, sl__sink_policy_names,                          \
	     "when its ring is full the router waits (lossless) or drops for this sink alone (counted)")

/* Written by the sink's thread only (received by the engine's loop, the rest by the module);
 * read by the ledger. */
struct sl_sink_counters {
	_Atomic uint64_t received;
	_Atomic uint64_t delivered;
	_Atomic uint64_t spooled;
	_Atomic uint64_t dropped;
	_Atomic uint64_t bytes; /* encoded bytes delivered */
	/* dropped, by reason (a part of `dropped`, for the sinks that say why) */
	_Atomic uint64_t dropped_full;   /* the destination was full (a ZMQ subscriber's high-water mark) */
	_Atomic uint64_t dropped_encode; /* the record could not be encoded */
	_Atomic uint64_t dropped_error;  /* the destination refused it otherwise */
	/* publishers: connected subscribers and live subscriptions now */
	_Atomic uint64_t subscribers;
	_Atomic uint64_t subscriptions;
	/* stamped records (latency.h): acknowledged by the destination minus their stamp; the
	 * module adds them where it counts a record delivered (sl_sink_latency) */
	struct sl_hist lat;
	/* Sinks with a spool (engine/sinks/spool): the spool's side of the ledger, copied from
	 * sl_spool_stats by the module. A record is counted `spooled` once, when write() took it
	 * and it went to the spool; `replayed` when the destination later acknowledged it (never
	 * `delivered` too). At a clean stop:
	 *   spooled + spool_recovered = replayed + spool_pending + spool_dropped + spool_lost */
	_Atomic int has_spool;
	_Atomic uint64_t replayed;        /* spool records the destination acknowledged */
	_Atomic uint64_t spool_recovered; /* records waiting in the spool at start (earlier runs) */
	_Atomic uint64_t spool_pending;   /* records waiting in the spool now */
	_Atomic uint64_t spool_dropped;   /* spooled records dropped with their segment (drop-oldest) */
	_Atomic uint64_t spool_lost;      /* spooled records that could not be read back */
};

struct sl_sink {
	const struct sl_module *mod;
	char name[32];        /* in the ledger: the module's name, or "tap.NAME" */
	int external;         /* a tap (sinks/tap/tap.c): another process consumes the ring; no thread
	                         of ours, so start, flush and fini run on the main thread, and flush
	                         is polled by sl_pipeline_done until it returns 0 */
	const struct sl_sink_conf *conf; /* in the configuration at start */
	void *state;
	sl_ring *ring;        /* from the router */
	uint64_t types;       /* bit (1 << type) per record type it wants; types < SL_REC_TYPE_MAX */
	enum sl_sink_policy policy;
	int cpu;
	pthread_t tid;
	int started;
	_Atomic int done;     /* set by the sink thread as it ends */
	void (*wake)(void *arg); /* called by the sink thread as it ends (wakes the main loop) */
	void *wake_arg;
	const _Atomic int *hard_stop;
	struct sl_sink_counters ctr;
};

_Static_assert(SL_REC_TYPE_MAX <= 64, "a sink's type mask has a bit per record type");

extern const struct sl_module *const sl__sink_modules[];

/* The mask of the named event types (names from the schema's list). */
uint64_t sl_sink_types_mask(const struct sl_conf_strs *types);
/* The sink thread. */
void *sl__sink_main(void *arg);

/* Atomic counter helpers for single-writer counters. */
static inline void sl_count(_Atomic uint64_t *c, uint64_t n)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n, memory_order_relaxed);
}

/* The stamp a record carries (latency.h), 0 when it has none: records of any metadata type
 * start with struct sl_ev_common (record_meta.h), whose `stamp` words hold it (48 bits). */
uint64_t sl_sink_stamp(const struct sl_rec *rec);
/* Sink thread: a stamped record reached its destination now. */
void sl_sink_latency(struct sl_sink_counters *ctr, uint64_t stamp);

#endif
