/* SPDX-License-Identifier: MIT */
/*
 * Is sluiced's ZMQ publisher as fast as libzmq itself? The zmq sink (engine/sinks/zmq) against a
 * bare libzmq XPUB->SUB loop sending the same messages: the same topic frames, the same EVE JSON
 * bytes (encoded once, up front, for the bare loop), the same 8-byte sequence frame, the same
 * socket options (XPUB_NODROP, SNDHWM, sends with DONTWAIT). The difference is what the sink
 * does per record: encoding the JSON and its bookkeeping.
 *
 * The records are real: the program first reads them from a sluiced tap (it is the tap's
 * consumer, copying each record out), so the mix and sizes are those of the capture sluiced ran.
 * Then it runs ROUNDS rounds, each measuring both peers once in alternating order, on a fresh
 * socket and a fresh subscriber (its own thread and context, counting messages and JSON bytes):
 * a peer's rate is what the subscriber received over the time from the first send to the last
 * message received. CPU time is the process's (publisher, subscriber and libzmq's threads: the
 * same parties for both peers).
 *
 *   pub_bench --tap NAME [--rounds R] [--messages N]
 *   pub_bench --sub ENDPOINT [--stall]     a subscriber for bench/tap_bench.sh: counts until
 *                                          300 ms of silence after the first message; --stall
 *                                          connects, subscribes and never reads
 * Prints one line per peer per round, then the medians and the ratio sink/bare with min-max.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "conf/conf.h"
#include "encode_json.h"
#include "engine.h"
#include "module.h"
#include "sinks/sink.h"
#include "sluice/ring.h"

extern const struct sl_module sl__sink_zmq;

/* Both peers' send and receive high-water marks: above the messages of one measurement, so that
 * neither drops and each rate is what reached the subscriber end to end (with the default
 * 100000 the bare loop, faster to send, dropped a third at the mark while the sink dropped none:
 * not the same work). */
#define HWM 2000000
#define HWM_STR "2000000"

struct corpus {
	struct sl_rec *recs;   /* data points into buf */
	char **json;           /* the EVE line of each, for the bare loop */
	size_t *json_len;
	size_t n;
	uint8_t *buf;
	size_t bytes;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int load(struct corpus *c, const char *tap)
{
	sl_ring *r = NULL;
	struct sl_rec in[64];
	size_t cap_bytes = 64u << 20, cap_n = 1u << 20;
	int e;

	for (int i = 0; (e = sl_ring_open(tap, SL_RING_CONSUMER, &r)) == -ENOENT && i < 2000; i++)
		usleep(10000);
	if (e) {
		fprintf(stderr, "pub_bench: tap %s: %s\n", tap, strerror(-e));
		return e;
	}
	c->buf = malloc(cap_bytes);
	c->recs = malloc(cap_n * sizeof *c->recs);
	if (!c->buf || !c->recs)
		return -ENOMEM;
	for (;;) {
		size_t n = sl_ring_peek(r, in, 64);
		for (size_t i = 0; i < n; i++) {
			size_t slot = (in[i].len + 7u) & ~(size_t)7u;
			if (c->n == cap_n || c->bytes + slot > cap_bytes)
				continue; /* enough: the rest is read and let go */
			memcpy(c->buf + c->bytes, in[i].data, in[i].len);
			c->recs[c->n] = (struct sl_rec){ .data = c->buf + c->bytes, .len = in[i].len, .type = in[i].type };
			c->bytes += slot;
			c->n++;
		}
		sl_ring_release(r, n);
		if (n == 0 && sl_ring_wait_readable(r, 100) == -EPIPE)
			break;
	}
	sl_ring_close(r);
	c->json = calloc(c->n, sizeof *c->json);
	c->json_len = calloc(c->n, sizeof *c->json_len);
	struct sl_json_enc enc = { 0 };
	static char line[1 << 20];
	for (size_t i = 0; i < c->n; i++) {
		size_t len = sl_json_encode(&enc, c->recs[i].data, c->recs[i].len, c->recs[i].type, line, sizeof line);
		c->json[i] = malloc(len ? len : 1);
		memcpy(c->json[i], line, len);
		c->json_len[i] = len;
	}
	return c->n ? 0 : -ENODATA;
}

/* ---- the subscriber ------------------------------------------------------------------------ */

struct sub {
	char endpoint[64];
	_Atomic int ready, stop;
	_Atomic uint64_t msgs, bytes;
	_Atomic uint64_t expect;       /* stop once this many arrived (0: not known yet) */
	double last;                   /* time of the last message */
	int stall;
	int hwm;                       /* receive high-water mark */
	pthread_t tid;
};

static void *sub_main(void *arg)
{
	struct sub *s = arg;
	void *ctx = zmq_ctx_new();
	void *so = zmq_socket(ctx, ZMQ_SUB);
	int hwm = s->hwm, tmo = 50;

	zmq_setsockopt(so, ZMQ_RCVHWM, &hwm, sizeof hwm);
	zmq_setsockopt(so, ZMQ_RCVTIMEO, &tmo, sizeof tmo);
	zmq_connect(so, s->endpoint);
	zmq_setsockopt(so, ZMQ_SUBSCRIBE, "", 0);
	atomic_store(&s->ready, 1);
	while (!atomic_load(&s->stop)) {
		zmq_msg_t m;
		zmq_msg_init(&m);
		if (s->stall || zmq_msg_recv(&m, so, 0) < 0) {
			zmq_msg_close(&m);
			if (s->stall)
				usleep(10000);
			uint64_t ex = atomic_load(&s->expect);
			if (ex && atomic_load(&s->msgs) >= ex)
				break;
			continue;
		}
		/* [topic][json][seq] */
		zmq_msg_close(&m);
		zmq_msg_init(&m);
		zmq_msg_recv(&m, so, 0);
		uint64_t jb = zmq_msg_size(&m);
		zmq_msg_close(&m);
		zmq_msg_init(&m);
		zmq_msg_recv(&m, so, 0);
		zmq_msg_close(&m);
		s->last = now_s();
		atomic_store(&s->bytes, atomic_load(&s->bytes) + jb);
		uint64_t k = atomic_load(&s->msgs) + 1;
		atomic_store(&s->msgs, k);
		uint64_t ex = atomic_load(&s->expect);
		if (ex && k >= ex)
			break;
	}
	zmq_close(so);
	zmq_ctx_term(ctx);
	return NULL;
}

static int free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t l = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 && getsockname(fd, (struct sockaddr *)&a, &l) == 0)
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

