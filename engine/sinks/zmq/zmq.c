/* SPDX-License-Identifier: MIT */
/*
 * The ZMQ publisher: every record as a three-frame message on an XPUB socket bound to one or
 * more endpoints (tcp://, ipc://):
 *
 *   frame 1  topic: [outputs.zmq.topic-prefix] + event_type ("flow", "http", ...), so a SUB
 *            filters with ZMQ_SUBSCRIBE as usual;
 *   frame 2  the EVE JSON line, the very bytes the file sink writes (ending in '\n');
 *   frame 3  the topic's sequence number, 8 bytes little-endian, 1 for a topic's first record.
 *
 * The sequence counts every record offered to the topic, published or dropped, so a subscriber
 * sees its own gaps (and a SUB that joins late starts wherever the topic is: PUB/SUB's contract).
 *
 * With outputs.zmq.curve.secret-key-file the socket is a CURVE server (control/curve.h: the
 * key file must be mode 0600): a subscriber needs the matching public key, and the records
 * travel encrypted.
 *
 * The pipeline never waits on it: sends are ZMQ_DONTWAIT on an XPUB with ZMQ_XPUB_NODROP, so a
 * subscriber at its high-water mark makes the send fail with EAGAIN instead of libzmq dropping
 * in silence; that record is counted dropped (reason "full"). Its ring has the drop policy by
 * default. A record sent is counted delivered: libzmq has it (a message to no subscriber at
 * all is delivered to nobody, as PUB/SUB says).
 *
 * The XPUB's subscription messages (ZMQ_XPUB_VERBOSER: every subscribe and unsubscribe of every
 * peer) give the subscription count; a socket monitor gives the connected peers (subscribers).
 * outputs.zmq.wait-subscribers holds start() until that many peers have subscribed, so a pcap
 * run's first records reach them; SIGINT/SIGTERM during that wait stops sluiced cleanly.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "control/curve.h"
#include "encode_json.h"
#include "log.h"
#include "pipeline.h"
#include "sinks/sink.h"
#define SL_CONF_STRUCT struct zmq_conf
#include "conf/conf_rows.h"

struct zmq_conf {
	struct sl_sink_conf common;
	struct sl_conf_strs endpoints;
	char *topic_prefix;
	int64_t sndhwm;
	uint64_t linger_ns;
	int64_t wait_subscribers;
	uint64_t wait_timeout_ns;
	char *curve_secret_key_file;
};

static const struct sl_conf_key zmq_keys[] = {
	SL_SINK_KEYS("outputs.zmq", "false", "[flow, http, tls, dns, alert, stats, http_summary, config]", "4MiB", "drop",
	             "publish EVE JSON on a ZMQ XPUB socket"),
	STRINGS("outputs.zmq.endpoints", endpoints, "[\"tcp://127.0.0.1:5556\"]", NULL,
	        "endpoints the publisher binds (tcp://HOST:PORT, ipc://PATH)"),
	STRING("outputs.zmq.topic-prefix", topic_prefix, "", 0, 64, NULL,
	       "put before the event_type in each message's topic frame"),
	INT("outputs.zmq.sndhwm", sndhwm, "100000", 1, INT64_C(100000000),
	    "messages queued per subscriber before sends fail and records are dropped (counted)"),
	DURATION("outputs.zmq.linger", linger_ns, "1s", 0, 60 * SEC,
	         "how long queued messages may still go out after the stop"),
	INT("outputs.zmq.wait-subscribers", wait_subscribers, "0", 0, 1000,
	    "before the run starts, wait until this many subscribers have subscribed; 0: do not wait"),
	DURATION("outputs.zmq.wait-timeout", wait_timeout_ns, "10s", 1 * MS, 1 * HOUR,
	         "how long to wait for them; past it sluiced refuses to start"),
	STRING("outputs.zmq.curve.secret-key-file", curve_secret_key_file, "", 0, 0, NULL,
	       "CURVE secret key (Z85, mode 0600): subscribers must know its public key; empty: no CURVE"),
};

static const struct sl_conf_block zmq_block = {
	.section = "outputs.zmq",
	.size = sizeof(struct zmq_conf),
	.keys = zmq_keys,
	.nkeys = sizeof(zmq_keys) / sizeof(zmq_keys[0]),
};

#define BUF_CAP (1u << 20) /* one encoded record; a larger one is counted dropped */

