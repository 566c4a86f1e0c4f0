/* SPDX-License-Identifier: MIT */
/*
 * How far apart the two CPUs are right now. On this kind of (virtual) machine the host moves the
 * two vCPUs about, and the cost of moving a cache line between them changes several times over
 * within minutes; every figure the suite prints depends on it. The probe bounces one cache line
 * between a thread on CPU 0 and one on CPU 1: CPU 0 writes an odd value and waits for CPU 1 to
 * answer with the next even one. One round trip is two line transfers, so round trip / 2 is the
 * floor under any one-way hand-off between the cores.
 *
 * The figure is the median over short batches (each timed as a whole), so a batch in which another
 * process pushed one of the threads off its CPU does not move it.
 *
 * The same bounce, timed one round trip at a time, is the "pingpong" latency peer: the floor the
 * ring's latency is compared with.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "probe.h"

struct line {
	_Alignas(128) _Atomic uint64_t v;
	char pad[128 - sizeof(uint64_t)];
};

struct probe_arg {
	struct line *l;
	uint64_t rounds;
	_Atomic int *ready;
};

static void *probe_responder(void *p)
{
	struct probe_arg *a = p;

	bench_pin(BENCH_CPU_CONSUMER);
	bench_rt_enter();
	atomic_fetch_add_explicit(a->ready, 1, memory_order_acq_rel);
	for (uint64_t i = 0; i < a->rounds; i++) {
		uint64_t want = 2 * i + 1;

		/* acquire: pairs with the initiator's release store of the odd value */
		while (atomic_load_explicit(&a->l->v, memory_order_acquire) != want)
			bench_relax();
		/* release: pairs with the initiator's acquire load in its wait */
		atomic_store_explicit(&a->l->v, want + 1, memory_order_release);
	}
	return NULL;
}

BENCH_INLINE void probe_bounce(struct line *l, uint64_t i)
{
	/* release: pairs with the responder's acquire load */
	atomic_store_explicit(&l->v, 2 * i + 1, memory_order_release);
	/* acquire: pairs with the responder's release store of the even answer */
	while (atomic_load_explicit(&l->v, memory_order_acquire) != 2 * i + 2)
		bench_relax();
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int probe_run(int batches, int per_batch, struct probe_result *res)
{
	struct line *l = bench_alloc(sizeof *l);
	_Atomic int ready = 0;
	struct probe_arg a = { l, (uint64_t)batches * (uint64_t)per_batch + 1000, &ready };
	double *ns = calloc((size_t)batches, sizeof *ns);
	pthread_t t;
	int e;

	if (l == NULL || ns == NULL) {
		free(l);
		free(ns);
		return -ENOMEM;
	}
	if ((e = pthread_create(&t, NULL, probe_responder, &a)) != 0) {
		free(l);
		free(ns);
		return -e;
	}
	/* the calling thread is the initiator; it gets its own affinity back afterwards */
	bench_wait_flag(&ready, 1);
	bench_pin_save();
	bench_pin(BENCH_CPU_PRODUCER);
	bench_rt_enter();
	uint64_t i = 0;
	for (; i < 1000; i++) /* warm-up */
		probe_bounce(l, i);
	for (int b = 0; b < batches; b++) {
		int64_t t0 = bench_now_ns();
		for (int k = 0; k < per_batch; k++, i++)
			probe_bounce(l, i);
		ns[b] = (double)(bench_now_ns() - t0) / per_batch;
	}
	pthread_join(t, NULL);
	bench_unpin();
	qsort(ns, (size_t)batches, sizeof *ns, cmp_double);
	res->rtt_median_ns = ns[batches / 2];
	res->rtt_min_ns = ns[0];
	res->rtt_max_ns = ns[batches - 1];
	free(ns);
	free(l);
	return 0;
}

/* ---- the floor as a latency peer ------------------------------------------------------------ */

static int pp_setup(void **state, char *err, size_t errlen)
{
	struct line *l = bench_alloc(sizeof *l);

	if (l == NULL)
		return -ENOMEM;
	*state = l;
	return 0;
}

static void pp_ping(void *state, uint64_t seq, uint64_t *errors)
{
	probe_bounce(state, seq);
}

static void pp_pong(void *state, uint64_t n, uint64_t *errors)
{
	struct line *l = state;

	for (uint64_t i = 0; i < n; i++) {
		while (atomic_load_explicit(&l->v, memory_order_acquire) != 2 * i + 1)
			bench_relax();
		atomic_store_explicit(&l->v, 2 * i + 2, memory_order_release);
	}
}

static void pp_teardown(void *state)
{
	free(state);
}

const struct lat_peer lat_peer_pingpong = {
	"pingpong", "one cache line bounced between the CPUs (the floor: round trip / 2 = one line transfer)",
	pp_setup, pp_ping, pp_pong, pp_teardown,
};
