/* SPDX-License-Identifier: MIT */
/*
 * The flow table of one worker: bucketed chaining over one preallocated array of entries,
 * an LRU list for eviction, a clock hand for timeouts, and the TCP connection state. It
 * exists so that per-packet work is a hash, a short chain walk and a few counter updates,
 * with memory fixed at init: the table never grows, it ends flows instead, and every ending
 * goes through the caller so the flow record is never lost silently.
 *
 * Layout: max_flows entries of `stride` bytes each (struct sl_flow, then the caller's area),
 * 64-byte aligned, linked by 32-bit indices; a power-of-two array of bucket heads. Bucket
 * index = mix(hash) & mask: capture picks the worker from the same hash's low bits, so
 * without the extra mixing one worker's flows would crowd a fraction of its buckets.
 *
 * Invariants (sl_flow_validate checks each; its messages carry these numbers):
 *  1. An entry is either free (in_use 0, on the free list and nowhere else) or in use (on
 *     the chain of bucket mix(hash) & mask and on the LRU list, each exactly once).
 *  2. ctr.active == entries in use == LRU length == total chain length, and the free list
 *     holds the other max_flows - active entries.
 *  3. No two flows in the table have the same key in either orientation.
 *  4. The LRU list is consistently doubly linked; its head is the least recently active.
 *  5. created == active + evicted + expired + reused + flushed + removed.
 *  6. flow_id is nonzero and carries the worker index; for TCP, state is what tcp_state
 *     maps to.
 *  7. Every TCP session is valid (tcp.c), and the chunks the sessions hold plus the pool's
 *     free chunks are all the pool's chunks: an ended flow never keeps one.
 *
 * Who is the client (the flow's src): the sender of its first packet, as Suricata does,
 * except that a TCP SYN-ACK seen first makes its receiver the client (the SYN was missed,
 * the roles are still certain). There is deliberately no port heuristic (lower port =
 * server): Suricata has none either, and EVE consumers compare our src/dest with its.
 *
 * TCP connection state (c: a packet from the client, s: from the server):
 *
 *            c SYN               s SYN-ACK              c ACK
 *    NONE ───────────▶ SYN_SENT ───────────▶ SYN_RECV ───────────▶ ESTABLISHED
 *     │  │                │   s SYN-ACK seen first  ▲                  ▲     │
 *     │  └────────────────┼─────────────────────────┘                  │     │ FIN
 *     │                   └── a non-SYN ACK (SYN-ACK not captured) ────┤     ▼
 *     └── packets both ways, no SYN (picked up mid-stream) ────────────┘  FIN_WAIT
 *                                                                             │ FIN from
 *                                                                             ▼ the other side
 *    any state ─── RST ───▶ CLOSED ◀─── ACK from the side that did not ─── CLOSING
 *                                        send the last FIN
 *
 *  A FIN in NONE, SYN_SENT or SYN_RECV also moves to FIN_WAIT (or CLOSING when the other side
 *  already sent one). In CLOSING or CLOSED a SYN without ACK means the tuple is reused: the
 *  flow ends ("tcp_reuse") and the SYN starts a new one.
 *
 *  EVE state:   NONE, SYN_SENT, SYN_RECV -> new;  ESTABLISHED, FIN_WAIT, CLOSING ->
 *               established;  CLOSED -> closed.  Non-TCP: new until both directions were
 *               seen, then established.
 *  Timeout:     NONE..SYN_RECV -> new;  ESTABLISHED, FIN_WAIT -> established (a half-closed
 *               connection may carry data for long);  CLOSING, CLOSED -> closed.
 *
 * A packet that finds its flow idle past its timeout ends it ("timeout") and starts a new
 * one, so how often sl_flow_expire runs changes when records come out, never what they say.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow.h"

#define NIL UINT32_MAX
#define PROTO_TCP 6
#define PROTO_UDP 17
#define PROTO_ICMP 1
#define PROTO_ICMPV6 58
#define MAX_FLOWS (1u << 31)
#define MAX_USER_BYTES (1u << 20)
#define MAX_WORKERS 1024u
/* flow_id = worker << 43 | counter: unique across workers, below 2^53 so JSON readers that
 * hold numbers as doubles keep every digit, and the counter lasts 8.8e12 flows per worker. */
