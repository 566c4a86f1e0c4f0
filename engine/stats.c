/* SPDX-License-Identifier: MIT */
/*
 * The ledger: every packet and record the engine touched, accounted for, printed for humans at
 * exit and written as JSON with --stats-json (its shape is a contract with tools outside this
 * repository; DESIGN.md). It also checks that it balances:
 *
 *   capture.packets = decode.ok + sum(decode.errors) + capture.ring_dropped + capture.oversize
 *   for each hop:   produced = consumed + dropped + in_flight
 *   for each sink:  received = delivered + spooled + dropped (+ left: a tap's unread records)
 *
 * Each side of a hop keeps its own count: `produced` and `dropped` are the producer's (capture
 * pushed, worker emitted, router routed per sink), `consumed` the consumer's (worker taken,
 * router taken, sink received), `in_flight` the ring's own. A record lost between them (the
 * test hook of fault.h makes one) unbalances exactly that hop, and sluiced exits 3 naming it.
 *
 * Reading the counters is racy while threads run (each is a single-writer atomic); at a clean
 * stop every thread has been joined, so the figures are final and must balance exactly.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "analysis/decode.h"
#include "encode_json.h"
#include "pipeline.h"
#include "sinks/sink.h"
#include "stats.h"
#include "worker.h"

#define LD(x) atomic_load_explicit(&(x), memory_order_relaxed)

/* A ring's row: the producer's count (records it put in, plus those it dropped for this ring),
 * the consumer's count, and what the ring itself still holds. Three parties, so the row's
 * equation can fail: produced = consumed + dropped + in_flight. */
static struct sl_ledger_ring *ring_row(struct sl_ledger *l, sl_ring *r, uint64_t put, uint64_t dropped,
                                       uint64_t taken)
{
	struct sl_ledger_ring *row;
	struct sl_ring_stats st;

	if (l->nrings >= SL_LEDGER_MAX_RINGS) {
		l->rings_missing++;
		return NULL;
	}
	row = &l->rings[l->nrings++];
	sl_ring_stats(r, &st);
	row->produced = put + dropped;
	row->consumed = taken;
	row->dropped = dropped;
	row->in_flight = st.records_in - st.records_out;
	row->backing = st.backing;
	row->full_events = st.full_events;
	row->capacity = st.capacity;
	row->used = st.used;
	return row;
}

/* A tap (sinks/tap/tap.c): its consumer is another process, so its side of the hop is the
 * ring header's records_out (what its consumers released), clamped to what was committed: a
 * consumer that scribbles on the header misstates only its own row. The hop's equation then
 * checks the router's `routed` against the ring's own commits; the sink row says what the
 * consumers read, what the router dropped for them and what nobody read (left). */
static void tap_rows(struct sl_ledger *l, struct sl_ledger_sink *row, const struct sl_sink *sk, uint64_t routed,
                     uint64_t dropped)
{
	struct sl_ring_stats st;
	struct sl_ledger_ring *rr = ring_row(l, sk->ring, routed, dropped, 0);
	uint64_t out;

	sl_ring_stats(sk->ring, &st);
	out = st.records_out < st.records_in ? st.records_out : st.records_in;
	if (rr) {
		snprintf(rr->name, sizeof rr->name, "router->%s", sk->name);
		rr->consumed = out;
		rr->in_flight = st.records_in - out;
	}
	row->received = routed + dropped;
	row->delivered = out;
	row->dropped = dropped;
	row->dropped_full = dropped;
	row->left = st.records_in - out;
	row->bytes = st.bytes_out;
	row->subscribers = (uint64_t)st.consumer_alive;
}

