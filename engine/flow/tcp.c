/* SPDX-License-Identifier: MIT */
/*
 * TCP reassembly: segments in, ordered bytes, gap notices and end-of-stream out, per
 * direction. In-order bytes go to the consumer straight from the packet; only segments that
 * arrive ahead of a hole are copied, into chunks of the worker's preallocated pool, and wait
 * there until the hole fills or is declared lost. The bounds (window, depth, pool) exist so a
 * hostile or broken connection costs a fixed amount of memory and work, never more.
 *
 * Invariants (sl_tcp_validate checks each; its messages carry these numbers):
 *  1. A stream's buffered chunks form a list sorted by sequence number, without overlap (a
 *     chunk may start where the previous one ends), and the first one starts strictly after
 *     next_seq: a chunk that became contiguous is delivered at once, never left waiting.
 *  2. Every buffered byte lies within the window: chunk end - next_seq <= cfg.window.
 *  3. ooo_bytes and ooo_chunks are the sums over the list, ooo_tail its last chunk; a chunk
 *     holds 1..chunk_size bytes; a direction holds at most stream_max_chunks.
 *  4. Each chunk is in exactly one place: the pool's free list (free_count long) or one
 *     stream's list.
 *  5. A stream that is not OPEN, is ENDED or reached DEPTH holds no chunks.
 *  6. With a FIN known, next_seq and every buffered byte lie at or before fin_seq.
 *  7. offset never exceeds a configured depth. It grows by exactly what deliver() and gap()
 *     were told, and until depth is reached it equals next_seq - (isn + 1) mod 2^32: per
 *     direction the callbacks tile the stream from where it was picked up, each byte
 *     delivered once or covered by one gap, in order, and eos comes once, last.
 *
 * One direction:
 *
 *                  first segment, SYN, or
 *     (unseen) ─── the peer's SYN-ACK ack ──▶ OPEN ─── next_seq reaches the FIN ───▶ ENDED
 *                                              │  ─── RST (either direction) ─────▶   ▲
 *                                              │  ─── flow end (flush) ───────────▶   │
 *                                              ▼ depth                                │
 *                                            DEPTH ─── FIN, RST or flush ─────────────┘
 *                                  (delivers nothing more, holds no chunks)
 *
 * A hole is skipped (gap notice, then on with what is buffered) once it can no longer be
 * filled: a segment would end beyond the window; the pool has no chunk for a segment; the
 * peer acknowledges the missing bytes (ack_gaps: the receiver got them, so the sender will
 * not send them again and this capture lost them); a RST; the flow's end. A FIN arriving
 * after a hole does not skip it by itself: the lost segment is typically retransmitted after
 * the FIN went out. The peer's ACK of the FIN, or the flow's end, settles it.
 *
 * Work per segment is bounded: a new segment is placed by walking the direction's list, which
 * never holds more than stream_max_chunks (4 * window / chunk_size + 16: ample for full-size
 * segments, while a flood of tiny out-of-order segments hits the cap and is treated like an
 * empty pool); the usual case, a segment after everything buffered, appends at the tail.
 *
 * Overlaps: bytes already delivered cannot be compared (they were never copied), so a
 * segment reaching back before next_seq is trimmed. Bytes that overlap buffered ones are
 * compared, and when they differ (counted) the configured target policy picks the copy, as
 * Suricata's stream engine does: each chunk remembers the segment its bytes came from, and
 * the rule looks at where the new segment starts and ends against that one (new_wins()).
 *
 * Sequence numbers compare in serial arithmetic (RFC 1982): a is before b when b - a, as an
 * unsigned 32-bit value, lies in 1 .. 2^31 - 1. Everything kept lies within the window
 * (at most 1 GiB) of next_seq, so every comparison made here is unambiguous.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcp.h"

#define NIL UINT32_MAX
#define MIN_CHUNK 16u
#define MAX_CHUNK (1u << 20)
#define MAX_WINDOW (1u << 30)
/* No capture loses a gigabyte of one connection between two of its packets; a sequence or
 * acknowledgement number that far ahead belongs to something else and must not make us skip. */
