/* SPDX-License-Identifier: MIT */
/*
 * Tests of TCP reassembly (engine/flow/tcp.c) without the flow table. `test_tcp unit` runs
 * hand-built cases whose every byte and counter is known; `test_tcp prop [iters] [seed]`
 * cuts random byte streams into random segments, duplicates, re-segments, reorders and
 * (in some rounds) loses them, and checks that what comes out is exactly the stream: every
 * byte delivered at its offset or, only where nothing carried it, reported in a gap.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "tcp.h"

#define CAP (1u << 20)

/* Everything the callbacks were told, laid out by stream offset. */
struct sink {
	uint8_t img[2][CAP];
	uint8_t got[2][CAP]; /* 0 nothing, 1 delivered, 2 gap */
	uint64_t pos[2];
	uint64_t delivered[2], gapped[2];
	uint32_t ngaps[2], ndeliver[2], last_gap[2];
	int eos[2];
	enum sl_tcp_eos how[2];
	int after_eos;
	const uint8_t *last_ptr[2];
};

static struct sink *S;

static void on_deliver(void *ctx, void *user, unsigned dir, const uint8_t *data, uint32_t len)
{
	struct sink *s = ctx;
	(void)user;
	if (s->eos[dir])
		s->after_eos++;
	for (uint32_t i = 0; i < len; i++) {
		uint64_t at = s->pos[dir] + i;
		if (at < CAP) {
			s->img[dir][at] = data[i];
			s->got[dir][at] = 1;
		}
	}
	s->pos[dir] += len;
	s->delivered[dir] += len;
	s->ndeliver[dir]++;
	s->last_ptr[dir] = data;
}

static void on_gap(void *ctx, void *user, unsigned dir, uint32_t missing)
{
	struct sink *s = ctx;
	(void)user;
	if (s->eos[dir])
		s->after_eos++;
	for (uint32_t i = 0; i < missing; i++) {
		uint64_t at = s->pos[dir] + i;
		if (at < CAP)
			s->got[dir][at] = 2;
	}
	s->pos[dir] += missing;
	s->gapped[dir] += missing;
	s->ngaps[dir]++;
	s->last_gap[dir] = missing;
}

static void on_eos(void *ctx, void *user, unsigned dir, enum sl_tcp_eos how)
{
	struct sink *s = ctx;
	(void)user;
	s->eos[dir]++;
	s->how[dir] = how;
}

static struct sl_tcp_ops OPS = { on_deliver, on_gap, on_eos, NULL };

static void sink_reset(void)
{
	memset(S, 0, sizeof *S);
	OPS.ctx = S;
}

static struct sl_tcp_pool P;
static struct sl_tcp_session SS;

static void setup(uint32_t chunks, uint32_t chunk_size, uint32_t window, uint64_t depth, int ack_gaps)
{
	struct sl_tcp_config cfg = { .chunks = chunks, .chunk_size = chunk_size, .window = window,
	                             .depth = depth, .ack_gaps = (uint8_t)ack_gaps };
	sl_tcp_pool_fini(&P);
	REQUIRE(sl_tcp_pool_init(&P, &cfg) == 0);
	sl_tcp_session_init(&SS);
	sink_reset();
}

static void valid(int line)
{
	char why[160];
	int rc = sl_tcp_validate(&P, &SS, why, sizeof why);
	if (rc)
		fprintf(stderr, "line %d: validate: %s\n", line, why);
	CHECK_EQ(rc, 0);
}
#define VALID() valid(__LINE__)

static void seg(unsigned dir, uint32_t seq, uint32_t ack, uint8_t flags, const uint8_t *data,
                uint32_t len)
{
	struct sl_tcp_seg s = { data, len, seq, ack, flags };
	sl_tcp_process(&P, &SS, dir, &s, &OPS, NULL);
}

/* The test stream: a byte pattern no shift of itself reproduces over short ranges. */
static uint8_t pat(uint32_t i)
{
	uint32_t x = i * 2654435761u;
	return (uint8_t)(x >> 24 ^ x >> 11);
}

static uint8_t STREAM[1 << 16];

/* Send stream bytes [a, b) (offsets from the first data byte at isn + 1), from a buffer of
 * exactly that size, so reading past a segment is caught (by ASan, or by wrong bytes). */
static void send_range(unsigned dir, uint32_t isn, uint32_t a, uint32_t b, uint8_t flags)
{
	uint8_t *copy = malloc(b - a + 1);
	REQUIRE(copy != NULL);
	memcpy(copy, STREAM + a, b - a);
	copy[b - a] = (uint8_t)~STREAM[b < sizeof STREAM ? b : 0];
	seg(dir, isn + 1 + a, 0, flags | SL_TCP_ACK, copy, b - a);
	free(copy);
}

static int img_matches(unsigned dir, uint32_t a, uint32_t b)
{
	for (uint32_t i = a; i < b; i++)
		if (S->got[dir][i] != 1 || S->img[dir][i] != STREAM[i])
			return 0;
	return 1;
}

static void handshake(uint32_t cisn, uint32_t sisn)
{
	seg(0, cisn, 0, SL_TCP_SYN, NULL, 0);
	seg(1, sisn, cisn + 1, SL_TCP_SYN | SL_TCP_ACK, NULL, 0);
	seg(0, cisn + 1, sisn + 1, SL_TCP_ACK, NULL, 0);
}

