/* SPDX-License-Identifier: MIT */
/*
 * The tap record layout: what another process reads, in place, from a sluiced tap
 * (`outputs.tap.names`). A tap is a named sluice ring (sluice/ring.h) that sluiced produces and
 * one outside process consumes; its records are sluiced's binary metadata records exactly as the
 * router hands them to every sink, so reading a tap costs sluiced no encoding and no copy beyond
 * the router's one.
 *
 * Each ring record's type is one of sluice/record.h's metadata types (SL_REC_FLOW, SL_REC_HTTP,
 * SL_REC_TLS, SL_REC_DNS, SL_REC_ALERT today) and its payload is the struct of that type below, then the
 * record's strings. Every struct starts with struct sl_tap_common, whose `version` is
 * SL_TAP_VERSION of the sluiced that wrote it: a consumer checks it (sl_tap_check does) and
 * refuses records of another version: a version is one layout, and any byte of this file may
 * move in the next one.
 *
 * A string is a 32-bit offset from the start of the record and a 32-bit length; the bytes are
 * not NUL-terminated and may be any byte. The optional enrichment block (GeoIP/ASN, a
 * watchlist's alert) is at common.enrich (0: none), 4-byte aligned.
 *
 * The producer is another process, so a consumer treats every record as untrusted:
 * sl_tap_check() verifies the length, the version, every string and the enrichment block against
 * the record's length before anything is read through an offset. Little endian, the natural
 * alignment of each field (ring records are 8-byte aligned); the sizes are fixed below by
 * static_assert so a mismatch fails the build instead of misreading records.
 */
#ifndef SLUICE_TAP_H
#define SLUICE_TAP_H

#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "sluice/record.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The layout version every record carries in common.version. */
#define SL_TAP_VERSION 1u

/* Longest string sluiced writes into a record. */
#define SL_TAP_STR_MAX 2048u

struct sl_tap_str {
	uint32_t off; /* from the start of the record */
	uint32_t len;
};

struct sl_tap_common {
	uint64_t ts_ns;           /* event time, ns since the Unix epoch */
	uint64_t flow_id;
	uint8_t src[16], dst[16]; /* IPv4 in the first 4 bytes */
	uint16_t sport, dport;
	uint8_t ipver;            /* 4 or 6 */
	uint8_t proto;            /* IP protocol number */
	uint8_t vlan_count;
	uint8_t worker;
	uint16_t vlan[2];
	uint32_t enrich;          /* offset of struct sl_tap_enrich; 0: none */
	uint16_t version;         /* SL_TAP_VERSION */
	uint16_t pad[3];
};

enum sl_tap_app_proto { SL_TAP_APP_NONE = 0, SL_TAP_APP_HTTP, SL_TAP_APP_TLS, SL_TAP_APP_DNS, SL_TAP_APP_FAILED };

struct sl_tap_flow { /* SL_REC_FLOW */
	struct sl_tap_common c;
	uint64_t pkts_toserver, pkts_toclient;
	uint64_t bytes_toserver, bytes_toclient;
	uint64_t start_ns, end_ns;
	uint8_t state;     /* 0 new, 1 established (both ways seen), 2 closed (TCP) */
	uint8_t reason;    /* 1 timeout, 2 evicted, 3 shutdown, 4 TCP port reuse */
	uint8_t app_proto; /* enum sl_tap_app_proto */
	uint8_t tcp_flags_ts, tcp_flags_tc;
	uint8_t icmp_type, icmp_code;
	uint8_t pad;
};

struct sl_tap_http { /* SL_REC_HTTP */
	struct sl_tap_common c;
	uint64_t length; /* response body length */
	uint16_t status; /* 0: no response seen */
	uint16_t port;   /* EVE http_port: the port the Host header or the target named; 0: none */
	uint16_t pad[2];
	struct sl_tap_str hostname, url, user_agent, method, protocol, content_type;
};

struct sl_tap_tls { /* SL_REC_TLS */
	struct sl_tap_common c;
	uint16_t version; /* TLS version: the server's choice when seen, else the client's best */
	uint8_t resumed;
	uint8_t pad[5];
	struct sl_tap_str version_name, sni, ja3, ja3_hash, ja4, alpn; /* alpn: "h2,http/1.1" */
	struct sl_tap_str ja3s, ja3s_hash, ja4s;                        /* of the ServerHello */
	/* the server's first certificate (TLS 1.2 and earlier); subjectaltname holds the DNS
	 * names, each followed by a NUL */
	struct sl_tap_str subject, issuerdn, serial, fingerprint, notbefore, notafter, subjectaltname;
};

/* SL_REC_DNS: one DNS message as EVE v3 writes it: the questions, then the answer, authority
 * and additional entries (rr[], n_rr of them, section saying which), then the strings. DNS
 * strings are whole (a message is at most 64 KiB), not cut at SL_TAP_STR_MAX. */
#define SL_TAP_DNS_QUESTION 0
#define SL_TAP_DNS_ANSWER 1
#define SL_TAP_DNS_AUTHORITY 2
#define SL_TAP_DNS_ADDITIONAL 3

