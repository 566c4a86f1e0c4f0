/* SPDX-License-Identifier: MIT */
/*
 * The spool against real files in a temp dir: order over segments and restarts, the cursor, a
 * torn tail, a corrupt record, a bad cursor, each policy at the bound, and a small tmpfs that
 * fills (ENOSPC; needs root to mount, said and skipped otherwise). Every case checks the
 * spool's balance: recovered + appended = replayed + pending + dropped_oldest + lost, and the
 * records read back against what was written (by their content, kept by this test).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "sinks/spool/spool.h"

static char root[256];
static int dirn;

static const char *newdir(void)
{
	static char d[300];
	snprintf(d, sizeof d, "%s/s%d", root, dirn++);
	return d;
}

static struct sl_spool_conf mkconf(const char *dir, uint64_t max, uint64_t seg, enum sl_spool_policy pol)
{
	return (struct sl_spool_conf){.dir = dir, .max_bytes = max, .segment_bytes = seg, .max_record = 1024,
	                              .fsync_records = 0, .fsync_ns = 0, .policy = pol};
}

/* Record i: "rec <i>" padded to a length that varies with i. */
static uint32_t mkrec(uint64_t i, char *buf)
{
	uint32_t len = (uint32_t)(16 + (i * 7) % 200);
	memset(buf, 'a' + (int)(i % 26), len);
	int n = snprintf(buf, len, "rec %llu;", (unsigned long long)i);
	buf[n] = ';';
	return len;
}

/* The number in the record, or -1 when the record is not one mkrec made. */
static long long recno(const void *p, uint32_t len)
{
	char tmp[300], want[300];
	if (len >= sizeof tmp)
		return -1;
	memcpy(tmp, p, len);
	unsigned long long i;
	if (sscanf(tmp, "rec %llu;", &i) != 1)
		return -1;
	if (mkrec(i, want) != len || memcmp(want, p, len))
		return -1;
	return (long long)i;
}

static struct sl_spool *open_or_die(const struct sl_spool_conf *c)
{
	struct sl_spool *sp;
	char err[256];
	int r = sl_spool_open(&sp, c, err, sizeof err);
	if (r) {
		fprintf(stderr, "open %s: %s\n", c->dir, err);
		exit(1);
	}
	return sp;
}

static int balanced(const struct sl_spool *sp)
{
	const struct sl_spool_stats *s = sl_spool_stats(sp);
	return s->recovered + s->appended == s->replayed + s->pending + s->dropped_oldest + s->lost;
}

/* Replays up to max records; checks they are first, first+1, ...; returns how many. */
static uint64_t drain(struct sl_spool *sp, long long first, uint64_t max)
{
	const void *p;
	uint32_t len;
	uint64_t n = 0;
	while (n < max && sl_spool_peek(sp, &p, &len) == 0) {
		long long i = recno(p, len);
		if (i != first + (long long)n) {
			fprintf(stderr, "drain: record %llu is %lld, want %lld\n", (unsigned long long)n, i,
			        first + (long long)n);
			check_failed_++;
			return n;
		}
		sl_spool_consume(sp);
		n++;
	}
	return n;
}

static void append_range(struct sl_spool *sp, uint64_t from, uint64_t to)
{
	char b[300];
	for (uint64_t i = from; i < to; i++)
		CHECK_EQ(sl_spool_append(sp, b, mkrec(i, b)), 0);
}

static void last_segment(const char *dir, char *out, size_t n)
{
	char cmd[600];
	snprintf(cmd, sizeof cmd, "ls %s/*.seg | tail -n 1", dir);
	FILE *f = popen(cmd, "r");
	if (!f || !fgets(out, (int)n, f))
		out[0] = 0;
	out[strcspn(out, "\n")] = 0;
	if (f)
		pclose(f);
}

/* A spool in c->dir holding records from..to, closed; seg gets its last segment's path. */
static void spool_fill(const struct sl_spool_conf *c, uint64_t from, uint64_t to, char *seg,
		       size_t n)
{
	struct sl_spool *sp = open_or_die(c);
	append_range(sp, from, to);
	sl_spool_close(sp);
	last_segment(c->dir, seg, n);
}

static int nsegs(const char *dir)
{
	char cmd[600];
	snprintf(cmd, sizeof cmd, "ls %s/*.seg 2>/dev/null | wc -l", dir);
	FILE *f = popen(cmd, "r");
	int n = -1;
	if (f && fscanf(f, "%d", &n) != 1)
		n = -1;
	if (f)
		pclose(f);
	return n;
}

