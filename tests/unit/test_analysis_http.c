/* SPDX-License-Identifier: MIT */
/*
 * HTTP parser pool exhaustion in the worker: with one parser (app.http.max-sessions=1) and two
 * keep-alive connections, the connection that finds the pool empty is skipped (its bytes
 * counted in http_skipped_bytes) and picked up again at its next request once the parser is
 * free, whether it was starved from its first request or later, between two transactions.
 *
 * Then traffic that is not textbook, each case a connection of crafted packets checked field
 * by field in the records: the request lost (the server's bytes come first), a connection
 * picked up mid-stream at a response, an odd method sent one byte per segment with an IPv6
 * Host, junk before a request, HTTP/0.9, an absolute-form target, malformed header lines and
 * conflicting framing, and gaps inside a body and across message boundaries; and overlapping
 * segments that disagree, read by the configured target policy.
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

/* ---- records, field by field ---------------------------------------------------------- */

struct hrec {
	char method[32], url[96], host[64], proto[16], ctype[32];
	unsigned status, port;
	unsigned long long length;
};
static struct hrec recs[16];
static unsigned nrecs;

static void cpm(char *dst, size_t cap, const struct sl_rec *r, struct sl_mstr m)
{
	size_t n = m.len < cap - 1 ? m.len : cap - 1;
	memcpy(dst, (const char *)r->data + m.off, n);
	dst[n] = '\0';
}

static void on_full(struct harness *h, const struct sl_rec *r)
{
	(void)h;
	if (r->type != SL_REC_HTTP || nrecs == 16)
		return;
	const struct sl_ev_http *e = r->data;
	struct hrec *x = &recs[nrecs++];
	cpm(x->method, sizeof x->method, r, e->method);
	cpm(x->url, sizeof x->url, r, e->url);
	cpm(x->host, sizeof x->host, r, e->hostname);
	cpm(x->proto, sizeof x->proto, r, e->protocol);
	cpm(x->ctype, sizeof x->ctype, r, e->content_type);
	x->status = e->status;
	x->port = e->port;
	x->length = e->length;
}

static void start(struct harness *h)
{
	h_init(h, NULL);
	h->on_rec = on_full;
	nrecs = 0;
	memset(recs, 0, sizeof recs);
}

static struct sl_analysis_counters finish(struct harness *h, struct hconn *c)
{
	h_close(h, c);
	sl_analysis_flush(h->w->an);
	h_drain(h);
	return h_counters(h);
}

