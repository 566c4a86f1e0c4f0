/* SPDX-License-Identifier: MIT */
/*
 * IP reassembly. The two corpus captures must reassemble into the datagrams their generator
 * made (an IPv4 SYN with window scale 14 cut into 8-byte fragments; 1000 bytes of 'A' over
 * IPv6 in VLAN 6 cut at 512). Hand-made fragments then pin the policy: any arrival order,
 * first-wins overlaps, duplicates, inconsistent ends, sizes past 64 KiB, timeouts, and the
 * bounded memory (a full pool or tracker table evicts the oldest datagram, counted), with
 * sl_defrag_validate() after every step.
 */
#include "defrag.h"
#include "test_analysis_util.h"

#include <sluice/record.h>

#define SEC 1000000000ull

/* ---- corpus ---- */

struct feed {
	struct sl_defrag *df;
	unsigned completes, need_more, other;
	uint8_t out[70000];
	uint32_t out_len;
};

static void feed_cb(const struct tpkt *p, void *ctx)
{
	struct feed *f = ctx;
	struct sl_decoded d;
	const uint8_t *out;
	uint32_t n;
	int rc;

	CHECK_INT(sl_decode(p->data, p->caplen, p->linktype, &d), 0);
	CHECK(d.flags & SL_DECODE_F_FRAGMENT);
	rc = sl_defrag_add(f->df, &d, p->ts_ns, &out, &n);
	CHECK_INT(sl_defrag_validate(f->df), 0);
	if (rc == SL_DEFRAG_COMPLETE) {
		f->completes++;
		CHECK(out != NULL && n > 0 && n <= sizeof(f->out));
		memcpy(f->out, out, n);
		f->out_len = n;
	} else if (rc == SL_DEFRAG_NEED_MORE) {
		f->need_more++;
	} else {
		f->other++;
		fprintf(stderr, "defrag: %s\n", sl_defrag_reason_name(rc));
	}
}

static void corpus(void)
{
	struct sl_defrag df;
	struct feed *f = calloc(1, sizeof(*f));
	struct sl_decoded d;
	const uint8_t *opt;
	unsigned i, found_ws = 0;

	CHECK_INT(sl_defrag_init(&df, 16, 64 * 1024, 30 * SEC), 0);
	f->df = &df;

	CHECK_INT(pcap_each("sv-defrag-ipv4-tcp-syn.pcap", feed_cb, f), 3);
	CHECK_INT(f->completes, 1);
	CHECK_INT(f->need_more, 2);
	CHECK_INT(f->other, 0);
	CHECK_INT(sl_decode(f->out, f->out_len, SL_LINK_RAW, &d), 0);
	CHECK(!(d.flags & SL_DECODE_F_FRAGMENT));
	CHECK_INT(d.ip_version, 4);
	CHECK(!memcmp(d.src, "\x01\x01\x01\x01", 4) && !memcmp(d.dst, "\x02\x02\x02\x02", 4));
	CHECK_INT(d.proto, 6);
	CHECK_INT(d.sport, 12345);
	CHECK_INT(d.dport, 8080);
	CHECK_INT(d.tcp.flags, SL_TCP_SYN);
	CHECK_INT(d.ip_len, f->out_len);
	/* TCP options: find window scale (kind 3, len 3) with shift 14 */
	opt = d.l4 + 20;
	for (i = 0; i + 2 < (unsigned)d.tcp.hlen - 20;) {
		if (opt[i] == 0)
			break;
		if (opt[i] == 1) {
			i++;
			continue;
		}
		if (opt[i] == 3 && opt[i + 1] == 3 && opt[i + 2] == 14)
			found_ws = 1;
		if (opt[i + 1] < 2)
			break;
		i += opt[i + 1];
	}
	CHECK(found_ws);
	/* the rebuilt header's checksum verifies */
	{
		uint32_t s = 0;

		for (i = 0; i < 20; i += 2)
			s += (uint32_t)(f->out[i] << 8 | f->out[i + 1]);
		while (s >> 16)
			s = (s & 0xffff) + (s >> 16);
		CHECK_INT(s, 0xffff);
	}

	memset(f, 0, sizeof(*f));
	f->df = &df;
	CHECK_INT(pcap_each("sv-defrag-eth-vlan-ipv6-tcp.pcap", feed_cb, f), 3);
	CHECK_INT(f->completes, 1);
	CHECK_INT(f->other, 0);
	CHECK_INT(sl_decode(f->out, f->out_len, SL_LINK_RAW, &d), 0);
	CHECK_INT(d.ip_version, 6);
	CHECK_INT(d.proto, 6);
	CHECK(!(d.flags & SL_DECODE_F_IPV6_EXT)); /* the fragment header is gone */
	CHECK_INT(d.sport, 12345);
	CHECK_INT(d.dport, 8080);
	CHECK_INT(d.payload_len, 1000);
	for (i = 0; i < d.payload_len; i++)
		if (d.payload[i] != 'A')
			break;
	CHECK_INT(i, 1000);

	CHECK_INT(df.ctr.fragments, 6);
	CHECK_INT(df.ctr.reassembled, 2);
	CHECK_INT(df.live, 0);
	CHECK_INT(df.free_blocks, df.nblocks);
	sl_defrag_fini(&df);
	sl_defrag_fini(&df); /* twice is fine */
	free(f);
}