/* How an entry's rdata is written (kind). */
enum sl_tap_dns_kind {
	SL_TAP_DNS_RD_NONE = 0, /* no rdata: a type not decoded */
	SL_TAP_DNS_RD_TEXT,     /* rdata: A, AAAA, CNAME, NS, PTR, MX (exchange), TXT (one string), NULL */
	SL_TAP_DNS_RD_SOA,      /* rdata = mname, rdata2 = rname, v[] = serial, refresh, retry, expire, minimum */
	SL_TAP_DNS_RD_SRV,      /* rdata = target, v[] = priority, weight, port */
	SL_TAP_DNS_RD_SSHFP,    /* rdata = fingerprint as colon-separated hex, v[] = algorithm, type */
	SL_TAP_DNS_RD_OPT,      /* rdata = the raw EDNS option list (code, length, data)* */
};

struct sl_tap_dns_rr {
	uint16_t rrtype;
	uint8_t section; /* SL_TAP_DNS_QUESTION .. SL_TAP_DNS_ADDITIONAL */
	uint8_t kind;    /* enum sl_tap_dns_kind */
	uint32_t ttl;
	uint32_t v[5];
	uint32_t pad;
	struct sl_tap_str rrname, rdata, rdata2;
};

struct sl_tap_dns {
	struct sl_tap_common c;
	uint32_t tx_id;    /* the message's index in its flow */
	uint16_t id;
	uint16_t flags;    /* the header's flag word as sent (QR, opcode, AA.. and RCODE) */
	uint16_t n_rr;     /* entries in rr[] */
	uint8_t truncated; /* a name was cut, or entries were dropped */
	uint8_t pad[5];
	struct sl_tap_dns_rr rr[];
};

/* SL_REC_ALERT: a watchlist match, written beside the record that matched (same common part);
 * its enrichment block carries the alert tag (severity, signature, category, watchlist). */
struct sl_tap_alert {
	struct sl_tap_common c;
	uint16_t event_type;     /* the record type that matched (SL_REC_*) */
	uint16_t pad[3];
	struct sl_tap_str kind;  /* "ip", "domain", "ja3", "ja4", "country" */
	struct sl_tap_str entry; /* the entry as the list has it ("*.example.com") */
	struct sl_tap_str value; /* what was seen ("www.example.com") */
	struct sl_tap_str field; /* where: "http.hostname", "tls.sni", "dest_ip", ... */
};

struct sl_tap_geo {
	int32_t lat_e6, lon_e6; /* micro-degrees, with SL_TAP_GEO_LOCATION */
	uint32_t asn;           /* with SL_TAP_GEO_ASN */
	uint16_t flags;
	uint16_t pad;
	struct sl_tap_str country, city, as_org;
};
#define SL_TAP_GEO_LOCATION 0x1u
#define SL_TAP_GEO_ASN 0x2u

struct sl_tap_alert_tag { /* EVE's alert{}: in the enrichment block of the record that matched */
	uint8_t severity; /* 1 (high) .. 255 */
	uint8_t pad[7];
	struct sl_tap_str signature, category, watchlist;
};

struct sl_tap_enrich {
	uint16_t flags; /* SL_TAP_ENRICH_* */
	uint16_t pad[3];
	struct sl_tap_geo src, dst;
	struct sl_tap_alert_tag alert;
};
#define SL_TAP_ENRICH_SRC_GEO 0x1u
#define SL_TAP_ENRICH_DST_GEO 0x2u
#define SL_TAP_ENRICH_ALERT 0x4u

static_assert(sizeof(struct sl_tap_common) == 72, "tap layout 1: common part");
static_assert(sizeof(struct sl_tap_flow) == 128, "tap layout 1: flow");
static_assert(sizeof(struct sl_tap_http) == 136, "tap layout 1: http");
static_assert(sizeof(struct sl_tap_tls) == 208, "tap layout 1: tls");
static_assert(sizeof(struct sl_tap_dns) == 88 && sizeof(struct sl_tap_dns_rr) == 56, "tap layout 1: dns");
static_assert(sizeof(struct sl_tap_alert) == 112, "tap layout 1: alert");
static_assert(sizeof(struct sl_tap_enrich) == 120, "tap layout 1: enrichment");

/* What sl_tap_check returns (negative errno values, as everywhere in sluice). */
#define SL_TAP_EBADREC (-EPROTO)           /* a length, offset or count out of bounds */
#define SL_TAP_EVERSION (-EPROTONOSUPPORT) /* another layout version */
#define SL_TAP_ETYPE (-ENOMSG)             /* a record type this layout does not describe */

/* Size of the fixed part of a record of type t (0: not a type this layout describes). */
static inline uint32_t sl_tap_fixed_size(uint16_t type)
{
	switch (type) {
	case SL_REC_FLOW: return (uint32_t)sizeof(struct sl_tap_flow);
	case SL_REC_HTTP: return (uint32_t)sizeof(struct sl_tap_http);
	case SL_REC_TLS: return (uint32_t)sizeof(struct sl_tap_tls);
	case SL_REC_DNS: return (uint32_t)sizeof(struct sl_tap_dns);
	case SL_REC_ALERT: return (uint32_t)sizeof(struct sl_tap_alert);
	default: return 0;
	}
}

