/* SPDX-License-Identifier: MIT */
/*
 * The tls analysis step: TLS on any port, found by its ClientHello, one tls record per
 * handshake (sni, version, ja3, ja4, alpn; ja3s, ja4s; the server certificate's subject,
 * issuerdn, serial, fingerprint, validity and subjectaltname), logged when Suricata logs it:
 *
 *   ClientHello ──▶ ServerHello ──┬─ TLS 1.3 (or a 1.3 draft) ─────────────▶ record (no certificate:
 *                                 │                                          it is encrypted)
 *                                 └─ earlier ──▶ Certificate ──▶ X.509 OK ─▶ record with it
 *                                                └─ none (ChangeCipherSpec or NewSessionTicket
 *                                                   first: resumed) ───────▶ record only with
 *                                                                            app.tls.log-resumed
 *   A handshake that ends anywhere else (no ServerHello, no usable certificate) is not logged,
 *   as Suricata does not log a TLS 1.2 session without a certificate.
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
#include "analysis/x509.h"
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

/* What a record needs of the ServerHello and the certificate, kept until the handshake is as
 * far as it will get. The certificate's texts are packed: field i is text[off[i], +len[i]),
 * the subject alternative names one after the other, NUL-separated. */
enum { CF_SUBJECT, CF_ISSUER, CF_SERIAL, CF_FINGERPRINT, CF_NOTBEFORE, CF_NOTAFTER, CF_SAN, CF_N };
struct tls_server {
	char ja3s[512];
	char ja3s_hash[33];
	char ja4s[40];
	uint8_t has_cert;
	uint16_t off[CF_N], len[CF_N];
	char text[3072];
};

