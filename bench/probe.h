/* SPDX-License-Identifier: MIT */
/* The core-to-core probe (probe.c): cache-line round trip between CPU 0 and CPU 1. */
#ifndef SLUICE_BENCH_PROBE_H
#define SLUICE_BENCH_PROBE_H

struct probe_result {
	double rtt_median_ns; /* median over batches of the mean round trip in a batch */
	double rtt_min_ns;
	double rtt_max_ns;
};

/* Runs batches * per_batch round trips (after a warm-up); 0 or a negative errno. */
int probe_run(int batches, int per_batch, struct probe_result *res);

#endif
