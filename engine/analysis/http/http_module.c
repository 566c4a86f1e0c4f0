/* SPDX-License-Identifier: MIT */
/*
 * The http analysis step: HTTP/1.x on any port, found by its first request, parsed by
 * analysis/http.c, one http record per request with what its response said.
 *
 * Memory is fixed at init: a pool of parser states (app.http.max-sessions per worker) that a
 * connection borrows while a transaction is in flight and gives back between transactions
 * (parked), so the pool bounds transactions, not open connections. A connection that finds
 * the pool empty is starved: its bytes are skipped (counted in http_skipped_bytes) until a
 * client chunk starts with a request while a parser is free, and it is parsed from there.
 *
 * Traffic that is not textbook is logged as libhtp logs it: a connection whose first bytes are
 * the server's "HTTP/1.x NNN" (the capture missed the request) is HTTP too, and a response
 * without a request is a transaction of its own; when the first bytes taken for the client's
 * are a response (picked up mid-stream, the flow oriented the wrong way) the directions are
 * swapped for the parser. A gap inside a body is skipped; any other gap makes the direction
 * look for the next message, and every later request is logged.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis.h"
#include "analysis/steps_conf.h"
#include "analysis/http.h"
#include "conf/conf.h"
#include "flow/flow.h"
#include "record_meta.h"
#include "worker.h"

#define NO_SLOT UINT32_MAX
#define HTTP_PENDING 8  /* requests held for their responses; older ones go out alone */
#define HTTP_ARENA 1536 /* bytes of strings kept per held request */

/* A request waiting for its response; the response head's fields join it when they come,
 * the body length when the body ends (or the flow does). */
struct http_req {
	uint64_t ts_ns;
	struct sl_mstr method, uri, protocol, host, user_agent, content_type; /* offsets into arena */
	uint16_t used;
	uint16_t status; /* 0: no response head yet */
	uint16_t port;   /* of the Host header or absolute target; 0: none */
	char arena[HTTP_ARENA];
};

struct http_slot {
	struct sl_http_conn conn;
	struct http_req req[HTTP_PENDING];
	uint32_t head, count; /* ring of held requests, oldest at head */
	uint8_t dead[2];      /* a gap or an error: the direction is no longer parsed */
	uint32_t next_free;
};

enum { STARVED_NOW = 2 }; /* claimed without a parser: this chunk is skipped without asking again */

struct http_flow {
	uint32_t slot;  /* http_slot index + 1, 0: none */
	uint8_t parked; /* between transactions: its parser went back to the pool */
	uint8_t starved; /* found the pool empty: skipping to a request boundary (or STARVED_NOW) */
	uint8_t swap;   /* the flow's "client" is the server: parser direction = flow direction ^ 1 */
	uint8_t resync; /* bit per parser direction: bytes were lost while no parser was held */
};

struct http_state {
	struct sl_analysis *an;
	/* slots come back through a free list; slots never used yet are taken in order (fresh),
	 * so start-up touches none of this memory */
	struct http_slot *slot;
	uint32_t n, free, fresh;
	uint64_t no_slot, errors, skipped;
	uint64_t bad_lines, framing, resyncs;
	bool enabled;        /* app.http.enabled of the snapshot in force (http_config) */
};

static uint32_t slot_get(struct http_state *st)
{
	uint32_t i = st->free;
	if (i != NO_SLOT) {
		st->free = st->slot[i].next_free;
	} else if (st->fresh < st->n) {
		i = st->fresh++;
	} else {
		st->no_slot++;
		return 0;
	}
	struct http_slot *s = &st->slot[i];
	sl_http_init(&s->conn);
	s->head = s->count = 0;
	s->dead[0] = s->dead[1] = 0;
	return i + 1;
}

static void slot_put(struct http_state *st, struct http_flow *hf)
{
	if (hf->slot == 0)
		return;
	st->slot[hf->slot - 1].next_free = st->free;
	st->free = hf->slot - 1;
	hf->slot = 0;
}

static void put_str(struct http_req *r, struct sl_mstr *m, struct sl_http_str s, uint32_t cap)
{
	uint32_t n = s.len < cap ? s.len : cap;
	if (r->used + n > HTTP_ARENA)
		n = HTTP_ARENA - r->used;
	m->off = r->used;
	m->len = (uint16_t)n;
	if (n)
		memcpy(r->arena + r->used, s.ptr, n);
	r->used = (uint16_t)(r->used + n);
}

