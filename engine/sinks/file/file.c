/* SPDX-License-Identifier: MIT */
/*
 * The file sink: EVE JSON lines to a path or to stdout. It is the embedded default — with no
 * configuration at all, `sluiced -r capture.pcap` prints records here. Lines are encoded into
 * one buffer (outputs.file.buffer-size) and written with write(2) when it fills and when the
 * ring goes idle, so a busy sink makes one syscall per buffer, not per record.
 *
 * Nothing is lost and no line is torn:
 *   - a record counts as delivered when the last byte of its line has been written;
 *   - a short write keeps the rest of the buffer for the next write (what was written of the
 *     first unfinished line is remembered, so it is never written twice);
 *   - an error that can pass (disk full, quota, a non-blocking stdout that is full) keeps the
 *     buffer and retries at each tick, one log line per kind of error; while it lasts, write()
 *     takes nothing more, so the ring fills and the router waits (block policy): the pipeline
 *     holds rather than loses;
 *   - a hard error (file too large, I/O error, a reader that went away, ...) gives up what the
 *     buffer holds at once: every record not wholly written is counted dropped, and the part of
 *     a line the file already holds is cut off it (ftruncate), so the file ends with whole
 *     lines and delivered is exactly the lines in it;
 *   - at a forced stop (interrupt, the second signal) what is left is given up the same way.
 *
 * Latency (latency.h): a stamped record's line end is remembered with its stamp, and the
 * record is timed when a write(2) has put that byte in the file: the sink's acknowledgement.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "encode_json.h"
#include "log.h"
#include "record_meta.h"
#include "sinks/sink.h"
#define SL_CONF_STRUCT struct file_conf
#include "conf/conf_rows.h"

struct file_conf {
	struct sl_sink_conf common;
	char *path;
	uint64_t buffer_size;
};

static const struct sl_conf_key file_keys[] = {
	SL_SINK_KEYS("outputs.file", "true", "[flow, http, tls, dns, alert, stats, http_summary, config]", "4MiB", "block",
	             "write EVE JSON lines to a file"),
	STRING("outputs.file.path", path, "-", 1, 0, NULL, "file to append to, \"-\" for standard output; -o overrides it"),
	SIZE("outputs.file.buffer-size", buffer_size, "256KiB", 4 * KiB, 64 * MiB, "bytes gathered before each write"),
};

static const struct sl_conf_block file_block = {
	.section = "outputs.file",
	.size = sizeof(struct file_conf),
	.keys = file_keys,
	.nkeys = sizeof(file_keys) / sizeof(file_keys[0]),
};

struct file_sink {
	int fd;
	int own_fd;
	int regular;         /* a regular file: a torn line can be cut off */
	char *buf;
	size_t cap, used;
	size_t written;      /* bytes at the start of buf already written (of unfinished lines) */
	uint64_t buffered;   /* records encoded into buf, not yet wholly written */
	int err;             /* the last write error, 0 when writes go through */
	int interrupted;     /* set by interrupt() (any thread): give up what is left */
	_Atomic int stop_asked;
	struct sl_json_enc enc;
	struct sl_sink_counters *ctr;
	/* stamped records in buf, by line end (ascending): [lat_h, lat_n) are not yet written */
	struct lat_mark {
		size_t end;
		uint64_t stamp;
	} *lat;
	size_t lat_h, lat_n, lat_cap;
	char path[4096];
};

