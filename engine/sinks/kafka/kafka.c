/* SPDX-License-Identifier: MIT */
/*
 * The Kafka sink (librdkafka): every record as one message, EVE JSON without its newline, on
 * the topic [outputs.kafka.topic-prefix] + event_type, keyed by the decimal flow_id so a flow's
 * records share a partition. It is built to lose nothing through broker restarts:
 *
 *   - A record counts as delivered only in its delivery report (dr_msg_cb, served by
 *     rd_kafka_poll on this sink's thread: in write, tick and flush), never at enqueue.
 *   - librdkafka's local queue is bounded (outputs.kafka.queue-records). When it is full,
 *     write() takes no more from the ring (backpressure reaches the router) and the thread keeps
 *     polling; nothing sleeps here. Once the cluster is known down (every broker down, or a
 *     delivery failed since the last success) a full queue spills records straight to the spool
 *     instead, so a long outage holds the disk, not the capture.
 *   - message.timeout.ms is finite on purpose (outputs.kafka.message-timeout): a report with a
 *     retriable error hands the record's bytes (still in the report) to the spool, counted
 *     `spooled`; an infinite timeout would keep every record of a long outage in memory, without
 *     a bound and without surviving a restart. Records the broker can never take (too large,
 *     invalid) are counted dropped (reason error) and logged.
 *   - The spool is replayed in order, many records in flight (sl_spool_ahead), and a spool
 *     record is consumed only when its own delivery report says so, oldest first: reports come
 *     back per partition, out of order, so a window of statuses (REPLAY_WINDOW) holds them until
 *     the oldest is known. A failed replay stops the read-ahead; once nothing is in flight the
 *     spool rewinds to the oldest unconsumed record, and the later ones that had succeeded are
 *     sent again: counted `replay_dups`, bounded by the window.
 *   - While the cluster is down no replay is tried, except one record every second (a probe),
 *     so an idle sensor finds out that the brokers are back. At the end, flush waits for the
 *     cluster at most drain-timeout, then purges what librdkafka holds into the spool.
 *   - A forced stop (interrupt) purges librdkafka's queue: the purged records' reports come
 *     back with an error and go to the spool like any failure. At a SIGKILL what librdkafka held
 *     is lost (at most queue-records) and the spool replays from its last synced cursor: spool
 *     records may come twice, never not at all.
 *
 * acks=all and enable.idempotence=true are set before outputs.kafka.properties, which is passed
 * to librdkafka as is (name=value) and may override them. Spool records hold the event type,
 * the key and the JSON (spool_rec.c: bytes from disk, fuzzed by fuzz_kafka_spool).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <librdkafka/rdkafka.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "encode_json.h"
#include "log.h"
#include "pipeline.h"
#include "record_meta.h"
#include "sinks/kafka/kafka.h"
#include "sinks/sink.h"
#include "sinks/spool/spool.h"
#define SL_CONF_STRUCT struct kafka_conf
#include "conf/conf_rows.h"

struct kafka_conf {
	struct sl_sink_conf common;
	char *brokers;
	char *topic_prefix;
	struct sl_conf_strs properties;
	uint64_t message_timeout_ns;
	int64_t queue_records;
	char *spool_dir;
	uint64_t spool_max_bytes;
	uint64_t spool_segment_bytes;
	enum sl_spool_policy spool_policy;
	uint64_t spool_fsync_ns;
	uint64_t drain_timeout_ns;
};

static const char *const spool_policy_names[] = { "block", "drop-oldest", "drop-newest", NULL };

static const struct sl_conf_key kafka_keys[] = {
	SL_SINK_KEYS("outputs.kafka", "false", "[flow, http, tls, dns, alert, stats, config]", "16MiB", "block",
	             "produce EVE JSON to Kafka, a topic per event type"),
	STRING("outputs.kafka.brokers", brokers, "127.0.0.1:9092", 1, 0, NULL,
	       "bootstrap brokers, HOST:PORT[,HOST:PORT...] (librdkafka's bootstrap.servers)"),
	STRING("outputs.kafka.topic-prefix", topic_prefix, "sluice.", 0, 200, NULL,
	       "put before the event_type to name each record's topic"),
	STRINGS("outputs.kafka.properties", properties, "[]", NULL,
	        "librdkafka properties as name=value, set after the sink's own (they may override them)"),
	DURATION("outputs.kafka.message-timeout", message_timeout_ns, "30s", 1 * SEC, 1 * HOUR,
	         "a record not acknowledged within this time goes to the spool and is re-sent from there"),
	INT("outputs.kafka.queue-records", queue_records, "100000", 1000, 10000000,
	    "records librdkafka may hold unacknowledged; when full the sink takes no more (backpressure)"),
	STRING("outputs.kafka.spool-dir", spool_dir, "/var/spool/sluice/kafka", 1, 0, NULL,
	       "directory of the spool that keeps what could not be delivered"),
	SIZE("outputs.kafka.spool-max-bytes", spool_max_bytes, "1GiB", 4 * MiB, INT64_C(1) << 50,
	     "bound on the spool's size on disk"),
	SIZE("outputs.kafka.spool-segment-bytes", spool_segment_bytes, "16MiB", 2 * MiB, 1 * GiB,
	     "size at which a spool segment file is closed (at most half of spool-max-bytes)"),
	ENUM("outputs.kafka.spool-policy", spool_policy, "block", spool_policy_names,
	     "at the spool's bound: block (backpressure), drop-oldest or drop-newest (counted)"),
	DURATION("outputs.kafka.spool-fsync", spool_fsync_ns, "1s", 10 * MS, 1 * MINUTE,
	         "how often the spool's data and cursor are synced to disk"),
	DURATION("outputs.kafka.drain-timeout", drain_timeout_ns, "10s", 0, 1 * HOUR,
	         "at the end, how long to wait for brokers that are down before the rest stays spooled"),
};

static const struct sl_conf_block kafka_block = {
	.section = "outputs.kafka",
	.size = sizeof(struct kafka_conf),
	.keys = kafka_keys,
	.nkeys = sizeof(kafka_keys) / sizeof(kafka_keys[0]),
};

#define BUF_CAP (1u << 20)            /* one encoded record; a larger one is counted dropped */
#define KEY_MAX SL_KAFKA_KEY_MAX
#define SPOOL_REC_MAX (BUF_CAP + SL_KAFKA_SPOOL_HDR + KEY_MAX)
#define REPLAY_WINDOW 16384u          /* spool records in flight at most (a power of two) */
#define PROBE_NS 1000000000u          /* while down: one replayed record a second */
#define QUEUE_SLACK 1024              /* librdkafka's queue bound above queue-records */

