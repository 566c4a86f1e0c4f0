/* SPDX-License-Identifier: MIT */
/*
 * fuzz_kafka_spool: the Kafka sink's spool-record parser against any bytes (what it reads back
 * from a spool directory). A record it accepts must lie inside the bytes, in order, and written
 * again from its parts give the same bytes; one it refuses must be one no put can make.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sinks/kafka/kafka.h"
#include "sluice/record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint16_t type;
	const uint8_t *key, *json;
	size_t klen, jlen;
	static uint8_t again[1 << 17];

	if (sl__kafka_spool_parse(data, size, &type, &key, &klen, &json, &jlen) != 0) {
		/* refused: too short, a type out of range, a key too long or no JSON after it */
		if (size >= SL_KAFKA_SPOOL_HDR && (uint16_t)(data[0] | data[1] << 8) < SL_REC_TYPE_MAX &&
		    data[2] <= SL_KAFKA_KEY_MAX && size - SL_KAFKA_SPOOL_HDR > data[2])
			abort();
		return 0;
	}
	if (type >= SL_REC_TYPE_MAX || klen > SL_KAFKA_KEY_MAX || jlen == 0)
		abort();
	if (key != data + SL_KAFKA_SPOOL_HDR || json != key + klen || json + jlen != data + size)
		abort();
	if (size <= sizeof again) {
		size_t n = sl__kafka_spool_put(again, type, key, klen, json, jlen);
		if (n != size || memcmp(again, data, size))
			abort();
	}
	return 0;
}
