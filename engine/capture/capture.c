/* SPDX-License-Identifier: MIT */
/*
 * The table of capture sources. The engine looks a source up by the kind named in the config
 * (`sl_capture_find("pcap")`) and never knows more about it than its descriptor; adding a
 * source is one folder and one line here, with no registration magic to trace.
 */
#include <stddef.h>
#include <string.h>

#include "capture.h"

extern const struct sl_module sl__capture_pcap;
extern const struct sl_module sl__capture_afpacket;
extern const struct sl_module sl__capture_shm;
extern const struct sl_module sl__capture_synth;

const struct sl_module *const sl__capture_modules[] = {
	&sl__capture_pcap,
	&sl__capture_afpacket,
	&sl__capture_shm,
	&sl__capture_synth,
	NULL,
};

const struct sl_module *sl_capture_find(const char *kind)
{
	if (kind == NULL)
		return NULL;
	for (size_t i = 0; sl__capture_modules[i] != NULL; i++)
		if (strcmp(sl__capture_modules[i]->name, kind) == 0)
			return sl__capture_modules[i];
	return NULL;
}
