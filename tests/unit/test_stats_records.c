/* SPDX-License-Identifier: MIT */
/*
 * The timers' records and the latency histograms, without threads: a stats record's dotted
 * paths nest into exactly the JSON objects they name, a record whose paths are out of bounds,
 * empty or too deep is refused (never read past); a stats record built from a ledger encodes
 * and names every ring, sink and stage; an http_summary record encodes its lists and is refused
 * when its counts exceed it; the space-saving lists are exact below their capacity and bound
 * the error above it; log2 buckets and quantiles at their edges; the configuration file's
 * hash sees content, not timestamps.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "encode_json.h"
#include "latency.h"
#include "record_meta.h"
#include "stats.h"
#include "summary.h"
#include "timers.h"

#define CHECK_STR(a, b)                                                                           \
	do {                                                                                      \
		if (strcmp((a), (b)) == 0) {                                                      \
			check_passed_++;                                                          \
		} else {                                                                          \
			check_failed_++;                                                          \
			fprintf(stderr, "%s:%d: got\n  %s\nwant\n  %s\n", __FILE__, __LINE__, (a), (b)); \
		}                                                                                 \
	} while (0)

/* A stats record of the given paths, values 1, 2, 3, ... */
static uint32_t stats_rec(uint8_t *buf, const char *const *paths, uint32_t n)
{
	struct sl_ev_stats *r = (struct sl_ev_stats *)buf;
	uint32_t used = (uint32_t)sizeof *r + n * (uint32_t)sizeof r->e[0];

	memset(r, 0, sizeof *r);
	r->c.ts_ns = 1700000000123456789ull;
	r->count = n;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t len = (uint32_t)strlen(paths[i]);
		memcpy(buf + used, paths[i], len);
		r->e[i].path = (struct sl_mstr){ used, len };
		r->e[i].value = i + 1;
		used += len;
	}
	return used;
}

static void test_stats_nesting(void)
{
	static _Alignas(8) uint8_t buf[4096];
	char out[4096];
	struct sl_json_enc enc = { 0 };
	const char *paths[] = { "uptime", "a/b/c", "a/b/d", "a/e", "f", "g/h\"i.x/j/k" };
	uint32_t len = stats_rec(buf, paths, 6);
	size_t n = sl_json_encode(&enc, buf, len, SL_REC_STATS, out, sizeof out - 1);

	CHECK(n > 0);
	out[n] = 0;
	CHECK_STR(out, "{\"timestamp\":\"2023-11-14T22:13:20.123456+0000\",\"event_type\":\"stats\",\"stats\":"
	               "{\"uptime\":1,\"a\":{\"b\":{\"c\":2,\"d\":3},\"e\":4},\"f\":5,\"g\":{\"h\\\"i.x\":{\"j\":{\"k\":6}}}}}\n");

	/* refused, never read past: an empty segment, five segments, a trailing dot */
	const char *bad[][2] = { { "a", "b//c" }, { "a", "a/b/c/d/e" }, { "a", "b/" }, { "a", "" } };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		len = stats_rec(buf, bad[i], 2);
		CHECK(sl_json_encode(&enc, buf, len, SL_REC_STATS, out, sizeof out) == 0);
	}
	/* a path past the record's end, a count past it, a record shorter than its fixed part */
	len = stats_rec(buf, paths, 2);
	struct sl_ev_stats *r = (struct sl_ev_stats *)buf;
	r->e[1].path.len = 0xffffffffu;
	CHECK(sl_json_encode(&enc, buf, len, SL_REC_STATS, out, sizeof out) == 0);
	len = stats_rec(buf, paths, 2);
	r->count = 0x10000000u;
	CHECK(sl_json_encode(&enc, buf, len, SL_REC_STATS, out, sizeof out) == 0);
	CHECK(sl_json_encode(&enc, buf, sizeof *r - 1, SL_REC_STATS, out, sizeof out) == 0);
	/* too small a buffer: refused, not cut */
	len = stats_rec(buf, paths, 6);
	CHECK(sl_json_encode(&enc, buf, len, SL_REC_STATS, out, 40) == 0);
}