/* ---- hand-made fragments ---- */

/* An IPv4 fragment of datagram `id` carrying payload bytes [off, off+len) of `data`. */
static size_t v4frag(uint8_t *b, uint16_t id, uint32_t off, const uint8_t *data, uint32_t len,
                     int more, uint8_t src_last)
{
	memset(b, 0, 20);
	b[0] = 0x45;
	b[2] = (uint8_t)((20 + len) >> 8);
	b[3] = (uint8_t)(20 + len);
	b[4] = (uint8_t)(id >> 8);
	b[5] = (uint8_t)id;
	b[6] = (uint8_t)(((off / 8) >> 8) | (more ? 0x20 : 0));
	b[7] = (uint8_t)(off / 8);
	b[8] = 64;
	b[9] = 17;
	b[12] = 10;
	b[15] = src_last;
	b[16] = 10;
	b[19] = 99;
	memcpy(b + 20, data, len);
	return 20 + len;
}

static int add(struct sl_defrag *df, const uint8_t *pkt, size_t n, uint64_t ts,
               const uint8_t **out, uint32_t *out_len)
{
	struct sl_decoded d;
	int rc;

	CHECK_INT(sl_decode(pkt, (uint32_t)n, SL_LINK_RAW, &d), 0);
	rc = sl_defrag_add(df, &d, ts, out, out_len);
	CHECK_INT(sl_defrag_validate(df), 0);
	return rc;
}

