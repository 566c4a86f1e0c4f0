/* SPDX-License-Identifier: MIT */
/*
 * The control requests' parser. Every byte comes from a client of the control socket, so it
 * is written like a packet parser: one forward pass with an explicit end, every read checked
 * against it, bounded output buffers, and an error that says where it stopped instead of a
 * guess. It knows the three members a request may have (cmd, n, level) and refuses the rest,
 * so a typo ("levle") is an answer, not a silent default.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "request.h"

static const char *const cmd_names[SL_CTL_CMD_END] = {
	[SL_CTL_STATS] = "stats",       [SL_CTL_RINGS] = "rings",   [SL_CTL_FLOWS] = "flows",
	[SL_CTL_RELOAD] = "reload",     [SL_CTL_PAUSE] = "pause",   [SL_CTL_RESUME] = "resume",
	[SL_CTL_LOGLEVEL] = "loglevel", [SL_CTL_VERSION] = "version", [SL_CTL_SHUTDOWN] = "shutdown",
};

static const char *const level_names[] = { "error", "warning", "notice", "info", "debug" };

const char *sl_ctl_cmd_name(enum sl_ctl_cmd c)
{
	return (c > 0 && c < SL_CTL_CMD_END) ? cmd_names[c] : NULL;
}

const char *sl_ctl_level_name(int level)
{
	return (level >= 0 && level < (int)(sizeof level_names / sizeof level_names[0])) ? level_names[level] : NULL;
}

struct cur {
	const char *p, *end, *start;
	char *err;
	size_t errlen;
};

#define STR_MAX 64 /* longest member name or string value we keep; longer ones are refused */

static int fail(struct cur *c, const char *what)
{
	snprintf(c->err, c->errlen, "bad request at byte %zu: %s", (size_t)(c->p - c->start), what);
	return -EINVAL;
}

static void ws(struct cur *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

static int hexval(char h)
{
	if (h >= '0' && h <= '9')
		return h - '0';
	if (h >= 'a' && h <= 'f')
		return h - 'a' + 10;
	if (h >= 'A' && h <= 'F')
		return h - 'A' + 10;
	return -1;
}

/* A JSON string at c->p (the opening quote) into out (NUL-terminated, at most STR_MAX bytes).
 * \u escapes are decoded only below 0x80 (no name we know needs more); a control character,
 * a bad escape or a string longer than STR_MAX is refused. */
static int string(struct cur *c, char out[STR_MAX + 1])
{
	size_t n = 0;

	if (c->p >= c->end || *c->p != '"')
		return fail(c, "a string was expected");
	c->p++;
	for (;;) {
		if (c->p >= c->end)
			return fail(c, "unterminated string");
		unsigned char ch = (unsigned char)*c->p++;
		if (ch == '"')
			break;
		if (ch < 0x20)
			return fail(c, "control character in a string");
		if (ch == '\\') {
			if (c->p >= c->end)
				return fail(c, "unterminated escape");
			char e = *c->p++;
			switch (e) {
			case '"': ch = '"'; break;
			case '\\': ch = '\\'; break;
			case '/': ch = '/'; break;
			case 'b': ch = '\b'; break;
			case 'f': ch = '\f'; break;
			case 'n': ch = '\n'; break;
			case 'r': ch = '\r'; break;
			case 't': ch = '\t'; break;
			case 'u': {
				int v = 0;
				if (c->end - c->p < 4)
					return fail(c, "short \\u escape");
				for (int i = 0; i < 4; i++) {
					int h = hexval(c->p[i]);
					if (h < 0)
						return fail(c, "bad \\u escape");
					v = v * 16 + h;
				}
				c->p += 4;
				if (v == 0 || v >= 0x80)
					return fail(c, "\\u escape outside 0x01..0x7f");
				ch = (unsigned char)v;
				break;
			}
			default:
				return fail(c, "bad escape");
			}
		}
		if (n == STR_MAX)
			return fail(c, "string longer than 64 bytes");
		out[n++] = (char)ch;
	}
	out[n] = 0;
	return 0;
}

/* A JSON number; only integers are meaningful to us, within int64 */
static int integer(struct cur *c, int64_t *v, int *is_int)
{
	const char *s = c->p;
	int neg = 0, digits = 0;
	uint64_t acc = 0;
	int overflow = 0;

	*is_int = 1;
	if (c->p < c->end && *c->p == '-') {
		neg = 1;
		c->p++;
	}
	if (c->p < c->end && *c->p == '0') {
		c->p++;
		digits = 1;
	} else {
		while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
			unsigned d = (unsigned)(*c->p++ - '0');
			if (acc > (UINT64_MAX - d) / 10)
				overflow = 1;
			else
				acc = acc * 10 + d;
			digits++;
		}
	}
	if (!digits) {
		c->p = s;
		return fail(c, "a value was expected");
	}
	if (c->p < c->end && *c->p == '.') {
		*is_int = 0;
		c->p++;
		if (c->p >= c->end || *c->p < '0' || *c->p > '9')
			return fail(c, "bad number");
		while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
			c->p++;
	}
	if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
		*is_int = 0;
		c->p++;
		if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
			c->p++;
		if (c->p >= c->end || *c->p < '0' || *c->p > '9')
			return fail(c, "bad number");
		while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
			c->p++;
	}
	if (overflow || acc > (uint64_t)INT64_MAX)
		*is_int = 0;
	*v = neg ? -(int64_t)acc : (int64_t)acc;
	return 0;
}