struct zmq_sink {
	void *ctx, *pub, *mon;
	struct sl_json_enc enc;
	struct sl_sink_counters *ctr;
	char prefix[65];
	size_t prefix_len;
	uint64_t seq[SL_REC_TYPE_MAX];
	int64_t wait_n;
	uint64_t wait_ns;
	char mon_ep[64];
	char *buf;
};

/* tcp://HOST:PORT or ipc://PATH; anything else named in the error. */
static int check_endpoint(const char *ep, char *errbuf, size_t errlen)
{
	if (strncmp(ep, "tcp://", 6) == 0) {
		const char *colon = strrchr(ep + 6, ':');
		char *end;
		long port = colon ? strtol(colon + 1, &end, 10) : -1;
		if (colon == NULL || colon == ep + 6 || colon[1] == 0 || *end != 0 || port < 0 || port > 65535) {
			snprintf(errbuf, errlen, "outputs.zmq.endpoints: \"%s\": want tcp://HOST:PORT", ep);
			return -EINVAL;
		}
		return 0;
	}
	if (strncmp(ep, "ipc://", 6) == 0) {
		if (ep[6] == 0 || strlen(ep + 6) > 107) {
			snprintf(errbuf, errlen, "outputs.zmq.endpoints: \"%s\": want ipc://PATH (at most 107 bytes)", ep);
			return -EINVAL;
		}
		return 0;
	}
	snprintf(errbuf, errlen, "outputs.zmq.endpoints: \"%s\": only tcp:// and ipc:// endpoints", ep);
	return -EINVAL;
}

static void zpub_fini(void *state);

static int zpub_init(const struct sl_module_env *env, void **state, char *errbuf, size_t errlen)
{
	const struct zmq_conf *zc = sl_conf_block(env->cfg, &zmq_block);
	struct zmq_sink *z = calloc(1, sizeof *z);
	int one = 1, hwm, linger;
	static _Atomic unsigned instances;

	if (z == NULL)
		return -ENOMEM;
	*state = z;
	z->ctr = env->sink_ctr;
	z->wait_n = zc->wait_subscribers;
	z->wait_ns = zc->wait_timeout_ns;
	snprintf(z->prefix, sizeof z->prefix, "%s", zc->topic_prefix ? zc->topic_prefix : "");
	z->prefix_len = strlen(z->prefix);
	if (zc->endpoints.n == 0) {
		snprintf(errbuf, errlen, "outputs.zmq.endpoints: no endpoint");
		return -EINVAL;
	}
	for (size_t i = 0; i < zc->endpoints.n; i++)
		if (check_endpoint(zc->endpoints.v[i], errbuf, errlen) != 0)
			return -EINVAL;
	if ((z->buf = malloc(BUF_CAP)) == NULL)
		return -ENOMEM;
	z->ctx = zmq_ctx_new();
	z->pub = z->ctx ? zmq_socket(z->ctx, ZMQ_XPUB) : NULL;
	if (z->pub == NULL) {
		snprintf(errbuf, errlen, "outputs.zmq: zmq socket: %s", zmq_strerror(errno));
		return -EIO;
	}
	hwm = (int)zc->sndhwm;
	linger = (int)(zc->linger_ns / 1000000u);
	zmq_setsockopt(z->pub, ZMQ_SNDHWM, &hwm, sizeof hwm);
	zmq_setsockopt(z->pub, ZMQ_LINGER, &linger, sizeof linger);
	zmq_setsockopt(z->pub, ZMQ_XPUB_NODROP, &one, sizeof one);
	zmq_setsockopt(z->pub, ZMQ_XPUB_VERBOSER, &one, sizeof one);
	/* the peers: accepted and disconnected events on an inproc monitor */
	snprintf(z->mon_ep, sizeof z->mon_ep, "inproc://sluice-zmq-mon-%u", atomic_fetch_add(&instances, 1));
	if (zmq_socket_monitor(z->pub, z->mon_ep, ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED) != 0 ||
	    (z->mon = zmq_socket(z->ctx, ZMQ_PAIR)) == NULL || zmq_connect(z->mon, z->mon_ep) != 0) {
		snprintf(errbuf, errlen, "outputs.zmq: socket monitor: %s", zmq_strerror(errno));
		return -EIO;
	}
	zmq_setsockopt(z->mon, ZMQ_LINGER, &(int){ 0 }, sizeof(int));
	/* CURVE before any bind: every endpoint of the socket then speaks it */
	if (zc->curve_secret_key_file[0] &&
	    sl_curve_server(z->pub, "outputs.zmq.curve.secret-key-file", zc->curve_secret_key_file, errbuf, errlen) != 0)
		return -EINVAL;
	for (size_t i = 0; i < zc->endpoints.n; i++)
		if (zmq_bind(z->pub, zc->endpoints.v[i]) != 0) {
			snprintf(errbuf, errlen, "outputs.zmq.endpoints: bind %s: %s", zc->endpoints.v[i], zmq_strerror(errno));
			return -EADDRINUSE;
		}
	return 0;
}