enum { ST_NONE = 0, ST_OK, ST_FAILED };

struct kafka_sink {
	rd_kafka_t *rk;
	rd_kafka_topic_t *topic[SL_REC_TYPE_MAX];
	struct sl_spool *spool;
	struct sl_spool_conf spool_conf;
	char spool_dir[4096];
	struct sl_json_enc enc;
	struct sl_sink_counters *ctr;
	char *buf;     /* the encoded record */
	uint8_t *srec; /* a spool record */
	int64_t queue_max;
	uint64_t drain_ns, drain_since;

	int down;                /* every broker down, or a delivery failed since the last success */
	uint64_t last_probe_ns;
	_Atomic int interrupted; /* interrupt() (any thread); acted on by flush */
	int purged;

	/* replay: seq numbers of spool records read ahead; [head, next) in flight or waiting */
	uint64_t rp_head, rp_next, rp_inflight, rp_epoch;
	int rp_failed;           /* a replay failed: read no further until the rewind */
	uint8_t rp_status[REPLAY_WINDOW];

	uint64_t disk_full_seen; /* the spool's disk_full when last logged */
	uint64_t replay_dups;    /* spool records sent again after a rewind */
	uint64_t stale_acks;     /* acknowledged after the spool had dropped them (drop-oldest) */
};