static void test_in_order(void)
{
	static const uint8_t hello[] = "hello ", world[] = "world";

	setup(16, 256, 65536, 0, 1);
	handshake(1000, 5000);
	seg(0, 1001, 5001, SL_TCP_ACK | SL_TCP_PSH, hello, 6);
	CHECK(S->last_ptr[0] == hello); /* zero copy: the packet's own bytes */
	seg(0, 1007, 5001, SL_TCP_ACK | SL_TCP_PSH, world, 5);
	CHECK(S->last_ptr[0] == world);
	CHECK_EQ(S->delivered[0], 11);
	CHECK(memcmp(S->img[0], "hello world", 11) == 0);
	CHECK_EQ(S->ndeliver[0], 2);
	CHECK_EQ(P.ctr.in_order, 2);
	CHECK_EQ(P.ctr.out_of_order, 0);
	CHECK_EQ(P.free_count, 16);
	CHECK_EQ(SS.s[0].isn, 1000);
	CHECK_EQ(SS.s[1].isn, 5000);
	CHECK(SS.s[0].flags & SL_TCP_ST_SYN);
	/* FIN: end of stream after the last byte, once */
	seg(0, 1012, 5001, SL_TCP_ACK | SL_TCP_FIN, NULL, 0);
	CHECK_EQ(S->eos[0], 1);
	CHECK_EQ(S->how[0], SL_TCP_EOS_FIN);
	CHECK_EQ(S->eos[1], 0);
	seg(0, 1012, 5001, SL_TCP_ACK | SL_TCP_FIN, NULL, 0); /* retransmitted FIN */
	CHECK_EQ(S->eos[0], 1);
	seg(0, 1013, 5001, SL_TCP_ACK, world, 5); /* data after the end */
	CHECK_EQ(S->delivered[0], 11);
	CHECK_EQ(P.ctr.late, 1);
	CHECK_EQ(S->after_eos, 0);
	VALID();
}

static void test_out_of_order(void)
{
	const uint32_t isn = 70000;

	setup(64, 64, 65536, 0, 1);
	seg(0, isn, 0, SL_TCP_SYN, NULL, 0);
	send_range(0, isn, 200, 300, 0);
	VALID();
	send_range(0, isn, 100, 200, 0);
	VALID();
	CHECK_EQ(S->delivered[0], 0);
	CHECK_EQ(SS.s[0].ooo_bytes, 200);
	CHECK_EQ(SS.s[0].ooo_chunks, 4); /* 100 bytes each in chunks of 64: 64 + 36, twice */
	CHECK_EQ(P.free_count, 60);
	CHECK_EQ(P.ctr.out_of_order, 2);
	send_range(0, isn, 0, 100, 0);
	VALID();
	CHECK_EQ(S->delivered[0], 300);
	CHECK(img_matches(0, 0, 300));
	CHECK_EQ(S->ngaps[0], 0);
	CHECK_EQ(SS.s[0].next_seq, isn + 301);
	CHECK_EQ(SS.s[0].ooo_bytes, 0);
	CHECK_EQ(P.free_count, 64);
	CHECK_EQ(P.ctr.in_order, 1);
	/* the same bytes again change nothing */
	send_range(0, isn, 100, 300, 0);
	CHECK_EQ(S->delivered[0], 300);
	CHECK_EQ(P.ctr.retransmissions, 1);
	VALID();
}

static void test_retransmission_overlap(void)
{
	const uint32_t isn = 1;
	uint8_t alt[400];

	for (uint32_t i = 0; i < sizeof alt; i++)
		alt[i] = (uint8_t)~STREAM[i];
	setup(64, 128, 65536, 0, 1);
	seg(0, isn, 0, SL_TCP_SYN, NULL, 0);
	send_range(0, isn, 0, 100, 0);
	send_range(0, isn, 0, 100, 0);
	CHECK_EQ(P.ctr.retransmissions, 1);
	CHECK_EQ(S->delivered[0], 100);
	/* partial overlap with delivered bytes: only the new half goes out */
	send_range(0, isn, 50, 150, 0);
	CHECK_EQ(S->delivered[0], 150);
	CHECK_EQ(P.ctr.overlaps, 1);
	CHECK(img_matches(0, 0, 150));
	/* buffered [200,300), then [250,350) overlaps it: 50 new bytes buffered */
	send_range(0, isn, 200, 300, 0);
	send_range(0, isn, 250, 350, 0);
	CHECK_EQ(SS.s[0].ooo_bytes, 150);
	CHECK_EQ(P.ctr.overlaps, 2);
	CHECK_EQ(P.ctr.overlap_conflicts, 0);
	VALID();
	/* [200,300) again but with other bytes: nothing new, a conflict, the first copy stays */
	seg(0, isn + 1 + 200, 0, SL_TCP_ACK, alt + 200, 100);
	CHECK_EQ(P.ctr.retransmissions, 2);
	CHECK_EQ(P.ctr.overlap_conflicts, 1);
	CHECK_EQ(SS.s[0].ooo_bytes, 150);
	/* in order [150,260) with other bytes in [200,260): the buffered (first) copy wins */
	uint8_t mix[110];
	memcpy(mix, STREAM + 150, 50);
	memcpy(mix + 50, alt + 200, 60);
	seg(0, isn + 1 + 150, 0, SL_TCP_ACK, mix, 110);
	CHECK_EQ(P.ctr.overlap_conflicts, 2);
	CHECK_EQ(P.ctr.overlaps, 3);
	CHECK_EQ(S->delivered[0], 350);
	CHECK(img_matches(0, 0, 350));
	CHECK_EQ(P.free_count, 64);
	CHECK_EQ(S->ngaps[0], 0);
	VALID();
}

/* The target policies: an old segment [200,300) waits behind a hole; a new one with other
 * bytes overlaps it in each of the seven ways; the hole is filled; the stream shows whose
 * bytes won, which must be Suricata's answer for that target. want[] is the set of shapes in
 * which the new bytes win, one bit per shape below. */
