/* SPDX-License-Identifier: MIT */
/*
 * The macros that write schema rows, for the engine's own table (conf_schema.c) and for each
 * module's block of keys (struct sl_conf_block). Define SL_CONF_STRUCT to the struct the rows
 * fill, then include this file:
 *
 *   #define SL_CONF_STRUCT struct sl_file_conf
 *   #include "conf/conf_rows.h"
 *   static const struct sl_conf_key keys[] = {
 *           BOOL("outputs.file.enabled", enabled, "true", "write EVE JSON lines to a file"),
 *           ...
 *
 * Every row macro takes the dotted key, the field, the default as a --set value would write
 * it, limits where the type has them, and one line of help; LIVE after the help marks a key a
 * running engine applies at SIGHUP. A field of the wrong C type is a compile error.
 */
#ifndef SLUICE_CONF_ROWS_H
#define SLUICE_CONF_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"

/* The offset of a field of SL_CONF_STRUCT, and a compile error unless its type is T. */
#define FIELD(f, T) \
	(offsetof(SL_CONF_STRUCT, f) + 0 * sizeof(_Generic(((SL_CONF_STRUCT *)0)->f, T: 1)))
/* An enum field: any enum type works as long as it is int-sized. */
#define ENUM_FIELD(f) \
	(offsetof(SL_CONF_STRUCT, f) + 0 * sizeof(char[sizeof(((SL_CONF_STRUCT *)0)->f) == sizeof(int) ? 1 : -1]))

#define BOOL(k, f, d, h, ...) { .key = k, .type = SL_CONF_BOOL, .offset = FIELD(f, bool), .def = d, .help = h, __VA_ARGS__ }
#define INT(k, f, d, lo, hi, h, ...) \
	{ .key = k, .type = SL_CONF_INT, .offset = FIELD(f, int64_t), .def = d, .min = lo, .max = hi, .help = h, __VA_ARGS__ }
#define SIZE(k, f, d, lo, hi, h, ...) \
	{ .key = k, .type = SL_CONF_SIZE, .offset = FIELD(f, uint64_t), .def = d, .min = lo, .max = hi, .help = h, __VA_ARGS__ }
#define SIZE_CHECKED(k, f, d, lo, hi, fn, h, ...)                                                     \
	{ .key = k, .type = SL_CONF_SIZE, .offset = FIELD(f, uint64_t), .def = d, .min = lo, .max = hi, \
	  .check = fn, .help = h, __VA_ARGS__ }
#define DURATION(k, f, d, lo, hi, h, ...)                                                              \
	{ .key = k, .type = SL_CONF_DURATION, .offset = FIELD(f, uint64_t), .def = d, .min = lo,      \
	  .max = hi, .help = h, __VA_ARGS__ }
/* lo..hi: the length in bytes; hi 0 means the general limit (4096) */
#define STRING(k, f, d, lo, hi, fn, h, ...)                                                            \
	{ .key = k, .type = SL_CONF_STRING, .offset = FIELD(f, char *), .def = d, .min = lo,          \
	  .max = hi, .check = fn, .help = h, __VA_ARGS__ }
#define ENUM(k, f, d, names, h, ...) \
	{ .key = k, .type = SL_CONF_ENUM, .offset = ENUM_FIELD(f), .def = d, .values = names, .help = h, __VA_ARGS__ }
#define CPUS(k, f, d, h, ...)                                                                          \
	{ .key = k, .type = SL_CONF_CPUS, .offset = FIELD(f, struct sl_conf_ints), .def = d,         \
	  .min = 0, .max = CPU_MAX, .help = h, __VA_ARGS__ }
#define INTS(k, f, d, lo, hi, h, ...)                                                                  \
	{ .key = k, .type = SL_CONF_INTS, .offset = FIELD(f, struct sl_conf_ints), .def = d,         \
	  .min = lo, .max = hi, .help = h, __VA_ARGS__ }
#define STRINGS(k, f, d, names, h, ...)                                                                \
	{ .key = k, .type = SL_CONF_STRINGS, .offset = FIELD(f, struct sl_conf_strs), .def = d,      \
	  .min = 1, .max = 0, .values = names, .help = h, __VA_ARGS__ }

/* Marks a row whose key a running engine applies at SIGHUP (struct sl_conf_key.live). */
#define LIVE .live = true

#define KiB (INT64_C(1) << 10)
#define MiB (INT64_C(1) << 20)
#define GiB (INT64_C(1) << 30)
#define MS INT64_C(1000000)
#define SEC (1000 * MS)
#define MINUTE (60 * SEC)
#define HOUR (60 * MINUTE)
#define DAY (24 * HOUR)
#define CPU_MAX 1023      /* CPU_SETSIZE - 1 */
#define RING_MIN (64 * KiB)
#define RING_MAX (4 * GiB) /* SL_RING_CAPACITY_MAX */

#endif
