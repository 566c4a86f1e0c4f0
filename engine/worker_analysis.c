/* SPDX-License-Identifier: MIT */
/*
 * The per-packet analysis of a worker, and the glue between its modules:
 *
 *   packet ─▶ decode ─┬─▶ (IP fragment) defrag ─▶ decode the datagram ─┐
 *                     └────────────────────────────────────────────────┴▶ flow table
 *        flow table ─▶ UDP: DNS on its ports      ─▶ dns records
 *                   └▶ TCP: reassembly ─▶ detect by content ─▶ HTTP parser ─▶ http records
 *                                                         └──▶ TLS hellos  ─▶ tls records
 *                                                         └──▶ DNS over TCP ─▶ dns records
 *        flow end (timeout, eviction, shutdown) ─▶ pending app records, then the flow record
 *
 * Memory is fixed at start: the flow table (with a small per-flow area, struct app_flow),
 * a pool of HTTP parser states and a pool of stream buffers (TLS hellos, DNS over TCP) that
 * flows borrow once their protocol is known and give back when it is done with them, and
 * one scratch copy of each parser's output. A flow that finds its pool empty is not parsed
 * (counted), never a malloc.
 *
 * Every packet gets exactly one decode outcome in the worker's counters: that is the
 * capture half of the ledger.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analysis/decode.h"
#include "analysis/defrag.h"
#include "analysis/dns.h"
#include "analysis/http.h"
#include "analysis/tls.h"
#include "conf/conf.h"
#include "flow/flow.h"
#include "log.h"
#include "record_meta.h"
#include "sinks/sink.h"
#include "worker.h"

#define NO_SLOT UINT32_MAX
#define HTTP_PENDING 8     /* requests held for their responses; older ones go out alone */
#define HTTP_ARENA 1536    /* bytes of strings kept per held request */
#define STREAM_BUF (SL_TLS_BUF_MAX + 4096)
#define EXPIRE_EVERY 256   /* packets between two expiry slices */
#define EXPIRE_BUDGET 64
#define PROBE_BYTES 8      /* detection decides with this many client bytes, or sooner */

/* A request waiting for its response; the response head's fields join it when they come,
 * the body length when the body ends (or the flow does). */
struct http_req {
	uint64_t ts_ns;
	struct sl_mstr method, uri, protocol, host, user_agent, content_type; /* offsets into arena */
	uint16_t used;
	uint16_t status;   /* 0: no response head yet */
	char arena[HTTP_ARENA];
};

struct http_slot {
	struct sl_http_conn conn;
	struct http_req req[HTTP_PENDING];
	uint32_t head, count;   /* ring of held requests, oldest at head */
	uint8_t dead[2];        /* a gap or an error: the direction is no longer parsed */
	uint32_t next_free;
};

/* What a tls record needs of the ClientHello, kept from its parse until the server's answer
 * says which version was chosen (the parse output itself is one scratch copy per worker). */
struct tls_hello {
	uint16_t version, sni_len, alpn_len;
	char sni[SL_TLS_SNI_LEN];
	char ja3[SL_TLS_JA3_LEN];
	char ja3_hash[33];
	char ja4[40];
	char alpn[SL_TLS_MAX_ALPN * (SL_TLS_ALPN_LEN + 1)]; /* comma-joined */
};

struct stream_slot {
	uint32_t len[2];
	uint32_t next_free;
	struct sl_tls_scan scan[2]; /* TLS: how far each hello has come, so it is parsed once */
	uint32_t sh_end;            /* TLS: where the parsed ServerHello's records end, 0: not yet */
	struct tls_hello hello;
	uint8_t buf[2][STREAM_BUF];
};

enum tls_phase { TLS_NONE = 0, TLS_CLIENT, TLS_SERVER, TLS_DONE };

/* The per-flow area inside each flow table entry. */
struct app_flow {
	uint32_t http;      /* http_slot index + 1, 0: none (the table zeroes a new flow's area) */
	uint32_t stream;    /* stream_slot index + 1, 0: none */
	uint8_t decided;    /* the app protocol is known (or known to be none) */
	uint8_t tls_phase;  /* enum tls_phase */
	uint8_t dns_tcp;
	uint8_t http_parked; /* HTTP between transactions: its parser went back to the pool */
	uint8_t http_starved; /* HTTP that found the pool empty: bytes are skipped (counted) until
	                         a client chunk starts with a request and a parser is free */
	uint16_t tls_version_server;
	uint64_t tls_ts;
	uint8_t icmp_type, icmp_code; /* the first packet's, for ICMP flows */
	uint8_t probe_len;  /* client bytes held while too few to detect the protocol */
	uint8_t probe[PROBE_BYTES - 1];
	uint16_t vlan[2];   /* the first packet's tags, for the records (also when flow.use-vlan
	                       is off and they are not part of the key) */
};

/* A TLS record waiting for the ServerHello's version; strings live in stream slot memory
 * only until it is emitted, so it is emitted from the parse output directly. */

struct sl_analysis {
	struct sl_worker *w;
	const struct sl_config *cfg;
	struct sl_flow_table flows;
	struct sl_defrag defrag;
	int defrag_on;

	/* Pools: slots come back through a free list; slots never used yet are taken in order
	 * (fresh), so start-up touches none of this memory. */
	struct http_slot *http;
	uint32_t http_n, http_free, http_fresh;
	struct stream_slot *stream;
	uint32_t stream_n, stream_free, stream_fresh;

	/* scratch parse outputs, one each */
	struct sl_tls_client_hello *ch;
	struct sl_tls_server_hello *sh;
	struct sl_dns_msg *dns;

