/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for IP reassembly. The input is a sequence of packets, each
 * [link selector:1][length:2, big endian][frame][time step:1]; every one that decodes as a
 * fragment goes to a small defragmenter (8 trackers, 8 KiB pool, so eviction and pool-full
 * paths run often). After every call the defragmenter's accounting must validate, and every
 * reassembled datagram must decode within its own bounds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "defrag.h"

static const uint16_t links[] = {228, 229, 101, 1};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_defrag df;
	uint64_t now = 1000;
	size_t off = 0;

	if (sl_defrag_init(&df, 8, 8192, 5000) != 0)
		abort();
	while (size - off >= 4) {
		uint16_t lt = links[data[off] % 4];
		size_t n = ((size_t)data[off + 1] << 8) | data[off + 2];
		struct sl_decoded d, r;
		const uint8_t *out;
		uint32_t out_len;
		int rc;

		off += 3;
		if (n > size - off)
			n = size - off;
		if (sl_decode(data + off, (uint32_t)n, lt, &d) == 0 &&
		    (d.flags & SL_DECODE_F_FRAGMENT)) {
			rc = sl_defrag_add(&df, &d, now, &out, &out_len);
			if (rc < 0 || rc >= SL_DEFRAG_REASON_COUNT)
				abort();
			if (sl_defrag_validate(&df) != 0)
				abort();
			if (rc == SL_DEFRAG_COMPLETE) {
				if (out == NULL || out_len == 0 || out_len > 65535 + SL_DEFRAG_HDR_MAX)
					abort();
				/* the bytes are readable to their end (ASan checks) */
				(void)sl_decode(out, out_len, 101, &r);
				if (r.l4 && r.l4_off + r.l4_len > out_len)
					abort();
			} else if (out != NULL) {
				abort();
			}
		}
		off += n;
		if (off < size)
			now += data[off++] * 100;
	}
	sl_defrag_expire(&df, now + 1000000);
	if (df.live != 0 || df.free_blocks != df.nblocks || sl_defrag_validate(&df) != 0)
		abort();
	sl_defrag_fini(&df);
	return 0;
}
