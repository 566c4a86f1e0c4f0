/* SPDX-License-Identifier: MIT */
/*
 * The dns analysis step: DNS on the ports of app.dns.ports, over UDP (every datagram) and
 * over TCP (a stream slot gathers the length-prefixed messages), one dns record per query
 * question and one per response, as EVE writes them.
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

static void emit_dns(struct dns_state *st, const struct sl_flow *f, unsigned dir, const struct sl_dns_msg *m)
{
	int response = (m->flags & SL_DNS_F_QR) != 0;
	unsigned nrec = response ? 1 : m->nq;

	for (unsigned qi = 0; qi < nrec || (qi == 0 && nrec == 0 && response); qi++) {
		const char *qname = m->nq > qi ? m->q[qi].name : "";
		uint16_t qtype = m->nq > qi ? m->q[qi].type : 0;
		unsigned nans = response ? m->nan : 0;
		if (nans > SL_EV_DNS_MAX_ANSWERS)
			nans = SL_EV_DNS_MAX_ANSWERS;
		uint32_t strs = sl_meta_strlen((uint32_t)strlen(qname));
		for (unsigned i = 0; i < nans; i++)
			strs += sl_meta_strlen((uint32_t)strlen(m->an[i].name)) +
			        sl_meta_strlen((uint32_t)strlen(m->an[i].rdata));
		uint32_t len = (uint32_t)(sizeof(struct sl_ev_dns) + nans * sizeof(struct sl_ev_dns_answer)) + strs;
		struct sl_ev_dns *e = sl_an_emit(st->an, SL_REC_DNS, len);
		struct sl_meta_builder b;
		if (e == NULL)
			return;
		memset(e, 0, sizeof *e);
		sl_an_common_dir(st->an, &e->c, f, dir, sl_an_packet_ts(st->an));
		e->id = m->id;
		e->flags = (uint16_t)(m->flags & 0xffffu);
		e->rrtype = qtype;
		e->is_response = (uint8_t)response;
		e->rcode = m->rcode;
		e->answer_count = (uint8_t)nans;
		b.base = (uint8_t *)e;
		b.used = (uint32_t)(sizeof *e + nans * sizeof(struct sl_ev_dns_answer));
		sl_meta_put(&b, &e->rrname, qname, (uint32_t)strlen(qname));
		for (unsigned i = 0; i < nans; i++) {
			struct sl_ev_dns_answer *a = &e->answers[i];
			memset(a, 0, sizeof *a);
			a->rrtype = m->an[i].type;
			a->ttl = m->an[i].ttl;
			sl_meta_put(&b, &a->rrname, m->an[i].name, (uint32_t)strlen(m->an[i].name));
			sl_meta_put(&b, &a->rdata, m->an[i].rdata, (uint32_t)strlen(m->an[i].rdata));
		}
		sl_an_emitted(st->an, SL_REC_DNS, b.used);
		if (nrec == 0)
			break;
	}
}

static void message(struct dns_state *st, struct sl_flow *f, unsigned dir, const uint8_t *p, size_t n)
{
	if (sl_dns_parse(p, n, st->msg) != SL_DNS_OK) {
		st->errors++;
		return;
	}
	f->app_proto = SL_APP_DNS;
	emit_dns(st, f, dir, st->msg);
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
			message(st, f, dir, msg, mlen);
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

	(void)area;
	if (st->enabled && (dns_port(st, f->key.dst_port) || dns_port(st, f->key.src_port)))
		message(st, f, dir, p, n);
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
	BOOL("app.dns.enabled", enabled, "true", "extract DNS queries and answers", LIVE),
	INTS("app.dns.ports", ports, "[53]", 1, 65535, "UDP and TCP ports parsed as DNS", LIVE),
};
const struct sl_conf_block sl__dns_conf = { "app.dns", sizeof(struct sl_dns_conf), dns_keys,
	                                    sizeof(dns_keys) / sizeof(dns_keys[0]) };