static void test_overlap_policy(void)
{
	static const struct { uint32_t a, b; } shape[7] = {
		{ 200, 300 }, /* 0 same start, same end */
		{ 200, 350 }, /* 1 same start, ends after */
		{ 200, 250 }, /* 2 same start, ends before */
		{ 150, 250 }, /* 3 starts before, ends before */
		{ 150, 350 }, /* 4 starts before, ends after */
		{ 250, 350 }, /* 5 starts after, ends after */
		{ 220, 280 }, /* 6 starts after, ends before (inside) */
	};
	static const struct { const char *name; enum sl_tcp_policy pol; unsigned want; } cases[] = {
		{ "first", SL_TCP_POLICY_FIRST, 0 },
		{ "last", SL_TCP_POLICY_LAST, 0x7f },
		{ "bsd", SL_TCP_POLICY_BSD, 0x18 },
		{ "linux", SL_TCP_POLICY_LINUX, 0x1a },
		{ "old-linux", SL_TCP_POLICY_OLD_LINUX, 0x1b },
		{ "windows", SL_TCP_POLICY_WINDOWS, 0x18 },
		{ "windows2k3", SL_TCP_POLICY_WINDOWS2K3, 0x18 },
		{ "vista", SL_TCP_POLICY_VISTA, 0 },
		{ "solaris", SL_TCP_POLICY_SOLARIS, 0x33 },
		{ "hpux10", SL_TCP_POLICY_HPUX10, 0x18 },
		{ "hpux11", SL_TCP_POLICY_HPUX11, 0x33 },
		{ "irix", SL_TCP_POLICY_IRIX, 0x18 },
		{ "macos", SL_TCP_POLICY_MACOS, 0x18 },
	};
	const uint32_t isn = 1;
	static uint8_t alt[400];

	for (uint32_t i = 0; i < sizeof alt; i++)
		alt[i] = (uint8_t)~STREAM[i];
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		for (unsigned k = 0; k < 7; k++) {
			struct sl_tcp_config cfg = { .chunks = 64, .chunk_size = 64, .window = 65536,
			                             .ack_gaps = 1, .policy = (uint8_t)cases[c].pol };
			sl_tcp_pool_fini(&P);
			REQUIRE(sl_tcp_pool_init(&P, &cfg) == 0);
			sl_tcp_session_init(&SS);
			sink_reset();
			seg(0, isn, 0, SL_TCP_SYN, NULL, 0);
			send_range(0, isn, 0, 100, 0);
			send_range(0, isn, 200, 300, 0); /* the old copy */
			uint32_t a = shape[k].a, b = shape[k].b;
			seg(0, isn + 1 + a, 0, SL_TCP_ACK, alt + a, b - a); /* the new, other bytes */
			seg(0, isn + 1 + 100, 0, SL_TCP_ACK, alt + 100, 100); /* the hole */
			CHECK_EQ(P.ctr.overlap_conflicts, 1);
			CHECK_EQ(S->ngaps[0], 0);
			int new_won = (cases[c].want >> k) & 1, ok = 1;
			for (uint32_t i = 100; i < 350 && i < b + 1; i++) {
				if (i >= b && i >= 300)
					break;
				int in_old = i >= 200 && i < 300, in_new = i >= a && i < b;
				uint8_t want = in_old && (!in_new || !new_won) ? STREAM[i] : alt[i];
				if (S->got[0][i] != 1 || S->img[0][i] != want)
					ok = 0;
			}
			if (!ok)
				fprintf(stderr, "policy %s, shape %u: wrong bytes won\n", cases[c].name, k);
			CHECK(ok);
			VALID();
		}
	}
}

static void test_gap_window(void)
{
	const uint32_t isn = 4000;

	setup(64, 256, 1000, 0, 1);
	seg(0, isn, 0, SL_TCP_SYN, NULL, 0);
	send_range(0, isn, 0, 100, 0);
	/* [100,300) lost */
	send_range(0, isn, 300, 800, 0);
	CHECK_EQ(SS.s[0].ooo_bytes, 500);
	CHECK_EQ(S->ngaps[0], 0);
	/* ends 1200 past next_seq, window 1000: the hole must go */
	send_range(0, isn, 800, 1300, 0);
	VALID();
	CHECK_EQ(S->ngaps[0], 1);
	CHECK_EQ(S->last_gap[0], 200);
	CHECK_EQ(P.ctr.gap_bytes, 200);
	CHECK_EQ(S->delivered[0], 1100);
	CHECK(img_matches(0, 0, 100));
	CHECK(img_matches(0, 300, 1300));
	CHECK_EQ(S->got[0][100], 2);
	CHECK_EQ(S->got[0][299], 2);
	CHECK_EQ(P.free_count, 64);
	/* the lost bytes arriving late are old now */
	send_range(0, isn, 100, 300, 0);
	CHECK_EQ(P.ctr.retransmissions, 1);
	CHECK_EQ(S->delivered[0], 1100);

	/* a segment longer than the window, after a hole: gap up to it, then all of it */
	send_range(0, isn, 1400, 3900, 0);
	CHECK_EQ(S->ngaps[0], 2);
	CHECK_EQ(S->last_gap[0], 100);
	CHECK_EQ(S->delivered[0], 1100 + 2500);
	CHECK(img_matches(0, 1400, 3900));
	VALID();
}

static void test_gap_ack(void)
{
	const uint32_t cisn = 0x10000, sisn = 0x20000;

	setup(64, 256, 65536, 0, 1);
	handshake(cisn, sisn);
	send_range(0, cisn, 0, 100, 0);
	/* [100,200) lost by the capture; [200,300) waits */
	send_range(0, cisn, 200, 300, 0);
	CHECK_EQ(S->delivered[0], 100);
	/* the server acknowledges 300: it has the bytes, nobody will resend them */
	seg(1, sisn + 1, cisn + 1 + 300, SL_TCP_ACK, NULL, 0);
	VALID();
	CHECK_EQ(S->ngaps[0], 1);
	CHECK_EQ(S->last_gap[0], 100);
	CHECK_EQ(S->delivered[0], 200);
	CHECK(img_matches(0, 200, 300));
	/* an ACK of bytes never seen at all: gap right away */
	seg(1, sisn + 1, cisn + 1 + 450, SL_TCP_ACK, NULL, 0);
	CHECK_EQ(S->ngaps[0], 2);
	CHECK_EQ(S->last_gap[0], 150);
	CHECK_EQ(SS.s[0].next_seq, cisn + 1 + 450);
	/* an old ACK changes nothing */
	seg(1, sisn + 1, cisn + 1 + 10, SL_TCP_ACK, NULL, 0);
	CHECK_EQ(S->ngaps[0], 2);
	/* an ACK absurdly far ahead (over 1 GiB) is not believed */
	seg(1, sisn + 1, cisn + (1u << 31) - 5, SL_TCP_ACK, NULL, 0);
	CHECK_EQ(S->ngaps[0], 2);
	VALID();

	/* with ack_gaps off the hole waits for the end of the flow */
	setup(64, 256, 65536, 0, 0);
	handshake(cisn, sisn);
	send_range(0, cisn, 0, 100, 0);
	send_range(0, cisn, 200, 300, 0);
	seg(1, sisn + 1, cisn + 1 + 300, SL_TCP_ACK, NULL, 0);
	CHECK_EQ(S->ngaps[0], 0);
	CHECK_EQ(S->delivered[0], 100);
	sl_tcp_session_flush(&P, &SS, &OPS, NULL);
	CHECK_EQ(S->ngaps[0], 1);
	CHECK_EQ(S->last_gap[0], 100);
	CHECK_EQ(S->delivered[0], 200);
	CHECK_EQ(S->eos[0], 1);
	CHECK_EQ(S->how[0], SL_TCP_EOS_FLUSH);
	CHECK_EQ(S->eos[1], 1); /* the server direction was seen (SYN-ACK) */
	CHECK_EQ(P.free_count, 64);
	VALID();
}

