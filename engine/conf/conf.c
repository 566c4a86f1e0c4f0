/* SPDX-License-Identifier: MIT */
/*
 * The configuration as a whole: defaults, copies, --set overrides, the dump, and the questions
 * asked of the schema (find a key, suggest one for a typo, check the table itself). Everything
 * here walks the schema rows; nothing names a particular key, so adding a key never touches
 * this file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_impl.h"

static void errf(char *errbuf, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void errf(char *errbuf, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!errbuf || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(errbuf, errlen, fmt, ap);
	va_end(ap);
}

/* ---- the schema ---------------------------------------------------------------------------- */

const struct sl_conf_key *sl_conf_keys(size_t *count)
{
	if (count)
		*count = sl__conf_schema_len;
	return sl__conf_schema;
}

const struct sl_conf_key *sl__conf_find(const char *key, size_t len)
{
	for (size_t i = 0; i < sl__conf_schema_len; i++) {
		const char *k = sl__conf_schema[i].key;
		if (strlen(k) == len && memcmp(k, key, len) == 0)
			return &sl__conf_schema[i];
	}
	return NULL;
}

const struct sl_conf_key *sl_conf_key_find(const char *key)
{
	return key ? sl__conf_find(key, strlen(key)) : NULL;
}

bool sl__conf_is_section(const char *key, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < sl__conf_schema_len; i++) {
		const char *k = sl__conf_schema[i].key;
		if (strlen(k) > len && memcmp(k, key, len) == 0 && k[len] == '.')
			return true;
	}
	return false;
}

const char *sl_conf_type_name(enum sl_conf_type type)
{
	static const char *const names[] = {
		[SL_CONF_BOOL] = "bool",     [SL_CONF_INT] = "int",   [SL_CONF_SIZE] = "size",
		[SL_CONF_DURATION] = "duration", [SL_CONF_STRING] = "string", [SL_CONF_ENUM] = "enum",
		[SL_CONF_CPUS] = "cpus",     [SL_CONF_INTS] = "ints", [SL_CONF_STRINGS] = "strings",
	};

	if ((unsigned)type < sizeof(names) / sizeof(names[0]) && names[type])
		return names[type];
	return "?";
}

static void put_names(struct sl__sbuf *b, const char *const *values)
{
	for (size_t i = 0; values[i]; i++)
		sl__sbuf_printf(b, "%s%s", i ? ", " : "", values[i]);
}

static void put_help(struct sl__sbuf *b, const struct sl_conf_key *k)
{
	sl__sbuf_printf(b, "%s", k->help);
	switch (k->type) {
	case SL_CONF_INT:
	case SL_CONF_INTS:
		if (k->max == INT64_MAX)
			sl__sbuf_printf(b, " (%" PRId64 " or more)", k->min);
		else
			sl__sbuf_printf(b, " (%" PRId64 "..%" PRId64 ")", k->min, k->max);
		break;
	case SL_CONF_SIZE:
	case SL_CONF_DURATION: {
		void (*put)(struct sl__sbuf *, uint64_t) =
		        k->type == SL_CONF_SIZE ? sl__conf_put_size : sl__conf_put_duration;
		sl__sbuf_put(b, " (", 2);
		put(b, (uint64_t)k->min);
		sl__sbuf_put(b, "..", 2);
		put(b, (uint64_t)k->max);
		sl__sbuf_put(b, ")", 1);
		break;
	}
	case SL_CONF_ENUM:
		sl__sbuf_put(b, " (", 2);
		put_names(b, k->values);
		sl__sbuf_put(b, ")", 1);
		break;
	case SL_CONF_STRINGS:
		if (k->values) {
			sl__sbuf_put(b, " (any of ", 9);
			put_names(b, k->values);
			sl__sbuf_put(b, ")", 1);
		}
		break;
	case SL_CONF_STRING:
		if (k->max > 0)
			sl__sbuf_printf(b, " (at most %" PRId64 " bytes)", k->max);
		break;
	default:
		break;
	}
	if (k->live)
		sl__sbuf_put(b, " [live]", 7);
}

