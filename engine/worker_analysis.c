/* SPDX-License-Identifier: MIT */
/*
 * The per-packet analysis of a worker: the core that the analysis steps (analysis/analysis.h,
 * one folder each, listed in analysis/analysis.c) plug into.
 *
 *   packet ─▶ decode ─┬─▶ (IP fragment) defrag ─▶ decode the datagram ─┐
 *                     └────────────────────────────────────────────────┴▶ flow table
 *        flow table ─▶ UDP: every step's on_datagram (dns on its ports)
 *                   └▶ TCP: reassembly ─▶ detection: the steps' detect in table order, the
 *                                         first that claims owns the flow ─▶ its on_payload
 *        flow end (timeout, eviction, shutdown) ─▶ the steps' on_flow_end, then the flow record
 *
 * Memory is fixed at start: the flow table (each entry with the core's per-flow header and
 * the steps' areas), a pool of stream slots the steps borrow (sl_an_stream_get), and what
 * each step's init allocates. Nothing is allocated per packet.
 *
 * Configuration: everything read while processing comes from an->cfg, the snapshot the worker
 * hands over once per batch (sl_analysis_batch). When it is a new one (by version) the core
 * re-reads its live keys (flow timeouts) and calls the steps' config hooks. What init reads is
 * restart-only (sizes of tables and pools).
 *
 * Every packet gets exactly one decode outcome in the worker's counters: that is the
 * capture half of the ledger.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analysis/analysis.h"
#include "analysis/steps_conf.h"
#include "analysis/decode.h"
#include "analysis/defrag.h"
#include "conf/conf.h"
#include "flow/flow.h"
#include "log.h"
#include "record_meta.h"
#include "runtime.h"
#include "sinks/sink.h"
#include "summary.h"
#include "worker.h"

#define NO_SLOT UINT32_MAX
#define EXPIRE_EVERY 256   /* packets between two expiry slices */
#define EXPIRE_BUDGET 64
#define PROBE_BYTES 64     /* detection decides with this many client bytes, or sooner: an HTTP
                              request line of an unknown method needs its " HTTP/" */
#define MAX_STEPS 16

/* The core's part of each flow's area; the steps' areas follow it. The table zeroes a new
 * flow's area. */
struct an_flow {
	uint8_t owner;      /* index + 1 of the step that claimed the (TCP) flow, 0: none */
	uint8_t decided;    /* the app protocol is known (or known to be none) */
	uint8_t probe_len;  /* client bytes held while too few to detect the protocol */
	uint8_t icmp_type, icmp_code; /* the first packet's, for ICMP flows */
	uint8_t probe[PROBE_BYTES - 1];
	uint16_t vlan[2];   /* the first packet's tags, for the records (also when flow.use-vlan
	                       is off and they are not part of the key) */
};

struct an_step {
	const struct sl_module *mod;
	const struct sl_analysis_ops *ops;
	void *state;
	uint32_t area; /* offset of its area in the flow's user area */
};

struct sl_analysis {
	struct sl_worker *w;
	const struct sl_config *cfg; /* the batch's snapshot: the only configuration read while processing */
	uint64_t cfg_version;        /* its version; 0: none seen yet */
	struct sl_flow_table flows;
	struct sl_defrag defrag;
	int defrag_on;

	struct an_step step[MAX_STEPS];
	unsigned nsteps;
	uint32_t shared_area, shared_bytes; /* the claiming steps' one area */

	/* Stream slots: they come back through a free list; slots never used yet are taken in
	 * order (fresh), so start-up touches none of this memory. */
	uint8_t *stream;
	size_t stream_stride;
	uint32_t stream_n, stream_free, stream_fresh;

	uint64_t now_ns;       /* packet time of the latest packet */
	uint64_t wall_at_now;  /* the wall clock when it arrived (for idle expiry) */
	uint32_t since_expire;
	uint64_t pkt_ts;       /* the packet being processed, for steps that emit */
	uint32_t gap_missing;  /* the gap being reported (sl_an_gap_missing) */

	/* http_summary windows (summary.c): fed with every http record sl_an_emitted sees */
	struct sl_summary summary;

