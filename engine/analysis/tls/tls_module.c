/* SPDX-License-Identifier: MIT */
/*
 * The tls analysis step: TLS on any port, found by its ClientHello, one tls record per
 * handshake (sni, version, ja3, ja4, alpn) once the ServerHello says which version was chosen
 * and whether the session was resumed.
 *
 * A connection borrows a stream slot (sl_an_stream) until its handshake is as far as it will
 * get. Each direction's bytes are appended to the slot's buffer and scanned as they come
 * (sl_tls_scan, O(new bytes)); a hello is parsed once, when its announced length is there.
 * A hello larger than the buffer is given up, counted in tls_too_big.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis.h"
#include "analysis/steps_conf.h"
#include "analysis/tls.h"
#include "conf/conf.h"
#include "flow/flow.h"
#include "record_meta.h"
#include "worker.h"

_Static_assert(SL_AN_STREAM_BUF >= SL_TLS_BUF_MAX + 4096, "a hello and its record headers fit a stream slot");

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

/* Kept in the borrowed stream slot. */
struct tls_stream {
	struct sl_tls_scan scan[2]; /* how far each hello has come, so it is parsed once */
	uint32_t sh_end;            /* where the parsed ServerHello's records end, 0: not yet */
	struct tls_hello hello;
};

enum tls_phase { TLS_NONE = 0, TLS_CLIENT, TLS_SERVER, TLS_DONE };

struct tls_flow {
	uint32_t stream; /* stream slot + 1, 0: none */
	uint8_t phase;   /* enum tls_phase */
	uint16_t version_server;
	uint64_t ts;     /* the ClientHello's packet time: the record's */
};

struct tls_state {
	struct sl_analysis *an;
	struct sl_tls_client_hello *ch; /* scratch parse outputs */
	struct sl_tls_server_hello *sh;
	uint64_t errors, too_big, parsed_bytes;
	bool enabled, log_resumed; /* app.tls.* live keys of the snapshot in force (tls_config) */
};

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

static void emit_tls(struct tls_state *st, const struct sl_flow *f, const struct tls_hello *h, uint16_t version,
                     int resumed, uint64_t ts)
{
	const char *vname = sl_tls_version_name(version);
	uint32_t ja3len = (uint32_t)strlen(h->ja3), ja4len = (uint32_t)strlen(h->ja4);
	uint32_t strs = sl_meta_strlen((uint32_t)strlen(vname)) + sl_meta_strlen(h->sni_len) + sl_meta_strlen(ja3len) +
	                32 + sl_meta_strlen(ja4len) + sl_meta_strlen(h->alpn_len);
	uint32_t len = (uint32_t)sizeof(struct sl_ev_tls) + strs;
	struct sl_ev_tls *e = sl_an_emit(st->an, SL_REC_TLS, len);
	struct sl_meta_builder b;

	if (e == NULL)
		return;
	memset(e, 0, sizeof *e);
	sl_an_common(st->an, &e->c, f, ts);
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
	sl_an_emitted(st->an, SL_REC_TLS, b.used);
}

static int tls13(uint16_t v)
{
	return v == 0x0304 || (v & 0xff00) == 0x7f00;
}

static struct tls_stream *priv(struct sl_an_stream *s)
{
	return (struct tls_stream *)(void *)s->priv;
}

/* The handshake is as far as it will get: emit the record from what was kept of the
 * ClientHello. Resumed sessions are logged only with app.tls.log-resumed, like Suricata's
 * default. */
static void done(struct tls_state *st, const struct sl_flow *f, struct tls_flow *tf, int resumed)
{
	if (tf->phase == TLS_SERVER && tf->stream && (!resumed || st->log_resumed)) {
		const struct tls_hello *h = &priv(sl_an_stream(st->an, tf->stream))->hello;
		emit_tls(st, f, h, tf->version_server ? tf->version_server : h->version, resumed, tf->ts);
	}
	tf->phase = TLS_DONE;
	sl_an_stream_put(st->an, &tf->stream);
}

