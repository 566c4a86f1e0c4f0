/* SPDX-License-Identifier: MIT */
/* The shm source's configuration block (capture.shm.*), in a struct of its own. */
#ifndef SLUICE_CAPTURE_SHM_H
#define SLUICE_CAPTURE_SHM_H

#include <stdbool.h>

#include "conf/conf.h"

struct sl_shm_conf {
	bool follow; /* capture.shm.follow: wait for the next producer when one detaches or dies */
};

extern const struct sl_conf_block sl__shm_conf;

#endif
