/* SPDX-License-Identifier: MIT */
/*
 * EVE JSON for metadata records, written once per record at the edge. The encoder writes into
 * a caller's buffer with bounds checks on every append (a record that does not fit is refused,
 * never cut mid-line), validates the string offsets of the record it reads, and escapes every
 * string as JSON requires (control bytes as \u00XX, invalid UTF-8 bytes as \u00XX of the byte,
 * the way Suricata does), so any bytes a packet carried come out as valid JSON.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "analysis/dns.h"
#include "encode_json.h"
#include "flow/flow.h"
#include "record_meta.h"

struct out {
	char *p, *end;
	int full;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->full || (size_t)(o->end - o->p) < n) {
		o->full = 1;
		return;
	}
	memcpy(o->p, s, n);
	o->p += n;
}

#define PUTS(o, lit) put(o, lit, sizeof(lit) - 1)

static void put_u64(struct out *o, uint64_t v)
{
	char buf[24], *e = buf + sizeof buf, *s = e;
	do {
		*--s = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	put(o, s, (size_t)(e - s));
}

static void put_str(struct out *o, const uint8_t *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	PUTS(o, "\"");
	size_t i = 0;
	while (i < n && !o->full) {
		size_t run = i;
		/* copy the longest plain run at once */
		while (run < n && s[run] >= 0x20 && s[run] < 0x80 && s[run] != '"' && s[run] != '\\')
			run++;
		put(o, (const char *)s + i, run - i);
		i = run;
		if (i >= n)
			break;
		uint8_t c = s[i];
		if (c >= 0x80) {
			/* keep a well-formed UTF-8 sequence, escape a stray byte */
			size_t len = (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
			int ok = len && i + len <= n && !(c == 0xc0 || c == 0xc1 || c > 0xf4);
			for (size_t k = 1; ok && k < len; k++)
				ok = (s[i + k] & 0xc0) == 0x80;
			if (ok) {
				put(o, (const char *)s + i, len);
				i += len;
				continue;
			}
		}
		char esc[6] = { '\\', 0, 0, 0, 0, 0 };
		size_t el = 2;
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		default:
			esc[1] = 'u', esc[2] = '0', esc[3] = '0', esc[4] = hex[c >> 4], esc[5] = hex[c & 15];
			el = 6;
		}
		put(o, esc, el);
		i++;
	}
	PUTS(o, "\"");
}

static int mstr_ok(struct sl_mstr s, uint32_t reclen)
{
	return (uint64_t)s.off + s.len <= reclen; /* 64-bit: off + len must not wrap */
}

static void put_mstr(struct out *o, const void *rec, uint32_t reclen, struct sl_mstr s)
{
	if (!mstr_ok(s, reclen)) {
		o->full = 1;
		return;
	}
	put_str(o, (const uint8_t *)rec + s.off, s.len);
}

/* "key":"value", after a comma unless it is the object's first member; only when the string
 * is not empty */
static void field_mstr(struct out *o, int *first, const char *key, const void *rec, uint32_t reclen,
                       struct sl_mstr s)
{
	if (s.len == 0)
		return;
	if (*first)
		PUTS(o, "\"");
	else
		PUTS(o, ",\"");
	*first = 0;
	put(o, key, strlen(key));
	PUTS(o, "\":");
	put_mstr(o, rec, reclen, s);
}

/* IPv4 dotted; IPv6 as Suricata's EVE writes it: eight groups of four hex digits, no "::"
 * (2001:4860:0000:2001:0000:0000:0000:0068), so consumers of EVE read it unchanged. */
static void put_ip(struct out *o, uint8_t ver, const uint8_t *a)
{
	static const char hex[] = "0123456789abcdef";
	char buf[40], *p = buf;

	if (ver == 4) {
		for (int i = 0; i < 4; i++) {
			unsigned v = a[i];
			if (v >= 100)
				*p++ = (char)('0' + v / 100);
			if (v >= 10)
				*p++ = (char)('0' + v / 10 % 10);
			*p++ = (char)('0' + v % 10);
			if (i < 3)
				*p++ = '.';
		}
	} else {
		for (int i = 0; i < 16; i += 2) {
			*p++ = hex[a[i] >> 4];
			*p++ = hex[a[i] & 15];
			*p++ = hex[a[i + 1] >> 4];
			*p++ = hex[a[i + 1] & 15];
			if (i < 14)
				*p++ = ':';
		}
	}
	PUTS(o, "\"");
	put(o, buf, (size_t)(p - buf));
	PUTS(o, "\"");
}