void sl_ledger_collect(const struct sl_pipeline *pl, struct sl_ledger *l)
{
	memset(l, 0, sizeof *l);
	l->paused = (uint64_t)atomic_load_explicit(&pl->paused, memory_order_relaxed);
	for (unsigned c = 0; c < pl->ncaptures; c++) {
		const struct sl_capture_thread *ct = &pl->cap[c];
		l->packets += LD(ct->ctr.packets);
		l->bytes += LD(ct->ctr.bytes);
		l->kernel_dropped += LD(ct->ctr.kernel_drops);
		l->oversize += LD(ct->out.oversize);
		l->input_errors += LD(ct->ctr.errors);
		l->producer_absent += LD(ct->ctr.producer_absent);
		l->producer_restarts += LD(ct->ctr.producer_restarts);
		/* capture c is input c of every worker (pipeline.c adds them in that order) */
		for (unsigned w = 0; w < ct->out.nworkers; w++) {
			l->ring_dropped += LD(ct->out.dropped[w]);
			struct sl_ledger_ring *row = ring_row(l, ct->out.rings[w], LD(ct->out.pushed[w]),
			                                      LD(ct->out.dropped[w]), LD(pl->workers[w]->taken[c]));
			if (row)
				snprintf(row->name, sizeof row->name, "capture%u->worker%u", c, w);
		}
	}

	for (unsigned w = 0; w < pl->nworkers; w++) {
		const struct sl_worker *wk = pl->workers[w];
		l->decoded += LD(wk->decode[SL_DECODE_OK]);
		l->truncated += LD(wk->truncated);
		for (unsigned r = 1; r < SL_DECODE_REASON_SLOTS; r++)
			l->decode_errors[r] += LD(wk->decode[r]);
		for (unsigned t = 0; t < SL_REC_TYPE_MAX; t++)
			l->events[t] += LD(wk->events[t]);
		l->bad_records += LD(wk->bad_records);
		sl_worker_counters(wk, &l->an); /* the worker's published copy: safe while it runs */
		l->emit_dropped += LD(wk->emit_dropped);
		uint64_t emitted = 0;
		for (unsigned t = 0; t < SL_REC_TYPE_MAX; t++)
			emitted += LD(wk->events[t]);
		struct sl_ledger_ring *row = ring_row(l, wk->out, emitted, LD(wk->emit_dropped),
		                                      LD(pl->router.taken[w]));
		if (row)
			snprintf(row->name, sizeof row->name, "worker%u->router", w);
	}
	/* the main thread's ring: its count against the router's */
	if (pl->stats_ring) {
		struct sl_ledger_ring *row = ring_row(l, pl->stats_ring, LD(pl->stats_put), LD(pl->stats_dropped),
		                                      LD(pl->router.stats_taken));
		if (row)
			snprintf(row->name, sizeof row->name, "stats->router");
		l->stats_records = LD(pl->stats_put) - LD(pl->config_put);
		l->events[SL_REC_STATS] += l->stats_records;
		l->events[SL_REC_CONFIG] += LD(pl->config_put);
	}
	l->unroutable = LD(pl->router.unroutable);
	for (unsigned s = 0; s < pl->nsinks; s++) {
		const struct sl_sink *sk = pl->sinks[s];
		struct sl_ledger_sink *row = &l->sinks[l->nsinks++];
		snprintf(row->name, sizeof row->name, "%s", sk->name);
		if (sk->external) {
			tap_rows(l, row, sk, LD(pl->router.routed[s]), LD(pl->router.dropped[s]));
			continue;
		}
		struct sl_ledger_ring *rr = ring_row(l, sk->ring, LD(pl->router.routed[s]), LD(pl->router.dropped[s]),
		                                     LD(sk->ctr.received));
		if (rr)
			snprintf(rr->name, sizeof rr->name, "router->%s", sk->name);
		row->received = LD(sk->ctr.received);
		row->delivered = LD(sk->ctr.delivered);
		row->spooled = LD(sk->ctr.spooled);
		row->dropped = LD(sk->ctr.dropped);
		row->bytes = LD(sk->ctr.bytes);
		row->dropped_full = LD(sk->ctr.dropped_full);
		row->dropped_encode = LD(sk->ctr.dropped_encode);
		row->dropped_error = LD(sk->ctr.dropped_error);
		row->subscribers = LD(sk->ctr.subscribers);
		row->subscriptions = LD(sk->ctr.subscriptions);
		row->has_spool = atomic_load_explicit(&sk->ctr.has_spool, memory_order_relaxed);
		row->replayed = LD(sk->ctr.replayed);
		row->spool_recovered = LD(sk->ctr.spool_recovered);
		row->spool_pending = LD(sk->ctr.spool_pending);
		row->spool_dropped = LD(sk->ctr.spool_dropped);
		row->spool_lost = LD(sk->ctr.spool_lost);
	}

	/* latency: each stage's histogram(s), by the thread that owns it */
	struct sl_ledger_lat *lt = &l->lat[l->nlat++];
	snprintf(lt->stage, sizeof lt->stage, "worker");
	for (unsigned w = 0; w < pl->nworkers; w++)
		sl_hist_read(&pl->workers[w]->lat, &lt->h);
	lt = &l->lat[l->nlat++];
	snprintf(lt->stage, sizeof lt->stage, "router");
	sl_hist_read(&pl->router.lat, &lt->h);
	for (unsigned s = 0; s < pl->nsinks && l->nlat < SL_LEDGER_MAX_LAT; s++) {
		lt = &l->lat[l->nlat++];
		snprintf(lt->stage, sizeof lt->stage, "sink:%s", pl->sinks[s]->mod->name);
		sl_hist_read(&pl->sinks[s]->ctr.lat, &lt->h);
	}
}

