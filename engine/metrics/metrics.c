/* SPDX-License-Identifier: MIT */
/*
 * The Prometheus endpoint: every ledger counter, per ring and per sink, in the text exposition
 * format, served by libmicrohttpd from its own thread on metrics.listen (127.0.0.1 by default).
 *
 * The page is built from a snapshot, never from the stages: the main thread collects the ledger
 * every stats.interval (the same reads a final ledger does: single-writer atomics and each
 * worker's published counters) and swaps it in under a mutex that only it and the HTTP thread
 * take. A scrape therefore costs the data path nothing, and a slow or hostile client costs at
 * most one of a few connection slots, with a timeout.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/decode.h"
#include "conf/conf.h"
#include "encode_json.h"
#include "metrics.h"

#ifndef SLUICE_VERSION
#define SLUICE_VERSION "0.0.0"
#endif

struct sl_metrics {
	struct MHD_Daemon *d;
	pthread_mutex_t lock;
	struct sl_ledger *snap, *scratch; /* snap: what pages show; scratch: the main thread's */
	double uptime;
	uint64_t scrapes, refused; /* under lock */
};

/* ---- the page ------------------------------------------------------------------------------ */

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP sluice_%s %s\n# TYPE sluice_%s %s\n", name, help, name, type);
}

static void sample(FILE *f, const char *name, const char *labels, uint64_t v)
{
	fprintf(f, "sluice_%s%s %llu\n", name, labels ? labels : "", (unsigned long long)v);
}

static void one(FILE *f, const char *name, const char *type, const char *help, uint64_t v)
{
	family(f, name, type, help);
	sample(f, name, NULL, v);
}

/* {key="value"} with the value escaped as the format wants (\\, \", \n) */
static const char *label(char *buf, size_t n, const char *key, const char *value)
{
	size_t o = (size_t)snprintf(buf, n, "{%s=\"", key);
	for (const char *p = value; *p && o + 4 < n; p++) {
		if (*p == '\\' || *p == '"')
			buf[o++] = '\\';
		if (*p == '\n') {
			buf[o++] = '\\';
			buf[o++] = 'n';
			continue;
		}
		buf[o++] = *p;
	}
	snprintf(buf + o, n - o, "\"}");
	return buf;
}

/* One family per ring or sink column (stats.c's tables): sluice_ring_<key>[_total]{ring=...} */
static void columns(FILE *f, const char *kind, const struct sl_ledger_col *cols, size_t ncols, const void *rows,
                    size_t rowsize, unsigned nrows, size_t nameoff)
{
	char name[64], lb[160];
	for (size_t c = 0; c < ncols; c++) {
		snprintf(name, sizeof name, "%s_%s%s", kind, cols[c].key, cols[c].gauge ? "" : "_total");
		family(f, name, cols[c].gauge ? "gauge" : "counter", cols[c].help);
		for (unsigned i = 0; i < nrows; i++) {
			const char *row = (const char *)rows + i * rowsize;
			sample(f, name, label(lb, sizeof lb, kind, row + nameoff), sl_ledger_col(row, &cols[c]));
		}
	}
}