/* Copy b into buf the way snprintf would; returns the full length or -ENOMEM. */
static int sbuf_out(struct sl__sbuf *b, char *buf, size_t len)
{
	int n;

	if (b->oom) {
		free(b->p);
		return -ENOMEM;
	}
	n = (int)b->len;
	if (len > 0)
		snprintf(buf, len, "%s", b->p ? b->p : "");
	free(b->p);
	return n;
}

int sl_conf_keep_restart_only(struct sl_config *next, const struct sl_config *running, char *names,
                              size_t namelen)
{
	size_t used = 0;
	int kept = 0;

	if (namelen)
		names[0] = '\0';
	for (const struct sl_conf_key *k = NULL; (k = sl_conf_diff(next, running, k)) != NULL;) {
		if (k->live)
			continue;
		union sl__conf_slot copy;

		memset(&copy, 0, sizeof copy);
		if (sl__conf_field_copy(k, &copy, sl__conf_cfield(running, k)) != 0)
			return -ENOMEM;
		sl__conf_store(next, k, &copy);
		kept++;
		if (used < namelen) {
			int n = snprintf(names + used, namelen - used, "%s%s", used ? ", " : "", k->key);
			used = n < 0 ? namelen : used + (size_t)n;
		}
	}
	return kept;
}

int sl_conf_key_help(const struct sl_conf_key *k, char *buf, size_t len)
{
	struct sl__sbuf b = { 0 };

	put_help(&b, k);
	return sbuf_out(&b, buf, len);
}

int sl_conf_format(const struct sl_config *c, const struct sl_conf_key *k, char *buf, size_t len)
{
	struct sl__sbuf b = { 0 };

	sl__conf_put_value(&b, k, sl__conf_cfield(c, k));
	return sbuf_out(&b, buf, len);
}

/* Optimal string alignment distance (edits; a swap of neighbours counts as one), or more than
 * limit when it exceeds limit. Only the band of cells within limit of the diagonal is worked
 * out, in three rolling rows; both strings at most SL__CONF_KEY_MAX bytes. */
static size_t edit_distance(const char *a, size_t n, const char *b, size_t m, size_t limit)
{
	size_t rows[3][SL__CONF_KEY_MAX + 1];
	size_t *two = rows[0], *one = rows[1], *cur = rows[2];
	const size_t far = limit + 1;

	for (size_t j = 0; j <= m; j++)
		one[j] = j <= limit ? j : far;
	for (size_t i = 1; i <= n; i++) {
		size_t lo = i > limit ? i - limit : 1, hi = i + limit < m ? i + limit : m;
		size_t row_min = far;

		for (size_t j = 0; j <= m; j++)
			cur[j] = far;
		if (i <= limit)
			cur[0] = row_min = i;
		for (size_t j = lo; j <= hi; j++) {
			size_t best = one[j - 1] + (a[i - 1] != b[j - 1]);

			if (one[j] + 1 < best)
				best = one[j] + 1;
			if (cur[j - 1] + 1 < best)
				best = cur[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    two[j - 2] + 1 < best)
				best = two[j - 2] + 1;
			cur[j] = best < far ? best : far;
			if (cur[j] < row_min)
				row_min = cur[j];
		}
		if (row_min > limit)
			return far;
		size_t *t = two;
		two = one;
		one = cur;
		cur = t;
	}
	return one[m];
}

static const char *last_dot(const char *s, size_t n)
{
	const char *p = NULL;

	for (size_t i = 0; i < n; i++)
		if (s[i] == '.')
			p = s + i;
	return p;
}

