/* SPDX-License-Identifier: MIT */
/*
 * The configuration blocks of the analysis steps (app.http.*, app.tls.*, app.dns.*): each step
 * owns its keys, defined next to its code (http/, tls/, dns/), in a struct of its own. Read one
 * with sl_conf_block(cfg, &sl__http_conf): a step reads its live keys in its config hook, with
 * each new snapshot, so they change between two batches.
 */
#ifndef SLUICE_ANALYSIS_STEPS_CONF_H
#define SLUICE_ANALYSIS_STEPS_CONF_H

#include <stdbool.h>
#include <stdint.h>

#include "conf/conf.h"

struct sl_http_conf {
	bool enabled;         /* app.http.enabled */
	int64_t max_sessions; /* app.http.max-sessions, per worker */
};

struct sl_tls_conf {
	bool enabled;         /* app.tls.enabled */
	int64_t max_sessions; /* app.tls.max-sessions: the worker's stream buffers (TLS, DNS/TCP) */
	bool log_resumed;     /* app.tls.log-resumed */
};

struct sl_dns_conf {
	bool enabled;              /* app.dns.enabled */
	struct sl_conf_ints ports; /* app.dns.ports */
};

extern const struct sl_conf_block sl__http_conf, sl__tls_conf, sl__dns_conf;

#define SL_HTTP_CONF(cfg) ((const struct sl_http_conf *)sl_conf_block((cfg), &sl__http_conf))
#define SL_TLS_CONF(cfg) ((const struct sl_tls_conf *)sl_conf_block((cfg), &sl__tls_conf))
#define SL_DNS_CONF(cfg) ((const struct sl_dns_conf *)sl_conf_block((cfg), &sl__dns_conf))

#endif
