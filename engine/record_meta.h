/* SPDX-License-Identifier: MIT */
/*
 * Metadata records: what workers emit and sinks encode. Each is a compact struct written in
 * place into ring memory, followed by its strings. A string is an offset and a length from
 * the start of the record, so a record is position independent and copied with one memcpy
 * (the router copies records between rings). Strings are not NUL-terminated and may contain
 * any byte: the encoder escapes them. Offsets and lengths are 32-bit: a record may be as large
 * as a ring record can be (no 64 KiB ceiling); each string is cut at SL_MSTR_MAX bytes.
 *
 *   [struct sl_ev_* (fixed part)] [string bytes ...] [struct sl_ev_enrich, its strings]
 *
 * Enrichment (GeoIP/ASN of each address, a watchlist's alert) is optional and lives in one
 * block that any record type may carry: the common part's `enrich` is its offset, 0 when there
 * is none. Adding enrichment therefore changes no record layout, and the encoder writes it once,
 * with the common fields (src_geo, dest_geo, alert); a record without it encodes exactly as
 * before.
 *
 * Builders (sl_meta_*) compute the exact size first, reserve once, fill, commit: no malloc,
 * no second copy.
 */
#ifndef SLUICE_RECORD_META_H
#define SLUICE_RECORD_META_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sluice/record.h"
#include "sluice/tap.h"

/* An inline string: bytes at ((const uint8_t *)record + off), len of them. */
struct sl_mstr {
	uint32_t off;
	uint32_t len;
};

/* Longest string a record keeps; longer ones are cut (and flagged where it matters). */
#define SL_MSTR_MAX 2048u

/* What every event has: EVE's timestamp, flow_id and addresses. */
struct sl_ev_common {
	uint64_t ts_ns;
	uint64_t flow_id;
	uint8_t src[16], dst[16]; /* IPv4 in the first 4 bytes */
	uint16_t sport, dport;
	uint8_t ipver;            /* 4 or 6 */
	uint8_t proto;            /* IP protocol number */
	uint8_t vlan_count;
	uint8_t worker;
	uint16_t vlan[2];
	uint32_t enrich;          /* offset of the record's struct sl_ev_enrich; 0: none */
	uint16_t version;         /* SL_TAP_VERSION: taps hand these records out as they are */
	uint16_t stamp[3];        /* sampled records: the low 48 bits of the CLOCK_MONOTONIC ns when
	                             sluiced read the packet that made it (latency.h), 0: not
	                             measured; set by the worker as the record is emitted, never
	                             encoded (sluice/tap.h calls these bytes pad) */
};

enum sl_app_proto {
	SL_APP_NONE = 0,
	SL_APP_HTTP,
	SL_APP_TLS,
	SL_APP_DNS,
	SL_APP_FAILED,
};

struct sl_ev_flow {
	struct sl_ev_common c;
	uint64_t pkts_toserver, pkts_toclient;
	uint64_t bytes_toserver, bytes_toclient;
	uint64_t start_ns, end_ns;
	uint8_t state;     /* enum sl_flow_state (flow/flow.h) */
	uint8_t reason;    /* enum sl_flow_reason (flow/flow.h) */
	uint8_t app_proto; /* enum sl_app_proto */
	uint8_t tcp_flags_ts, tcp_flags_tc;
	uint8_t icmp_type, icmp_code; /* ICMP/ICMPv6 flows: of the first packet */
	uint8_t pad;
};

struct sl_ev_http {
	struct sl_ev_common c;
	uint64_t length;      /* response body length (Content-Length or counted) */
	uint16_t status;      /* 0: no response seen */
	uint16_t port;        /* EVE http_port: the port the Host header or target named; 0: none */
	uint16_t pad[2];
	struct sl_mstr hostname, url, user_agent, method, protocol, content_type;
};

struct sl_ev_tls {
	struct sl_ev_common c;
	uint16_t version;        /* the server's choice when seen, else the client's best */
	uint8_t resumed;         /* the server resumed a session (no certificate exchange) */
	uint8_t pad[5];
	struct sl_mstr version_name, sni, ja3, ja3_hash, ja4, alpn; /* alpn: "h2,http/1.1" */
	struct sl_mstr ja3s, ja3s_hash, ja4s;                      /* of the ServerHello */
	/* the server's first certificate (TLS 1.2 and earlier); subjectaltname holds the DNS
	 * names, each followed by a NUL */
	struct sl_mstr subject, issuerdn, serial, fingerprint, notbefore, notafter, subjectaltname;
};

