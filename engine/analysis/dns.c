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

/* Bounded text builder over the message's arena: a piece is appended whole or not at all
 * (an escape is never cut in half), and a cut is remembered. */
struct text {
	char *buf;
	size_t cap, len;
	int cut;
};

/* Start a text at the arena's free end, at most cap bytes with its NUL. There is always room
 * for the NUL: the arena keeps one byte per text it can still start (see text_end). */
static void text_begin(struct sl_dns_msg *m, struct text *t, size_t cap)
{
	size_t room = SL_DNS_TEXT_MAX - m->text_used;

	t->buf = m->text + m->text_used;
	t->cap = cap < room ? cap : room;
	t->len = 0;
	t->cut = 0;
	if (t->cap)
		t->buf[0] = '\0';
}

/* Close the text, NUL-terminated, and give back its start. An arena with no room left hands
 * out the constant empty string, marked cut. */
static const char *text_end(struct sl_dns_msg *m, struct text *t, int *cut)
{
	if (t->cap == 0) {
		*cut = 1;
		return "";
	}
	t->buf[t->len] = '\0';
	m->text_used += (uint32_t)t->len + 1;
	if (t->cut)
		*cut = 1;
	return t->buf;
}

static void text_put(struct text *t, const char *s, size_t n)
{
	if (t->cut)
		return;
	if (t->cap == 0 || n >= t->cap - t->len) {
		t->cut = 1; /* keep whole escapes: cut before this piece */
		return;
	}
	memcpy(t->buf + t->len, s, n);
	t->len += n;
}