/* Read what the XPUB and its monitor have to say: subscriptions and peers. Non-blocking. */
static void poll_subscriptions(struct zmq_sink *z)
{
	char msg[256];
	int n;

	while ((n = zmq_recv(z->pub, msg, sizeof msg, ZMQ_DONTWAIT)) >= 0) {
		uint64_t subs = atomic_load_explicit(&z->ctr->subscriptions, memory_order_relaxed);
		if (n >= 1 && msg[0] == 1)
			sl_count(&z->ctr->subscriptions, 1);
		else if (n >= 1 && msg[0] == 0 && subs > 0)
			sl_count(&z->ctr->subscriptions, (uint64_t)-1);
	}
	for (;;) {
		zmq_msg_t ev;
		zmq_msg_init(&ev);
		if (zmq_msg_recv(&ev, z->mon, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&ev);
			break;
		}
		uint16_t id = 0;
		if (zmq_msg_size(&ev) >= 2)
			memcpy(&id, zmq_msg_data(&ev), 2);
		int more = zmq_msg_more(&ev);
		zmq_msg_close(&ev);
		if (more) { /* the second frame names the endpoint */
			zmq_msg_init(&ev);
			zmq_msg_recv(&ev, z->mon, 0);
			zmq_msg_close(&ev);
		}
		uint64_t peers = atomic_load_explicit(&z->ctr->subscribers, memory_order_relaxed);
		if (id == ZMQ_EVENT_ACCEPTED)
			sl_count(&z->ctr->subscribers, 1);
		else if (id == ZMQ_EVENT_DISCONNECTED && peers > 0)
			sl_count(&z->ctr->subscribers, (uint64_t)-1);
	}
}

/* outputs.zmq.wait-subscribers: on the main thread before any stage runs. SIGINT and SIGTERM
 * are taken here (blocked, then looked for between polls) so they end the wait, not the
 * process. */
