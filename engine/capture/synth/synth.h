/* SPDX-License-Identifier: MIT */
/* The synthetic source's configuration block (capture.synth.*), in a struct of its own. */
#ifndef SLUICE_CAPTURE_SYNTH_H
#define SLUICE_CAPTURE_SYNTH_H

#include <stdint.h>

#include "conf/conf.h"

struct sl_synth_conf {
	int64_t packets; /* capture.synth.packets; 0: until stopped */
	int64_t flows;   /* capture.synth.flows */
	int64_t seed;    /* capture.synth.seed */
	char *mix;       /* capture.synth.mix: "proto=weight,..." */
};

extern const struct sl_conf_block sl__synth_conf;

#endif
