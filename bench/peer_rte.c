/* SPDX-License-Identifier: MIT */
/*
 * DPDK's rte_ring as a peer, through its element API, which copies records of a fixed size
 * (a multiple of 4 bytes) into and out of the ring. No EAL: the ring lives in memory this
 * program allocates, sized by rte_ring_get_memsize_elem() and set up by rte_ring_init() with
 * RING_F_SP_ENQ | RING_F_SC_DEQ, and the loops call the sp_/sc_ variants directly (what the
 * generic rte_ring_enqueue_elem() calls for such a ring, minus the switch on the sync type).
 *
 * The element count is the largest power of two whose elements fit in --ring-bytes, so this
 * ring touches no more memory than sluice's. "single" moves one record per call; "burst" fills
 * 32 records in a local array and enqueues them with rte_ring_sp_enqueue_burst_elem(), the
 * consumer dequeues up to 32 at a time into a local array. This file is compiled with DPDK's
 * own flags (pkg-config libdpdk), as DPDK applications are.
 *
 * "ptr" (at the end of the file) is the other way DPDK carries records: pointers to buffers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "bench.h"

#define ESIZE(n) (((n) + 3) & ~(size_t)3)

static int rte_setup(struct bench_ctx *c, char *err, size_t errlen)
{
	unsigned esize = (unsigned)ESIZE(c->size);
	size_t count = bench_floor_pow2(c->ring_bytes / esize);
	ssize_t mem;
	struct rte_ring *r;
	int e;

	if (count < 64)
		count = 64;
	mem = rte_ring_get_memsize_elem(esize, (unsigned)count);
	if (mem < 0) {
		snprintf(err, errlen, "rte_ring_get_memsize_elem(%u, %zu): %zd", esize, count, mem);
		return (int)mem;
	}
	r = bench_alloc((size_t)mem);
	if (r == NULL)
		return -ENOMEM;
	e = rte_ring_init(r, "bench", (unsigned)count, RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (e < 0) {
		snprintf(err, errlen, "rte_ring_init(count %zu): %s", count, strerror(-e));
		free(r);
		return e;
	}
	snprintf(c->backing, sizeof c->backing, "malloc");
	c->state = r;
	return 0;
}

static void rte_teardown(struct bench_ctx *c)
{
	free(c->state);
}

/* ---- single ------------------------------------------------------------------------------- */

BENCH_INLINE void single_produce(struct bench_ctx *c, size_t n)
{
	struct rte_ring *r = c->state;
	_Alignas(64) unsigned char rec[BENCH_MAX_SIZE];
	uint64_t total = c->warm + c->records;

	memset(rec, 0xa5, ESIZE(n));
	for (uint64_t seq = 0; seq < total; seq++) {
		rec_fill(rec, seq, n);
		while (rte_ring_sp_enqueue_elem(r, rec, (unsigned)ESIZE(n)) != 0)
			bench_relax();
	}
}

BENCH_INLINE void single_take(struct bench_ctx *c, uint64_t *seqp, uint64_t count, size_t n)
{
	struct rte_ring *r = c->state;
	_Alignas(64) unsigned char out[BENCH_MAX_SIZE];
	uint64_t seq = *seqp, sink = 0, errors = 0;

	for (uint64_t i = 0; i < count; i++) {
		while (rte_ring_sc_dequeue_elem(r, out, (unsigned)ESIZE(n)) != 0)
			bench_relax();
		sink += rec_check(out, seq, n, &errors);
		seq++;
	}
	*seqp = seq;
	c->sink += sink;
	c->errors += errors;
}

BENCH_DEFINE_CONSUME(single_consume, single_take)

static void single_produce_any(struct bench_ctx *c) { BENCH_SIZE_DISPATCH(single_produce, c); }
static void single_consume_any(struct bench_ctx *c) { BENCH_SIZE_DISPATCH(single_consume, c); }

/* ---- burst 32 ----------------------------------------------------------------------------- */

