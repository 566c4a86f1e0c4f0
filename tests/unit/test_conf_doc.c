/* SPDX-License-Identifier: MIT */
/*
 * conf/sluice.yaml is the documentation of every key, so it must not drift from the code:
 * loading it must give exactly the built-in defaults, it must set every key of the schema, and
 * the comment right above each key must be that key's help line as the schema writes it.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>

#include "conf_impl.h"
#include "test_conf.h"

#ifndef SLUICE_CONF_DIR
#error "SLUICE_CONF_DIR must name the conf/ directory"
#endif

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0;

	*len = 0;
	REQUIRE(f);
	for (;;) {
		if (*len + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap);
			REQUIRE(buf);
		}
		size_t n = fread(buf + *len, 1, 4096, f);
		*len += n;
		if (n == 0)
			break;
	}
	fclose(f);
	buf[*len] = '\0';
	return buf;
}

/* Line number `line` (1-based) of text, without its indentation, into out. */
static void line_of(const char *text, unsigned line, char *out, size_t len)
{
	const char *p = text;

	out[0] = '\0';
	for (unsigned i = 1; i < line && p; i++) {
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	if (!p)
		return;
	while (*p == ' ')
		p++;
	size_t n = strcspn(p, "\n");
	snprintf(out, len, "%.*s", (int)n, p);
}

int main(void)
{
	conf_test_setup();
	const char *path = SLUICE_CONF_DIR "/sluice.yaml";
	struct sl_config def, doc;
	size_t len, nkeys;
	char *text = slurp(path, &len);
	const struct sl_conf_key *keys = sl_conf_keys(&nkeys);
	unsigned *lines = calloc(nkeys, sizeof(*lines));

	REQUIRE(lines);
	sl_conf_defaults(&def);
	sl_conf_defaults(&doc);
	/* load it on top of a config that differs everywhere it can, so the file has to set it */
	CHECK(sl__conf_load(&doc, path, text, len, lines, err_, sizeof(err_)) == 0);
	CHECK_STR(err_, "");

	/* the documented defaults are the code's defaults, field by field */
	for (const struct sl_conf_key *d = NULL; (d = sl_conf_diff(&def, &doc, d)) != NULL;) {
		char a[256], b[256];
		sl_conf_format(&def, d, a, sizeof(a));
		sl_conf_format(&doc, d, b, sizeof(b));
		fprintf(stderr, "%s: %s says %s, the code says %s\n", d->key, path, b, a);
		CHECK(d == NULL);
	}

	/* every key is there, under its help line */
	for (size_t i = 0; i < nkeys; i++) {
		char help[512], want[520], above[520];

		if (lines[i] == 0) {
			fprintf(stderr, "%s: %s is not documented\n", path, keys[i].key);
			CHECK(lines[i] != 0);
			continue;
		}
		sl_conf_key_help(&keys[i], help, sizeof(help));
		snprintf(want, sizeof(want), "# %s", help);
		line_of(text, lines[i] - 1, above, sizeof(above));
		if (strcmp(above, want) != 0)
			fprintf(stderr, "%s:%u: %s: the line above should be \"%s\"\n", path, lines[i] - 1,
			        keys[i].key, want);
		CHECK_STR(above, want);
	}

	/* the file also loads through the public entry point */
	CHECK(sl_conf_load_file(&doc, path, err_, sizeof(err_)) == 0);
	CHECK(sl_conf_diff(&def, &doc, NULL) == NULL);

	sl_conf_fini(&def);
	sl_conf_fini(&doc);
	free(lines);
	free(text);
	return check_result();
}