	uint64_t now_ns;       /* packet time of the latest packet */
	uint64_t wall_at_now;  /* the wall clock when it arrived (for idle expiry) */
	uint32_t since_expire;
	uint32_t dns_ports_mask[2048]; /* bit per port */

	/* the packet being processed, for callbacks that emit */
	uint64_t pkt_ts;

	/* counters (worker thread only) */
	uint64_t no_http_slot, no_stream_slot, http_errors, tls_errors, dns_errors;
	uint64_t tls_too_big;      /* hellos given up: larger than the stream buffer */
	uint64_t http_skipped_bytes; /* HTTP bytes not parsed: no parser was free */
	uint64_t tls_parsed_bytes; /* stream bytes handed to the hello parsers (work done) */
	uint64_t teredo; /* IPv6 packets found inside Teredo UDP */
};

static uint64_t wall_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- pools ------------------------------------------------------------------------------ */

/* Slots are handed out as index + 1, so a zeroed per-flow area holds none. */
static uint32_t http_get(struct sl_analysis *an)
{
	uint32_t i = an->http_free;
	if (i != NO_SLOT) {
		an->http_free = an->http[i].next_free;
	} else if (an->http_fresh < an->http_n) {
		i = an->http_fresh++;
	} else {
		an->no_http_slot++;
		return 0;
	}
	struct http_slot *s = &an->http[i];
	sl_http_init(&s->conn);
	s->head = s->count = 0;
	s->dead[0] = s->dead[1] = 0;
	return i + 1;
}

static void http_put(struct sl_analysis *an, struct app_flow *af)
{
	if (af->http == 0)
		return;
	an->http[af->http - 1].next_free = an->http_free;
	an->http_free = af->http - 1;
	af->http = 0;
}

static uint32_t stream_get(struct sl_analysis *an)
{
	uint32_t i = an->stream_free;
	if (i != NO_SLOT) {
		an->stream_free = an->stream[i].next_free;
	} else if (an->stream_fresh < an->stream_n) {
		i = an->stream_fresh++;
	} else {
		an->no_stream_slot++;
		return 0;
	}
	struct stream_slot *s = &an->stream[i];
	s->len[0] = s->len[1] = 0;
	sl_tls_scan_init(&s->scan[0]);
	sl_tls_scan_init(&s->scan[1]);
	s->sh_end = 0;
	return i + 1;
}

static void stream_put(struct sl_analysis *an, struct app_flow *af)
{
	if (af->stream == 0)
		return;
	an->stream[af->stream - 1].next_free = an->stream_free;
	an->stream_free = af->stream - 1;
	af->stream = 0;
}

/* HTTP tunnels hand the rest of a chunk back to detection. */
static void on_deliver(void *ctx, void *user, unsigned dir, const uint8_t *p, uint32_t n);

/* ---- emitting --------------------------------------------------------------------------- */

static void common_from_flow(struct sl_ev_common *c, const struct sl_flow *f, uint64_t ts, unsigned worker)
{
	const struct app_flow *af = sl_flow_user((struct sl_flow *)f);

	memset(c, 0, sizeof *c);
	c->ts_ns = ts;
	c->flow_id = f->flow_id;
	memcpy(c->src, f->key.src, 16);
	memcpy(c->dst, f->key.dst, 16);
	c->sport = f->key.src_port;
	c->dport = f->key.dst_port;
	c->ipver = f->key.ip_version;
	c->proto = f->key.proto;
	c->vlan[0] = af->vlan[0];
	c->vlan[1] = af->vlan[1];
	c->vlan_count = (uint8_t)(af->vlan[1] ? 2 : af->vlan[0] ? 1 : 0);
	c->worker = (uint8_t)worker;
}

/* The flow's addresses in the direction a packet travelled. */
static void common_dir(struct sl_ev_common *c, const struct sl_flow *f, unsigned dir, uint64_t ts, unsigned worker)
{
	common_from_flow(c, f, ts, worker);
	if (dir == SL_FLOW_TO_CLIENT) {
		memcpy(c->src, f->key.dst, 16);
		memcpy(c->dst, f->key.src, 16);
		c->sport = f->key.dst_port;
		c->dport = f->key.src_port;
	}
}