BENCH_INLINE void burst_produce(struct bench_ctx *c, size_t n)
{
	struct rte_ring *r = c->state;
	_Alignas(64) unsigned char stage[BENCH_BURST * BENCH_MAX_SIZE];
	const size_t es = ESIZE(n);
	uint64_t total = c->warm + c->records;

	memset(stage, 0xa5, BENCH_BURST * es);
	for (uint64_t seq = 0; seq < total;) {
		unsigned k = total - seq < BENCH_BURST ? (unsigned)(total - seq) : BENCH_BURST;
		unsigned done = 0;

		for (unsigned i = 0; i < k; i++)
			rec_fill(stage + i * es, seq + i, n);
		while (done < k) {
			unsigned m = rte_ring_sp_enqueue_burst_elem(r, stage + done * es, (unsigned)es, k - done, NULL);
			if (m == 0)
				bench_relax();
			done += m;
		}
		seq += k;
	}
}

BENCH_INLINE void burst_take(struct bench_ctx *c, uint64_t *seqp, uint64_t count, size_t n)
{
	struct rte_ring *r = c->state;
	_Alignas(64) unsigned char out[BENCH_BURST * BENCH_MAX_SIZE];
	const size_t es = ESIZE(n);
	uint64_t seq = *seqp, sink = 0, errors = 0;

	while (count > 0) {
		unsigned want = count < BENCH_BURST ? (unsigned)count : BENCH_BURST;
		unsigned got = rte_ring_sc_dequeue_burst_elem(r, out, (unsigned)es, want, NULL);

		if (got == 0) {
			bench_relax();
			continue;
		}
		for (unsigned i = 0; i < got; i++) {
			sink += rec_check(out + i * es, seq, n, &errors);
			seq++;
		}
		count -= got;
	}
	*seqp = seq;
	c->sink += sink;
	c->errors += errors;
}

BENCH_DEFINE_CONSUME(burst_consume, burst_take)

static void burst_produce_any(struct bench_ctx *c) { BENCH_SIZE_DISPATCH(burst_produce, c); }
static void burst_consume_any(struct bench_ctx *c) { BENCH_SIZE_DISPATCH(burst_consume, c); }

/* ---- pointer ring: what DPDK applications do with records of other sizes -------------------
 *
 * The elem API above copies a 256-byte element as 64 32-bit words. Applications instead keep
 * records in buffers from a pool (rte_mempool, mbufs) and pass pointers through the ring: that
 * is this peer. The pool is preallocated: cache-line aligned buffers (rte_mempool aligns objects
 * to a cache line too), as many as fit in --ring-bytes (the same memory as sluice's ring), a second
 * SP/SC rte_ring of pointers as its free list, which is how rte_mempool's default "ring_mp_mc"
 * handler keeps free objects (minus the per-lcore cache and the multi-producer CAS, so this is
 * if anything kinder to DPDK). The producer takes up to 32 free buffers, memcpy's a record into
 * each and enqueues the 32 pointers in one burst; the consumer dequeues up to 32 pointers,
 * memcpy's each record out and returns the 32 buffers in one burst. */

struct ptr_state {
	struct rte_ring *ring;  /* producer -> consumer: full buffers */
	struct rte_ring *free;  /* consumer -> producer: empty buffers */
	unsigned char *pool;
};

#define PTR_ALIGN 64

static struct rte_ring *ptr_ring_new(unsigned count, const char *name)
{
	ssize_t mem = rte_ring_get_memsize(count);
	struct rte_ring *r;

	if (mem < 0 || (r = bench_alloc((size_t)mem)) == NULL)
		return NULL;
	if (rte_ring_init(r, name, count, RING_F_SP_ENQ | RING_F_SC_DEQ) < 0) {
		free(r);
		return NULL;
	}
	return r;
}