static void put_ts(struct sl_json_enc *e, struct out *o, uint64_t ts_ns)
{
	int64_t sec = (int64_t)(ts_ns / 1000000000u);
	uint32_t usec = (uint32_t)(ts_ns % 1000000000u / 1000u);
	char frac[8];

	if (sec != e->cached_sec || e->cached_len == 0) {
		struct tm tm;
		time_t t = (time_t)sec;
		gmtime_r(&t, &tm);
		e->cached_len = (uint8_t)strftime(e->cached, sizeof e->cached, "%Y-%m-%dT%H:%M:%S", &tm);
		e->cached_sec = sec;
	}
	PUTS(o, "\"");
	put(o, e->cached, e->cached_len);
	frac[0] = '.';
	for (int i = 6; i >= 1; i--) {
		frac[i] = (char)('0' + usec % 10);
		usec /= 10;
	}
	put(o, frac, 7);
	PUTS(o, "+0000\"");
}

const char *sl_json_proto_name(uint8_t proto)
{
	switch (proto) {
	case 1: return "ICMP";
	case 6: return "TCP";
	case 17: return "UDP";
	case 58: return "IPv6-ICMP";
	case 132: return "SCTP";
	case 47: return "GRE";
	}
	return NULL;
}

const char *sl_json_event_name(uint16_t type)
{
	switch (type) {
	case SL_REC_FLOW: return "flow";
	case SL_REC_HTTP: return "http";
	case SL_REC_TLS: return "tls";
	case SL_REC_DNS: return "dns";
	case SL_REC_ALERT: return "alert";
	case SL_REC_STATS: return "stats";
	case SL_REC_CONFIG: return "config";
	case SL_REC_HTTP_SUMMARY: return "http_summary";
	}
	return NULL;
}

/* A signed number of micro-units as a decimal, trailing zeros of the fraction dropped
 * (37.751, -97.822, 0.5, 12). */
static void put_e6(struct out *o, int32_t v)
{
	uint32_t a = v < 0 ? (uint32_t)0 - (uint32_t)v : (uint32_t)v, frac = a % 1000000u;
	char f[8];
	int n = 6;

	if (v < 0)
		PUTS(o, "-");
	put_u64(o, a / 1000000u);
	if (frac == 0)
		return;
	for (int i = 5; i >= 0; i--, frac /= 10)
		f[i] = (char)('0' + frac % 10);
	while (n > 1 && f[n - 1] == '0')
		n--;
	PUTS(o, ".");
	put(o, f, (size_t)n);
}

/* ,"key":{"country":..,"city":..,"latitude":..,"longitude":..,"asn":..,"as_org":..} with the
 * members the database had */
static void put_geo(struct out *o, const char *key, const void *rec, uint32_t reclen, const struct sl_ev_geo *g)
{
	int first = 1;

	PUTS(o, ",\"");
	put(o, key, strlen(key));
	PUTS(o, "\":{");
	field_mstr(o, &first, "country", rec, reclen, g->country);
	field_mstr(o, &first, "city", rec, reclen, g->city);
	if (g->flags & SL_GEO_LOCATION) {
		if (!first)
			PUTS(o, ",");
		PUTS(o, "\"latitude\":");
		put_e6(o, g->lat_e6);
		PUTS(o, ",\"longitude\":");
		put_e6(o, g->lon_e6);
		first = 0;
	}
	if (g->flags & SL_GEO_ASN) {
		if (!first)
			PUTS(o, ",");
		PUTS(o, "\"asn\":");
		put_u64(o, g->asn);
		first = 0;
	}
	field_mstr(o, &first, "as_org", rec, reclen, g->as_org);
	PUTS(o, "}");
}

/* The enrichment block, written once for every record type: src_geo, dest_geo, alert. A block
 * that does not lie inside the record, or after its common part, refuses the record. */
static void put_enrich(struct out *o, const void *rec, uint32_t reclen, uint32_t off)
{
	struct sl_ev_enrich en;

	if (off < sizeof(struct sl_ev_common) || (uint64_t)off + sizeof en > reclen) {
		o->full = 1;
		return;
	}
	memcpy(&en, (const uint8_t *)rec + off, sizeof en); /* no alignment assumed */
	if (en.flags & SL_ENRICH_SRC_GEO)
		put_geo(o, "src_geo", rec, reclen, &en.src);
	if (en.flags & SL_ENRICH_DST_GEO)
		put_geo(o, "dest_geo", rec, reclen, &en.dst);
	if (en.flags & SL_ENRICH_ALERT) {
		int first = 0;
		PUTS(o, ",\"alert\":{\"severity\":");
		put_u64(o, en.alert.severity);
		field_mstr(o, &first, "signature", rec, reclen, en.alert.signature);
		field_mstr(o, &first, "category", rec, reclen, en.alert.category);
		field_mstr(o, &first, "watchlist", rec, reclen, en.alert.watchlist);
		PUTS(o, "}");
	}
}

