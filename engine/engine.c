/* SPDX-License-Identifier: MIT */
/*
 * Lifecycle: create → start → run → drain → stop. The main thread owns no data path: it
 * waits for signals and ticks the timers (progress line, stats), while the stage threads do
 * the work. The end of the last input and SIGINT/SIGTERM take the same road: the capture
 * threads stop, and the drain protocol (pipeline.h) empties every ring into the sinks before
 * the threads are joined, so the ledger printed at the end is final and balances. A second
 * SIGINT/SIGTERM stops waiting on full rings (what is left is counted as dropped).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "analysis/analysis.h"
#include "capture/capture.h"
#include "fault.h"
#include "sinks/sink.h"
#include "conf/conf.h"
#include "config/pgconf.h"
#include "control/control.h"
#include "engine.h"
#include "log.h"
#include "metrics/metrics.h"
#include "record_meta.h"
#include "ops.h"
#include "runtime.h"
#include "stats.h"
#include "timers.h"

static double now_s(void)
{
	return (double)sl_mono_ns() / 1e9;
}

static void progress(const struct sl_pipeline *pl, double t0, int final)
{
	uint64_t pkts = 0, done = 0, total = 0;
	for (unsigned c = 0; c < pl->ncaptures; c++) {
		pkts += atomic_load_explicit(&pl->cap[c].ctr.packets, memory_order_relaxed);
		done += atomic_load_explicit(&pl->cap[c].ctr.progress_done, memory_order_relaxed);
		total += atomic_load_explicit(&pl->cap[c].ctr.progress_total, memory_order_relaxed);
	}
	double dt = now_s() - t0;
	fprintf(stderr, "\r\033[Kpackets %llu  %.0f/s", (unsigned long long)pkts, dt > 0 ? (double)pkts / dt : 0.0);
	if (total)
		fprintf(stderr, "  %.1f%% of input", 100.0 * (double)done / (double)total);
	if (final)
		fprintf(stderr, "\n");
}

int sl_engine_conf_register(char *errbuf, size_t errlen)
{
	const struct sl_conf_block *blocks[SL_CONF_BLOCKS_MAX];
	size_t n = 0;
	const struct sl_module *const *tables[] = { sl__capture_modules, sl__analysis_modules, sl__sink_modules };

	for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++)
		for (size_t i = 0; tables[t][i]; i++)
			if (tables[t][i]->conf) {
				if (n == SL_CONF_BLOCKS_MAX) {
					snprintf(errbuf, errlen, "more than %d modules with configuration blocks",
					         SL_CONF_BLOCKS_MAX);
					return -EINVAL;
				}
				blocks[n++] = tables[t][i]->conf;
			}
	if (n == SL_CONF_BLOCKS_MAX) {
		snprintf(errbuf, errlen, "more than %d configuration blocks", SL_CONF_BLOCKS_MAX);
		return -EINVAL;
	}
	blocks[n++] = &sl__control_block; /* the control socket: no module, a block of its own */
	return sl_conf_register_blocks(blocks, n, errbuf, errlen);
}

int sl_engine_config(struct sl_config *c, const char *path, const struct sl_pgconf_rows *db,
                     const char *const *sets, char *errbuf, size_t errlen)
{
	int e;

	sl_conf_defaults(c);
	if (path && (e = sl_conf_load_file(c, path, errbuf, errlen)) != 0)
		return e;
	for (size_t i = 0; db && i < db->n; i++) {
		char why[512];
		if ((e = sl_conf_set(c, db->assign[i], why, sizeof why)) != 0) {
			/* "--set KEY=VALUE: reason" said as the row it came from */
			const char *r = strstr(why, ": ");
			snprintf(errbuf, errlen, "postgres: %s: %s", db->origin[i], r ? r + 2 : why);
			return e;
		}
	}
	for (size_t i = 0; sets && sets[i]; i++)
		if ((e = sl_conf_set(c, sets[i], errbuf, errlen)) != 0)
			return e;
	return 0;
}

