/* SPDX-License-Identifier: MIT */
/*
 * Tests of the flow table (engine/flow/flow.c) with synthetic keys and packet times: both
 * directions find one flow, the client is who it should be, a full table evicts the least
 * recently active flow through the end callback, timeouts follow the state, TCP states move
 * as the diagram says, flow ids never repeat, and validate notices damage.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "flow.h"

#define S_NS UINT64_C(1000000000)

/* What the end callback saw, in order. */
struct ended {
	uint64_t id[4096];
	enum sl_flow_reason why[4096];
	uint16_t sport[4096];
	uint32_t marker[4096];
	uint32_t n;
};

static struct ended E;

static void on_end(void *ctx, struct sl_flow *f, enum sl_flow_reason why)
{
	struct ended *e = ctx;
	if (e->n < 4096) {
		e->id[e->n] = f->flow_id;
		e->why[e->n] = why;
		e->sport[e->n] = f->key.src_port;
		memcpy(&e->marker[e->n], sl_flow_user(f), sizeof(uint32_t));
	}
	e->n++;
}

static struct sl_flow_config config(uint32_t max_flows, uint32_t user_bytes, uint32_t worker)
{
	struct sl_flow_config cfg;
	sl_flow_config_defaults(&cfg);
	cfg.max_flows = max_flows;
	cfg.user_bytes = user_bytes;
	cfg.worker = worker;
	cfg.end = on_end;
	cfg.ctx = &E;
	return cfg;
}

static struct sl_flow_key v4(uint32_t sip, uint16_t sport, uint32_t dip, uint16_t dport,
                             uint8_t proto)
{
	struct sl_flow_key k = { 0 };
	k.ip_version = 4;
	k.proto = proto;
	memcpy(k.src, &sip, 4);
	memcpy(k.dst, &dip, 4);
	k.src_port = sport;
	k.dst_port = dport;
	return k;
}

static struct sl_flow_key reverse(struct sl_flow_key k)
{
	return sl_flow_key_reverse(&k);
}

static struct sl_flow *pkt(struct sl_flow_table *t, struct sl_flow_key k, uint64_t ts,
                           uint32_t frame_len, int tcp_flags, enum sl_flow_dir *dir)
{
	struct sl_tcp_seg seg = { NULL, 0, 1000, 2000, (uint8_t)(tcp_flags < 0 ? 0 : tcp_flags) };
	struct sl_flow_pkt p = { ts, 0, frame_len, tcp_flags < 0 ? NULL : &seg };
	enum sl_flow_dir d;
	struct sl_flow *f = sl_flow_packet(t, &k, &p, dir ? dir : &d);
	return f;
}

static void valid(const struct sl_flow_table *t, int line)
{
	char why[200];
	int rc = sl_flow_validate(t, why, sizeof why);
	if (rc)
		fprintf(stderr, "line %d: validate: %s\n", line, why);
	CHECK_EQ(rc, 0);
}
#define VALID(t) valid(t, __LINE__)