static void emit_flow(struct sl_analysis *an, const struct sl_flow *f, enum sl_flow_reason why)
{
	struct sl_ev_flow *e = sl_worker_emit(an->w, SL_REC_FLOW, sizeof *e);
	const struct app_flow *af = sl_flow_user((struct sl_flow *)f);

	if (e == NULL)
		return;
	common_from_flow(&e->c, f, f->first_ns, an->w->index);
	e->pkts_toserver = f->pkts[SL_FLOW_TO_SERVER];
	e->pkts_toclient = f->pkts[SL_FLOW_TO_CLIENT];
	e->bytes_toserver = f->bytes[SL_FLOW_TO_SERVER];
	e->bytes_toclient = f->bytes[SL_FLOW_TO_CLIENT];
	e->start_ns = f->first_ns;
	e->end_ns = f->last_ns;
	e->state = f->state;
	e->reason = (uint8_t)why;
	e->app_proto = (uint8_t)f->app_proto;
	e->tcp_flags_ts = f->tcp_flags[SL_FLOW_TO_SERVER];
	e->tcp_flags_tc = f->tcp_flags[SL_FLOW_TO_CLIENT];
	e->icmp_type = af->icmp_type;
	e->icmp_code = af->icmp_code;
	e->pad = 0;
	sl_worker_emitted(an->w, SL_REC_FLOW, sizeof *e);
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
static void emit_http(struct sl_analysis *an, const struct sl_flow *f, const struct http_req *rq,
                      uint64_t body_len)
{
	uint32_t len = (uint32_t)sizeof(struct sl_ev_http) + rq->used;
	struct sl_ev_http *e = sl_worker_emit(an->w, SL_REC_HTTP, len);
	struct sl_meta_builder b;

	if (e == NULL)
		return;
	memset(e, 0, sizeof *e);
	common_from_flow(&e->c, f, rq->ts_ns, an->w->index);
	b.base = (uint8_t *)e;
	b.used = sizeof *e;
	sl_meta_put(&b, &e->method, rq->arena + rq->method.off, rq->method.len);
	sl_meta_put(&b, &e->url, rq->arena + rq->uri.off, rq->uri.len);
	sl_meta_put(&b, &e->protocol, rq->arena + rq->protocol.off, rq->protocol.len);
	sl_meta_put(&b, &e->hostname, rq->arena + rq->host.off, rq->host.len);
	sl_meta_put(&b, &e->user_agent, rq->arena + rq->user_agent.off, rq->user_agent.len);
	sl_meta_put(&b, &e->content_type, rq->arena + rq->content_type.off, rq->content_type.len);
	e->status = rq->status;
	e->length = body_len;
	sl_worker_emitted(an->w, SL_REC_HTTP, b.used);
}

/* The oldest held request goes out, with what is known of its response. */
static void http_pop(struct sl_analysis *an, const struct sl_flow *f, struct http_slot *s, uint64_t body_len)
{
	if (s->count == 0)
		return;
	emit_http(an, f, &s->req[s->head], body_len);
	s->head = (s->head + 1) % HTTP_PENDING;
	s->count--;
}

/* EVE's hostname is the Host header without a port ("example.com:8080" -> "example.com",
 * "[::1]:80" -> "::1"). */
static struct sl_http_str host_only(struct sl_http_str h)
{
	if (h.len && h.ptr[0] == '[') {
		const char *end = memchr(h.ptr, ']', h.len);
		if (end) {
			h.len = (uint32_t)(end - h.ptr - 1);
			h.ptr++;
		}
		return h;
	}
	if (h.len == 0)
		return h;
	const char *colon = memchr(h.ptr, ':', h.len);
	if (colon && memchr(colon + 1, ':', h.len - (uint32_t)(colon + 1 - h.ptr)) == NULL)
		h.len = (uint32_t)(colon - h.ptr);
	return h;
}

static void http_hold(struct sl_analysis *an, const struct sl_flow *f, struct http_slot *s,
                      const struct sl_http_msg *m, uint64_t ts)
{
	if (s->count == HTTP_PENDING)
		http_pop(an, f, s, 0); /* deep pipelining: the oldest goes out unanswered */
	struct http_req *r = &s->req[(s->head + s->count) % HTTP_PENDING];
	r->used = 0;
	r->ts_ns = ts;
	r->status = 0;
	r->content_type.len = 0;
	put_str(r, &r->method, m->method, 32);
	put_str(r, &r->protocol, m->protocol, 32);
	put_str(r, &r->host, host_only(m->host), 256);
	put_str(r, &r->user_agent, m->user_agent, 512);
	put_str(r, &r->uri, m->uri, HTTP_ARENA - 128 - r->used);
	s->count++;
}

/* A response head: its fields join the oldest unanswered request. */
static void http_answer(struct sl_analysis *an, const struct sl_flow *f, struct http_slot *s,
                        const struct sl_http_msg *m)
{
	if (s->count == 0)
		return; /* a response to nothing we saw */
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
		http_pop(an, f, s, 0);
}

static void http_feed(struct sl_analysis *an, struct sl_flow *f, struct app_flow *af, unsigned dir,
                      const uint8_t *p, uint32_t n)
{
	struct http_slot *s = &an->http[af->http - 1];
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
			if (!m.is_response)
				http_hold(an, f, s, &m, an->pkt_ts);
			else if (!m.interim)
				http_answer(an, f, s, &m);
			break;
		case SL_HTTP_END:
			if (m.is_response && !m.interim && !m.no_body)
				http_pop(an, f, s, m.body_len);
			break;
		case SL_HTTP_TUNNEL:
			/* CONNECT accepted or a protocol switch: the rest of the connection is another
			 * protocol. Detection starts over on what follows (TLS through a proxy). */
			while (s->count)
				http_pop(an, f, s, 0);
			http_put(an, af);
			af->decided = 0;
			if (n)
				on_deliver(an, f, dir, p, n);
			return;
		case SL_HTTP_ERROR:
			an->http_errors++;
			s->dead[dir] = 1;
			return;
		}
	} while (ev != SL_HTTP_NEED_MORE); /* to NEED_MORE even when n is 0: a request without a body ends there */
	/* Between transactions a keep-alive connection needs no parser: give it back, so the
	 * pool bounds transactions in flight rather than open connections. */
	if (s->count == 0 && !s->dead[0] && !s->dead[1] && sl_http_idle(&s->conn)) {
		http_put(an, af);
		af->http_parked = 1;
	}
}

/* ---- TLS -------------------------------------------------------------------------------- */

