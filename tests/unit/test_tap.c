/* SPDX-License-Identifier: MIT */
/*
 * The public tap layout (include/sluice/tap.h) against the engine's records: a record built with
 * the engine's own builders (record_meta.h) reads back through the public structs field for
 * field, passes sl_tap_check, and each way a record can lie is refused: another version, a
 * length short of the fixed part, a string past the end, DNS entries past the end, an enrichment
 * block out of place, a type the layout does not describe.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "record_meta.h"
#include "sluice/tap.h"

union rec {
	struct sl_ev_http h;
	struct sl_ev_dns d;
	uint64_t align;
	uint8_t b[2048];
};

static uint32_t build_http(union rec *u, int enrich)
{
	struct sl_meta_builder b = { u->b, sizeof u->h };
	struct sl_meta_geo g = { .country = { "DE", 2 }, .city = { "Berlin", 6 }, .asn = 3320, .flags = SL_GEO_ASN };
	struct sl_meta_enrichment en = { .src = &g };

	memset(u, 0, sizeof *u);
	u->h.c.ts_ns = 1700000000123456789ull;
	u->h.c.flow_id = 42;
	u->h.c.sport = 5555;
	u->h.c.dport = 80;
	u->h.c.version = SL_TAP_VERSION;
	u->h.status = 404;
	sl_meta_put(&b, &u->h.hostname, "example.com", 11);
	sl_meta_put(&b, &u->h.url, "/index.html", 11);
	sl_meta_put(&b, &u->h.method, "GET", 3);
	if (enrich)
		sl_meta_enrich(&b, &u->h.c, &en);
	return b.used;
}

static void test_read_back(void)
{
	union rec u;
	uint32_t len = build_http(&u, 1);
	const struct sl_tap_http *t = (const void *)u.b;

	CHECK_EQ(sl_tap_check(u.b, len, SL_REC_HTTP), 0);
	CHECK_EQ(t->c.flow_id, 42);
	CHECK_EQ(t->c.sport, 5555);
	CHECK_EQ(t->status, 404);
	CHECK(t->hostname.len == 11 && memcmp(sl_tap_str_ptr(u.b, t->hostname), "example.com", 11) == 0);
	CHECK(t->url.len == 11 && memcmp(sl_tap_str_ptr(u.b, t->url), "/index.html", 11) == 0);
	CHECK(t->c.enrich != 0);
	const struct sl_tap_enrich *e = (const void *)(u.b + t->c.enrich);
	CHECK_EQ(e->flags, SL_TAP_ENRICH_SRC_GEO);
	CHECK_EQ(e->src.asn, 3320);
	CHECK(e->src.city.len == 6 && memcmp(sl_tap_str_ptr(u.b, e->src.city), "Berlin", 6) == 0);
}

static void test_refusals(void)
{
	union rec u;
	uint32_t len = build_http(&u, 1);

	u.h.c.version = SL_TAP_VERSION + 1;
	CHECK_EQ(sl_tap_check(u.b, len, SL_REC_HTTP), SL_TAP_EVERSION);
	u.h.c.version = SL_TAP_VERSION;
	CHECK_EQ(sl_tap_check(u.b, sizeof(struct sl_tap_http) - 1, SL_REC_HTTP), SL_TAP_EBADREC);
	CHECK_EQ(sl_tap_check(u.b, 8, SL_REC_HTTP), SL_TAP_EBADREC);
	CHECK_EQ(sl_tap_check(u.b, len, SL_REC_PACKET), SL_TAP_ETYPE);
	/* the url ends one byte past the record */
	u.h.url.off = len - u.h.url.len + 1;
	CHECK_EQ(sl_tap_check(u.b, len, SL_REC_HTTP), SL_TAP_EBADREC);
	/* an offset that wraps 32 bits with its length */
	u.h.url.off = UINT32_MAX - 2;
	CHECK_EQ(sl_tap_check(u.b, len, SL_REC_HTTP), SL_TAP_EBADREC);
	len = build_http(&u, 1);
	u.h.c.enrich += 2; /* misaligned */
	CHECK_EQ(sl_tap_check(u.b, len, SL_REC_HTTP), SL_TAP_EBADREC);
	len = build_http(&u, 1);
	CHECK_EQ(sl_tap_check(u.b, u.h.c.enrich + 8, SL_REC_HTTP), SL_TAP_EBADREC); /* block cut short */
	len = build_http(&u, 0);
	CHECK_EQ(u.h.c.enrich, 0);
	CHECK_EQ(sl_tap_check(u.b, len, SL_REC_HTTP), 0);

	/* DNS: entries counted past the record, a string of one past it */
	memset(&u, 0, sizeof u);
	u.d.c.version = SL_TAP_VERSION;
	u.d.n_rr = 2;
	len = (uint32_t)(sizeof u.d + 2 * sizeof u.d.rr[0]);
	CHECK_EQ(sl_tap_check(u.b, len, SL_REC_DNS), 0);
	CHECK_EQ(sl_tap_check(u.b, len - 1, SL_REC_DNS), SL_TAP_EBADREC);
	u.d.rr[1].rdata2 = (struct sl_mstr){ .off = len - 4, .len = 5 };
	CHECK_EQ(sl_tap_check(u.b, len, SL_REC_DNS), SL_TAP_EBADREC);
	u.d.rr[1].rdata2 = (struct sl_mstr){ .off = len - 4, .len = 4 };
	CHECK_EQ(sl_tap_check(u.b, len, SL_REC_DNS), 0);
	u.d.n_rr = 100;
	CHECK_EQ(sl_tap_check(u.b, sizeof u.b, SL_REC_DNS), SL_TAP_EBADREC);
}

int main(void)
{
	test_read_back();
	test_refusals();
	return check_result();
}
