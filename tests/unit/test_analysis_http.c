/* SPDX-License-Identifier: MIT */
/*
 * HTTP parser pool exhaustion in the worker: with one parser (app.http.max-sessions=1) and two
 * keep-alive connections, the connection that finds the pool empty is skipped (its bytes
 * counted in http_skipped_bytes) and picked up again at its next request once the parser is
 * free, whether it was starved from its first request or later, between two transactions.
 */
#include "test_analysis_harness.h"

static const char *const pool_of_one[] = { "app.http.max-sessions=1", NULL };

static char urls[8][32];
static unsigned nurls;

static void on_rec(struct harness *h, const struct sl_rec *r)
{
	(void)h;
	if (r->type == SL_REC_HTTP && nurls < 8) {
		const struct sl_ev_http *e = r->data;
		snprintf(urls[nurls++], sizeof urls[0], "%u%.*s", e->c.sport, e->url.len, (const char *)r->data + e->url.off);
	}
}

static uint32_t req(struct harness *h, struct hconn *c, const char *path)
{
	char b[128];
	int n = snprintf(b, sizeof b, "GET %s HTTP/1.1\r\nHost: example.com\r\n\r\n", path);
	h_send(h, c, 0, b, (uint32_t)n, 1460);
	return (uint32_t)n;
}

static uint32_t resp(struct harness *h, struct hconn *c)
{
	static const char r[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
	h_send(h, c, 1, r, sizeof r - 1, 1460);
	return sizeof r - 1;
}

static int seen(const char *s)
{
	for (unsigned i = 0; i < nurls; i++)
		if (strcmp(urls[i], s) == 0)
			return 1;
	return 0;
}

int main(void)
{
	struct harness h;
	struct hconn a = { .cport = 41001, .sport = 80 }, b = { .cport = 41002, .sport = 80 };
	uint64_t skipped = 0;

	/* B finds the pool empty at its first request */
	h_init(&h, pool_of_one);
	h.on_rec = on_rec;
	nurls = 0;
	h_handshake(&h, &a);
	h_handshake(&h, &b);
	req(&h, &a, "/a1");            /* A takes the one parser */
	skipped += req(&h, &b, "/b1"); /* none left: skipped */
	resp(&h, &a);                  /* A is idle: the parser goes back */
	skipped += resp(&h, &b);
	req(&h, &b, "/b2");            /* B is picked up here */
	resp(&h, &b);
	h_close(&h, &a);
	h_close(&h, &b);
	sl_analysis_flush(h.w->an);
	h_drain(&h);
	struct sl_analysis_counters k = h_counters(&h);
	CHECK_EQ(h.recs[SL_REC_HTTP], 2);
	CHECK(seen("41001/a1"));
	CHECK(seen("41002/b2"));
	CHECK(!seen("41002/b1"));
	CHECK_EQ(k.http_skipped_bytes, skipped);
	CHECK_EQ(k.no_http_slot, 1);
	h_fini(&h);

	/* A is parked between transactions when B takes the parser; A's next request finds the
	 * pool empty, and the one after is parsed again */
	h_init(&h, pool_of_one);
	h.on_rec = on_rec;
	nurls = 0;
	skipped = 0;
	h_handshake(&h, &a);
	h_handshake(&h, &b);
	req(&h, &a, "/a1");
	resp(&h, &a);                  /* A parked */
	req(&h, &b, "/b1");            /* B takes the parser */
	skipped += req(&h, &a, "/a2"); /* none left for A */
	resp(&h, &b);                  /* B parked, the parser is free */
	skipped += resp(&h, &a);
	req(&h, &a, "/a3");
	resp(&h, &a);
	req(&h, &b, "/b2");
	resp(&h, &b);
	h_close(&h, &a);
	h_close(&h, &b);
	sl_analysis_flush(h.w->an);
	h_drain(&h);
	k = h_counters(&h);
	CHECK_EQ(h.recs[SL_REC_HTTP], 4);
	CHECK(seen("41001/a1"));
	CHECK(seen("41002/b1"));
	CHECK(seen("41001/a3"));
	CHECK(seen("41002/b2"));
	CHECK_EQ(k.http_skipped_bytes, skipped);
	CHECK_EQ(k.no_http_slot, 1);
	h_fini(&h);

	/* a request sent one byte per segment is still detected and parsed */
	h_init(&h, NULL);
	h.on_rec = on_rec;
	nurls = 0;
	struct hconn c = { .cport = 41003, .sport = 8080 };
	h_handshake(&h, &c);
	const char r1[] = "GET /c1 HTTP/1.1\r\nHost: example.com\r\n\r\n";
	h_send(&h, &c, 0, r1, sizeof r1 - 1, 1);
	resp(&h, &c);
	h_close(&h, &c);
	sl_analysis_flush(h.w->an);
	h_drain(&h);
	CHECK_EQ(h.recs[SL_REC_HTTP], 1);
	CHECK(seen("41003/c1"));
	CHECK_EQ(h_counters(&h).http_skipped_bytes, 0);
	h_fini(&h);

	return check_result();
}
