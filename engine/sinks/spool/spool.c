/* SPDX-License-Identifier: MIT */
/*
 * The spool (spool.h has the file formats and the counting). Layout in memory: segs[] lists the
 * segment files oldest first; the reader always reads segs[0] (consumed segments are unlinked,
 * so the oldest one is the one being replayed) and the writer appends to the last one when
 * wfd >= 0 (the active segment). Appends go through wbuf; a write that fails (disk full) leaves
 * the file truncated back to its last whole record and the bytes in wbuf, retried from tick.
 */
#define _GNU_SOURCE
#include "spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- CRC32C (Castagnoli, reflected 0x82F63B78), one table, a byte at a time ---- */

static uint32_t crc_tab[256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1u)));
		crc_tab[i] = c;
	}
}

uint32_t sl_crc32c(uint32_t crc, const void *data, size_t n)
{
	pthread_once(&crc_once, crc_init);
	const uint8_t *p = data;
	crc = ~crc;
	while (n--)
		crc = crc_tab[(crc ^ *p++) & 0xffu] ^ (crc >> 8);
	return ~crc;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static const char seg_magic[8] = {'S', 'L', 'S', 'P', 'O', 'O', 'L', '1'};
static const char cur_magic[8] = {'S', 'L', 'C', 'U', 'R', 'S', 'R', '1'};

/* ---- the segment reader (untrusted bytes: a file a crash or a disk may have mangled) ---- */

int sl_spool_seg_header(const uint8_t *buf, size_t n, uint64_t *seq)
{
	if (n < SL_SPOOL_SEG_HDR || memcmp(buf, seg_magic, sizeof seg_magic))
		return -1;
	*seq = get64(buf + 8);
	return 0;
}

enum sl_spool_read sl_spool_seg_next(const uint8_t *buf, size_t n, size_t *off, uint32_t max_record,
                                     const uint8_t **rec, uint32_t *len)
{
	size_t o = *off;
	if (o >= n)
		return SL_SPOOL_END;
	if (n - o < SL_SPOOL_REC_HDR)
		return SL_SPOOL_TORN;
	uint32_t l = get32(buf + o), crc = get32(buf + o + 4);
	/* Checked before the length is used for anything: a huge length is corruption, not a
	 * record to wait for. */
	if (l > max_record)
		return SL_SPOOL_CORRUPT;
	if (n - o - SL_SPOOL_REC_HDR < l)
		return SL_SPOOL_TORN;
	uint32_t c = sl_crc32c(0, buf + o, 4);
	c = sl_crc32c(c, buf + o + SL_SPOOL_REC_HDR, l);
	if (c != crc)
		return SL_SPOOL_CORRUPT;
	*rec = buf + o + SL_SPOOL_REC_HDR;
	*len = l;
	*off = o + SL_SPOOL_REC_HDR + l;
	return SL_SPOOL_REC;
}

/* ---- the spool ---- */

struct seg {
	uint64_t seq;
	uint64_t bytes;   /* file size, with what wbuf still holds for it */
	uint64_t records; /* readable records in it (found at open, or written) */
};

struct sl_spool {
	struct sl_spool_conf conf;
	char dir[PATH_MAX - 64];
	struct seg *segs;
	size_t nseg, capseg;
	uint64_t next_seq;

	int lockfd;       /* "lock", flock'ed: one process per spool directory */
	int wfd;          /* the active segment (segs[nseg - 1]) or -1 */
	uint64_t wfile;   /* bytes of it on disk */
	uint8_t *wbuf;
	size_t wlen, wcap;
	int stalled;      /* the last flush failed: appends act as at the bound */

	uint8_t *rbuf;    /* segs[0], whole, when rloaded */
	size_t rlen, rcap;
	int rloaded;
	size_t roff;      /* the next record of segs[0] */
	uint64_t rdone;   /* records of segs[0] consumed */
	uint64_t start_seq; /* the cursor found at open: where segs[0]'s replay begins */
	size_t start_off;
	uint64_t peeked; /* records peeked since the last consume (peek, then peek_more) */
	size_t peek_next;
	uint64_t ahead_n;   /* records of segs[0] read ahead and not consumed */
	size_t ahead_off;   /* the record after them */
	uint64_t epoch;     /* bumped when segs[0] goes with records read ahead */

	uint64_t unsynced, last_sync_ns;
	int cursor_dirty, dir_dirty;
	struct sl_spool_stats st;
};

static void seg_path(const struct sl_spool *sp, uint64_t seq, char *out, size_t n)
{
	snprintf(out, n, "%s/%020llu.seg", sp->dir, (unsigned long long)seq);
}

static int is_active(const struct sl_spool *sp, size_t i)
{
	return sp->wfd >= 0 && i == sp->nseg - 1;
}

/* Writes wbuf out. On a failure the file is cut back to its last whole record so a reader
 * never sees a partial one, and the bytes stay in wbuf. */
static int flush_wbuf(struct sl_spool *sp)
{
	size_t done = 0;
	while (done < sp->wlen) {
		ssize_t w = write(sp->wfd, sp->wbuf + done, sp->wlen - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			int e = w < 0 ? errno : ENOSPC;
			if (e == ENOSPC || e == EDQUOT)
				sp->st.disk_full++;
			else
				sp->st.io_errors++;
			if (ftruncate(sp->wfd, (off_t)sp->wfile) || lseek(sp->wfd, (off_t)sp->wfile, SEEK_SET) < 0)
				sp->st.io_errors++;
			sp->stalled = 1;
			return -e;
		}
		done += (size_t)w;
	}
	sp->wfile += sp->wlen;
	sp->wlen = 0;
	sp->stalled = 0;
	return 0;
}

/* Closes the active segment (flushed and fsync'd: a closed segment is whole on disk). */
static int close_active(struct sl_spool *sp)
{
	if (sp->wfd < 0)
		return 0;
	int r = flush_wbuf(sp);
	if (r)
		return r;
	if (fdatasync(sp->wfd))
		sp->st.io_errors++;
	else
		sp->st.fsyncs++;
	close(sp->wfd);
	sp->wfd = -1;
	return 0;
}

static int grow_segs(struct sl_spool *sp)
{
	if (sp->nseg < sp->capseg)
		return 0;
	size_t cap = sp->capseg ? sp->capseg * 2 : 16;
	struct seg *s = realloc(sp->segs, cap * sizeof *s);
	if (!s)
		return -ENOMEM;
	sp->segs = s;
	sp->capseg = cap;
	return 0;
}

static int open_active(struct sl_spool *sp)
{
	if (grow_segs(sp))
		return -ENOMEM;
	char path[PATH_MAX];
	uint64_t seq = sp->next_seq++;
	seg_path(sp, seq, path, sizeof path);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		sp->st.io_errors++;
		return -errno;
	}
	sp->wfd = fd;
	sp->wfile = 0;
	put64(sp->wbuf + 8, seq);
	memcpy(sp->wbuf, seg_magic, sizeof seg_magic);
	sp->wlen = SL_SPOOL_SEG_HDR;
	sp->segs[sp->nseg++] = (struct seg){.seq = seq, .bytes = SL_SPOOL_SEG_HDR, .records = 0};
	sp->st.bytes += SL_SPOOL_SEG_HDR;
	sp->dir_dirty = 1;
	return 0;
}