static void handmade(void)
{
	static uint8_t payload[4000], alt[4000], pkt[5000];
	struct sl_defrag df;
	struct sl_decoded d;
	const uint8_t *out;
	uint32_t out_len;
	size_t n;
	unsigned i;
	int rc;

	/* a UDP datagram: 8-byte header + data */
	for (i = 0; i < sizeof(payload); i++) {
		payload[i] = (uint8_t)(i * 7 + 3);
		alt[i] = (uint8_t)~payload[i];
	}
	payload[0] = 0x30;
	payload[1] = 0x39; /* sport 12345 */
	payload[3] = 53;
	payload[4] = (uint8_t)(2400 >> 8);
	payload[5] = (uint8_t)2400; /* UDP length 2400 */

	CHECK_INT(sl_defrag_init(&df, 4, 32 * 1024, 10 * SEC), 0);

	/* reversed order: last, middle, first */
	n = v4frag(pkt, 1, 1600, payload + 1600, 800, 0, 1);
	CHECK_INT(add(&df, pkt, n, 1 * SEC, &out, &out_len), SL_DEFRAG_NEED_MORE);
	n = v4frag(pkt, 1, 800, payload + 800, 800, 1, 1);
	CHECK_INT(add(&df, pkt, n, 1 * SEC, &out, &out_len), SL_DEFRAG_NEED_MORE);
	n = v4frag(pkt, 1, 0, payload, 800, 1, 1);
	rc = add(&df, pkt, n, 1 * SEC, &out, &out_len);
	CHECK_INT(rc, SL_DEFRAG_COMPLETE);
	CHECK_INT(out_len, 20 + 2400);
	CHECK(out && !memcmp(out + 20, payload, 2400));
	CHECK_INT(sl_decode(out, out_len, SL_LINK_RAW, &d), 0);
	CHECK_INT(d.proto, 17);
	CHECK_INT(d.sport, 12345);
	CHECK_INT(d.payload_len, 2392);

	/* first wins: a later overlapping fragment with other bytes changes nothing */
	n = v4frag(pkt, 2, 0, payload, 1600, 1, 1);
	CHECK_INT(add(&df, pkt, n, 2 * SEC, &out, &out_len), SL_DEFRAG_NEED_MORE);
	n = v4frag(pkt, 2, 800, alt + 800, 1200, 1, 1); /* overlaps [800,1600) */
	CHECK_INT(add(&df, pkt, n, 2 * SEC, &out, &out_len), SL_DEFRAG_NEED_MORE);
	CHECK_INT(df.ctr.overlaps, 1);
	n = v4frag(pkt, 2, 0, alt, 800, 1, 1); /* a full duplicate, other bytes */
	CHECK_INT(add(&df, pkt, n, 2 * SEC, &out, &out_len), SL_DEFRAG_NEED_MORE);
	CHECK_INT(df.ctr.overlaps, 2);
	n = v4frag(pkt, 2, 2000, payload + 2000, 400, 0, 1);
	rc = add(&df, pkt, n, 2 * SEC, &out, &out_len);
	CHECK_INT(rc, SL_DEFRAG_COMPLETE);
	CHECK_INT(out_len, 2420);
	CHECK(out && !memcmp(out + 20, payload, 1600));           /* first data kept */
	CHECK(out && !memcmp(out + 20 + 1600, alt + 1600, 400)); /* the gap it filled */
	CHECK(out && !memcmp(out + 20 + 2000, payload + 2000, 400));

	/* a fragment that fills a hole in the middle of a held one: two gaps, both filled */
	n = v4frag(pkt, 3, 0, payload, 8, 1, 1);
	CHECK_INT(add(&df, pkt, n, 3 * SEC, &out, &out_len), SL_DEFRAG_NEED_MORE);
	n = v4frag(pkt, 3, 16, payload + 16, 8, 1, 1);
	CHECK_INT(add(&df, pkt, n, 3 * SEC, &out, &out_len), SL_DEFRAG_NEED_MORE);
	n = v4frag(pkt, 3, 0, alt, 40, 1, 1);
	CHECK_INT(add(&df, pkt, n, 3 * SEC, &out, &out_len), SL_DEFRAG_NEED_MORE);
	n = v4frag(pkt, 3, 40, payload + 40, 8, 0, 1);
	rc = add(&df, pkt, n, 3 * SEC, &out, &out_len);
	CHECK_INT(rc, SL_DEFRAG_COMPLETE);
	CHECK_INT(out_len, 20 + 48);
	CHECK(out && !memcmp(out + 20, payload, 8) && !memcmp(out + 28, alt + 8, 8) &&
	      !memcmp(out + 36, payload + 16, 8) && !memcmp(out + 44, alt + 24, 16) &&
	      !memcmp(out + 60, payload + 40, 8));

	/* two different ends: the datagram is dropped */
	n = v4frag(pkt, 4, 800, payload, 800, 0, 1);
	CHECK_INT(add(&df, pkt, n, 4 * SEC, &out, &out_len), SL_DEFRAG_NEED_MORE);
	n = v4frag(pkt, 4, 800, payload, 400, 0, 1);
	CHECK_INT(add(&df, pkt, n, 4 * SEC, &out, &out_len), SL_DEFRAG_INCONSISTENT);
	CHECK_INT(df.ctr.errors[SL_DEFRAG_INCONSISTENT], 1);
	CHECK_INT(df.live, 0);
	/* data past a known end */
	n = v4frag(pkt, 6, 800, payload, 800, 0, 1);
	CHECK_INT(add(&df, pkt, n, 4 * SEC, &out, &out_len), SL_DEFRAG_NEED_MORE);
	n = v4frag(pkt, 6, 1600, payload, 800, 1, 1);
	CHECK_INT(add(&df, pkt, n, 4 * SEC, &out, &out_len), SL_DEFRAG_INCONSISTENT);

	/* MF with a length that is not a multiple of 8 */
	n = v4frag(pkt, 7, 0, payload, 803, 1, 1);
	CHECK_INT(add(&df, pkt, n, 5 * SEC, &out, &out_len), SL_DEFRAG_BAD_FRAGMENT);

	/* the 65535-byte limit: payload ending at 65528 plus a 20-byte header is too big;
	 * ending at 65512 still fits */
	n = v4frag(pkt, 8, 65512, payload, 16, 0, 1);
	CHECK_INT(add(&df, pkt, n, 5 * SEC, &out, &out_len), SL_DEFRAG_TOO_BIG);
	CHECK_INT(df.ctr.errors[SL_DEFRAG_TOO_BIG], 1);
	n = v4frag(pkt, 8, 65504, payload, 8, 0, 1);
	CHECK_INT(add(&df, pkt, n, 5 * SEC, &out, &out_len), SL_DEFRAG_NEED_MORE);
	n = v4frag(pkt, 8, 0, payload, 8, 1, 1);
	CHECK_INT(add(&df, pkt, n, 5 * SEC, &out, &out_len), SL_DEFRAG_NEED_MORE);
	CHECK_INT(df.live, 1);

	/* timeouts: the open datagram expires 10 s after it began */
	CHECK_INT(sl_defrag_expire(&df, 14 * SEC), 0);
	CHECK_INT(sl_defrag_expire(&df, 15 * SEC), 1);
	CHECK_INT(df.ctr.timeouts, 1);
	CHECK_INT(df.live, 0);

	/* a truncated capture of a fragment cannot be used */
	n = v4frag(pkt, 9, 0, payload, 800, 1, 1);
	CHECK_INT(sl_decode(pkt, (uint32_t)n - 10, SL_LINK_RAW, &d), 0);
	CHECK_INT(sl_defrag_add(&df, &d, 20 * SEC, &out, &out_len), SL_DEFRAG_TRUNCATED);
	/* nor a packet that is not a fragment */
	n = v4frag(pkt, 9, 0, payload, 800, 0, 1);
	sl_decode(pkt, (uint32_t)n, SL_LINK_RAW, &d);
	CHECK_INT(sl_defrag_add(&df, &d, 20 * SEC, &out, &out_len), SL_DEFRAG_NOT_FRAGMENT);

	/* tracker table full (4): a fifth datagram evicts the oldest */
	for (i = 0; i < 5; i++) {
		n = v4frag(pkt, (uint16_t)(100 + i), 0, payload, 8, 1, 1);
		CHECK_INT(add(&df, pkt, n, (30 + i) * SEC, &out, &out_len), SL_DEFRAG_NEED_MORE);
	}
	CHECK_INT(df.live, 4);
	CHECK_INT(df.ctr.evicted, 1);
	/* the evicted one (id 100) starts over: its end alone does not complete it */
	n = v4frag(pkt, 100, 8, payload + 8, 8, 0, 1);
	CHECK_INT(add(&df, pkt, n, 40 * SEC, &out, &out_len), SL_DEFRAG_NEED_MORE);
	/* id 104 survived and completes */
	n = v4frag(pkt, 104, 8, payload + 8, 8, 0, 1);
	CHECK_INT(add(&df, pkt, n, 40 * SEC, &out, &out_len), SL_DEFRAG_COMPLETE);
	/* same id from another source is another datagram */
	n = v4frag(pkt, 101, 8, payload + 8, 8, 0, 2);
	CHECK_INT(add(&df, pkt, n, 40 * SEC, &out, &out_len), SL_DEFRAG_NEED_MORE);
	CHECK_INT(sl_defrag_expire(&df, 100 * SEC), 4);
	CHECK_INT(df.live, 0);
	sl_defrag_fini(&df);

	/* pool full: 32 KiB pool (128 blocks); three datagrams of 12 KiB can not all be held,
	 * the oldest goes */
	CHECK_INT(sl_defrag_init(&df, 8, 32 * 1024, 10 * SEC), 0);
	{
		static uint8_t big[13000];

		for (i = 0; i < 3; i++) {
			unsigned k;

			for (k = 0; k < 3; k++) {
				n = v4frag(big, (uint16_t)(200 + i), k * 4000, payload, 4000, 1, 1);
				CHECK_INT(add(&df, big, n, (50 + i) * SEC, &out, &out_len),
				          SL_DEFRAG_NEED_MORE);
			}
		}
		CHECK(df.ctr.evicted >= 1);
		CHECK(df.live <= 2);
		/* a fragment bigger than the whole pool */
		sl_defrag_fini(&df);
		CHECK_INT(sl_defrag_init(&df, 8, 1024, 10 * SEC), 0);
		n = v4frag(big, 300, 0, payload, 2000, 1, 1);
		CHECK_INT(add(&df, big, n, 60 * SEC, &out, &out_len), SL_DEFRAG_POOL_FULL);
		CHECK_INT(df.ctr.errors[SL_DEFRAG_POOL_FULL], 1);
		CHECK_INT(df.live, 0);
	}
	sl_defrag_fini(&df);

	/* bad init arguments */
	CHECK_INT(sl_defrag_init(&df, 0, 4096, SEC), -22);
	CHECK_INT(sl_defrag_init(&df, 4, 10, SEC), -22);
	sl_defrag_fini(&df);
	sl_defrag_fini(NULL);

	CHECK_STR(sl_defrag_reason_name(SL_DEFRAG_POOL_FULL), "pool_full");
	CHECK_STR(sl_defrag_reason_name(SL_DEFRAG_COMPLETE), "complete");
	CHECK_STR(sl_defrag_reason_name(99), "unknown");
}

