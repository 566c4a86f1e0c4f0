/* SPDX-License-Identifier: MIT */
/*
 * Typed values: how the text of a key's value becomes a bool, an integer, a size, a duration, a
 * string, an enum or a list, and how each is written back as text that parses to the same
 * value. Both the YAML loader and --set come through here, so a value means the same wherever
 * it is written, and every refusal carries one short reason ("not an integer", "70000000 is
 * out of range (64..262144)") that the callers prefix with where the value came from.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "conf_impl.h"

static void msgf(char *msg, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void msgf(char *msg, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (len == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, len, fmt, ap);
	va_end(ap);
}

static bool is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

static void trim(const char **t, size_t *n)
{
	while (*n > 0 && is_space(**t)) {
		(*t)++;
		(*n)--;
	}
	while (*n > 0 && is_space((*t)[*n - 1]))
		(*n)--;
}

/* ---- numbers ------------------------------------------------------------------------------ */

enum { NUM_OK = 0, NUM_SYNTAX = -1, NUM_OVERFLOW = -2 };

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Leading digits (decimal, or hex after 0x) of s; *used says how many bytes they took. */
static int scan_u64(const char *s, size_t n, size_t *used, uint64_t *out)
{
	unsigned base = 10;
	size_t i = 0, start;
	uint64_t v = 0;
	bool overflow = false;

	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && hexval(s[2]) >= 0) {
		base = 16;
		i = 2;
	}
	start = i;
	for (; i < n; i++) {
		int d = base == 16 ? hexval(s[i]) : (s[i] >= '0' && s[i] <= '9' ? s[i] - '0' : -1);
		if (d < 0)
			break;
		if (v > (UINT64_MAX - (uint64_t)d) / base)
			overflow = true;
		else
			v = v * base + (uint64_t)d;
	}
	if (i == start)
		return NUM_SYNTAX;
	*used = i;
	*out = v;
	return overflow ? NUM_OVERFLOW : NUM_OK;
}

static int parse_i64(const char *s, size_t n, int64_t *out)
{
	bool neg = false;
	size_t used;
	uint64_t u;
	int rc;

	trim(&s, &n);
	if (n > 0 && (s[0] == '-' || s[0] == '+')) {
		neg = s[0] == '-';
		s++;
		n--;
	}
	rc = scan_u64(s, n, &used, &u);
	if (rc == NUM_SYNTAX || used != n)
		return NUM_SYNTAX;
	if (rc == NUM_OVERFLOW || u > (neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX))
		return NUM_OVERFLOW;
	*out = neg ? (int64_t)(0 - u) : (int64_t)u;
	return NUM_OK;
}

struct unit {
	const char *name;
	uint64_t mult;
};

#define KIB UINT64_C(1024)
static const struct unit size_units[] = {
	{ "b", 1 },
	{ "kib", KIB }, { "mib", KIB * KIB }, { "gib", KIB * KIB * KIB }, { "tib", KIB * KIB * KIB * KIB },
	{ "kb", 1000 }, { "mb", 1000000 }, { "gb", 1000000000 }, { "tb", UINT64_C(1000000000000) },
	{ NULL, 0 },
};

#define NS_S UINT64_C(1000000000)
static const struct unit duration_units[] = {
	{ "d", 86400 * NS_S }, { "h", 3600 * NS_S }, { "m", 60 * NS_S }, { "s", NS_S },
	{ "ms", 1000000 }, { "us", 1000 }, { "ns", 1 },
	{ NULL, 0 },
};

