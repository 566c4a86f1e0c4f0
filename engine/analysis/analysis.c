/* SPDX-License-Identifier: MIT */
/*
 * The analysis steps a worker runs, in detection order (the first step whose detect claims a
 * TCP flow owns it). Contract in analysis.h. Adding a step is its folder and one line here.
 */
#include <stddef.h>

#include "analysis.h"

extern const struct sl_module sl__analysis_http;
extern const struct sl_module sl__analysis_tls;
extern const struct sl_module sl__analysis_dns;
extern const struct sl_module sl__analysis_geoip;
extern const struct sl_module sl__analysis_watchlist;

const struct sl_module *const sl__analysis_modules[] = {
	&sl__analysis_http,
	&sl__analysis_tls,
	&sl__analysis_dns,
	/* enrichment: on_record in this order (the watchlist reads the geo the geoip step found) */
	&sl__analysis_geoip,
	&sl__analysis_watchlist,
	NULL,
};
