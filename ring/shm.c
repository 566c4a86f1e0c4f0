/* SPDX-License-Identifier: MIT */
/*
 * Where a ring's memory comes from and who may use it: hugetlbfs or /dev/shm files for named
 * rings, memfds for anonymous ones, the double mapping of the data area, the header that
 * identifies a ring to other processes, and the pid-based ownership of the two roles.
 *
 * Lifecycle of a named ring:
 *
 *   sl_ring_create ──▶ [file exists, producer attached] ──sl_ring_close──▶ [file exists, finished]
 *                         │  ▲                                              │
 *             sl_ring_open│  │ sl_ring_open(PRODUCER) (also after the       │ sl_ring_unlink
 *              (CONSUMER) ▼  │ producer died: its pid is not alive)         ▼
 *                    [both attached]                                    [gone; mappings live on
 *                                                                        until closed]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "ring_impl.h"

#ifndef MFD_HUGETLB
#define MFD_HUGETLB 0x0004U
#endif
#define HUGETLBFS_MAGIC_ 0x958458f6
#define SMALL_PAGE 4096u

/* ---- names and directories ------------------------------------------------------------- */

static int check_name(const char *name)
{
	size_t n;

	if (name == NULL || name[0] == '\0' || strchr(name, '/') != NULL)
		return -EINVAL;
	n = strnlen(name, SL_RING_NAME_MAX + 1);
	if (n > SL_RING_NAME_MAX)
		return -ENAMETOOLONG;
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return -EINVAL;
	return 0;
}

static const char *shm_dir(void)
{
	const char *d = getenv("SLUICE_SHM_DIR");
	return d && *d ? d : "/dev/shm";
}

/* The hugetlbfs mount to use, or NULL. Reads /proc/mounts once per call: only on create/open. */
static const char *huge_dir(char *buf, size_t len)
{
	const char *d = getenv("SLUICE_HUGETLBFS");
	FILE *f;
	char dev[256], dir[4096], type[64];
	const char *found = NULL;

	if (d && *d) {
		snprintf(buf, len, "%s", d);
		return buf;
	}
	f = fopen("/proc/mounts", "re");
	if (f == NULL)
		return NULL;
	while (fscanf(f, "%255s %4095s %63s %*[^\n]", dev, dir, type) == 3) {
		if (strcmp(type, "hugetlbfs") == 0 && access(dir, W_OK) == 0) {
			snprintf(buf, len, "%s", dir);
			found = buf;
			break;
		}
	}
	fclose(f);
	return found;
}

static int ring_path(char *buf, size_t len, const char *dir, const char *name)
{
	int n = snprintf(buf, len, "%s/sluice.%s", dir, name);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* ---- pids ------------------------------------------------------------------------------ */

int sl__pid_alive(int32_t pid)
{
	char path[64], buf[256];
	FILE *f;
	char *p;
	int alive = 1;

	if (pid <= 0)
		return 0;
	/* An anonymous ring's peers are this process: an idle consumer asks every millisecond,
	 * so answer without the kill() and the /proc read. */
	if (pid == (int32_t)getpid())
		return 1;
	if (kill(pid, 0) != 0 && errno == ESRCH)
		return 0;
	/* kill() succeeds on a zombie: a killed peer whose parent has not reaped it yet. */
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (f == NULL)
		return errno == ENOENT ? 0 : 1;
	if (fgets(buf, sizeof buf, f) != NULL && (p = strrchr(buf, ')')) != NULL && p[1] == ' ' &&
	    (p[2] == 'Z' || p[2] == 'X'))
		alive = 0;
	fclose(f);
	return alive;
}

/* Take role field *slot for this process: free, or held by a dead process. */
static int claim(_Atomic int32_t *slot)
{
	int32_t me = (int32_t)getpid();
	int32_t cur = atomic_load_explicit(slot, memory_order_acquire);

	for (;;) {
		if (cur != 0 && (cur == me || sl__pid_alive(cur)))
			return -EBUSY;
		if (atomic_compare_exchange_strong_explicit(slot, &cur, me, memory_order_acq_rel,
		                                            memory_order_acquire))
			return 0;
	}
}

static void unclaim(_Atomic int32_t *slot)
{
	int32_t me = (int32_t)getpid();
	atomic_compare_exchange_strong_explicit(slot, &me, 0, memory_order_acq_rel, memory_order_relaxed);
}

/* ---- mapping --------------------------------------------------------------------------- */

/* Map [header | data | data again] from fd at an address aligned to page. */
static int map_ring(int fd, size_t page, uint64_t cap, int populate, sl_ring *r)
{
	size_t total = page + 2 * cap;
	uint8_t *res, *base;
	int pop = populate ? MAP_POPULATE : 0;

	res = mmap(NULL, total + page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (res == MAP_FAILED)
		return -errno;
	base = (uint8_t *)(((uintptr_t)res + page - 1) & ~(uintptr_t)(page - 1));
	if (base > res)
		munmap(res, (size_t)(base - res));
	if (base + total < res + total + page)
		munmap(base + total, (size_t)(res + total + page - (base + total)));

	if (mmap(base, page + cap, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED | pop, fd, 0) == MAP_FAILED ||
	    mmap(base + page + cap, cap, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, (off_t)page) ==
	            MAP_FAILED) {
		int e = -errno;
		munmap(base, total);
		return e;
	}
	r->map_base = base;
	r->map_len = total;
	r->hdr = (struct sl__ring_hdr *)base;
	r->data = base + page;
	r->cap = cap;
	r->mask = cap - 1;
	r->page_size = page;
	return 0;
}

static uint64_t round_pow2(uint64_t v)
{
	uint64_t p = 1;
	while (p < v)
		p <<= 1;
	return p;
}

static size_t huge_page_size(void)
{
	FILE *f = fopen("/proc/meminfo", "re");
	char line[128];
	size_t kb = 0;

	if (f == NULL)
		return 2u << 20;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "Hugepagesize: %zu kB", &kb) == 1)
			break;
	fclose(f);
	return kb ? kb << 10 : 2u << 20;
}