#define RCOL(k, g, h, f) { k, h, g, offsetof(struct sl_ledger_ring, f) }
const struct sl_ledger_col sl_ledger_ring_cols[] = {
	RCOL("produced", 0, "Records the producer put in (or dropped for) the ring.", produced),
	RCOL("consumed", 0, "Records the consumer took from the ring.", consumed),
	RCOL("dropped", 0, "Records dropped at the ring (drop policy, full).", dropped),
	RCOL("in_flight", 1, "Records in the ring now.", in_flight),
	RCOL("full_events", 0, "Times the producer found the ring full.", full_events),
	RCOL("used_bytes", 1, "Bytes the ring holds now.", used),
	RCOL("capacity", 1, "Data bytes of the ring.", capacity),
};
const size_t sl_ledger_nring_cols = sizeof sl_ledger_ring_cols / sizeof sl_ledger_ring_cols[0];
#define SCOL(k, g, h, f) { k, h, g, offsetof(struct sl_ledger_sink, f) }
const struct sl_ledger_col sl_ledger_sink_cols[] = {
	SCOL("received", 0, "Records the sink took from its ring.", received),
	SCOL("delivered", 0, "Records the destination acknowledged.", delivered),
	SCOL("spooled", 0, "Records that went to the spool instead.", spooled),
	SCOL("dropped", 0, "Records the sink dropped (all reasons).", dropped),
	SCOL("bytes", 0, "Bytes the sink wrote.", bytes),
	SCOL("left", 1, "Records in a tap's ring that no consumer has read yet.", left),
	SCOL("subscribers", 1, "Subscribers connected (publishers).", subscribers),
	SCOL("subscriptions", 1, "Topic subscriptions held (publishers).", subscriptions),
	SCOL("replayed", 0, "Spooled records the destination acknowledged later.", replayed),
	SCOL("spool_recovered", 0, "Records found in the spool at start.", spool_recovered),
	SCOL("spool_pending", 1, "Records waiting in the spool.", spool_pending),
	SCOL("spool_dropped", 0, "Spooled records dropped with their segment.", spool_dropped),
	SCOL("spool_lost", 0, "Spooled records that could not be read back.", spool_lost),
};
const size_t sl_ledger_nsink_cols = sizeof sl_ledger_sink_cols / sizeof sl_ledger_sink_cols[0];