struct result {
	double rps, bps, rpc; /* records/s, JSON bytes/s, records per CPU-second */
	uint64_t got, dropped;
};

/* Wait for the subscriber to have `sent` messages (or 2 s of nothing new), then compute. */
static void finish(struct sub *s, uint64_t sent, double t0, double c0, struct result *r)
{
	atomic_store(&s->expect, sent ? sent : 1);
	uint64_t seen = 0;
	double quiet = now_s();
	while (atomic_load(&s->msgs) < sent) {
		usleep(1000);
		if (atomic_load(&s->msgs) != seen) {
			seen = atomic_load(&s->msgs);
			quiet = now_s();
		} else if (now_s() - quiet > 2.0) {
			break;
		}
	}
	atomic_store(&s->stop, 1);
	pthread_join(s->tid, NULL);
	double c1 = cpu_s(), dt = s->last - t0;
	r->got = atomic_load(&s->msgs);
	r->rps = (double)r->got / dt;
	r->bps = (double)atomic_load(&s->bytes) / dt;
	r->rpc = (double)r->got / (c1 - c0);
}

static void sub_start(struct sub *s, const char *ep, int hwm, int stall)
{
	memset(s, 0, sizeof *s);
	s->hwm = hwm;
	s->stall = stall;
	snprintf(s->endpoint, sizeof s->endpoint, "%s", ep);
	pthread_create(&s->tid, NULL, sub_main, s);
	while (!atomic_load(&s->ready))
		usleep(1000);
}

