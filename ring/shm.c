/* SPDX-License-Identifier: MIT */
/*
 * Where a ring's memory comes from and who may use it: hugetlbfs or /dev/shm files for named
 * rings, memfds for anonymous ones, the double mapping of the data area, the header that
 * identifies a ring to other processes, and the role locks.
 *
 * Roles. A process holds the producer or consumer role of a named ring with an
 * open-file-description lock on one byte of the ring file (layout.h: SL__LOCK_*), taken with
 * F_OFD_SETLK on the descriptor the handle keeps open. The kernel drops the lock when the last
 * descriptor of that open file description goes away, so a holder that dies frees its role
 * whatever its pid became or which pid namespace it lived in; the pid in the header is for
 * display. A forked child that inherited a handle shares the description: its close only
 * unmaps (the handle remembers the pid that opened it), so it never ends or frees the
 * parent's role. (A child that outlives its parent without exec or close keeps the lock held.)
 *
 * Lifecycle of a named ring:
 *
 *                 sl_ring_create (made unnamed or hidden, sized, space reserved, header written,
 *                   │             producer lock taken; then linked under its name)
 *                   ▼
 *   ┌──────▶ [producer attached] ──sl_ring_finish──▶ [finished: the consumer drains, then -EPIPE]
 *   │               │ close without finish, or death              │ sl_ring_open(PRODUCER)
 *   │               ▼                                             │ (clears finished)
 *   │        [detached: the consumer drains, then -ENOTCONN] ◀────┘ ... or back to attached
 *   └─────────sl_ring_open(PRODUCER)─┘
 *
 *   The consumer side is independent: it attaches and detaches the same way; a producer whose
 *   ring is full learns that its consumer went away from wait_writable (-EPIPE).
 *   sl_ring_unlink removes the name; mappings live on until closed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
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

/* ---- roles ----------------------------------------------------------------------------- */

static off_t lock_byte(unsigned role)
{
	return role == SL_RING_PRODUCER ? SL__LOCK_PRODUCER : SL__LOCK_CONSUMER;
}

/* Take role on fd's open file description: 0, or -EBUSY when another description holds it. */
static int take_role(int fd, unsigned role)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = lock_byte(role), .l_len = 1 };

	if (fcntl(fd, F_OFD_SETLK, &fl) == 0)
		return 0;
	return errno == EAGAIN || errno == EACCES ? -EBUSY : -errno;
}

static void drop_role(int fd, unsigned role)
{
	struct flock fl = { .l_type = F_UNLCK, .l_whence = SEEK_SET, .l_start = lock_byte(role), .l_len = 1 };
	fcntl(fd, F_OFD_SETLK, &fl);
}

int sl__role_held(const sl_ring *r, unsigned role)
{
	/* A read-lock probe conflicts with the holder's write lock and works on the read-only
	 * descriptor of a monitor too. */
	struct flock fl = { .l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = lock_byte(role), .l_len = 1 };

	/* An anonymous ring's peer is this process; a role this handle holds is held (a probe
	 * through our own description would not see our own lock). */
	if (r->fd < 0 || (r->roles & role))
		return 1;
	if (fcntl(r->fd, F_OFD_GETLK, &fl) != 0)
		return 1; /* cannot tell: never declare a peer dead on a failed probe */
	return fl.l_type != F_UNLCK;
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
	h->flags = r->fenced ? SL_RING_FENCED : 0;
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
	r->fd = -1;
	r->owner = (int32_t)getpid();
	return r;
}

/* The header fields a role holder writes when it attaches: after its lock is held. */
static void attach_producer(sl_ring *r)
{
	struct sl__ring_hdr *h = r->hdr;

	r->roles |= SL_RING_PRODUCER;
	r->p_head = r->p_pub = r->p_last = atomic_load_explicit(&h->head, memory_order_acquire);
	r->p_tail_cache = atomic_load_explicit(&h->tail, memory_order_acquire);
	r->p_records = atomic_load_explicit(&h->records_in, memory_order_relaxed);
	r->p_bytes = atomic_load_explicit(&h->bytes_in, memory_order_relaxed);
	r->p_asym = !r->fenced && sl__membarrier_ready(); /* how commit orders head against cons_sleeping */
	atomic_store_explicit(&h->producer_pid, r->owner, memory_order_relaxed);
	atomic_store_explicit(&h->finished, 0, memory_order_relaxed);
	atomic_fetch_add_explicit(&h->producer_gen, 1, memory_order_release);
	/* release: a consumer that sees attached sees the generation and finished above */
	atomic_store_explicit(&h->producer_attached, 1, memory_order_release);
}

