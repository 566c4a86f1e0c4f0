/* SPDX-License-Identifier: MIT */
/*
 * TCP stream reassembly, one session (two directions) at a time. App parsers (HTTP, TLS) want
 * each direction of a connection as one ordered byte stream, but packets arrive reordered,
 * duplicated, overlapping and sometimes not at all. This module turns segments into three
 * callbacks per direction: in-order bytes (handed over straight from the packet when they are
 * already in order), a gap notice when bytes are known to be lost, and one end-of-stream.
 * Out-of-order bytes wait in a per-worker pool of fixed-size chunks that is allocated once at
 * init; nothing here allocates afterwards, logs, or fails: every bound that is hit (window,
 * depth, pool) becomes a counter and, where bytes are lost, a gap.
 *
 * Threads: a pool and the sessions that borrow its chunks belong to one thread (a worker).
 * Nothing here is shared or locked.
 *
 *   who         calls                                       when
 *   worker      sl_tcp_pool_init / sl_tcp_pool_fini         at worker start / stop
 *   worker      sl_tcp_session_init                         when a flow is created
 *   worker      sl_tcp_process                              per TCP segment of the flow
 *   worker      sl_tcp_session_flush, then _release         when the flow ends
 *   tests       sl_tcp_validate                             any time outside a callback
 *
 * Callbacks run inside sl_tcp_process / sl_tcp_session_flush and must not call back into the
 * same session. The data pointer given to deliver() is borrowed for that call only: it points
 * into the caller's packet or into a pool chunk that is recycled as soon as deliver returns.
 */
#ifndef SLUICE_FLOW_TCP_H
#define SLUICE_FLOW_TCP_H

#include <stddef.h>
#include <stdint.h>

/* TCP flag bits as on the wire (header byte 13). The packet decoder spells them the same way,
 * token for token, so both headers can be included together. */
#ifndef SL_TCP_FIN
#define SL_TCP_FIN 0x01u
#define SL_TCP_SYN 0x02u
#define SL_TCP_RST 0x04u
#define SL_TCP_PSH 0x08u
#define SL_TCP_ACK 0x10u
#define SL_TCP_URG 0x20u
#define SL_TCP_ECE 0x40u
#define SL_TCP_CWR 0x80u
#endif

/* Which copy of overlapping bytes wins when they differ (evasion: a target host reassembles
 * by its own rule, and the sensor must see what the target saw). The names and rules are
 * Suricata's (target-based reassembly after Novak and Sturges, 2007); Suricata's default is
 * bsd. The zero value, first, is the rule this library had before policies existed. */
#define SL_TCP_POLICIES(X)                 \
	X(FIRST, "first")                  \
	X(LAST, "last")                    \
	X(BSD, "bsd")                      \
	X(LINUX, "linux")                  \
	X(OLD_LINUX, "old-linux")          \
	X(WINDOWS, "windows")              \
	X(WINDOWS2K3, "windows2k3")        \
	X(VISTA, "vista")                  \
	X(SOLARIS, "solaris")              \
	X(HPUX10, "hpux10")                \
	X(HPUX11, "hpux11")                \
	X(IRIX, "irix")                    \
	X(MACOS, "macos")

enum sl_tcp_policy {
#define SL_TCP_POLICY_ENUM(name, text) SL_TCP_POLICY_##name,
	SL_TCP_POLICIES(SL_TCP_POLICY_ENUM)
#undef SL_TCP_POLICY_ENUM
	SL_TCP_POLICY_COUNT
};

/* One TCP segment as the decoder saw it. */
struct sl_tcp_seg {
	const uint8_t *data; /* payload, borrowed for the call; may be NULL when len is 0 */
	uint32_t len;        /* payload bytes actually captured */
	uint32_t seq;        /* sequence number from the header */
	uint32_t ack;        /* acknowledgement number; read only when flags has SL_TCP_ACK */
	uint8_t flags;       /* SL_TCP_* */
};