#define MAX_JUMP (1u << 30)

struct sl__tcp_chunk {
	uint32_t next;
	uint32_t seq;
	uint32_t len;
	uint32_t used; /* 1 while on a stream's list, so validate can catch a chunk in two places */
	uint32_t seg_seq, seg_end; /* the segment its bytes came from, for the overlap policy */
};

/* One direction being worked on, with everything its callbacks need. */
struct run {
	struct sl_tcp_pool *p;
	struct sl_tcp_stream *st;
	const struct sl_tcp_ops *ops;
	void *user;
	unsigned dir;
	uint32_t ns, ne; /* the segment being processed, as it came (before any trimming) */
};

/* Bytes of one segment found already present: delivered earlier or buffered. */
struct seen {
	uint32_t covered;
	int conflict;
};

static inline int seq_lt(uint32_t a, uint32_t b)
{
	return a != b && b - a < 0x80000000u;
}

static inline int seq_leq(uint32_t a, uint32_t b)
{
	return b - a < 0x80000000u;
}

/* An overlap whose bytes differ: does the new segment [ns, ne) win over the buffered bytes
 * of the earlier segment [os, oe)? Suricata's rules (stream-tcp-list.c), target by target. */
static int new_wins(unsigned pol, uint32_t ns, uint32_t ne, uint32_t os, uint32_t oe)
{
	if (pol == SL_TCP_POLICY_LAST)
		return 1;
	if (pol == SL_TCP_POLICY_FIRST || pol == SL_TCP_POLICY_VISTA)
		return 0;
	int sol = pol == SL_TCP_POLICY_SOLARIS || pol == SL_TCP_POLICY_HPUX11;
	if (ns == os) {
		if (seq_lt(ne, oe))
			return 0; /* the old one reaches further */
		if (seq_lt(oe, ne) && pol == SL_TCP_POLICY_LINUX)
			return 1;
		return sol || pol == SL_TCP_POLICY_OLD_LINUX;
	}
	if (seq_lt(ns, os)) /* starts before: every target takes it but Solaris/HP-UX 11 when
	                     * it also ends before the old one does */
		return !seq_lt(ne, oe) || !sol;
	return sol && seq_lt(oe, ne); /* starts after: only when it also ends after */
}

static inline uint8_t *chunk_data(const struct sl_tcp_pool *p, uint32_t i)
{
	return p->data + (size_t)i * p->cfg.chunk_size;
}

static inline uint32_t chunk_end(const struct sl_tcp_pool *p, uint32_t i)
{
	return p->chunk[i].seq + p->chunk[i].len;
}

static uint32_t chunk_get(struct sl_tcp_pool *p)
{
	uint32_t i = p->free_head;

	if (i == NIL)
		return NIL;
	p->free_head = p->chunk[i].next;
	p->free_count--;
	p->chunk[i].used = 1;
	p->chunk[i].next = NIL;
	return i;
}

static void chunk_put(struct sl_tcp_pool *p, uint32_t i)
{
	p->chunk[i].used = 0;
	p->chunk[i].next = p->free_head;
	p->free_head = i;
	p->free_count++;
}

static void drop_chunks(struct sl_tcp_pool *p, struct sl_tcp_stream *st)
{
	uint32_t i = st->ooo_head;

	while (i != NIL) {
		uint32_t n = p->chunk[i].next;
		chunk_put(p, i);
		i = n;
	}
	st->ooo_head = NIL;
	st->ooo_tail = NIL;
	st->ooo_bytes = 0;
	st->ooo_chunks = 0;
}

/* Unlink the first chunk; the caller gives it back after its bytes were delivered, so the
 * pointer handed to deliver() stays valid for the whole call. */
static uint32_t pop_head(struct run *r)
{
	struct sl_tcp_stream *st = r->st;
	uint32_t i = st->ooo_head;

	st->ooo_head = r->p->chunk[i].next;
	if (st->ooo_head == NIL)
		st->ooo_tail = NIL;
	st->ooo_bytes -= r->p->chunk[i].len;
	st->ooo_chunks--;
	return i;
}