/* Kept in the borrowed stream slot. */
struct tls_stream {
	struct sl_tls_scan scan[2]; /* how far each hello has come, so it is parsed once */
	uint32_t sh_end;            /* where the parsed ServerHello's records end, 0: not yet */
	uint32_t cert_need;         /* server stream bytes the certificate search waits for */
	struct tls_hello hello;
	struct tls_server server;
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
	struct sl_tls_cert *cert;
	struct sl_x509 *x509;
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

static void keep_server(struct tls_server *k, const struct sl_tls_server_hello *sh)
{
	snprintf(k->ja3s, sizeof k->ja3s, "%s", sh->ja3s);
	memcpy(k->ja3s_hash, sh->ja3s_hash, sizeof k->ja3s_hash);
	memcpy(k->ja4s, sh->ja4s, sizeof k->ja4s);
	k->has_cert = 0;
}

static void keep_field(struct tls_server *k, int f, const char *s, size_t n, size_t *used)
{
	if (n > sizeof k->text - *used)
		n = sizeof k->text - *used;
	k->off[f] = (uint16_t)*used;
	k->len[f] = (uint16_t)n;
	memcpy(k->text + *used, s, n);
	*used += n;
}

static void keep_cert(struct tls_server *k, const struct sl_x509 *x)
{
	size_t used = 0;

	keep_field(k, CF_SUBJECT, x->subject, strlen(x->subject), &used);
	keep_field(k, CF_ISSUER, x->issuer, strlen(x->issuer), &used);
	keep_field(k, CF_SERIAL, x->serial, strlen(x->serial), &used);
	keep_field(k, CF_FINGERPRINT, x->fingerprint, strlen(x->fingerprint), &used);
	keep_field(k, CF_NOTBEFORE, x->notbefore, strlen(x->notbefore), &used);
	keep_field(k, CF_NOTAFTER, x->notafter, strlen(x->notafter), &used);
	k->off[CF_SAN] = (uint16_t)used;
	k->len[CF_SAN] = 0;
	for (unsigned i = 0; i < x->n_san; i++) {
		size_t n = strlen(x->san[i]) + 1; /* with its NUL separator */

		if (n > sizeof k->text - used)
			break; /* whole names only */
		memcpy(k->text + used, x->san[i], n);
		used += n;
		k->len[CF_SAN] = (uint16_t)(k->len[CF_SAN] + n);
	}
	k->has_cert = 1;
}

/* srv: what the server's side gave (NULL: nothing kept). */
static void emit_tls(struct tls_state *st, const struct sl_flow *f, const struct tls_hello *h,
                     const struct tls_server *srv, uint16_t version, int resumed, uint64_t ts)
{
	char vname[20];
	uint32_t vlen, ja3len = (uint32_t)strlen(h->ja3), ja4len = (uint32_t)strlen(h->ja4);
	uint32_t ja3slen = srv ? (uint32_t)strlen(srv->ja3s) : 0, ja4slen = srv ? (uint32_t)strlen(srv->ja4s) : 0;
	uint32_t certlen = 0;

	sl_tls_version_text(version, vname);
	vlen = (uint32_t)strlen(vname);
	if (srv && srv->has_cert)
		for (int i = 0; i < CF_N; i++)
			certlen += sl_meta_strlen(srv->len[i]);
	uint32_t strs = sl_meta_strlen(vlen) + sl_meta_strlen(h->sni_len) + sl_meta_strlen(ja3len) + 32 +
	                sl_meta_strlen(ja4len) + sl_meta_strlen(h->alpn_len) + sl_meta_strlen(ja3slen) + 32 +
	                sl_meta_strlen(ja4slen) + certlen;
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
	sl_meta_put(&b, &e->version_name, vname, vlen);
	sl_meta_put(&b, &e->sni, h->sni, h->sni_len);
	sl_meta_put(&b, &e->ja3, h->ja3, ja3len);
	sl_meta_put(&b, &e->ja3_hash, h->ja3_hash, ja3len ? 32 : 0);
	sl_meta_put(&b, &e->ja4, h->ja4, ja4len);
	sl_meta_put(&b, &e->alpn, h->alpn, h->alpn_len);
	if (srv) {
		sl_meta_put(&b, &e->ja3s, srv->ja3s, ja3slen);
		sl_meta_put(&b, &e->ja3s_hash, srv->ja3s_hash, ja3slen ? 32 : 0);
		sl_meta_put(&b, &e->ja4s, srv->ja4s, ja4slen);
	}
	if (srv && srv->has_cert) {
		struct sl_mstr *m[CF_N] = {&e->subject, &e->issuerdn, &e->serial, &e->fingerprint,
		                           &e->notbefore, &e->notafter, &e->subjectaltname};
		for (int i = 0; i < CF_N; i++)
			sl_meta_put(&b, m[i], srv->text + srv->off[i], srv->len[i]);
	}
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

/* The handshake is as far as it will get: emit the record if Suricata would (see the top of
 * the file): log says so (TLS 1.3, a certificate, or a resumed session with
 * app.tls.log-resumed). */
static void done(struct tls_state *st, const struct sl_flow *f, struct tls_flow *tf, int log, int resumed)
{
	if (log && tf->phase == TLS_SERVER && tf->stream && (!resumed || st->log_resumed)) {
		const struct tls_stream *ts = priv(sl_an_stream(st->an, tf->stream));
		emit_tls(st, f, &ts->hello, ts->sh_end ? &ts->server : NULL,
		         tf->version_server ? tf->version_server : ts->hello.version, resumed, tf->ts);
	}
	tf->phase = TLS_DONE;
	sl_an_stream_put(st->an, &tf->stream);
}

/* A hello the stream buffer cannot hold, or one that is not a hello: given up, counted. */
static void give_up(struct tls_state *st, const struct sl_flow *f, struct tls_flow *tf, int r)
{
	if (r == SL_TLS_NEED_MORE || r == SL_TLS_TOO_BIG)
		st->too_big++;
	st->errors++;
	done(st, f, tf, 0, 0);
}

/* After a TLS 1.2 (or earlier) ServerHello: wait for the first certificate, whole. */
static void server_cert(struct tls_state *st, const struct sl_flow *f, struct tls_flow *tf, struct sl_an_stream *s,
                        struct tls_stream *ts)
{
	size_t need;
	int r;

	if (s->len[1] < ts->cert_need && s->len[1] < SL_AN_STREAM_BUF)
		return;
	r = sl_tls_find_certificate(s->buf[1], s->len[1], st->cert, &need);
	if (r == SL_TLS_NEED_MORE) {
		if (s->len[1] < SL_AN_STREAM_BUF) {
			ts->cert_need = (uint32_t)need;
			return;
		}
		give_up(st, f, tf, r); /* a first certificate larger than the buffer */
		return;
	}
	if (r == SL_TLS_NOT_HELLO) {
		/* no certificate: resumed when the server goes straight to ChangeCipherSpec or
		 * hands out a session ticket first */
		int resumed = st->cert->next == 20 || st->cert->next == 0x104;
		done(st, f, tf, resumed, resumed);
		return;
	}
	if (r == SL_TLS_OK) {
		r = sl_x509_parse(st->cert->der, st->cert->der_len, st->x509);
		if (r == SL_X509_OK) {
			keep_cert(&ts->server, st->x509);
			done(st, f, tf, 1, 0);
			return;
		}
	}
	give_up(st, f, tf, r == SL_TLS_TOO_BIG ? r : SL_TLS_MALFORMED);
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
			keep_server(&ts->server, st->sh);
			ts->sh_end = (uint32_t)st->sh->hello_end;
			ts->cert_need = ts->sh_end + 1;
			if (tls13(st->sh->version)) {
				done(st, f, tf, 1, 0);
				return;
			}
		}
		server_cert(st, f, tf, s, ts);
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
	st->cert = calloc(1, sizeof *st->cert);
	st->x509 = calloc(1, sizeof *st->x509);
	if (st->ch == NULL || st->sh == NULL || st->cert == NULL || st->x509 == NULL) {
		free(st->ch);
		free(st->sh);
		free(st->cert);
		free(st->x509);
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
	free(st->cert);
	free(st->x509);
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
		ts->cert_need = 0;
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
		done(state, f, tf, 0, 0);
}

static void tls_flow_end(void *state, struct sl_flow *f, void *area)
{
	struct tls_state *st = state;
	struct tls_flow *tf = area;

	if (tf->phase == TLS_CLIENT || tf->phase == TLS_SERVER)
		done(st, f, tf, 0, 0);
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
	BOOL("app.tls.enabled", enabled, "true",
	     "extract TLS handshake metadata (SNI, versions, JA3/JA4, JA3S/JA4S, the server certificate)", LIVE),
	INT("app.tls.max-sessions", max_sessions, "4096", 0, 1048576,
	    "TLS and DNS-over-TCP connections parsed at once (until the handshake), per worker (40KiB each)"),
	BOOL("app.tls.log-resumed", log_resumed, "false",
	     "also write a tls record for resumed sessions (Suricata's default is not to)", LIVE),
};
const struct sl_conf_block sl__tls_conf = { "app.tls", sizeof(struct sl_tls_conf), tls_keys,
	                                    sizeof(tls_keys) / sizeof(tls_keys[0]) };