#define ID_SHIFT 43
#define ID_MASK ((UINT64_C(1) << ID_SHIFT) - 1)
#define NS_PER_S UINT64_C(1000000000)

enum { TO_NEW, TO_EST, TO_CLOSED, TO_UDP, TO_ICMP, TO_DEFAULT };

static inline struct sl_flow *slot(const struct sl_flow_table *t, uint32_t i)
{
	return (struct sl_flow *)(t->mem + (size_t)i * t->stride);
}

static inline uint32_t index_of(const struct sl_flow_table *t, const struct sl_flow *f)
{
	return (uint32_t)((size_t)((const unsigned char *)f - t->mem) / t->stride);
}

const struct sl_flow *sl_flow_at(const struct sl_flow_table *t, uint32_t i)
{
	if (i >= t->cfg.max_flows || t->mem == NULL || !slot(t, i)->in_use)
		return NULL;
	return slot(t, i);
}

static inline uint32_t rotl32(uint32_t x, int r)
{
	return (x << r) | (x >> (32 - r));
}

/* Avalanche: every input bit flips about half the output bits. */
static inline uint32_t fmix32(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

static inline uint32_t mix(uint32_t h, uint32_t k)
{
	k *= 0xcc9e2d51u;
	k = rotl32(k, 15);
	k *= 0x1b873593u;
	h ^= k;
	h = rotl32(h, 13);
	return h * 5u + 0xe6546b64u;
}

static inline uint32_t load32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof v);
	return v;
}

static inline uint32_t bucket_of(const struct sl_flow_table *t, uint32_t hash)
{
	return fmix32(hash) & t->bucket_mask;
}

uint32_t sl_flow_key_hash(const struct sl_flow_key *k)
{
	const uint8_t *a = k->src, *b = k->dst;
	uint32_t pa = k->src_port, pb = k->dst_port;
	int c = memcmp(a, b, 16);
	uint32_t h = 0x736c7566u;

	/* Symmetric by putting the two endpoints in a fixed order before hashing. */
	if (c > 0 || (c == 0 && pa > pb)) {
		const uint8_t *tp = a;
		uint32_t tport = pa;
		a = b;
		b = tp;
		pa = pb;
		pb = tport;
	}
	h = mix(h, (uint32_t)k->ip_version | (uint32_t)k->proto << 8);
	h = mix(h, (uint32_t)k->vlan[0] | (uint32_t)k->vlan[1] << 16);
	for (int i = 0; i < 16; i += 4)
		h = mix(h, load32(a + i));
	for (int i = 0; i < 16; i += 4)
		h = mix(h, load32(b + i));
	h = mix(h, pa | pb << 16);
	return fmix32(h ^ 40u);
}

/* Does stored key s match packet key k, and which way did the packet go? */
static inline int key_match(const struct sl_flow_key *s, const struct sl_flow_key *k,
                            enum sl_flow_dir *dir)
{
	if (s->proto != k->proto || s->ip_version != k->ip_version || s->vlan[0] != k->vlan[0] ||
	    s->vlan[1] != k->vlan[1])
		return 0;
	if (s->src_port == k->src_port && s->dst_port == k->dst_port &&
	    memcmp(s->src, k->src, 16) == 0 && memcmp(s->dst, k->dst, 16) == 0) {
		*dir = SL_FLOW_TO_SERVER;
		return 1;
	}
	if (s->src_port == k->dst_port && s->dst_port == k->src_port &&
	    memcmp(s->src, k->dst, 16) == 0 && memcmp(s->dst, k->src, 16) == 0) {
		*dir = SL_FLOW_TO_CLIENT;
		return 1;
	}
	return 0;
}

static struct sl_flow *lookup(const struct sl_flow_table *t, const struct sl_flow_key *key,
                              uint32_t hash, enum sl_flow_dir *dir)
{
	for (uint32_t i = t->bucket[bucket_of(t, hash)]; i != NIL;) {
		struct sl_flow *f = slot(t, i);
		if (f->hash == hash && key_match(&f->key, key, dir))
			return f;
		i = f->hnext;
	}
	return NULL;
}

static void lru_unlink(struct sl_flow_table *t, struct sl_flow *f)
{
	if (f->lru_prev != NIL)
		slot(t, f->lru_prev)->lru_next = f->lru_next;
	else
		t->lru_head = f->lru_next;
	if (f->lru_next != NIL)
		slot(t, f->lru_next)->lru_prev = f->lru_prev;
	else
		t->lru_tail = f->lru_prev;
	f->lru_prev = f->lru_next = NIL;
}

