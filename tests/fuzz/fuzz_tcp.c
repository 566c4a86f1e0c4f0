/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the flow table and TCP reassembly together: the input picks a small
 * table and pool, then a sequence of segments (any flags, sequence and acknowledgement
 * numbers near interesting places such as 2^32 and 2^31, far jumps, lengths up to 2 KiB)
 * over four tuples in both directions, mixed with timeouts, forced ends and time jumps.
 * Payload bytes are a function of their sequence number, so whatever is delivered can be
 * checked against where it claims to be; a flow that was sent contradicting bytes is only
 * checked for the rest. After every step sl_flow_validate (which validates every session and
 * the pool) must pass; the callbacks must tile each direction and end it once.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow.h"

#define OP_SIZE 12
#define TUPLES 4

struct track {
	uint8_t eos[2];
	uint8_t tainted;
};

static int corrupting;

static void fail(const char *what)
{
	fprintf(stderr, "fuzz_tcp: %s\n", what);
	abort();
}

static uint8_t pat(unsigned from_server, uint32_t seq)
{
	uint32_t x = (seq + from_server * 0x9e3779b9u) * 2654435761u;
	return (uint8_t)(x >> 24 ^ x >> 13);
}

static void on_data(void *ctx, void *user, unsigned dir, const uint8_t *data, uint32_t len)
{
	struct sl_flow *f = user;
	struct track *tr = sl_flow_user(f);
	const struct sl_tcp_stream *st = &f->tcp.s[dir];
	(void)ctx;
	if (dir > 1 || len == 0)
		fail("deliver: bad dir or empty");
	if (tr->eos[dir])
		fail("deliver after eos");
	if (corrupting)
		tr->tainted = 1;
	if (tr->tainted)
		return;
	/* offset already counts these bytes; the stream's first byte is isn + 1. The pattern
	 * belongs to the sender, whichever side the table made the client. */
	uint32_t seq = st->isn + 1 + (uint32_t)(st->offset - len);
	unsigned from_server = (dir ? f->key.dst_port : f->key.src_port) == 80;
	for (uint32_t i = 0; i < len; i++)
		if (data[i] != pat(from_server, seq + i))
			fail("delivered byte differs from the stream at its offset");
}

static void on_gap(void *ctx, void *user, unsigned dir, uint32_t missing)
{
	struct track *tr = sl_flow_user((struct sl_flow *)user);
	(void)ctx;
	if (dir > 1 || missing == 0)
		fail("gap: bad dir or empty");
	if (tr->eos[dir])
		fail("gap after eos");
}

static void on_eos(void *ctx, void *user, unsigned dir, enum sl_tcp_eos how)
{
	struct track *tr = sl_flow_user((struct sl_flow *)user);
	(void)ctx;
	if (dir > 1 || how < SL_TCP_EOS_FIN || how > SL_TCP_EOS_FLUSH)
		fail("eos: bad arguments");
	if (tr->eos[dir]++)
		fail("second eos");
}

static void on_end(void *ctx, struct sl_flow *f, enum sl_flow_reason why)
{
	struct track *tr = sl_flow_user(f);
	(void)ctx;
	if (why < SL_FLOW_END_TIMEOUT || why > SL_FLOW_END_TCP_REUSE)
		fail("end: bad reason");
	/* the table flushes reassembly before the end callback */
	if (f->key.proto == 6)
		for (unsigned d = 0; d < 2; d++)
			if ((f->tcp.s[d].flags & SL_TCP_ST_OPEN) && tr->eos[d] != 1)
				fail("flow ended with a direction not ended");
}

static const struct sl_tcp_ops OPS = { on_data, on_gap, on_eos, NULL };

static const uint32_t BASE[TUPLES][2] = {
	{ 0xfffffc00u, 0xffffff00u }, /* wraps within a few KiB */
	{ 0x7fffff00u, 0x80000100u }, /* around 2^31 */
	{ 0, 0xfffffff0u },
	{ 0x12345678u, 0x9abcdef0u },
};

