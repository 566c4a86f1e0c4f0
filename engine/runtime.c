/* SPDX-License-Identifier: MIT */
/*
 * The runtime snapshot (runtime.h), on liburcu's QSBR flavour: a reader pays one load per batch
 * to take the snapshot and one compare (rcu_quiescent_state's fast path) to say it is done with
 * it; the writer never waits for readers, call_rcu's thread frees the old snapshot once every
 * registered reader has passed a quiescent state or gone offline.
 *
 * The pointer itself is a C11 atomic (store-release / load-acquire) rather than
 * rcu_assign_pointer/rcu_dereference: the same instructions on x86 and arm64, and
 * ThreadSanitizer understands them. The grace period is liburcu's (not instrumented), so under
 * TSan each reader releases a token before it reports a quiescent state and the reclaimer
 * acquires it before freeing: the happens-before edge the grace period really provides.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <urcu-qsbr.h>

#include "analysis/geoip/geoip.h"
#include "analysis/watchlist/watchlist.h"
#include "conf/conf.h"
#include "log.h"
#include "runtime.h"

#if defined(__SANITIZE_THREAD__)
#define SL_RT_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SL_RT_TSAN 1
#endif
#endif
#ifdef SL_RT_TSAN
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
static char tsan_token;
#define GRACE_RELEASE() __tsan_release(&tsan_token)
#define GRACE_ACQUIRE() __tsan_acquire(&tsan_token)
/* liburcu is not instrumented: its own memory handling (call_rcu queues, rcu_barrier's
 * completion) synchronises through atomics and futexes ThreadSanitizer cannot see. */
const char *__tsan_default_suppressions(void);
const char *__tsan_default_suppressions(void)
{
	return "called_from_lib:liburcu-qsbr.so\n";
}
#else
#define GRACE_RELEASE() ((void)0)
#define GRACE_ACQUIRE() ((void)0)
#endif

struct snapshot {
	struct sl_runtime pub;   /* first: a const struct sl_runtime * is a snapshot pointer */
	struct sl_config cfg;    /* owned */
	struct rcu_head rcu;
};

static struct snapshot *_Atomic current;      /* written by the publisher only */
static char *db_watchlist;                      /* the publisher's: the database's rows, or NULL */
static size_t db_watchlist_len;
static _Atomic uint64_t freed;                  /* published snapshots freed (tests, leak checks) */

static void bad_row(void *arg, uint32_t line, const char *why)
{
	sl_log(SL_LOG_WARNING, "watchlist %s:%u: %s (row skipped)", (const char *)arg, line, why);
}

static void snapshot_free(struct snapshot *s)
{
	if (!s)
		return;
	sl_geoip_close((struct sl_geoip *)s->pub.geoip);
	sl_watchlist_free((struct sl_watchlist *)s->pub.watchlist);
	sl_conf_fini(&s->cfg);
	free(s);
}

/* A snapshot of cfg with the files its enrichment keys name opened and checked: the GeoIP
 * databases and the watchlist are read again for every snapshot, so SIGHUP after replacing
 * a file is how a new one is loaded. NULL with errbuf set when one is refused. */
static struct snapshot *snapshot_new(const struct sl_config *cfg, uint64_t version, char *errbuf, size_t errlen)
{
	struct snapshot *s = calloc(1, sizeof *s);

	if (!s || sl_conf_copy(&s->cfg, cfg) != 0) {
		free(s);
		snprintf(errbuf, errlen, "runtime snapshot: out of memory");
		return NULL;
	}
	s->pub.version = version;
	s->pub.cfg = &s->cfg;
	const struct sl_geoip_conf *gc = SL_GEOIP_CONF(&s->cfg);
	if (gc && gc->enabled) {
		struct sl_geoip *g;
		if (sl_geoip_open(gc->city_db, gc->asn_db, &g, errbuf, errlen) != 0) {
			snapshot_free(s);
			return NULL;
		}
		s->pub.geoip = g;
	}
	const struct sl_watchlist_conf *wc = SL_WATCHLIST_CONF(&s->cfg);
	if (wc && wc->enabled) {
		struct sl_watchlist *wl;
		/* with postgres.enabled the rows may come from the database alone, later */
		if ((!wc->file || !wc->file[0]) && !db_watchlist && !s->cfg.postgres.enabled) {
			snprintf(errbuf, errlen, "watchlist: app.watchlist.enabled is true but app.watchlist.file is empty");
			snapshot_free(s);
			return NULL;
		}
		if (sl_watchlist_load(wc->file, db_watchlist, db_watchlist_len, wc->strict, &wl,
		                      wc->strict ? NULL : bad_row, wc->file, errbuf, errlen) != 0) {
			snapshot_free(s);
			return NULL;
		}
		s->pub.watchlist = wl;
	}
	return s;
}