/* ---- hostile cuts: memory and work must follow the datagram's size, not its cut ---- */

static uint32_t lcg(uint32_t *x)
{
	*x = *x * 1103515245u + 12345u;
	return *x >> 8;
}

static void hostile(void)
{
	static uint8_t payload[8192], pkt[200];
	static uint32_t order[8192];
	struct sl_defrag df;
	const uint8_t *out = NULL;
	uint32_t out_len = 0, seed = 7, i, n_frags = 0;
	size_t n, peak = 0;
	int rc = 0;

	for (i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 13 + 1);
	payload[4] = (uint8_t)(7200 >> 8);
	payload[5] = (uint8_t)7200; /* UDP length */

	/* 900 fragments of 8 bytes (a 7200-byte datagram) in a shuffled order, and after every
	 * ninth one an overlapping 24-byte duplicate: 1000 fragments, one datagram */
	CHECK_INT(sl_defrag_init(&df, 16, 1 << 20, 30 * SEC), 0);
	for (i = 0; i < 900; i++)
		order[i] = i;
	for (i = 899; i > 0; i--) {
		uint32_t j = lcg(&seed) % (i + 1), t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	for (i = 0; i < 900; i++) {
		uint32_t off = order[i] * 8;
		n = v4frag(pkt, 77, off, payload + off, 8, off + 8 < 7200, 1);
		rc = add(&df, pkt, n, SEC, &out, &out_len);
		n_frags++;
		if (sl_defrag_memory_in_use(&df) > peak)
			peak = sl_defrag_memory_in_use(&df);
		if (rc != SL_DEFRAG_NEED_MORE)
			break;
		if (i % 9 == 8 && off + 24 < 7200) {
			n = v4frag(pkt, 77, off, payload + off, 24, 1, 1);
			CHECK_INT(add(&df, pkt, n, SEC, &out, &out_len), SL_DEFRAG_NEED_MORE);
			n_frags++;
		}
	}
	CHECK_INT(rc, SL_DEFRAG_COMPLETE);
	CHECK_INT(out_len, 20 + 7200);
	CHECK(out && !memcmp(out + 20, payload, 7200));
	CHECK(df.ctr.overlaps >= 90);
	/* memory: the datagram's extent in blocks (7200 -> 15 blocks), not a block per piece */
	CHECK(peak <= 15 * SL_DEFRAG_BLOCK);
	/* work: a bounded number of block visits per fragment (an 8- or 24-byte piece spans at
	 * most two blocks, visited once to count and once to place) */
	CHECK(df.ctr.steps <= 2 * (uint64_t)n_frags);
	printf("1000 tiny fragments: peak %zu bytes held, %llu steps\n", peak, (unsigned long long)df.ctr.steps);
	CHECK_INT(sl_defrag_memory_in_use(&df), 0);

	/* 5000 fragments of 8 bytes of one datagram that never completes (no first fragment, each
	 * offered twice): refused past SL_DEFRAG_MAX_FRAGMENTS, its memory freed at once, the
	 * rest dropped cheaply, all counted */
	uint64_t steps0 = df.ctr.steps;
	for (i = 0; i < 5000; i++) {
		uint32_t off = 8 + (lcg(&seed) % 1000) * 8;
		n = v4frag(pkt, 78, off, payload + off, 8, 1, 1);
		rc = add(&df, pkt, n, 2 * SEC, &out, &out_len);
		if (i < SL_DEFRAG_MAX_FRAGMENTS)
			CHECK_INT(rc, SL_DEFRAG_NEED_MORE);
		else
			CHECK_INT(rc, SL_DEFRAG_TOO_MANY_FRAGMENTS);
		if (sl_defrag_memory_in_use(&df) > peak)
			peak = sl_defrag_memory_in_use(&df);
	}
	CHECK_INT(df.ctr.errors[SL_DEFRAG_TOO_MANY_FRAGMENTS], 5000 - SL_DEFRAG_MAX_FRAGMENTS);
	CHECK_INT(sl_defrag_memory_in_use(&df), 0);
	CHECK(peak <= 16 * SL_DEFRAG_BLOCK);
	CHECK(df.ctr.steps - steps0 <= 2 * SL_DEFRAG_MAX_FRAGMENTS);
	CHECK_INT(df.live, 1);
	CHECK_INT(sl_defrag_expire(&df, 40 * SEC), 1);
	sl_defrag_fini(&df);

	/* many datagrams of one tiny fragment each: the pool (64 KiB) bounds the memory, the
	 * oldest go first, counted */
	CHECK_INT(sl_defrag_init(&df, 4096, 64 * 1024, 30 * SEC), 0);
	for (i = 0; i < 3000; i++) {
		n = v4frag(pkt, (uint16_t)i, 0, payload, 8, 1, 1);
		CHECK_INT(add(&df, pkt, n, 3 * SEC, &out, &out_len), SL_DEFRAG_NEED_MORE);
		CHECK(sl_defrag_memory_in_use(&df) <= 64 * 1024);
	}
	CHECK_INT(df.live, 64 * 1024 / SL_DEFRAG_BLOCK);
	CHECK_INT(df.ctr.evicted, 3000 - 64 * 1024 / SL_DEFRAG_BLOCK);
	sl_defrag_fini(&df);
}

/* IPv6 with a destination-options header before the fragment header: it stays, and its
 * next-header byte is pointed at the payload. */
static void ipv6_exthdr(void)
{
	uint8_t p1[128], p2[128];
	struct sl_defrag df;
	struct sl_decoded d;
	const uint8_t *out;
	uint32_t out_len;
	unsigned i;

	memset(p1, 0, sizeof(p1));
	p1[0] = 0x60;
	p1[6] = 60; /* destination options */
	p1[7] = 64;
	p1[23] = 1;
	p1[39] = 2;
	p1[40] = 44; /* -> fragment */
	p1[41] = 0;
	p1[48] = 17; /* fragment -> UDP */
	p1[50] = 0;
	p1[51] = 1; /* offset 0, MF */
	p1[52] = 0xde;
	p1[55] = 0x42;
	for (i = 0; i < 16; i++)
		p1[56 + i] = (uint8_t)(i + 1);
	p1[56 + 4] = 0;
	p1[56 + 5] = 24; /* UDP length 24 */
	memcpy(p2, p1, 56);
	p2[50] = 0;
	p2[51] = 16; /* offset 16, last */
	memset(p2 + 56, 'z', 8);
	p1[5] = 8 + 8 + 16;
	p2[5] = 8 + 8 + 8;

	CHECK_INT(sl_defrag_init(&df, 4, 8192, SEC), 0);
	CHECK_INT(sl_decode(p2, 64, SL_LINK_IPV6, &d), 0);
	CHECK_INT(d.frag.hdr_off, 48);
	CHECK_INT(sl_defrag_add(&df, &d, 1, &out, &out_len), SL_DEFRAG_NEED_MORE);
	CHECK_INT(sl_decode(p1, 72, SL_LINK_IPV6, &d), 0);
	CHECK_INT(sl_defrag_add(&df, &d, 2, &out, &out_len), SL_DEFRAG_COMPLETE);
	CHECK_INT(out_len, 48 + 24);
	CHECK_INT(sl_decode(out, out_len, SL_LINK_RAW, &d), 0);
	CHECK_INT(d.proto, 17);
	CHECK_INT(d.l4_off, 48);
	CHECK_INT(out[40], 17); /* destination options now point at UDP */
	CHECK_INT(d.payload_len, 16);
	CHECK(!memcmp(d.payload + 8, "zzzzzzzz", 8));
	sl_defrag_fini(&df);
}

int main(void)
{
	if (corpus_present())
		corpus();
	handmade();
	ipv6_exthdr();
	hostile();
	return test_done("test_defrag");
}
