/* SPDX-License-Identifier: MIT */
/*
 * The spool: where a sink puts what it cannot deliver now, to send it later, in order, also
 * after a restart. One directory per sink, holding append-only segment files and a cursor.
 *
 * Segment file NNNNNNNNNNNNNNNNNNNN.seg (the sequence number, 20 decimal digits, so names sort):
 *   header  16 bytes: "SLSPOOL1" (8), sequence (u64, little endian)
 *   record  len (u32 LE) | crc (u32 LE) | len payload bytes
 *           crc = CRC32C over the 4 length bytes then the payload, so a flipped length is caught
 *           like a flipped payload byte.
 * A segment is only ever appended to by the process that created it; a restarted process starts
 * a new one, so a torn tail left by a crash is never written after.
 *
 * cursor (24 bytes, replaced by rename): "SLCURSR1" (8), segment sequence (u64 LE), offset of
 * the next record to replay (u32 LE), CRC32C of the 20 bytes before it (u32 LE). Written at the
 * fsync cadence, so after a crash at most the records replayed since the last sync are replayed
 * again (at-least-once; the sink's duplicate accounting counts them).
 *
 * lock (empty): flock'ed by the process that has the spool open; a second one is refused
 * (-EBUSY), so two processes never replay the same records or unlink each other's segments.
 *
 * What the reader does with bad bytes (the segment reader, sl_spool_seg_next, is fuzzed):
 *   a length or payload that runs past the end of the file: a torn tail, counted, the rest of
 *   the segment skipped; a CRC mismatch or a length over the maximum: a corrupt record, counted,
 *   and the rest of that segment skipped (a length that fails its CRC cannot be trusted to find
 *   the next record; segments are small so the loss is bounded and counted in records-unknown
 *   bytes). Never a hang: every step moves forward or ends the segment.
 *
 * Not thread safe: one spool belongs to one sink thread. No malloc per record: appends go
 * through a write buffer, replay reads a whole segment into one buffer.
 */
#ifndef SLUICE_SPOOL_H
#define SLUICE_SPOOL_H

#include <stddef.h>
#include <stdint.h>

enum sl_spool_policy {
	SL_SPOOL_BLOCK = 0,   /* at the bound append says -EAGAIN: the sink keeps the record */
	SL_SPOOL_DROP_OLDEST, /* whole oldest segments are dropped to make room (counted) */
	SL_SPOOL_DROP_NEWEST, /* the record offered is dropped (counted) */
};

struct sl_spool_conf {
	const char *dir;          /* created if missing (one level) */
	uint64_t max_bytes;       /* bound on the segment files' total size */
	uint64_t segment_bytes;   /* a segment is closed once it reaches this size */
	uint32_t max_record;      /* largest record accepted (and believed when reading) */
	uint32_t fsync_records;   /* fsync after this many appended records; 0: only by time */
	uint64_t fsync_ns;        /* and at least this often (sl_spool_tick); 0: never by time */
	enum sl_spool_policy policy;
};

/* Counted by the spool; the sink adds them to its ledger row. */
struct sl_spool_stats {
	uint64_t appended;        /* records written (this run) */
	uint64_t recovered;       /* records found waiting at open (from an earlier run) */
	uint64_t replayed;        /* records consumed by the sink after it delivered them */
	uint64_t dropped_oldest;  /* records dropped with their segment at the bound or disk full */
	uint64_t dropped_newest;  /* records refused at the bound or disk full */
	uint64_t blocked;         /* appends refused with -EAGAIN (policy block) */
	uint64_t torn;            /* torn tails found (one per segment) */
	uint64_t corrupt;         /* corrupt records found (one per segment, the rest skipped) */
	uint64_t skipped_bytes;   /* bytes given up behind a torn tail or a corrupt record */
	uint64_t disk_full;       /* writes that failed with ENOSPC (or EDQUOT) */
	uint64_t io_errors;       /* other failed writes, reads, fsyncs */
	uint64_t lost;            /* records counted waiting that could not be read back (file gone or changed) */
	uint64_t fsyncs;
	uint64_t pending;         /* records waiting now */
	uint64_t bytes;           /* bytes of segment files now */
};

struct sl_spool;

/* 0, or -errno with a message naming the file in err. */
int sl_spool_open(struct sl_spool **out, const struct sl_spool_conf *conf, char *err, size_t errlen);
/* Syncs and writes the cursor; frees. */
void sl_spool_close(struct sl_spool *sp);

/* 0: appended. 1: dropped by policy drop-newest (counted). -EAGAIN: at the bound with policy
 * block, or the disk is full with policy block (nothing written, the caller keeps it). -E2BIG:
 * longer than max_record. -EIO: the write failed otherwise (counted). */
int sl_spool_append(struct sl_spool *sp, const void *rec, uint32_t len);
/* The next record to replay, valid until the next call on the spool: 0, or -ENOENT when the
 * spool is empty. */
int sl_spool_peek(struct sl_spool *sp, const void **rec, uint32_t *len);
/* After sl_spool_peek: the record after the last one peeked, in the same segment (valid like
 * peek's, and the earlier ones stay valid too): 0, or -ENOENT at the segment's end. */
int sl_spool_peek_more(struct sl_spool *sp, const void **rec, uint32_t *len);
/* The records peek (and peek_more) gave have been delivered: move past them (counted replayed). */
void sl_spool_consume(struct sl_spool *sp);
/* Read-ahead, for a sink that keeps many spooled records in flight (Kafka): the record after
 * those already read ahead (the first one is peek's), without consuming it; valid until the
 * spool's segment changes. 0, or -ENOENT when nothing more can be read ahead now (the spool is
 * empty, or the rest is in the next segment: consume what was read ahead first). Records read
 * ahead are consumed in order, oldest first, by sl_spool_consume, one per call. */
int sl_spool_ahead(struct sl_spool *sp, const void **rec, uint32_t *len);
/* Forget the read-ahead: the next sl_spool_ahead starts again at the oldest unconsumed record. */
void sl_spool_rewind(struct sl_spool *sp);
/* Changes whenever records read ahead were dropped under the reader (drop-oldest, a lost
 * segment): a sink compares it to know that acknowledgements in flight no longer match. */
uint64_t sl_spool_epoch(const struct sl_spool *sp);
/* fsync (data and cursor) if the cadence says so; call from the sink's tick. */
int sl_spool_tick(struct sl_spool *sp, uint64_t now_ns);
/* fsync now. */
int sl_spool_sync(struct sl_spool *sp);
const struct sl_spool_stats *sl_spool_stats(const struct sl_spool *sp);
/* Tests: give up the directory's lock as a crashed process would. */
void sl__spool_drop_lock(struct sl_spool *sp);

/* The segment reader, on bytes in memory (a whole segment file). */
enum sl_spool_read {
	SL_SPOOL_REC = 0,   /* a record at *off: *rec, *len; *off moved past it */
	SL_SPOOL_END,       /* clean end */
	SL_SPOOL_TORN,      /* the bytes end inside a record */
	SL_SPOOL_CORRUPT,   /* CRC mismatch or length over max */
};
#define SL_SPOOL_SEG_HDR 16u
#define SL_SPOOL_REC_HDR 8u
/* Checks the header; 0 or -1. */
int sl_spool_seg_header(const uint8_t *buf, size_t n, uint64_t *seq);
enum sl_spool_read sl_spool_seg_next(const uint8_t *buf, size_t n, size_t *off, uint32_t max_record,
                                     const uint8_t **rec, uint32_t *len);

uint32_t sl_crc32c(uint32_t crc, const void *data, size_t n);

#endif
