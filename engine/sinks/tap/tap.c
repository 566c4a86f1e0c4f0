/* SPDX-License-Identifier: MIT */
/*
 * Taps: another process reads the record stream in place. Each name in outputs.tap.names is a
 * named sluice ring (sluice/ring.h) that the router fills like any sink ring and one outside
 * process opens as SL_RING_CONSUMER; its records are the binary metadata records of
 * sluice/tap.h, exactly as the router copies them. There is no thread of ours and no copy
 * beyond the router's one: the router's ring to the sink *is* the tap. (The alternative, a
 * sink thread copying into named rings, would cost a second copy and a thread per tap, and a
 * delivered count that says only that our own thread copied the record.)
 *
 * Why this never slows the pipeline: a tap's ring has the drop policy, always (there is no
 * policy key), so when its consumer lags, stops reading or is gone the router counts the
 * record dropped for that tap alone and goes on (router.c). Nothing here ever waits for room,
 * so the consumer never has to wake a producer either.
 *
 * The life of a tap ring:
 *
 *   create (sl_pipeline_create)   a stale ring of the name whose producer is dead (a previous
 *                                 sluiced) is unlinked and made anew; one with a live producer
 *                                 is refused (-EBUSY, naming it)
 *   start                         with outputs.tap.wait-consumers, wait until each tap has a
 *                                 consumer (up to wait-timeout), so a pcap run's first records
 *                                 are read, not dropped
 *   run                           no consumer yet, or a dead one (its role lock freed by the
 *                                 kernel): the ring keeps what it holds and, once full, the
 *                                 router drops for it, counted; a new consumer may attach and
 *                                 reads on from the tail the last one released
 *   end                           the router finishes the ring (the consumer drains, then its
 *                                 wait_readable says -EPIPE); the engine waits up to
 *                                 outputs.tap.drain-timeout for live consumers to read it all
 *                                 (flush below, on the main thread), then counts what is left
 *   fini                          the name is unlinked; a consumer still mapping it reads on
 *
 * The ledger (stats.c) takes a tap's counts from its ring's header: records_in (the router's
 * commits, checked against the router's own `routed` count: that is the hop's equation) and
 * records_out, what its consumers released (their own count, so it is clamped to records_in:
 * a consumer that scribbles on its header can misstate only its own row). Its sink row reads
 *   received  = routed + dropped by the router for this tap
 *   delivered = released by consumers
 *   dropped   = dropped by the router (reason "full")
 *   left      = in the ring at the end: what no consumer read
 * and balances as received = delivered + dropped + left.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "pipeline.h"
#include "sinks/sink.h"
#include "sinks/tap/tap.h"
#define SL_CONF_STRUCT struct tap_conf
#include "conf/conf_rows.h"

struct tap_conf {
	struct sl_sink_conf common; /* enabled, types, ring-size; taps have no cpu and no policy */
	struct sl_conf_strs names;
	bool wait_consumers;
	uint64_t wait_timeout_ns;
	uint64_t drain_timeout_ns;
};

static const struct sl_conf_key tap_keys[] = {
	BOOL("outputs.tap.enabled", common.enabled, "false",
	     "give the binary records to other processes through named shm rings (include/sluice/tap.h)"),
	STRINGS("outputs.tap.types", common.types, "[flow, http, tls, dns, alert]", sl__event_type_names,
	        "event types sent to every tap"),
	SIZE("outputs.tap.ring-size", common.ring_size, "4MiB", RING_MIN, RING_MAX, "size of each tap's ring"),
	STRINGS("outputs.tap.names", names, "[tap0]", NULL,
	        "one ring per consumer, each opened by name (letters, digits, '.', '_', '-'; at most 24)"),
	BOOL("outputs.tap.wait-consumers", wait_consumers, "false",
	     "before the run starts, wait until every tap has a consumer"),
	DURATION("outputs.tap.wait-timeout", wait_timeout_ns, "10s", 1 * MS, 1 * HOUR,
	         "how long to wait for them; past it sluiced refuses to start"),
	DURATION("outputs.tap.drain-timeout", drain_timeout_ns, "1s", 0, 60 * SEC,
	         "at the end, how long live consumers may take to read what their taps still hold"),
};

const struct sl_conf_block sl__tap_conf = {
	.section = "outputs.tap",
	.size = sizeof(struct tap_conf),
	.keys = tap_keys,
	.nkeys = sizeof(tap_keys) / sizeof(tap_keys[0]),
};

struct tap {
	char name[SL_TAP_NAME_MAX + 1];
	sl_ring *ring; /* the sink's ring (borrowed: the pipeline closes it) */
	int wait;
	uint64_t wait_ns, drain_ns;
	uint64_t drain_deadline; /* 0 until the ring is seen finished */
};

static int name_ok(const char *n)
{
	size_t len = strlen(n);

	if (len == 0 || len > SL_TAP_NAME_MAX)
		return 0;
	for (const char *p = n; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '.' ||
		      *p == '_' || *p == '-'))
			return 0;
	return 1;
}

/* A ring of that name already exists: ours to replace when its producer is dead. */
static int replace_stale(const char *name, char *errbuf, size_t errlen)
{
	sl_ring *m = NULL;
	struct sl_ring_stats st;
	int e = sl_ring_open(name, SL_RING_MONITOR, &m);

	if (e == 0) {
		e = sl_ring_stats(m, &st);
		sl_ring_close(m);
		if (e == 0 && st.producer_alive) {
			snprintf(errbuf, errlen, "outputs.tap.names: \"%s\": the ring exists and pid %d produces it", name,
			         (int)st.producer_pid);
			return -EBUSY;
		}
	}
	/* dead producer, or not a ring we can read (another layout, damaged): it is in our way */
	if ((e = sl_ring_unlink(name)) != 0 && e != -ENOENT) {
		snprintf(errbuf, errlen, "outputs.tap.names: \"%s\": a stale ring of that name: unlink: %s", name,
		         strerror(-e));
		return e;
	}
	return 0;
}

