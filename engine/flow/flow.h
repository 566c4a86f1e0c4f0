/* SPDX-License-Identifier: MIT */
/*
 * The per-worker flow table. Every record a worker emits belongs to a flow (EVE's flow_id,
 * src/dest, the flow record with its packet and byte counts), and the app parsers keep their
 * state per flow, so each packet must find its flow in both directions in O(1), and the
 * table must stay within memory fixed at start however many connections the link carries.
 * Entries (with the caller's per-flow area and the TCP reassembly state inside) are
 * allocated once at init and recycled: when the table is full, the least recently active
 * flow is ended to make room ("forced"); idle flows end by timeout, checked in bounded
 * slices against packet time; at shutdown all of them end ("shutdown"). Every end goes
 * through the caller's end callback first, so no flow disappears without its record.
 *
 * Threads: one table per worker thread; capture shards by a symmetric flow hash, so both
 * directions of a flow reach the same worker and nothing here is shared or locked.
 *
 *   who         calls                                       when
 *   worker      sl_flow_table_init / sl_flow_table_fini     at worker start / stop
 *   worker      sl_flow_packet                              once per decoded IP packet
 *   worker      sl_flow_expire                              every so often, with packet time
 *   worker      sl_flow_flush_all                           at the end of input / shutdown
 *   worker      sl_flow_find, sl_flow_end                   when it needs to
 *   tests       sl_flow_validate                            any time outside a callback
 *
 * Callbacks (the end callback, and the TCP callbacks of struct sl_tcp_ops) run inside
 * sl_flow_packet, sl_flow_expire, sl_flow_flush_all and sl_flow_end, and must not call any
 * sl_flow_* function on the same table. A struct sl_flow pointer stays valid until the flow
 * ends (its end callback has returned); the entry is then reused for another flow.
 */
#ifndef SLUICE_FLOW_FLOW_H
#define SLUICE_FLOW_FLOW_H

#include <stddef.h>
#include <stdint.h>

#include "tcp.h"

enum sl_flow_dir {
	SL_FLOW_TO_SERVER = 0, /* sent by the client (the flow's src) */
	SL_FLOW_TO_CLIENT = 1,
};

/* EVE flow.state */
enum sl_flow_state {
	SL_FLOW_STATE_NEW = 0,     /* no answer yet (TCP: handshake not complete) */
	SL_FLOW_STATE_ESTABLISHED, /* packets seen both ways (TCP: handshake done, or picked up) */
	SL_FLOW_STATE_CLOSED,      /* TCP only: both FINs and the last ACK, or a RST */
};

/* The TCP connection as the table tracks it (see the diagram in flow.c). */
enum sl_flow_tcp_state {
	SL_FLOW_TCP_NONE = 0, /* not TCP, or no SYN seen and not yet two-way */
	SL_FLOW_TCP_SYN_SENT,
	SL_FLOW_TCP_SYN_RECV,
	SL_FLOW_TCP_ESTABLISHED,
	SL_FLOW_TCP_FIN_WAIT, /* one side sent FIN */
	SL_FLOW_TCP_CLOSING,  /* both sent FIN; waiting for the last ACK */
	SL_FLOW_TCP_CLOSED,
};

/* EVE flow.reason */
enum sl_flow_reason {
	SL_FLOW_END_TIMEOUT = 1, /* idle past its state's timeout */
	SL_FLOW_END_FORCED,      /* evicted to make room, or ended by sl_flow_end */
	SL_FLOW_END_SHUTDOWN,    /* sl_flow_flush_all */
	SL_FLOW_END_TCP_REUSE,   /* a new SYN on a closed or closing connection's tuple */
};

/* A flow's identity. Zero it first (`= {0}`): the unused bytes of an IPv4 address and an
 * absent VLAN id are compared and hashed like the rest. */
struct sl_flow_key {
	uint8_t src[16];   /* IPv6: all 16 bytes; IPv4: the first 4, the rest zero */
	uint8_t dst[16];
	uint16_t src_port; /* host order; 0 for protocols without ports */
	uint16_t dst_port;
	uint16_t vlan[2];  /* 12-bit ids, outermost first; 0 = no tag */
	uint8_t ip_version; /* 4 or 6 */
	uint8_t proto;      /* IPPROTO_*: 6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6, ... */
	uint8_t reserved[2];
};