/* A dns record is one DNS message, laid out as EVE v3 writes it: the questions, then the
 * answer, authority and additional entries, each an sl_ev_dns_rr, then the strings. Its
 * strings are written whole, not cut at SL_MSTR_MAX: the record is sized per message (a DNS
 * message is at most 64 KiB; a record larger than the ring takes is counted dropped). */
#define SL_EV_DNS_QUESTION 0   /* sl_ev_dns_rr.section: enum sl_dns_section (analysis/dns.h) */
#define SL_EV_DNS_ANSWER 1
#define SL_EV_DNS_AUTHORITY 2
#define SL_EV_DNS_ADDITIONAL 3

struct sl_ev_dns_rr {
	uint16_t rrtype;
	uint8_t section; /* SL_EV_DNS_* */
	uint8_t kind;    /* enum sl_dns_rdata_kind (analysis/dns.h): how rdata is written */
	uint32_t ttl;
	uint32_t v[5];   /* SOA: serial, refresh, retry, expire, minimum; SRV: priority, weight,
	                  * port; SSHFP: algorithm, fingerprint type */
	uint32_t pad;
	struct sl_mstr rrname, rdata, rdata2; /* SOA: mname, rname; SRV: target */
};

struct sl_ev_dns {
	struct sl_ev_common c;
	uint32_t tx_id;       /* the message's index in its flow */
	uint16_t id;
	uint16_t flags;       /* the header's flag word as sent (QR, opcode, AA.. and RCODE) */
	uint16_t n_rr;        /* entries in rr[]: questions first, then the other sections */
	uint8_t truncated;    /* a name was cut, or entries were dropped */
	uint8_t pad[5];
	struct sl_ev_dns_rr rr[];
};

/* ---- records of the engine's timers (engine/timers.c) -------------------------------------- */

/* A stats record: named counters, each a path ("capture/kernel_packets",
 * "rings/worker0->router/in_flight") and a value. The encoder nests the paths into JSON
 * objects, so the entries of one object must be consecutive (the builder writes them so); at
 * most SL_STATS_DEPTH segments, none empty. The common part has only ts_ns (wall clock). */
struct sl_ev_stat {
	struct sl_mstr path;
	uint64_t value;
};

struct sl_ev_stats {
	struct sl_ev_common c;
	uint32_t count; /* entries in e[] */
	uint32_t pad;
	struct sl_ev_stat e[]; /* then the path strings */
};

#define SL_STATS_DEPTH 4

/* A config record: one applied change of the configuration, emitted by the main loop (through
 * its ring to the router, as the stats records) after a reload that built: what triggered it
 * (`source`: SIGHUP, control, configuration check, postgres), the configuration version in force
 * after it, and each key that differs, with its old and new value as the file writes them and
 * whether it applied now (a live key) or waits for the next start. */
struct sl_ev_config_change {
	struct sl_mstr key, was, now;
	uint8_t live;
	uint8_t pad[7];
};

struct sl_ev_config {
	struct sl_ev_common c;
	uint64_t version;
	struct sl_mstr source;
	uint32_t count; /* entries in changes[] */
	uint32_t pad;
	struct sl_ev_config_change changes[]; /* then the strings */
};

/* An http_summary record: one worker's HTTP transactions of one window. Each list is the
 * window's top entries by count (space-saving counters, so a count may exceed the truth by at
 * most its `error`; exact while a list saw fewer distinct values than it has counters). The
 * common part has ts_ns (the window's end) and worker. */
struct sl_ev_topk {
	struct sl_mstr value;
	uint64_t count, error;
};

enum { SL_SUMMARY_HOSTS, SL_SUMMARY_URLS, SL_SUMMARY_AGENTS, SL_SUMMARY_LISTS };

struct sl_ev_http_summary {
	struct sl_ev_common c;
	uint64_t window_start_ns, window_end_ns;
	uint64_t requests;     /* http records of the window */
	uint64_t status[7];    /* [0] no response, [1..5] 1xx..5xx, [6] any other code */
	uint8_t n[SL_SUMMARY_LISTS]; /* entries of each list, in that order in items[] */
	uint8_t pad[5];
	struct sl_ev_topk items[]; /* then the strings */
};