/* SIGINT, SIGTERM and the control socket's shutdown: the drain of pipeline.h. */
static void stop_engine(struct sl_pipeline *pl, const char *why)
{
	sl_log(SL_LOG_NOTICE, "%s: stopping, draining every ring", why);
	sl_notify("STOPPING=1\nSTATUS=draining");
	sl_pipeline_stop(pl);
}

/* A config record for a change that applied: the version in force, the trigger, each key. */
struct change {
	const char *key;
	char was[256], now[256];
	int live;
};

static void emit_config(struct sl_pipeline *pl, const char *why, const struct change *ch, unsigned n)
{
	struct sl_ev_config *r;
	uint32_t size = (uint32_t)(sizeof *r + n * sizeof r->changes[0]) + sl_meta_strlen((uint32_t)strlen(why));
	for (unsigned i = 0; i < n; i++)
		size += sl_meta_strlen((uint32_t)strlen(ch[i].key)) + sl_meta_strlen((uint32_t)strlen(ch[i].was)) +
		        sl_meta_strlen((uint32_t)strlen(ch[i].now));
	if ((r = sl_pipeline_stats_reserve(pl, SL_REC_CONFIG, size)) == NULL)
		return; /* counted dropped at the stats->router hop */
	memset(r, 0, sizeof *r + n * sizeof r->changes[0]);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	r->c.ts_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	r->c.version = SL_TAP_VERSION;
	r->version = sl_runtime_version();
	r->count = n;
	struct sl_meta_builder b = { (uint8_t *)r, (uint32_t)(sizeof *r + n * sizeof r->changes[0]) };
	sl_meta_put(&b, &r->source, why, (uint32_t)strlen(why));
	for (unsigned i = 0; i < n; i++) {
		sl_meta_put(&b, &r->changes[i].key, ch[i].key, (uint32_t)strlen(ch[i].key));
		sl_meta_put(&b, &r->changes[i].was, ch[i].was, (uint32_t)strlen(ch[i].was));
		sl_meta_put(&b, &r->changes[i].now, ch[i].now, (uint32_t)strlen(ch[i].now));
		r->changes[i].live = (uint8_t)ch[i].live;
	}
	sl_pipeline_stats_commit(pl, b.used);
	sl_count(&pl->config_put, 1);
}

/* SIGHUP, the control socket, the configuration check, or new rows from the database: build the
 * configuration again the way it was built at start. A bad one changes nothing (-EINVAL). A good
 * one is compared key by key with the running one: live keys are published at once as a new
 * runtime snapshot (the stages pick it up at their next batch); any other change is named and
 * waits for the next start. `why` names the trigger in the log and in the config record that
 * every sink gets when a key changed. */
