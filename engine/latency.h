/* SPDX-License-Identifier: MIT */
/*
 * Latency histograms: how long a record took from the moment sluiced read its packet to each
 * stage (the worker's output, the router, each sink's acknowledgement). No peer measures this
 * from the wire, and it is what an appliance's operator asks first when records arrive late.
 *
 * Cheap by construction: 1 record in stats.latency-sample carries a stamp (the read time of
 * the packet that made it, CLOCK_MONOTONIC taken once per capture batch, carried in the
 * packet record's trailer and then in the record's common part); only stamped records are
 * measured, one vDSO clock read each, no syscall, no lock. Each histogram has one writer (the
 * thread of its stage) and is read by the ledger with relaxed loads: counts are log2 buckets
 * of nanoseconds, so a percentile is the upper bound of its bucket (within a factor of 2).
 *
 *   who               may call
 *   ---------------   ------------------------------------------------------------
 *   the stage thread  sl_hist_add (its own histogram only)
 *   any thread        sl_hist_read (a racy but per-word monotonic view; exact once joined)
 */
#ifndef SLUICE_LATENCY_H
#define SLUICE_LATENCY_H

#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

/* Bucket 0 holds 0 ns; bucket i (1..SL_HIST_BUCKETS-1) holds [2^(i-1), 2^i) ns; the last
 * bucket also holds everything longer (2^46 ns is 19.5 hours). */
#define SL_HIST_BUCKETS 48

struct sl_hist {
	/* written by the stage's thread only */
	_Atomic uint64_t bucket[SL_HIST_BUCKETS];
	_Atomic uint64_t count, sum_ns, max_ns;
};

/* A plain copy, summed over the histograms of one stage (every worker's, say). */
struct sl_hist_snap {
	uint64_t bucket[SL_HIST_BUCKETS];
	uint64_t count, sum_ns, max_ns;
};

static inline unsigned sl_hist_bucket(uint64_t ns)
{
	unsigned b = ns ? 64u - (unsigned)__builtin_clzll(ns) : 0u;
	return b < SL_HIST_BUCKETS ? b : SL_HIST_BUCKETS - 1;
}

#ifdef CLOCK_MONOTONIC /* a file built with POSIX (_GNU_SOURCE) gets the clock */
/* CLOCK_MONOTONIC in ns, the clock of every stamp (a vDSO call, no syscall). */
static inline uint64_t sl_lat_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
#endif

#define SL__HIST_BUMP(field, n)                                                                     \
	atomic_store_explicit(&(field), atomic_load_explicit(&(field), memory_order_relaxed) + (n),     \
	                      memory_order_relaxed)

/* The owner thread only. */
static inline void sl_hist_add(struct sl_hist *h, uint64_t ns)
{
	SL__HIST_BUMP(h->bucket[sl_hist_bucket(ns)], 1);
	SL__HIST_BUMP(h->count, 1);
	SL__HIST_BUMP(h->sum_ns, ns);
	if (ns > atomic_load_explicit(&h->max_ns, memory_order_relaxed))
		atomic_store_explicit(&h->max_ns, ns, memory_order_relaxed);
}

/* Adds h into s (any thread). */
static inline void sl_hist_read(const struct sl_hist *h, struct sl_hist_snap *s)
{
	for (unsigned i = 0; i < SL_HIST_BUCKETS; i++)
		s->bucket[i] += atomic_load_explicit(&h->bucket[i], memory_order_relaxed);
	s->count += atomic_load_explicit(&h->count, memory_order_relaxed);
	s->sum_ns += atomic_load_explicit(&h->sum_ns, memory_order_relaxed);
	uint64_t m = atomic_load_explicit(&h->max_ns, memory_order_relaxed);
	if (m > s->max_ns)
		s->max_ns = m;
}

/* Upper bound in ns of the bucket holding quantile q (0 < q <= 1), at most the maximum seen;
 * 0 when nothing was measured. */
static inline uint64_t sl_hist_quantile(const struct sl_hist_snap *s, double q)
{
	uint64_t total = 0, want, seen = 0;

	for (unsigned i = 0; i < SL_HIST_BUCKETS; i++)
		total += s->bucket[i];
	if (total == 0)
		return 0;
	want = (uint64_t)((double)total * q + 0.999999);
	if (want == 0)
		want = 1;
	for (unsigned i = 0; i < SL_HIST_BUCKETS; i++) {
		seen += s->bucket[i];
		if (seen >= want) {
			uint64_t ub = i == 0 ? 0 : (i >= 64 ? UINT64_MAX : (UINT64_C(1) << i) - 1);
			return ub < s->max_ns ? ub : s->max_ns;
		}
	}
	return s->max_ns;
}

/* In a metadata record the stamp is the low 48 bits of the read time (the common part has 6
 * spare bytes, and the tap layout fixes its size): ages are taken modulo 2^48 ns (78 hours),
 * so a wrapped clock costs nothing. 0 means "not stamped". */
#define SL_STAMP_MASK ((UINT64_C(1) << 48) - 1)

static inline uint64_t sl_stamp48(uint64_t mono_ns)
{
	uint64_t s = mono_ns & SL_STAMP_MASK;
	return s ? s : 1;
}

static inline uint64_t sl_stamp_age(uint64_t now_ns, uint64_t stamp48)
{
	return (now_ns - stamp48) & SL_STAMP_MASK;
}

static inline void sl_stamp_put(uint16_t w[3], uint64_t stamp48)
{
	w[0] = (uint16_t)stamp48;
	w[1] = (uint16_t)(stamp48 >> 16);
	w[2] = (uint16_t)(stamp48 >> 32);
}

static inline uint64_t sl_stamp_get(const uint16_t w[3])
{
	return (uint64_t)w[0] | (uint64_t)w[1] << 16 | (uint64_t)w[2] << 32;
}

/* The stamp carried by a packet record a capture thread wrote (SL_PKT_F_STAMP): 8 bytes after
 * the packet, unaligned. 0 when the record has none. */
#define SL_PKT_F_STAMP 0x8000u
#define SL_PKT_STAMP_BYTES 8u

#endif
