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

const struct bench_peer bench_peers_rte[] = {
	{ "rte-single", "DPDK rte_ring SP/SC, elem API, one record per enqueue/dequeue",
	  rte_setup, single_produce_any, single_consume_any, rte_teardown, 0 },
	{ "rte-burst", "DPDK rte_ring SP/SC, elem API, enqueue/dequeue burst of 32",
	  rte_setup, burst_produce_any, burst_consume_any, rte_teardown, 0 },
	{ 0 },
};
