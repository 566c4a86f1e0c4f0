/* SPDX-License-Identifier: MIT */
/*
 * The AF_PACKET source's configuration block (capture.afpacket.*): the keys it owns, in a struct
 * of its own. The engine reads it to make one capture instance per fanout member.
 */
#ifndef SLUICE_CAPTURE_AFPACKET_H
#define SLUICE_CAPTURE_AFPACKET_H

#include <stdint.h>

#include "conf/conf.h"

enum sl_afpacket_fanout { SL_AFPACKET_FANOUT_HASH = 0, SL_AFPACKET_FANOUT_LB, SL_AFPACKET_FANOUT_CPU };

struct sl_afpacket_conf {
	char *interface;                     /* capture.afpacket.interface */
	int64_t threads;                     /* capture.afpacket.threads */
	uint64_t block_size;                 /* capture.afpacket.block-size */
	int64_t block_count;                 /* capture.afpacket.block-count */
	int64_t fanout_group;                /* capture.afpacket.fanout-group; 0: from the pid */
	enum sl_afpacket_fanout fanout_mode; /* capture.afpacket.fanout-mode */
};

extern const struct sl_conf_block sl__afpacket_conf;
/* The fanout mode's name as the source's spec takes it ("hash", "lb", "cpu"). */
const char *sl_afpacket_fanout_name(enum sl_afpacket_fanout m);

#endif