static int zpub_start(void *state, char *errbuf, size_t errlen)
{
	struct zmq_sink *z = state;
	sigset_t stop, old;
	struct timespec zero = { 0, 0 };
	uint64_t t0;
	int rc = 0;

	if (z->wait_n <= 0)
		return 0;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, &old);
	sl_log(SL_LOG_NOTICE, "zmq sink: waiting for %lld subscriber(s), at most %.1f s", (long long)z->wait_n,
	       (double)z->wait_ns / 1e9);
	t0 = sl_mono_ns();
	for (;;) {
		poll_subscriptions(z);
		uint64_t peers = atomic_load_explicit(&z->ctr->subscribers, memory_order_relaxed);
		uint64_t subs = atomic_load_explicit(&z->ctr->subscriptions, memory_order_relaxed);
		if (peers >= (uint64_t)z->wait_n && subs >= (uint64_t)z->wait_n)
			break;
		int sig = sigtimedwait(&stop, NULL, &zero);
		if (sig > 0) {
			snprintf(errbuf, errlen, "outputs.zmq.wait-subscribers: %s while waiting (%llu of %lld subscribed)",
			         strsignal(sig), (unsigned long long)subs, (long long)z->wait_n);
			rc = -EINTR;
			break;
		}
		if (sl_mono_ns() - t0 >= z->wait_ns) {
			snprintf(errbuf, errlen,
			         "outputs.zmq.wait-subscribers: timed out after %.1f s with %llu of %lld subscribers "
			         "(%llu connected)",
			         (double)z->wait_ns / 1e9, (unsigned long long)subs, (long long)z->wait_n,
			         (unsigned long long)peers);
			rc = -ETIMEDOUT;
			break;
		}
		zmq_pollitem_t it[2] = { { z->pub, 0, ZMQ_POLLIN, 0 }, { z->mon, 0, ZMQ_POLLIN, 0 } };
		zmq_poll(it, 2, 20);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

static size_t zpub_write(void *state, const struct sl_rec *recs, size_t n, struct sl_sink_counters *ctr)
{
	struct zmq_sink *z = state;
	char topic[128];

	for (size_t i = 0; i < n; i++) {
		uint16_t t = recs[i].type;
		const char *name = sl_json_event_name(t);
		size_t len = name ? sl_json_encode(&z->enc, recs[i].data, recs[i].len, t, z->buf, BUF_CAP) : 0;
		if (len == 0) {
			sl_count(&ctr->dropped, 1);
			sl_count(&ctr->dropped_encode, 1);
			continue;
		}
		size_t nl = strlen(name);
		memcpy(topic, z->prefix, z->prefix_len);
		memcpy(topic + z->prefix_len, name, nl);
		uint64_t seq = ++z->seq[t];
		unsigned char le[8];
		for (int b = 0; b < 8; b++)
			le[b] = (unsigned char)(seq >> (8 * b));
		/* NODROP: only the first frame can fail (EAGAIN at a subscriber's high-water mark);
		 * once it is in, the others follow */
		if (zmq_send(z->pub, topic, z->prefix_len + nl, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0) {
			sl_count(&ctr->dropped, 1);
			if (errno == EAGAIN)
				sl_count(&ctr->dropped_full, 1);
			else
				sl_count(&ctr->dropped_error, 1);
			continue;
		}
		zmq_send(z->pub, z->buf, len, ZMQ_SNDMORE);
		zmq_send(z->pub, le, sizeof le, 0);
		sl_count(&ctr->delivered, 1);
		sl_count(&ctr->bytes, len);
		uint64_t stamp = sl_sink_stamp(&recs[i]); /* libzmq has it: this sink's acknowledgement */
		if (stamp)
			sl_sink_latency(ctr, stamp);
	}
	return n;
}

static void zpub_tick(void *state, uint64_t now_ns)
{
	(void)now_ns;
	poll_subscriptions(state);
}

static void zpub_stop(void *state)
{
	poll_subscriptions(state);
}

static void zpub_fini(void *state)
{
	struct zmq_sink *z = state;
	if (z == NULL)
		return;
	if (z->mon)
		zmq_close(z->mon);
	if (z->pub) {
		zmq_socket_monitor(z->pub, NULL, 0);
		zmq_close(z->pub);
	}
	if (z->ctx)
		zmq_ctx_term(z->ctx);
	free(z->buf);
	free(z);
}

const struct sl_module sl__sink_zmq = {
	.name = "zmq",
	.kind = SL_MODULE_SINK,
	.conf = &zmq_block,
	.tick_ns = 50000000u, /* read subscriptions every 50 ms */
	.init = zpub_init,
	.start = zpub_start,
	.write = zpub_write,
	.tick = zpub_tick,
	.stop = zpub_stop,
	.fini = zpub_fini,
};
