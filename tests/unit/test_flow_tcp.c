/* SPDX-License-Identifier: MIT */
/*
 * The flow table and TCP reassembly together, as a worker uses them: one sl_flow_packet per
 * packet, parser state in the per-flow user area, and the order of callbacks when a flow
 * ends (remaining bytes and gaps, end-of-stream, then the flow's end) whether it ends by a
 * FIN, a RST, eviction, reuse or shutdown; and no pool chunk outlives its flow.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "flow.h"

#define S_NS UINT64_C(1000000000)

/* What a parser would keep per flow, in the user area. */
struct parser {
	uint32_t len[2];
	char buf[2][512];
	uint32_t gaps[2];
	int eos[2];
};

enum ev_type { EV_DATA = 1, EV_GAP, EV_EOS, EV_END };

struct ev {
	enum ev_type type;
	uint64_t flow_id;
	unsigned dir;
	uint32_t arg;
};

static struct ev EVS[256];
static uint32_t NEV;

static void log_ev(enum ev_type type, const struct sl_flow *f, unsigned dir, uint32_t arg)
{
	if (NEV < 256)
		EVS[NEV] = (struct ev){ type, f->flow_id, dir, arg };
	NEV++;
}

static void on_data(void *ctx, void *user, unsigned dir, const uint8_t *data, uint32_t len)
{
	struct sl_flow *f = user;
	struct parser *ps = sl_flow_user(f);
	(void)ctx;
	if (ps->len[dir] + len <= sizeof ps->buf[dir])
		memcpy(ps->buf[dir] + ps->len[dir], data, len);
	ps->len[dir] += len;
	log_ev(EV_DATA, f, dir, len);
}

static void on_gap(void *ctx, void *user, unsigned dir, uint32_t missing)
{
	struct sl_flow *f = user;
	struct parser *ps = sl_flow_user(f);
	(void)ctx;
	ps->gaps[dir] += missing;
	log_ev(EV_GAP, f, dir, missing);
}

static void on_eos(void *ctx, void *user, unsigned dir, enum sl_tcp_eos how)
{
	struct sl_flow *f = user;
	struct parser *ps = sl_flow_user(f);
	(void)ctx;
	ps->eos[dir]++;
	log_ev(EV_EOS, f, dir, (uint32_t)how);
}

static int end_calls;
static struct parser last_ended;

static void on_end(void *ctx, struct sl_flow *f, enum sl_flow_reason why)
{
	(void)ctx;
	end_calls++;
	memcpy(&last_ended, sl_flow_user(f), sizeof last_ended);
	log_ev(EV_END, f, 0, (uint32_t)why);
}

static const struct sl_tcp_ops OPS = { on_data, on_gap, on_eos, NULL };

static void table(struct sl_flow_table *t, uint32_t max_flows, uint32_t chunks)
{
	struct sl_flow_config cfg;
	sl_flow_config_defaults(&cfg);
	cfg.max_flows = max_flows;
	cfg.user_bytes = sizeof(struct parser);
	cfg.worker = 2;
	cfg.end = on_end;
	cfg.tcp.chunks = chunks;
	cfg.tcp.chunk_size = 64;
	cfg.tcp_ops = &OPS;
	REQUIRE(sl_flow_table_init(t, &cfg) == 0);
	NEV = 0;
	end_calls = 0;
}

static struct sl_flow_key key(uint16_t cport)
{
	struct sl_flow_key k = { 0 };
	k.ip_version = 4;
	k.proto = 6;
	k.src[0] = 10;
	k.src[3] = 1;
	k.dst[0] = 10;
	k.dst[3] = 2;
	k.src_port = cport;
	k.dst_port = 80;
	return k;
}

static struct sl_flow_key rev(struct sl_flow_key k)
{
	return sl_flow_key_reverse(&k);
}