static void test_restart_order(void)
{
	const char *d = newdir();
	struct sl_spool_conf c = mkconf(d, 64u << 20, 64u << 10, SL_SPOOL_BLOCK);
	struct sl_spool *sp = open_or_die(&c);
	append_range(sp, 0, 20000);
	CHECK(nsegs(d) > 10); /* 20000 records of ~120 bytes over 64 KiB segments */
	CHECK_EQ(drain(sp, 0, 3000), 3000);
	CHECK(balanced(sp));
	sl_spool_close(sp);

	sp = open_or_die(&c);
	CHECK_EQ(sl_spool_stats(sp)->recovered, 17000);
	CHECK_EQ(drain(sp, 3000, 5000), 5000);
	append_range(sp, 20000, 21000); /* a new segment after the old ones */
	CHECK_EQ(drain(sp, 8000, 100000), 13000);
	CHECK_EQ(sl_spool_stats(sp)->pending, 0);
	CHECK(balanced(sp));
	sl_spool_close(sp);

	sp = open_or_die(&c);
	CHECK_EQ(sl_spool_stats(sp)->recovered, 0);
	CHECK_EQ(nsegs(d), 0);
	sl_spool_close(sp);
}

/* The reader catching up with the writer again and again (the sink recovering while the
 * outage flaps): every record once, in order. */
static void test_interleaved(void)
{
	const char *d = newdir();
	struct sl_spool_conf c = mkconf(d, 8u << 20, 8u << 10, SL_SPOOL_BLOCK);
	struct sl_spool *sp = open_or_die(&c);
	uint64_t w = 0, r = 0;
	for (int round = 0; round < 200; round++) {
		uint64_t k = 1 + (uint64_t)(round * 37 % 150);
		append_range(sp, w, w + k);
		w += k;
		r += drain(sp, (long long)r, 1 + (uint64_t)(round * 53 % 170));
	}
	r += drain(sp, (long long)r, ~0ull);
	CHECK_EQ(r, w);
	CHECK(balanced(sp));
	sl_spool_close(sp);
}

/* sl_spool_peek_more: a batch of records peeked together, stopping at the segment's end, all
 * still valid at the end, consumed at once; a peek without consume gives the same batch again
 * and the cursor at a close keeps only what was consumed. */
static void test_peek_more(void)
{
	const char *d = newdir();
	struct sl_spool_conf c = mkconf(d, 8u << 20, 8u << 10, SL_SPOOL_BLOCK);
	struct sl_spool *sp = open_or_die(&c);
	const void *p[200];
	uint32_t l[200];
	append_range(sp, 0, 500); /* ~120 bytes each over 8 KiB segments: several segments */
	CHECK_EQ(sl_spool_peek_more(sp, &p[0], &l[0]), -ENOENT); /* nothing peeked yet */
	uint64_t next = 0;
	int segs = 0;
	while (sl_spool_peek(sp, &p[0], &l[0]) == 0) {
		uint32_t n = 1;
		while (n < 200 && sl_spool_peek_more(sp, &p[n], &l[n]) == 0)
			n++;
		CHECK(n < 200); /* a segment ends the batch */
		for (uint32_t k = 0; k < n; k++)
			CHECK_EQ(recno(p[k], l[k]), (long long)(next + k));
		if (segs == 1) { /* not consumed: the same batch comes again, also after a restart */
			sl_spool_close(sp);
			sp = open_or_die(&c);
			CHECK_EQ(sl_spool_stats(sp)->recovered, 500 - next);
			segs++;
			continue;
		}
		sl_spool_consume(sp);
		next += n;
		segs++;
		CHECK(balanced(sp));
	}
	CHECK_EQ(next, 500);
	CHECK(segs > 3);
	CHECK_EQ(sl_spool_stats(sp)->pending, 0);
	CHECK(balanced(sp));
	sl_spool_close(sp);
}

/* Read-ahead (a sink with many records in flight): records come in order ahead of the
 * consumed ones, within a segment; a rewind reads them again from the oldest unconsumed one;
 * a crash (the spool abandoned after a sync, never closed) leaves a cursor a second spool on
 * the same directory resumes from: every record after it once, none lost. */
