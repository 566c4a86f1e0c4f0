/* SPDX-License-Identifier: MIT */
/*
 * The main thread's timers: the appliance cadence that is not the data path's.
 *
 * Stats records. Every stats.records-interval the main loop samples the ledger (the same reads
 * the final ledger and the metrics page make: single-writer atomics, the workers' published
 * counters) and writes one `stats` record into its own ring to the router, so the record
 * reaches every sink that lists `stats`, like any other. Its JSON follows EVE's `stats` where
 * EVE has the field (uptime, capture.kernel_packets/kernel_drops, decoder.pkts/bytes) and adds
 * the ledger's own rows: rates, every ring (with its occupancy), every sink, the latency of
 * each stage. Once every worker has ended, a final record counts everything the workers did;
 * the sinks' rows in it are as they stood then (they are still draining). The main thread
 * never waits on the ring: a full ring drops the record, counted in the ledger's stats->router
 * row.
 *
 * The configuration file's check. Every run.config-check-interval the -c file is read and
 * hashed (FNV-1a 64 of its bytes, read through a fixed buffer); a content that differs from the
 * one last loaded is reloaded exactly as SIGHUP does (engine.c), a file only touched is not. A
 * file that cannot be read is said once and tried again at the next check.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "analysis/decode.h"
#include "conf/conf.h"
#include "encode_json.h"
#include "log.h"
#include "record_meta.h"
#include "analysis/geoip/geoip.h"
#include "analysis/watchlist/watchlist.h"
#include "runtime.h"
#include "timers.h"

/* ---- the stats record --------------------------------------------------------------------- */

/* Two passes over the same entries: the first counts (rec NULL), the second writes. */
struct sbuild {
	struct sl_ev_stats *r;
	uint32_t n;       /* entries so far */
	uint32_t count;   /* entries in all (second pass: where the strings start) */
	uint32_t strings; /* string bytes so far */
};

