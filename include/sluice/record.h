/* SPDX-License-Identifier: MIT */
/*
 * Record types that travel through sluice rings, and the layout of a packet record. An
 * external process that feeds sluiced through `--shm-input NAME` writes exactly this: one ring
 * record of type SL_REC_PACKET per packet, whose payload is struct sl_pkt_rec followed by the
 * captured bytes (caplen of them). Metadata records (flow, http, …) are what sluiced's taps
 * hand out; their layout is sluice/tap.h.
 */
#ifndef SLUICE_RECORD_H
#define SLUICE_RECORD_H

#include <stdint.h>

enum sl_rec_type {
	SL_REC_PACKET = 1,
	SL_REC_FLOW = 16,
	SL_REC_HTTP = 17,
	SL_REC_TLS = 18,
	SL_REC_DNS = 19,
	SL_REC_ALERT = 20,
	SL_REC_STATS = 21,
	SL_REC_CONFIG = 22,
	SL_REC_HTTP_SUMMARY = 23,
	/* Every type is below this (a ring record's type field holds 16 bits, but the engine's
	 * per-type tables and sink masks are this wide). A record of a type sluiced does not
	 * expect is counted, never taken for another type: on its input (--shm-input) anything
	 * but SL_REC_PACKET is a bad record; at the router a type from here on is unroutable and
	 * the ledger fails. */
	SL_REC_TYPE_MAX = 32,
};

/* Link types are libpcap's DLT numbers. */
enum sl_linktype {
	SL_LINK_NULL = 0,       /* BSD loopback: 4-byte host-order address family */
	SL_LINK_ETHERNET = 1,
	SL_LINK_RAW = 101,      /* raw IPv4 or IPv6 */
	SL_LINK_LINUX_SLL = 113,
	SL_LINK_IPV4 = 228,
	SL_LINK_IPV6 = 229,
	SL_LINK_LINUX_SLL2 = 276,
};

/* Payload of an SL_REC_PACKET record: 24 bytes, then the packet. */
struct sl_pkt_rec {
	uint64_t ts_ns;    /* capture time, ns since the Unix epoch */
	uint32_t caplen;   /* bytes of packet that follow this struct */
	uint32_t wirelen;  /* length on the wire (>= caplen) */
	uint16_t linktype; /* enum sl_linktype */
	uint16_t flags;    /* reserved: write 0. sluiced neither reads it on --shm-input nor
	                      takes it over: the records it gives its workers are its own
	                      copies, whose only flag says they carry sluiced's read time
	                      after the packet (8 bytes, for its latency histograms) */
	uint32_t hash;     /* a producer may fill it for its own use (sluice-pcap2shm -H); 0 if
	                      not. sluiced never trusts it: every packet it reads, from any
	                      source, gets sluiced's own keyed flow hash in the copy it gives its
	                      workers (the producer's ring is never written). Keyed per process,
	                      so the value means nothing outside the process that made it */
	uint8_t data[];
};

#define SL_PKT_REC_SIZE(caplen) ((uint32_t)sizeof(struct sl_pkt_rec) + (uint32_t)(caplen))

#endif