/* Removes segs[0] from disk and the list; its records not yet consumed are `lost_to`. */
static void remove_first(struct sl_spool *sp, uint64_t *lost_to)
{
	struct seg *s = &sp->segs[0];
	uint64_t left = s->records - sp->rdone;
	if (lost_to)
		*lost_to += left;
	sp->st.pending -= left;
	if (is_active(sp, 0)) {
		close(sp->wfd);
		sp->wfd = -1;
		sp->wlen = 0;
		sp->stalled = 0;
	}
	char path[PATH_MAX];
	seg_path(sp, s->seq, path, sizeof path);
	if (unlink(path) && errno != ENOENT)
		sp->st.io_errors++;
	sp->st.bytes -= s->bytes;
	memmove(sp->segs, sp->segs + 1, (sp->nseg - 1) * sizeof *s);
	sp->nseg--;
	sp->rloaded = 0;
	sp->rdone = 0;
	sp->peeked = 0;
	if (sp->ahead_n && left)
		sp->epoch++;
	sp->ahead_n = 0;
	sp->cursor_dirty = 1;
	sp->dir_dirty = 1;
}

/* Room for `need` more bytes by policy drop-oldest: whole segments, the oldest first, the
 * active one last. */
static void drop_oldest_for(struct sl_spool *sp, uint64_t need)
{
	while (sp->nseg && sp->st.bytes + need > sp->conf.max_bytes)
		remove_first(sp, &sp->st.dropped_oldest);
}