static int file_init(const struct sl_module_env *env, void **state, char *errbuf, size_t errlen)
{
	const struct file_conf *fc = sl_conf_block(env->cfg, &file_block);
	struct file_sink *f = calloc(1, sizeof *f);
	const char *path = fc->path;

	if (f == NULL)
		return -ENOMEM;
	f->ctr = env->sink_ctr;
	f->cap = fc->buffer_size < 65536 ? 65536 : fc->buffer_size;
	f->buf = malloc(f->cap);
	f->lat_cap = f->cap / 16 + 1; /* a line is longer than 16 bytes: never more marks than this */
	f->lat = malloc(f->lat_cap * sizeof *f->lat);
	if (f->buf == NULL || f->lat == NULL) {
		free(f->buf);
		free(f->lat);
		free(f);
		return -ENOMEM;
	}
	if (path == NULL || strcmp(path, "-") == 0 || path[0] == 0) {
		f->fd = STDOUT_FILENO;
		snprintf(f->path, sizeof f->path, "stdout");
	} else {
		f->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (f->fd < 0) {
			int e = errno;
			snprintf(errbuf, errlen, "outputs.file.path: open(%s): %s", path, strerror(e));
			free(f->lat);
			free(f->buf);
			free(f);
			return -e;
		}
		f->own_fd = 1;
		snprintf(f->path, sizeof f->path, "%s", path);
	}
	struct stat st;
	f->regular = fstat(f->fd, &st) == 0 && S_ISREG(st.st_mode);
	*state = f;
	return 0;
}

static uint64_t count_lines(const char *p, size_t n)
{
	uint64_t lines = 0;
	for (const char *e = p + n; (p = memchr(p, '\n', (size_t)(e - p))) != NULL; p++)
		lines++;
	return lines;
}

/* Errors that may pass: hold the records and retry. Any other is hard: give them up. */
static int transient(int e)
{
	return e == ENOSPC || e == EDQUOT || e == EAGAIN || e == EWOULDBLOCK;
}

/* Everything in the buffer is given up: counted as dropped, and the part of a line the file
 * holds is cut off it. buf[0, written) went out; only what follows its last newline belongs
 * to a line that is not whole (the whole ones before it are delivered and stay). */
static void give_up(struct file_sink *f)
{
	const char *nl = f->written ? memrchr(f->buf, '\n', f->written) : NULL;
	size_t partial = nl ? f->written - (size_t)(nl - f->buf) - 1 : f->written;

	if (partial && f->regular) {
		off_t end = lseek(f->fd, 0, SEEK_END);
		if (end < (off_t)partial || ftruncate(f->fd, end - (off_t)partial) != 0)
			sl_log(SL_LOG_ERROR, "file sink: ftruncate(%s): %s; its last line is incomplete", f->path,
			       end < 0 ? strerror(errno) : end < (off_t)partial ? "the file is shorter than written" : strerror(errno));
		else
			sl_count(&f->ctr->bytes, (uint64_t)0 - partial); /* those bytes are no longer delivered */
	}
	sl_count(&f->ctr->dropped, f->buffered);
	f->buffered = 0;
	f->used = f->written = 0;
	f->lat_h = f->lat_n = 0; /* given up, not delivered: not timed */
}

/* Write what the buffer holds. 0: all of it is out; -EAGAIN: some is left (an error to retry). */
static int drain(struct file_sink *f)
{
	int wrote = 0;

	while (f->written < f->used) {
		ssize_t n = write(f->fd, f->buf + f->written, f->used - f->written);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = n < 0 ? errno : EIO;
			if (e != f->err)
				sl_log(SL_LOG_ERROR, "file sink: write(%s, %zu bytes): %s; %s", f->path,
				       f->used - f->written, strerror(e),
				       transient(e) ? "holding the records, retrying" : "dropping what it holds (counted)");
			f->err = e;
			if (!transient(e)) {
				give_up(f);
				return 0;
			}
			return -EAGAIN;
		}
		/* lines finished by this write are delivered */
		uint64_t lines = count_lines(f->buf + f->written, (size_t)n);
		sl_count(&f->ctr->delivered, lines);
		sl_count(&f->ctr->bytes, (uint64_t)n);
		f->buffered -= lines;
		f->written += (size_t)n;
		wrote = 1;
		while (f->lat_h < f->lat_n && f->lat[f->lat_h].end <= f->written)
			sl_sink_latency(f->ctr, f->lat[f->lat_h++].stamp);
	}
	/* only a buffer written in full says the error is over: a write that stops short at the
	 * same limit again must not log twice per buffer */
	if (f->err && wrote) {
		sl_log(SL_LOG_NOTICE, "file sink: write(%s) works again", f->path);
		f->err = 0;
	}
	f->used = f->written = 0;
	f->lat_h = f->lat_n = 0;
	return 0;
}