static void lru_append(struct sl_flow_table *t, struct sl_flow *f, uint32_t i)
{
	f->lru_prev = t->lru_tail;
	f->lru_next = NIL;
	if (t->lru_tail != NIL)
		slot(t, t->lru_tail)->lru_next = i;
	else
		t->lru_head = i;
	t->lru_tail = i;
}

static enum sl_flow_state eve_state(const struct sl_flow *f)
{
	if (f->key.proto != PROTO_TCP)
		return (f->pkts[0] && f->pkts[1]) ? SL_FLOW_STATE_ESTABLISHED : SL_FLOW_STATE_NEW;
	switch (f->tcp_state) {
	case SL_FLOW_TCP_ESTABLISHED:
	case SL_FLOW_TCP_FIN_WAIT:
	case SL_FLOW_TCP_CLOSING:
		return SL_FLOW_STATE_ESTABLISHED;
	case SL_FLOW_TCP_CLOSED:
		return SL_FLOW_STATE_CLOSED;
	default:
		return SL_FLOW_STATE_NEW;
	}
}

void sl_flow_set_timeouts(struct sl_flow_table *t, const struct sl_flow_timeouts *to)
{
	t->cfg.timeout = *to;
	t->timeout_ns[TO_NEW] = (uint64_t)to->new_s * NS_PER_S;
	t->timeout_ns[TO_EST] = (uint64_t)to->established_s * NS_PER_S;
	t->timeout_ns[TO_CLOSED] = (uint64_t)to->closed_s * NS_PER_S;
	t->timeout_ns[TO_UDP] = (uint64_t)to->udp_s * NS_PER_S;
	t->timeout_ns[TO_ICMP] = (uint64_t)to->icmp_s * NS_PER_S;
	t->timeout_ns[TO_DEFAULT] = (uint64_t)to->default_s * NS_PER_S;
}

uint64_t sl_flow_timeout_ns(const struct sl_flow_table *t, const struct sl_flow *f)
{
	switch (f->key.proto) {
	case PROTO_TCP:
		if (f->tcp_state >= SL_FLOW_TCP_CLOSING)
			return t->timeout_ns[TO_CLOSED];
		if (f->tcp_state >= SL_FLOW_TCP_ESTABLISHED)
			return t->timeout_ns[TO_EST];
		return t->timeout_ns[TO_NEW];
	case PROTO_UDP:
		return t->timeout_ns[TO_UDP];
	case PROTO_ICMP:
	case PROTO_ICMPV6:
		return t->timeout_ns[TO_ICMP];
	default:
		return t->timeout_ns[TO_DEFAULT];
	}
}

static inline int idle_past(const struct sl_flow_table *t, const struct sl_flow *f, uint64_t now)
{
	/* Packet time may step backwards between files; that is never idleness. */
	return now > f->last_ns && now - f->last_ns > sl_flow_timeout_ns(t, f);
}

/* The flow ends: the parsers get what reassembly still holds, the caller gets the flow,
 * then the entry goes back to the free list. */
static void end_flow(struct sl_flow_table *t, struct sl_flow *f, enum sl_flow_reason why,
                     uint64_t *counter)
{
	uint32_t i = index_of(t, f);

	if (t->tcp_on && f->key.proto == PROTO_TCP)
		sl_tcp_session_flush(&t->tcp, &f->tcp, &t->tcp_ops, f);
	if (t->cfg.end)
		t->cfg.end(t->cfg.ctx, f, why);
	if (t->tcp_on)
		sl_tcp_session_release(&t->tcp, &f->tcp);

	uint32_t *link = &t->bucket[bucket_of(t, f->hash)];
	while (*link != i)
		link = &slot(t, *link)->hnext;
	*link = f->hnext;
	lru_unlink(t, f);
	f->in_use = 0;
	f->hnext = t->free_head;
	t->free_head = i;
	t->ctr.active--;
	(*counter)++;
}

