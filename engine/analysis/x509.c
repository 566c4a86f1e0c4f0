/* SPDX-License-Identifier: MIT */
/*
 * X.509 field extraction (contract in x509.h). One TLV reader with a bounds-checked cursor
 * (a cursor that runs out marks itself bad, like the TLS hello walk), then the certificate's
 * fixed shape walked top-down (RFC 5280 4.1):
 *
 *   Certificate  SEQUENCE { tbsCertificate, signatureAlgorithm, signature }
 *   tbs          SEQUENCE { [0] version?, serial INTEGER, signature AlgId, issuer Name,
 *                           validity { notBefore, notAfter }, subject Name, spki,
 *                           [1] issuerUID?, [2] subjectUID?, [3] { Extension* }? }
 *   Name         SEQUENCE OF SET OF SEQUENCE { type OID, value ANY }
 */
#include "x509.h"

#include <stdio.h>
#include <string.h>

#include "hash.h"

static const char *const x509_names[] = {
#define SL_X509_NAME(name, text) text,
	SL_X509_REASONS(SL_X509_NAME)
#undef SL_X509_NAME
};

const char *sl_x509_reason_name(int result)
{
	if (result < 0 || result >= SL_X509_REASON_COUNT)
		return "unknown";
	return x509_names[result];
}

/* ---- DER ---- */

struct der {
	const uint8_t *p;
	size_t n;
	int bad;
};

/* The next TLV: its tag (single-byte tags only: X.509 uses no others) and its content. */
static int tlv(struct der *d, uint8_t *tag, struct der *content)
{
	size_t len, i, hl = 2;

	content->p = NULL, content->n = 0, content->bad = 1;
	if (d->bad || d->n < 2 || (d->p[0] & 0x1f) == 0x1f) {
		d->bad = 1;
		return -1;
	}
	*tag = d->p[0];
	len = d->p[1];
	if (len & 0x80) {
		size_t nb = len & 0x7f;

		if (nb == 0 || nb > 4 || d->n < 2 + nb) { /* indefinite or absurd: not DER */
			d->bad = 1;
			return -1;
		}
		len = 0;
		for (i = 0; i < nb; i++)
			len = (len << 8) | d->p[2 + i];
		hl += nb;
	}
	if (d->n - hl < len) {
		d->bad = 1;
		return -1;
	}
	content->p = d->p + hl;
	content->n = len;
	content->bad = 0;
	d->p += hl + len;
	d->n -= hl + len;
	return 0;
}

/* The next TLV, which must carry tag want. */
static int expect(struct der *d, uint8_t want, struct der *content)
{
	uint8_t tag;

	if (tlv(d, &tag, content) != 0 || tag != want) {
		d->bad = 1;
		return -1;
	}
	return 0;
}

/* ---- text ---- */

struct sbuf {
	char *b;
	size_t cap, len;
	int cut;
};

static void sb_put(struct sbuf *s, const void *p, size_t n)
{
	if (s->cut || n >= s->cap - s->len) {
		s->cut = 1;
		return;
	}
	memcpy(s->b + s->len, p, n);
	s->len += n;
	s->b[s->len] = '\0';
}

static void sb_str(struct sbuf *s, const char *str)
{
	sb_put(s, str, strlen(str));
}

/* Bytes as hex pairs joined by ':' */
static void sb_hex(struct sbuf *s, const uint8_t *p, size_t n, int upper)
{
	const char *hx = upper ? "0123456789ABCDEF" : "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		char h[3] = {':', hx[p[i] >> 4], hx[p[i] & 15]};

		sb_put(s, i ? h : h + 1, i ? 3 : 2);
	}
}

/* A UTF-16BE BMPString as UTF-8 (surrogates are kept as their own code points: enough for a
 * log line, and never an overrun). */
