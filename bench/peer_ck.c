/* SPDX-License-Identifier: MIT */
/*
 * Concurrency Kit's ck_ring (SPSC) as a peer. ck_ring carries pointers, so records travel the
 * way a pointer ring is used for them: a pool of record slots allocated up front, the producer
 * copies record k into pool slot k % P and enqueues the slot's address, the consumer dequeues the
 * address and copies the record out into its local buffer.
 *
 * Reuse is safe without a return path: a ring of S entries holds at most S - 1, so when the
 * producer has enqueued record k - 1 the consumer has dequeued record k - S and therefore
 * finished copying out record k - S - 1; with P = 2S the slot of record k (last used by record
 * k - 2S) is free. The pool is the largest power of two of records that fits in --ring-bytes, the
 * same memory as the other rings; the pointer ring itself adds S * 8 bytes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ck_ring.h>

#include "bench.h"

struct ck_state {
	struct ck_ring ring;
	struct ck_ring_buffer *buf;
	unsigned char *pool;
	uint64_t pool_mask;
};

static int ck_setup(struct bench_ctx *c, char *err, size_t errlen)
{
	size_t stride = BENCH_STRIDE(c->size);
	size_t pool_n = bench_floor_pow2(c->ring_bytes / stride);
	struct ck_state *s;

	if (pool_n < 64)
		pool_n = 64;
	s = bench_alloc(sizeof *s);
	if (s == NULL)
		return -ENOMEM;
	s->buf = bench_alloc(pool_n / 2 * sizeof *s->buf);
	s->pool = bench_alloc(pool_n * stride);
	if (s->buf == NULL || s->pool == NULL) {
		snprintf(err, errlen, "out of memory for a pool of %zu records", pool_n);
		free(s->buf);
		free(s->pool);
		free(s);
		return -ENOMEM;
	}
	ck_ring_init(&s->ring, (unsigned)(pool_n / 2));
	s->pool_mask = pool_n - 1;
	snprintf(c->backing, sizeof c->backing, "malloc");
	c->state = s;
	return 0;
}

static void ck_teardown(struct bench_ctx *c)
{
	struct ck_state *s = c->state;

	free(s->buf);
	free(s->pool);
	free(s);
}

BENCH_INLINE void ck_produce(struct bench_ctx *c, size_t n)
{
	struct ck_state *s = c->state;
	_Alignas(64) unsigned char rec[BENCH_MAX_SIZE];
	const size_t stride = BENCH_STRIDE(n);
	uint64_t total = c->warm + c->records;

	memset(rec, 0xa5, n);
	for (uint64_t seq = 0; seq < total; seq++) {
		unsigned char *slot = s->pool + (seq & s->pool_mask) * stride;

		rec_fill(rec, seq, n);
		memcpy(slot, rec, n);
		while (!ck_ring_enqueue_spsc(&s->ring, s->buf, slot))
			bench_relax();
	}
}

BENCH_INLINE void ck_take(struct bench_ctx *c, uint64_t *seqp, uint64_t count, size_t n)
{
	struct ck_state *s = c->state;
	_Alignas(64) unsigned char out[BENCH_MAX_SIZE];
	uint64_t seq = *seqp, sink = 0, errors = 0;

	for (uint64_t i = 0; i < count; i++) {
		const unsigned char *slot;

		while (!ck_ring_dequeue_spsc(&s->ring, s->buf, &slot))
			bench_relax();
		memcpy(out, slot, n);
		sink += rec_check(out, seq, n, &errors);
		seq++;
	}
	*seqp = seq;
	c->sink += sink;
	c->errors += errors;
}

BENCH_DEFINE_CONSUME(ck_consume, ck_take)

static void ck_produce_any(struct bench_ctx *c) { BENCH_SIZE_DISPATCH(ck_produce, c); }
static void ck_consume_any(struct bench_ctx *c) { BENCH_SIZE_DISPATCH(ck_consume, c); }

const struct bench_peer bench_peers_ck[] = {
	{ "ck-spsc", "Concurrency Kit ck_ring SPSC of pointers into a preallocated record pool",
	  ck_setup, ck_produce_any, ck_consume_any, ck_teardown, 0 },
	{ 0 },
};