static void drain_ahead(struct sl_spool *sp, long long first, long long end, int window)
{
	long long next = first, done = first;
	while (done < end) {
		const void *p;
		uint32_t len;
		int got = 0;
		while (next < end && next - done < window && sl_spool_ahead(sp, &p, &len) == 0) {
			long long i = recno(p, len);
			if (i != next) {
				fprintf(stderr, "ahead: got %lld, want %lld\n", i, next);
				check_failed_++;
				return;
			}
			next++;
			got++;
		}
		if (!got && next == done) {
			fprintf(stderr, "ahead: stuck at %lld of %lld\n", done, end);
			check_failed_++;
			return;
		}
		while (done < next) { /* acknowledged: consumed oldest first */
			sl_spool_consume(sp);
			done++;
		}
	}
}

static void test_ahead(void)
{
	const char *d = newdir();
	struct sl_spool_conf c = mkconf(d, 64u << 20, 32u << 10, SL_SPOOL_BLOCK);
	struct sl_spool *sp = open_or_die(&c);
	append_range(sp, 0, 5000);
	const void *p;
	uint32_t len;
	/* 100 ahead, 40 consumed, rewind: the next read is record 40 again */
	for (int i = 0; i < 100; i++)
		CHECK_EQ(sl_spool_ahead(sp, &p, &len), 0);
	CHECK_EQ(recno(p, len), 99);
	for (int i = 0; i < 40; i++)
		sl_spool_consume(sp);
	sl_spool_rewind(sp);
	CHECK_EQ(sl_spool_ahead(sp, &p, &len), 0);
	CHECK_EQ(recno(p, len), 40);
	sl_spool_rewind(sp);
	/* ahead stops at the segment's end until it is consumed */
	uint64_t n = 0;
	while (sl_spool_ahead(sp, &p, &len) == 0)
		n++;
	CHECK(n > 0 && n < 4960);
	for (uint64_t i = 0; i < n; i++)
		sl_spool_consume(sp);
	CHECK_EQ(sl_spool_ahead(sp, &p, &len), 0);
	CHECK_EQ(recno(p, len), (long long)(40 + n));
	sl_spool_rewind(sp);
	drain_ahead(sp, 40 + (long long)n, 3000, 700);
	CHECK(balanced(sp));
	sl_spool_sync(sp); /* the cursor says 3000 */
	drain_ahead(sp, 3000, 3500, 300);
	/* a second spool on a directory in use is refused */
	struct sl_spool *other;
	char err[256];
	CHECK_EQ(sl_spool_open(&other, &c, err, sizeof err), -EBUSY);
	CHECK(strstr(err, "in use by another process") != NULL);
	/* a crash: sp is never closed; another process opens the directory (its lock gone with
	 * the process: here, with its file) */
	sl__spool_drop_lock(sp);
	struct sl_spool *sp2 = open_or_die(&c);
	/* it resumes at or after the synced cursor (segments fully consumed since are gone: their
	 * records were delivered), never after what was consumed */
	uint64_t rec = sl_spool_stats(sp2)->recovered;
	CHECK(rec >= 1500 && rec <= 2000);
	drain_ahead(sp2, 5000 - (long long)rec, 5000, 1000);
	CHECK_EQ(sl_spool_stats(sp2)->pending, 0);
	CHECK_EQ(sl_spool_stats(sp2)->lost, 0);
	CHECK(balanced(sp2));
	CHECK_EQ(sl_spool_ahead(sp2, &p, &len), -ENOENT);
	sl_spool_close(sp2);
	sl_spool_close(sp);
}

static void test_torn_tail(void)
{
	const char *d = newdir();
	struct sl_spool_conf c = mkconf(d, 8u << 20, 1u << 20, SL_SPOOL_BLOCK);
	char seg[400];
	spool_fill(&c, 0, 100, seg, sizeof seg);
	struct stat st;
	REQUIRE(stat(seg, &st) == 0);
	REQUIRE(truncate(seg, st.st_size - 3) == 0); /* the crash tore the last record */
	struct sl_spool *sp = open_or_die(&c);
	CHECK_EQ(sl_spool_stats(sp)->torn, 1);
	CHECK_EQ(sl_spool_stats(sp)->recovered, 99);
	CHECK_EQ(drain(sp, 0, ~0ull), 99);
	/* a torn header too: 5 bytes of the next record's 8 */
	append_range(sp, 200, 210);
	sl_spool_close(sp);
	last_segment(d, seg, sizeof seg);
	int fd = open(seg, O_WRONLY | O_APPEND);
	REQUIRE(fd >= 0);
	CHECK_EQ(write(fd, "\x10\0\0\0\1", 5), 5);
	close(fd);
	sp = open_or_die(&c);
	CHECK_EQ(sl_spool_stats(sp)->torn, 1);
	CHECK_EQ(sl_spool_stats(sp)->recovered, 10);
	CHECK_EQ(drain(sp, 200, ~0ull), 10);
	CHECK(balanced(sp));
	sl_spool_close(sp);
}

