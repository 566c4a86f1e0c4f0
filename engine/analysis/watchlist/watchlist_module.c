/* SPDX-License-Identifier: MIT */
/*
 * The watchlist analysis step: an alert record beside every record whose flow or fields match
 * an entry of the snapshot's watchlist (watchlist.h).
 *
 *   what                          checked                          against
 *   ----------------------------  -------------------------------  ----------------------------
 *   the flow's two addresses      its first record (any type)      ip/cidr entries
 *   src_geo/dest_geo country      its first record                 country entries
 *   http.hostname                 each http record                 domain entries
 *   tls.sni, tls.ja3, tls.ja4     each tls record                  domain, ja3, ja4 entries
 *   dns.rrname (each question)    each dns record                  domain entries
 *
 * With app.watchlist.alert-once (the default) an entry alerts once per flow: the flow keeps the
 * ids of the entries that alerted (FLOW_IDS of them; past that, alerts are counted as
 * untracked and written again). A reload (a new list, new ids) starts the flow's memory over.
 * Matches are found while the record is open (on_record, which sees its geo) and written once
 * it is committed (after_record), each alert a record of its own with the matched record's
 * common part and the same snapshot's enrichment.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis.h"
#include "conf/conf.h"
#include "flow/flow.h"
#include "record_meta.h"
#include "runtime.h"
#include "watchlist.h"
#include "worker.h"

#define FLOW_IDS 6
#define PENDING_MAX 16
#define VALUE_MAX 256

struct wl_flow {
	uint32_t gen;   /* the list the ids are from; 0: none yet */
	uint8_t n;      /* ids[] used */
	uint8_t addr_done; /* addresses and countries checked */
	uint16_t pad;
	uint32_t ids[FLOW_IDS];
};

struct pending {
	uint32_t id;
	uint16_t event_type;
	uint16_t value_len;
	const char *field;
	char value[VALUE_MAX];
};

struct wl_state {
	struct sl_analysis *an;
	bool alert_once;
	const struct sl_watchlist *wl; /* of the record being handled */
	struct sl_ev_common common;    /* of the record that matched */
	struct pending pend[PENDING_MAX];
	unsigned npend;
	const struct sl_meta_alert *emitting; /* the alert part of the alert record being written */
	uint64_t alerts, suppressed, untracked, lost;
};

static int wl_init(struct sl_analysis *an, const struct sl_config *cfg, void **state, char *errbuf, size_t errlen)
{
	struct wl_state *st = calloc(1, sizeof *st);

	(void)cfg, (void)errbuf, (void)errlen;
	if (!st)
		return -ENOMEM;
	st->an = an;
	*state = st;
	return 0;
}

static void wl_config(void *state, const struct sl_config *cfg)
{
	struct wl_state *st = state;
	st->alert_once = SL_WATCHLIST_CONF(cfg)->alert_once;
}

static void wl_fini(void *state)
{
	free(state);
}

/* One matched entry: kept for after_record unless this flow already alerted for it. */
static void matched(struct wl_state *st, struct wl_flow *wf, uint32_t id, uint16_t type, const char *field,
                    const void *v, size_t n)
{
	if (st->alert_once) {
		for (unsigned i = 0; i < wf->n; i++)
			if (wf->ids[i] == id) {
				st->suppressed++;
				return;
			}
		if (wf->n < FLOW_IDS)
			wf->ids[wf->n++] = id;
		else
			st->untracked++;
	}
	if (st->npend == PENDING_MAX) {
		st->lost++;
		return;
	}
	struct pending *p = &st->pend[st->npend++];
	p->id = id;
	p->event_type = type;
	p->field = field;
	p->value_len = (uint16_t)(n < VALUE_MAX ? n : VALUE_MAX);
	memcpy(p->value, v, p->value_len);
}