static void reach_depth(struct run *r)
{
	r->st->flags |= SL_TCP_ST_DEPTH;
	r->p->ctr.depth_reached++;
	drop_chunks(r->p, r->st);
}

static void emit_data(struct run *r, const uint8_t *data, uint32_t len)
{
	struct sl_tcp_stream *st = r->st;
	uint64_t depth = r->p->cfg.depth;
	int cut = 0;

	if (depth && len > depth - st->offset) {
		len = (uint32_t)(depth - st->offset);
		cut = 1;
	}
	if (len) {
		st->offset += len;
		r->p->ctr.delivered_bytes += len;
		if (r->ops && r->ops->deliver)
			r->ops->deliver(r->ops->ctx, r->user, r->dir, data, len);
	}
	if (cut)
		reach_depth(r);
}

static void emit_gap(struct run *r, uint32_t len)
{
	struct sl_tcp_stream *st = r->st;
	uint64_t depth = r->p->cfg.depth;
	int cut = 0;

	if (depth && len > depth - st->offset) {
		len = (uint32_t)(depth - st->offset);
		cut = 1;
	}
	if (len) {
		st->offset += len;
		r->p->ctr.gaps++;
		r->p->ctr.gap_bytes += len;
		if (r->ops && r->ops->gap)
			r->ops->gap(r->ops->ctx, r->user, r->dir, len);
	}
	if (cut)
		reach_depth(r);
}

static void emit_eos(struct run *r, enum sl_tcp_eos how)
{
	struct sl_tcp_stream *st = r->st;

	if (st->flags & SL_TCP_ST_ENDED)
		return;
	st->flags |= SL_TCP_ST_ENDED;
	drop_chunks(r->p, st);
	r->p->ctr.eos++;
	if (r->ops && r->ops->eos)
		r->ops->eos(r->ops->ctx, r->user, r->dir, how);
}

static inline int stopped(const struct run *r)
{
	return (r->st->flags & (SL_TCP_ST_DEPTH | SL_TCP_ST_ENDED)) != 0;
}

/* Deliver the chunks that have become contiguous with next_seq. */
static void drain(struct run *r)
{
	struct sl_tcp_pool *p = r->p;
	struct sl_tcp_stream *st = r->st;

	while (!stopped(r) && st->ooo_head != NIL && p->chunk[st->ooo_head].seq == st->next_seq) {
		uint32_t i = pop_head(r);
		st->next_seq += p->chunk[i].len;
		emit_data(r, chunk_data(p, i), p->chunk[i].len);
		chunk_put(p, i);
	}
}

static void check_fin(struct run *r)
{
	struct sl_tcp_stream *st = r->st;

	if ((st->flags & SL_TCP_ST_FIN) && !(st->flags & SL_TCP_ST_ENDED) &&
	    ((st->flags & SL_TCP_ST_DEPTH) || st->next_seq == st->fin_seq))
		emit_eos(r, SL_TCP_EOS_FIN);
}

/* Move next_seq to target (or past it, when a buffered chunk straddles it): buffered bytes
 * are delivered, holes reported as gaps. Callers never pass a target beyond a known FIN. */
static void skip_to(struct run *r, uint32_t target)
{
	struct sl_tcp_pool *p = r->p;
	struct sl_tcp_stream *st = r->st;

	while (!stopped(r) && seq_lt(st->next_seq, target)) {
		uint32_t h = st->ooo_head;
		uint32_t hole_end = target;

		if (h != NIL && p->chunk[h].seq == st->next_seq) {
			drain(r);
			continue;
		}
		if (h != NIL && seq_lt(p->chunk[h].seq, target))
			hole_end = p->chunk[h].seq;
		uint32_t missing = hole_end - st->next_seq;
		st->next_seq = hole_end;
		emit_gap(r, missing);
	}
	drain(r);
}

/* Deliver [start, end) where start == next_seq. Buffered chunks inside that range arrived
 * first, so their bytes are the ones delivered there (first copy wins). */