static struct sl_flow *create(struct sl_flow_table *t, const struct sl_flow_key *key,
                              uint32_t hash, const struct sl_flow_pkt *pkt, enum sl_flow_dir *dir)
{
	if (t->free_head == NIL)
		end_flow(t, slot(t, t->lru_head), SL_FLOW_END_FORCED, &t->ctr.evicted);

	uint32_t i = t->free_head;
	struct sl_flow *f = slot(t, i);
	uint32_t b = bucket_of(t, hash);

	t->free_head = f->hnext;
	memset(f, 0, t->stride);
	f->key = *key;
	*dir = SL_FLOW_TO_SERVER;
	if (key->proto == PROTO_TCP && pkt->tcp &&
	    (pkt->tcp->flags & (SL_TCP_SYN | SL_TCP_ACK)) == (SL_TCP_SYN | SL_TCP_ACK)) {
		f->key = sl_flow_key_reverse(key);
		*dir = SL_FLOW_TO_CLIENT;
	}
	f->key.reserved[0] = f->key.reserved[1] = 0;
	f->hash = hash;
	f->flow_id = (uint64_t)t->cfg.worker << ID_SHIFT | t->next_id;
	t->next_id = (t->next_id + 1) & ID_MASK;
	if (t->next_id == 0)
		t->next_id = 1;
	f->first_ns = f->last_ns = pkt->ts_ns;
	f->in_use = 1;
	sl_tcp_session_init(&f->tcp);
	f->hnext = t->bucket[b];
	t->bucket[b] = i;
	lru_append(t, f, i);
	t->ctr.created++;
	t->ctr.active++;
	return f;
}

static void tcp_track(struct sl_flow *f, enum sl_flow_dir d, uint8_t fl)
{
	uint8_t s = f->tcp_state;
	uint8_t syn_ack = fl & (SL_TCP_SYN | SL_TCP_ACK);

	if (s == SL_FLOW_TCP_CLOSED)
		return;
	if (fl & SL_TCP_RST) {
		f->tcp_state = SL_FLOW_TCP_CLOSED;
		return;
	}
	switch (s) {
	case SL_FLOW_TCP_NONE:
		if (syn_ack == SL_TCP_SYN)
			s = SL_FLOW_TCP_SYN_SENT;
		else if (syn_ack == (SL_TCP_SYN | SL_TCP_ACK))
			s = SL_FLOW_TCP_SYN_RECV;
		else if (f->pkts[0] && f->pkts[1])
			s = SL_FLOW_TCP_ESTABLISHED;
		break;
	case SL_FLOW_TCP_SYN_SENT:
		if (syn_ack == (SL_TCP_SYN | SL_TCP_ACK) && d == SL_FLOW_TO_CLIENT)
			s = SL_FLOW_TCP_SYN_RECV;
		else if (syn_ack == SL_TCP_ACK)
			s = SL_FLOW_TCP_ESTABLISHED;
		break;
	case SL_FLOW_TCP_SYN_RECV:
		if (syn_ack == SL_TCP_ACK && d == SL_FLOW_TO_SERVER)
			s = SL_FLOW_TCP_ESTABLISHED;
		break;
	default:
		break;
	}
	if (fl & SL_TCP_FIN) {
		/* tcp_flags already include this packet's, so the other side's FIN is known */
		if (f->tcp_flags[d ^ 1] & SL_TCP_FIN)
			s = SL_FLOW_TCP_CLOSING;
		else if (s < SL_FLOW_TCP_FIN_WAIT)
			s = SL_FLOW_TCP_FIN_WAIT;
		f->fin_dir = (uint8_t)d;
	} else if (s == SL_FLOW_TCP_CLOSING && (fl & SL_TCP_ACK) && d != f->fin_dir) {
		s = SL_FLOW_TCP_CLOSED;
	}
	f->tcp_state = s;
}