static void keep_hello(struct tls_hello *h, const struct sl_tls_client_hello *ch)
{
	h->version = ch->version;
	h->sni_len = ch->sni_len < sizeof h->sni ? ch->sni_len : sizeof h->sni;
	memcpy(h->sni, ch->sni, h->sni_len);
	snprintf(h->ja3, sizeof h->ja3, "%s", ch->ja3);
	memcpy(h->ja3_hash, ch->ja3_hash, sizeof h->ja3_hash);
	memcpy(h->ja4, ch->ja4, sizeof h->ja4);
	h->alpn_len = 0;
	for (unsigned i = 0; i < ch->n_alpn; i++) {
		if (i)
			h->alpn[h->alpn_len++] = ',';
		memcpy(h->alpn + h->alpn_len, ch->alpn[i], ch->alpn_len[i]);
		h->alpn_len = (uint16_t)(h->alpn_len + ch->alpn_len[i]);
	}
}

static void emit_tls(struct sl_analysis *an, const struct sl_flow *f, const struct tls_hello *h,
                     uint16_t version, int resumed, uint64_t ts)
{
	const char *vname = sl_tls_version_name(version);
	uint32_t ja3len = (uint32_t)strlen(h->ja3), ja4len = (uint32_t)strlen(h->ja4);
	uint32_t strs = sl_meta_strlen((uint32_t)strlen(vname)) + sl_meta_strlen(h->sni_len) + sl_meta_strlen(ja3len) +
	                32 + sl_meta_strlen(ja4len) + sl_meta_strlen(h->alpn_len);
	uint32_t len = (uint32_t)sizeof(struct sl_ev_tls) + strs;
	struct sl_ev_tls *e = sl_worker_emit(an->w, SL_REC_TLS, len);
	struct sl_meta_builder b;

	if (e == NULL)
		return;
	memset(e, 0, sizeof *e);
	common_from_flow(&e->c, f, ts, an->w->index);
	e->version = version;
	e->resumed = (uint8_t)resumed;
	b.base = (uint8_t *)e;
	b.used = sizeof *e;
	sl_meta_put(&b, &e->version_name, vname, (uint32_t)strlen(vname));
	sl_meta_put(&b, &e->sni, h->sni, h->sni_len);
	sl_meta_put(&b, &e->ja3, h->ja3, ja3len);
	sl_meta_put(&b, &e->ja3_hash, h->ja3_hash, ja3len ? 32 : 0);
	sl_meta_put(&b, &e->ja4, h->ja4, ja4len);
	sl_meta_put(&b, &e->alpn, h->alpn, h->alpn_len);
	sl_worker_emitted(an->w, SL_REC_TLS, b.used);
}

/* Append to a stream buffer; the parsers are stateless and re-read from the start. */
static uint32_t stream_append(struct stream_slot *s, unsigned dir, const uint8_t *p, uint32_t n)
{
	uint32_t room = STREAM_BUF - s->len[dir];
	if (n > room)
		n = room;
	memcpy(s->buf[dir] + s->len[dir], p, n);
	s->len[dir] += n;
	return n;
}

static int tls13(uint16_t v)
{
	return v == 0x0304 || (v & 0xff00) == 0x7f00;
}

/* The handshake is as far as it will get: emit the record from what was kept of the
 * ClientHello. Resumed sessions are logged only
 * with app.tls.log-resumed, like Suricata's default. */
static void tls_done(struct sl_analysis *an, const struct sl_flow *f, struct app_flow *af, int resumed)
{
	if ((af->tls_phase == TLS_SERVER) && af->stream && (!resumed || an->cfg->app.tls.log_resumed)) {
		const struct tls_hello *h = &an->stream[af->stream - 1].hello;
		emit_tls(an, f, h, af->tls_version_server ? af->tls_version_server : h->version, resumed, af->tls_ts);
	}
	af->tls_phase = TLS_DONE;
	stream_put(an, af);
}

/* A hello the stream buffer cannot hold, or one that is not a hello: given up, counted. */
static void tls_give_up(struct sl_analysis *an, const struct sl_flow *f, struct app_flow *af, int r)
{
	if (r == SL_TLS_NEED_MORE || r == SL_TLS_TOO_BIG)
		an->tls_too_big++;
	if (af->tls_phase == TLS_CLIENT) {
		an->tls_errors++;
		af->tls_phase = TLS_DONE;
		stream_put(an, af);
		return;
	}
	tls_done(an, f, af, 0);
}

/* Each direction's bytes are appended to its stream buffer and scanned (O(new bytes)); a
 * hello is parsed once, when the scan says it is whole. */