const char *sl__conf_suggest(const char *key, size_t len, char *buf, size_t buflen)
{
	const char *tail = last_dot(key, len);
	const struct sl_conf_key *same_tail = NULL;
	size_t best = SIZE_MAX, limit, tlen;
	int same_tails = 0;

	if (len > SL__CONF_KEY_MAX || buflen == 0)
		return NULL;
	tail = tail ? tail + 1 : key;
	tlen = len - (size_t)(tail - key);
	/* a third of the mistyped name's last part, so short names get no wild guesses */
	limit = (tlen + 1) / 3 > 1 ? (tlen + 1) / 3 : 1;
	buf[0] = '\0';
	for (size_t i = 0; i < sl__conf_schema_len; i++) {
		const char *k = sl__conf_schema[i].key, *kt = strrchr(k, '.');
		size_t klen = strlen(k);

		/* the key itself and each section above it */
		for (size_t cut = klen; cut > 0;) {
			/* the distance is at least the difference in length: skip hopeless ones */
			size_t gap = cut > len ? cut - len : len - cut;
			size_t d = gap > limit ? SIZE_MAX : edit_distance(key, len, k, cut, limit);

			if (d < best && d <= limit) {
				best = d;
				snprintf(buf, buflen, "%.*s", (int)cut, k);
			}
			const char *dot = last_dot(k, cut);
			cut = dot ? (size_t)(dot - k) : 0;
		}
		kt = kt ? kt + 1 : k;
		if (strlen(kt) == tlen && memcmp(kt, tail, tlen) == 0) {
			same_tail = &sl__conf_schema[i];
			same_tails++;
		}
	}
	if (best != SIZE_MAX)
		return buf;
	/* the right name in the wrong section: workers.snaplen -> capture.snaplen */
	if (same_tails == 1) {
		snprintf(buf, buflen, "%s", same_tail->key);
		return buf;
	}
	return NULL;
}

/* ---- the configuration --------------------------------------------------------------------- */

/* Zero c and give it a zeroed struct for every registered block; 0 or -ENOMEM (then c owns
 * nothing). */
static int make_blocks(struct sl_config *c)
{
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < sl__conf_nblocks; i++) {
		if (!(c->blocks[i] = calloc(1, sl__conf_blocks[i]->size))) {
			sl_conf_fini(c);
			return -ENOMEM;
		}
	}
	return 0;
}

void sl_conf_defaults(struct sl_config *c)
{
	char msg[160];

	if (make_blocks(c) != 0)
		abort();
	for (size_t i = 0; i < sl__conf_schema_len; i++) {
		const struct sl_conf_key *k = &sl__conf_schema[i];
		union sl__conf_slot v;
		int rc = sl__conf_parse_text(k, k->def, strlen(k->def), &v, msg, sizeof(msg));

		if (rc == -ENOMEM)
			abort();
		/* A default that does not parse is a schema bug that sl__conf_schema_check() and
		 * the unit tests report; the field keeps its zero. */
		if (rc == 0) {
			sl__conf_store(c, k, &v);
		} else if (k->type == SL_CONF_STRING) {
			char **s = sl__conf_field(c, k);

			*s = strdup(""); /* strings are never NULL */
			if (!*s)
				abort();
		}
	}
}

void sl_conf_fini(struct sl_config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < sl__conf_schema_len; i++) {
		void *f = sl__conf_field(c, &sl__conf_schema[i]);
		if (f)
			sl__conf_field_free(&sl__conf_schema[i], f);
	}
	for (size_t i = 0; i < SL_CONF_BLOCKS_MAX; i++) {
		free(c->blocks[i]);
		c->blocks[i] = NULL;
	}
}

int sl_conf_copy(struct sl_config *dst, const struct sl_config *src)
{
	if (make_blocks(dst) != 0)
		return -ENOMEM;
	for (size_t i = 0; i < sl__conf_schema_len; i++) {
		const struct sl_conf_key *k = &sl__conf_schema[i];

		if (sl__conf_field_copy(k, sl__conf_field(dst, k), sl__conf_cfield(src, k)) != 0) {
			sl_conf_fini(dst);
			memset(dst, 0, sizeof(*dst));
			return -ENOMEM;
		}
	}
	return 0;
}