static void attach_consumer(sl_ring *r)
{
	struct sl__ring_hdr *h = r->hdr;

	r->roles |= SL_RING_CONSUMER;
	r->c_tail = atomic_load_explicit(&h->tail, memory_order_acquire);
	/* The head is read, and checked, by the first peek (load_head in ring.c): never trusted here. */
	r->c_head_cache = r->c_tail;
	/* The tail is where the last consumer stopped, or what a scribbler wrote: records start at
	 * 8-byte aligned indices (layout.h, invariant 2), so a misaligned one is corrupt. */
	if (r->c_tail & 7) {
		r->c_corrupt = SL__CORRUPT_TAIL;
		r->c_bad_pos = r->c_tail;
	}
	r->c_records = atomic_load_explicit(&h->records_out, memory_order_relaxed);
	r->c_bytes = atomic_load_explicit(&h->bytes_out, memory_order_relaxed);
	r->c_asym = !r->fenced && sl__membarrier_ready(); /* how release orders tail against prod_sleeping */
	atomic_store_explicit(&h->consumer_pid, r->owner, memory_order_relaxed);
	atomic_fetch_add_explicit(&h->consumer_gen, 1, memory_order_release);
	atomic_store_explicit(&h->consumer_attached, 1, memory_order_release);
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
			err = ftruncate(fd, (off_t)(hp + hcap)) == 0 ? -posix_fallocate(fd, 0, (off_t)(hp + hcap)) : -errno;
			if (err == 0)
				err = map_ring(fd, hp, hcap, 1, r);
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
	/* Reserve the pages now: a memory limit is ENOSPC/ENOMEM here, never SIGBUS later. */
	err = ftruncate(fd, (off_t)(SMALL_PAGE + cap)) == 0 ? -posix_fallocate(fd, 0, (off_t)(SMALL_PAGE + cap)) : -errno;
	if (err == 0)
		err = map_ring(fd, SMALL_PAGE, cap, 1, r);
	close(fd);
	if (err)
		return err;
	madvise(r->data, cap, MADV_HUGEPAGE);
	init_header(r, SL_RING_BACKING_ANONYMOUS);
	return 0;
}

/* An unnamed file in dir (O_TMPFILE), or failing that a hidden one (never a ring's name: those
 * start with "sluice."); *tmp gets the hidden name or "". */
static int open_unnamed(const char *dir, unsigned mode, char *tmp, size_t tmplen)
{
	int fd;

	tmp[0] = '\0';
	if (access("/proc/self/fd", X_OK) == 0) {
		fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, mode);
		if (fd >= 0)
			return fd;
		if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
			return -errno;
	}
	int n = snprintf(tmp, tmplen, "%s/.sluice-new.XXXXXX", dir);
	if (n < 0 || (size_t)n >= tmplen)
		return -ENAMETOOLONG;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		tmp[0] = '\0';
		return -errno;
	}
	return fd;
}

/* Give the finished file fd its name; -EEXIST when the name is taken (never replaced). */
static int publish(int fd, const char *tmp, const char *path)
{
	char proc[64];
	int rc;

	if (tmp[0]) {
		rc = link(tmp, path) == 0 ? 0 : -errno;
		unlink(tmp);
		return rc;
	}
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
	return linkat(AT_FDCWD, proc, AT_FDCWD, path, AT_SYMLINK_FOLLOW) == 0 ? 0 : -errno;
}

/* Make the ring file complete (size, reserved space, mapping, header, the producer lock)
 * before anyone can open it by name: invariant 5 of layout.h. */
static int create_file(const char *dir, const char *path, unsigned mode, size_t page, uint64_t cap,
                       enum sl_ring_backing backing, sl_ring *r)
{
	char tmp[4400];
	int fd, err;

