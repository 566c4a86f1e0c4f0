/* SPDX-License-Identifier: MIT */
/*
 * HTTP/1.x parsing. Each corpus HTTP connection is assembled per direction and fed whole,
 * then again in small uneven chunks and byte by byte: the three runs must agree, and the
 * messages must carry the values the manifest and tshark show (methods, URIs, hosts, user
 * agents, protocols, statuses, content types, lengths), the 40 pipelined transactions must
 * all be found, the chunked body de-chunked to its size, and the CONNECT tunnel handed over
 * at the right byte so the TLS inside parses. Hand-made streams cover HEAD, 1xx, 204/304,
 * read-until-close, LF-only lines, obs-fold, errors and the give-up state, and the traffic
 * that is not textbook: junk before a request, HTTP/0.9, malformed and over-long header lines,
 * libhtp's Content-Length / Transfer-Encoding rules, gaps inside bodies and across messages,
 * and the probes that detect HTTP from either side.
 */
#include "http.h"
#include "test_analysis_util.h"
#include "tls.h"

#include <errno.h>

struct hx {
	int is_resp, interim, status, chunked, ended, complete;
	int v09, truncated, framing, bad_lines, junk_lines, no_head;
	char method[32], uri[512], host[128], ua[256], proto[32], ctype[128];
	long long clen;
	unsigned long long body;
};

#define MAXM 128
struct hlog {
	struct hx m[2][MAXM];
	unsigned n[2];
	int errors[2], err_code[2], tunnel[2];
	size_t tunnel_at[2]; /* stream offset where the tunnel data starts */
};

static void cp(char *dst, size_t cap, struct sl_http_str s)
{
	size_t n = s.len < cap - 1 ? s.len : cap - 1;

	memcpy(dst, s.ptr ? s.ptr : "", n);
	dst[n] = '\0';
}

static void record(struct hlog *L, int dir, int ev, const struct sl_http_msg *m, size_t at)
{
	struct hx *x;

	switch (ev) {
	case SL_HTTP_HEAD:
		if (L->n[dir] == MAXM)
			return;
		x = &L->m[dir][L->n[dir]++];
		memset(x, 0, sizeof(*x));
		x->is_resp = m->is_response;
		x->interim = m->interim;
		x->status = m->status;
		x->chunked = m->chunked;
		x->clen = m->content_length;
		x->v09 = m->v09;
		x->no_head = m->no_head;
		x->truncated = m->truncated;
		x->framing = m->framing;
		x->bad_lines = m->bad_lines;
		x->junk_lines = m->junk_lines;
		cp(x->method, sizeof(x->method), m->method);
		cp(x->uri, sizeof(x->uri), m->uri);
		cp(x->host, sizeof(x->host), m->host);
		cp(x->ua, sizeof(x->ua), m->user_agent);
		cp(x->proto, sizeof(x->proto), m->protocol);
		cp(x->ctype, sizeof(x->ctype), m->content_type);
		{
			unsigned k, finals = 0;

			/* a response answers the request after those already answered finally */
			for (k = 0; k + 1 < L->n[dir]; k++)
				finals += !L->m[dir][k].interim;
			CHECK_INT(m->seq, finals);
		}
		break;
	case SL_HTTP_END:
		CHECK(L->n[dir] > 0);
		if (L->n[dir] == 0)
			return;
		x = &L->m[dir][L->n[dir] - 1];
		CHECK(!x->ended);
		x->ended = 1;
		x->complete = m->complete;
		x->body = m->body_len;
		break;
	case SL_HTTP_TUNNEL:
		L->tunnel[dir]++;
		L->tunnel_at[dir] = at;
		break;
	case SL_HTTP_ERROR:
		L->errors[dir]++;
		L->err_code[dir] = m->error;
		break;
	}
}

/* Feed len bytes in pieces whose sizes come from `step` (0: all at once). */
static void feed(struct sl_http_conn *c, struct hlog *L, int dir, const uint8_t *buf, size_t len,
                 unsigned step)
{
	size_t off = 0, piece = 1;
	struct sl_http_msg m;

	while (off < len || len == 0) {
		size_t n = step ? piece : len - off, done = 0, used;
		int ev, guard = 0;

		if (n > len - off)
			n = len - off;
		do {
			ev = sl_http_feed(c, dir, buf + off + done, n - done, &used, &m);
			CHECK(used <= n - done);
			done += used;
			record(L, dir, ev, &m, off + done);
			CHECK(++guard < 100000);
		} while (ev != SL_HTTP_NEED_MORE && guard < 100000);
		CHECK_INT(done, n);
		off += n;
		if (step)
			piece = piece % step + 1 + off % 3;
		if (len == 0)
			break;
	}
}

