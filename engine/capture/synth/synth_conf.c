/* SPDX-License-Identifier: MIT */
/* The keys of the synthetic source (synth.h). */
#include "synth.h"
#include "synth_gen.h"
#define SL_CONF_STRUCT struct sl_synth_conf
#include "conf/conf_rows.h"

/* The generator's own parser decides what a mix is, so the config refuses what it would. */
static int check_mix(const void *value, char *msg, size_t msglen)
{
	unsigned w[SL__SYNTH_KINDS];

	return sl__synth_parse_mix(*(char *const *)value, w, msg, msglen) == 0 ? 0 : -1;
}

static const struct sl_conf_key keys[] = {
	INT("capture.synth.packets", packets, "1000000", 0, INT64_MAX,
	    "packets the synthetic generator produces; 0: until stopped"),
	INT("capture.synth.flows", flows, "10000", 1, 16777216, "distinct flows the generator cycles through"),
	INT("capture.synth.seed", seed, "1", 0, INT64_MAX, "random seed; the same seed gives the same packets"),
	STRING("capture.synth.mix", mix, "http=4,dns=3,tls=3", 1, 1024, check_mix,
	       "traffic mix as protocol=weight pairs (http, dns, tls)"),
};

const struct sl_conf_block sl__synth_conf = {
	.section = "capture.synth",
	.size = sizeof(struct sl_synth_conf),
	.keys = keys,
	.nkeys = sizeof(keys) / sizeof(keys[0]),
};
