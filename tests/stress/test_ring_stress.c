/* SPDX-License-Identifier: MIT */
/*
 * Stress tests of libsluice_ring with real concurrency: two threads on an anonymous ring, two
 * processes on a named ring (normal shared memory and hugetlbfs), and a producer killed with
 * SIGKILL in the middle of a record. Every record carries its sequence number and a payload
 * derived from it, so the consumer checks every byte, the order and that nothing is lost or
 * duplicated.
 *
 *   test_ring_stress threads   [RECORDS]   two threads, anonymous ring
 *   test_ring_stress xproc     [RECORDS]   producer and consumer processes, /dev/shm
 *   test_ring_stress xproc-huge [RECORDS]  the same on hugetlbfs (root; skips with a reason)
 *   test_ring_stress crash                 SIGKILL the producer mid-record
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "sluice/ring.h"

#define SKIP 77
#define MAXLEN 4096u

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x;
}

/* Length and contents are functions of the sequence number alone. */
static uint32_t rec_len(uint64_t seq)
{
	return 1 + (uint32_t)(mix(seq) % MAXLEN);
}

static void rec_fill(uint8_t *p, uint64_t seq, uint32_t len)
{
	uint64_t w = mix(seq ^ 0x5bd1e995);
	uint32_t i = 0;

	if (len >= 8) {
		memcpy(p, &seq, 8);
		i = 8;
	}
	for (; i + 8 <= len; i += 8) {
		uint64_t v = w + i;
		memcpy(p + i, &v, 8);
	}
	for (; i < len; i++)
		p[i] = (uint8_t)(w >> (i % 8));
}

static int rec_check(const uint8_t *p, uint64_t seq, uint32_t len)
{
	uint64_t w = mix(seq ^ 0x5bd1e995);
	uint32_t i = 0;

	if (len != rec_len(seq))
		return 0;
	if (len >= 8) {
		uint64_t s;
		memcpy(&s, p, 8);
		if (s != seq)
			return 0;
		i = 8;
	}
	for (; i + 8 <= len; i += 8) {
		uint64_t v;
		memcpy(&v, p + i, 8);
		if (v != w + i)
			return 0;
	}
	for (; i < len; i++)
		if (p[i] != (uint8_t)(w >> (i % 8)))
			return 0;
	return 1;
}

/* ---- the two sides, shared by the thread and process variants -------------------------- */

struct side {
	sl_ring *r;
	uint64_t records;
	uint64_t done;    /* records produced / consumed and verified */
	uint64_t errors;  /* consumer: records that failed the check */
	uint64_t seed;
};

