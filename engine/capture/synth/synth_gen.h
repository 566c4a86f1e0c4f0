/* SPDX-License-Identifier: MIT */
/*
 * The synthetic traffic generator's core, shared by the `synth` capture source (benchmarks
 * push its packets straight into the pipeline) and the sluice-synth program (which writes
 * them to a pcap file, e.g. the README's sample capture). One generator, so a benchmark and
 * a file made with the same parameters hold the same packets.
 *
 * What it makes: Ethernet + IPv4 frames of whole, well-formed conversations over `flows`
 * distinct 5-tuples: HTTP/1.1 (handshake, request, response in MSS-sized segments, FIN
 * teardown), DNS over UDP (query, answer or NXDOMAIN), and TLS (handshake, ClientHello with
 * SNI and ALPN, ServerHello choosing TLS 1.2 or 1.3, encrypted-looking data, FIN teardown).
 * Each flow keeps its 5-tuple and its kind; when a conversation ends the next one starts on
 * the same 5-tuple with new sequence numbers and new content. Flows advance in rounds: each
 * round every flow sends one packet, in an order shuffled per round.
 *
 * Same config, same packets, byte for byte; timestamps grow by 1..8 µs per packet (whole
 * microseconds, so a microsecond pcap keeps them exactly).
 *
 * Cost: all content is built at create (256 variants per kind, names from small word lists);
 * a packet is then a few stores into the template (addresses, ports, sequence numbers, IP id,
 * DNS id) and checksums finished from precomputed partial sums. No allocation after create.
 */
#ifndef SLUICE_SYNTH_GEN_H
#define SLUICE_SYNTH_GEN_H

#include <stddef.h>
#include <stdint.h>

enum sl__synth_kind { SL__SYNTH_HTTP = 0, SL__SYNTH_DNS, SL__SYNTH_TLS, SL__SYNTH_KINDS };

#define SL__SYNTH_FLOWS_DEFAULT 1024u
#define SL__SYNTH_FLOWS_MAX (1u << 24)
#define SL__SYNTH_MIX_DEFAULT "http=4,dns=3,tls=3"
/* 2024-01-01T00:00:00Z */
#define SL__SYNTH_START_NS 1704067200000000000ull

struct sl__synth_cfg {
	uint64_t packets;  /* stop after this many; 0: never */
	uint32_t flows;    /* distinct 5-tuples; 0: SL__SYNTH_FLOWS_DEFAULT */
	uint64_t seed;
	const char *mix;   /* per-flow weights "http=N,dns=N,tls=N"; NULL: SL__SYNTH_MIX_DEFAULT */
	uint64_t start_ns; /* first timestamp; 0: SL__SYNTH_START_NS */
};

/* One packet, valid until the next sl__synth_next(). */
struct sl__synth_pkt {
	const uint8_t *data; /* Ethernet frame */
	uint32_t len;
	uint64_t ts_ns;
	uint32_t flow;       /* 0 .. flows-1 */
	uint8_t kind;        /* enum sl__synth_kind */
	const char *name;    /* on the HTTP request, DNS query and ClientHello: the Host, qname or
	                        SNI it carries; NULL on every other packet */
};

struct sl__synth;

/* 0, or -EINVAL (bad mix or flows; errbuf says which) or -ENOMEM. */
int sl__synth_create(const struct sl__synth_cfg *cfg, struct sl__synth **out, char *errbuf, size_t errlen);
void sl__synth_destroy(struct sl__synth *g);
/* 1 with the next packet in *pkt, 0 once cfg->packets have been made. */
int sl__synth_next(struct sl__synth *g, struct sl__synth_pkt *pkt);
/* Conversations started so far, per kind. */
void sl__synth_sessions(const struct sl__synth *g, uint64_t out[SL__SYNTH_KINDS]);
/* Parses "http=4,dns=3,tls=3" (any order, missing kinds weigh 0, at least one nonzero). */
int sl__synth_parse_mix(const char *mix, unsigned w[SL__SYNTH_KINDS], char *errbuf, size_t errlen);
const char *sl__synth_kind_name(unsigned kind);

#endif
