/* SPDX-License-Identifier: MIT */
/*
 * ring_bench: how fast sluice's ring moves records between two cores, next to the peers a
 * reader would otherwise pick (DPDK rte_ring, ck_ring, ZeroMQ inproc, a pipe, an AF_UNIX
 * SOCK_SEQPACKET socket), measured the same way in the same run.
 *
 *   ring_bench probe                                    cache-line round trip CPU 0 <-> CPU 1
 *   ring_bench throughput --peer P --size N [...]       one rate measurement, one CSV line
 *   ring_bench latency --peer sluice|zmq-pair|pingpong  one-way latency percentiles, 64 B
 *   ring_bench sweep [...]                              sluice-burst over ring sizes and hugepages
 *   ring_bench list                                     the peers this build has
 *
 * Every subcommand prints CSV on stdout (a header with --header) and diagnostics on stderr;
 * bench/run calls it many times, interleaving peers, and aggregates. The machine it was written
 * for has two CPUs whose distance changes under our feet, so each measurement is short and
 * carries its own probe figure; comparing peers is only meaningful within one run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "sluice/ring.h"
#include "bench.h"
#include "probe.h"

/* ---- helpers the peers share ---------------------------------------------------------------- */

static int bench_rt; /* --rt: measuring threads run SCHED_FIFO */
static __thread cpu_set_t pin_saved;

int bench_pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return -pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

/* Called once both threads of a measurement are pinned and ready: a real-time thread spinning
 * while the thread that must start it is still queued would starve it. */
void bench_rt_enter(void)
{
	struct sched_param sp = { .sched_priority = 1 };
	int e;

	if (!bench_rt)
		return;
	if ((e = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp)) != 0) {
		fprintf(stderr, "ring_bench: --rt: pthread_setschedparam(SCHED_FIFO): %s\n", strerror(e));
		exit(2);
	}
}

/* Waits for *flag to reach want without holding a CPU another thread needs to get there. */
void bench_wait_flag(_Atomic int *flag, int want)
{
	while (atomic_load_explicit(flag, memory_order_acquire) < want)
		sched_yield();
}

void bench_pin_save(void)
{
	pthread_getaffinity_np(pthread_self(), sizeof pin_saved, &pin_saved);
}

void bench_unpin(void)
{
	struct sched_param sp = { .sched_priority = 0 };

	if (bench_rt)
		pthread_setschedparam(pthread_self(), SCHED_OTHER, &sp);
	pthread_setaffinity_np(pthread_self(), sizeof pin_saved, &pin_saved);
}

/* With --rt the measuring threads crowd everything else off both CPUs; after each measurement
 * the program sleeps as long as it measured, so the other processes on a shared machine still
 * get half of it and never wait more than one measurement (well under a second). */
static void rt_rest(int64_t since_ns)
{
	int64_t busy = bench_now_ns() - since_ns;

	if (!bench_rt || busy <= 0)
		return;
	if (busy > 1000000000)
		busy = 1000000000;
	struct timespec ts = { .tv_sec = busy / 1000000000, .tv_nsec = busy % 1000000000 };
	nanosleep(&ts, NULL);
}

static int64_t thread_cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static long thread_nivcsw(void)
{
	struct rusage ru;
	return getrusage(RUSAGE_THREAD, &ru) == 0 ? ru.ru_nivcsw : 0;
}

void bench_share_start(struct bench_share *s)
{
	s->nivcsw0 = thread_nivcsw();
	s->cpu0 = thread_cpu_ns();
	s->wall0 = bench_now_ns();
}

void bench_share_stop(struct bench_share *s)
{
	int64_t wall = bench_now_ns() - s->wall0, cpu = thread_cpu_ns() - s->cpu0;

	s->share = wall > 0 ? (double)cpu / (double)wall : 1.0;
	if (s->share > 1.0)
		s->share = 1.0;
	s->preempts = thread_nivcsw() - s->nivcsw0;
}

void *bench_alloc(size_t bytes)
{
	void *p;

	bytes = (bytes + 127) & ~(size_t)127;
	if (posix_memalign(&p, 128, bytes) != 0)
		return NULL;
	memset(p, 0, bytes); /* faulted in before any clock runs */
	return p;
}

size_t bench_floor_pow2(size_t v)
{
	size_t p = 1;

	if (v == 0)
		return 0;
	while (p <= v / 2)
		p <<= 1;
	return p;
}