static size_t u64_dec(uint64_t v, char *out)
{
	char tmp[KEY_MAX];
	size_t n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (size_t i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	return n;
}

static void copy_counters(struct kafka_sink *k)
{
	const struct sl_spool_stats *st = sl_spool_stats(k->spool);
	atomic_store_explicit(&k->ctr->replayed, st->replayed, memory_order_relaxed);
	atomic_store_explicit(&k->ctr->spool_recovered, st->recovered, memory_order_relaxed);
	atomic_store_explicit(&k->ctr->spool_pending, st->pending, memory_order_relaxed);
	atomic_store_explicit(&k->ctr->spool_dropped, st->dropped_oldest, memory_order_relaxed);
	atomic_store_explicit(&k->ctr->spool_lost, st->lost, memory_order_relaxed);
}

/* A record that could not be delivered: to the spool. 0 taken (spooled or dropped, counted);
 * -EAGAIN: the spool is at its bound with policy block, the caller keeps the record. */
static int to_spool(struct kafka_sink *k, uint16_t type, const void *key, size_t klen, const void *json, size_t jlen)
{
	if (klen > KEY_MAX || jlen > BUF_CAP) {
		sl_count(&k->ctr->dropped, 1);
		sl_count(&k->ctr->dropped_error, 1);
		return 0;
	}
	size_t n = sl__kafka_spool_put(k->srec, type, key, klen, json, jlen);
	int r = sl_spool_append(k->spool, k->srec, (uint32_t)n);
	if (r == -EAGAIN)
		return -EAGAIN;
	if (r == 0) {
		sl_count(&k->ctr->spooled, 1);
	} else {
		sl_count(&k->ctr->dropped, 1);
		sl_count(r == 1 ? &k->ctr->dropped_full : &k->ctr->dropped_error, 1);
	}
	return 0;
}

/* Errors a retry can never cure: the record is dropped, not spooled (it would come back
 * forever). */
static int permanent(rd_kafka_resp_err_t e)
{
	switch (e) {
	case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
	case RD_KAFKA_RESP_ERR_INVALID_MSG:
	case RD_KAFKA_RESP_ERR_INVALID_RECORD:
	case RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE:
	case RD_KAFKA_RESP_ERR__INVALID_ARG:
		return 1;
	default:
		return 0;
	}
}

_Static_assert(sizeof(uintptr_t) == 8, "a message opaque carries a 48-bit stamp and a type");

/* Opaque of a message: (stamp << 16) | (type << 1) for a record from the ring (the latency
 * stamp is 48 bits, 0 when the record was not sampled), (replay seq << 1) | 1 for one from the
 * spool. */
static void on_report(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	struct kafka_sink *k = opaque;
	uintptr_t op = (uintptr_t)m->_private;
	(void)rk;

	if (m->err == 0) {
		k->down = 0;
	} else {
		k->down = 1;
		if (permanent(m->err))
			sl_log(SL_LOG_WARNING, "kafka sink: %s: record dropped: %s", rd_kafka_topic_name(m->rkt),
			       rd_kafka_err2str(m->err));
	}
	if ((op & 1) == 0) {
		uint16_t type = (uint16_t)((op >> 1) & 0x7fff);
		uint64_t stamp = (uint64_t)op >> 16;
		if (m->err == 0) {
			sl_count(&k->ctr->delivered, 1);
			sl_count(&k->ctr->bytes, m->len);
			if (stamp) /* the broker's acknowledgement: this sink's end of the latency */
				sl_sink_latency(k->ctr, stamp);
			return;
		}
		if (permanent(m->err)) {
			sl_count(&k->ctr->dropped, 1);
			sl_count(&k->ctr->dropped_error, 1);
			return;
		}
		if (to_spool(k, type, m->key, m->key_len, m->payload, m->len) == 0)
			return;
		/* the spool is full (policy block): keep it in librdkafka's queue, it is memory
		 * already counted against queue-records; at a stop there is nowhere left */
		if (k->purged || rd_kafka_produce(m->rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, m->payload, m->len, m->key,
		                     m->key_len, (void *)op) != 0) {
			sl_count(&k->ctr->dropped, 1);
			sl_count(&k->ctr->dropped_full, 1);
		}
		return;
	}
	uint64_t seq = (uint64_t)(op >> 1);
	k->rp_inflight--;
	if (seq < k->rp_head) { /* the spool dropped it meanwhile */
		if (m->err == 0)
			k->stale_acks++;
		return;
	}
	if (m->err && permanent(m->err)) {
		/* it can never go: consume it like a delivered one, counted dropped */
		sl_count(&k->ctr->dropped_error, 1);
		k->rp_status[seq & (REPLAY_WINDOW - 1)] = ST_OK;
		return;
	}
	k->rp_status[seq & (REPLAY_WINDOW - 1)] = m->err ? ST_FAILED : ST_OK;
	if (m->err)
		k->rp_failed = 1;
}

static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
	struct kafka_sink *k = opaque;
	(void)rk;
	if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
		k->down = 1;
	sl_log(err == RD_KAFKA_RESP_ERR__FATAL ? SL_LOG_ERROR : SL_LOG_WARNING, "kafka sink: %s: %s",
	       rd_kafka_err2name((rd_kafka_resp_err_t)err), reason);
}

