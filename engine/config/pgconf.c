/* SPDX-License-Identifier: MIT */
/*
 * PostgreSQL as a configuration source (see pgconf.h for the contract).
 *
 * Everything talks to libpq asynchronously (PQconnectStart/PQconnectPoll, PQsendQueryParams,
 * PQconsumeInput) and waits in poll() on the connection's socket and an eventfd that stop()
 * writes, so the thread never sits in a call it cannot be pulled out of, and a server that
 * stops answering costs a timeout, not a hang. The thread's states:
 *
 *      ┌────────── backoff (1 s, doubling to reconnect-max) ◀──────────┐
 *      ▼                                                               │ failed / lost
 *   connecting ──ok──▶ LISTEN + read ──▶ idle (poll) ──NOTIFY──▶ read ──┤
 *                                         ▲                             │
 *                                         └─────────────────────────────┘
 *
 * A read publishes its rows (under a mutex only take() and the thread use) and calls
 * opts.changed; the main loop decides whether anything changed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <libpq-fe.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "conf/conf.h"
#include "log.h"
#include "pgconf.h"


static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- one connection ------------------------------------------------------------------------- */

/* Waits until fd is ready for ev, the stop fd fires (-ECANCELED) or the deadline passes
 * (-ETIMEDOUT). */
static int wait_fd(int fd, short ev, int stopfd, uint64_t deadline)
{
	for (;;) {
		uint64_t now = mono_ns();
		if (now >= deadline)
			return -ETIMEDOUT;
		struct pollfd p[2] = { { .fd = fd, .events = ev }, { .fd = stopfd, .events = POLLIN } };
		int ms = (int)((deadline - now) / 1000000u) + 1;
		int n = poll(p, stopfd >= 0 ? 2 : 1, ms);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (stopfd >= 0 && (p[1].revents & POLLIN))
			return -ECANCELED;
		if (n > 0)
			return 0;
	}
}

static void pq_error(char *errbuf, size_t errlen, const char *what, const PGconn *c)
{
	const char *m = c ? PQerrorMessage(c) : "out of memory";
	size_t l = strlen(m);
	while (l && (m[l - 1] == '\n' || m[l - 1] == ' '))
		l--;
	snprintf(errbuf, errlen, "postgres: %s: %.*s", what, (int)l, m);
}

/* 0 and *out connected (non-blocking), or -errno with errbuf: -ECANCELED when stopfd fired. */
static int connect_async(const char *conninfo, int stopfd, uint64_t timeout_ns, PGconn **out, char *errbuf,
                         size_t errlen)
{
	uint64_t deadline = mono_ns() + timeout_ns;
	PGconn *c = PQconnectStart(conninfo);
	int e = 0;
	if (c == NULL || PQstatus(c) == CONNECTION_BAD) {
		pq_error(errbuf, errlen, "connect", c);
		PQfinish(c);
		return -ECONNREFUSED;
	}
	for (PostgresPollingStatusType st = PGRES_POLLING_WRITING; st != PGRES_POLLING_OK; st = PQconnectPoll(c)) {
		if (st == PGRES_POLLING_FAILED) {
			pq_error(errbuf, errlen, "connect", c);
			e = -ECONNREFUSED;
			break;
		}
		if ((e = wait_fd(PQsocket(c), st == PGRES_POLLING_READING ? POLLIN : POLLOUT, stopfd, deadline)) != 0) {
			snprintf(errbuf, errlen, "postgres: connect: %s",
			         e == -ETIMEDOUT ? "no answer within postgres.connect-timeout" : strerror(-e));
			break;
		}
	}
	if (e == 0 && PQsetnonblocking(c, 1) != 0) {
		pq_error(errbuf, errlen, "connect", c);
		e = -EIO;
	}
	if (e) {
		PQfinish(c);
		return e;
	}
	*out = c;
	return 0;
}

/* Sends what libpq holds, then collects results until the query is done: the last result
 * (PQclear it), or NULL with errbuf set. */