/* Make room: write out, then keep the unwritten tail at the front. */
static void compact(struct file_sink *f)
{
	if (f->written == 0)
		return;
	/* the first unfinished line's written part stays counted in `written` */
	const char *nl = memrchr(f->buf, '\n', f->written);
	size_t keep_from = nl ? (size_t)(nl - f->buf) + 1 : 0;
	memmove(f->buf, f->buf + keep_from, f->used - keep_from);
	f->used -= keep_from;
	f->written -= keep_from;
	size_t k = 0;
	for (size_t i = f->lat_h; i < f->lat_n; i++, k++) { /* ends past keep_from: move with the bytes */
		f->lat[k].end = f->lat[i].end - keep_from;
		f->lat[k].stamp = f->lat[i].stamp;
	}
	f->lat_h = 0;
	f->lat_n = k;
}

/* interrupt() came (from any thread): on the sink's thread, give up what is held, once. */
static int interrupted(struct file_sink *f)
{
	if (!f->interrupted && atomic_load_explicit(&f->stop_asked, memory_order_relaxed)) {
		f->interrupted = 1;
		give_up(f);
	}
	return f->interrupted;
}

static size_t file_write(void *state, const struct sl_rec *recs, size_t n, struct sl_sink_counters *ctr)
{
	struct file_sink *f = state;
	size_t i;

	if (interrupted(f)) { /* a forced stop: take everything, deliver nothing */
		sl_count(&ctr->dropped, n);
		return n;
	}
	if (f->err && drain(f) != 0)
		return 0; /* still failing: take nothing, the tick retries */
	for (i = 0; i < n; i++) {
		size_t len = sl_json_encode(&f->enc, recs[i].data, recs[i].len, recs[i].type, f->buf + f->used,
		                            f->cap - f->used);
		if (len == 0 && f->used > 0) {
			if (drain(f) != 0) {
				compact(f);
				break; /* the rest stays in the ring */
			}
			len = sl_json_encode(&f->enc, recs[i].data, recs[i].len, recs[i].type, f->buf, f->cap);
		}
		if (len == 0) {
			/* malformed, or larger than the whole buffer: counted, never silent */
			sl_count(&ctr->dropped, 1);
			continue;
		}
		f->used += len;
		f->buffered++;
		uint64_t stamp = sl_sink_stamp(&recs[i]);
		if (stamp && f->lat_n < f->lat_cap)
			f->lat[f->lat_n++] = (struct lat_mark){ .end = f->used, .stamp = stamp };
	}
	return i;
}

static void file_tick(void *state, uint64_t now_ns)
{
	struct file_sink *f = state;
	(void)now_ns;
	if (f->err && !f->interrupted && drain(f) != 0)
		compact(f);
}

static int file_flush(void *state)
{
	struct file_sink *f = state;

	if (interrupted(f) || f->used == 0)
		return 0;
	if (drain(f) != 0) {
		compact(f);
		return -EAGAIN;
	}
	return 0;
}

static void file_interrupt(void *state)
{
	struct file_sink *f = state;
	atomic_store_explicit(&f->stop_asked, 1, memory_order_relaxed);
}

static void file_fini(void *state)
{
	struct file_sink *f = state;
	if (f == NULL)
		return;
	if (f->own_fd)
		close(f->fd);
	free(f->lat);
	free(f->buf);
	free(f);
}

const struct sl_module sl__sink_file = {
	.name = "file",
	.kind = SL_MODULE_SINK,
	.conf = &file_block,
	.tick_ns = 100000000u, /* retry a failing write every 100 ms */
	.init = file_init,
	.write = file_write,
	.tick = file_tick,
	.flush = file_flush,
	.interrupt = file_interrupt,
	.fini = file_fini,
};
