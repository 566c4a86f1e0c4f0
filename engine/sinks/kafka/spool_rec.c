/* SPDX-License-Identifier: MIT */
/*
 * The Kafka sink's spool records (format in kafka.h). The parser believes nothing: every
 * length is checked against the bytes there are before it is used.
 */
#include <string.h>

#include "sinks/kafka/kafka.h"
#include "sluice/record.h"

size_t sl__kafka_spool_put(uint8_t *out, uint16_t type, const void *key, size_t klen, const void *json, size_t jlen)
{
	out[0] = (uint8_t)type;
	out[1] = (uint8_t)(type >> 8);
	out[2] = (uint8_t)klen;
	memcpy(out + SL_KAFKA_SPOOL_HDR, key, klen);
	memcpy(out + SL_KAFKA_SPOOL_HDR + klen, json, jlen);
	return SL_KAFKA_SPOOL_HDR + klen + jlen;
}

int sl__kafka_spool_parse(const uint8_t *p, size_t n, uint16_t *type, const uint8_t **key, size_t *klen,
                          const uint8_t **json, size_t *jlen)
{
	if (n < SL_KAFKA_SPOOL_HDR)
		return -1;
	uint16_t t = (uint16_t)(p[0] | p[1] << 8);
	size_t kl = p[2];
	if (t >= SL_REC_TYPE_MAX || kl > SL_KAFKA_KEY_MAX || n - SL_KAFKA_SPOOL_HDR <= kl)
		return -1;
	*type = t;
	*key = p + SL_KAFKA_SPOOL_HDR;
	*klen = kl;
	*json = p + SL_KAFKA_SPOOL_HDR + kl;
	*jlen = n - SL_KAFKA_SPOOL_HDR - kl;
	return 0;
}
