/* SPDX-License-Identifier: MIT */
/*
 * fuzz.tap: sl_tap_check (include/sluice/tap.h), the check a tap's consumer runs on every record
 * sluiced (another process, so untrusted) wrote. The first byte picks the record type, the rest
 * is the record, copied into a buffer of exactly its length so that ASan sees any read past it.
 * A record the check accepts has every string read in full: acceptance must mean "safe to use".
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sluice/tap.h"

static volatile uint64_t sink;

static uint64_t sum(const void *rec, struct sl_tap_str s)
{
	const uint8_t *p = (const uint8_t *)sl_tap_str_ptr(rec, s);
	uint64_t x = 0;
	for (uint32_t i = 0; i < s.len; i++)
		x += p[i];
	return x;
}

static uint64_t geo(const void *rec, const struct sl_tap_geo *g)
{
	return sum(rec, g->country) + sum(rec, g->city) + sum(rec, g->as_org);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t types[] = { SL_REC_FLOW, SL_REC_HTTP, SL_REC_TLS, SL_REC_DNS, SL_REC_ALERT, SL_REC_PACKET, 200 };
	uint64_t x = 0;

	if (size < 1)
		return 0;
	uint16_t type = types[data[0] % (sizeof types / sizeof types[0])];
	uint32_t len = (uint32_t)(size - 1);
	/* exactly len bytes (reads past them hit ASan's redzone); malloc aligns to 16, as the ring
	 * aligns records to 8 */
	void *rec = malloc(len ? len : 1);
	if (rec == NULL)
		return 0;
	memcpy(rec, data + 1, len);
	if (sl_tap_check(rec, len, type) == 0) {
		const struct sl_tap_common *c = rec;
		switch (type) {
		case SL_REC_HTTP: {
			const struct sl_tap_http *h = rec;
			x += sum(rec, h->hostname) + sum(rec, h->url) + sum(rec, h->user_agent) + sum(rec, h->method) +
			     sum(rec, h->protocol) + sum(rec, h->content_type) + h->status;
			break;
		}
		case SL_REC_TLS: {
			const struct sl_tap_tls *t = rec;
			x += sum(rec, t->version_name) + sum(rec, t->sni) + sum(rec, t->ja3) + sum(rec, t->ja3_hash) +
			     sum(rec, t->ja4) + sum(rec, t->alpn) + sum(rec, t->ja3s) + sum(rec, t->ja4s) +
			     sum(rec, t->subject) + sum(rec, t->subjectaltname) + sum(rec, t->notafter);
			break;
		}
		case SL_REC_DNS: {
			const struct sl_tap_dns *d = rec;
			for (unsigned i = 0; i < d->n_rr; i++)
				x += sum(rec, d->rr[i].rrname) + sum(rec, d->rr[i].rdata) + sum(rec, d->rr[i].rdata2) +
				     d->rr[i].ttl + d->rr[i].v[4];
			break;
		}
		case SL_REC_ALERT: {
			const struct sl_tap_alert *a = rec;
			x += sum(rec, a->kind) + sum(rec, a->entry) + sum(rec, a->value) + sum(rec, a->field) + a->event_type;
			break;
		}
		case SL_REC_FLOW: {
			const struct sl_tap_flow *f = rec;
			x += f->pkts_toserver + f->end_ns + f->pad;
			break;
		}
		}
		if (c->enrich) {
			const struct sl_tap_enrich *e = (const void *)((const uint8_t *)rec + c->enrich);
			x += geo(rec, &e->src) + geo(rec, &e->dst) + sum(rec, e->alert.signature) +
			     sum(rec, e->alert.category) + sum(rec, e->alert.watchlist);
		}
	}
	sink += x;
	free(rec);
	return 0;
}