static void close_dir(struct sl_http_conn *c, struct hlog *L, int dir)
{
	struct sl_http_msg m;
	int ev = sl_http_close(c, dir, &m);

	if (ev != SL_HTTP_NEED_MORE)
		record(L, dir, ev, &m, 0);
}

static struct sl_http_conn conn;

/* requests first, then responses, as in-order reassembly delivers a simple exchange */
static void run(struct hlog *L, const struct tstream *cs, const struct tstream *ss, unsigned step)
{
	memset(L, 0, sizeof(*L));
	sl_http_init(&conn);
	if (cs)
		feed(&conn, L, SL_HTTP_TO_SERVER, cs->buf, cs->len, step);
	if (ss)
		feed(&conn, L, SL_HTTP_TO_CLIENT, ss->buf, ss->len, step);
	close_dir(&conn, L, SL_HTTP_TO_SERVER);
	close_dir(&conn, L, SL_HTTP_TO_CLIENT);
}

static int same(const struct hlog *a, const struct hlog *b)
{
	unsigned d, i;

	for (d = 0; d < 2; d++) {
		if (a->n[d] != b->n[d] || a->errors[d] != b->errors[d] || a->tunnel[d] != b->tunnel[d] ||
		    a->tunnel_at[d] != b->tunnel_at[d])
			return 0;
		for (i = 0; i < a->n[d]; i++)
			if (memcmp(&a->m[d][i], &b->m[d][i], sizeof(a->m[d][i])) != 0)
				return 0;
	}
	return 1;
}

static struct hlog L1, L2, L3;

/* Assemble the k-th connection to server_port in file and parse it three ways. */
static struct hlog *connection(const char *file, uint16_t port, unsigned k, struct tstreams **keep)
{
	struct tstreams *ss = streams_load(file);
	struct tstream *c = streams_find(ss, 0, port, k), *s = NULL;

	CHECK(c != NULL);
	if (c)
		s = streams_reverse(ss, c);
	run(&L1, c, s, 0);
	run(&L2, c, s, 7);
	run(&L3, c, s, 1);
	CHECK(same(&L1, &L2));
	CHECK(same(&L1, &L3));
	if (keep)
		*keep = ss;
	else
		streams_free(ss);
	return &L1;
}

