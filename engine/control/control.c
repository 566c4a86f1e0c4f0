/* SPDX-License-Identifier: MIT */
/*
 * The control socket: a ZMQ ROUTER on its own thread, so an operator (sluicectl, a script with
 * any ZMQ binding) can ask a running sluiced what it is doing and tell it what to do, without a
 * signal and without touching the data path.
 *
 * Invariants:
 *  1. Nothing a client sends can stall the thread or the pipeline. Requests are parsed by
 *     request.c within control.max-request bytes; larger ones get an error, and messages past
 *     a hard cap (ZMQ_MAXMSGSIZE) cost the client its connection. Replies are sent with
 *     ZMQ_DONTWAIT on a ROUTER with ZMQ_ROUTER_MANDATORY: a client that never reads fills its
 *     own queue (ZMQ_SNDHWM), and its later replies are dropped and counted, not waited for.
 *  2. The thread reads the pipeline the way the final ledger does (single-writer atomics, the
 *     workers' published counters): sl_ledger_collect is safe beside running stages.
 *  3. It never takes a lock a stage takes. Flows come from each worker's own request slot,
 *     answered between batches (worker.h); the wait for them is bounded by
 *     control.flows-timeout, and a worker that does not answer in time is named in the reply.
 *  4. Reload and shutdown are the main loop's (they are what SIGHUP and SIGTERM do): the
 *     thread sets a bit and wakes it, and answers at once. Pause and resume are one flag the
 *     capture threads read before each packet (capture/push.c).
 *
 * The endpoint is local by default: ipc:// (the socket file made mode 0600), or tcp:// on a
 * loopback address. A tcp endpoint on any other address needs control.curve.secret-key-file:
 * the socket is then a CURVE server and a client must know its public key.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>
#include <arpa/inet.h>

#include "control.h"
#include "curve.h"
#include "log.h"
#include "pipeline.h"
#include "request.h"
#include "runtime.h"
#include "stats.h"
#include "worker.h"
#define SL_CONF_STRUCT struct control_conf
#include "conf/conf_rows.h"

#ifndef SLUICE_VERSION
#define SLUICE_VERSION "0.0.0"
#endif

_Static_assert(SL_CTL_FLOWS_MAX <= SL_WORKER_TOP_MAX, "a worker's answer holds the largest top N");

struct control_conf {
	bool enabled;
	char *endpoint;
	char *secret_key_file;
	char *authorized_keys;
	uint64_t max_request;
	uint64_t flows_timeout_ns;
	int64_t sndhwm;
};

static const struct sl_conf_key control_keys[] = {
	BOOL("control.enabled", enabled, "false", "answer sluicectl (JSON requests) on control.endpoint"),
	STRING("control.endpoint", endpoint, "ipc:///run/sluiced.control", 7, 200, NULL,
	       "ZMQ endpoint of the control socket: ipc://PATH (made mode 0600) or tcp://ADDRESS:PORT"),
	STRING("control.curve.secret-key-file", secret_key_file, "", 0, 0, NULL,
	       "CURVE secret key (Z85, mode 0600) of the control socket; needed for tcp off loopback"),
	STRING("control.curve.authorized-keys", authorized_keys, "", 0, 0, NULL,
	       "file of client public keys (Z85, one a line) admitted over CURVE; empty: any client with the server key"),
	SIZE("control.max-request", max_request, "4KiB", 64, 64 * KiB,
	     "longest request answered; a longer one gets an error"),
	DURATION("control.flows-timeout", flows_timeout_ns, "1s", 10 * MS, 60 * SEC,
	         "how long flows waits for the workers' answers"),
	INT("control.sndhwm", sndhwm, "16", 1, 10000,
	    "replies queued per client before further replies to it are dropped (counted)"),
};

const struct sl_conf_block sl__control_block = {
	.section = "control",
	.size = sizeof(struct control_conf),
	.keys = control_keys,
	.nkeys = sizeof(control_keys) / sizeof(control_keys[0]),
};

#define MAX_CLIENT_KEYS 1024

struct sl_control {
	void *ctx, *sock;
	void *zap;                /* the ZAP handler (REP) when authorized-keys names a file */
	uint8_t (*allowed)[32];   /* the admitted client keys, binary */
	size_t nallowed;
	uint64_t zap_denied;
	pthread_t tid;
	int started;
	struct sl_pipeline *pl;
	struct sl_ledger *ledger; /* the thread's scratch for stats and rings */
	size_t max_request;
	uint64_t flows_timeout_ns, t0, seq;
	_Atomic unsigned *asks;
	void (*wake)(void *);
	void *wake_arg;
	char endpoint[208];
	int curve;
	/* the thread's own counts, shown by version */
	uint64_t requests, refused, replies_dropped;
};

