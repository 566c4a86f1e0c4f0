/* SPDX-License-Identifier: MIT */
/*
 * The smallest test harness that does the job: CHECK() records a failure with file and line and
 * goes on, so one run shows every broken expectation; main() returns check_result(). Tests print
 * "N passed, N failed" at the end so any runner can read the outcome.
 */
#ifndef SLUICE_TEST_CHECK_H
#define SLUICE_TEST_CHECK_H

#include <stdio.h>
#include <stdlib.h>

static int check_passed_, check_failed_;

#define CHECK(cond)                                                                  \
	do {                                                                         \
		if (cond) {                                                          \
			check_passed_++;                                             \
		} else {                                                             \
			check_failed_++;                                             \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
		}                                                                    \
	} while (0)

#define CHECK_EQ(a, b)                                                               \
	do {                                                                         \
		long long a_ = (long long)(a), b_ = (long long)(b);                  \
		if (a_ == b_) {                                                      \
			check_passed_++;                                             \
		} else {                                                             \
			check_failed_++;                                             \
			fprintf(stderr, "%s:%d: CHECK_EQ failed: %s == %lld, %s == %lld\n", __FILE__, \
			        __LINE__, #a, a_, #b, b_);                           \
		}                                                                    \
	} while (0)

/* A failure that makes going on pointless. */
#define REQUIRE(cond)                                                                \
	do {                                                                         \
		if (!(cond)) {                                                       \
			fprintf(stderr, "%s:%d: REQUIRE failed: %s\n", __FILE__, __LINE__, #cond); \
			exit(1);                                                     \
		}                                                                    \
	} while (0)

static inline int check_result(void)
{
	printf("%d passed, %d failed\n", check_passed_, check_failed_);
	return check_failed_ ? 1 : 0;
}

#endif
