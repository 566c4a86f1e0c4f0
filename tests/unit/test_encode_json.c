/* SPDX-License-Identifier: MIT */
/*
 * The EVE JSON encoder: exact output for each record type, escaping of every byte a packet can
 * carry (quotes, control bytes, broken UTF-8), and refusal of records whose string offsets
 * point outside them or that do not fit the caller's buffer. The enrichment block: written
 * once, in the common part, for every record type, the rest of the line unchanged; refused
 * when it does not lie inside its record. Records past 64 KiB keep every string.
 */
#include <stdlib.h>
#include <string.h>

#include "analysis/dns.h"
#include "check.h"
#include "encode_json.h"
#include "record_meta.h"

#define CHECK_STR(a, b)                                                                           \
	do {                                                                                      \
		if (strcmp((a), (b)) == 0) {                                                      \
			check_passed_++;                                                          \
		} else {                                                                          \
			check_failed_++;                                                          \
			fprintf(stderr, "%s:%d: got\n  %s\nwant\n  %s\n", __FILE__, __LINE__, (a), (b)); \
		}                                                                                 \
	} while (0)

static void common(struct sl_ev_common *c, uint8_t proto)
{
	memset(c, 0, sizeof *c);
	c->ts_ns = 1700000000123456789ull; /* 2023-11-14T22:13:20.123456 */
	c->flow_id = 42;
	c->ipver = 4;
	memcpy(c->src, (uint8_t[]){ 10, 0, 0, 1 }, 4);
	memcpy(c->dst, (uint8_t[]){ 192, 168, 100, 254 }, 4);
	c->sport = 5555;
	c->dport = 80;
	c->proto = proto;
}

static void test_http(void)
{
	union {
		struct sl_ev_http h;
		uint8_t b[1024];
	} u;
	struct sl_meta_builder b = { u.b, sizeof u.h };
	struct sl_json_enc enc = { 0 };
	char out[2048];

	memset(&u, 0, sizeof u);
	common(&u.h.c, 6);
	u.h.c.vlan_count = 2;
	u.h.c.vlan[0] = 100;
	u.h.c.vlan[1] = 7;
	sl_meta_put(&b, &u.h.hostname, "ex\"am\\ple.com", 13);
	sl_meta_put(&b, &u.h.url, "/a\x01\tb\n", 6);
	sl_meta_put(&b, &u.h.user_agent, "caf\xc3\xa9 \xff\xfe", 8); /* é kept, stray bytes escaped */
	sl_meta_put(&b, &u.h.method, "GET", 3);
	sl_meta_put(&b, &u.h.protocol, "HTTP/1.1", 8);
	u.h.status = 200;
	u.h.length = 1234;
	size_t n = sl_json_encode(&enc, u.b, b.used, SL_REC_HTTP, out, sizeof out);
	REQUIRE(n > 0 && out[n - 1] == '\n');
	out[n - 1] = 0;
	CHECK_STR(out, "{\"timestamp\":\"2023-11-14T22:13:20.123456+0000\",\"flow_id\":42,\"vlan\":[100,7],"
	               "\"event_type\":\"http\",\"src_ip\":\"10.0.0.1\",\"src_port\":5555,\"dest_ip\":\"192.168.100.254\","
	               "\"dest_port\":80,\"proto\":\"TCP\",\"http\":{\"hostname\":\"ex\\\"am\\\\ple.com\","
	               "\"url\":\"/a\\u0001\\tb\\n\",\"http_user_agent\":\"caf\xc3\xa9 \\u00ff\\u00fe\","
	               "\"http_method\":\"GET\",\"protocol\":\"HTTP/1.1\",\"status\":200,\"length\":1234}}");

	/* too small a buffer: refused whole, never cut */
	CHECK_EQ(sl_json_encode(&enc, u.b, b.used, SL_REC_HTTP, out, 100), 0);
	/* a string offset outside the record */
	u.h.url.off = 1000;
	CHECK_EQ(sl_json_encode(&enc, u.b, b.used, SL_REC_HTTP, out, sizeof out), 0);
	/* shorter than its fixed part, or of an unknown type */
	CHECK_EQ(sl_json_encode(&enc, u.b, 8, SL_REC_HTTP, out, sizeof out), 0);
	CHECK_EQ(sl_json_encode(&enc, u.b, b.used, 999, out, sizeof out), 0);
}