	fd = open_unnamed(dir, mode, tmp, sizeof tmp);
	if (fd < 0)
		return fd;
	if (fchmod(fd, mode) != 0 || ftruncate(fd, (off_t)(page + cap)) != 0) {
		err = -errno;
		goto fail;
	}
	/* Reserve every page: a full /dev/shm (or no free huge pages) is ENOSPC here, not SIGBUS
	 * on the hot path. */
	if ((err = -posix_fallocate(fd, 0, (off_t)(page + cap))) != 0)
		goto fail;
	if ((err = map_ring(fd, page, cap, 1, r)) != 0)
		goto fail;
	init_header(r, backing);
	if ((err = take_role(fd, SL_RING_PRODUCER)) != 0)
		goto fail_map;
	r->fd = fd;
	attach_producer(r);
	if ((err = publish(fd, tmp, path)) != 0) {
		r->fd = -1;
		r->roles = 0;
		tmp[0] = '\0'; /* publish removed it */
		goto fail_map;
	}
	return 0;

fail_map:
	munmap(r->map_base, r->map_len);
	r->map_base = NULL;
fail:
	if (tmp[0])
		unlink(tmp);
	close(fd);
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
	/* One name, one ring, whichever backing it has (within one directory, link() is what
	 * makes this exact; across the two it is a check). */
	if (access(spath, F_OK) == 0 || (hdir && access(hpath, F_OK) == 0))
		return -EEXIST;

	if (cfg->huge == SL_HUGEPAGES_REQUIRE || (cfg->huge == SL_HUGEPAGES_AUTO && cap >= hp)) {
		err = -ENOMEM;
		if (hdir) {
			uint64_t hcap = cap < hp ? hp : cap;
			err = create_file(hdir, hpath, mode, hp, hcap, SL_RING_BACKING_HUGETLBFS, r);
			if (err == 0) {
				madvise(r->data, hcap, MADV_DONTFORK);
				return 0;
			}
			if (err == -EEXIST)
				return err;
		}
		if (cfg->huge == SL_HUGEPAGES_REQUIRE)
			return err == -EINVAL || err == -ENOSPC ? -ENOMEM : err;
	}
	err = create_file(shm_dir(), spath, mode, SMALL_PAGE, cap, SL_RING_BACKING_SHM, r);
	if (err)
		return err;
	madvise(r->data, cap, MADV_HUGEPAGE);
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
	if (cfg->flags & ~SL_RING_FENCED)
		return -EINVAL;
	if ((r = alloc_handle()) == NULL)
		return -ENOMEM;
	r->fenced = (cfg->flags & SL_RING_FENCED) != 0;

	if (name == NULL) {
		err = create_anonymous(cfg, cap, r);
		if (err == 0) {
			attach_producer(r);
			attach_consumer(r);
		}
	} else {
		err = create_named(name, cfg, cap, r); /* attaches the producer */
	}
	if (err) {
		free(r);
		return err;
	}
	*out = r;
	return 0;
}

/* ---- open ------------------------------------------------------------------------------ */

/* h is a local copy: the file's header may change under us (another process writes it). */
static int check_header(const struct sl__ring_hdr *h, uint64_t file_size, size_t page)
{
	if (h->magic != SL__RING_MAGIC)
		return -EPROTO;
	if (h->version != SL__RING_VERSION || h->hdr_size != sizeof *h)
		return -EPROTONOSUPPORT;
	if (h->capacity < SMALL_PAGE || (h->capacity & (h->capacity - 1)) != 0 || h->capacity > SL_RING_CAPACITY_MAX ||
	    h->data_off != page || h->page_size != page || file_size != h->data_off + h->capacity)
		return -EPROTO;
	if (h->backing != SL_RING_BACKING_SHM && h->backing != SL_RING_BACKING_HUGETLBFS)
		return -EPROTO;
	if (h->flags & ~SL_RING_FENCED)
		return -EPROTO;
	return 0;
}