	/* Enrichment (the steps' on_record/after_record): every record emitted while a flow is
	 * being handled is that flow's; its block is appended before the record is trimmed. */
	const struct sl_runtime *rt; /* the batch's snapshot (GeoIP, watchlist), NULL: none */
	struct sl_flow *cur_flow;    /* the flow whose callback runs now */
	uint8_t *emit_p;             /* the record reserved by sl_an_emit, until sl_an_emitted */
	uint32_t emit_extra;         /* bytes reserved past what it asked for (for the block) */
	uint32_t enrich_room;        /* the most a block takes: the steps' record_bytes + header */
	int in_after;                /* after_record runs: what it emits gets no after_record */

	/* counters (worker thread only) */
	uint64_t no_stream_slot;
	uint64_t teredo; /* IPv6 packets found inside Teredo UDP */
};

static uint64_t wall_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline struct an_flow *an_flow(struct sl_flow *f)
{
	return sl_flow_user(f);
}

static inline void *area(const struct an_step *s, struct sl_flow *f)
{
	return (uint8_t *)sl_flow_user(f) + s->area;
}

/* ---- what the steps are offered (analysis.h) --------------------------------------------- */


uint64_t sl_an_packet_ts(const struct sl_analysis *an)
{
	return an->pkt_ts;
}

uint32_t sl_an_gap_missing(const struct sl_analysis *an)
{
	return an->gap_missing;
}

const struct sl_runtime *sl_an_runtime(const struct sl_analysis *an)
{
	return an->rt;
}

static inline int enriching(const struct sl_analysis *an)
{
	return an->enrich_room && an->rt && (an->rt->geoip || an->rt->watchlist);
}

void *sl_an_emit(struct sl_analysis *an, uint16_t type, uint32_t len)
{
	an->emit_extra = enriching(an) && len <= UINT32_MAX - an->enrich_room ? an->enrich_room : 0;
	an->emit_p = sl_worker_emit(an->w, type, len + an->emit_extra);
	return an->emit_p;
}

/* The record is built: the enrichment steps fill one block from the batch's snapshot (so a
 * record never mixes two), it goes after the record's strings, the record is trimmed and
 * counted, and then the steps emit what they found (alerts), each enriched the same way. */
void sl_an_emitted(struct sl_analysis *an, uint16_t type, uint32_t len)
{
	struct sl_flow *f = an->cur_flow;
	uint8_t *rec = an->emit_p;
	int after = 0;

	an->emit_p = NULL;
	if (type == SL_REC_HTTP && rec)
		sl_summary_add(&an->summary, (const struct sl_ev_http *)(const void *)rec, len, an->now_ns);
	if (rec && f && an->emit_extra && len >= sizeof(struct sl_ev_common)) {
		struct sl_ev_common *c = (struct sl_ev_common *)(void *)rec;
		if (c->flow_id == f->flow_id && c->enrich == 0) {
			struct sl_meta_enrichment en = { 0 };
			for (unsigned i = 0; i < an->nsteps; i++) {
				const struct an_step *s = &an->step[i];
				if (s->ops->on_record)
					s->ops->on_record(s->state, f, area(s, f), type, rec, len, &en);
			}
			if (sl_meta_enrich_size(&en) <= an->emit_extra) {
				struct sl_meta_builder b = { .base = rec, .used = len };
				sl_meta_enrich(&b, c, &en);
				len = b.used;
			}
			after = !an->in_after;
		}
	}
	sl_worker_emitted(an->w, type, len);
	if (after) {
		an->in_after = 1;
		for (unsigned i = 0; i < an->nsteps; i++) {
			const struct an_step *s = &an->step[i];
			if (s->ops->after_record)
				s->ops->after_record(s->state, f, area(s, f));
		}
		an->in_after = 0;
		an->cur_flow = f; /* what after_record emitted ran under the same flow */
	}
}

void sl_an_common(const struct sl_analysis *an, struct sl_ev_common *c, const struct sl_flow *f, uint64_t ts)
{
	const struct an_flow *af = sl_flow_user((struct sl_flow *)f);

	memset(c, 0, sizeof *c);
	c->ts_ns = ts;
	c->flow_id = f->flow_id;
	memcpy(c->src, f->key.src, 16);
	memcpy(c->dst, f->key.dst, 16);
	c->sport = f->key.src_port;
	c->dport = f->key.dst_port;
	c->ipver = f->key.ip_version;
	c->proto = f->key.proto;
	c->vlan[0] = af->vlan[0];
	c->vlan[1] = af->vlan[1];
	c->vlan_count = (uint8_t)(af->vlan[1] ? 2 : af->vlan[0] ? 1 : 0);
	c->worker = (uint8_t)an->w->index;
	c->version = SL_TAP_VERSION;
}