int sl_spool_append(struct sl_spool *sp, const void *rec, uint32_t len)
{
	if (len > sp->conf.max_record)
		return -E2BIG;
	uint64_t need = SL_SPOOL_REC_HDR + (uint64_t)len;
	if (sp->stalled && flush_wbuf(sp) && sp->conf.policy == SL_SPOOL_DROP_OLDEST && sp->nseg > 1) {
		/* disk full: give up the oldest segment and try once more */
		remove_first(sp, &sp->st.dropped_oldest);
		flush_wbuf(sp);
	}
	int fresh = sp->wfd < 0 || (sp->segs[sp->nseg - 1].bytes + need > sp->conf.segment_bytes &&
	                            sp->segs[sp->nseg - 1].records);
	uint64_t want = need + (fresh ? SL_SPOOL_SEG_HDR : 0);
	if (sp->stalled || sp->st.bytes + want > sp->conf.max_bytes) {
		switch (sp->conf.policy) {
		case SL_SPOOL_BLOCK:
			sp->st.blocked++;
			return -EAGAIN;
		case SL_SPOOL_DROP_NEWEST:
			sp->st.dropped_newest++;
			return 1;
		case SL_SPOOL_DROP_OLDEST:
			if (sp->stalled) {
				sp->st.dropped_newest++;
				return 1;
			}
			drop_oldest_for(sp, want);
			fresh = sp->wfd < 0 || fresh;
			break;
		}
	}
	if (fresh) {
		int r = close_active(sp);
		if (!r)
			r = open_active(sp);
		if (r) {
			if (sp->conf.policy == SL_SPOOL_BLOCK) {
				sp->st.blocked++;
				return -EAGAIN;
			}
			sp->st.dropped_newest++;
			return 1;
		}
	}
	if (sp->wlen + need > sp->wcap && flush_wbuf(sp)) {
		if (sp->conf.policy == SL_SPOOL_BLOCK) {
			sp->st.blocked++;
			return -EAGAIN;
		}
		sp->st.dropped_newest++;
		return 1;
	}
	uint8_t *p = sp->wbuf + sp->wlen;
	put32(p, len);
	uint32_t c = sl_crc32c(0, p, 4);
	put32(p + 4, sl_crc32c(c, rec, len));
	memcpy(p + SL_SPOOL_REC_HDR, rec, len);
	sp->wlen += need;
	struct seg *s = &sp->segs[sp->nseg - 1];
	s->bytes += need;
	s->records++;
	sp->st.bytes += need;
	sp->st.appended++;
	sp->st.pending++;
	sp->unsynced++;
	if (sp->conf.fsync_records && sp->unsynced >= sp->conf.fsync_records)
		sl_spool_sync(sp);
	return 0;
}

