/* SPDX-License-Identifier: MIT */
/* The engine's lifecycle (engine.c): build the pipeline, run it until the input ends or a
 * signal asks, drain, print the ledger. */
#ifndef SLUICE_ENGINE_H
#define SLUICE_ENGINE_H

#include "pipeline.h"

struct sl_config;

struct sl_engine_opts {
	struct sl_inputs inputs;
	const char *stats_json; /* NULL: no JSON ledger */
	const char *config_path; /* for SIGHUP: re-read and check */
	int progress;           /* draw a progress line on stderr */
};

/* Runs to completion. Returns the process exit code: 0 clean, 1 a fatal error (said on
 * stderr), 3 the ledger did not balance. The caller has blocked SIGINT, SIGTERM and SIGHUP
 * in every thread; the engine waits for them with sigtimedwait. */
int sl_engine_run(const struct sl_config *cfg, const struct sl_engine_opts *opts);

#endif
