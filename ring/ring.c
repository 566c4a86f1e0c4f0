/* SPDX-License-Identifier: MIT */
/*
 * The ring's hot path: reserve/commit for the producer, peek/release for the consumer, and the
 * waits. Nothing here allocates, logs or makes a syscall unless a side is about to sleep or must
 * wake a sleeper.
 *
 * Memory ordering, in pairs:
 *   commit:   store-release hdr->head   <->  peek / readable:   load-acquire hdr->head
 *             (the consumer that sees the new head sees the record bytes written before it)
 *   release:  store-release hdr->tail   <->  reserve / writable: load-acquire hdr->tail
 *             (the producer that sees the new tail may overwrite what the consumer has read)
 *
 * Sleeping (consumer side; the producer side is the mirror image with space_seq and tail):
 *
 *     consumer (wait_slow)                   producer (commit)
 *     seq = data_seq                         store head            (seq_cst, or see below)
 *     cons_sleeping = 1; fence; membarrier   if (load cons_sleeping (seq_cst))
 *     if (head moved) return                         { cons_sleeping = 0; data_seq++; FUTEX_WAKE }
 *     FUTEX_WAIT(data_seq, seq, timeout)
 *
 * This is Dekker's pattern: with the store of head and the load of the flag both seq_cst, and a
 * seq_cst fence between the consumer's store of the flag and its load of head, either the
 * consumer sees the new head or the producer sees the flag. No wake is ever missed, so a sleep
 * needs no cap: an anonymous ring sleeps until woken or the caller's timeout. The price is one
 * locked instruction per commit and per release, not per record: commits are batched.
 *
 * Where the kernel allows it, the fence moves to the side that sleeps. A locked store of an index
 * waits for that index's line to come back whenever the peer has just read it, which a peer
 * polling a full or empty ring does all the time: at 8-byte records that halved the burst rate
 * and cut one-record commits to a fifth (bench/RESULTS.md). So a side whose process registered
 * for membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED) at attach (p_asym, c_asym) stores its index
 * with plain release order and keeps only a compiler barrier before its load of the peer's
 * sleeping flag; a side about to sleep runs membarrier(GLOBAL_EXPEDITED) between raising its
 * flag and re-reading the index, which puts the missing full barrier on every thread of every
 * registered process. Either way one side sees the other: still no missed wake. Without
 * membarrier a side falls back to the seq_cst store; the sleeper's call then fails harmlessly.
 * A ring created with SL_RING_FENCED never takes this road: both sides use the seq_cst store and
 * the sleeper makes no membarrier call (for rings whose sides sleep often, where an IPI per
 * sleep costs more than a locked store per commit: sluiced's own stages, bench/RESULTS.md).
 *
 * A named ring's peer is another process that may die without a word. The waiter checks it at
 * most every SL__LIVENESS_NS (100 ms): the futex sleep has that timeout, and the check is the
 * shared attached flag (no syscall) and then one fcntl(F_OFD_GETLK) on the peer's role lock.
 * Idle, a named consumer makes about 20 syscalls a second; a clean detach or finish wakes it
 * at once.
 *
 * A corrupt ring (peek found a bad head or record header) stays corrupt: peek returns 0 and
 * wait_readable -EPROTO.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <linux/membarrier.h>
#include <sched.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "ring_impl.h"

#define SL__SPINS 128
#define SL__YIELDS 4
/* How far ahead of its walk peek prefetches committed data: a few core-to-core latencies' worth
 * of records at full speed (bench/RESULTS.md: 2-16 KiB measured alike at 256 B; 4 KiB covers
 * far placement, whose transfers take several times longer, without flooding L1). */
#define SL__PREFETCH_AHEAD 4096u

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#endif
}

/* ---- producer ------------------------------------------------------------------------- */

/* The slow half of reserve: the cached tail says the record may not fit. */
static void *reserve_slow(sl_ring *r, uint16_t type, uint32_t len)
{
	uint64_t slot = SL_RING_SLOT_SIZE(len);
	uint64_t pos = r->p_head;

	if (slot > r->cap) {
		errno = EMSGSIZE;
		return NULL;
	}
	/* acquire: pairs with the consumer's store-release of tail in sl_ring_release() */
	r->p_tail_cache = atomic_load_explicit(&r->hdr->tail, memory_order_acquire);
	if (pos + slot - r->p_tail_cache > r->cap) {
		if (!r->p_full) {
			r->p_full = 1;
			atomic_store_explicit(&r->hdr->full_events,
			        atomic_load_explicit(&r->hdr->full_events, memory_order_relaxed) + 1,
			        memory_order_relaxed);
		}
		errno = EAGAIN;
		return NULL;
	}
	r->p_full = 0;
	return sl_ring_reserve(r, type, len);
}

