/* SPDX-License-Identifier: MIT */
/*
 * Drives one worker's analysis without threads: a worker made from a configuration, its
 * output ring read back by the test, and crafted Ethernet/IPv4/TCP packets handed to the
 * per-packet code in order. For tests of the glue between reassembly and the parsers, where
 * hostile cuts of a stream (one-byte segments, tiny TLS records) must cost bounded work.
 * Header-only; each test is one executable linked against the engine library.
 */
#ifndef SLUICE_TEST_ANALYSIS_HARNESS_H
#define SLUICE_TEST_ANALYSIS_HARNESS_H

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "conf/conf.h"
#include "record_meta.h"
#include "engine.h"
#include "worker.h"

struct harness {
	struct sl_config cfg;
	struct sl_worker *w;
	sl_ring *ring;
	_Atomic int hard_stop;
	uint64_t ts;
	uint64_t recs[SL_REC_TYPE_MAX]; /* records read back, by type */
	void (*on_rec)(struct harness *h, const struct sl_rec *r);
	void *user;
};

/* One TCP connection: client 10.0.0.1:cport -> server 10.0.0.2:sport. */
struct hconn {
	uint16_t cport, sport;
	uint32_t seq[2]; /* next sequence number, [0] client, [1] server */
};

static inline void h_init(struct harness *h, const char *const *sets)
{
	char err[256];

	memset(h, 0, sizeof *h);
	static int registered;
	if (!registered++) /* the modules' keys, as sluiced registers them */
		REQUIRE(sl_engine_conf_register(err, sizeof err) == 0);
	sl_conf_defaults(&h->cfg);
	for (; sets && *sets; sets++)
		REQUIRE(sl_conf_set(&h->cfg, *sets, err, sizeof err) == 0);
	h->w = sl_worker_create(0, &h->cfg, err, sizeof err);
	if (h->w == NULL)
		fprintf(stderr, "worker: %s\n", err);
	REQUIRE(h->w != NULL);
	struct sl_ring_config rc = { .capacity = 8u << 20, .huge = SL_HUGEPAGES_NEVER };
	REQUIRE(sl_ring_create(NULL, &rc, &h->ring) == 0);
	h->w->out = h->ring;
	h->w->hard_stop = &h->hard_stop;
	h->ts = UINT64_C(1700000000) * 1000000000u;
}

/* Read back what the analysis emitted so far. */
static inline void h_drain(struct harness *h)
{
	struct sl_rec recs[64];
	size_t n;

	sl_ring_commit(h->ring);
	while ((n = sl_ring_peek(h->ring, recs, 64)) > 0) {
		for (size_t i = 0; i < n; i++) {
			if (recs[i].type < SL_REC_TYPE_MAX)
				h->recs[recs[i].type]++;
			if (h->on_rec)
				h->on_rec(h, &recs[i]);
		}
		sl_ring_release(h->ring, n);
	}
}

static inline void h_fini(struct harness *h)
{
	h_drain(h);
	sl_worker_destroy(h->w);
	sl_ring_close(h->ring);
	sl_conf_fini(&h->cfg);
}

static inline uint16_t h_csum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* Hand one Ethernet frame to the analysis, as the worker loop does. */
static inline void h_frame(struct harness *h, const uint8_t *frame, uint32_t len)
{
	static _Alignas(8) uint8_t buf[sizeof(struct sl_pkt_rec) + 70000];
	struct sl_pkt_rec *p = (struct sl_pkt_rec *)buf;

	memset(p, 0, sizeof *p);
	p->ts_ns = h->ts;
	h->ts += 1000;
	p->caplen = p->wirelen = len;
	p->linktype = SL_LINK_ETHERNET;
	memcpy(p->data, frame, len);
	sl_analysis_packet(h->w->an, p);
	sl_ring_commit(h->ring);
	if (sl_ring_peek(h->ring, (struct sl_rec[1]){ 0 }, 1))
		h_drain(h); /* keep the ring from filling in long tests */
}

/* An IPv4 packet (Ethernet framed) with the given payload after the IP header; off is the
 * fragment offset in bytes, mf the more-fragments flag. */
