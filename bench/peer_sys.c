/* SPDX-License-Identifier: MIT */
/*
 * The kernel's own channels as peers, the baseline a reader already knows: a pipe and an
 * AF_UNIX SOCK_SEQPACKET socket pair. One write() and one read() per record (the kernel copies
 * in and out), both non-blocking and busy-polled like every other peer. The pipe is grown
 * towards --ring-bytes with F_SETPIPE_SZ, capped at /proc/sys/fs/pipe-max-size (1 MiB by
 * default); the socket keeps its default buffers. Records are at most PIPE_BUF bytes, so every
 * pipe write is atomic.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"

struct sys_state {
	int tx, rx;
	int seqpacket;
};

static int sys_setup_common(struct bench_ctx *c, int seqpacket, char *err, size_t errlen)
{
	struct sys_state *s = calloc(1, sizeof *s);
	int fds[2];

	if (s == NULL)
		return -ENOMEM;
	if (seqpacket) {
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) < 0)
			goto fail;
		snprintf(c->backing, sizeof c->backing, "af_unix");
	} else {
		if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) < 0)
			goto fail;
		size_t want = c->ring_bytes, max = 1u << 20;
		FILE *f = fopen("/proc/sys/fs/pipe-max-size", "re");
		if (f != NULL) {
			if (fscanf(f, "%zu", &max) != 1)
				max = 1u << 20;
			fclose(f);
		}
		if (want > max)
			want = max;
		while (want >= 65536 && fcntl(fds[1], F_SETPIPE_SZ, (int)want) < 0)
			want /= 2;
		snprintf(c->backing, sizeof c->backing, "pipe");
	}
	/* pipe: fds[0] reads, fds[1] writes; socket pair: either end does both */
	s->rx = fds[0];
	s->tx = fds[1];
	s->seqpacket = seqpacket;
	c->state = s;
	return 0;
fail:
	snprintf(err, errlen, "%s: %s", seqpacket ? "socketpair" : "pipe2", strerror(errno));
	free(s);
	return -errno;
}

static int pipe_setup(struct bench_ctx *c, char *err, size_t errlen)
{
	return sys_setup_common(c, 0, err, errlen);
}

static int seqpacket_setup(struct bench_ctx *c, char *err, size_t errlen)
{
	return sys_setup_common(c, 1, err, errlen);
}

static void sys_teardown(struct bench_ctx *c)
{
	struct sys_state *s = c->state;

	close(s->tx);
	close(s->rx);
	free(s);
}

BENCH_INLINE void sys_produce(struct bench_ctx *c, size_t n)
{
	struct sys_state *s = c->state;
	_Alignas(64) unsigned char rec[BENCH_MAX_SIZE];
	uint64_t total = c->warm + c->records;

	memset(rec, 0xa5, n);
	for (uint64_t seq = 0; seq < total; seq++) {
		rec_fill(rec, seq, n);
		/* both channels take a record whole or not at all (atomic pipe write, one packet) */
		while (write(s->tx, rec, n) != (ssize_t)n)
			bench_relax();
	}
}

BENCH_INLINE void sys_take(struct bench_ctx *c, uint64_t *seqp, uint64_t count, size_t n)
{
	struct sys_state *s = c->state;
	_Alignas(64) unsigned char out[BENCH_MAX_SIZE];
	uint64_t seq = *seqp, sink = 0, errors = 0;

	for (uint64_t i = 0; i < count; i++) {
		size_t have = 0;

		/* a pipe may in principle hand over part of a record; a packet comes whole */
		while (have < n) {
			ssize_t got = read(s->rx, out + have, n - have);
			if (got > 0) {
				have += (size_t)got;
				if (s->seqpacket && have != n)
					errors++, have = n;
			} else {
				bench_relax();
			}
		}
		sink += rec_check(out, seq, n, &errors);
		seq++;
	}
	*seqp = seq;
	c->sink += sink;
	c->errors += errors;
}

BENCH_DEFINE_CONSUME(sys_consume, sys_take)

static void sys_produce_any(struct bench_ctx *c) { BENCH_SIZE_DISPATCH(sys_produce, c); }
static void sys_consume_any(struct bench_ctx *c) { BENCH_SIZE_DISPATCH(sys_consume, c); }

const struct bench_peer bench_peers_sys[] = {
	{ "pipe", "pipe(), one write/read per record, non-blocking, busy-polled, pipe grown to the ring size",
	  pipe_setup, sys_produce_any, sys_consume_any, sys_teardown, 0 },
	{ "seqpacket", "AF_UNIX SOCK_SEQPACKET socket pair, one send/recv per record, non-blocking, busy-polled",
	  seqpacket_setup, sys_produce_any, sys_consume_any, sys_teardown, 0 },
	{ 0 },
};