static void test_stats_from_ledger(void)
{
	struct sl_ledger *l = calloc(1, sizeof *l);
	const uint64_t rates[3] = { 10, 20, 30 };
	char *out = malloc(1 << 16);
	struct sl_json_enc enc = { 0 };

	l->packets = 1000;
	l->decoded = 990;
	l->decode_errors[1] = 10;
	l->events[SL_REC_FLOW] = 7;
	l->nrings = 2;
	snprintf(l->rings[0].name, sizeof l->rings[0].name, "capture0->worker0");
	l->rings[0].produced = l->rings[0].consumed = 1000;
	snprintf(l->rings[1].name, sizeof l->rings[1].name, "stats->router");
	l->rings[1].in_flight = 3;
	l->nsinks = 1;
	snprintf(l->sinks[0].name, sizeof l->sinks[0].name, "file");
	l->sinks[0].delivered = 7;
	l->nlat = 1;
	snprintf(l->lat[0].stage, sizeof l->lat[0].stage, "sink:file");
	l->lat[0].h.bucket[11] = 4; /* [1024, 2048) ns */
	l->lat[0].h.count = 4;
	l->lat[0].h.max_ns = 1500;
	uint32_t size = sl_stats_record_build(NULL, l, 0, 0, rates);
	_Alignas(8) uint8_t *rec = aligned_alloc(8, (size + 7) & ~7u);
	CHECK(sl_stats_record_build(rec, l, 1700000000000000000ull, 5000000000ull, rates) == size);
	size_t n = sl_json_encode(&enc, rec, size, SL_REC_STATS, out, (1 << 16) - 1);
	CHECK(n > 0);
	out[n] = 0;
	CHECK(strstr(out, "\"stats\":{\"uptime\":5,\"capture\":{\"kernel_packets\":1000,\"kernel_drops\":0,") != NULL);
	CHECK(strstr(out, "\"decoder\":{\"pkts\":1000,") != NULL);
	CHECK(strstr(out, "\"rates\":{\"packets_per_s\":10,\"bytes_per_s\":20,\"events_per_s\":30}") != NULL);
	CHECK(strstr(out, "\"rings\":{\"capture0->worker0\":{\"produced\":1000,\"consumed\":1000,") != NULL);
	CHECK(strstr(out, "\"stats->router\":{\"produced\":0,\"consumed\":0,\"dropped\":0,\"in_flight\":3,") != NULL);
	CHECK(strstr(out, "\"sinks\":{\"file\":{\"received\":0,\"delivered\":7,") != NULL);
	CHECK(strstr(out, "\"latency\":{\"sink:file\":{\"count\":4,\"p50_ns\":1500,\"p99_ns\":1500,\"max_ns\":1500,") != NULL);
	CHECK(strstr(out, "}}}}\n") != NULL && out[n - 1] == '\n');
	free(rec);
	free(out);
	free(l);
}