static void page(FILE *f, const struct sl_ledger *l, double uptime, uint64_t scrapes)
{
	char lb[160];
	uint64_t errs = 0;

	family(f, "build_info", "gauge", "The running sluiced's version.");
	sample(f, "build_info", label(lb, sizeof lb, "version", SLUICE_VERSION), 1);
	family(f, "uptime_seconds", "gauge", "Seconds since the pipeline started, at the last sample.");
	fprintf(f, "sluice_uptime_seconds %.3f\n", uptime);
	one(f, "metrics_scrapes_total", "counter", "Pages this endpoint served.", scrapes);

	one(f, "capture_packets_total", "counter", "Packets the captures read.", l->packets);
	one(f, "capture_bytes_total", "counter", "Bytes of the packets the captures read.", l->bytes);
	one(f, "capture_kernel_dropped_total", "counter", "Packets the kernel dropped before the capture.", l->kernel_dropped);
	one(f, "capture_ring_dropped_total", "counter", "Packets dropped at full worker rings.", l->ring_dropped);
	one(f, "capture_oversize_total", "counter", "Packets larger than a ring record.", l->oversize);
	one(f, "capture_input_errors_total", "counter", "Input errors (see the log).", l->input_errors);
	one(f, "shm_producers_absent", "gauge", "shm inputs whose producer is away.", l->producer_absent);
	one(f, "shm_producer_restarts_total", "counter", "shm producers that came back.", l->producer_restarts);

	one(f, "decode_ok_total", "counter", "Packets decoded.", l->decoded);
	one(f, "decode_truncated_total", "counter", "Packets decoded but cut by the snap length.", l->truncated);
	family(f, "decode_errors_total", "counter", "Packets that did not decode, by reason.");
	for (unsigned r = 1; r < SL_DECODE_REASON_SLOTS; r++) {
		const char *n = sl_decode_reason_name((int)r);
		if (n) {
			sample(f, "decode_errors_total", label(lb, sizeof lb, "reason", n), l->decode_errors[r]);
			errs += l->decode_errors[r];
		}
	}
	(void)errs;
	one(f, "worker_bad_records_total", "counter", "Worker input records that were not packets.", l->bad_records);
	one(f, "worker_events_dropped_total", "counter", "Records workers could not emit (forced stop).", l->emit_dropped);
	one(f, "router_unroutable_total", "counter", "Records no sink takes.", l->unroutable);
	family(f, "events_total", "counter", "Records emitted, by event type (the workers'; stats: the main thread's).");
	for (unsigned t = 0; t < SL_REC_TYPE_MAX; t++) {
		const char *n = sl_json_event_name((uint16_t)t);
		if (n)
			sample(f, "events_total", label(lb, sizeof lb, "type", n), l->events[t]);
	}

	/* the analysis sections, as the ledger names them: sluice_tcp_gaps_total, ... */
	const char *sec, *key;
	uint64_t v;
	for (size_t i = 0; sl_ledger_section_row(l, i, &sec, &key, &v); i++) {
		char name[96], help[160];
		snprintf(name, sizeof name, "%s_%s_total", sec, key);
		snprintf(help, sizeof help, "Ledger section %s, counter %s.", sec, key);
		one(f, name, "counter", help, v);
	}

	columns(f, "ring", sl_ledger_ring_cols, sl_ledger_nring_cols, l->rings, sizeof l->rings[0], l->nrings,
	        offsetof(struct sl_ledger_ring, name));
	columns(f, "sink", sl_ledger_sink_cols, sl_ledger_nsink_cols, l->sinks, sizeof l->sinks[0], l->nsinks,
	        offsetof(struct sl_ledger_sink, name));
	/* latency: one histogram family, a series per stage; bucket i of the ledger holds
	 * [2^(i-1), 2^i) ns, so le = 2^i ns is its upper bound (cumulative, as the format wants) */
	family(f, "latency_seconds", "histogram",
	       "Sampled records: from sluiced reading the packet to the stage (worker output, router, sink acknowledgement).");
	for (unsigned i = 0; i < l->nlat; i++) {
		const struct sl_hist_snap *h = &l->lat[i].h;
		uint64_t cum = 0;
		label(lb, sizeof lb, "stage", l->lat[i].stage);
		lb[strlen(lb) - 1] = 0; /* reopen the braces for le */
		for (unsigned b = 0; b < SL_HIST_BUCKETS - 1; b++) {
			cum += h->bucket[b];
			fprintf(f, "sluice_latency_seconds_bucket%s,le=\"%.9g\"} %llu\n", lb,
			        b ? (double)(UINT64_C(1) << b) / 1e9 : 0.0, (unsigned long long)cum);
		}
		cum += h->bucket[SL_HIST_BUCKETS - 1]; /* the buckets' sum, not count: one consistent read */
		fprintf(f, "sluice_latency_seconds_bucket%s,le=\"+Inf\"} %llu\n", lb, (unsigned long long)cum);
		fprintf(f, "sluice_latency_seconds_sum%s} %.9f\n", lb, (double)h->sum_ns / 1e9);
		fprintf(f, "sluice_latency_seconds_count%s} %llu\n", lb, (unsigned long long)cum);
	}
	family(f, "sink_drops_total", "counter", "Records a sink dropped, by reason.");
	for (unsigned i = 0; i < l->nsinks; i++) {
		const struct sl_ledger_sink *s = &l->sinks[i];
		const char *why[] = { "full", "encode", "error" };
		const uint64_t n[] = { s->dropped_full, s->dropped_encode, s->dropped_error };
		for (int k = 0; k < 3; k++) {
			char two[200];
			label(lb, sizeof lb, "sink", s->name);
			lb[strlen(lb) - 1] = 0; /* reopen the braces for a second label */
			snprintf(two, sizeof two, "%s,reason=\"%s\"}", lb, why[k]);
			sample(f, "sink_drops_total", two, n[k]);
		}
	}
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                              const char *version, const char *upload, size_t *upload_len, void **req)
{
	struct sl_metrics *m = cls;
	struct MHD_Response *r;
	enum MHD_Result ret;
	unsigned code = MHD_HTTP_OK;
	char *body = NULL;
	size_t len = 0;
	(void)version;
	(void)upload;

	if (*req == NULL) { /* the headers only, so far: come back for the body */
		*req = m;
		return MHD_YES;
	}
	if (*upload_len) { /* a body we do not want: drop it */
		*upload_len = 0;
		return MHD_YES;
	}
	FILE *f = open_memstream(&body, &len);
	if (f == NULL)
		return MHD_NO;
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		code = MHD_HTTP_METHOD_NOT_ALLOWED;
		fputs("GET /metrics\n", f);
	} else if (strcmp(url, "/metrics") != 0) {
		code = MHD_HTTP_NOT_FOUND;
		fputs("sluiced serves /metrics\n", f);
	}
	pthread_mutex_lock(&m->lock);
	if (code == MHD_HTTP_OK)
		page(f, m->snap, m->uptime, ++m->scrapes);
	else
		m->refused++;
	pthread_mutex_unlock(&m->lock);
	if (fclose(f) != 0) {
		free(body);
		return MHD_NO;
	}
	r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
	                        code == MHD_HTTP_OK ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain");
	ret = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ret;
}

