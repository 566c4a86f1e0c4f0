/* SPDX-License-Identifier: MIT */
/*
 * The ClickHouse sink: one table per event type (conf/clickhouse.sql), rows inserted over HTTP
 * with libcurl in batches, and nothing lost or silently duplicated through database outages,
 * lost replies and crashes, on servers without insert deduplication (Debian's 18.16).
 *
 * A row is (batch_id UInt64, ts DateTime, flow_id UInt64, eve String): the key columns a query
 * filters on, and the whole EVE JSON line the file sink writes (visitParamExtract* reads it on
 * 18.16, JSONExtract* on current releases). Rows go as JSONEachRow or RowBinary
 * (outputs.clickhouse.format).
 *
 * Invariants:
 *   1. Every row belongs to a batch with a random 64-bit id written in its batch_id column. A
 *      batch is one INSERT of at most max_insert_block_size rows, so the server commits it as
 *      one part (or none): SELECT count() WHERE batch_id = id is 0 or the batch's size.
 *   2. A batch whose send failed in a way that may have committed (the request went out and no
 *      clear refusal came back: a lost reply, a timeout, a 5xx) is marked uncertain; before it
 *      is sent again the sink asks count(); the full size means the first send committed
 *      (counted replayed, not sent again), 0 means send it.
 *   3. A batch that cannot be delivered now goes to the spool of its table, row by row, each
 *      spool record carrying the batch id, the row's index and the batch's size; replay sends
 *      the same batch (same id) again. A piece of a batch (the spool's segments cut it, or a
 *      bad row made us send it in halves) goes under an id derived from the batch id and its
 *      first row's index, and counts as committed when that id or the whole batch's is.
 *   4. After a restart the spool's cursor may lag behind what was sent (it is synced at the
 *      fsync cadence): recovered batches are checked before sending until the first that the
 *      server does not have; the earlier run sent in order, so nothing after it was sent.
 *   5. While a table's spool holds rows, new batches of that table go to the spool behind
 *      them: rows reach the table in the order they came.
 *
 *   write ──> live batch ──seal (rows/bytes/ms)──> send ──ok──> delivered
 *                                  │                  └─fail──> spool (uncertain if it may
 *                                  └─ spool not empty ───────>  have committed)
 *   tick ──> spool replay: peek batch ─> [check count()] ─> send ─ok─> consume: replayed
 *                                              └ bad row ─> halves ... one row ─> dead-letter file
 *
 * The server's replies are untrusted: read into a bounded buffer, classified by HTTP status
 * and "Code: N" (network / server / too many parts / bad row / refused), quoted in the log and
 * the dead-letter file through a JSON escaper.
 *
 * Everything runs on the sink's thread; libcurl calls block, bounded by the connect and
 * request timeouts, and the sink's ring (block policy) is the backpressure meanwhile.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "encode_json.h"
#include "log.h"
#include "pipeline.h"
#include "record_meta.h"
#include "sinks/sink.h"
#include "sinks/spool/spool.h"
#include "sinks/clickhouse/ch_reply.h"
#define SL_CONF_STRUCT struct ch_conf
#include "conf/conf_rows.h"

enum ch_format { CH_JSON = 0, CH_ROWBINARY = 1 };
static const char *const ch_format_names[] = { "jsoneachrow", "rowbinary", NULL };
static const char *const ch_spool_policy_names[] = { "block", "drop-oldest", "drop-newest", NULL };

struct ch_conf {
	struct sl_sink_conf common;
	char *url;
	char *failover_url;
	char *database;
	char *table_prefix;
	enum ch_format format;
	int64_t batch_rows;
	uint64_t batch_bytes;
	uint64_t batch_ns;
	uint64_t connect_timeout_ns;
	uint64_t timeout_ns;
	uint64_t backoff_min_ns;
	uint64_t backoff_max_ns;
	uint64_t drain_ns;
	char *spool_dir;
	uint64_t spool_max_bytes;
	uint64_t spool_segment_bytes;
	uint64_t spool_fsync_ns;
	enum sl_spool_policy spool_policy;
	char *dead_letter;
	bool dedup_token;
};

/* Names that go into SQL unquoted: letters, digits, underscore. */
static int check_ident(const void *value, char *errbuf, size_t errlen)
{
	const char *v = *(const char *const *)value;
	for (const char *p = v; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_') {
			snprintf(errbuf, errlen, "\"%s\": only letters, digits and _", v);
			return -EINVAL;
		}
	return 0;
}

static int check_url(const void *value, char *errbuf, size_t errlen)
{
	const char *v = *(const char *const *)value;
	if (!v || !*v)
		return 0; /* failover-url: none (url itself has a minimum length) */
	if (strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0) {
		snprintf(errbuf, errlen, "\"%s\": want http://HOST:PORT/", v);
		return -EINVAL;
	}
	if (strchr(v, '?')) {
		snprintf(errbuf, errlen, "\"%s\": no query string (database is its own key)", v);
		return -EINVAL;
	}
	return 0;
}