static void test_fin_after_hole(void)
{
	const uint32_t cisn = 900, sisn = 77;

	setup(64, 256, 65536, 0, 1);
	handshake(cisn, sisn);
	send_range(0, cisn, 0, 100, 0);
	send_range(0, cisn, 200, 300, SL_TCP_FIN);
	CHECK_EQ(S->eos[0], 0); /* the hole may still be retransmitted */
	CHECK(SS.s[0].flags & SL_TCP_ST_FIN);
	CHECK_EQ(SS.s[0].fin_seq, cisn + 1 + 300);
	send_range(0, cisn, 100, 200, 0);
	CHECK_EQ(S->delivered[0], 300);
	CHECK(img_matches(0, 0, 300));
	CHECK_EQ(S->eos[0], 1);
	CHECK_EQ(S->how[0], SL_TCP_EOS_FIN);
	CHECK_EQ(S->ngaps[0], 0);
	VALID();

	/* the hole never comes, and the server acknowledges the FIN: gap, rest, end */
	setup(64, 256, 65536, 0, 1);
	handshake(cisn, sisn);
	send_range(0, cisn, 0, 100, 0);
	send_range(0, cisn, 200, 300, SL_TCP_FIN);
	seg(1, sisn + 1, cisn + 1 + 300 + 1, SL_TCP_ACK, NULL, 0);
	CHECK_EQ(S->ngaps[0], 1);
	CHECK_EQ(S->last_gap[0], 100);
	CHECK_EQ(S->delivered[0], 200);
	CHECK_EQ(S->eos[0], 1);
	CHECK_EQ(S->how[0], SL_TCP_EOS_FIN);
	CHECK_EQ(P.free_count, 64);
	/* bytes buffered past a FIN that arrives later are not stream data either */
	setup(64, 256, 65536, 0, 1);
	handshake(cisn, sisn);
	send_range(0, cisn, 200, 300, 0);
	send_range(0, cisn, 120, 180, 0);
	CHECK_EQ(SS.s[0].ooo_bytes, 160);
	send_range(0, cisn, 100, 150, SL_TCP_FIN);
	CHECK_EQ(SS.s[0].ooo_bytes, 50); /* [100,150): [120,150) kept, the rest dropped */
	CHECK_EQ(SS.s[0].ooo_chunks, 2);
	VALID();
	send_range(0, cisn, 0, 100, 0);
	CHECK_EQ(S->delivered[0], 150);
	CHECK_EQ(S->eos[0], 1);
	CHECK_EQ(P.free_count, 64);
	/* data beyond a FIN is not stream data */
	setup(64, 256, 65536, 0, 1);
	handshake(cisn, sisn);
	send_range(0, cisn, 100, 150, SL_TCP_FIN);
	send_range(0, cisn, 120, 200, 0);
	CHECK_EQ(SS.s[0].ooo_bytes, 50);
	send_range(0, cisn, 0, 100, 0);
	CHECK_EQ(S->delivered[0], 150);
	CHECK_EQ(S->eos[0], 1);
	VALID();
}

static void test_rst(void)
{
	const uint32_t cisn = 5, sisn = 9;

	setup(64, 256, 65536, 0, 1);
	handshake(cisn, sisn);
	send_range(0, cisn, 0, 50, 0);
	send_range(0, cisn, 80, 120, 0);
	seg(1, sisn + 1, 0, SL_TCP_RST, (const uint8_t *)"x", 1);
	VALID();
	CHECK_EQ(S->ngaps[0], 1);
	CHECK_EQ(S->last_gap[0], 30);
	CHECK_EQ(S->delivered[0], 90);
	CHECK(img_matches(0, 80, 120));
	CHECK_EQ(S->eos[0], 1);
	CHECK_EQ(S->how[0], SL_TCP_EOS_RST);
	CHECK_EQ(S->eos[1], 1);
	CHECK_EQ(S->how[1], SL_TCP_EOS_RST);
	CHECK_EQ(S->delivered[1], 0); /* a RST's payload is not data */
	CHECK_EQ(P.free_count, 64);
	send_range(0, cisn, 120, 130, 0);
	CHECK_EQ(S->delivered[0], 90);
	CHECK_EQ(S->after_eos, 0);
	/* nothing more after flush either */
	sl_tcp_session_flush(&P, &SS, &OPS, NULL);
	CHECK_EQ(S->eos[0], 1);
	CHECK_EQ(S->eos[1], 1);
}

