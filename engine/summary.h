/* SPDX-License-Identifier: MIT */
/*
 * HTTP summary windows (summary.c): one worker's HTTP transactions aggregated per window of
 * stats.http-summary-interval, emitted as one http_summary record at the window's end. Memory
 * is fixed at init (space-saving counters per list); adding a transaction allocates nothing,
 * locks nothing and makes no syscall. Worker thread only.
 */
#ifndef SLUICE_SUMMARY_H
#define SLUICE_SUMMARY_H

#include <stddef.h>
#include <stdint.h>

#include "record_meta.h"

struct sl_worker;

/* Longest value a list keeps; longer hosts, URLs and user agents are cut (and counted as the
 * cut value). */
#define SL_SUMMARY_STR 256u

struct sl_summary_counter {
	uint64_t hash, count, error;
	uint32_t len;
	char s[SL_SUMMARY_STR];
};

struct sl_summary_list {
	struct sl_summary_counter *c;
	uint32_t n, m; /* in use, capacity */
};

struct sl_summary {
	uint64_t interval_ns;       /* 0: off */
	unsigned top;               /* entries per list in a record */
	uint64_t start_ns, end_ns;  /* the open window [start, end) in packet time; end 0: none open */
	uint64_t requests, status[7];
	struct sl_summary_list list[SL_SUMMARY_LISTS];
	uint32_t *order;            /* scratch for sorting a list at emit (m entries) */
	uint64_t emitted;           /* records emitted */
};

/* 0, or -ENOMEM. interval_ns 0 makes every call a no-op. */
int sl_summary_init(struct sl_summary *s, uint64_t interval_ns, unsigned top);
void sl_summary_fini(struct sl_summary *s);
/* An http record was emitted at packet time now_ns: count it in the window (opening one when
 * none is open: the interval-aligned window holding now_ns). */
void sl_summary_add(struct sl_summary *s, const struct sl_ev_http *h, uint32_t len, uint64_t now_ns);
/* Packet time moved to now_ns: a window that ended before it is emitted and closed. Call it
 * before the packet is analysed, so what the packet makes belongs to the next window. */
static inline void sl_summary_clock(struct sl_summary *s, struct sl_worker *w, uint64_t now_ns);
/* Emit the open window now (the end of input, or its end has passed) and close it. */
void sl_summary_emit(struct sl_summary *s, struct sl_worker *w);

static inline void sl_summary_clock(struct sl_summary *s, struct sl_worker *w, uint64_t now_ns)
{
	if (s->end_ns && now_ns >= s->end_ns)
		sl_summary_emit(s, w);
}

#endif