static struct sl_flow *tcp(struct sl_flow_table *t, struct sl_flow_key k, uint64_t ts,
                           uint32_t seq, uint32_t ack, uint8_t flags, const char *data,
                           enum sl_flow_dir *dir)
{
	uint32_t len = data ? (uint32_t)strlen(data) : 0;
	struct sl_tcp_seg seg = { (const uint8_t *)data, len, seq, ack, flags };
	struct sl_flow_pkt p = { ts, 0, 54 + len, &seg };
	enum sl_flow_dir d;
	return sl_flow_packet(t, &k, &p, dir ? dir : &d);
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

static void test_exchange(void)
{
	struct sl_flow_table t;
	struct sl_flow_key c = key(40001), s = rev(c);
	enum sl_flow_dir d;

	table(&t, 16, 32);
	/* the SYN-ACK is the first packet seen: its receiver is still the client */
	struct sl_flow *f = tcp(&t, s, S_NS, 700, 101, SL_TCP_SYN | SL_TCP_ACK, NULL, &d);
	CHECK_EQ(d, SL_FLOW_TO_CLIENT);
	tcp(&t, c, S_NS, 101, 701, SL_TCP_ACK, NULL, &d);
	CHECK_EQ(d, SL_FLOW_TO_SERVER);
	/* the request in two segments, second first */
	tcp(&t, c, S_NS, 101 + 6, 701, SL_TCP_ACK | SL_TCP_PSH, "/ HTTP/1.1\r\n\r\n", NULL);
	struct parser *ps = sl_flow_user(f);
	CHECK_EQ(ps->len[0], 0);
	tcp(&t, c, S_NS, 101, 701, SL_TCP_ACK, "GET /x", NULL);
	CHECK_EQ(ps->len[0], 20);
	CHECK(memcmp(ps->buf[0], "GET /x/ HTTP/1.1\r\n\r\n", 20) == 0);
	CHECK_EQ(ps->gaps[0], 0);
	/* the response, then both FINs */
	tcp(&t, s, S_NS, 701, 121, SL_TCP_ACK | SL_TCP_PSH, "HTTP/1.1 200 OK\r\n\r\n", NULL);
	CHECK_EQ(ps->len[1], 19);
	CHECK(memcmp(ps->buf[1], "HTTP/1.1 200 OK\r\n\r\n", 19) == 0);
	tcp(&t, s, S_NS, 720, 121, SL_TCP_ACK | SL_TCP_FIN, NULL, NULL);
	CHECK_EQ(ps->eos[1], 1);
	CHECK_EQ(f->tcp_state, SL_FLOW_TCP_FIN_WAIT);
	tcp(&t, c, S_NS, 121, 721, SL_TCP_ACK | SL_TCP_FIN, NULL, NULL);
	CHECK_EQ(ps->eos[0], 1);
	tcp(&t, s, S_NS, 721, 122, SL_TCP_ACK, NULL, NULL);
	CHECK_EQ(ps->gaps[0] + ps->gaps[1], 0);
	CHECK_EQ(f->tcp_state, SL_FLOW_TCP_CLOSED);
	CHECK_EQ(f->state, SL_FLOW_STATE_CLOSED);
	CHECK_EQ(f->bytes[0], 54 * 4 + 20);
	CHECK_EQ(f->pkts[1], 4);
	CHECK_EQ(end_calls, 0);
	VALID(&t);

	/* a new SYN on the closed tuple: the old flow ends (nothing left to flush), the new
	 * flow reassembles from its own ISN */
	uint64_t old = f->flow_id;
	NEV = 0;
	struct sl_flow *g = tcp(&t, c, 2 * S_NS, 5000, 0, SL_TCP_SYN, NULL, NULL);
	CHECK_EQ(end_calls, 1);
	CHECK_EQ(NEV, 1);
	CHECK_EQ(EVS[0].type, EV_END);
	CHECK_EQ(EVS[0].flow_id, old);
	CHECK_EQ(EVS[0].arg, SL_FLOW_END_TCP_REUSE);
	CHECK_EQ(last_ended.len[0], 20);
	ps = sl_flow_user(g);
	CHECK_EQ(ps->len[0], 0); /* the user area starts clean */
	tcp(&t, c, 2 * S_NS, 5001, 0, SL_TCP_ACK, "abc", NULL);
	CHECK_EQ(ps->len[0], 3);
	CHECK_EQ(t.tcp.ctr.in_order, 3);
	CHECK_EQ(t.tcp.ctr.out_of_order, 1);
	VALID(&t);
	sl_flow_table_fini(&t);
}

static void test_end_order(void)
{
	struct sl_flow_table t;
	struct sl_flow_key a = key(1), b = key(2), c = key(3);

	table(&t, 2, 8);
	/* flow a: a hole, then bytes waiting in the pool */
	struct sl_flow *fa = tcp(&t, a, 1 * S_NS, 100, 0, SL_TCP_SYN, NULL, NULL);
	tcp(&t, rev(a), 1 * S_NS, 900, 101, SL_TCP_SYN | SL_TCP_ACK, NULL, NULL);
	tcp(&t, a, 1 * S_NS, 101, 901, SL_TCP_ACK, "0123", NULL);
	tcp(&t, a, 1 * S_NS, 111, 901, SL_TCP_ACK, "abcdef", NULL);
	uint64_t ida = fa->flow_id;
	CHECK_EQ(t.tcp.free_count, 7);
	tcp(&t, b, 2 * S_NS, 1, 0, SL_TCP_SYN, NULL, NULL);
	NEV = 0;
	/* a third flow in a table of two: a (least recently active) is evicted */
	tcp(&t, c, 3 * S_NS, 1, 0, SL_TCP_SYN, NULL, NULL);
	CHECK_EQ(NEV, 5);
	CHECK(EVS[0].type == EV_GAP && EVS[0].flow_id == ida && EVS[0].dir == 0 && EVS[0].arg == 6);
	CHECK(EVS[1].type == EV_DATA && EVS[1].dir == 0 && EVS[1].arg == 6);
	CHECK(EVS[2].type == EV_EOS && EVS[2].dir == 0 && EVS[2].arg == SL_TCP_EOS_FLUSH);
	CHECK(EVS[3].type == EV_EOS && EVS[3].dir == 1 && EVS[3].arg == SL_TCP_EOS_FLUSH);
	CHECK(EVS[4].type == EV_END && EVS[4].flow_id == ida && EVS[4].arg == SL_FLOW_END_FORCED);
	CHECK_EQ(last_ended.len[0], 10);
	CHECK(memcmp(last_ended.buf[0], "0123abcdef", 10) == 0);
	CHECK_EQ(last_ended.gaps[0], 6);
	CHECK_EQ(t.tcp.free_count, 8);
	CHECK_EQ(t.ctr.evicted, 1);
	VALID(&t);

	/* RST: both directions end at once; the flow's end later adds no second eos */
	struct sl_flow_key r = key(4);
	tcp(&t, r, 4 * S_NS, 50, 0, SL_TCP_SYN, NULL, NULL);
	tcp(&t, r, 4 * S_NS, 51, 0, SL_TCP_ACK, "xy", NULL);
	tcp(&t, r, 4 * S_NS, 60, 0, SL_TCP_ACK, "later", NULL);
	NEV = 0;
	struct sl_flow *fr = tcp(&t, rev(r), 4 * S_NS, 3000, 53, SL_TCP_RST | SL_TCP_ACK, NULL, NULL);
	CHECK_EQ(fr->tcp_state, SL_FLOW_TCP_CLOSED);
	/* the receiver of the RST ends first (its bytes were sent before the RST), then the sender */
	CHECK_EQ(NEV, 4);
	CHECK(EVS[0].type == EV_GAP && EVS[0].dir == 0 && EVS[0].arg == 7);
	CHECK(EVS[1].type == EV_DATA && EVS[1].dir == 0 && EVS[1].arg == 5);
	CHECK(EVS[2].type == EV_EOS && EVS[2].dir == 0 && EVS[2].arg == SL_TCP_EOS_RST);
	CHECK(EVS[3].type == EV_EOS && EVS[3].dir == 1 && EVS[3].arg == SL_TCP_EOS_RST);
	VALID(&t);

	/* shutdown: every flow, each one's eos before its end */
	NEV = 0;
	CHECK_EQ(sl_flow_flush_all(&t), 2);
	uint32_t ends = 0, eos_after_end = 0;
	uint64_t ended[2] = { 0, 0 };
	for (uint32_t i = 0; i < NEV && i < 256; i++) {
		if (EVS[i].type == EV_END) {
			CHECK_EQ(EVS[i].arg, SL_FLOW_END_SHUTDOWN);
			ended[ends++ & 1] = EVS[i].flow_id;
		} else if (EVS[i].type == EV_EOS &&
		           (EVS[i].flow_id == ended[0] || EVS[i].flow_id == ended[1])) {
			eos_after_end++;
		}
	}
	CHECK_EQ(ends, 2);
	CHECK_EQ(eos_after_end, 0);
	CHECK_EQ(t.ctr.active, 0);
	CHECK_EQ(t.tcp.free_count, 8);
	VALID(&t);
	sl_flow_table_fini(&t);
}

/* Without tcp_ops: connection state is tracked, nothing is reassembled, no pool exists. */
static void test_no_reassembly(void)
{
	struct sl_flow_table t;
	struct sl_flow_config cfg;
	sl_flow_config_defaults(&cfg);
	cfg.max_flows = 4;
	cfg.tcp.chunks = 1000;
	REQUIRE(sl_flow_table_init(&t, &cfg) == 0);
	CHECK(t.tcp.chunk == NULL);
	struct sl_flow_key k = key(9);
	struct sl_flow *f = tcp(&t, k, S_NS, 1, 0, SL_TCP_SYN, NULL, NULL);
	tcp(&t, k, S_NS, 2, 0, SL_TCP_ACK, "data", NULL);
	CHECK_EQ(f->tcp_state, SL_FLOW_TCP_ESTABLISHED);
	CHECK_EQ(t.tcp.ctr.segments, 0);
	CHECK_EQ(f->tcp.s[0].flags, 0);
	VALID(&t);
	sl_flow_table_fini(&t);
}

int main(void)
{
	test_exchange();
	test_end_order();
	test_no_reassembly();
	return check_result();
}
