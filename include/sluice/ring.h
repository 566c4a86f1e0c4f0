/* SPDX-License-Identifier: MIT */
/*
 * libsluice_ring: a single-producer/single-consumer ring of variable-length records in shared
 * memory. It is how sluice's stages hand records to each other without a lock, a syscall or a
 * malloc per record, and how an external process feeds packets into sluiced. The library uses
 * libc only, never logs and never allocates after a ring is opened.
 *
 * Records are written in place: reserve a slot, fill it, commit (one commit may publish many
 * records); the consumer peeks a batch of records where they lie and releases them when done.
 * The data area is mapped twice, back to back, so every record is contiguous in memory however
 * it straddles the end of the buffer: no padding records, no split copies.
 *
 * Who may call what (one producer handle and one consumer handle per ring at a time):
 *
 *   function                      caller                          progress
 *   ----------------------------  ------------------------------  -------------------------------
 *   sl_ring_create / _open        any thread, once per role        may sleep (syscalls)
 *   sl_ring_reserve / _commit     the producer thread              wait-free
 *   sl_ring_trim / _count_drop    the producer thread              wait-free
 *   sl_ring_finish                the producer thread              wait-free (one futex wake)
 *   sl_ring_peek / _release       the consumer thread              wait-free
 *   sl_ring_wait_writable         the producer thread              blocking (spin, yield, futex)
 *   sl_ring_wait_readable         the consumer thread              blocking (spin, yield, futex)
 *   sl_ring_stats / _validate     any thread or process            wait-free, a racy snapshot
 *   sl_ring_close                 the thread that owns the handle  may sleep (munmap)
 *
 * An anonymous ring (name NULL) has one handle that is both producer and consumer: one thread
 * produces, one other thread consumes. A named ring is a file under /dev/shm (or a mounted
 * hugetlbfs) that other processes open by name; its header holds offsets, never pointers.
 *
 * Every function that can fail returns 0 or a negative errno value; nothing aborts.
 *
 * Peers of a named ring. A role (producer, consumer) is held with a lock on the ring file that
 * the kernel drops when the holder dies, so a dead peer is detected even after pid reuse or
 * across pid namespaces; a live one makes a second open of its role fail with -EBUSY. The
 * stream has two endings that a consumer tells apart:
 *   finish  sl_ring_finish(): the end of the stream. Once drained, wait_readable -EPIPE.
 *   detach  the producer closed without finishing, or died: a new producer may attach and
 *           go on where the last commit left off. Once drained, wait_readable -ENOTCONN;
 *           a consumer that follows restarts waits again (each call returns -ENOTCONN at
 *           once while no producer is attached, so poll, e.g. every 100 ms).
 * A producer whose ring is full and whose consumer went away (closed or died) gets -EPIPE from
 * wait_writable: nobody will make room until another consumer attaches.
 * A handle belongs to the process that opened it. A forked child that inherited one may only
 * close it (which unmaps it and nothing else): it cannot finish the stream or free the role.
 * Neither side trusts the other: see peek for what a consumer checks.
 *
 * Waiting is exact: a commit (release) wakes a sleeping peer with no missed-wake window, so an
 * idle waiter sleeps on the futex without a cap; on a named ring it looks at its peer's lock
 * at most every 100 ms (about 20 syscalls a second when idle).
 *
 * Where named rings live: $SLUICE_SHM_DIR (default /dev/shm) for normal shared memory, and
 * $SLUICE_HUGETLBFS (default: the first hugetlbfs in /proc/mounts) for huge pages. Files are
 * called "sluice.<name>".
 */
#ifndef SLUICE_RING_H
#define SLUICE_RING_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sl_ring sl_ring;

enum sl_ring_role {
	SL_RING_PRODUCER = 1,
	SL_RING_CONSUMER = 2,
	SL_RING_MONITOR = 4, /* read-only view for stats and validate; takes no role */
};
enum sl_hugepages { SL_HUGEPAGES_AUTO = 0, SL_HUGEPAGES_REQUIRE, SL_HUGEPAGES_NEVER };

