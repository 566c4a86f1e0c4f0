/* SPDX-License-Identifier: MIT */
/*
 * What every ring benchmark shares: the two pinned threads, the clock, the record every peer
 * carries and how the consumer proves it really received it, and the table of peers.
 *
 * One measurement is one run of a peer: a producer thread pinned to CPU 0 writes `warm +
 * records` records of `size` bytes, a consumer thread pinned to CPU 1 reads them. Both busy
 * wait (a pause instruction per failed poll, the same for every peer). The clock runs on the
 * consumer only, from the moment it has taken the `warm` warm-up records to the moment it has
 * taken the last one, so the figure is the steady-state rate with the ring already faulted in
 * and the caches warm.
 *
 * A record of n bytes carries its sequence number in its first 8 bytes, seq ^ TAIL_KEY in its
 * last 8 and seq + n in the 8 bytes at the middle. The producer writes those words into a local
 * record and the peer copies the whole record in; the consumer has the peer copy the whole record
 * out into a local buffer, tells the compiler the buffer escapes (an empty asm with a memory
 * clobber, so no byte of the copy can be dropped), and then checks the three words. Mismatches
 * are counted (the measurement fails if any) and the words are summed into a sink the program
 * prints, so the checks cannot be dropped either.
 *
 * Each peer's loops are written once as always-inline functions of the record size and
 * instantiated for the sizes the suite uses (8, 64, 256, 1500), so every peer gets the copy its
 * compiler would emit for a record type of that size.
 */
#ifndef SLUICE_BENCH_H
#define SLUICE_BENCH_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#define BENCH_CPU_PRODUCER 0
#define BENCH_CPU_CONSUMER 1
#define BENCH_BURST 32
#define BENCH_MAX_SIZE 4096 /* largest record the suite supports */
/* Local buffers of BENCH_BURST records are packed at this stride, like an array of records. */
#define BENCH_STRIDE(n) (((n) + 7) & ~(size_t)7)
#define BENCH_TAIL_KEY 0x9e3779b97f4a7c15ull

#define BENCH_INLINE static inline __attribute__((always_inline))

BENCH_INLINE void bench_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#endif
}

/* The compiler must assume the asm reads every byte behind p. */
BENCH_INLINE void bench_escape(const void *p)
{
	__asm__ __volatile__("" : : "r"(p) : "memory");
}

BENCH_INLINE int64_t bench_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

BENCH_INLINE size_t bench_mid(size_t n)
{
	return (n / 2) & ~(size_t)7;
}

/* Stamps seq into the three words of a record of n bytes (n >= 8). */
BENCH_INLINE void rec_fill(void *buf, uint64_t seq, size_t n)
{
	unsigned char *b = buf;
	uint64_t t = seq ^ BENCH_TAIL_KEY, m = seq + n;

	memcpy(b, &seq, 8);
	if (n >= 16)
		memcpy(b + n - 8, &t, 8);
	if (n >= 32)
		memcpy(b + bench_mid(n), &m, 8);
}

/* Checks a record copied out into buf; adds 1 to *errors on a mismatch and returns a value for
 * the sink. */
BENCH_INLINE uint64_t rec_check(const void *buf, uint64_t seq, size_t n, uint64_t *errors)
{
	const unsigned char *b = buf;
	uint64_t a, t = seq ^ BENCH_TAIL_KEY, m = seq + n;

	bench_escape(buf);
	memcpy(&a, b, 8);
	if (n >= 16)
		memcpy(&t, b + n - 8, 8);
	if (n >= 32)
		memcpy(&m, b + bench_mid(n), 8);
	*errors += (a != seq) | (t != (seq ^ BENCH_TAIL_KEY)) | (m != seq + n);
	return a + t + m;
}

/* Instantiates fn(c, size) for the sizes the suite uses, with the size a constant. */
#define BENCH_SIZE_DISPATCH(fn, c)                                                              \
	do {                                                                                    \
		switch ((c)->size) {                                                            \
		case 8: fn((c), 8); break;                                                      \
		case 64: fn((c), 64); break;                                                    \
		case 256: fn((c), 256); break;                                                  \
		case 1500: fn((c), 1500); break;                                                \
		default: fn((c), (c)->size); break;                                             \
		}                                                                               \
	} while (0)