/* A watchlist match, written beside the record that matched (same common part): the enrichment
 * block carries EVE's alert{severity, signature, category, watchlist}; this part says what
 * matched. */
struct sl_ev_alert {
	struct sl_ev_common c;
	uint16_t event_type;   /* the record type that matched (SL_REC_*) */
	uint16_t pad[3];
	struct sl_mstr kind;   /* "ip", "domain", "ja3", "ja4", "country" */
	struct sl_mstr entry;  /* the entry as the list has it ("*.example.com") */
	struct sl_mstr value;  /* what was seen ("www.example.com") */
	struct sl_mstr field;  /* where: "http.hostname", "tls.sni", "dest_ip", ... */
};

/* ---- enrichment ---------------------------------------------------------------------------- */

/* GeoIP/ASN of one address. Fields absent from the database are empty strings or flags off. */
struct sl_ev_geo {
	int32_t lat_e6, lon_e6; /* micro-degrees, valid with SL_GEO_LOCATION */
	uint32_t asn;           /* valid with SL_GEO_ASN */
	uint16_t flags;         /* SL_GEO_* */
	uint16_t pad;
	struct sl_mstr country; /* ISO 3166-1 alpha-2 code */
	struct sl_mstr city, as_org;
};

#define SL_GEO_LOCATION 0x1u
#define SL_GEO_ASN 0x2u

/* A watchlist's match: EVE's alert object. */
struct sl_ev_alert_tag {
	uint8_t severity; /* 1 (high) .. 255 */
	uint8_t pad[7];
	struct sl_mstr signature, category, watchlist;
};

/* The enrichment block: at the offset the common part's `enrich` gives, 4-byte aligned. */
struct sl_ev_enrich {
	uint16_t flags; /* SL_ENRICH_* : which of the parts below are set */
	uint16_t pad[3];
	struct sl_ev_geo src, dst;
	struct sl_ev_alert_tag alert;
};

#define SL_ENRICH_SRC_GEO 0x1u
#define SL_ENRICH_DST_GEO 0x2u
#define SL_ENRICH_ALERT 0x4u

/* ---- the public tap layout -----------------------------------------------------------------
 * Taps (sinks/tap/) give these records to other processes as they lie in ring memory, and
 * include/sluice/tap.h is the layout those processes compile against. Every offset of every
 * field is checked here, so a change to a struct above fails the build until tap.h (and its
 * SL_TAP_VERSION) says the same. */