static void test_bidirectional(void)
{
	struct sl_flow_table t;
	struct sl_flow_config cfg = config(64, 0, 0);
	enum sl_flow_dir d;

	REQUIRE(sl_flow_table_init(&t, &cfg) == 0);
	struct sl_flow_key a = v4(0x0100000a, 40000, 0x0200000a, 53, 17);
	struct sl_flow *f = pkt(&t, a, 1 * S_NS, 80, -1, &d);
	REQUIRE(f != NULL);
	CHECK_EQ(d, SL_FLOW_TO_SERVER);
	CHECK_EQ(f->state, SL_FLOW_STATE_NEW);
	struct sl_flow *g = pkt(&t, reverse(a), 2 * S_NS, 120, -1, &d);
	CHECK(g == f);
	CHECK_EQ(d, SL_FLOW_TO_CLIENT);
	CHECK_EQ(f->state, SL_FLOW_STATE_ESTABLISHED);
	pkt(&t, a, 3 * S_NS, 90, -1, &d);
	CHECK_EQ(f->pkts[SL_FLOW_TO_SERVER], 2);
	CHECK_EQ(f->pkts[SL_FLOW_TO_CLIENT], 1);
	CHECK_EQ(f->bytes[SL_FLOW_TO_SERVER], 170);
	CHECK_EQ(f->bytes[SL_FLOW_TO_CLIENT], 120);
	CHECK_EQ(f->first_ns, 1 * S_NS);
	CHECK_EQ(f->last_ns, 3 * S_NS);
	CHECK_EQ(f->key.src_port, 40000); /* the first packet's sender is the client */
	CHECK_EQ(t.ctr.created, 1);
	CHECK_EQ(t.ctr.lookups, 3);

	/* find, both ways, no side effects */
	CHECK(sl_flow_find(&t, &a, 0, &d) == f && d == SL_FLOW_TO_SERVER);
	struct sl_flow_key r = reverse(a);
	CHECK(sl_flow_find(&t, &r, 0, &d) == f && d == SL_FLOW_TO_CLIENT);
	CHECK_EQ(t.ctr.lookups, 3);
	CHECK_EQ(f->pkts[0] + f->pkts[1], 3);

	/* anything else in the key makes another flow */
	struct sl_flow_key other = a;
	other.vlan[0] = 100;
	CHECK(sl_flow_find(&t, &other, 0, NULL) == NULL);
	CHECK(pkt(&t, other, 4 * S_NS, 60, -1, NULL) != f);
	other = a;
	other.proto = 6;
	CHECK(sl_flow_find(&t, &other, 0, NULL) == NULL);
	other = a;
	other.dst_port = 54;
	CHECK(sl_flow_find(&t, &other, 0, NULL) == NULL);
	/* a "reverse" that swaps only the addresses is not the reverse */
	other = a;
	memcpy(other.src, a.dst, 16);
	memcpy(other.dst, a.src, 16);
	CHECK(sl_flow_find(&t, &other, 0, NULL) == NULL);

	/* IPv6, with QinQ tags */
	struct sl_flow_key six = { 0 };
	six.ip_version = 6;
	six.proto = 6;
	for (int i = 0; i < 16; i++) {
		six.src[i] = (uint8_t)(0x20 + i);
		six.dst[i] = (uint8_t)(0x90 - i);
	}
	six.src_port = 51000;
	six.dst_port = 443;
	six.vlan[0] = 10;
	six.vlan[1] = 20;
	struct sl_flow *h = pkt(&t, six, 5 * S_NS, 74, SL_TCP_SYN, &d);
	CHECK(h != f);
	CHECK_EQ(d, SL_FLOW_TO_SERVER);
	CHECK(pkt(&t, reverse(six), 5 * S_NS, 74, SL_TCP_SYN | SL_TCP_ACK, &d) == h);
	CHECK_EQ(d, SL_FLOW_TO_CLIENT);
	CHECK_EQ(h->tcp_state, SL_FLOW_TCP_SYN_RECV);

	/* the hash is symmetric, and sees every field */
	struct sl_flow_key rs = reverse(six);
	CHECK_EQ(sl_flow_key_hash(&six), sl_flow_key_hash(&rs));
	rs.vlan[1] = 21;
	CHECK(sl_flow_key_hash(&six) != sl_flow_key_hash(&rs));
	CHECK_EQ(t.ctr.active, 3);
	VALID(&t);
	sl_flow_table_fini(&t);
}

