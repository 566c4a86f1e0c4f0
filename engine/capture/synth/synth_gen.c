/* SPDX-License-Identifier: MIT */
/*
 * The synthetic generator (see synth_gen.h for what it makes and why it is shared). This file
 * has two halves: building the conversation templates at create — real protocol bytes, with
 * the per-packet fields left zero and the checksums' constant parts summed — and the per-packet
 * path, which picks the next flow and finishes one template packet in place.
 *
 * Invariants:
 *   1. A template packet's bytes differ between uses only in: IP id, IP addresses, IP
 *      checksum, L4 ports, TCP seq/ack, L4 checksum, DNS id. Its ip_sum/l4_sum hold the
 *      ones'-complement sum of everything else (with the pseudo-header's protocol and length),
 *      so adding the patched fields and folding gives the exact checksum.
 *   2. A flow's 5-tuple depends only on its index and the seed; two flows never share one.
 *   3. rel_seq/rel_ack are offsets from the session's initial sequence numbers of the sending
 *      and the receiving side; SYN and FIN take one, as on the wire.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synth_gen.h"

#define VARIANTS 256u
#define MAX_PKTS 40u
#define BUILD_MAX 65536u
#define MSS 1460u
#define ETH_LEN 14u
#define IP_LEN 20u
#define HOSTS_MAX 4096u

enum { DIR_C2S = 0, DIR_S2C = 1 };
enum { TH_FIN = 0x01, TH_SYN = 0x02, TH_RST = 0x04, TH_PSH = 0x08, TH_ACK = 0x10 };

struct tpkt {
	uint32_t off;     /* of the frame in tmpl.buf */
	uint16_t len;     /* frame bytes */
	uint8_t dir;
	uint8_t has_ack;  /* TCP: the ack field is set */
	uint8_t carrier;  /* carries the template's name */
	uint8_t proto;    /* 6 or 17 */
	uint32_t rel_seq, rel_ack;
	uint32_t ip_sum;  /* invariant 1 */
	uint32_t l4_sum;
};

struct tmpl {
	uint8_t *buf;
	uint8_t npkts;
	char name[96];
	struct tpkt pkts[MAX_PKTS];
};

struct flow {
	uint32_t isn[2];  /* initial sequence numbers, client and server; DNS id = isn[0] & 0xffff */
	uint32_t session;
	uint16_t variant;
	uint8_t kind;
	uint8_t phase;    /* next packet of the template */
	uint32_t cip, sip;
	uint16_t cport, sport;
};

struct sl__synth {
	struct sl__synth_cfg cfg;
	uint32_t nflows;
	struct flow *fl;
	struct tmpl tm[SL__SYNTH_KINDS][VARIANTS];
	uint64_t sessions[SL__SYNTH_KINDS];

	uint64_t made;     /* packets made */
	uint64_t ts;
	uint64_t rng;      /* gaps and round order */
	uint16_t ip_id;
	uint32_t pos, stride, left; /* this round: next flow, step, flows still to visit */
};

/* ---- small helpers ------------------------------------------------------------------- */

static uint64_t splitmix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static uint64_t hash4(uint64_t seed, uint64_t a, uint64_t b, uint64_t salt)
{
	return splitmix(seed ^ splitmix(a ^ splitmix(b ^ splitmix(salt))));
}

static uint64_t rng_next(uint64_t *s)
{
	*s += 0x9e3779b97f4a7c15ull;
	return splitmix(*s);
}

static uint32_t rng_below(uint64_t *s, uint32_t n)
{
	return (uint32_t)(rng_next(s) % n);
}