/* What the ring's memory actually is; sl_ring_stats() reports it. */
enum sl_ring_backing {
	SL_RING_BACKING_SHM = 1,     /* a named ring in /dev/shm (THP advised) */
	SL_RING_BACKING_HUGETLBFS,   /* a named ring in a mounted hugetlbfs */
	SL_RING_BACKING_ANONYMOUS,   /* an anonymous ring in a memfd (THP advised) */
	SL_RING_BACKING_ANON_HUGE,   /* an anonymous ring in a memfd with MFD_HUGETLB */
};

struct sl_ring_config {
	size_t capacity;        /* data bytes; rounded up to a power of two / page size      */
	enum sl_hugepages huge; /* AUTO: hugepages when the system has them, else normal shm */
	unsigned mode;          /* permissions of a named ring; 0 means 0600                 */
	unsigned flags;         /* SL_RING_FENCED, or 0                                      */
};

/* The wake protocol a ring uses, for its whole life (every process that opens it follows it).
 * Either way no wake is ever missed; they differ in who pays for it.
 *   0 (default)     commit and release store their index with release order only; a side about
 *                   to sleep pays instead, with membarrier(GLOBAL_EXPEDITED): an IPI to every CPU
 *                   running a thread of a process that uses rings. Best when the sides stream at
 *                   full rate and seldom sleep. (A kernel without membarrier: as FENCED.)
 *   SL_RING_FENCED  every commit and every release is one locked store; sleeping costs nothing
 *                   more. Best when the sides sleep often, e.g. pipeline stages sharing CPUs. */
#define SL_RING_FENCED 1u

/* One record as the consumer sees it: data points into ring memory and stays valid until the
 * record is released. data is 8-byte aligned. */
struct sl_rec {
	const void *data;
	uint32_t len;
	uint16_t type;
};

struct sl_ring_stats {
	uint64_t capacity;        /* data bytes */
	uint64_t used;            /* bytes committed and not yet released, headers included */
	uint64_t records_in, bytes_in;   /* committed by the producer (payload bytes) */
	uint64_t records_out, bytes_out; /* released by the consumer */
	uint64_t dropped;         /* records the producer gave up on (sl_ring_count_drop) */
	uint64_t full_events;     /* times a reserve found the ring full after it had fitted */
	uint64_t producer_waits;  /* times the producer slept on the futex */
	uint64_t consumer_waits;  /* times the consumer slept on the futex */
	enum sl_ring_backing backing;
	size_t page_size;         /* of the backing: 4096 or the huge page size */
	int32_t producer_pid;     /* for display: the pid that attached (0: none attached), as
	                             that process saw it (pid namespaces differ) */
	int32_t consumer_pid;
	int producer_alive;       /* 1 while a producer holds the role (its lock is held) */
	int consumer_alive;
	int finished;             /* 1 after sl_ring_finish, until a new producer attaches */
	uint32_t producer_attaches; /* how many times a producer attached (restarts + 1) */
	uint32_t consumer_attaches;
};

/* Largest capacity a ring may have (the data area is mapped twice). */
#define SL_RING_CAPACITY_MAX ((size_t)1 << 32)
/* Longest ring name, without the terminating NUL. */
#define SL_RING_NAME_MAX 200
/* Bytes of ring memory one record of len payload bytes takes: an 8-byte header, the payload
 * rounded up to 8. */
#define SL_RING_SLOT_SIZE(len) (8u + (((uint64_t)(len) + 7u) & ~(uint64_t)7u))

/* name NULL: an anonymous ring for threads of one process. Otherwise a named ring that other
 * processes open. All functions return 0 or a negative errno value; nothing aborts.
 *   -EINVAL        zero or absurd capacity, a name that is empty or contains '/'
 *   -ENAMETOOLONG  a name longer than SL_RING_NAME_MAX
 *   -EEXIST        a named ring of that name exists (sl_ring_unlink it first)
 *   -ENOSPC        the file system (e.g. /dev/shm) has no room for the ring: its pages are
 *                  reserved at create, so running out is never a SIGBUS later
 *   -ENOMEM        SL_HUGEPAGES_REQUIRE and no huge pages can be had, or no memory
 * A named ring's file appears under its name only once it is complete (sized, reserved,
 * header written, the creator's producer role held). The creator is its producer. */