/* Why a direction ended. */
enum sl_tcp_eos {
	SL_TCP_EOS_FIN = 1, /* every byte up to the FIN was delivered or reported as a gap */
	SL_TCP_EOS_RST = 2, /* a RST ended the connection (either direction sent it) */
	SL_TCP_EOS_FLUSH = 3, /* the flow ended (timeout, eviction, shutdown) without a FIN */
};

/* The consumer of reassembled streams. Any member may be NULL. `user` is the per-session
 * pointer given to sl_tcp_process (the flow table passes the struct sl_flow); dir is 0 or 1
 * (through the flow table: 0 client to server, 1 server to client). */
struct sl_tcp_ops {
	/* len > 0 bytes that follow, without overlap or reordering, the bytes delivered or
	 * skipped before them in this direction. */
	void (*deliver)(void *ctx, void *user, unsigned dir, const uint8_t *data, uint32_t len);
	/* missing > 0 bytes of the stream will never be delivered; the next delivery starts
	 * right after them. Parsers resync or give up. */
	void (*gap)(void *ctx, void *user, unsigned dir, uint32_t missing);
	/* Once per direction that was seen; nothing follows it in that direction. */
	void (*eos)(void *ctx, void *user, unsigned dir, enum sl_tcp_eos how);
	void *ctx;
};

struct sl_tcp_config {
	uint32_t chunks;     /* chunks in the worker's out-of-order pool; 0: nothing is buffered */
	uint32_t chunk_size; /* bytes per chunk, 16 .. 1 MiB; a segment may use several */
	uint32_t window;     /* bytes past the next expected byte that may wait per direction
	                        (at most 1 GiB); a segment ending beyond that forces a gap */
	uint64_t depth;      /* bytes per direction passed on (delivered or skipped); 0: no limit */
	uint8_t ack_gaps;    /* nonzero: when the peer acknowledges bytes this capture never saw,
	                        declare the gap at once instead of waiting for window pressure */
	uint8_t policy;      /* enum sl_tcp_policy: whose bytes win in an overlap that differs */
};

/* Written by the owning worker only; read them racily for stats. Every data-carrying
 * segment that is not a RST is counted in exactly one of in_order, out_of_order,
 * retransmissions, late and out_of_window. */
struct sl_tcp_counters {
	uint64_t segments;          /* every segment given to sl_tcp_process */
	uint64_t in_order;          /* started at (or before, and reached past) the next byte */
	uint64_t out_of_order;      /* started past the next byte */
	uint64_t retransmissions;   /* held nothing new: all delivered or all already buffered */
	uint64_t overlaps;          /* brought new bytes but also some already seen (trimmed) */
	uint64_t overlap_conflicts; /* an overlap whose bytes differed; cfg.policy chose the copy */
	uint64_t gaps;              /* gap notifications */
	uint64_t gap_bytes;         /* bytes they reported missing */
	uint64_t depth_reached;     /* directions that hit the reassembly depth */
	uint64_t pool_exhausted;    /* segments that found no free chunk, or whose direction held
	                               its maximum of chunks; each forces a gap */
	uint64_t delivered_bytes;   /* bytes handed to deliver() */
	uint64_t late;              /* data after the direction's end, its FIN or depth: ignored */
	uint64_t out_of_window;     /* started over 1 GiB past the next byte (another incarnation
	                               of the connection, or garbage): ignored, FIN included */
	uint64_t eos;               /* end-of-stream notifications */
};

struct sl__tcp_chunk;

/* The per-worker chunk pool. Fields below `ctr` are private to tcp.c. */
struct sl_tcp_pool {
	struct sl_tcp_config cfg;
	struct sl_tcp_counters ctr;
	struct sl__tcp_chunk *chunk; /* cfg.chunks descriptors */
	uint8_t *data;               /* cfg.chunks * cfg.chunk_size bytes */
	uint32_t free_head;
	uint32_t free_count;
	uint32_t stream_max_chunks; /* per direction: 4 * window / chunk_size + 16 */
};