static void deliver_inorder(struct run *r, const uint8_t *data, uint32_t start, uint32_t end,
                            struct seen *sn)
{
	struct sl_tcp_pool *p = r->p;
	struct sl_tcp_stream *st = r->st;

	while (!stopped(r) && seq_lt(st->next_seq, end)) {
		uint32_t cur = st->next_seq;
		uint32_t h = st->ooo_head;
		const uint8_t *src = data + (cur - start);

		if (h == NIL || !seq_lt(p->chunk[h].seq, end)) {
			st->next_seq = end;
			emit_data(r, src, end - cur);
			break;
		}
		uint32_t hseq = p->chunk[h].seq;
		if (hseq != cur) {
			st->next_seq = hseq;
			emit_data(r, src, hseq - cur);
			continue;
		}
		uint32_t hlen = p->chunk[h].len;
		uint32_t olen = end - cur < hlen ? end - cur : hlen;
		if (memcmp(chunk_data(p, h), src, olen) != 0) {
			sn->conflict = 1;
			if (new_wins(p->cfg.policy, r->ns, r->ne, p->chunk[h].seg_seq, p->chunk[h].seg_end))
				memcpy(chunk_data(p, h), src, olen);
		}
		sn->covered += olen;
		pop_head(r);
		st->next_seq = cur + hlen;
		emit_data(r, chunk_data(p, h), hlen);
		chunk_put(p, h);
	}
	drain(r);
}

/* Copy the parts of [start, end) that no chunk holds yet into new chunks, in list order.
 * Returns end, or the sequence number where the pool ran dry. */
static uint32_t buffer_ooo(struct run *r, const uint8_t *data, uint32_t start, uint32_t end,
                           struct seen *sn)
{
	struct sl_tcp_pool *p = r->p;
	struct sl_tcp_stream *st = r->st;
	uint32_t prev = NIL, c = st->ooo_head, cur = start;

	if (st->ooo_tail != NIL && seq_leq(chunk_end(p, st->ooo_tail), start)) {
		prev = st->ooo_tail;
		c = NIL;
	}
	while (cur != end) {
		while (c != NIL && seq_leq(chunk_end(p, c), cur)) {
			prev = c;
			c = p->chunk[c].next;
		}
		if (c != NIL && seq_leq(p->chunk[c].seq, cur)) {
			uint32_t ce = chunk_end(p, c);
			uint32_t oe = seq_lt(end, ce) ? end : ce;
			uint8_t *old = chunk_data(p, c) + (cur - p->chunk[c].seq);
			if (memcmp(old, data + (cur - start), oe - cur) != 0) {
				sn->conflict = 1;
				if (new_wins(p->cfg.policy, r->ns, r->ne, p->chunk[c].seg_seq,
				             p->chunk[c].seg_end))
					memcpy(old, data + (cur - start), oe - cur);
			}
			sn->covered += oe - cur;
			cur = oe;
			continue;
		}
		uint32_t stop = end;
		if (c != NIL && seq_lt(p->chunk[c].seq, end))
			stop = p->chunk[c].seq;
		while (cur != stop) {
			uint32_t n = st->ooo_chunks < p->stream_max_chunks ? chunk_get(p) : NIL;
			if (n == NIL)
				return cur;
			uint32_t len = stop - cur;
			if (len > p->cfg.chunk_size)
				len = p->cfg.chunk_size;
			memcpy(chunk_data(p, n), data + (cur - start), len);
			p->chunk[n].seq = cur;
			p->chunk[n].len = len;
			p->chunk[n].seg_seq = r->ns;
			p->chunk[n].seg_end = r->ne;
			p->chunk[n].next = c;
			if (prev == NIL)
				st->ooo_head = n;
			else
				p->chunk[prev].next = n;
			if (c == NIL)
				st->ooo_tail = n;
			prev = n;
			st->ooo_bytes += len;
			st->ooo_chunks++;
			cur += len;
		}
	}
	return end;
}

