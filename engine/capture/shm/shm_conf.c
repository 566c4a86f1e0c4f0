/* SPDX-License-Identifier: MIT */
/* The keys of the shm source (shm.h). */
#include "shm.h"
#define SL_CONF_STRUCT struct sl_shm_conf
#include "conf/conf_rows.h"

static const struct sl_conf_key keys[] = {
	/* On by default: the ring belongs to the program that writes it, which may restart
	 * (an upgrade, a crash) and carry on; only its sl_ring_finish ends the input. */
	BOOL("capture.shm.follow", follow, "true",
	     "--shm-input waits for the next producer when one stops without finishing (false: ends)"),
};

const struct sl_conf_block sl__shm_conf = {
	.section = "capture.shm",
	.size = sizeof(struct sl_shm_conf),
	.keys = keys,
	.nkeys = sizeof(keys) / sizeof(keys[0]),
};