/* struct sl_tcp_stream.flags */
#define SL_TCP_ST_OPEN 0x01u  /* next_seq is known (SYN, SYN-ACK's ack, or first segment) */
#define SL_TCP_ST_SYN 0x02u   /* opened by this direction's SYN: isn is real */
#define SL_TCP_ST_FIN 0x04u   /* fin_seq is known */
#define SL_TCP_ST_DEPTH 0x08u /* depth reached: nothing more is delivered */
#define SL_TCP_ST_ENDED 0x10u /* eos delivered */

/* One direction. Public so the flow table can embed it; treat as read-only. */
struct sl_tcp_stream {
	uint32_t isn;        /* SYN's seq; on mid-stream pickup, the first seen seq - 1 */
	uint32_t next_seq;   /* the next byte to deliver */
	uint32_t fin_seq;    /* sequence number the FIN occupies (= end of data), if ST_FIN */
	uint32_t ooo_head;   /* first buffered chunk (private) */
	uint32_t ooo_bytes;  /* bytes waiting in chunks */
	uint32_t ooo_chunks; /* chunks held */
	uint64_t offset;     /* stream bytes passed on so far (delivered + gaps) */
	uint32_t flags;      /* SL_TCP_ST_* */
	uint32_t ooo_tail;   /* last buffered chunk (private) */
};

struct sl_tcp_session {
	struct sl_tcp_stream s[2];
};

/* Bytes sl_tcp_pool_init allocates for cfg (0 if cfg is invalid). */
size_t sl_tcp_pool_memsize(const struct sl_tcp_config *cfg);

/* Allocate and pre-fault the chunk pool. 0, -EINVAL (a bound out of range) or -ENOMEM. */
int sl_tcp_pool_init(struct sl_tcp_pool *p, const struct sl_tcp_config *cfg);
/* Free the pool. Sessions still holding chunks must not be used afterwards. NULL is fine. */
void sl_tcp_pool_fini(struct sl_tcp_pool *p);

/* Make ss an empty session that has seen nothing. */
void sl_tcp_session_init(struct sl_tcp_session *ss);

/* Feed one segment that travelled in direction dir (0 or 1). Callbacks fire from inside. */
void sl_tcp_process(struct sl_tcp_pool *p, struct sl_tcp_session *ss, unsigned dir,
                    const struct sl_tcp_seg *seg, const struct sl_tcp_ops *ops, void *user);

/* The session is over: in each direction that was seen and has not ended, pass on what is
 * buffered (gaps for the holes between), report a gap up to a known FIN, then eos. */
void sl_tcp_session_flush(struct sl_tcp_pool *p, struct sl_tcp_session *ss,
                          const struct sl_tcp_ops *ops, void *user);

/* Give every chunk the session holds back to the pool, without callbacks. The session is
 * left ended; sl_tcp_session_init makes it usable again. */
void sl_tcp_session_release(struct sl_tcp_pool *p, struct sl_tcp_session *ss);

/* Check the pool's invariants and, when ss is not NULL, that session's (see tcp.c). 0, or
 * -EUCLEAN with the broken invariant described in errbuf (which may be NULL). O(chunks). */
int sl_tcp_validate(const struct sl_tcp_pool *p, const struct sl_tcp_session *ss, char *errbuf,
                    size_t errlen);

/* For the flow table: is cfg acceptable to sl_tcp_pool_init? */
int sl__tcp_config_ok(const struct sl_tcp_config *cfg);

/* For the flow table's validate: one session's invariants without the O(chunks) pool walk. */
int sl__tcp_validate_session(const struct sl_tcp_pool *p, const struct sl_tcp_session *ss,
                             char *errbuf, size_t errlen);

#endif