static PGresult *finish_query(PGconn *c, int stopfd, uint64_t deadline, const char *what, char *errbuf,
                              size_t errlen)
{
	int f;
	while ((f = PQflush(c)) == 1)
		if (wait_fd(PQsocket(c), POLLOUT, stopfd, deadline) != 0)
			goto timeout;
	if (f < 0)
		goto failed;
	PGresult *last = NULL;
	for (;;) {
		while (PQisBusy(c)) {
			if (wait_fd(PQsocket(c), POLLIN, stopfd, deadline) != 0) {
				PQclear(last);
				goto timeout;
			}
			if (!PQconsumeInput(c)) {
				PQclear(last);
				goto failed;
			}
		}
		PGresult *r = PQgetResult(c);
		if (r == NULL)
			break;
		PQclear(last);
		last = r;
	}
	if (last == NULL || (PQresultStatus(last) != PGRES_TUPLES_OK && PQresultStatus(last) != PGRES_COMMAND_OK)) {
		const char *m = last ? PQresultErrorMessage(last) : "no result";
		size_t l = strlen(m);
		while (l && (m[l - 1] == '\n' || m[l - 1] == ' '))
			l--;
		snprintf(errbuf, errlen, "postgres: %s: %.*s", what, (int)l, m);
		PQclear(last);
		return NULL;
	}
	return last;
timeout:
	snprintf(errbuf, errlen, "postgres: %s: no answer in time", what);
	return NULL;
failed:
	pq_error(errbuf, errlen, what, c);
	return NULL;
}

static const char settings_sql[] =
	"SELECT sensor, key, value FROM sluice_settings WHERE sensor = '*' OR sensor = $1 "
	"ORDER BY (sensor <> '*'), key";

static const char watchlist_sql[] =
	"SELECT id, kind, value, tag, severity::text, coalesce(signature, '') FROM sluice_watchlist "
	"WHERE enabled AND (sensor = '*' OR sensor = $1) ORDER BY id";

static void bad_watchlist_row(void *arg, const char *why)
{
	(void)arg;
	sl_log(SL_LOG_WARNING, "postgres: %s (row skipped)", why);
}

/* Adds the watchlist table's rows to r: 0, or -errno with errbuf. */
static int read_watchlist(PGconn *c, const char *sensor, int stopfd, uint64_t timeout_ns, struct sl_pgconf_rows *r,
                          char *errbuf, size_t errlen)
{
	const char *params[1] = { sensor };
	if (!PQsendQueryParams(c, watchlist_sql, 1, NULL, params, NULL, NULL, 0)) {
		pq_error(errbuf, errlen, "read sluice_watchlist", c);
		return -EIO;
	}
	PGresult *res = finish_query(c, stopfd, mono_ns() + timeout_ns, "read sluice_watchlist", errbuf, errlen);
	if (res == NULL)
		return -EIO;
	int e = 0;
	if (PQnfields(res) != 6) {
		snprintf(errbuf, errlen, "postgres: sluice_watchlist: expected 6 columns");
		e = -EINVAL;
	}
	for (int i = 0; e == 0 && i < PQntuples(res); i++) {
		char why[320];
		const char *f[6];
		size_t n[6];
		for (int k = 0; k < 6; k++) {
			f[k] = PQgetvalue(res, i, k);
			n[k] = PQgetisnull(res, i, k) ? 0 : (size_t)PQgetlength(res, i, k);
		}
		uint64_t id = strtoull(f[0], NULL, 10);
		int a = sl_pgconf_watchlist_add(r, id, f[1], n[1], f[2], n[2], f[3], n[3], f[4], n[4], f[5], n[5], why,
		                                sizeof why);
		if (a == -EINVAL)
			bad_watchlist_row(NULL, why); /* one row: the rest still load */
		else if (a)
			e = a;
	}
	PQclear(res);
	if (e == 0 && r->watchlist == NULL && (r->watchlist = calloc(1, 1)) == NULL)
		e = -ENOMEM; /* read, and empty: not the same as not read */
	if (e == 0 && sl_pgconf_watchlist_check(r, bad_watchlist_row, NULL) == (size_t)-ENOMEM) {
		snprintf(errbuf, errlen, "postgres: sluice_watchlist: out of memory");
		e = -ENOMEM;
	}
	return e;
}

/* Reads the settings table: 0 and *out, or -errno with errbuf. */
static int read_rows(PGconn *c, const char *sensor, int stopfd, uint64_t timeout_ns, struct sl_pgconf_rows **out,
                     char *errbuf, size_t errlen)
{
	const char *params[1] = { sensor };
	if (!PQsendQueryParams(c, settings_sql, 1, NULL, params, NULL, NULL, 0)) {
		pq_error(errbuf, errlen, "read sluice_settings", c);
		return -EIO;
	}
	PGresult *res = finish_query(c, stopfd, mono_ns() + timeout_ns, "read sluice_settings", errbuf, errlen);
	if (res == NULL)
		return -EIO;
	struct sl_pgconf_rows *r = sl__pgconf_rows_new();
	int e = r ? 0 : -ENOMEM;
	if (r && PQnfields(res) != 3) {
		snprintf(errbuf, errlen, "postgres: sluice_settings: expected 3 columns (sensor, key, value)");
		e = -EINVAL;
	}
	for (int i = 0; e == 0 && i < PQntuples(res); i++) {
		if (PQgetisnull(res, i, 1) || PQgetisnull(res, i, 2)) {
			snprintf(errbuf, errlen, "postgres: sluice_settings row %d: NULL key or value", i + 1);
			e = -EINVAL;
			break;
		}
		e = sl_pgconf_rows_add(r, PQgetvalue(res, i, 0), PQgetvalue(res, i, 1), (size_t)PQgetlength(res, i, 1),
		                       PQgetvalue(res, i, 2), (size_t)PQgetlength(res, i, 2), errbuf, errlen);
	}
	PQclear(res);
	if (e == 0)
		e = read_watchlist(c, sensor, stopfd, timeout_ns, r, errbuf, errlen);
	if (e) {
		sl_pgconf_rows_free(r);
		return e;
	}
	*out = r;
	return 0;
}