/* What sl_flow_packet needs to know about the packet besides its key. */
struct sl_flow_pkt {
	uint64_t ts_ns;    /* capture time (packet time, not the wall clock) */
	uint32_t hash;     /* symmetric hash of the key's fields, or 0: the table computes one.
	                      Every packet of a flow must get the same value (both directions):
	                      a flow is only found in the bucket its first packet's hash chose */
	uint32_t frame_len; /* whole frame on the wire, link layer included (EVE bytes_to*) */
	const struct sl_tcp_seg *tcp; /* TCP header and payload; NULL when not TCP (or no header) */
};

struct sl_flow_timeouts {
	uint32_t new_s;         /* TCP before the handshake completes */
	uint32_t established_s; /* TCP established, or half-closed (one FIN) */
	uint32_t closed_s;      /* TCP closing (both FINs) or closed */
	uint32_t udp_s;
	uint32_t icmp_s;        /* ICMP and ICMPv6 */
	uint32_t default_s;     /* any other protocol */
};

struct sl_flow;

struct sl_flow_config {
	uint32_t max_flows;  /* entries, 1 .. 2^31 */
	uint32_t user_bytes; /* per-flow area for the caller (parser state), zeroed at creation */
	uint32_t worker;     /* worker index 0 .. 1023, part of every flow_id */
	struct sl_flow_timeouts timeout;
	/* Called once per flow just before it ends; the flow is intact and still readable.
	 * May be NULL. */
	void (*end)(void *ctx, struct sl_flow *f, enum sl_flow_reason why);
	void *ctx;
	/* TCP reassembly: pool and limits, and the consumer. With tcp_ops NULL no reassembly
	 * happens (the connection state is still tracked) and no pool is allocated. The table
	 * passes the struct sl_flow as the callbacks' `user`. */
	struct sl_tcp_config tcp;
	const struct sl_tcp_ops *tcp_ops;
};

/* One flow. The caller may read everything and write app_proto; the rest belongs to the
 * table. */
struct sl_flow {
	struct sl_flow_key key; /* oriented client -> server */
	uint32_t hash;
	uint64_t flow_id;       /* nonzero, < 2^53, unique per table and worker index */
	uint64_t first_ns, last_ns;
	uint64_t pkts[2];       /* indexed by enum sl_flow_dir */
	uint64_t bytes[2];
	uint16_t app_proto;     /* the caller's tag; 0 at creation */
	uint8_t state;          /* enum sl_flow_state */
	uint8_t tcp_state;      /* enum sl_flow_tcp_state */
	uint8_t tcp_flags[2];   /* every TCP flag seen, per direction (EVE tcp_flags_ts/tc) */
	uint8_t fin_dir;        /* private: who sent the last FIN */
	uint8_t in_use;         /* private */
	uint32_t hnext;         /* private: hash chain, or free list */
	uint32_t lru_prev;      /* private: least recently active first */
	uint32_t lru_next;
	struct sl_tcp_session tcp; /* reassembly, both directions */
};

/* The caller's area of user_bytes bytes, 16-byte aligned, inside the entry. */
#define SL_FLOW_USER_OFFSET ((sizeof(struct sl_flow) + 15u) & ~(size_t)15u)
static inline void *sl_flow_user(struct sl_flow *f)
{
	return (unsigned char *)f + SL_FLOW_USER_OFFSET;
}

/* Written by the owning worker only; read racily for stats. Always:
 * created == active + evicted + expired + reused + flushed + removed. */
struct sl_flow_counters {
	uint64_t lookups;  /* sl_flow_packet calls */
	uint64_t created;
	uint64_t active;
	uint64_t evicted;  /* ended "forced" because the table was full */
	uint64_t expired;  /* ended "timeout" (by sl_flow_expire or found stale by a packet) */
	uint64_t reused;   /* ended "tcp_reuse" */
	uint64_t flushed;  /* ended "shutdown" */
	uint64_t removed;  /* ended by sl_flow_end */
};

/* Fields below `tcp` are private to flow.c. */
struct sl_flow_table {
	struct sl_flow_counters ctr;
	struct sl_tcp_pool tcp; /* segment pool; its counters are the TCP statistics */
	struct sl_flow_config cfg;
	struct sl_tcp_ops tcp_ops;
	int tcp_on;
	unsigned char *mem;
	size_t stride;
	uint32_t *bucket;
	uint32_t bucket_mask;
	uint32_t free_head;
	uint32_t lru_head, lru_tail;
	uint32_t cursor; /* sl_flow_expire's clock hand */
	uint64_t next_id;
	uint64_t timeout_ns[6];
};