static int run_bare(const struct corpus *c, size_t n, struct result *r)
{
	char ep[64];
	struct sub s;
	void *ctx = zmq_ctx_new();
	void *pub = zmq_socket(ctx, ZMQ_XPUB);
	int one = 1, hwm = HWM, linger = 0;
	uint64_t seq[SL_REC_TYPE_MAX] = { 0 }, sent = 0;

	zmq_setsockopt(pub, ZMQ_SNDHWM, &hwm, sizeof hwm);
	zmq_setsockopt(pub, ZMQ_XPUB_NODROP, &one, sizeof one);
	zmq_setsockopt(pub, ZMQ_LINGER, &linger, sizeof linger);
	snprintf(ep, sizeof ep, "tcp://127.0.0.1:%d", free_port());
	if (zmq_bind(pub, ep) != 0) {
		fprintf(stderr, "pub_bench: bind %s: %s\n", ep, zmq_strerror(errno));
		return -1;
	}
	sub_start(&s, ep, HWM, 0);
	{ /* the subscription arrives as a message on the XPUB: then the subscriber is there */
		zmq_msg_t m;
		zmq_msg_init(&m);
		zmq_msg_recv(&m, pub, 0);
		zmq_msg_close(&m);
	}
	double t0 = now_s(), c0 = cpu_s();
	for (size_t i = 0; i < n; i++) {
		size_t k = i % c->n;
		uint16_t t = c->recs[k].type;
		const char *name = sl_json_event_name(t);
		uint64_t q = ++seq[t];
		unsigned char le[8];
		for (int b = 0; b < 8; b++)
			le[b] = (unsigned char)(q >> (8 * b));
		if (zmq_send(pub, name, strlen(name), ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0) {
			r->dropped++;
			continue;
		}
		zmq_send(pub, c->json[k], c->json_len[k], ZMQ_SNDMORE);
		zmq_send(pub, le, sizeof le, 0);
		sent++;
	}
	finish(&s, sent, t0, c0, r);
	zmq_close(pub);
	zmq_ctx_term(ctx);
	return 0;
}

static int run_sink(const struct corpus *c, size_t n, struct result *r)
{
	char ep[64], set1[128], err[256];
	struct sl_config cfg;
	struct sl_sink_counters ctr;
	struct sub s;
	void *st = NULL;
	const char *sets[] = { "outputs.zmq.enabled=true", set1, "outputs.zmq.wait-subscribers=1",
		               "outputs.zmq.linger=0s", "outputs.zmq.sndhwm=" HWM_STR, NULL };

	snprintf(ep, sizeof ep, "tcp://127.0.0.1:%d", free_port());
	snprintf(set1, sizeof set1, "outputs.zmq.endpoints=%s", ep);
	memset(&ctr, 0, sizeof ctr);
	if (sl_engine_config(&cfg, NULL, NULL, sets, err, sizeof err) != 0) {
		fprintf(stderr, "pub_bench: %s\n", err);
		return -1;
	}
	struct sl_module_env env = { .cfg = &cfg, .sink_ctr = &ctr };
	if (sl__sink_zmq.init(&env, &st, err, sizeof err) != 0) {
		fprintf(stderr, "pub_bench: zmq init: %s\n", err);
		return -1;
	}
	sub_start(&s, ep, HWM, 0);
	if (sl__sink_zmq.start(st, err, sizeof err) != 0) { /* waits for the subscriber */
		fprintf(stderr, "pub_bench: zmq start: %s\n", err);
		return -1;
	}
	double t0 = now_s(), c0 = cpu_s();
	for (size_t i = 0; i < n;) {
		size_t k = i % c->n, b = 64;
		if (b > c->n - k)
			b = c->n - k;
		if (b > n - i)
			b = n - i;
		sl__sink_zmq.write(st, &c->recs[k], b, &ctr);
		i += b;
	}
	uint64_t delivered = atomic_load(&ctr.delivered);
	r->dropped = atomic_load(&ctr.dropped);
	finish(&s, delivered, t0, c0, r);
	if (sl__sink_zmq.flush)
		sl__sink_zmq.flush(st);
	if (sl__sink_zmq.stop)
		sl__sink_zmq.stop(st);
	sl__sink_zmq.fini(st);
	sl_conf_fini(&cfg);
	return 0;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int sub_only(const char *ep, int stall)
{
	struct sub s;
	/* libzmq's default mark: a stalled subscriber's queue fills, as a real one's would */
	sub_start(&s, ep, 1000, stall);
	/* count until 300 ms of silence after the first message (or forever when stalled: the
	 * script kills it) */
	uint64_t seen = 0;
	double quiet = now_s();
	for (;;) {
		usleep(10000);
		uint64_t m = atomic_load(&s.msgs);
		if (m != seen) {
			seen = m;
			quiet = now_s();
		} else if (seen && now_s() - quiet > 0.3) {
			break;
		}
	}
	atomic_store(&s.stop, 1);
	pthread_join(s.tid, NULL);
	printf("{\"messages\":%llu,\"bytes\":%llu}\n", (unsigned long long)atomic_load(&s.msgs),
	       (unsigned long long)atomic_load(&s.bytes));
	return 0;
}

int main(int argc, char **argv)
{
	const char *tap = NULL, *sub_ep = NULL;
	int rounds = 7, stall = 0;
	size_t n = 500000;
	struct corpus c = { 0 };
	char err[256];

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--tap") == 0 && i + 1 < argc)
			tap = argv[++i];
		else if (strcmp(argv[i], "--sub") == 0 && i + 1 < argc)
			sub_ep = argv[++i];
		else if (strcmp(argv[i], "--stall") == 0)
			stall = 1;
		else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc)
			rounds = atoi(argv[++i]);
		else if (strcmp(argv[i], "--messages") == 0 && i + 1 < argc)
			n = strtoul(argv[++i], NULL, 10);
		else {
			fprintf(stderr, "usage: %s --tap NAME [--rounds R] [--messages N] | --sub ENDPOINT [--stall]\n", argv[0]);
			return 2;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	if (sub_ep)
		return sub_only(sub_ep, stall);
	if (tap == NULL || rounds < 1) {
		fprintf(stderr, "usage: %s --tap NAME [--rounds R] [--messages N] | --sub ENDPOINT [--stall]\n", argv[0]);
		return 2;
	}
	if (sl_engine_conf_register(err, sizeof err) != 0) {
		fprintf(stderr, "pub_bench: %s\n", err);
		return 1;
	}
	if (load(&c, tap) != 0)
		return 1;
	size_t jb = 0;
	for (size_t i = 0; i < c.n; i++)
		jb += c.json_len[i];
	printf("records %zu from tap %s, mean EVE line %.0f bytes; %zu messages per measurement\n", c.n, tap,
	       (double)jb / (double)c.n, n);

	double *rr = calloc((size_t)rounds, sizeof *rr), *rb = calloc((size_t)rounds, sizeof *rb),
	       *rc = calloc((size_t)rounds, sizeof *rc), *sk = calloc((size_t)rounds, sizeof *sk),
	       *br = calloc((size_t)rounds, sizeof *br);
	for (int k = 0; k < rounds; k++) {
		struct result a = { 0 }, b = { 0 };
		if (k % 2 == 0) {
			if (run_sink(&c, n, &a) || run_bare(&c, n, &b))
				return 1;
		} else {
			if (run_bare(&c, n, &b) || run_sink(&c, n, &a))
				return 1;
		}
		printf("round %d  sink %.0f rec/s %.1f MB/s %.0f rec/CPU-s (got %llu, dropped %llu)  "
		       "bare %.0f rec/s %.1f MB/s %.0f rec/CPU-s (got %llu, dropped %llu)\n",
		       k, a.rps, a.bps / 1e6, a.rpc, (unsigned long long)a.got, (unsigned long long)a.dropped, b.rps,
		       b.bps / 1e6, b.rpc, (unsigned long long)b.got, (unsigned long long)b.dropped);
		fflush(stdout);
		rr[k] = a.rps / b.rps;
		rb[k] = a.bps / b.bps;
		rc[k] = a.rpc / b.rpc;
		sk[k] = a.rps;
		br[k] = b.rps;
	}
	double lo[3], hi[3], *v[3] = { rr, rb, rc };
	for (int j = 0; j < 3; j++) {
		lo[j] = hi[j] = v[j][0];
		for (int k = 1; k < rounds; k++) {
			lo[j] = v[j][k] < lo[j] ? v[j][k] : lo[j];
			hi[j] = v[j][k] > hi[j] ? v[j][k] : hi[j];
		}
	}
	printf("median sink %.0f rec/s, bare %.0f rec/s\n", median(sk, rounds), median(br, rounds));
	printf("sink/bare records/s %.3f [%.3f-%.3f]  bytes/s %.3f [%.3f-%.3f]  records/CPU-s %.3f [%.3f-%.3f]\n",
	       median(rr, rounds), lo[0], hi[0], median(rb, rounds), lo[1], hi[1], median(rc, rounds), lo[2], hi[2]);
	return 0;
}