struct sl_metrics *sl_metrics_start(const char *listen, char *errbuf, size_t errlen)
{
	struct sockaddr_storage ss;
	unsigned sl;
	char msg[200];

	if (sl_conf_parse_addr(listen, &ss, &sl, msg, sizeof msg) != 0) {
		snprintf(errbuf, errlen, "metrics.listen: %s", msg);
		return NULL;
	}
	struct sl_metrics *m = calloc(1, sizeof *m);
	if (!m || !(m->snap = calloc(1, sizeof *m->snap)) || !(m->scratch = calloc(1, sizeof *m->scratch))) {
		snprintf(errbuf, errlen, "metrics: out of memory");
		goto fail;
	}
	pthread_mutex_init(&m->lock, NULL);
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	uint16_t port = ss.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
	                                         : ntohs(((struct sockaddr_in *)&ss)->sin_port);
	errno = 0;
	m->d = MHD_start_daemon(flags, port, NULL, NULL, answer, m, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	                        MHD_OPTION_CONNECTION_LIMIT, (unsigned)8, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)5,
	                        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32768, MHD_OPTION_END);
	if (m->d == NULL) {
		snprintf(errbuf, errlen, "metrics.listen %s: cannot listen%s%s", listen, errno ? ": " : "",
		         errno ? strerror(errno) : "");
		pthread_mutex_destroy(&m->lock);
		goto fail;
	}
	return m;
fail:
	if (m) {
		free(m->snap);
		free(m->scratch);
		free(m);
	}
	return NULL;
}

void sl_metrics_update(struct sl_metrics *m, const struct sl_pipeline *pl, double uptime)
{
	if (m == NULL)
		return;
	sl_ledger_collect(pl, m->scratch); /* outside the lock: a scrape never waits for it */
	pthread_mutex_lock(&m->lock);
	struct sl_ledger *t = m->snap;
	m->snap = m->scratch;
	m->scratch = t;
	m->uptime = uptime;
	pthread_mutex_unlock(&m->lock);
}

void sl_metrics_stop(struct sl_metrics *m)
{
	if (m == NULL)
		return;
	MHD_stop_daemon(m->d);
	pthread_mutex_destroy(&m->lock);
	free(m->snap);
	free(m->scratch);
	free(m);
}