/* ---- the peers this build has --------------------------------------------------------------- */

static const struct bench_peer no_peers[] __attribute__((unused)) = { { 0 } };

static const struct {
	const struct bench_peer *table;
	const char *names;   /* for the message when the table was not built */
	const char *library;
	int laps;            /* a ring with a fixed memory footprint: warm up over two laps of it */
} peer_tables[] = {
	{ bench_peers_sluice, "sluice-single sluice-burst", "sluice_ring", 1 },
#ifdef BENCH_HAVE_RTE
	{ bench_peers_rte, "rte-single rte-burst rte-ptr", "libdpdk (rte_ring)", 1 },
#else
	{ no_peers, "rte-single rte-burst rte-ptr", "libdpdk (rte_ring)", 1 },
#endif
#ifdef BENCH_HAVE_CK
	{ bench_peers_ck, "ck-spsc", "ck (libck-dev)", 1 },
#else
	{ no_peers, "ck-spsc", "ck (libck-dev)", 1 },
#endif
#ifdef BENCH_HAVE_ZMQ
	{ bench_peers_zmq, "zmq-pushpull zmq-pair zmq-pushpull-block", "libzmq", 0 },
#else
	{ no_peers, "zmq-pushpull zmq-pair zmq-pushpull-block", "libzmq", 0 },
#endif
	{ bench_peers_sys, "pipe seqpacket", "libc", 0 },
};
#define N_TABLES (sizeof peer_tables / sizeof peer_tables[0])

static int name_in_list(const char *name, const char *list)
{
	size_t n = strlen(name);

	for (const char *p = list; (p = strstr(p, name)) != NULL; p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return 1;
	return 0;
}

/* The peer called name, and whether it wants a two-lap warm-up; NULL with a message if this
 * build lacks it. */
static const struct bench_peer *find_peer(const char *name, int *laps)
{
	for (size_t t = 0; t < N_TABLES; t++) {
		for (const struct bench_peer *p = peer_tables[t].table; p->name; p++)
			if (strcmp(p->name, name) == 0) {
				*laps = peer_tables[t].laps;
				return p;
			}
		if (name_in_list(name, peer_tables[t].names)) {
			fprintf(stderr, "ring_bench: peer %s not built: %s was not found at configure time\n",
			        name, peer_tables[t].library);
			return NULL;
		}
	}
	fprintf(stderr, "ring_bench: unknown peer %s (see: ring_bench list)\n", name);
	return NULL;
}

static const struct lat_peer *find_lat_peer(const char *name)
{
	if (strcmp(name, "sluice") == 0)
		return &lat_peer_sluice;
	if (strcmp(name, "pingpong") == 0)
		return &lat_peer_pingpong;
	if (strcmp(name, "zmq-pair") == 0) {
#ifdef BENCH_HAVE_ZMQ
		return &lat_peer_zmq_pair;
#else
		fprintf(stderr, "ring_bench: latency peer zmq-pair not built: libzmq was not found at configure time\n");
		return NULL;
#endif
	}
	fprintf(stderr, "ring_bench: unknown latency peer %s (sluice, zmq-pair, pingpong)\n", name);
	return NULL;
}

/* ---- options ------------------------------------------------------------------------------- */

struct opts {
	const char *peer;
	uint32_t size;
	uint64_t records;       /* 0: calibrate to target_s */
	double target_s;
	size_t ring_bytes;
	int huge;
	int run;
	int header;
	const char *label;      /* probe: before / after */
	uint64_t samples;       /* latency */
	const char *sizes;      /* sweep */
	size_t ring_min, ring_max;
	unsigned ring_step;
	const char *huge_modes;
	int no_probe;
};

static int parse_bytes(const char *s, size_t *out)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);

	switch (*end) {
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	}
	if (end == s || (*end != '\0' && strcmp(end, "iB") != 0 && strcmp(end, "B") != 0))
		return -EINVAL;
	*out = (size_t)v;
	return 0;
}

static int parse_huge(const char *s, int *out)
{
	if (strcmp(s, "auto") == 0)
		*out = SL_HUGEPAGES_AUTO;
	else if (strcmp(s, "never") == 0)
		*out = SL_HUGEPAGES_NEVER;
	else if (strcmp(s, "require") == 0)
		*out = SL_HUGEPAGES_REQUIRE;
	else
		return -EINVAL;
	return 0;
}