int sl_pgconf_read(const struct sl_pgconf_opts *opts, struct sl_pgconf_rows **rows, char *errbuf, size_t errlen)
{
	PGconn *c;
	int e = connect_async(opts->conninfo, -1, opts->connect_timeout_ns, &c, errbuf, errlen);
	if (e)
		return e;
	e = read_rows(c, opts->sensor, -1, opts->connect_timeout_ns, rows, errbuf, errlen);
	PQfinish(c);
	return e;
}

/* ---- the listener thread ------------------------------------------------------------------ */

struct sl_pgconf {
	struct sl_pgconf_opts opts;
	char *conninfo, *sensor, *channel; /* owned copies of opts' strings */
	int stopfd;
	pthread_t tid;
	pthread_mutex_t lock;
	struct sl_pgconf_rows *fresh; /* under lock: the newest read not taken */
	struct sl_pgconf_stats st;    /* under lock */
};

static void count(struct sl_pgconf *pg, uint64_t *field, int connected)
{
	pthread_mutex_lock(&pg->lock);
	if (field)
		(*field)++;
	if (connected >= 0)
		pg->st.connected = connected;
	pthread_mutex_unlock(&pg->lock);
}

/* One read handed over; 0, or -errno when the connection must be dropped. A bad row is
 * logged and counted, and keeps the connection. */
static int reread(struct sl_pgconf *pg, PGconn *c)
{
	char err[512];
	struct sl_pgconf_rows *r = NULL;
	int e = read_rows(c, pg->sensor, pg->stopfd, pg->opts.connect_timeout_ns, &r, err, sizeof err);
	if (e == -EINVAL) {
		sl_log(SL_LOG_ERROR, "%s; the settings in force stay", err);
		count(pg, &pg->st.errors, -1);
		return 0;
	}
	if (e) {
		sl_log(SL_LOG_WARNING, "%s", err);
		count(pg, &pg->st.errors, -1);
		return e;
	}
	pthread_mutex_lock(&pg->lock);
	sl_pgconf_rows_free(pg->fresh);
	pg->fresh = r;
	pg->st.reads++;
	pthread_mutex_unlock(&pg->lock);
	if (pg->opts.changed)
		pg->opts.changed(pg->opts.arg);
	return 0;
}

/* Connected: LISTEN, read, then wait for notifications until the connection fails or stop. */
static int serve(struct sl_pgconf *pg, PGconn *c)
{
	char err[512], sql[160];
	char *ch = PQescapeIdentifier(c, pg->channel, strlen(pg->channel));
	if (ch == NULL)
		return -ENOMEM;
	snprintf(sql, sizeof sql, "LISTEN %s", ch);
	PQfreemem(ch);
	if (!PQsendQuery(c, sql))
		return -EIO;
	PGresult *res = finish_query(c, pg->stopfd, mono_ns() + pg->opts.connect_timeout_ns, "LISTEN", err, sizeof err);
	if (res == NULL) {
		sl_log(SL_LOG_WARNING, "%s", err);
		return -EIO;
	}
	PQclear(res);
	if (reread(pg, c) != 0)
		return -EIO;
	for (;;) {
		struct pollfd p[2] = { { .fd = PQsocket(c), .events = POLLIN }, { .fd = pg->stopfd, .events = POLLIN } };
		int n = poll(p, 2, 1000);
		if (n < 0 && errno != EINTR)
			return -errno;
		if (p[1].revents & POLLIN)
			return -ECANCELED;
		if (n > 0 && (p[0].revents & (POLLIN | POLLERR | POLLHUP)) && !PQconsumeInput(c)) {
			pq_error(err, sizeof err, "connection lost", c);
			sl_log(SL_LOG_WARNING, "%s; keeping the settings in force, reconnecting", err);
			return -EIO;
		}
		if (PQstatus(c) != CONNECTION_OK) {
			sl_log(SL_LOG_WARNING, "postgres: connection lost; keeping the settings in force, reconnecting");
			return -EIO;
		}
		int notified = 0;
		PGnotify *nt;
		while ((nt = PQnotifies(c)) != NULL) {
			notified++;
			PQfreemem(nt);
		}
		if (notified) {
			pthread_mutex_lock(&pg->lock);
			pg->st.notifications += (uint64_t)notified;
			pthread_mutex_unlock(&pg->lock);
			if (reread(pg, c) != 0)
				return -EIO;
		}
	}
}