static void tls_feed(struct sl_analysis *an, struct sl_flow *f, struct app_flow *af, unsigned dir,
                     const uint8_t *p, uint32_t n)
{
	struct stream_slot *s;
	size_t need;
	int r;

	if (af->tls_phase == TLS_DONE || af->stream == 0)
		return;
	s = &an->stream[af->stream - 1];
	if (af->tls_phase == TLS_CLIENT && dir == SL_FLOW_TO_SERVER) {
		stream_append(s, 0, p, n);
		r = sl_tls_scan(&s->scan[0], SL_TLS_HS_CLIENT_HELLO, s->buf[0], s->len[0]);
		if (r == SL_TLS_NEED_MORE && s->len[0] < STREAM_BUF)
			return;
		if (r == SL_TLS_OK) {
			an->tls_parsed_bytes += s->len[0];
			r = sl_tls_parse_client_hello(s->buf[0], s->len[0], an->ch, &need);
		}
		if (r != SL_TLS_OK) {
			tls_give_up(an, f, af, r);
			return;
		}
		keep_hello(&s->hello, an->ch);
		af->tls_ts = an->pkt_ts;
		af->tls_phase = TLS_SERVER;
		/* server bytes that came first were kept in buf[1]; try them now */
		if (s->len[1])
			tls_feed(an, f, af, SL_FLOW_TO_CLIENT, NULL, 0);
		return;
	}
	if (dir == SL_FLOW_TO_CLIENT) {
		if (n)
			stream_append(s, 1, p, n);
		if (af->tls_phase != TLS_SERVER)
			return;
		if (s->sh_end == 0) {
			r = sl_tls_scan(&s->scan[1], SL_TLS_HS_SERVER_HELLO, s->buf[1], s->len[1]);
			if (r == SL_TLS_NEED_MORE && s->len[1] < STREAM_BUF)
				return;
			if (r == SL_TLS_OK) {
				an->tls_parsed_bytes += s->len[1];
				r = sl_tls_parse_server_hello(s->buf[1], s->len[1], an->sh, &need);
			}
			if (r != SL_TLS_OK) {
				tls_give_up(an, f, af, r);
				return;
			}
			af->tls_version_server = an->sh->version;
			if (tls13(an->sh->version)) {
				tls_done(an, f, af, 0);
				return;
			}
			s->sh_end = (uint32_t)an->sh->hello_end;
		}
		/* Before TLS 1.3 a resumed session goes from the ServerHello straight to
		 * ChangeCipherSpec; a full handshake sends its Certificate first. */
		size_t end = s->sh_end;
		if (s->len[1] <= end && s->len[1] < STREAM_BUF)
			return; /* the next record has not come yet */
		tls_done(an, f, af, s->len[1] > end && s->buf[1][end] == 20);
	}
}

/* ---- DNS -------------------------------------------------------------------------------- */

static void emit_dns(struct sl_analysis *an, const struct sl_flow *f, unsigned dir, const struct sl_dns_msg *m)
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
		struct sl_ev_dns *e = sl_worker_emit(an->w, SL_REC_DNS, len);
		struct sl_meta_builder b;
		if (e == NULL)
			return;
		memset(e, 0, sizeof *e);
		common_dir(&e->c, f, dir, an->pkt_ts, an->w->index);
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
		sl_worker_emitted(an->w, SL_REC_DNS, b.used);
		if (nrec == 0)
			break;
	}
}

static void dns_message(struct sl_analysis *an, struct sl_flow *f, unsigned dir, const uint8_t *p, size_t n)
{
	if (sl_dns_parse(p, n, an->dns) != SL_DNS_OK) {
		an->dns_errors++;
		return;
	}
	f->app_proto = SL_APP_DNS;
	emit_dns(an, f, dir, an->dns);
}

static int dns_port(const struct sl_analysis *an, uint16_t port)
{
	return (an->dns_ports_mask[port >> 5] >> (port & 31)) & 1u;
}

static void dns_tcp_feed(struct sl_analysis *an, struct sl_flow *f, struct app_flow *af, unsigned dir,
                         const uint8_t *p, uint32_t n)
{
	struct stream_slot *s;
	const uint8_t *msg;
	size_t mlen, used;

	if (af->stream == 0)
		return;
	s = &an->stream[af->stream - 1];
	while (n > 0) {
		uint32_t took = stream_append(s, dir, p, n);
		p += took;
		n -= took;
		uint32_t off = 0;
		while ((used = sl_dns_tcp_next(s->buf[dir] + off, s->len[dir] - off, &msg, &mlen)) > 0) {
			dns_message(an, f, dir, msg, mlen);
			off += (uint32_t)used;
		}
		memmove(s->buf[dir], s->buf[dir] + off, s->len[dir] - off);
		s->len[dir] -= off;
		if (took == 0 && off == 0) {
			/* a message longer than the buffer: not DNS we can follow */
			an->dns_errors++;
			stream_put(an, af);
			return;
		}
	}
}

/* ---- TCP stream callbacks --------------------------------------------------------------- */

static void detect(struct sl_analysis *an, struct sl_flow *f, struct app_flow *af, unsigned dir,
                   const uint8_t *p, uint32_t n)
{
	const struct sl_config *cfg = an->cfg;

	if (dir != SL_FLOW_TO_SERVER) {
		/* the server spoke first: keep it for TLS/DNS only if a client follows (rare) */
		return;
	}
	if (cfg->app.http.enabled && sl_http_probe(p, n) == 1) {
		af->decided = 1;
		f->app_proto = SL_APP_HTTP;
		if ((af->http = http_get(an)) == 0)
			af->http_starved = 1;
		return;
	}
	if (cfg->app.tls.enabled && sl_tls_probe(p, n) == 1) {
		af->decided = 1;
		if ((af->stream = stream_get(an)) != 0) {
			f->app_proto = SL_APP_TLS;
			af->tls_phase = TLS_CLIENT;
		}
		return;
	}
	if (cfg->app.dns.enabled && (dns_port(an, f->key.dst_port) || dns_port(an, f->key.src_port))) {
		af->decided = 1;
		if ((af->stream = stream_get(an)) != 0)
			af->dns_tcp = 1;
		return;
	}
	if (n >= PROBE_BYTES || (sl_http_probe(p, n) == 0 && sl_tls_probe(p, n) == 0)) {
		af->decided = 1;
		f->app_proto = SL_APP_FAILED;
	}
}