/* A hello the stream buffer cannot hold, or one that is not a hello: given up, counted. */
static void give_up(struct tls_state *st, const struct sl_flow *f, struct tls_flow *tf, int r)
{
	if (r == SL_TLS_NEED_MORE || r == SL_TLS_TOO_BIG)
		st->too_big++;
	if (tf->phase == TLS_CLIENT) {
		st->errors++;
		tf->phase = TLS_DONE;
		sl_an_stream_put(st->an, &tf->stream);
		return;
	}
	done(st, f, tf, 0);
}

static void feed(struct tls_state *st, struct sl_flow *f, struct tls_flow *tf, unsigned dir, const uint8_t *p,
                 uint32_t n)
{
	struct sl_an_stream *s;
	struct tls_stream *ts;
	size_t need;
	int r;

	if (tf->phase == TLS_DONE || tf->stream == 0)
		return;
	s = sl_an_stream(st->an, tf->stream);
	ts = priv(s);
	if (tf->phase == TLS_CLIENT && dir == SL_FLOW_TO_SERVER) {
		sl_an_stream_append(s, 0, p, n);
		r = sl_tls_scan(&ts->scan[0], SL_TLS_HS_CLIENT_HELLO, s->buf[0], s->len[0]);
		if (r == SL_TLS_NEED_MORE && s->len[0] < SL_AN_STREAM_BUF)
			return;
		if (r == SL_TLS_OK) {
			st->parsed_bytes += s->len[0];
			r = sl_tls_parse_client_hello(s->buf[0], s->len[0], st->ch, &need);
		}
		if (r != SL_TLS_OK) {
			give_up(st, f, tf, r);
			return;
		}
		keep_hello(&ts->hello, st->ch);
		tf->ts = sl_an_packet_ts(st->an);
		tf->phase = TLS_SERVER;
		/* server bytes that came first were kept in buf[1]; try them now */
		if (s->len[1])
			feed(st, f, tf, SL_FLOW_TO_CLIENT, NULL, 0);
		return;
	}
	if (dir == SL_FLOW_TO_CLIENT) {
		if (n)
			sl_an_stream_append(s, 1, p, n);
		if (tf->phase != TLS_SERVER)
			return;
		if (ts->sh_end == 0) {
			r = sl_tls_scan(&ts->scan[1], SL_TLS_HS_SERVER_HELLO, s->buf[1], s->len[1]);
			if (r == SL_TLS_NEED_MORE && s->len[1] < SL_AN_STREAM_BUF)
				return;
			if (r == SL_TLS_OK) {
				st->parsed_bytes += s->len[1];
				r = sl_tls_parse_server_hello(s->buf[1], s->len[1], st->sh, &need);
			}
			if (r != SL_TLS_OK) {
				give_up(st, f, tf, r);
				return;
			}
			tf->version_server = st->sh->version;
			if (tls13(st->sh->version)) {
				done(st, f, tf, 0);
				return;
			}
			ts->sh_end = (uint32_t)st->sh->hello_end;
		}
		/* Before TLS 1.3 a resumed session goes from the ServerHello straight to
		 * ChangeCipherSpec; a full handshake sends its Certificate first. */
		size_t end = ts->sh_end;
		if (s->len[1] <= end && s->len[1] < SL_AN_STREAM_BUF)
			return; /* the next record has not come yet */
		done(st, f, tf, s->len[1] > end && s->buf[1][end] == 20);
	}
}

/* ---- hooks ------------------------------------------------------------------------------ */

static int tls_init(struct sl_analysis *an, const struct sl_config *cfg, void **state, char *errbuf, size_t errlen)
{
	struct tls_state *st = calloc(1, sizeof *st);

	(void)cfg;
	(void)errbuf;
	(void)errlen;
	if (st == NULL)
		return -ENOMEM;
	st->an = an;
	st->ch = calloc(1, sizeof *st->ch);
	st->sh = calloc(1, sizeof *st->sh);
	if (st->ch == NULL || st->sh == NULL) {
		free(st->ch);
		free(st->sh);
		free(st);
		return -ENOMEM;
	}
	*state = st;
	return 0;
}

