/* SPDX-License-Identifier: MIT */
/*
 * The process-local ring handle, shared by ring.c (the hot path) and shm.c (mapping and
 * lifecycle). Each side keeps its own copy of the other side's index and reads the shared one
 * only when its copy says it must: that, and publishing many records per commit, is what keeps
 * the cache-line traffic between the two cores low.
 */
#ifndef SLUICE_RING_IMPL_H
#define SLUICE_RING_IMPL_H

#include <stdalign.h>
#include <stdint.h>
#include <stdio.h>

#include "sluice/ring.h"
#include "layout.h"

#define SL__LIKELY(x) __builtin_expect(!!(x), 1)
#define SL__UNLIKELY(x) __builtin_expect(!!(x), 0)

struct sl_ring {
	struct sl__ring_hdr *hdr;
	uint8_t *data;   /* first of the two mappings of the data area */
	uint64_t cap;
	uint64_t mask;
	unsigned roles;  /* enum sl_ring_role bits this handle holds */

	/* Producer-private: touched only by the producer thread. */
	alignas(SL__LINE_PAIR) uint64_t p_head; /* next free byte (reserved, maybe unpublished) */
	uint64_t p_pub;                          /* last head stored to hdr->head */
	uint64_t p_tail_cache;                   /* last tail read from hdr->tail */
	uint64_t p_last;                         /* index of the last reserved record (trim) */
	uint64_t p_records, p_bytes;             /* committed + reserved; published at commit */
	int p_full;
	int p_asym;                              /* commit needs no fence: sl__membarrier_ready() */                              /* the last reserve failed with EAGAIN */

	/* Consumer-private: touched only by the consumer thread. */
	alignas(SL__LINE_PAIR) uint64_t c_tail; /* first unreleased byte */
	uint64_t c_head_cache;                   /* last head read from hdr->head */
	uint64_t c_peek_end;                     /* index after the last peeked record */
	size_t c_peek_n;                         /* records the last peek returned */
	uint64_t c_peek_bytes;                   /* their payload bytes */
	uint64_t c_records, c_bytes;
	int c_corrupt;                           /* enum sl__corrupt: why the ring is corrupt, 0 */
	uint32_t c_bad_len;                      /* the offending record length, for validate */
	uint64_t c_bad_pos, c_bad_head;          /* where it was found, and the head then */
	uint64_t c_pf;                           /* peek's prefetch front: lines below it were asked for */
	int c_asym;                              /* release needs no fence: sl__membarrier_ready() */

	/* Mapping, set at open, read-only afterwards. */
	alignas(SL__LINE_PAIR) void *map_base;
	size_t map_len;
	size_t page_size;
	enum sl_ring_backing backing;
	int fenced;      /* the ring's SL_RING_FENCED, read once at create or open */
	int fd;          /* the ring file; its open file description holds this handle's role
	                    lock. -1 for an anonymous ring (no peer outside this process) */
	int32_t owner;   /* pid that opened the handle: only it may finish or give up a role
	                    (a forked child's close only unmaps) */

	/* The peer's liveness as the waiting side last saw it (the thread of this handle's one
	 * role): a lock probe costs a syscall, so it is made at most every SL__LIVENESS_NS. */
	int64_t peer_checked_ns;
	uint32_t peer_gen;
	int peer_alive;

	/* Test-only counters: how this handle's futex sleeps ended (woken by a FUTEX_WAKE, the
	 * timeout, or the word had already moved); [0] the producer's waits, [1] the consumer's,
	 * each written only by that side's thread. */
	uint64_t t_woken[2], t_timedout[2], t_again[2];
};

/* How often at most a waiter probes its peer's role lock. */
#define SL__LIVENESS_NS 100000000LL

/* Why a consumer stopped believing the ring (sticky once set; sl_ring_validate says it). */
enum sl__corrupt {
	SL__CORRUPT_NONE = 0,
	SL__CORRUPT_HEAD,   /* the shared head was behind tail, > capacity ahead, or misaligned */
	SL__CORRUPT_RECORD, /* a record header's length overran the committed data */
	SL__CORRUPT_TAIL,   /* the shared tail this consumer attached at was misaligned */
};

/* 1 when this process is registered for membarrier(GLOBAL_EXPEDITED); asked once (ring.c). */
int sl__membarrier_ready(void);
/* Test hook: move both indices of an empty ring to idx (wrap-around tests). 0 or -EBUSY. */
int sl__ring_seed(sl_ring *r, uint64_t idx);
/* 1 when some open file description other than r's holds the lock of role (SL_RING_PRODUCER
 * or SL_RING_CONSUMER) on r's file: one fcntl(F_OFD_GETLK). An anonymous ring answers 1. */
int sl__role_held(const sl_ring *r, unsigned role);
/* Bump a futex word and wake everyone sleeping on it (finish, detach, close). */
void sl__ring_wake(_Atomic uint32_t *seq);

#endif