static void test_client_choice(void)
{
	struct sl_flow_table t;
	struct sl_flow_config cfg = config(16, 0, 0);
	enum sl_flow_dir d;

	REQUIRE(sl_flow_table_init(&t, &cfg) == 0);
	/* a SYN-ACK seen first: its receiver is the client */
	struct sl_flow_key s2c = v4(0x0200000a, 80, 0x0100000a, 33333, 6);
	struct sl_flow *f = pkt(&t, s2c, S_NS, 60, SL_TCP_SYN | SL_TCP_ACK, &d);
	CHECK_EQ(d, SL_FLOW_TO_CLIENT);
	CHECK_EQ(f->key.src_port, 33333);
	CHECK_EQ(f->key.dst_port, 80);
	CHECK(memcmp(f->key.src, s2c.dst, 16) == 0);
	CHECK_EQ(f->pkts[SL_FLOW_TO_CLIENT], 1);
	CHECK(pkt(&t, reverse(s2c), S_NS, 60, SL_TCP_ACK, &d) == f);
	CHECK_EQ(d, SL_FLOW_TO_SERVER);
	CHECK_EQ(f->tcp_state, SL_FLOW_TCP_ESTABLISHED);

	/* otherwise the first sender, even from a well-known port (no port heuristic) */
	struct sl_flow_key dns = v4(0x0300000a, 53, 0x0400000a, 5353, 17);
	f = pkt(&t, dns, S_NS, 60, -1, &d);
	CHECK_EQ(d, SL_FLOW_TO_SERVER);
	CHECK_EQ(f->key.src_port, 53);
	struct sl_flow_key mid = v4(0x0300000a, 443, 0x0400000a, 50000, 6);
	f = pkt(&t, mid, S_NS, 60, SL_TCP_ACK, &d); /* mid-stream, from the server side */
	CHECK_EQ(d, SL_FLOW_TO_SERVER);
	CHECK_EQ(f->key.src_port, 443);
	VALID(&t);
	sl_flow_table_fini(&t);
}

static void test_eviction(void)
{
	struct sl_flow_table t;
	struct sl_flow_config cfg = config(4, 32, 3);
	struct sl_flow *f[7];

	memset(&E, 0, sizeof E);
	REQUIRE(sl_flow_table_init(&t, &cfg) == 0);
	for (uint16_t i = 1; i <= 4; i++) {
		f[i] = pkt(&t, v4(1, i, 2, 80, 17), i * S_NS, 60, -1, NULL);
		uint32_t marker = 0xabc000u + i;
		memcpy(sl_flow_user(f[i]), &marker, sizeof marker);
	}
	CHECK_EQ(t.ctr.active, 4);
	CHECK_EQ(E.n, 0);
	/* flow 1 is active again: flow 2 is now the least recently active */
	pkt(&t, reverse(v4(1, 1, 2, 80, 17)), 5 * S_NS, 60, -1, NULL);
	uint64_t id2 = f[2]->flow_id, id3 = f[3]->flow_id;
	f[5] = pkt(&t, v4(1, 5, 2, 80, 17), 6 * S_NS, 60, -1, NULL);
	CHECK_EQ(E.n, 1);
	CHECK_EQ(E.why[0], SL_FLOW_END_FORCED);
	CHECK_EQ(E.id[0], id2);
	CHECK_EQ(E.sport[0], 2);
	CHECK_EQ(E.marker[0], 0xabc002u); /* the callback saw the flow whole, user area too */
	f[6] = pkt(&t, v4(1, 6, 2, 80, 17), 7 * S_NS, 60, -1, NULL);
	CHECK_EQ(E.n, 2);
	CHECK_EQ(E.id[1], id3);
	CHECK_EQ(E.sport[1], 3);
	CHECK_EQ(t.ctr.evicted, 2);
	CHECK_EQ(t.ctr.active, 4);
	CHECK_EQ(t.ctr.created, 6);
	struct sl_flow_key k1 = v4(1, 1, 2, 80, 17), k2 = v4(1, 2, 2, 80, 17);
	CHECK(sl_flow_find(&t, &k1, 0, NULL) != NULL);
	CHECK(sl_flow_find(&t, &k2, 0, NULL) == NULL);
	/* a recycled entry starts clean: counters, user area */
	uint32_t zero = 0xffffffffu;
	memcpy(&zero, sl_flow_user(f[5]), sizeof zero);
	CHECK_EQ(zero, 0);
	CHECK_EQ(f[5]->pkts[0], 1);
	CHECK_EQ(((uintptr_t)sl_flow_user(f[5])) % 16, 0);
	VALID(&t);

	/* shutdown: everyone, least recently active first */
	E.n = 0;
	CHECK_EQ(sl_flow_flush_all(&t), 4);
	CHECK_EQ(E.n, 4);
	CHECK_EQ(E.sport[0], 4);
	CHECK_EQ(E.sport[1], 1);
	CHECK_EQ(E.sport[2], 5);
	CHECK_EQ(E.sport[3], 6);
	for (uint32_t i = 0; i < 4; i++)
		CHECK_EQ(E.why[i], SL_FLOW_END_SHUTDOWN);
	CHECK_EQ(t.ctr.active, 0);
	CHECK_EQ(t.ctr.flushed, 4);
	CHECK_EQ(sl_flow_flush_all(&t), 0);
	VALID(&t);
	sl_flow_table_fini(&t);
}

