/* SPDX-License-Identifier: MIT */
/*
 * The dns analysis step: DNS on the ports of app.dns.ports, over UDP (every datagram) and
 * over TCP (a stream slot gathers the length-prefixed messages), one dns record per message
 * (request or response), as Suricata 8's EVE v3 writes them: every question, answer,
 * authority and additional entry in one record.
 *
 * The port set is derived from the batch's configuration snapshot when it changes (the
 * config hook), so a reload of app.dns.ports reaches the worker at its next batch.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis.h"
#include "analysis/steps_conf.h"
#include "analysis/dns.h"
#include "conf/conf.h"
#include "flow/flow.h"
#include "record_meta.h"
#include "worker.h"

struct dns_flow {
	uint32_t stream; /* stream slot + 1, 0: none */
	uint32_t msgs;   /* messages logged: the next one's tx_id */
	uint8_t tcp;     /* DNS over TCP */
};

struct dns_state {
	struct sl_analysis *an;
	struct sl_dns_msg *msg; /* scratch parse output */
	uint32_t ports[2048];   /* bit per port of app.dns.ports */
	int enabled;            /* app.dns.enabled of the snapshot */
	uint64_t errors;
};

static int dns_port(const struct dns_state *st, uint16_t port)
{
	return (st->ports[port >> 5] >> (port & 31)) & 1u;
}

/* A string of any length (rdata is never cut: a record has room for a whole message). */
static void put_all(struct sl_meta_builder *b, struct sl_mstr *s, const void *p, uint32_t len)
{
	s->off = b->used;
	s->len = len;
	if (len)
		memcpy(b->base + b->used, p, len);
	b->used += len;
}

static uint32_t rr_strlen(const struct sl_dns_rr *r)
{
	return (uint32_t)strlen(r->name) + r->rdata_len + r->rdata2_len;
}

static void put_rr(struct sl_meta_builder *b, struct sl_ev_dns_rr *a, const struct sl_dns_rr *r)
{
	memset(a, 0, sizeof *a);
	a->rrtype = r->type;
	a->section = r->section;
	a->kind = r->kind;
	a->ttl = r->ttl;
	switch (r->kind) {
	case SL_DNS_RD_SOA:
		a->v[0] = r->u.soa.serial, a->v[1] = r->u.soa.refresh, a->v[2] = r->u.soa.retry;
		a->v[3] = r->u.soa.expire, a->v[4] = r->u.soa.minimum;
		break;
	case SL_DNS_RD_SRV:
		a->v[0] = r->u.srv.priority, a->v[1] = r->u.srv.weight, a->v[2] = r->u.srv.port;
		break;
	case SL_DNS_RD_SSHFP:
		a->v[0] = r->u.sshfp.algo, a->v[1] = r->u.sshfp.fp_type;
		break;
	}
	put_all(b, &a->rrname, r->name, (uint32_t)strlen(r->name));
	put_all(b, &a->rdata, r->rdata, r->rdata_len);
	put_all(b, &a->rdata2, r->rdata2, r->rdata2_len);
}

/* One record per message, as EVE v3 logs it: every question, answer, authority and
 * additional entry kept by the parse. */
static void emit_dns(struct dns_state *st, const struct sl_flow *f, struct dns_flow *df, unsigned dir,
                     const struct sl_dns_msg *m)
{
	unsigned n = m->nq + m->nan + m->nns + m->nar, i, k = 0;
	uint32_t strs = 0, len;
	struct sl_ev_dns *e;
	struct sl_meta_builder b;

	for (i = 0; i < m->nq; i++)
		strs += (uint32_t)strlen(m->q[i].name);
	for (i = 0; i < m->nan; i++)
		strs += rr_strlen(&m->an[i]);
	for (i = 0; i < m->nns; i++)
		strs += rr_strlen(&m->ns[i]);
	for (i = 0; i < m->nar; i++)
		strs += rr_strlen(&m->ar[i]);
	len = (uint32_t)(sizeof(struct sl_ev_dns) + n * sizeof(struct sl_ev_dns_rr)) + strs;
	e = sl_an_emit(st->an, SL_REC_DNS, len);
	if (e == NULL)
		return;
	memset(e, 0, sizeof *e);
	sl_an_common_dir(st->an, &e->c, f, dir, sl_an_packet_ts(st->an));
	e->tx_id = df ? df->msgs++ : 0;
	e->id = m->id;
	e->flags = m->hflags;
	e->n_rr = (uint16_t)n;
	e->truncated = (m->flags & SL_DNS_F_TRUNCATED_TEXT) || m->q_dropped || m->an_dropped || m->ns_dropped ||
	               m->ar_dropped;
	b.base = (uint8_t *)e;
	b.used = (uint32_t)(sizeof *e + n * sizeof(struct sl_ev_dns_rr));
	for (i = 0; i < m->nq; i++, k++) {
		struct sl_ev_dns_rr *a = &e->rr[k];

		memset(a, 0, sizeof *a);
		a->rrtype = m->q[i].type;
		a->section = SL_EV_DNS_QUESTION;
		put_all(&b, &a->rrname, m->q[i].name, (uint32_t)strlen(m->q[i].name));
	}
	for (i = 0; i < m->nan; i++)
		put_rr(&b, &e->rr[k++], &m->an[i]);
	for (i = 0; i < m->nns; i++)
		put_rr(&b, &e->rr[k++], &m->ns[i]);
	for (i = 0; i < m->nar; i++)
		put_rr(&b, &e->rr[k++], &m->ar[i]);
	sl_an_emitted(st->an, SL_REC_DNS, b.used);
}