void sl_an_common_dir(const struct sl_analysis *an, struct sl_ev_common *c, const struct sl_flow *f, unsigned dir,
                      uint64_t ts)
{
	sl_an_common(an, c, f, ts);
	if (dir == SL_FLOW_TO_CLIENT) {
		memcpy(c->src, f->key.dst, 16);
		memcpy(c->dst, f->key.src, 16);
		c->sport = f->key.dst_port;
		c->dport = f->key.src_port;
	}
}

uint32_t sl_an_stream_get(struct sl_analysis *an)
{
	uint32_t i = an->stream_free;
	if (i != NO_SLOT) {
		an->stream_free = sl_an_stream(an, i + 1)->next_free;
	} else if (an->stream_fresh < an->stream_n) {
		i = an->stream_fresh++;
	} else {
		an->no_stream_slot++;
		return 0;
	}
	struct sl_an_stream *s = sl_an_stream(an, i + 1);
	s->len[0] = s->len[1] = 0;
	return i + 1;
}

void sl_an_stream_put(struct sl_analysis *an, uint32_t *slot)
{
	if (*slot == 0)
		return;
	sl_an_stream(an, *slot)->next_free = an->stream_free;
	an->stream_free = *slot - 1;
	*slot = 0;
}

struct sl_an_stream *sl_an_stream(struct sl_analysis *an, uint32_t slot)
{
	return (struct sl_an_stream *)(void *)(an->stream + (size_t)(slot - 1) * an->stream_stride);
}

uint32_t sl_an_stream_append(struct sl_an_stream *s, unsigned dir, const uint8_t *p, uint32_t n)
{
	uint32_t room = SL_AN_STREAM_BUF - s->len[dir];
	if (n > room)
		n = room;
	if (n)
		memcpy(s->buf[dir] + s->len[dir], p, n);
	s->len[dir] += n;
	return n;
}

/* ---- emitting --------------------------------------------------------------------------- */

static void emit_flow(struct sl_analysis *an, const struct sl_flow *f, enum sl_flow_reason why)
{
	struct sl_ev_flow *e = sl_an_emit(an, SL_REC_FLOW, sizeof *e);
	const struct an_flow *af = sl_flow_user((struct sl_flow *)f);

	if (e == NULL)
		return;
	sl_an_common(an, &e->c, f, f->first_ns);
	e->pkts_toserver = f->pkts[SL_FLOW_TO_SERVER];
	e->pkts_toclient = f->pkts[SL_FLOW_TO_CLIENT];
	e->bytes_toserver = f->bytes[SL_FLOW_TO_SERVER];
	e->bytes_toclient = f->bytes[SL_FLOW_TO_CLIENT];
	e->start_ns = f->first_ns;
	e->end_ns = f->last_ns;
	e->state = f->state;
	e->reason = (uint8_t)why;
	e->app_proto = (uint8_t)f->app_proto;
	e->tcp_flags_ts = f->tcp_flags[SL_FLOW_TO_SERVER];
	e->tcp_flags_tc = f->tcp_flags[SL_FLOW_TO_CLIENT];
	e->icmp_type = af->icmp_type;
	e->icmp_code = af->icmp_code;
	e->pad = 0;
	sl_an_emitted(an, SL_REC_FLOW, sizeof *e);
}

/* ---- detection and the TCP stream callbacks --------------------------------------------- */

/* The steps' detect in table order on the flow's first client bytes; the first to claim owns
 * the flow. Undecided while some step cannot tell yet and fewer than PROBE_BYTES came. */
static void detect(struct sl_analysis *an, struct sl_flow *f, struct an_flow *af, const uint8_t *p, uint32_t n)
{
	int maybe = 0;

	for (unsigned i = 0; i < an->nsteps; i++) {
		const struct an_step *s = &an->step[i];
		if (s->ops->detect == NULL)
			continue;
		int r = s->ops->detect(s->state, f, area(s, f), p, n);
		if (r == SL_AN_CLAIM) {
			af->decided = 1;
			af->owner = (uint8_t)(i + 1);
			return;
		}
		maybe |= r == SL_AN_MAYBE;
	}
	if (n >= PROBE_BYTES || !maybe) {
		af->decided = 1;
		f->app_proto = SL_APP_FAILED;
	}
}