/* The common part, at the start of every record of reclen bytes. */
static void put_common(struct sl_json_enc *e, struct out *o, const struct sl_ev_common *c, uint32_t reclen,
                       const char *event)
{
	PUTS(o, "{\"timestamp\":");
	put_ts(e, o, c->ts_ns);
	PUTS(o, ",\"flow_id\":");
	put_u64(o, c->flow_id);
	if (c->vlan_count) {
		PUTS(o, ",\"vlan\":[");
		for (unsigned i = 0; i < c->vlan_count && i < 2; i++) {
			if (i)
				PUTS(o, ",");
			put_u64(o, c->vlan[i]);
		}
		PUTS(o, "]");
	}
	PUTS(o, ",\"event_type\":\"");
	put(o, event, strlen(event));
	PUTS(o, "\",\"src_ip\":");
	put_ip(o, c->ipver, c->src);
	if (c->proto == 6 || c->proto == 17 || c->proto == 132) {
		PUTS(o, ",\"src_port\":");
		put_u64(o, c->sport);
	}
	PUTS(o, ",\"dest_ip\":");
	put_ip(o, c->ipver, c->dst);
	if (c->proto == 6 || c->proto == 17 || c->proto == 132) {
		PUTS(o, ",\"dest_port\":");
		put_u64(o, c->dport);
	}
	PUTS(o, ",\"proto\":");
	const char *pn = sl_json_proto_name(c->proto);
	if (pn) {
		PUTS(o, "\"");
		put(o, pn, strlen(pn));
		PUTS(o, "\"");
	} else {
		PUTS(o, "\"");
		put_u64(o, c->proto);
		PUTS(o, "\"");
	}
	if (c->enrich)
		put_enrich(o, c, reclen, c->enrich);
}

static const char *app_name(uint8_t app)
{
	switch (app) {
	case SL_APP_HTTP: return "http";
	case SL_APP_TLS: return "tls";
	case SL_APP_DNS: return "dns";
	case SL_APP_FAILED: return "failed";
	}
	return NULL;
}

static void enc_flow(struct sl_json_enc *e, struct out *o, const struct sl_ev_flow *f, uint32_t len)
{
	put_common(e, o, &f->c, len, "flow");
	if (f->c.proto == 1 || f->c.proto == 58) {
		PUTS(o, ",\"icmp_type\":");
		put_u64(o, f->icmp_type);
		PUTS(o, ",\"icmp_code\":");
		put_u64(o, f->icmp_code);
	}
	const char *app = app_name(f->app_proto);
	if (app) {
		PUTS(o, ",\"app_proto\":\"");
		put(o, app, strlen(app));
		PUTS(o, "\"");
	}
	PUTS(o, ",\"flow\":{\"pkts_toserver\":");
	put_u64(o, f->pkts_toserver);
	PUTS(o, ",\"pkts_toclient\":");
	put_u64(o, f->pkts_toclient);
	PUTS(o, ",\"bytes_toserver\":");
	put_u64(o, f->bytes_toserver);
	PUTS(o, ",\"bytes_toclient\":");
	put_u64(o, f->bytes_toclient);
	PUTS(o, ",\"start\":");
	put_ts(e, o, f->start_ns);
	PUTS(o, ",\"end\":");
	put_ts(e, o, f->end_ns);
	PUTS(o, ",\"age\":");
	put_u64(o, (f->end_ns - f->start_ns) / 1000000000u);
	PUTS(o, ",\"state\":\"");
	const char *st = sl_flow_state_name((enum sl_flow_state)f->state);
	put(o, st, strlen(st));
	PUTS(o, "\",\"reason\":\"");
	const char *rs = sl_flow_reason_name((enum sl_flow_reason)f->reason);
	put(o, rs, strlen(rs));
	PUTS(o, "\",\"alerted\":false}");
	if (f->c.proto == 6) {
		static const char hex[] = "0123456789abcdef";
		char b[2];
		PUTS(o, ",\"tcp\":{\"tcp_flags_ts\":\"");
		b[0] = hex[f->tcp_flags_ts >> 4], b[1] = hex[f->tcp_flags_ts & 15];
		put(o, b, 2);
		PUTS(o, "\",\"tcp_flags_tc\":\"");
		b[0] = hex[f->tcp_flags_tc >> 4], b[1] = hex[f->tcp_flags_tc & 15];
		put(o, b, 2);
		PUTS(o, "\"}");
	}
}

