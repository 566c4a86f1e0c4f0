/* SPDX-License-Identifier: MIT */
/*
 * The on-shm layout of a ring: the header page other processes and monitors read, and the
 * record format. This file is the contract between every process that maps a ring; bump
 * SL__RING_VERSION whenever a byte of it moves.
 *
 *   file offset 0            header (struct sl__ring_hdr), padded to one page of the backing
 *   file offset data_off     data area, capacity bytes (a power of two)
 *
 * The data area is mapped twice back to back, so data[i & mask .. + len) is always contiguous.
 *
 * Invariants (indices are free-running uint64 byte counts, compared only by difference):
 *   1. tail <= head <= tail + capacity                  (as unsigned differences)
 *   2. every record starts at an 8-byte aligned index and takes SL_RING_SLOT_SIZE(len) bytes
 *   3. [tail, head) holds only whole committed records; the producer writes only in
 *      [head, tail + capacity), the consumer reads only in [tail, head)
 *   4. head is written only by the producer (release), tail only by the consumer (release)
 *   5. the file is complete (sized, space reserved, header written, the creator's producer
 *      lock held) before its name appears: it is made as an unnamed or hidden file and linked
 *
 * Neither side trusts what the other wrote: a consumer checks head and every record header
 * (ring.c, peek), an opener checks a local copy of the header (shm.c, check_header).
 */
#ifndef SLUICE_RING_LAYOUT_H
#define SLUICE_RING_LAYOUT_H

#include <assert.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define SL__RING_MAGIC 0x31474e4952554c53ULL /* "SLURING1" little-endian */
#define SL__RING_VERSION 2u
#define SL__CACHE_LINE 64
/* File offsets of the role locks (one byte each; a lock beyond the header bytes is fine). */
#define SL__LOCK_PRODUCER 0
#define SL__LOCK_CONSUMER 1
/* Two lines: adjacent-line prefetch pulls pairs of lines on x86. */
#define SL__LINE_PAIR 128

/* Record header, 8 bytes, in front of every payload. */
struct sl__rec_hdr {
	uint32_t len;
	uint16_t type;
	uint16_t flags; /* reserved, 0 */
};
static_assert(sizeof(struct sl__rec_hdr) == 8, "record header is 8 bytes");

struct sl__ring_hdr {
	/* Line group 0: identity, written once by the creator before anyone else maps the file. */
	alignas(SL__LINE_PAIR) uint64_t magic;
	uint32_t version;
	uint32_t hdr_size;      /* sizeof(struct sl__ring_hdr) */
	uint64_t capacity;      /* data bytes, power of two */
	uint64_t data_off;      /* file offset of the data area (one backing page) */
	uint64_t page_size;     /* 4096 or the huge page size */
	uint32_t backing;       /* enum sl_ring_backing */
	uint32_t flags;         /* SL_RING_FENCED (ring.h): the wake protocol, set at create */
	/* Peers. Who holds a role is an open-file-description lock (F_OFD_SETLK, F_WRLCK) on one
	 * byte of the ring file, SL__LOCK_PRODUCER or SL__LOCK_CONSUMER: the kernel drops it when
	 * the holder dies, whatever its pid namespace and however pids get reused. The fields below
	 * are written only by the role's holder: the pid is for display, attached says that the
	 * holder has not detached cleanly (so a clean close is seen without a syscall), gen counts
	 * attaches (a peer's cached liveness answer is for one generation). */
	_Atomic int32_t producer_pid;
	_Atomic int32_t consumer_pid;
	_Atomic uint32_t producer_attached; /* 1 from attach to close; a dead holder leaves 1 */
	_Atomic uint32_t consumer_attached;
	_Atomic uint32_t producer_gen;      /* producer attaches so far */
	_Atomic uint32_t consumer_gen;      /* consumer attaches so far */
	_Atomic uint32_t finished;          /* producer: 1 after sl_ring_finish (end of stream),
	                                       0 again when a new producer attaches */

	/* Producer line group: written only by the producer. */
	alignas(SL__LINE_PAIR) _Atomic uint64_t head; /* release in commit; acquire partner:
	                                                 peek / wait_readable in the consumer */
	_Atomic uint64_t records_in;  /* relaxed, producer-only */
	_Atomic uint64_t bytes_in;
	_Atomic uint64_t dropped;
	_Atomic uint64_t full_events;
	_Atomic uint64_t producer_waits;

	/* Consumer line group: written only by the consumer. */
	alignas(SL__LINE_PAIR) _Atomic uint64_t tail; /* release in release(); acquire partner:
	                                                 reserve / wait_writable in the producer */
	_Atomic uint64_t records_out; /* relaxed, consumer-only */
	_Atomic uint64_t bytes_out;
	_Atomic uint64_t consumer_waits;

	/* Sleep line: futex words and sleeper flags, touched only on the slow path. */
	alignas(SL__LINE_PAIR) _Atomic uint32_t data_seq;  /* consumer sleeps on it; producer bumps */
	_Atomic uint32_t cons_sleeping;                      /* set by the consumer before sleeping */
	alignas(SL__CACHE_LINE) _Atomic uint32_t space_seq;  /* producer sleeps on it; consumer bumps */
	_Atomic uint32_t prod_sleeping;                      /* set by the producer before sleeping */
};

static_assert(offsetof(struct sl__ring_hdr, head) % SL__LINE_PAIR == 0, "head on its own lines");
static_assert(offsetof(struct sl__ring_hdr, tail) - offsetof(struct sl__ring_hdr, head) >= SL__LINE_PAIR,
              "producer and consumer state on separate cache lines");
static_assert(offsetof(struct sl__ring_hdr, data_seq) - offsetof(struct sl__ring_hdr, tail) >= SL__LINE_PAIR,
              "consumer state apart from the sleep words");
static_assert(offsetof(struct sl__ring_hdr, space_seq) - offsetof(struct sl__ring_hdr, data_seq) >= SL__CACHE_LINE,
              "the two futex words on separate lines");
static_assert(offsetof(struct sl__ring_hdr, finished) < SL__LINE_PAIR, "identity and peers in line group 0");
static_assert(sizeof(struct sl__ring_hdr) <= 4096, "header fits the smallest page");
static_assert(sizeof(_Atomic uint64_t) == 8 && sizeof(_Atomic uint32_t) == 4,
              "atomics have the size of their type (the layout is shared across processes)");

#endif