static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	(void)rk;
	sl_log(level <= LOG_ERR ? SL_LOG_ERROR : level <= LOG_WARNING ? SL_LOG_WARNING : SL_LOG_INFO,
	       "kafka sink: librdkafka %s: %s", fac, buf);
}

/* Consume the acknowledged spool records, oldest first; rewind after a failure once nothing
 * is in flight. */
static void advance_replay(struct kafka_sink *k)
{
	uint64_t ep = sl_spool_epoch(k->spool);
	if (ep != k->rp_epoch) { /* what was read ahead is gone (drop-oldest): forget it */
		for (uint64_t s = k->rp_head; s < k->rp_next; s++)
			k->rp_status[s & (REPLAY_WINDOW - 1)] = ST_NONE;
		k->rp_head = k->rp_next;
		k->rp_epoch = ep;
		k->rp_failed = 0;
		sl_spool_rewind(k->spool);
	}
	while (k->rp_head < k->rp_next && k->rp_status[k->rp_head & (REPLAY_WINDOW - 1)] == ST_OK) {
		k->rp_status[k->rp_head & (REPLAY_WINDOW - 1)] = ST_NONE;
		k->rp_head++;
		sl_spool_consume(k->spool);
	}
	if (k->rp_failed && k->rp_inflight == 0) {
		for (uint64_t s = k->rp_head; s < k->rp_next; s++) {
			uint8_t *st = &k->rp_status[s & (REPLAY_WINDOW - 1)];
			if (*st == ST_OK)
				k->replay_dups++;
			*st = ST_NONE;
		}
		k->rp_head = k->rp_next;
		k->rp_failed = 0;
		sl_spool_rewind(k->spool);
	}
}

/* Produce spool records while the queue has room and the cluster is up (or a probe is due). */
static void pump_replay(struct kafka_sink *k, uint64_t now)
{
	uint64_t window = REPLAY_WINDOW;
	if (k->rp_failed || k->purged)
		return;
	if (k->down) {
		if (k->rp_inflight || now - k->last_probe_ns < PROBE_NS)
			return;
		k->last_probe_ns = now;
		window = 1;
	}
	while (k->rp_next - k->rp_head < window && rd_kafka_outq_len(k->rk) < k->queue_max) {
		const void *rec;
		uint32_t len;
		uint16_t type;
		const uint8_t *key, *json;
		size_t klen, jlen;
		if (sl_spool_ahead(k->spool, &rec, &len) != 0)
			return;
		uint64_t seq = k->rp_next++;
		if (sl__kafka_spool_parse(rec, len, &type, &key, &klen, &json, &jlen) != 0 || k->topic[type] == NULL) {
			/* not a record of ours (the CRC passed, so it was written so): consumed, counted */
			sl_count(&k->ctr->dropped_error, 1);
			k->rp_status[seq & (REPLAY_WINDOW - 1)] = ST_OK;
			continue;
		}
		if (rd_kafka_produce(k->topic[type], RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, (void *)json, jlen,
		                     key, klen, (void *)(uintptr_t)(seq << 1 | 1)) != 0) {
			k->rp_status[seq & (REPLAY_WINDOW - 1)] = ST_FAILED;
			k->rp_failed = 1;
			return;
		}
		k->rp_inflight++;
	}
}