/* Reads segs[0] whole into rbuf. */
static int load_first(struct sl_spool *sp)
{
	char path[PATH_MAX];
	seg_path(sp, sp->segs[0].seq, path, sizeof path);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat stt;
	if (fstat(fd, &stt) || stt.st_size < 0) {
		close(fd);
		return -EIO;
	}
	size_t n = (size_t)stt.st_size;
	if (n > sp->rcap) {
		uint8_t *b = realloc(sp->rbuf, n);
		if (!b) {
			close(fd);
			return -ENOMEM;
		}
		sp->rbuf = b;
		sp->rcap = n;
	}
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, sp->rbuf + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	sp->rlen = got;
	sp->rloaded = 1;
	sp->roff = SL_SPOOL_SEG_HDR;
	if (sp->segs[0].seq == sp->start_seq && sp->start_off)
		sp->roff = sp->start_off;
	return 0;
}

int sl_spool_peek(struct sl_spool *sp, const void **rec, uint32_t *len)
{
	for (;;) {
		if (!sp->nseg)
			return -ENOENT;
		struct seg *s = &sp->segs[0];
		if (sp->rdone >= s->records) {
			if (is_active(sp, 0))
				return -ENOENT;
			remove_first(sp, NULL);
			continue;
		}
		/* The reader caught up with the writer: close the active segment so what it holds
		 * is on disk and whole; the next append opens a new one. */
		if (is_active(sp, 0) && close_active(sp))
			return -EAGAIN;
		if (!sp->rloaded) {
			int r = load_first(sp);
			if (r) {
				sp->st.io_errors++;
				remove_first(sp, &sp->st.lost);
				continue;
			}
		}
		size_t off = sp->roff;
		const uint8_t *p;
		uint32_t l;
		if (sl_spool_seg_next(sp->rbuf, sp->rlen, &off, sp->conf.max_record, &p, &l) == SL_SPOOL_REC) {
			*rec = p;
			*len = l;
			sp->peeked = 1;
			sp->peek_next = off;
			return 0;
		}
		/* Fewer records than counted: the file changed under us. */
		remove_first(sp, &sp->st.lost);
	}
}

/* The record after the last one peeked, in the same segment: a sink that sends several
 * records as one batch peeks them all and consumes them together once delivered. */
int sl_spool_peek_more(struct sl_spool *sp, const void **rec, uint32_t *len)
{
	if (!sp->peeked || !sp->nseg || !sp->rloaded || sp->rdone + sp->peeked >= sp->segs[0].records)
		return -ENOENT;
	size_t off = sp->peek_next;
	const uint8_t *p;
	uint32_t l;
	if (sl_spool_seg_next(sp->rbuf, sp->rlen, &off, sp->conf.max_record, &p, &l) != SL_SPOOL_REC)
		return -ENOENT;
	*rec = p;
	*len = l;
	sp->peeked++;
	sp->peek_next = off;
	return 0;
}

int sl_spool_ahead(struct sl_spool *sp, const void **rec, uint32_t *len)
{
	if (sp->ahead_n == 0) {
		int r = sl_spool_peek(sp, rec, len);
		if (r)
			return r == -EAGAIN ? -ENOENT : r;
		sp->peeked = 0;
		sp->ahead_off = sp->peek_next;
		sp->ahead_n = 1;
		return 0;
	}
	/* within segs[0], whose record count is fixed once the reader is in it (peek closed it
	 * if it was the active one) */
	if (sp->rdone + sp->ahead_n >= sp->segs[0].records)
		return -ENOENT;
	size_t off = sp->ahead_off;
	const uint8_t *p;
	uint32_t l;
	if (sl_spool_seg_next(sp->rbuf, sp->rlen, &off, sp->conf.max_record, &p, &l) != SL_SPOOL_REC)
		return -ENOENT; /* fewer records than counted: peek finds out once the rest is consumed */
	*rec = p;
	*len = l;
	sp->ahead_off = off;
	sp->ahead_n++;
	return 0;
}

void sl_spool_rewind(struct sl_spool *sp)
{
	sp->ahead_n = 0;
}

