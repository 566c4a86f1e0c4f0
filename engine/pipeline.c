/* SPDX-License-Identifier: MIT */
/*
 * Builds the data path from the configuration (rings first, then threads), starts it, stops
 * it and tears it down. The threads' bodies live with their stages: capture/push.c (a capture
 * source's thread and its per-packet push), worker.c, router.c, sinks/sink.c. Threads start
 * sinks-first and are joined capture-first, so each stage's consumer exists before its
 * producer and outlives it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/decode.h"
#include "capture/afpacket/afpacket.h"
#include "capture/synth/synth.h"
#include "conf/conf.h"
#include "fault.h"
#include "log.h"
#include "pipeline.h"
#include "sinks/sink.h"
#include "sinks/tap/tap.h"
#include "worker.h"

/* ---- building ---------------------------------------------------------------------------- */

static int ring(sl_ring **r, uint64_t size, const struct sl_config *cfg, const char *what, char *errbuf,
                size_t errlen)
{
	struct sl_ring_config rc = { .capacity = size, .huge = cfg->rings.hugepages,
	                             .flags = cfg->rings.wake == SL_CONF_WAKE_FENCED ? SL_RING_FENCED : 0 };
	int e = sl_ring_create(NULL, &rc, r);
	if (e)
		snprintf(errbuf, errlen, "%s ring (%llu bytes, hugepages %s): %s", what, (unsigned long long)size,
		         cfg->rings.hugepages == SL_HUGEPAGES_REQUIRE ? "required" : "allowed", strerror(-e));
	return e;
}

static int cpu_of(const struct sl_conf_ints *cpus, unsigned i)
{
	return cpus->n ? cpus->v[i % cpus->n] : -1;
}

static int add_capture(struct sl_pipeline *pl, const char *kind, const struct sl_capture_spec *spec,
                       char *errbuf, size_t errlen)
{
	const struct sl_config *cfg = pl->cfg;
	struct sl_capture_thread *c;
	int e;

	if (pl->ncaptures >= SL_MAX_CAPTURES) {
		snprintf(errbuf, errlen, "too many capture threads (at most %d)", SL_MAX_CAPTURES);
		return -E2BIG;
	}
	c = &pl->cap[pl->ncaptures];
	c->mod = sl_capture_find(kind);
	if (c->mod == NULL) {
		snprintf(errbuf, errlen, "no capture module '%s'", kind);
		return -ENOENT;
	}
	c->spec = *spec;
	c->spec.kind = kind;
	c->cpu = cpu_of(&cfg->capture.cpus, pl->ncaptures);
	struct sl_module_env env = { .cfg = cfg, .capture = &c->spec, .instance = pl->ncaptures };
	if ((e = c->mod->init(&env, &c->state, errbuf, errlen)) != 0)
		return e;
	pl->ncaptures++;

	int drop = cfg->capture.policy == SL_CONF_POLICY_DROP ||
	           (cfg->capture.policy == SL_CONF_POLICY_AUTO && strcmp(kind, "afpacket") == 0);
	c->out.drop = drop;
	c->out.nworkers = pl->nworkers;
	c->out.snaplen = (uint32_t)cfg->capture.snaplen;
	c->out.use_vlan = cfg->flow.use_vlan;
	c->out.hard_stop = &pl->hard_stop;
	c->out.paused = &pl->paused;
	c->out.stop = &pl->stop;
	c->pl = pl;
	for (unsigned w = 0; w < pl->nworkers; w++) {
		char what[64];
		snprintf(what, sizeof what, "capture %u -> worker %u", pl->ncaptures - 1, w);
		if ((e = ring(&c->out.rings[w], cfg->capture.ring_size, cfg, what, errbuf, errlen)) != 0)
			return e;
		struct sl_worker *wk = pl->workers[w];
		wk->in[wk->nin++] = c->out.rings[w];
	}
	return 0;
}

