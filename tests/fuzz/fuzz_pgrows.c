/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for the decoding of PostgreSQL settings rows (engine/config/pgrows.c): what a
 * server sends is untrusted. Each input is lines of SENSOR \t KEY \t VALUE, with the key and the
 * value passed with their own lengths (NULs and all, as libpq gives them). Every row is either
 * refused with a terminated, non-empty message or becomes "KEY=VALUE" with the bytes given; the
 * accepted rows are then applied as the engine applies them (sl_conf_set), which must answer
 * with a message too. Nothing may crash, leak or read out of bounds.
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
		if (t2) {
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