struct sl_flow *sl_flow_packet(struct sl_flow_table *t, const struct sl_flow_key *key,
                               const struct sl_flow_pkt *pkt, enum sl_flow_dir *dir)
{
	uint32_t hash = pkt->hash ? pkt->hash : sl_flow_key_hash(key);
	const struct sl_tcp_seg *seg = key->proto == PROTO_TCP ? pkt->tcp : NULL;
	enum sl_flow_dir d = SL_FLOW_TO_SERVER;
	struct sl_flow *f;

	t->ctr.lookups++;
	f = lookup(t, key, hash, &d);
	if (f && seg && (seg->flags & (SL_TCP_SYN | SL_TCP_ACK | SL_TCP_RST)) == SL_TCP_SYN &&
	    f->tcp_state >= SL_FLOW_TCP_CLOSING) {
		end_flow(t, f, SL_FLOW_END_TCP_REUSE, &t->ctr.reused);
		f = NULL;
	} else if (f && idle_past(t, f, pkt->ts_ns)) {
		end_flow(t, f, SL_FLOW_END_TIMEOUT, &t->ctr.expired);
		f = NULL;
	}
	if (!f)
		f = create(t, key, hash, pkt, &d);

	if (pkt->ts_ns > f->last_ns)
		f->last_ns = pkt->ts_ns;
	if (pkt->ts_ns < f->first_ns)
		f->first_ns = pkt->ts_ns;
	f->pkts[d]++;
	f->bytes[d] += pkt->frame_len;
	uint32_t i = index_of(t, f);
	if (t->lru_tail != i) {
		lru_unlink(t, f);
		lru_append(t, f, i);
	}
	if (seg) {
		f->tcp_flags[d] |= seg->flags;
		tcp_track(f, d, seg->flags);
	}
	f->state = (uint8_t)eve_state(f);
	if (seg && t->tcp_on)
		sl_tcp_process(&t->tcp, &f->tcp, (unsigned)d, seg, &t->tcp_ops, f);
	*dir = d;
	return f;
}

struct sl_flow *sl_flow_find(const struct sl_flow_table *t, const struct sl_flow_key *key,
                             uint32_t hash, enum sl_flow_dir *dir)
{
	enum sl_flow_dir d = SL_FLOW_TO_SERVER;
	struct sl_flow *f = lookup(t, key, hash ? hash : sl_flow_key_hash(key), &d);

	if (f && dir)
		*dir = d;
	return f;
}

uint32_t sl_flow_expire(struct sl_flow_table *t, uint64_t now_ns, uint32_t budget)
{
	uint32_t ended = 0;

	if (budget > t->cfg.max_flows)
		budget = t->cfg.max_flows;
	while (budget--) {
		struct sl_flow *f = slot(t, t->cursor);
		if (++t->cursor == t->cfg.max_flows)
			t->cursor = 0;
		if (f->in_use && idle_past(t, f, now_ns)) {
			end_flow(t, f, SL_FLOW_END_TIMEOUT, &t->ctr.expired);
			ended++;
		}
	}
	return ended;
}

uint32_t sl_flow_flush_all(struct sl_flow_table *t)
{
	uint32_t ended = 0;

	while (t->lru_head != NIL) {
		end_flow(t, slot(t, t->lru_head), SL_FLOW_END_SHUTDOWN, &t->ctr.flushed);
		ended++;
	}
	return ended;
}

void sl_flow_end(struct sl_flow_table *t, struct sl_flow *f, enum sl_flow_reason why)
{
	if (f && f->in_use)
		end_flow(t, f, why, &t->ctr.removed);
}

void sl_flow_config_defaults(struct sl_flow_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->max_flows = 65536;
	/* Suricata's defaults for TCP; its "established" values for the others, since a
	 * single number per protocol has to cover both of its states. */
	cfg->timeout.new_s = 60;
	cfg->timeout.established_s = 600;
	cfg->timeout.closed_s = 60;
	cfg->timeout.udp_s = 300;
	cfg->timeout.icmp_s = 300;
	cfg->timeout.default_s = 300;
	cfg->tcp.chunks = 0;
	cfg->tcp.chunk_size = 2048;
	cfg->tcp.window = 64u << 10;
	cfg->tcp.depth = 1u << 20;
	cfg->tcp.ack_gaps = 1;
	cfg->tcp.policy = SL_TCP_POLICY_BSD; /* Suricata's default */
}

static size_t entry_stride(uint32_t user_bytes)
{
	size_t s = SL_FLOW_USER_OFFSET + (((size_t)user_bytes + 15u) & ~(size_t)15u);
	return (s + 63u) & ~(size_t)63u;
}

static uint32_t bucket_count(uint32_t max_flows)
{
	uint32_t n = 16;
	while (n < max_flows)
		n <<= 1;
	return n;
}

