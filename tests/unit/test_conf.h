/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the configuration tests: string comparison that prints both sides, and
 * short ways to apply --set or a YAML text and keep the error message.
 */
#ifndef SLUICE_TEST_CONF_H
#define SLUICE_TEST_CONF_H

#include <string.h>

#include "capture/afpacket/afpacket.h"
#include "capture/capture.h"
#include "capture/synth/synth.h"
#include "check.h"
#include "conf.h"
#include "engine.h"

/* The modules' blocks of keys, as sluiced registers them (call first in main). */
static inline void conf_test_setup(void)
{
	char e[256];
	if (sl_engine_conf_register(e, sizeof e) != 0) {
		fprintf(stderr, "registering the modules' configuration: %s\n", e);
		exit(1);
	}
}

/* A module's block in a configuration. */
#define AFP(c) ((const struct sl_afpacket_conf *)sl_conf_block((c), &sl__afpacket_conf))
#define SYNTH(c) ((const struct sl_synth_conf *)sl_conf_block((c), &sl__synth_conf))

#define CHECK_STR(a, b)                                                                       \
	do {                                                                                  \
		const char *a_ = (a), *b_ = (b);                                              \
		if (a_ && b_ && strcmp(a_, b_) == 0) {                                        \
			check_passed_++;                                                      \
		} else {                                                                      \
			check_failed_++;                                                      \
			fprintf(stderr, "%s:%d: CHECK_STR failed:\n  got  \"%s\"\n  want \"%s\"\n", \
			        __FILE__, __LINE__, a_ ? a_ : "(null)", b_ ? b_ : "(null)");  \
		}                                                                             \
	} while (0)

static char err_[1024];

/* --set on c; returns the result, leaves the message in err_ */
static inline int set(struct sl_config *c, const char *assignment)
{
	err_[0] = '\0';
	return sl_conf_set(c, assignment, err_, sizeof(err_));
}

/* Load YAML text (named "t.yaml" in messages) on top of c. */
static inline int load(struct sl_config *c, const char *yaml)
{
	err_[0] = '\0';
	return sl_conf_load_buffer(c, "t.yaml", yaml, strlen(yaml), err_, sizeof(err_));
}

/* A key's value as config text. */
static inline const char *fmt(const struct sl_config *c, const char *key)
{
	static char buf[4096];
	const struct sl_conf_key *k = sl_conf_key_find(key);

	if (!k)
		return "(no such key)";
	sl_conf_format(c, k, buf, sizeof(buf));
	return buf;
}

#endif