static struct sl_flow_key tuple_key(unsigned t, unsigned reversed)
{
	struct sl_flow_key k = { 0 };
	k.ip_version = 4;
	k.proto = t == 3 ? 17 : 6; /* one UDP tuple shares the table */
	k.src[0] = 10;
	k.src[3] = (uint8_t)t;
	k.dst[0] = 10;
	k.dst[2] = 1;
	k.dst[3] = (uint8_t)t;
	k.src_port = (uint16_t)(1000 + t);
	k.dst_port = 80;
	return reversed ? sl_flow_key_reverse(&k) : k;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static void check(const struct sl_flow_table *t)
{
	char why[200];
	if (sl_flow_validate(t, why, sizeof why) != 0) {
		fprintf(stderr, "fuzz_tcp: validate: %s\n", why);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	struct sl_flow_table t;
	struct sl_flow_config cfg;
	uint64_t now = UINT64_C(1700000000) * 1000000000u;

	if (size < 8)
		return 0;
	sl_flow_config_defaults(&cfg);
	cfg.max_flows = 1 + (in[0] & 7);
	cfg.user_bytes = sizeof(struct track);
	cfg.worker = in[0] >> 3;
	cfg.timeout = (struct sl_flow_timeouts){ 2, 5, 1, 3, 3, 3 };
	cfg.end = on_end;
	cfg.tcp.chunks = in[1] & 63;
	cfg.tcp.chunk_size = 16 + (in[2] & 127) * 4;
	cfg.tcp.window = (uint32_t)le16(in + 3) & 0x3fff;
	cfg.tcp.depth = in[5] ? (uint64_t)in[5] * 53 : 0;
	cfg.tcp.ack_gaps = in[6] & 1;
	cfg.tcp.policy = (uint8_t)((in[6] >> 1) % SL_TCP_POLICY_COUNT);
	cfg.tcp_ops = &OPS;
	if (sl_flow_table_init(&t, &cfg) != 0)
		fail("init refused a valid config");
	in += 8;
	size -= 8;

	for (; size >= OP_SIZE; in += OP_SIZE, size -= OP_SIZE) {
		unsigned tu = in[0] & 3, rv = (in[0] >> 2) & 1, action = in[0] >> 3;
		struct sl_flow_key k = tuple_key(tu, rv);

		now += (uint64_t)in[10] * 20000000u;
		if (action == 28 || action == 29) {
			sl_flow_expire(&t, now, in[1]);
		} else if (action == 30) {
			struct sl_flow *f = sl_flow_find(&t, &k, 0, NULL);
			if (f)
				sl_flow_end(&t, f, SL_FLOW_END_FORCED);
		} else if (action == 31) {
			now += (uint64_t)in[1] * 1000000000u;
		} else {
			uint32_t len = le16(in + 8) & 2047;
			uint32_t seq = BASE[tu][rv] + (uint32_t)(int32_t)(int16_t)le16(in + 2);
			uint32_t ack = BASE[tu][!rv] + (uint32_t)(int32_t)(int16_t)le16(in + 6);
			if (in[4] & 0x80)
				seq += (uint32_t)in[4] << 24;
			if (in[4] & 0x40)
				ack += (uint32_t)in[5] << 23;
			uint8_t *payload = malloc(len ? len : 1);
			if (!payload)
				fail("out of memory");
			for (uint32_t i = 0; i < len; i++)
				payload[i] = pat(rv, seq + ((in[1] & SL_TCP_SYN) ? 1u : 0u) + i);
			corrupting = (in[11] & 7) == 7 && len > 0;
			if (corrupting)
				payload[in[11] % len] ^= 0x5a;
			struct sl_tcp_seg seg = { payload, len, seq, ack, in[1] };
			struct sl_flow_pkt p = { now, 0, 54 + len, &seg };
			enum sl_flow_dir d;
			struct sl_flow *f = sl_flow_packet(&t, &k, &p, &d);
			if (!f)
				fail("sl_flow_packet returned NULL");
			if (corrupting)
				((struct track *)sl_flow_user(f))->tainted = 1;
			corrupting = 0;
			free(payload);
		}
		check(&t);
	}
	sl_flow_flush_all(&t);
	check(&t);
	if (t.ctr.active != 0 || t.tcp.free_count != t.tcp.cfg.chunks)
		fail("flush_all left flows or chunks behind");
	sl_flow_table_fini(&t);
	return 0;
}
