/* SPDX-License-Identifier: MIT */
/* The ledger's test hook (fault.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"

int sl__fault_hop;
_Atomic int sl__fault_armed = 1;

int sl__fault_init(void)
{
	static const char *const names[] = { "", "capture", "worker", "router", "sink", "stats" };
	const char *v = getenv("SLUICE_TEST_LOSE");

	sl__fault_hop = SL_FAULT_NONE;
	if (!v || !*v)
		return 0;
	for (int i = 1; i < (int)(sizeof names / sizeof names[0]); i++)
		if (strcmp(v, names[i]) == 0) {
			sl__fault_hop = i;
			return 0;
		}
	return -EINVAL;
}