static inline int sl__tap_str_ok(struct sl_tap_str s, uint32_t len)
{
	return s.off <= len && s.len <= len - s.off;
}

static inline int sl__tap_geo_ok(const struct sl_tap_geo *g, uint32_t len)
{
	return sl__tap_str_ok(g->country, len) && sl__tap_str_ok(g->city, len) && sl__tap_str_ok(g->as_org, len);
}

/* Checks one record read from a tap: 0 when every field may be used (every string lies inside
 * the record's len bytes), else SL_TAP_EBADREC, SL_TAP_EVERSION or SL_TAP_ETYPE. rec is the
 * ring record's data (8-byte aligned), len and type its length and type. */
static inline int sl_tap_check(const void *rec, uint32_t len, uint16_t type)
{
	uint32_t fixed = sl_tap_fixed_size(type);
	const struct sl_tap_common *c = (const struct sl_tap_common *)rec;

	if (fixed == 0)
		return SL_TAP_ETYPE;
	if (len < sizeof *c)
		return SL_TAP_EBADREC;
	if (c->version != SL_TAP_VERSION)
		return SL_TAP_EVERSION;
	if (len < fixed)
		return SL_TAP_EBADREC;
	switch (type) {
	case SL_REC_HTTP: {
		const struct sl_tap_http *h = (const struct sl_tap_http *)rec;
		if (!sl__tap_str_ok(h->hostname, len) || !sl__tap_str_ok(h->url, len) ||
		    !sl__tap_str_ok(h->user_agent, len) || !sl__tap_str_ok(h->method, len) ||
		    !sl__tap_str_ok(h->protocol, len) || !sl__tap_str_ok(h->content_type, len))
			return SL_TAP_EBADREC;
		break;
	}
	case SL_REC_TLS: {
		const struct sl_tap_tls *t = (const struct sl_tap_tls *)rec;
		if (!sl__tap_str_ok(t->version_name, len) || !sl__tap_str_ok(t->sni, len) ||
		    !sl__tap_str_ok(t->ja3, len) || !sl__tap_str_ok(t->ja3_hash, len) || !sl__tap_str_ok(t->ja4, len) ||
		    !sl__tap_str_ok(t->alpn, len) || !sl__tap_str_ok(t->ja3s, len) || !sl__tap_str_ok(t->ja3s_hash, len) ||
		    !sl__tap_str_ok(t->ja4s, len) || !sl__tap_str_ok(t->subject, len) ||
		    !sl__tap_str_ok(t->issuerdn, len) || !sl__tap_str_ok(t->serial, len) ||
		    !sl__tap_str_ok(t->fingerprint, len) || !sl__tap_str_ok(t->notbefore, len) ||
		    !sl__tap_str_ok(t->notafter, len) || !sl__tap_str_ok(t->subjectaltname, len))
			return SL_TAP_EBADREC;
		break;
	}
	case SL_REC_DNS: {
		const struct sl_tap_dns *d = (const struct sl_tap_dns *)rec;
		if ((uint64_t)fixed + (uint64_t)d->n_rr * sizeof d->rr[0] > len)
			return SL_TAP_EBADREC;
		for (unsigned i = 0; i < d->n_rr; i++)
			if (!sl__tap_str_ok(d->rr[i].rrname, len) || !sl__tap_str_ok(d->rr[i].rdata, len) ||
			    !sl__tap_str_ok(d->rr[i].rdata2, len))
				return SL_TAP_EBADREC;
		break;
	}
	case SL_REC_ALERT: {
		const struct sl_tap_alert *a = (const struct sl_tap_alert *)rec;
		if (!sl__tap_str_ok(a->kind, len) || !sl__tap_str_ok(a->entry, len) || !sl__tap_str_ok(a->value, len) ||
		    !sl__tap_str_ok(a->field, len))
			return SL_TAP_EBADREC;
		break;
	}
	default:
		break;
	}
	if (c->enrich) {
		const struct sl_tap_enrich *e;
		if (c->enrich < sizeof *c || (c->enrich & 3u) || c->enrich > len || len - c->enrich < sizeof *e)
			return SL_TAP_EBADREC;
		e = (const struct sl_tap_enrich *)(const void *)((const uint8_t *)rec + c->enrich);
		if (!sl__tap_geo_ok(&e->src, len) || !sl__tap_geo_ok(&e->dst, len) ||
		    !sl__tap_str_ok(e->alert.signature, len) || !sl__tap_str_ok(e->alert.category, len) ||
		    !sl__tap_str_ok(e->alert.watchlist, len))
			return SL_TAP_EBADREC;
	}
	return 0;
}

/* The bytes of a string of a checked record. */
static inline const char *sl_tap_str_ptr(const void *rec, struct sl_tap_str s)
{
	return (const char *)rec + s.off;
}

#ifdef __cplusplus
}
#endif
#endif /* SLUICE_TAP_H */