static void enc_http(struct sl_json_enc *e, struct out *o, const struct sl_ev_http *h, uint32_t len)
{
	put_common(e, o, &h->c, len, "http");
	PUTS(o, ",\"http\":{");
	int first = 1;
	field_mstr(o, &first, "hostname", h, len, h->hostname);
	if (h->port) {
		if (first)
			PUTS(o, "\"http_port\":");
		else
			PUTS(o, ",\"http_port\":");
		put_u64(o, h->port);
		first = 0;
	}
	field_mstr(o, &first, "url", h, len, h->url);
	field_mstr(o, &first, "http_user_agent", h, len, h->user_agent);
	field_mstr(o, &first, "http_content_type", h, len, h->content_type);
	field_mstr(o, &first, "http_method", h, len, h->method);
	field_mstr(o, &first, "protocol", h, len, h->protocol);
	if (h->status) {
		if (first)
			PUTS(o, "\"status\":");
		else
			PUTS(o, ",\"status\":");
		put_u64(o, h->status);
		first = 0;
	}
	if (h->status || h->length) {
		if (first)
			PUTS(o, "\"length\":");
		else
			PUTS(o, ",\"length\":");
		put_u64(o, h->length);
	}
	PUTS(o, "}");
}

static void enc_tls(struct sl_json_enc *e, struct out *o, const struct sl_ev_tls *t, uint32_t len)
{
	put_common(e, o, &t->c, len, "tls");
	PUTS(o, ",\"tls\":{\"version\":");
	if (t->version_name.len)
		put_mstr(o, t, len, t->version_name);
	else
		PUTS(o, "\"UNDETERMINED\"");
	int first = 0;
	field_mstr(o, &first, "sni", t, len, t->sni);
	if (t->resumed)
		PUTS(o, ",\"session_resumed\":true");
	if (t->ja3.len) {
		PUTS(o, ",\"ja3\":{\"hash\":");
		put_mstr(o, t, len, t->ja3_hash);
		PUTS(o, ",\"string\":");
		put_mstr(o, t, len, t->ja3);
		PUTS(o, "}");
	}
	field_mstr(o, &first, "ja4", t, len, t->ja4);
	if (t->ja3s.len) {
		PUTS(o, ",\"ja3s\":{\"hash\":");
		put_mstr(o, t, len, t->ja3s_hash);
		PUTS(o, ",\"string\":");
		put_mstr(o, t, len, t->ja3s);
		PUTS(o, "}");
	}
	field_mstr(o, &first, "ja4s", t, len, t->ja4s);
	field_mstr(o, &first, "subject", t, len, t->subject);
	field_mstr(o, &first, "issuerdn", t, len, t->issuerdn);
	field_mstr(o, &first, "serial", t, len, t->serial);
	field_mstr(o, &first, "fingerprint", t, len, t->fingerprint);
	field_mstr(o, &first, "notbefore", t, len, t->notbefore);
	field_mstr(o, &first, "notafter", t, len, t->notafter);
	if (t->subjectaltname.len) {
		/* NUL-terminated names; EVE has a list */
		const uint8_t *p = (const uint8_t *)t + t->subjectaltname.off, *end = p + t->subjectaltname.len;
		if (!mstr_ok(t->subjectaltname, len)) {
			o->full = 1;
			return;
		}
		PUTS(o, ",\"subjectaltname\":[");
		for (int item = 0; p < end; item++) {
			const uint8_t *c = memchr(p, 0, (size_t)(end - p));
			if (!c)
				c = end;
			if (item)
				PUTS(o, ",");
			put_str(o, p, (size_t)(c - p));
			p = c + 1;
		}
		PUTS(o, "]");
	}
	if (t->alpn.len) {
		/* stored comma-separated; EVE has a list */
		const uint8_t *p = (const uint8_t *)t + t->alpn.off, *end = p + t->alpn.len;
		if (!mstr_ok(t->alpn, len)) {
			o->full = 1;
			return;
		}
		PUTS(o, ",\"alpn\":[");
		for (int item = 0; p <= end; item++) {
			const uint8_t *c = memchr(p, ',', (size_t)(end - p));
			if (!c)
				c = end;
			if (item)
				PUTS(o, ",");
			put_str(o, p, (size_t)(c - p));
			p = c + 1;
		}
		PUTS(o, "]");
	}
	PUTS(o, "}");
}

/* ---- dns: EVE v3 (Suricata 8) ---- */

static void put_kv_u(struct out *o, const char *key, uint64_t v)
{
	put(o, key, strlen(key));
	put_u64(o, v);
}

