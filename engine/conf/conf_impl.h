/* SPDX-License-Identifier: MIT */
/*
 * Internals shared by the configuration files: the schema array, typed values in flight
 * (parsed but not yet stored), and the growable text buffer the formatters write into.
 * Nothing here is meant for code outside engine/conf except the unit tests.
 */
#ifndef SLUICE_CONF_IMPL_H
#define SLUICE_CONF_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"

#define SL__CONF_LIST_MAX 1024  /* items in one list value */
#define SL__CONF_STRING_MAX 4096 /* bytes in a string whose row has no max */
#define SL__CONF_KEY_MAX 128    /* bytes in a dotted key we bother to look up */

/* The engine's own rows (conf_schema.c). */
extern const struct sl_conf_key sl__conf_core[];
extern const size_t sl__conf_core_len;
/* The whole schema: the core rows, then with the registered blocks' rows placed among them. */
extern const struct sl_conf_key *sl__conf_schema;
extern size_t sl__conf_schema_len;
extern const struct sl_conf_block *sl__conf_blocks[SL_CONF_BLOCKS_MAX];
extern size_t sl__conf_nblocks;

/* A value of any type, parsed but not stored yet. Owns its strings and arrays. */
union sl__conf_slot {
	bool b;
	int64_t i;
	uint64_t u;
	int e;
	char *s;
	struct sl_conf_ints ints;
	struct sl_conf_strs strs;
};

static inline bool sl__conf_is_list(enum sl_conf_type t)
{
	return t == SL_CONF_CPUS || t == SL_CONF_INTS || t == SL_CONF_STRINGS;
}

/* The field a row fills in c; a row of a block c does not have (being set up or torn down)
 * has none: NULL. */
static inline void *sl__conf_field(struct sl_config *c, const struct sl_conf_key *k)
{
	char *base = k->block ? (char *)c->blocks[k->block - 1] : (char *)c;
	return base ? base + k->offset : NULL;
}

static inline const void *sl__conf_cfield(const struct sl_config *c, const struct sl_conf_key *k)
{
	const char *base = k->block ? (const char *)c->blocks[k->block - 1] : (const char *)c;
	return base ? base + k->offset : NULL;
}

/*
 * Parsing. Each returns 0, -ENOMEM, or SL_ECONFIG_VALUE after writing the reason to msg
 * ("not an integer"); on failure the slot owns nothing.
 *
 * parse_text: a whole value as text (a --set value, a default, a YAML scalar). List types
 * take "a,b", "[a, b]" or "" (empty list).
 * list_add: one item of a list value (a YAML sequence item); begin with a zeroed slot.
 * finish: the row's extra check on a complete value; call it after the last list_add.
 */
int sl__conf_parse_text(const struct sl_conf_key *k, const char *text, size_t len,
                        union sl__conf_slot *out, char *msg, size_t msglen);
int sl__conf_list_add(const struct sl_conf_key *k, union sl__conf_slot *list, const char *text,
                      size_t len, char *msg, size_t msglen);
int sl__conf_finish(const struct sl_conf_key *k, union sl__conf_slot *v, char *msg, size_t msglen);
void sl__conf_slot_free(const struct sl_conf_key *k, union sl__conf_slot *v);
/* Move a parsed value into its field, freeing what the field held. */
void sl__conf_store(struct sl_config *c, const struct sl_conf_key *k, union sl__conf_slot *v);

void sl__conf_field_free(const struct sl_conf_key *k, void *field);
int sl__conf_field_copy(const struct sl_conf_key *k, void *dst, const void *src);
bool sl__conf_field_equal(const struct sl_conf_key *k, const void *a, const void *b);

/* A growable string; on allocation failure it stops growing and sets oom. */
struct sl__sbuf {
	char *p;
	size_t len, cap;
	bool oom;
};
void sl__sbuf_put(struct sl__sbuf *b, const char *s, size_t n);
void sl__sbuf_printf(struct sl__sbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A field's value as config text that parses back to the same value. */
void sl__conf_put_value(struct sl__sbuf *b, const struct sl_conf_key *k, const void *field);
void sl__conf_put_size(struct sl__sbuf *b, uint64_t bytes);
void sl__conf_put_duration(struct sl__sbuf *b, uint64_t ns);

/* Schema queries. */
const struct sl_conf_key *sl__conf_find(const char *key, size_t len);
/* Whether key (len bytes) is a section: some row's key starts with it and a '.'. */
bool sl__conf_is_section(const char *key, size_t len);
/* The key or section closest to a mistyped one, or NULL when nothing is close. */
const char *sl__conf_suggest(const char *key, size_t len, char *buf, size_t buflen);
/* Checks the schema itself (names, order, defaults in range); 0 or -1 with msg set. */
int sl__conf_schema_check(char *msg, size_t msglen);

/* Loading with a record of where each key was set: lines[i] gets the line of
 * sl__conf_schema[i] in the file, 0 for keys the file does not set (lines may be NULL). */
int sl__conf_load(struct sl_config *c, const char *name, const void *buf, size_t len,
                  unsigned *lines, char *errbuf, size_t errlen);

#endif
