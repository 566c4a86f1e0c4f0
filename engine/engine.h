/* SPDX-License-Identifier: MIT */
/* The engine's lifecycle (engine.c): build the pipeline, run it until the input ends or a
 * signal asks, drain, print the ledger. */
#ifndef SLUICE_ENGINE_H
#define SLUICE_ENGINE_H

#include "pipeline.h"

struct sl_config;
struct sl_pgconf_rows; /* config/pgconf.h */

struct sl_engine_opts {
	struct sl_inputs inputs;
	const char *stats_json; /* NULL: no JSON ledger */
	const char *config_path; /* for SIGHUP: re-read and check */
	const char *const *sets; /* the --set assignments, NULL-terminated, applied after the file */
	struct sl_pgconf_rows *db; /* the database's settings read at start (postgres.enabled), or
	                              NULL; sl_engine_run takes it over */
	int progress;           /* draw a progress line on stderr */
};

/* Adds the configuration blocks of every module in the engine's tables to the schema: once, at
 * start-up, before any configuration is made. 0 or negative errno with errbuf set. */
int sl_engine_conf_register(char *errbuf, size_t errlen);

/* The configuration sluiced runs with: built-in defaults, then the file (path may be NULL),
 * then the database's rows (db may be NULL), then each "key=value" of sets (NULL-terminated,
 * may be NULL). 0, or nonzero with the reason (file, line, key; or table and row) in errbuf and
 * c holding the defaults; c is always to be sl_conf_fini'd. */
int sl_engine_config(struct sl_config *c, const char *path, const struct sl_pgconf_rows *db,
                     const char *const *sets, char *errbuf, size_t errlen);

/* Runs to completion. Returns the process exit code: 0 clean, 1 a fatal error (said on
 * stderr), 3 the ledger did not balance. The caller has blocked SIGINT, SIGTERM and SIGHUP
 * in every thread; the engine waits for them with sigtimedwait. */
int sl_engine_run(const struct sl_config *cfg, const struct sl_engine_opts *opts);

#endif