static int ptr_setup(struct bench_ctx *c, char *err, size_t errlen)
{
	size_t stride = (c->size + PTR_ALIGN - 1) & ~(size_t)(PTR_ALIGN - 1);
	size_t n = c->ring_bytes / stride;
	struct ptr_state *s = calloc(1, sizeof *s);

	if (n < 64)
		n = 64;
	if (s == NULL)
		return -ENOMEM;
	/* Either ring must hold all n buffers, and one of count k holds k - 1. */
	unsigned count = (unsigned)bench_floor_pow2(n) * 2;
	s->ring = ptr_ring_new(count, "bench-ptr");
	s->free = ptr_ring_new(count, "bench-free");
	s->pool = bench_alloc(n * stride);
	if (s->ring == NULL || s->free == NULL || s->pool == NULL) {
		snprintf(err, errlen, "no memory or rte_ring_init failed for a pool of %zu buffers", n);
		free(s->ring);
		free(s->free);
		free(s->pool);
		free(s);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		rte_ring_sp_enqueue(s->free, s->pool + i * stride); /* room for all: count 2n */
	snprintf(c->backing, sizeof c->backing, "malloc");
	c->state = s;
	return 0;
}

static void ptr_teardown(struct bench_ctx *c)
{
	struct ptr_state *s = c->state;

	free(s->ring);
	free(s->free);
	free(s->pool);
	free(s);
}

BENCH_INLINE void ptr_produce(struct bench_ctx *c, size_t n)
{
	struct ptr_state *s = c->state;
	_Alignas(64) unsigned char rec[BENCH_MAX_SIZE];
	void *bufs[BENCH_BURST];
	uint64_t total = c->warm + c->records;

	memset(rec, 0xa5, n);
	for (uint64_t seq = 0; seq < total;) {
		unsigned want = total - seq < BENCH_BURST ? (unsigned)(total - seq) : BENCH_BURST;
		unsigned k = rte_ring_sc_dequeue_burst(s->free, bufs, want, NULL);
		unsigned done = 0;

		if (k == 0) {
			bench_relax();
			continue;
		}
		for (unsigned i = 0; i < k; i++) {
			rec_fill(rec, seq + i, n);
			memcpy(bufs[i], rec, n);
		}
		while (done < k) {
			unsigned m = rte_ring_sp_enqueue_burst(s->ring, bufs + done, k - done, NULL);
			if (m == 0)
				bench_relax();
			done += m;
		}
		seq += k;
	}
}

BENCH_INLINE void ptr_take(struct bench_ctx *c, uint64_t *seqp, uint64_t count, size_t n)
{
	struct ptr_state *s = c->state;
	_Alignas(64) unsigned char out[BENCH_BURST * BENCH_MAX_SIZE];
	const size_t stride = BENCH_STRIDE(n);
	void *bufs[BENCH_BURST];
	uint64_t seq = *seqp, sink = 0, errors = 0;

	while (count > 0) {
		unsigned want = count < BENCH_BURST ? (unsigned)count : BENCH_BURST;
		unsigned got = rte_ring_sc_dequeue_burst(s->ring, bufs, want, NULL);
		unsigned done = 0;

		if (got == 0) {
			bench_relax();
			continue;
		}
		for (unsigned i = 0; i < got; i++) {
			memcpy(out + i * stride, bufs[i], n);
			sink += rec_check(out + i * stride, seq, n, &errors);
			seq++;
		}
		/* the free list holds every buffer, so this never waits */
		while (done < got)
			done += rte_ring_sp_enqueue_burst(s->free, bufs + done, got - done, NULL);
		count -= got;
	}
	*seqp = seq;
	c->sink += sink;
	c->errors += errors;
}

BENCH_DEFINE_CONSUME(ptr_consume, ptr_take)

static void ptr_produce_any(struct bench_ctx *c) { BENCH_SIZE_DISPATCH(ptr_produce, c); }
static void ptr_consume_any(struct bench_ctx *c) { BENCH_SIZE_DISPATCH(ptr_consume, c); }

const struct bench_peer bench_peers_rte[] = {
	{ "rte-single", "DPDK rte_ring SP/SC, elem API, one record per enqueue/dequeue",
	  rte_setup, single_produce_any, single_consume_any, rte_teardown, 0 },
	{ "rte-burst", "DPDK rte_ring SP/SC, elem API, enqueue/dequeue burst of 32",
	  rte_setup, burst_produce_any, burst_consume_any, rte_teardown, 0 },
	{ "rte-ptr", "DPDK rte_ring SP/SC of pointers to cache-aligned pool buffers (free list: a second rte_ring), memcpy in/out, bursts of 32",
	  ptr_setup, ptr_produce_any, ptr_consume_any, ptr_teardown, 0 },
	{ 0 },
};