static void app_feed(struct sl_analysis *an, struct sl_flow *f, struct app_flow *af, unsigned dir,
                     const uint8_t *p, uint32_t n)
{
	if (af->http_parked) {
		/* the next transaction of a parked HTTP connection: its first byte starts a message */
		af->http_parked = 0;
		if ((af->http = http_get(an)) == 0) {
			af->http_starved = 1;
			an->http_skipped_bytes += n;
			return;
		}
	} else if (af->http_starved) {
		/* Pick the connection up at the next request boundary that can be seen: a client
		 * chunk that starts with a method (a keep-alive client sends its next request in a
		 * new segment). Until then every byte is skipped, and counted. */
		if (dir != SL_FLOW_TO_SERVER || sl_http_probe(p, n) != 1 || (af->http = http_get(an)) == 0) {
			an->http_skipped_bytes += n;
			return;
		}
		af->http_starved = 0;
	}
	if (af->http)
		http_feed(an, f, af, dir, p, n);
	else if (af->tls_phase == TLS_CLIENT || af->tls_phase == TLS_SERVER)
		tls_feed(an, f, af, dir, p, n);
	else if (af->dns_tcp)
		dns_tcp_feed(an, f, af, dir, p, n);
}

static void on_deliver(void *ctx, void *user, unsigned dir, const uint8_t *p, uint32_t n)
{
	struct sl_analysis *an = ctx;
	struct sl_flow *f = user;
	struct app_flow *af = sl_flow_user(f);

	if (!af->decided && dir == SL_FLOW_TO_SERVER) {
		if (af->probe_len == 0) {
			detect(an, f, af, dir, p, n);
			if (!af->decided) {
				/* too few bytes to tell (n < PROBE_BYTES): keep them for the next chunk,
				 * so a client that sends its first bytes one per segment is still seen */
				memcpy(af->probe, p, n);
				af->probe_len = (uint8_t)n;
				return;
			}
			if (af->http_starved) {
				an->http_skipped_bytes += n;
				return;
			}
		} else {
			uint8_t joined[PROBE_BYTES];
			uint32_t had = af->probe_len, take = n < PROBE_BYTES - had ? n : PROBE_BYTES - had;

			memcpy(joined, af->probe, had);
			memcpy(joined + had, p, take);
			detect(an, f, af, dir, joined, had + take);
			if (!af->decided) {
				memcpy(af->probe, joined, had + take);
				af->probe_len = (uint8_t)(had + take);
				return;
			}
			af->probe_len = 0;
			if (af->http_starved) {
				an->http_skipped_bytes += had + n;
				return;
			}
			app_feed(an, f, af, dir, joined, had);
		}
	}
	app_feed(an, f, af, dir, p, n);
}

static void on_gap(void *ctx, void *user, unsigned dir, uint32_t missing)
{
	struct sl_analysis *an = ctx;
	struct app_flow *af = sl_flow_user(user);
	(void)missing;
	if (af->http)
		an->http[af->http - 1].dead[dir] = 1;
	if (af->tls_phase == TLS_CLIENT || af->tls_phase == TLS_SERVER)
		tls_done(an, user, af, 0);
	if (af->dns_tcp) {
		stream_put(an, af);
		af->dns_tcp = 0;
	}
}

static void on_eos(void *ctx, void *user, unsigned dir, enum sl_tcp_eos how)
{
	struct sl_analysis *an = ctx;
	struct sl_flow *f = user;
	struct app_flow *af = sl_flow_user(f);
	struct sl_http_msg m;
	(void)how;

	if (af->http && !an->http[af->http - 1].dead[dir]) {
		struct http_slot *s = &an->http[af->http - 1];
		if (sl_http_close(&s->conn, (int)dir, &m) == SL_HTTP_END && m.is_response && !m.interim)
			http_pop(an, f, s, m.body_len);
	}
}

/* The flow ends: whatever the app parsers hold goes out, then the flow record. */
static void on_flow_end(void *ctx, struct sl_flow *f, enum sl_flow_reason why)
{
	struct sl_analysis *an = ctx;
	struct app_flow *af = sl_flow_user(f);

	if (af->http) {
		struct http_slot *s = &an->http[af->http - 1];
		while (s->count)
			http_pop(an, f, s, 0);
		http_put(an, af);
	}
	if (af->tls_phase == TLS_CLIENT || af->tls_phase == TLS_SERVER)
		tls_done(an, f, af, 0);
	stream_put(an, af);
	emit_flow(an, f, why);
}

static const struct sl_tcp_ops tcp_ops = {
	.deliver = on_deliver,
	.gap = on_gap,
	.eos = on_eos,
};

/* ---- packets ---------------------------------------------------------------------------- */

#define TEREDO_PORT 3544
static void teredo(struct sl_analysis *an, const struct sl_decoded *outer, uint64_t ts);

/* hash: the capture thread's hash of this packet's flow key (pipeline.c computes it the same
 * way), or 0 for a datagram reassembled here. */
