/* SPDX-License-Identifier: MIT */
/* The keys of the AF_PACKET source (afpacket.h). */
#include <stdio.h>

#include "afpacket.h"
#define SL_CONF_STRUCT struct sl_afpacket_conf
#include "conf/conf_rows.h"

static const char *const fanout_names[] = { "hash", "lb", "cpu", NULL };

const char *sl_afpacket_fanout_name(enum sl_afpacket_fanout m)
{
	return (unsigned)m < 3 ? fanout_names[m] : "hash";
}

/* TPACKET_V3 blocks are made of whole pages. */
static int check_page_multiple(const void *value, char *msg, size_t msglen)
{
	uint64_t v = *(const uint64_t *)value;

	if (v % 4096 != 0) {
		snprintf(msg, msglen, "must be a multiple of 4KiB (the page size)");
		return -1;
	}
	return 0;
}

static const struct sl_conf_key keys[] = {
	STRING("capture.afpacket.interface", interface, "", 0, 15, NULL,
	       "interface to capture from; -i overrides it"),
	INT("capture.afpacket.threads", threads, "1", 1, 64,
	    "capture threads (sockets) joined in one fanout group"),
	SIZE_CHECKED("capture.afpacket.block-size", block_size, "1MiB", 4 * KiB, 128 * MiB,
	             check_page_multiple, "TPACKET_V3 block size, a multiple of 4KiB"),
	INT("capture.afpacket.block-count", block_count, "64", 2, 65536, "TPACKET_V3 blocks per socket"),
	INT("capture.afpacket.fanout-group", fanout_group, "0", 0, 65535,
	    "PACKET_FANOUT group id; 0: derived from the process id"),
	ENUM("capture.afpacket.fanout-mode", fanout_mode, "hash", fanout_names,
	     "how the kernel spreads packets over the sockets: flow hash, round robin or CPU"),
};

const struct sl_conf_block sl__afpacket_conf = {
	.section = "capture.afpacket",
	.size = sizeof(struct sl_afpacket_conf),
	.keys = keys,
	.nkeys = sizeof(keys) / sizeof(keys[0]),
};