/* The consumer side of every throughput peer: take the warm-up records, then time the rest.
 * take(c, &seq, count, n) reads and checks count records of n bytes. */
#define BENCH_DEFINE_CONSUME(name, take)                                                        \
	BENCH_INLINE void name(struct bench_ctx *c, size_t n)                                   \
	{                                                                                       \
		uint64_t seq = 0;                                                               \
		take(c, &seq, c->warm, n);                                                      \
		c->t0 = bench_now_ns();                                                         \
		take(c, &seq, c->records, n);                                                   \
		c->t1 = bench_now_ns();                                                         \
	}

/* One measurement. The harness fills the first block; the peer's setup sets state (and backing
 * for sluice); the consumer fills t0, t1, errors and sink. */
struct bench_ctx {
	uint32_t size;      /* record payload bytes */
	uint64_t warm;      /* records before the clock starts */
	uint64_t records;   /* records timed */
	size_t ring_bytes;  /* memory footprint every ring peer is given */
	int huge;           /* enum sl_hugepages, sluice only */
	int zmq_type;       /* ZMQ peer: 0 PUSH/PULL, 1 PAIR */

	void *state;
	char backing[32];   /* what the ring memory turned out to be */

	int64_t t0, t1;     /* consumer clock: after warm records, after the last one */
	uint64_t errors;
	uint64_t sink;
};

struct bench_peer {
	const char *name;
	const char *what;  /* one line for --list and RESULTS.md */
	/* 0 or a negative errno; a message in err */
	int (*setup)(struct bench_ctx *c, char *err, size_t errlen);
	void (*produce)(struct bench_ctx *c);
	void (*consume)(struct bench_ctx *c);
	void (*teardown)(struct bench_ctx *c);
	int zmq_type;
};

/* Peer tables, one per file; each ends with a zeroed entry. */
extern const struct bench_peer bench_peers_sluice[];
extern const struct bench_peer bench_peers_rte[];
extern const struct bench_peer bench_peers_ck[];
extern const struct bench_peer bench_peers_zmq[];
extern const struct bench_peer bench_peers_sys[];

/* Latency peers: one round trip of a 64-byte record (or one cache line for the floor). */
struct lat_peer {
	const char *name;
	const char *what;
	int (*setup)(void **state, char *err, size_t errlen);
	/* initiator, CPU 0: send seq, wait for its echo */
	void (*ping)(void *state, uint64_t seq, uint64_t *errors);
	/* responder, CPU 1: echo n records */
	void (*pong)(void *state, uint64_t n, uint64_t *errors);
	void (*teardown)(void *state);
};

extern const struct lat_peer lat_peer_sluice;
extern const struct lat_peer lat_peer_zmq_pair;
extern const struct lat_peer lat_peer_pingpong;

/* Helpers in ring_bench.c */
/* bench_pin() pins the calling thread to cpu; bench_rt_enter() makes it SCHED_FIFO when --rt
 * was given; bench_unpin() gives the thread back the affinity saved by bench_pin_save() and the
 * normal policy. bench_wait_flag() waits (yielding) for an atomic counter to reach a value. */
int bench_pin(int cpu);
void bench_rt_enter(void);
void bench_pin_save(void);
void bench_unpin(void);
void bench_wait_flag(_Atomic int *flag, int want);

/* How much of a CPU a measuring thread actually got. The machine is shared: a busy-waiting
 * thread that other processes push off its CPU stalls its peer, and the figure then measures
 * the neighbours, not the ring. */
struct bench_share {
	int64_t wall0, cpu0;
	long nivcsw0;
	double share;   /* thread CPU time / wall time, 1.0 when it ran undisturbed */
	long preempts;  /* involuntary context switches */
};
void bench_share_start(struct bench_share *s);
void bench_share_stop(struct bench_share *s);
void *bench_alloc(size_t bytes); /* 128-byte aligned, zeroed and touched; NULL on failure */
size_t bench_floor_pow2(size_t v);

#endif