void sl__spool_drop_lock(struct sl_spool *sp)
{
	if (sp->lockfd >= 0)
		close(sp->lockfd);
	sp->lockfd = -1;
}

uint64_t sl_spool_epoch(const struct sl_spool *sp)
{
	return sp->epoch;
}

void sl_spool_consume(struct sl_spool *sp)
{
	if (!sp->peeked && !sp->ahead_n)
		return;
	/* a batch peeked (peek, peek_more) is consumed whole; without one, the oldest record
	 * read ahead (whole and checked when it was read) */
	uint64_t n = sp->peeked ? sp->peeked : 1;
	if (sp->peeked)
		sp->roff = sp->peek_next;
	else
		sp->roff += SL_SPOOL_REC_HDR + get32(sp->rbuf + sp->roff);
	sp->ahead_n = sp->ahead_n > n ? sp->ahead_n - n : 0;
	sp->peeked = 0;
	sp->rdone += n;
	sp->st.replayed += n;
	sp->st.pending -= n;
	sp->cursor_dirty = 1;
	if (sp->rdone >= sp->segs[0].records && !is_active(sp, 0))
		remove_first(sp, NULL);
}

static int write_cursor(struct sl_spool *sp)
{
	uint8_t b[24];
	uint64_t seq = sp->nseg ? sp->segs[0].seq : sp->next_seq;
	uint32_t off = sp->nseg && sp->rloaded ? (uint32_t)sp->roff : 0;
	if (sp->nseg && !sp->rloaded && sp->segs[0].seq == sp->start_seq)
		off = (uint32_t)sp->start_off;
	memcpy(b, cur_magic, 8);
	put64(b + 8, seq);
	put32(b + 16, off);
	put32(b + 20, sl_crc32c(0, b, 20));
	char tmp[PATH_MAX], path[PATH_MAX];
	snprintf(tmp, sizeof tmp, "%s/cursor.tmp", sp->dir);
	snprintf(path, sizeof path, "%s/cursor", sp->dir);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	int ok = write(fd, b, sizeof b) == (ssize_t)sizeof b && !fdatasync(fd);
	close(fd);
	if (!ok || rename(tmp, path))
		return -EIO;
	sp->dir_dirty = 1;
	return 0;
}

int sl_spool_sync(struct sl_spool *sp)
{
	int rc = 0;
	if (sp->wfd >= 0) {
		if (flush_wbuf(sp))
			rc = -EAGAIN;
		else if (sp->unsynced && fdatasync(sp->wfd)) {
			sp->st.io_errors++;
			rc = -EIO;
		}
	}
	if (sp->cursor_dirty) {
		if (write_cursor(sp)) {
			sp->st.io_errors++;
			rc = -EIO;
		} else {
			sp->cursor_dirty = 0;
		}
	}
	if (sp->dir_dirty) {
		int dfd = open(sp->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0) {
			if (fsync(dfd))
				sp->st.io_errors++;
			close(dfd);
		}
		sp->dir_dirty = 0;
	}
	if (!rc)
		sp->unsynced = 0;
	sp->st.fsyncs++;
	return rc;
}

int sl_spool_tick(struct sl_spool *sp, uint64_t now_ns)
{
	if (sp->stalled)
		flush_wbuf(sp);
	if (!sp->conf.fsync_ns || now_ns - sp->last_sync_ns < sp->conf.fsync_ns)
		return 0;
	sp->last_sync_ns = now_ns;
	if (!sp->unsynced && !sp->cursor_dirty && !sp->dir_dirty)
		return 0;
	return sl_spool_sync(sp);
}

const struct sl_spool_stats *sl_spool_stats(const struct sl_spool *sp)
{
	return &sp->st;
}

static int cmp_seq(const void *a, const void *b)
{
	uint64_t x = ((const struct seg *)a)->seq, y = ((const struct seg *)b)->seq;
	return x < y ? -1 : x > y;
}

static void fail(char *err, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (err && n)
		vsnprintf(err, n, fmt, ap);
	va_end(ap);
}