static void corpus(void)
{
	struct hlog *L;
	struct hx *q, *r;
	struct tstreams *ss;
	unsigned i;

	L = connection("sv-bug-814.pcap", 80, 0, NULL);
	CHECK_INT(L->n[0], 1);
	q = &L->m[0][0];
	CHECK_STR(q->method, "GET");
	CHECK_STR(q->host, "www.net1.bg");
	CHECK_STR(q->uri, "/cgi-bin/cart32.exe");
	CHECK_STR(q->ua, "Mozilla/4.75 (Nikto/2.1.4) (Evasions:None) (Test:000003)");
	CHECK_STR(q->proto, "HTTP/1.1");
	CHECK(q->ended && q->body == 0);
	CHECK_INT(L->errors[0] + L->errors[1], 0);

	L = connection("sv-lua-memleak.pcap", 80, 0, NULL);
	CHECK_INT(L->n[0], 1);
	CHECK_INT(L->n[1], 1);
	q = &L->m[0][0];
	r = &L->m[1][0];
	CHECK_STR(q->host, "www.google.com");
	CHECK_STR(q->uri, "/AllWorkAndNoPlayMakesWillADullBoy");
	CHECK_STR(q->ua, "Wget/1.11.4");
	CHECK_STR(q->proto, "HTTP/1.0");
	CHECK_INT(r->status, 404);
	CHECK_STR(r->ctype, "text/html; charset=UTF-8");
	CHECK_INT(r->clen, 1387);
	CHECK_STR(r->proto, "HTTP/1.0");
	CHECK(r->ended && r->complete && r->body == 1387);

	L = connection("sv-http-options-method.pcap", 80, 0, NULL);
	CHECK_INT(L->n[0], 1);
	CHECK_STR(L->m[0][0].method, "OPTIONS");
	CHECK_STR(L->m[0][0].host, "example.com");
	CHECK_STR(L->m[0][0].uri, "*");
	CHECK_INT(L->n[1], 1);
	CHECK_INT(L->m[1][0].status, 200);
	CHECK(L->m[1][0].ended && L->m[1][0].body == 0 && L->m[1][0].complete);

	/* loopback link type, port 8080, two HTTP/1.0 transactions on one connection */
	L = connection("sv-http-async.pcap", 8080, 0, NULL);
	CHECK_INT(L->n[0], 2);
	CHECK_INT(L->n[1], 2);
	for (i = 0; i < 2 && i < L->n[0] && i < L->n[1]; i++) {
		CHECK_STR(L->m[0][i].uri, i ? "/2" : "/1");
		CHECK_STR(L->m[0][i].proto, "HTTP/1.0");
		CHECK_STR(L->m[0][i].ua, "Mozilla");
		CHECK_INT(L->m[1][i].status, 200);
		CHECK_INT(L->m[1][i].body, 12); /* "Hello World!" / "Hello People" */
	}

	/* 40 pipelined transactions, several per segment */
	L = connection("sv-http-protocol-nodup.pcap", 80, 0, NULL);
	CHECK_INT(L->n[0], 40);
	CHECK_INT(L->n[1], 40);
	for (i = 0; i < L->n[0]; i++) {
		CHECK_STR(L->m[0][i].proto, "HTTP/1.1");
		CHECK_STR(L->m[0][i].host, "116.181.2.152");
	}
	for (i = 0; i < L->n[1]; i++) {
		CHECK_INT(L->m[1][i].status, 404);
		CHECK_INT(L->m[1][i].body, 146);
	}
	CHECK_STR(L->m[0][0].uri, "/postinfo.html");
	CHECK_INT(L->errors[0] + L->errors[1], 0);

	/* a chunked response, de-chunked to the 68-byte EICAR test string */
	L = connection("sv-http-evader-000.pcap", 80, 0, NULL);
	CHECK_INT(L->n[1], 1);
	r = &L->m[1][0];
	CHECK_STR(L->m[0][0].host, "evader.example.com");
	CHECK_STR(L->m[0][0].uri, "/chunked/eicar.txt/chunked");
	CHECK(r->chunked);
	CHECK_STR(r->ctype, "application/octet-stream");
	CHECK(r->ended && r->complete);
	CHECK_INT(r->body, 68);

	/* a 1.7 MB download */
	L = connection("sv-http-body-hook-01.pcap", 80, 0, NULL);
	CHECK_STR(L->m[0][0].uri, "/~regit/ids-suricata-esiea.pdf");
	CHECK_STR(L->m[0][0].host, "home.regit.org");
	CHECK_INT(L->m[1][0].clen, 1740729);
	CHECK_INT(L->m[1][0].body, 1740729);
	CHECK_STR(L->m[1][0].ctype, "application/pdf");

	L = connection("sv-bug-4376.pcap", 80, 0, NULL);
	CHECK_STR(L->m[0][0].host, "nx2500-242-4-server");
	CHECK_INT(L->m[1][0].status, 200);
	CHECK_INT(L->m[1][0].clen, 182272);

	/* POST answered by 204; then a GET on another connection */
	L = connection("sv-decode-teredo-01.pcap", 80, 0, NULL);
	q = &L->m[0][0];
	CHECK_STR(q->method, "POST");
	CHECK_STR(q->host, "download913.avast.com");
	CHECK_STR(q->uri, "/cgi-bin/iavs4stats.cgi");
	CHECK_STR(q->ua, "Syncer/4.80 (av_pro-1169;f)");
	CHECK_STR(q->proto, "HTTP/1.0");
	CHECK_INT(q->clen, 589);
	CHECK_INT(q->body, 589);
	CHECK_INT(L->m[1][0].status, 204);
	CHECK_STR(L->m[1][0].ctype, "text/plain");
	CHECK(L->m[1][0].ended && L->m[1][0].body == 0);
	L = connection("sv-decode-teredo-01.pcap", 80, 1, NULL);
	CHECK_STR(L->m[0][0].host, "www.wireshark.org");
	CHECK_STR(L->m[0][0].uri, "/");
	CHECK_STR(L->m[0][0].ua, "Mozilla/5.0 (Windows; U; Windows NT 5.1; en-US; rv:1.9b5) "
	                         "Gecko/2008032620 Firefox/3.0b5");
	CHECK_INT(L->m[1][0].status, 200);
	CHECK_INT(L->m[1][0].clen, 3651);

	L = connection("td-print-flags.pcap", 80, 0, NULL);
	CHECK_STR(L->m[0][0].host, "localhost");
	CHECK_STR(L->m[0][0].ua,
	          "ELinks/0.10.4-7-debian (textmode; Linux 2.6.11-1-686-smp i686; 132x56-2)");
	CHECK_INT(L->m[1][0].status, 200);
	CHECK_INT(L->m[1][0].clen, 5258);
	CHECK_INT(L->m[1][0].body, 5258);

	/* a proxy request: absolute URI */
	L = connection("sv-ethernet-eve.pcap", 80, 0, NULL);
	CHECK_STR(L->m[0][0].uri, "http://ppmter.720891.com/pptmaster/ptcuu.ini");
	CHECK_INT(L->m[1][0].clen, 3204);

	/* CONNECT, 200, then TLS inside the tunnel */
	L = connection("sv-bug-2430.pcap", 8080, 0, &ss);
	CHECK_STR(L->m[0][0].method, "CONNECT");
	CHECK_STR(L->m[0][0].host, "qagpublic.qg1.apps.qualys.com:443");
	CHECK_STR(L->m[0][0].uri, "qagpublic.qg1.apps.qualys.com:443");
	CHECK_INT(L->m[1][0].status, 200);
	CHECK_INT(L->tunnel[0], 1);
	CHECK_INT(L->tunnel[1], 1);
	{
		struct tstream *c = streams_find(ss, 0, 8080, 0), *s = c ? streams_reverse(ss, c) : NULL;
		static struct sl_tls_client_hello ch;
		static struct sl_tls_server_hello sh;
		size_t need;

		CHECK(c && s);
		if (c && s) {
			CHECK_INT(sl_tls_probe(c->buf + L->tunnel_at[0], c->len - L->tunnel_at[0]), 1);
			CHECK_INT(sl_tls_parse_client_hello(c->buf + L->tunnel_at[0],
			                                    c->len - L->tunnel_at[0], &ch, &need),
			          SL_TLS_OK);
			CHECK_STR(ch.sni, "qagpublic.qg1.apps.qualys.com");
			CHECK_STR(ch.ja3_hash, "30a698686f2c9e27606afeeda2c990be");
			CHECK_INT(sl_tls_parse_server_hello(s->buf + L->tunnel_at[1],
			                                    s->len - L->tunnel_at[1], &sh, &need),
			          SL_TLS_OK);
			CHECK_STR(sh.ja3s_hash, "11561c85dc62fc519bb618caf4730137");
		}
	}
	streams_free(ss);
}

