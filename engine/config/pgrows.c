/* SPDX-License-Identifier: MIT */
/*
 * The decoding of sluice_settings rows into `KEY=VALUE` assignments (pgconf.h), apart from the
 * connection so that the fuzz target (tests/fuzz/fuzz_pgrows.c) can drive it with no server.
 * The server is untrusted: lengths are the ones it sent, a NUL or an over-long field is
 * refused, keys must be in the schema, and postgres.* may not be set from the database.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/watchlist/watchlist.h"
#include "conf/conf.h"
#include "pgconf.h"

#define FIELD_MAX 4096 /* longest key or value believed */
#define ROWS_MAX 10000 /* rows believed in one read */

/* ---- rows ----------------------------------------------------------------------------------- */

void sl_pgconf_rows_free(struct sl_pgconf_rows *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->n; i++) {
		free(r->assign[i]);
		free(r->origin[i]);
	}
	free(r->assign);
	free(r->origin);
	free(r->watchlist);
	free(r->watchlist_ids);
	free(r);
}

/* The text quoted for a message: printable ASCII, the rest as '?', cut at 64. */
static void quoted(char *out, size_t n, const char *s, size_t len)
{
	size_t o = 0;
	for (size_t i = 0; i < len && o + 4 < n && i < 64; i++)
		out[o++] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	if (len > 64 && o + 4 < n)
		out[o++] = '.', out[o++] = '.', out[o++] = '.';
	out[o] = 0;
}

int sl_pgconf_rows_add(struct sl_pgconf_rows *r, const char *sensor, const char *key, size_t keylen,
                       const char *value, size_t vallen, char *errbuf, size_t errlen)
{
	char qs[80], qk[80], origin[200];

	quoted(qs, sizeof qs, sensor, strlen(sensor));
	quoted(qk, sizeof qk, key, keylen);
	snprintf(origin, sizeof origin, "sluice_settings row sensor='%s' key='%s'", qs, qk);
	if (r->n >= ROWS_MAX) {
		snprintf(errbuf, errlen, "sluice_settings: more than %d rows", ROWS_MAX);
		return -EINVAL;
	}
	if (keylen == 0 || keylen > FIELD_MAX || memchr(key, 0, keylen) || memchr(key, '=', keylen)) {
		snprintf(errbuf, errlen, "%s: not a key", origin);
		return -EINVAL;
	}
	if (vallen > FIELD_MAX || memchr(value, 0, vallen)) {
		snprintf(errbuf, errlen, "%s: the value is longer than %d bytes or holds a NUL", origin, FIELD_MAX);
		return -EINVAL;
	}
	char name[FIELD_MAX + 1];
	memcpy(name, key, keylen);
	name[keylen] = 0;
	if (strncmp(name, "postgres.", 9) == 0) {
		snprintf(errbuf, errlen, "%s: postgres.* comes from the file or the command line only", origin);
		return -EINVAL;
	}
	if (sl_conf_key_find(name) == NULL) {
		snprintf(errbuf, errlen, "%s: unknown key", origin);
		return -EINVAL;
	}
	char **a = realloc(r->assign, (r->n + 2) * sizeof *a);
	if (a == NULL)
		goto nomem;
	r->assign = a;
	char **o = realloc(r->origin, (r->n + 1) * sizeof *o);
	if (o == NULL)
		goto nomem;
	r->origin = o;
	char *as = malloc(keylen + vallen + 2), *or = strdup(origin);
	if (as == NULL || or == NULL) {
		free(as);
		free(or);
		goto nomem;
	}
	memcpy(as, key, keylen);
	as[keylen] = '=';
	memcpy(as + keylen + 1, value, vallen);
	as[keylen + 1 + vallen] = 0;
	r->assign[r->n] = as;
	r->origin[r->n] = or;
	r->n++;
	r->assign[r->n] = NULL;
	return 0;
nomem:
	snprintf(errbuf, errlen, "sluice_settings: out of memory");
	return -ENOMEM;
}

struct sl_pgconf_rows *sl__pgconf_rows_new(void)
{
	struct sl_pgconf_rows *r = calloc(1, sizeof *r);
	if (r && (r->assign = calloc(1, sizeof *r->assign)) == NULL) {
		free(r);
		return NULL;
	}
	return r;
}


/* A field the line format carries: no NUL, no line break, and with `word` no blank either. */
static int field_ok(const char *f, size_t len, int word)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)f[i];
		if (c == 0 || c == '\n' || c == '\r' || (word && (c == ' ' || c == '\t')))
			return 0;
	}
	return len > 0 || !word;
}

