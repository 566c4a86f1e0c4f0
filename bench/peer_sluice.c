/* SPDX-License-Identifier: MIT */
/*
 * sluice's own ring as a benchmark peer, used the way a stage uses it: the producer reserves a
 * slot, copies the record in and commits; the consumer peeks records where they lie, copies
 * each out and releases. "single" publishes and releases every record on its own; "burst"
 * commits every BENCH_BURST records and peeks/releases batches of up to BENCH_BURST, which is
 * how the engine's stages run. The ring is anonymous (one handle, two threads).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sluice/ring.h"
#include "bench.h"

#define REC_TYPE 1

static int sluice_setup(struct bench_ctx *c, char *err, size_t errlen)
{
	struct sl_ring_config cfg = { .capacity = c->ring_bytes, .huge = (enum sl_hugepages)c->huge };
	struct sl_ring_stats st;
	sl_ring *r;
	int e = sl_ring_create(NULL, &cfg, &r);

	if (e < 0) {
		snprintf(err, errlen, "sl_ring_create(capacity %zu, huge %d): %s", c->ring_bytes, c->huge,
		         strerror(-e));
		return e;
	}
	if (sl_ring_max_record(r) < c->size) {
		snprintf(err, errlen, "a %u-byte record does not fit a %zu-byte ring", c->size, c->ring_bytes);
		sl_ring_close(r);
		return -EMSGSIZE;
	}
	sl_ring_stats(r, &st);
	snprintf(c->backing, sizeof c->backing, "%s", sl_ring_backing_name(st.backing));
	c->state = r;
	return 0;
}

static void sluice_teardown(struct bench_ctx *c)
{
	sl_ring_close(c->state);
}

/* ---- single: one record per commit, one per peek/release ------------------------------- */

BENCH_INLINE void single_produce(struct bench_ctx *c, size_t n)
{
	sl_ring *r = c->state;
	_Alignas(64) unsigned char rec[BENCH_MAX_SIZE];
	uint64_t total = c->warm + c->records;

	memset(rec, 0xa5, n);
	for (uint64_t seq = 0; seq < total; seq++) {
		void *p;

		rec_fill(rec, seq, n);
		while ((p = sl_ring_reserve(r, REC_TYPE, (uint32_t)n)) == NULL)
			bench_relax();
		memcpy(p, rec, n);
		sl_ring_commit(r);
	}
}

BENCH_INLINE void single_take(struct bench_ctx *c, uint64_t *seqp, uint64_t count, size_t n)
{
	sl_ring *r = c->state;
	_Alignas(64) unsigned char out[BENCH_MAX_SIZE];
	uint64_t seq = *seqp, sink = 0, errors = 0;

	for (uint64_t i = 0; i < count; i++) {
		struct sl_rec rec;

		while (sl_ring_peek(r, &rec, 1) == 0)
			bench_relax();
		errors += rec.len != n;
		memcpy(out, rec.data, n);
		sl_ring_release(r, 1);
		sink += rec_check(out, seq, n, &errors);
		seq++;
	}
	*seqp = seq;
	c->sink += sink;
	c->errors += errors;
}

BENCH_DEFINE_CONSUME(single_consume, single_take)

static void single_produce_any(struct bench_ctx *c) { BENCH_SIZE_DISPATCH(single_produce, c); }
static void single_consume_any(struct bench_ctx *c) { BENCH_SIZE_DISPATCH(single_consume, c); }

/* ---- burst: commit every BENCH_BURST records, peek/release up to BENCH_BURST -------------- */

BENCH_INLINE void burst_produce(struct bench_ctx *c, size_t n)
{
	sl_ring *r = c->state;
	_Alignas(64) unsigned char rec[BENCH_MAX_SIZE];
	uint64_t total = c->warm + c->records;

	memset(rec, 0xa5, n);
	for (uint64_t seq = 0; seq < total;) {
		uint64_t k = total - seq < BENCH_BURST ? total - seq : BENCH_BURST;

		for (uint64_t i = 0; i < k; i++, seq++) {
			void *p;

			rec_fill(rec, seq, n);
			while ((p = sl_ring_reserve(r, REC_TYPE, (uint32_t)n)) == NULL) {
				/* full: publish what is pending, or the consumer may never free space */
				sl_ring_commit(r);
				bench_relax();
			}
			memcpy(p, rec, n);
		}
		sl_ring_commit(r);
	}
}

