/* SPDX-License-Identifier: MIT */
/* The Prometheus endpoint (metrics.c): a page of every ledger counter, from a snapshot the main
 * thread refreshes every stats.interval. */
#ifndef SLUICE_METRICS_H
#define SLUICE_METRICS_H

#include <sys/socket.h>

#include "pipeline.h"
#include "stats.h"

struct sl_metrics;

/* Listens on metrics.listen and serves GET /metrics from its own thread; NULL with errbuf set
 * (naming the key) when it cannot. */
struct sl_metrics *sl_metrics_start(const char *listen, char *errbuf, size_t errlen);
/* Main thread: a new snapshot of the pipeline's ledger for the pages that follow. */
void sl_metrics_update(struct sl_metrics *m, const struct sl_pipeline *pl, double uptime);
void sl_metrics_stop(struct sl_metrics *m); /* accepts NULL */

#endif