int sl_pgconf_watchlist_add(struct sl_pgconf_rows *r, uint64_t id, const char *kind, size_t kindlen,
                            const char *value, size_t valuelen, const char *tag, size_t taglen, const char *severity,
                            size_t sevlen, const char *signature, size_t siglen, char *errbuf, size_t errlen)
{
	if (r->watchlist_rows >= SL_WL_MAX_ENTRIES) {
		snprintf(errbuf, errlen, "sluice_watchlist: more than %u rows", SL_WL_MAX_ENTRIES);
		return -EINVAL;
	}
	if (kindlen > 64 || valuelen > FIELD_MAX || taglen > 64 || sevlen > 16 || siglen > FIELD_MAX ||
	    !field_ok(kind, kindlen, 1) || !field_ok(value, valuelen, 1) || !field_ok(tag, taglen, 1) ||
	    !field_ok(severity, sevlen, 1) || !field_ok(signature, siglen, 0) || kind[0] == '#') {
		snprintf(errbuf, errlen,
		         "sluice_watchlist row id=%llu: a field is empty, too long, or holds a NUL, a line break or "
		         "(kind, value, tag, severity) a blank",
		         (unsigned long long)id);
		return -EINVAL;
	}
	size_t need = kindlen + valuelen + taglen + sevlen + siglen + 5;
	char *t = realloc(r->watchlist, r->watchlist_len + need + 1);
	if (t == NULL)
		goto nomem;
	r->watchlist = t;
	uint64_t *ids = realloc(r->watchlist_ids, (r->watchlist_rows + 1) * sizeof *ids);
	if (ids == NULL)
		goto nomem;
	r->watchlist_ids = ids;
	char *o = r->watchlist + r->watchlist_len;
	const struct {
		const char *p;
		size_t n;
	} f[] = { { kind, kindlen }, { value, valuelen }, { tag, taglen }, { severity, sevlen }, { signature, siglen } };
	for (size_t i = 0; i < 5; i++) {
		if (i == 4 && f[i].n == 0)
			break;
		if (i)
			*o++ = ' ';
		memcpy(o, f[i].p, f[i].n);
		o += f[i].n;
	}
	*o++ = '\n';
	r->watchlist_len = (size_t)(o - r->watchlist);
	r->watchlist_ids[r->watchlist_rows++] = id;
	return 0;
nomem:
	snprintf(errbuf, errlen, "sluice_watchlist: out of memory");
	return -ENOMEM;
}

struct wl_check {
	struct sl_pgconf_rows *r;
	uint8_t *badline; /* per line, 1 = leave out */
	void (*bad)(void *arg, const char *why);
	void *arg;
	size_t nbad;
};

static void on_bad_line(void *arg, uint32_t line, const char *why)
{
	struct wl_check *k = arg;
	if (line == 0 || line > k->r->watchlist_rows || k->badline[line - 1])
		return;
	k->badline[line - 1] = 1;
	k->nbad++;
	if (k->bad) {
		char msg[320];
		snprintf(msg, sizeof msg, "sluice_watchlist row id=%llu: %s",
		         (unsigned long long)k->r->watchlist_ids[line - 1], why);
		k->bad(k->arg, msg);
	}
}

size_t sl_pgconf_watchlist_check(struct sl_pgconf_rows *r, void (*bad)(void *arg, const char *why), void *arg)
{
	struct wl_check k = { .r = r, .bad = bad, .arg = arg };
	struct sl_watchlist *wl = NULL;
	size_t nbad = 0;
	char err[256];

	if (r->watchlist_rows == 0)
		return 0;
	if ((k.badline = calloc(r->watchlist_rows, 1)) == NULL)
		return (size_t)-ENOMEM;
	if (sl_watchlist_parse(r->watchlist, r->watchlist_len, &wl, on_bad_line, &k, &nbad, err, sizeof err) != 0) {
		free(k.badline);
		return (size_t)-ENOMEM;
	}
	sl_watchlist_free(wl);
	if (k.nbad) { /* keep the good lines, in place */
		size_t in = 0, out = 0, row = 0, kept = 0;
		while (in < r->watchlist_len) {
			const char *nl = memchr(r->watchlist + in, '\n', r->watchlist_len - in);
			size_t len = (size_t)(nl - (r->watchlist + in)) + 1; /* every line ends in \n */
			if (!k.badline[row]) {
				memmove(r->watchlist + out, r->watchlist + in, len);
				r->watchlist_ids[kept++] = r->watchlist_ids[row];
				out += len;
			}
			in += len;
			row++;
		}
		r->watchlist_len = out;
		r->watchlist_rows = kept;
	}
	free(k.badline);
	return k.nbad;
}