static void flip(const char *path, long off)
{
	int fd = open(path, O_RDWR);
	REQUIRE(fd >= 0);
	unsigned char b;
	REQUIRE(pread(fd, &b, 1, off) == 1);
	b ^= 0x40;
	REQUIRE(pwrite(fd, &b, 1, off) == 1);
	close(fd);
}

static void test_corrupt(void)
{
	const char *d = newdir();
	struct sl_spool_conf c = mkconf(d, 8u << 20, 1u << 20, SL_SPOOL_BLOCK);
	char seg[400];
	spool_fill(&c, 0, 100, seg, sizeof seg);
	/* the offset of record 50: header + the sum of the first 50 records */
	long off = SL_SPOOL_SEG_HDR;
	char b[300];
	for (int i = 0; i < 50; i++)
		off += SL_SPOOL_REC_HDR + mkrec((uint64_t)i, b);
	flip(seg, off + SL_SPOOL_REC_HDR + 3); /* a payload byte */
	struct sl_spool *sp = open_or_die(&c);
	CHECK_EQ(sl_spool_stats(sp)->corrupt, 1);
	CHECK_EQ(sl_spool_stats(sp)->recovered, 50);
	CHECK(sl_spool_stats(sp)->skipped_bytes > 0);
	CHECK_EQ(drain(sp, 0, ~0ull), 50);
	CHECK(balanced(sp));
	sl_spool_close(sp);

	/* a flipped length (huge): corrupt, not a record to wait for */
	d = newdir();
	c.dir = d;
	spool_fill(&c, 0, 10, seg, sizeof seg);
	flip(seg, SL_SPOOL_SEG_HDR + 3);
	sp = open_or_die(&c);
	CHECK_EQ(sl_spool_stats(sp)->corrupt, 1);
	CHECK_EQ(sl_spool_stats(sp)->recovered, 0);
	CHECK_EQ(drain(sp, 0, ~0ull), 0);
	sl_spool_close(sp);

	/* garbage named like a segment, and a bad cursor: counted, replay from the start */
	d = newdir();
	c.dir = d;
	sp = open_or_die(&c);
	append_range(sp, 0, 10);
	CHECK_EQ(drain(sp, 0, 4), 4);
	sl_spool_close(sp);
	char path[400];
	snprintf(path, sizeof path, "%s/00000000000000000099.seg", d);
	FILE *f = fopen(path, "w");
	REQUIRE(f);
	fputs("not a segment at all", f);
	fclose(f);
	snprintf(path, sizeof path, "%s/cursor", d);
	flip(path, 10);
	sp = open_or_die(&c);
	CHECK_EQ(sl_spool_stats(sp)->corrupt, 2);
	CHECK_EQ(sl_spool_stats(sp)->recovered, 10); /* the 4 replayed come again: duplicates, no loss */
	CHECK_EQ(drain(sp, 0, ~0ull), 10);
	sl_spool_close(sp);
}

/* Fills a 64 KiB-per-segment spool bounded at 256 KiB with ~120-byte records. */
static void test_bound(enum sl_spool_policy pol)
{
	const char *d = newdir();
	struct sl_spool_conf c = mkconf(d, 256u << 10, 64u << 10, pol);
	struct sl_spool *sp = open_or_die(&c);
	char b[300];
	uint64_t ok = 0, again = 0, dropped = 0, first_refused = 0;
	for (uint64_t i = 0; i < 10000; i++) {
		int r = sl_spool_append(sp, b, mkrec(i, b));
		if (r == 0)
			ok++;
		else if (r == -EAGAIN)
			again++;
		else if (r == 1)
			dropped++;
		if (r && !first_refused)
			first_refused = i;
	}
	const struct sl_spool_stats *s = sl_spool_stats(sp);
	CHECK(s->bytes <= c.max_bytes);
	CHECK(balanced(sp));
	if (pol == SL_SPOOL_BLOCK) {
		CHECK(ok > 1000 && again == 10000 - ok && s->blocked == again && dropped == 0);
		CHECK_EQ(drain(sp, 0, ~0ull), ok); /* the first ones, all of them */
	} else if (pol == SL_SPOOL_DROP_NEWEST) {
		CHECK(ok > 1000 && dropped == 10000 - ok && s->dropped_newest == dropped && again == 0);
		CHECK_EQ(drain(sp, 0, ~0ull), ok);
	} else {
		CHECK(ok == 10000 && s->dropped_oldest > 0 && s->dropped_oldest < 10000);
		uint64_t kept = s->pending;
		CHECK_EQ(kept + s->dropped_oldest, 10000);
		CHECK_EQ(drain(sp, (long long)(10000 - kept), ~0ull), kept); /* the newest, in order */
	}
	CHECK_EQ(sl_spool_stats(sp)->pending, 0);
	CHECK(balanced(sp));
	sl_spool_close(sp);
}