static void test_http_summary_record(void)
{
	static _Alignas(8) uint8_t buf[2048];
	struct sl_ev_http_summary *h = (struct sl_ev_http_summary *)buf;
	struct sl_json_enc enc = { 0 };
	char out[2048];

	memset(buf, 0, sizeof buf);
	h->c.ts_ns = 1700000060000000000ull;
	h->c.worker = 3;
	h->window_start_ns = 1700000000000000000ull;
	h->window_end_ns = 1700000060000000000ull;
	h->requests = 5;
	h->status[2] = 4;
	h->status[0] = 1;
	h->n[SL_SUMMARY_HOSTS] = 2;
	h->n[SL_SUMMARY_URLS] = 0;
	h->n[SL_SUMMARY_AGENTS] = 1;
	struct sl_meta_builder b = { buf, (uint32_t)sizeof *h + 3 * (uint32_t)sizeof h->items[0] };
	sl_meta_put(&b, &h->items[0].value, "a.example", 9);
	h->items[0].count = 3;
	sl_meta_put(&b, &h->items[1].value, "b.example", 9);
	h->items[1].count = 2;
	h->items[1].error = 1;
	sl_meta_put(&b, &h->items[2].value, "curl/8", 6);
	h->items[2].count = 5;
	size_t n = sl_json_encode(&enc, buf, b.used, SL_REC_HTTP_SUMMARY, out, sizeof out - 1);
	CHECK(n > 0);
	out[n] = 0;
	CHECK_STR(out, "{\"timestamp\":\"2023-11-14T22:14:20.000000+0000\",\"event_type\":\"http_summary\",\"worker\":3,"
	               "\"http_summary\":{\"window_start\":\"2023-11-14T22:13:20.000000+0000\","
	               "\"window_end\":\"2023-11-14T22:14:20.000000+0000\",\"requests\":5,\"status\":{\"none\":1,"
	               "\"1xx\":0,\"2xx\":4,\"3xx\":0,\"4xx\":0,\"5xx\":0,\"other\":0},\"hosts\":[{\"value\":\"a.example\","
	               "\"count\":3,\"error\":0},{\"value\":\"b.example\",\"count\":2,\"error\":1}],\"urls\":[],"
	               "\"user_agents\":[{\"value\":\"curl/8\",\"count\":5,\"error\":0}]}}\n");
	/* lists longer than the record, a string past its end: refused */
	h->n[SL_SUMMARY_URLS] = 200;
	CHECK(sl_json_encode(&enc, buf, b.used, SL_REC_HTTP_SUMMARY, out, sizeof out) == 0);
	h->n[SL_SUMMARY_URLS] = 0;
	h->items[2].value.off = b.used - 2;
	CHECK(sl_json_encode(&enc, buf, b.used, SL_REC_HTTP_SUMMARY, out, sizeof out) == 0);
}

/* An http record with only a hostname, for the summary's lists. */
static uint32_t http_rec(uint8_t *buf, const char *host, uint16_t status)
{
	struct sl_ev_http *h = (struct sl_ev_http *)buf;
	memset(h, 0, sizeof *h);
	h->status = status;
	struct sl_meta_builder b = { buf, (uint32_t)sizeof *h };
	sl_meta_put(&b, &h->hostname, host, (uint32_t)strlen(host));
	return b.used;
}

static uint64_t list_count(const struct sl_summary_list *li, const char *v, uint64_t *error)
{
	for (uint32_t i = 0; i < li->n; i++)
		if (li->c[i].len == strlen(v) && memcmp(li->c[i].s, v, li->c[i].len) == 0) {
			*error = li->c[i].error;
			return li->c[i].count;
		}
	return 0;
}