static void put_type(struct out *o, uint16_t type)
{
	char b[16];
	const char *name = sl_dns_type_name(type, b, sizeof b);

	put_str(o, (const uint8_t *)name, strlen(name));
}

/* The object SOA, SRV and SSHFP rdata becomes, as an answer's member and in "grouped". */
static void dns_rdata_obj(struct out *o, const struct sl_ev_dns *d, uint32_t len, const struct sl_ev_dns_rr *a)
{
	switch (a->kind) {
	case SL_DNS_RD_SOA:
		PUTS(o, "{\"mname\":");
		put_mstr(o, d, len, a->rdata);
		PUTS(o, ",\"rname\":");
		put_mstr(o, d, len, a->rdata2);
		put_kv_u(o, ",\"serial\":", a->v[0]);
		put_kv_u(o, ",\"refresh\":", a->v[1]);
		put_kv_u(o, ",\"retry\":", a->v[2]);
		put_kv_u(o, ",\"expire\":", a->v[3]);
		put_kv_u(o, ",\"minimum\":", a->v[4]);
		PUTS(o, "}");
		break;
	case SL_DNS_RD_SRV:
		put_kv_u(o, "{\"priority\":", a->v[0]);
		put_kv_u(o, ",\"weight\":", a->v[1]);
		put_kv_u(o, ",\"port\":", a->v[2]);
		PUTS(o, ",\"name\":");
		put_mstr(o, d, len, a->rdata);
		PUTS(o, "}");
		break;
	case SL_DNS_RD_SSHFP:
		PUTS(o, "{\"fingerprint\":");
		put_mstr(o, d, len, a->rdata);
		put_kv_u(o, ",\"algo\":", a->v[0]);
		put_kv_u(o, ",\"type\":", a->v[1]);
		PUTS(o, "}");
		break;
	default:
		put_mstr(o, d, len, a->rdata);
	}
}

/* EDNS options: [{"code":n,"data":"hex"}], walked with bounds (the record is untrusted here
 * as everywhere). */
static void dns_opt(struct out *o, const struct sl_ev_dns *d, uint32_t len, struct sl_mstr s)
{
	static const char hx[] = "0123456789abcdef";
	const uint8_t *p, *end;

	if (!mstr_ok(s, len)) {
		o->full = 1;
		return;
	}
	p = (const uint8_t *)d + s.off;
	end = p + s.len;
	PUTS(o, ",\"opt\":[");
	for (int first = 1; end - p >= 4; first = 0) {
		size_t n = (size_t)((p[2] << 8) | p[3]);

		if ((size_t)(end - p - 4) < n)
			break;
		if (!first)
			PUTS(o, ",");
		put_kv_u(o, "{\"code\":", (uint64_t)((p[0] << 8) | p[1]));
		PUTS(o, ",\"data\":\"");
		for (size_t i = 0; i < n; i++) {
			char h[2] = {hx[p[4 + i] >> 4], hx[p[4 + i] & 15]};
			put(o, h, 2);
		}
		PUTS(o, "\"}");
		p += 4 + n;
	}
	PUTS(o, "]");
}

static void dns_entry(struct out *o, const struct sl_ev_dns *d, uint32_t len, const struct sl_ev_dns_rr *a)
{
	PUTS(o, "{\"rrname\":");
	put_mstr(o, d, len, a->rrname);
	PUTS(o, ",\"rrtype\":");
	put_type(o, a->rrtype);
	put_kv_u(o, ",\"ttl\":", a->ttl);
	switch (a->kind) {
	case SL_DNS_RD_TEXT:
		PUTS(o, ",\"rdata\":");
		put_mstr(o, d, len, a->rdata);
		break;
	case SL_DNS_RD_SOA:
		PUTS(o, ",\"soa\":");
		dns_rdata_obj(o, d, len, a);
		break;
	case SL_DNS_RD_SRV:
		PUTS(o, ",\"srv\":");
		dns_rdata_obj(o, d, len, a);
		break;
	case SL_DNS_RD_SSHFP:
		PUTS(o, ",\"sshfp\":");
		dns_rdata_obj(o, d, len, a);
		break;
	case SL_DNS_RD_OPT:
		dns_opt(o, d, len, a->rdata);
		break;
	}
	PUTS(o, "}");
}

/* One section's entries as an array under key; an OPT without options is left out, as
 * Suricata leaves it out. Nothing when the section has no entry to write. */