/* ---- the endpoint ---------------------------------------------------------------------------- */

/* 1 when a tcp:// endpoint's address is loopback (127.0.0.0/8 or ::1), 0 when it is not,
 * -1 when it is no numeric address at all */
static int tcp_loopback(const char *ep)
{
	char host[64];
	const char *h = ep + 6, *colon = strrchr(h, ':');
	size_t n;
	unsigned char a[16];

	if (colon == NULL || colon == h)
		return -1;
	n = (size_t)(colon - h);
	if (h[0] == '[' && n >= 2 && h[n - 1] == ']') {
		h++;
		n -= 2;
	}
	if (n >= sizeof host)
		return -1;
	memcpy(host, h, n);
	host[n] = 0;
	if (inet_pton(AF_INET, host, a) == 1)
		return a[0] == 127;
	if (inet_pton(AF_INET6, host, a) == 1)
		return memcmp(a, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1", 16) == 0;
	return -1;
}

/* control.curve.authorized-keys: one Z85 public key per line, '#' comments and blank lines
 * skipped; a line that is not a key is refused naming the file and line. */
static int load_allowed(struct sl_control *c, const char *path, char *errbuf, size_t errlen)
{
	FILE *f = fopen(path, "re");
	char line[256];
	unsigned lineno = 0;

	if (f == NULL) {
		int e = errno;
		snprintf(errbuf, errlen, "control.curve.authorized-keys: %s: %s", path, strerror(e));
		return -e;
	}
	if ((c->allowed = calloc(MAX_CLIENT_KEYS, sizeof *c->allowed)) == NULL) {
		fclose(f);
		snprintf(errbuf, errlen, "control: out of memory");
		return -ENOMEM;
	}
	while (fgets(line, sizeof line, f)) {
		lineno++;
		size_t n = strlen(line);
		if (n == sizeof line - 1 && line[n - 1] != '\n') {
			snprintf(errbuf, errlen, "control.curve.authorized-keys: %s:%u: line too long", path, lineno);
			fclose(f);
			return -EINVAL;
		}
		char *p = line;
		while (*p == ' ' || *p == '\t')
			p++;
		n = strlen(p);
		while (n && (p[n - 1] == '\n' || p[n - 1] == '\r' || p[n - 1] == ' ' || p[n - 1] == '\t'))
			p[--n] = 0;
		if (n == 0 || p[0] == '#')
			continue;
		if (c->nallowed == MAX_CLIENT_KEYS) {
			snprintf(errbuf, errlen, "control.curve.authorized-keys: %s:%u: more than %d keys", path, lineno,
			         MAX_CLIENT_KEYS);
			fclose(f);
			return -E2BIG;
		}
		if (n != SL_CURVE_Z85_LEN || zmq_z85_decode(c->allowed[c->nallowed], p) == NULL) {
			snprintf(errbuf, errlen, "control.curve.authorized-keys: %s:%u: not a Z85 public key of 40 characters",
			         path, lineno);
			fclose(f);
			return -EINVAL;
		}
		c->nallowed++;
	}
	fclose(f);
	return 0;
}

/* One ZAP request (RFC 27): [version][request id][domain][address][identity][mechanism]
 * [client key]; the answer is 200 for a key on the list, 400 for any other. A malformed
 * request is answered 400 too (a REP must answer what it received). */
static void zap_one(struct sl_control *c)
{
	zmq_msg_t fr[8];
	int nf = 0, more = 1;

	while (more) {
		zmq_msg_t scratch, *m = nf < 8 ? &fr[nf] : &scratch;
		zmq_msg_init(m);
		if (zmq_msg_recv(m, c->zap, nf == 0 ? ZMQ_DONTWAIT : 0) < 0) {
			zmq_msg_close(m);
			if (nf == 0)
				return;
			break;
		}
		more = zmq_msg_more(m);
		if (m == &scratch)
			zmq_msg_close(m);
		else
			nf++;
	}
	int ok = 0;
	if (nf == 7 && zmq_msg_size(&fr[5]) == 5 && memcmp(zmq_msg_data(&fr[5]), "CURVE", 5) == 0 &&
	    zmq_msg_size(&fr[6]) == 32)
		for (size_t i = 0; i < c->nallowed && !ok; i++)
			ok = memcmp(zmq_msg_data(&fr[6]), c->allowed[i], 32) == 0;
	if (!ok)
		c->zap_denied++;
	zmq_send(c->zap, "1.0", 3, ZMQ_SNDMORE);
	if (nf >= 2)
		zmq_send(c->zap, zmq_msg_data(&fr[1]), zmq_msg_size(&fr[1]), ZMQ_SNDMORE);
	else
		zmq_send(c->zap, "", 0, ZMQ_SNDMORE);
	zmq_send(c->zap, ok ? "200" : "400", 3, ZMQ_SNDMORE);
	zmq_send(c->zap, ok ? "OK" : "not an authorized key", ok ? 2 : 21, ZMQ_SNDMORE);
	zmq_send(c->zap, "", 0, ZMQ_SNDMORE);
	zmq_send(c->zap, "", 0, 0);
	for (int i = 0; i < nf; i++)
		zmq_msg_close(&fr[i]);
}

int sl_control_create(const struct sl_config *cfg, struct sl_pipeline *pl, struct sl_control **out, char *errbuf,
                      size_t errlen)
{
	const struct control_conf *cc = sl_conf_block(cfg, &sl__control_block);
	struct sl_control *c;
	int e = -EINVAL, v;

	*out = NULL;
	if (cc == NULL || !cc->enabled)
		return 0;
	const char *ep = cc->endpoint;
	int ipc = strncmp(ep, "ipc://", 6) == 0, tcp = strncmp(ep, "tcp://", 6) == 0;
	if (!ipc && !tcp) {
		snprintf(errbuf, errlen, "control.endpoint: \"%s\": want ipc://PATH or tcp://ADDRESS:PORT", ep);
		return -EINVAL;
	}
	if (ipc && (ep[6] == 0 || strlen(ep + 6) > 107)) {
		snprintf(errbuf, errlen, "control.endpoint: \"%s\": want ipc://PATH (at most 107 bytes)", ep);
		return -EINVAL;
	}
	int loop = tcp ? tcp_loopback(ep) : 1;
	if (loop < 0) {
		snprintf(errbuf, errlen, "control.endpoint: \"%s\": want tcp://ADDRESS:PORT, a numeric address", ep);
		return -EINVAL;
	}
	if (tcp && !loop && cc->secret_key_file[0] == 0) {
		snprintf(errbuf, errlen,
		         "control.endpoint: \"%s\" is not a loopback address: set control.curve.secret-key-file", ep);
		return -EINVAL;
	}
	if ((c = calloc(1, sizeof *c)) == NULL || (c->ledger = calloc(1, sizeof *c->ledger)) == NULL) {
		free(c);
		snprintf(errbuf, errlen, "control: out of memory");
		return -ENOMEM;
	}
	c->pl = pl;
	c->max_request = (size_t)cc->max_request;
	c->flows_timeout_ns = cc->flows_timeout_ns;
	snprintf(c->endpoint, sizeof c->endpoint, "%s", ep);
	c->ctx = zmq_ctx_new();
	c->sock = c->ctx ? zmq_socket(c->ctx, ZMQ_ROUTER) : NULL;
	if (c->sock == NULL) {
		snprintf(errbuf, errlen, "control: zmq socket: %s", zmq_strerror(errno));
		e = -EIO;
		goto fail;
	}
	v = 1;
	zmq_setsockopt(c->sock, ZMQ_ROUTER_MANDATORY, &v, sizeof v);
	v = (int)cc->sndhwm;
	zmq_setsockopt(c->sock, ZMQ_SNDHWM, &v, sizeof v);
	v = 0;
	zmq_setsockopt(c->sock, ZMQ_SNDTIMEO, &v, sizeof v);
	zmq_setsockopt(c->sock, ZMQ_LINGER, &v, sizeof v);
	/* past this a message is not worth reading: libzmq drops the connection */
	int64_t cap = (int64_t)c->max_request * 16 + 4096;
	zmq_setsockopt(c->sock, ZMQ_MAXMSGSIZE, &cap, sizeof cap);
	if (cc->secret_key_file[0]) {
		if (!tcp) {
			snprintf(errbuf, errlen, "control.curve.secret-key-file: CURVE is for tcp:// endpoints (%s is "
			         "guarded by its file mode)", ep);
			goto fail;
		}
		if ((e = sl_curve_server(c->sock, "control.curve.secret-key-file", cc->secret_key_file, errbuf,
		                         errlen)) != 0)
			goto fail;
		c->curve = 1;
		/* an allow-list: libzmq asks the context's ZAP handler (ours, served by the control
		 * thread) about each client key during the handshake */
		if (cc->authorized_keys[0]) {
			if ((e = load_allowed(c, cc->authorized_keys, errbuf, errlen)) != 0)
				goto fail;
			c->zap = zmq_socket(c->ctx, ZMQ_REP);
			if (c->zap == NULL || zmq_bind(c->zap, "inproc://zeromq.zap.01") != 0) {
				snprintf(errbuf, errlen, "control: ZAP handler: %s", zmq_strerror(errno));
				e = -EIO;
				goto fail;
			}
			zmq_setsockopt(c->zap, ZMQ_LINGER, &(int){ 0 }, sizeof(int));
		}
	} else if (cc->authorized_keys[0]) {
		snprintf(errbuf, errlen, "control.curve.authorized-keys: needs control.curve.secret-key-file");
		goto fail;
	}
	/* an ipc socket file is made under umask 077 (only its owner may connect), then chmod'd in
	 * case it was made otherwise; this runs before any stage thread exists */
	mode_t old = umask(077);
	int rb = zmq_bind(c->sock, ep);
	int be = errno;
	umask(old);
	if (rb != 0) {
		snprintf(errbuf, errlen, "control.endpoint: bind %s: %s", ep, zmq_strerror(be));
		e = -EADDRINUSE;
		goto fail;
	}
	if (ipc && chmod(ep + 6, 0600) != 0) {
		snprintf(errbuf, errlen, "control.endpoint: chmod 600 %s: %s", ep + 6, strerror(errno));
		e = -EPERM;
		goto fail;
	}
	*out = c;
	return 0;
fail:
	if (c->zap)
		zmq_close(c->zap);
	free(c->allowed);
	if (c->sock)
		zmq_close(c->sock);
	if (c->ctx)
		zmq_ctx_term(c->ctx);
	free(c->ledger);
	free(c);
	return e;
}

/* ---- replies ----------------------------------------------------------------------------- */

static void jstr(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

static double uptime(const struct sl_control *c)
{
	return (double)(sl_mono_ns() - c->t0) / 1e9;
}

/* The configuration version in force. The snapshot is RCU-protected and the control thread is
 * a registered reader, offline except for this read (it must not hold up a grace period while
 * it waits in zmq_poll). */
static uint64_t config_version(void)
{
	sl_runtime_online();
	const struct sl_runtime *rt = sl_runtime_get();
	uint64_t v = rt ? rt->version : 0;
	sl_runtime_offline();
	return v;
}

static void reply_stats(struct sl_control *c, FILE *f)
{
	sl_ledger_collect(c->pl, c->ledger);
	fprintf(f, "{\"ok\":true,\"uptime\":%.3f,\"paused\":%s,\"stats\":", uptime(c),
	        c->ledger->paused ? "true" : "false");
	sl_ledger_json(c->ledger, f);
	fputc('}', f);
}

static void reply_rings(struct sl_control *c, FILE *f)
{
	sl_ledger_collect(c->pl, c->ledger);
	fprintf(f, "{\"ok\":true,\"rings\":[");
	for (unsigned i = 0; i < c->ledger->nrings; i++) {
		const struct sl_ledger_ring *r = &c->ledger->rings[i];
		fprintf(f, "%s{\"name\":", i ? "," : "");
		jstr(f, r->name);
		fprintf(f, ",\"capacity\":%llu,\"used\":%llu,\"occupancy\":%.4f,\"produced\":%llu,\"consumed\":%llu,"
		           "\"dropped\":%llu,\"in_flight\":%llu,\"full_events\":%llu,\"backing\":\"%s\"}",
		        (unsigned long long)r->capacity, (unsigned long long)r->used,
		        r->capacity ? (double)r->used / (double)r->capacity : 0.0, (unsigned long long)r->produced,
		        (unsigned long long)r->consumed, (unsigned long long)r->dropped, (unsigned long long)r->in_flight,
		        (unsigned long long)r->full_events, sl_ring_backing_name(r->backing));
	}
	fprintf(f, "]}");
}

static const char *proto_name(uint8_t p, char *buf, size_t n)
{
	switch (p) {
	case 6: return "TCP";
	case 17: return "UDP";
	case 1: return "ICMP";
	case 58: return "IPv6-ICMP";
	default: snprintf(buf, n, "%u", p); return buf;
	}
}

static void ip_str(const struct sl_flow_key *k, const uint8_t *a, char *buf, size_t n)
{
	if (inet_ntop(k->ip_version == 6 ? AF_INET6 : AF_INET, a, buf, (socklen_t)n) == NULL)
		snprintf(buf, n, "?");
}

static int flow_bigger(const struct sl_worker_flow *a, const struct sl_worker_flow *b)
{
	return a->bytes[0] + a->bytes[1] > b->bytes[0] + b->bytes[1];
}

/* Ask every worker at once, wait (bounded) for their answers, merge the top n. */
static void reply_flows(struct sl_control *c, FILE *f, unsigned n)
{
	struct sl_pipeline *pl = c->pl;
	uint64_t req[SL_MAX_WORKERS];
	int answered[SL_MAX_WORKERS] = { 0 };
	unsigned nanswered = 0;
	struct sl_worker_flow top[SL_CTL_FLOWS_MAX];
	unsigned worker_of[SL_CTL_FLOWS_MAX];
	unsigned have = 0;

	c->seq++;
	for (unsigned w = 0; w < pl->nworkers; w++) {
		req[w] = (c->seq << 8) | n;
		/* release: pairs with the worker's acquire of top_req (answer_top in worker.c) */
		atomic_store_explicit(&pl->workers[w]->top_req, req[w], memory_order_release);
	}
	uint64_t deadline = sl_mono_ns() + c->flows_timeout_ns;
	struct timespec ms = { 0, 1000 * 1000 };
	while (nanswered < pl->nworkers) {
		for (unsigned w = 0; w < pl->nworkers; w++) {
			struct sl_worker *wk = pl->workers[w];
			/* acquire: pairs with the worker's release of top_done, after top[] and top_n */
			if (answered[w] || atomic_load_explicit(&wk->top_done, memory_order_acquire) != req[w])
				continue;
			answered[w] = 1;
			nanswered++;
			for (unsigned i = 0; i < wk->top_n && i < n; i++) {
				const struct sl_worker_flow *fl = &wk->top[i];
				if (have == n && !flow_bigger(fl, &top[n - 1]))
					break; /* each worker's list is sorted: the rest are smaller */
				unsigned at = have < n ? have++ : n - 1;
				while (at > 0 && flow_bigger(fl, &top[at - 1])) {
					top[at] = top[at - 1];
					worker_of[at] = worker_of[at - 1];
					at--;
				}
				top[at] = *fl;
				worker_of[at] = w;
			}
		}
		if (nanswered == pl->nworkers || sl_mono_ns() >= deadline)
			break;
		nanosleep(&ms, NULL);
	}
	fprintf(f, "{\"ok\":true,\"workers\":%u,\"answered\":%u,\"flows\":[", pl->nworkers, nanswered);
	for (unsigned i = 0; i < have; i++) {
		const struct sl_worker_flow *fl = &top[i];
		char src[64], dst[64], pb[8];
		ip_str(&fl->key, fl->key.src, src, sizeof src);
		ip_str(&fl->key, fl->key.dst, dst, sizeof dst);
		fprintf(f,
		        "%s{\"flow_id\":%llu,\"worker\":%u,\"proto\":\"%s\",\"src_ip\":\"%s\",\"src_port\":%u,"
		        "\"dest_ip\":\"%s\",\"dest_port\":%u,\"pkts_toserver\":%llu,\"pkts_toclient\":%llu,"
		        "\"bytes_toserver\":%llu,\"bytes_toclient\":%llu,\"bytes\":%llu,\"age\":%.3f,\"state\":\"%s\"}",
		        i ? "," : "", (unsigned long long)fl->flow_id, worker_of[i], proto_name(fl->key.proto, pb, sizeof pb),
		        src, fl->key.src_port, dst, fl->key.dst_port, (unsigned long long)fl->pkts[0],
		        (unsigned long long)fl->pkts[1], (unsigned long long)fl->bytes[0], (unsigned long long)fl->bytes[1],
		        (unsigned long long)(fl->bytes[0] + fl->bytes[1]), (double)(fl->last_ns - fl->first_ns) / 1e9,
		        sl_flow_state_name((enum sl_flow_state)fl->state));
	}
	fprintf(f, "]");
	if (nanswered < pl->nworkers) {
		fprintf(f, ",\"timed_out\":[");
		for (unsigned w = 0, k = 0; w < pl->nworkers; w++)
			if (!answered[w])
				fprintf(f, "%s%u", k++ ? "," : "", w);
		fprintf(f, "]");
	}
	fprintf(f, "}");
}

static void ask(struct sl_control *c, unsigned bit)
{
	atomic_fetch_or_explicit(c->asks, bit, memory_order_release); /* the main loop exchanges it */
	c->wake(c->wake_arg);
}

static void reply_version(struct sl_control *c, FILE *f)
{
	fprintf(f,
	        "{\"ok\":true,\"version\":\"%s\",\"pid\":%ld,\"uptime\":%.3f,\"config_version\":%llu,"
	        "\"paused\":%s,\"captures\":%u,\"workers\":%u,\"sinks\":%u,\"curve\":%s,"
	        "\"control\":{\"requests\":%llu,\"refused\":%llu,\"replies_dropped\":%llu,\"keys_refused\":%llu}}",
	        SLUICE_VERSION, (long)getpid(), uptime(c), (unsigned long long)config_version(),
	        atomic_load_explicit(&c->pl->paused, memory_order_relaxed) ? "true" : "false", c->pl->ncaptures,
	        c->pl->nworkers, c->pl->nsinks, c->curve ? "true" : "false", (unsigned long long)c->requests,
	        (unsigned long long)c->refused, (unsigned long long)c->replies_dropped,
	        (unsigned long long)c->zap_denied);
}

/* The reply to one request body, as a malloc'd string (open_memstream) */
static char *answer(struct sl_control *c, const char *body, size_t len, size_t *rlen)
{
	char *out = NULL, err[256];
	struct sl_ctl_req req;
	FILE *f = open_memstream(&out, rlen);

	if (f == NULL)
		return NULL;
	c->requests++;
	if (len > c->max_request) {
		snprintf(err, sizeof err, "request of %zu bytes; control.max-request is %zu", len, c->max_request);
		goto refuse;
	}
	if (sl_ctl_parse(body, len, &req, err, sizeof err) != 0)
		goto refuse;
	switch (req.cmd) {
	case SL_CTL_STATS: reply_stats(c, f); break;
	case SL_CTL_RINGS: reply_rings(c, f); break;
	case SL_CTL_FLOWS: reply_flows(c, f, (unsigned)req.n); break;
	case SL_CTL_VERSION: reply_version(c, f); break;
	case SL_CTL_RELOAD:
		ask(c, SL_CONTROL_ASK_RELOAD);
		fprintf(f, "{\"ok\":true,\"reload\":\"queued\",\"config_version\":%llu}",
		        (unsigned long long)config_version());
		sl_log(SL_LOG_NOTICE, "control: reload asked");
		break;
	case SL_CTL_SHUTDOWN:
		ask(c, SL_CONTROL_ASK_SHUTDOWN);
		fprintf(f, "{\"ok\":true,\"shutdown\":\"draining\"}");
		break;
	case SL_CTL_PAUSE:
	case SL_CTL_RESUME: {
		int p = req.cmd == SL_CTL_PAUSE;
		int was = atomic_exchange_explicit(&c->pl->paused, p, memory_order_relaxed);
		if (was != p)
			sl_log(SL_LOG_NOTICE, "control: %s", p ? "paused: the captures hold" : "resumed");
		fprintf(f, "{\"ok\":true,\"paused\":%s,\"was_paused\":%s}", p ? "true" : "false", was ? "true" : "false");
		break;
	}
	case SL_CTL_LOGLEVEL:
		if (req.level >= 0 && (int)sl_log_get_level() != req.level) {
			sl_log_set_level((enum sl_log_level)req.level);
			sl_log(SL_LOG_NOTICE, "control: log level %s", sl_ctl_level_name(req.level));
		}
		fprintf(f, "{\"ok\":true,\"level\":\"%s\"}", sl_ctl_level_name((int)sl_log_get_level()));
		break;
	default:
		snprintf(err, sizeof err, "unknown command");
		goto refuse;
	}
	fclose(f);
	return out;
refuse:
	c->refused++;
	sl_log(SL_LOG_INFO, "control: refused a request: %s", err);
	fprintf(f, "{\"ok\":false,\"error\":");
	jstr(f, err);
	fputc('}', f);
	fclose(f);
	return out;
}

/* ---- the thread ---------------------------------------------------------------------------- */

#define MAX_FRAMES 3 /* [identity][body] (DEALER) or [identity][empty][body] (REQ) */

/* One message off the socket, answered. 0, or -1 when the socket has nothing more (or the
 * context is ending). */
static int serve_one(struct sl_control *c)
{
	zmq_msg_t fr[MAX_FRAMES];
	int nf = 0, more = 1, rc = 0;
	size_t extra = 0;

	while (more) {
		zmq_msg_t *m = nf < MAX_FRAMES ? &fr[nf] : NULL;
		zmq_msg_t scratch;
		if (m == NULL)
			m = &scratch;
		zmq_msg_init(m);
		if (zmq_msg_recv(m, c->sock, nf == 0 ? ZMQ_DONTWAIT : 0) < 0) {
			zmq_msg_close(m);
			if (nf == 0)
				return -1;
			rc = -1; /* the context ends in the middle of a message */
			goto out;
		}
		more = zmq_msg_more(m);
		if (m == &scratch) {
			extra++;
			zmq_msg_close(m);
		} else {
			nf++;
		}
	}
	if (nf < 2)
		goto out; /* a ROUTER always prefixes the identity; nothing to answer */
	int req_style = nf == 3 && zmq_msg_size(&fr[1]) == 0;
	zmq_msg_t *body = &fr[nf - 1];
	char *reply;
	size_t rlen = 0;
	if (extra || (nf == 3 && !req_style)) {
		const char *e = "{\"ok\":false,\"error\":\"one frame per request (or REQ's empty delimiter and one)\"}";
		c->requests++;
		c->refused++;
		reply = strdup(e);
		rlen = strlen(e);
	} else {
		reply = answer(c, zmq_msg_data(body), zmq_msg_size(body), &rlen);
	}
	if (reply == NULL)
		goto out;
	/* ROUTER_MANDATORY + DONTWAIT: a peer gone or at its high-water mark fails the first
	 * frame (EHOSTUNREACH, EAGAIN) and the reply is dropped; once it is in, the rest follow */
	if (zmq_send(c->sock, zmq_msg_data(&fr[0]), zmq_msg_size(&fr[0]), ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0) {
		c->replies_dropped++;
	} else {
		if (req_style)
			zmq_send(c->sock, "", 0, ZMQ_SNDMORE | ZMQ_DONTWAIT);
		zmq_send(c->sock, reply, rlen, ZMQ_DONTWAIT);
	}
	free(reply);
out:
	for (int i = 0; i < nf; i++)
		zmq_msg_close(&fr[i]);
	return rc;
}

static void *control_main(void *arg)
{
	struct sl_control *c = arg;

	sl_runtime_register();
	sl_runtime_offline();
	for (;;) {
		zmq_pollitem_t it[2] = { { c->sock, 0, ZMQ_POLLIN, 0 }, { c->zap, 0, ZMQ_POLLIN, 0 } };
		if (zmq_poll(it, c->zap ? 2 : 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			break; /* ETERM: sl_control_stop */
		}
		if (c->zap && (it[1].revents & ZMQ_POLLIN))
			zap_one(c);
		/* a bounded turn, so a flood from one client still lets the poll see the end */
		for (int i = 0; i < 64 && serve_one(c) == 0; i++)
			;
		if (zmq_errno() == ETERM)
			break;
	}
	sl_runtime_unregister();
	return NULL;
}

int sl_control_start(struct sl_control *c, _Atomic unsigned *asks, void (*wake)(void *), void *arg, char *errbuf,
                     size_t errlen)
{
	if (c == NULL)
		return 0;
	c->asks = asks;
	c->wake = wake;
	c->wake_arg = arg;
	c->t0 = sl_mono_ns();
	int e = sl_thread_start(&c->tid, "control", -1, control_main, c);
	if (e != 0) {
		snprintf(errbuf, errlen, "control: thread: %s", strerror(-e));
		return e;
	}
	c->started = 1;
	sl_log(SL_LOG_INFO, "control: listening on %s%s", c->endpoint, c->curve ? " (CURVE)" : "");
	return 0;
}

void sl_control_stop(struct sl_control *c)
{
	if (c == NULL)
		return;
	/* every blocking call of the control thread returns ETERM; the socket is then closed
	 * here, after the join (a socket is used by one thread at a time) */
	zmq_ctx_shutdown(c->ctx);
	if (c->started)
		pthread_join(c->tid, NULL);
	zmq_close(c->sock);
	if (c->zap)
		zmq_close(c->zap);
	zmq_ctx_term(c->ctx);
	free(c->allowed);
	/* the socket file of an ipc endpoint goes with us, so a client finds nobody at once */
	if (strncmp(c->endpoint, "ipc://", 6) == 0 && c->endpoint[6] != '@')
		unlink(c->endpoint + 6);
	free(c->ledger);
	free(c);
}