/* The server's bytes before any of the client's: a step that can tell its protocol from the
 * server's side may claim the flow (the capture started after the request). */
static void detect_server(struct sl_analysis *an, struct sl_flow *f, struct an_flow *af, const uint8_t *p,
                          uint32_t n)
{
	for (unsigned i = 0; i < an->nsteps; i++) {
		const struct an_step *s = &an->step[i];
		if (s->ops->detect_server == NULL)
			continue;
		if (s->ops->detect_server(s->state, f, area(s, f), p, n) == SL_AN_CLAIM) {
			af->decided = 1;
			af->owner = (uint8_t)(i + 1);
			return;
		}
	}
}

static inline void feed_owner(struct sl_analysis *an, struct sl_flow *f, struct an_flow *af, unsigned dir,
                              const uint8_t *p, uint32_t n)
{
	if (af->owner) {
		const struct an_step *s = &an->step[af->owner - 1];
		s->ops->on_payload(s->state, f, area(s, f), dir, p, n);
	}
}

static void deliver(struct sl_analysis *an, struct sl_flow *f, unsigned dir, const uint8_t *p, uint32_t n)
{
	struct an_flow *af = an_flow(f);

	if (!af->decided) {
		if (dir != SL_FLOW_TO_SERVER) {
			if (af->probe_len == 0)
				detect_server(an, f, af, p, n);
			if (!af->decided)
				return; /* the server spoke first: detection waits for the client */
			feed_owner(an, f, af, dir, p, n);
			return;
		}
		if (af->probe_len == 0) {
			detect(an, f, af, p, n);
			if (!af->decided) {
				/* too few bytes to tell (n < PROBE_BYTES): keep them for the next chunk,
				 * so a client that sends its first bytes one per segment is still seen */
				memcpy(af->probe, p, n);
				af->probe_len = (uint8_t)n;
				return;
			}
		} else {
			uint8_t joined[PROBE_BYTES];
			uint32_t had = af->probe_len, take = n < PROBE_BYTES - had ? n : PROBE_BYTES - had;

			memcpy(joined, af->probe, had);
			memcpy(joined + had, p, take);
			detect(an, f, af, joined, had + take);
			if (!af->decided) {
				memcpy(af->probe, joined, had + take);
				af->probe_len = (uint8_t)(had + take);
				return;
			}
			af->probe_len = 0;
			feed_owner(an, f, af, dir, joined, had);
		}
	}
	feed_owner(an, f, af, dir, p, n);
}

void sl_an_redetect(struct sl_analysis *an, struct sl_flow *f, unsigned dir, const uint8_t *p, uint32_t n)
{
	struct an_flow *af = an_flow(f);

	af->owner = 0;
	af->decided = 0;
	af->probe_len = 0;
	memset((uint8_t *)sl_flow_user(f) + an->shared_area, 0, an->shared_bytes);
	if (n)
		deliver(an, f, dir, p, n);
}

static void on_deliver(void *ctx, void *user, unsigned dir, const uint8_t *p, uint32_t n)
{
	((struct sl_analysis *)ctx)->cur_flow = user;
	deliver(ctx, user, dir, p, n);
}

static void on_gap(void *ctx, void *user, unsigned dir, uint32_t missing)
{
	struct sl_analysis *an = ctx;
	struct sl_flow *f = user;
	struct an_flow *af = an_flow(f);

	an->cur_flow = f;
	if (af->owner) {
		const struct an_step *s = &an->step[af->owner - 1];
		an->gap_missing = missing;
		if (s->ops->on_gap)
			s->ops->on_gap(s->state, f, area(s, f), dir);
		an->gap_missing = 0;
	}
}

static void on_eos(void *ctx, void *user, unsigned dir, enum sl_tcp_eos how)
{
	struct sl_analysis *an = ctx;
	struct sl_flow *f = user;
	struct an_flow *af = an_flow(f);

	(void)how;
	an->cur_flow = f;
	if (af->owner) {
		const struct an_step *s = &an->step[af->owner - 1];
		if (s->ops->on_eos)
			s->ops->on_eos(s->state, f, area(s, f), dir);
	}
}