const void *sl_conf_block(const struct sl_config *c, const struct sl_conf_block *b)
{
	for (size_t i = 0; i < sl__conf_nblocks; i++)
		if (sl__conf_blocks[i] == b)
			return c->blocks[i];
	return NULL;
}

/* Where a block's rows go: after the last row of its parent section, or at the end. */
static size_t block_place(const struct sl_conf_key *rows, size_t n, const char *section)
{
	const char *dot = strrchr(section, '.');
	size_t plen = dot ? (size_t)(dot - section) + 1 : 0, at = n;

	if (plen == 0)
		return n;
	for (size_t i = 0; i < n; i++)
		if (strncmp(rows[i].key, section, plen) == 0)
			at = i + 1;
	return at;
}

int sl_conf_register_blocks(const struct sl_conf_block *const *blocks, size_t n, char *errbuf,
                            size_t errlen)
{
	size_t total = sl__conf_core_len, len = sl__conf_core_len;
	struct sl_conf_key *rows;

	if (sl__conf_nblocks || sl__conf_schema != sl__conf_core) {
		errf(errbuf, errlen, "configuration blocks are registered once");
		return -EINVAL;
	}
	if (n > SL_CONF_BLOCKS_MAX || n >= 255) {
		errf(errbuf, errlen, "%zu configuration blocks: at most %d", n, SL_CONF_BLOCKS_MAX);
		return -EINVAL;
	}
	for (size_t b = 0; b < n; b++) {
		size_t sl = strlen(blocks[b]->section);

		for (size_t i = 0; i < blocks[b]->nkeys; i++) {
			const struct sl_conf_key *k = &blocks[b]->keys[i];

			if (strncmp(k->key, blocks[b]->section, sl) != 0 || k->key[sl] != '.') {
				errf(errbuf, errlen, "%s: not in the block's section %s", k->key, blocks[b]->section);
				return -EINVAL;
			}
			if (k->offset >= blocks[b]->size) {
				errf(errbuf, errlen, "%s: field outside the block's struct", k->key);
				return -EINVAL;
			}
		}
		total += blocks[b]->nkeys;
	}
	if (!(rows = calloc(total, sizeof(*rows)))) {
		errf(errbuf, errlen, "configuration schema: out of memory");
		return -ENOMEM;
	}
	memcpy(rows, sl__conf_core, sl__conf_core_len * sizeof(*rows));
	for (size_t b = 0; b < n; b++) {
		size_t at = block_place(rows, len, blocks[b]->section), m = blocks[b]->nkeys;

		memmove(rows + at + m, rows + at, (len - at) * sizeof(*rows));
		for (size_t i = 0; i < m; i++) {
			rows[at + i] = blocks[b]->keys[i];
			rows[at + i].block = (uint8_t)(b + 1);
		}
		len += m;
		sl__conf_blocks[b] = blocks[b];
	}
	sl__conf_schema = rows;
	sl__conf_schema_len = len;
	sl__conf_nblocks = n;
	/* The same checks the core passes: no key twice, sections together, defaults that parse. */
	char msg[256];
	if (sl__conf_schema_check(msg, sizeof msg) != 0) {
		errf(errbuf, errlen, "configuration schema: %s", msg);
		sl__conf_schema = sl__conf_core;
		sl__conf_schema_len = sl__conf_core_len;
		sl__conf_nblocks = 0;
		free(rows);
		return -EINVAL;
	}
	return 0;
}

const struct sl_conf_key *sl_conf_diff(const struct sl_config *a, const struct sl_config *b,
                                       const struct sl_conf_key *after)
{
	size_t i = after ? (size_t)(after - sl__conf_schema) + 1 : 0;

	for (; i < sl__conf_schema_len; i++) {
		const struct sl_conf_key *k = &sl__conf_schema[i];
		if (!sl__conf_field_equal(k, sl__conf_cfield(a, k), sl__conf_cfield(b, k)))
			return k;
	}
	return NULL;
}

