/* SPDX-License-Identifier: MIT */
/*
 * The router on its own (router.c), fed from rings this test fills and read into sink rings
 * this test drains or leaves full, so every outcome is a count:
 *   - type masks do not alias: a record of type 33 is not type 1, type 49 is not type 17, and
 *     a type outside the type space is counted as unroutable (the ledger then fails), never
 *     routed;
 *   - a full drop-policy ring costs the router nothing: it goes on, counts the drops for that
 *     sink alone, and a block-policy sink next to it still gets every record;
 *   - a block-policy ring that fills makes the router wait, never drop: a slow consumer of it
 *     gets every record in order.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "check.h"
#include "pipeline.h"
#include "sinks/sink.h"

static sl_ring *mkring(size_t cap)
{
	struct sl_ring_config rc = { .capacity = cap, .huge = SL_HUGEPAGES_NEVER };
	sl_ring *r = NULL;
	REQUIRE(sl_ring_create(NULL, &rc, &r) == 0);
	return r;
}

/* One record of type t carrying seq, committed. */
static void put(sl_ring *r, uint16_t t, uint32_t seq, uint32_t len)
{
	uint8_t *p = sl_ring_reserve(r, t, len);
	REQUIRE(p != NULL);
	memset(p, 0, len);
	memcpy(p, &seq, sizeof seq);
	sl_ring_commit(r);
}

static void add_sink(struct sl_pipeline *pl, struct sl_sink *sk, uint64_t types, enum sl_sink_policy pol,
                     size_t cap)
{
	memset(sk, 0, sizeof *sk);
	sk->ring = mkring(cap);
	sk->types = types;
	sk->policy = pol;
	pl->sinks[pl->nsinks++] = sk;
	pl->router.sinks[pl->router.nsinks++] = sk;
}

/* Everything still in r: count, and the types seen as a mask. */
static size_t drain(sl_ring *r, uint64_t *types, uint32_t *last_seq)
{
	struct sl_rec recs[64];
	size_t total = 0, n;

	while ((n = sl_ring_peek(r, recs, 64)) > 0) {
		for (size_t i = 0; i < n; i++) {
			*types |= UINT64_C(1) << (recs[i].type & 63);
			if (last_seq)
				memcpy(last_seq, recs[i].data, sizeof *last_seq);
		}
		sl_ring_release(r, n);
		total += n;
	}
	return total;
}

static void test_masks(void)
{
	static struct sl_pipeline pl;
	struct sl_sink a, b;
	sl_ring *in = mkring(1 << 20);
	const uint16_t types[] = { 1, 16, 33, 49, 17, 63, 64, 65535, 31, 0 };

	memset(&pl, 0, sizeof pl);
	pl.router.in[pl.router.nin++] = in;
	add_sink(&pl, &a, (UINT64_C(1) << 1) | (UINT64_C(1) << 16), SL_SINK_BLOCK, 1 << 20);
	add_sink(&pl, &b, (UINT64_C(1) << 17) | (UINT64_C(1) << 31), SL_SINK_BLOCK, 1 << 20);
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		put(in, types[i], (uint32_t)i, 64);
	sl_ring_finish(in);
	sl__router_main(&pl); /* returns once its input is finished and empty */

	uint64_t seen_a = 0, seen_b = 0;
	CHECK_EQ(drain(a.ring, &seen_a, NULL), 2); /* 1 and 16; not 33 (33 & 31 == 1) */
	CHECK_EQ(seen_a, (UINT64_C(1) << 1) | (UINT64_C(1) << 16));
	CHECK_EQ(drain(b.ring, &seen_b, NULL), 2); /* 17 and 31; not 49 (49 & 31 == 17) nor 63 */
	CHECK_EQ(seen_b, (UINT64_C(1) << 17) | (UINT64_C(1) << 31));
	/* 33, 49, 63, 64, 65535 lie outside the type space: counted, not routed */
	CHECK_EQ(atomic_load(&pl.router.unroutable), 5);
	CHECK_EQ(atomic_load(&pl.router.taken[0]), sizeof types / sizeof types[0]);
	CHECK_EQ(atomic_load(&pl.router.routed[0]), 2);
	CHECK_EQ(atomic_load(&pl.router.routed[1]), 2);
	CHECK_EQ(atomic_load(&pl.router.dropped[0]) + atomic_load(&pl.router.dropped[1]), 0);
	sl_ring_close(in);
	sl_ring_close(a.ring);
	sl_ring_close(b.ring);
}