static void init_header(sl_ring *r, enum sl_ring_backing backing)
{
	struct sl__ring_hdr *h = r->hdr;

	memset(h, 0, sizeof *h);
	h->version = SL__RING_VERSION;
	h->hdr_size = sizeof *h;
	h->capacity = r->cap;
	h->data_off = r->page_size;
	h->page_size = r->page_size;
	h->backing = backing;
	r->backing = backing;
	/* release: an opener that sees the magic sees every field above (load-acquire in check_header) */
	atomic_store_explicit((_Atomic uint64_t *)&h->magic, SL__RING_MAGIC, memory_order_release);
}

static sl_ring *alloc_handle(void)
{
	sl_ring *r;
	if (posix_memalign((void **)&r, SL__LINE_PAIR, sizeof *r) != 0)
		return NULL;
	memset(r, 0, sizeof *r);
	return r;
}

static void attach_producer(sl_ring *r)
{
	r->roles |= SL_RING_PRODUCER;
	r->p_head = r->p_pub = r->p_last = atomic_load_explicit(&r->hdr->head, memory_order_acquire);
	r->p_tail_cache = atomic_load_explicit(&r->hdr->tail, memory_order_acquire);
	r->p_records = atomic_load_explicit(&r->hdr->records_in, memory_order_relaxed);
	r->p_bytes = atomic_load_explicit(&r->hdr->bytes_in, memory_order_relaxed);
	atomic_store_explicit(&r->hdr->producer_closed, 0, memory_order_release);
}

static void attach_consumer(sl_ring *r)
{
	r->roles |= SL_RING_CONSUMER;
	r->c_tail = atomic_load_explicit(&r->hdr->tail, memory_order_acquire);
	/* The head is read, and checked, by the first peek (load_head in ring.c): never trusted here. */
	r->c_head_cache = r->c_tail;
	r->c_records = atomic_load_explicit(&r->hdr->records_out, memory_order_relaxed);
	r->c_bytes = atomic_load_explicit(&r->hdr->bytes_out, memory_order_relaxed);
}

/* ---- create ---------------------------------------------------------------------------- */