int sl_pipeline_create(struct sl_pipeline *pl, const struct sl_config *cfg, const struct sl_inputs *in,
                       char *errbuf, size_t errlen)
{
	int e;

	memset(pl, 0, sizeof *pl);
	pl->cfg = cfg;
	pl->nworkers = (unsigned)cfg->workers.count;
	if (pl->nworkers == 0 || pl->nworkers > SL_MAX_WORKERS) {
		snprintf(errbuf, errlen, "workers.count: %u is out of range (1..%d)", pl->nworkers, SL_MAX_WORKERS);
		return -EINVAL;
	}

	/* Workers and their output rings. */
	pl->router.cpu = (int)cfg->router.cpu;
	for (unsigned w = 0; w < pl->nworkers; w++) {
		char what[64];
		struct sl_worker *wk = sl_worker_create(w, cfg, errbuf, errlen);
		if (wk == NULL)
			return -ENOMEM;
		pl->workers[w] = wk;
		wk->cpu = cpu_of(&cfg->workers.cpus, w);
		wk->hard_stop = &pl->hard_stop;
		snprintf(what, sizeof what, "worker %u -> router", w);
		if ((e = ring(&wk->out, cfg->router.ring_size, cfg, what, errbuf, errlen)) != 0)
			return e;
		pl->router.in[pl->router.nin++] = wk->out;
	}

	/* Sinks and the router's ring to each. */
	for (const struct sl_module *const *m = sl__sink_modules; *m; m++) {
		if (*m == &sl__sink_tap) { /* one sink per tap name, each a named ring and no thread */
			if ((e = sl__tap_create(pl, cfg, errbuf, errlen)) != 0)
				return e;
			continue;
		}
		if (!(*m)->init || !(*m)->write) { /* a descriptor without its required hooks */
			snprintf(errbuf, errlen, "sink %s: no init or write hook", (*m)->name);
			return -EINVAL;
		}
		const struct sl_sink_conf *sc = sl_conf_block(cfg, (*m)->conf);
		if (sc == NULL || !sc->enabled)
			continue;
		if (pl->nsinks == SL_MAX_SINKS) {
			snprintf(errbuf, errlen, "more than %d sinks enabled", SL_MAX_SINKS);
			return -E2BIG;
		}
		struct sl_sink *sk = calloc(1, sizeof *sk);
		if (sk == NULL)
			return -ENOMEM;
		pl->sinks[pl->nsinks++] = sk;
		sk->mod = *m;
		snprintf(sk->name, sizeof sk->name, "%s", (*m)->name);
		sk->conf = sc;
		sk->types = sl_sink_types_mask(&sc->types);
		sk->policy = sc->policy;
		sk->cpu = (int)sc->cpu;
		sk->hard_stop = &pl->hard_stop;
		struct sl_module_env env = { .cfg = cfg, .instance = pl->nsinks - 1, .sink_ctr = &sk->ctr };
		if ((e = (*m)->init(&env, &sk->state, errbuf, errlen)) != 0)
			return e;
		char what[64];
		snprintf(what, sizeof what, "router -> %s", (*m)->name);
		if ((e = ring(&sk->ring, sc->ring_size, cfg, what, errbuf, errlen)) != 0)
			return e;
		pl->router.sinks[pl->router.nsinks++] = sk;
	}

	/* The main thread's ring to the router: stats records every few seconds, so the router's
	 * ring size is ample. */
	if ((e = ring(&pl->stats_ring, cfg->router.ring_size, cfg, "main -> router (stats)", errbuf, errlen)) != 0)
		return e;
	pl->router.stats_in = pl->stats_ring;

	/* Capture sources. */
	struct sl_capture_spec spec = { .snaplen = (uint32_t)cfg->capture.snaplen };
	if (in->pcaps && in->pcaps[0]) {
		spec.paths = in->pcaps;
		if ((e = add_capture(pl, "pcap", &spec, errbuf, errlen)) != 0)
			return e;
	}
	if (in->shm) {
		struct sl_capture_spec s = spec;
		s.name = in->shm;
		if ((e = add_capture(pl, "shm", &s, errbuf, errlen)) != 0)
			return e;
	}
	/* -i, or else capture.afpacket.interface */
	const struct sl_afpacket_conf *ac = sl_conf_block(cfg, &sl__afpacket_conf);
	const char *iface = in->iface ? in->iface : ac && ac->interface[0] ? ac->interface : NULL;
	if (iface) {
		unsigned n = (unsigned)ac->threads;
		for (unsigned i = 0; i < n; i++) {
			struct sl_capture_spec s = spec;
			s.name = iface;
			s.index = i;
			s.count = n;
			s.afpacket.block_size = (uint32_t)ac->block_size;
			s.afpacket.block_count = (uint32_t)ac->block_count;
			s.afpacket.fanout_group = (uint16_t)ac->fanout_group;
			s.afpacket.fanout_mode = sl_afpacket_fanout_name(ac->fanout_mode);
			if ((e = add_capture(pl, "afpacket", &s, errbuf, errlen)) != 0)
				return e;
		}
	}
	if (in->synth) {
		const struct sl_synth_conf *sc = sl_conf_block(cfg, &sl__synth_conf);
		struct sl_capture_spec s = spec;
		s.synth.packets = (uint64_t)sc->packets;
		s.synth.flows = (uint32_t)sc->flows;
		s.synth.seed = (uint64_t)sc->seed;
		s.synth.mix = sc->mix;
		if ((e = add_capture(pl, "synth", &s, errbuf, errlen)) != 0)
			return e;
	}
	if (pl->ncaptures == 0) {
		snprintf(errbuf, errlen, "nothing to read: give -r FILE, -i IFACE, --shm-input NAME or --synth");
		return -EINVAL;
	}
	return 0;
}