/* The analysis counters, by ledger section, for the text and the JSON alike. */
struct counter_row {
	const char *section, *key;
	size_t off;
};
#define ROW(section, key, field) { section, key, offsetof(struct sl_analysis_counters, field) }
static const struct counter_row an_rows[] = {
	ROW("flows", "created", flows_created),        ROW("flows", "evicted", flows_evicted),
	ROW("flows", "timeout", flows_timeout),        ROW("flows", "shutdown", flows_shutdown),
	ROW("flows", "tcp_reuse", flows_reused),       ROW("tcp", "segments", tcp_segments),
	ROW("tcp", "out_of_order", tcp_out_of_order),  ROW("tcp", "retransmissions", tcp_retransmissions),
	ROW("tcp", "gaps", tcp_gaps),                  ROW("tcp", "gap_bytes", tcp_gap_bytes),
	ROW("tcp", "depth_reached", tcp_depth_reached), ROW("tcp", "pool_exhausted", tcp_pool_exhausted),
	ROW("tcp", "overlap_conflicts", tcp_overlap_conflicts),
	ROW("defrag", "fragments", defrag_fragments),  ROW("defrag", "reassembled", defrag_reassembled),
	ROW("defrag", "timeouts", defrag_timeouts),    ROW("defrag", "evicted", defrag_evicted),
	ROW("tunnel", "teredo", teredo),
	ROW("app", "http_errors", http_errors),        ROW("app", "tls_errors", tls_errors),
	ROW("app", "dns_errors", dns_errors),          ROW("app", "no_http_parser", no_http_slot),
	ROW("app", "no_stream_buffer", no_stream_slot),
	ROW("app", "http_bad_lines", http_bad_lines),   ROW("app", "http_framing", http_framing),
	ROW("app", "http_resyncs", http_resyncs),
	ROW("enrich", "geoip_lookups", geoip_lookups), ROW("enrich", "geoip_found", geoip_found),
	ROW("enrich", "geoip_decodes", geoip_decodes), ROW("enrich", "alerts", watchlist_alerts),
	ROW("enrich", "alerts_suppressed", watchlist_suppressed),
	ROW("enrich", "alerts_untracked", watchlist_untracked), ROW("enrich", "alerts_lost", watchlist_lost),
};
#undef ROW

/* One line per section ("tcp       segments 12  gaps 0 ...") or one JSON object per section
 * (" \"tcp\":{\"segments\":12,...},"). */
static void print_sections(const struct sl_ledger *l, FILE *f, int json)
{
	size_t n = sizeof an_rows / sizeof an_rows[0];

	for (size_t i = 0; i < n; i++) {
		const struct counter_row *r = &an_rows[i];
		uint64_t v = *(const uint64_t *)((const char *)&l->an + r->off);
		int first = i == 0 || strcmp(an_rows[i - 1].section, r->section) != 0;
		int last = i + 1 == n || strcmp(an_rows[i + 1].section, r->section) != 0;
		if (json) {
			if (first)
				fprintf(f, " \"%s\":{", r->section);
			fprintf(f, "%s\"%s\":%llu%s", first ? "" : ",", r->key, (unsigned long long)v, last ? "},\n" : "");
		} else {
			if (first)
				fprintf(f, "%-9s", r->section);
			fprintf(f, "%s%s %llu%s", first ? " " : "  ", r->key, (unsigned long long)v, last ? "\n" : "");
		}
	}
}