static void sb_bmp(struct sbuf *s, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2) {
		unsigned c = ((unsigned)p[i] << 8) | p[i + 1];
		uint8_t u[3];

		if (c < 0x80) {
			u[0] = (uint8_t)c;
			sb_put(s, u, 1);
		} else if (c < 0x800) {
			u[0] = (uint8_t)(0xc0 | (c >> 6)), u[1] = (uint8_t)(0x80 | (c & 0x3f));
			sb_put(s, u, 2);
		} else {
			u[0] = (uint8_t)(0xe0 | (c >> 12)), u[1] = (uint8_t)(0x80 | ((c >> 6) & 0x3f));
			u[2] = (uint8_t)(0x80 | (c & 0x3f));
			sb_put(s, u, 3);
		}
	}
}

/* Dotted text of an OID's content bytes (arcs up to 2^32; longer ones mark it bad). */
static int sb_oid(struct sbuf *s, const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	int first = 1;
	char num[24];

	if (n == 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		v = (v << 7) | (p[i] & 0x7f);
		if (v > 0xffffffffu)
			return -1;
		if (p[i] & 0x80)
			continue;
		if (first) {
			unsigned a = v < 40 ? 0 : v < 80 ? 1 : 2;

			snprintf(num, sizeof num, "%u.%llu", a, (unsigned long long)(v - 40u * a));
			first = 0;
		} else {
			snprintf(num, sizeof num, ".%llu", (unsigned long long)v);
		}
		sb_str(s, num);
		v = 0;
	}
	return (p[n - 1] & 0x80) ? -1 : 0;
}

/* Short names of the attribute types certificates use, by their DER content bytes. */
static const struct {
	const char *der; /* OID content bytes */
	uint8_t len;
	const char *name;
} attr_names[] = {
	{"\x55\x04\x03", 3, "CN"},
	{"\x55\x04\x06", 3, "C"},
	{"\x55\x04\x07", 3, "L"},
	{"\x55\x04\x08", 3, "ST"},
	{"\x55\x04\x0a", 3, "O"},
	{"\x55\x04\x0b", 3, "OU"},
	{"\x55\x04\x05", 3, "serialNumber"},
	{"\x55\x04\x09", 3, "street"},
	{"\x55\x04\x04", 3, "SN"},
	{"\x55\x04\x2a", 3, "GN"},
	{"\x55\x04\x0c", 3, "title"},
	{"\x55\x04\x2b", 3, "initials"},
	{"\x55\x04\x2e", 3, "dnQualifier"},
	{"\x55\x04\x41", 3, "pseudonym"},
	{"\x55\x04\x11", 3, "postalCode"},
	{"\x55\x04\x0f", 3, "businessCategory"},
	{"\x55\x04\x61", 3, "organizationIdentifier"},
	{"\x2a\x86\x48\x86\xf7\x0d\x01\x09\x01", 9, "emailAddress"},
	{"\x09\x92\x26\x89\x93\xf2\x2c\x64\x01\x19", 10, "DC"},
	{"\x09\x92\x26\x89\x93\xf2\x2c\x64\x01\x01", 10, "UID"},
	{"\x2b\x06\x01\x04\x01\x82\x37\x3c\x02\x01\x03", 11, "jurisdictionC"},
	{"\x2b\x06\x01\x04\x01\x82\x37\x3c\x02\x01\x02", 11, "jurisdictionST"},
	{"\x2b\x06\x01\x04\x01\x82\x37\x3c\x02\x01\x01", 11, "jurisdictionL"},
};

/* An attribute type under id-ce (2.5.29) is a certificate extension's identifier, never a
 * naming attribute: a Name holding one is malformed. Decoders that read a value by its type
 * (tshark's) flag it, and Suricata does not log such a certificate (its corpus case: a
 * subjectAltName smuggled into the subject as a T61String), so neither do we. */
static int attr_type_ok(const uint8_t *oid, size_t n)
{
	return !(n >= 2 && oid[0] == 0x55 && oid[1] == 0x1d);
}

