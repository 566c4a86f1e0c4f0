/* SPDX-License-Identifier: MIT */
/*
 * The router: one thread between the workers and the sinks. It reads the workers' rings fairly
 * (at most one batch from each per round) and copies each record into the ring of every sink
 * that wants its type. A sink ring's policy decides what a full ring costs:
 *
 *   block  the router waits for room (lossless sinks); everything behind the router waits too
 *   drop   the router counts the record as dropped for that sink and goes on: a slow drop sink
 *          costs the other sinks nothing
 *
 * Its counts are one side of the ledger's hops: records taken from each worker ring, records
 * routed into and dropped for each sink ring; the workers and the sink threads keep the other.
 *
 * One more input is the main thread's ring (stats records). It is read in every round like a
 * worker ring, but never slept on (a stats record may wait for the next wake, at most 100 ms);
 * the main thread finishes it only after every worker ring has ended, so the router drains it
 * last and then finishes the sink rings. A stamped record (latency.h) is timed once it is in
 * every sink ring that wants it: the router's histogram.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "fault.h"
#include "latency.h"
#include "pipeline.h"
#include "sinks/sink.h"

#define BATCH 64

/* One record to every sink that wants it. */
static void route_one(struct sl_router *rt, const struct sl_rec *rec, const _Atomic int *hard_stop)
{
	if (rec->type >= SL_REC_TYPE_MAX) {
		sl_count(&rt->unroutable, 1);
		return;
	}
	for (unsigned s = 0; s < rt->nsinks; s++) {
		struct sl_sink *sk = rt->sinks[s];
		void *p;

		if (!((sk->types >> rec->type) & 1u))
			continue;
		while ((p = sl_ring_reserve(sk->ring, rec->type, rec->len)) == NULL) {
			if (errno == EMSGSIZE || sk->policy == SL_SINK_DROP ||
			    atomic_load_explicit(hard_stop, memory_order_relaxed)) {
				sl_ring_count_drop(sk->ring, 1);
				sl_count(&rt->dropped[s], 1);
				goto next;
			}
			sl_ring_commit(sk->ring);
			sl_ring_wait_writable(sk->ring, rec->len, 100);
		}
		memcpy(p, rec->data, rec->len);
		sl_count(&rt->routed[s], 1 + sl__fault(SL_FAULT_ROUTER));
	next:;
	}
	uint64_t stamp = sl_sink_stamp(rec);
	if (stamp)
		sl_hist_add(&rt->lat, sl_stamp_age(sl_lat_now(), stamp));
}

/* One batch from the main thread's ring; returns how many records it held. */
static size_t route_stats(struct sl_router *rt, struct sl_rec *recs, const _Atomic int *hard_stop)
{
	size_t n = sl_ring_peek(rt->stats_in, recs, BATCH);
	for (size_t k = 0; k < n; k++)
		route_one(rt, &recs[k], hard_stop);
	sl_ring_release(rt->stats_in, n);
	sl_count(&rt->stats_taken, n);
	return n;
}

void *sl__router_main(void *arg)
{
	struct sl_pipeline *pl = arg;
	struct sl_router *rt = &pl->router;
	struct sl_rec recs[BATCH];
	struct sl_fanin fin;

	sl_fanin_init(&fin, rt->in, rt->nin);
	while (fin.nlive > 0) {
		size_t got = 0;
		for (unsigned i = 0; i < rt->nin; i++) {
			if (!fin.live[i])
				continue;
			size_t n = sl_ring_peek(rt->in[i], recs, BATCH);
			for (size_t k = 0; k < n; k++)
				route_one(rt, &recs[k], &pl->hard_stop);
			sl_ring_release(rt->in[i], n);
			sl_count(&rt->taken[i], n);
			got += n;
		}
		if (rt->stats_in)
			got += route_stats(rt, recs, &pl->hard_stop);
		if (got) {
			for (unsigned s = 0; s < rt->nsinks; s++)
				sl_ring_commit(rt->sinks[s]->ring);
			continue;
		}
		sl_fanin_idle(&fin);
	}
	/* every worker has ended: the main thread's final stats record, then the end of its ring */
	while (rt->stats_in) {
		if (route_stats(rt, recs, &pl->hard_stop)) {
			for (unsigned s = 0; s < rt->nsinks; s++)
				sl_ring_commit(rt->sinks[s]->ring);
			continue;
		}
		if (sl_ring_wait_readable(rt->stats_in, 100) == -EPIPE)
			break;
	}
	for (unsigned s = 0; s < rt->nsinks; s++) {
		sl_ring_commit(rt->sinks[s]->ring);
		sl_ring_finish(rt->sinks[s]->ring);
	}
	return NULL;
}