int sl_ring_open(const char *name, enum sl_ring_role role, sl_ring **out)
{
	char hbuf[4096], path[4352];
	const char *hdir;
	struct stat st;
	struct statfs sfs;
	struct sl__ring_hdr hdr;
	size_t page = SMALL_PAGE;
	int fd = -1, err;
	sl_ring *r = NULL;

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
	/* Validate a copy, then use only the copy: what the file says can change after the check.
	 * A file is complete once it has a name (invariant 5), so there is nothing to wait for. */
	ssize_t got = pread(fd, &hdr, sizeof hdr, 0);
	if (got != (ssize_t)sizeof hdr) {
		err = got < 0 ? -errno : -EPROTO;
		goto fail;
	}
	if ((err = check_header(&hdr, (uint64_t)st.st_size, page)) != 0)
		goto fail;
	if ((r = alloc_handle()) == NULL) {
		err = -ENOMEM;
		goto fail;
	}
	r->backing = (enum sl_ring_backing)hdr.backing;
	r->fenced = (hdr.flags & SL_RING_FENCED) != 0; /* from the validated copy, never re-read */
	r->page_size = page;
	r->cap = hdr.capacity;
	r->mask = hdr.capacity - 1;
	r->fd = fd;

	if (role == SL_RING_MONITOR) {
		void *hmap = mmap(NULL, page, PROT_READ, MAP_SHARED, fd, 0);
		if (hmap == MAP_FAILED) {
			err = -errno;
			goto fail;
		}
		r->hdr = hmap;
		r->map_base = hmap;
		r->map_len = page;
		*out = r;
		return 0;
	}
	/* The lock first: a second producer (consumer) is refused before it maps anything. */
	if ((err = take_role(fd, role)) != 0)
		goto fail;
	if ((err = map_ring(fd, page, hdr.capacity, 1, r)) != 0)
		goto fail; /* closing fd drops the lock */
	if (role == SL_RING_PRODUCER)
		attach_producer(r);
	else
		attach_consumer(r);
	*out = r;
	return 0;

fail:
	if (r && r->map_base)
		munmap(r->map_base, r->map_len);
	free(r);
	close(fd);
	return err;
}

/* ---- close, unlink --------------------------------------------------------------------- */

/* Give up a named ring's role: clear what the holder wrote, wake the peer so it sees at once,
 * then drop the lock (in that order: the next holder may write the fields as soon as it has
 * the lock). */
static void detach(sl_ring *r, unsigned role)
{
	struct sl__ring_hdr *h = r->hdr;

	if (role == SL_RING_PRODUCER) {
		atomic_store_explicit(&h->producer_pid, 0, memory_order_relaxed);
		/* release: a consumer that sees 0 sees every head published before */
		atomic_store_explicit(&h->producer_attached, 0, memory_order_release);
		sl__ring_wake(&h->data_seq);
	} else {
		atomic_store_explicit(&h->consumer_pid, 0, memory_order_relaxed);
		atomic_store_explicit(&h->consumer_attached, 0, memory_order_release);
		sl__ring_wake(&h->space_seq);
	}
	drop_role(r->fd, role);
}

void sl_ring_close(sl_ring *r)
{
	if (r == NULL)
		return;
	/* Only the process that opened the handle gives up its roles. A forked child closing an
	 * inherited handle only unmaps and closes its copy of the descriptor, which leaves the
	 * shared open file description, and so the parent's lock, alone. */
	if (r->owner == (int32_t)getpid() && r->fd >= 0) {
		if (r->roles & SL_RING_PRODUCER)
			detach(r, SL_RING_PRODUCER); /* without sl_ring_finish: the stream goes on */
		if (r->roles & SL_RING_CONSUMER)
			detach(r, SL_RING_CONSUMER);
	}
	if (r->fd >= 0)
		close(r->fd);
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
	/* Alive: attached and, for a named ring, its lock still held (a dead holder's is not). */
	st->producer_alive = atomic_load_explicit(&h->producer_attached, memory_order_acquire) &&
	                     sl__role_held(r, SL_RING_PRODUCER);
	st->consumer_alive = atomic_load_explicit(&h->consumer_attached, memory_order_acquire) &&
	                     sl__role_held(r, SL_RING_CONSUMER);
	st->finished = (int)atomic_load_explicit(&h->finished, memory_order_acquire);
	st->producer_attaches = atomic_load_explicit(&h->producer_gen, memory_order_relaxed);
	st->consumer_attaches = atomic_load_explicit(&h->consumer_gen, memory_order_relaxed);
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
	if (r->c_corrupt == SL__CORRUPT_TAIL)
		FAIL("the tail %llu this consumer started from is not 8-byte aligned",
		     (unsigned long long)r->c_bad_pos);
	if (r->c_corrupt == SL__CORRUPT_HEAD)
		FAIL("head %llu is not within capacity %llu ahead of tail %llu (moved back, too far or misaligned)",
		     (unsigned long long)r->c_bad_head, (unsigned long long)r->cap, (unsigned long long)r->c_bad_pos);
	if (r->c_corrupt)
		FAIL("record at %llu (len %u) overran the committed data ending at %llu",
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
