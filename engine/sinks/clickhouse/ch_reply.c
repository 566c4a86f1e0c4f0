/* SPDX-License-Identifier: MIT */
/*
 * Reading a ClickHouse server's replies: the status and the "Code: N, e.displayText() = ..."
 * text of its exceptions decide whether a batch may have committed, is worth retrying, or
 * holds a row that will never parse. The codes are ClickHouse's ErrorCodes, the same from
 * 18.16 to current releases.
 */
#include "sinks/clickhouse/ch_reply.h"

long sl__ch_exception_code(const char *body, size_t len)
{
	static const char tag[] = "Code: ";
	size_t i = 0;
	long v = 0;

	if (len < sizeof tag)
		return -1;
	for (; i < sizeof tag - 1; i++)
		if (body[i] != tag[i])
			return -1;
	if (i >= len || body[i] < '0' || body[i] > '9')
		return -1;
	for (; i < len && body[i] >= '0' && body[i] <= '9'; i++) {
		if (v > 100000)
			return -1;
		v = v * 10 + (body[i] - '0');
	}
	return v;
}

/* Codes that say the data itself is wrong: parsing, conversion, sizes. */
static int bad_data(long code)
{
	switch (code) {
	case 6:   /* CANNOT_PARSE_TEXT */
	case 25:  /* CANNOT_PARSE_ESCAPE_SEQUENCE */
	case 26:  /* CANNOT_PARSE_QUOTED_STRING */
	case 27:  /* CANNOT_PARSE_INPUT_ASSERTION_FAILED */
	case 32:  /* ATTEMPT_TO_READ_AFTER_EOF */
	case 33:  /* CANNOT_READ_ALL_DATA */
	case 38:  /* CANNOT_PARSE_DATE */
	case 41:  /* CANNOT_PARSE_DATETIME */
	case 53:  /* TYPE_MISMATCH */
	case 69:  /* ARGUMENT_OUT_OF_BOUND */
	case 70:  /* CANNOT_CONVERT_TYPE */
	case 72:  /* CANNOT_PARSE_NUMBER */
	case 117: /* INCORRECT_DATA */
	case 131: /* TOO_LARGE_STRING_SIZE */
		return 1;
	}
	return 0;
}

enum ch_class sl__ch_classify(int transport, long http, const char *body, size_t len)
{
	if (transport == 1)
		return CH_NET_DOWN;
	if (transport != 0)
		return CH_NET_LOST;
	if (http == 200)
		return CH_OK;
	long code = sl__ch_exception_code(body, len);
	if (code == 252)
		return CH_PARTS;
	if (bad_data(code))
		return CH_BAD_ROW;
	if (http >= 500 || http < 100)
		return CH_SERVER;
	return CH_REFUSED;
}

const char *sl__ch_class_name(enum ch_class k)
{
	static const char *const n[CH_NCLASS] = { "ok", "network", "lost reply", "server error", "too many parts",
		                                  "bad row", "refused" };
	return (unsigned)k < CH_NCLASS ? n[k] : "?";
}

int64_t sl__ch_parse_count(const char *body, size_t len)
{
	int64_t v = 0;
	size_t i = 0;

	if (len == 0)
		return -1;
	for (; i < len && body[i] >= '0' && body[i] <= '9'; i++) {
		if (v > (INT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (body[i] - '0');
	}
	if (i == 0 || i + 1 != len || body[i] != '\n')
		return -1;
	return v;
}

size_t sl__ch_json_escape(char *out, const char *in, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char *o = out;

	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)in[i];
		if (ch == '"' || ch == '\\') {
			*o++ = '\\';
			*o++ = (char)ch;
		} else if (ch < 0x20) {
			*o++ = '\\';
			*o++ = 'u';
			*o++ = '0';
			*o++ = '0';
			*o++ = hex[ch >> 4];
			*o++ = hex[ch & 15];
		} else {
			*o++ = (char)ch;
		}
	}
	return (size_t)(o - out);
}
