/* SPDX-License-Identifier: MIT */
/*
 * HTTP summary windows: per worker, per window of stats.http-summary-interval, the number of
 * HTTP transactions, their status classes (1xx..5xx, none when no response was seen, other),
 * and the top hosts, URLs and user agents, emitted as one http_summary record when the window
 * ends. Records are per worker (a flow and its transactions live on one worker; summing the
 * workers' records of one window gives the sensor's), so no thread ever shares a counter.
 *
 * Window time is packet time: a window is [k * interval, (k + 1) * interval) of the packets'
 * timestamps (ns since the epoch), so replaying a file gives the same windows every time. A
 * window opens with the first transaction it gets and is emitted when the worker's packet clock
 * reaches its end (before the packet that reached it is analysed: any packet the worker gets,
 * not only HTTP) or at the end of input. The wall clock never closes a window, even on an idle
 * worker: a replay's windows must not depend on how fast it was read. A transaction
 * belongs to the window open when its record is emitted (at the response, or when its flow
 * ends), so in a worker's output every http_summary record counts exactly the http records
 * written before it since the previous one. Windows with no transaction make no record.
 *
 * Top lists use space-saving counters (Metwally et al.): 4 x top counters per list; a value not
 * counted yet takes a free counter or replaces the smallest, inheriting its count as `error`.
 * A count is exact while the list has seen at most 4 x top distinct values, and never more than
 * count - error below the truth otherwise. Empty values (a request with no Host) are not listed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "summary.h"
#include "worker.h"

int sl_summary_init(struct sl_summary *s, uint64_t interval_ns, unsigned top)
{
	memset(s, 0, sizeof *s);
	s->interval_ns = interval_ns;
	s->top = top;
	if (interval_ns == 0)
		return 0;
	uint32_t m = top * 4u;
	for (int l = 0; l < SL_SUMMARY_LISTS; l++) {
		s->list[l].m = m;
		if ((s->list[l].c = calloc(m, sizeof *s->list[l].c)) == NULL)
			goto nomem;
	}
	if ((s->order = calloc(m, sizeof *s->order)) == NULL)
		goto nomem;
	return 0;
nomem:
	sl_summary_fini(s);
	return -ENOMEM;
}

void sl_summary_fini(struct sl_summary *s)
{
	for (int l = 0; l < SL_SUMMARY_LISTS; l++)
		free(s->list[l].c);
	free(s->order);
	memset(s, 0, sizeof *s);
}

static void list_add(struct sl_summary_list *li, const uint8_t *p, uint32_t len)
{
	uint64_t h = 0xcbf29ce484222325u;
	struct sl_summary_counter *min = NULL;

	if (len == 0)
		return;
	if (len > SL_SUMMARY_STR)
		len = SL_SUMMARY_STR;
	for (uint32_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3u;
	for (uint32_t i = 0; i < li->n; i++) {
		struct sl_summary_counter *c = &li->c[i];
		if (c->hash == h && c->len == len && memcmp(c->s, p, len) == 0) {
			c->count++;
			return;
		}
		if (min == NULL || c->count < min->count)
			min = c;
	}
	if (li->n < li->m) {
		min = &li->c[li->n++];
		min->count = 0;
		min->error = 0;
	} else {
		min->error = min->count; /* the value it replaces may have been this one */
	}
	min->count++;
	min->hash = h;
	min->len = len;
	memcpy(min->s, p, len);
}

static void mstr_add(struct sl_summary_list *li, const struct sl_ev_http *h, uint32_t len, struct sl_mstr m)
{
	if ((uint64_t)m.off + m.len <= len)
		list_add(li, (const uint8_t *)h + m.off, m.len);
}

void sl_summary_add(struct sl_summary *s, const struct sl_ev_http *h, uint32_t len, uint64_t now_ns)
{
	if (s->interval_ns == 0 || len < sizeof *h)
		return;
	if (s->end_ns == 0) {
		s->start_ns = now_ns - now_ns % s->interval_ns;
		s->end_ns = s->start_ns + s->interval_ns;
	}
	s->requests++;
	unsigned cls = h->status == 0 ? 0 : h->status >= 100 && h->status < 600 ? h->status / 100u : 6;
	s->status[cls]++;
	mstr_add(&s->list[SL_SUMMARY_HOSTS], h, len, h->hostname);
	mstr_add(&s->list[SL_SUMMARY_URLS], h, len, h->url);
	mstr_add(&s->list[SL_SUMMARY_AGENTS], h, len, h->user_agent);
}

/* The first k of a list by count (descending; ties by value, so a replay is identical). */
static int by_count(const void *a, const void *b, void *arg)
{
	const struct sl_summary_counter *base = arg;
	const struct sl_summary_counter *x = &base[*(const uint32_t *)a], *y = &base[*(const uint32_t *)b];
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	uint32_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->s, y->s, n);
	return c ? c : (x->len > y->len) - (x->len < y->len);
}

static uint32_t top_of(struct sl_summary *s, int l)
{
	struct sl_summary_list *li = &s->list[l];
	for (uint32_t i = 0; i < li->n; i++)
		s->order[i] = i;
	qsort_r(s->order, li->n, sizeof *s->order, by_count, li->c);
	return li->n < s->top ? li->n : s->top;
}

void sl_summary_emit(struct sl_summary *s, struct sl_worker *w)
{
	uint32_t k[SL_SUMMARY_LISTS], items = 0, strings = 0;
	uint32_t idx[SL_SUMMARY_LISTS][64];

	if (s->end_ns == 0)
		return;
	if (s->requests) {
		for (int l = 0; l < SL_SUMMARY_LISTS; l++) {
			k[l] = top_of(s, l);
			for (uint32_t i = 0; i < k[l]; i++) {
				idx[l][i] = s->order[i];
				strings += s->list[l].c[s->order[i]].len;
			}
			items += k[l];
		}
		uint32_t size = (uint32_t)sizeof(struct sl_ev_http_summary) + items * (uint32_t)sizeof(struct sl_ev_topk) + strings;
		struct sl_ev_http_summary *r = sl_worker_emit(w, SL_REC_HTTP_SUMMARY, size);
		if (r) {
			memset(r, 0, sizeof *r);
			r->c.ts_ns = s->end_ns;
			r->c.worker = (uint8_t)w->index;
			r->window_start_ns = s->start_ns;
			r->window_end_ns = s->end_ns;
			r->requests = s->requests;
			memcpy(r->status, s->status, sizeof r->status);
			struct sl_meta_builder b = { .base = (uint8_t *)r,
				                     .used = (uint32_t)sizeof *r + items * (uint32_t)sizeof(struct sl_ev_topk) };
			uint32_t at = 0;
			for (int l = 0; l < SL_SUMMARY_LISTS; l++) {
				r->n[l] = (uint8_t)k[l];
				for (uint32_t i = 0; i < k[l]; i++, at++) {
					const struct sl_summary_counter *c = &s->list[l].c[idx[l][i]];
					r->items[at].count = c->count;
					r->items[at].error = c->error;
					sl_meta_put(&b, &r->items[at].value, c->s, c->len);
				}
			}
			sl_worker_emitted(w, SL_REC_HTTP_SUMMARY, b.used);
			s->emitted++;
		}
	}
	/* close the window */
	s->start_ns = s->end_ns = 0;
	s->requests = 0;
	memset(s->status, 0, sizeof s->status);
	for (int l = 0; l < SL_SUMMARY_LISTS; l++)
		s->list[l].n = 0;
}