void *sl_ring_reserve(sl_ring *r, uint16_t type, uint32_t len)
{
	uint64_t slot = SL_RING_SLOT_SIZE(len);
	uint64_t pos = r->p_head;

	/* One test covers both "full for now" and "never fits" (slot > cap makes it true whatever
	 * the indices, as pos - tail <= cap). */
	if (SL__UNLIKELY(pos + slot - r->p_tail_cache > r->cap))
		return reserve_slow(r, type, len);

	/* the header in one 8-byte store */
	struct sl__rec_hdr h = { .len = len, .type = type, .flags = 0 };
	uint8_t *p = r->data + (pos & r->mask);
	memcpy(p, &h, sizeof h);
	r->p_last = pos;
	r->p_head = pos + slot;
	r->p_records++;
	r->p_bytes += len;
	return p + sizeof h;
}

void sl_ring_trim(sl_ring *r, uint32_t len)
{
	struct sl__rec_hdr *h = (struct sl__rec_hdr *)(r->data + (r->p_last & r->mask));

	if (r->p_last == r->p_head || len >= h->len)
		return;
	r->p_bytes -= h->len - len;
	h->len = len;
	r->p_head = r->p_last + SL_RING_SLOT_SIZE(len);
}

static void wake(_Atomic uint32_t *seq, _Atomic uint32_t *sleeping)
{
	atomic_store_explicit(sleeping, 0, memory_order_relaxed);
	/* release: a waiter whose FUTEX_WAIT fails on the new value sees what came before it */
	atomic_fetch_add_explicit(seq, 1, memory_order_release);
	syscall(SYS_futex, (uint32_t *)seq, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

/* Wake the other side unconditionally: finish, detach and close must be seen at once. */
void sl__ring_wake(_Atomic uint32_t *seq)
{
	atomic_fetch_add_explicit(seq, 1, memory_order_release);
	syscall(SYS_futex, (uint32_t *)seq, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

void sl_ring_commit(sl_ring *r)
{
	struct sl__ring_hdr *h = r->hdr;

	if (r->p_head == r->p_pub)
		return;
	atomic_store_explicit(&h->records_in, r->p_records, memory_order_relaxed);
	atomic_store_explicit(&h->bytes_in, r->p_bytes, memory_order_relaxed);
	if (SL__LIKELY(r->p_asym)) {
		/* release: pairs with the consumer's load-acquire of head in peek / wait_readable.
		 * The full barrier before the cons_sleeping check comes from a consumer about to
		 * sleep (membarrier in wait_slow), as in sl_ring_release; a locked store here cost a
		 * round trip per commit while the consumer polls head (one record a commit at 8 B:
		 * 10 M/s instead of ~50). */
		atomic_store_explicit(&h->head, r->p_head, memory_order_release);
		atomic_signal_fence(memory_order_seq_cst);
	} else {
		/* seq_cst (a release and more): pairs with the consumer's load-acquire of head in
		 * peek / wait_readable, and with the fence in wait_slow for the check below */
		atomic_store_explicit(&h->head, r->p_head, memory_order_seq_cst);
	}
	r->p_pub = r->p_head;
	r->p_last = r->p_head; /* nothing left to trim */
	if (SL__UNLIKELY(atomic_load_explicit(&h->cons_sleeping, memory_order_seq_cst)))
		wake(&h->data_seq, &h->cons_sleeping);
}

void sl_ring_count_drop(sl_ring *r, uint64_t n)
{
	atomic_store_explicit(&r->hdr->dropped,
	        atomic_load_explicit(&r->hdr->dropped, memory_order_relaxed) + n, memory_order_relaxed);
}

void sl_ring_finish(sl_ring *r)
{
	/* Only the process holding the producer role ends its stream (not a forked child). */
	if (r == NULL || !(r->roles & SL_RING_PRODUCER) || r->owner != (int32_t)getpid())
		return;
	/* release: a consumer that sees finished sees every head stored before it */
	atomic_store_explicit(&r->hdr->finished, 1, memory_order_release);
	sl__ring_wake(&r->hdr->data_seq);
}

/* ---- consumer ------------------------------------------------------------------------- */

/* Mark the ring corrupt (sticky): from now on peek returns 0 and wait_readable -EPROTO.
 * The values are kept for sl_ring_validate() to say why. Cold, out of line. */
__attribute__((cold, noinline)) static void corrupt(sl_ring *r, int why, uint64_t pos, uint64_t head,
                                                    uint32_t len)
{
	if (r->c_corrupt)
		return;
	r->c_corrupt = why;
	r->c_bad_pos = pos;
	r->c_bad_head = head;
	r->c_bad_len = len;
}

/* The shared head, checked before the consumer believes it: the producer process is untrusted.
 * A head more than capacity ahead of the tail, one that moved back (behind the head seen
 * before, so possibly behind records already handed out), or one not 8-byte aligned marks the
 * ring corrupt and leaves the cached head where it was (nothing new to read). */
static inline uint64_t load_head(sl_ring *r)
{
	/* acquire: pairs with the producer's store-release of head in sl_ring_commit() */
	uint64_t head = atomic_load_explicit(&r->hdr->head, memory_order_acquire);
	uint64_t ahead = head - r->c_tail;

	if (SL__UNLIKELY(ahead > r->cap || ahead < r->c_head_cache - r->c_tail || (head & 7) != 0)) {
		corrupt(r, SL__CORRUPT_HEAD, r->c_tail, head, 0);
		return r->c_head_cache;
	}
	r->c_head_cache = head;
	return head;
}

/* One record header, read from shared memory exactly once: a single 8-byte load (headers are
 * 8-byte aligned) into a local, so a producer rewriting it meanwhile cannot make the checks and
 * the use see different lengths. */
static inline struct sl__rec_hdr read_hdr_at(const uint8_t *p)
{
	uint64_t w = __atomic_load_n((const uint64_t *)(const void *)p, __ATOMIC_RELAXED);
	struct sl__rec_hdr h;

	memcpy(&h, &w, sizeof h);
	return h;
}

static inline struct sl__rec_hdr read_rec_hdr(const sl_ring *r, uint64_t pos)
{
	return read_hdr_at(r->data + (pos & r->mask));
}

/* Walks the committed records at base + [*offp, avail) into recs[n..max), base being the
 * consumer's tail in the first mapping and avail = head - tail. 0 when a header is bad (the ring
 * is then marked corrupt), else the new count.
 *
 * Finding record i+1 means reading record i's header, so a plain walk is a chain of cache misses
 * to lines the producer's core has just written, one core-to-core transfer after the other (on
 * the Intel hosts that capped 256-byte records at ~16 M/s whatever the copy did). So the walk
 * keeps a prefetch front SL__PREFETCH_AHEAD bytes ahead of itself: the transfers for the next
 * headers and payloads are in flight together, and the caller's copy of the batch finds them in
 * cache. The front never passes head: those lines are published, and the producer writes none of
 * them again before they are released. c_pf remembers the front between peeks.
 *
 * Invariant: c_tail <= tail + off <= head <= c_tail + cap (head was checked by load_head), and
 * the data area is mapped twice back to back, so the walk runs on from base without wrapping:
 * every record that fits avail - off lies inside the two mappings. Everything is in locals so
 * that the stores to recs[] do not make the compiler reload the handle for every record. */
static inline size_t walk(sl_ring *r, struct sl_rec *recs, size_t n, size_t max, const uint8_t *base,
                          uint64_t *offp, uint64_t avail, uint64_t *bytesp)
{
	uint64_t off = *offp, bytes = *bytesp;
	uint64_t pf = r->c_pf - r->c_tail;                /* the front, relative to the tail */

	/* Behind the walk, or far beyond head (released past: the difference wrapped), it says
	 * nothing: start at the walk. Up to a line past head is the last front, all lines asked for. */
	if (pf < off || pf > avail + SL__CACHE_LINE)
		pf = off;
	while (n < max && off != avail) {
		/* Per record only a compare: small records cross a line every few records. */
		if (SL__UNLIKELY(off + SL__PREFETCH_AHEAD > pf) && pf < avail) {
			uint64_t front = avail - off > SL__PREFETCH_AHEAD ? off + SL__PREFETCH_AHEAD : avail;
			do
				__builtin_prefetch(base + pf, 0, 3);
			while ((pf += SL__CACHE_LINE) < front);
		}

		uint64_t w = __atomic_load_n((const uint64_t *)(const void *)(base + off), __ATOMIC_RELAXED);
		struct sl__rec_hdr h;
		memcpy(&h, &w, sizeof h); /* read once, in one load: the producer may scribble on it */
		uint64_t slot = ((uint64_t)h.len + 15) & ~(uint64_t)7; /* SL_RING_SLOT_SIZE, in two ops */

		if (SL__UNLIKELY(slot > avail - off)) {
			/* A header that overruns what was committed: the producer's memory was
			 * scribbled on. sl_ring_validate() says why. */
			corrupt(r, SL__CORRUPT_RECORD, r->c_tail + off, r->c_tail + avail, h.len);
			return 0;
		}
		recs[n].data = base + off + sizeof h;
		/* len and type in one store: the header's first six bytes are laid out as sl_rec's
		 * len and type (asserted below); its flags land in sl_rec's padding. */
		memcpy((char *)&recs[n] + offsetof(struct sl_rec, len), &w, sizeof w);
		bytes += h.len;
		off += slot;
		n++;
	}
	r->c_pf = r->c_tail + pf;
	*offp = off;
	*bytesp = bytes;
	return n;
}
static_assert(offsetof(struct sl_rec, len) == 8 && offsetof(struct sl_rec, type) == 12 &&
              sizeof(struct sl_rec) == 16 && offsetof(struct sl__rec_hdr, type) == 4,
              "a record header's len and type are an sl_rec's, in order, with room for flags");

size_t sl_ring_peek(sl_ring *r, struct sl_rec *recs, size_t max)
{
	const uint8_t *base = r->data + (r->c_tail & r->mask);
	uint64_t avail = r->c_head_cache - r->c_tail;
	uint64_t off = 0, bytes = 0;
	size_t n = 0;

	if (SL__UNLIKELY(r->c_corrupt))
		return 0;
	if (avail != 0)
		n = walk(r, recs, 0, max, base, &off, avail, &bytes);
	if (n < max && !r->c_corrupt) {
		/* the cached head is used up: only now look at the producer's line */
		uint64_t head = load_head(r);
		if (head - r->c_tail != avail)
			n = walk(r, recs, n, max, base, &off, head - r->c_tail, &bytes);
	}
	if (SL__UNLIKELY(r->c_corrupt)) {
		n = 0; /* nothing of a corrupt ring is handed out, not even the records before */
		off = 0;
		bytes = 0;
	}
	r->c_peek_end = r->c_tail + off;
	r->c_peek_n = n;
	r->c_peek_bytes = bytes;
	return n;
}

void sl_ring_release(sl_ring *r, size_t n)
{
	struct sl__ring_hdr *h = r->hdr;
	uint64_t pos, bytes;

	if (n == 0)
		return;
	if (n == r->c_peek_n) {
		pos = r->c_peek_end;
		bytes = r->c_peek_bytes;
	} else {
		if (n > r->c_peek_n)
			n = r->c_peek_n;
		pos = r->c_tail;
		bytes = 0;
		/* Walk the headers again: peek checked them, but the producer may have rewritten one
		 * since, so each must still fit what peek saw. */
		for (size_t i = 0; i < n; i++) {
			struct sl__rec_hdr rh = read_rec_hdr(r, pos);
			uint64_t slot = SL_RING_SLOT_SIZE(rh.len);
			if (SL__UNLIKELY(slot > r->c_peek_end - pos)) {
				corrupt(r, SL__CORRUPT_RECORD, pos, r->c_peek_end, rh.len);
				r->c_peek_n = 0;
				return;
			}
			bytes += rh.len;
			pos += slot;
		}
	}
	r->c_tail = pos;
	r->c_peek_n = 0;
	r->c_records += n;
	r->c_bytes += bytes;
	atomic_store_explicit(&h->records_out, r->c_records, memory_order_relaxed);
	atomic_store_explicit(&h->bytes_out, r->c_bytes, memory_order_relaxed);
	if (SL__LIKELY(r->c_asym)) {
		/* release: pairs with the producer's load-acquire of tail in reserve / wait_writable.
		 * No fence before the prod_sleeping check below: a producer about to sleep raises the
		 * flag and then runs membarrier(GLOBAL_EXPEDITED) before it looks at tail again, which
		 * puts a full barrier on this thread (its process registered at attach), so either it
		 * sees this tail or this load sees its flag. A seq_cst store here cost a core-to-core
		 * round trip on every release while the producer polls tail (8 B records: half the
		 * rate, and 256 B fell to 18 M/s in some code layouts; bench/RESULTS.md). */
		atomic_store_explicit(&h->tail, pos, memory_order_release);
		atomic_signal_fence(memory_order_seq_cst);
	} else {
		/* seq_cst (a release and more): pairs with the producer's load-acquire of tail in
		 * reserve / wait_writable, and with the fence in wait_slow for the check below */
		atomic_store_explicit(&h->tail, pos, memory_order_seq_cst);
	}
	if (SL__UNLIKELY(atomic_load_explicit(&h->prod_sleeping, memory_order_seq_cst)))
		wake(&h->space_seq, &h->prod_sleeping);
}

/* 1 once this process is registered for MEMBARRIER_CMD_GLOBAL_EXPEDITED, which lets a producer
 * anywhere put a full barrier on its threads (sl_ring_release relies on it); 0 when the kernel
 * cannot, and the consumer then fences itself. Asked once per process. */
int sl__membarrier_ready(void)
{
	static _Atomic int state; /* 0 not asked yet, 1 registered, -1 not available */
	int st = atomic_load_explicit(&state, memory_order_acquire);

	if (st == 0) {
		long q = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
		st = q >= 0 && (q & MEMBARRIER_CMD_GLOBAL_EXPEDITED) &&
		     syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED, 0, 0) == 0 ? 1 : -1;
		atomic_store_explicit(&state, st, memory_order_release);
	}
	return st > 0;
}

/* ---- waiting -------------------------------------------------------------------------- */

/* 1 when there is something to read or the ring is corrupt (the waits then say -EPROTO). */
static int readable(sl_ring *r)
{
	if (r->c_tail != r->c_head_cache || r->c_corrupt)
		return 1;
	return load_head(r) != r->c_tail || r->c_corrupt;
}

static int writable(sl_ring *r, uint64_t slot)
{
	if (r->p_head + slot - r->p_tail_cache <= r->cap)
		return 1;
	r->p_tail_cache = atomic_load_explicit(&r->hdr->tail, memory_order_acquire);
	return r->p_head + slot - r->p_tail_cache <= r->cap;
}

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Is the peer holding role (the other side) there? The attached flag answers a clean detach
 * for free; a holder that died leaves it set, so then the role lock is probed, at most every
 * SL__LIVENESS_NS per generation of the peer. An anonymous ring's peer is this process. */
static int peer_present(sl_ring *r, unsigned role)
{
	const struct sl__ring_hdr *h = r->hdr;
	int producer = role == SL_RING_PRODUCER;

	if (r->fd < 0)
		return 1;
	if (!atomic_load_explicit(producer ? &h->producer_attached : &h->consumer_attached, memory_order_acquire))
		return 0;
	uint32_t gen = atomic_load_explicit(producer ? &h->producer_gen : &h->consumer_gen, memory_order_acquire);
	int64_t now = now_ns();
	if (gen != r->peer_gen || r->peer_checked_ns == 0 || now - r->peer_checked_ns >= SL__LIVENESS_NS) {
		r->peer_alive = sl__role_held(r, role);
		r->peer_gen = gen;
		r->peer_checked_ns = now;
	}
	return r->peer_alive;
}

/* The consumer's view of the stream once the ring is empty: 0 a producer is there (or may
 * still commit), -EPIPE it finished, -ENOTCONN it detached or died without finishing. */
static int producer_state(sl_ring *r)
{
	/* acquire: pairs with the store-release of finished in sl_ring_finish() */
	if (atomic_load_explicit(&r->hdr->finished, memory_order_acquire))
		return -EPIPE;
	return peer_present(r, SL_RING_PRODUCER) ? 0 : -ENOTCONN;
}

/* The producer's view once the ring is full: -EPIPE a consumer had attached and is gone (it
 * closed or died; nobody will make room until another one attaches), else 0. */
static int consumer_state(sl_ring *r)
{
	if (r->fd < 0 || atomic_load_explicit(&r->hdr->consumer_gen, memory_order_acquire) == 0)
		return 0;
	return peer_present(r, SL_RING_CONSUMER) ? 0 : -EPIPE;
}

/* The slow path both waits share. ready() is checked after each step; the peer's state ends
 * the wait once nothing is left to read (consumer) or no room can come (producer). */
static int wait_slow(sl_ring *r, int timeout_ms, uint64_t slot, _Atomic uint32_t *seq,
                     _Atomic uint32_t *sleeping, _Atomic uint64_t *waits, int consumer)
{
	int64_t deadline = timeout_ms < 0 ? INT64_MAX : now_ns() + (int64_t)timeout_ms * 1000000;
#define READY() (consumer ? readable(r) : writable(r, slot))

	for (int i = 0; i < SL__SPINS; i++) {
		cpu_relax();
		if (READY())
			return 0;
	}
	for (int i = 0; i < SL__YIELDS; i++) {
		sched_yield();
		if (READY())
			return 0;
	}
	for (;;) {
		uint32_t seen = atomic_load_explicit(seq, memory_order_acquire);
		atomic_store_explicit(sleeping, 1, memory_order_seq_cst);
		/* seq_cst: pairs with the seq_cst store of head (tail) and load of the flag in
		 * commit (release): either READY() below sees the index move, or the peer sees the
		 * flag and wakes us */
		atomic_thread_fence(memory_order_seq_cst);
		/* The peer's commit or release has no fence of its own when its process could
		 * register (p_asym, c_asym): this one stands in for it (see sl_ring_release). */
		if (!r->fenced)
			syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL_EXPEDITED, 0, 0);
		if (READY()) {
			atomic_store_explicit(sleeping, 0, memory_order_relaxed);
			return 0;
		}
		int gone = consumer ? producer_state(r) : consumer_state(r);
		if (gone) {
			atomic_store_explicit(sleeping, 0, memory_order_relaxed);
			return READY() ? 0 : gone;
		}
		int64_t now = now_ns();
		int64_t left = deadline - now;
		if (left <= 0) {
			atomic_store_explicit(sleeping, 0, memory_order_relaxed);
			return -ETIMEDOUT;
		}
		/* Uncapped, but a named ring's peer is looked at every SL__LIVENESS_NS. */
		if (r->fd >= 0 && left > SL__LIVENESS_NS)
			left = SL__LIVENESS_NS;
		struct timespec ts = { .tv_sec = left / 1000000000, .tv_nsec = left % 1000000000 };
		atomic_store_explicit(waits, atomic_load_explicit(waits, memory_order_relaxed) + 1,
		                      memory_order_relaxed);
		long rc = syscall(SYS_futex, (uint32_t *)seq, FUTEX_WAIT, seen,
		                  deadline == INT64_MAX && r->fd < 0 ? NULL : &ts, NULL, 0);
		if (rc == 0)
			r->t_woken[consumer]++;
		else if (errno == ETIMEDOUT)
			r->t_timedout[consumer]++;
		else
			r->t_again[consumer]++;
		if (READY()) {
			atomic_store_explicit(sleeping, 0, memory_order_relaxed);
			return 0;
		}
	}
#undef READY
}

int sl_ring_wait_readable(sl_ring *r, int timeout_ms)
{
	int err;

	if (readable(r))
		return SL__UNLIKELY(r->c_corrupt) ? -EPROTO : 0;
	if (timeout_ms == 0) {
		err = producer_state(r);
		err = readable(r) ? 0 : err ? err : -ETIMEDOUT;
	} else {
		err = wait_slow(r, timeout_ms, 0, &r->hdr->data_seq, &r->hdr->cons_sleeping,
		                &r->hdr->consumer_waits, 1);
	}
	return SL__UNLIKELY(r->c_corrupt) ? -EPROTO : err;
}

int sl_ring_wait_writable(sl_ring *r, uint32_t len, int timeout_ms)
{
	uint64_t slot = SL_RING_SLOT_SIZE(len);
	int err;

	if (slot > r->cap)
		return -EMSGSIZE;
	if (writable(r, slot))
		return 0;
	if (timeout_ms == 0) {
		err = consumer_state(r);
		return writable(r, slot) ? 0 : err ? err : -ETIMEDOUT;
	}
	return wait_slow(r, timeout_ms, slot, &r->hdr->space_seq, &r->hdr->prod_sleeping,
	                 &r->hdr->producer_waits, 0);
}

uint32_t sl_ring_max_record(const sl_ring *r)
{
	uint64_t m = r->cap - sizeof(struct sl__rec_hdr);
	return m > UINT32_MAX ? UINT32_MAX & ~7u : (uint32_t)m;
}
