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

