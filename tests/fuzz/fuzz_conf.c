/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for configuration loading. Each input is used twice: as a whole YAML file, and
 * line by line as --set assignments. Neither may crash, leak or leave an unterminated message;
 * a refusal must come with a message and success without one; and whatever was accepted must
 * survive a round trip (dump, load the dump, compare) unchanged — a failed round trip aborts,
 * so the fuzzer reports it like a crash.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

#define MAX_LINES 64

static void expect(int ok, const char *what, const char *detail)
{
	if (!ok) {
		fprintf(stderr, "fuzz_conf: %s: %s\n", what, detail ? detail : "");
		abort();
	}
}

static void check_message(int rc, const char *err, size_t errlen)
{
	expect(memchr(err, '\0', errlen) != NULL, "message not terminated", NULL);
	if (rc == 0)
		expect(err[0] == '\0', "success with a message", err);
	else
		expect(err[0] != '\0', "failure without a message", NULL);
}

static void round_trip(const struct sl_config *c)
{
	struct sl_config back;
	char err[512] = "", *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	expect(f != NULL, "open_memstream", NULL);
	expect(sl_conf_dump(c, f) == 0, "dump failed", NULL);
	fclose(f);
	sl_conf_defaults(&back);
	expect(sl_conf_load_buffer(&back, "dump", text, len, err, sizeof(err)) == 0,
	       "the dump does not load", err);
	const struct sl_conf_key *d = sl_conf_diff(c, &back, NULL);
	if (d) {
		char a[256], b[256];
		sl_conf_format(c, d, a, sizeof(a));
		sl_conf_format(&back, d, b, sizeof(b));
		fprintf(stderr, "fuzz_conf: %s: %s came back as %s\n", d->key, a, b);
		abort();
	}
	sl_conf_fini(&back);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_config c, copy;
	char err[512];
	int rc;

	/* the bytes as a YAML file, on top of the defaults */
	sl_conf_defaults(&c);
	memset(err, 'x', sizeof(err));
	err[sizeof(err) - 1] = '\0';
	rc = sl_conf_load_buffer(&c, "fuzz.yaml", data, size, err, sizeof(err));
	check_message(rc, err, sizeof(err));
	if (rc == 0)
		round_trip(&c);
	sl_conf_fini(&c);

	/* the bytes as --set lines, applied in turn */
	sl_conf_defaults(&c);
	size_t pos = 0;
	int applied = 0;
	for (int n = 0; n < MAX_LINES && pos < size; n++) {
		const uint8_t *nl = memchr(data + pos, '\n', size - pos);
		size_t len = nl ? (size_t)(nl - (data + pos)) : size - pos;
		char *line = malloc(len + 1);

		expect(line != NULL, "malloc", NULL);
		memcpy(line, data + pos, len);
		line[len] = '\0';
		memset(err, 'x', sizeof(err));
		err[sizeof(err) - 1] = '\0';
		rc = sl_conf_set(&c, line, err, sizeof(err));
		check_message(rc, err, sizeof(err));
		applied += rc == 0;
		free(line);
		pos += len + 1;
	}
	if (applied) {
		round_trip(&c);
		expect(sl_conf_copy(&copy, &c) == 0, "copy failed", NULL);
		expect(sl_conf_diff(&c, &copy, NULL) == NULL, "copy differs", NULL);
		sl_conf_fini(&copy);
	}
	sl_conf_fini(&c);
	return 0;
}