static void *pg_main(void *arg)
{
	struct sl_pgconf *pg = arg;
	const uint64_t first = pg->opts.reconnect_max_ns < 1000000000u ? pg->opts.reconnect_max_ns : 1000000000u;
	uint64_t backoff = first;
	char err[512];

	for (;;) {
		PGconn *c = NULL;
		int ce = connect_async(pg->conninfo, pg->stopfd, pg->opts.connect_timeout_ns, &c, err, sizeof err);
		if (ce == -ECANCELED)
			return NULL;
		if (ce == 0) {
			count(pg, &pg->st.connects, 1);
			sl_log(SL_LOG_INFO, "postgres: connected; listening on %s", pg->channel);
			backoff = first;
			int e = serve(pg, c);
			PQfinish(c);
			count(pg, e == -ECANCELED ? NULL : &pg->st.disconnects, 0);
			if (e == -ECANCELED)
				return NULL;
		} else {
			count(pg, &pg->st.errors, 0);
			sl_log(SL_LOG_WARNING, "%s; retrying in %.1f s", err, (double)backoff / 1e9);
		}
		if (wait_fd(-1, 0, pg->stopfd, mono_ns() + backoff) == -ECANCELED)
			return NULL;
		backoff = backoff * 2 > pg->opts.reconnect_max_ns ? pg->opts.reconnect_max_ns : backoff * 2;
	}
}

int sl_pgconf_start(struct sl_pgconf **out, const struct sl_pgconf_opts *opts, char *errbuf, size_t errlen)
{
	struct sl_pgconf *pg = calloc(1, sizeof *pg);
	if (pg == NULL)
		goto nomem;
	pg->opts = *opts;
	pg->stopfd = -1;
	if ((pg->conninfo = strdup(opts->conninfo)) == NULL || (pg->sensor = strdup(opts->sensor)) == NULL ||
	    (pg->channel = strdup(opts->channel)) == NULL)
		goto nomem;
	if ((pg->stopfd = eventfd(0, EFD_CLOEXEC)) < 0) {
		snprintf(errbuf, errlen, "postgres: eventfd: %s", strerror(errno));
		goto fail;
	}
	pthread_mutex_init(&pg->lock, NULL);
	int e = pthread_create(&pg->tid, NULL, pg_main, pg);
	if (e) {
		snprintf(errbuf, errlen, "postgres: pthread_create: %s", strerror(e));
		pthread_mutex_destroy(&pg->lock);
		goto fail;
	}
	*out = pg;
	return 0;
nomem:
	snprintf(errbuf, errlen, "postgres: out of memory");
fail:
	if (pg) {
		if (pg->stopfd >= 0)
			close(pg->stopfd);
		free(pg->conninfo);
		free(pg->sensor);
		free(pg->channel);
		free(pg);
	}
	return -ENOMEM;
}

int sl_pgconf_take(struct sl_pgconf *pg, struct sl_pgconf_rows **rows)
{
	pthread_mutex_lock(&pg->lock);
	*rows = pg->fresh;
	pg->fresh = NULL;
	pthread_mutex_unlock(&pg->lock);
	return *rows != NULL;
}

void sl_pgconf_stats(struct sl_pgconf *pg, struct sl_pgconf_stats *st)
{
	pthread_mutex_lock(&pg->lock);
	*st = pg->st;
	pthread_mutex_unlock(&pg->lock);
}

void sl_pgconf_stop(struct sl_pgconf *pg)
{
	if (pg == NULL)
		return;
	uint64_t one = 1;
	if (write(pg->stopfd, &one, sizeof one) != sizeof one)
		sl_log(SL_LOG_ERROR, "postgres: cannot wake the listener: %s", strerror(errno));
	pthread_join(pg->tid, NULL);
	close(pg->stopfd);
	pthread_mutex_destroy(&pg->lock);
	sl_pgconf_rows_free(pg->fresh);
	free(pg->conninfo);
	free(pg->sensor);
	free(pg->channel);
	free(pg);
}