/* One byte of a label; the separators are escaped so that dots between labels stay unique. */
static void text_byte(struct text *t, uint8_t c)
{
	static const char hx[] = "0123456789abcdef";
	char e[4];

	if (c < 0x21 || c > 0x7e) {
		e[0] = '\\';
		e[1] = 'x';
		e[2] = hx[c >> 4];
		e[3] = hx[c & 15];
		text_put(t, e, 4);
	} else if (c == '.' || c == '\\') {
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
			text_byte(t, m[pos + 1 + i]);
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

/* A name as text in the arena. */
static int name_text(struct sl_dns_msg *m, const uint8_t *msg, size_t len, size_t *off, const char **out, int *cut)
{
	struct text t;
	int rc;

	text_begin(m, &t, SL_DNS_NAME_LEN);
	rc = read_name(msg, len, off, &t);
	*out = text_end(m, &t, cut);
	return rc;
}

/* Raw bytes copied into the arena (TXT strings, NULL rdata, OPT options): never cut, the
 * arena holds a whole message. */
static const char *raw_text(struct sl_dns_msg *m, const uint8_t *p, size_t n, uint32_t *outlen, int *cut)
{
	struct text t;
	const char *s;

	text_begin(m, &t, n + 1);
	text_put(&t, (const char *)p, n);
	s = text_end(m, &t, cut);
	*outlen = (uint32_t)t.len;
	return s;
}

/* A name inside rdata that must end within it. */
static int rdata_name(struct sl_dns_msg *m, const uint8_t *msg, size_t len, size_t *o, size_t end,
                      const char **out, uint32_t *outlen, int *cut)
{
	int rc = name_text(m, msg, len, o, out, cut);

	if (outlen)
		*outlen = (uint32_t)strlen(*out);
	if (rc == SL_DNS_OK && *o > end)
		rc = SL_DNS_BAD_RDATA;
	return rc;
}

/* The entries of one section are written at rr[*kept]; rdata of one record at [off, off +
 * rdlength). TXT adds one entry per character-string after the first (the caller's *kept
 * moves past them); *extra says how many. */
static int parse_rdata(struct sl_dns_msg *m, const uint8_t *msg, size_t len, size_t off, struct sl_dns_rr *rr,
                       unsigned room, unsigned *extra, uint16_t *dropped, int *cut)
{
	size_t end = off + rr->rdlength, o;
	struct text t;
	int rc = SL_DNS_OK;

	*extra = 0;
	rr->rdata = rr->rdata2 = "";
	switch (rr->type) {
	case 1: /* A */
	case 28: /* AAAA */
		if (rr->rdlength != (rr->type == 1 ? 4 : 16))
			return SL_DNS_BAD_RDATA;
		text_begin(m, &t, 48);
		if (rr->type == 1)
			ip4_text(&t, msg + off);
		else
			ip6_text(&t, msg + off);
		rr->rdata = text_end(m, &t, cut);
		rr->rdata_len = (uint32_t)t.len;
		rr->kind = SL_DNS_RD_TEXT;
		break;
	case 2:  /* NS */
	case 5:  /* CNAME */
	case 12: /* PTR */
		o = off;
		rr->kind = SL_DNS_RD_TEXT;
		rc = rdata_name(m, msg, len, &o, end, &rr->rdata, &rr->rdata_len, cut);
		break;
	case 15: /* MX: EVE logs the exchange */
		if (rr->rdlength < 3)
			return SL_DNS_BAD_RDATA;
		rr->u.mx.preference = rd16(msg + off);
		o = off + 2;
		rr->kind = SL_DNS_RD_TEXT;
		rc = rdata_name(m, msg, len, &o, end, &rr->rdata, &rr->rdata_len, cut);
		break;
	case 33: /* SRV */
		if (rr->rdlength < 7)
			return SL_DNS_BAD_RDATA;
		rr->u.srv.priority = rd16(msg + off);
		rr->u.srv.weight = rd16(msg + off + 2);
		rr->u.srv.port = rd16(msg + off + 4);
		o = off + 6;
		rr->kind = SL_DNS_RD_SRV;
		rc = rdata_name(m, msg, len, &o, end, &rr->rdata, &rr->rdata_len, cut);
		break;
	case 6: /* SOA */
		o = off;
		rr->kind = SL_DNS_RD_SOA;
		rc = rdata_name(m, msg, len, &o, end, &rr->rdata, &rr->rdata_len, cut);
		if (rc != SL_DNS_OK)
			break;
		rc = rdata_name(m, msg, len, &o, end, &rr->rdata2, &rr->rdata2_len, cut);
		if (rc != SL_DNS_OK)
			break;
		if (end - o < 20) {
			rc = SL_DNS_BAD_RDATA;
			break;
		}
		rr->u.soa.serial = rd32(msg + o);
		rr->u.soa.refresh = rd32(msg + o + 4);
		rr->u.soa.retry = rd32(msg + o + 8);
		rr->u.soa.expire = rd32(msg + o + 12);
		rr->u.soa.minimum = rd32(msg + o + 16);
		break;
	case 16: { /* TXT: one entry per character-string, raw bytes */
		struct sl_dns_rr *cur = rr;
		unsigned n = 0;

		rr->kind = SL_DNS_RD_TEXT;
		for (o = off; o < end;) {
			uint8_t l = msg[o];

			if (end - o - 1 < l)
				return SL_DNS_BAD_RDATA;
			if (n > 0) {
				if (n >= room) {
					(*dropped)++;
					o += (size_t)l + 1;
					continue;
				}
				cur = rr + n;
				*cur = *rr;
			}
			cur->rdata = raw_text(m, msg + o + 1, l, &cur->rdata_len, cut);
			n++;
			o += (size_t)l + 1;
		}
		if (n == 0)
			rr->kind = SL_DNS_RD_NONE; /* no string: nothing to log, as EVE does */
		*extra = n > 1 ? (n < room ? n : room) - 1 : 0;
		break;
	}
	case 10: /* NULL: the raw bytes */
		rr->kind = SL_DNS_RD_TEXT;
		rr->rdata = raw_text(m, msg + off, rr->rdlength, &rr->rdata_len, cut);
		break;
	case 44: { /* SSHFP: algorithm, type, fingerprint as aa:bb:.. */
		static const char hx[] = "0123456789abcdef";

		if (rr->rdlength < 2)
			return SL_DNS_BAD_RDATA;
		rr->kind = SL_DNS_RD_SSHFP;
		rr->u.sshfp.algo = msg[off];
		rr->u.sshfp.fp_type = msg[off + 1];
		text_begin(m, &t, (size_t)rr->rdlength * 3 + 1);
		for (o = off + 2; o < end; o++) {
			char h[3] = {':', hx[msg[o] >> 4], hx[msg[o] & 15]};

			text_put(&t, o == off + 2 ? h + 1 : h, o == off + 2 ? 2 : 3);
		}
		rr->rdata = text_end(m, &t, cut);
		rr->rdata_len = (uint32_t)t.len;
		break;
	}
	case 41: /* OPT: options (code, length, data), checked here, written by the encoder */
		for (o = off; o < end;) {
			if (end - o < 4 || end - o - 4 < rd16(msg + o + 2))
				return SL_DNS_BAD_RDATA;
			o += 4 + (size_t)rd16(msg + o + 2);
		}
		rr->kind = SL_DNS_RD_OPT;
		rr->rdata = raw_text(m, msg + off, rr->rdlength, &rr->rdata_len, cut);
		break;
	default:
		break;
	}
	return rc;
}

/* One section of resource records: up to max entries kept in rr[], the rest counted. A
 * record whose rdata is malformed is kept (its name and type are good) and ends the parse. */
static int parse_section(struct sl_dns_msg *m, const uint8_t *msg, size_t len, size_t *off, unsigned count,
                         uint8_t section, struct sl_dns_rr *rr, unsigned max, uint8_t *kept, uint16_t *dropped,
                         int *cut)
{
	for (unsigned i = 0; i < count; i++) {
		struct sl_dns_rr *r = *kept < max ? &rr[*kept] : NULL, skip;
		size_t o = *off;
		uint16_t rdlen;
		unsigned extra = 0;
		int rc;

		memset(&skip, 0, sizeof skip);
		if (r)
			memset(r, 0, sizeof(*r));
		else
			r = &skip;
		{
			struct text t;
			char namebuf[2];

			if (r == &skip) { /* counted, not kept: walk the name without keeping it */
				t.buf = namebuf, t.cap = sizeof namebuf, t.len = 0, t.cut = 0;
				rc = read_name(msg, len, &o, &t);
				r->name = "";
			} else {
				rc = name_text(m, msg, len, &o, &r->name, cut);
			}
		}
		if (rc != SL_DNS_OK)
			return rc;
		if (len - o < 10)
			return SL_DNS_TRUNCATED_RR;
		rdlen = rd16(msg + o + 8);
		if (len - o - 10 < rdlen)
			return SL_DNS_TRUNCATED_RR;
		r->section = section;
		r->type = rd16(msg + o);
		r->rclass = rd16(msg + o + 2);
		r->ttl = rd32(msg + o + 4);
		r->rdlength = rdlen;
		if (r != &skip)
			rc = parse_rdata(m, msg, len, o + 10, r, max - *kept, &extra, dropped, cut);
		*off = o + 10 + rdlen;
		if (r != &skip)
			*kept = (uint8_t)(*kept + 1 + extra);
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
	m->hflags = fl;
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

		if (q) {
			rc = name_text(m, msg, len, &off, &q->name, &cut);
		} else {
			t.buf = dummy, t.cap = sizeof dummy, t.len = 0, t.cut = 0;
			rc = read_name(msg, len, &off, &t);
		}
		if (rc != SL_DNS_OK)
			goto out;
		if (len - off < 4) {
			rc = SL_DNS_TRUNCATED_QUESTION;
			goto out;
		}
		if (q) {
			q->type = rd16(msg + off);
			q->qclass = rd16(msg + off + 2);
			m->nq++;
		} else {
			m->q_dropped++;
		}
		off += 4;
	}
	rc = parse_section(m, msg, len, &off, m->ancount, SL_DNS_ANSWER, m->an, SL_DNS_MAX_ANSWERS, &m->nan,
	                   &m->an_dropped, &cut);
	if (rc != SL_DNS_OK)
		goto out;
	rc = parse_section(m, msg, len, &off, m->nscount, SL_DNS_AUTHORITY, m->ns, SL_DNS_MAX_AUTHORITIES, &m->nns,
	                   &m->ns_dropped, &cut);
	if (rc != SL_DNS_OK)
		goto out;
	rc = parse_section(m, msg, len, &off, m->arcount, SL_DNS_ADDITIONAL, m->ar, SL_DNS_MAX_ADDITIONALS, &m->nar,
	                   &m->ar_dropped, &cut);
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

/* The IANA mnemonics, spelled as Suricata's EVE spells them (NSAPPTR without its dash). */
static const char *const type_names[] = {
	[1] = "A", [2] = "NS", [3] = "MD", [4] = "MF", [5] = "CNAME", [6] = "SOA", [7] = "MB", [8] = "MG",
	[9] = "MR", [10] = "NULL", [11] = "WKS", [12] = "PTR", [13] = "HINFO", [14] = "MINFO", [15] = "MX",
	[16] = "TXT", [17] = "RP", [18] = "AFSDB", [19] = "X25", [20] = "ISDN", [21] = "RT", [22] = "NSAP",
	[23] = "NSAPPTR", [24] = "SIG", [25] = "KEY", [26] = "PX", [27] = "GPOS", [28] = "AAAA", [29] = "LOC",
	[30] = "NXT", [31] = "EID", [32] = "NIMLOC", [33] = "SRV", [34] = "ATMA", [35] = "NAPTR", [36] = "KX",
	[37] = "CERT", [38] = "A6", [39] = "DNAME", [40] = "SINK", [41] = "OPT", [42] = "APL", [43] = "DS",
	[44] = "SSHFP", [45] = "IPSECKEY", [46] = "RRSIG", [47] = "NSEC", [48] = "DNSKEY", [49] = "DHCID",
	[50] = "NSEC3", [51] = "NSEC3PARAM", [52] = "TLSA", [53] = "SMIMEA", [55] = "HIP", [56] = "NINFO",
	[57] = "RKEY", [58] = "TALINK", [59] = "CDS", [60] = "CDNSKEY", [61] = "OPENPGPKEY", [62] = "CSYNC",
	[63] = "ZONEMD", [64] = "SVCB", [65] = "HTTPS", [99] = "SPF", [100] = "UINFO", [101] = "UID",
	[102] = "GID", [103] = "UNSPEC", [104] = "NID", [105] = "L32", [106] = "L64", [107] = "LP",
	[108] = "EUI48", [109] = "EUI64", [249] = "TKEY", [250] = "TSIG", [251] = "IXFR", [252] = "AXFR",
	[253] = "MAILB", [254] = "MAILA", [255] = "ANY", [256] = "URI", [257] = "CAA", [258] = "AVC",
	[259] = "DOA", [260] = "AMTRELAY", [261] = "RESINFO",
};

const char *sl_dns_type_name(uint16_t type, char *buf, size_t buflen)
{
	if (type < sizeof type_names / sizeof type_names[0] && type_names[type])
		return type_names[type];
	if (type == 32768)
		return "TA";
	if (type == 32769)
		return "DLV";
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