static int literal(struct cur *c, const char *word)
{
	size_t n = strlen(word);
	if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n) != 0)
		return fail(c, "a value was expected");
	c->p += n;
	return 0;
}

enum vkind { V_STRING, V_INT, V_OTHER };

int sl_ctl_parse(const char *buf, size_t len, struct sl_ctl_req *req, char *err, size_t errlen)
{
	struct cur c = { .p = buf, .end = buf + len, .start = buf, .err = err, .errlen = errlen };
	char key[STR_MAX + 1], sval[STR_MAX + 1], cmd[STR_MAX + 1] = "", level[STR_MAX + 1] = "";
	int have_cmd = 0, have_n = 0, have_level = 0;
	int64_t n = 0;
	int e;

	if (errlen)
		err[0] = 0;
	memset(req, 0, sizeof *req);
	ws(&c);
	if (c.p >= c.end || *c.p != '{')
		return fail(&c, "a JSON object was expected");
	c.p++;
	ws(&c);
	if (c.p < c.end && *c.p == '}') {
		c.p++;
	} else {
		for (;;) {
			enum vkind kind = V_OTHER;
			int64_t iv = 0;
			int is_int = 0;

			ws(&c);
			if ((e = string(&c, key)) != 0)
				return e;
			ws(&c);
			if (c.p >= c.end || *c.p != ':')
				return fail(&c, "':' was expected");
			c.p++;
			ws(&c);
			if (c.p >= c.end)
				return fail(&c, "a value was expected");
			switch (*c.p) {
			case '"':
				if ((e = string(&c, sval)) != 0)
					return e;
				kind = V_STRING;
				break;
			case '{':
			case '[':
				return fail(&c, "objects and arrays are not accepted as values");
			case 't':
				e = literal(&c, "true");
				break;
			case 'f':
				e = literal(&c, "false");
				break;
			case 'n':
				e = literal(&c, "null");
				break;
			default:
				e = integer(&c, &iv, &is_int);
				kind = is_int ? V_INT : V_OTHER;
			}
			if (e)
				return e;
			if (strcmp(key, "cmd") == 0) {
				if (have_cmd)
					return fail(&c, "duplicate member \"cmd\"");
				if (kind != V_STRING)
					return fail(&c, "\"cmd\" must be a string");
				memcpy(cmd, sval, sizeof cmd);
				have_cmd = 1;
			} else if (strcmp(key, "n") == 0) {
				if (have_n)
					return fail(&c, "duplicate member \"n\"");
				if (kind != V_INT || iv < 1 || iv > SL_CTL_FLOWS_MAX)
					return fail(&c, "\"n\" must be an integer from 1 to 100");
				n = iv;
				have_n = 1;
			} else if (strcmp(key, "level") == 0) {
				if (have_level)
					return fail(&c, "duplicate member \"level\"");
				if (kind != V_STRING)
					return fail(&c, "\"level\" must be a string");
				memcpy(level, sval, sizeof level);
				have_level = 1;
			} else {
				return fail(&c, "unknown member (a request has cmd, and n or level)");
			}
			ws(&c);
			if (c.p < c.end && *c.p == ',') {
				c.p++;
				continue;
			}
			if (c.p < c.end && *c.p == '}') {
				c.p++;
				break;
			}
			return fail(&c, "',' or '}' was expected");
		}
	}
	ws(&c);
	if (c.p != c.end)
		return fail(&c, "bytes after the object");
	if (!have_cmd) {
		snprintf(err, errlen, "bad request: no \"cmd\"");
		return -EINVAL;
	}
	for (int i = 1; i < SL_CTL_CMD_END; i++)
		if (strcmp(cmd, cmd_names[i]) == 0)
			req->cmd = (enum sl_ctl_cmd)i;
	if (req->cmd == 0) {
		/* the name is at most 64 bytes; printable ASCII only, the rest shown as '?' */
		for (char *q = cmd; *q; q++)
			if (*q < 0x20 || *q > 0x7e || *q == '"' || *q == '\\')
				*q = '?';
		snprintf(err, errlen, "unknown command \"%s\" (stats, rings, flows, reload, pause, resume, "
		         "loglevel, version, shutdown)", cmd);
		return -EINVAL;
	}
	if (have_n && req->cmd != SL_CTL_FLOWS) {
		snprintf(err, errlen, "bad request: \"n\" is for flows only");
		return -EINVAL;
	}
	if (have_level && req->cmd != SL_CTL_LOGLEVEL) {
		snprintf(err, errlen, "bad request: \"level\" is for loglevel only");
		return -EINVAL;
	}
	req->n = have_n ? n : SL_CTL_FLOWS_DEFAULT;
	req->level = -1;
	if (have_level) {
		for (int i = 0; sl_ctl_level_name(i); i++)
			if (strcmp(level, sl_ctl_level_name(i)) == 0)
				req->level = i;
		if (req->level < 0) {
			snprintf(err, errlen, "bad request: \"level\" is one of error, warning, notice, info, debug");
			return -EINVAL;
		}
	}
	return 0;
}
