/* SPDX-License-Identifier: MIT */
/*
 * The synthetic source: pushes the generator's packets (synth_gen.h) into the pipeline as fast
 * as the pipeline takes them. It exists for benchmarks: a known, repeatable workload with
 * realistic conversations that costs almost nothing to produce, so what is measured is
 * sluice, not the input.
 *
 * Behaviour: run returns 0 after spec->synth.packets packets (0: never), within one packet of
 * interrupt(), or when the pipeline refuses a packet (shutdown). Progress is counted in
 * packets (progress_total 0 when there is no end). Every packet is Ethernet.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "capture.h"
#include "sluice/record.h"
#include "synth.h"
#include "synth_gen.h"

#define PUBLISH_EVERY 256u

struct synth_src {
	struct sl__synth_cfg cfg;
	char mix[64];
	struct sl__synth *gen;
	_Atomic int interrupted; /* written by interrupt() (any thread), read by run() */
};

static int synth_init(const struct sl_module_env *env, void **state, char *errbuf, size_t errlen)
{
	const struct sl_capture_spec *spec = env->capture;
	unsigned w[SL__SYNTH_KINDS];
	struct synth_src *s;
	int err;

	/* Check the mix now, while the config's string is ours to read. */
	if ((err = sl__synth_parse_mix(spec->synth.mix, w, errbuf, errlen)) != 0)
		return err;
	if (spec->synth.flows > SL__SYNTH_FLOWS_MAX) {
		snprintf(errbuf, errlen, "synth: %u flows is more than the %u supported", spec->synth.flows,
		         SL__SYNTH_FLOWS_MAX);
		return -EINVAL;
	}
	if ((s = calloc(1, sizeof *s)) == NULL) {
		snprintf(errbuf, errlen, "synth: out of memory");
		return -ENOMEM;
	}
	s->cfg.packets = spec->synth.packets;
	s->cfg.flows = spec->synth.flows;
	s->cfg.seed = spec->synth.seed;
	/* The spec's string is borrowed; keep the weights in our own copy for create. */
	snprintf(s->mix, sizeof s->mix, "http=%u,dns=%u,tls=%u", w[SL__SYNTH_HTTP], w[SL__SYNTH_DNS],
	         w[SL__SYNTH_TLS]);
	s->cfg.mix = s->mix;
	*state = s;
	return 0;
}

static int synth_start(void *state, char *errbuf, size_t errlen)
{
	struct synth_src *s = state;
	/* Templates and flow table are built here, before the clock of any benchmark starts. */
	return s->gen ? 0 : sl__synth_create(&s->cfg, &s->gen, errbuf, errlen);
}

static int synth_run(void *state, struct sl_capture_out *out, struct sl_capture_counters *ctr, char *errbuf,
                     size_t errlen)
{
	struct synth_src *s = state;
	struct sl__synth_pkt pkt;
	uint64_t packets = 0, bytes = 0;

	if (errlen)
		errbuf[0] = '\0';
	if (s->gen == NULL) {
		snprintf(errbuf, errlen, "synth: not started");
		return -EBADF;
	}
	atomic_store_explicit(&ctr->progress_total, s->cfg.packets, memory_order_relaxed);
	while (!atomic_load_explicit(&s->interrupted, memory_order_relaxed) && sl__synth_next(s->gen, &pkt)) {
		if (sl_capture_push(out, pkt.ts_ns, pkt.data, pkt.len, pkt.len, SL_LINK_ETHERNET) < 0)
			break; /* the pipeline is shutting down */
		packets++;
		bytes += pkt.len;
		if (packets % PUBLISH_EVERY == 0) {
			atomic_store_explicit(&ctr->packets, packets, memory_order_relaxed);
			atomic_store_explicit(&ctr->bytes, bytes, memory_order_relaxed);
			atomic_store_explicit(&ctr->progress_done, packets, memory_order_relaxed);
		}
	}
	sl_capture_flush(out);
	atomic_store_explicit(&ctr->packets, packets, memory_order_relaxed);
	atomic_store_explicit(&ctr->bytes, bytes, memory_order_relaxed);
	atomic_store_explicit(&ctr->progress_done, packets, memory_order_relaxed);
	return 0;
}

static void synth_interrupt(void *state)
{
	struct synth_src *s = state;
	if (s)
		atomic_store_explicit(&s->interrupted, 1, memory_order_relaxed); /* no data rides on it */
}

static void synth_stop(void *state)
{
	(void)state; /* nothing is open; the generator stays until fini */
}

static void synth_fini(void *state)
{
	struct synth_src *s = state;
	if (s == NULL)
		return;
	sl__synth_destroy(s->gen);
	free(s);
}

const struct sl_module sl__capture_synth = {
	.name = "synth",
	.kind = SL_MODULE_CAPTURE,
	.conf = &sl__synth_conf,
	.init = synth_init,
	.start = synth_start,
	.run = synth_run,
	.interrupt = synth_interrupt,
	.stop = synth_stop,
	.fini = synth_fini,
};