static void match_str(struct wl_state *st, struct wl_flow *wf, enum sl_wl_kind kind, uint16_t type,
                      const char *field, const void *rec, uint32_t len, struct sl_mstr s)
{
	uint32_t ids[8];

	if (s.len == 0 || (uint64_t)s.off + s.len > len || !sl_watchlist_has(st->wl, kind))
		return;
	const char *p = (const char *)rec + s.off;
	unsigned n = sl_watchlist_match(st->wl, kind, p, s.len, ids, 8);
	for (unsigned i = 0; i < n && i < 8; i++)
		matched(st, wf, ids[i], type, field, p, s.len);
}

static void match_addr(struct wl_state *st, struct wl_flow *wf, uint16_t type, const char *field,
                       const struct sl_ev_common *c, const uint8_t *addr)
{
	uint32_t ids[8];
	char txt[64];

	unsigned n = sl_watchlist_match_ip(st->wl, c->ipver, addr, ids, 8);
	if (n == 0)
		return;
	if (!inet_ntop(c->ipver == 4 ? AF_INET : AF_INET6, addr, txt, sizeof txt))
		txt[0] = '\0';
	for (unsigned i = 0; i < n && i < 8; i++)
		matched(st, wf, ids[i], type, field, txt, strlen(txt));
}

static void wl_record(void *state, struct sl_flow *f, void *area, uint16_t type, const void *rec, uint32_t len,
                      struct sl_meta_enrichment *en)
{
	struct wl_state *st = state;
	struct wl_flow *wf = area;
	const struct sl_runtime *rt = sl_an_runtime(st->an);
	const struct sl_ev_common *c = rec;

	(void)f;
	if (type == SL_REC_ALERT) {
		/* our own alert record: its alert part goes into the one block the core writes */
		en->alert = st->emitting;
		return;
	}
	st->npend = 0;
	st->wl = rt ? rt->watchlist : NULL;
	if (!st->wl)
		return;
	if (wf->gen != sl_watchlist_gen(st->wl)) {
		memset(wf, 0, sizeof *wf);
		wf->gen = sl_watchlist_gen(st->wl);
	}
	if (!wf->addr_done) {
		wf->addr_done = 1;
		if (sl_watchlist_has(st->wl, SL_WL_IP)) {
			match_addr(st, wf, type, "src_ip", c, c->src);
			match_addr(st, wf, type, "dest_ip", c, c->dst);
		}
		if (sl_watchlist_has(st->wl, SL_WL_COUNTRY)) {
			uint32_t ids[8];
			const struct sl_meta_geo *g[2] = { en->src, en->dst };
			static const char *const fields[2] = { "src_geo.country", "dest_geo.country" };
			for (int i = 0; i < 2; i++) {
				if (!g[i] || !g[i]->country.p)
					continue;
				unsigned n = sl_watchlist_match(st->wl, SL_WL_COUNTRY, g[i]->country.p, g[i]->country.len, ids, 8);
				for (unsigned k = 0; k < n && k < 8; k++)
					matched(st, wf, ids[k], type, fields[i], g[i]->country.p, g[i]->country.len);
			}
		}
	}
	switch (type) {
	case SL_REC_HTTP:
		if (len >= sizeof(struct sl_ev_http))
			match_str(st, wf, SL_WL_DOMAIN, type, "http.hostname", rec, len,
			          ((const struct sl_ev_http *)rec)->hostname);
		break;
	case SL_REC_TLS:
		if (len >= sizeof(struct sl_ev_tls)) {
			const struct sl_ev_tls *t = rec;
			match_str(st, wf, SL_WL_DOMAIN, type, "tls.sni", rec, len, t->sni);
			match_str(st, wf, SL_WL_JA3, type, "tls.ja3.hash", rec, len, t->ja3_hash);
			match_str(st, wf, SL_WL_JA4, type, "tls.ja4", rec, len, t->ja4);
		}
		break;
	case SL_REC_DNS: {
		/* one record per message (EVE v3): every question's name */
		const struct sl_ev_dns *d = rec;
		if (len < sizeof *d || sizeof *d + (size_t)d->n_rr * sizeof d->rr[0] > len)
			break;
		for (unsigned i = 0; i < d->n_rr; i++)
			if (d->rr[i].section == SL_EV_DNS_QUESTION)
				match_str(st, wf, SL_WL_DOMAIN, type, "dns.rrname", rec, len, d->rr[i].rrname);
		break;
	}
	}
	if (st->npend) {
		st->common = *c;
		st->common.enrich = 0;
	}
}

