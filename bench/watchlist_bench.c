/* SPDX-License-Identifier: MIT */
/*
 * What a watchlist costs per lookup, apart from everything else a worker does: the lookups a
 * worker makes for one flow (its two addresses, a host name, a JA3 hash) against lists of 0,
 * 1,000 and 100,000 entries, interleaved in the same run (each round measures every size once,
 * order rotated), several rounds, median and min-max of lookups per second and of the ratio to
 * the empty list in the same round, per wall and per CPU second. Most lookups miss (as in
 * traffic); the found count is printed so the compiler cannot drop the work.
 *
 *   build/bench/watchlist_bench [ROUNDS]
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analysis/watchlist/watchlist.h"

#define QUERIES 200000
#define SIZES 3

static double now(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static struct sl_watchlist *make(unsigned n)
{
	size_t cap = (size_t)n * 64 + 256, used = 0, nbad;
	char *t = malloc(cap), err[256];
	struct sl_watchlist *wl;

	if (!t)
		exit(1);
	if (n)
		used += (size_t)snprintf(t, cap, "ip 203.0.113.0/24 tls 2\ndomain *.example.org org 3\n");
	for (unsigned i = 0; i + 2 < n; i++) {
		switch (i % 5) {
		case 0: used += (size_t)snprintf(t + used, cap - used, "ip 10.%u.%u.%u h 5\n", (i >> 16) & 255, (i >> 8) & 255, i & 255); break;
		case 1: used += (size_t)snprintf(t + used, cap - used, "ip 2001:db8:%x::%x h 5\n", (i >> 8) & 0xffff, i & 255); break;
		case 2: used += (size_t)snprintf(t + used, cap - used, "cidr 100.%u.%u.0/24 n 5\n", (i >> 8) & 255, i & 255); break;
		case 3: used += (size_t)snprintf(t + used, cap - used, "domain *.d%u.invalid d 5\n", i); break;
		case 4: used += (size_t)snprintf(t + used, cap - used, "ja3 %032x j 5\n", i); break;
		}
	}
	if (sl_watchlist_parse(t, used, &wl, NULL, NULL, &nbad, err, sizeof err) != 0 || nbad)
		exit(1);
	free(t);
	return wl;
}

struct query {
	uint8_t src[16], dst[16];
	char host[64];
	char ja3[33];
};

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 9;
	static const unsigned sizes[SIZES] = { 0, 1000, 100000 };
	struct sl_watchlist *wl[SIZES];
	struct query *q = calloc(QUERIES, sizeof *q);
	double rate[SIZES][64], crate[SIZES][64], ratio[SIZES][64], cratio[SIZES][64];
	uint64_t found = 0;
	uint32_t ids[8];

	if (!q || rounds < 1 || rounds > 64)
		return 2;
	for (int s = 0; s < SIZES; s++)
		wl[s] = make(sizes[s]);
	/* a flow like the generator's: a private client, a server in a documentation network,
	 * a host name under example.com/.org, a JA3 hash */
	for (unsigned i = 0; i < QUERIES; i++) {
		uint32_t h = i * 2654435761u;
		q[i].src[0] = 10, q[i].src[1] = (uint8_t)(h >> 8), q[i].src[2] = (uint8_t)(h >> 16), q[i].src[3] = (uint8_t)h;
		q[i].dst[0] = 203, q[i].dst[1] = 0, q[i].dst[2] = (uint8_t)(113 + (h & 1)), q[i].dst[3] = (uint8_t)(h >> 24);
		snprintf(q[i].host, sizeof q[i].host, "www%u.example.%s", h % 1000, (h >> 3) & 1 ? "org" : "com");
		snprintf(q[i].ja3, sizeof q[i].ja3, "%032x", h);
	}
	for (int r = 0; r < rounds; r++) {
		double t[SIZES], c[SIZES];
		for (int k = 0; k < SIZES; k++) {
			int s = (k + r) % SIZES;
			double w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
			for (unsigned i = 0; i < QUERIES; i++) {
				found += sl_watchlist_match_ip(wl[s], 4, q[i].src, ids, 8);
				found += sl_watchlist_match_ip(wl[s], 4, q[i].dst, ids, 8);
				found += sl_watchlist_match(wl[s], SL_WL_DOMAIN, q[i].host, strlen(q[i].host), ids, 8);
				found += sl_watchlist_match(wl[s], SL_WL_JA3, q[i].ja3, 32, ids, 8);
			}
			t[s] = now(CLOCK_MONOTONIC) - w0;
			c[s] = now(CLOCK_PROCESS_CPUTIME_ID) - c0;
		}
		for (int s = 0; s < SIZES; s++) {
			rate[s][r] = 4.0 * QUERIES / t[s] / 1e6;
			crate[s][r] = 4.0 * QUERIES / c[s] / 1e6;
			ratio[s][r] = t[0] / t[s];
			cratio[s][r] = c[0] / c[s];
		}
	}
	char model[128] = "?";
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[256];
	while (f && fgets(line, sizeof line, f))
		if (!strncmp(line, "model name", 10)) {
			snprintf(model, sizeof model, "%s", strchr(line, ':') + 2);
			model[strcspn(model, "\n")] = '\0';
			break;
		}
	if (f)
		fclose(f);
	printf("CPU: %s; %d rounds of %d flows x 4 lookups (2 addresses, a host name, a JA3 hash); found %llu\n\n",
	       model, rounds, QUERIES, (unsigned long long)found);
	printf("| entries | M lookups/s median (min-max) | vs empty list | M lookups per CPU-s median (min-max) | vs empty list |\n");
	printf("|---|---|---|---|---|\n");
	for (int s = 0; s < SIZES; s++) {
		double a[64], b[64], x[64], y[64];
		memcpy(a, rate[s], sizeof a), memcpy(b, ratio[s], sizeof b);
		memcpy(x, crate[s], sizeof x), memcpy(y, cratio[s], sizeof y);
		double amin = a[0], amax = a[0], bmin = b[0], bmax = b[0], xmin = x[0], xmax = x[0], ymin = y[0], ymax = y[0];
		for (int r = 1; r < rounds; r++) {
			amin = a[r] < amin ? a[r] : amin, amax = a[r] > amax ? a[r] : amax;
			bmin = b[r] < bmin ? b[r] : bmin, bmax = b[r] > bmax ? b[r] : bmax;
			xmin = x[r] < xmin ? x[r] : xmin, xmax = x[r] > xmax ? x[r] : xmax;
			ymin = y[r] < ymin ? y[r] : ymin, ymax = y[r] > ymax ? y[r] : ymax;
		}
		printf("| %u | %.2f (%.2f-%.2f) | %.3f (%.3f-%.3f) | %.2f (%.2f-%.2f) | %.3f (%.3f-%.3f) |\n", sizes[s],
		       median(a, rounds), amin, amax, median(b, rounds), bmin, bmax, median(x, rounds), xmin, xmax,
		       median(y, rounds), ymin, ymax);
	}
	for (int s = 0; s < SIZES; s++)
		sl_watchlist_free(wl[s]);
	free(q);
	return 0;
}
