/* SPDX-License-Identifier: MIT */
/*
 * Logging for the engine (never for libraries: they return errors and let the engine say
 * them once). A line is formatted into a stack buffer and written with one write(2), so lines
 * from different threads never interleave.
 *
 * Repeats are rate-limited per call site (the format string's address is the kind of message):
 * past log.rate-limit lines in a minute, lines of that kind are counted instead, and the next
 * one logged after the minute says how many were held back. A flapping link or a bad peer
 * can then not fill a disk. Notices are exempt: they answer what an operator did (a signal,
 * a reload), and every line of a reload's list of changes matters. The table is a handful of slots under a mutex: the log is never on
 * a per-packet path.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static _Atomic int log_level = SL_LOG_INFO;
static _Atomic int log_fd = STDERR_FILENO;
static _Atomic int log_syslog;
static _Atomic long log_rate = 20; /* lines per kind per minute; 0: no limit */

#define RL_SLOTS 64
/* a minute; tests shorten it to see the summary line (log.h) */
uint64_t sl__log_window_ns = 60ull * 1000000000ull;
static struct {
	const char *fmt;
	uint64_t start_ns;
	long lines, held;
} rl[RL_SLOTS];
static pthread_mutex_t rl_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic unsigned long log_held_total;

void sl_log_set_rate(long per_minute)
{
	atomic_store_explicit(&log_rate, per_minute, memory_order_relaxed);
}

void sl_log_syslog(int on)
{
	if (on)
		openlog("sluiced", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	atomic_store_explicit(&log_syslog, on, memory_order_release);
}

unsigned long sl_log_held(void)
{
	return atomic_load_explicit(&log_held_total, memory_order_relaxed);
}

/* 1: log it (with *held lines of its kind held back before it), 0: hold it back */
static int rl_admit(const char *fmt, long *held)
{
	long rate = atomic_load_explicit(&log_rate, memory_order_relaxed);
	struct timespec ts;
	int ok = 1;

	*held = 0;
	if (rate <= 0)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	uint64_t now = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	size_t h = ((uintptr_t)fmt >> 3) % RL_SLOTS, i = h;
	pthread_mutex_lock(&rl_lock);
	/* linear probe; a full table reuses the home slot (a kind may then get a fresh window) */
	while (rl[i].fmt && rl[i].fmt != fmt && (i = (i + 1) % RL_SLOTS) != h)
		;
	if (rl[i].fmt != fmt) {
		rl[i].fmt = fmt;
		rl[i].start_ns = now;
		rl[i].lines = rl[i].held = 0;
	}
	if (now - rl[i].start_ns >= sl__log_window_ns) {
		*held = rl[i].held;
		rl[i].start_ns = now;
		rl[i].lines = rl[i].held = 0;
	}
	if (rl[i].lines < rate) {
		rl[i].lines++;
	} else {
		rl[i].held++;
		ok = 0;
	}
	pthread_mutex_unlock(&rl_lock);
	if (!ok)
		atomic_fetch_add_explicit(&log_held_total, 1, memory_order_relaxed);
	return ok;
}

void sl_log_set_level(enum sl_log_level level)
{
	atomic_store_explicit(&log_level, (int)level, memory_order_relaxed);
}

enum sl_log_level sl_log_get_level(void)
{
	return (enum sl_log_level)atomic_load_explicit(&log_level, memory_order_relaxed);
}

int sl_log_open(const char *path)
{
	if (path == NULL || path[0] == 0)
		return 0;
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	atomic_store_explicit(&log_fd, fd, memory_order_release);
	return 0;
}

void sl_log(enum sl_log_level level, const char *fmt, ...)
{
	static const char *const names[] = { "error", "warning", "notice", "info", "debug" };
	char line[1024], tname[16] = "";
	struct timespec ts;
	struct tm tm;
	va_list ap;
	int n;

	long held;

	if ((int)level > atomic_load_explicit(&log_level, memory_order_relaxed))
		return;
	held = 0;
	if (level != SL_LOG_NOTICE && !rl_admit(fmt, &held)) /* notices answer an operator's act */
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	pthread_getname_np(pthread_self(), tname, sizeof tname);
	n = snprintf(line, sizeof line, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ sluiced[%s] %s: ", tm.tm_year + 1900,
	             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000, tname,
	             names[level]);
	int body = n;
	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof line - 40)
		n = (int)sizeof line - 40;
	if (held)
		n += snprintf(line + n, sizeof line - (size_t)n, " (%ld more like it held back)", held);
	if (atomic_load_explicit(&log_syslog, memory_order_acquire)) {
		static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG };
		/* syslog stamps time and pid itself: the thread name and the message only */
		syslog(prio[level], "[%s] %.*s", tname, n - body, line + body);
		return;
	}
	line[n++] = '\n';
	ssize_t w = write(atomic_load_explicit(&log_fd, memory_order_acquire), line, (size_t)n);
	(void)w;
}