static uint64_t xs(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void *produce(void *arg)
{
	struct side *s = arg;
	uint64_t rnd = s->seed | 1;
	uint64_t seq = 0;

	while (seq < s->records) {
		unsigned batch = 1 + (unsigned)(xs(&rnd) % 48);
		for (unsigned i = 0; i < batch && seq < s->records; i++) {
			uint32_t len = rec_len(seq);
			uint8_t *p = sl_ring_reserve(s->r, (uint16_t)(seq & 0xffff), len);
			if (p == NULL) {
				sl_ring_commit(s->r);
				if (sl_ring_wait_writable(s->r, len, 1000) != 0)
					continue;
				i--;
				continue;
			}
			rec_fill(p, seq, len);
			seq++;
		}
		sl_ring_commit(s->r);
		if ((xs(&rnd) & 0xffff) == 0)
			usleep(200); /* let the consumer drain and go to sleep */
	}
	sl_ring_commit(s->r);
	s->done = seq;
	return NULL;
}

static void *consume(void *arg)
{
	struct side *s = arg;
	struct sl_rec rec[64];
	uint64_t rnd = s->seed * 7 + 3;
	uint64_t seq = 0;

	while (seq < s->records) {
		size_t max = 1 + (size_t)(xs(&rnd) % 64);
		size_t n = sl_ring_peek(s->r, rec, max);
		if (n == 0) {
			int e = sl_ring_wait_readable(s->r, 2000);
			if (e == -EPIPE)
				break;
			continue;
		}
		/* Sometimes release only part of what was peeked. */
		size_t take = (xs(&rnd) % 4 == 0) ? 1 + (size_t)(xs(&rnd) % n) : n;
		for (size_t i = 0; i < take; i++, seq++) {
			if (rec[i].type != (uint16_t)(seq & 0xffff) || !rec_check(rec[i].data, seq, rec[i].len)) {
				if (s->errors++ < 5)
					fprintf(stderr, "record %llu is wrong (len %u type %u)\n",
					        (unsigned long long)seq, rec[i].len, rec[i].type);
			}
		}
		sl_ring_release(s->r, take);
		if ((xs(&rnd) & 0x3ffff) == 0)
			usleep(300); /* let the producer fill the ring and sleep */
	}
	s->done = seq;
	return NULL;
}

static void report(const char *what, sl_ring *r)
{
	struct sl_ring_stats st;
	sl_ring_stats(r, &st);
	printf("%s: backing %s, capacity %llu, records %llu, bytes %llu, full events %llu, "
	       "producer waits %llu, consumer waits %llu\n",
	       what, sl_ring_backing_name(st.backing), (unsigned long long)st.capacity,
	       (unsigned long long)st.records_out, (unsigned long long)st.bytes_out,
	       (unsigned long long)st.full_events, (unsigned long long)st.producer_waits,
	       (unsigned long long)st.consumer_waits);
}

static int run_threads(uint64_t records)
{
	struct sl_ring_config cfg = { .capacity = 1 << 20, .huge = SL_HUGEPAGES_NEVER };
	sl_ring *r;
	pthread_t pt, ct;

	REQUIRE(sl_ring_create(NULL, &cfg, &r) == 0);
	struct side p = { .r = r, .records = records, .seed = 0x1234567 };
	struct side c = { .r = r, .records = records, .seed = 0x7654321 };
	pthread_create(&ct, NULL, consume, &c);
	pthread_create(&pt, NULL, produce, &p);
	pthread_join(pt, NULL);
	pthread_join(ct, NULL);
	CHECK_EQ(p.done, records);
	CHECK_EQ(c.done, records);
	CHECK_EQ(c.errors, 0);
	char why[160];
	int v = sl_ring_validate(r, why, sizeof why);
	if (v)
		fprintf(stderr, "validate: %s\n", why);
	CHECK_EQ(v, 0);
	struct sl_ring_stats st;
	sl_ring_stats(r, &st);
	CHECK_EQ(st.records_in, records);
	CHECK_EQ(st.records_out, records);
	CHECK_EQ(st.used, 0);
	report("threads", r);
	sl_ring_close(r);
	return check_result();
}

/* ---- processes ----------------------------------------------------------------------- */

static int run_xproc(uint64_t records, enum sl_hugepages huge, const char *name)
{
	struct sl_ring_config cfg = { .capacity = 16u << 20, .huge = huge };
	sl_ring *r;
	int err;

	sl_ring_unlink(name);
	if ((err = sl_ring_create(name, &cfg, &r)) != 0) {
		fprintf(stderr, "create %s: %s\n", name, strerror(-err));
		return 1;
	}
	pid_t pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		sl_ring *c;
		if (sl_ring_open(name, SL_RING_CONSUMER, &c) != 0)
			_exit(2);
		struct side cs = { .r = c, .records = records, .seed = 99 };
		consume(&cs);
		int ok = cs.done == records && cs.errors == 0 && sl_ring_validate(c, NULL, 0) == 0;
		if (!ok)
			fprintf(stderr, "consumer: %llu of %llu records, %llu bad\n", (unsigned long long)cs.done,
			        (unsigned long long)records, (unsigned long long)cs.errors);
		sl_ring_close(c);
		_exit(ok ? 0 : 3);
	}
	struct side ps = { .r = r, .records = records, .seed = 42 };
	produce(&ps);
	int status;
	REQUIRE(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	struct sl_ring_stats st;
	sl_ring_stats(r, &st);
	CHECK_EQ(st.records_out, records);
	CHECK_EQ(st.consumer_pid, 0); /* the consumer gave its role up on close */
	if (huge == SL_HUGEPAGES_REQUIRE)
		CHECK_EQ(st.backing, SL_RING_BACKING_HUGETLBFS);
	else
		CHECK_EQ(st.backing, SL_RING_BACKING_SHM);
	report(huge == SL_HUGEPAGES_REQUIRE ? "processes, hugepages" : "processes, no hugepages", r);
	sl_ring_close(r);
	CHECK_EQ(sl_ring_unlink(name), 0);
	return check_result();
}

/* Reserve huge pages and mount a hugetlbfs of our own; undo both at exit. */
static char huge_mnt[64];
static long huge_before = -1;

static long read_long(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;
	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static int write_long(const char *path, long v)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	int ok = fprintf(f, "%ld\n", v) > 0;
	return fclose(f) == 0 && ok ? 0 : -1;
}

static void huge_cleanup(void)
{
	if (huge_mnt[0]) {
		umount(huge_mnt);
		rmdir(huge_mnt);
	}
	if (huge_before >= 0)
		write_long("/proc/sys/vm/nr_hugepages", huge_before);
}

static const char *huge_setup(void)
{
	const char *nr = "/proc/sys/vm/nr_hugepages";
	static char why[160];

	if (geteuid() != 0)
		return "not root: cannot reserve huge pages";
	huge_before = read_long(nr);
	if (huge_before < 0)
		return "cannot read /proc/sys/vm/nr_hugepages";
	if (write_long(nr, huge_before + 24) != 0 || read_long(nr) < huge_before + 9) {
		snprintf(why, sizeof why, "the kernel refused to reserve huge pages (nr_hugepages %ld)", read_long(nr));
		return why;
	}
	snprintf(huge_mnt, sizeof huge_mnt, "/tmp/sluice-huge-XXXXXX");
	if (mkdtemp(huge_mnt) == NULL) {
		huge_mnt[0] = 0;
		return "mkdtemp failed";
	}
	if (mount("none", huge_mnt, "hugetlbfs", 0, NULL) != 0) {
		snprintf(why, sizeof why, "mount -t hugetlbfs: %s", strerror(errno));
		return why;
	}
	setenv("SLUICE_HUGETLBFS", huge_mnt, 1);
	return NULL;
}

/* ---- crash --------------------------------------------------------------------------- */

static int run_crash(void)
{
	struct sl_ring_config cfg = { .capacity = 1u << 20, .huge = SL_HUGEPAGES_NEVER };
	const char *name = "stress-crash";
	sl_ring *c;
	struct sl_rec rec[64];
	const uint64_t committed = 5000;

	int ready[2];

	sl_ring_unlink(name);
	REQUIRE(pipe(ready) == 0);
	pid_t pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		sl_ring *p;
		if (sl_ring_create(name, &cfg, &p) != 0)
			_exit(2);
		close(ready[0]);
		close(ready[1]); /* the consumer may open the ring now */
		for (uint64_t seq = 0; seq < committed; seq++) {
			uint32_t len = rec_len(seq);
			uint8_t *w;
			while ((w = sl_ring_reserve(p, (uint16_t)seq, len)) == NULL) {
				sl_ring_commit(p);
				sl_ring_wait_writable(p, len, 100);
			}
			rec_fill(w, seq, len);
			if (seq % 7 == 0)
				sl_ring_commit(p);
		}
		sl_ring_commit(p);
		/* Two more records reserved, one half written: never committed. */
		uint8_t *w = sl_ring_reserve(p, 1, 1000);
		if (w)
			rec_fill(w, committed, 1000);
		w = sl_ring_reserve(p, 2, 3000);
		if (w)
			memset(w, 0xee, 1500);
		raise(SIGKILL);
		_exit(4);
	}
	char b;
	close(ready[1]);
	REQUIRE(read(ready[0], &b, 1) == 0);
	close(ready[0]);
	REQUIRE(sl_ring_open(name, SL_RING_CONSUMER, &c) == 0);
	uint64_t seq = 0, bad = 0;
	int end;
	for (;;) {
		size_t n = sl_ring_peek(c, rec, 64);
		for (size_t i = 0; i < n; i++, seq++)
			if (!rec_check(rec[i].data, seq, rec[i].len))
				bad++;
		sl_ring_release(c, n);
		if (n == 0 && (end = sl_ring_wait_readable(c, 5000)) != 0)
			break;
	}
	/* The child is a zombie until we reap it: it must count as dead already. It died without
	 * finishing: detached (-ENOTCONN), not the end of the stream (-EPIPE). */
	CHECK_EQ(end, -ENOTCONN);
	CHECK_EQ(seq, committed);
	CHECK_EQ(bad, 0);
	struct sl_ring_stats st;
	sl_ring_stats(c, &st);
	CHECK_EQ(st.producer_pid, pid); /* for display: a dead holder's pid stays */
	CHECK_EQ(st.producer_alive, 0);
	CHECK_EQ(st.finished, 0);
	CHECK_EQ(st.records_in, committed);
	printf("crash: consumer read %llu whole records, then saw the producer (pid %d) dead\n",
	       (unsigned long long)seq, (int)pid);
	int status;
	waitpid(pid, &status, 0);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

	/* A new producer takes the dead one's place; the half-written records never appear. */
	sl_ring *p2;
	REQUIRE(sl_ring_open(name, SL_RING_PRODUCER, &p2) == 0);
	uint8_t *w = sl_ring_reserve(p2, 9, 16);
	REQUIRE(w);
	rec_fill(w, 123456, 16);
	sl_ring_commit(p2);
	CHECK_EQ(sl_ring_wait_readable(c, 1000), 0);
	CHECK_EQ(sl_ring_peek(c, rec, 64), 1);
	CHECK(rec[0].type == 9 && rec[0].len == 16);
	sl_ring_release(c, 1);
	CHECK_EQ(sl_ring_validate(c, NULL, 0), 0);
	sl_ring_close(p2);
	sl_ring_close(c);
	sl_ring_unlink(name);
	return check_result();
}

