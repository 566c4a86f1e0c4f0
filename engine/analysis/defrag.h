/* SPDX-License-Identifier: MIT */
/*
 * IPv4 and IPv6 fragment reassembly for one worker, in memory fixed at init. Fragments are
 * attacker-shaped (overlaps, floods of first fragments that never complete, tiny pieces), so
 * everything is bounded: a fixed number of trackers (one per datagram being rebuilt), a fixed
 * byte pool (defrag.memory) cut into blocks that hold fragment data, and a timeout. When the
 * pool or the tracker table is full, the oldest tracker is evicted and counted; nothing is
 * allocated after sl_defrag_init(), nothing is lost without a counter.
 *
 * Memory and work per datagram are bounded by its extent, not by how it was cut: a block
 * holds the bytes at one fixed range of the datagram ([i * SL_DEFRAG_BLOCK, (i + 1) *
 * SL_DEFRAG_BLOCK)), with a bit per 8-byte unit saying which are held, and a tracker finds its
 * blocks through a direct map. A thousand 8-byte fragments of one datagram share the blocks
 * their bytes fall in (at most 128 of them, 64 KiB); placing a fragment costs O(blocks it
 * spans), whatever arrived before, in any order and with any overlaps. A datagram may take at
 * most SL_DEFRAG_MAX_FRAGMENTS fragments: past that it is refused (its memory freed, its later
 * fragments dropped until it times out), counted as too_many_fragments.
 *
 * Overlap policy: FIRST WINS. Bytes already held for a datagram are never replaced; a later
 * fragment only fills the gaps it covers (its overlapping bytes are dropped and counted in
 * `overlaps`). This is the policy of BSD-derived and older Linux stacks for most shapes; a
 * sensor cannot know the target's policy, and first-wins means a retransmitted or duplicated
 * fragment can never change data already seen.
 *
 * Not thread-safe: one struct sl_defrag per worker thread, used only by that thread.
 */
#ifndef SLUICE_ANALYSIS_DEFRAG_H
#define SLUICE_ANALYSIS_DEFRAG_H

#include <stddef.h>
#include <stdint.h>

struct sl_decoded;

/* Outcomes of sl_defrag_add(). NEED_MORE and COMPLETE are the normal ones; the others are
 * reasons a fragment (and, except for BAD_FRAGMENT / TRUNCATED, its whole datagram) was
 * dropped; each is counted in errors[] under its stable name. */
#define SL_DEFRAG_REASONS(X)                                      \
	X(NEED_MORE, "need_more")                                 \
	X(COMPLETE, "complete")                                   \
	X(NOT_FRAGMENT, "not_fragment")                           \
	X(BAD_FRAGMENT, "bad_fragment")                           \
	X(TRUNCATED, "truncated_fragment")                        \
	X(TOO_BIG, "too_big")                                     \
	X(INCONSISTENT, "inconsistent_length")                    \
	X(HEADER_TOO_LONG, "header_too_long")                     \
	X(POOL_FULL, "pool_full")                                 \
	X(TOO_MANY_FRAGMENTS, "too_many_fragments")

enum sl_defrag_result {
#define SL_DEFRAG_ENUM(name, text) SL_DEFRAG_##name,
	SL_DEFRAG_REASONS(SL_DEFRAG_ENUM)
#undef SL_DEFRAG_ENUM
	SL_DEFRAG_REASON_COUNT
};

const char *sl_defrag_reason_name(int result);

/* Written by the owning worker only. */
struct sl_defrag_counters {
	uint64_t fragments;   /* fragments offered to sl_defrag_add() */
	uint64_t reassembled; /* datagrams completed */
	uint64_t overlaps;    /* fragments that overlapped held data (their overlap dropped) */
	uint64_t timeouts;    /* trackers expired before completing */
	uint64_t evicted;     /* trackers dropped to make room (pool or tracker table full) */
	uint64_t steps;       /* blocks visited to place fragments: the work done, for tests */
	uint64_t errors[SL_DEFRAG_REASON_COUNT]; /* per reason; [NEED_MORE], [COMPLETE] unused */
};

/* The largest unfragmentable part (IPv4 header with options; IPv6 header plus the extension
 * headers before the fragment header) a tracker keeps. */
#define SL_DEFRAG_HDR_MAX 256
/* Bytes of fragment data per pool block: 64 units of 8 bytes, one 64-bit word of coverage. */
#define SL_DEFRAG_BLOCK 512
/* Fragments one datagram may take (a 64 KiB datagram in 1280-byte IPv6 fragments needs 52;
 * even 8-byte pieces of a 4 KiB datagram fit). */
#define SL_DEFRAG_MAX_FRAGMENTS 1024

struct sl__defrag_tracker;

struct sl_defrag {
	struct sl__defrag_tracker *trk;
	uint32_t *bucket;       /* hash heads, index into trk, UINT32_MAX = empty */
	uint32_t nbuckets;      /* power of two */
	uint32_t max_trackers;
	uint32_t free_trk;      /* free list through trk[].hnext */
	uint32_t live;          /* trackers in use */
	uint32_t oldest, newest; /* age list, oldest first */

	uint8_t *pool;          /* nblocks * SL_DEFRAG_BLOCK bytes */
	uint64_t *cover;        /* per block: bit u set = bytes [8u, 8u + 8) of it are held */
	uint32_t *blk_next;     /* free list of blocks */
	uint32_t nblocks, free_blk, free_blocks;

	uint8_t *out;           /* the reassembled datagram, SL_DEFRAG_HDR_MAX + 65535 bytes */
	uint64_t timeout_ns;
	struct sl_defrag_counters ctr;
};

/* Allocate the tables: max_trackers trackers, pool_bytes of fragment data (rounded down to
 * whole blocks, at least one), trackers older than timeout_ns expire. 0 or -ENOMEM /
 * -EINVAL; on failure nothing stays allocated. */
int sl_defrag_init(struct sl_defrag *df, unsigned max_trackers, size_t pool_bytes,
                   uint64_t timeout_ns);
/* Free everything; accepts a zeroed or already finished struct. */
void sl_defrag_fini(struct sl_defrag *df);

/* Offer one decoded fragment (d->flags has SL_DECODE_F_FRAGMENT) seen at ts_ns. Expires old
 * trackers first. Returns:
 *   SL_DEFRAG_NEED_MORE  held, datagram not complete yet;
 *   SL_DEFRAG_COMPLETE   *out, *out_len: the whole datagram, starting at its IP header, with
 *                        lengths fixed up and no fragment header/flags left; decode it with
 *                        linktype SL_LINK_RAW. The bytes belong to df and stay valid until
 *                        the next sl_defrag_add() / sl_defrag_expire() / sl_defrag_fini();
 *   anything else        a reason, counted; *out is NULL.
 * VLAN ids are part of the datagram key, so fragments seen on two VLANs never mix. */
int sl_defrag_add(struct sl_defrag *df, const struct sl_decoded *d, uint64_t ts_ns,
                  const uint8_t **out, uint32_t *out_len);

/* Drop trackers older than the timeout at now_ns (counted in `timeouts`); returns how many.
 * Workers call it when idle; sl_defrag_add() calls it too. */
unsigned sl_defrag_expire(struct sl_defrag *df, uint64_t now_ns);

/* Bytes of the pool holding fragment data now. */
size_t sl_defrag_memory_in_use(const struct sl_defrag *df);

/* Consistency check for tests: block and tracker accounting add up. 0 or -EFAULT. */
int sl_defrag_validate(const struct sl_defrag *df);

#endif