BENCH_INLINE void burst_take(struct bench_ctx *c, uint64_t *seqp, uint64_t count, size_t n)
{
	sl_ring *r = c->state;
	_Alignas(64) unsigned char out[BENCH_BURST * BENCH_MAX_SIZE];
	const size_t stride = BENCH_STRIDE(n);
	struct sl_rec recs[BENCH_BURST];
	uint64_t seq = *seqp, sink = 0, errors = 0;

	while (count > 0) {
		size_t want = count < BENCH_BURST ? (size_t)count : BENCH_BURST;
		size_t got = sl_ring_peek(r, recs, want);

		if (got == 0) {
			bench_relax();
			continue;
		}
		for (size_t i = 0; i < got; i++) {
			errors += recs[i].len != n;
			memcpy(out + i * stride, recs[i].data, n);
			sink += rec_check(out + i * stride, seq, n, &errors);
			seq++;
		}
		sl_ring_release(r, got);
		count -= got;
	}
	*seqp = seq;
	c->sink += sink;
	c->errors += errors;
}

BENCH_DEFINE_CONSUME(burst_consume, burst_take)

static void burst_produce_any(struct bench_ctx *c) { BENCH_SIZE_DISPATCH(burst_produce, c); }
static void burst_consume_any(struct bench_ctx *c) { BENCH_SIZE_DISPATCH(burst_consume, c); }

const struct bench_peer bench_peers_sluice[] = {
	{ "sluice-single", "sluice ring, reserve/commit per record, peek 1/release 1",
	  sluice_setup, single_produce_any, single_consume_any, sluice_teardown, 0 },
	{ "sluice-burst", "sluice ring, commit every 32 records, peek/release batches of up to 32",
	  sluice_setup, burst_produce_any, burst_consume_any, sluice_teardown, 0 },
	{ 0 },
};

/* ---- latency: two rings, one each way ------------------------------------------------------ */

#define LAT_SIZE 64

struct lat_sluice {
	sl_ring *fwd, *back;
};

static int lat_setup(void **state, char *err, size_t errlen)
{
	struct sl_ring_config cfg = { .capacity = 1u << 20, .huge = SL_HUGEPAGES_NEVER };
	struct lat_sluice *s = calloc(1, sizeof *s);
	int e;

	if (s == NULL)
		return -ENOMEM;
	if ((e = sl_ring_create(NULL, &cfg, &s->fwd)) < 0 || (e = sl_ring_create(NULL, &cfg, &s->back)) < 0) {
		snprintf(err, errlen, "sl_ring_create: %s", strerror(-e));
		sl_ring_close(s->fwd);
		free(s);
		return e;
	}
	*state = s;
	return 0;
}

static void lat_teardown(void *state)
{
	struct lat_sluice *s = state;

	sl_ring_close(s->fwd);
	sl_ring_close(s->back);
	free(s);
}

/* Send one record on r and receive one on in: the shared half of ping and pong. */
BENCH_INLINE void lat_send(sl_ring *r, uint64_t seq)
{
	_Alignas(64) unsigned char rec[LAT_SIZE];
	void *p;

	rec_fill(rec, seq, LAT_SIZE);
	while ((p = sl_ring_reserve(r, REC_TYPE, LAT_SIZE)) == NULL)
		bench_relax();
	memcpy(p, rec, LAT_SIZE);
	sl_ring_commit(r);
}

BENCH_INLINE void lat_recv(sl_ring *r, uint64_t seq, uint64_t *errors)
{
	_Alignas(64) unsigned char out[LAT_SIZE];
	struct sl_rec rec;

	while (sl_ring_peek(r, &rec, 1) == 0)
		bench_relax();
	memcpy(out, rec.data, LAT_SIZE);
	sl_ring_release(r, 1);
	*errors += rec.len != LAT_SIZE;
	rec_check(out, seq, LAT_SIZE, errors);
}

static void lat_ping(void *state, uint64_t seq, uint64_t *errors)
{
	struct lat_sluice *s = state;

	lat_send(s->fwd, seq);
	lat_recv(s->back, seq, errors);
}

static void lat_pong(void *state, uint64_t n, uint64_t *errors)
{
	struct lat_sluice *s = state;

	for (uint64_t seq = 0; seq < n; seq++) {
		lat_recv(s->fwd, seq, errors);
		lat_send(s->back, seq);
	}
}

const struct lat_peer lat_peer_sluice = {
	"sluice", "two sluice rings (1 MiB each), one per direction, 64-byte records, busy-polled peek(1)",
	lat_setup, lat_ping, lat_pong, lat_teardown,
};