static void serve(struct kafka_sink *k, uint64_t now)
{
	rd_kafka_poll(k->rk, 0);
	advance_replay(k);
	pump_replay(k, now);
	copy_counters(k);
}

/* From tick: a spool that hit a full disk says so (the log limits repeats). */
static void log_spool(struct kafka_sink *k)
{
	const struct sl_spool_stats *st = sl_spool_stats(k->spool);
	if (st->disk_full != k->disk_full_seen) {
		sl_log(SL_LOG_WARNING, "kafka sink: spool %s: disk full (%llu time(s)); records wait in memory, the sink takes fewer",
		       k->spool_dir, (unsigned long long)st->disk_full);
		k->disk_full_seen = st->disk_full;
	}
}

static void kafka_fini(void *state);

static int set_prop(rd_kafka_conf_t *c, const char *name, const char *val, char *errbuf, size_t errlen)
{
	char err[256];
	if (rd_kafka_conf_set(c, name, val, err, sizeof err) != RD_KAFKA_CONF_OK) {
		snprintf(errbuf, errlen, "outputs.kafka: librdkafka property %s=%s: %s", name, val, err);
		return -EINVAL;
	}
	return 0;
}

static int kafka_init(const struct sl_module_env *env, void **state, char *errbuf, size_t errlen)
{
	const struct kafka_conf *kc = sl_conf_block(env->cfg, &kafka_block);
	struct kafka_sink *k = calloc(1, sizeof *k);
	char v[64], err[256];
	int r;

	if (k == NULL)
		return -ENOMEM;
	*state = k;
	k->ctr = env->sink_ctr;
	k->queue_max = kc->queue_records;
	k->drain_ns = kc->drain_timeout_ns;
	if ((k->buf = malloc(BUF_CAP)) == NULL || (k->srec = malloc(SPOOL_REC_MAX)) == NULL)
		return -ENOMEM;
	if (kc->spool_segment_bytes * 2 > kc->spool_max_bytes) {
		snprintf(errbuf, errlen, "outputs.kafka.spool-segment-bytes: at most half of spool-max-bytes");
		return -EINVAL;
	}

	rd_kafka_conf_t *c = rd_kafka_conf_new();
	snprintf(v, sizeof v, "%llu", (unsigned long long)(kc->message_timeout_ns / 1000000u));
	if ((r = set_prop(c, "bootstrap.servers", kc->brokers, errbuf, errlen)) ||
	    (r = set_prop(c, "acks", "all", errbuf, errlen)) ||
	    (r = set_prop(c, "enable.idempotence", "true", errbuf, errlen)) ||
	    (r = set_prop(c, "message.timeout.ms", v, errbuf, errlen)) ||
	    (r = set_prop(c, "log.queue", "true", errbuf, errlen)))
		goto bad;
	/* librdkafka's own bound is above ours: write and the replay stop at queue-records, so a
	 * record a failed report hands back (spool full) always finds room to be produced again */
	snprintf(v, sizeof v, "%lld", (long long)kc->queue_records + QUEUE_SLACK);
	if ((r = set_prop(c, "queue.buffering.max.messages", v, errbuf, errlen)))
		goto bad;
	for (size_t i = 0; i < kc->properties.n; i++) {
		const char *p = kc->properties.v[i], *eq = strchr(p, '=');
		char name[128];
		if (eq == NULL || eq == p || (size_t)(eq - p) >= sizeof name) {
			snprintf(errbuf, errlen, "outputs.kafka.properties: \"%s\": want name=value", p);
			r = -EINVAL;
			goto bad;
		}
		memcpy(name, p, (size_t)(eq - p));
		name[eq - p] = 0;
		if (!strcmp(name, "dr_msg_cb") || !strcmp(name, "opaque")) {
			snprintf(errbuf, errlen, "outputs.kafka.properties: \"%s\" is the sink's own", name);
			r = -EINVAL;
			goto bad;
		}
		if ((r = set_prop(c, name, eq + 1, errbuf, errlen)))
			goto bad;
	}
	rd_kafka_conf_set_dr_msg_cb(c, on_report);
	rd_kafka_conf_set_error_cb(c, on_error);
	rd_kafka_conf_set_log_cb(c, on_log);
	rd_kafka_conf_set_opaque(c, k);
	k->rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof err);
	if (k->rk == NULL) {
		snprintf(errbuf, errlen, "outputs.kafka: %s", err);
		return -EINVAL;
	}
	c = NULL;
	rd_kafka_set_log_queue(k->rk, NULL); /* logs come through rd_kafka_poll, on this thread */
	for (uint16_t t = 0; t < SL_REC_TYPE_MAX; t++) {
		const char *name = sl_json_event_name(t);
		char topic[300];
		if (name == NULL)
			continue;
		snprintf(topic, sizeof topic, "%s%s", kc->topic_prefix ? kc->topic_prefix : "", name);
		if ((k->topic[t] = rd_kafka_topic_new(k->rk, topic, NULL)) == NULL) {
			snprintf(errbuf, errlen, "outputs.kafka: topic %s: %s", topic, rd_kafka_err2str(rd_kafka_last_error()));
			return -EINVAL;
		}
	}

	snprintf(k->spool_dir, sizeof k->spool_dir, "%s", kc->spool_dir);
	k->spool_conf = (struct sl_spool_conf){
		.dir = k->spool_dir,
		.max_bytes = kc->spool_max_bytes,
		.segment_bytes = kc->spool_segment_bytes,
		.max_record = SPOOL_REC_MAX,
		.fsync_records = 0,
		.fsync_ns = kc->spool_fsync_ns,
		.policy = kc->spool_policy,
	};
	if (k->spool_conf.segment_bytes < SPOOL_REC_MAX + 64u)
		k->spool_conf.segment_bytes = SPOOL_REC_MAX + 64u;
	if ((r = sl_spool_open(&k->spool, &k->spool_conf, err, sizeof err)) != 0) {
		snprintf(errbuf, errlen, "outputs.kafka.spool-dir: %s", err);
		return r;
	}
	k->rp_epoch = sl_spool_epoch(k->spool);
	atomic_store_explicit(&k->ctr->has_spool, 1, memory_order_relaxed);
	copy_counters(k);
	if (sl_spool_stats(k->spool)->recovered)
		sl_log(SL_LOG_NOTICE, "kafka sink: %llu record(s) waiting in the spool %s from an earlier run",
		       (unsigned long long)sl_spool_stats(k->spool)->recovered, k->spool_dir);
	return 0;