/* ---- hand-made streams ---- */

static struct hlog H;

static void both(const char *req, const char *resp, unsigned step)
{
	memset(&H, 0, sizeof(H));
	sl_http_init(&conn);
	feed(&conn, &H, 0, (const uint8_t *)req, strlen(req), step);
	feed(&conn, &H, 1, (const uint8_t *)resp, strlen(resp), step);
}

static void handmade(void)
{
	unsigned step;

	for (step = 0; step < 4; step++) {
		/* HEAD: its response's Content-Length announces no body; pipelined GET follows */
		both("HEAD /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n",
		     "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"
		     "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc",
		     step);
		CHECK_INT(H.n[0], 2);
		CHECK_INT(H.n[1], 2);
		CHECK_INT(H.m[1][0].clen, 1000);
		CHECK_INT(H.m[1][0].body, 0);
		CHECK_INT(H.m[1][1].body, 3);
		CHECK(H.m[1][1].ended);

		/* 100 Continue, then the final response; 304 and 204 have no body */
		both("POST /u HTTP/1.1\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\ndata"
		     "GET /c HTTP/1.1\r\n\r\nGET /d HTTP/1.1\r\n\r\n",
		     "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok"
		     "HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n\r\n"
		     "HTTP/1.1 204 No Content\r\n\r\n",
		     step);
		CHECK_INT(H.n[0], 3);
		CHECK_INT(H.m[0][0].body, 4);
		CHECK_INT(H.n[1], 4);
		CHECK(H.m[1][0].interim);
		CHECK_INT(H.m[1][0].status, 100);
		CHECK_INT(H.m[1][1].status, 201);
		CHECK_INT(H.m[1][1].body, 2);
		CHECK_INT(H.m[1][2].status, 304);
		CHECK_INT(H.m[1][2].body, 0);
		CHECK_INT(H.m[1][3].status, 204);
		CHECK_INT(H.errors[0] + H.errors[1], 0);

		/* LF-only lines, odd-case names, leading empty lines, obs-fold, chunked with
		 * extensions and trailers, lowercase hex */
		both("\r\n\nGET /x?q=1 HTTP/1.1\nhOsT:   example.org  \nUser-Agent: a\n  folded b\n"
		     "X-Empty:\n\n",
		     "HTTP/1.1 200 OK\nTransfer-Encoding: gzip, Chunked\nContent-Type: text/plain\n\n"
		     "a;ext=1\r\n0123456789\r\n1F\r\n0123456789012345678901234567890\r\n0\r\n"
		     "Trailer: x\r\n\r\n",
		     step);
		CHECK_INT(H.n[0], 1);
		CHECK_STR(H.m[0][0].host, "example.org");
		CHECK_STR(H.m[0][0].ua, "a");
		CHECK_STR(H.m[0][0].uri, "/x?q=1");
		CHECK_INT(H.n[1], 1);
		CHECK(H.m[1][0].chunked);
		CHECK_INT(H.m[1][0].body, 41);
		CHECK(H.m[1][0].ended && H.m[1][0].complete);

		/* a response without length runs until the close */
		both("GET / HTTP/1.0\r\n\r\n", "HTTP/1.0 200 OK\r\n\r\nsome body bytes", step);
		CHECK_INT(H.n[1], 1);
		CHECK(!H.m[1][0].ended);
		close_dir(&conn, &H, 1);
		CHECK(H.m[1][0].ended && H.m[1][0].complete);
		CHECK_INT(H.m[1][0].body, 15);

		/* a transfer coding other than chunked is ignored (libhtp): the length frames the
		 * body; what follows is not a response */
		both("GET / HTTP/1.1\r\n\r\n",
		     "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nContent-Length: 2\r\n\r\nabcdef",
		     step);
		CHECK(H.m[1][0].ended && H.m[1][0].complete);
		CHECK_INT(H.m[1][0].body, 2);
		CHECK_INT(H.m[1][0].framing, SL_HTTP_F_BAD_TE);
		CHECK_INT(H.n[1], 1);

		/* a body cut short by the close */
		both("GET / HTTP/1.1\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort",
		     step);
		close_dir(&conn, &H, 1);
		CHECK(H.m[1][0].ended && !H.m[1][0].complete);
		CHECK_INT(H.m[1][0].body, 5);

		/* junk lines before a request are skipped and counted; a response whose first
		 * line does not start with HTTP is all body to the close (libhtp) */
		both("\x16\x03\x01 not http\r\n\r\nx\r\nGET / HTTP/1.1\r\n\r\n",
		     "SSH-2.0-x\r\n\r\nHTTP/1.1 200 OK\r\n\r\n", step);
		CHECK_INT(H.n[0], 1);
		CHECK_STR(H.m[0][0].method, "GET");
		CHECK_INT(H.m[0][0].junk_lines, 3);
		CHECK_INT(H.n[1], 1);
		CHECK(H.m[1][0].no_head);
		CHECK_INT(H.m[1][0].status, 0);
		CHECK_INT(H.errors[0] + H.errors[1], 0);
		close_dir(&conn, &H, 1);
		CHECK(H.m[1][0].ended);
		CHECK_INT(H.m[1][0].body, 32);
		/* a line that starts like a status line but is none is an error */
		both("GET / HTTP/1.1\r\n\r\n", "HTTP/1.1 abc\r\n\r\n", step);
		CHECK_INT(H.n[1], 0);
		CHECK_INT(H.errors[1], 1);
		CHECK_STR(sl_http_error_name(H.err_code[1]), "bad_status_line");
		/* a request line of more words than three that is not HTTP is an error */
		both("hello there big world\r\n\r\n", "", step);
		CHECK_INT(H.errors[0], 1);
		CHECK_STR(sl_http_error_name(H.err_code[0]), "bad_request_line");

		/* lengths as libhtp reads them: leading digits; two different values report the
		 * message and stop the direction; chunked wins over a length */
		both("GET / HTTP/1.1\r\nContent-Length: 2x\r\n\r\nabGET /2 HTTP/1.1\r\n\r\n",
		     "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"
		     "HTTP/1.1 200 OK\r\n\r\n", step);
		CHECK_INT(H.n[0], 2);
		CHECK_INT(H.m[0][0].body, 2);
		CHECK_STR(H.m[0][1].uri, "/2");
		CHECK_INT(H.n[1], 1);
		CHECK_INT(H.m[1][0].framing, SL_HTTP_F_CL_CONFLICT);
		CHECK_INT(H.errors[0] + H.errors[1], 0);
		both("POST /a HTTP/1.1\r\nContent-Length: x\r\n\r\nGET /b HTTP/1.1\r\n\r\n",
		     "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n"
		     "3\r\nabc\r\n0\r\n\r\nHTTP/1.1 404 No\r\nContent-Length: 0\r\n\r\n", step);
		CHECK_INT(H.n[0], 1);
		CHECK_INT(H.m[0][0].framing, SL_HTTP_F_BAD_CL);
		CHECK_INT(H.n[1], 2);
		CHECK_INT(H.m[1][0].framing, SL_HTTP_F_CL_TE);
		CHECK_INT(H.m[1][0].body, 3);
		CHECK_INT(H.m[1][1].status, 404);

		/* malformed header lines are skipped and counted, the message is kept */
		{
			static const char r[] = "GET /m HTTP/1.1\r\nHost: a\r\nno colon here\r\n folded\r\n"
			                        "X: a\0b\r\n: noname\r\nUser-Agent: ua\r\n\r\n";
			memset(&H, 0, sizeof(H));
			sl_http_init(&conn);
			feed(&conn, &H, 0, (const uint8_t *)r, sizeof(r) - 1, step);
		}
		CHECK_INT(H.n[0], 1);
		CHECK_INT(H.m[0][0].bad_lines, 4);
		CHECK_STR(H.m[0][0].host, "a");
		CHECK_STR(H.m[0][0].ua, "ua");

		/* HTTP/0.9: the request line is the request; the answer is raw bytes to the close */
		both("GET /old\r\n", "<html>old</html>", step);
		CHECK_INT(H.n[0], 1);
		CHECK(H.m[0][0].v09);
		CHECK_STR(H.m[0][0].uri, "/old");
		CHECK_STR(H.m[0][0].proto, "");
		CHECK(H.m[0][0].ended);
		CHECK_INT(H.n[1], 1);
		CHECK(H.m[1][0].v09);
		CHECK_INT(H.m[1][0].status, 0);
		close_dir(&conn, &H, 1);
		CHECK(H.m[1][0].ended);
		CHECK_INT(H.m[1][0].body, 16);

		/* a response with no request seen */
		both("", "HTTP/1.1 302 Found\r\nContent-Length: 0\r\n\r\n", step);
		CHECK_INT(H.n[1], 1);
		CHECK_INT(H.m[1][0].status, 302);
		CHECK(H.m[1][0].ended);
		both("GET / HTTP/1.1\r\nContent-Length: 3, 3\r\n\r\nabcGET / HTTP/1.1\r\n\r\n",
		     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", step);
		CHECK_INT(H.n[0], 2);
		CHECK_INT(H.m[0][0].body, 3);
		CHECK_STR(sl_http_error_name(H.err_code[1]), "bad_chunk");

		/* 101 Switching Protocols: the rest is not HTTP */
		both("GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n\r\n",
		     "HTTP/1.1 101 Switching Protocols\r\n\r\n\x81\x05hello", step);
		CHECK_INT(H.tunnel[1], 1);
		CHECK_INT(H.tunnel_at[1], 36);
		CHECK_INT(H.errors[1], 0);

		/* a refused CONNECT keeps both sides HTTP */
		memset(&H, 0, sizeof(H));
		sl_http_init(&conn);
		feed(&conn, &H, 0, (const uint8_t *)"CONNECT a:443 HTTP/1.1\r\n\r\n", 26, step);
		feed(&conn, &H, 1,
		     (const uint8_t *)"HTTP/1.1 407 Auth\r\nContent-Length: 2\r\n\r\nno", 42, step);
		feed(&conn, &H, 0, (const uint8_t *)"CONNECT a:443 HTTP/1.1\r\n\r\n", 26, step);
		CHECK_INT(H.n[0], 2);
		CHECK_INT(H.tunnel[0] + H.tunnel[1], 0);
		CHECK_INT(H.m[1][0].body, 2);
	}

	/* a head longer than the buffer is parsed up to its last whole line within it; a request
	 * line longer than the buffer cannot be */
	for (step = 0; step < 6; step += 5) {
		static char big[SL_HTTP_HDR_MAX + 200];
		size_t n = sizeof(big) - 1;

		memset(big, 'a', n);
		static const char head[] = "GET /big HTTP/1.1\r\nHost: h\r\nX: ";
		memcpy(big, head, sizeof(head) - 1);
		static const char tail[] = "\r\nUser-Agent: lost\r\n\r\nGET /next HTTP/1.1\r\n";
		memcpy(big + n - (sizeof(tail) - 1), tail, sizeof(tail) - 1);
		both(big, "", step);
		CHECK_INT(H.errors[0], 0);
		CHECK_INT(H.n[0], 1);
		CHECK(H.m[0][0].truncated);
		CHECK_STR(H.m[0][0].uri, "/big");
		CHECK_STR(H.m[0][0].host, "h");
		CHECK_STR(H.m[0][0].ua, "");
		memset(big, 'a', n);
		memcpy(big, "GET /", 5);
		both(big, "", step);
		CHECK_STR(sl_http_error_name(H.err_code[0]), "header_too_long");
		CHECK_INT(H.errors[0], 1);
	}

	/* gaps: inside a body they are body; across messages the direction resynchronises */
	{
		struct sl_http_msg m;

		memset(&H, 0, sizeof(H));
		sl_http_init(&conn);
		static const char r1[] = "GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\n";
		static const char s1[] = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nab";
		feed(&conn, &H, 0, (const uint8_t *)r1, sizeof(r1) - 1, 0);
		feed(&conn, &H, 1, (const uint8_t *)s1, sizeof(s1) - 1, 0);
		CHECK_INT(sl_http_gap(&conn, 1, 5, &m), SL_HTTP_NEED_MORE); /* 7 left, 5 lost */
		feed(&conn, &H, 1, (const uint8_t *)"fgh", 3, 0);
		CHECK(H.m[1][0].ended && H.m[1][0].complete);
		CHECK_INT(H.m[1][0].body, 10);
		/* the second response loses its head's start: skipped to the next status line */
		static const char s2[] = "Length: 3\r\n\r\nxyzHTTP/1.1 404 NF\r\nContent-Length: 0\r\n\r\n"
		                         "junk\r\nHTTP/1.1 500 E\r\n\r\n";
		CHECK_INT(sl_http_gap(&conn, 1, 20, &m), SL_HTTP_NEED_MORE);
		feed(&conn, &H, 1, (const uint8_t *)s2, sizeof(s2) - 1, 0);
		CHECK_INT(H.n[1], 2);
		CHECK_INT(H.m[1][1].status, 500);
		CHECK_INT(H.errors[1], 0);
		/* a gap crossing a body's end cuts it (END, incomplete), then resync */
		memset(&H, 0, sizeof(H));
		sl_http_init(&conn);
		feed(&conn, &H, 0, (const uint8_t *)"POST /p HTTP/1.1\r\nContent-Length: 5\r\n\r\nab", 41, 0);
		CHECK_INT(sl_http_gap(&conn, 0, 100, &m), SL_HTTP_END);
		CHECK(!m.complete);
		CHECK_INT(m.body_len, 2);
		feed(&conn, &H, 0, (const uint8_t *)"tail of something\r\nPUT /q HTTP/1.1\r\n\r\n", 39, 0);
		CHECK_INT(H.n[0], 2);
		CHECK_STR(H.m[0][1].method, "PUT");
		CHECK_STR(H.m[0][1].uri, "/q");
		/* a head cut by a gap after its first line: what came of it is reported */
		memset(&H, 0, sizeof(H));
		sl_http_init(&conn);
		feed(&conn, &H, 0, (const uint8_t *)"GET /cut HTTP/1.1\r\nHost: a\r\nUser-Ag", 36, 0);
		CHECK_INT(H.n[0], 0);
		CHECK_INT(sl_http_gap(&conn, 0, 50, &m), SL_HTTP_HEAD);
		CHECK(m.truncated && m.resync);
		CHECK_MEM(m.uri.ptr, m.uri.len, "/cut");
		CHECK_MEM(m.host.ptr, m.host.len, "a");
		CHECK(m.user_agent.ptr == NULL);
		/* ...but not one whose first line is not whole */
		sl_http_init(&conn);
		feed(&conn, &H, 0, (const uint8_t *)"GET /cut HT", 11, 0);
		CHECK_INT(sl_http_gap(&conn, 0, 50, &m), SL_HTTP_NEED_MORE);
		/* a body read to the close takes any gap */
		memset(&H, 0, sizeof(H));
		sl_http_init(&conn);
		feed(&conn, &H, 1, (const uint8_t *)"HTTP/1.0 200 OK\r\n\r\nabc", 22, 0);
		CHECK_INT(sl_http_gap(&conn, 1, 1000, &m), SL_HTTP_NEED_MORE);
		close_dir(&conn, &H, 1);
		CHECK_INT(H.m[1][0].body, 1003);
		/* picked up mid-connection: the first bytes are skipped up to a message start */
		memset(&H, 0, sizeof(H));
		sl_http_init(&conn);
		sl_http_resync(&conn, 0);
		feed(&conn, &H, 0, (const uint8_t *)"=1&b=2\r\nGET /r HTTP/1.1\r\n\r\n", 28, 0);
		CHECK_INT(H.n[0], 1);
		CHECK_STR(H.m[0][0].uri, "/r");
	}

	/* strings of a head gathered across chunks point into the conn, and are right */
	{
		struct sl_http_msg m;
		size_t used;

		sl_http_init(&conn);
		CHECK_INT(sl_http_feed(&conn, 0, (const uint8_t *)"GET /p HT", 9, &used, &m),
		          SL_HTTP_NEED_MORE);
		CHECK_INT(used, 9);
		CHECK_INT(sl_http_feed(&conn, 0, (const uint8_t *)"TP/1.1\r\nHost: z\r\n\r\nGET", 23,
		                       &used, &m),
		          SL_HTTP_HEAD);
		CHECK_INT(used, 19);
		CHECK_MEM(m.uri.ptr, m.uri.len, "/p");
		CHECK_MEM(m.host.ptr, m.host.len, "z");
		CHECK(m.uri.ptr >= conn.side[0].hbuf &&
		      m.uri.ptr < conn.side[0].hbuf + SL_HTTP_HDR_MAX);
		CHECK_INT(sl_http_feed(&conn, 0, (const uint8_t *)"GET", 3, &used, &m), SL_HTTP_END);
		CHECK_INT(used, 0);
		CHECK_INT(sl_http_feed(&conn, 0, (const uint8_t *)"GET", 3, &used, &m),
		          SL_HTTP_NEED_MORE);
		CHECK_INT(used, 3);
		/* bad direction */
		CHECK_INT(sl_http_feed(&conn, 2, (const uint8_t *)"x", 1, &used, &m), SL_HTTP_NEED_MORE);
	}

	/* the probe */
	CHECK_INT(sl_http_probe((const uint8_t *)"GET / HTTP/1.1", 14), 1);
	CHECK_INT(sl_http_probe((const uint8_t *)"PROPFIND /x", 11), 1);
	CHECK_INT(sl_http_probe((const uint8_t *)"OPTIONS * HTTP/1.1", 18), 1);
	CHECK_INT(sl_http_probe((const uint8_t *)"GE", 2), -EAGAIN);
	CHECK_INT(sl_http_probe((const uint8_t *)"GET", 3), -EAGAIN);
	CHECK_INT(sl_http_probe((const uint8_t *)"GETX /", 6), -EAGAIN);
	CHECK_INT(sl_http_probe((const uint8_t *)"GETX / HTTP/1.1", 15), 1);
	CHECK_INT(sl_http_probe((const uint8_t *)"GETX /index.html FTP/1.1", 24), 0);
	CHECK_INT(sl_http_probe((const uint8_t *)"get / HTTP/1.1", 14), 1);
	CHECK_INT(sl_http_probe((const uint8_t *)"\x16\x03\x01", 3), 0);
	CHECK_INT(sl_http_probe((const uint8_t *)"", 0), -EAGAIN);
	/* blank lines and one short junk line before the request */
	CHECK_INT(sl_http_probe((const uint8_t *)"\r\n\r\nGET /", 9), 1);
	CHECK_INT(sl_http_probe((const uint8_t *)"xx\r\nFOO /a HTTP/1.0\r\n", 22), 1);
	CHECK_INT(sl_http_probe((const uint8_t *)"xx\r\nyy\r\nGET / HTTP/1.0\r\n", 24), 0);
	CHECK_INT(sl_http_probe((const uint8_t *)"EHLO mail.example.org\r\n", 23), 0);
	CHECK_INT(sl_http_probe((const uint8_t *)"SSH-2.0-OpenSSH_9.2\r\n", 21), 0);
	/* HTTP/0.9 for GET only; a long target of an odd upper-case method at the limit */
	CHECK_INT(sl_http_probe((const uint8_t *)"GET /\r\n", 7), 1);
	CHECK_INT(sl_http_probe((const uint8_t *)"FOO /\r\n", 7), 0);
	{
		char l[SL_HTTP_PROBE_MAX + 1];

		memset(l, 'a', sizeof l);
		memcpy(l, "BREW /", 6);
		CHECK_INT(sl_http_probe((const uint8_t *)l, SL_HTTP_PROBE_MAX - 1), -EAGAIN);
		CHECK_INT(sl_http_probe((const uint8_t *)l, SL_HTTP_PROBE_MAX), 1);
		l[5] = 'a';
		CHECK_INT(sl_http_probe((const uint8_t *)l, SL_HTTP_PROBE_MAX), 0);
	}
	CHECK_INT(sl_http_probe_response((const uint8_t *)"HTTP/1.1 200 OK", 15), 1);
	CHECK_INT(sl_http_probe_response((const uint8_t *)"HTTP/1.", 7), -EAGAIN);
	CHECK_INT(sl_http_probe_response((const uint8_t *)"HTTP/2 200", 10), 0);
	CHECK_INT(sl_http_probe_response((const uint8_t *)"220 smtp", 8), 0);
}

int main(void)
{
	corpus();
	handmade();
	return test_done("test_http");
}
