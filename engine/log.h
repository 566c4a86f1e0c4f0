/* SPDX-License-Identifier: MIT */
/* The engine's log: one line per event to stderr (or log.file), with time and thread name.
 * Pinned threads never log per packet: they count, and log rate-limited summaries. */
#ifndef SLUICE_LOG_H
#define SLUICE_LOG_H

#include <stdint.h>

enum sl_log_level { SL_LOG_ERROR = 0, SL_LOG_WARNING, SL_LOG_NOTICE, SL_LOG_INFO, SL_LOG_DEBUG };

void sl_log_set_level(enum sl_log_level level);
enum sl_log_level sl_log_get_level(void); /* any thread */
int sl_log_open(const char *path); /* "" or NULL: stderr; 0 or -errno */
void sl_log_syslog(int on);           /* log to syslog (facility daemon) from now on */
void sl_log_set_rate(long per_minute); /* log.rate-limit; 0: no limit */
unsigned long sl_log_held(void);       /* lines held back by the rate limit so far */
extern uint64_t sl__log_window_ns;     /* the rate limit's window (a minute); for tests */
void sl_log(enum sl_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