static void reclaim(struct rcu_head *head)
{
	GRACE_ACQUIRE();
	snapshot_free(caa_container_of(head, struct snapshot, rcu));
	atomic_fetch_add_explicit(&freed, 1, memory_order_relaxed);
}

int sl_runtime_init(const struct sl_config *cfg, char *errbuf, size_t errlen)
{
	struct snapshot *s;

	if (atomic_load_explicit(&current, memory_order_relaxed)) {
		snprintf(errbuf, errlen, "runtime snapshot: already initialised");
		return -EBUSY;
	}
	if (!(s = snapshot_new(cfg, 1, errbuf, errlen)))
		return -EINVAL;
	atomic_store_explicit(&current, s, memory_order_release);
	return 0;
}

void sl_runtime_fini(void)
{
	struct snapshot *s = atomic_load_explicit(&current, memory_order_relaxed);

	free(db_watchlist);
	db_watchlist = NULL;
	db_watchlist_len = 0;
	if (!s)
		return;
	/* Every reader has unregistered (their threads are joined): run what call_rcu queued,
	 * then free the last snapshot, which no reader can hold any more. */
	rcu_barrier();
	atomic_store_explicit(&current, NULL, memory_order_relaxed);
	snapshot_free(s);
	atomic_fetch_add_explicit(&freed, 1, memory_order_relaxed);
}

int sl_runtime_publish(const struct sl_config *cfg, char *restart, size_t restartlen, char *errbuf,
                       size_t errlen)
{
	struct snapshot *old = atomic_load_explicit(&current, memory_order_relaxed), *s;
	int kept;

	if (restartlen)
		restart[0] = '\0';
	if (!old) {
		snprintf(errbuf, errlen, "runtime snapshot: not initialised");
		return -EINVAL;
	}
	/* the enrichment keys are all live: the files opened are the ones cfg names */
	if (!(s = snapshot_new(cfg, old->pub.version + 1, errbuf, errlen)))
		return -EINVAL;
	kept = sl_conf_keep_restart_only(&s->cfg, &old->cfg, restart, restartlen);
	if (kept < 0) {
		snprintf(errbuf, errlen, "runtime snapshot: out of memory");
		snapshot_free(s);
		return kept;
	}
	if (sl_conf_diff(&s->cfg, &old->cfg, NULL) == NULL && !s->pub.geoip && !s->pub.watchlist) {
		snapshot_free(s); /* only restart-only keys changed, or nothing: readers keep theirs */
		return 0;
	}
	atomic_store_explicit(&current, s, memory_order_release);
	GRACE_RELEASE(); /* the publisher read old too */
	call_rcu(&old->rcu, reclaim);
	return 1;
}

char *sl_runtime_set_db_watchlist(char *text, size_t len, size_t *oldlen)
{
	char *old = db_watchlist;
	if (oldlen)
		*oldlen = db_watchlist_len;
	db_watchlist = text;
	db_watchlist_len = text ? len : 0;
	return old;
}

const struct sl_config *sl_runtime_config(void)
{
	struct snapshot *s = atomic_load_explicit(&current, memory_order_relaxed);
	return s ? &s->cfg : NULL;
}

uint64_t sl_runtime_version(void)
{
	struct snapshot *s = atomic_load_explicit(&current, memory_order_relaxed);
	return s ? s->pub.version : 0;
}

uint64_t sl__runtime_freed(void)
{
	return atomic_load_explicit(&freed, memory_order_relaxed);
}

void sl_runtime_register(void)
{
	rcu_register_thread();
}

void sl_runtime_unregister(void)
{
	GRACE_RELEASE();
	rcu_unregister_thread();
}

const struct sl_runtime *sl_runtime_get(void)
{
	struct snapshot *s = atomic_load_explicit(&current, memory_order_acquire);
	return s ? &s->pub : NULL;
}

void sl_runtime_quiescent(void)
{
	GRACE_RELEASE();
	rcu_quiescent_state();
}

void sl_runtime_offline(void)
{
	GRACE_RELEASE();
	rcu_thread_offline();
}

void sl_runtime_online(void)
{
	rcu_thread_online();
}