static const struct sl_conf_key ch_keys[] = {
	SL_SINK_KEYS("outputs.clickhouse", "false", "[flow, http, tls, dns, alert, config]", "16MiB", "block",
	             "insert records into ClickHouse, one table per event type"),
	STRING("outputs.clickhouse.url", url, "http://127.0.0.1:8123/", 8, 1024, check_url,
	       "the server's HTTP interface"),
	STRING("outputs.clickhouse.failover-url", failover_url, "", 0, 1024, check_url,
	       "a second server (a replica) sent to while the first fails; empty: none"),
	STRING("outputs.clickhouse.database", database, "sluice", 1, 64, check_ident,
	       "database holding the tables (conf/clickhouse.sql)"),
	STRING("outputs.clickhouse.table-prefix", table_prefix, "", 0, 64, check_ident,
	       "put before the event type to name each table"),
	ENUM("outputs.clickhouse.format", format, "rowbinary", ch_format_names,
	     "how rows are sent: INSERT ... FORMAT JSONEachRow or RowBinary"),
	INT("outputs.clickhouse.batch-rows", batch_rows, "50000", 1, 1000000,
	    "rows per INSERT at most (under max_insert_block_size, so one INSERT is one part)"),
	SIZE("outputs.clickhouse.batch-bytes", batch_bytes, "16MiB", 4 * MiB, 256 * MiB,
	     "bytes per INSERT at most"),
	DURATION("outputs.clickhouse.batch-ms", batch_ns, "1s", 1 * MS, 1 * MINUTE,
	         "a table's batch is sent once its first row is this old"),
	DURATION("outputs.clickhouse.connect-timeout", connect_timeout_ns, "2s", 10 * MS, 1 * MINUTE,
	         "how long a connection may take"),
	DURATION("outputs.clickhouse.timeout", timeout_ns, "30s", 100 * MS, 10 * MINUTE,
	         "how long one request may take; past it the batch counts as maybe committed"),
	DURATION("outputs.clickhouse.backoff-min", backoff_min_ns, "100ms", 1 * MS, 1 * MINUTE,
	         "first wait after a failed request"),
	DURATION("outputs.clickhouse.backoff-max", backoff_max_ns, "30s", 1 * MS, 1 * HOUR,
	         "longest wait between retries (doubling, jittered)"),
	DURATION("outputs.clickhouse.drain-timeout", drain_ns, "10s", 0, 1 * HOUR,
	         "at the stop, how long to keep replaying the spool; what is left waits for the next run"),
	STRING("outputs.clickhouse.spool-dir", spool_dir, "/var/lib/sluice/clickhouse", 1, 3800, NULL,
	       "spool directory (a subdirectory per table)"),
	SIZE("outputs.clickhouse.spool-max-bytes", spool_max_bytes, "1GiB", 16 * MiB, INT64_C(1) << 50,
	     "bound on each table's spool"),
	SIZE("outputs.clickhouse.spool-segment-bytes", spool_segment_bytes, "64MiB", 8 * MiB, 2 * GiB,
	     "size of a spool segment file"),
	DURATION("outputs.clickhouse.spool-fsync", spool_fsync_ns, "1s", 1 * MS, 1 * MINUTE,
	         "how often spooled rows and the replay cursor are synced"),
	ENUM("outputs.clickhouse.spool-policy", spool_policy, "block", ch_spool_policy_names,
	     "at the bound: hold the pipeline, drop the oldest segments or drop the newest rows (counted)"),
	STRING("outputs.clickhouse.dead-letter", dead_letter, "/var/lib/sluice/clickhouse/dead-letter.json", 1,
	       4000, NULL, "rows the server refused, one JSON line each with its message"),
	BOOL("outputs.clickhouse.dedup-token", dedup_token, "false",
	     "also send the batch id as insert_deduplication_token (servers from 22.2; not 18.16)"),
};

static const struct sl_conf_block ch_block = {
	.section = "outputs.clickhouse",
	.size = sizeof(struct ch_conf),
	.keys = ch_keys,
	.nkeys = sizeof(ch_keys) / sizeof(ch_keys[0]),
};

#define EVE_CAP (256u << 10)            /* one EVE line; a larger record is dropped (encode) */
#define ROW_CAP (6 * EVE_CAP + 64)      /* one encoded row, escaped at worst */
#define REC_HDR 20u                     /* spool record: fmt, flags, pad, id, index, rows */
#define PREFIX_CAP 40u                  /* {"batch_id":<20 digits>, is 33 */
#define REC_UNCERTAIN 0x1
#define REC_SRV_SHIFT 1                 /* bit 1: the server it may have reached */

struct ch_table {
	const char *name;
	struct sl_spool *sp;
	char ins_url[2][1400], chk_url[2][1200]; /* per server: url, failover-url */
	/* the live batch: rows[i] starts at off[i] (after its prefix) */
	char *buf;
	size_t len;
	uint32_t *off;
	uint32_t rows;
	uint32_t plen;     /* this batch's prefix length */
	uint64_t id;
	uint64_t opened_ns;
	/* latency stamps of the live batch's sampled rows (the first 256), timed at the
	 * server's acknowledgement of the INSERT; rows that go by the spool are not timed */
	uint64_t stamps[256];
	uint32_t nstamps;
	/* a batch waiting to be spooled (the spool said -EAGAIN): rows from `spool_next` */
	int sealed;
	int stalled;                  /* the spool refused the last append (logged once) */
	uint32_t spool_next;
	uint8_t seal_flags;
	/* replay */
	uint64_t next_try_ns, backoff_ns;
	int check_recovered;          /* invariant 4 */
	uint64_t uncertain_id;        /* the last group's send failed maybe-committed */
	unsigned uncertain_srv;       /* on this server */
	uint64_t split_id;            /* a bad row in this batch: it goes in pieces of */
	uint32_t split_rows;          /* this many rows, halved at each refusal (bisection) */
	uint64_t replayed, deadl;
};

struct ch_sink {
	const struct ch_conf *cf;
	struct sl_sink_counters *ctr;
	CURL *curl;
	struct curl_slist *hdr;
	struct sl_json_enc enc;
	struct ch_table *tab[SL_REC_TYPE_MAX];
	char *eve, *row, *rec;
	char *rbuf;                   /* a replayed batch */
	size_t rcap;
	const char *up;               /* the request body being sent (on_read) */
	size_t up_len, up_off;
	char reply[CH_REPLY_CAP];
	size_t reply_len;
	uint64_t nonce, nbatch;
	unsigned nsrv, cur;           /* servers (url, failover-url) and the one sent to now */
	int kept;                     /* the last request got a reply: its connection may be reused */
	int dlfd;
	int interrupted;
	uint64_t rng;
	uint64_t drain_start;          /* when the final drain began; 0: not draining */
	/* what the log says at the stop */
	uint64_t inserts, checks, found, partial, by_class[CH_NCLASS];
};

static uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15u;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
	return x ^ (x >> 31);
}

/* A piece of batch `id` starting at row `first` (invariant 3); never 0. */
static uint64_t piece_id(uint64_t id, uint32_t first)
{
	uint64_t p = mix64(id ^ mix64((uint64_t)first + 1));
	return p ? p : 1;
}

static uint64_t real_sec(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec;
}

/* ---- encoding ------------------------------------------------------------------------------- */

static size_t prefix(enum ch_format f, uint64_t id, char *out)
{
	if (f == CH_ROWBINARY) {
		for (int b = 0; b < 8; b++)
			out[b] = (char)(id >> (8 * b));
		return 8;
	}
	return (size_t)snprintf(out, PREFIX_CAP, "{\"batch_id\":%" PRIu64 ",", id);
}

/* One row without its batch_id into c->row: its length, or 0 when the record does not encode. */
static size_t encode_row(struct ch_sink *c, const struct sl_rec *r)
{
	size_t n = sl_json_encode(&c->enc, r->data, r->len, r->type, c->eve, EVE_CAP);
	uint64_t ts, flow = 0;
	char *o = c->row;

	if (n == 0)
		return 0;
	n--; /* the line's '\n' */
	if (r->type != SL_REC_STATS && r->type != SL_REC_CONFIG && r->len >= sizeof(struct sl_ev_common)) {
		struct sl_ev_common cm;
		memcpy(&cm, r->data, sizeof cm);
		ts = cm.ts_ns / 1000000000u;
		flow = cm.flow_id;
	} else {
		ts = real_sec();
	}
	if (ts > UINT32_MAX)
		ts = UINT32_MAX;
	if (c->cf->format == CH_ROWBINARY) {
		uint32_t t32 = (uint32_t)ts;
		memcpy(o, &t32, 4);
		memcpy(o + 4, &flow, 8);
		o += 12;
		size_t v = n;
		do {
			*o++ = (char)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
			v >>= 7;
		} while (v);
		memcpy(o, c->eve, n);
		return (size_t)(o - c->row) + n;
	}
	o += sprintf(o, "\"ts\":%" PRIu64 ",\"flow_id\":%" PRIu64 ",\"eve\":\"", ts, flow);
	o += sl__ch_json_escape(o, c->eve, n);
	memcpy(o, "\"}\n", 3);
	return (size_t)(o - c->row) + 3;
}

/* ---- HTTP ----------------------------------------------------------------------------------- */

static size_t on_reply(char *p, size_t sz, size_t nm, void *arg)
{
	struct ch_sink *c = arg;
	size_t n = sz * nm, room = CH_REPLY_CAP - 1 - c->reply_len;
	memcpy(c->reply + c->reply_len, p, n < room ? n : room);
	c->reply_len += n < room ? n : room;
	c->reply[c->reply_len] = 0;
	return n; /* the rest is read and ignored: the reply is bounded, the connection kept */
}

/* The body is handed to libcurl through a read callback rather than POSTFIELDS for one
 * reason: when a kept-alive connection dies after the request went out, libcurl silently
 * re-sends it on a new connection. If the server had committed the first one, that is a
 * duplicate nobody sees. libcurl must rewind the body to re-send; refusing the rewind once a
 * byte was read turns that case into an error (maybe committed, so checked before a resend). */
static size_t on_read(char *buf, size_t sz, size_t nm, void *arg)
{
	struct ch_sink *c = arg;
	size_t n = sz * nm, left = c->up_len - c->up_off;
	if (n > left)
		n = left;
	memcpy(buf, c->up + c->up_off, n);
	c->up_off += n;
	return n;
}

static int on_seek(void *arg, curl_off_t off, int origin)
{
	struct ch_sink *c = arg;
	return off == 0 && origin == SEEK_SET && c->up_off == 0 ? CURL_SEEKFUNC_OK : CURL_SEEKFUNC_CANTSEEK;
}

static enum ch_class post(struct ch_sink *c, const char *url, const char *body, size_t len);

/* An INSERT of batch (or piece) id: the server's own deduplication too when it has it. */
static enum ch_class insert(struct ch_sink *c, const char *url, uint64_t id, const char *body, size_t len)
{
	char u[1600];
	if (!c->cf->dedup_token)
		return post(c, url, body, len);
	snprintf(u, sizeof u, "%s&insert_deduplication_token=%" PRIu64, url, id);
	return post(c, u, body, len);
}

static enum ch_class post(struct ch_sink *c, const char *url, const char *body, size_t len)
{
	long http = 0;
	c->reply_len = 0;
	c->reply[0] = 0;
	c->up = body;
	c->up_len = len;
	c->up_off = 0;
	curl_easy_setopt(c->curl, CURLOPT_URL, url);
	curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	CURLcode rc = curl_easy_perform(c->curl);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &http);
	else
		snprintf(c->reply, sizeof c->reply, "%s", curl_easy_strerror(rc));
	/* A refused connection is "nothing sent" only when no kept connection was there to try
	 * first: libcurl re-sends a request whose kept connection died on a new one, and when
	 * that connect fails, the request may have reached the server on the old one. */
	int refused = rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST;
	enum ch_class k = sl__ch_classify(rc == CURLE_OK ? 0 : refused && !c->kept ? 1 : 2, http, c->reply,
	                                  c->reply_len);
	c->kept = rc == CURLE_OK;
	c->by_class[k]++;
	return k;
}