/* Forget buffered bytes at or after limit (a FIN says no data lies there; keeps inv. 6). */
static void trim_tail(struct run *r, uint32_t limit)
{
	struct sl_tcp_pool *p = r->p;
	struct sl_tcp_stream *st = r->st;
	uint32_t prev = NIL, c = st->ooo_head;

	while (c != NIL && seq_leq(chunk_end(p, c), limit)) {
		prev = c;
		c = p->chunk[c].next;
	}
	if (c == NIL)
		return;
	if (seq_lt(p->chunk[c].seq, limit)) {
		uint32_t keep = limit - p->chunk[c].seq;
		st->ooo_bytes -= p->chunk[c].len - keep;
		p->chunk[c].len = keep;
		prev = c;
		c = p->chunk[c].next;
	}
	if (prev == NIL)
		st->ooo_head = NIL;
	else
		p->chunk[prev].next = NIL;
	st->ooo_tail = prev;
	while (c != NIL) {
		uint32_t n = p->chunk[c].next;
		st->ooo_bytes -= p->chunk[c].len;
		st->ooo_chunks--;
		chunk_put(p, c);
		c = n;
	}
}

/* One segment's payload [start, end), already clipped to a known FIN. */
static void data_segment(struct run *r, const uint8_t *data, uint32_t start, uint32_t end)
{
	struct sl_tcp_pool *p = r->p;
	struct sl_tcp_stream *st = r->st;
	struct sl_tcp_counters *ctr = &p->ctr;
	struct seen sn = { 0, 0 };
	uint32_t len = end - start;
	int in_order;

	if (seq_leq(end, st->next_seq)) {
		ctr->retransmissions++;
		return;
	}
	in_order = seq_leq(start, st->next_seq);
	if (seq_lt(start, st->next_seq)) {
		sn.covered = st->next_seq - start;
		data += sn.covered;
		start = st->next_seq;
	}
	if (start == st->next_seq) {
		deliver_inorder(r, data, start, end, &sn);
		goto count;
	}

	if (end - st->next_seq > p->cfg.window) {
		/* Never skip bytes this segment carries: a segment longer than the window is
		 * simply delivered whole once everything before it is settled. */
		uint32_t target = end - p->cfg.window;
		if (seq_lt(start, target))
			target = start;
		skip_to(r, target);
		if (stopped(r))
			goto count;
		if (seq_lt(start, st->next_seq)) {
			uint32_t old = st->next_seq - start;
			sn.covered += old;
			data += old;
			start = st->next_seq;
		}
		if (start == st->next_seq) {
			deliver_inorder(r, data, start, end, &sn);
			goto count;
		}
	}

	uint32_t stop = buffer_ooo(r, data, start, end, &sn);
	if (stop != end) {
		ctr->pool_exhausted++;
		skip_to(r, stop);
		if (!stopped(r) && seq_lt(st->next_seq, end)) {
			uint32_t skip = st->next_seq - start;
			deliver_inorder(r, data + skip, st->next_seq, end, &sn);
		}
	}

count:
	if (sn.covered >= len) {
		ctr->retransmissions++;
	} else {
		if (in_order)
			ctr->in_order++;
		else
			ctr->out_of_order++;
		if (sn.covered)
			ctr->overlaps++;
	}
	if (sn.conflict)
		ctr->overlap_conflicts++;
}

/* End one direction now: what is buffered goes out with gaps for the holes, a hole before a
 * known FIN is reported, then eos. */
static void finish(struct run *r, enum sl_tcp_eos how)
{
	struct sl_tcp_pool *p = r->p;
	struct sl_tcp_stream *st = r->st;

	if (!(st->flags & SL_TCP_ST_OPEN) || (st->flags & SL_TCP_ST_ENDED))
		return;
	if (st->ooo_tail != NIL && !stopped(r))
		skip_to(r, chunk_end(p, st->ooo_tail));
	if ((st->flags & SL_TCP_ST_FIN) && !stopped(r) && seq_lt(st->next_seq, st->fin_seq)) {
		uint32_t missing = st->fin_seq - st->next_seq;
		st->next_seq = st->fin_seq;
		emit_gap(r, missing);
	}
	emit_eos(r, (st->flags & SL_TCP_ST_FIN) ? SL_TCP_EOS_FIN : how);
}