#define SL__TAP_SAME(a, b, f) static_assert(offsetof(struct a, f) == offsetof(struct b, f), #a "." #f " moved: update sluice/tap.h")
#define SL__TAP_SIZE(a, b) static_assert(sizeof(struct a) == sizeof(struct b), #a ": size differs from sluice/tap.h")
SL__TAP_SIZE(sl_ev_common, sl_tap_common);
SL__TAP_SAME(sl_ev_common, sl_tap_common, ts_ns); SL__TAP_SAME(sl_ev_common, sl_tap_common, flow_id);
SL__TAP_SAME(sl_ev_common, sl_tap_common, src); SL__TAP_SAME(sl_ev_common, sl_tap_common, dst);
SL__TAP_SAME(sl_ev_common, sl_tap_common, sport); SL__TAP_SAME(sl_ev_common, sl_tap_common, dport);
SL__TAP_SAME(sl_ev_common, sl_tap_common, ipver); SL__TAP_SAME(sl_ev_common, sl_tap_common, proto);
SL__TAP_SAME(sl_ev_common, sl_tap_common, vlan_count); SL__TAP_SAME(sl_ev_common, sl_tap_common, worker);
SL__TAP_SAME(sl_ev_common, sl_tap_common, vlan); SL__TAP_SAME(sl_ev_common, sl_tap_common, enrich);
SL__TAP_SAME(sl_ev_common, sl_tap_common, version);
SL__TAP_SIZE(sl_mstr, sl_tap_str);
SL__TAP_SIZE(sl_ev_flow, sl_tap_flow);
SL__TAP_SAME(sl_ev_flow, sl_tap_flow, pkts_toserver); SL__TAP_SAME(sl_ev_flow, sl_tap_flow, pkts_toclient);
SL__TAP_SAME(sl_ev_flow, sl_tap_flow, bytes_toserver); SL__TAP_SAME(sl_ev_flow, sl_tap_flow, bytes_toclient);
SL__TAP_SAME(sl_ev_flow, sl_tap_flow, start_ns); SL__TAP_SAME(sl_ev_flow, sl_tap_flow, end_ns);
SL__TAP_SAME(sl_ev_flow, sl_tap_flow, state); SL__TAP_SAME(sl_ev_flow, sl_tap_flow, reason);
SL__TAP_SAME(sl_ev_flow, sl_tap_flow, app_proto); SL__TAP_SAME(sl_ev_flow, sl_tap_flow, tcp_flags_ts);
SL__TAP_SAME(sl_ev_flow, sl_tap_flow, tcp_flags_tc); SL__TAP_SAME(sl_ev_flow, sl_tap_flow, icmp_type);
SL__TAP_SAME(sl_ev_flow, sl_tap_flow, icmp_code);
SL__TAP_SIZE(sl_ev_http, sl_tap_http);
SL__TAP_SAME(sl_ev_http, sl_tap_http, length); SL__TAP_SAME(sl_ev_http, sl_tap_http, status);
SL__TAP_SAME(sl_ev_http, sl_tap_http, port);
SL__TAP_SAME(sl_ev_http, sl_tap_http, hostname); SL__TAP_SAME(sl_ev_http, sl_tap_http, url);
SL__TAP_SAME(sl_ev_http, sl_tap_http, user_agent); SL__TAP_SAME(sl_ev_http, sl_tap_http, method);
SL__TAP_SAME(sl_ev_http, sl_tap_http, protocol); SL__TAP_SAME(sl_ev_http, sl_tap_http, content_type);
SL__TAP_SIZE(sl_ev_tls, sl_tap_tls);
SL__TAP_SAME(sl_ev_tls, sl_tap_tls, version); SL__TAP_SAME(sl_ev_tls, sl_tap_tls, resumed);
SL__TAP_SAME(sl_ev_tls, sl_tap_tls, version_name); SL__TAP_SAME(sl_ev_tls, sl_tap_tls, sni);
SL__TAP_SAME(sl_ev_tls, sl_tap_tls, ja3); SL__TAP_SAME(sl_ev_tls, sl_tap_tls, ja3_hash);
SL__TAP_SAME(sl_ev_tls, sl_tap_tls, ja4); SL__TAP_SAME(sl_ev_tls, sl_tap_tls, alpn);
SL__TAP_SAME(sl_ev_tls, sl_tap_tls, ja3s); SL__TAP_SAME(sl_ev_tls, sl_tap_tls, ja3s_hash);
SL__TAP_SAME(sl_ev_tls, sl_tap_tls, ja4s); SL__TAP_SAME(sl_ev_tls, sl_tap_tls, subject);
SL__TAP_SAME(sl_ev_tls, sl_tap_tls, issuerdn); SL__TAP_SAME(sl_ev_tls, sl_tap_tls, serial);
SL__TAP_SAME(sl_ev_tls, sl_tap_tls, fingerprint); SL__TAP_SAME(sl_ev_tls, sl_tap_tls, notbefore);
SL__TAP_SAME(sl_ev_tls, sl_tap_tls, notafter); SL__TAP_SAME(sl_ev_tls, sl_tap_tls, subjectaltname);
SL__TAP_SIZE(sl_ev_dns, sl_tap_dns);
SL__TAP_SIZE(sl_ev_dns_rr, sl_tap_dns_rr);
SL__TAP_SAME(sl_ev_dns_rr, sl_tap_dns_rr, rrtype); SL__TAP_SAME(sl_ev_dns_rr, sl_tap_dns_rr, section);
SL__TAP_SAME(sl_ev_dns_rr, sl_tap_dns_rr, kind); SL__TAP_SAME(sl_ev_dns_rr, sl_tap_dns_rr, ttl);
SL__TAP_SAME(sl_ev_dns_rr, sl_tap_dns_rr, v); SL__TAP_SAME(sl_ev_dns_rr, sl_tap_dns_rr, rrname);
SL__TAP_SAME(sl_ev_dns_rr, sl_tap_dns_rr, rdata); SL__TAP_SAME(sl_ev_dns_rr, sl_tap_dns_rr, rdata2);
SL__TAP_SAME(sl_ev_dns, sl_tap_dns, tx_id); SL__TAP_SAME(sl_ev_dns, sl_tap_dns, id);
SL__TAP_SAME(sl_ev_dns, sl_tap_dns, flags); SL__TAP_SAME(sl_ev_dns, sl_tap_dns, n_rr);
SL__TAP_SAME(sl_ev_dns, sl_tap_dns, truncated); SL__TAP_SAME(sl_ev_dns, sl_tap_dns, rr);
static_assert(SL_EV_DNS_QUESTION == SL_TAP_DNS_QUESTION && SL_EV_DNS_ANSWER == SL_TAP_DNS_ANSWER &&
              SL_EV_DNS_AUTHORITY == SL_TAP_DNS_AUTHORITY && SL_EV_DNS_ADDITIONAL == SL_TAP_DNS_ADDITIONAL &&
              SL_MSTR_MAX == SL_TAP_STR_MAX, "tap.h dns sections, string limit");