/* "<whole number>[ ]<unit>"; a missing unit multiplies by bare. */
static int parse_with_unit(const char *s, size_t n, const struct unit *units, bool any_case,
                           uint64_t bare, uint64_t *out)
{
	const struct unit *u;
	uint64_t v, mult = 0;
	size_t used;
	int rc;

	trim(&s, &n);
	rc = scan_u64(s, n, &used, &v);
	if (rc == NUM_SYNTAX)
		return NUM_SYNTAX;
	s += used;
	n -= used;
	while (n > 0 && *s == ' ') {
		s++;
		n--;
	}
	if (n == 0) {
		mult = bare;
	} else {
		for (u = units; u->name; u++) {
			if (strlen(u->name) == n &&
			    (any_case ? strncasecmp(s, u->name, n) : strncmp(s, u->name, n)) == 0) {
				mult = u->mult;
				break;
			}
		}
		if (mult == 0)
			return NUM_SYNTAX;
	}
	if (rc == NUM_OVERFLOW || (v != 0 && v > UINT64_MAX / mult))
		return NUM_OVERFLOW;
	*out = v * mult;
	return NUM_OK;
}

/* ---- writing values back ------------------------------------------------------------------ */

void sl__sbuf_put(struct sl__sbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void sl__sbuf_printf(struct sl__sbuf *b, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(tmp)) {
		sl__sbuf_put(b, tmp, (size_t)n);
		return;
	}
	char *big = malloc((size_t)n + 1);
	if (!big) {
		b->oom = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sl__sbuf_put(b, big, (size_t)n);
	free(big);
}

/* The shortest exact spelling, binary units winning ties: 65536 -> 64KiB, 1000000 -> 1MB,
 * 65535 -> 65535. */
void sl__conf_put_size(struct sl__sbuf *b, uint64_t bytes)
{
	static const char *const order[] = { "TB", "GB", "MB", "KB", "TiB", "GiB", "MiB", "KiB" };
	char best[32], cand[32];

	snprintf(best, sizeof(best), "%" PRIu64, bytes);
	for (size_t i = 0; bytes != 0 && i < sizeof(order) / sizeof(order[0]); i++) {
		uint64_t mult = 0;

		for (const struct unit *u = size_units; u->name; u++)
			if (strcasecmp(u->name, order[i]) == 0)
				mult = u->mult;
		if (bytes % mult != 0)
			continue;
		snprintf(cand, sizeof(cand), "%" PRIu64 "%s", bytes / mult, order[i]);
		if (strlen(cand) <= strlen(best))
			memcpy(best, cand, sizeof(best));
	}
	sl__sbuf_put(b, best, strlen(best));
}

/* The largest unit that divides exactly: 300 s -> 5m, 250 ms -> 250ms. */
void sl__conf_put_duration(struct sl__sbuf *b, uint64_t ns)
{
	if (ns == 0) {
		sl__sbuf_put(b, "0s", 2);
		return;
	}
	for (const struct unit *u = duration_units; u->name; u++) {
		if (ns % u->mult == 0) {
			sl__sbuf_printf(b, "%" PRIu64 "%s", ns / u->mult, u->name);
			return;
		}
	}
}

/* Decode one UTF-8 sequence at s (n bytes left); returns its length, 0 when invalid. */
static size_t utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t c = s[0], min;
	size_t len;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if ((c & 0xE0) == 0xC0) {
		len = 2, c &= 0x1F, min = 0x80;
	} else if ((c & 0xF0) == 0xE0) {
		len = 3, c &= 0x0F, min = 0x800;
	} else if ((c & 0xF8) == 0xF0) {
		len = 4, c &= 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return len;
}

/* A double-quoted YAML scalar. Everything YAML would not read back verbatim is escaped:
 * controls, DEL, C1 controls (NEL is a line break to YAML), the Unicode line and paragraph
 * separators, the BOM and the non-characters. */
static void put_quoted(struct sl__sbuf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);

	sl__sbuf_put(b, "\"", 1);
	while (n > 0) {
		uint32_t cp;
		size_t len = utf8_next(p, n, &cp);

		if (len == 0) { /* cannot happen for validated strings; keep the byte visible */
			sl__sbuf_printf(b, "\\x%02X", p[0]);
			p++, n--;
			continue;
		}
		if (cp == '"' || cp == '\\') {
			char esc[2] = { '\\', (char)cp };
			sl__sbuf_put(b, esc, 2);
		} else if (cp == '\n') {
			sl__sbuf_put(b, "\\n", 2);
		} else if (cp == '\t') {
			sl__sbuf_put(b, "\\t", 2);
		} else if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) {
			sl__sbuf_printf(b, "\\x%02" PRIX32, cp);
		} else if (cp == 0x2028 || cp == 0x2029 || cp == 0xFEFF || cp == 0xFFFE || cp == 0xFFFF) {
			sl__sbuf_printf(b, "\\u%04" PRIX32, cp);
		} else {
			sl__sbuf_put(b, (const char *)p, len);
		}
		p += len;
		n -= len;
	}
	sl__sbuf_put(b, "\"", 1);
}