void sl_tcp_process(struct sl_tcp_pool *p, struct sl_tcp_session *ss, unsigned dir,
                    const struct sl_tcp_seg *seg, const struct sl_tcp_ops *ops, void *user)
{
	struct sl_tcp_stream *st, *peer;
	uint8_t fl = seg->flags;
	uint32_t start, end;

	dir &= 1u;
	st = &ss->s[dir];
	peer = &ss->s[dir ^ 1u];
	start = seg->seq + ((fl & SL_TCP_SYN) ? 1u : 0u);
	p->ctr.segments++;

	struct run r = { p, st, ops, user, dir, start, start + seg->len };
	struct run pr = { p, peer, ops, user, dir ^ 1u, 0, 0 };

	if (!(st->flags & SL_TCP_ST_OPEN)) {
		st->flags |= SL_TCP_ST_OPEN | ((fl & SL_TCP_SYN) ? SL_TCP_ST_SYN : 0u);
		st->isn = start - 1;
		st->next_seq = start;
	}
	/* A SYN-ACK names the client's next byte: that beats guessing from its first segment,
	 * which may come after bytes this capture lost. */
	if ((fl & (SL_TCP_SYN | SL_TCP_ACK)) == (SL_TCP_SYN | SL_TCP_ACK) &&
	    !(peer->flags & SL_TCP_ST_OPEN)) {
		peer->flags |= SL_TCP_ST_OPEN;
		peer->isn = seg->ack - 1;
		peer->next_seq = seg->ack;
	}

	if (fl & SL_TCP_RST) {
		/* RST payload is a diagnostic, not stream data. The peer's bytes were sent before
		 * the RST, so its direction ends first. */
		finish(&pr, SL_TCP_EOS_RST);
		finish(&r, SL_TCP_EOS_RST);
		return;
	}

	/* The peer's stream first: what this ACK settles was sent before this segment. An ACK
	 * also covers the FIN's own sequence number; when this capture lost the FIN itself, that
	 * one number is reported as part of the gap. */
	if ((fl & SL_TCP_ACK) && p->cfg.ack_gaps && (peer->flags & SL_TCP_ST_OPEN) && !stopped(&pr)) {
		uint32_t target = seg->ack;
		if ((peer->flags & SL_TCP_ST_FIN) && seq_lt(peer->fin_seq, target))
			target = peer->fin_seq;
		if (seq_lt(peer->next_seq, target) && target - peer->next_seq <= MAX_JUMP) {
			skip_to(&pr, target);
			check_fin(&pr);
		}
	}

	if (st->flags & SL_TCP_ST_ENDED) {
		if (seg->len)
			p->ctr.late++;
		return;
	}

	if (seq_lt(st->next_seq, start) && start - st->next_seq > MAX_JUMP) {
		if (seg->len)
			p->ctr.out_of_window++;
		return;
	}
	end = start + seg->len;
	if ((fl & SL_TCP_FIN) && !(st->flags & SL_TCP_ST_FIN) && seq_leq(st->next_seq, end)) {
		/* A FIN pointing before bytes already passed on is bogus and ignored. */
		st->flags |= SL_TCP_ST_FIN;
		st->fin_seq = end;
		trim_tail(&r, end);
	}
	if (seg->len) {
		if ((st->flags & SL_TCP_ST_FIN) && seq_lt(st->fin_seq, end))
			end = st->fin_seq;
		if ((st->flags & SL_TCP_ST_DEPTH) || !seq_lt(start, end))
			p->ctr.late++;
		else
			data_segment(&r, seg->data, start, end);
	}
	check_fin(&r);
}

void sl_tcp_session_init(struct sl_tcp_session *ss)
{
	memset(ss, 0, sizeof *ss);
	ss->s[0].ooo_head = ss->s[0].ooo_tail = NIL;
	ss->s[1].ooo_head = ss->s[1].ooo_tail = NIL;
}

void sl_tcp_session_flush(struct sl_tcp_pool *p, struct sl_tcp_session *ss,
                          const struct sl_tcp_ops *ops, void *user)
{
	for (unsigned d = 0; d < 2; d++) {
		struct run r = { p, &ss->s[d], ops, user, d, 0, 0 };
		finish(&r, SL_TCP_EOS_FLUSH);
	}
}

