/* SPDX-License-Identifier: MIT */
/*
 * Error codes. Functions return 0 or a negative errno value; causes that errno has no word for
 * get a project code here, below -4000 so they never collide with the kernel's. One table,
 * one sl_strerror() for both.
 */
#ifndef SLUICE_ERR_H
#define SLUICE_ERR_H

#define SL_ERRNO_MAP(X)                                                   \
	X(CONFIG, -4001, "invalid configuration")                         \
	X(CONFIG_KEY, -4002, "unknown configuration key")                 \
	X(CONFIG_VALUE, -4003, "bad configuration value")                 \
	X(LINKTYPE, -4004, "unsupported link type")                       \
	X(TRUNCATED, -4005, "truncated input")                            \
	X(PEER_DEAD, -4006, "ring peer died")

enum sl_err {
#define SL_ERR_ENUM(name, value, text) SL_E##name = (value),
	SL_ERRNO_MAP(SL_ERR_ENUM)
#undef SL_ERR_ENUM
};

/* A message for a negative errno value or an SL_E* code; never NULL. */
const char *sl_strerror(int err);

#endif
