/* SPDX-License-Identifier: MIT */
/*
 * The capture side of the data path: sl_capture_push() takes one packet from a source, hashes
 * its flow symmetrically, picks the worker ring from the hash and copies the bytes into that
 * ring as one SL_REC_PACKET record; sl_capture_flush() publishes what was pushed. It exists
 * apart from the pipeline's construction because it is the only per-packet code a capture
 * thread runs outside its source: it never allocates, never logs, never locks; a full ring is
 * the ring's policy (block: wait; drop: count and return).
 *
 * The record's `hash` is always computed here, whatever the source read (a shm producer's own
 * `hash` field is not trusted): the workers' flow tables bucket by it.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <string.h>
#include <time.h>

#include "analysis/decode.h"
#include "fault.h"
#include "latency.h"
#include "pipeline.h"
#include "sinks/sink.h"

#define COMMIT_EVERY 32

void sl_capture_flush(struct sl_capture_out *out)
{
	out->stamp_in = 0; /* the next packet read takes a fresh stamp */
	for (unsigned w = 0; w < out->nworkers; w++) {
		if (out->pending[w]) {
			sl_ring_commit(out->rings[w]);
			out->pending[w] = 0;
		}
	}
}

/* Paused (the control socket): publish what is pending, then hold this packet, and so the
 * source, until resume or a stop. A file or shm input simply waits where it is (nothing is
 * lost); a live capture stops reading its kernel ring, which fills, and the kernel's drops
 * are counted as they always are. A 10 ms sleep: a paused engine has nothing better to do. */
static void hold(struct sl_capture_out *out)
{
	struct timespec ten_ms = { 0, 10 * 1000 * 1000 };

	sl_capture_flush(out);
	while (atomic_load_explicit(out->paused, memory_order_relaxed) &&
	       !(out->stop && atomic_load_explicit(out->stop, memory_order_relaxed)) &&
	       !atomic_load_explicit(out->hard_stop, memory_order_relaxed))
		nanosleep(&ten_ms, NULL);
}

int sl_capture_push(struct sl_capture_out *out, uint64_t ts_ns, const uint8_t *pkt, uint32_t caplen,
                    uint32_t wirelen, uint16_t linktype)
{
	struct sl_pkt_rec *rec;

	/* one relaxed load of a flag that only changes when an operator asks */
	if (out->paused && atomic_load_explicit(out->paused, memory_order_relaxed))
		hold(out);
	if (caplen > out->snaplen)
		caplen = out->snaplen;
	/* The workers' flow key, hashed (keyed, symmetric: both directions reach one worker) from
	 * a minimal parse of the bytes the worker will get; it equals the worker's sl_flow_hash()
	 * of its full decode, which is why the worker can bucket by it. */
	uint32_t hash = sl_flow_hash_frame(pkt, caplen, linktype, out->use_vlan);
	unsigned w = (unsigned)(((uint64_t)hash * out->nworkers) >> 32);
	sl_ring *r = out->rings[w];
	uint32_t len = SL_PKT_REC_SIZE(caplen) + SL_PKT_STAMP_BYTES;

	/* The read time for the latency histograms (latency.h): one vDSO clock read per
	 * COMMIT_EVERY packets and after each flush, never one per packet. */
	if (out->stamp_in == 0) {
		out->stamp_ns = sl_lat_now();
		out->stamp_in = COMMIT_EVERY;
	}
	out->stamp_in--;
	while ((rec = sl_ring_reserve(r, SL_REC_PACKET, len)) == NULL) {
		if (errno == EMSGSIZE) {
			sl_count(&out->oversize, 1);
			return 0;
		}
		/* Full: publish what we hold so the worker can make room. */
		sl_capture_flush(out);
		if (out->drop) {
			sl_ring_count_drop(r, 1);
			sl_count(&out->dropped[w], 1);
			return 0;
		}
		if (atomic_load_explicit(out->hard_stop, memory_order_relaxed))
			return -ECANCELED;
		sl_ring_wait_writable(r, len, 100);
	}
	rec->ts_ns = ts_ns;
	rec->caplen = caplen;
	rec->wirelen = wirelen < caplen ? caplen : wirelen;
	rec->linktype = linktype;
	rec->flags = SL_PKT_F_STAMP;
	rec->hash = hash;
	memcpy(rec->data, pkt, caplen);
	memcpy(rec->data + caplen, &out->stamp_ns, SL_PKT_STAMP_BYTES); /* the trailer, unaligned */
	sl_count(&out->pushed[w], 1 + sl__fault(SL_FAULT_CAPTURE));
	if (++out->pending[w] >= COMMIT_EVERY) {
		sl_ring_commit(r);
		out->pending[w] = 0;
	}
	return 1;
}

/* The capture thread: run the source until its input ends or it is interrupted, then publish
 * and finish its rings (the drain protocol of pipeline.h). */
void *sl__capture_main(void *arg)
{
	struct sl_capture_thread *c = arg;

	c->result = c->mod->run(c->state, &c->out, &c->ctr, c->err, sizeof c->err);
	sl_capture_flush(&c->out);
	/* run has returned: only now may the source close what it reads (the main thread only
	 * ever interrupts it) */
	if (c->mod->stop)
		c->mod->stop(c->state);
	for (unsigned w = 0; w < c->out.nworkers; w++)
		sl_ring_finish(c->out.rings[w]);
	atomic_store_explicit(&c->done, 1, memory_order_release);
	if (c->pl->capture_done)
		c->pl->capture_done(c->pl->capture_done_arg);
	return NULL;
}