/* The record carries the request's time, whichever packet completed it: the same records
 * whatever the sharding, expiry or batching. */
static void emit_http(struct http_state *st, const struct sl_flow *f, const struct http_req *rq, uint64_t body_len)
{
	uint32_t len = (uint32_t)sizeof(struct sl_ev_http) + rq->used;
	struct sl_ev_http *e = sl_an_emit(st->an, SL_REC_HTTP, len);
	struct sl_meta_builder b;

	if (e == NULL)
		return;
	memset(e, 0, sizeof *e);
	sl_an_common(st->an, &e->c, f, rq->ts_ns);
	b.base = (uint8_t *)e;
	b.used = sizeof *e;
	sl_meta_put(&b, &e->method, rq->arena + rq->method.off, rq->method.len);
	sl_meta_put(&b, &e->url, rq->arena + rq->uri.off, rq->uri.len);
	sl_meta_put(&b, &e->protocol, rq->arena + rq->protocol.off, rq->protocol.len);
	sl_meta_put(&b, &e->hostname, rq->arena + rq->host.off, rq->host.len);
	sl_meta_put(&b, &e->user_agent, rq->arena + rq->user_agent.off, rq->user_agent.len);
	sl_meta_put(&b, &e->content_type, rq->arena + rq->content_type.off, rq->content_type.len);
	e->status = rq->status;
	e->port = rq->port;
	e->length = body_len;
	sl_an_emitted(st->an, SL_REC_HTTP, b.used);
}

/* The oldest held request goes out, with what is known of its response. */
static void pop(struct http_state *st, const struct sl_flow *f, struct http_slot *s, uint64_t body_len)
{
	if (s->count == 0)
		return;
	emit_http(st, f, &s->req[s->head], body_len);
	s->head = (s->head + 1) % HTTP_PENDING;
	s->count--;
}