static int config_ok(const struct sl_flow_config *cfg)
{
	if (!cfg || cfg->max_flows == 0 || cfg->max_flows > MAX_FLOWS ||
	    cfg->user_bytes > MAX_USER_BYTES || cfg->worker >= MAX_WORKERS)
		return 0;
	if ((size_t)cfg->max_flows > SIZE_MAX / entry_stride(cfg->user_bytes))
		return 0;
	return !cfg->tcp_ops || sl__tcp_config_ok(&cfg->tcp);
}

size_t sl_flow_table_memsize(const struct sl_flow_config *cfg)
{
	if (!config_ok(cfg))
		return 0;
	size_t n = (size_t)cfg->max_flows * entry_stride(cfg->user_bytes) +
	           (size_t)bucket_count(cfg->max_flows) * sizeof(uint32_t);
	if (cfg->tcp_ops)
		n += sl_tcp_pool_memsize(&cfg->tcp);
	return n;
}

int sl_flow_table_init(struct sl_flow_table *t, const struct sl_flow_config *cfg)
{
	uint32_t nb;
	int rc = -ENOMEM;

	memset(t, 0, sizeof *t);
	t->free_head = t->lru_head = t->lru_tail = NIL;
	if (!config_ok(cfg))
		return -EINVAL;
	t->cfg = *cfg;
	t->cfg.tcp_ops = NULL; /* borrowed for the call only; the copy below is what runs */
	t->stride = entry_stride(cfg->user_bytes);
	nb = bucket_count(cfg->max_flows);
	t->bucket_mask = nb - 1;
	t->mem = aligned_alloc(64, (size_t)cfg->max_flows * t->stride);
	if (!t->mem)
		goto fail;
	t->bucket = malloc((size_t)nb * sizeof *t->bucket);
	if (!t->bucket)
		goto fail;
	memset(t->bucket, 0xff, (size_t)nb * sizeof *t->bucket);
	/* Writing every entry now faults every page in on this (pinned) thread. */
	for (uint32_t i = cfg->max_flows; i-- > 0;) {
		struct sl_flow *f = slot(t, i);
		memset(f, 0, t->stride);
		f->lru_prev = f->lru_next = NIL;
		f->hnext = t->free_head;
		t->free_head = i;
	}
	if (cfg->tcp_ops) {
		rc = sl_tcp_pool_init(&t->tcp, &cfg->tcp);
		if (rc)
			goto fail;
		t->tcp_ops = *cfg->tcp_ops;
		t->tcp_on = 1;
	}
	t->next_id = 1;
	sl_flow_set_timeouts(t, &cfg->timeout);
	return 0;
fail:
	free(t->bucket);
	free(t->mem);
	t->bucket = NULL;
	t->mem = NULL;
	return rc;
}

void sl_flow_table_fini(struct sl_flow_table *t)
{
	if (!t)
		return;
	sl_tcp_pool_fini(&t->tcp);
	free(t->bucket);
	free(t->mem);
	t->bucket = NULL;
	t->mem = NULL;
	t->free_head = t->lru_head = t->lru_tail = NIL;
	t->tcp_on = 0;
}

const char *sl_flow_state_name(enum sl_flow_state s)
{
	switch (s) {
	case SL_FLOW_STATE_NEW: return "new";
	case SL_FLOW_STATE_ESTABLISHED: return "established";
	case SL_FLOW_STATE_CLOSED: return "closed";
	}
	return "unknown";
}

const char *sl_flow_reason_name(enum sl_flow_reason r)
{
	switch (r) {
	case SL_FLOW_END_TIMEOUT: return "timeout";
	case SL_FLOW_END_FORCED: return "forced";
	case SL_FLOW_END_SHUTDOWN: return "shutdown";
	case SL_FLOW_END_TCP_REUSE: return "tcp_reuse";
	}
	return "unknown";
}