static void test_depth(void)
{
	const uint32_t isn = 100;

	setup(64, 256, 65536, 1000, 1);
	seg(0, isn, 0, SL_TCP_SYN, NULL, 0);
	send_range(0, isn, 0, 600, 0);
	CHECK_EQ(S->delivered[0], 600);
	send_range(0, isn, 600, 1200, 0);
	CHECK_EQ(S->delivered[0], 1000);
	CHECK(img_matches(0, 0, 1000));
	CHECK_EQ(P.ctr.depth_reached, 1);
	CHECK(SS.s[0].flags & SL_TCP_ST_DEPTH);
	send_range(0, isn, 1200, 1300, 0);
	send_range(0, isn, 1500, 1600, 0);
	CHECK_EQ(S->delivered[0], 1000);
	CHECK_EQ(P.ctr.late, 2);
	CHECK_EQ(SS.s[0].ooo_chunks, 0);
	CHECK_EQ(P.ctr.depth_reached, 1);
	send_range(0, isn, 1600, 1600, SL_TCP_FIN);
	CHECK_EQ(S->eos[0], 1);
	CHECK_EQ(S->how[0], SL_TCP_EOS_FIN);
	VALID();

	/* exactly at depth nothing is cut yet; one byte more is */
	setup(64, 256, 65536, 1000, 1);
	seg(0, isn, 0, SL_TCP_SYN, NULL, 0);
	send_range(0, isn, 0, 1000, 0);
	CHECK_EQ(S->delivered[0], 1000);
	CHECK_EQ(P.ctr.depth_reached, 0);
	send_range(0, isn, 1000, 1001, 0);
	CHECK_EQ(S->delivered[0], 1000);
	CHECK_EQ(P.ctr.depth_reached, 1);
	CHECK_EQ(SS.s[0].offset, 1000);
	VALID();

	/* depth reached while buffered bytes wait: they are dropped, chunks come back */
	setup(64, 256, 65536, 1000, 1);
	seg(0, isn, 0, SL_TCP_SYN, NULL, 0);
	send_range(0, isn, 1100, 1500, 0);
	send_range(0, isn, 700, 900, 0);
	CHECK(P.free_count < 64);
	send_range(0, isn, 0, 700, 0);
	CHECK_EQ(S->delivered[0], 900);
	send_range(0, isn, 900, 1100, 0);
	CHECK_EQ(S->delivered[0], 1000);
	CHECK_EQ(P.ctr.depth_reached, 1);
	CHECK_EQ(P.free_count, 64);
	CHECK_EQ(SS.s[0].offset, 1000);
	VALID();

	/* a gap counts toward depth and is cut at it */
	setup(64, 256, 65536, 1000, 1);
	seg(0, isn, 0, SL_TCP_SYN, NULL, 0);
	send_range(0, isn, 0, 100, 0);
	seg(1, 7, isn + 1 + 5000, SL_TCP_ACK, NULL, 0);
	CHECK_EQ(S->last_gap[0], 900);
	CHECK_EQ(P.ctr.depth_reached, 1);
	CHECK_EQ(SS.s[0].offset, 1000);
	VALID();
}

static void test_wraparound(void)
{
	/* the SYN takes the last sequence number: data starts at 0 */
	setup(64, 128, 65536, 0, 1);
	seg(0, 0xffffffffu, 0, SL_TCP_SYN, NULL, 0);
	CHECK_EQ(SS.s[0].next_seq, 0);
	send_range(0, 0xffffffffu, 0, 10, 0);
	CHECK_EQ(S->delivered[0], 10);

	/* data straddles 2^32, arrives backwards */
	const uint32_t isn = 0xffffffffu - 300;
	setup(64, 128, 65536, 0, 1);
	seg(0, isn, 0, SL_TCP_SYN, NULL, 0);
	send_range(0, isn, 500, 700, 0);
	send_range(0, isn, 250, 500, 0);
	VALID();
	send_range(0, isn, 100, 250, 0);
	CHECK_EQ(S->delivered[0], 0);
	send_range(0, isn, 0, 100, 0);
	CHECK_EQ(S->delivered[0], 700);
	CHECK(img_matches(0, 0, 700));
	CHECK_EQ(SS.s[0].next_seq, isn + 701); /* wrapped */
	CHECK(SS.s[0].next_seq < isn);
	/* an old segment from before the wrap is recognised as old */
	send_range(0, isn, 0, 50, 0);
	CHECK_EQ(P.ctr.retransmissions, 1);
	/* a gap across the wrap, reported with its true size */
	send_range(0, isn, 1000, 1100, 0);
	seg(1, 1, isn + 1 + 1100, SL_TCP_ACK, NULL, 0);
	CHECK_EQ(S->ngaps[0], 1);
	CHECK_EQ(S->last_gap[0], 300);
	CHECK(img_matches(0, 1000, 1100));
	VALID();

	/* window pressure across the wrap: only as much is skipped as the window needs */
	setup(64, 128, 1000, 0, 1);
	seg(0, 0xfffffff0u, 0, SL_TCP_SYN, NULL, 0);
	send_range(0, 0xfffffff0u, 100, 200, 0);
	send_range(0, 0xfffffff0u, 900, 1250, 0);
	CHECK_EQ(S->ngaps[0], 2); /* [0,100), then [200,250) */
	CHECK_EQ(P.ctr.gap_bytes, 150);
	CHECK_EQ(S->last_gap[0], 50);
	CHECK_EQ(S->delivered[0], 100);
	CHECK(img_matches(0, 100, 200));
	CHECK_EQ(SS.s[0].ooo_bytes, 350);
	VALID();
	sl_tcp_session_flush(&P, &SS, &OPS, NULL);
	CHECK_EQ(S->last_gap[0], 650);
	CHECK(img_matches(0, 900, 1250));
	CHECK_EQ(S->pos[0], 1250);
	VALID();
}