static void test_dns_ipv6(void)
{
	union {
		struct sl_ev_dns d;
		uint8_t b[1024];
	} u;
	struct sl_json_enc enc = { 0 };
	char out[2048];

	memset(&u, 0, sizeof u);
	common(&u.d.c, 17);
	u.d.c.ipver = 6;
	memset(u.d.c.src, 0, 16);
	u.d.c.src[0] = 0x20, u.d.c.src[1] = 0x01, u.d.c.src[15] = 1;
	memset(u.d.c.dst, 0, 16);
	u.d.c.dst[15] = 1;
	u.d.c.dport = 53;
	u.d.id = 4660;
	u.d.flags = 0x8183; /* QR RD RA, NXDOMAIN */
	u.d.tx_id = 1;
	u.d.n_rr = 5;
	struct sl_meta_builder b = { u.b, (uint32_t)(sizeof u.d + 5 * sizeof u.d.rr[0]) };
	u.d.rr[0].section = SL_EV_DNS_QUESTION;
	u.d.rr[0].rrtype = 1;
	sl_meta_put(&b, &u.d.rr[0].rrname, "example.org", 11);
	u.d.rr[1].section = SL_EV_DNS_ANSWER;
	u.d.rr[1].rrtype = 5;
	u.d.rr[1].ttl = 300;
	u.d.rr[1].kind = SL_DNS_RD_TEXT;
	sl_meta_put(&b, &u.d.rr[1].rrname, "example.org", 11);
	sl_meta_put(&b, &u.d.rr[1].rdata, "www.example.org", 15);
	u.d.rr[2].section = SL_EV_DNS_ANSWER;
	u.d.rr[2].rrtype = 33;
	u.d.rr[2].ttl = 5;
	u.d.rr[2].kind = SL_DNS_RD_SRV;
	u.d.rr[2].v[0] = 10, u.d.rr[2].v[1] = 1, u.d.rr[2].v[2] = 5060;
	sl_meta_put(&b, &u.d.rr[2].rrname, "_sip.example.org", 16);
	sl_meta_put(&b, &u.d.rr[2].rdata, "sip.example.org", 15);
	u.d.rr[3].section = SL_EV_DNS_AUTHORITY;
	u.d.rr[3].rrtype = 6;
	u.d.rr[3].ttl = 899;
	u.d.rr[3].kind = SL_DNS_RD_SOA;
	for (int i = 0; i < 5; i++)
		u.d.rr[3].v[i] = (uint32_t)(i + 1);
	sl_meta_put(&b, &u.d.rr[3].rrname, "org", 3);
	sl_meta_put(&b, &u.d.rr[3].rdata, "ns.org", 6);
	sl_meta_put(&b, &u.d.rr[3].rdata2, "host.org", 8);
	u.d.rr[4].section = SL_EV_DNS_ADDITIONAL;
	u.d.rr[4].rrtype = 41;
	u.d.rr[4].kind = SL_DNS_RD_OPT;
	sl_meta_put(&b, &u.d.rr[4].rdata, "\0\x0a\0\x02\xab\xcd", 6);
	size_t n = sl_json_encode(&enc, u.b, b.used, SL_REC_DNS, out, sizeof out);
	REQUIRE(n > 0);
	out[n - 1] = 0;
	CHECK_STR(out, "{\"timestamp\":\"2023-11-14T22:13:20.123456+0000\",\"flow_id\":42,\"event_type\":\"dns\","
	               "\"src_ip\":\"2001:0000:0000:0000:0000:0000:0000:0001\",\"src_port\":5555,\"dest_ip\":\"0000:0000:0000:0000:0000:0000:0000:0001\",\"dest_port\":53,\"proto\":\"UDP\","
	               "\"dns\":{\"version\":3,\"type\":\"response\",\"tx_id\":1,\"id\":4660,\"flags\":\"8183\",\"qr\":true,"
	               "\"rd\":true,\"ra\":true,\"opcode\":0,\"rcode\":\"NXDOMAIN\","
	               "\"queries\":[{\"rrname\":\"example.org\",\"rrtype\":\"A\"}],"
	               "\"answers\":[{\"rrname\":\"example.org\",\"rrtype\":\"CNAME\",\"ttl\":300,\"rdata\":\"www.example.org\"},"
	               "{\"rrname\":\"_sip.example.org\",\"rrtype\":\"SRV\",\"ttl\":5,\"srv\":{\"priority\":10,\"weight\":1,"
	               "\"port\":5060,\"name\":\"sip.example.org\"}}],"
	               "\"grouped\":{\"CNAME\":[\"www.example.org\"],\"SRV\":[{\"priority\":10,\"weight\":1,\"port\":5060,"
	               "\"name\":\"sip.example.org\"}]},"
	               "\"authorities\":[{\"rrname\":\"org\",\"rrtype\":\"SOA\",\"ttl\":899,\"soa\":{\"mname\":\"ns.org\","
	               "\"rname\":\"host.org\",\"serial\":1,\"refresh\":2,\"retry\":3,\"expire\":4,\"minimum\":5}}],"
	               "\"additionals\":[{\"rrname\":\"\",\"rrtype\":\"OPT\",\"ttl\":0,\"opt\":[{\"code\":10,\"data\":\"abcd\"}]}]}}");
	/* a request: no qr, flags without leading zeros */
	u.d.flags = 0x0100;
	u.d.n_rr = 1;
	n = sl_json_encode(&enc, u.b, b.used, SL_REC_DNS, out, sizeof out);
	REQUIRE(n > 0);
	out[n - 1] = 0;
	CHECK(strstr(out, "\"dns\":{\"version\":3,\"type\":\"request\",\"tx_id\":1,\"id\":4660,\"flags\":\"100\","
	                  "\"rd\":true,\"opcode\":0,\"rcode\":\"NOERROR\",\"queries\":[{\"rrname\":\"example.org\","
	                  "\"rrtype\":\"A\"}]}}") != NULL);
	/* more entries claimed than the record holds */
	u.d.n_rr = 200;
	CHECK_EQ(sl_json_encode(&enc, u.b, b.used, SL_REC_DNS, out, sizeof out), 0);
}

