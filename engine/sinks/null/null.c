/* SPDX-License-Identifier: MIT */
/*
 * The null sink: takes records and discards them, counted as delivered. It measures the engine
 * without an encoder or a destination (benchmarks), and with outputs.null.rate it is a slow
 * consumer on purpose: it takes at most that many records a second, refilled at each tick, and
 * leaves the rest in its ring. With the default drop policy the router then drops for it alone
 * (counted) and every other sink goes on at full speed; with block, the whole pipeline slows to
 * its rate and nothing is lost.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "sinks/sink.h"
#define SL_CONF_STRUCT struct null_conf
#include "conf/conf_rows.h"

#define TICK_NS 10000000u /* 10 ms */

struct null_conf {
	struct sl_sink_conf common;
	int64_t rate;
};

static const struct sl_conf_key null_keys[] = {
	SL_SINK_KEYS("outputs.null", "false", "[flow, http, tls, dns, alert, stats, http_summary]", "4MiB", "drop",
	             "discard records (benchmarks, a deliberately slow consumer)"),
	INT("outputs.null.rate", rate, "0", 0, INT64_C(1000000000),
	    "records per second it takes at most; 0: as many as come"),
};

static const struct sl_conf_block null_block = {
	.section = "outputs.null",
	.size = sizeof(struct null_conf),
	.keys = null_keys,
	.nkeys = sizeof(null_keys) / sizeof(null_keys[0]),
};

struct null_sink {
	_Atomic uint64_t per_tick; /* 0: unlimited; interrupt() (any thread) clears it */
	uint64_t budget;
};

static int null_init(const struct sl_module_env *env, void **state, char *errbuf, size_t errlen)
{
	const struct null_conf *nc = sl_conf_block(env->cfg, &null_block);
	struct null_sink *s = calloc(1, sizeof *s);

	(void)errbuf;
	(void)errlen;
	if (!s)
		return -ENOMEM;
	if (nc->rate > 0) {
		uint64_t per = (uint64_t)nc->rate * TICK_NS / 1000000000u;
		s->budget = per ? per : 1;
		atomic_store_explicit(&s->per_tick, s->budget, memory_order_relaxed);
	}
	*state = s;
	return 0;
}

static size_t null_write(void *state, const struct sl_rec *recs, size_t n, struct sl_sink_counters *ctr)
{
	struct null_sink *s = state;
	size_t k = n;
	uint64_t bytes = 0;

	if (atomic_load_explicit(&s->per_tick, memory_order_relaxed)) {
		if (k > s->budget)
			k = (size_t)s->budget;
		s->budget -= k;
	}
	for (size_t i = 0; i < k; i++) {
		bytes += recs[i].len;
		uint64_t stamp = sl_sink_stamp(&recs[i]); /* discarded is delivered: timed here */
		if (stamp)
			sl_sink_latency(ctr, stamp);
	}
	sl_count(&ctr->delivered, k);
	sl_count(&ctr->bytes, bytes);
	return k;
}

static void null_tick(void *state, uint64_t now_ns)
{
	struct null_sink *s = state;
	(void)now_ns;
	s->budget = atomic_load_explicit(&s->per_tick, memory_order_relaxed);
}

static void null_interrupt(void *state)
{
	struct null_sink *s = state;
	atomic_store_explicit(&s->per_tick, 0, memory_order_relaxed); /* a forced stop: take the rest at once */
}

static void null_fini(void *state)
{
	free(state);
}

const struct sl_module sl__sink_null = {
	.name = "null",
	.kind = SL_MODULE_SINK,
	.conf = &null_block,
	.tick_ns = TICK_NS,
	.init = null_init,
	.write = null_write,
	.tick = null_tick,
	.interrupt = null_interrupt,
	.fini = null_fini,
};