const char *sl_flow_tcp_state_name(enum sl_flow_tcp_state s)
{
	switch (s) {
	case SL_FLOW_TCP_NONE: return "none";
	case SL_FLOW_TCP_SYN_SENT: return "syn_sent";
	case SL_FLOW_TCP_SYN_RECV: return "syn_recv";
	case SL_FLOW_TCP_ESTABLISHED: return "established";
	case SL_FLOW_TCP_FIN_WAIT: return "fin_wait";
	case SL_FLOW_TCP_CLOSING: return "closing";
	case SL_FLOW_TCP_CLOSED: return "closed";
	}
	return "unknown";
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

int sl_flow_validate(const struct sl_flow_table *t, char *errbuf, size_t errlen)
{
	const uint32_t max = t->cfg.max_flows;
	uint64_t used = 0, nfree = 0, nlru = 0, nchain = 0, chunks = 0;
	uint32_t prev = NIL;
	int rc;

	for (uint32_t i = 0; i < max; i++) {
		const struct sl_flow *f = slot(t, i);
		if (f->in_use > 1)
			return bad(errbuf, errlen, "inv 1: entry %u in_use %u", i, f->in_use);
		if (!f->in_use)
			continue;
		used++;
		if (f->flow_id == 0 || f->flow_id >> ID_SHIFT != t->cfg.worker)
			return bad(errbuf, errlen, "inv 6: entry %u flow_id %llx", i,
			           (unsigned long long)f->flow_id);
		if (f->state != eve_state(f) && f->key.proto == PROTO_TCP)
			return bad(errbuf, errlen, "inv 6: entry %u state %u, tcp_state %u", i,
			           f->state, f->tcp_state);
		if (t->tcp_on) {
			rc = sl__tcp_validate_session(&t->tcp, &f->tcp, errbuf, errlen);
			if (rc)
				return rc;
			chunks += f->tcp.s[0].ooo_chunks + f->tcp.s[1].ooo_chunks;
		}
	}
	for (uint32_t i = t->free_head; i != NIL; i = slot(t, i)->hnext) {
		if (i >= max || ++nfree > max)
			return bad(errbuf, errlen, "inv 1: free list broken at %u", i);
		if (slot(t, i)->in_use)
			return bad(errbuf, errlen, "inv 1: entry %u free and in use", i);
	}
	for (uint32_t i = t->lru_head; i != NIL; i = slot(t, i)->lru_next) {
		if (i >= max || ++nlru > max)
			return bad(errbuf, errlen, "inv 4: LRU list broken at %u", i);
		const struct sl_flow *f = slot(t, i);
		if (!f->in_use || f->lru_prev != prev)
			return bad(errbuf, errlen, "inv 4: LRU entry %u in_use %u prev %u != %u", i,
			           f->in_use, f->lru_prev, prev);
		prev = i;
	}
	if (prev != t->lru_tail)
		return bad(errbuf, errlen, "inv 4: LRU tail %u, last entry %u", t->lru_tail, prev);
	for (uint32_t b = 0; b <= t->bucket_mask; b++) {
		for (uint32_t i = t->bucket[b]; i != NIL; i = slot(t, i)->hnext) {
			if (i >= max || ++nchain > max)
				return bad(errbuf, errlen, "inv 1: chain %u broken at %u", b, i);
			const struct sl_flow *f = slot(t, i);
			if (!f->in_use || bucket_of(t, f->hash) != b)
				return bad(errbuf, errlen, "inv 1: entry %u in chain %u (in_use %u)", i,
				           b, f->in_use);
			for (uint32_t j = f->hnext; j != NIL && j < max; j = slot(t, j)->hnext) {
				enum sl_flow_dir d;
				if (key_match(&slot(t, j)->key, &f->key, &d))
					return bad(errbuf, errlen, "inv 3: entries %u and %u share a key",
					           i, j);
			}
		}
	}
	if (used != t->ctr.active || nlru != used || nchain != used || nfree != max - used)
		return bad(errbuf, errlen,
		           "inv 2: active %llu, in use %llu, LRU %llu, chains %llu, free %llu",
		           (unsigned long long)t->ctr.active, (unsigned long long)used,
		           (unsigned long long)nlru, (unsigned long long)nchain,
		           (unsigned long long)nfree);
	const struct sl_flow_counters *c = &t->ctr;
	if (c->created != c->active + c->evicted + c->expired + c->reused + c->flushed + c->removed)
		return bad(errbuf, errlen, "inv 5: created %llu != ended + active",
		           (unsigned long long)c->created);
	if (t->tcp_on) {
		rc = sl_tcp_validate(&t->tcp, NULL, errbuf, errlen);
		if (rc)
			return rc;
		if (chunks + t->tcp.free_count != t->tcp.cfg.chunks)
			return bad(errbuf, errlen, "inv 7: sessions hold %llu chunks, %u free, of %u",
			           (unsigned long long)chunks, t->tcp.free_count, t->tcp.cfg.chunks);
	}
	return 0;
}