bad:
	rd_kafka_conf_destroy(c);
	return r;
}

static size_t kafka_write(void *state, const struct sl_rec *recs, size_t n, struct sl_sink_counters *ctr)
{
	struct kafka_sink *k = state;
	size_t i;

	for (i = 0; i < n; i++) {
		uint16_t t = recs[i].type;
		const char *name = t < SL_REC_TYPE_MAX ? sl_json_event_name(t) : NULL;
		size_t len = name ? sl_json_encode(&k->enc, recs[i].data, recs[i].len, t, k->buf, BUF_CAP) : 0;
		if (len <= 1 || k->topic[t] == NULL) {
			sl_count(&ctr->dropped, 1);
			sl_count(&ctr->dropped_encode, 1);
			continue;
		}
		len--; /* the newline: a Kafka message is one record already */
		char key[KEY_MAX];
		size_t klen = 0;
		if (recs[i].len >= sizeof(struct sl_ev_common)) {
			uint64_t fid;
			memcpy(&fid, (const uint8_t *)recs[i].data + offsetof(struct sl_ev_common, flow_id), sizeof fid);
			klen = u64_dec(fid, key);
		}
		uint64_t op = (sl_sink_stamp(&recs[i]) & ((UINT64_C(1) << 48) - 1)) << 16 | (uint64_t)t << 1;
		if (rd_kafka_outq_len(k->rk) >= k->queue_max ||
		    rd_kafka_produce(k->topic[t], RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, k->buf, len, key, klen,
		                     (void *)(uintptr_t)op) != 0) {
			rd_kafka_resp_err_t e = rd_kafka_last_error();
			if (rd_kafka_outq_len(k->rk) >= k->queue_max || e == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
				/* full: backpressure, or the spool while the cluster is down */
				if (!k->down || to_spool(k, t, key, klen, k->buf, len) != 0)
					break;
				continue;
			}
			sl_count(&ctr->dropped, 1);
			sl_count(&ctr->dropped_error, 1);
		}
	}
	serve(k, sl_mono_ns());
	return i;
}

