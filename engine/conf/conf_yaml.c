/* SPDX-License-Identifier: MIT */
/*
 * Loading a YAML file. libyaml's event parser turns the text into a small tree of our own that
 * remembers the line and column of every node; a second pass walks that tree against the schema,
 * building each key's dotted name on the way down, so every refusal can say which file, which
 * line and which key ("conf/x.yaml:12: workers.cuont: unknown key (did you mean
 * workers.count?)"). The walk applies values to a copy of the configuration that replaces the
 * caller's only when the whole file was good: a bad file changes nothing.
 *
 * Refused on purpose: unknown and duplicate keys, a mapping or list where a value is expected
 * (and the reverse), aliases (they would let a short file expand into a huge tree), more than
 * one document, nesting deeper than MAX_DEPTH, and files over MAX_FILE bytes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "conf_impl.h"

#define MAX_DEPTH 32
#define MAX_FILE (16u << 20)

enum node_kind { N_SCALAR, N_MAP, N_SEQ };

/* A map holds key, value, key, value, ... in kids. */
struct node {
	enum node_kind kind;
	unsigned line, col; /* 1-based */
	bool plain;         /* a scalar written without quotes: may mean null */
	char *text;
	size_t len;
	struct node **kids;
	size_t n, cap;
};

struct load {
	const char *name;
	char *errbuf;
	size_t errlen;
	struct sl_config *c;
	unsigned *lines; /* per schema row: where the file set it */
};

