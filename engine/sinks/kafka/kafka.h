/* SPDX-License-Identifier: MIT */
/*
 * The Kafka sink's one function others use: the parser of its spool records (bytes read back
 * from disk, so untrusted), shared with its fuzz target.
 */
#ifndef SLUICE_SINK_KAFKA_H
#define SLUICE_SINK_KAFKA_H

#include <stddef.h>
#include <stdint.h>

/* A spool record: type (u16 LE), key length (u8, at most 20), key, JSON (at least one byte).
 * 0 with the parts pointing into p, or -1 when the bytes are not such a record. */
int sl__kafka_spool_parse(const uint8_t *p, size_t n, uint16_t *type, const uint8_t **key, size_t *klen,
                          const uint8_t **json, size_t *jlen);

#endif
