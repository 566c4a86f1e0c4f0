/* SPDX-License-Identifier: MIT */
/*
 * DNS message parsing (contract in dns.h). The one subtle part is name decompression: a
 * pointer may go anywhere in the message, forwards included (real resolvers never do, but
 * the format allows it and some test traffic does), so loops are stopped by counting jumps
 * and the decoded length, never by assuming pointers go backwards.
 */
#include "dns.h"

#include <stdio.h>
#include <string.h>

/* A name has at most 127 labels; more pointer jumps than that cannot be a valid name. */
#define MAX_JUMPS 64
#define MAX_NAME_WIRE 255

static const char *const dns_names[] = {
#define SL_DNS_NAME(name, text) text,
	SL_DNS_REASONS(SL_DNS_NAME)
#undef SL_DNS_NAME
};

const char *sl_dns_reason_name(int result)
{
	if (result < 0 || result >= SL_DNS_REASON_COUNT)
		return "unknown";
	return dns_names[result];
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* Bounded text builder: appends what fits, remembers that something did not. */
struct text {
	char *buf;
	size_t cap, len;
	int cut;
};

static void text_init(struct text *t, char *buf, size_t cap)
{
	t->buf = buf;
	t->cap = cap;
	t->len = 0;
	t->cut = 0;
	buf[0] = '\0';
}

static void text_put(struct text *t, const char *s, size_t n)
{
	if (t->cut)
		return;
	if (n >= t->cap - t->len) {
		t->cut = 1; /* keep whole escapes: cut before this piece */
		return;
	}
	memcpy(t->buf + t->len, s, n);
	t->len += n;
	t->buf[t->len] = '\0';
}

/* One byte of a label or character-string; `in_label` escapes the separators. */
static void text_byte(struct text *t, uint8_t c, int in_label)
{
	static const char hx[] = "0123456789abcdef";
	char e[4];

	if (c < 0x21 || c > 0x7e) {
		if (c == ' ' && !in_label) {
			text_put(t, " ", 1);
			return;
		}
		e[0] = '\\';
		e[1] = 'x';
		e[2] = hx[c >> 4];
		e[3] = hx[c & 15];
		text_put(t, e, 4);
	} else if (in_label && (c == '.' || c == '\\')) {
		e[0] = '\\';
		e[1] = (char)c;
		text_put(t, e, 2);
	} else {
		e[0] = (char)c;
		text_put(t, e, 1);
	}
}

/* Read the name at *off into text; *off moves past the name as it sits in the record (the
 * first pointer ends it there). Returns 0 or a reason. */
static int read_name(const uint8_t *m, size_t len, size_t *off, struct text *t)
{
	size_t pos = *off, end_after = 0;
	unsigned jumps = 0, wire = 0;
	int jumped = 0;

	for (;;) {
		uint8_t l;

		if (pos >= len)
			return SL_DNS_BAD_NAME;
		l = m[pos];
		if ((l & 0xc0) == 0xc0) {
			if (len - pos < 2)
				return SL_DNS_BAD_NAME;
			if (!jumped) {
				end_after = pos + 2;
				jumped = 1;
			}
			if (++jumps > MAX_JUMPS)
				return SL_DNS_NAME_LOOP;
			pos = ((size_t)(l & 0x3f) << 8) | m[pos + 1];
			continue;
		}
		if (l & 0xc0) /* 0x40 / 0x80: extended label types, obsolete */
			return SL_DNS_BAD_NAME;
		if (l == 0) {
			pos++;
			break;
		}
		if (len - pos - 1 < l)
			return SL_DNS_BAD_NAME;
		wire += (unsigned)l + 1;
		if (wire > MAX_NAME_WIRE)
			return SL_DNS_BAD_NAME;
		if (t->len)
			text_put(t, ".", 1);
		for (unsigned i = 0; i < l; i++)
			text_byte(t, m[pos + 1 + i], 1);
		pos += (size_t)l + 1;
	}
	*off = jumped ? end_after : pos;
	return SL_DNS_OK;
}

static void ip4_text(struct text *t, const uint8_t *p)
{
	char b[16];
	size_t n = 0;

	for (int i = 0; i < 4; i++) {
		unsigned v = p[i];
		if (v >= 100)
			b[n++] = (char)('0' + v / 100);
		if (v >= 10)
			b[n++] = (char)('0' + v / 10 % 10);
		b[n++] = (char)('0' + v % 10);
		if (i < 3)
			b[n++] = '.';
	}
	text_put(t, b, n);
}

/* EVE writes IPv6 addresses as eight groups of four hex digits, no "::" compression. */
static void ip6_text(struct text *t, const uint8_t *p)
{
	static const char hx[] = "0123456789abcdef";
	char b[40];
	unsigned i, k = 0;

	for (i = 0; i < 16; i++) {
		b[k++] = hx[p[i] >> 4];
		b[k++] = hx[p[i] & 15];
		if (i & 1 && i != 15)
			b[k++] = ':';
	}
	text_put(t, b, k);
}

/* rdata of one record at [off, off + rdlen) */
static int parse_rdata(const uint8_t *m, size_t len, size_t off, struct sl_dns_rr *rr, int *cut)
{
	size_t end = off + rr->rdlength, o;
	struct text t;
	int rc = SL_DNS_OK;

	text_init(&t, rr->rdata, sizeof(rr->rdata));
	switch (rr->type) {
	case 1: /* A */
		if (rr->rdlength != 4)
			return SL_DNS_BAD_RDATA;
		ip4_text(&t, m + off);
		break;
	case 28: /* AAAA */
		if (rr->rdlength != 16)
			return SL_DNS_BAD_RDATA;
		ip6_text(&t, m + off);
		break;
	case 2:  /* NS */
	case 5:  /* CNAME */
	case 12: /* PTR */
	case 39: /* DNAME */
		o = off;
		rc = read_name(m, len, &o, &t);
		if (rc == SL_DNS_OK && o > end)
			rc = SL_DNS_BAD_RDATA;
		break;
	case 15: /* MX */
		if (rr->rdlength < 3)
			return SL_DNS_BAD_RDATA;
		rr->u.mx.preference = rd16(m + off);
		o = off + 2;
		rc = read_name(m, len, &o, &t);
		if (rc == SL_DNS_OK && o > end)
			rc = SL_DNS_BAD_RDATA;
		break;
	case 33: /* SRV */
		if (rr->rdlength < 7)
			return SL_DNS_BAD_RDATA;
		rr->u.srv.priority = rd16(m + off);
		rr->u.srv.weight = rd16(m + off + 2);
		rr->u.srv.port = rd16(m + off + 4);
		o = off + 6;
		rc = read_name(m, len, &o, &t);
		if (rc == SL_DNS_OK && o > end)
			rc = SL_DNS_BAD_RDATA;
		break;
	case 6: { /* SOA */
		struct text rn;

		o = off;
		rc = read_name(m, len, &o, &t);
		if (rc != SL_DNS_OK)
			break;
		text_init(&rn, rr->soa_rname, sizeof(rr->soa_rname));
		rc = read_name(m, len, &o, &rn);
		if (rn.cut)
			*cut = 1;
		if (rc != SL_DNS_OK)
			break;
		if (o > end || end - o < 20) {
			rc = SL_DNS_BAD_RDATA;
			break;
		}
		rr->u.soa.serial = rd32(m + o);
		rr->u.soa.refresh = rd32(m + o + 4);
		rr->u.soa.retry = rd32(m + o + 8);
		rr->u.soa.expire = rd32(m + o + 12);
		rr->u.soa.minimum = rd32(m + o + 16);
		break;
	}
	case 16: /* TXT: character-strings, joined by a space */
		for (o = off; o < end;) {
			uint8_t l = m[o];

			if (end - o - 1 < l)
				return SL_DNS_BAD_RDATA;
			if (o != off)
				text_put(&t, " ", 1);
			for (unsigned i = 0; i < l; i++)
				text_byte(&t, m[o + 1 + i], 0);
			o += (size_t)l + 1;
		}
		break;
	default:
		break;
	}
	if (t.cut)
		*cut = 1;
	return rc;
}

/* One resource record at *off; rr may be NULL (record counted, not kept). */
static int parse_rr(const uint8_t *m, size_t len, size_t *off, struct sl_dns_rr *rr, int *cut)
{
	struct text t;
	size_t o = *off;
	char namebuf[2];
	uint16_t type, rdlen;
	int rc;

	if (rr)
		text_init(&t, rr->name, sizeof(rr->name));
	else
		text_init(&t, namebuf, sizeof(namebuf));
	rc = read_name(m, len, &o, &t);
	if (rc != SL_DNS_OK)
		return rc;
	if (rr && t.cut)
		*cut = 1;
	if (len - o < 10)
		return SL_DNS_TRUNCATED_RR;
	type = rd16(m + o);
	rdlen = rd16(m + o + 8);
	if (len - o - 10 < rdlen)
		return SL_DNS_TRUNCATED_RR;
	if (rr) {
		rr->type = type;
		rr->rclass = rd16(m + o + 2);
		rr->ttl = rd32(m + o + 4);
		rr->rdlength = rdlen;
		rc = parse_rdata(m, len, o + 10, rr, cut);
	}
	*off = o + 10 + rdlen;
	return rc;
}

/* One section of resource records: up to max kept in rr[], the rest counted. A record whose
 * rdata is malformed is kept (its name and type are good) and ends the parse. */
static int parse_section(const uint8_t *msg, size_t len, size_t *off, unsigned count, struct sl_dns_rr *rr,
                         unsigned max, uint8_t *kept, uint16_t *dropped, int *cut)
{
	for (unsigned i = 0; i < count; i++) {
		struct sl_dns_rr *r = *kept < max ? &rr[*kept] : NULL;
		int rc;

		if (r)
			memset(r, 0, sizeof(*r));
		rc = parse_rr(msg, len, off, r, cut);
		if (rc != SL_DNS_OK && rc != SL_DNS_BAD_RDATA)
			return rc;
		if (r)
			(*kept)++;
		else
			(*dropped)++;
		if (rc != SL_DNS_OK)
			return rc;
	}
	return SL_DNS_OK;
}

int sl_dns_parse(const uint8_t *msg, size_t len, struct sl_dns_msg *m)
{
	size_t off = 12;
	unsigned i;
	int cut = 0, rc = SL_DNS_OK;
	uint16_t fl;

	memset(m, 0, offsetof(struct sl_dns_msg, q));
	if (msg == NULL || len < 12)
		return SL_DNS_TRUNCATED_HEADER;
	m->id = rd16(msg);
	fl = rd16(msg + 2);
	m->flags = fl & (SL_DNS_F_QR | SL_DNS_F_AA | SL_DNS_F_TC | SL_DNS_F_RD | SL_DNS_F_RA);
	m->opcode = (fl >> 11) & 0xf;
	m->rcode = fl & 0xf;
	m->qdcount = rd16(msg + 4);
	m->ancount = rd16(msg + 6);
	m->nscount = rd16(msg + 8);
	m->arcount = rd16(msg + 10);

	for (i = 0; i < m->qdcount; i++) {
		struct sl_dns_query *q = i < SL_DNS_MAX_QUERIES ? &m->q[i] : NULL;
		struct text t;
		char dummy[2];

		if (q)
			text_init(&t, q->name, sizeof(q->name));
		else
			text_init(&t, dummy, sizeof(dummy));
		rc = read_name(msg, len, &off, &t);
		if (rc != SL_DNS_OK)
			goto out;
		if (len - off < 4) {
			rc = SL_DNS_TRUNCATED_QUESTION;
			goto out;
		}
		if (q) {
			if (t.cut)
				cut = 1;
			q->type = rd16(msg + off);
			q->qclass = rd16(msg + off + 2);
			m->nq++;
		} else {
			m->q_dropped++;
		}
		off += 4;
	}
	rc = parse_section(msg, len, &off, m->ancount, m->an, SL_DNS_MAX_ANSWERS, &m->nan, &m->an_dropped, &cut);
	if (rc != SL_DNS_OK)
		goto out;
	rc = parse_section(msg, len, &off, m->nscount, m->ns, SL_DNS_MAX_AUTHORITIES, &m->nns, &m->ns_dropped, &cut);
	if (rc != SL_DNS_OK)
		goto out;
	/* the additional section (EDNS OPT and glue) is not logged: not parsed */
out:
	if (cut)
		m->flags |= SL_DNS_F_TRUNCATED_TEXT;
	return rc;
}

size_t sl_dns_tcp_next(const uint8_t *buf, size_t len, const uint8_t **msg, size_t *msg_len)
{
	size_t n;

	*msg = NULL;
	*msg_len = 0;
	if (buf == NULL || len < 2)
		return 0;
	n = rd16(buf);
	if (len - 2 < n)
		return 0;
	*msg = buf + 2;
	*msg_len = n;
	return n + 2;
}

const char *sl_dns_type_name(uint16_t type, char *buf, size_t buflen)
{
	switch (type) {
	case 1: return "A";
	case 2: return "NS";
	case 5: return "CNAME";
	case 6: return "SOA";
	case 12: return "PTR";
	case 13: return "HINFO";
	case 15: return "MX";
	case 16: return "TXT";
	case 17: return "RP";
	case 18: return "AFSDB";
	case 24: return "SIG";
	case 25: return "KEY";
	case 28: return "AAAA";
	case 29: return "LOC";
	case 33: return "SRV";
	case 35: return "NAPTR";
	case 37: return "CERT";
	case 39: return "DNAME";
	case 41: return "OPT";
	case 43: return "DS";
	case 44: return "SSHFP";
	case 46: return "RRSIG";
	case 47: return "NSEC";
	case 48: return "DNSKEY";
	case 50: return "NSEC3";
	case 51: return "NSEC3PARAM";
	case 52: return "TLSA";
	case 64: return "SVCB";
	case 65: return "HTTPS";
	case 99: return "SPF";
	case 249: return "TKEY";
	case 250: return "TSIG";
	case 251: return "IXFR";
	case 252: return "AXFR";
	case 255: return "ANY";
	case 256: return "URI";
	case 257: return "CAA";
	}
	snprintf(buf, buflen, "TYPE%u", (unsigned)type);
	return buf;
}

const char *sl_dns_rcode_name(uint8_t rcode, char *buf, size_t buflen)
{
	switch (rcode) {
	case 0: return "NOERROR";
	case 1: return "FORMERR";
	case 2: return "SERVFAIL";
	case 3: return "NXDOMAIN";
	case 4: return "NOTIMP";
	case 5: return "REFUSED";
	case 6: return "YXDOMAIN";
	case 7: return "YXRRSET";
	case 8: return "NXRRSET";
	case 9: return "NOTAUTH";
	case 10: return "NOTZONE";
	}
	snprintf(buf, buflen, "RCODE%u", (unsigned)rcode);
	return buf;
}
