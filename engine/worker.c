/* SPDX-License-Identifier: MIT */
/*
 * The worker loop: batches in from the capture rings, one call per packet into the analysis,
 * one commit per batch out to the router. It waits on its input ring's futex when there is
 * nothing to do (with several inputs it polls them in turn with a short sleep), and ends
 * when every input is finished and empty, after flushing its flows: the drain protocol of
 * pipeline.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/decode.h"
#include "fault.h"
#include "latency.h"
#include "log.h"
#include "record_meta.h"
#include "runtime.h"
#include "sinks/sink.h"
#include "worker.h"

#define BATCH 64

struct sl_worker *sl_worker_create(unsigned index, const struct sl_config *cfg, char *errbuf, size_t errlen)
{
	struct sl_worker *w = calloc(1, sizeof *w);

	if (w == NULL) {
		snprintf(errbuf, errlen, "worker %u: out of memory", index);
		return NULL;
	}
	w->index = index;
	w->cfg = cfg;
	w->cpu = -1;
	w->sample_every = (uint32_t)cfg->stats.latency_sample;
	w->sample_in = w->sample_every;
	w->an = sl_analysis_create(w, errbuf, errlen);
	if (w->an == NULL) {
		free(w);
		return NULL;
	}
	return w;
}

void sl_worker_destroy(struct sl_worker *w)
{
	if (w == NULL)
		return;
	sl_analysis_destroy(w->an);
	free(w);
}

void *sl_worker_emit(struct sl_worker *w, uint16_t type, uint32_t len)
{
	void *p;

	while ((p = sl_ring_reserve(w->out, type, len)) == NULL) {
		if (errno == EMSGSIZE || atomic_load_explicit(w->hard_stop, memory_order_relaxed)) {
			/* counted twice over: in the ring's row of the ledger and as events dropped */
			sl_ring_count_drop(w->out, 1);
			sl_count(&w->emit_dropped, 1);
			return NULL;
		}
		sl_ring_commit(w->out);
		sl_ring_wait_writable(w->out, len, 100);
	}
	w->last_emit = p;
	return p;
}

void sl_worker_emitted(struct sl_worker *w, uint16_t type, uint32_t len)
{
	sl_ring_trim(w->out, len); /* the reservation was an upper bound */
	/* every metadata record starts with the common part: stamp 1 in sample_every of those
	 * made by a packet, and measure them here, the first stage */
	if (type >= SL_REC_FLOW && len >= sizeof(struct sl_ev_common) && w->last_emit) {
		uint64_t stamp = 0;
		if (w->pkt_stamp && w->sample_every && --w->sample_in == 0) {
			w->sample_in = w->sample_every;
			stamp = sl_stamp48(w->pkt_stamp);
			sl_hist_add(&w->lat, sl_stamp_age(sl_lat_now(), stamp));
		}
		uint16_t words[3];
		sl_stamp_put(words, stamp);
		memcpy((uint8_t *)w->last_emit + offsetof(struct sl_ev_common, stamp), words, sizeof words);
	}
	w->last_emit = NULL;
	sl_count(&w->events[type < SL_REC_TYPE_MAX ? type : 0], 1 + sl__fault(SL_FAULT_WORKER));
}

/* The one place the worker loop reads configuration: the runtime snapshot in force, taken
 * once for the next batch (or tick, or the flush) and handed to the analysis, which re-derives
 * its live keys when the version changed. Without a runtime (a test driving a worker alone) it
 * is the configuration the worker was made with. */
static void batch_config(struct sl_worker *w)
{
	const struct sl_runtime *rt = sl_runtime_get();

	sl_analysis_runtime(w->an, rt);
	if (rt)
		sl_analysis_batch(w->an, rt->cfg, rt->version);
	else
		sl_analysis_batch(w->an, w->cfg, 1);
}

/* Relaxed stores of a fresh sum: a reader may see words of two publications, each word
 * monotonic, which is all a live view needs; the last publication, before the thread ends, is
 * what the final ledger reads. */