/* The cursor, if there is a good one: where replay resumes. */
static void read_cursor(struct sl_spool *sp)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/cursor", sp->dir);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	uint8_t b[25];
	ssize_t n = read(fd, b, sizeof b);
	close(fd);
	if (n != 24 || memcmp(b, cur_magic, 8) || get32(b + 20) != sl_crc32c(0, b, 20)) {
		/* replay from the oldest segment: duplicates, never a loss */
		sp->st.corrupt++;
		return;
	}
	sp->start_seq = get64(b + 8);
	sp->start_off = get32(b + 16);
}

/* Counts the readable records of segs[i] (loaded into rbuf), and those before the cursor. */
static void scan(struct sl_spool *sp, struct seg *s, uint64_t *before_cursor, size_t *cursor_off)
{
	uint64_t seq;
	*before_cursor = 0;
	*cursor_off = 0;
	if (sl_spool_seg_header(sp->rbuf, sp->rlen, &seq) || seq != s->seq) {
		sp->st.corrupt++;
		sp->st.skipped_bytes += sp->rlen;
		s->records = 0;
		return;
	}
	size_t off = SL_SPOOL_SEG_HDR;
	const uint8_t *p;
	uint32_t l;
	uint64_t n = 0;
	int at_cursor = s->seq == sp->start_seq && sp->start_off;
	for (;;) {
		if (at_cursor && off == sp->start_off) {
			*before_cursor = n;
			*cursor_off = off;
		}
		enum sl_spool_read r = sl_spool_seg_next(sp->rbuf, sp->rlen, &off, sp->conf.max_record, &p, &l);
		if (r == SL_SPOOL_REC) {
			n++;
			continue;
		}
		if (r == SL_SPOOL_TORN)
			sp->st.torn++;
		else if (r == SL_SPOOL_CORRUPT)
			sp->st.corrupt++;
		if (r != SL_SPOOL_END)
			sp->st.skipped_bytes += sp->rlen - off;
		break;
	}
	s->records = n;
}