SL__TAP_SIZE(sl_ev_geo, sl_tap_geo);
SL__TAP_SAME(sl_ev_geo, sl_tap_geo, lat_e6); SL__TAP_SAME(sl_ev_geo, sl_tap_geo, lon_e6);
SL__TAP_SAME(sl_ev_geo, sl_tap_geo, asn); SL__TAP_SAME(sl_ev_geo, sl_tap_geo, flags);
SL__TAP_SAME(sl_ev_geo, sl_tap_geo, country); SL__TAP_SAME(sl_ev_geo, sl_tap_geo, city);
SL__TAP_SAME(sl_ev_geo, sl_tap_geo, as_org);
SL__TAP_SIZE(sl_ev_alert_tag, sl_tap_alert_tag);
SL__TAP_SAME(sl_ev_alert_tag, sl_tap_alert_tag, severity); SL__TAP_SAME(sl_ev_alert_tag, sl_tap_alert_tag, signature);
SL__TAP_SAME(sl_ev_alert_tag, sl_tap_alert_tag, category); SL__TAP_SAME(sl_ev_alert_tag, sl_tap_alert_tag, watchlist);
SL__TAP_SIZE(sl_ev_alert, sl_tap_alert);
SL__TAP_SAME(sl_ev_alert, sl_tap_alert, event_type); SL__TAP_SAME(sl_ev_alert, sl_tap_alert, kind);
SL__TAP_SAME(sl_ev_alert, sl_tap_alert, entry); SL__TAP_SAME(sl_ev_alert, sl_tap_alert, value);
SL__TAP_SAME(sl_ev_alert, sl_tap_alert, field);
SL__TAP_SIZE(sl_ev_enrich, sl_tap_enrich);
SL__TAP_SAME(sl_ev_enrich, sl_tap_enrich, flags); SL__TAP_SAME(sl_ev_enrich, sl_tap_enrich, src);
SL__TAP_SAME(sl_ev_enrich, sl_tap_enrich, dst); SL__TAP_SAME(sl_ev_enrich, sl_tap_enrich, alert);
static_assert(SL_GEO_LOCATION == SL_TAP_GEO_LOCATION && SL_GEO_ASN == SL_TAP_GEO_ASN &&
              SL_ENRICH_SRC_GEO == SL_TAP_ENRICH_SRC_GEO && SL_ENRICH_DST_GEO == SL_TAP_ENRICH_DST_GEO &&
              SL_ENRICH_ALERT == SL_TAP_ENRICH_ALERT, "tap.h flags");
static_assert((int)SL_APP_HTTP == (int)SL_TAP_APP_HTTP && (int)SL_APP_TLS == (int)SL_TAP_APP_TLS &&
              (int)SL_APP_DNS == (int)SL_TAP_APP_DNS && (int)SL_APP_FAILED == (int)SL_TAP_APP_FAILED, "tap.h app_proto");
#undef SL__TAP_SAME
#undef SL__TAP_SIZE

/* ---- builder ----------------------------------------------------------------------------- */

/* Writes strings after a fixed part. base is the reserved record; used starts at the fixed
 * part's size. The caller sized the reservation with sl_meta_size(). */