static void errf(struct load *ld, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void errf(struct load *ld, const char *fmt, ...)
{
	size_t used;
	va_list ap;
	int n;

	if (!ld->errbuf || ld->errlen == 0)
		return;
	n = snprintf(ld->errbuf, ld->errlen, "%s", ld->name);
	used = n < 0 ? 0 : (size_t)n;
	if (used >= ld->errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(ld->errbuf + used, ld->errlen - used, fmt, ap);
	va_end(ap);
}

/* ---- the tree ------------------------------------------------------------------------------ */

static void node_free(struct node *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n; i++)
		node_free(n->kids[i]);
	free(n->kids);
	free(n->text);
	free(n);
}

static struct node *node_new(enum node_kind kind, const yaml_mark_t *mark)
{
	struct node *n = calloc(1, sizeof(*n));

	if (n) {
		n->kind = kind;
		n->line = (unsigned)mark->line + 1;
		n->col = (unsigned)mark->column + 1;
	}
	return n;
}

static int node_add(struct node *parent, struct node *kid)
{
	if (parent->n == parent->cap) {
		size_t cap = parent->cap ? parent->cap * 2 : 8;
		struct node **k = realloc(parent->kids, cap * sizeof(*k));

		if (!k)
			return -ENOMEM;
		parent->kids = k;
		parent->cap = cap;
	}
	parent->kids[parent->n++] = kid;
	return 0;
}

/* libyaml reports reader errors (bad UTF-8, control characters) by byte offset only. */
static void offset_to_mark(const unsigned char *buf, size_t len, size_t off, unsigned *line,
                           unsigned *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off && i < len; i++) {
		if (buf[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

static int syntax_error(struct load *ld, const yaml_parser_t *p, const unsigned char *buf,
                        size_t len)
{
	unsigned line, col;

	if (p->error == YAML_MEMORY_ERROR) {
		errf(ld, ": out of memory");
		return -ENOMEM;
	}
	if (p->error == YAML_READER_ERROR) {
		offset_to_mark(buf, len, p->problem_offset, &line, &col);
	} else {
		line = (unsigned)p->problem_mark.line + 1;
		col = (unsigned)p->problem_mark.column + 1;
	}
	errf(ld, ":%u: syntax error: %s (column %u)", line, p->problem ? p->problem : "malformed YAML",
	     col);
	return SL_ECONFIG;
}

static int build_tree(struct load *ld, const unsigned char *buf, size_t len, struct node **root)
{
	struct node *stack[MAX_DEPTH];
	yaml_parser_t p;
	yaml_event_t ev;
	size_t depth = 0;
	int docs = 0, rc = 0;
	bool done = false;

	*root = NULL;
	if (!yaml_parser_initialize(&p)) {
		errf(ld, ": out of memory");
		return -ENOMEM;
	}
	yaml_parser_set_input_string(&p, buf, len);
	while (!done && rc == 0) {
		struct node *n = NULL;

		if (!yaml_parser_parse(&p, &ev)) {
			rc = syntax_error(ld, &p, buf, len);
			break;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1) {
				errf(ld, ":%u: only one YAML document is allowed",
				     (unsigned)ev.start_mark.line + 1);
				rc = SL_ECONFIG;
			}
			break;
		case YAML_ALIAS_EVENT:
			errf(ld, ":%u: aliases (*%s) are not supported", (unsigned)ev.start_mark.line + 1,
			     (const char *)ev.data.alias.anchor);
			rc = SL_ECONFIG;
			break;
		case YAML_SCALAR_EVENT:
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			n = node_new(ev.type == YAML_SCALAR_EVENT ? N_SCALAR
			             : ev.type == YAML_MAPPING_START_EVENT ? N_MAP : N_SEQ,
			             &ev.start_mark);
			if (!n) {
				rc = -ENOMEM;
				break;
			}
			if (ev.type == YAML_SCALAR_EVENT) {
				n->plain = ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
				n->len = ev.data.scalar.length;
				n->text = malloc(n->len + 1);
				if (!n->text) {
					node_free(n);
					rc = -ENOMEM;
					break;
				}
				memcpy(n->text, ev.data.scalar.value, n->len);
				n->text[n->len] = '\0';
			}
			if (depth == 0) {
				node_free(*root); /* cannot happen: one document has one root */
				*root = n;
			} else if (node_add(stack[depth - 1], n) != 0) {
				node_free(n);
				rc = -ENOMEM;
				break;
			}
			if (n->kind != N_SCALAR) {
				if (depth == MAX_DEPTH) {
					errf(ld, ":%u: nested deeper than %d levels", n->line, MAX_DEPTH);
					rc = SL_ECONFIG;
					break;
				}
				stack[depth++] = n;
			}
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			if (depth > 0)
				depth--;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	if (rc == -ENOMEM)
		errf(ld, ": out of memory");
	yaml_parser_delete(&p);
	if (rc) {
		node_free(*root);
		*root = NULL;
	}
	return rc;
}

/* ---- the walk ------------------------------------------------------------------------------ */

static bool is_null(const struct node *n)
{
	if (n->kind != N_SCALAR || !n->plain)
		return false;
	return n->len == 0 || strcmp(n->text, "~") == 0 || strcmp(n->text, "null") == 0 ||
	       strcmp(n->text, "Null") == 0 || strcmp(n->text, "NULL") == 0;
}

static const char *kind_name(const struct node *n)
{
	return n->kind == N_MAP ? "a mapping" : n->kind == N_SEQ ? "a list" : "a single value";
}

static const char *expected(const struct sl_conf_key *k)
{
	switch (k->type) {
	case SL_CONF_BOOL:
		return "a boolean";
	case SL_CONF_INT:
		return "an integer";
	case SL_CONF_SIZE:
		return "a size";
	case SL_CONF_DURATION:
		return "a duration";
	case SL_CONF_STRING:
		return "a string";
	case SL_CONF_ENUM:
		return "a name";
	case SL_CONF_CPUS:
		return "a list of CPUs";
	case SL_CONF_INTS:
		return "a list of integers";
	case SL_CONF_STRINGS:
		return "a list of strings";
	}
	return "a value";
}

/* Set key k from value node v; key_line is where the key is written. */
static int apply(struct load *ld, const struct sl_conf_key *k, unsigned key_line,
                 const struct node *v)
{
	size_t row = (size_t)(k - sl__conf_schema);
	union sl__conf_slot slot;
	char msg[256];
	int rc;

	if (v->kind == N_MAP || (v->kind == N_SEQ && !sl__conf_is_list(k->type))) {
		errf(ld, ":%u: %s: expected %s, not %s", v->line, k->key, expected(k), kind_name(v));
		return SL_ECONFIG_VALUE;
	}
	if (v->kind == N_SEQ) {
		memset(&slot, 0, sizeof(slot));
		for (size_t i = 0; i < v->n; i++) {
			const struct node *item = v->kids[i];

			if (item->kind != N_SCALAR) {
				errf(ld, ":%u: %s: list items must be single values, not %s", item->line,
				     k->key, kind_name(item));
				sl__conf_slot_free(k, &slot);
				return SL_ECONFIG_VALUE;
			}
			rc = sl__conf_list_add(k, &slot, item->text, item->len, msg, sizeof(msg));
			if (rc) {
				sl__conf_slot_free(k, &slot);
				if (rc == -ENOMEM)
					errf(ld, ": out of memory");
				else
					errf(ld, ":%u: %s: %s", item->line, k->key, msg);
				return rc;
			}
		}
		rc = sl__conf_finish(k, &slot, msg, sizeof(msg));
	} else if (is_null(v)) {
		if (k->type != SL_CONF_STRING && !sl__conf_is_list(k->type)) {
			errf(ld, ":%u: %s: missing value (expected %s)", v->line, k->key, expected(k));
			return SL_ECONFIG_VALUE;
		}
		rc = sl__conf_parse_text(k, "", 0, &slot, msg, sizeof(msg));
	} else {
		rc = sl__conf_parse_text(k, v->text, v->len, &slot, msg, sizeof(msg));
	}
	if (rc == -ENOMEM) {
		errf(ld, ": out of memory");
		return rc;
	}
	if (rc) {
		errf(ld, ":%u: %s: %s", v->line, k->key, msg);
		return rc;
	}
	sl__conf_store(ld->c, k, &slot);
	ld->lines[row] = key_line;
	return 0;
}

/* path holds the dotted name of map's section (plen bytes; "" at the top level). */
static int walk_map(struct load *ld, const struct node *map, char *path, size_t plen)
{
	for (size_t i = 0; i + 1 < map->n; i += 2) {
		const struct node *kn = map->kids[i], *vn = map->kids[i + 1];
		const struct sl_conf_key *k;
		char hint[SL__CONF_KEY_MAX + 1];
		size_t flen;
		int rc;

		if (kn->kind != N_SCALAR) {
			errf(ld, ":%u: %s%skeys must be names, not %s", kn->line, path, plen ? ": " : "",
			     kind_name(kn));
			return SL_ECONFIG;
		}
		if (kn->len == 0) {
			errf(ld, ":%u: %s%sempty key", kn->line, path, plen ? ": " : "");
			return SL_ECONFIG_KEY;
		}
		for (size_t j = 0; j < i; j += 2) {
			const struct node *o = map->kids[j];

			if (o->len == kn->len && memcmp(o->text, kn->text, kn->len) == 0) {
				errf(ld, ":%u: %s%s%.*s: duplicate key (first at line %u)", kn->line, path,
				     plen ? "." : "", (int)kn->len, kn->text, o->line);
				return SL_ECONFIG_KEY;
			}
		}
		flen = plen + (plen ? 1 : 0) + kn->len;
		if (flen > SL__CONF_KEY_MAX || memchr(kn->text, '\0', kn->len)) {
			errf(ld, ":%u: %s%s%.*s: unknown key", kn->line, path, plen ? "." : "",
			     kn->len > 64 ? 64 : (int)kn->len, kn->text);
			return SL_ECONFIG_KEY;
		}
		if (plen)
			path[plen] = '.';
		memcpy(path + plen + (plen ? 1 : 0), kn->text, kn->len);
		path[flen] = '\0';

		k = sl__conf_find(path, flen);
		if (k) {
			size_t row = (size_t)(k - sl__conf_schema);

			if (ld->lines[row]) { /* dotted and nested spellings of one key */
				errf(ld, ":%u: %s: duplicate key (first set at line %u)", kn->line, path,
				     ld->lines[row]);
				rc = SL_ECONFIG_KEY;
			} else {
				rc = apply(ld, k, kn->line, vn);
			}
		} else if (sl__conf_is_section(path, flen)) {
			if (is_null(vn)) {
				rc = 0; /* a section whose keys are all commented out */
			} else if (vn->kind != N_MAP) {
				errf(ld, ":%u: %s: a section: expected a mapping of its keys, not %s",
				     vn->line, path, kind_name(vn));
				rc = SL_ECONFIG_VALUE;
			} else {
				rc = walk_map(ld, vn, path, flen);
			}
		} else {
			if (sl__conf_suggest(path, flen, hint, sizeof(hint)))
				errf(ld, ":%u: %s: unknown key (did you mean %s?)", kn->line, path, hint);
			else
				errf(ld, ":%u: %s: unknown key", kn->line, path);
			rc = SL_ECONFIG_KEY;
		}
		path[plen] = '\0';
		if (rc)
			return rc;
	}
	return 0;
}

int sl__conf_load(struct sl_config *c, const char *name, const void *buf, size_t len,
                  unsigned *lines, char *errbuf, size_t errlen)
{
	struct load ld = { .name = name ? name : "<buffer>", .errbuf = errbuf, .errlen = errlen };
	char path[SL__CONF_KEY_MAX + 1] = "";
	struct sl_config next;
	struct node *root = NULL;
	int rc;

	if (errbuf && errlen)
		errbuf[0] = '\0';
	if (len > MAX_FILE) {
		errf(&ld, ": larger than %u bytes", MAX_FILE);
		return SL_ECONFIG;
	}
	ld.lines = calloc(sl__conf_schema_len, sizeof(*ld.lines));
	if (!ld.lines || sl_conf_copy(&next, c) != 0) {
		free(ld.lines);
		errf(&ld, ": out of memory");
		return -ENOMEM;
	}
	ld.c = &next;
	rc = build_tree(&ld, buf, len, &root);
	if (rc == 0 && root && !is_null(root)) {
		if (root->kind != N_MAP) {
			errf(&ld, ":%u: the top level must be a mapping of sections, not %s", root->line,
			     kind_name(root));
			rc = SL_ECONFIG;
		} else {
			rc = walk_map(&ld, root, path, 0);
		}
	}
	node_free(root);
	if (rc == 0) {
		sl_conf_fini(c);
		*c = next;
		if (lines)
			memcpy(lines, ld.lines, sl__conf_schema_len * sizeof(*lines));
	} else {
		sl_conf_fini(&next);
	}
	free(ld.lines);
	return rc;
}

int sl_conf_load_buffer(struct sl_config *c, const char *name, const void *buf, size_t len,
                        char *errbuf, size_t errlen)
{
	return sl__conf_load(c, name, buf, len, NULL, errbuf, errlen);
}

int sl_conf_load_file(struct sl_config *c, const char *path, char *errbuf, size_t errlen)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int fd, rc, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		if (errbuf && errlen)
			snprintf(errbuf, errlen, "%s: cannot open: %s", path, strerror(err));
		return -err;
	}
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		if (errbuf && errlen)
			snprintf(errbuf, errlen, "%s: cannot read: %s", path, strerror(EISDIR));
		return -EISDIR;
	}
	for (;;) {
		ssize_t n;

		if (len == cap) {
			char *p;

			if (cap > MAX_FILE) {
				close(fd);
				free(buf);
				if (errbuf && errlen)
					snprintf(errbuf, errlen, "%s: larger than %u bytes", path, MAX_FILE);
				return SL_ECONFIG;
			}
			cap = cap ? cap * 2 : 16384;
			p = realloc(buf, cap);
			if (!p) {
				close(fd);
				free(buf);
				if (errbuf && errlen)
					snprintf(errbuf, errlen, "%s: out of memory", path);
				return -ENOMEM;
			}
			buf = p;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = errno;
			close(fd);
			free(buf);
			if (errbuf && errlen)
				snprintf(errbuf, errlen, "%s: cannot read: %s", path, strerror(err));
			return -err;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	rc = sl__conf_load(c, path, buf ? buf : "", len, NULL, errbuf, errlen);
	free(buf);
	return rc;
}