/* A 128 KiB tmpfs under a spool bound of 16 MiB: the disk, not the bound, says no. */
static void test_enospc(void)
{
	char mnt[300];
	snprintf(mnt, sizeof mnt, "%s/tmpfs", root);
	mkdir(mnt, 0700);
	if (mount("tmpfs", mnt, "tmpfs", 0, "size=128k")) {
		printf("skip: ENOSPC case: cannot mount a tmpfs (%s; needs root)\n", strerror(errno));
		return;
	}
	for (int pol = SL_SPOOL_BLOCK; pol <= SL_SPOOL_DROP_NEWEST; pol++) {
		char d[400];
		snprintf(d, sizeof d, "%s/p%d", mnt, pol);
		struct sl_spool_conf c = mkconf(d, 16u << 20, 16u << 10, (enum sl_spool_policy)pol);
		c.fsync_records = 64;
		struct sl_spool *sp = open_or_die(&c);
		char b[300];
		uint64_t ok = 0, refused = 0;
		for (uint64_t i = 0; i < 5000; i++) {
			int r = sl_spool_append(sp, b, mkrec(i, b));
			if (r == 0)
				ok++;
			else
				refused++;
		}
		const struct sl_spool_stats *s = sl_spool_stats(sp);
		CHECK(s->disk_full > 0);
		CHECK(refused > 0);
		CHECK(balanced(sp));
		if (pol == SL_SPOOL_DROP_OLDEST) {
			CHECK(s->dropped_oldest > 0);
			uint64_t kept = s->pending;
			/* what it kept is a run of the newest accepted, readable and in order */
			const void *p;
			uint32_t len;
			long long prev = -1;
			uint64_t n = 0;
			while (sl_spool_peek(sp, &p, &len) == 0) {
				long long i = recno(p, len);
				CHECK(i > prev);
				prev = i;
				sl_spool_consume(sp);
				n++;
			}
			CHECK_EQ(n, kept);
		} else {
			CHECK_EQ(drain(sp, 0, ~0ull), ok); /* every accepted record, the first ones */
		}
		CHECK_EQ(sl_spool_stats(sp)->pending, 0);
		CHECK(balanced(sp));
		/* once drained the disk has room again */
		CHECK_EQ(sl_spool_append(sp, b, mkrec(0, b)), 0);
		CHECK_EQ(drain(sp, 0, ~0ull), 1);
		sl_spool_close(sp);
		char cmd[500];
		snprintf(cmd, sizeof cmd, "rm -rf %s", d);
		CHECK(system(cmd) == 0);
	}
	umount(mnt);
}

static void test_crc(void)
{
	/* the standard check value of CRC32C */
	CHECK_EQ(sl_crc32c(0, "123456789", 9), 0xE3069283u);
	CHECK_EQ(sl_crc32c(sl_crc32c(0, "1234", 4), "56789", 5), 0xE3069283u);
}

int main(void)
{
	snprintf(root, sizeof root, "/tmp/sluice-spool-XXXXXX");
	REQUIRE(mkdtemp(root));
	test_crc();
	test_restart_order();
	test_interleaved();
	test_peek_more();
	test_ahead();
	test_torn_tail();
	test_corrupt();
	test_bound(SL_SPOOL_BLOCK);
	test_bound(SL_SPOOL_DROP_NEWEST);
	test_bound(SL_SPOOL_DROP_OLDEST);
	test_enospc();
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf %s", root);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", root);
	return check_result();
}