static void test_timeouts(void)
{
	struct sl_flow_table t;
	struct sl_flow_config cfg = config(64, 0, 0);
	cfg.timeout = (struct sl_flow_timeouts){ .new_s = 10, .established_s = 100, .closed_s = 5,
	                                         .udp_s = 20, .icmp_s = 30, .default_s = 40 };
	REQUIRE(sl_flow_table_init(&t, &cfg) == 0);
	memset(&E, 0, sizeof E);

	/* one flow per timeout class, all last seen at t0 */
	const uint64_t t0 = 1000 * S_NS;
	struct sl_flow_key syn = v4(1, 1, 2, 80, 6), est = v4(1, 2, 2, 80, 6), rst = v4(1, 3, 2, 80, 6);
	struct sl_flow_key udp = v4(1, 4, 2, 53, 17), icmp = v4(1, 0, 2, 0, 1), gre = v4(1, 0, 2, 0, 47);
	struct sl_flow_key icmp6 = { 0 };
	icmp6.ip_version = 6;
	icmp6.proto = 58;
	icmp6.src[0] = 1;
	icmp6.src_port = 6; /* ports as the caller chose to fill them */
	pkt(&t, syn, t0, 60, SL_TCP_SYN, NULL);
	pkt(&t, est, t0, 60, SL_TCP_SYN, NULL);
	pkt(&t, reverse(est), t0, 60, SL_TCP_SYN | SL_TCP_ACK, NULL);
	struct sl_flow *fe = pkt(&t, est, t0, 60, SL_TCP_ACK, NULL);
	CHECK_EQ(fe->tcp_state, SL_FLOW_TCP_ESTABLISHED);
	pkt(&t, rst, t0, 60, SL_TCP_SYN, NULL);
	struct sl_flow *fr = pkt(&t, reverse(rst), t0, 60, SL_TCP_RST | SL_TCP_ACK, NULL);
	CHECK_EQ(fr->state, SL_FLOW_STATE_CLOSED);
	pkt(&t, udp, t0, 60, -1, NULL);
	pkt(&t, icmp, t0, 60, -1, NULL);
	pkt(&t, icmp6, t0, 60, -1, NULL);
	pkt(&t, gre, t0, 60, -1, NULL);
	CHECK_EQ(t.ctr.active, 7);
	CHECK_EQ(sl_flow_timeout_ns(&t, fe), 100 * S_NS);
	CHECK_EQ(sl_flow_timeout_ns(&t, fr), 5 * S_NS);

	struct { uint64_t at; uint32_t ends; uint16_t sport; } steps[] = {
		{ t0 + 5 * S_NS, 0, 0 },       /* idle exactly the closed timeout: kept */
		{ t0 + 5 * S_NS + 1, 1, 3 },   /* closed */
		{ t0 + 10 * S_NS + 1, 1, 1 },  /* new (SYN only) */
		{ t0 + 20 * S_NS + 1, 1, 4 },  /* udp */
		{ t0 + 30 * S_NS + 1, 2, 0 },  /* icmp, icmpv6 */
		{ t0 + 40 * S_NS + 1, 1, 0 },  /* default (GRE) */
		{ t0 + 99 * S_NS, 0, 0 },
		{ t0 + 100 * S_NS + 1, 1, 2 }, /* established */
	};
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		uint32_t before = E.n;
		CHECK_EQ(sl_flow_expire(&t, steps[i].at, 64), steps[i].ends);
		CHECK_EQ(E.n - before, steps[i].ends);
		if (steps[i].ends == 1 && steps[i].sport)
			CHECK_EQ(E.sport[before], steps[i].sport);
		for (uint32_t j = before; j < E.n; j++)
			CHECK_EQ(E.why[j], SL_FLOW_END_TIMEOUT);
		VALID(&t);
	}
	CHECK_EQ(t.ctr.active, 0);
	CHECK_EQ(t.ctr.expired, 7);

	/* time stepping backwards is not idleness */
	pkt(&t, udp, t0, 60, -1, NULL);
	CHECK_EQ(sl_flow_expire(&t, 5 * S_NS, 64), 0);
	CHECK_EQ(t.ctr.active, 1);

	/* a packet that finds its flow stale ends it and starts another */
	struct sl_flow *f = pkt(&t, udp, t0 + 1, 60, -1, NULL);
	uint64_t old = f->flow_id;
	CHECK_EQ(f->pkts[0], 2);
	E.n = 0;
	f = pkt(&t, reverse(udp), t0 + 1 + 21 * S_NS, 70, -1, NULL);
	CHECK_EQ(E.n, 1);
	CHECK_EQ(E.id[0], old);
	CHECK_EQ(E.why[0], SL_FLOW_END_TIMEOUT);
	CHECK(f->flow_id != old);
	CHECK_EQ(f->pkts[0], 1); /* the new flow's client is the new first sender */
	CHECK_EQ(f->pkts[1], 0);
	CHECK_EQ(f->key.src_port, 53);
	VALID(&t);
	sl_flow_table_fini(&t);
}