void sl_tcp_session_release(struct sl_tcp_pool *p, struct sl_tcp_session *ss)
{
	for (unsigned d = 0; d < 2; d++) {
		drop_chunks(p, &ss->s[d]);
		ss->s[d].flags |= SL_TCP_ST_ENDED;
	}
}

int sl__tcp_config_ok(const struct sl_tcp_config *cfg)
{
	if (!cfg || cfg->chunk_size < MIN_CHUNK || cfg->chunk_size > MAX_CHUNK ||
	    cfg->window > MAX_WINDOW || cfg->chunks == NIL || cfg->policy >= SL_TCP_POLICY_COUNT)
		return 0;
	return (size_t)cfg->chunks <= SIZE_MAX / (sizeof(struct sl__tcp_chunk) + cfg->chunk_size);
}

size_t sl_tcp_pool_memsize(const struct sl_tcp_config *cfg)
{
	if (!sl__tcp_config_ok(cfg))
		return 0;
	return (size_t)cfg->chunks * (sizeof(struct sl__tcp_chunk) + cfg->chunk_size);
}

int sl_tcp_pool_init(struct sl_tcp_pool *p, const struct sl_tcp_config *cfg)
{
	memset(p, 0, sizeof *p);
	p->free_head = NIL;
	if (!sl__tcp_config_ok(cfg))
		return -EINVAL;
	p->cfg = *cfg;
	p->stream_max_chunks = (uint32_t)(4 * ((uint64_t)cfg->window / cfg->chunk_size) + 16);
	if (cfg->chunks == 0)
		return 0;
	p->chunk = malloc((size_t)cfg->chunks * sizeof *p->chunk);
	if (!p->chunk)
		goto fail;
	p->data = malloc((size_t)cfg->chunks * cfg->chunk_size);
	if (!p->data)
		goto fail;
	/* Touch every page now so the worker never takes a first-touch fault mid-stream. */
	memset(p->data, 0, (size_t)cfg->chunks * cfg->chunk_size);
	for (uint32_t i = cfg->chunks; i-- > 0;) {
		p->chunk[i].seq = 0;
		p->chunk[i].len = 0;
		chunk_put(p, i);
	}
	return 0;
fail:
	free(p->chunk);
	p->chunk = NULL;
	return -ENOMEM;
}

void sl_tcp_pool_fini(struct sl_tcp_pool *p)
{
	if (!p)
		return;
	free(p->chunk);
	free(p->data);
	p->chunk = NULL;
	p->data = NULL;
	p->free_head = NIL;
	p->free_count = 0;
}

static int bad(char *errbuf, size_t errlen, const char *fmt, ...)
{
	if (errbuf && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(errbuf, errlen, fmt, ap);
		va_end(ap);
	}
	return -EUCLEAN;
}

