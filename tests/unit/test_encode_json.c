/* SPDX-License-Identifier: MIT */
/*
 * The EVE JSON encoder: exact output for each record type, escaping of every byte a packet can
 * carry (quotes, control bytes, broken UTF-8), and refusal of records whose string offsets
 * point outside them or that do not fit the caller's buffer.
 */
#include <string.h>

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
	u.d.flags = 0x8180;
	u.d.is_response = 1;
	u.d.rcode = 3;
	u.d.rrtype = 1;
	u.d.answer_count = 1;
	struct sl_meta_builder b = { u.b, (uint32_t)(sizeof u.d + sizeof u.d.answers[0]) };
	sl_meta_put(&b, &u.d.rrname, "example.org", 11);
	u.d.answers[0].rrtype = 5;
	u.d.answers[0].ttl = 300;
	sl_meta_put(&b, &u.d.answers[0].rrname, "example.org", 11);
	sl_meta_put(&b, &u.d.answers[0].rdata, "www.example.org", 15);
	size_t n = sl_json_encode(&enc, u.b, b.used, SL_REC_DNS, out, sizeof out);
	REQUIRE(n > 0);
	out[n - 1] = 0;
	CHECK_STR(out, "{\"timestamp\":\"2023-11-14T22:13:20.123456+0000\",\"flow_id\":42,\"event_type\":\"dns\","
	               "\"src_ip\":\"2001:0000:0000:0000:0000:0000:0000:0001\",\"src_port\":5555,\"dest_ip\":\"0000:0000:0000:0000:0000:0000:0000:0001\",\"dest_port\":53,\"proto\":\"UDP\","
	               "\"dns\":{\"type\":\"answer\",\"id\":4660,\"flags\":\"8180\",\"rd\":true,\"ra\":true,"
	               "\"rrname\":\"example.org\",\"rrtype\":\"A\",\"rcode\":\"NXDOMAIN\",\"answers\":[{\"rrname\":"
	               "\"example.org\",\"rrtype\":\"CNAME\",\"ttl\":300,\"rdata\":\"www.example.org\"}]}}");
	/* more answers claimed than the record holds */
	u.d.answer_count = 200;
	CHECK_EQ(sl_json_encode(&enc, u.b, b.used, SL_REC_DNS, out, sizeof out), 0);
}

int main(void)
{
	test_http();
	test_dns_ipv6();
	return check_result();
}
