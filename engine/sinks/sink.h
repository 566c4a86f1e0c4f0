/* SPDX-License-Identifier: MIT */
/*
 * The sink module contract. A sink (file, zmq, kafka, clickhouse) is one folder with one
 * descriptor of hooks, listed in the NULL-terminated table sl__sink_modules[] (sinks/sink.c).
 * The engine gives each enabled sink a thread and a ring from the router; the thread peeks
 * batches of metadata records and hands them to write(), releasing them once write()
 * returns, and calls flush() when its ring goes idle and at the end.
 *
 * The ledger rule every sink keeps: received = delivered + spooled + dropped (+ what it still
 * buffers, which flush() must bring to zero). A sink counts a record delivered only once its
 * destination has it (the file's write() returned, the broker acknowledged).
 */
#ifndef SLUICE_SINK_H
#define SLUICE_SINK_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "sluice/ring.h"

struct sl_config;

/* Written only by the sink's thread; read by the ledger. */
struct sl_sink_counters {
	_Atomic uint64_t received;
	_Atomic uint64_t delivered;
	_Atomic uint64_t spooled;
	_Atomic uint64_t dropped;
	_Atomic uint64_t bytes; /* encoded bytes delivered */
};

struct sl_sink_module {
	const char *name;
	/* 1 when the configuration enables this sink. */
	int (*enabled)(const struct sl_config *cfg);
	/* Bit (1 << type) for each record type the sink wants. */
	uint32_t (*types)(const struct sl_config *cfg);
	/* Bytes of the router's ring to this sink, and the CPU of its thread (-1: not pinned). */
	uint64_t (*ring_size)(const struct sl_config *cfg);
	int (*cpu)(const struct sl_config *cfg);
	int (*init)(const struct sl_config *cfg, void **state, char *errbuf, size_t errlen);
	/* Take n records; they are released when this returns. */
	void (*write)(void *state, const struct sl_rec *recs, size_t n, struct sl_sink_counters *ctr);
	/* Deliver whatever is buffered. */
	void (*flush)(void *state, struct sl_sink_counters *ctr);
	void (*fini)(void *state);
};

struct sl_sink {
	const struct sl_sink_module *mod;
	void *state;
	sl_ring *ring;      /* from the router */
	uint32_t types;     /* mask of record types */
	int cpu;
	pthread_t tid;
	int started;
	struct sl_sink_counters ctr;
};

extern const struct sl_sink_module *const sl__sink_modules[];

/* Atomic counter helpers for single-writer counters. */
static inline void sl_count(_Atomic uint64_t *c, uint64_t n)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n, memory_order_relaxed);
}

#endif