static int lower_c(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int iprefix(struct sl_http_str s, const char *lit)
{
	size_t i;

	for (i = 0; lit[i]; i++)
		if (i >= s.len || lower_c((unsigned char)s.ptr[i]) != lit[i])
			return 0;
	return 1;
}

/* EVE's hostname (libhtp's request_hostname): the authority of an absolute-form target when
 * there is one, else the Host header; without user info or port; an IPv6 literal keeps its
 * brackets ("[::1]:80" -> "[::1]", "example.com:8080" -> "example.com"). Lower-cased by the
 * caller. */
static struct sl_http_str host_of(const struct sl_http_msg *m, uint16_t *port)
{
	struct sl_http_str h = m->host;
	struct sl_http_str u = m->uri;

	if (iprefix(u, "http://") || iprefix(u, "https://")) {
		size_t a = u.ptr[4] == ':' ? 7 : 8, e = a, at = a;

		while (e < u.len && u.ptr[e] != '/' && u.ptr[e] != '?' && u.ptr[e] != '#')
			e++;
		for (size_t i = a; i < e; i++)
			if (u.ptr[i] == '@')
				at = i + 1;
		if (e > at) {
			h.ptr = u.ptr + at;
			h.len = (uint32_t)(e - at);
		}
	}
	*port = 0;
	if (h.len == 0)
		return h;
	const char *colon = NULL;
	if (h.ptr[0] == '[') {
		const char *end = memchr(h.ptr, ']', h.len);
		if (end) {
			uint32_t n = (uint32_t)(end - h.ptr + 1);
			if (n < h.len && h.ptr[n] == ':')
				colon = h.ptr + n;
			h.len = n;
		}
	} else {
		colon = memchr(h.ptr, ':', h.len);
		if (colon && memchr(colon + 1, ':', h.len - (uint32_t)(colon + 1 - h.ptr)) != NULL)
			colon = NULL; /* a bare IPv6 address, no port */
	}
	if (colon) {
		/* the port as libhtp takes it: digits only, 1..65535; otherwise none */
		const char *p = colon + 1, *e = m->host.ptr == h.ptr ? m->host.ptr + m->host.len : NULL;
		uint32_t v = 0, digits = 0;
		if (e == NULL) /* the authority of the target: up to the path */
			for (e = p; e < m->uri.ptr + m->uri.len && *e != '/' && *e != '?' && *e != '#'; e++)
				;
		for (; p < e && *p >= '0' && *p <= '9' && v <= 65535; p++, digits++)
			v = v * 10 + (uint32_t)(*p - '0');
		if (digits && p == e && v >= 1 && v <= 65535)
			*port = (uint16_t)v;
		if (h.ptr[0] != '[')
			h.len = (uint32_t)(colon - h.ptr);
	}
	return h;
}

static void hold(struct http_state *st, const struct sl_flow *f, struct http_slot *s, const struct sl_http_msg *m,
                 uint64_t ts)
{
	if (s->count == HTTP_PENDING)
		pop(st, f, s, 0); /* deep pipelining: the oldest goes out unanswered */
	struct http_req *r = &s->req[(s->head + s->count) % HTTP_PENDING];
	r->used = 0;
	r->ts_ns = ts;
	r->status = 0;
	r->content_type.len = 0;
	put_str(r, &r->method, m->method, 32);
	put_str(r, &r->protocol, m->protocol, 32);
	put_str(r, &r->host, host_of(m, &r->port), 256);
	for (uint32_t i = 0; i < r->host.len; i++)
		r->arena[r->host.off + i] = (char)lower_c((unsigned char)r->arena[r->host.off + i]);
	put_str(r, &r->user_agent, m->user_agent, 512);
	put_str(r, &r->uri, m->uri, HTTP_ARENA - 128 - r->used);
	s->count++;
}

/* A response head: its fields join the oldest unanswered request. */
static void answer(struct http_state *st, const struct sl_flow *f, struct http_slot *s, const struct sl_http_msg *m)
{
	if (s->count == 0) {
		if (m->seq < s->conn.side[SL_HTTP_TO_SERVER].seq)
			return; /* its request was seen, and went out unanswered (deep pipelining) */
		/* a response to nothing we saw (lost, or before the capture): libhtp logs it as a
		 * transaction with what is known */
		struct sl_http_msg none;
		memset(&none, 0, sizeof none);
		hold(st, f, s, &none, sl_an_packet_ts(st->an));
	}
	struct http_req *r = &s->req[s->head];
	r->status = m->status;
	/* EVE's http_content_type is the media type alone: "text/html; charset=UTF-8" -> "text/html" */
	struct sl_http_str ct = m->content_type;
	const char *semi = ct.len ? memchr(ct.ptr, ';', ct.len) : NULL;
	if (semi)
		ct.len = (uint32_t)(semi - ct.ptr);
	while (ct.len && (ct.ptr[ct.len - 1] == ' ' || ct.ptr[ct.len - 1] == '\t'))
		ct.len--;
	put_str(r, &r->content_type, ct, 128);
	if (m->no_body)
		pop(st, f, s, 0);
}

static void feed(struct http_state *st, struct sl_flow *f, struct http_flow *hf, unsigned dir, const uint8_t *p,
                 uint32_t n)
{
	struct http_slot *s = &st->slot[hf->slot - 1];
	struct sl_http_msg m;
	size_t used;
	int ev;

	if (s->dead[dir])
		return;
	do {
		ev = sl_http_feed(&s->conn, (int)dir, p, n, &used, &m);
		p += used;
		n -= (uint32_t)used;
		switch (ev) {
		case SL_HTTP_HEAD:
			st->bad_lines += m.bad_lines + m.junk_lines + m.truncated + m.no_head;
			st->framing += m.framing != 0;
			if (!m.is_response)
				hold(st, f, s, &m, sl_an_packet_ts(st->an));
			else if (!m.interim)
				answer(st, f, s, &m);
			break;
		case SL_HTTP_END:
			if (m.is_response && !m.interim && !m.no_body)
				pop(st, f, s, m.body_len);
			break;
		case SL_HTTP_TUNNEL:
			/* CONNECT accepted or a protocol switch: the rest of the connection is another
			 * protocol. Detection starts over on what follows (TLS through a proxy). */
			while (s->count)
				pop(st, f, s, 0);
			slot_put(st, hf);
			sl_an_redetect(st->an, f, dir, p, n);
			return;
		case SL_HTTP_ERROR:
			st->errors++;
			s->dead[dir] = 1;
			return;
		}
	} while (ev != SL_HTTP_NEED_MORE); /* to NEED_MORE even when n is 0: a request without a body ends there */
	/* Between transactions a keep-alive connection needs no parser: give it back, so the
	 * pool bounds transactions in flight rather than open connections. */
	if (s->count == 0 && !s->dead[0] && !s->dead[1] && sl_http_idle(&s->conn)) {
		hf->resync = (uint8_t)(sl_http_resyncing(&s->conn, 0) | sl_http_resyncing(&s->conn, 1) << 1);
		slot_put(st, hf);
		hf->parked = 1;
	}
}

/* ---- hooks ------------------------------------------------------------------------------ */

static int http_init(struct sl_analysis *an, const struct sl_config *cfg, void **state, char *errbuf, size_t errlen)
{
	struct http_state *st = calloc(1, sizeof *st);

	(void)errbuf;
	(void)errlen;
	if (st == NULL)
		return -ENOMEM;
	st->an = an;
	st->n = (uint32_t)SL_HTTP_CONF(cfg)->max_sessions;
	st->slot = calloc(st->n ? st->n : 1, sizeof *st->slot);
	if (st->slot == NULL) {
		free(st);
		return -ENOMEM;
	}
	st->free = NO_SLOT;
	*state = st;
	return 0;
}

static void http_fini(void *state)
{
	struct http_state *st = state;

	if (st == NULL)
		return;
	free(st->slot);
	free(st);
}

/* A new snapshot: its live key, cached for detect. */
static void http_config(void *state, const struct sl_config *cfg)
{
	struct http_state *st = state;
	st->enabled = SL_HTTP_CONF(cfg)->enabled;
}

/* The flow is HTTP: a parser for it. When the first bytes seen were the server's, the
 * client's side starts by looking for a request line (its first bytes may be the middle of
 * one). */
static int claim(struct http_state *st, struct sl_flow *f, struct http_flow *hf, int server_first)
{
	f->app_proto = SL_APP_HTTP;
	if ((hf->slot = slot_get(st)) == 0)
		hf->starved = STARVED_NOW;
	else if (server_first)
		sl_http_resync(&st->slot[hf->slot - 1].conn, SL_HTTP_TO_SERVER);
	return SL_AN_CLAIM;
}

static int http_detect(void *state, struct sl_flow *f, void *area, const uint8_t *p, uint32_t n)
{
	struct http_state *st = state;
	struct http_flow *hf = area;
	int r = sl_http_probe(p, n), rr = sl_http_probe_response(p, n);

	if (!st->enabled)
		return r == -EAGAIN || rr == -EAGAIN ? SL_AN_MAYBE : SL_AN_PASS;
	if (r == 1)
		return claim(st, f, hf, 0);
	if (rr == 1) {
		hf->swap = 1; /* what came from the "client" is a response */
		return claim(st, f, hf, 1);
	}
	return r == -EAGAIN || rr == -EAGAIN ? SL_AN_MAYBE : SL_AN_PASS;
}

static int http_detect_server(void *state, struct sl_flow *f, void *area, const uint8_t *p, uint32_t n)
{
	struct http_state *st = state;

	if (!st->enabled || sl_http_probe_response(p, n) != 1)
		return SL_AN_PASS;
	return claim(st, f, area, 1);
}

static void http_payload(void *state, struct sl_flow *f, void *area, unsigned dir, const uint8_t *p, uint32_t n)
{
	struct http_state *st = state;
	struct http_flow *hf = area;

	dir ^= hf->swap;
	if (hf->parked) {
		/* the next transaction of a parked connection: its first byte starts a message,
		 * unless bytes were lost meanwhile */
		hf->parked = 0;
		if ((hf->slot = slot_get(st)) == 0) {
			hf->starved = STARVED_NOW;
		} else {
			for (int d = 0; d < 2; d++)
				if (hf->resync & (1u << d))
					sl_http_resync(&st->slot[hf->slot - 1].conn, d);
		}
		hf->resync = 0;
	}
	if (hf->starved == STARVED_NOW) {
		hf->starved = 1;
		st->skipped += n;
		return;
	}
	if (hf->starved) {
		/* Pick the connection up at the next request boundary that can be seen: a client
		 * chunk that starts with a method (a keep-alive client sends its next request in a
		 * new segment). Until then every byte is skipped, and counted. */
		if (dir != SL_FLOW_TO_SERVER || sl_http_probe(p, n) != 1 || (hf->slot = slot_get(st)) == 0) {
			st->skipped += n;
			return;
		}
		hf->starved = 0;
	}
	if (hf->slot)
		feed(st, f, hf, dir, p, n);
}

/* Lost bytes: inside a body they are skipped as body; otherwise the direction looks for the
 * next message (a response cut short goes out with what was seen of it). */
static void http_gap(void *state, struct sl_flow *f, void *area, unsigned dir)
{
	struct http_state *st = state;
	struct http_flow *hf = area;
	struct sl_http_msg m;

	dir ^= hf->swap;
	if (hf->slot == 0) {
		if (hf->parked)
			hf->resync |= (uint8_t)(1u << dir);
		return; /* a starved flow waits for a request start anyway */
	}
	struct http_slot *s = &st->slot[hf->slot - 1];
	if (s->dead[dir])
		return;
	int ev = sl_http_gap(&s->conn, (int)dir, sl_an_gap_missing(st->an), &m);
	if (ev == SL_HTTP_END && m.is_response && !m.interim)
		pop(st, f, s, m.body_len);
	if (ev == SL_HTTP_HEAD) { /* a head cut by the gap: what came of it */
		st->bad_lines++;
		if (!m.is_response) {
			hold(st, f, s, &m, sl_an_packet_ts(st->an));
		} else if (!m.interim) {
			answer(st, f, s, &m);
			if (!m.no_body) /* (answer already sent it out when it has no body) */
				pop(st, f, s, 0);
		}
	}
	if (m.resync)
		st->resyncs++;
}

static void http_eos(void *state, struct sl_flow *f, void *area, unsigned dir)
{
	struct http_state *st = state;
	struct http_flow *hf = area;
	struct sl_http_msg m;

	dir ^= hf->swap;
	if (hf->slot && !st->slot[hf->slot - 1].dead[dir]) {
		struct http_slot *s = &st->slot[hf->slot - 1];
		if (sl_http_close(&s->conn, (int)dir, &m) == SL_HTTP_END && m.is_response && !m.interim)
			pop(st, f, s, m.body_len);
	}
}

static void http_flow_end(void *state, struct sl_flow *f, void *area)
{
	struct http_state *st = state;
	struct http_flow *hf = area;

	if (hf->slot) {
		struct http_slot *s = &st->slot[hf->slot - 1];
		while (s->count)
			pop(st, f, s, 0);
		slot_put(st, hf);
	}
}

static void http_counters(const void *state, struct sl_analysis_counters *c)
{
	const struct http_state *st = state;

	c->http_errors += st->errors;
	c->no_http_slot += st->no_slot;
	c->http_skipped_bytes += st->skipped;
	c->http_bad_lines += st->bad_lines;
	c->http_framing += st->framing;
	c->http_resyncs += st->resyncs;
}

static const struct sl_analysis_ops http_ops = {
	.flow_bytes = sizeof(struct http_flow),
	.init = http_init,
	.config = http_config,
	.detect = http_detect,
	.on_payload = http_payload,
	.on_gap = http_gap,
	.on_eos = http_eos,
	.on_flow_end = http_flow_end,
	.counters = http_counters,
	.fini = http_fini,
	.detect_server = http_detect_server,
};

const struct sl_module sl__analysis_http = {
	.name = "http",
	.kind = SL_MODULE_ANALYSIS,
	.conf = &sl__http_conf,
	.analysis = &http_ops,
};

#define SL_CONF_STRUCT struct sl_http_conf
#include "conf/conf_rows.h"
static const struct sl_conf_key http_keys[] = {
	BOOL("app.http.enabled", enabled, "true", "extract HTTP/1.x requests and responses", LIVE),
	INT("app.http.max-sessions", max_sessions, "4096", 0, 1048576,
	    "HTTP transactions in flight parsed at once, per worker (about 30KiB each)"),
};
const struct sl_conf_block sl__http_conf = { "app.http", sizeof(struct sl_http_conf), http_keys,
	                                     sizeof(http_keys) / sizeof(http_keys[0]) };
