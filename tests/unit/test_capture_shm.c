/* SPDX-License-Identifier: MIT */
/*
 * The shm source and its example producer. sluice-pcap2shm replays corpus files into a ring
 * smaller than they are, while the shm source reads it in this process: the packets must be
 * exactly those the pcap source reads from the same files, and the run must end by itself
 * when the producer finishes. Also: the producer's optional flow hash is symmetric; records
 * that break the layout are counted and skipped; a producer that dies is a warning, not an
 * error; *stop is noticed while the ring is idle; a missing ring and a second consumer are
 * refused at start. Rings live in a temp dir ($SLUICE_SHM_DIR), never in /dev/shm.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "conf/conf.h"
#include "shm/shm.h"
#include "sluice/record.h"
#include "sluice/ring.h"
#include "test_capture_support.h"

static char tmp[512];
static int ring_seq;
/* The configuration run_shm() gives the source: capture.shm.follow as the test wants it. */
static struct sl_config cfg_follow, cfg_nofollow;
static const struct sl_config *shm_cfg = &cfg_follow;

static void ring_name(char *buf, size_t len)
{
	snprintf(buf, len, "captest-%d-%d", (int)getpid(), ring_seq++);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Starts sluice-pcap2shm with argv (NULL-terminated, without the program), stdout to outfile
 * and, when errfile is not NULL, stderr to errfile. */
static pid_t spawn_pcap2shm2(const char *const *args, const char *outfile, const char *errfile)
{
	const char *argv[32];
	int n = 0;
	argv[n++] = SLUICE_PCAP2SHM_BIN;
	for (int i = 0; args[i] && n < 31; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open(outfile, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd >= 0)
			dup2(fd, 1);
		if (errfile && (fd = open(errfile, O_WRONLY | O_CREAT | O_TRUNC, 0600)) >= 0)
			dup2(fd, 2);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	return pid;
}

static pid_t spawn_pcap2shm(const char *const *args, const char *outfile)
{
	return spawn_pcap2shm2(args, outfile, NULL);
}

static void read_text(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t got = 0;
	if (f) {
		got = fread(buf, 1, len - 1, f);
		fclose(f);
	}
	buf[got] = '\0';
}

static int wait_exit(pid_t pid)
{
	int st;
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* The shm source's lifecycle by hand: start is retried while the ring does not exist yet. */
static int run_shm(const char *name, struct sl_capture_out *out, struct sl_capture_counters *ctr,
                   _Atomic int *stop, char *errbuf, size_t errlen, int wait_for_ring)
{
	const struct sl_module *m = sl_capture_find("shm");
	struct sl_capture_spec spec = { .kind = "shm", .name = name };
	struct sl_module_env env = { .cfg = shm_cfg, .capture = &spec };
	void *st = NULL;
	int err;

	memset(ctr, 0, sizeof *ctr);
	if ((err = m->init(&env, &st, errbuf, errlen)) != 0)
		return err;
	double until = now_s() + 10;
	while ((err = m->start(st, errbuf, errlen)) == -ENOENT && wait_for_ring && now_s() < until)
		nanosleep(&(struct timespec){ .tv_nsec = 5000000 }, NULL);
	if (err == 0) {
		(void)stop;
		out->mod = m;
		atomic_store(&out->state, st);
		err = m->run(st, out, ctr, errbuf, errlen);
		m->stop(st);
	}
	m->fini(st);
	return err;
}

static void read_pcaps(const char *const *paths, struct cap_list *l)
{
	static _Atomic int stop;
	struct sl_capture_spec spec = { .kind = "pcap", .paths = paths };
	struct sl_capture_out out = { 0 };
	struct sl_capture_counters ctr;
	char errbuf[512];
	const char *phase;
	REQUIRE(cap_run("pcap", &spec, &out, &ctr, &stop, errbuf, sizeof errbuf, &phase) == 0);
	*l = out.got;
}

static void test_roundtrip(void)
{
	static const char *files[] = { "sv-ethernet-eve.pcap", "sv-tls-pre-1970.pcap",
	                               "sv-defrag-ipv4-tcp-syn.pcap", "sv-http-async.pcap" };
	char paths[4][1024], name[64], outfile[1024], errbuf[512], line[256] = "";
	const char *pp[5];
	struct cap_list ref = { 0 };
	static _Atomic int stop;

	for (int i = 0; i < 4; i++) {
		snprintf(paths[i], sizeof paths[i], "%s/pcap/%s", SLUICE_CORPUS_DIR, files[i]);
		pp[i] = paths[i];
	}
	pp[4] = NULL;
	read_pcaps(pp, &ref);
	REQUIRE(ref.n == 132 + 17 + 3 + 16);

	/* 64 KiB of ring for ~170 KB of packets: the producer has to wait for us. */
	ring_name(name, sizeof name);
	snprintf(outfile, sizeof outfile, "%s/pcap2shm.out", tmp);
	const char *args[] = { "-c", "64k", "--huge", "never", name, pp[0], pp[1], pp[2], pp[3], NULL };
	pid_t pid = spawn_pcap2shm(args, outfile);
	REQUIRE(pid > 0);

	struct sl_capture_out out = { 0 };
	struct sl_capture_counters ctr;
	int rc = run_shm(name, &out, &ctr, &stop, errbuf, sizeof errbuf, 1);
	CHECK_EQ(rc, 0);
	if (rc)
		fprintf(stderr, "shm run: %s\n", errbuf);
	CHECK_EQ(errbuf[0], '\0'); /* a clean finish, no warning */
	CHECK_EQ(wait_exit(pid), 0);
	CHECK(cap_list_compare(&out.got, &ref, "pcap2shm -> shm vs pcap") == 0);
	CHECK_EQ(ctr.packets, ref.n);
	CHECK_EQ(ctr.errors, 0);
	uint64_t bytes = 0;
	for (size_t i = 0; i < ref.n; i++)
		bytes += ref.pkts[i].caplen;
	CHECK_EQ(ctr.bytes, bytes);

	FILE *f = fopen(outfile, "r");
	if (f) {
		if (!fgets(line, sizeof line, f))
			line[0] = '\0';
		fclose(f);
	}
	CHECK(strstr(line, "wrote 168 packets") != NULL);

	/* The producer really had to wait: the ring saw it full. */
	sl_ring *r;
	struct sl_ring_stats st;
	REQUIRE(sl_ring_open(name, SL_RING_MONITOR, &r) == 0);
	REQUIRE(sl_ring_stats(r, &st) == 0);
	CHECK(st.full_events > 0);
	CHECK_EQ(st.records_in, 168);
	CHECK_EQ(st.records_out, 168);
	CHECK_EQ(st.capacity, 65536);
	sl_ring_close(r);
	CHECK_EQ(sl_ring_unlink(name), 0);

	cap_list_free(&out.got);
	cap_list_free(&ref);
}

/* Reads every record of a finished ring: the hash field of each packet record. */
static size_t ring_hashes(const char *name, uint32_t *h, size_t max)
{
	sl_ring *r;
	struct sl_rec recs[64];
	size_t n = 0, k;
	REQUIRE(sl_ring_open(name, SL_RING_CONSUMER, &r) == 0);
	while ((k = sl_ring_peek(r, recs, 64)) > 0) {
		for (size_t i = 0; i < k && n < max; i++)
			h[n++] = ((const struct sl_pkt_rec *)recs[i].data)->hash;
		sl_ring_release(r, k);
	}
	CHECK_EQ(sl_ring_wait_readable(r, 0), -EPIPE);
	sl_ring_close(r);
	return n;
}

static void test_hash(void)
{
	char a[1024], b[1024], name[64], outfile[1024];
	uint32_t h[64];

	snprintf(a, sizeof a, "%s/pcap/sv-bug-814.pcap", SLUICE_CORPUS_DIR);          /* 7: one TCP flow */
	snprintf(b, sizeof b, "%s/pcap/sv-dns-udp-eve-dig.pcap", SLUICE_CORPUS_DIR); /* 2: query, answer */
	snprintf(outfile, sizeof outfile, "%s/hash.out", tmp);

	ring_name(name, sizeof name);
	const char *args[] = { "-H", "-q", "-c", "1M", "--huge", "never", name, a, b, NULL };
	CHECK_EQ(wait_exit(spawn_pcap2shm(args, outfile)), 0);
	size_t n = ring_hashes(name, h, 64);
	CHECK_EQ(n, 9);
	int same = 1;
	for (size_t i = 1; i < 7; i++)
		same &= h[i] == h[0];
	CHECK(same);          /* both directions of the flow */
	CHECK(h[0] != 0);
	CHECK(h[7] == h[8] && h[7] != 0);
	CHECK(h[7] != h[0]);
	CHECK_EQ(sl_ring_unlink(name), 0);

	ring_name(name, sizeof name);
	const char *args2[] = { "-q", "-c", "1M", "--huge", "never", name, a, NULL };
	CHECK_EQ(wait_exit(spawn_pcap2shm(args2, outfile)), 0);
	n = ring_hashes(name, h, 64);
	CHECK_EQ(n, 7);
	CHECK(h[0] == 0 && h[6] == 0);
	CHECK_EQ(sl_ring_unlink(name), 0);

	/* Paced: 7 packets at 100 per second take at least the 6 gaps between them. */
	ring_name(name, sizeof name);
	const char *args4[] = { "-q", "-r", "100", "--huge", "never", name, a, NULL };
	double t0 = now_s();
	CHECK_EQ(wait_exit(spawn_pcap2shm(args4, outfile)), 0);
	double took = now_s() - t0;
	CHECK(took >= 0.055);
	printf("7 packets at -r 100: %.0f ms\n", took * 1000);
	CHECK_EQ(ring_hashes(name, h, 64), 7);
	CHECK_EQ(sl_ring_unlink(name), 0);

	/* The help documents the record layout. */
	const char *args5[] = { "--help", NULL };
	CHECK_EQ(wait_exit(spawn_pcap2shm(args5, outfile)), 0);
	FILE *f = fopen(outfile, "r");
	char text[8192] = "";
	if (f) {
		size_t got = fread(text, 1, sizeof text - 1, f);
		text[got] = '\0';
		fclose(f);
	}
	CHECK(strstr(text, "SL_REC_PACKET") && strstr(text, "struct sl_pkt_rec") && strstr(text, "linktype"));

	/* A missing input file: refused before any ring is made. */
	ring_name(name, sizeof name);
	const char *args3[] = { "-q", name, "/nonexistent/x.pcap", NULL };
	CHECK_EQ(wait_exit(spawn_pcap2shm(args3, outfile)), 1);
	CHECK_EQ(sl_ring_unlink(name), -ENOENT);
}

static void put_rec(sl_ring *r, uint16_t type, uint32_t len, uint32_t caplen, uint32_t wirelen, uint16_t lt,
                    uint8_t fill)
{
	uint8_t *p = sl_ring_reserve(r, type, len);
	REQUIRE(p != NULL);
	memset(p, fill, len);
	if (len >= sizeof(struct sl_pkt_rec)) {
		struct sl_pkt_rec *pr = (struct sl_pkt_rec *)p;
		pr->ts_ns = 1000u + fill;
		pr->caplen = caplen;
		pr->wirelen = wirelen;
		pr->linktype = lt;
		pr->flags = 0;
		pr->hash = 0;
	}
}

static const struct sl_ring_config small = { .capacity = 1 << 16, .huge = SL_HUGEPAGES_NEVER };

static void test_bad_records(void)
{
	char name[64], errbuf[512];
	static _Atomic int stop;
	sl_ring *r;

	ring_name(name, sizeof name);
	REQUIRE(sl_ring_create(name, &small, &r) == 0);
	put_rec(r, SL_REC_PACKET, 24 + 60, 60, 60, SL_LINK_ETHERNET, 0xa1);     /* good */
	put_rec(r, SL_REC_PACKET, 24 + 60, 61, 61, SL_LINK_ETHERNET, 0xb2);     /* caplen past the record */
	put_rec(r, SL_REC_PACKET, 24 + 60, 60, 60, 999, 0xb3);                  /* unknown linktype */
	put_rec(r, SL_REC_FLOW, 24 + 60, 60, 60, SL_LINK_ETHERNET, 0xb4);       /* not a packet record */
	put_rec(r, SL_REC_PACKET, 10, 0, 0, 0, 0xb5);                          /* shorter than the header */
	put_rec(r, SL_REC_PACKET, 24 + 60, 60, 59, SL_LINK_ETHERNET, 0xb6);     /* wirelen < caplen */
	put_rec(r, SL_REC_PACKET, 24 + 40, 33, 1500, SL_LINK_RAW, 0xa7);        /* good: caplen < room */
	sl_ring_commit(r);
	sl_ring_finish(r);
	sl_ring_close(r);

	struct sl_capture_out out = { 0 };
	struct sl_capture_counters ctr;
	CHECK_EQ(run_shm(name, &out, &ctr, &stop, errbuf, sizeof errbuf, 0), 0);
	CHECK_EQ(out.got.n, 2);
	CHECK_EQ(ctr.errors, 5);
	CHECK_EQ(ctr.packets, 2);
	CHECK(strstr(errbuf, "caplen larger than the record") != NULL);
	CHECK(strstr(errbuf, "5 bad records") != NULL);
	if (out.got.n == 2) {
		CHECK_EQ(out.got.pkts[0].caplen, 60);
		CHECK_EQ(out.got.pkts[0].ts_ns, 1000 + 0xa1);
		CHECK_EQ(out.got.pkts[0].data[59], 0xa1);
		CHECK_EQ(out.got.pkts[1].caplen, 33);
		CHECK_EQ(out.got.pkts[1].wirelen, 1500);
		CHECK_EQ(out.got.pkts[1].linktype, SL_LINK_RAW);
	}
	cap_list_free(&out.got);
	CHECK_EQ(sl_ring_unlink(name), 0);
}

/* With capture.shm.follow false, a producer that dies ends the input (with a warning). */
static void test_dead_producer(void)
{
	char name[64], errbuf[512];
	static _Atomic int stop;

	shm_cfg = &cfg_nofollow;
	ring_name(name, sizeof name);
	pid_t pid = fork();
	if (pid == 0) {
		sl_ring *r;
		if (sl_ring_create(name, &small, &r) != 0)
			_exit(1);
		for (int i = 0; i < 3; i++)
			put_rec(r, SL_REC_PACKET, 24 + 100, 100, 100, SL_LINK_ETHERNET, (uint8_t)i);
		sl_ring_commit(r);
		_exit(0); /* no close: to the ring, this producer died */
	}
	CHECK_EQ(wait_exit(pid), 0);

	struct sl_capture_out out = { 0 };
	struct sl_capture_counters ctr;
	CHECK_EQ(run_shm(name, &out, &ctr, &stop, errbuf, sizeof errbuf, 0), 0);
	CHECK_EQ(out.got.n, 3);
	CHECK(strstr(errbuf, "died") != NULL);
	CHECK_EQ(ctr.errors, 0);
	CHECK_EQ(ctr.producer_absent, 0);
	printf("dead producer: %s\n", errbuf);
	cap_list_free(&out.got);
	CHECK_EQ(sl_ring_unlink(name), 0);
	shm_cfg = &cfg_follow;
}

struct idle_arg {
	const char *name;
	_Atomic int done;
	struct sl_capture_out out;
	struct sl_capture_counters ctr;
	_Atomic int stop;
	int rc;
	char errbuf[512];
};

static void *idle_thread(void *p)
{
	struct idle_arg *a = p;
	a->rc = run_shm(a->name, &a->out, &a->ctr, &a->stop, a->errbuf, sizeof a->errbuf, 0);
	atomic_store(&a->done, 1);
	return NULL;
}

static int wait_for(_Atomic uint64_t *v, uint64_t want)
{
	for (int i = 0; i < 2000; i++) {
		if (atomic_load(v) == want)
			return 1;
		nanosleep(&(struct timespec){ .tv_nsec = 5000000 }, NULL);
	}
	return 0;
}

/* A child producer: open (or create) the ring, commit n packets, then finish, close without
 * finishing (detach), or just exit (die). */
enum leave { LEAVE_DIE, LEAVE_DETACH, LEAVE_FINISH };

static pid_t producer(const char *name, int n, uint8_t fill, enum leave how)
{
	pid_t pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		sl_ring *r;
		int e = sl_ring_open(name, SL_RING_PRODUCER, &r);
		if (e == -ENOENT)
			e = sl_ring_create(name, &small, &r);
		if (e != 0)
			_exit(1);
		for (int i = 0; i < n; i++)
			put_rec(r, SL_REC_PACKET, 24 + 80, 80, 80, SL_LINK_ETHERNET, (uint8_t)(fill + i));
		sl_ring_commit(r);
		if (how == LEAVE_FINISH)
			sl_ring_finish(r);
		if (how != LEAVE_DIE)
			sl_ring_close(r);
		_exit(0);
	}
	return pid;
}

/* capture.shm.follow (the default): the source outlives its producers until one finishes. */
static void test_follow(void)
{
	char name[64];
	static struct idle_arg a;
	pthread_t th;

	ring_name(name, sizeof name);
	CHECK_EQ(wait_exit(producer(name, 3, 0x10, LEAVE_DIE)), 0);
	a.name = name;
	REQUIRE(pthread_create(&th, NULL, idle_thread, &a) == 0);
	/* It read what the dead one committed and counts the producer absent. */
	CHECK(wait_for(&a.ctr.producer_absent, 1));
	CHECK(wait_for(&a.ctr.packets, 3));
	CHECK_EQ(atomic_load(&a.done), 0);
	/* A new producer attaches, commits, and detaches without finishing: absent again. */
	CHECK_EQ(wait_exit(producer(name, 2, 0x20, LEAVE_DETACH)), 0);
	CHECK(wait_for(&a.ctr.packets, 5));
	CHECK(wait_for(&a.ctr.producer_absent, 1));
	CHECK_EQ(atomic_load(&a.done), 0);
	/* The third one finishes: the input ends by itself. */
	CHECK_EQ(wait_exit(producer(name, 1, 0x30, LEAVE_FINISH)), 0);
	for (int i = 0; i < 2000 && !atomic_load(&a.done); i++)
		nanosleep(&(struct timespec){ .tv_nsec = 5000000 }, NULL);
	CHECK_EQ(atomic_load(&a.done), 1);
	if (!atomic_load(&a.done))
		cap_interrupt(&a.out);
	pthread_join(th, NULL);
	CHECK_EQ(a.rc, 0);
	CHECK_EQ(a.out.got.n, 6);
	CHECK_EQ(a.ctr.producer_absent, 0);
	CHECK_EQ(a.ctr.producer_restarts, 2);
	CHECK(strstr(a.errbuf, "waiting for the next one") != NULL);
	if (a.out.got.n == 6) {
		CHECK_EQ(a.out.got.pkts[0].data[0], 0x10);
		CHECK_EQ(a.out.got.pkts[3].data[0], 0x20);
		CHECK_EQ(a.out.got.pkts[5].data[0], 0x30);
	}
	printf("follow: %zu packets from three producers, %llu restarts seen, warning: %s\n", a.out.got.n,
	       (unsigned long long)a.ctr.producer_restarts, a.errbuf);
	cap_list_free(&a.out.got);
	CHECK_EQ(sl_ring_unlink(name), 0);
}

/* sluice-pcap2shm whose consumer dies while the ring is full: it says so and exits 3, instead
 * of waiting forever. (Before any consumer attached, a full ring just makes it wait.) */
static void test_pcap2shm_consumer_died(void)
{
	char path[1024], name[64], outfile[1024], errfile[1024], text[4096];
	int ready[2];

	snprintf(path, sizeof path, "%s/pcap/%s", SLUICE_CORPUS_DIR, "sv-ethernet-eve.pcap");
	snprintf(outfile, sizeof outfile, "%s/died.out", tmp);
	snprintf(errfile, sizeof errfile, "%s/died.err", tmp);
	ring_name(name, sizeof name);
	/* 8 KiB of ring for ~160 KB of packets, six times: it fills up and waits. */
	const char *args[] = { "-c", "8k", "--huge", "never", name, path, path, path, path, path, path, NULL };
	pid_t pid = spawn_pcap2shm2(args, outfile, errfile);
	REQUIRE(pid > 0);

	REQUIRE(pipe(ready) == 0);
	pid_t cons = fork();
	REQUIRE(cons >= 0);
	if (cons == 0) {
		sl_ring *c;
		int e = -ENOENT;
		close(ready[0]);
		for (int i = 0; i < 2000 && (e = sl_ring_open(name, SL_RING_CONSUMER, &c)) == -ENOENT; i++)
			nanosleep(&(struct timespec){ .tv_nsec = 5000000 }, NULL);
		if (e != 0)
			_exit(1);
		/* wait until the producer has filled the ring and sleeps, then die holding the role */
		struct sl_ring_stats st;
		for (int i = 0; i < 2000 && (sl_ring_stats(c, &st) != 0 || st.producer_waits == 0); i++)
			nanosleep(&(struct timespec){ .tv_nsec = 5000000 }, NULL);
		close(ready[1]);
		for (;;)
			pause();
	}
	close(ready[1]);
	char b;
	REQUIRE(read(ready[0], &b, 1) == 0);
	close(ready[0]);
	kill(cons, SIGKILL);
	CHECK_EQ(wait_exit(cons), 128 + SIGKILL);
	CHECK_EQ(wait_exit(pid), 3);
	read_text(errfile, text, sizeof text);
	CHECK(strstr(text, "the consumer went away") != NULL);
	printf("pcap2shm, consumer killed: %s", text);
	CHECK_EQ(sl_ring_unlink(name), 0);
}

/* A producer that scribbles on a record header (a length of 0xFFFFFF00): the run fails
 * cleanly, -EPROTO with the reason, no read outside the ring. */
static void test_corrupt(void)
{
	char name[64], errbuf[512];
	static _Atomic int stop;
	sl_ring *r;

	ring_name(name, sizeof name);
	REQUIRE(sl_ring_create(name, &small, &r) == 0);
	put_rec(r, SL_REC_PACKET, 24 + 60, 60, 60, SL_LINK_ETHERNET, 0xa1);
	uint8_t *p = sl_ring_reserve(r, SL_REC_PACKET, 24 + 60);
	REQUIRE(p != NULL);
	uint32_t huge = 0xFFFFFF00u;
	memcpy(p - 8, &huge, sizeof huge); /* the record header's len, in front of the payload */
	sl_ring_commit(r);
	sl_ring_finish(r);

	struct sl_capture_out out = { 0 };
	struct sl_capture_counters ctr;
	CHECK_EQ(run_shm(name, &out, &ctr, &stop, errbuf, sizeof errbuf, 0), -EPROTO);
	CHECK(strstr(errbuf, "ring corrupt: record at") != NULL && strstr(errbuf, "4294967040") != NULL);
	CHECK_EQ(out.got.n, 0);
	CHECK_EQ(ctr.errors, 1);
	printf("corrupt: %s\n", errbuf);
	cap_list_free(&out.got);
	sl_ring_close(r);
	CHECK_EQ(sl_ring_unlink(name), 0);
}

/* A live producer that sends nothing for a while: *stop still ends the run promptly. */
static void test_stop_idle(void)
{
	char name[64];
	static struct idle_arg a;
	pthread_t th;
	sl_ring *r;

	ring_name(name, sizeof name);
	REQUIRE(sl_ring_create(name, &small, &r) == 0);
	put_rec(r, SL_REC_PACKET, 24 + 64, 64, 64, SL_LINK_ETHERNET, 1);
	sl_ring_commit(r);
	a.name = name;
	REQUIRE(pthread_create(&th, NULL, idle_thread, &a) == 0);
	nanosleep(&(struct timespec){ .tv_nsec = 300000000 }, NULL);
	CHECK_EQ(atomic_load(&a.done), 0); /* still waiting for data */
	double t0 = now_s();
	cap_interrupt(&a.out);
	pthread_join(th, NULL);
	double waited = now_s() - t0;
	CHECK_EQ(a.rc, 0);
	CHECK_EQ(a.errbuf[0], '\0');
	CHECK_EQ(a.out.got.n, 1);
	printf("stop noticed after %.0f ms\n", waited * 1000);
	cap_list_free(&a.out.got);

	/* Still attached as producer: a second consumer while one runs is refused. */
	sl_ring *c1;
	char errbuf[512];
	struct sl_capture_out out = { 0 };
	struct sl_capture_counters ctr;
	static _Atomic int stop;
	REQUIRE(sl_ring_open(name, SL_RING_CONSUMER, &c1) == 0);
	CHECK_EQ(run_shm(name, &out, &ctr, &stop, errbuf, sizeof errbuf, 0), -EBUSY);
	CHECK(strstr(errbuf, name) != NULL && strstr(errbuf, "another consumer") != NULL);
	sl_ring_close(c1);
	sl_ring_close(r);
	CHECK_EQ(sl_ring_unlink(name), 0);

	/* No such ring. */
	CHECK_EQ(run_shm("captest-none", &out, &ctr, &stop, errbuf, sizeof errbuf, 0), -ENOENT);
	CHECK(strstr(errbuf, "captest-none") != NULL && strstr(errbuf, "sl_ring_open") != NULL);
	CHECK_EQ(run_shm("bad/name", &out, &ctr, &stop, errbuf, sizeof errbuf, 0), -EINVAL);
	CHECK_EQ(out.got.n, 0);
}

int main(void)
{
	char err[256];
	const struct sl_conf_block *blocks[] = { &sl__shm_conf };
	REQUIRE(sl_conf_register_blocks(blocks, 1, err, sizeof err) == 0);
	sl_conf_defaults(&cfg_follow);
	sl_conf_defaults(&cfg_nofollow);
	REQUIRE(sl_conf_set(&cfg_nofollow, "capture.shm.follow=false", err, sizeof err) == 0);
	REQUIRE(((const struct sl_shm_conf *)sl_conf_block(&cfg_follow, &sl__shm_conf))->follow);
	REQUIRE(tmpdir_make(tmp, sizeof tmp, "shm") == 0);
	setenv("SLUICE_SHM_DIR", tmp, 1);
	setenv("SLUICE_HUGETLBFS", "/nonexistent", 1);
	test_roundtrip();
	test_hash();
	test_bad_records();
	test_dead_producer();
	test_stop_idle();
	test_follow();
	test_corrupt();
	test_pcap2shm_consumer_died();
	tmpdir_remove(tmp);
	sl_conf_fini(&cfg_follow);
	sl_conf_fini(&cfg_nofollow);
	return check_result();
}
