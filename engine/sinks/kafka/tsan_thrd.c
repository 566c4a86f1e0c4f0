/* SPDX-License-Identifier: MIT */
/*
 * ThreadSanitizer builds only. librdkafka starts its threads with C11 thrd_create, which glibc
 * implements without going through pthread_create, so TSan never learns of them and crashes on
 * their first intercepted call. Linked into the executable, these definitions take the place
 * of glibc's for librdkafka (the executable's symbol wins), and start the threads through
 * pthread_create, which TSan intercepts.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <threads.h>

struct start {
	thrd_start_t fn;
	void *arg;
};

static void *trampoline(void *p)
{
	struct start s = *(struct start *)p;
	free(p);
	return (void *)(intptr_t)s.fn(s.arg);
}

int thrd_create(thrd_t *thr, thrd_start_t fn, void *arg)
{
	struct start *s = malloc(sizeof *s);
	if (s == NULL)
		return thrd_nomem;
	s->fn = fn;
	s->arg = arg;
	int rc = pthread_create((pthread_t *)thr, NULL, trampoline, s);
	if (rc) {
		free(s);
		return rc == ENOMEM || rc == EAGAIN ? thrd_nomem : thrd_error;
	}
	return thrd_success;
}

int thrd_join(thrd_t thr, int *res)
{
	void *ret;
	if (pthread_join((pthread_t)thr, &ret))
		return thrd_error;
	if (res)
		*res = (int)(intptr_t)ret;
	return thrd_success;
}

int thrd_detach(thrd_t thr)
{
	return pthread_detach((pthread_t)thr) ? thrd_error : thrd_success;
}