static void dns_section(struct out *o, const struct sl_ev_dns *d, uint32_t len, uint8_t section, const char *key)
{
	int open = 0;

	for (unsigned i = 0; i < d->n_rr; i++) {
		const struct sl_ev_dns_rr *a = &d->rr[i];

		if (a->section != section || (a->kind == SL_DNS_RD_OPT && a->rdata.len == 0))
			continue;
		put(o, open ? "," : key, open ? 1 : strlen(key));
		open = 1;
		dns_entry(o, d, len, a);
	}
	if (open)
		PUTS(o, "]");
}

static int dns_groupable(const struct sl_ev_dns_rr *a)
{
	return a->section == SL_EV_DNS_ANSWER && a->kind != SL_DNS_RD_NONE && a->kind != SL_DNS_RD_OPT;
}

/* "grouped": the answers' rdata by type, types in the order they first appear. */
static void dns_grouped(struct out *o, const struct sl_ev_dns *d, uint32_t len)
{
	int any = 0;

	for (unsigned i = 0; i < d->n_rr; i++) {
		const struct sl_ev_dns_rr *a = &d->rr[i];
		unsigned j;

		if (!dns_groupable(a))
			continue;
		for (j = 0; j < i; j++)
			if (dns_groupable(&d->rr[j]) && d->rr[j].rrtype == a->rrtype)
				break;
		if (j < i)
			continue; /* this type was written with its first entry */
		if (any)
			PUTS(o, ",");
		else
			PUTS(o, ",\"grouped\":{");
		any = 1;
		put_type(o, a->rrtype);
		PUTS(o, ":[");
		for (j = i; j < d->n_rr; j++) {
			if (!dns_groupable(&d->rr[j]) || d->rr[j].rrtype != a->rrtype)
				continue;
			if (j != i)
				PUTS(o, ",");
			dns_rdata_obj(o, d, len, &d->rr[j]);
		}
		PUTS(o, "]");
	}
	if (any)
		PUTS(o, "}");
}

static void enc_dns(struct sl_json_enc *e, struct out *o, const struct sl_ev_dns *d, uint32_t len)
{
	char hex[16];
	const char *name;
	unsigned i;
	int first = 1;

	if (sizeof *d + (size_t)d->n_rr * sizeof d->rr[0] > len) {
		o->full = 1;
		return;
	}
	put_common(e, o, &d->c, len, "dns");
	PUTS(o, ",\"dns\":{\"version\":3,\"type\":");
	if (d->flags & 0x8000)
		PUTS(o, "\"response\"");
	else
		PUTS(o, "\"request\"");
	put_kv_u(o, ",\"tx_id\":", d->tx_id);
	put_kv_u(o, ",\"id\":", d->id);
	/* Suricata writes the flag word in hex without leading zeros */
	snprintf(hex, sizeof hex, "%x", d->flags);
	PUTS(o, ",\"flags\":\"");
	put(o, hex, strlen(hex));
	PUTS(o, "\"");
	if (d->flags & 0x8000)
		PUTS(o, ",\"qr\":true");
	if (d->flags & 0x0400)
		PUTS(o, ",\"aa\":true");
	if (d->flags & 0x0200)
		PUTS(o, ",\"tc\":true");
	if (d->flags & 0x0100)
		PUTS(o, ",\"rd\":true");
	if (d->flags & 0x0080)
		PUTS(o, ",\"ra\":true");
	if (d->flags & 0x0040)
		PUTS(o, ",\"z\":true");
	put_kv_u(o, ",\"opcode\":", (d->flags >> 11) & 0xf);
	PUTS(o, ",\"rcode\":");
	name = sl_dns_rcode_name(d->flags & 0xf, hex, sizeof hex);
	put_str(o, (const uint8_t *)name, strlen(name));
	if (d->truncated)
		PUTS(o, ",\"truncated\":true");
	for (i = 0; i < d->n_rr; i++) {
		const struct sl_ev_dns_rr *a = &d->rr[i];

		if (a->section != SL_EV_DNS_QUESTION)
			continue;
		if (first)
			PUTS(o, ",\"queries\":[{\"rrname\":");
		else
			PUTS(o, ",{\"rrname\":");
		first = 0;
		put_mstr(o, d, len, a->rrname);
		PUTS(o, ",\"rrtype\":");
		put_type(o, a->rrtype);
		PUTS(o, "}");
	}
	if (!first)
		PUTS(o, "]");
	dns_section(o, d, len, SL_EV_DNS_ANSWER, ",\"answers\":[");
	dns_grouped(o, d, len);
	dns_section(o, d, len, SL_EV_DNS_AUTHORITY, ",\"authorities\":[");
	dns_section(o, d, len, SL_EV_DNS_ADDITIONAL, ",\"additionals\":[");
	PUTS(o, "}");
}