#define CHECK_STR(a, b)                                                              \
	do {                                                                         \
		if (strcmp((a), (b)) == 0) {                                         \
			check_passed_++;                                             \
		} else {                                                             \
			check_failed_++;                                             \
			fprintf(stderr, "%s:%d: %s == \"%s\", want \"%s\"\n", __FILE__, __LINE__, #a, (a), (b)); \
		}                                                                    \
	} while (0)

#define SEND(h, c, dir, lit, seg) h_send(h, c, dir, lit, sizeof(lit) - 1, seg)

/* Overlapping segments that disagree (evasion): the configured target policy decides what
 * the HTTP parser reads. "/" is lost at first, "aaaa" waits behind it, then "/bbbb" comes in
 * order over it: a segment starting before the old one wins on bsd (the default), not on
 * first. */
static void overlap_policy(const char *const *sets, const char *want)
{
	struct harness h;
	struct hconn c = { .cport = 42100, .sport = 80 };
	static const char req[] = "GET /xxxx HTTP/1.1\r\nHost: h\r\n\r\n";

	h_init(&h, sets);
	h.on_rec = on_full;
	nrecs = 0;
	h_handshake(&h, &c);
	uint32_t base = c.seq[0];
	h_tcp(&h, &c, 0, TH_ACK, "GET ", 4);
	c.seq[0] = base + 5;
	h_tcp(&h, &c, 0, TH_ACK, "aaaa", 4);
	c.seq[0] = base + 4;
	h_tcp(&h, &c, 0, TH_ACK, "/bbbb", 5);
	h_tcp(&h, &c, 0, TH_ACK | TH_PSH, req + 9, sizeof req - 1 - 9);
	SEND(&h, &c, 1, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 1460);
	struct sl_analysis_counters k = finish(&h, &c);
	CHECK_EQ(nrecs, 1);
	CHECK_STR(recs[0].url, want);
	CHECK_EQ(k.tcp_overlap_conflicts, 1);
	h_fini(&h);
}

static void odd_traffic(void)
{
	struct harness h;
	struct sl_analysis_counters k;

	/* the request was lost: the server's response comes first, then a request is seen */
	{
		struct hconn c = { .cport = 42001, .sport = 80 };
		start(&h);
		h_handshake(&h, &c);
		c.seq[0] += 40; /* the request this capture missed */
		SEND(&h, &c, 1, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\n\r\nhello", 1460);
		SEND(&h, &c, 0, "GET /next HTTP/1.1\r\nHost: Example.COM:8080\r\n\r\n", 1460);
		SEND(&h, &c, 1, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", 1460);
		k = finish(&h, &c);
		CHECK_EQ(nrecs, 2);
		CHECK_STR(recs[0].method, "");
		CHECK_STR(recs[0].url, "");
		CHECK_EQ(recs[0].status, 200);
		CHECK_EQ(recs[0].length, 5);
		CHECK_STR(recs[0].ctype, "text/html");
		CHECK_STR(recs[1].method, "GET");
		CHECK_STR(recs[1].url, "/next");
		CHECK_STR(recs[1].host, "example.com");
		CHECK_EQ(recs[1].port, 8080);
		CHECK_EQ(recs[0].port, 0);
		CHECK_EQ(recs[1].status, 404);
		CHECK_EQ(k.http_errors, 0);
		h_fini(&h);
	}

	/* picked up mid-stream at a response: the flow takes the server for the client */
	{
		struct hconn c = { .cport = 42002, .sport = 80 };
		start(&h);
		c.seq[0] = 7000;
		c.seq[1] = 9000;
		SEND(&h, &c, 1, "HTTP/1.1 301 Moved\r\nContent-Length: 3\r\n\r\nabc", 1460);
		SEND(&h, &c, 0, "GET /after HTTP/1.1\r\nHost: h\r\n\r\n", 1460);
		SEND(&h, &c, 1, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 1460);
		k = finish(&h, &c);
		CHECK_EQ(nrecs, 2);
		CHECK_EQ(recs[0].status, 301);
		CHECK_EQ(recs[0].length, 3);
		CHECK_STR(recs[1].url, "/after");
		CHECK_EQ(recs[1].status, 200);
		CHECK_EQ(recs[1].length, 2);
		h_fini(&h);
	}

	/* an unknown method one byte per segment; an IPv6 literal keeps its brackets */
	{
		struct hconn c = { .cport = 42003, .sport = 8080 };
		start(&h);
		h_handshake(&h, &c);
		SEND(&h, &c, 0, "BREW /pot HTTP/1.1\r\nHost: [2001:DB8::1]:8080\r\n\r\n", 1);
		SEND(&h, &c, 1, "HTTP/1.1 418 I'm a teapot\r\nContent-Length: 0\r\n\r\n", 1460);
		k = finish(&h, &c);
		CHECK_EQ(nrecs, 1);
		CHECK_STR(recs[0].method, "BREW");
		CHECK_STR(recs[0].url, "/pot");
		CHECK_STR(recs[0].host, "[2001:db8::1]");
		CHECK_EQ(recs[0].port, 8080);
		CHECK_EQ(recs[0].status, 418);
		h_fini(&h);
	}

	/* junk and blank lines before the request */
	{
		struct hconn c = { .cport = 42004, .sport = 80 };
		start(&h);
		h_handshake(&h, &c);
		SEND(&h, &c, 0, "\r\n\r\nxx\r\nGET /j HTTP/1.0\r\nHost: h\r\n\r\n", 1460);
		SEND(&h, &c, 1, "HTTP/1.0 200 OK\r\n\r\nbody", 1460);
		k = finish(&h, &c);
		CHECK_EQ(nrecs, 1);
		CHECK_STR(recs[0].url, "/j");
		CHECK_STR(recs[0].proto, "HTTP/1.0");
		CHECK_EQ(recs[0].length, 4);
		CHECK_EQ(k.http_bad_lines, 1);
		h_fini(&h);
	}

	/* HTTP/0.9: no version, no response head */
	{
		struct hconn c = { .cport = 42005, .sport = 80 };
		start(&h);
		h_handshake(&h, &c);
		SEND(&h, &c, 0, "GET /old\r\n", 1460);
		SEND(&h, &c, 1, "<html>0.9</html>", 1460);
		k = finish(&h, &c);
		CHECK_EQ(nrecs, 1);
		CHECK_STR(recs[0].method, "GET");
		CHECK_STR(recs[0].url, "/old");
		CHECK_STR(recs[0].proto, "");
		CHECK_EQ(recs[0].status, 0);
		CHECK_EQ(recs[0].length, 16);
		h_fini(&h);
	}

	/* absolute-form target: its authority is the hostname; malformed lines and a
	 * Content-Length beside chunked are counted, the transaction kept */
	{
		struct hconn c = { .cport = 42006, .sport = 3128 };
		start(&h);
		h_handshake(&h, &c);
		SEND(&h, &c, 0, "GET http://User@WWW.Example.org:8080/p?q HTTP/1.1\r\nHost: other\r\n"
		                "bogus line\r\n\r\n", 1460);
		SEND(&h, &c, 1, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
		                "3\r\nabc\r\n0\r\n\r\n", 1460);
		k = finish(&h, &c);
		CHECK_EQ(nrecs, 1);
		CHECK_STR(recs[0].host, "www.example.org");
		CHECK_EQ(recs[0].port, 8080);
		CHECK_STR(recs[0].url, "http://User@WWW.Example.org:8080/p?q");
		CHECK_EQ(recs[0].length, 3);
		CHECK_EQ(k.http_bad_lines, 1);
		CHECK_EQ(k.http_framing, 1);
		h_fini(&h);
	}

	/* gaps: inside a body (skipped as body), then the rest of a request and a whole response
	 * lost (both directions resync); every later request is logged */
	{
		static char body[1000];
		struct hconn c = { .cport = 42007, .sport = 80 };
		memset(body, 'b', sizeof body);
		start(&h);
		h_handshake(&h, &c);
		SEND(&h, &c, 0, "GET /1 HTTP/1.1\r\nHost: h\r\n\r\n", 1460);
		SEND(&h, &c, 1, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", 1460);
		h_send(&h, &c, 1, body, 400, 1460);
		c.seq[1] += 300; /* lost inside the body */
		h_send(&h, &c, 1, body, 300, 1460);
		SEND(&h, &c, 0, "GET /2 HT", 1460); /* its ACK settles the body's gap */
		c.seq[0] += 19;                       /* the rest of request 2 is lost... */
		c.seq[1] += 38;                       /* ...and all of its response */
		SEND(&h, &c, 0, "GET /3 HTTP/1.1\r\nHost: h\r\n\r\n", 1460);
		SEND(&h, &c, 1, "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n", 1460);
		SEND(&h, &c, 0, "GET /4 HTTP/1.1\r\nHost: h\r\n\r\n", 1460);
		SEND(&h, &c, 1, "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n", 1460);
		k = finish(&h, &c);
		CHECK_EQ(k.tcp_gaps, 3);
		CHECK_EQ(nrecs, 3);
		CHECK_STR(recs[0].url, "/1");
		CHECK_EQ(recs[0].status, 200);
		CHECK_EQ(recs[0].length, 1000);
		CHECK_STR(recs[1].url, "/3");
		CHECK_EQ(recs[1].status, 201);
		CHECK_STR(recs[2].url, "/4");
		CHECK_EQ(recs[2].status, 202);
		CHECK_EQ(k.http_resyncs, 2);
		CHECK_EQ(k.http_errors, 0);
		h_fini(&h);
	}
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

	odd_traffic();
	overlap_policy(NULL, "/bbbb");
	overlap_policy((const char *const[]){ "tcp.overlap-policy=first", NULL }, "/aaaa");
	overlap_policy((const char *const[]){ "tcp.overlap-policy=linux", NULL }, "/bbbb");
	overlap_policy((const char *const[]){ "tcp.overlap-policy=vista", NULL }, "/aaaa");
	return check_result();
}
