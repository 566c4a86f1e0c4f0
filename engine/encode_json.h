/* SPDX-License-Identifier: MIT */
/* EVE JSON encoding of metadata records (engine/record_meta.h), done by the sinks. */
#ifndef SLUICE_ENCODE_JSON_H
#define SLUICE_ENCODE_JSON_H

#include <stddef.h>
#include <stdint.h>

/* Per-sink encoder state: the formatted second of the last timestamp, reused while the
 * second does not change. */
struct sl_json_enc {
	int64_t cached_sec;
	uint8_t cached_len;
	char cached[32];
};

/* Encode one record as one JSON line ending in '\n' into buf. Returns its length, or 0 when
 * the record is malformed, of an unknown type, or does not fit in cap bytes. */
size_t sl_json_encode(struct sl_json_enc *e, const void *rec, uint32_t len, uint16_t type, char *buf, size_t cap);

/* "flow", "http", ... for a record type; NULL for an unknown one. */
const char *sl_json_event_name(uint16_t type);
/* "TCP", "UDP", ... or NULL when EVE has no name for it. */
const char *sl_json_proto_name(uint8_t proto);

#endif
