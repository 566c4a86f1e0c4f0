/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of libsluice_ring on one thread: the edges of capacity, every record size, wrap
 * of the free-running indices, and every bad input the API promises to refuse. Named rings are
 * created in a private directory (SLUICE_SHM_DIR) so runs never collide.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "ring_impl.h"
#include "sluice/ring.h"

static char dir[64];

static sl_ring *anon(size_t cap)
{
	struct sl_ring_config cfg = { .capacity = cap, .huge = SL_HUGEPAGES_NEVER };
	sl_ring *r = NULL;
	REQUIRE(sl_ring_create(NULL, &cfg, &r) == 0);
	return r;
}

static void fill(uint8_t *p, uint32_t len, uint32_t seed)
{
	for (uint32_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seed * 31u + i * 7u);
}

static int same(const uint8_t *p, uint32_t len, uint32_t seed)
{
	for (uint32_t i = 0; i < len; i++)
		if (p[i] != (uint8_t)(seed * 31u + i * 7u))
			return 0;
	return 1;
}

static void test_empty_full(void)
{
	sl_ring *r = anon(4096);
	struct sl_rec rec[4];
	struct sl_ring_stats st;

	CHECK_EQ(sl_ring_peek(r, rec, 4), 0);
	CHECK_EQ(sl_ring_wait_readable(r, 0), -ETIMEDOUT);
	CHECK_EQ(sl_ring_max_record(r), 4096 - 8);

	/* 64 records of 56 bytes take 64 bytes each: exactly 4096. */
	for (int i = 0; i < 64; i++) {
		void *p = sl_ring_reserve(r, 7, 56);
		REQUIRE(p != NULL);
		fill(p, 56, (uint32_t)i);
	}
	errno = 0;
	CHECK(sl_ring_reserve(r, 7, 0) == NULL);
	CHECK_EQ(errno, EAGAIN);
	/* Reserved but not committed: invisible. */
	CHECK_EQ(sl_ring_peek(r, rec, 4), 0);
	sl_ring_commit(r);
	CHECK_EQ(sl_ring_wait_writable(r, 0, 0), -ETIMEDOUT);
	CHECK_EQ(sl_ring_wait_readable(r, 0), 0);
	sl_ring_stats(r, &st);
	CHECK_EQ(st.used, 4096);
	CHECK_EQ(st.records_in, 64);
	CHECK_EQ(st.bytes_in, 64 * 56);
	CHECK_EQ(st.full_events, 1);

	/* Peek twice without release: the same records. */
	CHECK_EQ(sl_ring_peek(r, rec, 4), 4);
	const void *first = rec[0].data;
	CHECK_EQ(sl_ring_peek(r, rec, 4), 4);
	CHECK(rec[0].data == first);
	CHECK(same(rec[0].data, 56, 0) && same(rec[3].data, 56, 3));
	CHECK_EQ(rec[2].type, 7);
	CHECK_EQ(((uintptr_t)rec[1].data) % 8, 0);
	sl_ring_release(r, 2); /* part of a peeked batch */
	CHECK_EQ(sl_ring_peek(r, rec, 1), 1);
	CHECK(same(rec[0].data, 56, 2));
	sl_ring_release(r, 1);
	CHECK_EQ(sl_ring_wait_writable(r, 56, 0), 0);
	CHECK_EQ(sl_ring_wait_writable(r, 4096, 0), -EMSGSIZE);

	size_t n, total = 3;
	while ((n = sl_ring_peek(r, rec, 4)) > 0) {
		for (size_t i = 0; i < n; i++)
			CHECK(same(rec[i].data, 56, (uint32_t)(total + i)));
		total += n;
		sl_ring_release(r, n);
	}
	CHECK_EQ(total, 64);
	sl_ring_stats(r, &st);
	CHECK_EQ(st.used, 0);
	CHECK_EQ(st.records_out, 64);
	CHECK_EQ(st.bytes_out, 64 * 56);
	char why[128];
	CHECK_EQ(sl_ring_validate(r, why, sizeof why), 0);
	sl_ring_close(r);
}

