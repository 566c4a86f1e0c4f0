/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the HTTP/1.x stream parser. Input: [split:1][chunk a:1][chunk b:1]
 * then bytes; the first part (split/256 of them) is the client stream, the rest the server
 * stream, each fed in chunks whose sizes cycle between a and b, interleaved, then closed.
 * With bit 6 of the chunk byte a set, every fifth chunk is lost instead (sl_http_gap with its
 * size); with bit 7, the client side starts resynchronising (a connection picked up mid-way).
 * Checks: consumed never exceeds the input, strings lie inside the chunk or the head buffer,
 * NEED_MORE consumes everything, and the event loop always ends. The detection probes run on
 * every prefix of the first SL_HTTP_PROBE_MAX + 16 bytes, each copied to a buffer of exactly
 * that size so a read past it is caught.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sl_http_conn conn;

static void check_str(struct sl_http_str s, const void *chunk, size_t len, int dir)
{
	const char *lo = (const char *)chunk, *hb = conn.side[dir].hbuf;

	if (s.ptr == NULL) {
		if (s.len)
			abort();
		return;
	}
	if (!((s.ptr >= lo && s.ptr + s.len <= lo + len) ||
	      (s.ptr >= hb && s.ptr + s.len <= hb + SL_HTTP_HDR_MAX)))
		abort();
}

static void feed(int dir, const uint8_t *p, size_t n)
{
	struct sl_http_msg m;
	size_t used;
	unsigned guard = 0;
	int ev;

	do {
		ev = sl_http_feed(&conn, dir, p, n, &used, &m);
		if (used > n || ev < 0 || ev > SL_HTTP_ERROR)
			abort();
		if (ev == SL_HTTP_NEED_MORE && used != n)
			abort();
		if (ev == SL_HTTP_HEAD) {
			check_str(m.method, p, n, dir);
			check_str(m.uri, p, n, dir);
			check_str(m.protocol, p, n, dir);
			check_str(m.host, p, n, dir);
			check_str(m.user_agent, p, n, dir);
			check_str(m.content_type, p, n, dir);
			check_str(m.reason, p, n, dir);
			check_str(m.referer, p, n, dir);
		}
		if (ev == SL_HTTP_ERROR && (m.error <= 0 || m.error >= SL_HTTP_E_COUNT))
			abort();
		p += used;
		n -= used;
		if (++guard > 4 * 65536)
			abort(); /* no progress */
	} while (ev != SL_HTTP_NEED_MORE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t split, pos[2], end[2];
	unsigned a, b, turn = 0;
	struct sl_http_msg m;

	if (size < 3)
		return 0;
	split = 3 + (size - 3) * data[0] / 256;
	a = data[1] % 64 + 1;
	int gaps = data[1] & 0x40;
	b = data[2] + 1u;
	pos[0] = 3;
	end[0] = split;
	pos[1] = split;
	end[1] = size;
	sl_http_init(&conn);
	if (data[1] & 0x80)
		sl_http_resync(&conn, SL_HTTP_TO_SERVER);
	while (pos[0] < end[0] || pos[1] < end[1]) {
		int dir = (int)(turn & 1);
		size_t n = (turn & 2) ? a : b;

		turn++;
		if (pos[dir] >= end[dir])
			continue;
		if (n > end[dir] - pos[dir])
			n = end[dir] - pos[dir];
		if (gaps && turn % 5 == 0) {
			int ev = sl_http_gap(&conn, dir, n, &m);
			/* an event from a gap comes with the resync, unless the gap was exactly
			 * the rest of a body */
			if (ev != SL_HTTP_NEED_MORE && !m.resync && !(ev == SL_HTTP_END && m.complete))
				abort();
			if (ev == SL_HTTP_HEAD) { /* a cut head: its strings lie in the head buffer */
				check_str(m.method, conn.side[dir].hbuf, 0, dir);
				check_str(m.uri, conn.side[dir].hbuf, 0, dir);
				check_str(m.host, conn.side[dir].hbuf, 0, dir);
				check_str(m.user_agent, conn.side[dir].hbuf, 0, dir);
			}
		} else {
			feed(dir, data + pos[dir], n);
		}
		pos[dir] += n;
	}
	sl_http_close(&conn, 0, &m);
	sl_http_close(&conn, 1, &m);
	for (size_t k = 0; k <= size && k <= SL_HTTP_PROBE_MAX + 16; k++) {
		uint8_t *copy = malloc(k ? k : 1);

		if (copy == NULL)
			abort();
		memcpy(copy, data, k);
		int r = sl_http_probe(copy, k), rr = sl_http_probe_response(copy, k);
		if ((r != 0 && r != 1 && r != -EAGAIN) || (rr != 0 && rr != 1 && rr != -EAGAIN))
			abort();
		if (k >= SL_HTTP_PROBE_MAX && r == -EAGAIN)
			abort(); /* the probe must decide within its bound */
		free(copy);
	}
	return 0;
}