/* Fill cfg with the defaults (65536 flows, Suricata-like timeouts, no reassembly). */
void sl_flow_config_defaults(struct sl_flow_config *cfg);

/* Bytes sl_flow_table_init allocates for cfg, TCP pool included (0 if cfg is invalid). */
size_t sl_flow_table_memsize(const struct sl_flow_config *cfg);

/* Allocate and pre-fault everything the table will ever use. Call it on the worker's own
 * thread (after pinning) so the memory is local to its NUMA node. 0, -EINVAL or -ENOMEM. */
int sl_flow_table_init(struct sl_flow_table *t, const struct sl_flow_config *cfg);
/* Free the table without calling anything: flush first if the flows matter. NULL is fine. */
void sl_flow_table_fini(struct sl_flow_table *t);

/* The same flow seen from the other side: addresses and ports swapped. */
static inline struct sl_flow_key sl_flow_key_reverse(const struct sl_flow_key *k)
{
	struct sl_flow_key r = *k;

	for (int i = 0; i < 16; i++) {
		r.src[i] = k->dst[i];
		r.dst[i] = k->src[i];
	}
	r.src_port = k->dst_port;
	r.dst_port = k->src_port;
	return r;
}

/* Symmetric hash of a key: both orientations give the same value. */
uint32_t sl_flow_key_hash(const struct sl_flow_key *k);

/* The one call per packet: find the packet's flow or create it (ending a stale one, or the
 * least recently active one when the table is full, through the end callback), count the
 * packet, advance the TCP state and, with reassembly on, feed pkt->tcp to it (so TCP
 * callbacks fire from here). *dir says which way the packet went. Never NULL. */
struct sl_flow *sl_flow_packet(struct sl_flow_table *t, const struct sl_flow_key *key,
                               const struct sl_flow_pkt *pkt, enum sl_flow_dir *dir);

/* Find without side effects; NULL if absent. hash as in struct sl_flow_pkt. */
struct sl_flow *sl_flow_find(const struct sl_flow_table *t, const struct sl_flow_key *key,
                             uint32_t hash, enum sl_flow_dir *dir);

/* Look at up to `budget` entries from where the last call stopped, ending those idle past
 * their timeout at now_ns (reason "timeout"). A flow idle exactly its timeout is kept.
 * Returns how many ended. */
uint32_t sl_flow_expire(struct sl_flow_table *t, uint64_t now_ns, uint32_t budget);

/* End every flow (reason "shutdown"), least recently active first. Returns how many. */
uint32_t sl_flow_flush_all(struct sl_flow_table *t);

/* Entry i (0 .. max_flows - 1) when it holds a flow, else NULL: a walk over every flow for an
 * operator's query (the control socket's "flows"), on the owning thread. */
const struct sl_flow *sl_flow_at(const struct sl_flow_table *t, uint32_t i);

/* End one flow now with the given reason (counted in `removed`). */
void sl_flow_end(struct sl_flow_table *t, struct sl_flow *f, enum sl_flow_reason why);

/* New idle timeouts (a reload of flow.timeouts.*): they apply from the next check on, to
 * every flow, old ones included. */
void sl_flow_set_timeouts(struct sl_flow_table *t, const struct sl_flow_timeouts *to);

/* The timeout that applies to f in its current state, in ns. */
uint64_t sl_flow_timeout_ns(const struct sl_flow_table *t, const struct sl_flow *f);

/* EVE spellings: "new"/"established"/"closed"; "timeout"/"forced"/"shutdown"/"tcp_reuse";
 * "none"/"syn_sent"/"syn_recv"/"established"/"fin_wait"/"closing"/"closed". */
const char *sl_flow_state_name(enum sl_flow_state s);
const char *sl_flow_reason_name(enum sl_flow_reason r);
const char *sl_flow_tcp_state_name(enum sl_flow_tcp_state s);

/* Check the table's invariants (see flow.c), every TCP session and the pool. 0, or -EUCLEAN
 * with the broken invariant described in errbuf (which may be NULL). O(max_flows). */
int sl_flow_validate(const struct sl_flow_table *t, char *errbuf, size_t errlen);

#endif