/* The whole capacity is usable, by any record size that divides it. */
static void test_exact_capacity(void)
{
	sl_ring *r = anon(1 << 16);
	uint32_t max = sl_ring_max_record(r);
	struct sl_rec rec;

	void *p = sl_ring_reserve(r, 1, max);
	REQUIRE(p != NULL);
	fill(p, max, 9);
	sl_ring_commit(r);
	CHECK(sl_ring_reserve(r, 1, 0) == NULL);
	CHECK_EQ(sl_ring_peek(r, &rec, 1), 1);
	CHECK_EQ(rec.len, max);
	CHECK(same(rec.data, max, 9));
	sl_ring_release(r, 1);

	errno = 0;
	CHECK(sl_ring_reserve(r, 1, max + 1) == NULL);
	CHECK_EQ(errno, EMSGSIZE);
	errno = 0;
	CHECK(sl_ring_reserve(r, 1, UINT32_MAX) == NULL);
	CHECK_EQ(errno, EMSGSIZE);
	sl_ring_close(r);
}

/* Every size from 0 to the maximum, with the ring wrapping many times over. */
static void test_every_size(void)
{
	sl_ring *r = anon(8192);
	uint32_t max = sl_ring_max_record(r);
	struct sl_rec rec[8];
	int bad = 0;

	for (uint32_t len = 0; len <= max; len++) {
		uint8_t *p = sl_ring_reserve(r, (uint16_t)len, len);
		if (p == NULL) {
			bad++;
			break;
		}
		fill(p, len, len);
		sl_ring_commit(r);
		size_t n = sl_ring_peek(r, rec, 8);
		if (n != 1 || rec[0].len != len || rec[0].type != (uint16_t)len || !same(rec[0].data, len, len))
			bad++;
		sl_ring_release(r, n);
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(sl_ring_validate(r, NULL, 0), 0);
	sl_ring_close(r);
}

/* Indices seeded just below 2^64 must wrap through zero without a hiccup. */
static void test_wrap(void)
{
	sl_ring *r = anon(4096);
	struct sl_rec rec[16];
	uint32_t seq = 0, want = 0;
	char why[160];

	REQUIRE(sl__ring_seed(r, UINT64_MAX - 8191) == 0);
	for (int round = 0; round < 200; round++) {
		for (int i = 0; i < 5; i++) {
			uint32_t len = 1 + (seq * 37u) % 700u;
			uint8_t *p = sl_ring_reserve(r, 3, len);
			if (!p)
				break;
			fill(p, len, seq++);
		}
		sl_ring_commit(r);
		size_t n = sl_ring_peek(r, rec, 16);
		for (size_t i = 0; i < n; i++) {
			CHECK(rec[i].len == 1 + (want * 37u) % 700u && same(rec[i].data, rec[i].len, want));
			want++;
		}
		sl_ring_release(r, n);
		CHECK_EQ(sl_ring_validate(r, why, sizeof why), 0);
	}
	CHECK_EQ(want, seq);
	CHECK(seq > 500);
	CHECK(r->c_tail < 8192 * 200); /* it did wrap through zero */
	sl_ring_close(r);
}

/* peek walks a batch from tail & mask onwards without wrapping (the second mapping continues
 * the first) and prefetches ahead of itself: batches that cross the end of the buffer, peeks of
 * every size, partial releases and repeated peeks must all see the records in order, each one
 * inside the two mappings and right after the one before. */
static void test_peek_batches(void)
{
	sl_ring *r = anon(4096);
	struct sl_rec rec[8], again[8];
	uint32_t seq = 0, want = 0;
	char why[160];

	REQUIRE(sl__ring_seed(r, UINT64_MAX - 4095 - 40) == 0);
	for (int round = 0; round < 3000; round++) {
		int k = 1 + round % 6;
		for (int i = 0; i < k; i++) {
			uint32_t len = (seq * 53u) % 300u; /* 0..299, zero-length records too */
			uint8_t *p = sl_ring_reserve(r, (uint16_t)seq, len);
			if (!p)
				break;
			fill(p, len, seq++);
			if (i % 2)
				sl_ring_commit(r);
		}
		sl_ring_commit(r);
		size_t max = 1 + (size_t)round % 8;
		size_t n = sl_ring_peek(r, rec, max);
		CHECK(n <= max);
		CHECK_EQ(sl_ring_peek(r, again, max), n); /* no release: the same records again */
		for (size_t i = 0; i < n; i++) {
			const uint8_t *d = rec[i].data;
			CHECK(again[i].data == rec[i].data && again[i].len == rec[i].len);
			CHECK(d >= r->data + 8 && d + rec[i].len <= r->data + 2 * r->cap);
			if (i > 0)
				CHECK(d == (const uint8_t *)rec[i - 1].data + SL_RING_SLOT_SIZE(rec[i - 1].len));
			CHECK(rec[i].type == (uint16_t)(want + i));
			CHECK(rec[i].len == ((want + (uint32_t)i) * 53u) % 300u &&
			      same(d, rec[i].len, want + (uint32_t)i));
		}
		size_t take = n > 1 && round % 3 == 0 ? n - 1 : n; /* sometimes keep the last one */
		sl_ring_release(r, take);
		want += (uint32_t)take;
		CHECK_EQ(sl_ring_validate(r, why, sizeof why), 0);
	}
	for (size_t n; (n = sl_ring_peek(r, rec, 8)) > 0; want += (uint32_t)n)
		sl_ring_release(r, n);
	CHECK_EQ(want, seq);
	CHECK(seq > 5000);
	CHECK(r->c_tail < UINT64_MAX / 2); /* the indices did wrap through zero */
	sl_ring_close(r);
}

static void test_trim(void)
{
	sl_ring *r = anon(4096);
	struct sl_rec rec[2];

	uint8_t *p = sl_ring_reserve(r, 1, 1500);
	REQUIRE(p);
	fill(p, 60, 1);
	sl_ring_trim(r, 60);
	uint8_t *q = sl_ring_reserve(r, 2, 10);
	REQUIRE(q);
	CHECK(q == p + 64 + 8); /* the next record follows the trimmed one */
	fill(q, 10, 2);
	sl_ring_commit(r);
	CHECK_EQ(sl_ring_peek(r, rec, 2), 2);
	CHECK_EQ(rec[0].len, 60);
	CHECK(same(rec[0].data, 60, 1) && same(rec[1].data, 10, 2));
	sl_ring_release(r, 2);
	struct sl_ring_stats st;
	sl_ring_stats(r, &st);
	CHECK_EQ(st.bytes_in, 70);
	CHECK_EQ(st.bytes_out, 70);
	sl_ring_close(r);
}

static void test_bad_input(void)
{
	struct sl_ring_config cfg = { .capacity = 0 };
	sl_ring *r = (sl_ring *)1;
	char longname[SL_RING_NAME_MAX + 2];

	CHECK_EQ(sl_ring_create(NULL, &cfg, &r), -EINVAL);
	CHECK(r == NULL);
	cfg.capacity = SIZE_MAX;
	CHECK_EQ(sl_ring_create(NULL, &cfg, &r), -EINVAL);
	cfg.capacity = SL_RING_CAPACITY_MAX + 1;
	CHECK_EQ(sl_ring_create("x", &cfg, &r), -EINVAL);
	cfg.capacity = 4096;
	cfg.huge = (enum sl_hugepages)9;
	CHECK_EQ(sl_ring_create(NULL, &cfg, &r), -EINVAL);
	cfg.huge = SL_HUGEPAGES_NEVER;
	CHECK_EQ(sl_ring_create("a/b", &cfg, &r), -EINVAL);
	CHECK_EQ(sl_ring_create("", &cfg, &r), -EINVAL);
	CHECK_EQ(sl_ring_create("..", &cfg, &r), -EINVAL);
	memset(longname, 'n', sizeof longname - 1);
	longname[sizeof longname - 1] = 0;
	CHECK_EQ(sl_ring_create(longname, &cfg, &r), -ENAMETOOLONG);
	CHECK_EQ(sl_ring_open(longname, SL_RING_CONSUMER, &r), -ENAMETOOLONG);
	CHECK_EQ(sl_ring_open("no-such-ring", SL_RING_CONSUMER, &r), -ENOENT);
	CHECK_EQ(sl_ring_open("a/b", SL_RING_CONSUMER, &r), -EINVAL);
	CHECK_EQ(sl_ring_open("x", (enum sl_ring_role)3, &r), -EINVAL);
	CHECK_EQ(sl_ring_unlink("no-such-ring"), -ENOENT);
	CHECK_EQ(sl_ring_create(NULL, &cfg, NULL), -EINVAL);

	/* Files of a ring's name that are not rings. */
	char path[128];
	snprintf(path, sizeof path, "%s/sluice.notaring", dir);
	int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
	REQUIRE(fd >= 0);
	char junk[3 * 4096];
	memset(junk, 0x5a, sizeof junk);
	REQUIRE(write(fd, junk, sizeof junk) == (ssize_t)sizeof junk);
	close(fd);
	CHECK_EQ(sl_ring_open("notaring", SL_RING_CONSUMER, &r), -EPROTO);
	snprintf(path, sizeof path, "%s/sluice.tiny", dir);
	fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
	REQUIRE(fd >= 0 && write(fd, "x", 1) == 1);
	close(fd);
	CHECK_EQ(sl_ring_open("tiny", SL_RING_CONSUMER, &r), -EPROTO);
	CHECK_EQ(sl_ring_unlink("tiny"), 0);
	CHECK_EQ(sl_ring_unlink("notaring"), 0);

	/* NULL is fine to close. */
	sl_ring_close(NULL);
}

static void test_named(void)
{
	struct sl_ring_config cfg = { .capacity = 5000, .huge = SL_HUGEPAGES_NEVER, .mode = 0640 };
	sl_ring *p = NULL, *c = NULL, *c2 = NULL, *m = NULL, *p2 = NULL;
	struct sl_rec rec[4];
	struct sl_ring_stats st;
	char path[128];
	struct stat sb;

	REQUIRE(sl_ring_create("unit", &cfg, &p) == 0);
	CHECK_EQ(sl_ring_create("unit", &cfg, &p2), -EEXIST);
	snprintf(path, sizeof path, "%s/sluice.unit", dir);
	CHECK(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0640);
	sl_ring_stats(p, &st);
	CHECK_EQ(st.capacity, 8192); /* rounded up to a power of two */
	CHECK_EQ(st.backing, SL_RING_BACKING_SHM);
	CHECK_EQ(st.producer_pid, getpid());
	CHECK_EQ(st.consumer_pid, 0);

	CHECK_EQ(sl_ring_open("unit", SL_RING_PRODUCER, &p2), -EBUSY);
	REQUIRE(sl_ring_open("unit", SL_RING_CONSUMER, &c) == 0);
	CHECK_EQ(sl_ring_open("unit", SL_RING_CONSUMER, &c2), -EBUSY);
	REQUIRE(sl_ring_open("unit", SL_RING_MONITOR, &m) == 0);

	uint8_t *w = sl_ring_reserve(p, 42, 100);
	REQUIRE(w);
	fill(w, 100, 5);
	sl_ring_commit(p);
	CHECK_EQ(sl_ring_peek(c, rec, 4), 1);
	CHECK(rec[0].type == 42 && rec[0].len == 100 && same(rec[0].data, 100, 5));
	sl_ring_stats(m, &st);
	CHECK_EQ(st.records_in, 1);
	CHECK_EQ(st.consumer_pid, getpid());
	CHECK(st.producer_alive && st.consumer_alive);
	sl_ring_release(c, 1);
	CHECK_EQ(sl_ring_validate(c, NULL, 0), 0);
	CHECK_EQ(sl_ring_validate(m, NULL, 0), 0);

	/* Closing the producer gives up its role without finishing the stream: detached. */
	sl_ring_close(p);
	CHECK_EQ(sl_ring_wait_readable(c, 50), -ENOTCONN);
	CHECK_EQ(sl_ring_wait_readable(c, 0), -ENOTCONN);
	sl_ring_stats(m, &st);
	CHECK_EQ(st.producer_alive, 0);
	CHECK_EQ(st.producer_pid, 0);
	CHECK_EQ(st.finished, 0);
	CHECK_EQ(st.producer_attaches, 1);
	REQUIRE(sl_ring_open("unit", SL_RING_PRODUCER, &p2) == 0);
	CHECK_EQ(sl_ring_wait_readable(c, 0), -ETIMEDOUT);
	sl_ring_stats(m, &st);
	CHECK(st.producer_alive && st.producer_attaches == 2);
	w = sl_ring_reserve(p2, 43, 8);
	REQUIRE(w);
	sl_ring_commit(p2);
	CHECK_EQ(sl_ring_wait_readable(c, 1000), 0);
	CHECK_EQ(sl_ring_peek(c, rec, 4), 1);
	CHECK_EQ(rec[0].type, 43);
	sl_ring_release(c, 1);
	sl_ring_stats(m, &st);
	CHECK_EQ(st.records_in, 2);
	CHECK_EQ(st.records_out, 2);
	/* Finishing ends the stream: -EPIPE, whether or not the producer is still there. */
	sl_ring_finish(p2);
	CHECK_EQ(sl_ring_wait_readable(c, 0), -EPIPE);
	CHECK_EQ(sl_ring_wait_readable(c, 50), -EPIPE);
	sl_ring_stats(m, &st);
	CHECK_EQ(st.finished, 1);
	sl_ring_close(c);
	sl_ring_close(p2);
	sl_ring_close(m);
	CHECK_EQ(sl_ring_unlink("unit"), 0);
	CHECK_EQ(sl_ring_open("unit", SL_RING_CONSUMER, &c), -ENOENT);
}

/* A different layout version is refused, not misread. */
static void test_version_mismatch(void)
{
	struct sl_ring_config cfg = { .capacity = 4096, .huge = SL_HUGEPAGES_NEVER };
	sl_ring *p = NULL, *c = NULL;

	REQUIRE(sl_ring_create("ver", &cfg, &p) == 0);
	p->hdr->version = SL__RING_VERSION + 1;
	CHECK_EQ(sl_ring_open("ver", SL_RING_CONSUMER, &c), -EPROTONOSUPPORT);
	p->hdr->version = SL__RING_VERSION;
	p->hdr->capacity = 1 << 20; /* says more than the file holds */
	CHECK_EQ(sl_ring_open("ver", SL_RING_CONSUMER, &c), -EPROTO);
	p->hdr->capacity = 4096;
	CHECK_EQ(sl_ring_open("ver", SL_RING_CONSUMER, &c), 0);
	sl_ring_close(c);
	sl_ring_close(p);
	sl_ring_unlink("ver");
}

/* The wake protocol is the ring's, set at create and followed by every opener; an unknown flag
 * is refused at create, and a header that claims one at open. */
static void test_wake_flags(void)
{
	struct sl_ring_config cfg = { .capacity = 4096, .huge = SL_HUGEPAGES_NEVER, .flags = 2 };
	sl_ring *p = NULL, *c = NULL;

	CHECK_EQ(sl_ring_create("wake", &cfg, &p), -EINVAL);
	cfg.flags = SL_RING_FENCED;
	REQUIRE(sl_ring_create("wake", &cfg, &p) == 0);
	CHECK_EQ(p->hdr->flags, SL_RING_FENCED);
	CHECK(p->fenced && !p->p_asym);
	REQUIRE(sl_ring_open("wake", SL_RING_CONSUMER, &c) == 0);
	CHECK(c->fenced && !c->c_asym);
	sl_ring_close(c);
	p->hdr->flags = 6;
	CHECK_EQ(sl_ring_open("wake", SL_RING_CONSUMER, &c), -EPROTO);
	p->hdr->flags = 0; /* an asymmetric ring: the opener follows it */
	REQUIRE(sl_ring_open("wake", SL_RING_CONSUMER, &c) == 0);
	CHECK(!c->fenced);
	sl_ring_close(c);
	sl_ring_close(p);
	sl_ring_unlink("wake");
}

static void test_validate_catches(void)
{
	sl_ring *r = anon(4096);
	char why[160] = "";

	void *p = sl_ring_reserve(r, 1, 16);
	REQUIRE(p);
	sl_ring_commit(r);
	CHECK_EQ(sl_ring_validate(r, why, sizeof why), 0);
	/* Scribble on the record header: the length now overruns head. */
	((struct sl__rec_hdr *)r->data)->len = 4000;
	CHECK_EQ(sl_ring_validate(r, why, sizeof why), -EPROTO);
	CHECK(strstr(why, "overruns") != NULL);
	struct sl_rec rec;
	CHECK_EQ(sl_ring_peek(r, &rec, 1), 0); /* peek refuses it too */
	sl_ring_close(r);
}

/* A hostile producer process: the consumer reads a head and record headers it wrote. Neither a
 * head far ahead nor an absurd length may make peek hand out memory outside the mapping; the
 * ring becomes corrupt (peek 0, wait_readable -EPROTO, validate says why) and stays so. */
static void test_hostile_head_len(void)
{
	struct sl_ring_config cfg = { .capacity = 4096, .huge = SL_HUGEPAGES_NEVER };
	sl_ring *p = NULL, *c = NULL;
	struct sl_rec rec[8];
	char why[200] = "";

	/* 1. head 2^40 ahead of tail, record len 0xFFFFFF00: the crash of sluiced --shm-input. */
	REQUIRE(sl_ring_create("hostile", &cfg, &p) == 0);
	REQUIRE(sl_ring_open("hostile", SL_RING_CONSUMER, &c) == 0);
	((struct sl__rec_hdr *)p->data)->len = 0xFFFFFF00u;
	atomic_store(&p->hdr->head, (uint64_t)1 << 40);
	CHECK_EQ(sl_ring_peek(c, rec, 8), 0);
	CHECK_EQ(sl_ring_wait_readable(c, 0), -EPROTO);
	CHECK_EQ(sl_ring_wait_readable(c, 100), -EPROTO);
	CHECK_EQ(sl_ring_validate(c, why, sizeof why), -EPROTO);
	CHECK(strstr(why, "head") != NULL);
	/* Sticky: a head put back does not make the ring trustworthy again. */
	atomic_store(&p->hdr->head, 0);
	CHECK_EQ(sl_ring_peek(c, rec, 8), 0);
	CHECK_EQ(sl_ring_wait_readable(c, -1), -EPROTO);
	sl_ring_close(c);
	sl_ring_close(p);
	CHECK_EQ(sl_ring_unlink("hostile"), 0);

	/* 2. a plausible head, one record whose len overruns it. */
	REQUIRE(sl_ring_create("hostile", &cfg, &p) == 0);
	REQUIRE(sl_ring_open("hostile", SL_RING_CONSUMER, &c) == 0);
	for (int i = 0; i < 3; i++) {
		REQUIRE(sl_ring_reserve(p, 1, 16) != NULL);
	}
	sl_ring_commit(p);
	((struct sl__rec_hdr *)(p->data + 24))->len = 0xFFFFFF00u; /* the second record */
	CHECK_EQ(sl_ring_peek(c, rec, 8), 0);
	CHECK_EQ(sl_ring_wait_readable(c, 0), -EPROTO);
	CHECK_EQ(sl_ring_validate(c, why, sizeof why), -EPROTO);
	CHECK(strstr(why, "4294967040") != NULL);
	sl_ring_close(c);
	sl_ring_close(p);
	CHECK_EQ(sl_ring_unlink("hostile"), 0);

	/* 3. a head behind the tail, and a misaligned head. */
	REQUIRE(sl_ring_create("hostile", &cfg, &p) == 0);
	REQUIRE(sl_ring_open("hostile", SL_RING_CONSUMER, &c) == 0);
	atomic_store(&p->hdr->head, (uint64_t)-8);
	CHECK_EQ(sl_ring_wait_readable(c, 0), -EPROTO);
	sl_ring_close(c);
	atomic_store(&p->hdr->head, 16);
	atomic_store(&p->hdr->tail, 4); /* a consumer attaching at a misaligned tail */
	REQUIRE(sl_ring_open("hostile", SL_RING_CONSUMER, &c) == 0);
	CHECK_EQ(sl_ring_peek(c, rec, 8), 0);
	CHECK_EQ(sl_ring_wait_readable(c, 0), -EPROTO);
	CHECK_EQ(sl_ring_validate(c, why, sizeof why), -EPROTO);
	CHECK(strstr(why, "aligned") != NULL);
	sl_ring_close(c);
	atomic_store(&p->hdr->tail, 0);
	atomic_store(&p->hdr->head, 12);
	REQUIRE(sl_ring_open("hostile", SL_RING_CONSUMER, &c) == 0);
	CHECK_EQ(sl_ring_peek(c, rec, 8), 0);
	CHECK_EQ(sl_ring_wait_readable(c, 0), -EPROTO);
	sl_ring_close(c);
	sl_ring_close(p);
	CHECK_EQ(sl_ring_unlink("hostile"), 0);

	/* 5. a head that moves back after it was seen (found by fuzz_ring): the records between
	 * the new head and the old must not be handed out, nor anything past them. */
	REQUIRE(sl_ring_create("hostile", &cfg, &p) == 0);
	REQUIRE(sl_ring_open("hostile", SL_RING_CONSUMER, &c) == 0);
	REQUIRE(sl_ring_reserve(p, 1, 873) != NULL);
	REQUIRE(sl_ring_reserve(p, 1, 873) != NULL);
	sl_ring_commit(p);
	CHECK_EQ(sl_ring_wait_readable(c, 0), 0); /* the consumer has seen head 1776 */
	((struct sl__rec_hdr *)(p->data + 1776))->len = 0xFFFFFF00u;
	atomic_store(&p->hdr->head, 0);
	CHECK_EQ(sl_ring_peek(c, rec, 8), 0);
	CHECK_EQ(sl_ring_wait_readable(c, 0), -EPROTO);
	CHECK_EQ(sl_ring_validate(c, why, sizeof why), -EPROTO);
	CHECK(strstr(why, "moved back") != NULL);
	sl_ring_close(c);
	sl_ring_close(p);
	CHECK_EQ(sl_ring_unlink("hostile"), 0);

	/* 4. a head exactly capacity ahead over zeroed memory is legal: 512 empty records, then the
	 * ring is empty. Never an endless stream of zero-length records. */
	REQUIRE(sl_ring_create("hostile", &cfg, &p) == 0);
	REQUIRE(sl_ring_open("hostile", SL_RING_CONSUMER, &c) == 0);
	memset(p->data, 0, 4096);
	atomic_store(&p->hdr->head, 4096);
	size_t total = 0, got;
	while ((got = sl_ring_peek(c, rec, 8)) > 0 && total < 100000) {
		for (size_t i = 0; i < got; i++)
			CHECK((const uint8_t *)rec[i].data >= c->data && (const uint8_t *)rec[i].data + rec[i].len <= c->data + 2 * c->cap);
		total += got;
		sl_ring_release(c, got);
	}
	CHECK_EQ(total, 4096 / 8);
	CHECK_EQ(sl_ring_wait_readable(c, 0), -ETIMEDOUT);
	sl_ring_close(c);
	sl_ring_close(p);
	CHECK_EQ(sl_ring_unlink("hostile"), 0);
}

/* A partial release walks the headers again; one rewritten since the peek must not move the
 * tail past what was peeked. */
static void test_hostile_release(void)
{
	sl_ring *r = anon(4096);
	struct sl_rec rec[4];
	char why[200];

	for (int i = 0; i < 4; i++)
		REQUIRE(sl_ring_reserve(r, 1, 16) != NULL);
	sl_ring_commit(r);
	CHECK_EQ(sl_ring_peek(r, rec, 4), 4);
	((struct sl__rec_hdr *)r->data)->len = 0xFFFFFF00u;
	sl_ring_release(r, 2);
	CHECK_EQ(sl_ring_validate(r, why, sizeof why), -EPROTO);
	CHECK_EQ(sl_ring_peek(r, rec, 4), 0);
	CHECK_EQ(sl_ring_wait_readable(r, 0), -EPROTO);
	sl_ring_close(r);
}

int main(void)
{
	snprintf(dir, sizeof dir, "/dev/shm/sluice-unit-XXXXXX");
	if (mkdtemp(dir) == NULL) {
		snprintf(dir, sizeof dir, "/tmp/sluice-unit-XXXXXX");
		REQUIRE(mkdtemp(dir) != NULL);
	}
	setenv("SLUICE_SHM_DIR", dir, 1);
	setenv("SLUICE_HUGETLBFS", "/nonexistent-hugetlbfs", 1);

	test_empty_full();
	test_exact_capacity();
	test_every_size();
	test_wrap();
	test_peek_batches();
	test_trim();
	test_bad_input();
	test_named();
	test_version_mismatch();
	test_wake_flags();
	test_validate_catches();
	test_hostile_head_len();
	test_hostile_release();

	rmdir(dir);
	return check_result();
}