int sl_spool_open(struct sl_spool **out, const struct sl_spool_conf *conf, char *err, size_t errlen)
{
	*out = NULL;
	if (!conf->dir || strlen(conf->dir) >= PATH_MAX - 64) {
		fail(err, errlen, "spool: dir missing or too long");
		return -EINVAL;
	}
	if (conf->max_record == 0 || conf->segment_bytes < SL_SPOOL_SEG_HDR + SL_SPOOL_REC_HDR + (uint64_t)conf->max_record ||
	    conf->max_bytes < 2 * conf->segment_bytes || conf->segment_bytes > UINT32_MAX) {
		fail(err, errlen, "spool %s: want max-record + 24 <= segment-bytes <= 4 GiB and max-bytes >= 2 x segment-bytes",
		     conf->dir);
		return -EINVAL;
	}
	struct sl_spool *sp = calloc(1, sizeof *sp);
	if (!sp)
		return -ENOMEM;
	sp->conf = *conf;
	snprintf(sp->dir, sizeof sp->dir, "%s", conf->dir);
	sp->conf.dir = sp->dir;
	sp->wfd = -1;
	sp->lockfd = -1;
	sp->wcap = 65536 > SL_SPOOL_SEG_HDR + SL_SPOOL_REC_HDR + (size_t)conf->max_record
	                   ? 65536 : SL_SPOOL_SEG_HDR + SL_SPOOL_REC_HDR + (size_t)conf->max_record;
	sp->wbuf = malloc(sp->wcap);
	if (!sp->wbuf) {
		free(sp);
		return -ENOMEM;
	}
	if (mkdir(sp->dir, 0700) && errno != EEXIST) {
		int e = errno;
		fail(err, errlen, "spool %s: mkdir: %s", sp->dir, strerror(e));
		sl_spool_close(sp);
		return -e;
	}
	/* Two processes on one spool would replay the same records and unlink each other's
	 * segments: the second is refused (the lock goes with the process, also at a crash). */
	char lpath[PATH_MAX];
	snprintf(lpath, sizeof lpath, "%s/lock", sp->dir);
	sp->lockfd = open(lpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (sp->lockfd < 0 || flock(sp->lockfd, LOCK_EX | LOCK_NB)) {
		int e = errno;
		fail(err, errlen, e == EWOULDBLOCK ? "spool %s: in use by another process" : "spool %s: lock: %s", sp->dir,
		     strerror(e));
		sl_spool_close(sp);
		return e == EWOULDBLOCK ? -EBUSY : -e;
	}
	read_cursor(sp);

	DIR *d = opendir(sp->dir);
	if (!d) {
		int e = errno;
		fail(err, errlen, "spool %s: %s", sp->dir, strerror(e));
		sl_spool_close(sp);
		return -e;
	}
	struct dirent *de;
	uint64_t maxseq = sp->start_seq;
	while ((de = readdir(d))) {
		const char *nm = de->d_name;
		if (strlen(nm) != 24 || strcmp(nm + 20, ".seg") || strspn(nm, "0123456789") != 20)
			continue;
		if (grow_segs(sp)) {
			closedir(d);
			sl_spool_close(sp);
			return -ENOMEM;
		}
		uint64_t seq = strtoull(nm, NULL, 10);
		sp->segs[sp->nseg++] = (struct seg){.seq = seq};
		if (seq > maxseq)
			maxseq = seq;
	}
	closedir(d);
	if (sp->nseg)
		qsort(sp->segs, sp->nseg, sizeof *sp->segs, cmp_seq);
	sp->next_seq = maxseq + 1;

	/* Count what waits; drop what the cursor says was consumed and what holds nothing. */
	size_t keep = 0;
	for (size_t i = 0; i < sp->nseg; i++) {
		struct seg s = sp->segs[i];
		char path[PATH_MAX];
		seg_path(sp, s.seq, path, sizeof path);
		uint64_t before = 0;
		size_t coff = 0;
		int gone = s.seq < sp->start_seq;
		if (!gone) {
			/* load it through the reader's buffer */
			struct seg saved0 = sp->segs[0];
			sp->segs[0] = s;
			int r = load_first(sp);
			sp->segs[0] = saved0;
			sp->rloaded = 0;
			if (r) {
				sp->st.io_errors++;
				gone = 1;
			} else {
				s.bytes = sp->rlen;
				scan(sp, &s, &before, &coff);
				if (s.seq == sp->start_seq && sp->start_off && !coff)
					sp->start_off = 0; /* not on a record boundary: replay it whole */
				if (s.records - (keep == 0 ? before : 0) == 0)
					gone = 1;
			}
		}
		if (gone) {
			if (unlink(path) && errno != ENOENT)
				sp->st.io_errors++;
			sp->dir_dirty = 1;
			continue;
		}
		if (keep == 0 && s.seq == sp->start_seq && coff)
			sp->rdone = before;
		else if (keep == 0)
			sp->start_off = 0;
		sp->segs[keep++] = s;
		sp->st.pending += s.records - (keep == 1 ? sp->rdone : 0);
		sp->st.bytes += s.bytes;
	}
	sp->nseg = keep;
	if (sp->nseg == 0 || sp->segs[0].seq != sp->start_seq)
		sp->start_off = 0;
	sp->st.recovered = sp->st.pending;
	*out = sp;
	return 0;
}

void sl_spool_close(struct sl_spool *sp)
{
	if (!sp)
		return;
	if (sp->wfd >= 0 || sp->cursor_dirty || sp->dir_dirty)
		sl_spool_sync(sp);
	if (sp->wfd >= 0)
		close(sp->wfd);
	if (sp->lockfd >= 0)
		close(sp->lockfd);
	free(sp->segs);
	free(sp->wbuf);
	free(sp->rbuf);
	free(sp);
}