/* Wake: a producer that sleeps on a full ring must be woken by every release that frees room.
 * The consumer's release orders its tail store against its look at prod_sleeping with no fence
 * of its own (the sleeping producer's membarrier stands in for it), so this drives thousands of
 * producer sleeps against a consumer that keeps pausing, and counts the waits that ran into
 * their (generous) timeout: a missed wake. It counts, it does not time. */
struct wake_side {
	sl_ring *r;
	uint64_t records, got, bad;
};

static void *wake_consume(void *arg)
{
	struct wake_side *w = arg;
	struct sl_rec rec[4];
	uint64_t seq = 0, rnd = 0x9e3779b97f4a7c15ull;

	while (seq < w->records) {
		size_t n = sl_ring_peek(w->r, rec, 4);
		if (n == 0) {
			if (sl_ring_wait_readable(w->r, 5000) != 0)
				w->bad++;
			continue;
		}
		for (size_t i = 0; i < n; i++, seq++)
			w->bad += rec[i].len != 1000 || memcmp(rec[i].data, &seq, sizeof seq) != 0;
		sl_ring_release(w->r, n);
		if ((seq & 63) == 0)
			usleep(100); /* long enough for the producer to spin, yield and go to sleep */
		else if ((xs(&rnd) & 7) == 0)
			sched_yield();
	}
	w->got = seq;
	return NULL;
}