int sl_ledger_balanced(const struct sl_ledger *l, char *why, size_t len)
{
	uint64_t errs = 0;
	for (unsigned r = 1; r < SL_DECODE_REASON_SLOTS; r++)
		errs += l->decode_errors[r];
	/* records a capture source counted but that never became ring records */
	if (l->packets != l->decoded + errs + l->ring_dropped + l->oversize + l->bad_records) {
		snprintf(why, len, "capture: %llu packets != %llu decoded + %llu errors + %llu ring drops + %llu oversize",
		         (unsigned long long)l->packets, (unsigned long long)l->decoded, (unsigned long long)errs,
		         (unsigned long long)l->ring_dropped, (unsigned long long)l->oversize);
		return 0;
	}
	if (l->rings_missing) {
		snprintf(why, len, "%u rings have no row in the ledger: their hops are unchecked", l->rings_missing);
		return 0;
	}
	for (unsigned i = 0; i < l->nrings; i++) {
		const struct sl_ledger_ring *r = &l->rings[i];
		if (r->produced != r->consumed + r->dropped + r->in_flight) {
			snprintf(why, len, "hop %s: the producer counted %llu (%llu dropped), the consumer took %llu, "
			         "%llu still in the ring", r->name, (unsigned long long)r->produced,
			         (unsigned long long)r->dropped, (unsigned long long)r->consumed,
			         (unsigned long long)r->in_flight);
			return 0;
		}
	}
	if (l->unroutable) {
		snprintf(why, len, "router: %llu records of no known type", (unsigned long long)l->unroutable);
		return 0;
	}
	for (unsigned i = 0; i < l->nsinks; i++) {
		const struct sl_ledger_sink *s = &l->sinks[i];
		if (s->received != s->delivered + s->spooled + s->dropped + s->left) {
			snprintf(why, len, "sink %s: received %llu != delivered %llu + spooled %llu + dropped %llu + left %llu",
			         s->name, (unsigned long long)s->received, (unsigned long long)s->delivered,
			         (unsigned long long)s->spooled, (unsigned long long)s->dropped, (unsigned long long)s->left);
			return 0;
		}
		if (s->has_spool && s->spooled + s->spool_recovered !=
		                            s->replayed + s->spool_pending + s->spool_dropped + s->spool_lost) {
			snprintf(why, len,
			         "sink %s spool: spooled %llu + recovered %llu != replayed %llu + pending %llu + dropped %llu + "
			         "lost %llu",
			         s->name, (unsigned long long)s->spooled, (unsigned long long)s->spool_recovered,
			         (unsigned long long)s->replayed, (unsigned long long)s->spool_pending,
			         (unsigned long long)s->spool_dropped, (unsigned long long)s->spool_lost);
			return 0;
		}
	}
	return 1;
}

void sl_ledger_print(const struct sl_ledger *l, FILE *f, double seconds)
{
	uint64_t errs = 0;
	char why[256];

	for (unsigned r = 1; r < SL_DECODE_REASON_SLOTS; r++)
		errs += l->decode_errors[r];
	fprintf(f, "--- sluice ledger (%.3f s) ---\n", seconds);
	fprintf(f, "capture   packets %llu  bytes %llu  dropped %llu (ring %llu, kernel %llu)%s\n",
	        (unsigned long long)l->packets, (unsigned long long)l->bytes,
	        (unsigned long long)(l->ring_dropped + l->kernel_dropped), (unsigned long long)l->ring_dropped,
	        (unsigned long long)l->kernel_dropped, l->input_errors ? "  (input errors, see log)" : "");
	if (seconds > 0)
		fprintf(f, "          %.0f packets/s\n", (double)l->packets / seconds);
	if (l->producer_absent || l->producer_restarts)
		fprintf(f, "          shm producer %s, restarted %llu times\n", l->producer_absent ? "absent" : "attached",
		        (unsigned long long)l->producer_restarts);
	fprintf(f, "decode    ok %llu (cut by the snap length %llu)  errors %llu", (unsigned long long)l->decoded,
	        (unsigned long long)l->truncated, (unsigned long long)errs);
	for (unsigned r = 1; r < SL_DECODE_REASON_SLOTS; r++)
		if (l->decode_errors[r])
			fprintf(f, "  %s %llu", sl_decode_reason_name((int)r), (unsigned long long)l->decode_errors[r]);
	fprintf(f, "\nevents   ");
	for (unsigned t = 0; t < SL_REC_TYPE_MAX; t++)
		if (l->events[t] && sl_json_event_name((uint16_t)t))
			fprintf(f, " %s %llu", sl_json_event_name((uint16_t)t), (unsigned long long)l->events[t]);
	if (l->emit_dropped)
		fprintf(f, "  (dropped at a forced stop: %llu)", (unsigned long long)l->emit_dropped);
	fprintf(f, "\n");
	print_sections(l, f, 0);
	for (unsigned i = 0; i < l->nrings; i++) {
		const struct sl_ledger_ring *r = &l->rings[i];
		fprintf(f, "ring      %-22s produced %llu  consumed %llu  dropped %llu  in_flight %llu  (%s)\n", r->name,
		        (unsigned long long)r->produced, (unsigned long long)r->consumed, (unsigned long long)r->dropped,
		        (unsigned long long)r->in_flight, sl_ring_backing_name(r->backing));
	}
	for (unsigned i = 0; i < l->nsinks; i++) {
		const struct sl_ledger_sink *s = &l->sinks[i];
		fprintf(f, "sink      %-22s received %llu  delivered %llu  spooled %llu  dropped %llu", s->name,
		        (unsigned long long)s->received, (unsigned long long)s->delivered, (unsigned long long)s->spooled,
		        (unsigned long long)s->dropped);
		if (s->left)
			fprintf(f, "  left %llu (no consumer read them)", (unsigned long long)s->left);
		fprintf(f, "\n");
		if (s->has_spool)
			fprintf(f, "spool     %-22s recovered %llu  replayed %llu  pending %llu  dropped %llu  lost %llu\n",
			        s->name, (unsigned long long)s->spool_recovered, (unsigned long long)s->replayed,
			        (unsigned long long)s->spool_pending, (unsigned long long)s->spool_dropped,
			        (unsigned long long)s->spool_lost);
	}
	for (unsigned i = 0; i < l->nlat; i++) {
		const struct sl_hist_snap *h = &l->lat[i].h;
		fprintf(f, "latency   %-22s sampled %llu  p50 %.1f us  p99 %.1f us  max %.1f us\n", l->lat[i].stage,
		        (unsigned long long)h->count, (double)sl_hist_quantile(h, 0.5) / 1e3,
		        (double)sl_hist_quantile(h, 0.99) / 1e3, (double)h->max_ns / 1e3);
	}
	if (sl_ledger_balanced(l, why, sizeof why))
		fprintf(f, "ledger    balanced\n");
	else
		fprintf(f, "ledger    DOES NOT BALANCE: %s\n", why);
}