int sl_pipeline_start(struct sl_pipeline *pl, char *errbuf, size_t errlen)
{
	int e;
	char name[32]; /* sl_thread_start keeps the first 15 bytes */

	/* every sink's start before any thread: a start that fails (a publisher's wait for its
	 * subscribers timing out) leaves no sink thread waiting on a ring nobody will finish */
	for (unsigned s = 0; s < pl->nsinks; s++) {
		struct sl_sink *sk = pl->sinks[s];
		if (sk->mod->start && (e = sk->mod->start(sk->state, errbuf, errlen)) != 0)
			return e;
	}
	/* every capture open before any thread too: then privileges can go for the whole process
	 * at once (capabilities are per thread; threads inherit them from their creator) */
	for (unsigned c = 0; c < pl->ncaptures; c++) {
		struct sl_capture_thread *ct = &pl->cap[c];
		if ((e = ct->mod->start(ct->state, errbuf, errlen)) != 0)
			return e;
	}
	if (pl->opened && (e = pl->opened(pl->opened_arg, errbuf, errlen)) != 0)
		return e;
	for (unsigned s = 0; s < pl->nsinks; s++) {
		struct sl_sink *sk = pl->sinks[s];
		if (sk->external)
			continue;
		snprintf(name, sizeof name, "sink-%s", sk->mod->name);
		if ((e = sl_thread_start(&sk->tid, name, sk->cpu, sl__sink_main, sk)) != 0)
			goto fail;
		sk->started = 1;
	}
	if ((e = sl_thread_start(&pl->router.tid, "router", pl->router.cpu, sl__router_main, pl)) != 0)
		goto fail;
	pl->router.started = 1;
	for (unsigned w = 0; w < pl->nworkers; w++) {
		struct sl_worker *wk = pl->workers[w];
		snprintf(name, sizeof name, "worker-%u", w);
		if ((e = sl_thread_start(&wk->tid, name, wk->cpu, sl_worker_main, wk)) != 0)
			goto fail;
		wk->started = 1;
	}
	for (unsigned c = 0; c < pl->ncaptures; c++) {
		struct sl_capture_thread *ct = &pl->cap[c];
		snprintf(name, sizeof name, "capture-%u", c);
		if ((e = sl_thread_start(&ct->tid, name, ct->cpu, sl__capture_main, ct)) != 0)
			goto fail;
		ct->started = 1;
	}
	return 0;
fail:
	snprintf(errbuf, errlen, "pthread_create: %s", strerror(-e));
	return e;
}

int sl_pipeline_done(struct sl_pipeline *pl)
{
	if (!sl_pipeline_captures_done(pl))
		return 0;
	for (unsigned s = 0; s < pl->nsinks; s++) {
		struct sl_sink *sk = pl->sinks[s];
		if (sk->started && !atomic_load_explicit(&sk->done, memory_order_acquire))
			return 0;
		/* a tap: until its consumer has read what the router finished, within its drain time;
		 * a forced stop waits for nobody */
		if (sk->external && sk->mod->flush && !atomic_load_explicit(&pl->hard_stop, memory_order_relaxed) &&
		    sk->mod->flush(sk->state) == -EAGAIN)
			return 0;
	}
	return 1;
}