static int set_one(struct sl_config *c, const char *assignment, char *errbuf, size_t errlen)
{
	const char *eq = strchr(assignment, '='), *key = assignment;
	const struct sl_conf_key *k;
	union sl__conf_slot v;
	char msg[256], hint[SL__CONF_KEY_MAX + 1];
	size_t len;
	int rc;

	if (!eq) {
		errf(errbuf, errlen, "--set %s: expected KEY=VALUE", assignment);
		return SL_ECONFIG;
	}
	len = (size_t)(eq - key);
	while (len > 0 && key[0] == ' ')
		key++, len--;
	while (len > 0 && key[len - 1] == ' ')
		len--;
	k = sl__conf_find(key, len);
	if (!k) {
		if (sl__conf_is_section(key, len)) {
			errf(errbuf, errlen, "--set %s: %.*s is a section, not a key", assignment,
			     (int)len, key);
		} else if (sl__conf_suggest(key, len, hint, sizeof(hint))) {
			errf(errbuf, errlen, "--set %s: unknown key (did you mean %s?)", assignment, hint);
		} else {
			errf(errbuf, errlen, "--set %s: unknown key", assignment);
		}
		return SL_ECONFIG_KEY;
	}
	rc = sl__conf_parse_text(k, eq + 1, strlen(eq + 1), &v, msg, sizeof(msg));
	if (rc == -ENOMEM) {
		errf(errbuf, errlen, "--set %s: out of memory", assignment);
		return rc;
	}
	if (rc) {
		errf(errbuf, errlen, "--set %s: %s", assignment, msg);
		return rc;
	}
	sl__conf_store(c, k, &v);
	return 0;
}

int sl_conf_set(struct sl_config *c, const char *assignment, char *errbuf, size_t errlen)
{
	/* a private copy, so the caller may build the assignment in errbuf itself */
	char *a = strdup(assignment);
	int rc;

	if (!a) {
		errf(errbuf, errlen, "--set: out of memory");
		return -ENOMEM;
	}
	if (errbuf && errlen)
		errbuf[0] = '\0';
	rc = set_one(c, a, errbuf, errlen);
	free(a);
	return rc;
}

/* The dump: sections as nested mappings in schema order, each key under its help line. */
int sl_conf_dump(const struct sl_config *c, FILE *f)
{
	struct sl__sbuf b = { 0 };
	const char *prev = "";

	for (size_t i = 0; i < sl__conf_schema_len; i++) {
		const struct sl_conf_key *k = &sl__conf_schema[i];
		const char *key = k->key, *p = key, *q = prev;
		size_t depth = 0, same = 0;

		/* how many leading sections this key shares with the previous one */
		for (;;) {
			const char *dp = strchr(p, '.'), *dq = strchr(q, '.');

			if (!dp || !dq || dp - p != dq - q || memcmp(p, q, (size_t)(dp - p)) != 0)
				break;
			same++;
			p = dp + 1;
			q = dq + 1;
		}
		if (same == 0 && i > 0)
			sl__sbuf_put(&b, "\n", 1);
		/* open the sections not shared */
		p = key;
		for (const char *dot; (dot = strchr(p, '.')) != NULL; p = dot + 1, depth++) {
			if (depth < same)
				continue;
			sl__sbuf_printf(&b, "%*s%.*s:\n", (int)(2 * depth), "", (int)(dot - p), p);
		}
		sl__sbuf_printf(&b, "%*s# ", (int)(2 * depth), "");
		put_help(&b, k);
		sl__sbuf_printf(&b, "\n%*s%s: ", (int)(2 * depth), "", p);
		sl__conf_put_value(&b, k, sl__conf_cfield(c, k));
		sl__sbuf_put(&b, "\n", 1);
		prev = key;
	}
	if (b.oom) {
		free(b.p);
		return -ENOMEM;
	}
	if (b.len > 0 && fwrite(b.p, 1, b.len, f) != b.len) {
		free(b.p);
		return -EIO;
	}
	free(b.p);
	return ferror(f) ? -EIO : 0;
}

/* ---- checking the schema itself ----------------------------------------------------------- */

