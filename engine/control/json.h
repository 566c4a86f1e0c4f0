/* SPDX-License-Identifier: MIT */
/*
 * A small JSON reader for sluicectl (json.c): the control socket's replies into a flat array
 * of nodes, so the client can print tables without a JSON library. A reply is another
 * process's bytes, so the reader is bounded like any parser here: at most cap nodes, nesting
 * at most SL_JSON_DEPTH, every read checked against len, no allocation. Strings and numbers
 * are not copied or decoded: a node points at its text in the buffer (escapes left as they are).
 */
#ifndef SLUICE_CONTROL_JSON_H
#define SLUICE_CONTROL_JSON_H

#include <stddef.h>
#include <stdint.h>

#define SL_JSON_DEPTH 32
#define SL_JSON_NONE UINT32_MAX

enum sl_json_type { SL_JSON_OBJECT = 1, SL_JSON_ARRAY, SL_JSON_STRING, SL_JSON_NUMBER, SL_JSON_TRUE,
                    SL_JSON_FALSE, SL_JSON_NULL };

struct sl_json_node {
	enum sl_json_type type;
	const char *key;   /* member name inside its object (raw, without quotes), else NULL */
	uint32_t keylen;
	const char *text;  /* string (raw, without quotes), number, or literal */
	uint32_t len;
	uint32_t child;    /* first child of an object or array, or SL_JSON_NONE */
	uint32_t next;     /* next sibling, or SL_JSON_NONE */
};

/* Parses one JSON value (whitespace around it allowed) into nodes[0..*count); node 0 is the
 * root. 0, or -EINVAL (bad JSON, with err saying where) or -E2BIG (more than cap nodes or
 * deeper than SL_JSON_DEPTH). */
int sl_json_parse(const char *buf, size_t len, struct sl_json_node *nodes, size_t cap, size_t *count, char *err,
                  size_t errlen);

/* The member name of an object node, or SL_JSON_NONE. */
uint32_t sl_json_get(const struct sl_json_node *nodes, uint32_t obj, const char *name);

#endif
