/* SPDX-License-Identifier: MIT */
/*
 * The file sink: EVE JSON lines to a path or to stdout. It is the embedded default — with no
 * configuration at all, `sluiced -r capture.pcap` prints records here. Lines are encoded into
 * one buffer (outputs.file.buffer-size) and written with write(2) when it fills and when the
 * ring goes idle, so a busy sink makes one syscall per buffer, not per record. Records count
 * as delivered when the write that carried them returned; a failed write (disk full, closed
 * pipe) drops the buffer's records, counted, with one log line per kind of failure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/conf.h"
#include "encode_json.h"
#include "log.h"
#include "record_meta.h"
#include "sinks/sink.h"

struct file_sink {
	int fd;
	int own_fd;
	char *buf;
	size_t cap, used;
	uint64_t buffered; /* records encoded into buf, not yet written */
	struct sl_json_enc enc;
	int last_errno;
	char path[4096];
};

static int file_enabled(const struct sl_config *cfg)
{
	return cfg->outputs.file.enabled;
}

uint32_t sl__types_mask(const struct sl_conf_strs *types)
{
	uint32_t mask = 0;
	for (size_t i = 0; i < types->n; i++)
		for (uint16_t t = 0; t < 32; t++) {
			const char *n = sl_json_event_name(t);
			if (n && strcmp(n, types->v[i]) == 0)
				mask |= 1u << t;
		}
	return mask;
}

static uint32_t file_types(const struct sl_config *cfg)
{
	return sl__types_mask(&cfg->outputs.file.types);
}

static uint64_t file_ring_size(const struct sl_config *cfg)
{
	return cfg->outputs.file.ring_size;
}

static int file_cpu(const struct sl_config *cfg)
{
	return (int)cfg->outputs.file.cpu;
}

static int file_init(const struct sl_config *cfg, void **state, char *errbuf, size_t errlen)
{
	struct file_sink *f = calloc(1, sizeof *f);
	const char *path = cfg->outputs.file.path;

	if (f == NULL)
		return -ENOMEM;
	f->cap = cfg->outputs.file.buffer_size < 65536 ? 65536 : cfg->outputs.file.buffer_size;
	f->buf = malloc(f->cap);
	if (f->buf == NULL) {
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
			free(f->buf);
			free(f);
			return -e;
		}
		f->own_fd = 1;
		snprintf(f->path, sizeof f->path, "%s", path);
	}
	*state = f;
	return 0;
}

static void file_flush(void *state, struct sl_sink_counters *ctr)
{
	struct file_sink *f = state;
	size_t off = 0;

	while (off < f->used) {
		ssize_t n = write(f->fd, f->buf + off, f->used - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = n < 0 ? errno : EIO;
			if (e != f->last_errno)
				sl_log(SL_LOG_ERROR, "file sink: write(%s, %zu bytes): %s; dropping buffered records",
				       f->path, f->used - off, strerror(e));
			f->last_errno = e;
			sl_count(&ctr->dropped, f->buffered);
			f->buffered = 0;
			f->used = 0;
			return;
		}
		off += (size_t)n;
	}
	sl_count(&ctr->delivered, f->buffered);
	sl_count(&ctr->bytes, f->used);
	f->buffered = 0;
	f->used = 0;
}

static void file_write(void *state, const struct sl_rec *recs, size_t n, struct sl_sink_counters *ctr)
{
	struct file_sink *f = state;

	sl_count(&ctr->received, n);
	for (size_t i = 0; i < n; i++) {
		size_t len = sl_json_encode(&f->enc, recs[i].data, recs[i].len, recs[i].type, f->buf + f->used,
		                            f->cap - f->used);
		if (len == 0 && f->used > 0) {
			file_flush(f, ctr);
			len = sl_json_encode(&f->enc, recs[i].data, recs[i].len, recs[i].type, f->buf, f->cap);
		}
		if (len == 0) {
			/* malformed, or larger than the whole buffer: counted, never silent */
			sl_count(&ctr->dropped, 1);
			continue;
		}
		f->used += len;
		f->buffered++;
	}
}

static void file_fini(void *state)
{
	struct file_sink *f = state;
	if (f == NULL)
		return;
	if (f->own_fd)
		close(f->fd);
	free(f->buf);
	free(f);
}

const struct sl_sink_module sl__sink_file = {
	.name = "file",
	.enabled = file_enabled,
	.types = file_types,
	.ring_size = file_ring_size,
	.cpu = file_cpu,
	.init = file_init,
	.write = file_write,
	.flush = file_flush,
	.fini = file_fini,
};
