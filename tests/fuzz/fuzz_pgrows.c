/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for the decoding of PostgreSQL settings rows (engine/config/pgrows.c): what a
 * server sends is untrusted. Each input is lines of SENSOR \t KEY \t VALUE, with the key and the
 * value passed with their own lengths (NULs and all, as libpq gives them). Every row is either
 * refused with a terminated, non-empty message or becomes "KEY=VALUE" with the bytes given; the
 * accepted rows are then applied as the engine applies them (sl_conf_set), which must answer
 * with a message too. A line of six tab-separated fields (ID KIND VALUE TAG SEVERITY SIGNATURE)
 * is a sluice_watchlist row instead; once all are added, the check must leave out exactly the
 * rows it names, and keep every line whole. Nothing may crash, leak or read out of bounds.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "config/pgconf.h"

static void expect(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_pgrows: %s\n", what);
		abort();
	}
}

static void count_named(void *arg, const char *why)
{
	expect(strncmp(why, "sluice_watchlist row id=", 24) == 0, "a bad row not named by its id");
	(*(size_t *)arg)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_pgconf_rows *rows = sl__pgconf_rows_new();
	const char *p = (const char *)data, *end = p + size;
	char err[512];

	expect(rows != NULL, "out of memory");
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *line_end = nl ? nl : end;
		const char *t1 = memchr(p, '\t', (size_t)(line_end - p));
		const char *t2 = t1 ? memchr(t1 + 1, '\t', (size_t)(line_end - t1 - 1)) : NULL;
		const char *f[7];
		size_t nf = 0;
		for (const char *q = p; nf < 6 && q <= line_end;) {
			const char *t = memchr(q, '\t', (size_t)(line_end - q));
			f[nf++] = q;
			q = t ? t + 1 : line_end + 1;
		}
		if (nf == 6) {
			size_t n[6];
			for (size_t i = 0; i < 6; i++) {
				const char *e = i < 5 ? memchr(f[i], '\t', (size_t)(line_end - f[i])) : line_end;
				n[i] = (size_t)((e ? e : line_end) - f[i]);
			}
			size_t before = rows->watchlist_rows;
			err[0] = 0;
			int e = sl_pgconf_watchlist_add(rows, (uint64_t)before + 1, f[1], n[1], f[2], n[2], f[3], n[3], f[4],
			                                n[4], f[5], n[5], err, sizeof err);
			expect(e ? err[0] != 0 && rows->watchlist_rows == before : rows->watchlist_rows == before + 1,
			       "watchlist row counted wrong");
		} else if (t2) {
			char sensor[64];
			size_t sl = (size_t)(t1 - p) < sizeof sensor - 1 ? (size_t)(t1 - p) : sizeof sensor - 1;
			memcpy(sensor, p, sl);
			sensor[sl] = 0;
			size_t before = rows->n, kl = (size_t)(t2 - t1 - 1), vl = (size_t)(line_end - t2 - 1);
			err[0] = 0;
			int e = sl_pgconf_rows_add(rows, sensor, t1 + 1, kl, t2 + 1, vl, err, sizeof err);
			expect(memchr(err, 0, sizeof err) != NULL, "message not terminated");
			if (e) {
				expect(err[0] != 0 && rows->n == before, "refused without a message, or counted");
			} else {
				expect(rows->n == before + 1 && rows->assign[rows->n] == NULL, "row not appended");
				const char *a = rows->assign[before];
				expect(strlen(a) == kl + 1 + vl && memcmp(a, t1 + 1, kl) == 0 && a[kl] == '=' &&
				               memcmp(a + kl + 1, t2 + 1, vl) == 0,
				       "assignment differs from the row");
			}
		}
		p = nl ? nl + 1 : end;
	}
	size_t rows_before = rows->watchlist_rows, named = 0;
	size_t left = sl_pgconf_watchlist_check(rows, count_named, &named);
	expect(left == named && rows->watchlist_rows == rows_before - left, "check left out other rows than it named");
	size_t lines = 0;
	for (size_t i = 0; i < rows->watchlist_len; i++)
		lines += rows->watchlist[i] == '\n';
	expect(lines == rows->watchlist_rows && (rows->watchlist_len == 0 || rows->watchlist[rows->watchlist_len - 1] == '\n'),
	       "lines and rows differ");
	struct sl_config c;
	sl_conf_defaults(&c);
	for (size_t i = 0; i < rows->n; i++) {
		err[0] = 0;
		int e = sl_conf_set(&c, rows->assign[i], err, sizeof err);
		expect(memchr(err, 0, sizeof err) != NULL && (e == 0) == (err[0] == 0), "sl_conf_set message");
	}
	sl_conf_fini(&c);
	sl_pgconf_rows_free(rows);
	return 0;
}