/* count() of rows with this batch_id on server srv: 0.., or -1 when it did not say. */
static int64_t check(struct ch_sink *c, struct ch_table *tb, unsigned srv, uint64_t id)
{
	char q[256];
	int n = snprintf(q, sizeof q, "SELECT count() FROM %s%s WHERE batch_id = %" PRIu64, c->cf->table_prefix,
	                 tb->name, id);
	c->checks++;
	if (post(c, tb->chk_url[srv], q, (size_t)n) != CH_OK)
		return -1;
	return sl__ch_parse_count(c->reply, c->reply_len);
}

static void backoff(struct ch_sink *c, struct ch_table *tb, uint64_t now)
{
	uint64_t b = tb->backoff_ns ? tb->backoff_ns * 2 : c->cf->backoff_min_ns;
	if (b > c->cf->backoff_max_ns)
		b = c->cf->backoff_max_ns;
	tb->backoff_ns = b;
	c->rng = mix64(c->rng);
	tb->next_try_ns = now + b / 2 + c->rng % (b / 2 + 1); /* jitter: servers see no herd */
}

static void ok(struct ch_table *tb)
{
	tb->backoff_ns = 0;
	tb->next_try_ns = 0;
}

/* The servers in mask, summed: -1 when one did not answer (then nobody can say). */
static int64_t check_on(struct ch_sink *c, struct ch_table *tb, unsigned mask, uint64_t id)
{
	int64_t sum = 0;
	for (unsigned s = 0; s < c->nsrv; s++)
		if (mask & (1u << s)) {
			int64_t n = check(c, tb, s, id);
			if (n < 0)
				return -1;
			sum += n;
		}
	return sum;
}

/* After a failure that says the server is away or sick, the next sends go to the other one
 * (if there is one); a batch that may have reached this one is still asked about here. */
static void failover(struct ch_sink *c, enum ch_class k)
{
	if (c->nsrv > 1 && (k == CH_NET_DOWN || k == CH_NET_LOST || k == CH_SERVER || k == CH_PARTS)) {
		c->cur = (c->cur + 1) % c->nsrv;
		sl_log(SL_LOG_WARNING, "clickhouse: sending to %s from now on", c->cur ? c->cf->failover_url : c->cf->url);
	}
}

/* NET_DOWN is a refused connection with no kept one before it (post): nothing was sent. */
static int may_have_committed(enum ch_class k)
{
	return k == CH_NET_LOST || k == CH_SERVER;
}

/* ---- the spool ------------------------------------------------------------------------------ */

static void sync_counters(struct ch_sink *c)
{
	uint64_t rec = 0, pend = 0, drop = 0, lost = 0, rep = 0;
	for (unsigned t = 0; t < SL_REC_TYPE_MAX; t++) {
		struct ch_table *tb = c->tab[t];
		if (!tb || !tb->sp)
			continue;
		const struct sl_spool_stats *st = sl_spool_stats(tb->sp);
		rec += st->recovered;
		pend += st->pending;
		drop += st->dropped_oldest + tb->deadl; /* dead letters left the spool, undelivered */
		lost += st->lost;
		rep += tb->replayed;
	}
	atomic_store_explicit(&c->ctr->spool_recovered, rec, memory_order_relaxed);
	atomic_store_explicit(&c->ctr->spool_pending, pend, memory_order_relaxed);
	atomic_store_explicit(&c->ctr->spool_dropped, drop, memory_order_relaxed);
	atomic_store_explicit(&c->ctr->spool_lost, lost, memory_order_relaxed);
	atomic_store_explicit(&c->ctr->replayed, rep, memory_order_relaxed);
}

/* Row i of the live batch: its bytes after the prefix. */
static void live_row(const struct ch_table *tb, uint32_t i, const char **p, size_t *n)
{
	size_t end = i + 1 < tb->rows ? tb->off[i + 1] - tb->plen : tb->len;
	*p = tb->buf + tb->off[i];
	*n = end - tb->off[i];
}

static void reset_live(struct ch_table *tb)
{
	tb->len = 0;
	tb->rows = 0;
	tb->sealed = 0;
	tb->spool_next = 0;
	tb->nstamps = 0;
}

/* Moves the sealed live batch into the spool; 0 when all of it went, -EAGAIN when the spool
 * has no room yet (the rest stays, write() takes nothing meanwhile). */
static int spool_sealed(struct ch_sink *c, struct ch_table *tb)
{
	while (tb->spool_next < tb->rows) {
		const char *p;
		size_t n;
		live_row(tb, tb->spool_next, &p, &n);
		uint8_t *h = (uint8_t *)c->rec;
		h[0] = (uint8_t)c->cf->format;
		h[1] = tb->seal_flags;
		h[2] = h[3] = 0;
		for (int b = 0; b < 8; b++)
			h[4 + b] = (uint8_t)(tb->id >> (8 * b));
		uint32_t idx = tb->spool_next, rows = tb->rows;
		memcpy(h + 12, &idx, 4);
		memcpy(h + 16, &rows, 4);
		memcpy(c->rec + REC_HDR, p, n);
		int r = sl_spool_append(tb->sp, c->rec, (uint32_t)(REC_HDR + n));
		if (r == 0) {
			sl_count(&c->ctr->spooled, 1);
		} else if (r == 1) {
			sl_count(&c->ctr->dropped, 1);
			sl_count(&c->ctr->dropped_full, 1);
		} else if (r == -E2BIG) {
			sl_count(&c->ctr->dropped, 1);
			sl_count(&c->ctr->dropped_encode, 1);
		} else {
			if (!tb->stalled) {
				const struct sl_spool_stats *st = sl_spool_stats(tb->sp);
				sl_log(SL_LOG_WARNING,
				       "clickhouse %s: the spool takes no more (%s, %" PRIu64 " bytes, %" PRIu64
				       " disk-full writes): holding the pipeline",
				       tb->name, r == -EAGAIN ? "at its bound or disk full" : "I/O error", st->bytes,
				       st->disk_full);
				tb->stalled = 1;
			}
			return -EAGAIN;
		}
		tb->stalled = 0;
		tb->spool_next++;
	}
	reset_live(tb);
	return 0;
}

