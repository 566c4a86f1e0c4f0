/* SPDX-License-Identifier: MIT */
/* sl_strerror: one place that turns every error code of sluice into words. */
#include <string.h>

#include "sluice/err.h"

const char *sl_strerror(int err)
{
	switch (err) {
#define SL_ERR_CASE(name, value, text) case value: return text;
		SL_ERRNO_MAP(SL_ERR_CASE)
#undef SL_ERR_CASE
	}
	return strerror(err < 0 ? -err : err);
}
