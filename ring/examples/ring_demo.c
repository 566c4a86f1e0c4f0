/* SPDX-License-Identifier: MIT */
/*
 * sluice-ring-demo: two processes, one named ring. The parent produces records, a forked child
 * consumes and checks them, and the parent prints the throughput and the ring's own counters.
 * It is the smallest complete use of the ring API and the first thing to run on a new box.
 *
 *   sluice-ring-demo [-n RECORDS] [-s SIZE] [-c CAPACITY] [--huge auto|require|never]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sluice/ring.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int consume(const char *name, uint64_t n, uint32_t size)
{
	struct sl_rec rec[32];
	sl_ring *r;
	uint64_t seq = 0, bad = 0;
	int err;

	if ((err = sl_ring_open(name, SL_RING_CONSUMER, &r)) != 0) {
		fprintf(stderr, "consumer: open %s: %s\n", name, strerror(-err));
		return 2;
	}
	while (seq < n) {
		size_t got = sl_ring_peek(r, rec, 32);
		if (got == 0) {
			int rc = sl_ring_wait_readable(r, 1000);
			if (rc == -EPIPE || rc == -ENOTCONN || rc == -EPROTO)
				break; /* finished, producer gone without finishing, corrupt */
			continue;
		}
		for (size_t i = 0; i < got; i++, seq++) {
			uint64_t s;
			memcpy(&s, rec[i].data, sizeof s);
			bad += s != seq || rec[i].len != size;
		}
		sl_ring_release(r, got);
	}
	sl_ring_close(r);
	if (bad || seq != n)
		fprintf(stderr, "consumer: %llu of %llu records, %llu out of order\n", (unsigned long long)seq,
		        (unsigned long long)n, (unsigned long long)bad);
	return bad || seq != n ? 1 : 0;
}

int main(int argc, char **argv)
{
	uint64_t n = 10000000;
	uint32_t size = 256;
	struct sl_ring_config cfg = { .capacity = 8u << 20, .huge = SL_HUGEPAGES_AUTO };
	static const struct option opts[] = {
		{ "records", required_argument, 0, 'n' }, { "size", required_argument, 0, 's' },
		{ "capacity", required_argument, 0, 'c' }, { "huge", required_argument, 0, 'H' },
		{ "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 },
	};
	int o;

	while ((o = getopt_long(argc, argv, "n:s:c:h", opts, NULL)) != -1) {
		switch (o) {
		case 'n': n = strtoull(optarg, NULL, 0); break;
		case 's': size = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'c': cfg.capacity = strtoull(optarg, NULL, 0); break;
		case 'H':
			cfg.huge = strcmp(optarg, "require") == 0 ? SL_HUGEPAGES_REQUIRE
			         : strcmp(optarg, "never") == 0   ? SL_HUGEPAGES_NEVER
			                                          : SL_HUGEPAGES_AUTO;
			break;
		default:
			printf("usage: %s [-n RECORDS] [-s SIZE >= 8] [-c CAPACITY] [--huge auto|require|never]\n"
			       "Moves RECORDS records of SIZE bytes from this process to a child process\n"
			       "through a named sluice ring and prints the rate and the ring's counters.\n",
			       argv[0]);
			return o == 'h' ? 0 : 2;
		}
	}
	if (size < 8) {
		fprintf(stderr, "size must be at least 8 (the record carries its sequence number)\n");
		return 2;
	}

	char name[64];
	snprintf(name, sizeof name, "demo-%d", (int)getpid());
	sl_ring *r;
	int err = sl_ring_create(name, &cfg, &r);
	if (err) {
		fprintf(stderr, "create ring %s: %s\n", name, strerror(-err));
		return 1;
	}
	pid_t child = fork();
	if (child == 0)
		_exit(consume(name, n, size));

	double t0 = now();
	for (uint64_t seq = 0; seq < n;) {
		uint8_t *p = sl_ring_reserve(r, 1, size);
		if (p == NULL) {
			sl_ring_commit(r);
			sl_ring_wait_writable(r, size, 1000);
			continue;
		}
		memcpy(p, &seq, sizeof seq);
		memset(p + 8, (int)(seq & 0xff), size - 8);
		if (++seq % 32 == 0)
			sl_ring_commit(r);
	}
	sl_ring_commit(r);
	sl_ring_finish(r); /* the end of the stream; a close alone would only detach */
	int status = 0;
	waitpid(child, &status, 0);
	double dt = now() - t0;

	struct sl_ring_stats st;
	sl_ring_stats(r, &st);
	printf("moved %llu records of %u bytes between two processes in %.3f s: %.2f M records/s, %.2f GB/s\n",
	       (unsigned long long)n, size, dt, (double)n / dt / 1e6, (double)n * size / dt / 1e9);
	printf("ring %s: backing %s, capacity %llu, records in %llu out %llu, bytes in %llu out %llu,\n"
	       "  full events %llu, producer waits %llu, consumer waits %llu\n",
	       name, sl_ring_backing_name(st.backing), (unsigned long long)st.capacity,
	       (unsigned long long)st.records_in, (unsigned long long)st.records_out,
	       (unsigned long long)st.bytes_in, (unsigned long long)st.bytes_out,
	       (unsigned long long)st.full_events, (unsigned long long)st.producer_waits,
	       (unsigned long long)st.consumer_waits);
	sl_ring_close(r);
	sl_ring_unlink(name);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