/* The same record encoded with and without an enrichment block: the enriched line is the plain
 * one with `extra` inserted once, right after the common fields. */
static void check_enriched(const char *what, uint8_t *rec, uint32_t fixed_used, uint16_t type, const char *extra)
{
	static const struct sl_meta_geo src = {
		.country = { "US", 2 }, .city = { "Mountain \"View\"", 15 }, .as_org = { "GOOGLE", 6 },
		.lat_e6 = 37751000, .lon_e6 = -97822000, .asn = 15169, .flags = SL_GEO_LOCATION | SL_GEO_ASN,
	};
	static const struct sl_meta_geo dst = { .country = { "DE", 2 }, .lat_e6 = 500, .lon_e6 = -1,
		                                .flags = SL_GEO_LOCATION };
	static const struct sl_meta_alert alert = { .signature = { "watchlist hit", 13 },
		                                    .category = { "bad-domain", 10 },
		                                    .watchlist = { "feeds/c2", 8 }, .severity = 2 };
	const struct sl_meta_enrichment en = { &src, &dst, &alert };
	struct sl_json_enc enc = { 0 };
	struct sl_ev_common *c = (struct sl_ev_common *)(void *)rec;
	char plain[8192], rich[8192], want[8192];

	c->enrich = 0;
	size_t n = sl_json_encode(&enc, rec, fixed_used, type, plain, sizeof plain);
	REQUIRE(n > 0);
	plain[n] = 0;
	struct sl_meta_builder b = { rec, fixed_used + 1 }; /* misaligned on purpose: the builder aligns */
	uint32_t room = sl_meta_enrich_size(&en);
	sl_meta_enrich(&b, c, &en);
	CHECK(b.used <= fixed_used + 1 + room);
	CHECK_EQ(c->enrich % 4, 0);
	size_t m = sl_json_encode(&enc, rec, b.used, type, rich, sizeof rich);
	REQUIRE(m > 0);
	rich[m] = 0;
	/* the plain line with extra inserted after "proto":"..." */
	const char *at = strstr(plain, ",\"proto\":\"");
	REQUIRE(at != NULL);
	at = strchr(at + 10, '"') + 1;
	snprintf(want, sizeof want, "%.*s%s%s", (int)(at - plain), plain, extra, at);
	if (strcmp(rich, want) != 0)
		fprintf(stderr, "%s:\n", what);
	CHECK_STR(rich, want);

	/* a block that does not lie inside the record refuses it */
	uint32_t good = c->enrich;
	c->enrich = 8; /* inside the common part */
	CHECK_EQ(sl_json_encode(&enc, rec, b.used, type, rich, sizeof rich), 0);
	c->enrich = b.used - 4; /* runs past the end */
	CHECK_EQ(sl_json_encode(&enc, rec, b.used, type, rich, sizeof rich), 0);
	c->enrich = 0xfffffff0u; /* off + size wraps in 32 bits */
	CHECK_EQ(sl_json_encode(&enc, rec, b.used, type, rich, sizeof rich), 0);
	/* a string of the block outside the record */
	c->enrich = good;
	struct sl_ev_enrich *e = (struct sl_ev_enrich *)(void *)(rec + good);
	uint32_t keep = e->src.city.off;
	e->src.city.off = 0xffffffffu; /* off + len wraps in 32 bits */
	CHECK_EQ(sl_json_encode(&enc, rec, b.used, type, rich, sizeof rich), 0);
	e->src.city.off = keep;
	CHECK(sl_json_encode(&enc, rec, b.used, type, rich, sizeof rich) == m);
	c->enrich = 0;
}