static void test_expire_budget(void)
{
	struct sl_flow_table t;
	struct sl_flow_config cfg = config(64, 0, 0);
	cfg.timeout.udp_s = 1;
	REQUIRE(sl_flow_table_init(&t, &cfg) == 0);
	for (uint16_t i = 0; i < 64; i++)
		pkt(&t, v4(1, i, 2, 53, 17), S_NS, 60, -1, NULL);
	CHECK_EQ(t.ctr.active, 64);
	uint32_t total = 0, calls = 0;
	while (t.ctr.active) {
		uint32_t n = sl_flow_expire(&t, 10 * S_NS, 10);
		CHECK(n <= 10);
		total += n;
		calls++;
		REQUIRE(calls < 100);
	}
	CHECK_EQ(total, 64);
	CHECK_EQ(calls, 7); /* 64 entries, 10 looked at per call */
	CHECK_EQ(sl_flow_expire(&t, 10 * S_NS, 0), 0);
	VALID(&t);
	sl_flow_table_fini(&t);
}

static void test_tcp_states(void)
{
	struct sl_flow_table t;
	struct sl_flow_config cfg = config(16, 0, 0);
	REQUIRE(sl_flow_table_init(&t, &cfg) == 0);
	memset(&E, 0, sizeof E);
	struct sl_flow_key c = v4(1, 1234, 2, 80, 6), s = reverse(c);
	/* defaults: new 60 s, established 600 s, closed 60 s */
	struct {
		struct sl_flow_key *k;
		int flags;
		enum sl_flow_tcp_state want;
		enum sl_flow_state eve;
		uint64_t timeout_s;
	} steps[] = {
		{ &c, SL_TCP_SYN, SL_FLOW_TCP_SYN_SENT, SL_FLOW_STATE_NEW, 60 },
		{ &c, SL_TCP_SYN, SL_FLOW_TCP_SYN_SENT, SL_FLOW_STATE_NEW, 60 },
		{ &s, SL_TCP_SYN | SL_TCP_ACK, SL_FLOW_TCP_SYN_RECV, SL_FLOW_STATE_NEW, 60 },
		{ &c, SL_TCP_ACK, SL_FLOW_TCP_ESTABLISHED, SL_FLOW_STATE_ESTABLISHED, 600 },
		{ &s, SL_TCP_ACK | SL_TCP_PSH, SL_FLOW_TCP_ESTABLISHED, SL_FLOW_STATE_ESTABLISHED, 600 },
		{ &c, SL_TCP_FIN | SL_TCP_ACK, SL_FLOW_TCP_FIN_WAIT, SL_FLOW_STATE_ESTABLISHED, 600 },
		{ &s, SL_TCP_ACK, SL_FLOW_TCP_FIN_WAIT, SL_FLOW_STATE_ESTABLISHED, 600 },
		{ &s, SL_TCP_FIN | SL_TCP_ACK, SL_FLOW_TCP_CLOSING, SL_FLOW_STATE_ESTABLISHED, 60 },
		{ &s, SL_TCP_ACK, SL_FLOW_TCP_CLOSING, SL_FLOW_STATE_ESTABLISHED, 60 },
		{ &c, SL_TCP_ACK, SL_FLOW_TCP_CLOSED, SL_FLOW_STATE_CLOSED, 60 },
	};
	struct sl_flow *f = NULL;
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		f = pkt(&t, *steps[i].k, S_NS, 60, steps[i].flags, NULL);
		CHECK_EQ(f->tcp_state, steps[i].want);
		CHECK_EQ(f->state, steps[i].eve);
		CHECK_EQ(sl_flow_timeout_ns(&t, f), steps[i].timeout_s * S_NS);
		if (f->tcp_state != steps[i].want)
			fprintf(stderr, "  at step %zu: %s\n", i,
			        sl_flow_tcp_state_name((enum sl_flow_tcp_state)f->tcp_state));
	}
	CHECK_EQ(f->tcp_flags[SL_FLOW_TO_SERVER], SL_TCP_SYN | SL_TCP_ACK | SL_TCP_FIN);
	CHECK_EQ(f->tcp_flags[SL_FLOW_TO_CLIENT], SL_TCP_SYN | SL_TCP_ACK | SL_TCP_FIN | SL_TCP_PSH);
	CHECK(strcmp(sl_flow_tcp_state_name(SL_FLOW_TCP_CLOSED), "closed") == 0);
	CHECK(strcmp(sl_flow_state_name(SL_FLOW_STATE_ESTABLISHED), "established") == 0);
	CHECK(strcmp(sl_flow_reason_name(SL_FLOW_END_FORCED), "forced") == 0);
	CHECK(strcmp(sl_flow_reason_name(SL_FLOW_END_TCP_REUSE), "tcp_reuse") == 0);

	/* a new SYN on the closed tuple: the old flow ends as reused, a new one starts */
	uint64_t old = f->flow_id;
	struct sl_flow *g = pkt(&t, c, 2 * S_NS, 60, SL_TCP_SYN, NULL);
	CHECK_EQ(E.n, 1);
	CHECK_EQ(E.id[0], old);
	CHECK_EQ(E.why[0], SL_FLOW_END_TCP_REUSE);
	CHECK(g->flow_id != old);
	CHECK_EQ(g->tcp_state, SL_FLOW_TCP_SYN_SENT);
	CHECK_EQ(t.ctr.reused, 1);
	/* a retransmitted SYN on an open connection is not a reuse */
	pkt(&t, c, 2 * S_NS, 60, SL_TCP_SYN, NULL);
	CHECK_EQ(t.ctr.reused, 1);

	/* RST from anywhere closes */
	g = pkt(&t, s, 3 * S_NS, 60, SL_TCP_RST, NULL);
	CHECK_EQ(g->tcp_state, SL_FLOW_TCP_CLOSED);
	CHECK_EQ(g->state, SL_FLOW_STATE_CLOSED);

	/* picked up mid-stream: established once both sides were seen */
	struct sl_flow_key m = v4(5, 5555, 6, 22, 6);
	g = pkt(&t, m, S_NS, 60, SL_TCP_ACK, NULL);
	CHECK_EQ(g->tcp_state, SL_FLOW_TCP_NONE);
	CHECK_EQ(g->state, SL_FLOW_STATE_NEW);
	g = pkt(&t, reverse(m), S_NS, 60, SL_TCP_ACK, NULL);
	CHECK_EQ(g->tcp_state, SL_FLOW_TCP_ESTABLISHED);

	/* SYN, then the client's ACK without a captured SYN-ACK */
	struct sl_flow_key n = v4(7, 7777, 8, 25, 6);
	pkt(&t, n, S_NS, 60, SL_TCP_SYN, NULL);
	g = pkt(&t, n, S_NS, 60, SL_TCP_ACK, NULL);
	CHECK_EQ(g->tcp_state, SL_FLOW_TCP_ESTABLISHED);

	/* TCP without a header (pkt->tcp NULL): counted, state untouched */
	struct sl_flow_key fr = v4(9, 1, 10, 2, 6);
	g = pkt(&t, fr, S_NS, 60, -1, NULL);
	g = pkt(&t, reverse(fr), S_NS, 60, -1, NULL);
	CHECK_EQ(g->tcp_state, SL_FLOW_TCP_NONE);
	CHECK_EQ(g->pkts[0] + g->pkts[1], 2);
	VALID(&t);
	sl_flow_table_fini(&t);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void test_flow_ids(void)
{
	enum { PER = 20000 };
	struct sl_flow_table t[2];
	uint64_t *ids = malloc(2 * PER * sizeof *ids);
	uint32_t n = 0;

	REQUIRE(ids != NULL);
	for (uint32_t w = 0; w < 2; w++) {
		/* worker 0 and worker 1023 (the largest allowed), lots of recycling */
		struct sl_flow_config cfg = config(500, 0, w ? 1023 : 0);
		cfg.end = NULL;
		REQUIRE(sl_flow_table_init(&t[w], &cfg) == 0);
		for (uint32_t i = 0; i < PER; i++) {
			/* the same 2000 tuples over and over, and time moving on: the same tuple
			 * makes new flows, and entries are reused */
			struct sl_flow_key k = v4(i % 2000, (uint16_t)(i % 1000), 7, 53, 17);
			struct sl_flow *f = pkt(&t[w], k, (uint64_t)i * 400 * S_NS, 60, -1, NULL);
			if (f->pkts[0] + f->pkts[1] == 1)
				ids[n++] = f->flow_id;
			CHECK(f->flow_id != 0);
			CHECK(f->flow_id < (UINT64_C(1) << 53));
			CHECK_EQ(f->flow_id >> 43, w ? 1023 : 0);
		}
		VALID(&t[w]);
	}
	CHECK_EQ(n, 2 * PER);
	qsort(ids, n, sizeof *ids, cmp_u64);
	uint32_t dups = 0;
	for (uint32_t i = 1; i < n; i++)
		dups += ids[i] == ids[i - 1];
	CHECK_EQ(dups, 0);
	CHECK(t[0].ctr.evicted + t[0].ctr.expired == PER - 500);
	free(ids);
	sl_flow_table_fini(&t[0]);
	sl_flow_table_fini(&t[1]);
}

