/* SPDX-License-Identifier: MIT */
/*
 * sluicectl's JSON reader (json.h). A recursive descent bounded by SL_JSON_DEPTH and by the
 * caller's node array: a hostile or broken reply is an error message, never a read past its
 * end or an unbounded recursion.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "json.h"

struct jp {
	const char *p, *end, *start;
	struct sl_json_node *nodes;
	size_t cap, n;
	char *err;
	size_t errlen;
};

static int jfail(struct jp *j, int e, const char *what)
{
	snprintf(j->err, j->errlen, "bad JSON at byte %zu: %s", (size_t)(j->p - j->start), what);
	return e;
}

static void jws(struct jp *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

/* the raw text of a string at j->p (the quote): *s and *len, without the quotes */
static int jstring(struct jp *j, const char **s, uint32_t *len)
{
	const char *q;

	if (j->p >= j->end || *j->p != '"')
		return jfail(j, -EINVAL, "a string was expected");
	q = ++j->p;
	while (j->p < j->end && *j->p != '"') {
		if ((unsigned char)*j->p < 0x20)
			return jfail(j, -EINVAL, "control character in a string");
		if (*j->p == '\\') {
			if (++j->p >= j->end)
				break;
		}
		j->p++;
	}
	if (j->p >= j->end)
		return jfail(j, -EINVAL, "unterminated string");
	if ((size_t)(j->p - q) > UINT32_MAX)
		return jfail(j, -E2BIG, "string too long");
	*s = q;
	*len = (uint32_t)(j->p - q);
	j->p++;
	return 0;
}

static int jvalue(struct jp *j, uint32_t at, int depth);

static int jnode(struct jp *j, uint32_t *at)
{
	if (j->n >= j->cap)
		return jfail(j, -E2BIG, "too many values");
	*at = (uint32_t)j->n++;
	memset(&j->nodes[*at], 0, sizeof j->nodes[*at]);
	j->nodes[*at].child = j->nodes[*at].next = SL_JSON_NONE;
	return 0;
}

static int jcontainer(struct jp *j, uint32_t at, int depth, char close)
{
	uint32_t prev = SL_JSON_NONE;
	int e;

	j->p++;
	jws(j);
	if (j->p < j->end && *j->p == close) {
		j->p++;
		return 0;
	}
	for (;;) {
		const char *key = NULL;
		uint32_t keylen = 0, kid;
		jws(j);
		if (close == '}') {
			if ((e = jstring(j, &key, &keylen)) != 0)
				return e;
			jws(j);
			if (j->p >= j->end || *j->p != ':')
				return jfail(j, -EINVAL, "':' was expected");
			j->p++;
		}
		if ((e = jnode(j, &kid)) != 0)
			return e;
		j->nodes[kid].key = key;
		j->nodes[kid].keylen = keylen;
		if (prev == SL_JSON_NONE)
			j->nodes[at].child = kid;
		else
			j->nodes[prev].next = kid;
		prev = kid;
		if ((e = jvalue(j, kid, depth + 1)) != 0)
			return e;
		jws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == close) {
			j->p++;
			return 0;
		}
		return jfail(j, -EINVAL, close == '}' ? "',' or '}' was expected" : "',' or ']' was expected");
	}
}

static int jlit(struct jp *j, uint32_t at, const char *w, enum sl_json_type t)
{
	size_t n = strlen(w);
	if ((size_t)(j->end - j->p) < n || memcmp(j->p, w, n) != 0)
		return jfail(j, -EINVAL, "a value was expected");
	j->nodes[at].type = t;
	j->nodes[at].text = j->p;
	j->nodes[at].len = (uint32_t)n;
	j->p += n;
	return 0;
}

static int jvalue(struct jp *j, uint32_t at, int depth)
{
	jws(j);
	if (depth > SL_JSON_DEPTH)
		return jfail(j, -E2BIG, "nested too deep");
	if (j->p >= j->end)
		return jfail(j, -EINVAL, "a value was expected");
	switch (*j->p) {
	case '{':
		j->nodes[at].type = SL_JSON_OBJECT;
		return jcontainer(j, at, depth, '}');
	case '[':
		j->nodes[at].type = SL_JSON_ARRAY;
		return jcontainer(j, at, depth, ']');
	case '"':
		j->nodes[at].type = SL_JSON_STRING;
		return jstring(j, &j->nodes[at].text, &j->nodes[at].len);
	case 't': return jlit(j, at, "true", SL_JSON_TRUE);
	case 'f': return jlit(j, at, "false", SL_JSON_FALSE);
	case 'n': return jlit(j, at, "null", SL_JSON_NULL);
	default: {
		const char *s = j->p;
		if (j->p < j->end && *j->p == '-')
			j->p++;
		const char *d = j->p;
		while (j->p < j->end && ((*j->p >= '0' && *j->p <= '9') || *j->p == '.' || *j->p == 'e' ||
		                         *j->p == 'E' || *j->p == '+' || *j->p == '-'))
			j->p++;
		if (j->p == d || *d < '0' || *d > '9')
			return jfail(j, -EINVAL, "a value was expected");
		j->nodes[at].type = SL_JSON_NUMBER;
		j->nodes[at].text = s;
		j->nodes[at].len = (uint32_t)(j->p - s);
		return 0;
	}
	}
}

int sl_json_parse(const char *buf, size_t len, struct sl_json_node *nodes, size_t cap, size_t *count, char *err,
                  size_t errlen)
{
	struct jp j = { .p = buf, .end = buf + len, .start = buf, .nodes = nodes, .cap = cap, .err = err,
	                .errlen = errlen };
	uint32_t root;
	int e;

	*count = 0;
	if (len > UINT32_MAX)
		return jfail(&j, -E2BIG, "too long");
	if ((e = jnode(&j, &root)) != 0 || (e = jvalue(&j, root, 0)) != 0)
		return e;
	jws(&j);
	if (j.p != j.end)
		return jfail(&j, -EINVAL, "bytes after the value");
	*count = j.n;
	return 0;
}

uint32_t sl_json_get(const struct sl_json_node *nodes, uint32_t obj, const char *name)
{
	size_t n = strlen(name);
	if (obj == SL_JSON_NONE || nodes[obj].type != SL_JSON_OBJECT)
		return SL_JSON_NONE;
	for (uint32_t k = nodes[obj].child; k != SL_JSON_NONE; k = nodes[k].next)
		if (nodes[k].keylen == n && memcmp(nodes[k].key, name, n) == 0)
			return k;
	return SL_JSON_NONE;
}