/* The flow ends: whatever the steps hold goes out, then the flow record. */
static void on_flow_end(void *ctx, struct sl_flow *f, enum sl_flow_reason why)
{
	struct sl_analysis *an = ctx;
	struct an_flow *af = an_flow(f);

	an->cur_flow = f;
	for (unsigned i = 0; i < an->nsteps; i++) {
		const struct an_step *s = &an->step[i];
		if (s->ops->on_flow_end && (s->ops->detect == NULL || af->owner == i + 1))
			s->ops->on_flow_end(s->state, f, area(s, f));
	}
	emit_flow(an, f, why);
}

static const struct sl_tcp_ops tcp_ops = {
	.deliver = on_deliver,
	.gap = on_gap,
	.eos = on_eos,
};

/* ---- packets ---------------------------------------------------------------------------- */

#define TEREDO_PORT 3544
static void teredo(struct sl_analysis *an, const struct sl_decoded *outer, uint64_t ts);

/* hash: the capture thread's hash of this packet's flow key (pipeline.c computes it the same
 * way), or 0 for a datagram reassembled here. */
static void flow_packet(struct sl_analysis *an, struct sl_decoded *d, uint32_t frame_len, uint64_t ts, uint32_t hash)
{
	struct sl_flow_key k;
	struct sl_flow_pkt fp = { .ts_ns = ts, .frame_len = frame_len };
	struct sl_tcp_seg seg;
	enum sl_flow_dir dir;
	uint16_t vlan[2] = { d->vlan_count > 0 ? d->vlan[0] : 0, d->vlan_count > 1 ? d->vlan[1] : 0 };

	if (!an->cfg->flow.use_vlan)
		d->vlan_count = 0; /* as the capture thread hashed it */
	fp.hash = hash ? hash : sl_flow_hash(d);
	memset(&k, 0, sizeof k);
	memcpy(k.src, d->src, 16);
	memcpy(k.dst, d->dst, 16);
	k.ip_version = d->ip_version;
	k.proto = d->proto;
	k.vlan[0] = d->vlan_count > 0 ? d->vlan[0] : 0;
	k.vlan[1] = d->vlan_count > 1 ? d->vlan[1] : 0;
	if (d->proto == 6 || d->proto == 17 || d->proto == 132) {
		k.src_port = d->sport;
		k.dst_port = d->dport;
	}
	if (d->proto == 6 && d->l4) {
		seg.data = d->payload;
		seg.len = d->payload_len;
		seg.seq = d->tcp.seq;
		seg.ack = d->tcp.ack;
		seg.flags = d->tcp.flags;
		fp.tcp = &seg;
	}
	struct sl_flow *f = sl_flow_packet(&an->flows, &k, &fp, &dir);
	struct an_flow *af = an_flow(f);
	if (f->pkts[0] + f->pkts[1] == 1) {
		af->vlan[0] = vlan[0];
		af->vlan[1] = vlan[1];
		af->icmp_type = d->icmp.type;
		af->icmp_code = d->icmp.code;
	}
	if (d->proto == 17) {
		an->cur_flow = f;
		if (d->payload_len) {
			for (unsigned i = 0; i < an->nsteps; i++) {
				const struct an_step *s = &an->step[i];
				if (s->ops->on_datagram)
					s->ops->on_datagram(s->state, f, area(s, f), dir, d->payload, d->payload_len);
			}
		}
		if (d->sport == TEREDO_PORT || d->dport == TEREDO_PORT)
			teredo(an, d, ts);
	}
}

/* Teredo (RFC 4380): IPv6 carried in UDP to or from port 3544, optionally behind an origin
 * indication. The outer UDP packet counts in its own flow; the IPv6 packet inside is a packet
 * of its own for flows and parsers, as Suricata does. Like Suricata, qualification traffic
 * (authentication headers), bubbles (no next header) and hop limit 0 are left alone.
 * (Its flow may be split over two workers when the two directions go through different
 * relays: the capture hash sees only the outer addresses.) */
static void teredo(struct sl_analysis *an, const struct sl_decoded *outer, uint64_t ts)
{
	const uint8_t *p = outer->payload;
	uint32_t n = outer->payload_len;
	struct sl_decoded in;

	if (n >= 2 && p[0] == 0) {
		if (p[1] != 0 || n < 8 + 40)
			return; /* authentication (qualification, not a tunnel), or not Teredo */
		p += 8, n -= 8; /* origin indication */
	}
	/* exactly one IPv6 packet, nothing else */
	if (n < 40 || (p[0] >> 4) != 6 || 40u + (((uint32_t)p[4] << 8) | p[5]) != n || p[7] == 0 || p[6] == 59)
		return;
	if (sl_decode(p, n, SL_LINK_RAW, &in) != SL_DECODE_OK || (in.flags & SL_DECODE_F_FRAGMENT))
		return;
	an->teredo++;
	flow_packet(an, &in, n, ts, 0);
}