int sl__tap_create(struct sl_pipeline *pl, const struct sl_config *cfg, char *errbuf, size_t errlen)
{
	const struct tap_conf *tc = sl_conf_block(cfg, &sl__tap_conf);
	int e;

	if (tc == NULL || !tc->common.enabled)
		return 0;
	for (size_t i = 0; i < tc->names.n; i++) {
		const char *n = tc->names.v[i];
		if (!name_ok(n)) {
			snprintf(errbuf, errlen,
			         "outputs.tap.names: \"%.64s\": want 1 to %d letters, digits, '.', '_' or '-'", n,
			         SL_TAP_NAME_MAX);
			return -EINVAL;
		}
	}
	for (size_t i = 0; i < tc->names.n; i++) {
		const char *n = tc->names.v[i];
		struct sl_ring_config rc = { .capacity = tc->common.ring_size, .huge = cfg->rings.hugepages,
		                             .flags = cfg->rings.wake == SL_CONF_WAKE_FENCED ? SL_RING_FENCED : 0 };
		if (pl->nsinks == SL_MAX_SINKS) {
			snprintf(errbuf, errlen, "outputs.tap.names: \"%s\": more than %d sinks and taps", n, SL_MAX_SINKS);
			return -E2BIG;
		}
		struct sl_sink *sk = calloc(1, sizeof *sk);
		struct tap *t = calloc(1, sizeof *t);
		if (sk == NULL || t == NULL) {
			free(sk);
			free(t);
			return -ENOMEM;
		}
		pl->sinks[pl->nsinks++] = sk;
		sk->mod = &sl__sink_tap;
		sk->conf = &tc->common;
		sk->state = t;
		sk->types = sl_sink_types_mask(&tc->common.types);
		sk->policy = SL_SINK_DROP;
		sk->cpu = -1;
		sk->external = 1;
		sk->hard_stop = &pl->hard_stop;
		snprintf(sk->name, sizeof sk->name, "tap.%s", n);
		snprintf(t->name, sizeof t->name, "%s", n);
		t->wait = tc->wait_consumers;
		t->wait_ns = tc->wait_timeout_ns;
		t->drain_ns = tc->drain_timeout_ns;
		e = sl_ring_create(n, &rc, &sk->ring);
		if (e == -EEXIST) {
			if ((e = replace_stale(n, errbuf, errlen)) != 0)
				return e;
			e = sl_ring_create(n, &rc, &sk->ring);
		}
		if (e) {
			snprintf(errbuf, errlen, "outputs.tap.names: \"%s\": creating its ring (%llu bytes): %s", n,
			         (unsigned long long)tc->common.ring_size, strerror(-e));
			sk->ring = NULL;
			return e;
		}
		t->ring = sk->ring;
		pl->router.sinks[pl->router.nsinks++] = sk;
	}
	return 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* With wait-consumers: until this tap's ring has a live consumer. On the main thread before any
 * stage runs; SIGINT and SIGTERM are taken here (blocked, then looked for between polls) so they
 * end the wait, and sluiced, cleanly: the pipeline is torn down and the tap names unlinked. */
static int tap_start(void *state, char *errbuf, size_t errlen)
{
	struct tap *t = state;
	struct sl_ring_stats st;
	struct timespec zero = { 0, 0 };
	sigset_t stop, old;
	uint64_t t0 = now_ns();
	int rc = 0;

	if (!t->wait)
		return 0;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, &old);
	for (;;) {
		if (sl_ring_stats(t->ring, &st) == 0 && st.consumer_alive)
			break;
		int sig = sigtimedwait(&stop, NULL, &zero);
		if (sig > 0) {
			snprintf(errbuf, errlen, "outputs.tap.wait-consumers: %s while waiting for a consumer on \"%s\"",
			         strsignal(sig), t->name);
			rc = -EINTR;
			break;
		}
		if (now_ns() - t0 >= t->wait_ns) {
			snprintf(errbuf, errlen, "outputs.tap.wait-consumers: timed out after %.1f s with no consumer on \"%s\"",
			         (double)t->wait_ns / 1e9, t->name);
			rc = -ETIMEDOUT;
			break;
		}
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

/* Called by the engine's main loop (a tap has no thread) until it returns 0: -EAGAIN while the
 * router has not finished the ring, or a live consumer is still reading it within
 * drain-timeout. Never blocks. */
static int tap_flush(void *state)
{
	struct tap *t = state;
	struct sl_ring_stats st;

	if (sl_ring_stats(t->ring, &st) != 0)
		return 0;
	if (!st.finished)
		return -EAGAIN;
	if (!st.consumer_alive || st.records_out >= st.records_in)
		return 0;
	uint64_t n = now_ns();
	if (t->drain_deadline == 0)
		t->drain_deadline = n + t->drain_ns;
	return n < t->drain_deadline ? -EAGAIN : 0;
}

static void tap_fini(void *state)
{
	struct tap *t = state;

	if (t == NULL)
		return;
	if (t->ring)
		sl_ring_unlink(t->name);
	free(t);
}

/* No init and no write: sl__tap_create builds a sink per name, and a tap has no thread (the
 * router writes its ring, another process reads it). start, flush and fini run on the main
 * thread. */
const struct sl_module sl__sink_tap = {
	.name = "tap",
	.kind = SL_MODULE_SINK,
	.conf = &sl__tap_conf,
	.start = tap_start,
	.flush = tap_flush,
	.fini = tap_fini,
};