static void test_pool_exhaustion(void)
{
	const uint32_t isn = 3000;

	setup(4, 64, 65536, 0, 1);
	seg(0, isn, 0, SL_TCP_SYN, NULL, 0);
	send_range(0, isn, 0, 10, 0);
	send_range(0, isn, 100, 164, 0);
	send_range(0, isn, 164, 228, 0);
	send_range(0, isn, 228, 292, 0);
	send_range(0, isn, 292, 356, 0);
	CHECK_EQ(P.free_count, 0);
	CHECK_EQ(P.ctr.pool_exhausted, 0);
	VALID();
	/* no chunk left for [400,464): holes before it are given up, it goes out from the packet */
	send_range(0, isn, 400, 464, 0);
	VALID();
	CHECK_EQ(P.ctr.pool_exhausted, 1);
	CHECK_EQ(S->ngaps[0], 2);
	CHECK_EQ(P.ctr.gap_bytes, 90 + 44);
	CHECK_EQ(S->delivered[0], 10 + 256 + 64);
	CHECK(img_matches(0, 0, 10));
	CHECK(img_matches(0, 100, 356));
	CHECK(img_matches(0, 400, 464));
	CHECK_EQ(P.free_count, 4);
	send_range(0, isn, 10, 100, 0);
	CHECK_EQ(P.ctr.retransmissions, 1);

	/* the pool runs dry halfway through a segment: its first part was stored, the rest is
	 * delivered straight after it */
	setup(2, 64, 65536, 0, 1);
	seg(0, isn, 0, SL_TCP_SYN, NULL, 0);
	send_range(0, isn, 0, 10, 0);
	send_range(0, isn, 50, 250, 0);
	VALID();
	CHECK_EQ(P.ctr.pool_exhausted, 1);
	CHECK_EQ(S->ngaps[0], 1);
	CHECK_EQ(S->last_gap[0], 40);
	CHECK_EQ(S->delivered[0], 210);
	CHECK(img_matches(0, 50, 250));
	CHECK_EQ(P.free_count, 2);

	/* another session holds the pool: this one still makes progress, by gaps */
	struct sl_tcp_session other;
	setup(2, 64, 65536, 0, 1);
	sl_tcp_session_init(&other);
	struct sl_tcp_seg a = { STREAM, 1, 0, 0, SL_TCP_SYN };
	sl_tcp_process(&P, &other, 0, &a, &OPS, NULL);
	struct sl_tcp_seg b = { STREAM, 128, 500, 0, SL_TCP_ACK };
	sl_tcp_process(&P, &other, 0, &b, &OPS, NULL);
	CHECK_EQ(P.free_count, 0);
	sink_reset();
	seg(0, isn, 0, SL_TCP_SYN, NULL, 0);
	send_range(0, isn, 30, 60, 0);
	CHECK_EQ(S->last_gap[0], 30);
	CHECK_EQ(S->delivered[0], 30);
	CHECK(img_matches(0, 30, 60));
	CHECK_EQ(sl_tcp_validate(&P, &other, NULL, 0), 0);
	sl_tcp_session_release(&P, &other);
	CHECK_EQ(P.free_count, 2);
	VALID();

	/* a flood of tiny out-of-order segments meets the per-direction cap (4 * 1000 / 64 + 16
	 * = 76 chunks) long before the pool runs dry: each insert walks at most that many */
	setup(1024, 64, 1000, 0, 1);
	CHECK_EQ(P.stream_max_chunks, 76);
	seg(0, isn, 0, SL_TCP_SYN, NULL, 0);
	for (uint32_t off = 999; off >= 924; off--)
		send_range(0, isn, off, off + 1, 0);
	CHECK_EQ(SS.s[0].ooo_chunks, 76);
	CHECK_EQ(P.ctr.pool_exhausted, 0);
	VALID();
	send_range(0, isn, 923, 924, 0);
	CHECK_EQ(P.ctr.pool_exhausted, 1);
	CHECK_EQ(S->ngaps[0], 1);
	CHECK_EQ(S->last_gap[0], 923);
	CHECK_EQ(S->delivered[0], 77);
	CHECK(img_matches(0, 923, 1000));
	CHECK_EQ(SS.s[0].ooo_chunks, 0);
	CHECK_EQ(P.free_count, 1024);
	VALID();

	/* no pool at all: still correct, just never waits */
	setup(0, 64, 65536, 0, 1);
	seg(0, isn, 0, SL_TCP_SYN, NULL, 0);
	send_range(0, isn, 20, 40, 0);
	CHECK_EQ(S->last_gap[0], 20);
	CHECK(img_matches(0, 20, 40));
	VALID();
}

static void test_pickup_and_syn_data(void)
{
	static const uint8_t abc[] = "abc";

	/* no handshake: the first segment seen starts the stream */
	setup(16, 64, 65536, 0, 1);
	seg(0, 777, 0, SL_TCP_ACK, abc, 3);
	CHECK_EQ(S->delivered[0], 3);
	CHECK_EQ(SS.s[0].isn, 776);
	CHECK(!(SS.s[0].flags & SL_TCP_ST_SYN));
	seg(0, 775, 0, SL_TCP_ACK, abc, 2); /* before the pickup point: old */
	CHECK_EQ(S->delivered[0], 3);
	/* a pure ACK first picks up at its seq, too */
	seg(1, 4000, 780, SL_TCP_ACK, NULL, 0);
	seg(1, 4000, 780, SL_TCP_ACK, abc, 3);
	CHECK_EQ(S->delivered[1], 3);
	/* a segment over 1 GiB ahead belongs to something else */
	seg(1, 4003 + (1u << 30) + 10, 780, SL_TCP_ACK, abc, 3);
	CHECK_EQ(P.ctr.out_of_window, 1);
	CHECK_EQ(S->ngaps[1], 0);
	VALID();

	/* data on the SYN (TCP Fast Open) starts right after the ISN */
	setup(16, 64, 65536, 0, 1);
	seg(0, 50, 0, SL_TCP_SYN, abc, 3);
	CHECK_EQ(S->delivered[0], 3);
	CHECK_EQ(SS.s[0].next_seq, 54);

	/* the SYN-ACK seen first opens the client's direction at its ack */
	setup(16, 64, 65536, 0, 1);
	seg(1, 9000, 1001, SL_TCP_SYN | SL_TCP_ACK, NULL, 0);
	CHECK(SS.s[0].flags & SL_TCP_ST_OPEN);
	CHECK_EQ(SS.s[0].next_seq, 1001);
	send_range(0, 1000, 100, 200, 0); /* bytes [0,100) not here yet: waits */
	CHECK_EQ(S->delivered[0], 0);
	send_range(0, 1000, 0, 100, 0);
	CHECK_EQ(S->delivered[0], 200);
	CHECK(img_matches(0, 0, 200));
	VALID();
}