/* {"timestamp":..,"event_type":"NAME" for the records of no flow */
static void put_head(struct sl_json_enc *e, struct out *o, const struct sl_ev_common *c, const char *event)
{
	PUTS(o, "{\"timestamp\":");
	put_ts(e, o, c->ts_ns);
	PUTS(o, ",\"event_type\":\"");
	put(o, event, strlen(event));
	PUTS(o, "\"");
}

/* Split a path ("capture/kernel_packets") into at most SL_STATS_DEPTH non-empty segments; -1
 * when it cannot. '/' separates because no name the ledger holds has one (a ring's or a
 * sink's name may have dots: "tap.NAME"). */
static int split_path(const uint8_t *p, uint32_t n, const uint8_t **seg, uint32_t *seglen)
{
	int d = 0;
	uint32_t start = 0;

	for (uint32_t i = 0; i <= n; i++) {
		if (i < n && p[i] != '/')
			continue;
		if (i == start || d == SL_STATS_DEPTH)
			return -1;
		seg[d] = p + start;
		seglen[d] = i - start;
		d++;
		start = i + 1;
	}
	return d;
}

/* The entries nested by path: an entry's segments but the last are objects (opened and closed
 * as the path changes from one entry to the next), the last is the member. */
static void enc_stats(struct sl_json_enc *e, struct out *o, const struct sl_ev_stats *st, uint32_t len)
{
	const uint8_t *open[SL_STATS_DEPTH], *seg[SL_STATS_DEPTH];
	uint32_t openlen[SL_STATS_DEPTH], seglen[SL_STATS_DEPTH];
	int nopen = 0, first = 1;

	if (sizeof *st + (uint64_t)st->count * sizeof st->e[0] > len) {
		o->full = 1;
		return;
	}
	put_head(e, o, &st->c, "stats");
	PUTS(o, ",\"stats\":{");
	for (uint32_t i = 0; i < st->count && !o->full; i++) {
		const struct sl_ev_stat *en = &st->e[i];
		int d, same = 0;
		if (!mstr_ok(en->path, len) ||
		    (d = split_path((const uint8_t *)st + en->path.off, en->path.len, seg, seglen)) < 0) {
			o->full = 1;
			return;
		}
		/* objects this entry shares with the one before */
		while (same < nopen && same < d - 1 && openlen[same] == seglen[same] &&
		       memcmp(open[same], seg[same], seglen[same]) == 0)
			same++;
		for (; nopen > same; nopen--)
			PUTS(o, "}");
		for (; nopen < d - 1; nopen++) {
			if (!first)
				PUTS(o, ",");
			put_str(o, seg[nopen], seglen[nopen]);
			PUTS(o, ":{");
			open[nopen] = seg[nopen];
			openlen[nopen] = seglen[nopen];
			first = 1;
		}
		if (!first)
			PUTS(o, ",");
		put_str(o, seg[d - 1], seglen[d - 1]);
		PUTS(o, ":");
		put_u64(o, en->value);
		first = 0;
	}
	for (; nopen > 0; nopen--)
		PUTS(o, "}");
	PUTS(o, "}");
}

static void enc_config(struct sl_json_enc *e, struct out *o, const struct sl_ev_config *r, uint32_t len)
{
	if (sizeof *r + (uint64_t)r->count * sizeof r->changes[0] > len) {
		o->full = 1;
		return;
	}
	put_head(e, o, &r->c, "config");
	PUTS(o, ",\"config\":{\"version\":");
	put_u64(o, r->version);
	PUTS(o, ",\"source\":");
	put_mstr(o, r, len, r->source);
	PUTS(o, ",\"changes\":[");
	for (uint32_t i = 0; i < r->count; i++) {
		const struct sl_ev_config_change *ch = &r->changes[i];
		if (i)
			PUTS(o, ",");
		PUTS(o, "{\"key\":");
		put_mstr(o, r, len, ch->key);
		PUTS(o, ",\"from\":");
		put_mstr(o, r, len, ch->was);
		PUTS(o, ",\"to\":");
		put_mstr(o, r, len, ch->now);
		if (ch->live)
			PUTS(o, ",\"applied\":true}");
		else
			PUTS(o, ",\"applied\":false,\"at_restart\":true}");
	}
	PUTS(o, "]}");
}

