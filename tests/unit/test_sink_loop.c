/* SPDX-License-Identifier: MIT */
/*
 * The sink thread (sinks/sink.c) driving a scripted module, so the contract of module.h is
 * checked as counts:
 *   - tick(now) runs at the module's cadence while the ring is idle;
 *   - write() that takes k < n leaves the rest in the ring, and they are offered again: every
 *     record is taken exactly once, in order; a write that takes nothing (backpressure) leaves
 *     everything in the ring while ticks go on;
 *   - at the end, flush() is called again (after ticks) while it says -EAGAIN, then stop()
 *     once, and received = what write() took.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "sinks/sink.h"

struct fake {
	_Atomic uint32_t max_take; /* per write() call; 0: take nothing */
	_Atomic uint64_t ticks, writes, offered, taken;
	_Atomic uint32_t out_of_order;
	_Atomic int flush_again; /* flush() says -EAGAIN this many more times */
	_Atomic int flushes, stops;
	uint32_t next; /* sink thread only */
};

static size_t fake_write(void *state, const struct sl_rec *recs, size_t n, struct sl_sink_counters *ctr)
{
	struct fake *f = state;
	size_t k = atomic_load(&f->max_take);

	if (k > n)
		k = n;
	atomic_fetch_add(&f->writes, 1);
	atomic_fetch_add(&f->offered, n);
	for (size_t i = 0; i < k; i++) {
		uint32_t seq;
		memcpy(&seq, recs[i].data, sizeof seq);
		if (seq != f->next)
			atomic_fetch_add(&f->out_of_order, 1);
		f->next = seq + 1;
	}
	atomic_fetch_add(&f->taken, k);
	sl_count(&ctr->delivered, k);
	return k;
}

static void fake_tick(void *state, uint64_t now)
{
	(void)now;
	atomic_fetch_add(&((struct fake *)state)->ticks, 1);
}

static int fake_flush(void *state)
{
	struct fake *f = state;
	atomic_fetch_add(&f->flushes, 1);
	if (atomic_load(&f->flush_again) > 0) {
		atomic_fetch_sub(&f->flush_again, 1);
		return -EAGAIN;
	}
	return 0;
}

static void fake_stop(void *state)
{
	atomic_fetch_add(&((struct fake *)state)->stops, 1);
}

static const struct sl_module fake_mod = {
	.name = "fake",
	.kind = SL_MODULE_SINK,
	.tick_ns = 1000000, /* 1 ms */
	.write = fake_write,
	.tick = fake_tick,
	.flush = fake_flush,
	.stop = fake_stop,
};

/* Wait for a condition, generously (10 s), polling every millisecond. */
#define WAIT_FOR(cond)                                                                    \
	do {                                                                              \
		for (int i_ = 0; i_ < 10000 && !(cond); i_++)                             \
			nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);        \
		CHECK(cond);                                                              \
	} while (0)

static void push(sl_ring *r, uint32_t from, uint32_t n)
{
	for (uint32_t i = from; i < from + n; i++) {
		uint8_t *p = sl_ring_reserve(r, SL_REC_FLOW, 100);
		REQUIRE(p != NULL);
		memset(p, 0, 100);
		memcpy(p, &i, sizeof i);
		if (i % 10 == 9)
			sl_ring_commit(r);
	}
	sl_ring_commit(r);
}

int main(void)
{
	static struct sl_sink sk;
	static struct fake fk;
	_Atomic int hard_stop = 0;
	struct sl_ring_config rc = { .capacity = 1 << 20, .huge = SL_HUGEPAGES_NEVER };
	struct sl_ring_stats st;

	REQUIRE(sl_ring_create(NULL, &rc, &sk.ring) == 0);
	sk.mod = &fake_mod;
	sk.state = &fk;
	sk.hard_stop = &hard_stop;
	REQUIRE(pthread_create(&sk.tid, NULL, sl__sink_main, &sk) == 0);

	/* idle: ticks, no writes */
	WAIT_FOR(atomic_load(&fk.ticks) >= 5);
	CHECK_EQ(atomic_load(&fk.writes), 0);

	/* write takes 3 at a time: the rest is offered again, each record taken once, in order */
	atomic_store(&fk.max_take, 3);
	push(sk.ring, 0, 1000);
	WAIT_FOR(atomic_load(&fk.taken) == 1000);
	CHECK_EQ(atomic_load(&fk.out_of_order), 0);
	CHECK(atomic_load(&fk.offered) > 1000); /* records not taken came back */
	CHECK_EQ(atomic_load(&sk.ctr.received), 1000);

	/* write takes nothing: the records stay in the ring, ticks go on */
	atomic_store(&fk.max_take, 0);
	uint64_t w0 = atomic_load(&fk.writes);
	push(sk.ring, 1000, 100);
	WAIT_FOR(atomic_load(&fk.writes) >= w0 + 3);
	uint64_t t0 = atomic_load(&fk.ticks);
	WAIT_FOR(atomic_load(&fk.ticks) >= t0 + 3);
	CHECK_EQ(atomic_load(&fk.taken), 1000);
	sl_ring_stats(sk.ring, &st);
	CHECK_EQ(st.records_in - st.records_out, 100);
	CHECK_EQ(atomic_load(&sk.ctr.received), 1000);

	/* it takes again: nothing was lost or repeated meanwhile */
	atomic_store(&fk.max_take, 64);
	WAIT_FOR(atomic_load(&fk.taken) == 1100);
	CHECK_EQ(atomic_load(&fk.out_of_order), 0);

	/* the end: flush until it says 0, then stop once */
	atomic_store(&fk.flush_again, 2);
	int f0 = atomic_load(&fk.flushes);
	sl_ring_finish(sk.ring);
	pthread_join(sk.tid, NULL);
	CHECK_EQ(atomic_load(&fk.flush_again), 0);
	CHECK(atomic_load(&fk.flushes) >= f0 + 3);
	CHECK_EQ(atomic_load(&fk.stops), 1);
	CHECK_EQ(atomic_load(&sk.done), 1);
	CHECK_EQ(atomic_load(&sk.ctr.received), 1100);
	CHECK_EQ(atomic_load(&sk.ctr.delivered), 1100);
	CHECK_EQ(atomic_load(&sk.ctr.dropped), 0);
	sl_ring_close(sk.ring);
	return check_result();
}