static void test_space_saving(void)
{
	struct sl_summary s;
	static _Alignas(8) uint8_t buf[1024];
	char host[32];
	uint64_t err;

	CHECK(sl_summary_init(&s, 60000000000ull, 2) == 0); /* 8 counters per list */
	/* 8 distinct hosts, i + 1 times each: exact */
	for (int i = 0; i < 8; i++)
		for (int k = 0; k <= i; k++) {
			snprintf(host, sizeof host, "h%d", i);
			sl_summary_add(&s, (struct sl_ev_http *)buf, http_rec(buf, host, k ? 200 : 404),
			               61000000000ull + (uint64_t)k);
		}
	CHECK(s.requests == 36 && s.status[2] == 28 && s.status[4] == 8);
	CHECK(s.start_ns == 60000000000ull && s.end_ns == 120000000000ull); /* aligned to the interval */
	CHECK(list_count(&s.list[SL_SUMMARY_HOSTS], "h7", &err) == 8 && err == 0);
	CHECK(list_count(&s.list[SL_SUMMARY_HOSTS], "h0", &err) == 1 && err == 0);
	/* a ninth value replaces the smallest (h0, 1) and inherits its count as the error */
	sl_summary_add(&s, (struct sl_ev_http *)buf, http_rec(buf, "new", 200), 61000000000ull);
	CHECK(list_count(&s.list[SL_SUMMARY_HOSTS], "new", &err) == 2 && err == 1);
	CHECK(list_count(&s.list[SL_SUMMARY_HOSTS], "h0", &err) == 0);
	CHECK(s.list[SL_SUMMARY_HOSTS].n == 8);
	/* an empty host is not listed; an odd status is "other"; no response is "none" */
	sl_summary_add(&s, (struct sl_ev_http *)buf, http_rec(buf, "", 799), 61000000000ull);
	sl_summary_add(&s, (struct sl_ev_http *)buf, http_rec(buf, "h7", 0), 61000000000ull);
	CHECK(s.status[6] == 1 && s.status[0] == 1 && s.requests == 39);
	CHECK(list_count(&s.list[SL_SUMMARY_HOSTS], "h7", &err) == 9);
	/* a record shorter than its fixed part counts nothing */
	sl_summary_add(&s, (struct sl_ev_http *)buf, 8, 61000000000ull);
	CHECK(s.requests == 39);
	sl_summary_fini(&s);
	/* off: nothing allocated, nothing counted */
	CHECK(sl_summary_init(&s, 0, 10) == 0);
	sl_summary_add(&s, (struct sl_ev_http *)buf, http_rec(buf, "x", 200), 1);
	CHECK(s.requests == 0 && s.end_ns == 0);
	sl_summary_fini(&s);
}

static void test_hist(void)
{
	struct sl_hist h;
	struct sl_hist_snap s;

	memset(&h, 0, sizeof h);
	CHECK(sl_hist_bucket(0) == 0 && sl_hist_bucket(1) == 1 && sl_hist_bucket(2) == 2 && sl_hist_bucket(3) == 2);
	CHECK(sl_hist_bucket(1023) == 10 && sl_hist_bucket(1024) == 11 && sl_hist_bucket(UINT64_MAX) == SL_HIST_BUCKETS - 1);
	for (int i = 0; i < 99; i++)
		sl_hist_add(&h, 1000); /* bucket 10: [512, 1024) */
	sl_hist_add(&h, 5000000); /* bucket 23 */
	memset(&s, 0, sizeof s);
	sl_hist_read(&h, &s);
	CHECK(s.count == 100 && s.sum_ns == 99 * 1000 + 5000000 && s.max_ns == 5000000);
	CHECK(sl_hist_quantile(&s, 0.5) == 1023);
	CHECK(sl_hist_quantile(&s, 0.99) == 1023);
	CHECK(sl_hist_quantile(&s, 1.0) == 5000000); /* the bucket's bound, capped at the max */
	sl_hist_read(&h, &s); /* adds: two workers' histograms summed */
	CHECK(s.count == 200 && s.bucket[10] == 198);
	memset(&s, 0, sizeof s);
	CHECK(sl_hist_quantile(&s, 0.5) == 0);
}

static void test_config_hash(void)
{
	char path[] = "/tmp/sluice-stats-hash-XXXXXX";
	int fd = mkstemp(path);
	uint64_t a, b, c;

	CHECK(fd >= 0);
	CHECK(write(fd, "a: 1\n", 5) == 5);
	CHECK(sl_timers_hash_file(path, &a) == 0);
	CHECK(sl_timers_hash_file(path, &b) == 0 && a == b); /* read again: the same */
	CHECK(pwrite(fd, "a: 2\n", 5, 0) == 5);
	CHECK(sl_timers_hash_file(path, &c) == 0 && c != a);
	close(fd);
	unlink(path);
	CHECK(sl_timers_hash_file(path, &c) == -ENOENT);
}

int main(void)
{
	test_stats_nesting();
	test_stats_from_ledger();
	test_http_summary_record();
	test_space_saving();
	test_hist();
	test_config_hash();
	return check_result();
}