static void wl_after(void *state, struct sl_flow *f, void *area)
{
	struct wl_state *st = state;
	unsigned n = st->npend;

	(void)f, (void)area;
	st->npend = 0;
	for (unsigned i = 0; i < n; i++) {
		const struct pending *p = &st->pend[i];
		const struct sl_wl_entry *e = sl_watchlist_entry(st->wl, p->id);
		const char *kind = sl_wl_kind_name((enum sl_wl_kind)e->kind);
		size_t kl = strlen(kind), el = strlen(e->value), fl = strlen(p->field);
		size_t sl = strlen(e->signature), tl = strlen(e->tag);
		static const char category[] = "watchlist";
		struct sl_meta_alert al = {
			.signature = { e->signature, (uint32_t)sl },
			.category = { category, sizeof category - 1 },
			.watchlist = { e->tag, (uint32_t)tl },
			.severity = e->severity,
		};
		uint32_t len = (uint32_t)(sizeof(struct sl_ev_alert) + kl + el + p->value_len + fl);
		struct sl_ev_alert *a = sl_an_emit(st->an, SL_REC_ALERT, len);
		struct sl_meta_builder b;
		if (!a)
			return;
		memset(a, 0, sizeof *a);
		a->c = st->common;
		a->event_type = p->event_type;
		b.base = (uint8_t *)a;
		b.used = sizeof *a;
		sl_meta_put(&b, &a->kind, kind, (uint32_t)kl);
		sl_meta_put(&b, &a->entry, e->value, (uint32_t)el);
		sl_meta_put(&b, &a->value, p->value, p->value_len);
		sl_meta_put(&b, &a->field, p->field, (uint32_t)fl);
		/* the core's enrichment asks every step for its part: ours is al (wl_record), the
		 * geoip step's the addresses', all from the same snapshot, in one block */
		st->alerts++;
		st->emitting = &al;
		sl_an_emitted(st->an, SL_REC_ALERT, b.used);
		st->emitting = NULL;
	}
}

static void wl_counters(const void *state, struct sl_analysis_counters *c)
{
	const struct wl_state *st = state;

	c->watchlist_alerts += st->alerts;
	c->watchlist_suppressed += st->suppressed;
	c->watchlist_untracked += st->untracked;
	c->watchlist_lost += st->lost;
}

static const struct sl_analysis_ops wl_ops = {
	.flow_bytes = sizeof(struct wl_flow),
	.record_bytes = 256 + 64 + 16, /* an alert's signature, tag and category */
	.init = wl_init,
	.config = wl_config,
	.on_record = wl_record,
	.after_record = wl_after,
	.counters = wl_counters,
	.fini = wl_fini,
};

const struct sl_module sl__analysis_watchlist = {
	.name = "watchlist",
	.kind = SL_MODULE_ANALYSIS,
	.conf = &sl__watchlist_conf,
	.analysis = &wl_ops,
};

#define SL_CONF_STRUCT struct sl_watchlist_conf
#include "conf/conf_rows.h"
static const struct sl_conf_key watchlist_keys[] = {
	BOOL("app.watchlist.enabled", enabled, "false",
	     "write an alert record beside every record that matches an entry of app.watchlist.file", LIVE),
	STRING("app.watchlist.file", file, "", 0, 0, NULL,
	       "the watchlist: one 'KIND VALUE TAG SEVERITY [SIGNATURE]' per line, re-read at every SIGHUP", LIVE),
	BOOL("app.watchlist.alert-once", alert_once, "true", "alert once per flow and entry (false: at every match)",
	     LIVE),
	BOOL("app.watchlist.strict", strict, "true",
	     "a bad row refuses the whole file (false: bad rows are logged and skipped, good ones loaded)", LIVE),
};
const struct sl_conf_block sl__watchlist_conf = { "app.watchlist", sizeof(struct sl_watchlist_conf), watchlist_keys,
	                                          sizeof(watchlist_keys) / sizeof(watchlist_keys[0]) };