static void add(struct sbuild *b, uint64_t v, const char *fmt, ...)
{
	char path[192];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(path, sizeof path, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	uint32_t len = (uint32_t)n < sizeof path ? (uint32_t)n : (uint32_t)sizeof path - 1;
	if (b->r) {
		uint32_t off = (uint32_t)sizeof *b->r + b->count * (uint32_t)sizeof b->r->e[0] + b->strings;
		memcpy((uint8_t *)b->r + off, path, len);
		b->r->e[b->n].path = (struct sl_mstr){ .off = off, .len = len };
		b->r->e[b->n].value = v;
	}
	b->n++;
	b->strings += len;
}

static void entries(struct sbuild *b, const struct sl_ledger *l, uint64_t uptime_ns, const uint64_t rates[3])
{
	uint64_t errs = 0;
	for (unsigned r = 1; r < SL_DECODE_REASON_SLOTS; r++)
		errs += l->decode_errors[r];

	add(b, uptime_ns / 1000000000u, "uptime");
	add(b, l->packets, "capture/kernel_packets");
	add(b, l->kernel_dropped, "capture/kernel_drops");
	add(b, l->bytes, "capture/bytes");
	add(b, l->ring_dropped, "capture/ring_drops");
	add(b, l->oversize, "capture/oversize");
	add(b, l->input_errors, "capture/input_errors");
	add(b, l->decoded + errs, "decoder/pkts");
	add(b, l->bytes, "decoder/bytes");
	add(b, l->decoded, "decoder/ok");
	add(b, l->truncated, "decoder/truncated");
	add(b, errs, "decoder/invalid");
	for (unsigned r = 1; r < SL_DECODE_REASON_SLOTS; r++)
		if (l->decode_errors[r])
			add(b, l->decode_errors[r], "decoder/errors/%s", sl_decode_reason_name((int)r));
	for (unsigned t = 0; t < SL_REC_TYPE_MAX; t++)
		if (sl_json_event_name((uint16_t)t))
			add(b, l->events[t], "events/%s", sl_json_event_name((uint16_t)t));
	add(b, l->emit_dropped, "events_dropped");
	const char *sec, *key;
	uint64_t v;
	for (size_t i = 0; sl_ledger_section_row(l, i, &sec, &key, &v); i++)
		add(b, v, "%s/%s", sec, key);
	add(b, rates[0], "rates/packets_per_s");
	add(b, rates[1], "rates/bytes_per_s");
	add(b, rates[2], "rates/events_per_s");
	for (unsigned i = 0; i < l->nrings; i++)
		for (size_t c = 0; c < sl_ledger_nring_cols; c++)
			add(b, sl_ledger_col(&l->rings[i], &sl_ledger_ring_cols[c]), "rings/%s/%s", l->rings[i].name,
			    sl_ledger_ring_cols[c].key);
	for (unsigned i = 0; i < l->nsinks; i++) {
		const struct sl_ledger_sink *s = &l->sinks[i];
		for (size_t c = 0; c < sl_ledger_nsink_cols; c++)
			add(b, sl_ledger_col(s, &sl_ledger_sink_cols[c]), "sinks/%s/%s", s->name, sl_ledger_sink_cols[c].key);
		add(b, s->dropped_full, "sinks/%s/drops/full", s->name);
		add(b, s->dropped_encode, "sinks/%s/drops/encode", s->name);
		add(b, s->dropped_error, "sinks/%s/drops/error", s->name);
	}
	for (unsigned i = 0; i < l->nlat; i++) {
		const struct sl_hist_snap *h = &l->lat[i].h;
		add(b, h->count, "latency/%s/count", l->lat[i].stage);
		add(b, sl_hist_quantile(h, 0.5), "latency/%s/p50_ns", l->lat[i].stage);
		add(b, sl_hist_quantile(h, 0.99), "latency/%s/p99_ns", l->lat[i].stage);
		add(b, h->max_ns, "latency/%s/max_ns", l->lat[i].stage);
		add(b, h->sum_ns, "latency/%s/sum_ns", l->lat[i].stage);
	}
}

uint32_t sl_stats_record_build(void *rec, const struct sl_ledger *l, uint64_t wall_ns, uint64_t uptime_ns,
                               const uint64_t rates[3])
{
	struct sbuild b = { 0 };

	entries(&b, l, uptime_ns, rates);
	uint32_t size = (uint32_t)sizeof(struct sl_ev_stats) + b.n * (uint32_t)sizeof(struct sl_ev_stat) + b.strings;
	if (rec == NULL)
		return size;
	struct sl_ev_stats *r = rec;
	memset(r, 0, sizeof *r);
	r->c.ts_ns = wall_ns;
	r->count = b.n;
	b = (struct sbuild){ .r = r, .count = r->count };
	entries(&b, l, uptime_ns, rates);
	return size;
}

static uint64_t wall_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void emit_stats(struct sl_timers *t, struct sl_pipeline *pl, uint64_t now_ns)
{
	uint64_t rates[3] = { 0, 0, 0 }, events = 0;

	sl_ledger_collect(pl, t->l);
	for (unsigned i = 0; i < SL_REC_TYPE_MAX; i++)
		events += t->l->events[i];
	uint64_t dt = now_ns - t->prev_ns;
	if (dt > 0) {
		double s = (double)dt / 1e9;
		rates[0] = (uint64_t)((double)(t->l->packets - t->prev_packets) / s);
		rates[1] = (uint64_t)((double)(t->l->bytes - t->prev_bytes) / s);
		rates[2] = (uint64_t)((double)(events - t->prev_events) / s);
	}
	t->prev_ns = now_ns;
	t->prev_packets = t->l->packets;
	t->prev_bytes = t->l->bytes;
	t->prev_events = events;
	uint32_t size = sl_stats_record_build(NULL, t->l, 0, 0, rates);
	void *p = sl_pipeline_stats_reserve(pl, SL_REC_STATS, size);
	if (p == NULL)
		return; /* counted dropped */
	sl_pipeline_stats_commit(pl, sl_stats_record_build(p, t->l, wall_now(), now_ns - t->t0_ns, rates));
}

/* ---- the configuration file's check ------------------------------------------------------ */

int sl_timers_hash_file(const char *path, uint64_t *hash)
{
	uint8_t buf[16384];
	uint64_t h = 0xcbf29ce484222325u;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			close(fd);
			return -e;
		}
		if (n == 0)
			break;
		for (ssize_t i = 0; i < n; i++)
			h = (h ^ buf[i]) * 0x100000001b3u;
	}
	close(fd);
	*hash = h;
	return 0;
}

/* The enrichment files the running configuration names (GeoIP databases, the watchlist file):
 * one hash of their contents, a file that cannot be read counting as its errno, so a database
 * the appliance refreshes in place is picked up like a changed configuration file. 0: none. */
