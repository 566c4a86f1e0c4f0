/* SPDX-License-Identifier: MIT */
/*
 * TLS hello reassembly in the worker, fed the way an attacker would cut it: a ClientHello of
 * a few KiB sent one byte per TCP segment, the same hello re-split into one-byte TLS records,
 * and hellos larger than the stream buffer. The work is measured by the bytes handed to the
 * hello parsers (tls_parsed_bytes), never by the clock: a parse per segment (the old glue)
 * reads the growing buffer every time, which is quadratic in segments; a scan that waits for
 * the announced length parses each hello once. The server's side: a certificate in one
 * segment or one byte per segment gives a record with its subject; a resumed session
 * (ChangeCipherSpec, or a session ticket, where the certificate would be) and a session that
 * ends before any certificate give none, as Suricata logs them.
 */
#include "test_analysis_harness.h"

#include "analysis/tls.h"
#include "test_cert.h"

static size_t put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v;
	return 2;
}

/* A ClientHello handshake message (header included) with SNI and a padding extension that
 * makes it pad_len bytes longer. */
static size_t client_hello(uint8_t *m, const char *sni, size_t pad_len)
{
	size_t n = 4, sl = strlen(sni);

	n += put16(m + n, 0x0303);
	memset(m + n, 0x11, 32), n += 32; /* random */
	m[n++] = 0;                       /* session id */
	n += put16(m + n, 4);
	n += put16(m + n, 0xc02f);
	n += put16(m + n, 0x1301);
	m[n++] = 1, m[n++] = 0; /* compression: null */
	size_t ext_len_at = n;
	n += 2;
	n += put16(m + n, 0); /* server_name */
	n += put16(m + n, (unsigned)(sl + 5));
	n += put16(m + n, (unsigned)(sl + 3));
	m[n++] = 0;
	n += put16(m + n, (unsigned)sl);
	memcpy(m + n, sni, sl), n += sl;
	n += put16(m + n, 21); /* padding */
	n += put16(m + n, (unsigned)pad_len);
	memset(m + n, 0, pad_len), n += pad_len;
	put16(m + ext_len_at, (unsigned)(n - ext_len_at - 2));
	m[0] = 1;
	m[1] = (uint8_t)((n - 4) >> 16), m[2] = (uint8_t)((n - 4) >> 8), m[3] = (uint8_t)(n - 4);
	return n;
}

/* A TLS 1.2 ServerHello message. */
static size_t server_hello(uint8_t *m)
{
	size_t n = 4;

	n += put16(m + n, 0x0303);
	memset(m + n, 0x22, 32), n += 32;
	m[n++] = 0;
	n += put16(m + n, 0xc02f);
	m[n++] = 0;
	n += put16(m + n, 0); /* no extensions */
	m[0] = 2;
	m[1] = 0, m[2] = (uint8_t)((n - 4) >> 8), m[3] = (uint8_t)(n - 4);
	return n;
}

/* Wrap a handshake message into TLS records of at most rec bytes each. */
static size_t records(uint8_t *out, const uint8_t *msg, size_t n, size_t rec)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i += rec) {
		size_t k = n - i < rec ? n - i : rec;
		out[o++] = 22, out[o++] = 3, out[o++] = 1;
		o += put16(out + o, (unsigned)k);
		memcpy(out + o, msg + i, k), o += k;
	}
	return o;
}

static uint8_t msg[70000], stream[140000];
static char sni_seen[64], subject_seen[256], san_seen[256];

/* What the server sends after its hello. */
enum server_next { S_CERT, S_CERT_BYTES, S_CCS, S_TICKET, S_NOTHING };
static enum server_next server_next;

static void on_rec(struct harness *h, const struct sl_rec *r)
{
	(void)h;
	if (r->type == SL_REC_TLS) {
		const struct sl_ev_tls *e = r->data;
		snprintf(sni_seen, sizeof sni_seen, "%.*s", e->sni.len, (const char *)r->data + e->sni.off);
		snprintf(subject_seen, sizeof subject_seen, "%.*s", e->subject.len,
		         (const char *)r->data + e->subject.off);
		snprintf(san_seen, sizeof san_seen, "%.*s", e->subjectaltname.len,
		         (const char *)r->data + e->subjectaltname.off);
	}
}

/* The server's Certificate message with the test certificate, then ServerHelloDone. */
static size_t certificate(uint8_t *m)
{
	size_t n = 0, c = sizeof test_cert_der;

	m[n++] = 11;
	m[n++] = (uint8_t)((c + 6) >> 16), m[n++] = (uint8_t)((c + 6) >> 8), m[n++] = (uint8_t)(c + 6);
	m[n++] = (uint8_t)((c + 3) >> 16), m[n++] = (uint8_t)((c + 3) >> 8), m[n++] = (uint8_t)(c + 3);
	m[n++] = (uint8_t)(c >> 16), m[n++] = (uint8_t)(c >> 8), m[n++] = (uint8_t)c;
	memcpy(m + n, test_cert_der, c), n += c;
	memcpy(m + n, "\x0e\0\0\0", 4), n += 4;
	return n;
}

/* One TLS connection: a ClientHello cut into records of rec bytes and segments of seg bytes,
 * the server's hello and certificate in one segment. */
static struct sl_analysis_counters one(size_t pad, size_t rec, uint32_t first, uint32_t seg, uint64_t *tls_recs)
{
	struct harness h;
	struct hconn c = { .cport = 40000, .sport = 443 };
	size_t m, s;