static void test_enrichment(void)
{
	static const char extra[] =
		",\"src_geo\":{\"country\":\"US\",\"city\":\"Mountain \\\"View\\\"\",\"latitude\":37.751,"
		"\"longitude\":-97.822,\"asn\":15169,\"as_org\":\"GOOGLE\"}"
		",\"dest_geo\":{\"country\":\"DE\",\"latitude\":0.0005,\"longitude\":-0.000001}"
		",\"alert\":{\"severity\":2,\"signature\":\"watchlist hit\",\"category\":\"bad-domain\","
		"\"watchlist\":\"feeds/c2\"}";
	static uint8_t buf[4096] __attribute__((aligned(8)));

	/* flow */
	memset(buf, 0, sizeof buf);
	struct sl_ev_flow *f = (struct sl_ev_flow *)(void *)buf;
	common(&f->c, 6);
	f->start_ns = f->c.ts_ns;
	f->end_ns = f->c.ts_ns + 2000000000ull;
	f->pkts_toserver = 3;
	check_enriched("flow", buf, sizeof *f, SL_REC_FLOW, extra);

	/* http */
	memset(buf, 0, sizeof buf);
	struct sl_ev_http *h = (struct sl_ev_http *)(void *)buf;
	struct sl_meta_builder b = { buf, sizeof *h };
	common(&h->c, 6);
	sl_meta_put(&b, &h->hostname, "example.com", 11);
	sl_meta_put(&b, &h->method, "GET", 3);
	h->status = 404;
	check_enriched("http", buf, b.used, SL_REC_HTTP, extra);

	/* tls */
	memset(buf, 0, sizeof buf);
	struct sl_ev_tls *t = (struct sl_ev_tls *)(void *)buf;
	b = (struct sl_meta_builder){ buf, sizeof *t };
	common(&t->c, 6);
	sl_meta_put(&b, &t->version_name, "TLS 1.3", 7);
	sl_meta_put(&b, &t->sni, "example.net", 11);
	sl_meta_put(&b, &t->alpn, "h2,http/1.1", 11);
	check_enriched("tls", buf, b.used, SL_REC_TLS, extra);

	/* dns */
	memset(buf, 0, sizeof buf);
	struct sl_ev_dns *d = (struct sl_ev_dns *)(void *)buf;
	common(&d->c, 17);
	d->n_rr = 2;
	d->flags = 0x8180;
	b = (struct sl_meta_builder){ buf, (uint32_t)(sizeof *d + 2 * sizeof d->rr[0]) };
	d->rr[0].rrtype = 1;
	sl_meta_put(&b, &d->rr[0].rrname, "example.org", 11);
	d->rr[1].section = SL_EV_DNS_ANSWER;
	d->rr[1].kind = SL_DNS_RD_TEXT;
	sl_meta_put(&b, &d->rr[1].rrname, "example.org", 11);
	sl_meta_put(&b, &d->rr[1].rdata, "192.0.2.1", 9);
	d->rr[1].rrtype = 1;
	check_enriched("dns", buf, b.used, SL_REC_DNS, extra);

	/* an enrichment with no part adds nothing */
	const struct sl_meta_enrichment none = { 0 };
	CHECK_EQ(sl_meta_enrich_size(&none), 0);
	CHECK_EQ(sl_meta_enrich_size(NULL), 0);
	uint32_t used = b.used;
	sl_meta_enrich(&b, &d->c, &none);
	CHECK_EQ(b.used, used);
	CHECK_EQ(d->c.enrich, 0);
}