static const char *huge_name(int h)
{
	return h == SL_HUGEPAGES_AUTO ? "auto" : h == SL_HUGEPAGES_NEVER ? "never" : "require";
}

static void usage(FILE *f)
{
	fputs("usage: ring_bench probe [--run N] [--label TEXT] [--header]\n"
	      "       ring_bench throughput --peer P --size N [--records M] [--seconds S]\n"
	      "                  [--ring-bytes B] [--huge auto|never|require] [--run N] [--header]\n"
	      "       ring_bench latency --peer sluice|zmq-pair|pingpong [--samples K] [--run N] [--header]\n"
	      "       ring_bench sweep [--sizes 256,1500] [--ring-min 64K] [--ring-max 64M] [--ring-step 4]\n"
	      "                  [--huge-modes auto,never] [--records M] [--seconds S] [--run N] [--header]\n"
	      "       ring_bench list\n"
	      "Without --records, a measurement calibrates its record count to last --seconds (0.3).\n"
	      "The producer runs on CPU 0, the consumer on CPU 1; both busy-wait. Any subcommand takes\n"
	      "--rt: the measuring threads run SCHED_FIFO (root), and the program then rests as long as\n"
	      "it measured, so other work on the machine keeps half of it.\n",
	      f);
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "peer", required_argument, 0, 'p' },       { "size", required_argument, 0, 's' },
		{ "records", required_argument, 0, 'n' },    { "seconds", required_argument, 0, 't' },
		{ "ring-bytes", required_argument, 0, 'b' }, { "huge", required_argument, 0, 'H' },
		{ "run", required_argument, 0, 'r' },        { "header", no_argument, 0, 'h' },
		{ "label", required_argument, 0, 'l' },      { "samples", required_argument, 0, 'k' },
		{ "sizes", required_argument, 0, 'S' },      { "ring-min", required_argument, 0, 'm' },
		{ "ring-max", required_argument, 0, 'M' },   { "ring-step", required_argument, 0, 'x' },
		{ "huge-modes", required_argument, 0, 'G' }, { "no-probe", no_argument, 0, 'P' },
		{ "rt", no_argument, 0, 'R' },
		{ "help", no_argument, 0, '?' },             { 0, 0, 0, 0 },
	};
	int ch;

	*o = (struct opts){ .size = 256, .target_s = 0.3, .ring_bytes = 4u << 20, .huge = SL_HUGEPAGES_NEVER,
	                    .label = "", .samples = 200000, .sizes = "256,1500", .ring_min = 64u << 10,
	                    .ring_max = 64u << 20, .ring_step = 4, .huge_modes = "auto,never" };
	optind = 2;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'p': o->peer = optarg; break;
		case 's': o->size = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'n': o->records = strtoull(optarg, NULL, 10); break;
		case 't': o->target_s = strtod(optarg, NULL); break;
		case 'b': if (parse_bytes(optarg, &o->ring_bytes)) goto bad; break;
		case 'H': if (parse_huge(optarg, &o->huge)) goto bad; break;
		case 'r': o->run = atoi(optarg); break;
		case 'h': o->header = 1; break;
		case 'l': o->label = optarg; break;
		case 'k': o->samples = strtoull(optarg, NULL, 10); break;
		case 'S': o->sizes = optarg; break;
		case 'm': if (parse_bytes(optarg, &o->ring_min)) goto bad; break;
		case 'M': if (parse_bytes(optarg, &o->ring_max)) goto bad; break;
		case 'x': o->ring_step = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'G': o->huge_modes = optarg; break;
		case 'P': o->no_probe = 1; break;
		case 'R': bench_rt = 1; break;
		default: goto bad;
		}
	}
	if (optind != argc)
		goto bad;
	if (o->size < 8 || o->size > BENCH_MAX_SIZE) {
		fprintf(stderr, "ring_bench: --size must be 8..%d\n", BENCH_MAX_SIZE);
		return -EINVAL;
	}
	if (o->target_s <= 0 || o->ring_step < 2 || o->ring_min == 0 || o->samples == 0)
		goto bad;
	return 0;
bad:
	usage(stderr);
	return -EINVAL;
}

