/* SPDX-License-Identifier: MIT */
/*
 * Logging for the engine (never for libraries: they return errors and let the engine say
 * them once). A line is formatted into a stack buffer and written with one write(2), so lines
 * from different threads never interleave.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static _Atomic int log_level = SL_LOG_INFO;
static _Atomic int log_fd = STDERR_FILENO;

void sl_log_set_level(enum sl_log_level level)
{
	atomic_store_explicit(&log_level, (int)level, memory_order_relaxed);
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

	if ((int)level > atomic_load_explicit(&log_level, memory_order_relaxed))
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	pthread_getname_np(pthread_self(), tname, sizeof tname);
	n = snprintf(line, sizeof line, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ sluiced[%s] %s: ", tm.tm_year + 1900,
	             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000, tname,
	             names[level]);
	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof line - 1)
		n = (int)sizeof line - 2;
	line[n++] = '\n';
	ssize_t w = write(atomic_load_explicit(&log_fd, memory_order_acquire), line, (size_t)n);
	(void)w;
}