	h_init(&h, NULL);
	h.on_rec = on_rec;
	sni_seen[0] = 0;
	h_handshake(&h, &c);
	m = client_hello(msg, "example.com", pad);
	s = records(stream, msg, m, rec);
	first = first < s ? first : (uint32_t)s;
	h_send(&h, &c, 0, stream, first, first);
	h_send(&h, &c, 0, stream + first, (uint32_t)(s - first), seg);
	subject_seen[0] = san_seen[0] = 0;
	m = server_hello(msg);
	s = records(stream, msg, m, 16384);
	switch (server_next) {
	case S_CERT:
	case S_CERT_BYTES: /* the certificate in records of 100 bytes */
		m = certificate(msg);
		s += records(stream + s, msg, m, 100);
		break;
	case S_CCS:
		memcpy(stream + s, "\x14\x03\x03\x00\x01\x01", 6), s += 6;
		break;
	case S_TICKET:
		memcpy(stream + s, "\x16\x03\x03\x00\x06\x04\x00\x00\x02\xab\xcd", 11), s += 11;
		memcpy(stream + s, "\x14\x03\x03\x00\x01\x01", 6), s += 6;
		break;
	case S_NOTHING:
		break;
	}
	h_send(&h, &c, 1, stream, (uint32_t)s, server_next == S_CERT_BYTES ? 1 : 1460);
	h_close(&h, &c);
	sl_analysis_flush(h.w->an);
	h_drain(&h);
	*tls_recs = h.recs[SL_REC_TLS];
	struct sl_analysis_counters k = h_counters(&h);
	h_fini(&h);
	return k;
}

int main(void)
{
	uint64_t n;
	struct sl_analysis_counters k;

	/* the reference: one segment, one record */
	k = one(3000, 16384, 65000, 65000, &n);
	CHECK_EQ(n, 1);
	CHECK(strcmp(sni_seen, "example.com") == 0);
	CHECK_EQ(k.tls_errors, 0);
	uint64_t once = k.tls_parsed_bytes;
	CHECK(once > 3000 + 700 && once < 3200 + 800); /* both hellos; the certificate is in the server's bytes */

	/* ~3.1 KB, one byte per segment: parsed once, not once per segment (that would be
	 * about 3100^2 / 2 = 4.8 million bytes) */
	k = one(3000, 16384, 16, 1, &n);
	CHECK_EQ(n, 1);
	CHECK(strcmp(sni_seen, "example.com") == 0);
	CHECK_EQ(k.tls_parsed_bytes, once);
	printf("1-byte segments: %llu bytes parsed for a %llu-byte exchange\n", (unsigned long long)k.tls_parsed_bytes,
	       (unsigned long long)once);
	/* also when the very first segments are too short to detect TLS in */
	k = one(3000, 16384, 1, 1, &n);
	CHECK_EQ(n, 1);
	CHECK(strcmp(sni_seen, "example.com") == 0);
	CHECK_EQ(k.tls_parsed_bytes, once);

	/* the same hello in one-byte TLS records (six stream bytes per handshake byte), one
	 * byte per segment */
	k = one(2000, 1, 1, 1, &n);
	CHECK_EQ(n, 1);
	CHECK(strcmp(sni_seen, "example.com") == 0);
	CHECK_EQ(k.tls_errors, 0);
	CHECK(k.tls_parsed_bytes < 6 * 2100 + 200 + 800);
	printf("1-byte records: %llu bytes parsed\n", (unsigned long long)k.tls_parsed_bytes);

	/* the server's side, with the reference client hello */
	k = one(3000, 16384, 65000, 65000, &n);
	CHECK_EQ(n, 1);
	CHECK(strcmp(subject_seen, TEST_CERT_SUBJECT) == 0);
	CHECK(strcmp(san_seen, TEST_CERT_SAN0) == 0); /* the first name, then its NUL */
	server_next = S_CERT_BYTES; /* the certificate one byte per segment */
	k = one(3000, 16384, 65000, 65000, &n);
	CHECK_EQ(n, 1);
	CHECK(strcmp(subject_seen, TEST_CERT_SUBJECT) == 0);
	CHECK_EQ(k.tls_errors, 0);
	server_next = S_CCS; /* resumed: not logged (app.tls.log-resumed is off) */
	k = one(3000, 16384, 65000, 65000, &n);
	CHECK_EQ(n, 0);
	CHECK_EQ(k.tls_errors, 0);
	server_next = S_TICKET;
	k = one(3000, 16384, 65000, 65000, &n);
	CHECK_EQ(n, 0);
	CHECK_EQ(k.tls_errors, 0);
	server_next = S_NOTHING; /* the connection closes after the server's hello */
	k = one(3000, 16384, 65000, 65000, &n);
	CHECK_EQ(n, 0);
	server_next = S_CERT;

	/* a hello that announces more than the parser takes: refused at its header, counted */
	k = one(SL_TLS_BUF_MAX, 16384, 100, 100, &n);
	CHECK_EQ(n, 0);
	CHECK_EQ(k.tls_too_big, 1);
	CHECK_EQ(k.tls_errors, 1);
	CHECK_EQ(k.tls_parsed_bytes, 0);

	/* within the parser's bound, but in one-byte records it outgrows the stream buffer:
	 * given up once the buffer is full, counted, never parsed */
	k = one(8000, 1, 7, 7, &n);
	CHECK_EQ(n, 0);
	CHECK_EQ(k.tls_too_big, 1);
	CHECK_EQ(k.tls_errors, 1);
	CHECK_EQ(k.tls_parsed_bytes, 0);

	return check_result();
}
