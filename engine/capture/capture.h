/* SPDX-License-Identifier: MIT */
/*
 * The capture module contract. A capture source (pcap files, AF_PACKET, a shm ring written by
 * another process, the synthetic generator) is one folder with one descriptor of hooks, listed
 * in the NULL-terminated table sl__capture_modules[] (capture.c): a `const struct sl_module`
 * of kind SL_MODULE_CAPTURE (engine/module.h). The engine runs each source on its own thread:
 * init (main; env->capture is the struct sl_capture_spec below) → start (main) → run (capture
 * thread, until the input ends or interrupt() was called) → stop (capture thread, after run
 * returned) → fini (main, after the join). interrupt() may come from any thread at any time
 * between init and fini: it sets a flag or writes an eventfd and frees nothing, so run() never
 * loses the memory it is walking.
 *
 * A source hands packets to the pipeline with sl_capture_push(): it hashes the packet's flow
 * symmetrically, picks the worker ring and copies the bytes into it as one SL_REC_PACKET record.
 * What happens when that ring is full is the ring's policy (block: push waits; drop: push
 * counts and returns). Sources never allocate per packet and never log per packet.
 */
#ifndef SLUICE_CAPTURE_H
#define SLUICE_CAPTURE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "module.h"

struct sl_config;
struct sl_capture_out; /* the pipeline side of one capture thread (engine/pipeline.c) */

/* What one source instance is asked to read. */
struct sl_capture_spec {
	const char *kind;        /* "pcap", "afpacket", "shm", "synth" */
	const char *const *paths; /* pcap: the files, in order; NULL-terminated */
	const char *name;        /* afpacket: interface; shm: ring name */
	unsigned index;          /* afpacket: which of `threads` fanout members this is */
	unsigned count;          /* afpacket: how many members share the fanout group */

	/* Source parameters (added with the sources). Zero / NULL means the default in brackets. */
	uint32_t snaplen;        /* afpacket: bytes kept of each packet [whole packet]; pcap: the file's */
	struct {
		uint32_t block_size;       /* TPACKET_V3 block bytes, a multiple of the page size [1 MiB] */
		uint32_t block_count;      /* blocks in the ring [64] */
		uint32_t block_timeout_ms; /* a partly filled block is handed over after this [10] */
		uint16_t fanout_group;     /* PACKET_FANOUT id shared by the `count` members [from the pid] */
		const char *fanout_mode;   /* "hash" (with defrag), "lb", "cpu", "rollover", "random", "qm" [hash] */
		int promisc;               /* nonzero: promiscuous while capturing [off] */
	} afpacket;
	struct {
		uint64_t packets;          /* stop after this many packets [0: until interrupted] */
		uint32_t flows;            /* distinct 5-tuples [1024] */
		uint64_t seed;             /* same seed, same packets [0] */
		const char *mix;           /* per-flow weights "http=4,dns=3,tls=3" [that] */
	} synth;
};

/* Counters a source keeps about itself; the engine reads them at the end (and, racily, for
 * stats). Written only by the capture thread. */
struct sl_capture_counters {
	_Atomic uint64_t packets;      /* packets read from the source */
	_Atomic uint64_t bytes;        /* captured bytes read */
	_Atomic uint64_t kernel_drops; /* drops the source reports itself (PACKET_STATISTICS) */
	_Atomic uint64_t errors;       /* unreadable input (bad pcap record, ring corruption) */
	_Atomic uint64_t progress_done, progress_total; /* bytes done / total, for the progress line
	                                                   (synth: packets; 0 total: unknown) */
	_Atomic uint64_t producer_absent;   /* shm: 1 while the ring has no producer (it detached or
	                                       died without finishing, and follow waits for the next) */
	_Atomic uint64_t producer_restarts; /* shm: times a new producer took over the ring */
};


/* Hand one packet to the workers. Returns 1 when queued, 0 when dropped (drop policy, counted
 * in the ring ledger), negative errno when the pipeline is shutting down. */
int sl_capture_push(struct sl_capture_out *out, uint64_t ts_ns, const uint8_t *pkt, uint32_t caplen,
                    uint32_t wirelen, uint16_t linktype);
/* Publish pushed packets now (sources call it at the end of each batch they read, or when
 * their input goes idle); push commits every few packets by itself. */
void sl_capture_flush(struct sl_capture_out *out);

extern const struct sl_module *const sl__capture_modules[];
const struct sl_module *sl_capture_find(const char *kind);

#endif