static inline void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Sum of big-endian 16-bit words; an odd last byte is padded with zero. */
static uint32_t sum16(const uint8_t *p, size_t n)
{
	uint32_t s = 0;
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static inline uint16_t fold(uint64_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static uint32_t gcd32(uint32_t a, uint32_t b)
{
	while (b) {
		uint32_t t = a % b;
		a = b;
		b = t;
	}
	return a;
}

/* ---- word lists ------------------------------------------------------------------------ */

static const char *const host_words[] = {
	"www", "api", "cdn", "mail", "shop", "static", "img", "login",
	"news", "docs", "blog", "app", "m", "video", "auth", "pay",
};
static const char *const domains[] = { "example.com", "example.net", "example.org" };
static const char *const paths[] = {
	"/", "/index.html", "/api/v1/items", "/api/v2/users", "/static/app.js", "/static/style.css",
	"/search", "/login", "/cart", "/news/today", "/docs/intro.html", "/about",
};
static const char *const agents[] = {
	"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
	"curl/8.5.0",
	"python-requests/2.31.0",
	"Wget/1.21.4",
};
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static void make_name(uint64_t *r, char *out, size_t len)
{
	snprintf(out, len, "%s%u.%s", host_words[rng_below(r, NELEM(host_words))], rng_below(r, 1000),
	         domains[rng_below(r, NELEM(domains))]);
}

/* ---- template building ------------------------------------------------------------------ */

static const uint8_t mac_client[6] = { 0x02, 0x53, 0x4c, 0x00, 0x00, 0x01 };
static const uint8_t mac_server[6] = { 0x02, 0x53, 0x4c, 0x00, 0x00, 0x02 };

struct builder {
	uint8_t buf[BUILD_MAX];
	uint8_t scratch[4][16384]; /* payloads being composed (per builder: creates may run in parallel) */
	uint32_t used;
	uint32_t seq[2];  /* next relative sequence number of each side */
	struct tmpl *t;
	int err;
};

static uint8_t *frame_begin(struct builder *b, uint32_t l4len, uint8_t proto, uint8_t dir)
{
	uint32_t len = ETH_LEN + IP_LEN + l4len;
	struct tpkt *tp;
	uint8_t *f;

	if (b->err || b->t->npkts >= MAX_PKTS || b->used + len > BUILD_MAX || IP_LEN + l4len > 65535) {
		b->err = 1;
		return NULL;
	}
	f = b->buf + b->used;
	memset(f, 0, len);
	memcpy(f, dir == DIR_C2S ? mac_server : mac_client, 6);
	memcpy(f + 6, dir == DIR_C2S ? mac_client : mac_server, 6);
	put16(f + 12, 0x0800);
	uint8_t *ip = f + ETH_LEN;
	ip[0] = 0x45;
	put16(ip + 2, IP_LEN + l4len);
	put16(ip + 6, 0x4000); /* DF */
	ip[8] = dir == DIR_C2S ? 64 : 52;
	ip[9] = proto;
	/* id, checksum and addresses stay zero: patched per packet */

	tp = &b->t->pkts[b->t->npkts];
	memset(tp, 0, sizeof *tp);
	tp->off = b->used;
	tp->len = (uint16_t)len;
	tp->dir = dir;
	tp->proto = proto;
	return f;
}

/* Called once the frame's L4 bytes are final (per-packet fields still zero). */
static void frame_end(struct builder *b, uint8_t *f, uint32_t l4len)
{
	struct tpkt *tp = &b->t->pkts[b->t->npkts];

	tp->ip_sum = sum16(f + ETH_LEN, IP_LEN);
	tp->l4_sum = sum16(f + ETH_LEN + IP_LEN, l4len) + tp->proto + l4len;
	b->used += tp->len;
	b->t->npkts++;
}

static void tcp_seg(struct builder *b, uint8_t dir, uint8_t flags, const uint8_t *data, uint32_t len,
                    int carrier)
{
	uint32_t hl = (flags & TH_SYN) ? 28 : 20;
	uint8_t *f = frame_begin(b, hl + len, 6, dir);
	struct tpkt *tp;

	if (f == NULL)
		return;
	tp = &b->t->pkts[b->t->npkts];
	uint8_t *th = f + ETH_LEN + IP_LEN;
	th[12] = (uint8_t)((hl / 4) << 4);
	th[13] = flags;
	put16(th + 14, dir == DIR_C2S ? 64240 : 65160);
	if (flags & TH_SYN) {
		static const uint8_t opts[8] = { 2, 4, MSS >> 8, MSS & 0xff, 1, 1, 4, 2 }; /* MSS, SACK ok */
		memcpy(th + 20, opts, sizeof opts);
	}
	if (len)
		memcpy(th + hl, data, len);
	tp->rel_seq = b->seq[dir];
	tp->has_ack = (flags & TH_ACK) != 0;
	tp->rel_ack = tp->has_ack ? b->seq[!dir] : 0;
	tp->carrier = (uint8_t)carrier;
	b->seq[dir] += len + ((flags & TH_SYN) ? 1 : 0) + ((flags & TH_FIN) ? 1 : 0);
	frame_end(b, f, hl + len);
}

/* A byte stream from one side in MSS-sized segments, PSH on the last; the receiver ACKs
 * every second segment and the last, as delayed ACK would. */
static void tcp_stream(struct builder *b, uint8_t dir, const uint8_t *data, uint32_t len, int carrier)
{
	uint32_t off = 0, n = 0;

	while (off < len) {
		uint32_t seg = len - off > MSS ? MSS : len - off;
		int last = off + seg == len;
		tcp_seg(b, dir, TH_ACK | (last ? TH_PSH : 0), data + off, seg, carrier && off == 0);
		off += seg;
		n++;
		if (last || n % 2 == 0)
			tcp_seg(b, (uint8_t)!dir, TH_ACK, NULL, 0, 0);
	}
}

static void tcp_open(struct builder *b)
{
	b->seq[0] = b->seq[1] = 0;
	tcp_seg(b, DIR_C2S, TH_SYN, NULL, 0, 0);
	tcp_seg(b, DIR_S2C, TH_SYN | TH_ACK, NULL, 0, 0);
	tcp_seg(b, DIR_C2S, TH_ACK, NULL, 0, 0);
}

static void tcp_close(struct builder *b)
{
	tcp_seg(b, DIR_C2S, TH_FIN | TH_ACK, NULL, 0, 0);
	tcp_seg(b, DIR_S2C, TH_FIN | TH_ACK, NULL, 0, 0);
	tcp_seg(b, DIR_C2S, TH_ACK, NULL, 0, 0);
}

static void udp_dgram(struct builder *b, uint8_t dir, const uint8_t *data, uint32_t len, int carrier)
{
	uint8_t *f = frame_begin(b, 8 + len, 17, dir);

	if (f == NULL)
		return;
	uint8_t *uh = f + ETH_LEN + IP_LEN;
	put16(uh + 4, 8 + len);
	memcpy(uh + 8, data, len);
	put16(uh + 8, 0); /* the DNS id is patched per packet */
	b->t->pkts[b->t->npkts].carrier = (uint8_t)carrier;
	frame_end(b, f, 8 + len);
}

/* Filler for bodies: readable, varied by rng, cheap. */
static void fill_text(uint64_t *r, uint8_t *p, uint32_t n)
{
	static const char words[] = "lorem ipsum dolor sit amet sluice packet record flow ring ";
	uint32_t start = rng_below(r, sizeof words - 1);
	for (uint32_t i = 0; i < n; i++)
		p[i] = (uint8_t)words[(start + i) % (sizeof words - 1)];
}

static void fill_random(uint64_t *r, uint8_t *p, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		p[i] = (uint8_t)rng_next(r);
}

static void build_http(struct builder *b, uint64_t *r)
{
	uint8_t *req = b->scratch[0], *resp = b->scratch[1];
	const size_t reqsz = sizeof b->scratch[0], respsz = sizeof b->scratch[1];
	const char *path = paths[rng_below(r, NELEM(paths))];
	const char *ua = agents[rng_below(r, NELEM(agents))];
	int post = rng_below(r, 4) == 0;
	char query[32] = "";
	int n;

	if (rng_below(r, 3) == 0)
		snprintf(query, sizeof query, "?id=%u", rng_below(r, 100000));
	if (post) {
		char body[128];
		int bl = snprintf(body, sizeof body, "{\"user\":\"u%u\",\"n\":%u}", rng_below(r, 10000),
		                  rng_below(r, 100));
		n = snprintf((char *)req, reqsz,
		             "POST %s%s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\nAccept: */*\r\n"
		             "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		             path, query, b->t->name, ua, bl, body);
	} else {
		n = snprintf((char *)req, reqsz,
		             "GET %s%s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\nAccept: */*\r\n\r\n", path,
		             query, b->t->name, ua);
	}

	unsigned pick = rng_below(r, 10);
	const char *status = pick < 7 ? "200 OK" : pick < 9 ? "404 Not Found" : "301 Moved Permanently";
	uint32_t blen = pick < 7 ? rng_below(r, 5000) : pick < 9 ? 120 + rng_below(r, 200) : 0;
	const char *ctype = strstr(path, ".js") ? "application/javascript" :
	                    strstr(path, ".css") ? "text/css" :
	                    strncmp(path, "/api/", 5) == 0 ? "application/json" : "text/html; charset=utf-8";
	char loc[160] = "";
	if (pick == 9)
		snprintf(loc, sizeof loc, "Location: https://%s%s\r\n", b->t->name, path);
	int hl = snprintf((char *)resp, respsz,
	                  "HTTP/1.1 %s\r\nServer: nginx\r\nContent-Type: %s\r\nContent-Length: %u\r\n%s\r\n",
	                  status, ctype, blen, loc);
	fill_text(r, resp + hl, blen);

	tcp_open(b);
	tcp_stream(b, DIR_C2S, req, (uint32_t)n, 1);
	tcp_stream(b, DIR_S2C, resp, (uint32_t)hl + blen, 0);
	tcp_close(b);
}

static uint32_t dns_qname(uint8_t *p, const char *name)
{
	uint32_t n = 0;
	while (*name) {
		const char *dot = strchr(name, '.');
		size_t l = dot ? (size_t)(dot - name) : strlen(name);
		p[n++] = (uint8_t)l;
		memcpy(p + n, name, l);
		n += (uint32_t)l;
		name += l + (dot ? 1 : 0);
	}
	p[n++] = 0;
	return n;
}

static void build_dns(struct builder *b, uint64_t *r, unsigned v)
{
	uint8_t q[512], a[512];
	uint16_t qtype = v % 3 == 2 ? 28 : 1;
	int nx = v % 8 == 7;
	uint32_t n = 12, qn;

	memset(q, 0, 12);
	put16(q + 2, 0x0100); /* RD */
	put16(q + 4, 1);
	qn = dns_qname(q + 12, b->t->name);
	n += qn;
	put16(q + n, qtype);
	put16(q + n + 2, 1);
	n += 4;

	memcpy(a, q, n);
	put16(a + 2, nx ? 0x8183 : 0x8180); /* QR RD RA, NOERROR / NXDOMAIN */
	uint32_t m = n;
	if (!nx) {
		put16(a + 6, 1);
		put16(a + m, 0xc00c); /* the question's name */
		put16(a + m + 2, qtype);
		put16(a + m + 4, 1);
		put32(a + m + 6, 300);
		if (qtype == 1) {
			static const uint8_t net[3] = { 203, 0, 113 };
			put16(a + m + 10, 4);
			memcpy(a + m + 12, net, 3);
			a[m + 15] = (uint8_t)(1 + rng_below(r, 254));
			m += 16;
		} else {
			static const uint8_t net[14] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
			put16(a + m + 10, 16);
			memcpy(a + m + 12, net, 14);
			put16(a + m + 26, 1 + rng_below(r, 0xfffe));
			m += 28;
		}
	}
	udp_dgram(b, DIR_C2S, q, n, 1);
	udp_dgram(b, DIR_S2C, a, m, 0);
}

/* Appends a TLS record header + body; returns bytes written. */
static uint32_t tls_record(uint8_t *p, uint8_t type, uint16_t ver, const uint8_t *body, uint32_t len)
{
	p[0] = type;
	put16(p + 1, ver);
	put16(p + 3, len);
	if (body != p + 5)
		memmove(p + 5, body, len);
	return 5 + len;
}

static void build_tls(struct builder *b, uint64_t *r, unsigned v)
{
	static const uint8_t suites_modern[] = { 0x13, 0x01, 0x13, 0x02, 0x13, 0x03, 0xc0, 0x2b, 0xc0, 0x2f,
	                                         0xc0, 0x2c, 0xc0, 0x30, 0xcc, 0xa9, 0xcc, 0xa8, 0xc0, 0x13,
	                                         0xc0, 0x14, 0x00, 0x9c, 0x00, 0x9d, 0x00, 0x2f, 0x00, 0x35 };
	static const uint8_t suites_legacy[] = { 0xc0, 0x2f, 0xc0, 0x30, 0xc0, 0x13, 0xc0, 0x14, 0x00, 0x9c,
	                                         0x00, 0x9d, 0x00, 0x2f, 0x00, 0x35, 0x00, 0x0a };
	static const uint8_t sigalgs[] = { 0x00, 0x0d, 0x00, 0x12, 0x00, 0x10, 0x04, 0x03, 0x08, 0x04, 0x04, 0x01,
	                                   0x05, 0x03, 0x08, 0x05, 0x05, 0x01, 0x08, 0x06, 0x06, 0x01 };
	static const uint8_t groups[] = { 0x00, 0x0a, 0x00, 0x08, 0x00, 0x06, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x18 };
	static const uint8_t points[] = { 0x00, 0x0b, 0x00, 0x02, 0x01, 0x00 };
	static const uint8_t alpn[] = { 0x00, 0x10, 0x00, 0x0e, 0x00, 0x0c, 0x02, 'h', '2',
	                                0x08, 'h', 't', 't', 'p', '/', '1', '.', '1' };
	static const uint8_t ems[] = { 0x00, 0x17, 0x00, 0x00, 0x00, 0x23, 0x00, 0x00 }; /* + session ticket */
	static const uint8_t versions[] = { 0x00, 0x2b, 0x00, 0x05, 0x04, 0x03, 0x04, 0x03, 0x03 };
	static const uint8_t psk_modes[] = { 0x00, 0x2d, 0x00, 0x02, 0x01, 0x01 };
	uint8_t *ch = b->scratch[0], *sf = b->scratch[1], *cf = b->scratch[2], *sapp = b->scratch[3];
	unsigned profile = v % 3;            /* 0: TLS 1.3 + ALPN, 1: TLS 1.3, 2: TLS 1.2 only */
	int offer_alpn = profile == 0;
	int tls13 = profile != 2 && (v / 3) % 4 != 0;
	uint8_t sid[32], key[32], skey[32], rnd[32];
	uint32_t nl = (uint32_t)strlen(b->t->name);

	fill_random(r, sid, 32);
	fill_random(r, key, 32);
	fill_random(r, skey, 32);

	/* ClientHello, built as record(handshake(body)) with the lengths filled in at the end. */
	uint8_t *hs = ch + 5, *p = hs + 4;
	put16(p, 0x0303);
	fill_random(r, p + 2, 32);
	p += 34;
	*p++ = 32;
	memcpy(p, sid, 32);
	p += 32;
	const uint8_t *suites = profile == 2 ? suites_legacy : suites_modern;
	uint32_t sl = profile == 2 ? sizeof suites_legacy : sizeof suites_modern;
	put16(p, sl);
	memcpy(p + 2, suites, sl);
	p += 2 + sl;
	*p++ = 1;
	*p++ = 0;
	uint8_t *ext_len = p;
	p += 2;
	uint8_t *ext = p;
	put16(p, 0x0000); /* server_name */
	put16(p + 2, nl + 5);
	put16(p + 4, nl + 3);
	p[6] = 0;
	put16(p + 7, nl);
	memcpy(p + 9, b->t->name, nl);
	p += 9 + nl;
#define ADD(arr) (memcpy(p, arr, sizeof arr), p += sizeof arr)
	ADD(ems);
	ADD(groups);
	ADD(points);
	if (offer_alpn)
		ADD(alpn);
	ADD(sigalgs);
	if (profile != 2) {
		ADD(versions);
		ADD(psk_modes);
		put16(p, 0x0033); /* key_share: x25519 */
		put16(p + 2, 38);
		put16(p + 4, 36);
		put16(p + 6, 0x001d);
		put16(p + 8, 32);
		memcpy(p + 10, key, 32);
		p += 42;
	}
#undef ADD
	put16(ext_len, (uint32_t)(p - ext));
	uint32_t hlen = (uint32_t)(p - hs - 4);
	hs[0] = 1;
	hs[1] = (uint8_t)(hlen >> 16);
	put16(hs + 2, hlen & 0xffff);
	uint32_t chlen = tls_record(ch, 0x16, 0x0301, hs, hlen + 4);

	/* ServerHello (+ ServerHelloDone for 1.2), then the rest of the server's flight. */
	hs = sf + 5;
	p = hs + 4;
	put16(p, 0x0303);
	fill_random(r, rnd, 32);
	memcpy(p + 2, rnd, 32);
	p += 34;
	*p++ = 32;
	memcpy(p, sid, 32);
	p += 32;
	put16(p, tls13 ? (v & 8 ? 0x1302 : 0x1301) : 0xc02f);
	p += 2;
	*p++ = 0;
	ext_len = p;
	p += 2;
	ext = p;
	if (tls13) {
		static const uint8_t sv[] = { 0x00, 0x2b, 0x00, 0x02, 0x03, 0x04 };
		memcpy(p, sv, sizeof sv);
		p += sizeof sv;
		put16(p, 0x0033);
		put16(p + 2, 36);
		put16(p + 4, 0x001d);
		put16(p + 6, 32);
		memcpy(p + 8, skey, 32);
		p += 40;
	} else {
		static const uint8_t reneg[] = { 0xff, 0x01, 0x00, 0x01, 0x00, 0x00, 0x0b, 0x00, 0x02, 0x01, 0x00 };
		memcpy(p, reneg, sizeof reneg);
		p += sizeof reneg;
		if (offer_alpn) {
			static const uint8_t sel[] = { 0x00, 0x10, 0x00, 0x0b, 0x00, 0x09, 0x08,
			                               'h', 't', 't', 'p', '/', '1', '.', '1' };
			memcpy(p, sel, sizeof sel);
			p += sizeof sel;
		}
	}
	put16(ext_len, (uint32_t)(p - ext));
	hlen = (uint32_t)(p - hs - 4);
	hs[0] = 2;
	hs[1] = (uint8_t)(hlen >> 16);
	put16(hs + 2, hlen & 0xffff);
	uint32_t body = hlen + 4;
	if (!tls13) {
		static const uint8_t done[4] = { 0x0e, 0, 0, 0 };
		memcpy(hs + body, done, 4);
		body += 4;
	}
	uint32_t sflen = tls_record(sf, 0x16, 0x0303, hs, body);
	static const uint8_t ccs[6] = { 0x14, 0x03, 0x03, 0x00, 0x01, 0x01 };
	uint32_t clen = 0;
	if (tls13) {
		/* ChangeCipherSpec for middleboxes, then the encrypted rest of the handshake. */
		memcpy(sf + sflen, ccs, 6);
		sflen += 6;
		uint32_t enc = 1200 + rng_below(r, 2400);
		fill_random(r, sf + sflen + 5, enc);
		sflen += tls_record(sf + sflen, 0x17, 0x0303, sf + sflen + 5, enc);
		memcpy(cf, ccs, 6);
		clen = 6;
		fill_random(r, cf + clen + 5, 53);
		clen += tls_record(cf + clen, 0x17, 0x0303, cf + clen + 5, 53);
	} else {
		/* ClientKeyExchange (x25519), ChangeCipherSpec, encrypted Finished. */
		uint8_t *k = cf + 5;
		k[0] = 0x10;
		k[1] = 0;
		put16(k + 2, 33);
		k[4] = 32;
		fill_random(r, k + 5, 32);
		clen = tls_record(cf, 0x16, 0x0303, k, 37);
		memcpy(cf + clen, ccs, 6);
		clen += 6;
		fill_random(r, cf + clen + 5, 40);
		clen += tls_record(cf + clen, 0x16, 0x0303, cf + clen + 5, 40);
	}
	/* The client's first application data rides with its last handshake flight. */
	uint32_t creq = 80 + rng_below(r, 400);
	fill_random(r, cf + clen + 5, creq);
	clen += tls_record(cf + clen, 0x17, 0x0303, cf + clen + 5, creq);

	uint32_t slen = 0;
	if (!tls13) {
		memcpy(sapp, ccs, 6);
		slen = 6;
		fill_random(r, sapp + slen + 5, 40);
		slen += tls_record(sapp + slen, 0x16, 0x0303, sapp + slen + 5, 40);
	}
	uint32_t sresp = 200 + rng_below(r, 6000);
	fill_random(r, sapp + slen + 5, sresp);
	slen += tls_record(sapp + slen, 0x17, 0x0303, sapp + slen + 5, sresp);

	tcp_open(b);
	tcp_stream(b, DIR_C2S, ch, chlen, 1);
	tcp_stream(b, DIR_S2C, sf, sflen, 0);
	tcp_stream(b, DIR_C2S, cf, clen, 0);
	tcp_stream(b, DIR_S2C, sapp, slen, 0);
	tcp_close(b);
}

static int build_templates(struct sl__synth *g, char *errbuf, size_t errlen)
{
	struct builder *b = malloc(sizeof *b);

	if (b == NULL) {
		snprintf(errbuf, errlen, "synth: out of memory");
		return -ENOMEM;
	}
	for (unsigned k = 0; k < SL__SYNTH_KINDS; k++) {
		for (unsigned v = 0; v < VARIANTS; v++) {
			struct tmpl *t = &g->tm[k][v];
			uint64_t r = hash4(g->cfg.seed, k, v, 0x7e3a);

			b->used = 0;
			b->err = 0;
			b->t = t;
			t->npkts = 0;
			make_name(&r, t->name, sizeof t->name);
			if (k == SL__SYNTH_HTTP)
				build_http(b, &r);
			else if (k == SL__SYNTH_DNS)
				build_dns(b, &r, v);
			else
				build_tls(b, &r, v);
			if (b->err || (t->buf = malloc(b->used)) == NULL) {
				int err = b->err ? -EINVAL : -ENOMEM;
				snprintf(errbuf, errlen, "synth: %s", b->err ? "template too large" : "out of memory");
				free(b);
				return err;
			}
			memcpy(t->buf, b->buf, b->used);
		}
	}
	free(b);
	return 0;
}

/* ---- flows ----------------------------------------------------------------------------- */

static const uint16_t server_port[SL__SYNTH_KINDS] = { 80, 53, 443 };

static void session_begin(struct sl__synth *g, uint32_t i, struct flow *f)
{
	uint64_t h = hash4(g->cfg.seed, i, f->session, 0x5e55);

	f->variant = (uint16_t)(h % VARIANTS);
	f->isn[0] = (uint32_t)(h >> 16);
	f->isn[1] = (uint32_t)splitmix(h);
	f->phase = 0;
}

static void flows_init(struct sl__synth *g, const unsigned w[SL__SYNTH_KINDS])
{
	unsigned wsum = w[0] + w[1] + w[2];
	uint32_t hosts = g->nflows < HOSTS_MAX ? g->nflows : HOSTS_MAX;
	uint32_t net = (uint32_t)(hash4(g->cfg.seed, 0, 0, 0x0e7) % 250) + 1;

	for (uint32_t i = 0; i < g->nflows; i++) {
		struct flow *f = &g->fl[i];
		uint64_t h = hash4(g->cfg.seed, i, 0, 0xf10);
		unsigned pick = (unsigned)(h % wsum);
		uint32_t host = i % hosts, j = i / hosts;

		f->kind = pick < w[0] ? SL__SYNTH_HTTP : pick < w[0] + w[1] ? SL__SYNTH_DNS : SL__SYNTH_TLS;
		/* Invariant 2: (host, j) is a bijection of i, and for one host distinct j give
		 * distinct ports (251 is prime to 64000 and j < 64000). */
		f->cip = 0x0a000000u | net << 16 | (host + 1);
		f->cport = (uint16_t)(1024 + ((uint64_t)j * 251 + (uint32_t)(splitmix(host ^ g->cfg.seed) % 64000)) % 64000);
		uint32_t srv = (uint32_t)((h >> 32) % 32);
		f->sip = f->kind == SL__SYNTH_HTTP ? 0xc6336400u | (10 + srv) :   /* 198.51.100.0/24 */
		         f->kind == SL__SYNTH_TLS  ? 0xcb007100u | (10 + srv) :   /* 203.0.113.0/24 */
		                                     0xc0000200u | (53 + srv % 4); /* 192.0.2.0/24 */
		f->sport = server_port[f->kind];
		f->session = 0;
		session_begin(g, i, f);
	}
}

static void round_begin(struct sl__synth *g)
{
	uint32_t n = g->nflows;

	g->left = n;
	g->pos = rng_below(&g->rng, n);
	if (n == 1) {
		g->stride = 0;
		return;
	}
	/* A stride prime to n visits every flow once per round, in an order that changes. */
	uint32_t s = 1 + rng_below(&g->rng, n - 1);
	while (gcd32(s, n) != 1)
		s = s + 1 < n ? s + 1 : 1;
	g->stride = s;
}

/* ---- public ---------------------------------------------------------------------------- */

int sl__synth_parse_mix(const char *mix, unsigned w[SL__SYNTH_KINDS], char *errbuf, size_t errlen)
{
	const char *p = mix ? mix : SL__SYNTH_MIX_DEFAULT;

	w[0] = w[1] = w[2] = 0;
	while (*p) {
		const char *eq = strchr(p, '='), *end = strchr(p, ',');
		char *num_end;
		unsigned k;

		if (end == NULL)
			end = p + strlen(p);
		if (eq == NULL || eq > end)
			goto bad;
		for (k = 0; k < SL__SYNTH_KINDS; k++) {
			const char *kn = sl__synth_kind_name(k);
			if ((size_t)(eq - p) == strlen(kn) && strncmp(p, kn, (size_t)(eq - p)) == 0)
				break;
		}
		if (k == SL__SYNTH_KINDS)
			goto bad;
		if (eq[1] < '0' || eq[1] > '9')
			goto bad; /* strtoul would take a sign or blanks */
		unsigned long v = strtoul(eq + 1, &num_end, 10);
		if (num_end != end || num_end == eq + 1 || v > 1000000)
			goto bad;
		w[k] = (unsigned)v;
		p = *end ? end + 1 : end;
		continue;
bad:
		snprintf(errbuf, errlen, "synth: bad mix '%s' at '%.*s' (want e.g. %s, weights up to 1000000)",
		         mix, (int)(end - p), p, SL__SYNTH_MIX_DEFAULT);
		return -EINVAL;
	}
	if (w[0] + w[1] + w[2] == 0) {
		snprintf(errbuf, errlen, "synth: mix '%s' gives every kind weight 0", mix ? mix : "");
		return -EINVAL;
	}
	return 0;
}

const char *sl__synth_kind_name(unsigned kind)
{
	static const char *const names[SL__SYNTH_KINDS] = { "http", "dns", "tls" };
	return kind < SL__SYNTH_KINDS ? names[kind] : "?";
}

int sl__synth_create(const struct sl__synth_cfg *cfg, struct sl__synth **out, char *errbuf, size_t errlen)
{
	unsigned w[SL__SYNTH_KINDS];
	struct sl__synth *g;
	int err;

	if ((err = sl__synth_parse_mix(cfg->mix, w, errbuf, errlen)) != 0)
		return err;
	if (cfg->flows > SL__SYNTH_FLOWS_MAX) {
		snprintf(errbuf, errlen, "synth: %u flows is more than the %u supported", cfg->flows,
		         SL__SYNTH_FLOWS_MAX);
		return -EINVAL;
	}
	if ((g = calloc(1, sizeof *g)) == NULL)
		goto nomem;
	g->cfg = *cfg;
	g->cfg.mix = NULL; /* borrowed; parsed above */
	g->nflows = cfg->flows ? cfg->flows : SL__SYNTH_FLOWS_DEFAULT;
	g->ts = cfg->start_ns ? cfg->start_ns : SL__SYNTH_START_NS;
	g->ts -= g->ts % 1000;
	g->rng = hash4(cfg->seed, 0, 0, 0x1234);
	if ((g->fl = calloc(g->nflows, sizeof *g->fl)) == NULL)
		goto nomem;
	if ((err = build_templates(g, errbuf, errlen)) != 0) {
		sl__synth_destroy(g);
		return err;
	}
	flows_init(g, w);
	round_begin(g);
	*out = g;
	return 0;
nomem:
	sl__synth_destroy(g);
	snprintf(errbuf, errlen, "synth: out of memory");
	return -ENOMEM;
}

void sl__synth_destroy(struct sl__synth *g)
{
	if (g == NULL)
		return;
	for (unsigned k = 0; k < SL__SYNTH_KINDS; k++)
		for (unsigned v = 0; v < VARIANTS; v++)
			free(g->tm[k][v].buf);
	free(g->fl);
	free(g);
}

void sl__synth_sessions(const struct sl__synth *g, uint64_t out[SL__SYNTH_KINDS])
{
	for (unsigned k = 0; k < SL__SYNTH_KINDS; k++)
		out[k] = g->sessions[k];
}

int sl__synth_next(struct sl__synth *g, struct sl__synth_pkt *pkt)
{
	if (g->cfg.packets && g->made >= g->cfg.packets)
		return 0;
	if (g->left == 0)
		round_begin(g);

	uint32_t i = g->pos;
	g->pos += g->stride;
	if (g->pos >= g->nflows)
		g->pos -= g->nflows;
	g->left--;

	struct flow *f = &g->fl[i];
	struct tmpl *t = &g->tm[f->kind][f->variant];
	if (f->phase == 0)
		g->sessions[f->kind]++;
	const struct tpkt *tp = &t->pkts[f->phase];
	uint8_t *fr = t->buf + tp->off, *ip = fr + ETH_LEN, *l4 = ip + IP_LEN;
	uint32_t src = tp->dir == DIR_C2S ? f->cip : f->sip, dst = tp->dir == DIR_C2S ? f->sip : f->cip;
	uint16_t sp = tp->dir == DIR_C2S ? f->cport : f->sport, dp = tp->dir == DIR_C2S ? f->sport : f->cport;
	uint16_t id = g->ip_id++;
	uint64_t addr = (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff);
	uint64_t s;

	/* Invariant 1: the constant parts are summed already; add what we patch. */
	put16(ip + 4, id);
	put32(ip + 12, src);
	put32(ip + 16, dst);
	put16(ip + 10, fold((uint64_t)tp->ip_sum + id + addr));

	put16(l4, sp);
	put16(l4 + 2, dp);
	s = (uint64_t)tp->l4_sum + addr + sp + dp;
	if (tp->proto == 6) {
		uint32_t seq = f->isn[tp->dir] + tp->rel_seq;
		uint32_t ack = tp->has_ack ? f->isn[!tp->dir] + tp->rel_ack : 0;
		put32(l4 + 4, seq);
		put32(l4 + 8, ack);
		s += (seq >> 16) + (seq & 0xffff) + (ack >> 16) + (ack & 0xffff);
		put16(l4 + 16, fold(s));
	} else {
		uint16_t dns_id = (uint16_t)f->isn[0];
		put16(l4 + 8, dns_id);
		s += dns_id;
		uint16_t c = fold(s);
		put16(l4 + 6, c ? c : 0xffff); /* 0 means "no checksum" in UDP */
	}

	g->ts += 1000u * (1 + (rng_next(&g->rng) & 7));
	pkt->data = fr;
	pkt->len = tp->len;
	pkt->ts_ns = g->ts;
	pkt->flow = i;
	pkt->kind = f->kind;
	pkt->name = tp->carrier ? t->name : NULL;
	g->made++;

	if (++f->phase == t->npkts) {
		f->session++;
		session_begin(g, i, f);
	}
	return 1;
}