static int validate_stream(const struct sl_tcp_pool *p, const struct sl_tcp_stream *st,
                           unsigned d, char *errbuf, size_t errlen)
{
	uint32_t n = 0, bytes = 0, c = st->ooo_head, last = NIL, prev_end = st->next_seq;

	if ((st->flags & ~(uint32_t)(SL_TCP_ST_OPEN | SL_TCP_ST_SYN | SL_TCP_ST_FIN |
	                             SL_TCP_ST_DEPTH | SL_TCP_ST_ENDED)) != 0)
		return bad(errbuf, errlen, "dir %u: unknown flags %#x", d, st->flags);
	if (c != NIL && (!(st->flags & SL_TCP_ST_OPEN) ||
	                 (st->flags & (SL_TCP_ST_ENDED | SL_TCP_ST_DEPTH))))
		return bad(errbuf, errlen, "inv 5: dir %u holds chunks with flags %#x", d, st->flags);
	if ((st->flags & SL_TCP_ST_FIN) && !seq_leq(st->next_seq, st->fin_seq))
		return bad(errbuf, errlen, "inv 6: dir %u next_seq %u past fin_seq %u", d,
		           st->next_seq, st->fin_seq);
	if (p->cfg.depth && st->offset > p->cfg.depth)
		return bad(errbuf, errlen, "inv 7: dir %u offset %llu > depth", d,
		           (unsigned long long)st->offset);
	if ((st->flags & SL_TCP_ST_OPEN) && !(st->flags & SL_TCP_ST_DEPTH) &&
	    st->next_seq - st->isn - 1 != (uint32_t)st->offset)
		return bad(errbuf, errlen, "inv 7: dir %u offset %llu, next_seq - isn - 1 = %u", d,
		           (unsigned long long)st->offset, st->next_seq - st->isn - 1);
	while (c != NIL) {
		if (c >= p->cfg.chunks)
			return bad(errbuf, errlen, "inv 4: dir %u chunk index %u out of range", d, c);
		if (++n > p->cfg.chunks)
			return bad(errbuf, errlen, "inv 4: dir %u chunk list loops", d);
		const struct sl__tcp_chunk *k = &p->chunk[c];
		if (!k->used)
			return bad(errbuf, errlen, "inv 4: dir %u chunk %u is also free", d, c);
		if (k->len == 0 || k->len > p->cfg.chunk_size)
			return bad(errbuf, errlen, "inv 3: dir %u chunk %u len %u", d, c, k->len);
		if (n == 1 ? !seq_lt(st->next_seq, k->seq) : !seq_leq(prev_end, k->seq))
			return bad(errbuf, errlen, "inv 1: dir %u chunk %u seq %u after %u", d, c,
			           k->seq, prev_end);
		prev_end = k->seq + k->len;
		if (prev_end - st->next_seq > p->cfg.window)
			return bad(errbuf, errlen, "inv 2: dir %u chunk %u ends %u past window", d, c,
			           prev_end - st->next_seq);
		if ((st->flags & SL_TCP_ST_FIN) && !seq_leq(prev_end, st->fin_seq))
			return bad(errbuf, errlen, "inv 6: dir %u chunk %u past fin", d, c);
		bytes += k->len;
		last = c;
		c = k->next;
	}
	if (n != st->ooo_chunks || bytes != st->ooo_bytes || last != st->ooo_tail ||
	    n > p->stream_max_chunks)
		return bad(errbuf, errlen, "inv 3: dir %u counts %u/%u tail %u, list has %u/%u "
		           "tail %u", d, st->ooo_chunks, st->ooo_bytes, st->ooo_tail, n, bytes, last);
	return 0;
}

int sl_tcp_validate(const struct sl_tcp_pool *p, const struct sl_tcp_session *ss, char *errbuf,
                    size_t errlen)
{
	uint32_t n = 0, used = 0;

	for (uint32_t c = p->free_head; c != NIL; c = p->chunk[c].next) {
		if (c >= p->cfg.chunks)
			return bad(errbuf, errlen, "inv 4: free index %u out of range", c);
		if (++n > p->cfg.chunks)
			return bad(errbuf, errlen, "inv 4: free list loops");
		if (p->chunk[c].used)
			return bad(errbuf, errlen, "inv 4: chunk %u free and in use", c);
	}
	if (n != p->free_count)
		return bad(errbuf, errlen, "inv 4: free list %u long, free_count %u", n,
		           p->free_count);
	for (uint32_t c = 0; c < p->cfg.chunks; c++)
		used += p->chunk[c].used ? 1u : 0u;
	if (used + n != p->cfg.chunks)
		return bad(errbuf, errlen, "inv 4: %u used + %u free != %u chunks", used, n,
		           p->cfg.chunks);
	return ss ? sl__tcp_validate_session(p, ss, errbuf, errlen) : 0;
}

int sl__tcp_validate_session(const struct sl_tcp_pool *p, const struct sl_tcp_session *ss,
                             char *errbuf, size_t errlen)
{
	for (unsigned d = 0; d < 2; d++) {
		int rc = validate_stream(p, &ss->s[d], d, errbuf, errlen);
		if (rc)
			return rc;
	}
	return 0;
}