static void enc_http_summary(struct sl_json_enc *e, struct out *o, const struct sl_ev_http_summary *h, uint32_t len)
{
	static const char *const lists[SL_SUMMARY_LISTS] = { "hosts", "urls", "user_agents" };
	static const char *const classes[7] = { "none", "1xx", "2xx", "3xx", "4xx", "5xx", "other" };
	uint32_t items = (uint32_t)h->n[0] + h->n[1] + h->n[2], k = 0;

	if (sizeof *h + (uint64_t)items * sizeof h->items[0] > len) {
		o->full = 1;
		return;
	}
	put_head(e, o, &h->c, "http_summary");
	PUTS(o, ",\"worker\":");
	put_u64(o, h->c.worker);
	PUTS(o, ",\"http_summary\":{\"window_start\":");
	put_ts(e, o, h->window_start_ns);
	PUTS(o, ",\"window_end\":");
	put_ts(e, o, h->window_end_ns);
	PUTS(o, ",\"requests\":");
	put_u64(o, h->requests);
	PUTS(o, ",\"status\":{");
	for (int i = 0; i < 7; i++) {
		if (i)
			PUTS(o, ",");
		PUTS(o, "\"");
		put(o, classes[i], strlen(classes[i]));
		PUTS(o, "\":");
		put_u64(o, h->status[i]);
	}
	PUTS(o, "}");
	for (int l = 0; l < SL_SUMMARY_LISTS; l++) {
		PUTS(o, ",\"");
		put(o, lists[l], strlen(lists[l]));
		PUTS(o, "\":[");
		for (unsigned i = 0; i < h->n[l]; i++, k++) {
			const struct sl_ev_topk *t = &h->items[k];
			if (i)
				PUTS(o, ",");
			PUTS(o, "{\"value\":");
			put_mstr(o, h, len, t->value);
			PUTS(o, ",\"count\":");
			put_u64(o, t->count);
			PUTS(o, ",\"error\":");
			put_u64(o, t->error);
			PUTS(o, "}");
		}
		PUTS(o, "]");
	}
	PUTS(o, "}");
}

/* event_type "alert": the common part with its enrichment (alert{...}, geo), then what matched. */
static void enc_alert(struct sl_json_enc *e, struct out *o, const struct sl_ev_alert *a, uint32_t len)
{
	int first = 1;
	const char *ev = sl_json_event_name(a->event_type);

	put_common(e, o, &a->c, len, "alert");
	PUTS(o, ",\"match\":{");
	field_mstr(o, &first, "kind", a, len, a->kind);
	field_mstr(o, &first, "entry", a, len, a->entry);
	field_mstr(o, &first, "value", a, len, a->value);
	field_mstr(o, &first, "field", a, len, a->field);
	if (ev) {
		if (!first)
			PUTS(o, ",");
		PUTS(o, "\"event_type\":\"");
		put(o, ev, strlen(ev));
		PUTS(o, "\"");
	}
	PUTS(o, "}");
}

/* The fixed part of each type's record: a record shorter than that is not encoded. */
static const uint32_t fixed_len[SL_REC_TYPE_MAX] = {
	[SL_REC_FLOW] = sizeof(struct sl_ev_flow),
	[SL_REC_HTTP] = sizeof(struct sl_ev_http),
	[SL_REC_TLS] = sizeof(struct sl_ev_tls),
	[SL_REC_DNS] = sizeof(struct sl_ev_dns),
	[SL_REC_STATS] = sizeof(struct sl_ev_stats),
	[SL_REC_CONFIG] = sizeof(struct sl_ev_config),
	[SL_REC_HTTP_SUMMARY] = sizeof(struct sl_ev_http_summary),
	[SL_REC_ALERT] = sizeof(struct sl_ev_alert),
};

size_t sl_json_encode(struct sl_json_enc *e, const void *rec, uint32_t len, uint16_t type, char *buf, size_t cap)
{
	struct out o = { .p = buf, .end = buf + cap };

	if (type >= SL_REC_TYPE_MAX || fixed_len[type] == 0 || len < fixed_len[type])
		return 0;
	switch (type) {
	case SL_REC_FLOW: enc_flow(e, &o, rec, len); break;
	case SL_REC_HTTP: enc_http(e, &o, rec, len); break;
	case SL_REC_TLS: enc_tls(e, &o, rec, len); break;
	case SL_REC_DNS: enc_dns(e, &o, rec, len); break;
	case SL_REC_STATS: enc_stats(e, &o, rec, len); break;
	case SL_REC_CONFIG: enc_config(e, &o, rec, len); break;
	case SL_REC_HTTP_SUMMARY: enc_http_summary(e, &o, rec, len); break;
	case SL_REC_ALERT: enc_alert(e, &o, rec, len); break;
	default: return 0;
	}
	PUTS(&o, "}\n");
	return o.full ? 0 : (size_t)(o.p - buf);
}