void sl_analysis_runtime(struct sl_analysis *an, const struct sl_runtime *rt)
{
	an->rt = rt;
}

void sl_analysis_batch(struct sl_analysis *an, const struct sl_config *cfg, uint64_t version)
{
	an->cfg = cfg;
	if (version == an->cfg_version)
		return;
	/* A new snapshot: re-read the live keys that are cached */
	an->cfg_version = version;
	struct sl_flow_timeouts to = {
		.new_s = (uint32_t)(cfg->flow.timeouts.new_ns / 1000000000u),
		.established_s = (uint32_t)(cfg->flow.timeouts.established_ns / 1000000000u),
		.closed_s = (uint32_t)(cfg->flow.timeouts.closed_ns / 1000000000u),
		.udp_s = (uint32_t)(cfg->flow.timeouts.udp_ns / 1000000000u),
		.icmp_s = (uint32_t)(cfg->flow.timeouts.icmp_ns / 1000000000u),
		.default_s = (uint32_t)(cfg->flow.timeouts.default_ns / 1000000000u),
	};
	sl_flow_set_timeouts(&an->flows, &to);
	for (unsigned i = 0; i < an->nsteps; i++)
		if (an->step[i].ops->config)
			an->step[i].ops->config(an->step[i].state, cfg);
}

void sl_analysis_packet(struct sl_analysis *an, const struct sl_pkt_rec *p)
{
	struct sl_worker *w = an->w;
	struct sl_decoded d;
	int r = sl_decode_wire(p->data, p->caplen, p->wirelen, p->linktype, &d);

	sl_count(&w->decode[r < SL_DECODE_REASON_SLOTS ? r : SL_DECODE_REASON_SLOTS - 1], 1);
	if (r != SL_DECODE_OK)
		return;
	if (d.flags & SL_DECODE_F_TRUNCATED)
		sl_count(&w->truncated, 1);
	an->pkt_ts = p->ts_ns;
	if (p->ts_ns > an->now_ns) {
		an->now_ns = p->ts_ns;
		an->wall_at_now = 0; /* refreshed lazily by tick */
	}
	sl_summary_clock(&an->summary, w, an->now_ns); /* a window that ended: emitted before this packet */
	if (d.flags & SL_DECODE_F_FRAGMENT) {
		const uint8_t *dg;
		uint32_t dglen;
		struct sl_decoded d2;
		if (!an->defrag_on || sl_defrag_add(&an->defrag, &d, p->ts_ns, &dg, &dglen) != SL_DEFRAG_COMPLETE)
			return;
		if (sl_decode(dg, dglen, SL_LINK_RAW, &d2) != SL_DECODE_OK)
			return;
		d2.vlan_count = d.vlan_count;
		memcpy(d2.vlan, d.vlan, sizeof d2.vlan);
		flow_packet(an, &d2, dglen, p->ts_ns, 0);
	} else {
		flow_packet(an, &d, p->wirelen, p->ts_ns, p->hash);
	}
	if (++an->since_expire >= EXPIRE_EVERY) {
		an->since_expire = 0;
		sl_flow_expire(&an->flows, an->now_ns, EXPIRE_BUDGET);
		if (an->defrag_on)
			sl_defrag_expire(&an->defrag, an->now_ns);
	}
}

unsigned sl_analysis_top_flows(struct sl_analysis *an, struct sl_worker_flow *out, unsigned n)
{
	unsigned have = 0;

	if (n > SL_WORKER_TOP_MAX)
		n = SL_WORKER_TOP_MAX;
	/* one pass over the table, keeping the n largest in out (sorted, most bytes first):
	 * O(max_flows * n) once per operator's request, between batches */
	for (uint32_t i = 0; n && i < an->flows.cfg.max_flows; i++) {
		const struct sl_flow *f = sl_flow_at(&an->flows, i);
		if (f == NULL)
			continue;
		uint64_t b = f->bytes[0] + f->bytes[1];
		if (have == n && b <= out[n - 1].bytes[0] + out[n - 1].bytes[1])
			continue;
		unsigned at = have < n ? have++ : n - 1;
		while (at > 0 && out[at - 1].bytes[0] + out[at - 1].bytes[1] < b) {
			out[at] = out[at - 1];
			at--;
		}
		struct sl_worker_flow *o = &out[at];
		o->key = f->key;
		o->flow_id = f->flow_id;
		o->first_ns = f->first_ns;
		o->last_ns = f->last_ns;
		memcpy(o->pkts, f->pkts, sizeof o->pkts);
		memcpy(o->bytes, f->bytes, sizeof o->bytes);
		o->state = f->state;
	}
	return have;
}

