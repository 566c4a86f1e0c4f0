/* SPDX-License-Identifier: MIT */
/* The sinks sluiced knows, in the order the router feeds them. */
#include <stddef.h>

#include "sinks/sink.h"

extern const struct sl_sink_module sl__sink_file;

const struct sl_sink_module *const sl__sink_modules[] = {
	&sl__sink_file,
	NULL,
};
