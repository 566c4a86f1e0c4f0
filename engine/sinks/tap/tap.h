/* SPDX-License-Identifier: MIT */
/*
 * Taps (tap.c): the engine's side. The record layout other processes read is the public
 * include/sluice/tap.h; this is how the pipeline builds the taps' sinks.
 */
#ifndef SLUICE_SINKS_TAP_H
#define SLUICE_SINKS_TAP_H

#include <stddef.h>

struct sl_pipeline;
struct sl_config;

/* Longest tap name: the ledger's rows hold "router->tap.NAME". */
#define SL_TAP_NAME_MAX 24

extern const struct sl_conf_block sl__tap_conf;
extern const struct sl_module sl__sink_tap;

/* One sink per outputs.tap.names entry, each with a named ring the router fills (drop policy)
 * and no thread: appended to pl->sinks and pl->router.sinks. Nothing when taps are off.
 * 0, or a negative errno with the key and the name in errbuf. */
int sl__tap_create(struct sl_pipeline *pl, const struct sl_config *cfg, char *errbuf, size_t errlen);

#endif
