/* SPDX-License-Identifier: MIT */
/*
 * ZeroMQ inproc as a peer: what sluice would cost if stages talked ZMQ, which is what the design
 * rules out between stages. PUSH/PULL and PAIR over inproc://, default high-water marks (1000 a
 * side), no I/O thread (inproc needs none, and this machine has two CPUs). zmq_send() copies the
 * record into a message, zmq_recv() copies it out into the consumer's buffer; both busy-poll with
 * ZMQ_DONTWAIT like every other peer. "zmq-pushpull-block" is the same with blocking calls, how
 * ZMQ is usually driven; it is there so the comparison does not hinge on the polling style.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "bench.h"

struct zmq_state {
	void *ctx, *tx, *rx;
	int flags; /* ZMQ_DONTWAIT to busy-poll, 0 to block */
};

#define ZMQ_TYPE_PAIR 1
#define ZMQ_TYPE_BLOCK 2

static void zmq_state_free(struct zmq_state *s)
{
	int linger = 0;

	if (s->tx) {
		zmq_setsockopt(s->tx, ZMQ_LINGER, &linger, sizeof linger);
		zmq_close(s->tx);
	}
	if (s->rx) {
		zmq_setsockopt(s->rx, ZMQ_LINGER, &linger, sizeof linger);
		zmq_close(s->rx);
	}
	if (s->ctx)
		zmq_ctx_term(s->ctx);
	free(s);
}

/* type: ZMQ_TYPE_* bits; no bits is busy-polled PUSH/PULL */
static struct zmq_state *zmq_state_new(int type, char *err, size_t errlen)
{
	struct zmq_state *s = calloc(1, sizeof *s);
	int pair = type & ZMQ_TYPE_PAIR;
	int ttx = pair ? ZMQ_PAIR : ZMQ_PUSH, trx = pair ? ZMQ_PAIR : ZMQ_PULL;

	if (s == NULL)
		return NULL;
	s->flags = type & ZMQ_TYPE_BLOCK ? 0 : ZMQ_DONTWAIT;
	if ((s->ctx = zmq_ctx_new()) == NULL || zmq_ctx_set(s->ctx, ZMQ_IO_THREADS, 0) != 0 ||
	    (s->tx = zmq_socket(s->ctx, ttx)) == NULL || (s->rx = zmq_socket(s->ctx, trx)) == NULL ||
	    zmq_bind(s->rx, "inproc://bench") != 0 || zmq_connect(s->tx, "inproc://bench") != 0) {
		snprintf(err, errlen, "zmq setup: %s", zmq_strerror(zmq_errno()));
		zmq_state_free(s);
		return NULL;
	}
	return s;
}

static int zmq_setup(struct bench_ctx *c, char *err, size_t errlen)
{
	struct zmq_state *s = zmq_state_new(c->zmq_type, err, errlen);

	if (s == NULL)
		return -EIO;
	snprintf(c->backing, sizeof c->backing, "zmq-inproc");
	c->state = s;
	return 0;
}

static void zmq_teardown(struct bench_ctx *c)
{
	zmq_state_free(c->state);
}

BENCH_INLINE void zsend(void *sock, const void *rec, size_t n, int flags)
{
	while (zmq_send(sock, rec, n, flags) < 0)
		bench_relax();
}

BENCH_INLINE int zrecv(void *sock, void *out, size_t n, int flags)
{
	int got;

	while ((got = zmq_recv(sock, out, n, flags)) < 0)
		bench_relax();
	return got;
}

BENCH_INLINE void zmq_produce(struct bench_ctx *c, size_t n)
{
	struct zmq_state *s = c->state;
	_Alignas(64) unsigned char rec[BENCH_MAX_SIZE];
	uint64_t total = c->warm + c->records;

	memset(rec, 0xa5, n);
	for (uint64_t seq = 0; seq < total; seq++) {
		rec_fill(rec, seq, n);
		zsend(s->tx, rec, n, s->flags);
	}
}

BENCH_INLINE void zmq_take(struct bench_ctx *c, uint64_t *seqp, uint64_t count, size_t n)
{
	struct zmq_state *s = c->state;
	_Alignas(64) unsigned char out[BENCH_MAX_SIZE];
	uint64_t seq = *seqp, sink = 0, errors = 0;

	for (uint64_t i = 0; i < count; i++) {
		errors += zrecv(s->rx, out, n, s->flags) != (int)n;
		sink += rec_check(out, seq, n, &errors);
		seq++;
	}
	*seqp = seq;
	c->sink += sink;
	c->errors += errors;
}

BENCH_DEFINE_CONSUME(zmq_consume, zmq_take)

static void zmq_produce_any(struct bench_ctx *c) { BENCH_SIZE_DISPATCH(zmq_produce, c); }
static void zmq_consume_any(struct bench_ctx *c) { BENCH_SIZE_DISPATCH(zmq_consume, c); }

const struct bench_peer bench_peers_zmq[] = {
	{ "zmq-pushpull", "ZeroMQ inproc PUSH/PULL, zmq_send/zmq_recv (copies), default HWM",
	  zmq_setup, zmq_produce_any, zmq_consume_any, zmq_teardown, 0 },
	{ "zmq-pair", "ZeroMQ inproc PAIR, zmq_send/zmq_recv (copies), default HWM",
	  zmq_setup, zmq_produce_any, zmq_consume_any, zmq_teardown, ZMQ_TYPE_PAIR },
	{ "zmq-pushpull-block", "ZeroMQ inproc PUSH/PULL as above, but blocking send/recv",
	  zmq_setup, zmq_produce_any, zmq_consume_any, zmq_teardown, ZMQ_TYPE_BLOCK },
	{ 0 },
};

/* ---- latency: a PAIR socket pair is duplex, so one pair carries both directions ---------- */

#define LAT_SIZE 64

static int lat_setup(void **state, char *err, size_t errlen)
{
	struct zmq_state *s = zmq_state_new(ZMQ_TYPE_PAIR, err, errlen);

	if (s == NULL)
		return -EIO;
	*state = s;
	return 0;
}

static void lat_teardown(void *state)
{
	zmq_state_free(state);
}

static void lat_ping(void *state, uint64_t seq, uint64_t *errors)
{
	struct zmq_state *s = state;
	_Alignas(64) unsigned char rec[LAT_SIZE], out[LAT_SIZE];

	memset(rec, 0xa5, sizeof rec);
	rec_fill(rec, seq, LAT_SIZE);
	zsend(s->tx, rec, LAT_SIZE, s->flags);
	*errors += zrecv(s->tx, out, LAT_SIZE, s->flags) != LAT_SIZE;
	rec_check(out, seq, LAT_SIZE, errors);
}

static void lat_pong(void *state, uint64_t n, uint64_t *errors)
{
	struct zmq_state *s = state;
	_Alignas(64) unsigned char out[LAT_SIZE];

	for (uint64_t seq = 0; seq < n; seq++) {
		*errors += zrecv(s->rx, out, LAT_SIZE, s->flags) != LAT_SIZE;
		rec_check(out, seq, LAT_SIZE, errors);
		zsend(s->rx, out, LAT_SIZE, s->flags);
	}
}

const struct lat_peer lat_peer_zmq_pair = {
	"zmq-pair", "ZeroMQ inproc PAIR (one duplex socket pair), 64-byte messages, busy-polled ZMQ_DONTWAIT",
	lat_setup, lat_ping, lat_pong, lat_teardown,
};
