/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for packet decode and the flow hashes. The first input byte picks the
 * link type, the rest is the frame. Beyond "no crash, no out-of-bounds read" (ASan/UBSan),
 * it checks the decoder's promises: one named outcome, every pointer and length inside the
 * frame, raw hash == decoded hash for decodable non-fragments, direction-symmetric hashes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"

static const uint16_t links[] = {0, 1, 12, 14, 101, 108, 113, 228, 229, 276, 147};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_decoded d, r;
	uint16_t lt;
	uint32_t len;
	int rc;

	if (size < 1)
		return 0;
	lt = links[data[0] % (sizeof(links) / sizeof(links[0]))];
	data++;
	size--;
	len = size > 0xffffffu ? 0xffffffu : (uint32_t)size;

	rc = sl_decode(data, len, lt, &d);
	if (rc < 0 || rc >= SL_DECODE_REASON_COUNT || sl_decode_reason_name(rc) == NULL)
		abort();
	if (d.l3 && (d.l3 != data + d.l3_off || d.l3_off + d.ip_len > len))
		abort();
	if (d.l4 && (d.l4 != data + d.l4_off || d.l4_off + d.l4_len > len))
		abort();
	if (d.payload && (d.payload != data + d.payload_off || d.payload_off + d.payload_len > len))
		abort();
	if (d.vlan_count > SL_DECODE_MAX_VLANS)
		abort();
	if (rc == SL_DECODE_OK) {
		if (sl_flow_hash_raw(data, len, lt) != sl_flow_hash(&d))
			abort();
		r = d;
		memcpy(r.src, d.dst, 16);
		memcpy(r.dst, d.src, 16);
		r.sport = d.dport;
		r.dport = d.sport;
		if (sl_flow_hash(&r) != sl_flow_hash(&d))
			abort();
	}
	/* with the wire length: as long as the capture, and longer */
	rc = sl_decode_wire(data, len, len, lt, &d);
	if (rc < 0 || rc >= SL_DECODE_REASON_COUNT)
		abort();
	rc = sl_decode_wire(data, len, len + 100, lt, &d);
	if (rc < 0 || rc >= SL_DECODE_REASON_COUNT)
		abort();
	return 0;
}