static void kafka_tick(void *state, uint64_t now_ns)
{
	struct kafka_sink *k = state;
	serve(k, now_ns);
	sl_spool_tick(k->spool, now_ns);
	log_spool(k);
}

/* What librdkafka holds is purged and its reports hand it to the spool: at an interrupt and a
 * stop (final: nothing is produced again), and when the cluster stayed down through
 * drain-timeout (librdkafka may hold a record past message.timeout.ms while it has no
 * metadata; seen with 2.0.2 and every broker down). */
static void purge(struct kafka_sink *k, int final)
{
	if (k->purged)
		return;
	k->purged = 1; /* while the reports are served, a failed one is not produced again */
	rd_kafka_purge(k->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
	/* the purged records' reports are queued at once; serve them all */
	for (int i = 0; i < 100 && rd_kafka_outq_len(k->rk) > 0; i++)
		rd_kafka_poll(k->rk, 10);
	rd_kafka_poll(k->rk, 0);
	advance_replay(k);
	k->purged = final;
}

static int kafka_flush(void *state)
{
	struct kafka_sink *k = state;
	uint64_t now = sl_mono_ns();

	if (atomic_load_explicit(&k->interrupted, memory_order_relaxed)) {
		purge(k, 1);
		sl_spool_sync(k->spool);
		copy_counters(k);
		return rd_kafka_outq_len(k->rk) ? -ECANCELED : 0;
	}
	serve(k, now);
	if (rd_kafka_outq_len(k->rk) == 0 && sl_spool_stats(k->spool)->pending == 0) {
		k->drain_since = 0;
		return 0;
	}
	/* records wait in librdkafka or in the spool: keep going while the cluster takes them;
	 * while it is down, for up to drain-timeout, then what librdkafka holds goes to the spool
	 * and it all stays there for later (counted pending) */
	if (!k->down) {
		k->drain_since = 0;
		return -EAGAIN;
	}
	if (k->drain_since == 0)
		k->drain_since = now;
	if (now - k->drain_since < k->drain_ns)
		return -EAGAIN;
	purge(k, 0);
	sl_spool_sync(k->spool);
	copy_counters(k);
	k->drain_since = 0;
	return -ENOTCONN;
}

static void kafka_interrupt(void *state)
{
	struct kafka_sink *k = state;
	atomic_store_explicit(&k->interrupted, 1, memory_order_relaxed);
}

static void kafka_stop(void *state)
{
	struct kafka_sink *k = state;
	/* anything still held (a stop while down) goes to the spool, not away */
	if (rd_kafka_outq_len(k->rk) > 0)
		purge(k, 1);
	sl_spool_sync(k->spool);
	copy_counters(k);
	if (k->replay_dups || k->stale_acks)
		sl_log(SL_LOG_NOTICE, "kafka sink: %llu spool record(s) sent twice after a failed replay, %llu acknowledged after the spool dropped them",
		       (unsigned long long)k->replay_dups, (unsigned long long)k->stale_acks);
}

static void kafka_fini(void *state)
{
	struct kafka_sink *k = state;
	if (k == NULL)
		return;
	for (unsigned t = 0; t < SL_REC_TYPE_MAX; t++)
		if (k->topic[t])
			rd_kafka_topic_destroy(k->topic[t]);
	if (k->rk) {
		rd_kafka_purge(k->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
		rd_kafka_destroy(k->rk);
	}
	sl_spool_close(k->spool);
	free(k->buf);
	free(k->srec);
	free(k);
}

const struct sl_module sl__sink_kafka = {
	.name = "kafka",
	.kind = SL_MODULE_SINK,
	.conf = &kafka_block,
	.tick_ns = 10000000u, /* serve reports and the replay every 10 ms while idle */
	.init = kafka_init,
	.write = kafka_write,
	.tick = kafka_tick,
	.flush = kafka_flush,
	.interrupt = kafka_interrupt,
	.stop = kafka_stop,
	.fini = kafka_fini,
};
