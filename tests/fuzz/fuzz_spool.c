/* SPDX-License-Identifier: MIT */
/*
 * fuzz_spool: the spool's reader against bytes a crash or a disk could leave. The first input
 * byte picks the mode:
 *   even  the bytes are one segment in memory: sl_spool_seg_next walks it; every record must
 *         lie inside the bytes and every step move forward
 *   odd   the bytes become a spool directory (a segment file, and a cursor file from the first
 *         24 bytes), opened and drained: no crash, no hang, and the spool's balance holds
 * Bit 1 of the first byte fixes the checksums first (of the segment's header magic, of each
 * record whose length fits, of the cursor), so the fuzzer gets past them to the structure.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sinks/spool/spool.h"

static char dir[64];

static void put_file(const char *name, const uint8_t *p, size_t n)
{
	char path[128];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f)
		abort();
	if (n && fwrite(p, 1, n, f) != n)
		abort();
	fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t first = data[0];
	int mode = first & 1;
	uint32_t max_record = 64u << (first >> 4 & 7);
	data++;
	size--;
	static uint8_t fixed[1 << 16];
	if (first & 2 && size <= sizeof fixed) {
		memcpy(fixed, data, size);
		data = fixed;
		size_t o = mode ? 24 : 0;
		if (mode && size >= 24) {
			memcpy(fixed, "SLCURSR1", 8);
			uint32_t c = sl_crc32c(0, fixed, 20);
			memcpy(fixed + 20, &c, 4); /* little endian host */
		}
		if (size - o >= SL_SPOOL_SEG_HDR && (size - o) % 3) {
			memcpy(fixed + o, "SLSPOOL1", 8);
			if (mode) /* the sequence its file name says */
				memcpy(fixed + o + 8, "\1\0\0\0\0\0\0\0", 8);
		}
		for (o += SL_SPOOL_SEG_HDR; o + SL_SPOOL_REC_HDR <= size;) {
			uint32_t len;
			memcpy(&len, fixed + o, 4);
			if (len > max_record || size - o - SL_SPOOL_REC_HDR < len)
				break;
			uint32_t c = sl_crc32c(sl_crc32c(0, fixed + o, 4), fixed + o + SL_SPOOL_REC_HDR, len);
			memcpy(fixed + o + 4, &c, 4);
			o += SL_SPOOL_REC_HDR + len;
		}
	}
	if (mode == 0) {
		uint64_t seq;
		(void)sl_spool_seg_header(data, size, &seq);
		size_t off = SL_SPOOL_SEG_HDR;
		const uint8_t *rec;
		uint32_t len;
		for (;;) {
			size_t before = off;
			enum sl_spool_read r = sl_spool_seg_next(data, size, &off, max_record, &rec, &len);
			if (r != SL_SPOOL_REC)
				break;
			if (off <= before || rec < data || rec + len > data + size || len > max_record)
				abort();
		}
		return 0;
	}
	if (!dir[0]) {
		snprintf(dir, sizeof dir, "/tmp/fuzz-spool-XXXXXX");
		if (!mkdtemp(dir))
			abort();
	}
	size_t cur = size < 24 ? size : 24;
	put_file("cursor", data, cur);
	put_file("00000000000000000001.seg", data + cur, size - cur);
	struct sl_spool_conf c = {.dir = dir, .max_bytes = 1u << 20, .segment_bytes = 64u << 10,
	                          .max_record = max_record, .policy = SL_SPOOL_BLOCK};
	struct sl_spool *sp;
	char err[128];
	if (sl_spool_open(&sp, &c, err, sizeof err))
		abort();
	const void *p;
	uint32_t len;
	uint64_t n = 0;
	while (sl_spool_peek(sp, &p, &len) == 0) {
		if (len > max_record)
			abort();
		sl_spool_consume(sp);
		n++;
	}
	const struct sl_spool_stats *s = sl_spool_stats(sp);
	if (s->recovered + s->appended != s->replayed + s->pending + s->dropped_oldest + s->lost ||
	    s->pending != 0 || n != s->replayed)
		abort();
	sl_spool_close(sp);
	char path[128];
	snprintf(path, sizeof path, "%s/00000000000000000001.seg", dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/cursor", dir);
	unlink(path);
	return 0;
}