void sl_analysis_tick(struct sl_analysis *an)
{
	/* Idle: packet time stands still, so let the wall clock move it on (live capture). */
	uint64_t wall = wall_ns();
	if (an->now_ns == 0)
		return;
	if (an->wall_at_now == 0)
		an->wall_at_now = wall;
	uint64_t now = an->now_ns + (wall - an->wall_at_now);
	sl_flow_expire(&an->flows, now, EXPIRE_BUDGET);
}

void sl_analysis_flush(struct sl_analysis *an)
{
	sl_flow_flush_all(&an->flows);
	sl_summary_emit(&an->summary, an->w); /* the open window, with what the flows' ends added */
}

void sl_analysis_counters(const struct sl_analysis *an, struct sl_analysis_counters *c)
{
	const struct sl_flow_counters *f = &an->flows.ctr;
	const struct sl_tcp_counters *t = &an->flows.tcp.ctr;

	c->flows_created += f->created;
	c->flows_evicted += f->evicted;
	c->flows_timeout += f->expired;
	c->flows_shutdown += f->flushed;
	c->flows_reused += f->reused;
	c->flows_active += f->active;
	c->tcp_segments += t->segments;
	c->tcp_out_of_order += t->out_of_order;
	c->tcp_retransmissions += t->retransmissions;
	c->tcp_gaps += t->gaps;
	c->tcp_gap_bytes += t->gap_bytes;
	c->tcp_depth_reached += t->depth_reached;
	c->tcp_pool_exhausted += t->pool_exhausted;
	c->tcp_overlap_conflicts += t->overlap_conflicts;
	if (an->defrag_on) {
		c->defrag_fragments += an->defrag.ctr.fragments;
		c->defrag_reassembled += an->defrag.ctr.reassembled;
		c->defrag_timeouts += an->defrag.ctr.timeouts;
		c->defrag_evicted += an->defrag.ctr.evicted;
		for (int r = SL_DEFRAG_NOT_FRAGMENT; r < SL_DEFRAG_REASON_COUNT; r++)
			c->defrag_refused += an->defrag.ctr.errors[r];
	}
	c->no_stream_slot += an->no_stream_slot;
	c->teredo += an->teredo;
	for (unsigned i = 0; i < an->nsteps; i++)
		if (an->step[i].ops->counters)
			an->step[i].ops->counters(an->step[i].state, c);
}

/* ---- lifecycle -------------------------------------------------------------------------- */

static uint32_t align8(uint32_t n)
{
	return (n + 7u) & ~7u;
}

/* The steps' areas: the claiming ones share one, the others get one each. Returns the
 * per-flow bytes in all. */
static uint32_t lay_out_areas(struct sl_analysis *an)
{
	uint32_t off = align8(sizeof(struct an_flow)), shared = 0;

	for (unsigned i = 0; i < an->nsteps; i++)
		if (an->step[i].ops->detect && an->step[i].ops->flow_bytes > shared)
			shared = an->step[i].ops->flow_bytes;
	an->shared_area = off;
	an->shared_bytes = align8(shared);
	off += an->shared_bytes;
	for (unsigned i = 0; i < an->nsteps; i++) {
		struct an_step *s = &an->step[i];
		if (s->ops->detect) {
			s->area = an->shared_area;
		} else {
			s->area = off;
			off += align8(s->ops->flow_bytes);
		}
	}
	return off;
}

struct sl_analysis *sl_analysis_create(struct sl_worker *w, char *errbuf, size_t errlen)
{
	const struct sl_config *cfg = w->cfg;
	struct sl_analysis *an = calloc(1, sizeof *an);
	struct sl_flow_config fc;
	uint32_t stream_priv = 0;
	int e;