static void flow_packet(struct sl_analysis *an, struct sl_decoded *d, uint32_t frame_len, uint64_t ts, uint32_t hash)
{
	struct sl_flow_key k;
	struct sl_flow_pkt fp = { .ts_ns = ts, .frame_len = frame_len };
	struct sl_tcp_seg seg;
	enum sl_flow_dir dir;
	uint16_t vlan[2] = { d->vlan_count > 0 ? d->vlan[0] : 0, d->vlan_count > 1 ? d->vlan[1] : 0 };

	if (!an->cfg->flow.use_vlan)
		d->vlan_count = 0; /* as the capture thread hashed it */
	fp.hash = hash ? hash : sl_flow_hash(d);
	memset(&k, 0, sizeof k);
	memcpy(k.src, d->src, 16);
	memcpy(k.dst, d->dst, 16);
	k.ip_version = d->ip_version;
	k.proto = d->proto;
	k.vlan[0] = d->vlan_count > 0 ? d->vlan[0] : 0;
	k.vlan[1] = d->vlan_count > 1 ? d->vlan[1] : 0;
	if (d->proto == 6 || d->proto == 17 || d->proto == 132) {
		k.src_port = d->sport;
		k.dst_port = d->dport;
	}
	if (d->proto == 6 && d->l4) {
		seg.data = d->payload;
		seg.len = d->payload_len;
		seg.seq = d->tcp.seq;
		seg.ack = d->tcp.ack;
		seg.flags = d->tcp.flags;
		fp.tcp = &seg;
	}
	struct sl_flow *f = sl_flow_packet(&an->flows, &k, &fp, &dir);
	struct app_flow *af = sl_flow_user(f);
	if (f->pkts[0] + f->pkts[1] == 1) {
		af->vlan[0] = vlan[0];
		af->vlan[1] = vlan[1];
		af->icmp_type = d->icmp.type;
		af->icmp_code = d->icmp.code;
	}
	if (d->proto == 17 && d->payload_len && an->cfg->app.dns.enabled &&
	    (dns_port(an, d->dport) || dns_port(an, d->sport)))
		dns_message(an, f, dir, d->payload, d->payload_len);
	if (d->proto == 17 && (d->sport == TEREDO_PORT || d->dport == TEREDO_PORT))
		teredo(an, d, ts);
}

/* Teredo (RFC 4380): IPv6 carried in UDP to or from port 3544, optionally behind an origin
 * indication. The outer UDP packet counts in its own flow; the IPv6 packet inside is a packet
 * of its own for flows and parsers, as Suricata does. Like Suricata, qualification traffic
 * (authentication headers), bubbles (no next header) and hop limit 0 are left alone.
 * (Its flow may be split over two workers when the two directions go through different
 * relays: the capture hash sees only the outer addresses.) */
static void teredo(struct sl_analysis *an, const struct sl_decoded *outer, uint64_t ts)
{
	const uint8_t *p = outer->payload;
	uint32_t n = outer->payload_len;
	struct sl_decoded in;

	if (n >= 2 && p[0] == 0) {
		if (p[1] != 0 || n < 8 + 40)
			return; /* authentication (qualification, not a tunnel), or not Teredo */
		p += 8, n -= 8; /* origin indication */
	}
	/* exactly one IPv6 packet, nothing else */
	if (n < 40 || (p[0] >> 4) != 6 || 40u + (((uint32_t)p[4] << 8) | p[5]) != n || p[7] == 0 || p[6] == 59)
		return;
	if (sl_decode(p, n, SL_LINK_RAW, &in) != SL_DECODE_OK || (in.flags & SL_DECODE_F_FRAGMENT))
		return;
	an->teredo++;
	flow_packet(an, &in, n, ts, 0);
}

void sl_analysis_packet(struct sl_analysis *an, const struct sl_pkt_rec *p)
{
	struct sl_worker *w = an->w;
	struct sl_decoded d;
	int r = sl_decode_wire(p->data, p->caplen, p->wirelen, p->linktype, &d);

	sl_count(&w->decode[r < SL_DECODE_REASON_SLOTS ? r : SL_DECODE_REASON_SLOTS - 1], 1);
	if (r != SL_DECODE_OK)
		return;
	if (d.flags & SL_DECODE_F_TRUNCATED)
		sl_count(&w->truncated, 1);
	an->pkt_ts = p->ts_ns;
	if (p->ts_ns > an->now_ns) {
		an->now_ns = p->ts_ns;
		an->wall_at_now = 0; /* refreshed lazily by tick */
	}
	if (d.flags & SL_DECODE_F_FRAGMENT) {
		const uint8_t *dg;
		uint32_t dglen;
		struct sl_decoded d2;
		if (!an->defrag_on || sl_defrag_add(&an->defrag, &d, p->ts_ns, &dg, &dglen) != SL_DEFRAG_COMPLETE)
			return;
		if (sl_decode(dg, dglen, SL_LINK_RAW, &d2) != SL_DECODE_OK)
			return;
		d2.vlan_count = d.vlan_count;
		memcpy(d2.vlan, d.vlan, sizeof d2.vlan);
		flow_packet(an, &d2, dglen, p->ts_ns, 0);
	} else {
		flow_packet(an, &d, p->wirelen, p->ts_ns, p->hash);
	}
	if (++an->since_expire >= EXPIRE_EVERY) {
		an->since_expire = 0;
		sl_flow_expire(&an->flows, an->now_ns, EXPIRE_BUDGET);
		if (an->defrag_on)
			sl_defrag_expire(&an->defrag, an->now_ns);
	}
}

void sl_analysis_tick(struct sl_analysis *an)
{
	/* Idle: packet time stands still, so let the wall clock move it on (live capture). */
	uint64_t wall = wall_ns();
	if (an->now_ns == 0)
		return;
	if (an->wall_at_now == 0)
		an->wall_at_now = wall;
	uint64_t now = an->now_ns + (wall - an->wall_at_now);
	sl_flow_expire(&an->flows, now, EXPIRE_BUDGET);
}

void sl_analysis_flush(struct sl_analysis *an)
{
	sl_flow_flush_all(&an->flows);
}

