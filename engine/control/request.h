/* SPDX-License-Identifier: MIT */
/*
 * The control socket's requests (request.c): one JSON object per message, parsed from bytes a
 * client sent and therefore untrusted. Kept apart from the socket so the parser can be fuzzed
 * and unit-tested on its own, and so sluicectl and sluiced agree on the command names.
 *
 *   {"cmd":"stats"}  {"cmd":"rings"}  {"cmd":"flows","n":10}  {"cmd":"reload"}
 *   {"cmd":"pause"}  {"cmd":"resume"}  {"cmd":"loglevel"}  {"cmd":"loglevel","level":"debug"}
 *   {"cmd":"version"}  {"cmd":"shutdown"}
 *
 * Strict JSON (RFC 8259) for one flat object: string, integer, true, false and null values; no
 * nested object or array, no duplicate or unknown member, nothing after the closing brace but
 * whitespace. The parser reads at most len bytes, never past them, allocates nothing and keeps
 * no state between calls: any thread may call it.
 */
#ifndef SLUICE_CONTROL_REQUEST_H
#define SLUICE_CONTROL_REQUEST_H

#include <stddef.h>
#include <stdint.h>

enum sl_ctl_cmd {
	SL_CTL_STATS = 1,
	SL_CTL_RINGS,
	SL_CTL_FLOWS,
	SL_CTL_RELOAD,
	SL_CTL_PAUSE,
	SL_CTL_RESUME,
	SL_CTL_LOGLEVEL,
	SL_CTL_VERSION,
	SL_CTL_SHUTDOWN,
	SL_CTL_CMD_END
};

#define SL_CTL_FLOWS_DEFAULT 10
#define SL_CTL_FLOWS_MAX 100

struct sl_ctl_req {
	enum sl_ctl_cmd cmd;
	int64_t n;  /* flows: how many (1..SL_CTL_FLOWS_MAX; SL_CTL_FLOWS_DEFAULT when absent) */
	int level;  /* loglevel: enum sl_log_level to set, or -1 to only ask */
};

/* 0 and *req filled, or -EINVAL with err saying what is wrong (at which byte, which member);
 * err never quotes more than a few bytes of the input, escaped. */
int sl_ctl_parse(const char *buf, size_t len, struct sl_ctl_req *req, char *err, size_t errlen);

/* "stats", "rings", ...; NULL for an unknown value. */
const char *sl_ctl_cmd_name(enum sl_ctl_cmd c);
/* "error", "warning", "notice", "info", "debug" (enum sl_log_level order); NULL past them. */
const char *sl_ctl_level_name(int level);

#endif