	if (an == NULL)
		goto nomem;
	an->w = w;
	an->cfg = cfg;
	an->stream_free = NO_SLOT;
	for (const struct sl_module *const *m = sl__analysis_modules; *m; m++) {
		if (an->nsteps == MAX_STEPS || (*m)->kind != SL_MODULE_ANALYSIS || (*m)->analysis == NULL) {
			snprintf(errbuf, errlen, "worker %u: analysis step %s: not an analysis module, or too many",
			         w->index, (*m)->name);
			free(an);
			return NULL;
		}
		an->step[an->nsteps].mod = *m;
		an->step[an->nsteps].ops = (*m)->analysis;
		if ((*m)->analysis->on_record)
			an->enrich_room += (*m)->analysis->record_bytes;
		if ((*m)->analysis->stream_bytes > stream_priv)
			stream_priv = (*m)->analysis->stream_bytes;
		an->nsteps++;
	}

	if (an->enrich_room)
		an->enrich_room += (uint32_t)sizeof(struct sl_ev_enrich) + 3; /* + alignment */
	sl_flow_config_defaults(&fc);
	fc.max_flows = (uint32_t)cfg->flow.max_flows;
	fc.user_bytes = lay_out_areas(an);
	fc.worker = w->index;
	fc.end = on_flow_end;
	fc.ctx = an;
	fc.tcp.chunk_size = 2048;
	fc.tcp.chunks = (uint32_t)(cfg->tcp.segment_pool / fc.tcp.chunk_size);
	fc.tcp.window = (uint32_t)cfg->tcp.window;
	fc.tcp.depth = cfg->tcp.reassembly_depth;
	fc.tcp.policy = (uint8_t)cfg->tcp.overlap_policy;
	struct sl_tcp_ops ops = tcp_ops; /* the table keeps its own copy */
	ops.ctx = an;
	fc.tcp_ops = &ops;
	if ((e = sl_flow_table_init(&an->flows, &fc)) != 0) {
		snprintf(errbuf, errlen, "worker %u: flow table (flow.max-flows %u, tcp.segment-pool %llu): %s", w->index,
		         fc.max_flows, (unsigned long long)cfg->tcp.segment_pool, strerror(-e));
		free(an);
		return NULL;
	}
	if (cfg->defrag.max_trackers > 0) {
		if ((e = sl_defrag_init(&an->defrag, (unsigned)cfg->defrag.max_trackers, cfg->defrag.memory,
		                        cfg->defrag.timeout_ns)) != 0) {
			snprintf(errbuf, errlen, "worker %u: defrag (defrag.memory %llu): %s", w->index,
			         (unsigned long long)cfg->defrag.memory, strerror(-e));
			sl_analysis_destroy(an);
			return NULL;
		}
		an->defrag_on = 1;
	}

	/* one pool of stream slots for every step that borrows them */
	an->stream_n = (uint32_t)SL_TLS_CONF(cfg)->max_sessions;
	an->stream_stride = (sizeof(struct sl_an_stream) + stream_priv + 63u) & ~(size_t)63u;
	an->stream = calloc(an->stream_n ? an->stream_n : 1, an->stream_stride);
	if (an->stream == NULL) {
		sl_analysis_destroy(an);
		goto nomem;
	}
	for (unsigned i = 0; i < an->nsteps; i++) {
		struct an_step *s = &an->step[i];
		if (s->ops->init && (e = s->ops->init(an, cfg, &s->state, errbuf, errlen)) != 0) {
			if (e == -ENOMEM)
				snprintf(errbuf, errlen, "worker %u: out of memory for the %s analysis", w->index,
				         s->mod->name);
			sl_analysis_destroy(an);
			return NULL;
		}
	}
	if (sl_summary_init(&an->summary, cfg->stats.http_summary_interval_ns, (unsigned)cfg->stats.http_summary_top) != 0) {
		sl_analysis_destroy(an);
		goto nomem;
	}
	sl_analysis_batch(an, cfg, 1);
	return an;
nomem:
	snprintf(errbuf, errlen, "worker %u: out of memory for the analysis state", w->index);
	return NULL;
}

void sl_analysis_destroy(struct sl_analysis *an)
{
	if (an == NULL)
		return;
	sl_flow_table_fini(&an->flows);
	if (an->defrag_on)
		sl_defrag_fini(&an->defrag);
	for (unsigned i = 0; i < an->nsteps; i++)
		if (an->step[i].ops->fini)
			an->step[i].ops->fini(an->step[i].state);
	free(an->stream);
	sl_summary_fini(&an->summary);
	free(an);
}