/* A drop sink nobody reads, next to a block sink with room for everything: the router runs to
 * the end (it never waits on the drop ring), the block sink gets every record, and the drop
 * sink's losses are counted for it alone. */
static void test_drop_never_waits(void)
{
	static struct sl_pipeline pl;
	struct sl_sink fast, slow;
	const uint32_t n = 20000, len = 200;
	sl_ring *in = mkring(8 << 20);

	memset(&pl, 0, sizeof pl);
	pl.router.in[pl.router.nin++] = in;
	add_sink(&pl, &fast, UINT64_C(1) << SL_REC_FLOW, SL_SINK_BLOCK, 8 << 20);
	add_sink(&pl, &slow, UINT64_C(1) << SL_REC_FLOW, SL_SINK_DROP, 64 << 10); /* room for ~300 */
	for (uint32_t i = 0; i < n; i++)
		put(in, SL_REC_FLOW, i, len);
	sl_ring_finish(in);
	sl__router_main(&pl);

	uint64_t t = 0;
	uint32_t last = 0;
	CHECK_EQ(drain(fast.ring, &t, &last), n);
	CHECK_EQ(last, n - 1);
	size_t kept = drain(slow.ring, &t, NULL);
	uint64_t dropped = atomic_load(&pl.router.dropped[1]);
	CHECK(kept > 0 && kept < n);
	CHECK_EQ(dropped, n - kept);
	CHECK_EQ(atomic_load(&pl.router.routed[1]), kept);
	CHECK_EQ(atomic_load(&pl.router.routed[0]), n);
	CHECK_EQ(atomic_load(&pl.router.dropped[0]), 0);
	struct sl_ring_stats st;
	sl_ring_stats(slow.ring, &st);
	CHECK_EQ(st.dropped, dropped); /* the ring's own row shows them too */
	sl_ring_close(in);
	sl_ring_close(fast.ring);
	sl_ring_close(slow.ring);
}

struct reader {
	sl_ring *r;
	uint32_t got, in_order;
};

/* A slow consumer: one record per peek, until the ring is finished. */
static void *slow_reader(void *arg)
{
	struct reader *rd = arg;
	struct sl_rec rec;

	for (;;) {
		if (sl_ring_peek(rd->r, &rec, 1) == 1) {
			uint32_t seq;
			memcpy(&seq, rec.data, sizeof seq);
			rd->in_order += seq == rd->got;
			rd->got++;
			sl_ring_release(rd->r, 1);
			continue;
		}
		if (sl_ring_wait_readable(rd->r, 100) == -EPIPE)
			break;
	}
	return NULL;
}

/* The same slow sink with the block policy: the router waits, nothing is dropped. */
static void test_block_waits(void)
{
	static struct sl_pipeline pl;
	struct sl_sink slow;
	struct reader rd;
	pthread_t tid;
	const uint32_t n = 20000, len = 200;
	sl_ring *in = mkring(8 << 20);

	memset(&pl, 0, sizeof pl);
	pl.router.in[pl.router.nin++] = in;
	add_sink(&pl, &slow, UINT64_C(1) << SL_REC_FLOW, SL_SINK_BLOCK, 64 << 10);
	for (uint32_t i = 0; i < n; i++)
		put(in, SL_REC_FLOW, i, len);
	sl_ring_finish(in);
	rd = (struct reader){ .r = slow.ring };
	REQUIRE(pthread_create(&tid, NULL, slow_reader, &rd) == 0);
	sl__router_main(&pl); /* finishes the sink ring at the end: the reader ends */
	pthread_join(tid, NULL);
	CHECK_EQ(rd.got, n);
	CHECK_EQ(rd.in_order, n);
	CHECK_EQ(atomic_load(&pl.router.routed[0]), n);
	CHECK_EQ(atomic_load(&pl.router.dropped[0]), 0);
	struct sl_ring_stats st;
	sl_ring_stats(slow.ring, &st);
	CHECK(st.full_events > 0); /* it did fill: the router waited rather than dropped */
	sl_ring_close(in);
	sl_ring_close(slow.ring);
}

int main(void)
{
	test_masks();
	test_drop_never_waits();
	test_block_waits();
	return check_result();
}