static int create_anonymous(const struct sl_ring_config *cfg, uint64_t cap, sl_ring *r)
{
	size_t hp = huge_page_size();
	int want_huge = cfg->huge == SL_HUGEPAGES_REQUIRE || (cfg->huge == SL_HUGEPAGES_AUTO && cap >= hp);
	int err = -ENOMEM;

	if (want_huge) {
		uint64_t hcap = cap < hp ? hp : cap;
		int fd = memfd_create("sluice-ring", MFD_CLOEXEC | MFD_HUGETLB);
		if (fd >= 0) {
			err = ftruncate(fd, (off_t)(hp + hcap)) == 0 ? map_ring(fd, hp, hcap, 1, r) : -errno;
			close(fd);
			if (err == 0) {
				init_header(r, SL_RING_BACKING_ANON_HUGE);
				return 0;
			}
		} else {
			err = -errno;
		}
		if (cfg->huge == SL_HUGEPAGES_REQUIRE)
			return err == -EINVAL || err == -ENOSYS ? -ENOMEM : err;
	}

	int fd = memfd_create("sluice-ring", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = ftruncate(fd, (off_t)(SMALL_PAGE + cap)) == 0 ? map_ring(fd, SMALL_PAGE, cap, 1, r) : -errno;
	close(fd);
	if (err)
		return err;
	madvise(r->data, cap, MADV_HUGEPAGE);
	init_header(r, SL_RING_BACKING_ANONYMOUS);
	return 0;
}

static int create_file(const char *path, unsigned mode, size_t page, uint64_t cap, sl_ring *r)
{
	int fd, err;

	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	if (fchmod(fd, mode) != 0 || ftruncate(fd, (off_t)(page + cap)) != 0)
		err = -errno;
	else
		err = map_ring(fd, page, cap, 1, r);
	close(fd);
	if (err)
		unlink(path);
	return err;
}

static int create_named(const char *name, const struct sl_ring_config *cfg, uint64_t cap, sl_ring *r)
{
	char hbuf[4096], hpath[4352], spath[4352];
	const char *hdir = cfg->huge == SL_HUGEPAGES_NEVER ? NULL : huge_dir(hbuf, sizeof hbuf);
	unsigned mode = cfg->mode ? cfg->mode : 0600;
	size_t hp = huge_page_size();
	int err;

	if ((err = ring_path(spath, sizeof spath, shm_dir(), name)) != 0)
		return err;
	if (hdir && (err = ring_path(hpath, sizeof hpath, hdir, name)) != 0)
		return err;
	/* One name, one ring, whichever backing it has. */
	if (access(spath, F_OK) == 0 || (hdir && access(hpath, F_OK) == 0))
		return -EEXIST;

	if (cfg->huge == SL_HUGEPAGES_REQUIRE || (cfg->huge == SL_HUGEPAGES_AUTO && cap >= hp)) {
		err = -ENOMEM;
		if (hdir) {
			uint64_t hcap = cap < hp ? hp : cap;
			err = create_file(hpath, mode, hp, hcap, r);
			if (err == 0) {
				madvise(r->data, hcap, MADV_DONTFORK);
				init_header(r, SL_RING_BACKING_HUGETLBFS);
				return 0;
			}
			if (err == -EEXIST)
				return err;
		}
		if (cfg->huge == SL_HUGEPAGES_REQUIRE)
			return err == -EINVAL ? -ENOMEM : err;
	}
	err = create_file(spath, mode, SMALL_PAGE, cap, r);
	if (err)
		return err;
	madvise(r->data, cap, MADV_HUGEPAGE);
	init_header(r, SL_RING_BACKING_SHM);
	return 0;
}

int sl_ring_create(const char *name, const struct sl_ring_config *cfg, sl_ring **out)
{
	struct sl_ring_config dflt = { .capacity = 1u << 20 };
	sl_ring *r;
	uint64_t cap;
	int err;

	if (out == NULL)
		return -EINVAL;
	*out = NULL;
	if (cfg == NULL)
		cfg = &dflt;
	if (cfg->capacity == 0 || cfg->capacity > SL_RING_CAPACITY_MAX || cfg->huge > SL_HUGEPAGES_NEVER)
		return -EINVAL;
	if (name && (err = check_name(name)) != 0)
		return err;
	cap = round_pow2(cfg->capacity < SMALL_PAGE ? SMALL_PAGE : cfg->capacity);
	if ((r = alloc_handle()) == NULL)
		return -ENOMEM;

	if (name == NULL) {
		err = create_anonymous(cfg, cap, r);
		if (err == 0) {
			atomic_store_explicit(&r->hdr->producer_pid, (int32_t)getpid(), memory_order_relaxed);
			atomic_store_explicit(&r->hdr->consumer_pid, (int32_t)getpid(), memory_order_relaxed);
			attach_producer(r);
			attach_consumer(r);
		}
	} else {
		err = create_named(name, cfg, cap, r);
		if (err == 0) {
			atomic_store_explicit(&r->hdr->producer_pid, (int32_t)getpid(), memory_order_release);
			attach_producer(r);
		}
	}
	if (err) {
		free(r);
		return err;
	}
	*out = r;
	return 0;
}

/* ---- open ------------------------------------------------------------------------------ */

static int check_header(const struct sl__ring_hdr *h, uint64_t file_size, size_t page)
{
	/* acquire: pairs with the creator's store-release of magic in init_header() */
	uint64_t magic = atomic_load_explicit((const _Atomic uint64_t *)&h->magic, memory_order_acquire);

	if (magic != SL__RING_MAGIC)
		return -EPROTO;
	if (h->version != SL__RING_VERSION || h->hdr_size != sizeof *h)
		return -EPROTONOSUPPORT;
	if (h->capacity == 0 || (h->capacity & (h->capacity - 1)) != 0 || h->capacity > SL_RING_CAPACITY_MAX ||
	    h->data_off != page || h->page_size != page || file_size != h->data_off + h->capacity)
		return -EPROTO;
	return 0;
}

int sl_ring_open(const char *name, enum sl_ring_role role, sl_ring **out)
{
	char hbuf[4096], path[4352];
	const char *hdir;
	struct stat st;
	struct statfs sfs;
	size_t page = SMALL_PAGE;
	int fd = -1, err;
	sl_ring *r = NULL;
	void *hmap;

	if (out == NULL)
		return -EINVAL;
	*out = NULL;
	if ((err = check_name(name)) != 0)
		return err;
	if (role != SL_RING_PRODUCER && role != SL_RING_CONSUMER && role != SL_RING_MONITOR)
		return -EINVAL;

	hdir = huge_dir(hbuf, sizeof hbuf);
	if (hdir && ring_path(path, sizeof path, hdir, name) == 0)
		fd = open(path, (role == SL_RING_MONITOR ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (fd < 0) {
		if ((err = ring_path(path, sizeof path, shm_dir(), name)) != 0)
			return err;
		fd = open(path, (role == SL_RING_MONITOR ? O_RDONLY : O_RDWR) | O_CLOEXEC);
		if (fd < 0)
			return -errno;
	}
	if (fstat(fd, &st) != 0 || fstatfs(fd, &sfs) != 0) {
		err = -errno;
		goto fail;
	}
	if ((unsigned long)sfs.f_type == HUGETLBFS_MAGIC_)
		page = (size_t)sfs.f_bsize;
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size < page + SMALL_PAGE) {
		err = -EPROTO;
		goto fail;
	}

	/* Read the header first; a creator still filling it in gets a few milliseconds. */
	hmap = mmap(NULL, page, PROT_READ, MAP_SHARED, fd, 0);
	if (hmap == MAP_FAILED) {
		err = -errno;
		goto fail;
	}
	for (int i = 0; i < 100 && (err = check_header(hmap, (uint64_t)st.st_size, page)) == -EPROTO; i++) {
		if (atomic_load_explicit((const _Atomic uint64_t *)hmap, memory_order_acquire) != 0)
			break;
		nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
	}
	uint64_t cap = ((const struct sl__ring_hdr *)hmap)->capacity;
	uint32_t backing = ((const struct sl__ring_hdr *)hmap)->backing;
	if (err) {
		munmap(hmap, page);
		goto fail;
	}
	if ((r = alloc_handle()) == NULL) {
		munmap(hmap, page);
		err = -ENOMEM;
		goto fail;
	}
	r->backing = (enum sl_ring_backing)backing;
	r->page_size = page;
	r->cap = cap;
	r->mask = cap - 1;

	if (role == SL_RING_MONITOR) {
		r->hdr = hmap;
		r->map_base = hmap;
		r->map_len = page;
		close(fd);
		*out = r;
		return 0;
	}
	munmap(hmap, page);
	if ((err = map_ring(fd, page, cap, 1, r)) != 0)
		goto fail;
	close(fd);
	fd = -1;

	if (role == SL_RING_PRODUCER) {
		if ((err = claim(&r->hdr->producer_pid)) != 0)
			goto fail;
		attach_producer(r);
	} else {
		if ((err = claim(&r->hdr->consumer_pid)) != 0)
			goto fail;
		attach_consumer(r);
	}
	*out = r;
	return 0;

fail:
	if (r && r->map_base)
		munmap(r->map_base, r->map_len);
	free(r);
	if (fd >= 0)
		close(fd);
	return err;
}

/* ---- close, unlink --------------------------------------------------------------------- */

void sl_ring_close(sl_ring *r)
{
	if (r == NULL)
		return;
	if (r->roles & SL_RING_PRODUCER) {
		sl_ring_finish(r);
		unclaim(&r->hdr->producer_pid);
	}
	if (r->roles & SL_RING_CONSUMER)
		unclaim(&r->hdr->consumer_pid);
	munmap(r->map_base, r->map_len);
	free(r);
}

int sl_ring_unlink(const char *name)
{
	char hbuf[4096], path[4352];
	const char *hdir;
	int err, removed = 0;

	if ((err = check_name(name)) != 0)
		return err;
	if ((hdir = huge_dir(hbuf, sizeof hbuf)) != NULL && ring_path(path, sizeof path, hdir, name) == 0 &&
	    unlink(path) == 0)
		removed = 1;
	if ((err = ring_path(path, sizeof path, shm_dir(), name)) != 0)
		return err;
	if (unlink(path) == 0)
		removed = 1;
	else if (errno != ENOENT)
		return -errno;
	return removed ? 0 : -ENOENT;
}

/* ---- stats, validate ------------------------------------------------------------------- */

int sl_ring_stats(const sl_ring *r, struct sl_ring_stats *st)
{
	const struct sl__ring_hdr *h;

	if (r == NULL || st == NULL)
		return -EINVAL;
	h = r->hdr;
	memset(st, 0, sizeof *st);
	st->capacity = r->cap;
	uint64_t tail = atomic_load_explicit(&h->tail, memory_order_acquire);
	uint64_t head = atomic_load_explicit(&h->head, memory_order_acquire);
	st->used = head - tail > r->cap ? r->cap : head - tail;
	st->records_in = atomic_load_explicit(&h->records_in, memory_order_relaxed);
	st->bytes_in = atomic_load_explicit(&h->bytes_in, memory_order_relaxed);
	st->records_out = atomic_load_explicit(&h->records_out, memory_order_relaxed);
	st->bytes_out = atomic_load_explicit(&h->bytes_out, memory_order_relaxed);
	st->dropped = atomic_load_explicit(&h->dropped, memory_order_relaxed);
	st->full_events = atomic_load_explicit(&h->full_events, memory_order_relaxed);
	st->producer_waits = atomic_load_explicit(&h->producer_waits, memory_order_relaxed);
	st->consumer_waits = atomic_load_explicit(&h->consumer_waits, memory_order_relaxed);
	st->backing = r->backing;
	st->page_size = r->page_size;
	st->producer_pid = atomic_load_explicit(&h->producer_pid, memory_order_relaxed);
	st->consumer_pid = atomic_load_explicit(&h->consumer_pid, memory_order_relaxed);
	st->producer_alive = sl__pid_alive(st->producer_pid);
	st->consumer_alive = sl__pid_alive(st->consumer_pid);
	return 0;
}

#define FAIL(...)                                               \
	do {                                                    \
		if (errbuf && errlen)                           \
			snprintf(errbuf, errlen, __VA_ARGS__);  \
		return -EPROTO;                                 \
	} while (0)

int sl_ring_validate(const sl_ring *r, char *errbuf, size_t errlen)
{
	const struct sl__ring_hdr *h;

	if (r == NULL)
		FAIL("no ring");
	h = r->hdr;
	if (atomic_load_explicit((const _Atomic uint64_t *)&h->magic, memory_order_acquire) != SL__RING_MAGIC)
		FAIL("bad magic");
	if (h->version != SL__RING_VERSION || h->hdr_size != sizeof *h)
		FAIL("layout version %u/%u, expected %u/%zu", h->version, h->hdr_size, SL__RING_VERSION, sizeof *h);
	if (h->capacity != r->cap || (r->cap & (r->cap - 1)) != 0 || r->mask != r->cap - 1)
		FAIL("capacity %llu is not the mapped power of two %llu", (unsigned long long)h->capacity,
		     (unsigned long long)r->cap);
	if (h->data_off != r->page_size || h->page_size != r->page_size)
		FAIL("data offset %llu / page size %llu, mapped with pages of %zu",
		     (unsigned long long)h->data_off, (unsigned long long)h->page_size, r->page_size);

	uint64_t tail = atomic_load_explicit(&h->tail, memory_order_acquire);
	uint64_t head = atomic_load_explicit(&h->head, memory_order_acquire);
	uint64_t rin = atomic_load_explicit(&h->records_in, memory_order_relaxed);
	uint64_t rout = atomic_load_explicit(&h->records_out, memory_order_relaxed);
	if (head - tail > r->cap)
		FAIL("head %llu - tail %llu exceeds capacity %llu", (unsigned long long)head,
		     (unsigned long long)tail, (unsigned long long)r->cap);
	if ((head | tail) & 7)
		FAIL("indices not 8-byte aligned: head %llu tail %llu", (unsigned long long)head,
		     (unsigned long long)tail);
	if (rout > rin)
		FAIL("records out %llu > records in %llu", (unsigned long long)rout, (unsigned long long)rin);
	if (r->c_corrupt == SL__CORRUPT_HEAD)
		FAIL("corrupt: head %llu is not within capacity %llu ahead of tail %llu (or misaligned)",
		     (unsigned long long)r->c_bad_head, (unsigned long long)r->cap, (unsigned long long)r->c_bad_pos);
	if (r->c_corrupt)
		FAIL("corrupt: record at %llu (len %u) overran the committed data ending at %llu",
		     (unsigned long long)r->c_bad_pos, r->c_bad_len, (unsigned long long)r->c_bad_head);
	if (r->roles & SL_RING_PRODUCER) {
		if (r->p_head - tail > r->cap || r->p_head - head > r->cap || r->p_pub != head)
			FAIL("producer state (reserve %llu, published %llu) disagrees with head %llu",
			     (unsigned long long)r->p_head, (unsigned long long)r->p_pub, (unsigned long long)head);
	}
	if (r->roles & SL_RING_CONSUMER) {
		if (r->c_tail != tail)
			FAIL("consumer tail %llu disagrees with the header's %llu", (unsigned long long)r->c_tail,
			     (unsigned long long)tail);
		/* Walk the committed records: every header must fit what was committed. */
		uint64_t pos = tail, n = 0;
		while (pos != head) {
			uint32_t len = __atomic_load_n((const uint32_t *)(const void *)(r->data + (pos & r->mask)),
			                               __ATOMIC_RELAXED);
			uint64_t slot = SL_RING_SLOT_SIZE(len);
			if (slot > head - pos)
				FAIL("record at %llu (len %u) overruns head %llu", (unsigned long long)pos, len,
				     (unsigned long long)head);
			pos += slot;
			n++;
		}
		if (!(r->roles & SL_RING_PRODUCER) || r->p_head == r->p_pub) {
			if (n != rin - rout)
				FAIL("%llu records between tail and head, counters say %llu", (unsigned long long)n,
				     (unsigned long long)(rin - rout));
		}
	}
	return 0;
}

int sl__ring_seed(sl_ring *r, uint64_t idx)
{
	struct sl__ring_hdr *h = r->hdr;

	if ((idx & 7) || (r->roles & (SL_RING_PRODUCER | SL_RING_CONSUMER)) != (SL_RING_PRODUCER | SL_RING_CONSUMER) ||
	    atomic_load(&h->head) != atomic_load(&h->tail) || r->p_head != r->p_pub)
		return -EBUSY;
	atomic_store(&h->head, idx);
	atomic_store(&h->tail, idx);
	r->p_head = r->p_pub = r->p_last = r->p_tail_cache = idx;
	r->c_tail = r->c_head_cache = r->c_peek_end = idx;
	r->c_peek_n = 0;
	return 0;
}

const char *sl_ring_backing_name(enum sl_ring_backing b)
{
	switch (b) {
	case SL_RING_BACKING_SHM: return "shm";
	case SL_RING_BACKING_HUGETLBFS: return "hugetlbfs";
	case SL_RING_BACKING_ANONYMOUS: return "anonymous";
	case SL_RING_BACKING_ANON_HUGE: return "anonymous-hugetlb";
	}
	return "unknown";
}