static int reload(struct sl_pipeline *pl, const struct sl_engine_opts *opts, const struct sl_pgconf_rows *db,
                  const char *why)
{
	const struct sl_config *running = sl_runtime_config();
	struct sl_config c;
	char err[512], restart[512];
	struct change *ch = NULL;
	unsigned live = 0, n = 0, cap = 0;
	int r;

	if (sl_engine_config(&c, opts->config_path, db, opts->sets, err, sizeof err) != 0) {
		sl_log(SL_LOG_ERROR, "%s: %s; the running configuration stays in force", why, err);
		sl_conf_fini(&c);
		return -EINVAL;
	}
	for (const struct sl_conf_key *k = NULL; (k = sl_conf_diff(running, &c, k)) != NULL;) {
		if (n == cap) {
			struct change *m = realloc(ch, (cap = cap ? 2 * cap : 16) * sizeof *ch);
			if (m == NULL) {
				sl_log(SL_LOG_ERROR, "%s: out of memory; the running configuration stays in force", why);
				free(ch);
				sl_conf_fini(&c);
				return -ENOMEM;
			}
			ch = m;
		}
		struct change *x = &ch[n++];
		x->key = k->key;
		x->live = k->live;
		sl_conf_format(running, k, x->was, sizeof x->was);
		sl_conf_format(&c, k, x->now, sizeof x->now);
		if (k->live) {
			live++;
			sl_log(SL_LOG_NOTICE, "%s: %s: %s -> %s", why, k->key, x->was, x->now);
		} else {
			sl_log(SL_LOG_NOTICE, "%s: %s: %s -> %s takes effect at the next start", why, k->key, x->was, x->now);
		}
	}
	r = sl_runtime_publish(&c, restart, sizeof restart, err, sizeof err);
	if (r < 0)
		sl_log(SL_LOG_ERROR, "%s: %s; the running configuration stays in force", why, err);
	else if (r == 1)
		sl_log(SL_LOG_NOTICE, "%s: %u live change%s published as configuration version %llu", why, live,
		       live == 1 ? "" : "s", (unsigned long long)sl_runtime_version());
	else
		sl_log(SL_LOG_NOTICE, "%s: %s: no live change%s%s", why,
		       opts->config_path ? opts->config_path : "configuration", restart[0] ? "; waiting for a restart: " : "",
		       restart);
	if (r >= 0 && n)
		emit_config(pl, why, ch, n);
	free(ch);
	sl_log_set_level((enum sl_log_level)sl_runtime_config()->log.level);
	sl_log_set_rate((long)sl_runtime_config()->log.rate_limit);
	sl_conf_fini(&c);
	return r < 0 ? r : 0;
}

/* The configuration check found the file changed: what SIGHUP does, with the database's rows
 * in force. */
struct reload_ctx {
	struct sl_pipeline *pl;
	const struct sl_engine_opts *opts;
	struct sl_pgconf_rows *const *db;
};

static void reload_cb(void *arg)
{
	const struct reload_ctx *rc = arg;
	reload(rc->pl, rc->opts, *rc->db, "configuration check");
}

/* Once the captures are open: the drop to run.user, said in the log. */
static int opened(void *arg, char *errbuf, size_t errlen)
{
	const struct sl_config *cfg = arg;
	int e = sl_drop_privileges(cfg, errbuf, errlen);
	if (e == 0 && cfg->run.user[0])
		sl_log(SL_LOG_INFO, "running as %s (uid %ld), %zu capabilit%s kept", cfg->run.user, (long)getuid(),
		       cfg->run.capabilities.n, cfg->run.capabilities.n == 1 ? "y" : "ies");
	return e;
}

static void say_cpus(const struct sl_pipeline *pl)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned threads = pl->ncaptures + pl->nworkers + 1;
	for (unsigned s = 0; s < pl->nsinks; s++)
		threads += !pl->sinks[s]->external; /* a tap has no thread */
	if (ncpu > 0 && threads > (unsigned)ncpu)
		sl_log(SL_LOG_NOTICE, "%u stage threads on %ld CPUs: threads share CPUs", threads, ncpu);
}

/* A capture thread ended: wake the main loop now rather than at its next tick. SIGUSR1 is
 * blocked in every thread, so it waits for the main thread's sigtimedwait. */
static void wake_main(void *arg)
{
	(void)arg;
	kill(getpid(), SIGUSR1);
}