static void test_flush_and_release(void)
{
	setup(16, 64, 65536, 0, 1);
	seg(0, 10, 0, SL_TCP_SYN, NULL, 0);
	send_range(0, 10, 0, 5, 0);
	send_range(0, 10, 20, 30, 0);
	send_range(0, 10, 50, 60, 0);
	sl_tcp_session_flush(&P, &SS, &OPS, NULL);
	CHECK_EQ(S->ngaps[0], 2);
	CHECK_EQ(S->gapped[0], 15 + 20);
	CHECK_EQ(S->delivered[0], 25);
	CHECK(img_matches(0, 20, 30));
	CHECK(img_matches(0, 50, 60));
	CHECK_EQ(S->eos[0], 1);
	CHECK_EQ(S->how[0], SL_TCP_EOS_FLUSH);
	CHECK_EQ(S->eos[1], 0); /* never seen: nothing to end */
	CHECK_EQ(P.free_count, 16);
	VALID();

	/* a known FIN with a hole before it: the hole is reported, the end is a FIN */
	setup(16, 64, 65536, 0, 0);
	seg(0, 10, 0, SL_TCP_SYN, NULL, 0);
	send_range(0, 10, 30, 30, SL_TCP_FIN);
	sl_tcp_session_flush(&P, &SS, &OPS, NULL);
	CHECK_EQ(S->last_gap[0], 30);
	CHECK_EQ(S->how[0], SL_TCP_EOS_FIN);

	/* release: no callbacks, chunks back */
	setup(16, 64, 65536, 0, 1);
	seg(0, 10, 0, SL_TCP_SYN, NULL, 0);
	send_range(0, 10, 20, 30, 0);
	CHECK_EQ(P.free_count, 15);
	sl_tcp_session_release(&P, &SS);
	CHECK_EQ(P.free_count, 16);
	CHECK_EQ(S->eos[0], 0);
	VALID();
}

static void test_config_and_validate(void)
{
	struct sl_tcp_pool p;
	struct sl_tcp_config cfg = { .chunks = 8, .chunk_size = 8, .window = 1000 };

	CHECK_EQ(sl_tcp_pool_init(&p, &cfg), -EINVAL); /* chunk too small */
	cfg.chunk_size = 64;
	cfg.window = (1u << 30) + 1;
	CHECK_EQ(sl_tcp_pool_init(&p, &cfg), -EINVAL);
	CHECK_EQ(sl_tcp_pool_memsize(&cfg), 0);
	cfg.window = 1000;
	CHECK(sl_tcp_pool_memsize(&cfg) >= 8 * 64);
	CHECK_EQ(sl_tcp_pool_init(&p, &cfg), 0);
	sl_tcp_pool_fini(&p);
	sl_tcp_pool_fini(NULL);

	/* validate notices damage */
	char why[128] = "";
	setup(16, 64, 65536, 0, 1);
	seg(0, 10, 0, SL_TCP_SYN, NULL, 0);
	send_range(0, 10, 20, 30, 0);
	VALID();
	SS.s[0].ooo_bytes++;
	CHECK_EQ(sl_tcp_validate(&P, &SS, why, sizeof why), -EUCLEAN);
	CHECK(strstr(why, "inv 3") != NULL);
	SS.s[0].ooo_bytes--;
	P.free_count--;
	CHECK_EQ(sl_tcp_validate(&P, NULL, why, sizeof why), -EUCLEAN);
	P.free_count++;
	uint32_t keep = SS.s[0].next_seq;
	SS.s[0].offset += 25; /* bytes counted that next_seq does not account for */
	CHECK_EQ(sl_tcp_validate(&P, &SS, why, sizeof why), -EUCLEAN);
	CHECK(strstr(why, "inv 7") != NULL);
	SS.s[0].next_seq += 25; /* now consistent again, but a buffered chunk lies behind */
	CHECK_EQ(sl_tcp_validate(&P, &SS, why, sizeof why), -EUCLEAN);
	CHECK(strstr(why, "inv 1") != NULL);
	SS.s[0].next_seq = keep;
	SS.s[0].offset -= 25;
	VALID();
}

/* ---- randomized property test --------------------------------------------------------- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* splitmix64 */
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t rn(uint32_t n)
{
	return n ? (uint32_t)(rnd() % n) : 0;
}

struct piece {
	uint32_t a, b;
	int fin;
};

#define MAXP 4096