static bool has_section(const char *key, const char *sec, size_t len)
{
	return strlen(key) > len && memcmp(key, sec, len) == 0 && key[len] == '.';
}

static bool good_name(const char *s)
{
	if (!(*s >= 'a' && *s <= 'z'))
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
			return false;
	return true;
}

int sl__conf_schema_check(char *msg, size_t msglen)
{
	for (size_t i = 0; i < sl__conf_schema_len; i++) {
		const struct sl_conf_key *k = &sl__conf_schema[i];
		const char *key = k->key;
		union sl__conf_slot v;
		char why[256];
		int rc;

		/* names: lowercase components joined by single dots */
		for (const char *p = key;;) {
			const char *dot = strchr(p, '.');
			char part[SL__CONF_KEY_MAX + 1];
			size_t n = dot ? (size_t)(dot - p) : strlen(p);

			if (n == 0 || n > SL__CONF_KEY_MAX) {
				errf(msg, msglen, "%s: empty or long name component", key);
				return -1;
			}
			memcpy(part, p, n);
			part[n] = '\0';
			if (!good_name(part)) {
				errf(msg, msglen, "%s: names are [a-z][a-z0-9_-]*", key);
				return -1;
			}
			if (!dot)
				break;
			p = dot + 1;
		}
		if (strlen(key) > SL__CONF_KEY_MAX) {
			errf(msg, msglen, "%s: longer than %d bytes", key, SL__CONF_KEY_MAX);
			return -1;
		}
		if (!k->help || !k->help[0] || strchr(k->help, '\n')) {
			errf(msg, msglen, "%s: help must be one non-empty line", key);
			return -1;
		}
		if (k->block == 0 && k->offset >= sizeof(struct sl_config)) {
			errf(msg, msglen, "%s: offset outside struct sl_config", key);
			return -1;
		}
		if (k->min > k->max && !(k->type == SL_CONF_STRING || k->type == SL_CONF_STRINGS)) {
			errf(msg, msglen, "%s: min > max", key);
			return -1;
		}
		if (k->type == SL_CONF_ENUM && (!k->values || !k->values[0])) {
			errf(msg, msglen, "%s: an enum needs names", key);
			return -1;
		}
		for (size_t j = 0; k->values && k->values[j]; j++) {
			if (!good_name(k->values[j])) {
				errf(msg, msglen, "%s: value name \"%s\" is not [a-z][a-z0-9_-]*", key,
				     k->values[j]);
				return -1;
			}
		}
		for (size_t j = 0; j < i; j++) {
			const struct sl_conf_key *o = &sl__conf_schema[j];

			if (strcmp(o->key, key) == 0) {
				errf(msg, msglen, "%s: listed twice", key);
				return -1;
			}
			if (o->offset == k->offset && o->block == k->block) {
				errf(msg, msglen, "%s and %s fill the same field", o->key, key);
				return -1;
			}
			if (has_section(o->key, key, strlen(key)) || has_section(key, o->key, strlen(o->key))) {
				errf(msg, msglen, "%s and %s: a key cannot also be a section", o->key, key);
				return -1;
			}
		}
		/* sections stay together: a section of this key that the previous key lacks must
		 * not have appeared before */
		for (const char *dot = strchr(key, '.'); i > 0 && dot; dot = strchr(dot + 1, '.')) {
			size_t n = (size_t)(dot - key);

			if (has_section(sl__conf_schema[i - 1].key, key, n))
				continue;
			for (size_t j = 0; j + 1 < i; j++) {
				if (has_section(sl__conf_schema[j].key, key, n)) {
					errf(msg, msglen, "%s: section %.*s is split by other keys", key,
					     (int)n, key);
					return -1;
				}
			}
		}
		rc = sl__conf_parse_text(k, k->def, strlen(k->def), &v, why, sizeof(why));
		if (rc) {
			errf(msg, msglen, "%s: default \"%s\": %s", key, k->def, why);
			return -1;
		}
		sl__conf_slot_free(k, &v);
	}
	return 0;
}