static int spool_empty(struct ch_table *tb)
{
	return sl_spool_stats(tb->sp)->pending == 0;
}

/* The live batch is complete: send it, or spool it behind what waits (invariant 5). */
static void seal(struct ch_sink *c, struct ch_table *tb, uint64_t now)
{
	if (!tb->rows || tb->sealed)
		return;
	tb->sealed = 1;
	tb->seal_flags = 0;
	if (spool_empty(tb) && now >= tb->next_try_ns && !c->interrupted) {
		unsigned srv = c->cur;
		enum ch_class k = insert(c, tb->ins_url[srv], tb->id, tb->buf, tb->len);
		c->inserts++;
		if (k == CH_OK) {
			sl_count(&c->ctr->delivered, tb->rows);
			sl_count(&c->ctr->bytes, tb->len);
			for (uint32_t s = 0; s < tb->nstamps; s++)
				sl_sink_latency(c->ctr, tb->stamps[s]);
			ok(tb);
			reset_live(tb);
			return;
		}
		if (may_have_committed(k))
			tb->seal_flags = (uint8_t)(REC_UNCERTAIN | srv << REC_SRV_SHIFT);
		if (k != CH_BAD_ROW) {
			sl_log(SL_LOG_WARNING, "clickhouse %s: insert of %u rows failed (%s): %.200s; spooled", tb->name,
			       tb->rows, sl__ch_class_name(k), c->reply);
			backoff(c, tb, now);
			failover(c, k);
		}
		/* a bad row: the batch goes through the spool, where replay finds it row by row */
	}
	spool_sealed(c, tb);
}

/* A new live batch: a fresh id, so no two batches ever share one. */
static void open_batch(struct ch_sink *c, struct ch_table *tb, uint64_t now)
{
	char p[PREFIX_CAP];
	tb->id = mix64(c->nonce + ++c->nbatch);
	if (tb->id == 0)
		tb->id = 1;
	tb->plen = (uint32_t)prefix(c->cf->format, tb->id, p);
	memcpy(tb->buf, p, tb->plen); /* the first row's; appended ones repeat it */
	tb->len = 0;
	tb->opened_ns = now;
}

/* ---- replay --------------------------------------------------------------------------------- */

struct rhdr {
	uint8_t fmt, flags;
	uint64_t id;
	uint32_t idx, rows;
};

static int parse_rec(const void *rec, uint32_t len, struct rhdr *h)
{
	const uint8_t *p = rec;
	if (len <= REC_HDR || p[0] > CH_ROWBINARY)
		return -1;
	h->fmt = p[0];
	h->flags = p[1];
	h->id = 0;
	for (int b = 0; b < 8; b++)
		h->id |= (uint64_t)p[4 + b] << (8 * b);
	memcpy(&h->idx, p + 12, 4);
	memcpy(&h->rows, p + 16, 4);
	if (h->rows == 0 || h->idx >= h->rows)
		return -1;
	return 0;
}

static const char *fmt_query(uint8_t fmt)
{
	return fmt == CH_ROWBINARY ? "RowBinary" : "JSONEachRow";
}

static int grow_rbuf(struct ch_sink *c, size_t need)
{
	if (need <= c->rcap)
		return 0;
	size_t cap = c->rcap ? c->rcap : 1u << 20;
	while (cap < need)
		cap *= 2;
	char *b = realloc(c->rbuf, cap);
	if (!b)
		return -ENOMEM;
	c->rbuf = b;
	c->rcap = cap;
	return 0;
}

static void dead_letter(struct ch_sink *c, struct ch_table *tb, const struct rhdr *h, const char *row, size_t n)
{
	size_t cap = 2 * CH_REPLY_CAP + 6 * n + 256;
	char *line = malloc(cap);
	if (line) {
		size_t o = (size_t)snprintf(line, cap, "{\"table\":\"%s%s\",\"batch_id\":%" PRIu64 ",\"format\":\"%s\",\"error\":\"",
		                            c->cf->table_prefix, tb->name, h->id, fmt_query(h->fmt));
		o += sl__ch_json_escape(line + o, c->reply, c->reply_len);
		o += (size_t)snprintf(line + o, cap - o, "\",\"row\":\"");
		o += sl__ch_json_escape(line + o, row, n);
		o += (size_t)snprintf(line + o, cap - o, "\"}\n");
		if (c->dlfd < 0 || write(c->dlfd, line, o) != (ssize_t)o)
			sl_log(SL_LOG_ERROR, "clickhouse %s: dead-letter %s: %s", tb->name, c->cf->dead_letter, strerror(errno));
		free(line);
	}
	sl_log(SL_LOG_WARNING, "clickhouse %s: a row refused (%.200s), written to %s", tb->name, c->reply,
	       c->cf->dead_letter);
	tb->deadl++;
}

