/* SPDX-License-Identifier: MIT */
/*
 * Stage threads: started with a name (visible in top -H and in log lines) and pinned to one
 * CPU when the configuration names one. Pinning failures are reported, not fatal: a
 * container may hide CPUs the configuration names.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "pipeline.h"

struct start {
	void *(*fn)(void *);
	void *arg;
	char name[16];
	int cpu;
};

static void *trampoline(void *p)
{
	struct start s = *(struct start *)p;
	free(p);
	pthread_setname_np(pthread_self(), s.name);
	if (s.cpu >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(s.cpu, &set);
		int e = pthread_setaffinity_np(pthread_self(), sizeof set, &set);
		if (e)
			sl_log(SL_LOG_WARNING, "pthread_setaffinity_np(cpu %d): %s; running unpinned", s.cpu, strerror(e));
	}
	return s.fn(s.arg);
}

int sl_thread_start(pthread_t *tid, const char *name, int cpu, void *(*fn)(void *), void *arg)
{
	struct start *s = malloc(sizeof *s);
	int e;

	if (s == NULL)
		return -ENOMEM;
	s->fn = fn;
	s->arg = arg;
	s->cpu = cpu;
	snprintf(s->name, sizeof s->name, "%s", name);
	e = pthread_create(tid, NULL, trampoline, s);
	if (e) {
		free(s);
		return -e;
	}
	return 0;
}

/* ---- fan-in -------------------------------------------------------------------------- */

void sl_fanin_init(struct sl_fanin *f, sl_ring *const *in, unsigned n)
{
	memset(f, 0, sizeof *f);
	f->in = in;
	f->n = f->nlive = n;
	for (unsigned i = 0; i < n; i++)
		f->live[i] = 1;
}

void sl_fanin_idle(struct sl_fanin *f)
{
	unsigned i = f->turn++ % f->n;

	/* one input: sleep on its futex; several: a short sleep on each in turn */
	if (f->live[i] && sl_ring_wait_readable(f->in[i], f->n == 1 ? 100 : 1) == -EPIPE) {
		f->live[i] = 0;
		f->nlive--;
	}
}

uint64_t sl_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