static void message(struct dns_state *st, struct sl_flow *f, struct dns_flow *df, unsigned dir, const uint8_t *p,
                    size_t n)
{
	if (sl_dns_parse(p, n, st->msg) != SL_DNS_OK) {
		st->errors++;
		return;
	}
	f->app_proto = SL_APP_DNS;
	emit_dns(st, f, df, dir, st->msg);
}

/* ---- hooks ------------------------------------------------------------------------------ */

static int dns_init(struct sl_analysis *an, const struct sl_config *cfg, void **state, char *errbuf, size_t errlen)
{
	struct dns_state *st = calloc(1, sizeof *st);

	(void)cfg;
	(void)errbuf;
	(void)errlen;
	if (st == NULL)
		return -ENOMEM;
	st->an = an;
	st->msg = calloc(1, sizeof *st->msg);
	if (st->msg == NULL) {
		free(st);
		return -ENOMEM;
	}
	*state = st;
	return 0;
}

static void dns_config(void *state, const struct sl_config *cfg)
{
	struct dns_state *st = state;

	memset(st->ports, 0, sizeof st->ports);
	const struct sl_dns_conf *dc = SL_DNS_CONF(cfg);
	for (size_t i = 0; i < dc->ports.n; i++) {
		unsigned port = (unsigned)dc->ports.v[i] & 0xffffu;
		st->ports[port >> 5] |= 1u << (port & 31);
	}
	st->enabled = dc->enabled;
}

static void dns_fini(void *state)
{
	struct dns_state *st = state;

	if (st == NULL)
		return;
	free(st->msg);
	free(st);
}

static int dns_detect(void *state, struct sl_flow *f, void *area, const uint8_t *p, uint32_t n)
{
	struct dns_state *st = state;
	struct dns_flow *df = area;

	(void)p;
	(void)n;
	if (!st->enabled || !(dns_port(st, f->key.dst_port) || dns_port(st, f->key.src_port)))
		return SL_AN_PASS;
	if ((df->stream = sl_an_stream_get(st->an)) != 0)
		df->tcp = 1;
	return SL_AN_CLAIM;
}

static void dns_payload(void *state, struct sl_flow *f, void *area, unsigned dir, const uint8_t *p, uint32_t n)
{
	struct dns_state *st = state;
	struct dns_flow *df = area;
	const uint8_t *msg;
	size_t mlen, used;

	if (!df->tcp || df->stream == 0)
		return;
	struct sl_an_stream *s = sl_an_stream(st->an, df->stream);
	while (n > 0) {
		uint32_t took = sl_an_stream_append(s, dir, p, n);
		p += took;
		n -= took;
		uint32_t off = 0;
		while ((used = sl_dns_tcp_next(s->buf[dir] + off, s->len[dir] - off, &msg, &mlen)) > 0) {
			message(st, f, df, dir, msg, mlen);
			off += (uint32_t)used;
		}
		memmove(s->buf[dir], s->buf[dir] + off, s->len[dir] - off);
		s->len[dir] -= off;
		if (took == 0 && off == 0) {
			/* a message longer than the buffer: not DNS we can follow */
			st->errors++;
			sl_an_stream_put(st->an, &df->stream);
			return;
		}
	}
}

static void dns_gap(void *state, struct sl_flow *f, void *area, unsigned dir)
{
	struct dns_state *st = state;
	struct dns_flow *df = area;

	(void)f;
	(void)dir;
	if (df->tcp) {
		sl_an_stream_put(st->an, &df->stream);
		df->tcp = 0;
	}
}

static void dns_datagram(void *state, struct sl_flow *f, void *area, unsigned dir, const uint8_t *p, uint32_t n)
{
	struct dns_state *st = state;

	if (st->enabled && (dns_port(st, f->key.dst_port) || dns_port(st, f->key.src_port)))
		message(st, f, area, dir, p, n);
}

static void dns_flow_end(void *state, struct sl_flow *f, void *area)
{
	struct dns_state *st = state;
	struct dns_flow *df = area;

	(void)f;
	sl_an_stream_put(st->an, &df->stream);
}

static void dns_counters(const void *state, struct sl_analysis_counters *c)
{
	const struct dns_state *st = state;

	c->dns_errors += st->errors;
}

static const struct sl_analysis_ops dns_ops = {
	.flow_bytes = sizeof(struct dns_flow),
	.init = dns_init,
	.config = dns_config,
	.detect = dns_detect,
	.on_payload = dns_payload,
	.on_gap = dns_gap,
	.on_datagram = dns_datagram,
	.on_flow_end = dns_flow_end,
	.counters = dns_counters,
	.fini = dns_fini,
};

const struct sl_module sl__analysis_dns = {
	.name = "dns",
	.kind = SL_MODULE_ANALYSIS,
	.conf = &sl__dns_conf,
	.analysis = &dns_ops,
};

#define SL_CONF_STRUCT struct sl_dns_conf
#include "conf/conf_rows.h"
static const struct sl_conf_key dns_keys[] = {
	BOOL("app.dns.enabled", enabled, "true", "extract DNS messages (queries, answers, authorities, additionals)",
	     LIVE),
	INTS("app.dns.ports", ports, "[53]", 1, 65535, "UDP and TCP ports parsed as DNS", LIVE),
};
const struct sl_conf_block sl__dns_conf = { "app.dns", sizeof(struct sl_dns_conf), dns_keys,
	                                    sizeof(dns_keys) / sizeof(dns_keys[0]) };