/* One batch (or piece) from the spool. 1: progress, 0: nothing to do now. */
static int replay_one(struct ch_sink *c, struct ch_table *tb, uint64_t now)
{
	const void *r;
	uint32_t rl;
	struct rhdr h0, h;

	if (now < tb->next_try_ns)
		return 0;
	int pr = sl_spool_peek(tb->sp, &r, &rl);
	if (pr != 0)
		return 0;
	if (parse_rec(r, rl, &h0) != 0) {
		/* not a record of ours (the CRC held, so written so): give it up, counted */
		snprintf(c->reply, sizeof c->reply, "spool record without a valid header");
		c->reply_len = strlen(c->reply);
		h0 = (struct rhdr){ 0 };
		dead_letter(c, tb, &h0, r, rl);
		sl_spool_consume(tb->sp);
		return 1;
	}
	uint32_t most = tb->split_id == h0.id ? tb->split_rows : UINT32_MAX;
	/* the group: the batch's rows that follow in this segment */
	char p[PREFIX_CAP];
	uint32_t n = 1;
	int whole;
	uint64_t send_id;
	const char *row0 = (const char *)r + REC_HDR;
	size_t row0n = rl - REC_HDR;
	for (;;) {
		if (n >= most || h0.idx + n >= h0.rows)
			break;
		const void *r2;
		uint32_t l2;
		if (sl_spool_peek_more(tb->sp, &r2, &l2) != 0)
			break;
		if (parse_rec(r2, l2, &h) != 0 || h.id != h0.id || h.fmt != h0.fmt || h.idx != h0.idx + n) {
			/* not ours: peek again from the start, this time stopping before it */
			sl_spool_peek(tb->sp, &r, &rl);
			for (uint32_t k = 1; k < n; k++)
				sl_spool_peek_more(tb->sp, &r2, &l2);
			break;
		}
		n++;
	}
	whole = h0.idx == 0 && n == h0.rows;
	send_id = whole ? h0.id : piece_id(h0.id, h0.idx);
	/* invariant 2 and 4: ask before sending what may be there already */
	unsigned mask = 0;
	if (h0.flags & REC_UNCERTAIN)
		mask |= 1u << ((h0.flags >> REC_SRV_SHIFT) & 1u);
	if (tb->uncertain_id == send_id)
		mask |= 1u << tb->uncertain_srv;
	if (tb->check_recovered)
		mask |= (1u << c->nsrv) - 1; /* an earlier run may have sent it to either */
	mask &= (1u << c->nsrv) - 1;
	if (mask) {
		/* only the server it may have reached can say; until it answers, the batch (and its
		 * table behind it) waits: a duplicate is not an option */
		int64_t cw = check_on(c, tb, mask, h0.id);
		int64_t cp = cw >= 0 && !whole ? check_on(c, tb, mask, send_id) : 0;
		if (cw < 0 || cp < 0) {
			backoff(c, tb, now);
			return 0;
		}
		if ((uint64_t)cw >= h0.rows || (!whole && (uint64_t)cp >= n)) {
			c->found++;
			sl_spool_consume(tb->sp);
			tb->replayed += n;
			ok(tb);
			return 1;
		}
		if (cw > 0 && whole) {
			c->partial++; /* cannot happen with one part per INSERT; sent again, and said */
			sl_log(SL_LOG_WARNING, "clickhouse %s: batch %" PRIu64 " has %" PRId64 " of %u rows; sending it again",
			       tb->name, h0.id, cw, h0.rows);
		}
		if (cw == 0)
			tb->check_recovered = 0; /* the earlier run sent in order: nothing after this was sent */
	}
	/* build the body: re-peek to walk the group's records */
	size_t plen = prefix((enum ch_format)h0.fmt, send_id, p);
	size_t len = 0;
	const void *rr = r;
	uint32_t rrl = rl;
	sl_spool_peek(tb->sp, &rr, &rrl);
	for (uint32_t k = 0; k < n; k++) {
		if (k)
			sl_spool_peek_more(tb->sp, &rr, &rrl);
		size_t bl = rrl - REC_HDR;
		if (grow_rbuf(c, len + plen + bl))
			return 0;
		memcpy(c->rbuf + len, p, plen);
		memcpy(c->rbuf + len + plen, (const char *)rr + REC_HDR, bl);
		len += plen + bl;
	}
	char url[1500];
	unsigned srv = c->cur;
	const char *u = tb->ins_url[srv];
	if (h0.fmt != c->cf->format) {
		/* a spool from a run with the other format: the same INSERT with that format */
		snprintf(url, sizeof url, "%s", tb->ins_url[srv]);
		char *f = strstr(url, fmt_query((uint8_t)c->cf->format));
		if (f) {
			snprintf(f, sizeof url - (size_t)(f - url), "%s", fmt_query(h0.fmt));
			u = url;
		}
	}
	enum ch_class k = insert(c, u, send_id, c->rbuf, len);
	c->inserts++;
	if (k == CH_OK) {
		sl_spool_consume(tb->sp);
		tb->replayed += n;
		sl_count(&c->ctr->bytes, len);
		if (tb->split_id == h0.id && tb->split_rows < UINT32_MAX / 2)
			tb->split_rows *= 2;
		ok(tb);
		return 1;
	}
	if (k == CH_BAD_ROW) {
		if (n == 1) {
			dead_letter(c, tb, &h0, row0, row0n);
			sl_spool_consume(tb->sp);
			return 1;
		}
		/* nothing of it committed (one INSERT, refused whole): halve it until the row that
		 * does not parse is alone, so the others still go in large pieces */
		tb->split_id = h0.id;
		tb->split_rows = n / 2;
		return 1;
	}
	if (may_have_committed(k)) {
		tb->uncertain_id = send_id;
		tb->uncertain_srv = srv;
	}
	sl_log(SL_LOG_WARNING, "clickhouse %s: replay of %u rows failed (%s): %.200s", tb->name, n,
	       sl__ch_class_name(k), c->reply);
	backoff(c, tb, now);
	failover(c, k);
	return 0;
}

/* ---- the module ----------------------------------------------------------------------------- */

static void ch_fini(void *state);