int sl_ring_create(const char *name, const struct sl_ring_config *cfg, sl_ring **out);
/*   -ENOENT        no ring of that name
 *   -EPROTO        a file of that name that is not a ring (bad magic or size)
 *   -EPROTONOSUPPORT  a ring of another layout version
 *   -EBUSY         a live process (or another handle of this one) already holds that role */
int sl_ring_open(const char *name, enum sl_ring_role role, sl_ring **out);
/* Unmaps the ring and gives up the handle's role, without finishing the stream (a producer
 * that closes has detached: call sl_ring_finish first to end the stream). In a process that
 * did not open the handle (a forked child), only unmaps. NULL is fine. */
void sl_ring_close(sl_ring *r);
int sl_ring_unlink(const char *name);

/* producer: reserve, fill, commit (one commit may publish many records).
 * reserve returns a pointer to len writable bytes, 8-byte aligned, or NULL with errno
 * EAGAIN (ring full for now) or EMSGSIZE (the record can never fit). */
void *sl_ring_reserve(sl_ring *r, uint16_t type, uint32_t len);
/* Shrink the most recently reserved, not yet committed record to len bytes (len no larger
 * than reserved): capture reserves a snap length and keeps what the packet had. */
void sl_ring_trim(sl_ring *r, uint32_t len);
void sl_ring_commit(sl_ring *r);
/* The producer gave up on n records (drop policy): counted in the shared header so any
 * monitor sees it. */
void sl_ring_count_drop(sl_ring *r, uint64_t n);
/* The producer will write no more (end of stream): once the consumer has read everything,
 * sl_ring_wait_readable() returns -EPIPE. A new producer opening the ring clears it. Does
 * nothing when called from a process that did not open the handle. */
void sl_ring_finish(sl_ring *r);

/* consumer: peek a batch in place, then release it. peek returns how many records it wrote
 * to recs (0: empty); calling it again without a release returns the same records first.
 * release(n) frees the first n records peeked.
 * The producer of a named ring is another process and is not trusted: peek checks the shared
 * head against tail + capacity and reads each record header once, checking its length against
 * what was committed. A bad one marks the ring corrupt for good: peek returns 0,
 * sl_ring_wait_readable() returns -EPROTO and sl_ring_validate() says why. No record peek
 * returns ever lies outside the ring's memory. */
size_t sl_ring_peek(sl_ring *r, struct sl_rec *recs, size_t max);
void sl_ring_release(sl_ring *r, size_t n);

/* waiting without burning a core: spin, then yield, then sleep on a futex in the shared page.
 * timeout_ms < 0 waits forever, 0 checks once. Return 0 when the condition holds, or
 *   -ETIMEDOUT  not yet
 *   -EMSGSIZE   (writable) len can never fit
 *   -EPIPE      (readable) the ring is empty and its producer finished it (sl_ring_finish)
 *               (writable) the ring is full and the consumer that was attached went away
 *               (closed or died); a producer that never had a consumer just waits
 *   -ENOTCONN   (readable) the ring is empty and no producer is attached: it detached
 *               (closed without finishing) or died. A new producer may attach.
 *   -EPROTO     (readable) the ring is corrupt, see peek */
int sl_ring_wait_readable(sl_ring *r, int timeout_ms);
int sl_ring_wait_writable(sl_ring *r, uint32_t len, int timeout_ms);

/* A snapshot of the header: capacity, used, counters, backing, peers. */
int sl_ring_stats(const sl_ring *r, struct sl_ring_stats *st);
/* Checks the header and indices for consistency; 0 or -EPROTO with a reason in errbuf. */
int sl_ring_validate(const sl_ring *r, char *errbuf, size_t errlen);

/* The largest payload a record may have in this ring. */
uint32_t sl_ring_max_record(const sl_ring *r);
const char *sl_ring_backing_name(enum sl_ring_backing b);

#ifdef __cplusplus
}
#endif
#endif /* SLUICE_RING_H */
