/* SPDX-License-Identifier: MIT */
/*
 * fuzz.ch_reply: a ClickHouse server's reply is untrusted bytes. The classifier, the
 * "Code: N" reader and the count() parser must read only the bytes they are given (the input
 * is copied into a buffer of exactly its size, so ASan sees any read past it), and what they
 * say must agree with a slow reference written here; the JSON escaper must write at most 6
 * bytes per input byte and produce a string a JSON reader takes back unchanged.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sinks/clickhouse/ch_reply.h"

static int64_t ref_count(const char *b, size_t n)
{
	if (n < 2 || b[n - 1] != '\n' || n - 1 > 18)
		return -1;
	int64_t v = 0;
	for (size_t i = 0; i + 1 < n; i++) {
		if (b[i] < '0' || b[i] > '9')
			return -1;
		v = v * 10 + (b[i] - '0');
	}
	return v;
}

/* Reads back what sl__ch_json_escape wrote; returns its length or -1. */
static long unescape(const char *e, size_t n, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)e[i];
		if (c < 0x20 || c == '"')
			return -1;
		if (c != '\\') {
			out[o++] = (char)c;
			continue;
		}
		if (++i >= n)
			return -1;
		if (e[i] == '"' || e[i] == '\\') {
			out[o++] = e[i];
		} else if (e[i] == 'u' && i + 4 < n) {
			char h[5] = { e[i + 1], e[i + 2], e[i + 3], e[i + 4], 0 };
			out[o++] = (char)strtol(h, NULL, 16);
			i += 4;
		} else {
			return -1;
		}
	}
	return (long)o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	int transport = data[0] % 3;
	long http = (long)(data[0] / 3) * 7;
	const uint8_t *p = data + 1;
	size_t n = size - 1;
	char *b = malloc(n ? n : 1);
	if (!b)
		return 0;
	memcpy(b, p, n);

	enum ch_class k = sl__ch_classify(transport, http, b, n);
	if ((unsigned)k >= CH_NCLASS)
		abort();
	if (transport == 0 && http == 200 && k != CH_OK)
		abort();
	if (transport == 1 && k != CH_NET_DOWN)
		abort();
	if (sl__ch_class_name(k) == NULL)
		abort();
	long code = sl__ch_exception_code(b, n);
	if (code >= 0 && (n < 7 || memcmp(b, "Code: ", 6) != 0))
		abort();
	int64_t c = sl__ch_parse_count(b, n);
	int64_t r = ref_count(b, n);
	if (r >= 0 && c != r)
		abort();
	if (c >= 0 && r < 0 && n - 1 <= 18)
		abort();

	char *e = malloc(6 * n + 1), *u = malloc(n + 1);
	if (e && u) {
		size_t en = sl__ch_json_escape(e, b, n);
		if (en > 6 * n)
			abort();
		long un = unescape(e, en, u);
		if (un != (long)n || memcmp(u, b, n) != 0)
			abort();
	}
	free(e);
	free(u);
	free(b);
	return 0;
}
