/* SPDX-License-Identifier: MIT */
/* The log's rate limit: per kind of message (call site), notices exempt, the held-back count
 * said on the next line of that kind once the window has passed. The lines are read back from
 * the file the log wrote. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "log.h"

static int count_lines(const char *path, const char *needle)
{
	char line[2048];
	int n = 0;
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (strstr(line, needle))
			n++;
	fclose(f);
	return n;
}

static void say_a(int i) { sl_log(SL_LOG_WARNING, "kind-a %d", i); }
static void say_b(int i) { sl_log(SL_LOG_WARNING, "kind-b %d", i); }
static void say_notice(int i) { sl_log(SL_LOG_NOTICE, "kind-n %d", i); }

int main(void)
{
	char path[] = "/tmp/sluice-test-log-XXXXXX";
	int fd = mkstemp(path);
	REQUIRE(fd >= 0);
	close(fd);
	REQUIRE(sl_log_open(path) == 0);
	sl_log_set_rate(5);
	sl__log_window_ns = 200ull * 1000 * 1000;

	for (int i = 0; i < 100; i++) {
		say_a(i);
		say_b(i);
		say_notice(i);
	}
	CHECK_EQ(count_lines(path, "kind-a"), 5);
	CHECK_EQ(count_lines(path, "kind-b"), 5);   /* its own budget */
	CHECK_EQ(count_lines(path, "kind-n"), 100); /* notices are never held back */
	CHECK_EQ(sl_log_held(), 190);
	CHECK_EQ(count_lines(path, "held back"), 0);

	struct timespec ts = { 0, 250 * 1000 * 1000 };
	nanosleep(&ts, NULL); /* the window passes: the next line says what was held */
	say_a(1000);
	CHECK_EQ(count_lines(path, "kind-a 1000 (95 more like it held back)"), 1);
	CHECK_EQ(count_lines(path, "kind-a"), 6);

	sl_log_set_rate(0); /* no limit */
	for (int i = 0; i < 50; i++)
		say_b(i);
	CHECK_EQ(count_lines(path, "kind-b"), 55);
	unlink(path);
	return check_result();
}