/* Whether a list item can go unquoted in a flow sequence and read back as the same string. */
static bool plain_safe(const char *s)
{
	static const char *const special[] = { "null", "true", "false", "yes", "no", "on", "off",
		                                "y", "n", NULL };

	if (!((s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'))
			return false;
	for (size_t i = 0; special[i]; i++)
		if (strcasecmp(s, special[i]) == 0)
			return false;
	return true;
}

void sl__conf_put_value(struct sl__sbuf *b, const struct sl_conf_key *k, const void *field)
{
	switch (k->type) {
	case SL_CONF_BOOL:
		sl__sbuf_printf(b, "%s", *(const bool *)field ? "true" : "false");
		break;
	case SL_CONF_INT:
		sl__sbuf_printf(b, "%" PRId64, *(const int64_t *)field);
		break;
	case SL_CONF_SIZE:
		sl__conf_put_size(b, *(const uint64_t *)field);
		break;
	case SL_CONF_DURATION:
		sl__conf_put_duration(b, *(const uint64_t *)field);
		break;
	case SL_CONF_STRING: {
		const char *s = *(char *const *)field;
		put_quoted(b, s ? s : "");
		break;
	}
	case SL_CONF_ENUM: {
		int e = *(const int *)field;
		size_t n = 0;

		while (k->values[n])
			n++;
		if (e >= 0 && (size_t)e < n)
			sl__sbuf_printf(b, "%s", k->values[e]);
		else
			sl__sbuf_printf(b, "%d", e); /* refused when read back: visible, not hidden */
		break;
	}
	case SL_CONF_CPUS:
	case SL_CONF_INTS: {
		const struct sl_conf_ints *l = field;

		sl__sbuf_put(b, "[", 1);
		for (size_t i = 0; i < l->n; i++)
			sl__sbuf_printf(b, "%s%d", i ? ", " : "", l->v[i]);
		sl__sbuf_put(b, "]", 1);
		break;
	}
	case SL_CONF_STRINGS: {
		const struct sl_conf_strs *l = field;

		sl__sbuf_put(b, "[", 1);
		for (size_t i = 0; i < l->n; i++) {
			if (i)
				sl__sbuf_put(b, ", ", 2);
			if (plain_safe(l->v[i]))
				sl__sbuf_put(b, l->v[i], strlen(l->v[i]));
			else
				put_quoted(b, l->v[i]);
		}
		sl__sbuf_put(b, "]", 1);
		break;
	}
	}
}

/* ---- parsing ------------------------------------------------------------------------------ */

static void range_msg(const struct sl_conf_key *k, const char *what, char *msg, size_t msglen)
{
	struct sl__sbuf lo = { 0 }, hi = { 0 };

	if (k->type == SL_CONF_SIZE) {
		sl__conf_put_size(&lo, (uint64_t)k->min);
		sl__conf_put_size(&hi, (uint64_t)k->max);
	} else if (k->type == SL_CONF_DURATION) {
		sl__conf_put_duration(&lo, (uint64_t)k->min);
		sl__conf_put_duration(&hi, (uint64_t)k->max);
	} else if (k->max == INT64_MAX) {
		sl__sbuf_printf(&lo, "%" PRId64, k->min);
		msgf(msg, msglen, "%s is out of range (%s or more)", what, lo.p ? lo.p : "?");
		free(lo.p);
		return;
	} else {
		sl__sbuf_printf(&lo, "%" PRId64, k->min);
		sl__sbuf_printf(&hi, "%" PRId64, k->max);
	}
	msgf(msg, msglen, "%s is out of range (%s..%s)", what, lo.p ? lo.p : "?", hi.p ? hi.p : "?");
	free(lo.p);
	free(hi.p);
}

/* The value text for a message, cut short when long. */
static void shown(char *buf, size_t len, const char *s, size_t n)
{
	if (n < len) {
		memcpy(buf, s, n);
		buf[n] = '\0';
	} else {
		snprintf(buf, len, "%.*s...", (int)(len - 4), s);
	}
}

static int parse_int_value(const struct sl_conf_key *k, const char *s, size_t n, int64_t *out,
                           const char *what, char *msg, size_t msglen)
{
	char txt[48];
	int64_t v = 0;
	int rc = parse_i64(s, n, &v);

	if (rc == NUM_SYNTAX) {
		msgf(msg, msglen, "not an integer");
		return SL_ECONFIG_VALUE;
	}
	if (rc == NUM_OVERFLOW || v < k->min || v > k->max) {
		trim(&s, &n);
		if (rc == NUM_OVERFLOW)
			shown(txt, sizeof(txt), s, n);
		else
			snprintf(txt, sizeof(txt), "%" PRId64, v);
		if (what) {
			char both[64];
			snprintf(both, sizeof(both), "%s %s", what, txt);
			range_msg(k, both, msg, msglen);
		} else {
			range_msg(k, txt, msg, msglen);
		}
		return SL_ECONFIG_VALUE;
	}
	*out = v;
	return 0;
}

static int parse_unit_value(const struct sl_conf_key *k, const char *s, size_t n, uint64_t *out,
                            char *msg, size_t msglen)
{
	bool size = k->type == SL_CONF_SIZE;
	uint64_t v = 0;
	int rc = size ? parse_with_unit(s, n, size_units, true, 1, &v)
	              : parse_with_unit(s, n, duration_units, false, NS_S, &v);

	if (rc == NUM_SYNTAX) {
		if (size)
			msgf(msg, msglen, "not a size (a whole number of bytes, optionally with a unit: "
			                  "B, KiB, MiB, GiB, TiB, or KB, MB, GB, TB for powers of 1000)");
		else
			msgf(msg, msglen, "not a duration (a whole number with a unit: ns, us, ms, s, m, "
			                  "h, d; a bare number is seconds)");
		return SL_ECONFIG_VALUE;
	}
	if (rc == NUM_OVERFLOW || v < (uint64_t)k->min || v > (uint64_t)k->max) {
		char txt[48];
		struct sl__sbuf b = { 0 };

		trim(&s, &n);
		if (rc == NUM_OVERFLOW) {
			shown(txt, sizeof(txt), s, n);
		} else {
			if (size)
				sl__conf_put_size(&b, v);
			else
				sl__conf_put_duration(&b, v);
			snprintf(txt, sizeof(txt), "%s", b.p ? b.p : "?");
			free(b.p);
		}
		range_msg(k, txt, msg, msglen);
		return SL_ECONFIG_VALUE;
	}
	*out = v;
	return 0;
}

static int parse_bool(const char *s, size_t n, bool *out, char *msg, size_t msglen)
{
	static const char *const yes[] = { "true", "yes", "on", NULL };
	static const char *const no[] = { "false", "no", "off", NULL };

	trim(&s, &n);
	for (size_t i = 0; yes[i]; i++) {
		if (strlen(yes[i]) == n && strncasecmp(s, yes[i], n) == 0) {
			*out = true;
			return 0;
		}
		if (strlen(no[i]) == n && strncasecmp(s, no[i], n) == 0) {
			*out = false;
			return 0;
		}
	}
	msgf(msg, msglen, "not a boolean (true or false)");
	return SL_ECONFIG_VALUE;
}

static void list_names(const char *const *values, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; values[i] && used < len; i++) {
		int w = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", values[i]);
		if (w < 0)
			break;
		used += (size_t)w;
	}
}

/* The index of s in values, any case, or -1. */
static int find_name(const char *const *values, const char *s, size_t n)
{
	for (int i = 0; values[i]; i++)
		if (strlen(values[i]) == n && strncasecmp(values[i], s, n) == 0)
			return i;
	return -1;
}

static int parse_enum(const struct sl_conf_key *k, const char *s, size_t n, int *out, char *msg,
                      size_t msglen)
{
	char names[256];
	int i;

	trim(&s, &n);
	i = find_name(k->values, s, n);
	if (i < 0) {
		list_names(k->values, names, sizeof(names));
		msgf(msg, msglen, "must be one of %s", names);
		return SL_ECONFIG_VALUE;
	}
	*out = i;
	return 0;
}

/* Text stored as a string: UTF-8, no NUL, length within the row's limits. */
static int check_string(const struct sl_conf_key *k, const char *s, size_t n, char *msg,
                        size_t msglen)
{
	size_t max = k->max > 0 ? (size_t)k->max : SL__CONF_STRING_MAX;
	uint32_t cp;

	if (memchr(s, '\0', n)) {
		msgf(msg, msglen, "contains a NUL byte");
		return SL_ECONFIG_VALUE;
	}
	for (size_t i = 0, len; i < n; i += len) {
		len = utf8_next((const unsigned char *)s + i, n - i, &cp);
		if (len == 0) {
			msgf(msg, msglen, "not valid UTF-8");
			return SL_ECONFIG_VALUE;
		}
	}
	if (n > max) {
		msgf(msg, msglen, "longer than %zu bytes", max);
		return SL_ECONFIG_VALUE;
	}
	if (n < (size_t)k->min) {
		if (k->min == 1)
			msgf(msg, msglen, "must not be empty");
		else
			msgf(msg, msglen, "shorter than %" PRId64 " bytes", k->min);
		return SL_ECONFIG_VALUE;
	}
	return 0;
}

static int ints_push(struct sl_conf_ints *l, int v, char *msg, size_t msglen)
{
	int *p;

	for (size_t i = 0; i < l->n; i++) {
		if (l->v[i] == v) {
			msgf(msg, msglen, "%d is listed twice", v);
			return SL_ECONFIG_VALUE;
		}
	}
	if (l->n >= SL__CONF_LIST_MAX) {
		msgf(msg, msglen, "more than %d items", SL__CONF_LIST_MAX);
		return SL_ECONFIG_VALUE;
	}
	if ((l->n & (l->n - 1)) == 0) { /* grow at 0, 1, 2, 4, ... */
		p = realloc(l->v, (l->n ? l->n * 2 : 1) * sizeof(*p));
		if (!p)
			return -ENOMEM;
		l->v = p;
	}
	l->v[l->n++] = v;
	return 0;
}

static int strs_push(struct sl_conf_strs *l, const char *s, size_t n, char *msg, size_t msglen)
{
	char **p;
	char *dup;

	for (size_t i = 0; i < l->n; i++) {
		if (strlen(l->v[i]) == n && memcmp(l->v[i], s, n) == 0) {
			msgf(msg, msglen, "\"%.*s\" is listed twice", n > 64 ? 64 : (int)n, s);
			return SL_ECONFIG_VALUE;
		}
	}
	if (l->n >= SL__CONF_LIST_MAX) {
		msgf(msg, msglen, "more than %d items", SL__CONF_LIST_MAX);
		return SL_ECONFIG_VALUE;
	}
	if ((l->n & (l->n - 1)) == 0) {
		p = realloc(l->v, (l->n ? l->n * 2 : 1) * sizeof(*p));
		if (!p)
			return -ENOMEM;
		l->v = p;
	}
	dup = strndup(s, n);
	if (!dup)
		return -ENOMEM;
	l->v[l->n++] = dup;
	return 0;
}

int sl__conf_list_add(const struct sl_conf_key *k, union sl__conf_slot *list, const char *s,
                      size_t n, char *msg, size_t msglen)
{
	int rc;

	if (k->type != SL_CONF_STRINGS)
		trim(&s, &n);
	if (n == 0) {
		msgf(msg, msglen, "empty list item");
		return SL_ECONFIG_VALUE;
	}
	switch (k->type) {
	case SL_CONF_INTS: {
		int64_t v;

		rc = parse_int_value(k, s, n, &v, NULL, msg, msglen);
		return rc ? rc : ints_push(&list->ints, (int)v, msg, msglen);
	}
	case SL_CONF_CPUS: {
		/* "7" or "0-3"; a leading '-' is a sign, so "-1" is refused as out of range */
		const char *dash = n > 1 ? memchr(s + 1, '-', n - 1) : NULL;
		int64_t lo, hi;

		if (!dash) {
			rc = parse_int_value(k, s, n, &lo, "cpu", msg, msglen);
			return rc ? rc : ints_push(&list->ints, (int)lo, msg, msglen);
		}
		if (parse_i64(s, (size_t)(dash - s), &lo) == NUM_SYNTAX ||
		    parse_i64(dash + 1, n - (size_t)(dash - s) - 1, &hi) == NUM_SYNTAX) {
			msgf(msg, msglen, "not a CPU list (numbers and ranges such as 0-3,6)");
			return SL_ECONFIG_VALUE;
		}
		rc = parse_int_value(k, s, (size_t)(dash - s), &lo, "cpu", msg, msglen);
		if (rc == 0)
			rc = parse_int_value(k, dash + 1, n - (size_t)(dash - s) - 1, &hi, "cpu", msg,
			                     msglen);
		if (rc)
			return rc;
		if (lo > hi) {
			msgf(msg, msglen, "%" PRId64 "-%" PRId64 " is an empty range", lo, hi);
			return SL_ECONFIG_VALUE;
		}
		for (int64_t c = lo; c <= hi; c++) {
			rc = ints_push(&list->ints, (int)c, msg, msglen);
			if (rc)
				return rc;
		}
		return 0;
	}
	case SL_CONF_STRINGS: {
		rc = check_string(k, s, n, msg, msglen);
		if (rc)
			return rc;
		if (k->values) {
			char names[256];
			int i = find_name(k->values, s, n);

			if (i < 0) {
				list_names(k->values, names, sizeof(names));
				msgf(msg, msglen, "\"%.*s\" is not one of %s", n > 64 ? 64 : (int)n, s,
				     names);
				return SL_ECONFIG_VALUE;
			}
			s = k->values[i]; /* the canonical spelling */
			n = strlen(s);
		}
		return strs_push(&list->strs, s, n, msg, msglen);
	}
	default:
		msgf(msg, msglen, "not a list");
		return SL_ECONFIG_VALUE;
	}
}

/* Split "a, b" or "[a, b]" into items; each may be quoted to keep its spaces. */
static int parse_list_text(const struct sl_conf_key *k, const char *s, size_t n,
                           union sl__conf_slot *out, char *msg, size_t msglen)
{
	trim(&s, &n);
	if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
		s++;
		n -= 2;
		trim(&s, &n);
	}
	if (n == 0)
		return 0;
	for (;;) {
		const char *comma = memchr(s, ',', n);
		size_t len = comma ? (size_t)(comma - s) : n;
		const char *item = s;
		int rc;

		trim(&item, &len);
		if (len >= 2 && (item[0] == '"' || item[0] == '\'') && item[len - 1] == item[0]) {
			item++;
			len -= 2;
		}
		rc = sl__conf_list_add(k, out, item, len, msg, msglen);
		if (rc)
			return rc;
		if (!comma)
			return 0;
		n -= (size_t)(comma - s) + 1;
		s = comma + 1;
	}
}

void sl__conf_slot_free(const struct sl_conf_key *k, union sl__conf_slot *v)
{
	sl__conf_field_free(k, v);
	memset(v, 0, sizeof(*v));
}

int sl__conf_parse_text(const struct sl_conf_key *k, const char *text, size_t len,
                        union sl__conf_slot *out, char *msg, size_t msglen)
{
	int rc = 0;

	memset(out, 0, sizeof(*out));
	switch (k->type) {
	case SL_CONF_BOOL:
		rc = parse_bool(text, len, &out->b, msg, msglen);
		break;
	case SL_CONF_INT:
		rc = parse_int_value(k, text, len, &out->i, NULL, msg, msglen);
		break;
	case SL_CONF_SIZE:
	case SL_CONF_DURATION:
		rc = parse_unit_value(k, text, len, &out->u, msg, msglen);
		break;
	case SL_CONF_ENUM:
		rc = parse_enum(k, text, len, &out->e, msg, msglen);
		break;
	case SL_CONF_STRING:
		rc = check_string(k, text, len, msg, msglen);
		if (rc == 0) {
			out->s = strndup(text, len);
			if (!out->s)
				rc = -ENOMEM;
		}
		break;
	case SL_CONF_CPUS:
	case SL_CONF_INTS:
	case SL_CONF_STRINGS:
		rc = parse_list_text(k, text, len, out, msg, msglen);
		break;
	}
	if (rc == 0)
		rc = sl__conf_finish(k, out, msg, msglen);
	else
		sl__conf_slot_free(k, out);
	return rc;
}

int sl__conf_finish(const struct sl_conf_key *k, union sl__conf_slot *v, char *msg, size_t msglen)
{
	if (k->check && k->check(v, msg, msglen) != 0) {
		sl__conf_slot_free(k, v);
		return SL_ECONFIG_VALUE;
	}
	return 0;
}

/* ---- fields ------------------------------------------------------------------------------- */

static size_t type_size(enum sl_conf_type t)
{
	switch (t) {
	case SL_CONF_BOOL:
		return sizeof(bool);
	case SL_CONF_INT:
		return sizeof(int64_t);
	case SL_CONF_SIZE:
	case SL_CONF_DURATION:
		return sizeof(uint64_t);
	case SL_CONF_STRING:
		return sizeof(char *);
	case SL_CONF_ENUM:
		return sizeof(int);
	case SL_CONF_CPUS:
	case SL_CONF_INTS:
		return sizeof(struct sl_conf_ints);
	case SL_CONF_STRINGS:
		return sizeof(struct sl_conf_strs);
	}
	return 0;
}

void sl__conf_store(struct sl_config *c, const struct sl_conf_key *k, union sl__conf_slot *v)
{
	void *f = sl__conf_field(c, k);

	sl__conf_field_free(k, f);
	memcpy(f, v, type_size(k->type));
	memset(v, 0, sizeof(*v));
}

void sl__conf_field_free(const struct sl_conf_key *k, void *field)
{
	switch (k->type) {
	case SL_CONF_STRING: {
		char **s = field;
		free(*s);
		*s = NULL;
		break;
	}
	case SL_CONF_CPUS:
	case SL_CONF_INTS: {
		struct sl_conf_ints *l = field;
		free(l->v);
		l->v = NULL;
		l->n = 0;
		break;
	}
	case SL_CONF_STRINGS: {
		struct sl_conf_strs *l = field;
		for (size_t i = 0; i < l->n; i++)
			free(l->v[i]);
		free(l->v);
		l->v = NULL;
		l->n = 0;
		break;
	}
	default:
		break;
	}
}

int sl__conf_field_copy(const struct sl_conf_key *k, void *dst, const void *src)
{
	switch (k->type) {
	case SL_CONF_STRING: {
		const char *s = *(char *const *)src;
		char *d = s ? strdup(s) : NULL;

		if (s && !d)
			return -ENOMEM;
		*(char **)dst = d;
		return 0;
	}
	case SL_CONF_CPUS:
	case SL_CONF_INTS: {
		const struct sl_conf_ints *s = src;
		struct sl_conf_ints *d = dst;

		d->v = NULL;
		d->n = 0;
		if (s->n == 0)
			return 0;
		d->v = malloc(s->n * sizeof(*d->v));
		if (!d->v)
			return -ENOMEM;
		memcpy(d->v, s->v, s->n * sizeof(*d->v));
		d->n = s->n;
		return 0;
	}
	case SL_CONF_STRINGS: {
		const struct sl_conf_strs *s = src;
		struct sl_conf_strs *d = dst;

		d->v = NULL;
		d->n = 0;
		if (s->n == 0)
			return 0;
		d->v = calloc(s->n, sizeof(*d->v));
		if (!d->v)
			return -ENOMEM;
		for (size_t i = 0; i < s->n; i++) {
			d->v[i] = strdup(s->v[i]);
			if (!d->v[i]) {
				d->n = i;
				sl__conf_field_free(k, d);
				return -ENOMEM;
			}
		}
		d->n = s->n;
		return 0;
	}
	default:
		memcpy(dst, src, type_size(k->type));
		return 0;
	}
}

bool sl__conf_field_equal(const struct sl_conf_key *k, const void *a, const void *b)
{
	switch (k->type) {
	case SL_CONF_BOOL:
		return *(const bool *)a == *(const bool *)b;
	case SL_CONF_INT:
		return *(const int64_t *)a == *(const int64_t *)b;
	case SL_CONF_SIZE:
	case SL_CONF_DURATION:
		return *(const uint64_t *)a == *(const uint64_t *)b;
	case SL_CONF_ENUM:
		return *(const int *)a == *(const int *)b;
	case SL_CONF_STRING: {
		const char *x = *(char *const *)a, *y = *(char *const *)b;
		return strcmp(x ? x : "", y ? y : "") == 0;
	}
	case SL_CONF_CPUS:
	case SL_CONF_INTS: {
		const struct sl_conf_ints *x = a, *y = b;
		return x->n == y->n && (x->n == 0 || memcmp(x->v, y->v, x->n * sizeof(*x->v)) == 0);
	}
	case SL_CONF_STRINGS: {
		const struct sl_conf_strs *x = a, *y = b;

		if (x->n != y->n)
			return false;
		for (size_t i = 0; i < x->n; i++)
			if (strcmp(x->v[i], y->v[i]) != 0)
				return false;
		return true;
	}
	}
	return false;
}

/* ---- socket addresses (metrics.listen and the like) --------------------------------------- */

int sl_conf_parse_addr(const char *s, struct sockaddr_storage *ss, unsigned *len, char *msg, size_t msglen)
{
	char host[64];
	const char *colon;
	size_t hl;
	char *end;

	memset(ss, 0, sizeof *ss);
	if (s[0] == '[') { /* [v6]:port */
		const char *rb = strchr(s, ']');
		if (!rb || rb[1] != ':') {
			snprintf(msg, msglen, "\"%s\": an IPv6 address is written [ADDR]:PORT", s);
			return -EINVAL;
		}
		hl = (size_t)(rb - s - 1);
		if (hl >= sizeof host)
			goto bad;
		memcpy(host, s + 1, hl);
		colon = rb + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			goto bad;
		hl = (size_t)(colon - s);
		if (hl >= sizeof host)
			goto bad;
		memcpy(host, s, hl);
	}
	host[hl] = 0;
	errno = 0;
	long port = strtol(colon + 1, &end, 10);
	if (colon[1] == 0 || *end || errno || port < 1 || port > 65535) {
		snprintf(msg, msglen, "\"%s\": the port must be 1..65535", s);
		return -EINVAL;
	}
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		*len = sizeof *a4;
		return 0;
	}
	if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		*len = sizeof *a6;
		return 0;
	}
bad:
	snprintf(msg, msglen, "\"%s\" is not ADDRESS:PORT (a numeric address, e.g. 127.0.0.1:9580)", s);
	return -EINVAL;
}