static inline uint32_t h_ipv4(uint8_t *f, uint8_t proto, uint16_t id, uint32_t off, int mf,
                              const uint8_t *l4, uint32_t l4len, int client_to_server)
{
	memset(f, 0, 34);
	f[0] = 2, f[5] = 2; /* dst mac */
	f[6] = 2, f[11] = 1;
	f[12] = 0x08, f[13] = 0x00;
	uint8_t *ip = f + 14;
	uint32_t tot = 20 + l4len;
	ip[0] = 0x45;
	ip[2] = (uint8_t)(tot >> 8), ip[3] = (uint8_t)tot;
	ip[4] = (uint8_t)(id >> 8), ip[5] = (uint8_t)id;
	uint16_t fo = (uint16_t)((off / 8) | (mf ? 0x2000 : 0));
	ip[6] = (uint8_t)(fo >> 8), ip[7] = (uint8_t)fo;
	ip[8] = 64;
	ip[9] = proto;
	uint8_t a[4] = { 10, 0, 0, 1 }, b[4] = { 10, 0, 0, 2 };
	memcpy(ip + 12, client_to_server ? a : b, 4);
	memcpy(ip + 16, client_to_server ? b : a, 4);
	uint16_t ck = h_csum(ip, 20);
	ip[10] = (uint8_t)(ck >> 8), ip[11] = (uint8_t)ck;
	memcpy(ip + 20, l4, l4len);
	return 34 + l4len;
}

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10

/* One TCP segment of c in direction dir (0 client to server) carrying n bytes. */
static inline void h_tcp(struct harness *h, struct hconn *c, unsigned dir, uint8_t flags, const void *data,
                         uint32_t n)
{
	static uint8_t seg[66000], frame[66100];
	uint16_t sp = dir ? c->sport : c->cport, dp = dir ? c->cport : c->sport;

	memset(seg, 0, 20);
	seg[0] = (uint8_t)(sp >> 8), seg[1] = (uint8_t)sp;
	seg[2] = (uint8_t)(dp >> 8), seg[3] = (uint8_t)dp;
	uint32_t s = c->seq[dir], a = (flags & TH_ACK) ? c->seq[!dir] : 0;
	seg[4] = (uint8_t)(s >> 24), seg[5] = (uint8_t)(s >> 16), seg[6] = (uint8_t)(s >> 8), seg[7] = (uint8_t)s;
	seg[8] = (uint8_t)(a >> 24), seg[9] = (uint8_t)(a >> 16), seg[10] = (uint8_t)(a >> 8), seg[11] = (uint8_t)a;
	seg[12] = 5 << 4;
	seg[13] = flags;
	seg[14] = 0xff, seg[15] = 0xff;
	if (n)
		memcpy(seg + 20, data, n);
	c->seq[dir] += n + ((flags & (TH_SYN | TH_FIN)) ? 1 : 0);
	h_frame(h, frame, h_ipv4(frame, 6, 1, 0, 0, seg, 20 + n, dir == 0));
}

static inline void h_handshake(struct harness *h, struct hconn *c)
{
	c->seq[0] = 1000;
	c->seq[1] = 5000;
	h_tcp(h, c, 0, TH_SYN, NULL, 0);
	h_tcp(h, c, 1, TH_SYN | TH_ACK, NULL, 0);
	h_tcp(h, c, 0, TH_ACK, NULL, 0);
}

/* Data in segments of at most seg bytes. */
static inline void h_send(struct harness *h, struct hconn *c, unsigned dir, const void *data, uint32_t n,
                          uint32_t seg)
{
	const uint8_t *p = data;
	while (n) {
		uint32_t k = n < seg ? n : seg;
		h_tcp(h, c, dir, TH_ACK | TH_PSH, p, k);
		p += k;
		n -= k;
	}
}

static inline void h_close(struct harness *h, struct hconn *c)
{
	h_tcp(h, c, 0, TH_FIN | TH_ACK, NULL, 0);
	h_tcp(h, c, 1, TH_FIN | TH_ACK, NULL, 0);
	h_tcp(h, c, 0, TH_ACK, NULL, 0);
}

static inline struct sl_analysis_counters h_counters(const struct harness *h)
{
	struct sl_analysis_counters c;
	memset(&c, 0, sizeof c);
	sl_analysis_counters(h->w->an, &c);
	return c;
}

#endif