/* The hash the caller passes is used as given: a terrible one (everything in one chain)
 * costs speed, never correctness. */
static void test_caller_hash(void)
{
	struct sl_flow_table t;
	struct sl_flow_config cfg = config(256, 0, 0);
	enum sl_flow_dir d;

	REQUIRE(sl_flow_table_init(&t, &cfg) == 0);
	for (uint16_t i = 0; i < 200; i++) {
		struct sl_flow_key k = v4(1, i, 2, 80, 17);
		struct sl_flow_pkt p = { S_NS, 7, 60, NULL };
		sl_flow_packet(&t, &k, &p, &d);
	}
	for (uint16_t i = 0; i < 200; i++) {
		struct sl_flow_key k = reverse(v4(1, i, 2, 80, 17));
		struct sl_flow *f = sl_flow_find(&t, &k, 7, &d);
		CHECK(f != NULL && f->key.src_port == i && d == SL_FLOW_TO_CLIENT);
	}
	CHECK_EQ(t.ctr.active, 200);
	VALID(&t);
	sl_flow_table_fini(&t);
}

static void test_init_and_validate(void)
{
	struct sl_flow_table t;
	struct sl_flow_config cfg = config(0, 0, 0);
	char why[200] = "";

	CHECK_EQ(sl_flow_table_init(&t, &cfg), -EINVAL);
	CHECK_EQ(sl_flow_table_memsize(&cfg), 0);
	cfg = config(100, 0, 1024);
	CHECK_EQ(sl_flow_table_init(&t, &cfg), -EINVAL);
	cfg = config(100, 100, 1);
	struct sl_tcp_ops ops = { 0 };
	cfg.tcp_ops = &ops;
	cfg.tcp.chunk_size = 1; /* reassembly on with a bad pool */
	CHECK_EQ(sl_flow_table_init(&t, &cfg), -EINVAL);
	cfg.tcp.chunk_size = 1024;
	cfg.tcp.chunks = 10;
	size_t need = sl_flow_table_memsize(&cfg);
	CHECK(need >= 100 * (sizeof(struct sl_flow) + 100) + 10 * 1024);
	CHECK_EQ(sl_flow_table_init(&t, &cfg), 0);
	sl_flow_table_fini(&t);
	sl_flow_table_fini(NULL);

	/* validate notices damage */
	cfg = config(8, 0, 0);
	REQUIRE(sl_flow_table_init(&t, &cfg) == 0);
	struct sl_flow *f = pkt(&t, v4(1, 1, 2, 2, 17), S_NS, 60, -1, NULL);
	pkt(&t, v4(1, 2, 2, 2, 17), S_NS, 60, -1, NULL);
	VALID(&t);
	t.ctr.active++;
	CHECK_EQ(sl_flow_validate(&t, why, sizeof why), -EUCLEAN);
	CHECK(strstr(why, "inv 2") != NULL);
	t.ctr.active--;
	t.ctr.created++;
	CHECK_EQ(sl_flow_validate(&t, why, sizeof why), -EUCLEAN);
	CHECK(strstr(why, "inv 5") != NULL);
	t.ctr.created--;
	uint32_t h = f->hash;
	f->hash ^= 0x5a5a5a5au; /* now in the wrong chain */
	CHECK_EQ(sl_flow_validate(&t, why, sizeof why), -EUCLEAN);
	CHECK(strstr(why, "inv 1") != NULL);
	f->hash = h;
	VALID(&t);
	sl_flow_end(&t, f, SL_FLOW_END_FORCED);
	CHECK_EQ(t.ctr.removed, 1);
	CHECK_EQ(t.ctr.active, 1);
	VALID(&t);
	sl_flow_table_fini(&t);
}

int main(void)
{
	test_bidirectional();
	test_client_choice();
	test_eviction();
	test_timeouts();
	test_expire_budget();
	test_tcp_states();
	test_flow_ids();
	test_caller_hash();
	test_init_and_validate();
	return check_result();
}