/* A DNS record with long rdata (NULL records): past 64 KiB, so string offsets above 65535
 * must survive (16-bit offsets wrapped and pointed the last strings at the wrong bytes), and
 * rdata is written whole, never cut at SL_MSTR_MAX. */
static void test_large_record(void)
{
	const uint32_t nans = 16, rdlen = 5000;
	uint32_t size = (uint32_t)(sizeof(struct sl_ev_dns) + (nans + 1) * sizeof(struct sl_ev_dns_rr)) +
	                SL_MSTR_MAX + nans * (SL_MSTR_MAX + rdlen);
	uint8_t *rec = aligned_alloc(8, (size + 7) & ~7u);
	char *str = malloc(rdlen + 1), *out = malloc(1 << 20);
	struct sl_json_enc enc = { 0 };

	REQUIRE(rec && str && out);
	CHECK(size > 65536);
	memset(rec, 0, size);
	struct sl_ev_dns *d = (struct sl_ev_dns *)(void *)rec;
	common(&d->c, 17);
	d->flags = 0x8000;
	d->n_rr = (uint16_t)(nans + 1);
	struct sl_meta_builder b = { rec, (uint32_t)(sizeof *d + (nans + 1) * sizeof d->rr[0]) };
	memset(str, 'q', SL_MSTR_MAX);
	sl_meta_put(&b, &d->rr[0].rrname, str, SL_MSTR_MAX + 100); /* cut at SL_MSTR_MAX */
	CHECK_EQ(d->rr[0].rrname.len, SL_MSTR_MAX);
	for (uint32_t i = 1; i <= nans; i++) {
		d->rr[i].section = SL_EV_DNS_ANSWER;
		d->rr[i].kind = SL_DNS_RD_TEXT;
		d->rr[i].rrtype = 10;
		memset(str, 'a' + (int)i, SL_MSTR_MAX);
		sl_meta_put(&b, &d->rr[i].rrname, str, SL_MSTR_MAX);
		memset(str, 'A' + (int)i, rdlen);
		d->rr[i].rdata.off = b.used;
		d->rr[i].rdata.len = rdlen;
		memcpy(rec + b.used, str, rdlen);
		b.used += rdlen;
	}
	CHECK_EQ(b.used, size);
	CHECK(d->rr[nans].rdata.off > 65535);
	size_t n = sl_json_encode(&enc, rec, b.used, SL_REC_DNS, out, 1 << 20);
	REQUIRE(n > 0);
	out[n] = 0;
	/* the last answer's rdata, whole, is the last of the grouped NULL list */
	memset(str, 'A' + (int)nans, rdlen);
	str[rdlen] = 0;
	char *tail = malloc(rdlen + 32);
	snprintf(tail, rdlen + 32, "\"%s\"]}}}\n", str);
	CHECK(n > strlen(tail) && strcmp(out + n - strlen(tail), tail) == 0);
	snprintf(tail, rdlen + 32, "\"rdata\":\"%s\"}]", str);
	CHECK(strstr(out, tail) != NULL);
	free(tail);
	free(rec);
	free(str);
	free(out);
}

int main(void)
{
	test_http();
	test_dns_ipv6();
	test_enrichment();
	test_large_record();
	return check_result();
}