static double dmax(double a, double b)
{
	return a > b ? a : b;
}

static double dmin(double a, double b)
{
	return a < b ? a : b;
}

static void iso_now(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* A quick probe for the placement column of a measurement: median round trip in ns. Each
 * measurement is bracketed by two and reports the larger, so one whose placement changed while it
 * ran is not mistaken for a "near" one. */
static double quick_probe(const struct opts *o)
{
	struct probe_result pr;

	if (o->no_probe || probe_run(15, 500, &pr) < 0)
		return 0;
	return pr.rtt_median_ns;
}

/* ---- throughput ----------------------------------------------------------------------------- */

struct run_arg {
	const struct bench_peer *peer;
	struct bench_ctx *c;
	int producer;
	_Atomic int *ready, *go;
	struct bench_share share;
};

static void *run_thread(void *p)
{
	struct run_arg *a = p;

	bench_pin(a->producer ? BENCH_CPU_PRODUCER : BENCH_CPU_CONSUMER);
	atomic_fetch_add_explicit(a->ready, 1, memory_order_acq_rel);
	bench_wait_flag(a->go, 1);
	bench_rt_enter();
	bench_share_start(&a->share);
	if (a->producer)
		a->peer->produce(a->c);
	else
		a->peer->consume(a->c);
	bench_share_stop(&a->share);
	return NULL;
}

struct tp_result {
	uint64_t records;
	double seconds;
	uint64_t errors;
	char backing[32];
	double cpu_share; /* the lower of the two threads' */
	long preempts;    /* both threads */
};

static int run_once(const struct bench_peer *peer, int laps, const struct opts *o, uint32_t size,
                    size_t ring_bytes, int huge, uint64_t records, struct tp_result *res)
{
	static volatile uint64_t sink;
	struct bench_ctx c = { .size = size, .records = records, .ring_bytes = ring_bytes, .huge = huge,
	                       .zmq_type = peer->zmq_type };
	_Atomic int ready = 0, go = 0;
	struct run_arg pa = { .peer = peer, .c = &c, .producer = 1, .ready = &ready, .go = &go };
	struct run_arg ca = { .peer = peer, .c = &c, .producer = 0, .ready = &ready, .go = &go };
	pthread_t tp, tc;
	char err[256] = "";
	int e;

	c.warm = records / 10 < 1000 ? 1000 : records / 10;
	if (laps) {
		uint64_t lap = ring_bytes / (BENCH_STRIDE(size) + 8);
		if (c.warm < 2 * lap)
			c.warm = 2 * lap;
	}
	if ((e = peer->setup(&c, err, sizeof err)) < 0) {
		fprintf(stderr, "ring_bench: %s: %s\n", peer->name, err[0] ? err : strerror(-e));
		return e;
	}
	if ((e = pthread_create(&tc, NULL, run_thread, &ca)) != 0 ||
	    (e = pthread_create(&tp, NULL, run_thread, &pa)) != 0) {
		fprintf(stderr, "ring_bench: pthread_create: %s\n", strerror(e));
		exit(1); /* a thread may be spinning on go: nothing sensible to unwind */
	}
	bench_wait_flag(&ready, 2);
	atomic_store_explicit(&go, 1, memory_order_release);
	pthread_join(tp, NULL);
	pthread_join(tc, NULL);
	peer->teardown(&c);
	sink += c.sink;
	res->records = records;
	res->cpu_share = pa.share.share < ca.share.share ? pa.share.share : ca.share.share;
	res->preempts = pa.share.preempts + ca.share.preempts;
	res->seconds = (double)(c.t1 - c.t0) / 1e9;
	res->errors = c.errors;
	snprintf(res->backing, sizeof res->backing, "%s", c.backing);
	if (c.errors) {
		fprintf(stderr, "ring_bench: %s size %u: %llu records failed their check\n", peer->name, size,
		        (unsigned long long)c.errors);
		return -EPROTO;
	}
	return 0;
}

/* One measurement; with no --records, trial runs grow the count until a run lasts 20 ms, then
 * the real run is sized to last target_s. */
static int measure(const struct bench_peer *peer, int laps, const struct opts *o, uint32_t size,
                   size_t ring_bytes, int huge, struct tp_result *res)
{
	uint64_t n = o->records;
	int e;

	if (n == 0) {
		n = 20000;
		for (;;) {
			if ((e = run_once(peer, laps, o, size, ring_bytes, huge, n, res)) < 0)
				return e;
			if (res->seconds >= 0.02 || n >= (1ull << 34))
				break;
			n *= 8;
		}
		n = (uint64_t)((double)n / res->seconds * o->target_s);
		if (n < 10000)
			n = 10000;
	}
	return run_once(peer, laps, o, size, ring_bytes, huge, n, res);
}

static void print_tp(const struct opts *o, const char *peer, uint32_t size, const struct tp_result *r,
                     double probe_ns)
{
	char date[32];

	iso_now(date, sizeof date);
	printf("%s,%d,%s,%u,%llu,%.6f,%.3f,%.3f,%.0f,%.3f,%ld\n", date, o->run, peer, size,
	       (unsigned long long)r->records, r->seconds, (double)r->records / r->seconds / 1e6,
	       (double)r->records * size / r->seconds / 1e9, probe_ns, r->cpu_share, r->preempts);
	fflush(stdout);
}

static int cmd_throughput(const struct opts *o)
{
	const struct bench_peer *peer;
	struct tp_result r;
	double probe_ns;
	int laps;

	if (o->peer == NULL) {
		usage(stderr);
		return 2;
	}
	if ((peer = find_peer(o->peer, &laps)) == NULL)
		return 3;
	if (o->header)
		puts("date,run,peer,size,records,seconds,Mrec_per_s,GB_per_s,probe_ns,cpu_share,preempts");
	int64_t start = bench_now_ns();
	probe_ns = quick_probe(o);
	if (measure(peer, laps, o, o->size, o->ring_bytes, o->huge, &r) < 0)
		return 1;
	probe_ns = dmax(probe_ns, quick_probe(o));
	print_tp(o, peer->name, o->size, &r, probe_ns);
	fprintf(stderr, "ring_bench: %s size %u ring %zu huge %s backing %s\n", peer->name, o->size,
	        o->ring_bytes, huge_name(o->huge), r.backing);
	rt_rest(start);
	return 0;
}

/* ---- sweep ---------------------------------------------------------------------------------- */

static int cmd_sweep(const struct opts *o)
{
	const struct bench_peer *peer;
	char sizes[128], modes[64];
	int laps, failed = 0;
	double probe_prev = quick_probe(o);

	if ((peer = find_peer("sluice-burst", &laps)) == NULL)
		return 3;
	if (o->header)
		puts("date,run,peer,size,ring_bytes,huge,backing,records,seconds,Mrec_per_s,GB_per_s,probe_ns,"
		     "cpu_share,preempts");
	snprintf(sizes, sizeof sizes, "%s", o->sizes);
	for (char *sp, *s = strtok_r(sizes, ",", &sp); s; s = strtok_r(NULL, ",", &sp)) {
		uint32_t size = (uint32_t)strtoul(s, NULL, 10);

		if (size < 8 || size > BENCH_MAX_SIZE) {
			fprintf(stderr, "ring_bench: bad size %s\n", s);
			return 2;
		}
		for (size_t rb = o->ring_min; rb <= o->ring_max; rb *= o->ring_step) {
			snprintf(modes, sizeof modes, "%s", o->huge_modes);
			for (char *mp, *m = strtok_r(modes, ",", &mp); m; m = strtok_r(NULL, ",", &mp)) {
				struct tp_result r;
				char date[32];
				int huge;
				double probe_ns;

				if (parse_huge(m, &huge)) {
					fprintf(stderr, "ring_bench: bad huge mode %s\n", m);
					return 2;
				}
				int64_t start = bench_now_ns();
				if (measure(peer, laps, o, size, rb, huge, &r) < 0) {
					failed = 1;
					continue;
				}
				/* the probe after this point is the one before the next */
				double after = quick_probe(o);
				probe_ns = dmax(probe_prev, after);
				probe_prev = after;
				iso_now(date, sizeof date);
				printf("%s,%d,%s,%u,%zu,%s,%s,%llu,%.6f,%.3f,%.3f,%.0f,%.3f,%ld\n", date, o->run,
				       peer->name, size, rb, m, r.backing, (unsigned long long)r.records, r.seconds,
				       (double)r.records / r.seconds / 1e6, (double)r.records * size / r.seconds / 1e9,
				       probe_ns, r.cpu_share, r.preempts);
				fflush(stdout);
				rt_rest(start);
			}
		}
	}
	return failed;
}

/* ---- latency -------------------------------------------------------------------------------- */

struct lat_arg {
	const struct lat_peer *p;
	void *state;
	uint64_t n;
	uint64_t errors;
	_Atomic int *ready;
	struct bench_share share;
};

static void *lat_responder(void *p)
{
	struct lat_arg *a = p;

	bench_pin(BENCH_CPU_CONSUMER);
	bench_rt_enter();
	atomic_fetch_add_explicit(a->ready, 1, memory_order_acq_rel);
	bench_share_start(&a->share);
	a->p->pong(a->state, a->n, &a->errors);
	bench_share_stop(&a->share);
	return NULL;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* The cost of the two clock reads around a sample: the mean of back-to-back pairs. The clock
 * ticks in steps of about 10 ns on this kind of VM, so means (unbiased) are used rather than
 * medians (which snap to a step). */
static double timer_overhead_ns(void)
{
	int64_t sum = 0;

	for (int i = 0; i < 10000; i++) {
		int64_t t0 = bench_now_ns();
		sum += bench_now_ns() - t0;
	}
	return (double)sum / 10000;
}

struct lat_result {
	double p50, p99, p999, min; /* one way, ns, from timed round trips */
	double mean;                /* one way, ns, from a batch of round trips */
	double cpu_share;           /* the lower of the two threads' */
	long preempts;
};

/* Times each round trip on CPU 0 and reports (round trip - timer overhead) / 2 as percentiles;
 * then times another `samples` round trips as one batch, with no clock read inside, for the
 * mean one-way figure (round trip / 2). */
static int lat_measure(const struct lat_peer *p, uint64_t samples, double timer, struct lat_result *res)
{
	uint64_t warm = samples / 10 < 1000 ? 1000 : samples / 10;
	int64_t *rtt = malloc(samples * sizeof *rtt);
	_Atomic int ready = 0;
	struct lat_arg a = { .p = p, .n = warm + 2 * samples, .ready = &ready };
	char err[256] = "";
	struct bench_share mine;
	pthread_t t;
	int e;

	if (rtt == NULL)
		return -ENOMEM;
	if ((e = p->setup(&a.state, err, sizeof err)) < 0) {
		fprintf(stderr, "ring_bench: latency %s: %s\n", p->name, err[0] ? err : strerror(-e));
		free(rtt);
		return e;
	}
	if ((e = pthread_create(&t, NULL, lat_responder, &a)) != 0) {
		fprintf(stderr, "ring_bench: pthread_create: %s\n", strerror(e));
		exit(1);
	}
	bench_wait_flag(&ready, 1);
	bench_pin_save();
	bench_pin(BENCH_CPU_PRODUCER);
	bench_rt_enter();
	bench_share_start(&mine);
	uint64_t errors = 0;
	for (uint64_t i = 0; i < warm + samples; i++) {
		int64_t t0 = bench_now_ns();
		p->ping(a.state, i, &errors);
		int64_t t1 = bench_now_ns();
		if (i >= warm)
			rtt[i - warm] = t1 - t0;
	}
	int64_t b0 = bench_now_ns();
	for (uint64_t i = warm + samples; i < warm + 2 * samples; i++)
		p->ping(a.state, i, &errors);
	res->mean = (double)(bench_now_ns() - b0) / (double)samples / 2;
	bench_share_stop(&mine);
	pthread_join(t, NULL);
	bench_unpin();
	res->cpu_share = mine.share < a.share.share ? mine.share : a.share.share;
	res->preempts = mine.preempts + a.share.preempts;
	p->teardown(a.state);
	if (errors + a.errors) {
		fprintf(stderr, "ring_bench: latency %s: %llu records failed their check\n", p->name,
		        (unsigned long long)(errors + a.errors));
		free(rtt);
		return -EPROTO;
	}
	qsort(rtt, samples, sizeof *rtt, cmp_i64);
#define ONE_WAY(i) (((double)rtt[(i)] - timer) / 2)
	res->p50 = ONE_WAY(samples / 2);
	res->p99 = ONE_WAY((uint64_t)((double)samples * 0.99));
	res->p999 = ONE_WAY((uint64_t)((double)samples * 0.999));
	res->min = ONE_WAY(0);
#undef ONE_WAY
	free(rtt);
	return 0;
}

static int cmd_latency(const struct opts *o)
{
	const struct lat_peer *p;
	struct lat_result floor, r;
	char date[32];
	double probe_ns, timer;

	if (o->peer == NULL) {
		usage(stderr);
		return 2;
	}
	if ((p = find_lat_peer(o->peer)) == NULL)
		return 3;
	if (o->header)
		puts("date,run,peer,size,samples,p50_ns,p99_ns,p999_ns,min_ns,mean_ns,floor_p50_ns,floor_p99_ns,"
		     "floor_mean_ns,probe_ns,timer_ns,cpu_share,preempts");
	int64_t start = bench_now_ns();
	probe_ns = quick_probe(o);
	timer = timer_overhead_ns();
	/* the floor right before the peer, in the same process and placement */
	if (lat_measure(&lat_peer_pingpong, o->samples, timer, &floor) < 0)
		return 1;
	if (p == &lat_peer_pingpong)
		r = floor;
	else if (lat_measure(p, o->samples, timer, &r) < 0)
		return 1;
	probe_ns = dmax(probe_ns, quick_probe(o));
	iso_now(date, sizeof date);
	printf("%s,%d,%s,%d,%llu,%.1f,%.1f,%.1f,%.1f,%.1f,%.1f,%.1f,%.1f,%.0f,%.1f,%.3f,%ld\n", date, o->run,
	       p->name, p == &lat_peer_pingpong ? 8 : 64, (unsigned long long)o->samples, r.p50, r.p99, r.p999,
	       r.min, r.mean, floor.p50, floor.p99, floor.mean, probe_ns, timer,
	       dmin(r.cpu_share, floor.cpu_share), r.preempts + (p == &lat_peer_pingpong ? 0 : floor.preempts));
	fflush(stdout);
	rt_rest(start);
	return 0;
}

/* ---- probe and list ------------------------------------------------------------------------- */

static int cmd_probe(const struct opts *o)
{
	struct probe_result pr;
	char date[32];
	int e;

	if ((e = probe_run(41, 1000, &pr)) < 0) {
		fprintf(stderr, "ring_bench: probe: %s\n", strerror(-e));
		return 1;
	}
	if (o->header)
		puts("date,run,label,rtt_median_ns,rtt_min_ns,rtt_max_ns,oneway_ns");
	iso_now(date, sizeof date);
	printf("%s,%d,%s,%.1f,%.1f,%.1f,%.1f\n", date, o->run, o->label, pr.rtt_median_ns, pr.rtt_min_ns,
	       pr.rtt_max_ns, pr.rtt_median_ns / 2);
	fflush(stdout);
	return 0;
}

static int cmd_list(void)
{
	for (size_t t = 0; t < N_TABLES; t++) {
		if (peer_tables[t].table[0].name == NULL) {
			printf("missing\t%s\t(%s was not found at configure time)\n", peer_tables[t].names,
			       peer_tables[t].library);
			continue;
		}
		for (const struct bench_peer *p = peer_tables[t].table; p->name; p++)
			printf("throughput\t%s\t%s\n", p->name, p->what);
	}
	printf("latency\t%s\t%s\n", lat_peer_sluice.name, lat_peer_sluice.what);
#ifdef BENCH_HAVE_ZMQ
	printf("latency\t%s\t%s\n", lat_peer_zmq_pair.name, lat_peer_zmq_pair.what);
#else
	printf("missing\tzmq-pair (latency)\t(libzmq was not found at configure time)\n");
#endif
	printf("latency\t%s\t%s\n", lat_peer_pingpong.name, lat_peer_pingpong.what);
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "list") == 0)
		return cmd_list();
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		fprintf(stderr, "ring_bench: needs CPUs 0 and 1\n");
		return 2;
	}
	if (parse_opts(argc, argv, &o) < 0)
		return 2;
	if (strcmp(argv[1], "probe") == 0)
		return cmd_probe(&o);
	if (strcmp(argv[1], "throughput") == 0)
		return cmd_throughput(&o);
	if (strcmp(argv[1], "latency") == 0)
		return cmd_latency(&o);
	if (strcmp(argv[1], "sweep") == 0)
		return cmd_sweep(&o);
	usage(stderr);
	return 2;
}
