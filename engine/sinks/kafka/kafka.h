/* SPDX-License-Identifier: MIT */
/*
 * The Kafka sink's spool records (spool_rec.c), apart from the sink so that the fuzz target
 * links them alone: what the sink writes when a delivery fails, and the parser of what it reads
 * back from disk (untrusted: a file a crash, a disk or a person may have changed).
 *
 *   type (u16 LE) | key length (u8, at most 20) | key | JSON (at least one byte)
 */
#ifndef SLUICE_SINK_KAFKA_H
#define SLUICE_SINK_KAFKA_H

#include <stddef.h>
#include <stdint.h>

#define SL_KAFKA_SPOOL_HDR 3u
#define SL_KAFKA_KEY_MAX 20u /* a u64 in decimal */

/* Writes the record into out (room for SL_KAFKA_SPOOL_HDR + klen + jlen bytes, klen at most
 * SL_KAFKA_KEY_MAX); returns its length. */
size_t sl__kafka_spool_put(uint8_t *out, uint16_t type, const void *key, size_t klen, const void *json, size_t jlen);
/* 0 with the parts pointing into p (type below SL_REC_TYPE_MAX), or -1 when the bytes are not
 * such a record. */
int sl__kafka_spool_parse(const uint8_t *p, size_t n, uint16_t *type, const uint8_t **key, size_t *klen,
                          const uint8_t **json, size_t *jlen);

#endif