static int prop_round(uint32_t round, int lossy)
{
	static struct piece pc[MAXP];
	static uint8_t covered[1 << 16];
	uint32_t len = 1 + rn(lossy ? 20000 : 30000);
	uint32_t isn, np = 0, nbase;
	int with_syn = rn(4) != 0;
	int failed = 0;

	for (uint32_t i = 0; i < len; i++)
		STREAM[i] = (uint8_t)rnd();
	isn = rn(3) == 0 ? 0xffffffffu - rn(40000) : (uint32_t)rnd();

	/* window and pool large enough that nothing but loss can force a gap */
	setup(8192, 128, 65536, 0, 0);

	/* the base segmentation covers the stream exactly once; FIN rides on the last */
	for (uint32_t a = 0; a < len && np < MAXP;) {
		uint32_t b = a + 1 + rn(1460);
		if (b > len)
			b = len;
		pc[np++] = (struct piece){ a, b, b == len };
		a = b;
	}
	nbase = np;
	/* lossy rounds drop a few base pieces (never the first when picking up mid-stream) */
	memset(covered, 0, len);
	if (lossy) {
		for (uint32_t i = with_syn ? 0 : 1; i < nbase; i++)
			if (rn(6) == 0)
				pc[i].b = pc[i].a; /* marks it lost */
	}
	/* duplicates and re-cut retransmissions of bytes that did get through */
	uint32_t extra = rn(nbase + 1);
	for (uint32_t k = 0; k < extra && np < MAXP; k++) {
		struct piece src = pc[rn(nbase)];
		if (src.a == src.b)
			continue;
		if (rn(2)) {
			pc[np++] = src;
		} else {
			uint32_t a = src.a + rn(src.b - src.a);
			uint32_t b = a + 1 + rn(src.b - a);
			pc[np++] = (struct piece){ a, b, src.fin && b == src.b };
		}
	}
	for (uint32_t i = 0; i < np; i++)
		for (uint32_t j = pc[i].a; j < pc[i].b; j++)
			covered[j] = 1;
	/* reorder; a mid-stream pickup must see the first piece first */
	for (uint32_t i = np - 1; i > 0; i--) {
		uint32_t j = rn(i + 1);
		struct piece t = pc[i];
		pc[i] = pc[j];
		pc[j] = t;
	}
	if (!with_syn) {
		for (uint32_t i = 0; i < np; i++)
			if (pc[i].a == 0 && pc[i].b > 0) {
				struct piece t = pc[0];
				pc[0] = pc[i];
				pc[i] = t;
				break;
			}
	}

	if (with_syn)
		seg(0, isn, 0, SL_TCP_SYN, NULL, 0);
	int fin_seen = 0;
	uint32_t data_segs = 0;
	for (uint32_t i = 0; i < np; i++) {
		if (pc[i].a == pc[i].b)
			continue; /* lost */
		send_range(0, isn, pc[i].a, pc[i].b, pc[i].fin ? SL_TCP_FIN : 0);
		fin_seen |= pc[i].fin;
		data_segs += pc[i].b > pc[i].a;
		if ((i & 15) == 0 && sl_tcp_validate(&P, &SS, NULL, 0) != 0)
			failed = 1;
	}
	if (lossy)
		sl_tcp_session_flush(&P, &SS, &OPS, NULL);
	if (sl_tcp_validate(&P, &SS, NULL, 0) != 0)
		failed = 1;

	const struct sl_tcp_counters *c = &P.ctr;
	if (c->in_order + c->out_of_order + c->retransmissions + c->late + c->out_of_window !=
	    data_segs)
		failed = 1;
	if (S->eos[0] != 1 || S->after_eos || P.free_count != 8192 || c->pool_exhausted)
		failed = 1;
	if (!lossy) {
		/* nothing lost: exactly the stream, no gap, ended by the FIN */
		if (S->delivered[0] != len || S->ngaps[0] || S->how[0] != SL_TCP_EOS_FIN ||
		    memcmp(S->img[0], STREAM, len) != 0)
			failed = 1;
	} else {
		/* every byte that travelled is delivered at its place; gaps cover exactly the
		 * bytes that never did, up to the FIN (or the last byte seen without one) */
		uint32_t last = 0;
		for (uint32_t j = 0; j < len; j++)
			if (covered[j])
				last = j + 1;
		uint32_t end = fin_seen ? len : last;
		if (S->pos[0] != end)
			failed = 1;
		for (uint32_t j = 0; j < end && !failed; j++) {
			if (covered[j] && (S->got[0][j] != 1 || S->img[0][j] != STREAM[j]))
				failed = 1;
			if (!covered[j] && S->got[0][j] != 2)
				failed = 1;
		}
	}
	if (failed)
		fprintf(stderr, "prop round %u (%s) failed: len %u isn %#x syn %d pieces %u "
		        "delivered %llu gaps %u pos %llu eos %d\n", round, lossy ? "lossy" : "clean",
		        len, isn, with_syn, np, (unsigned long long)S->delivered[0], S->ngaps[0],
		        (unsigned long long)S->pos[0], S->eos[0]);
	return failed;
}

/* Small window and pool, overlapping conflicting bytes: only the tiling and the content at
 * delivered offsets can be checked (gaps are legitimate), plus every invariant. */
static int stress_round(uint32_t round)
{
	uint32_t len = 1 + rn(40000);
	uint32_t isn = rn(2) ? 0xffffffffu - rn(50000) : (uint32_t)rnd();
	uint32_t chunk = 16 + rn(300);
	int failed = 0;

	for (uint32_t i = 0; i < len; i++)
		STREAM[i] = (uint8_t)rnd();
	setup(rn(64), chunk, rn(8000), rn(4) ? 0 : 1 + rn(len), (int)rn(2));
	seg(0, isn, 0, SL_TCP_SYN, NULL, 0);
	uint32_t n = 1 + rn(300);
	for (uint32_t k = 0; k < n; k++) {
		uint32_t a = rn(len), b = a + rn(len - a + 1);
		if (b - a > 3000)
			b = a + rn(3000);
		int fin = b == len && rn(2);
		if (rn(8) == 0) {
			/* the ACK side: the receiver acknowledges up to some point */
			seg(1, 1, isn + 1 + rn(len + 1), SL_TCP_ACK, NULL, 0);
			continue;
		}
		send_range(0, isn, a, b, fin ? SL_TCP_FIN : 0);
		if (sl_tcp_validate(&P, &SS, NULL, 0) != 0)
			failed = 1;
	}
	sl_tcp_session_flush(&P, &SS, &OPS, NULL);
	if (sl_tcp_validate(&P, &SS, NULL, 0) != 0 || P.free_count != P.cfg.chunks)
		failed = 1;
	if (S->eos[0] != 1 || S->after_eos)
		failed = 1;
	if (P.cfg.depth && S->pos[0] > P.cfg.depth)
		failed = 1;
	for (uint64_t j = 0; j < S->pos[0] && j < len && !failed; j++)
		if (S->got[0][j] == 1 && S->img[0][j] != STREAM[j])
			failed = 1;
	if (failed)
		fprintf(stderr, "stress round %u failed (len %u isn %#x)\n", round, len, isn);
	return failed;
}

int main(int argc, char **argv)
{
	S = calloc(1, sizeof *S);
	REQUIRE(S != NULL);
	for (uint32_t i = 0; i < sizeof STREAM; i++)
		STREAM[i] = pat(i);

	if (argc < 2 || strcmp(argv[1], "unit") == 0) {
		test_in_order();
		test_out_of_order();
		test_retransmission_overlap();
		test_overlap_policy();
		test_gap_window();
		test_gap_ack();
		test_fin_after_hole();
		test_rst();
		test_depth();
		test_wraparound();
		test_pool_exhaustion();
		test_pickup_and_syn_data();
		test_flush_and_release();
		test_config_and_validate();
	} else if (strcmp(argv[1], "prop") == 0) {
		uint32_t iters = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 0) : 1500;
		uint64_t seed = argc > 3 ? strtoull(argv[3], NULL, 0) : 0x5eedf10au;
		printf("seed %#llx, %u rounds each\n", (unsigned long long)seed, iters);
		rng_state = seed;
		for (uint32_t r = 0; r < iters; r++) {
			CHECK_EQ(prop_round(r, 0), 0);
			CHECK_EQ(prop_round(r, 1), 0);
			CHECK_EQ(stress_round(r), 0);
			if (check_failed_ > 10)
				break;
		}
	} else {
		fprintf(stderr, "usage: test_tcp [unit | prop [iterations] [seed]]\n");
		return 2;
	}
	sl_tcp_pool_fini(&P);
	free(S);
	return check_result();
}