int sl_ledger_write_json(const struct sl_ledger *l, const char *path, char *errbuf, size_t errlen)
{
	FILE *f = fopen(path, "w");

	if (f == NULL) {
		int e = errno;
		snprintf(errbuf, errlen, "--stats-json %s: %s", path, strerror(e));
		return -e;
	}
	sl_ledger_json(l, f);
	if (fclose(f) != 0) {
		int e = errno;
		snprintf(errbuf, errlen, "--stats-json %s: %s", path, strerror(e));
		return -e;
	}
	return 0;
}

void sl_ledger_json(const struct sl_ledger *l, FILE *f)
{
	char why[256];

	fprintf(f, "{\"capture\":{\"packets\":%llu,\"bytes\":%llu,\"dropped\":%llu,\"ring_dropped\":%llu,"
	           "\"kernel_dropped\":%llu,\"oversize\":%llu,\"input_errors\":%llu,"
	           "\"producer_absent\":%llu,\"producer_restarts\":%llu},\n",
	        (unsigned long long)l->packets, (unsigned long long)l->bytes,
	        (unsigned long long)(l->ring_dropped + l->kernel_dropped), (unsigned long long)l->ring_dropped,
	        (unsigned long long)l->kernel_dropped, (unsigned long long)l->oversize,
	        (unsigned long long)l->input_errors, (unsigned long long)l->producer_absent,
	        (unsigned long long)l->producer_restarts);
	fprintf(f, " \"decode\":{\"ok\":%llu,\"errors\":{", (unsigned long long)l->decoded);
	int first = 1;
	for (unsigned r = 1; r < SL_DECODE_REASON_SLOTS; r++)
		if (l->decode_errors[r]) {
			fprintf(f, "%s\"%s\":%llu", first ? "" : ",", sl_decode_reason_name((int)r),
			        (unsigned long long)l->decode_errors[r]);
			first = 0;
		}
	fprintf(f, "},\"truncated\":%llu,\"bad_records\":%llu},\n \"events\":{", (unsigned long long)l->truncated,
	        (unsigned long long)l->bad_records);
	first = 1;
	for (unsigned t = 0; t < SL_REC_TYPE_MAX; t++)
		if (sl_json_event_name((uint16_t)t)) {
			fprintf(f, "%s\"%s\":%llu", first ? "" : ",", sl_json_event_name((uint16_t)t),
			        (unsigned long long)l->events[t]);
			first = 0;
		}
	fprintf(f, "},\n \"events_dropped\":%llu,\n", (unsigned long long)l->emit_dropped);
	print_sections(l, f, 1);
	fprintf(f, " \"rings\":[");
	for (unsigned i = 0; i < l->nrings; i++) {
		const struct sl_ledger_ring *r = &l->rings[i];
		fprintf(f, "%s\n  {\"name\":\"%s\",\"produced\":%llu,\"consumed\":%llu,\"dropped\":%llu,\"in_flight\":%llu,"
		           "\"full_events\":%llu,\"capacity\":%llu,\"used\":%llu,\"backing\":\"%s\"}",
		        i ? "," : "", r->name, (unsigned long long)r->produced, (unsigned long long)r->consumed,
		        (unsigned long long)r->dropped, (unsigned long long)r->in_flight,
		        (unsigned long long)r->full_events, (unsigned long long)r->capacity,
		        (unsigned long long)r->used, sl_ring_backing_name(r->backing));
	}
	fprintf(f, "],\n \"sinks\":[");
	for (unsigned i = 0; i < l->nsinks; i++) {
		const struct sl_ledger_sink *s = &l->sinks[i];
		fprintf(f, "%s\n  {\"name\":\"%s\",\"received\":%llu,\"delivered\":%llu,\"spooled\":%llu,\"dropped\":%llu,"
		           "\"bytes\":%llu,\"drops\":{\"full\":%llu,\"encode\":%llu,\"error\":%llu},"
		           "\"subscribers\":%llu,\"subscriptions\":%llu,\"left\":%llu",
		        i ? "," : "", s->name, (unsigned long long)s->received, (unsigned long long)s->delivered,
		        (unsigned long long)s->spooled, (unsigned long long)s->dropped, (unsigned long long)s->bytes,
		        (unsigned long long)s->dropped_full, (unsigned long long)s->dropped_encode,
		        (unsigned long long)s->dropped_error, (unsigned long long)s->subscribers,
		        (unsigned long long)s->subscriptions, (unsigned long long)s->left);
		if (s->has_spool)
			fprintf(f, ",\"replayed\":%llu,\"spool\":{\"recovered\":%llu,\"pending\":%llu,\"dropped\":%llu,\"lost\":%llu}",
			        (unsigned long long)s->replayed, (unsigned long long)s->spool_recovered,
			        (unsigned long long)s->spool_pending, (unsigned long long)s->spool_dropped,
			        (unsigned long long)s->spool_lost);
		fputc('}', f);
	}
	fprintf(f, "],\n \"latency\":{");
	for (unsigned i = 0; i < l->nlat; i++) {
		const struct sl_hist_snap *h = &l->lat[i].h;
		fprintf(f, "%s\n  \"%s\":{\"count\":%llu,\"sum_ns\":%llu,\"max_ns\":%llu,\"p50_ns\":%llu,\"p99_ns\":%llu,"
		           "\"buckets\":[", i ? "," : "", l->lat[i].stage, (unsigned long long)h->count,
		        (unsigned long long)h->sum_ns, (unsigned long long)h->max_ns,
		        (unsigned long long)sl_hist_quantile(h, 0.5), (unsigned long long)sl_hist_quantile(h, 0.99));
		for (unsigned b = 0; b < SL_HIST_BUCKETS; b++)
			fprintf(f, "%s%llu", b ? "," : "", (unsigned long long)h->bucket[b]);
		fprintf(f, "]}");
	}
	fprintf(f, "},\n \"paused\":%s,\n \"balanced\":%s}\n", l->paused ? "true" : "false",
	        sl_ledger_balanced(l, why, sizeof why) ? "true" : "false");
}

int sl_ledger_section_row(const struct sl_ledger *l, size_t i, const char **section, const char **key,
                          uint64_t *v)
{
	if (i >= sizeof an_rows / sizeof an_rows[0])
		return 0;
	*section = an_rows[i].section;
	*key = an_rows[i].key;
	*v = *(const uint64_t *)((const char *)&l->an + an_rows[i].off);
	return 1;
}