int sl_pipeline_workers_done(struct sl_pipeline *pl)
{
	for (unsigned w = 0; w < pl->nworkers; w++)
		if (pl->workers[w]->started && !atomic_load_explicit(&pl->workers[w]->done, memory_order_acquire))
			return 0;
	return sl_pipeline_captures_done(pl);
}

void *sl_pipeline_stats_reserve(struct sl_pipeline *pl, uint16_t type, uint32_t len)
{
	void *p;

	if (pl->stats_ring == NULL || pl->stats_finished)
		return NULL;
	if ((p = sl_ring_reserve(pl->stats_ring, type, len)) == NULL) {
		sl_ring_count_drop(pl->stats_ring, 1);
		sl_count(&pl->stats_dropped, 1);
	}
	return p;
}

void sl_pipeline_stats_commit(struct sl_pipeline *pl, uint32_t len)
{
	sl_ring_trim(pl->stats_ring, len);
	sl_count(&pl->stats_put, 1 + sl__fault(SL_FAULT_STATS));
	sl_ring_commit(pl->stats_ring);
}

void sl_pipeline_stats_finish(struct sl_pipeline *pl)
{
	if (pl->stats_ring == NULL || pl->stats_finished)
		return;
	sl_ring_commit(pl->stats_ring);
	sl_ring_finish(pl->stats_ring);
	pl->stats_finished = 1;
}

int sl_pipeline_captures_done(struct sl_pipeline *pl)
{
	for (unsigned c = 0; c < pl->ncaptures; c++)
		if (!atomic_load_explicit(&pl->cap[c].done, memory_order_acquire))
			return 0;
	return 1;
}

void sl_pipeline_stop(struct sl_pipeline *pl)
{
	if (atomic_exchange(&pl->stop, 1))
		atomic_store(&pl->hard_stop, 1); /* asked twice: stop waiting on full rings */
	/* interrupt only: the capture threads may be inside run(); each stops its own source */
	for (unsigned c = 0; c < pl->ncaptures; c++)
		if (pl->cap[c].mod->interrupt)
			pl->cap[c].mod->interrupt(pl->cap[c].state);
}

int sl_pipeline_join(struct sl_pipeline *pl)
{
	int result = 0;

	for (unsigned c = 0; c < pl->ncaptures; c++) {
		struct sl_capture_thread *ct = &pl->cap[c];
		if (ct->started) {
			pthread_join(ct->tid, NULL);
			ct->started = 0;
		}
		if (ct->result < 0 && result == 0)
			result = ct->result;
	}
	for (unsigned w = 0; w < pl->nworkers; w++)
		if (pl->workers[w]->started) {
			pthread_join(pl->workers[w]->tid, NULL);
			pl->workers[w]->started = 0;
		}
	sl_pipeline_stats_finish(pl); /* the router's last input: it ends once that is drained */
	if (pl->router.started) {
		pthread_join(pl->router.tid, NULL);
		pl->router.started = 0;
	}
	for (unsigned s = 0; s < pl->nsinks; s++)
		if (pl->sinks[s]->started) {
			pthread_join(pl->sinks[s]->tid, NULL);
			pl->sinks[s]->started = 0;
		}
	return result;
}

void sl_pipeline_destroy(struct sl_pipeline *pl)
{
	for (unsigned c = 0; c < pl->ncaptures; c++) {
		struct sl_capture_thread *ct = &pl->cap[c];
		if (ct->mod && ct->mod->fini)
			ct->mod->fini(ct->state);
		for (unsigned w = 0; w < ct->out.nworkers; w++)
			sl_ring_close(ct->out.rings[w]);
	}
	for (unsigned w = 0; w < pl->nworkers; w++) {
		if (pl->workers[w])
			sl_ring_close(pl->workers[w]->out);
		sl_worker_destroy(pl->workers[w]);
	}
	sl_ring_close(pl->stats_ring);
	for (unsigned s = 0; s < pl->nsinks; s++) {
		struct sl_sink *sk = pl->sinks[s];
		if (sk->mod && sk->mod->fini)
			sk->mod->fini(sk->state);
		sl_ring_close(sk->ring);
		free(sk);
	}
	memset(pl, 0, sizeof *pl);
}