static int run_wake(uint64_t records, unsigned flags)
{
	struct sl_ring_config cfg = { .capacity = 4096, .huge = SL_HUGEPAGES_NEVER, .flags = flags };
	struct wake_side w = { .records = records };
	struct sl_ring_stats st;
	uint64_t timeouts = 0;
	pthread_t t;

	REQUIRE(sl_ring_create(NULL, &cfg, &w.r) == 0);
	REQUIRE(pthread_create(&t, NULL, wake_consume, &w) == 0);
	for (uint64_t seq = 0; seq < records;) {
		uint8_t *p = sl_ring_reserve(w.r, 1, 1000);
		if (p == NULL) {
			int e = sl_ring_wait_writable(w.r, 1000, 5000);
			timeouts += e == -ETIMEDOUT;
			continue;
		}
		memcpy(p, &seq, sizeof seq);
		seq++;
		sl_ring_commit(w.r); /* one record a commit: the ring is full after four */
	}
	pthread_join(t, NULL);
	sl_ring_stats(w.r, &st);
	printf("wake: %llu records, producer slept %llu times, %llu waits timed out, %llu bad\n",
	       (unsigned long long)w.got, (unsigned long long)st.producer_waits,
	       (unsigned long long)timeouts, (unsigned long long)w.bad);
	CHECK_EQ(w.got, records);
	CHECK_EQ(w.bad, 0);
	CHECK_EQ(timeouts, 0);
	CHECK(st.producer_waits > 0); /* the sleep path really ran */
	sl_ring_close(w.r);
	return check_result();
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "threads";
	uint64_t records = argc > 2 ? strtoull(argv[2], NULL, 10) : 20000000ULL;
	char dir[64];

	snprintf(dir, sizeof dir, "/dev/shm/sluice-stress-XXXXXX");
	REQUIRE(mkdtemp(dir) != NULL);
	setenv("SLUICE_SHM_DIR", dir, 1);
	setenv("SLUICE_HUGETLBFS", "/nonexistent-hugetlbfs", 1);
	int rc;

	if (strcmp(mode, "threads") == 0) {
		rc = run_threads(records);
	} else if (strcmp(mode, "xproc") == 0) {
		rc = run_xproc(records, SL_HUGEPAGES_NEVER, "stress-xproc");
	} else if (strcmp(mode, "xproc-huge") == 0) {
		const char *why = huge_setup();
		if (why) {
			printf("SKIP hugepage half: %s\n", why);
			huge_cleanup();
			rmdir(dir);
			return SKIP;
		}
		printf("hugepages: reserved, hugetlbfs mounted at %s\n", huge_mnt);
		rc = run_xproc(records, SL_HUGEPAGES_REQUIRE, "stress-xproc-huge");
		huge_cleanup();
	} else if (strcmp(mode, "crash") == 0) {
		rc = run_crash();
	} else if (strcmp(mode, "wake") == 0) {
		rc = run_wake(records, 0);
	} else if (strcmp(mode, "wake-fenced") == 0) {
		rc = run_wake(records, SL_RING_FENCED);
	} else {
		fprintf(stderr, "usage: %s threads|xproc|xproc-huge|crash|wake|wake-fenced [RECORDS]\n", argv[0]);
		rc = 2;
	}
	rmdir(dir);
	return rc;
}
