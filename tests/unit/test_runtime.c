/* SPDX-License-Identifier: MIT */
/*
 * The runtime snapshot under fire: reader threads take a snapshot per "batch", check that every
 * field of it belongs to one published configuration (the publisher writes the version into
 * three keys far apart, one of them a heap list that a freed snapshot would lose first), hold it
 * across a pause, report a quiescent state, and now and then go offline to sleep. Meanwhile the
 * main thread publishes 1,000 times. Then: every snapshot but the last was reclaimed, a
 * restart-only change kept its running value and was named, and a change of nothing published
 * nothing. Run under ASan (use after free, leaks) and TSan (label threads).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "conf/conf.h"
#include "runtime.h"

#define PUBLISHES 1000
#define READERS 2
#define SEC UINT64_C(1000000000)

static _Atomic int stop;
static _Atomic uint64_t torn, batches, versions_seen_max;

/* The configuration of version v: three live keys carry it. */
static int make_config(struct sl_config *c, uint64_t v, char *err, size_t errlen)
{
	char set[128];

	sl_conf_defaults(c);
	snprintf(set, sizeof set, "flow.timeouts.udp=%llus", (unsigned long long)v);
	if (sl_conf_set(c, set, err, errlen) != 0)
		return -1;
	snprintf(set, sizeof set, "flow.timeouts.icmp=%llus", (unsigned long long)v);
	if (sl_conf_set(c, set, err, errlen) != 0)
		return -1;
	snprintf(set, sizeof set, "app.dns.ports=[53,%llu]", (unsigned long long)(1000 + v));
	return sl_conf_set(c, set, err, errlen);
}

static int consistent(const struct sl_runtime *rt)
{
	const struct sl_config *c = rt->cfg;
	uint64_t v = rt->version;

	return c->flow.timeouts.udp_ns == v * SEC && c->flow.timeouts.icmp_ns == v * SEC &&
	       c->app.dns.ports.n == 2 && c->app.dns.ports.v[1] == (int)(1000 + v) &&
	       sl_runtime_dns_port(rt, (uint16_t)(1000 + v)) && sl_runtime_dns_port(rt, 53) &&
	       !sl_runtime_dns_port(rt, (uint16_t)(1000 + v + 1));
}

static void *reader(void *arg)
{
	(void)arg;
	sl_runtime_register();
	for (uint64_t i = 0; !atomic_load(&stop); i++) {
		const struct sl_runtime *rt = sl_runtime_get();
		uint64_t v = rt->version;

		if (!consistent(rt))
			atomic_fetch_add(&torn, 1);
		for (int spin = 0; spin < 200; spin++) /* a batch takes a while */
			__asm__ volatile("" ::: "memory");
		if (!consistent(rt) || rt->version != v)
			atomic_fetch_add(&torn, 1);
		if (v > atomic_load(&versions_seen_max))
			atomic_store(&versions_seen_max, v);
		atomic_fetch_add(&batches, 1);
		sl_runtime_quiescent();
		if (i % 64 == 63) { /* idle: offline while sleeping */
			sl_runtime_offline();
			struct timespec ts = { 0, 100000 };
			nanosleep(&ts, NULL);
			sl_runtime_online();
		}
	}
	sl_runtime_unregister();
	return NULL;
}

int main(void)
{
	struct sl_config c;
	char err[256], restart[256];
	pthread_t t[READERS];

	REQUIRE(make_config(&c, 1, err, sizeof err) == 0);
	REQUIRE(sl_runtime_init(&c, err, sizeof err) == 0);
	CHECK(sl_runtime_init(&c, err, sizeof err) == -EBUSY);
	sl_conf_fini(&c);
	for (int i = 0; i < READERS; i++)
		REQUIRE(pthread_create(&t[i], NULL, reader, NULL) == 0);

	int published = 0;
	for (uint64_t v = 2; v <= PUBLISHES + 1; v++) {
		REQUIRE(make_config(&c, v, err, sizeof err) == 0);
		int r = sl_runtime_publish(&c, restart, sizeof restart, err, sizeof err);
		CHECK_EQ(r, 1);
		CHECK_EQ(restart[0], '\0');
		published += r == 1;
		sl_conf_fini(&c);
		if (v % 100 == 0)
			sched_yield();
	}
	CHECK_EQ(sl_runtime_config()->flow.timeouts.udp_ns, (PUBLISHES + 1) * SEC);

	/* A restart-only key changes together with a live one: the live one is published, the
	 * other keeps its running value and is named. */
	REQUIRE(make_config(&c, PUBLISHES + 2, err, sizeof err) == 0);
	REQUIRE(sl_conf_set(&c, "workers.count=7", err, sizeof err) == 0);
	REQUIRE(sl_conf_set(&c, "capture.snaplen=1500", err, sizeof err) == 0);
	CHECK_EQ(sl_runtime_publish(&c, restart, sizeof restart, err, sizeof err), 1);
	CHECK(strcmp(restart, "workers.count, capture.snaplen") == 0);
	CHECK_EQ(sl_runtime_config()->workers.count, 2);
	CHECK_EQ(sl_runtime_config()->capture.snaplen, 65535);
	CHECK_EQ(sl_runtime_config()->flow.timeouts.udp_ns, (PUBLISHES + 2) * SEC);
	/* Only a restart-only key: nothing to publish. The same configuration: nothing either. */
	CHECK_EQ(sl_runtime_publish(&c, restart, sizeof restart, err, sizeof err), 0);
	CHECK(strcmp(restart, "workers.count, capture.snaplen") == 0);
	sl_conf_fini(&c);
	REQUIRE(make_config(&c, PUBLISHES + 2, err, sizeof err) == 0);
	CHECK_EQ(sl_runtime_publish(&c, restart, sizeof restart, err, sizeof err), 0);
	CHECK_EQ(restart[0], '\0');
	sl_conf_fini(&c);

	/* Let the readers see the last version before stopping them. */
	for (int i = 0; i < 100000 && atomic_load(&versions_seen_max) < PUBLISHES + 2; i++)
		sched_yield();
	atomic_store(&stop, 1);
	for (int i = 0; i < READERS; i++)
		pthread_join(t[i], NULL);
	sl_runtime_fini();

	CHECK_EQ(atomic_load(&torn), 0);
	CHECK(atomic_load(&batches) > 0);
	CHECK_EQ(atomic_load(&versions_seen_max), PUBLISHES + 2);
	CHECK_EQ(published, PUBLISHES);
	/* every snapshot ever made, the first, 1,000 publishes and the mixed one, was freed */
	CHECK_EQ(sl__runtime_freed(), PUBLISHES + 2);
	printf("reader batches: %llu\n", (unsigned long long)atomic_load(&batches));
	return check_result();
}