static void publish(struct sl_worker *w)
{
	struct sl_analysis_counters c;
	uint64_t words[SL_AN_WORDS] = { 0 };
	memset(&c, 0, sizeof c);
	sl_analysis_counters(w->an, &c);
	memcpy(words, &c, sizeof c);
	for (size_t i = 0; i < sizeof c / sizeof(uint64_t); i++)
		atomic_store_explicit(&w->an_pub[i], words[i], memory_order_relaxed);
	w->publish_in = SL_WORKER_PUBLISH_BATCHES;
}

void sl_worker_counters(const struct sl_worker *w, struct sl_analysis_counters *c)
{
	uint64_t words[SL_AN_WORDS];
	memcpy(words, c, sizeof *c);
	for (size_t i = 0; i < sizeof *c / sizeof(uint64_t); i++)
		words[i] += atomic_load_explicit(&w->an_pub[i], memory_order_relaxed);
	memcpy(c, words, sizeof *c);
}

/* The control socket's "flows", answered between batches (worker.h: the top_req slot). */
static void answer_top(struct sl_worker *w)
{
	uint64_t req = atomic_load_explicit(&w->top_req, memory_order_acquire); /* pairs with the
	                                                       control thread's release of top_req */
	if (req == atomic_load_explicit(&w->top_done, memory_order_relaxed))
		return;
	unsigned n = (unsigned)(req & 0xff);
	w->top_n = sl_analysis_top_flows(w->an, w->top, n < SL_WORKER_TOP_MAX ? n : SL_WORKER_TOP_MAX);
	/* release: top[] and top_n before the control thread's acquire of top_done */
	atomic_store_explicit(&w->top_done, req, memory_order_release);
}

void *sl_worker_main(void *arg)
{
	struct sl_worker *w = arg;
	struct sl_rec recs[BATCH];
	struct sl_fanin fin;

	/* An RCU reader: a batch uses one snapshot from start to end; a quiescent state after each;
	 * offline while it sleeps for input. While a batch waits for room in the output ring it
	 * stays online (it still reads its snapshot), which only delays freeing an old one. */
	sl_runtime_register();
	sl_fanin_init(&fin, w->in, w->nin);
	w->publish_in = SL_WORKER_PUBLISH_BATCHES;
	while (fin.nlive > 0) {
		size_t got = 0;
		answer_top(w);
		batch_config(w);
		for (unsigned i = 0; i < w->nin; i++) {
			if (!fin.live[i])
				continue;
			size_t n = sl_ring_peek(w->in[i], recs, BATCH);
			for (size_t k = 0; k < n; k++) {
				const struct sl_pkt_rec *p = recs[k].data;
				if (recs[k].type != SL_REC_PACKET || recs[k].len < sizeof *p ||
				    recs[k].len - sizeof *p < p->caplen) {
					sl_count(&w->bad_records, 1);
					continue;
				}
				w->pkt_stamp = 0;
				if ((p->flags & SL_PKT_F_STAMP) &&
				    recs[k].len - sizeof *p - p->caplen >= SL_PKT_STAMP_BYTES)
					memcpy(&w->pkt_stamp, p->data + p->caplen, SL_PKT_STAMP_BYTES);
				sl_analysis_packet(w->an, p);
			}
			sl_ring_release(w->in[i], n);
			sl_count(&w->taken[i], n);
			got += n;
		}
		w->pkt_stamp = 0;
		sl_ring_commit(w->out);
		if (got) {
			if (--w->publish_in == 0)
				publish(w);
			sl_runtime_quiescent();
			continue;
		}
		batch_config(w);
		sl_analysis_tick(w->an);
		publish(w);
		sl_runtime_offline();
		sl_fanin_idle(&fin);
		sl_runtime_online();
	}
	batch_config(w);
	sl_analysis_flush(w->an);
	sl_ring_commit(w->out);
	publish(w); /* before finish: whoever sees the end of the stream sees the final counts */
	sl_ring_finish(w->out);
	sl_runtime_unregister();
	atomic_store_explicit(&w->done, 1, memory_order_release); /* pairs with sl_pipeline_workers_done */
	if (w->wake)
		w->wake(w->wake_arg);
	return NULL;
}
