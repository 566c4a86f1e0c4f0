/* SPDX-License-Identifier: MIT */
/*
 * The sinks sluiced knows, in the order the router feeds them, and the thread that runs each
 * one (the loop sink.h describes).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <time.h>

#include "encode_json.h"
#include "fault.h"
#include "pipeline.h"
#include "record_meta.h"
#include "sinks/sink.h"

extern const struct sl_module sl__sink_file;
extern const struct sl_module sl__sink_kafka;
extern const struct sl_module sl__sink_null;
extern const struct sl_module sl__sink_zmq;
extern const struct sl_module sl__sink_clickhouse;
extern const struct sl_module sl__sink_tap;

const struct sl_module *const sl__sink_modules[] = {
	&sl__sink_file,
	&sl__sink_kafka,
	&sl__sink_null,
	&sl__sink_zmq,
	&sl__sink_clickhouse,
	&sl__sink_tap, /* sinks/tap: no thread and no write; sl__tap_create builds one sink per name */
	NULL,
};

/* Record types a sink can subscribe to (the names of encode_json.c). */
const char *const sl__event_type_names[] = { "flow", "http", "tls", "dns", "alert", "stats",
	                                     "http_summary", "config", NULL };
const char *const sl__sink_policy_names[] = { "block", "drop", NULL };

uint64_t sl_sink_types_mask(const struct sl_conf_strs *types)
{
	uint64_t mask = 0;

	for (size_t i = 0; i < types->n; i++)
		for (uint16_t t = 0; t < SL_REC_TYPE_MAX; t++) {
			const char *n = sl_json_event_name(t);
			if (n && strcmp(n, types->v[i]) == 0)
				mask |= UINT64_C(1) << t;
		}
	return mask;
}

uint64_t sl_sink_stamp(const struct sl_rec *rec)
{
	uint16_t words[3];
	if (rec->type < SL_REC_FLOW || rec->type >= SL_REC_TYPE_MAX || rec->len < sizeof(struct sl_ev_common))
		return 0;
	memcpy(words, (const uint8_t *)rec->data + offsetof(struct sl_ev_common, stamp), sizeof words);
	return sl_stamp_get(words);
}

void sl_sink_latency(struct sl_sink_counters *ctr, uint64_t stamp)
{
	sl_hist_add(&ctr->lat, sl_stamp_age(sl_lat_now(), stamp));
}

#define BATCH 64
#define DEFAULT_TICK_NS 100000000u /* 100 ms */

static void sleep_until(uint64_t t)
{
	uint64_t n = sl_mono_ns();
	if (t > n) {
		struct timespec ts = { .tv_sec = (time_t)((t - n) / 1000000000u), .tv_nsec = (long)((t - n) % 1000000000u) };
		nanosleep(&ts, NULL);
	}
}

struct sink_loop {
	struct sl_sink *sk;
	uint64_t tick_ns, next_tick;
	int interrupted;
};

static void maybe_tick(struct sink_loop *l)
{
	uint64_t n = sl_mono_ns();

	if (n < l->next_tick)
		return;
	if (l->sk->mod->tick)
		l->sk->mod->tick(l->sk->state, n);
	l->next_tick = n + l->tick_ns;
}

/* A forced stop: the module gives up on what it holds (counted), once. */
static int forced(struct sink_loop *l)
{
	if (!atomic_load_explicit(l->sk->hard_stop, memory_order_relaxed))
		return 0;
	if (!l->interrupted && l->sk->mod->interrupt)
		l->sk->mod->interrupt(l->sk->state);
	l->interrupted = 1;
	return 1;
}

/* flush is optional: a sink that buffers nothing has nothing to deliver. */
static int flush(struct sl_sink *sk)
{
	return sk->mod->flush ? sk->mod->flush(sk->state) : 0;
}

/* Offer a batch; returns how many records the module took. */
static size_t offer(struct sink_loop *l, const struct sl_rec *recs, size_t n)
{
	struct sl_sink *sk = l->sk;
	size_t k = sk->mod->write(sk->state, recs, n, &sk->ctr);

	if (k > n)
		k = n;
	sl_count(&sk->ctr.received, k);
	if (k && sl__fault(SL_FAULT_SINK))
		sl_count(&sk->ctr.delivered, UINT64_MAX); /* one record taken that never arrives: -1 */
	return k;
}

void *sl__sink_main(void *arg)
{
	struct sl_sink *sk = arg;
	struct sl_rec recs[BATCH];
	struct sink_loop l = { .sk = sk };
	int idle_flushed = 1;

	l.tick_ns = sk->mod->tick_ns ? sk->mod->tick_ns : DEFAULT_TICK_NS;
	l.next_tick = sl_mono_ns() + l.tick_ns;
	for (;;) {
		maybe_tick(&l);
		size_t n = sl_ring_peek(sk->ring, recs, BATCH);
		if (n) {
			size_t k = offer(&l, recs, n);
			sl_ring_release(sk->ring, k);
			idle_flushed = 0;
			if (k == 0) {
				/* backpressure: the module cannot take more until something changes (a
				 * tick's retry, an acknowledgement); a forced stop drops what is left */
				if (forced(&l)) {
					/* the module took nothing and gave up: the ring's records are dropped
					 * here, counted as received and dropped */
					sl_count(&sk->ctr.received, n);
					sl_count(&sk->ctr.dropped, n);
					sl_ring_release(sk->ring, n);
					continue;
				}
				uint64_t soon = sl_mono_ns() + 1000000u; /* at most 1 ms, or until the tick */
				sleep_until(l.next_tick < soon ? l.next_tick : soon);
			}
			continue;
		}
		if (!idle_flushed && flush(sk) != -EAGAIN)
			idle_flushed = 1;
		uint64_t t = sl_mono_ns();
		int wait_ms = l.next_tick > t ? (int)((l.next_tick - t) / 1000000u) + 1 : 0;
		if (sl_ring_wait_readable(sk->ring, wait_ms) == -EPIPE)
			break;
	}
	/* the ring is finished and empty: deliver what the module holds; once interrupted, a
	 * module's next flush gives up what is left (counted), so at most one more is called */
	while (flush(sk) == -EAGAIN && !l.interrupted) {
		if (forced(&l))
			continue;
		sleep_until(l.next_tick);
		maybe_tick(&l);
	}
	if (sk->mod->stop)
		sk->mod->stop(sk->state);
	atomic_store_explicit(&sk->done, 1, memory_order_release);
	if (sk->wake)
		sk->wake(sk->wake_arg);
	return NULL;
}
