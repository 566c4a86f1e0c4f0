/* SPDX-License-Identifier: MIT */
/*
 * The decoding of PostgreSQL rows without a server (engine/config/pgrows.c): settings rows become
 * --set assignments or are refused naming the row; 10,000 watchlist rows with bad ones mixed in
 * keep every good row, in order, and name every bad one by its id.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/watchlist/watchlist.h"
#include "check.h"
#include "config/pgconf.h"

struct named {
	size_t n;
	uint64_t ids[2000];
};

static void on_bad(void *arg, const char *why)
{
	struct named *nm = arg;
	unsigned long long id;
	CHECK(sscanf(why, "sluice_watchlist row id=%llu:", &id) == 1);
	if (nm->n < 2000)
		nm->ids[nm->n] = id;
	nm->n++;
}

static void settings(void)
{
	struct sl_pgconf_rows *r = sl__pgconf_rows_new();
	char err[512];
	REQUIRE(r);
	CHECK(sl_pgconf_rows_add(r, "*", "log.level", 9, "debug", 5, err, sizeof err) == 0);
	CHECK(r->n == 1 && strcmp(r->assign[0], "log.level=debug") == 0 && r->assign[1] == NULL);
	CHECK(strstr(r->origin[0], "sensor='*' key='log.level'") != NULL);
	CHECK(sl_pgconf_rows_add(r, "s1", "workers.cuont", 13, "2", 1, err, sizeof err) != 0);
	CHECK(strstr(err, "sensor='s1' key='workers.cuont': unknown key") != NULL);
	CHECK(sl_pgconf_rows_add(r, "*", "postgres.sensor", 15, "x", 1, err, sizeof err) != 0);
	CHECK(sl_pgconf_rows_add(r, "*", "log.level", 9, "de\0ug", 5, err, sizeof err) != 0);
	CHECK(strstr(err, "holds a NUL") != NULL);
	CHECK(r->n == 1);
	sl_pgconf_rows_free(r);
}

static void watchlist_rows(void)
{
	struct sl_pgconf_rows *r = sl__pgconf_rows_new();
	struct named nm = { 0 };
	char err[512], value[64], tag[32];
	size_t expect_bad = 0, added = 0;
	REQUIRE(r);
	for (uint64_t id = 1; id <= 10000; id++) {
		const char *kind = "ip";
		if (id % 7 == 0) {
			snprintf(value, sizeof value, "10.%u.%u.%u/33", (unsigned)(id >> 16) & 255, (unsigned)(id >> 8) & 255,
			         (unsigned)id & 255); /* a prefix too long: parses as a row, refused by the list */
			expect_bad++;
		} else if (id % 11 == 0) {
			kind = "domain";
			snprintf(value, sizeof value, "host-%llu.example", (unsigned long long)id);
		} else {
			snprintf(value, sizeof value, "10.%u.%u.%u", (unsigned)(id >> 16) & 255, (unsigned)(id >> 8) & 255,
			         (unsigned)id & 255);
		}
		snprintf(tag, sizeof tag, "t%llu", (unsigned long long)id);
		CHECK(sl_pgconf_watchlist_add(r, id, kind, strlen(kind), value, strlen(value), tag, strlen(tag), "3", 1,
		                              "", 0, err, sizeof err) == 0);
		added++;
	}
	/* a field the line format cannot carry is refused at once, naming the row */
	CHECK(sl_pgconf_watchlist_add(r, 10001, "ip", 2, "10.0.0.1 x", 10, "t", 1, "3", 1, "", 0, err, sizeof err) != 0);
	CHECK(strstr(err, "row id=10001") != NULL);
	CHECK(sl_pgconf_watchlist_add(r, 10002, "domain", 6, "a.example", 9, "t", 1, "3", 1, "two\nlines", 9, err,
	                              sizeof err) != 0);
	CHECK(r->watchlist_rows == added);

	size_t left = sl_pgconf_watchlist_check(r, on_bad, &nm);
	CHECK_EQ(left, expect_bad);
	CHECK_EQ(nm.n, expect_bad);
	CHECK_EQ(r->watchlist_rows, added - expect_bad);
	for (size_t i = 0; i < nm.n && i < 2000; i++)
		CHECK(nm.ids[i] % 7 == 0); /* every bad row named, and only those */
	for (size_t i = 0; i < r->watchlist_rows; i++)
		CHECK(r->watchlist_ids[i] % 7 != 0);
	struct sl_watchlist *wl;
	CHECK(sl_watchlist_load(NULL, r->watchlist, r->watchlist_len, true, &wl, NULL, NULL, err, sizeof err) == 0);
	if (wl) {
		CHECK_EQ(sl_watchlist_count(wl), added - expect_bad);
		sl_watchlist_free(wl);
	}
	sl_pgconf_rows_free(r);
}

int main(void)
{
	settings();
	watchlist_rows();
	return check_result();
}
