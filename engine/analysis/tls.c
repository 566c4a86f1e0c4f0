/* SPDX-License-Identifier: MIT */
/*
 * TLS hello parsing and fingerprints (contract in tls.h). Two steps: gather the first
 * handshake message out of however many records carry it (into the struct's scratch
 * buffer), then walk that message with a bounds-checked cursor. A cursor that runs out
 * marks itself bad instead of reading on; one check at the end turns that into
 * SL_TLS_MALFORMED, which keeps the walk readable.
 */
#include "tls.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"

#define REC_HANDSHAKE 22
#define HS_CLIENT_HELLO 1
#define HS_SERVER_HELLO 2
/* RFC 8446 5.2: a record is at most 2^14 + 2048 bytes of (possibly protected) payload */
#define REC_MAX (16384 + 2048)

static const char *const tls_names[] = {
#define SL_TLS_NAME(name, text) text,
	SL_TLS_REASONS(SL_TLS_NAME)
#undef SL_TLS_NAME
};

const char *sl_tls_reason_name(int result)
{
	if (result < 0 || result >= SL_TLS_REASON_COUNT)
		return "unknown";
	return tls_names[result];
}

int sl_tls_is_grease(uint16_t v)
{
	return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

/* ---- gathering the handshake message ---- */

/* Copy the payload of consecutive handshake records into hs until the first handshake
 * message (of type want) is whole. */
static int gather(const uint8_t *buf, size_t len, uint8_t want, uint8_t *hs, size_t *hs_len,
                  uint16_t *rec_version, size_t *end, size_t *need)
{
	size_t off = 0, have = 0, total = 0;

	for (;;) {
		size_t rlen, avail, take;

		if (len - off < 5) {
			if (off == 0 && len > 0 && (buf[0] != REC_HANDSHAKE || (len > 1 && buf[1] != 3)))
				return SL_TLS_NOT_TLS;
			*need = off + 5;
			return SL_TLS_NEED_MORE;
		}
		if (buf[off] != REC_HANDSHAKE || buf[off + 1] != 3)
			return off == 0 ? SL_TLS_NOT_TLS : SL_TLS_BAD_RECORD;
		if (off == 0)
			*rec_version = rd16(buf + 1);
		rlen = rd16(buf + off + 3);
		if (rlen == 0 || rlen > REC_MAX)
			return SL_TLS_BAD_RECORD;
		avail = len - off - 5;
		take = avail < rlen ? avail : rlen;
		if (have + take > SL_TLS_BUF_MAX)
			take = SL_TLS_BUF_MAX - have;
		memcpy(hs + have, buf + off + 5, take);
		have += take;
		if (have >= 4) {
			if (hs[0] != want)
				return SL_TLS_NOT_HELLO;
			total = 4 + (((size_t)hs[1] << 16) | ((size_t)hs[2] << 8) | hs[3]);
			if (total > SL_TLS_BUF_MAX)
				return SL_TLS_TOO_BIG;
			if (have >= total) {
				*hs_len = total;
				/* the records used end where the message ends within this one */
				*end = off + 5 + (take - (have - total));
				return SL_TLS_OK;
			}
		}
		if (take < rlen) {
			if (avail < rlen) {
				/* ask only for what the message still lacks, not for the rest of the
				 * record: a ServerHello's record often goes on with the certificate
				 * chain, which may be far longer than anyone should buffer */
				size_t lack = have >= 4 ? total - have : 4 - have;

				*need = len + (lack < rlen - take ? lack : rlen - take);
				return SL_TLS_NEED_MORE;
			}
			return SL_TLS_TOO_BIG;
		}
		off += 5 + rlen;
	}
}

void sl_tls_scan_init(struct sl_tls_scan *sc)
{
	memset(sc, 0, sizeof *sc);
}

/* The same walk as gather(), but resumable: only bytes past what the last call counted are
 * looked at, and nothing is copied. */
int sl_tls_scan(struct sl_tls_scan *sc, uint8_t handshake_type, const uint8_t *buf, size_t len)
{
	for (;;) {
		size_t off = sc->rec_off, avail;

		if (sc->rec_len == 0) {
			if (len < off + 5) {
				if (off == 0 && len > 0 && (buf[0] != REC_HANDSHAKE || (len > 1 && buf[1] != 3)))
					return SL_TLS_NOT_TLS;
				return SL_TLS_NEED_MORE;
			}
			if (buf[off] != REC_HANDSHAKE || buf[off + 1] != 3)
				return off == 0 ? SL_TLS_NOT_TLS : SL_TLS_BAD_RECORD;
			sc->rec_len = rd16(buf + off + 3);
			sc->rec_seen = 0;
			if (sc->rec_len == 0 || sc->rec_len > REC_MAX)
				return SL_TLS_BAD_RECORD;
		}
		avail = len - off - 5;
		if (avail > sc->rec_len)
			avail = sc->rec_len;
		avail -= sc->rec_seen;
		while (avail > 0 && sc->have < 4) {
			sc->hs[sc->have++] = buf[off + 5 + sc->rec_seen++];
			avail--;
			if (sc->have == 4) {
				if (sc->hs[0] != handshake_type)
					return SL_TLS_NOT_HELLO;
				sc->total = 4 + (((uint32_t)sc->hs[1] << 16) | ((uint32_t)sc->hs[2] << 8) | sc->hs[3]);
				if (sc->total > SL_TLS_BUF_MAX)
					return SL_TLS_TOO_BIG;
			}
		}
		sc->have += (uint32_t)avail;
		sc->rec_seen += (uint32_t)avail;
		if (sc->total && sc->have >= sc->total)
			return SL_TLS_OK;
		if (sc->rec_seen < sc->rec_len)
			return SL_TLS_NEED_MORE;
		sc->rec_off = (uint32_t)(off + 5 + sc->rec_len);
		sc->rec_len = 0;
	}
}

/* ---- a bounds-checked cursor ---- */

struct cur {
	const uint8_t *p;
	size_t n;
	int bad;
};

static struct cur sub(struct cur *c, size_t n)
{
	struct cur s = {c->p, 0, 1};

	if (c->bad || c->n < n) {
		c->bad = 1;
		return s;
	}
	s.n = n;
	s.bad = 0;
	c->p += n;
	c->n -= n;
	return s;
}

static unsigned u8(struct cur *c)
{
	struct cur s = sub(c, 1);

	return s.bad ? 0 : s.p[0];
}

static unsigned u16(struct cur *c)
{
	struct cur s = sub(c, 2);

	return s.bad ? 0 : rd16(s.p);
}

/* A vector with a len-byte length prefix. */
static struct cur vec(struct cur *c, int lenbytes)
{
	size_t n = lenbytes == 1 ? u8(c) : u16(c);

	return sub(c, n);
}

static void push16(uint16_t *arr, uint16_t *n, size_t max, uint16_t v, uint32_t *flags)
{
	if (*n < max)
		arr[(*n)++] = v;
	else
		*flags |= SL_TLS_F_LIST_CUT;
}

static void list16(struct cur v, uint16_t *arr, uint16_t *n, size_t max, uint32_t *flags,
                   int *bad)
{
	if (v.bad || (v.n & 1)) {
		*bad = 1;
		return;
	}
	while (v.n >= 2)
		push16(arr, n, max, (uint16_t)u16(&v), flags);
}

/* ---- fingerprints ---- */

struct sbuf {
	char *b;
	size_t cap, len;
};

/* Append an optional separator and a decimal number, NUL-terminated, cut at the capacity.
 * Hand-rolled: fingerprints are built for every TLS session, and printf's format machinery
 * was a visible share of a worker's time. */
static void sb_num(struct sbuf *s, char sep, unsigned v)
{
	char d[12], *e = d + sizeof d, *p = e;

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	if (sep)
		*--p = sep;
	size_t n = (size_t)(e - p);
	if (s->len + n >= s->cap)
		n = s->cap > s->len + 1 ? s->cap - s->len - 1 : 0;
	memcpy(s->b + s->len, p, n);
	s->len += n;
	if (s->cap)
		s->b[s->len] = '\0';
}

static void sb_char(struct sbuf *s, char c)
{
	if (s->len + 1 < s->cap) {
		s->b[s->len++] = c;
		s->b[s->len] = '\0';
	}
}

static void sb_list16(struct sbuf *s, const uint16_t *a, size_t n, int skip_grease)
{
	int first = 1;

	for (size_t i = 0; i < n; i++) {
		if (skip_grease && sl_tls_is_grease(a[i]))
			continue;
		sb_num(s, first ? 0 : '-', a[i]);
		first = 0;
	}
}

static void ja3(struct sl_tls_client_hello *ch)
{
	struct sbuf s = {ch->ja3, sizeof(ch->ja3), 0};
	uint8_t md[16];
	size_t i;

	ch->ja3[0] = '\0';
	sb_num(&s, 0, ch->legacy_version);
	sb_char(&s, ',');
	sb_list16(&s, ch->ciphers, ch->n_ciphers, 1);
	sb_char(&s, ',');
	sb_list16(&s, ch->exts, ch->n_exts, 1);
	sb_char(&s, ',');
	sb_list16(&s, ch->groups, ch->n_groups, 1);
	sb_char(&s, ',');
	for (i = 0; i < ch->n_point_formats; i++)
		sb_num(&s, i ? '-' : 0, ch->point_formats[i]);
	sl_md5(ch->ja3, s.len, md);
	sl_hash_hex(md, 16, ch->ja3_hash);
}

static int cmp16(const void *a, const void *b)
{
	uint16_t x = *(const uint16_t *)a, y = *(const uint16_t *)b;

	return (x > y) - (x < y);
}

/* The first 12 hex digits of the SHA-256 of the comma-joined 4-digit hex values. */
static void sha12_of_hex_lists(const uint16_t *a, size_t na, const uint16_t *b, size_t nb,
                               char out[13])
{
	struct sl_sha256_ctx c;
	uint8_t md[32];
	static const char xd[] = "0123456789abcdef";
	char hex[65], item[5];
	size_t i;

	sl_sha256_init(&c);
	/* ",%04x" per item, formatted by hand (see sb_num) */
	for (i = 0; i < na + nb; i++) {
		uint16_t v = i < na ? a[i] : b[i - na];
		if (i == na)
			sl_sha256_update(&c, "_", 1);
		else if (i)
			sl_sha256_update(&c, ",", 1);
		item[0] = xd[v >> 12], item[1] = xd[(v >> 8) & 15], item[2] = xd[(v >> 4) & 15], item[3] = xd[v & 15];
		sl_sha256_update(&c, item, 4);
	}
	sl_sha256_final(&c, md);
	sl_hash_hex(md, 32, hex);
	memcpy(out, hex, 12);
	out[12] = '\0';
}

static int is_alnum(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static const char *ja4_version(uint16_t v)
{
	switch (v) {
	case 0x0304: return "13";
	case 0x0303: return "12";
	case 0x0302: return "11";
	case 0x0301: return "10";
	case 0x0300: return "s3";
	case 0x0002: return "s2";
	case 0xfeff: return "d1";
	case 0xfefd: return "d2";
	case 0xfefc: return "d3";
	}
	return "00";
}

static void ja4(struct sl_tls_client_hello *ch)
{
	static const char hx[] = "0123456789abcdef";
	uint16_t c[SL_TLS_MAX_CIPHERS], e[SL_TLS_MAX_EXTS], s[SL_TLS_MAX_SIGALGS];
	size_t nc = 0, ne = 0, ns = 0, ne_all = 0, i;
	char alpn[3] = "00", hb[13], hc[13];

	for (i = 0; i < ch->n_ciphers; i++)
		if (!sl_tls_is_grease(ch->ciphers[i]))
			c[nc++] = ch->ciphers[i];
	for (i = 0; i < ch->n_exts; i++) {
		if (sl_tls_is_grease(ch->exts[i]))
			continue;
		ne_all++;
		if (ch->exts[i] != 0x0000 && ch->exts[i] != 0x0010)
			e[ne++] = ch->exts[i];
	}
	for (i = 0; i < ch->n_sigalgs; i++)
		if (!sl_tls_is_grease(ch->sigalgs[i]))
			s[ns++] = ch->sigalgs[i];
	qsort(c, nc, sizeof(c[0]), cmp16);
	qsort(e, ne, sizeof(e[0]), cmp16);

	if (ch->n_alpn > 0 && ch->alpn_len[0] > 0) {
		const uint8_t *a = ch->alpn[0];
		/* the last byte of the value, even when only part of it was kept */
		uint8_t first = a[0], last = a[ch->alpn_len[0] - 1];

		if (is_alnum(first) && is_alnum(last)) {
			alpn[0] = (char)first;
			alpn[1] = (char)last;
		} else {
			alpn[0] = hx[first >> 4];
			alpn[1] = hx[last & 15];
		}
	}
	if (nc)
		sha12_of_hex_lists(c, nc, NULL, 0, hb);
	else
		memcpy(hb, "000000000000", 13);
	if (ne)
		sha12_of_hex_lists(e, ne, s, ns, hc);
	else
		memcpy(hc, "000000000000", 13);
	snprintf(ch->ja4, sizeof(ch->ja4), "t%s%c%02u%02u%s_%s_%s", ja4_version(ch->version),
	         (ch->flags & SL_TLS_F_HAS_SNI) ? 'd' : 'i', (unsigned)(nc > 99 ? 99 : nc),
	         (unsigned)(ne_all > 99 ? 99 : ne_all), alpn, hb, hc);
}

/* The ALPN part of JA4 and JA4S: first and last characters, or hex digits when either is not
 * alphanumeric; "00" when there is none. */
static void ja4_alpn(const uint8_t *a, size_t n, char out[3])
{
	static const char hx[] = "0123456789abcdef";

	out[0] = out[1] = '0';
	out[2] = '\0';
	if (n == 0)
		return;
	if (is_alnum(a[0]) && is_alnum(a[n - 1])) {
		out[0] = (char)a[0];
		out[1] = (char)a[n - 1];
	} else {
		out[0] = hx[a[0] >> 4];
		out[1] = hx[a[n - 1] & 15];
	}
}

static void ja4s(struct sl_tls_server_hello *sh)
{
	static const char hx[] = "0123456789abcdef";
	char alpn[3], he[13];

	ja4_alpn(sh->alpn, sh->alpn_len, alpn);
	if (sh->n_exts)
		sha12_of_hex_lists(sh->exts, sh->n_exts, NULL, 0, he);
	else
		memcpy(he, "000000000000", 13);
	snprintf(sh->ja4s, sizeof sh->ja4s, "t%s%02u%s_%c%c%c%c_%s", ja4_version(sh->version),
	         (unsigned)(sh->n_exts > 99 ? 99 : sh->n_exts), alpn, hx[sh->cipher >> 12],
	         hx[(sh->cipher >> 8) & 15], hx[(sh->cipher >> 4) & 15], hx[sh->cipher & 15], he);
}

/* ---- ClientHello ---- */

static void client_ext(struct sl_tls_client_hello *ch, uint16_t type, struct cur d, int *bad)
{
	struct cur l;

	switch (type) {
	case 0x0000: /* server_name */
		ch->flags |= SL_TLS_F_HAS_SNI;
		l = vec(&d, 2);
		while (!l.bad && l.n > 0) {
			unsigned nt = u8(&l);
			struct cur name = vec(&l, 2);

			if (name.bad)
				break;
			if (nt == 0 && ch->sni_len == 0) {
				size_t n = name.n < SL_TLS_SNI_LEN - 1 ? name.n : SL_TLS_SNI_LEN - 1;

				memcpy(ch->sni, name.p, n);
				ch->sni[n] = '\0';
				ch->sni_len = (uint16_t)n;
			}
		}
		break;
	case 0x000a: /* supported_groups */
		list16(vec(&d, 2), ch->groups, &ch->n_groups, SL_TLS_MAX_GROUPS, &ch->flags, bad);
		break;
	case 0x000b: /* ec_point_formats */
		l = vec(&d, 1);
		if (l.bad) {
			*bad = 1;
			break;
		}
		for (size_t i = 0; i < l.n; i++) {
			if (ch->n_point_formats < SL_TLS_MAX_POINT_FORMATS)
				ch->point_formats[ch->n_point_formats++] = l.p[i];
			else
				ch->flags |= SL_TLS_F_LIST_CUT;
		}
		break;
	case 0x000d: /* signature_algorithms */
		list16(vec(&d, 2), ch->sigalgs, &ch->n_sigalgs, SL_TLS_MAX_SIGALGS, &ch->flags, bad);
		break;
	case 0x0010: /* application_layer_protocol_negotiation */
		ch->flags |= SL_TLS_F_HAS_ALPN;
		l = vec(&d, 2);
		while (!l.bad && l.n > 0) {
			struct cur p = vec(&l, 1);

			if (p.bad)
				break;
			if (ch->n_alpn < SL_TLS_MAX_ALPN) {
				size_t n = p.n < SL_TLS_ALPN_LEN ? p.n : SL_TLS_ALPN_LEN;

				memcpy(ch->alpn[ch->n_alpn], p.p, n);
				/* JA4 wants the value's last byte: keep it as the last kept one */
				if (n < p.n)
					ch->alpn[ch->n_alpn][n - 1] = p.p[p.n - 1];
				ch->alpn_len[ch->n_alpn++] = (uint8_t)n;
			} else {
				ch->flags |= SL_TLS_F_LIST_CUT;
			}
		}
		break;
	case 0x002b: /* supported_versions */
		ch->flags |= SL_TLS_F_HAS_SUPPORTED_VERSIONS;
		l = vec(&d, 1);
		if (l.bad || (l.n & 1)) {
			*bad = 1;
			break;
		}
		while (l.n >= 2)
			push16(ch->versions, &ch->n_versions, SL_TLS_MAX_VERSIONS, (uint16_t)u16(&l),
			       &ch->flags);
		break;
	}
}

/* Both hellos start alike: the handshake message gathered from its records, then
 * legacy_version, 32 bytes of random and a session id of at most 32 bytes. On SL_TLS_OK *c
 * stands just after the session id. */
static int hello_start(const uint8_t *buf, size_t len, uint8_t type, uint8_t *scratch, uint16_t *record_version,
                       size_t *hello_end, uint16_t *legacy_version, struct cur *c, size_t *need)
{
	size_t hs_len = 0;
	int rc;

	*need = 0;
	if (buf == NULL)
		len = 0;
	rc = gather(buf, len, type, scratch, &hs_len, record_version, hello_end, need);
	if (rc != SL_TLS_OK)
		return rc;
	c->p = scratch + 4;
	c->n = hs_len - 4;
	c->bad = 0;
	*legacy_version = (uint16_t)u16(c);
	sub(c, 32);                /* random */
	if (vec(c, 1).n > 32)      /* session id */
		return SL_TLS_MALFORMED;
	return SL_TLS_OK;
}

int sl_tls_parse_client_hello(const uint8_t *buf, size_t len, struct sl_tls_client_hello *ch,
                              size_t *need)
{
	size_t i;
	struct cur c, ext;
	int rc, bad = 0;

	memset(ch, 0, offsetof(struct sl_tls_client_hello, scratch_));
	rc = hello_start(buf, len, HS_CLIENT_HELLO, ch->scratch_, &ch->record_version, &ch->hello_end,
	                 &ch->legacy_version, &c, need);
	if (rc != SL_TLS_OK)
		return rc;
	list16(vec(&c, 2), ch->ciphers, &ch->n_ciphers, SL_TLS_MAX_CIPHERS, &ch->flags, &bad);
	vec(&c, 1); /* compression methods */
	if (c.bad || bad)
		return SL_TLS_MALFORMED;
	if (c.n >= 2) { /* extensions are optional (SSLv3 / early TLS clients) */
		ext = vec(&c, 2);
		if (ext.bad)
			return SL_TLS_MALFORMED;
		while (ext.n > 0) {
			uint16_t type = (uint16_t)u16(&ext);
			struct cur d = vec(&ext, 2);

			if (ext.bad)
				return SL_TLS_MALFORMED;
			push16(ch->exts, &ch->n_exts, SL_TLS_MAX_EXTS, type, &ch->flags);
			client_ext(ch, type, d, &bad);
			if (bad)
				return SL_TLS_MALFORMED;
		}
	}
	ch->version = ch->legacy_version;
	if (ch->n_versions) {
		uint16_t best = 0;

		for (i = 0; i < ch->n_versions; i++)
			if (!sl_tls_is_grease(ch->versions[i]) && ch->versions[i] > best)
				best = ch->versions[i];
		if (best)
			ch->version = best;
	}
	ja3(ch);
	ja4(ch);
	return SL_TLS_OK;
}

/* ---- ServerHello ---- */

int sl_tls_parse_server_hello(const uint8_t *buf, size_t len, struct sl_tls_server_hello *sh,
                              size_t *need)
{
	struct sbuf s = {sh->ja3s, sizeof(sh->ja3s), 0};
	struct cur c, ext;
	uint8_t md[16];
	int rc;

	memset(sh, 0, offsetof(struct sl_tls_server_hello, scratch_));
	rc = hello_start(buf, len, HS_SERVER_HELLO, sh->scratch_, &sh->record_version, &sh->hello_end,
	                 &sh->legacy_version, &c, need);
	if (rc != SL_TLS_OK)
		return rc;
	sh->cipher = (uint16_t)u16(&c);
	sh->compression = (uint8_t)u8(&c);
	if (c.bad)
		return SL_TLS_MALFORMED;
	sh->version = sh->legacy_version;
	if (c.n >= 2) {
		ext = vec(&c, 2);
		if (ext.bad)
			return SL_TLS_MALFORMED;
		while (ext.n > 0) {
			uint16_t type = (uint16_t)u16(&ext);
			struct cur d = vec(&ext, 2);

			if (ext.bad)
				return SL_TLS_MALFORMED;
			push16(sh->exts, &sh->n_exts, SL_TLS_MAX_EXTS, type, &sh->flags);
			if (type == 0x002b) {
				sh->flags |= SL_TLS_F_HAS_SUPPORTED_VERSIONS;
				if (d.n < 2)
					return SL_TLS_MALFORMED;
				sh->version = (uint16_t)u16(&d);
			} else if (type == 0x0010) {
				struct cur l = vec(&d, 2), p = vec(&l, 1);

				sh->flags |= SL_TLS_F_HAS_ALPN;
				if (!p.bad) {
					sh->alpn_len = (uint8_t)(p.n < SL_TLS_ALPN_LEN ? p.n : SL_TLS_ALPN_LEN);
					memcpy(sh->alpn, p.p, sh->alpn_len);
				}
			}
		}
	}
	ja4s(sh);
	sb_num(&s, 0, sh->legacy_version);
	sb_char(&s, ',');
	sb_num(&s, 0, sh->cipher);
	sb_char(&s, ',');
	sb_list16(&s, sh->exts, sh->n_exts, 1);
	sl_md5(sh->ja3s, s.len, md);
	sl_hash_hex(md, 16, sh->ja3s_hash);
	return SL_TLS_OK;
}

/* ---- the server's certificate ---- */

#define REC_CCS 20
#define HS_CERTIFICATE 11

static size_t rd24(const uint8_t *p)
{
	return ((size_t)p[0] << 16) | ((size_t)p[1] << 8) | p[2];
}

/* Walk the handshake bytes gathered so far (h[0, have)): past the ServerHello to the first
 * certificate. Returns OK, NEED_MORE with *want = handshake bytes needed in all, or a reason. */
static int cert_walk(const uint8_t *h, size_t have, struct sl_tls_cert *cert, size_t *want)
{
	size_t pos = 0;

	for (;;) {
		size_t mlen;

		if (have - pos < 4) {
			*want = pos + 4;
			return SL_TLS_NEED_MORE;
		}
		mlen = rd24(h + pos + 1);
		if (h[pos] == HS_SERVER_HELLO) {
			if (have - pos - 4 < mlen) {
				*want = pos + 4 + mlen;
				return SL_TLS_NEED_MORE;
			}
			pos += 4 + mlen;
			continue;
		}
		if (h[pos] != HS_CERTIFICATE) {
			cert->next = 0x100u | h[pos];
			return SL_TLS_NOT_HELLO;
		}
		/* Certificate: u24 list length, then u24 length + DER per certificate */
		if (have - pos < 10) {
			*want = pos + 10;
			return SL_TLS_NEED_MORE;
		}
		size_t list = rd24(h + pos + 4), c0 = rd24(h + pos + 7);
		if (mlen < 3 || list > mlen - 3 || list < 3 || c0 > list - 3 || c0 == 0)
			return SL_TLS_MALFORMED;
		if (have - pos - 10 < c0) {
			*want = pos + 10 + c0;
			return SL_TLS_NEED_MORE;
		}
		cert->der = h + pos + 10;
		cert->der_len = c0;
		return SL_TLS_OK;
	}
}

int sl_tls_find_certificate(const uint8_t *buf, size_t len, struct sl_tls_cert *cert, size_t *need)
{
	uint8_t *h = cert->scratch_;
	size_t off = 0, have = 0, want = 0;
	int rc = SL_TLS_NEED_MORE;

	cert->der = NULL;
	cert->der_len = 0;
	cert->next = 0;
	*need = 0;
	if (buf == NULL)
		len = 0;
	for (;;) {
		size_t rlen, avail, take;

		if (len - off < 5) {
			*need = off + 5;
			return SL_TLS_NEED_MORE;
		}
		if (buf[off + 1] != 3)
			return SL_TLS_BAD_RECORD;
		if (buf[off] != REC_HANDSHAKE) {
			if (have == 0)
				return SL_TLS_NOT_TLS;
			/* a record of another type before the certificate (ChangeCipherSpec: resumed) */
			cert->next = buf[off];
			return SL_TLS_NOT_HELLO;
		}
		rlen = rd16(buf + off + 3);
		if (rlen == 0 || rlen > REC_MAX)
			return SL_TLS_BAD_RECORD;
		avail = len - off - 5;
		take = avail < rlen ? avail : rlen;
		if (take > SL_TLS_BUF_MAX - have)
			take = SL_TLS_BUF_MAX - have;
		memcpy(h + have, buf + off + 5, take);
		have += take;
		rc = cert_walk(h, have, cert, &want);
		if (rc != SL_TLS_NEED_MORE)
			return rc;
		if (want > SL_TLS_BUF_MAX)
			return SL_TLS_TOO_BIG;
		if (take < rlen) {
			if (avail < rlen) {
				size_t lack = want - have;

				*need = len + (lack < rlen - avail ? lack : rlen - avail);
				return SL_TLS_NEED_MORE;
			}
			return SL_TLS_TOO_BIG;
		}
		off += 5 + rlen;
	}
}

int sl_tls_probe(const uint8_t *p, size_t n)
{
	if (n >= 1 && p[0] != REC_HANDSHAKE)
		return 0;
	if (n >= 2 && p[1] != 3)
		return 0;
	if (n >= 3 && p[2] > 4)
		return 0;
	if (n >= 6 && p[5] != HS_CLIENT_HELLO)
		return 0;
	/* a record may carry as little as one byte of the hello (the parser gathers across
	 * records), so only an empty one rules TLS out */
	if (n >= 5 && rd16(p + 3) == 0)
		return 0;
	return n >= 6 ? 1 : -EAGAIN;
}

const char *sl_tls_version_name(uint16_t v)
{
#define D(n) "TLS 1.3 draft-" #n
	static const char *const drafts[] = { /* 0x7f10 .. 0x7f1c */
		D(16), D(17), D(18), D(19), D(20), D(21), D(22), D(23), D(24), D(25), D(26), D(27), D(28),
	};
#undef D
	/* Suricata's spellings; any other value has no name (sl_tls_version_text writes it) */
	switch (v) {
	case 0x0000: return "UNDETERMINED";
	case 0x0002: /* the SSLv2 hello's version field */
	case 0x0200: return "SSLv2";
	case 0x0300: return "SSLv3";
	case 0x0301: return "TLSv1";
	case 0x0302: return "TLS 1.1";
	case 0x0303: return "TLS 1.2";
	case 0x0304: return "TLS 1.3";
	case 0xfb14: return "TLS 1.3 draft-20-fb";
	case 0xfb15: return "TLS 1.3 draft-21-fb";
	case 0xfb16: return "TLS 1.3 draft-22-fb";
	case 0xfb17: return "TLS 1.3 draft-23-fb";
	case 0xfb1a: return "TLS 1.3 draft-26-fb";
	}
	if (v >= 0x7f01 && v < 0x7f10)
		return "TLS 1.3 draft-<16";
	if (v >= 0x7f10 && v <= 0x7f1c)
		return drafts[v - 0x7f10];
	return NULL;
}

void sl_tls_version_text(uint16_t v, char out[20])
{
	static const char hx[] = "0123456789abcdef";
	const char *name = sl_tls_version_name(v);

	if (name) {
		snprintf(out, 20, "%s", name);
		return;
	}
	out[0] = '0', out[1] = 'x';
	out[2] = hx[v >> 12], out[3] = hx[(v >> 8) & 15], out[4] = hx[(v >> 4) & 15], out[5] = hx[v & 15];
	out[6] = '\0';
}