static void tls_fini(void *state)
{
	struct tls_state *st = state;

	if (st == NULL)
		return;
	free(st->ch);
	free(st->sh);
	free(st);
}

/* A new snapshot: its live keys, cached for detect and for writing the record. */
static void tls_config(void *state, const struct sl_config *cfg)
{
	struct tls_state *st = state;
	st->enabled = SL_TLS_CONF(cfg)->enabled;
	st->log_resumed = SL_TLS_CONF(cfg)->log_resumed;
}

static int tls_detect(void *state, struct sl_flow *f, void *area, const uint8_t *p, uint32_t n)
{
	struct tls_state *st = state;
	struct tls_flow *tf = area;
	int r = sl_tls_probe(p, n);

	if (r == -EAGAIN)
		return SL_AN_MAYBE;
	if (r != 1 || !st->enabled)
		return SL_AN_PASS;
	if ((tf->stream = sl_an_stream_get(st->an)) != 0) {
		struct tls_stream *ts = priv(sl_an_stream(st->an, tf->stream));
		sl_tls_scan_init(&ts->scan[0]);
		sl_tls_scan_init(&ts->scan[1]);
		ts->sh_end = 0;
		f->app_proto = SL_APP_TLS;
		tf->phase = TLS_CLIENT;
	}
	return SL_AN_CLAIM; /* without a slot it is TLS all the same, just not parsed (counted) */
}

static void tls_payload(void *state, struct sl_flow *f, void *area, unsigned dir, const uint8_t *p, uint32_t n)
{
	struct tls_flow *tf = area;

	if (tf->phase == TLS_CLIENT || tf->phase == TLS_SERVER)
		feed(state, f, tf, dir, p, n);
}

static void tls_gap(void *state, struct sl_flow *f, void *area, unsigned dir)
{
	struct tls_flow *tf = area;

	(void)dir;
	if (tf->phase == TLS_CLIENT || tf->phase == TLS_SERVER)
		done(state, f, tf, 0);
}

static void tls_flow_end(void *state, struct sl_flow *f, void *area)
{
	struct tls_state *st = state;
	struct tls_flow *tf = area;

	if (tf->phase == TLS_CLIENT || tf->phase == TLS_SERVER)
		done(st, f, tf, 0);
	sl_an_stream_put(st->an, &tf->stream);
}

static void tls_counters(const void *state, struct sl_analysis_counters *c)
{
	const struct tls_state *st = state;

	c->tls_errors += st->errors;
	c->tls_too_big += st->too_big;
	c->tls_parsed_bytes += st->parsed_bytes;
}

static const struct sl_analysis_ops tls_ops = {
	.flow_bytes = sizeof(struct tls_flow),
	.stream_bytes = sizeof(struct tls_stream),
	.init = tls_init,
	.config = tls_config,
	.detect = tls_detect,
	.on_payload = tls_payload,
	.on_gap = tls_gap,
	.on_flow_end = tls_flow_end,
	.counters = tls_counters,
	.fini = tls_fini,
};

const struct sl_module sl__analysis_tls = {
	.name = "tls",
	.kind = SL_MODULE_ANALYSIS,
	.conf = &sl__tls_conf,
	.analysis = &tls_ops,
};

#define SL_CONF_STRUCT struct sl_tls_conf
#include "conf/conf_rows.h"
static const struct sl_conf_key tls_keys[] = {
	BOOL("app.tls.enabled", enabled, "true", "extract TLS ClientHello metadata (SNI, JA3, JA4)", LIVE),
	INT("app.tls.max-sessions", max_sessions, "4096", 0, 1048576,
	    "TLS and DNS-over-TCP connections parsed at once (until the handshake), per worker (40KiB each)"),
	BOOL("app.tls.log-resumed", log_resumed, "false",
	     "also write a tls record for resumed sessions (Suricata's default is not to)", LIVE),
};
const struct sl_conf_block sl__tls_conf = { "app.tls", sizeof(struct sl_tls_conf), tls_keys,
	                                    sizeof(tls_keys) / sizeof(tls_keys[0]) };