int sl_engine_run(const struct sl_config *cfg, const struct sl_engine_opts *opts)
{
	struct sl_pipeline pl;
	struct sl_ledger *l;
	char err[512] = "";
	int e, rc = 0;
	sigset_t set;
	struct sl_pgconf_rows *db = opts->db; /* the database's rows in force (ours now) */
	struct sl_control *ctl = NULL;
	struct sl_metrics *metrics = NULL;
	struct sl_pgconf *pg = NULL;
	static _Atomic unsigned asks;

	if (sl__fault_init() != 0) {
		fprintf(stderr, "sluiced: SLUICE_TEST_LOSE: not a hop (capture, worker, router, sink, stats)\n");
		goto fail;
	}
	if (db) { /* the database's watchlist rows, read at start, go into the first snapshot */
		free(sl_runtime_set_db_watchlist(db->watchlist, db->watchlist_len, NULL));
		db->watchlist = NULL;
	}
	if ((e = sl_runtime_init(cfg, err, sizeof err)) != 0)
		goto fail_runtime;
	if ((e = sl_pipeline_create(&pl, cfg, &opts->inputs, err, sizeof err)) != 0)
		goto fail_pipeline;
	say_cpus(&pl);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL); /* before any stage thread exists */
	pl.capture_done = wake_main;
	pl.opened = opened;
	pl.opened_arg = (void *)cfg;
	for (unsigned s = 0; s < pl.nsinks; s++)
		pl.sinks[s]->wake = wake_main;
	/* bound before the captures open, so before run.user drops root: an ipc path in /run */
	if ((e = sl_control_create(cfg, &pl, &ctl, err, sizeof err)) != 0)
		goto fail_pipeline;
	for (unsigned w = 0; w < pl.nworkers; w++)
		pl.workers[w]->wake = wake_main; /* the last one's end is the final stats record's cue */
	double t0 = now_s();
	struct sl_pgconf_opts pgo = {
		.conninfo = cfg->postgres.conninfo,
		.sensor = cfg->postgres.sensor,
		.channel = cfg->postgres.channel,
		.connect_timeout_ns = cfg->postgres.connect_timeout_ns,
		.reconnect_max_ns = cfg->postgres.reconnect_max_ns,
		.changed = wake_main,
	};
	if ((e = sl_pipeline_start(&pl, err, sizeof err)) != 0 ||
	    (e = sl_control_start(ctl, &asks, wake_main, NULL, err, sizeof err)) != 0 ||
	    (cfg->metrics.enabled && (metrics = sl_metrics_start(cfg->metrics.listen, err, sizeof err)) == NULL) ||
	    (cfg->postgres.enabled && sl_pgconf_start(&pg, &pgo, err, sizeof err) != 0))
		goto fail_started;
	sl_metrics_update(metrics, &pl, 0);
	struct sl_timers timers;
	struct reload_ctx rctx = { .pl = &pl, .opts = opts, .db = &db };
	if (sl_timers_init(&timers, cfg, opts->config_path, reload_cb, &rctx, sl_mono_ns()) != 0) {
		fprintf(stderr, "sluiced: out of memory for the timers\n");
		sl_control_stop(ctl);
		sl_metrics_stop(metrics);
		sl_pgconf_stop(pg);
		sl_pgconf_rows_free(db);
		sl_pipeline_stop(&pl);
		sl_pipeline_join(&pl);
		sl_pipeline_destroy(&pl);
		sl_runtime_fini();
		return 1;
	}
	double last_sample = t0;
	/* the service manager's Type=notify: up once every stage runs */
	sl_log(SL_LOG_INFO, "running: %u capture%s, %u worker%s, %u sink%s", pl.ncaptures, pl.ncaptures == 1 ? "" : "s",
	       pl.nworkers, pl.nworkers == 1 ? "" : "s", pl.nsinks, pl.nsinks == 1 ? "" : "s");
	sl_notify("READY=1\nSTATUS=running");
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	double last_progress = t0;
	/* until the sinks have ended: a sink that holds records (a full disk) keeps the engine
	 * running, and a second signal must still reach it */
	while (!sl_pipeline_done(&pl)) {
		struct timespec tick = { .tv_sec = 0, .tv_nsec = 100 * 1000 * 1000 };
		int sig = sigtimedwait(&set, NULL, &tick);
		if (sig == SIGINT || sig == SIGTERM) {
			stop_engine(&pl, strsignal(sig));
		} else if (sig == SIGHUP) {
			reload(&pl, opts, db, "SIGHUP");
			sl_timers_config_loaded(&timers);
		}
		struct sl_pgconf_rows *fresh;
		if (pg && sl_pgconf_take(pg, &fresh)) {
			/* the rows' watchlist goes into the snapshot the reload makes, or back out */
			size_t oldlen;
			char *oldwl = sl_runtime_set_db_watchlist(fresh->watchlist, fresh->watchlist_len, &oldlen);
			size_t nwl = fresh->watchlist_rows;
			fresh->watchlist = NULL;
			if (reload(&pl, opts, fresh, "postgres") == 0) {
				sl_log(SL_LOG_INFO, "postgres: %zu setting%s, %zu watchlist row%s in force", fresh->n,
				       fresh->n == 1 ? "" : "s", nwl, nwl == 1 ? "" : "s");
				free(oldwl);
				sl_pgconf_rows_free(db);
				db = fresh;
			} else {
				free(sl_runtime_set_db_watchlist(oldwl, oldlen, NULL));
				sl_pgconf_rows_free(fresh);
			}
		}
		/* acquire: pairs with the control thread's release when it set a bit */
		unsigned asked = atomic_exchange_explicit(&asks, 0, memory_order_acquire);
		if (asked & SL_CONTROL_ASK_SHUTDOWN)
			stop_engine(&pl, "control: shutdown");
		if (asked & SL_CONTROL_ASK_RELOAD) {
			reload(&pl, opts, db, "control");
			sl_timers_config_loaded(&timers);
		}
		sl_timers_tick(&timers, &pl, sl_mono_ns());
		/* every worker has ended: the final stats record, and the end of the router's last
		 * input (the drain goes on from there) */
		if (!timers.final_done && sl_pipeline_workers_done(&pl))
			sl_timers_final(&timers, &pl, sl_mono_ns());
		if (metrics && now_s() - last_sample >= (double)cfg->stats.interval_ns / 1e9) {
			last_sample = now_s();
			sl_metrics_update(metrics, &pl, last_sample - t0);
		}
		if (opts->progress && now_s() - last_progress >= 1.0) {
			progress(&pl, t0, 0);
			last_progress = now_s();
		}
	}
	int cap_err = sl_pipeline_join(&pl);
	sl_control_stop(ctl); /* before the pipeline goes: it reads it */
	sl_timers_fini(&timers);
	sl_notify("STOPPING=1\nSTATUS=stopped");
	sl_pgconf_stop(pg);
	sl_pgconf_rows_free(db);
	sl_metrics_update(metrics, &pl, now_s() - t0); /* the final counts, for a last scrape */
	sl_metrics_stop(metrics);
	double dt = now_s() - t0;
	if (opts->progress)
		progress(&pl, t0, 1);
	for (unsigned c = 0; c < pl.ncaptures; c++)
		if (pl.cap[c].err[0])
			sl_log(pl.cap[c].result < 0 ? SL_LOG_ERROR : SL_LOG_WARNING, "capture %u (%s): %s", c,
			       pl.cap[c].mod->name, pl.cap[c].err);
	if (cap_err)
		rc = 1;

	l = calloc(1, sizeof *l);
	if (l) {
		char why[256];
		sl_ledger_collect(&pl, l);
		sl_ledger_print(l, stderr, dt);
		if (opts->stats_json && sl_ledger_write_json(l, opts->stats_json, err, sizeof err) != 0) {
			fprintf(stderr, "sluiced: %s\n", err);
			rc = 1;
		}
		if (!sl_ledger_balanced(l, why, sizeof why) && rc == 0)
			rc = 3;
		free(l);
	}
	sl_pipeline_destroy(&pl);
	sl_runtime_fini();
	return rc;

	/* a start that failed: err says why; undone in the reverse order */
fail_started:
	sl_metrics_stop(metrics);
	sl_control_stop(ctl);
	sl_pipeline_stop(&pl);
	sl_pipeline_join(&pl);
fail_pipeline:
	sl_pipeline_destroy(&pl);
fail_runtime:
	fprintf(stderr, "sluiced: %s\n", err);
	sl_runtime_fini();
fail:
	sl_pgconf_rows_free(db);
	return 1;
}