static int table_urls(struct ch_sink *c, struct ch_table *tb, char *errbuf, size_t errlen)
{
	char q[400];
	snprintf(q, sizeof q, "INSERT INTO %s%s (batch_id, ts, flow_id, eve) FORMAT %s", c->cf->table_prefix, tb->name,
	         fmt_query((uint8_t)c->cf->format));
	char *eq = curl_easy_escape(c->curl, q, 0);
	char *ed = curl_easy_escape(c->curl, c->cf->database, 0);
	if (!eq || !ed) {
		curl_free(eq);
		curl_free(ed);
		snprintf(errbuf, errlen, "outputs.clickhouse: out of memory");
		return -ENOMEM;
	}
	for (unsigned s = 0; s < c->nsrv; s++) {
		const char *base = s ? c->cf->failover_url : c->cf->url;
		snprintf(tb->ins_url[s], sizeof tb->ins_url[s], "%s?database=%s&query=%s", base, ed, eq);
		snprintf(tb->chk_url[s], sizeof tb->chk_url[s], "%s?database=%s", base, ed);
	}
	curl_free(eq);
	curl_free(ed);
	return 0;
}

static int ch_init(const struct sl_module_env *env, void **state, char *errbuf, size_t errlen)
{
	const struct ch_conf *cf = sl_conf_block(env->cfg, &ch_block);
	struct ch_sink *c = calloc(1, sizeof *c);
	uint64_t types;

	if (!c)
		return -ENOMEM;
	*state = c;
	c->cf = cf;
	c->ctr = env->sink_ctr;
	c->dlfd = -1;
	c->nsrv = cf->failover_url && *cf->failover_url ? 2 : 1;
	if (cf->backoff_min_ns > cf->backoff_max_ns) {
		snprintf(errbuf, errlen, "outputs.clickhouse.backoff-min: more than backoff-max");
		return -EINVAL;
	}
	if (getrandom(&c->nonce, sizeof c->nonce, 0) != sizeof c->nonce) {
		snprintf(errbuf, errlen, "outputs.clickhouse: getrandom: %s", strerror(errno));
		return -EIO;
	}
	c->rng = c->nonce ^ 0x5bd1e995u;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 || !(c->curl = curl_easy_init())) {
		snprintf(errbuf, errlen, "outputs.clickhouse: libcurl does not start");
		return -EIO;
	}
	c->hdr = curl_slist_append(NULL, "Expect:"); /* no 100-continue round trip per batch */
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, c->hdr);
	curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->curl, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT_MS, (long)(cf->connect_timeout_ns / 1000000u));
	curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, (long)(cf->timeout_ns / 1000000u));
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_reply);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(c->curl, CURLOPT_POST, 1L);
	curl_easy_setopt(c->curl, CURLOPT_READFUNCTION, on_read);
	curl_easy_setopt(c->curl, CURLOPT_READDATA, c);
	curl_easy_setopt(c->curl, CURLOPT_SEEKFUNCTION, on_seek);
	curl_easy_setopt(c->curl, CURLOPT_SEEKDATA, c);
	curl_easy_setopt(c->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	if (!(c->eve = malloc(EVE_CAP)) || !(c->row = malloc(ROW_CAP)) || !(c->rec = malloc(REC_HDR + ROW_CAP)))
		return -ENOMEM;
	if (mkdir(cf->spool_dir, 0700) != 0 && errno != EEXIST) {
		snprintf(errbuf, errlen, "outputs.clickhouse.spool-dir: %s: %s", cf->spool_dir, strerror(errno));
		return -errno;
	}
	types = sl_sink_types_mask(&cf->common.types);
	for (unsigned t = 0; t < SL_REC_TYPE_MAX; t++) {
		if (!(types & (UINT64_C(1) << t)))
			continue;
		struct ch_table *tb = calloc(1, sizeof *tb);
		if (!tb)
			return -ENOMEM;
		c->tab[t] = tb;
		tb->name = sl_json_event_name((uint16_t)t);
		tb->buf = malloc(cf->batch_bytes);
		tb->off = malloc(sizeof *tb->off * (size_t)cf->batch_rows);
		if (!tb->buf || !tb->off)
			return -ENOMEM;
		if (table_urls(c, tb, errbuf, errlen))
			return -ENOMEM;
		char dir[4096];
		snprintf(dir, sizeof dir, "%s/%s", cf->spool_dir, tb->name);
		struct sl_spool_conf sc = {
			.dir = dir,
			.max_bytes = cf->spool_max_bytes,
			.segment_bytes = cf->spool_segment_bytes,
			.max_record = REC_HDR + ROW_CAP,
			.fsync_records = 0,
			.fsync_ns = cf->spool_fsync_ns,
			.policy = cf->spool_policy,
		};
		char e[512];
		int r = sl_spool_open(&tb->sp, &sc, e, sizeof e);
		if (r) {
			snprintf(errbuf, errlen, "outputs.clickhouse.spool-dir: %s", e);
			return r;
		}
		tb->check_recovered = sl_spool_stats(tb->sp)->pending > 0;
	}
	c->dlfd = open(cf->dead_letter, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (c->dlfd < 0) {
		snprintf(errbuf, errlen, "outputs.clickhouse.dead-letter: %s: %s", cf->dead_letter, strerror(errno));
		return -errno;
	}
	atomic_store_explicit(&c->ctr->has_spool, 1, memory_order_relaxed);
	sync_counters(c);
	return 0;
}

static size_t ch_write(void *state, const struct sl_rec *recs, size_t n, struct sl_sink_counters *ctr)
{
	struct ch_sink *c = state;
	uint64_t now = 0;

	c->drain_start = 0; /* records still come: whatever flush said, this is not the end yet */
	for (size_t i = 0; i < n; i++) {
		struct ch_table *tb = recs[i].type < SL_REC_TYPE_MAX ? c->tab[recs[i].type] : NULL;
		if (!tb) {
			sl_count(&ctr->dropped, 1);
			sl_count(&ctr->dropped_error, 1);
			continue;
		}
		if (tb->sealed && spool_sealed(c, tb) != 0)
			return i; /* the spool is at its bound: the ring holds the rest */
		size_t rn = encode_row(c, &recs[i]);
		if (rn == 0) {
			sl_count(&ctr->dropped, 1);
			sl_count(&ctr->dropped_encode, 1);
			continue;
		}
		if (tb->rows && tb->len + tb->plen + rn > c->cf->batch_bytes) {
			seal(c, tb, now ? now : (now = sl_mono_ns()));
			if (tb->sealed)
				return i;
		}
		if (tb->rows == 0)
			open_batch(c, tb, now ? now : (now = sl_mono_ns()));
		else
			memcpy(tb->buf + tb->len, tb->buf, tb->plen);
		tb->len += tb->plen;
		tb->off[tb->rows++] = (uint32_t)tb->len;
		memcpy(tb->buf + tb->len, c->row, rn);
		tb->len += rn;
		uint64_t stamp = sl_sink_stamp(&recs[i]);
		if (stamp && tb->nstamps < sizeof tb->stamps / sizeof tb->stamps[0])
			tb->stamps[tb->nstamps++] = stamp;
		if (tb->rows >= (uint64_t)c->cf->batch_rows)
			seal(c, tb, now ? now : (now = sl_mono_ns()));
		/* a sealed batch left waiting for spool room blocks the next record of its table */
	}
	return n;
}

static void ch_tick(void *state, uint64_t now)
{
	struct ch_sink *c = state;

	for (unsigned t = 0; t < SL_REC_TYPE_MAX; t++) {
		struct ch_table *tb = c->tab[t];
		if (!tb)
			continue;
		if (tb->sealed)
			spool_sealed(c, tb);
		else if (tb->rows && now - tb->opened_ns >= c->cf->batch_ns)
			seal(c, tb, now);
		/* a few batches per tick per table, so live batches are not held up for long */
		for (int k = 0; k < 8 && !c->interrupted && replay_one(c, tb, sl_mono_ns()); k++)
			;
		sl_spool_tick(tb->sp, now);
	}
	sync_counters(c);
}

/* Everything sealed and sent or spooled (a batch once it is batch-ms old: until then
 * -EAGAIN, and the sink loop calls again after a tick); the spool replayed while the server
 * takes it, for at most drain-timeout once nothing else is left. */
static int ch_flush(void *state)
{
	struct ch_sink *c = state;
	uint64_t now = sl_mono_ns();
	int live = 0, spooled = 0; /* rows not yet sent or spooled; rows in a spool */

	for (unsigned t = 0; t < SL_REC_TYPE_MAX; t++) {
		struct ch_table *tb = c->tab[t];
		if (!tb)
			continue;
		if (c->interrupted) {
			/* a forced stop: what is not in the spool yet is given up, counted */
			if (tb->sealed || tb->rows) {
				uint32_t left = tb->rows - (tb->sealed ? tb->spool_next : 0);
				sl_count(&c->ctr->dropped, left);
				reset_live(tb);
			}
			continue;
		}
		/* a batch is sent when it is full or old (tick), not whenever the ring goes idle:
		 * at a low rate that would make one tiny INSERT (and one part) per record or two */
		if (tb->rows && !tb->sealed && now - tb->opened_ns >= c->cf->batch_ns)
			seal(c, tb, now);
		if (tb->rows || (tb->sealed && spool_sealed(c, tb) != 0))
			live = 1;
		if (!spool_empty(tb))
			spooled = 1;
	}
	sync_counters(c);
	if (live)
		return -EAGAIN;
	if (spooled) {
		if (!c->drain_start)
			c->drain_start = now;
		if (now - c->drain_start < c->cf->drain_ns)
			return -EAGAIN;
	}
	c->drain_start = 0;
	return 0;
}

static void ch_interrupt(void *state)
{
	struct ch_sink *c = state;
	c->interrupted = 1;
}

static void ch_stop(void *state)
{
	struct ch_sink *c = state;
	uint64_t pend = 0;
	for (unsigned t = 0; t < SL_REC_TYPE_MAX; t++)
		if (c->tab[t]) {
			sl_spool_sync(c->tab[t]->sp);
			pend += sl_spool_stats(c->tab[t]->sp)->pending;
		}
	sync_counters(c);
	sl_log(SL_LOG_INFO,
	       "clickhouse: %" PRIu64 " inserts, %" PRIu64 " checks (%" PRIu64 " found committed, %" PRIu64
	       " partial); failures: network %" PRIu64 ", lost reply %" PRIu64 ", server %" PRIu64
	       ", too many parts %" PRIu64 ", bad row %" PRIu64 ", refused %" PRIu64 "; %" PRIu64 " rows left spooled",
	       c->inserts, c->checks, c->found, c->partial, c->by_class[CH_NET_DOWN], c->by_class[CH_NET_LOST],
	       c->by_class[CH_SERVER], c->by_class[CH_PARTS], c->by_class[CH_BAD_ROW], c->by_class[CH_REFUSED], pend);
}

static void ch_fini(void *state)
{
	struct ch_sink *c = state;
	if (!c)
		return;
	for (unsigned t = 0; t < SL_REC_TYPE_MAX; t++) {
		struct ch_table *tb = c->tab[t];
		if (!tb)
			continue;
		sl_spool_close(tb->sp);
		free(tb->buf);
		free(tb->off);
		free(tb);
	}
	if (c->curl)
		curl_easy_cleanup(c->curl);
	curl_slist_free_all(c->hdr);
	if (c->dlfd >= 0)
		close(c->dlfd);
	free(c->eve);
	free(c->row);
	free(c->rec);
	free(c->rbuf);
	free(c);
}

const struct sl_module sl__sink_clickhouse = {
	.name = "clickhouse",
	.kind = SL_MODULE_SINK,
	.conf = &ch_block,
	.tick_ns = 50000000u,
	.init = ch_init,
	.write = ch_write,
	.tick = ch_tick,
	.flush = ch_flush,
	.interrupt = ch_interrupt,
	.stop = ch_stop,
	.fini = ch_fini,
};