struct sl_meta_builder {
	uint8_t *base;
	uint32_t used;
};

static inline uint32_t sl_meta_strlen(uint32_t len)
{
	return len > SL_MSTR_MAX ? SL_MSTR_MAX : len;
}

static inline void sl_meta_put(struct sl_meta_builder *b, struct sl_mstr *s, const void *p, uint32_t len)
{
	len = sl_meta_strlen(len);
	s->off = b->used;
	s->len = len;
	if (len)
		memcpy(b->base + b->used, p, len);
	b->used += len;
}

/* What an enrichment step found, as the builder takes it (borrowed for the call). A NULL part
 * is absent. Strings are pointer and length; a NULL pointer is an empty string. */
struct sl_meta_str {
	const void *p;
	uint32_t len;
};
struct sl_meta_geo {
	struct sl_meta_str country, city, as_org;
	int32_t lat_e6, lon_e6;
	uint32_t asn;
	uint16_t flags; /* SL_GEO_* */
};
struct sl_meta_alert {
	struct sl_meta_str signature, category, watchlist;
	uint8_t severity;
};
struct sl_meta_enrichment {
	const struct sl_meta_geo *src, *dst;
	const struct sl_meta_alert *alert;
};

/* Bytes an enrichment block adds to a record (block, alignment, strings): add it to the size
 * reserved. 0 when en is NULL or has no part. */
static inline uint32_t sl_meta_enrich_size(const struct sl_meta_enrichment *en)
{
	uint32_t n = (uint32_t)sizeof(struct sl_ev_enrich) + 3; /* + worst-case alignment */
	const struct sl_meta_geo *g[2];

	if (en == NULL || (!en->src && !en->dst && !en->alert))
		return 0;
	g[0] = en->src, g[1] = en->dst;
	for (int i = 0; i < 2; i++)
		if (g[i])
			n += sl_meta_strlen(g[i]->country.len) + sl_meta_strlen(g[i]->city.len) +
			     sl_meta_strlen(g[i]->as_org.len);
	if (en->alert)
		n += sl_meta_strlen(en->alert->signature.len) + sl_meta_strlen(en->alert->category.len) +
		     sl_meta_strlen(en->alert->watchlist.len);
	return n;
}

static inline void sl__meta_put_s(struct sl_meta_builder *b, struct sl_mstr *s, struct sl_meta_str v)
{
	sl_meta_put(b, s, v.p, v.p ? v.len : 0);
}

static inline void sl__meta_geo(struct sl_meta_builder *b, struct sl_ev_geo *out, const struct sl_meta_geo *g)
{
	out->lat_e6 = g->lat_e6;
	out->lon_e6 = g->lon_e6;
	out->asn = g->asn;
	out->flags = g->flags;
	sl__meta_put_s(b, &out->country, g->country);
	sl__meta_put_s(b, &out->city, g->city);
	sl__meta_put_s(b, &out->as_org, g->as_org);
}

/* Append the enrichment block after what the builder has written so far and point the common
 * part at it. The reservation included sl_meta_enrich_size(en). Nothing when en has no part. */
static inline void sl_meta_enrich(struct sl_meta_builder *b, struct sl_ev_common *c, const struct sl_meta_enrichment *en)
{
	struct sl_ev_enrich *e;

	if (sl_meta_enrich_size(en) == 0)
		return;
	b->used = (b->used + 3u) & ~3u; /* ring records are 8-aligned, so this aligns e */
	e = (struct sl_ev_enrich *)(void *)(b->base + b->used);
	memset(e, 0, sizeof *e);
	c->enrich = b->used;
	b->used += (uint32_t)sizeof *e;
	if (en->src) {
		e->flags |= SL_ENRICH_SRC_GEO;
		sl__meta_geo(b, &e->src, en->src);
	}
	if (en->dst) {
		e->flags |= SL_ENRICH_DST_GEO;
		sl__meta_geo(b, &e->dst, en->dst);
	}
	if (en->alert) {
		e->flags |= SL_ENRICH_ALERT;
		e->alert.severity = en->alert->severity;
		sl__meta_put_s(b, &e->alert.signature, en->alert->signature);
		sl__meta_put_s(b, &e->alert.category, en->alert->category);
		sl__meta_put_s(b, &e->alert.watchlist, en->alert->watchlist);
	}
}

#endif