/* One attribute value: the string types as their text, anything else as hex. */
static void sb_value(struct sbuf *s, uint8_t tag, const uint8_t *p, size_t n)
{
	switch (tag) {
	case 0x0c: /* UTF8String */
	case 0x12: /* NumericString */
	case 0x13: /* PrintableString */
	case 0x14: /* T61String */
	case 0x16: /* IA5String */
	case 0x1a: /* VisibleString */
	case 0x1c: /* UniversalString: rare; bytes as they are */
		sb_put(s, p, n);
		break;
	case 0x1e: /* BMPString */
		sb_bmp(s, p, n);
		break;
	default:
		sb_put(s, "#", 1);
		sb_hex(s, p, n, 0);
	}
}

static int name_text(struct der name, char *out, size_t cap, uint32_t *flags)
{
	struct sbuf s = {out, cap, 0, 0};
	int first_rdn = 1;

	out[0] = '\0';
	while (name.n > 0) {
		struct der set, atv, oid, val;
		uint8_t tag;
		int first_atv = 1;

		if (expect(&name, 0x31, &set) != 0)
			return SL_X509_BAD_NAME;
		while (set.n > 0) {
			size_t i;

			if (expect(&set, 0x30, &atv) != 0 || expect(&atv, 0x06, &oid) != 0 ||
			    tlv(&atv, &tag, &val) != 0 || !attr_type_ok(oid.p, oid.n))
				return SL_X509_BAD_NAME;
			if (!first_atv)
				sb_str(&s, " + ");
			else if (!first_rdn)
				sb_str(&s, ", ");
			first_atv = first_rdn = 0;
			for (i = 0; i < sizeof attr_names / sizeof attr_names[0]; i++)
				if (oid.n == attr_names[i].len && memcmp(oid.p, attr_names[i].der, oid.n) == 0)
					break;
			if (i < sizeof attr_names / sizeof attr_names[0])
				sb_str(&s, attr_names[i].name);
			else if (sb_oid(&s, oid.p, oid.n) != 0)
				return SL_X509_BAD_NAME;
			sb_put(&s, "=", 1);
			sb_value(&s, tag, val.p, val.n);
		}
	}
	if (s.cut)
		*flags |= SL_X509_F_CUT;
	return SL_X509_OK;
}

static int digits(const uint8_t *p, size_t n, unsigned *v)
{
	*v = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		*v = *v * 10 + (p[i] - '0');
	}
	return 0;
}

/* UTCTime YYMMDDHHMM[SS]Z or GeneralizedTime YYYYMMDDHHMM[SS]Z as "YYYY-MM-DDTHH:MM:SS". */
static int time_text(struct der *d, char out[20])
{
	struct der t;
	uint8_t tag;
	unsigned y, mo, da, h, mi, se = 0;
	size_t yl;

	if (tlv(d, &tag, &t) != 0 || (tag != 0x17 && tag != 0x18))
		return SL_X509_BAD_TIME;
	yl = tag == 0x17 ? 2 : 4;
	if (t.n < yl + 8 || digits(t.p, yl, &y) || digits(t.p + yl, 2, &mo) || digits(t.p + yl + 2, 2, &da) ||
	    digits(t.p + yl + 4, 2, &h) || digits(t.p + yl + 6, 2, &mi))
		return SL_X509_BAD_TIME;
	if (t.n >= yl + 10 && t.p[yl + 8] >= '0' && t.p[yl + 8] <= '9' && digits(t.p + yl + 8, 2, &se))
		return SL_X509_BAD_TIME;
	if (tag == 0x17)
		y += y >= 50 ? 1900 : 2000;
	if (mo < 1 || mo > 12 || da < 1 || da > 31 || h > 23 || mi > 59 || se > 60)
		return SL_X509_BAD_TIME;
	snprintf(out, 20, "%04u-%02u-%02uT%02u:%02u:%02u", y, mo, da, h, mi, se);
	return SL_X509_OK;
}