static uint64_t enrichment_hash(struct sl_timers *t)
{
	const struct sl_config *c = sl_runtime_config();
	const char *paths[3] = { NULL, NULL, NULL };
	uint64_t h = 0xcbf29ce484222325u, one;
	int any = 0;

	if (c == NULL)
		return 0;
	const struct sl_geoip_conf *g = SL_GEOIP_CONF(c);
	const struct sl_watchlist_conf *w = SL_WATCHLIST_CONF(c);
	if (g && g->enabled) {
		paths[0] = g->city_db;
		paths[1] = g->asn_db;
	}
	if (w && w->enabled)
		paths[2] = w->file;
	for (int i = 0; i < 3; i++) {
		if (!paths[i] || !paths[i][0])
			continue;
		any = 1;
		/* a database is tens of MiB: read it again only when its identity changed */
		struct stat st;
		if (stat(paths[i], &st) != 0) {
			one = (uint64_t)errno;
			t->files[i].ino = 0;
		} else if (t->files[i].ino == (uint64_t)st.st_ino && t->files[i].dev == (uint64_t)st.st_dev &&
		           t->files[i].size == (uint64_t)st.st_size &&
		           t->files[i].mtime_ns == (uint64_t)st.st_mtim.tv_sec * 1000000000u + (uint64_t)st.st_mtim.tv_nsec) {
			one = t->files[i].hash;
		} else {
			int e = sl_timers_hash_file(paths[i], &one);
			if (e)
				one = (uint64_t)-e;
			t->files[i].dev = (uint64_t)st.st_dev;
			t->files[i].ino = e ? 0 : (uint64_t)st.st_ino;
			t->files[i].size = (uint64_t)st.st_size;
			t->files[i].mtime_ns = (uint64_t)st.st_mtim.tv_sec * 1000000000u + (uint64_t)st.st_mtim.tv_nsec;
			t->files[i].hash = one;
		}
		h = (h ^ one) * 0x100000001b3u;
	}
	return any ? h : 0;
}

static void check_config(struct sl_timers *t)
{
	uint64_t h = t->config_hash, fh = enrichment_hash(t);

	if (t->config_path) {
		int e = sl_timers_hash_file(t->config_path, &h);
		if (e) {
			if (!t->config_unreadable)
				sl_log(SL_LOG_WARNING, "configuration check: %s: %s; the running configuration stays in force",
				       t->config_path, strerror(-e));
			t->config_unreadable = 1;
			return;
		}
		t->config_unreadable = 0;
	}
	if (h == t->config_hash && fh == t->files_hash)
		return;
	/* seen, whatever the reload makes of it: a bad file is refused once, not every check */
	if (h != t->config_hash)
		sl_log(SL_LOG_NOTICE, "configuration check: %s changed: reloading", t->config_path);
	else
		sl_log(SL_LOG_NOTICE, "configuration check: a GeoIP database or the watchlist file changed: reloading");
	t->config_hash = h;
	t->files_hash = fh;
	t->config_reloads++;
	if (t->reload)
		t->reload(t->reload_arg);
	t->files_hash = enrichment_hash(t); /* the reload may name other files */
}

void sl_timers_config_loaded(struct sl_timers *t)
{
	uint64_t h;
	if (t->config_path && sl_timers_hash_file(t->config_path, &h) == 0)
		t->config_hash = h;
	t->files_hash = enrichment_hash(t);
}

/* ---- the timers --------------------------------------------------------------------------- */

int sl_timers_init(struct sl_timers *t, const struct sl_config *cfg, const char *config_path,
                   void (*reload)(void *), void *reload_arg, uint64_t now_ns)
{
	memset(t, 0, sizeof *t);
	t->cfg = cfg;
	t->l = calloc(1, sizeof *t->l);
	if (t->l == NULL)
		return -ENOMEM;
	t->t0_ns = t->prev_ns = now_ns;
	t->next_stats_ns = now_ns + cfg->stats.records_interval_ns;
	t->config_path = config_path;
	t->reload = reload;
	t->reload_arg = reload_arg;
	t->next_check_ns = now_ns + cfg->run.config_check_ns;
	sl_timers_config_loaded(t);
	return 0;
}

void sl_timers_tick(struct sl_timers *t, struct sl_pipeline *pl, uint64_t now_ns)
{
	if (t->cfg->stats.records_interval_ns && !t->final_done && now_ns >= t->next_stats_ns) {
		emit_stats(t, pl, now_ns);
		/* the next due time from now: a main loop held up skips, never bursts */
		t->next_stats_ns = now_ns + t->cfg->stats.records_interval_ns;
	}
	if (t->cfg->run.config_check_ns && now_ns >= t->next_check_ns) {
		check_config(t);
		t->next_check_ns = now_ns + t->cfg->run.config_check_ns;
	}
}

void sl_timers_final(struct sl_timers *t, struct sl_pipeline *pl, uint64_t now_ns)
{
	if (t->final_done)
		return;
	t->final_done = 1;
	if (t->cfg->stats.records_interval_ns)
		emit_stats(t, pl, now_ns);
	sl_pipeline_stats_finish(pl);
}

void sl_timers_fini(struct sl_timers *t)
{
	free(t->l);
	t->l = NULL;
}