void sl_analysis_counters(const struct sl_analysis *an, struct sl_analysis_counters *c)
{
	const struct sl_flow_counters *f = &an->flows.ctr;
	const struct sl_tcp_counters *t = &an->flows.tcp.ctr;

	c->flows_created += f->created;
	c->flows_evicted += f->evicted;
	c->flows_timeout += f->expired;
	c->flows_shutdown += f->flushed;
	c->flows_reused += f->reused;
	c->flows_active += f->active;
	c->tcp_segments += t->segments;
	c->tcp_out_of_order += t->out_of_order;
	c->tcp_retransmissions += t->retransmissions;
	c->tcp_gaps += t->gaps;
	c->tcp_gap_bytes += t->gap_bytes;
	c->tcp_depth_reached += t->depth_reached;
	c->tcp_pool_exhausted += t->pool_exhausted;
	if (an->defrag_on) {
		c->defrag_fragments += an->defrag.ctr.fragments;
		c->defrag_reassembled += an->defrag.ctr.reassembled;
		c->defrag_timeouts += an->defrag.ctr.timeouts;
		c->defrag_evicted += an->defrag.ctr.evicted;
		for (int r = SL_DEFRAG_NOT_FRAGMENT; r < SL_DEFRAG_REASON_COUNT; r++)
			c->defrag_refused += an->defrag.ctr.errors[r];
	}
	c->http_errors += an->http_errors;
	c->tls_errors += an->tls_errors;
	c->dns_errors += an->dns_errors;
	c->tls_too_big += an->tls_too_big;
	c->http_skipped_bytes += an->http_skipped_bytes;
	c->tls_parsed_bytes += an->tls_parsed_bytes;
	c->no_http_slot += an->no_http_slot;
	c->no_stream_slot += an->no_stream_slot;
	c->teredo += an->teredo;
}

/* ---- lifecycle -------------------------------------------------------------------------- */

struct sl_analysis *sl_analysis_create(struct sl_worker *w, char *errbuf, size_t errlen)
{
	const struct sl_config *cfg = w->cfg;
	struct sl_analysis *an = calloc(1, sizeof *an);
	struct sl_flow_config fc;
	int e;

	if (an == NULL)
		goto nomem;
	an->w = w;
	an->cfg = cfg;
	sl_flow_config_defaults(&fc);
	fc.max_flows = (uint32_t)cfg->flow.max_flows;
	fc.user_bytes = sizeof(struct app_flow);
	fc.worker = w->index;
	fc.timeout.new_s = (uint32_t)(cfg->flow.timeouts.new_ns / 1000000000u);
	fc.timeout.established_s = (uint32_t)(cfg->flow.timeouts.established_ns / 1000000000u);
	fc.timeout.closed_s = (uint32_t)(cfg->flow.timeouts.closed_ns / 1000000000u);
	fc.timeout.udp_s = (uint32_t)(cfg->flow.timeouts.udp_ns / 1000000000u);
	fc.timeout.icmp_s = (uint32_t)(cfg->flow.timeouts.icmp_ns / 1000000000u);
	fc.timeout.default_s = (uint32_t)(cfg->flow.timeouts.default_ns / 1000000000u);
	fc.end = on_flow_end;
	fc.ctx = an;
	fc.tcp.chunk_size = 2048;
	fc.tcp.chunks = (uint32_t)(cfg->tcp.segment_pool / fc.tcp.chunk_size);
	fc.tcp.window = (uint32_t)cfg->tcp.window;
	fc.tcp.depth = cfg->tcp.reassembly_depth;
	struct sl_tcp_ops ops = tcp_ops; /* the table keeps its own copy */
	ops.ctx = an;
	fc.tcp_ops = &ops;
	if ((e = sl_flow_table_init(&an->flows, &fc)) != 0) {
		snprintf(errbuf, errlen, "worker %u: flow table (flow.max-flows %u, tcp.segment-pool %llu): %s", w->index,
		         fc.max_flows, (unsigned long long)cfg->tcp.segment_pool, strerror(-e));
		free(an);
		return NULL;
	}
	if (cfg->defrag.max_trackers > 0) {
		if ((e = sl_defrag_init(&an->defrag, (unsigned)cfg->defrag.max_trackers, cfg->defrag.memory,
		                        cfg->defrag.timeout_ns)) != 0) {
			snprintf(errbuf, errlen, "worker %u: defrag (defrag.memory %llu): %s", w->index,
			         (unsigned long long)cfg->defrag.memory, strerror(-e));
			sl_flow_table_fini(&an->flows);
			free(an);
			return NULL;
		}
		an->defrag_on = 1;
	}

	an->http_n = (uint32_t)cfg->app.http.max_sessions;
	an->stream_n = (uint32_t)cfg->app.tls.max_sessions;
	an->http = calloc(an->http_n ? an->http_n : 1, sizeof *an->http);
	an->stream = calloc(an->stream_n ? an->stream_n : 1, sizeof *an->stream);
	an->ch = calloc(1, sizeof *an->ch);
	an->sh = calloc(1, sizeof *an->sh);
	an->dns = calloc(1, sizeof *an->dns);
	if (!an->http || !an->stream || !an->ch || !an->sh || !an->dns) {
		sl_analysis_destroy(an);
		goto nomem;
	}
	an->http_free = NO_SLOT;
	an->stream_free = NO_SLOT;
	for (size_t i = 0; i < cfg->app.dns.ports.n; i++) {
		unsigned port = (unsigned)cfg->app.dns.ports.v[i] & 0xffffu;
		an->dns_ports_mask[port >> 5] |= 1u << (port & 31);
	}
	return an;
nomem:
	snprintf(errbuf, errlen, "worker %u: out of memory for the analysis state", w->index);
	return NULL;
}

void sl_analysis_destroy(struct sl_analysis *an)
{
	if (an == NULL)
		return;
	sl_flow_table_fini(&an->flows);
	if (an->defrag_on)
		sl_defrag_fini(&an->defrag);
	free(an->http);
	free(an->stream);
	free(an->ch);
	free(an->sh);
	free(an->dns);
	free(an);
}