/* The subjectAltName extension's value: GeneralNames, dNSName [2] kept. */
static int san_list(struct der v, struct sl_x509 *x)
{
	struct der names, gn;
	uint8_t tag;

	if (expect(&v, 0x30, &names) != 0)
		return SL_X509_BAD_EXTENSIONS;
	while (names.n > 0) {
		if (tlv(&names, &tag, &gn) != 0)
			return SL_X509_BAD_EXTENSIONS;
		if (tag != 0x82)
			continue;
		if (x->n_san >= SL_X509_MAX_SAN) {
			x->flags |= SL_X509_F_CUT;
			continue;
		}
		size_t n = gn.n < SL_X509_SAN_LEN - 1 ? gn.n : SL_X509_SAN_LEN - 1;
		if (n < gn.n)
			x->flags |= SL_X509_F_CUT;
		memcpy(x->san[x->n_san], gn.p, n);
		x->san[x->n_san][n] = '\0';
		x->n_san++;
	}
	return SL_X509_OK;
}

static int extensions(struct der d, struct sl_x509 *x)
{
	struct der list, ext, oid, val;
	uint8_t tag;

	if (expect(&d, 0x30, &list) != 0)
		return SL_X509_BAD_EXTENSIONS;
	while (list.n > 0) {
		if (expect(&list, 0x30, &ext) != 0 || expect(&ext, 0x06, &oid) != 0 || tlv(&ext, &tag, &val) != 0)
			return SL_X509_BAD_EXTENSIONS;
		if (tag == 0x01 && tlv(&ext, &tag, &val) != 0) /* critical */
			return SL_X509_BAD_EXTENSIONS;
		if (tag != 0x04)
			return SL_X509_BAD_EXTENSIONS;
		if (oid.n == 3 && memcmp(oid.p, "\x55\x1d\x11", 3) == 0) {
			int rc = san_list(val, x);
			if (rc != SL_X509_OK)
				return rc;
		}
	}
	return SL_X509_OK;
}

int sl_x509_parse(const uint8_t *der, size_t len, struct sl_x509 *x)
{
	struct der top = {der, der ? len : 0, 0}, cert, tbs, f, issuer, subject, validity;
	struct sbuf sb;
	uint8_t tag, md[20];
	int rc;

	memset(x, 0, offsetof(struct sl_x509, san));
	if (expect(&top, 0x30, &cert) != 0 || expect(&cert, 0x30, &tbs) != 0)
		return SL_X509_BAD_DER;
	sl_sha1(der, len - top.n, md); /* the certificate's own bytes, without trailing ones */
	sb = (struct sbuf){x->fingerprint, sizeof x->fingerprint, 0, 0};
	sb_hex(&sb, md, 20, 0);

	if (tbs.n > 0 && tbs.p[0] == 0xa0 && tlv(&tbs, &tag, &f) != 0) /* [0] version */
		return SL_X509_BAD_DER;
	if (expect(&tbs, 0x02, &f) != 0 || f.n == 0)
		return SL_X509_BAD_DER;
	sb = (struct sbuf){x->serial, sizeof x->serial, 0, 0};
	sb_hex(&sb, f.p, f.n, 1);
	if (sb.cut)
		x->flags |= SL_X509_F_CUT;
	if (expect(&tbs, 0x30, &f) != 0 || expect(&tbs, 0x30, &issuer) != 0 ||
	    expect(&tbs, 0x30, &validity) != 0 || expect(&tbs, 0x30, &subject) != 0 ||
	    expect(&tbs, 0x30, &f) != 0) /* signature AlgId, ..., subjectPublicKeyInfo */
		return SL_X509_BAD_DER;
	if ((rc = name_text(issuer, x->issuer, sizeof x->issuer, &x->flags)) != SL_X509_OK ||
	    (rc = name_text(subject, x->subject, sizeof x->subject, &x->flags)) != SL_X509_OK ||
	    (rc = time_text(&validity, x->notbefore)) != SL_X509_OK ||
	    (rc = time_text(&validity, x->notafter)) != SL_X509_OK)
		return rc;
	while (tbs.n > 0) { /* [1], [2] unique ids, [3] extensions */
		if (tlv(&tbs, &tag, &f) != 0)
			return SL_X509_BAD_DER;
		if (tag == 0xa3 && (rc = extensions(f, x)) != SL_X509_OK)
			return rc;
	}
	return SL_X509_OK;
}
