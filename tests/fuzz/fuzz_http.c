/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the HTTP/1.x stream parser. Input: [split:1][chunk a:1][chunk b:1]
 * then bytes; the first part (split/256 of them) is the client stream, the rest the server
 * stream, each fed in chunks whose sizes cycle between a and b, interleaved, then closed.
 * Checks: consumed never exceeds the input, strings lie inside the chunk or the head buffer,
 * NEED_MORE consumes everything, and the event loop always ends.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sl_http_conn conn;

static void check_str(struct sl_http_str s, const uint8_t *chunk, size_t len, int dir)
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
	b = data[2] + 1u;
	pos[0] = 3;
	end[0] = split;
	pos[1] = split;
	end[1] = size;
	sl_http_init(&conn);
	while (pos[0] < end[0] || pos[1] < end[1]) {
		int dir = (int)(turn & 1);
		size_t n = (turn & 2) ? a : b;

		turn++;
		if (pos[dir] >= end[dir])
			continue;
		if (n > end[dir] - pos[dir])
			n = end[dir] - pos[dir];
		feed(dir, data + pos[dir], n);
		pos[dir] += n;
	}
	sl_http_close(&conn, 0, &m);
	sl_http_close(&conn, 1, &m);
	(void)sl_http_probe(data, size);
	return 0;
}
