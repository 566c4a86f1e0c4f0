/* SPDX-License-Identifier: MIT */
/*
 * The watchlist parser and index on their own: every kind and its normalising (case, trailing
 * dot, "*." suffixes, networks of several lengths in both families, every matching entry found),
 * the documented refusals, a 10,000-row list with bad rows mixed in (every good row loaded,
 * every bad row named by its line), the strict file load naming file and line, and a
 * 100,000-entry list matched against addresses and names it has and has not.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/watchlist/watchlist.h"
#include "check.h"

static struct sl_watchlist *parse(const char *text, size_t *nbad)
{
	struct sl_watchlist *wl;
	char err[256];
	size_t nb;
	REQUIRE(sl_watchlist_parse(text, strlen(text), &wl, NULL, NULL, nbad ? nbad : &nb, err, sizeof err) == 0);
	return wl;
}

static unsigned ip(const struct sl_watchlist *wl, const char *a, uint32_t *ids)
{
	uint8_t addr[16] = { 0 };
	int v4 = inet_pton(AF_INET, a, addr) == 1;
	if (!v4)
		REQUIRE(inet_pton(AF_INET6, a, addr) == 1);
	return sl_watchlist_match_ip(wl, v4 ? 4 : 6, addr, ids, 8);
}

static unsigned name(const struct sl_watchlist *wl, enum sl_wl_kind k, const char *s, uint32_t *ids)
{
	return sl_watchlist_match(wl, k, s, strlen(s), ids, 8);
}

static void test_kinds(void)
{
	uint32_t ids[8];
	size_t nbad;
	struct sl_watchlist *wl = parse("# comment\n"
	                                "\n"
	                                "ip 203.0.113.10 host 5\n"                           /* 0 */
	                                "cidr 203.0.113.0/24 net 1 TLS servers\r\n"          /* 1 */
	                                "ip 0.0.0.0/0 all 9\n"                               /* 2 */
	                                "ip 2001:DB8::/32 six 2\n"                           /* 3 */
	                                "ip 2001:db8::1 sixhost 3\n"                         /* 4 */
	                                "domain Evil.Example.COM. exact 4\n"                 /* 5 */
	                                "domain *.bad.test suffix 6\n"                       /* 6 */
	                                "  ja3\tE7D705A3286E19EA42F587B344EE6865 ja3tag 7\n" /* 7 */
	                                "ja4 T13D1516H2_8daaf6152771_02713d6af862 ja4tag 8\n" /* 8 */
	                                "country de de 9\n",                                 /* 9 */
	                                &nbad);
	CHECK_EQ(nbad, 0);
	CHECK_EQ(sl_watchlist_count(wl), 10);
	CHECK(sl_watchlist_gen(wl) != 0);
	/* normalised values, tags, severities, signatures, lines */
	CHECK(!strcmp(sl_watchlist_entry(wl, 0)->value, "203.0.113.10/32"));
	CHECK(!strcmp(sl_watchlist_entry(wl, 1)->signature, "TLS servers"));
	CHECK(!strcmp(sl_watchlist_entry(wl, 0)->signature, "watchlist host: ip 203.0.113.10/32"));
	CHECK(!strcmp(sl_watchlist_entry(wl, 3)->value, "2001:db8::/32"));
	CHECK(!strcmp(sl_watchlist_entry(wl, 5)->value, "evil.example.com"));
	CHECK(!strcmp(sl_watchlist_entry(wl, 6)->value, "*.bad.test"));
	CHECK(!strcmp(sl_watchlist_entry(wl, 7)->value, "e7d705a3286e19ea42f587b344ee6865"));
	CHECK(!strcmp(sl_watchlist_entry(wl, 8)->value, "t13d1516h2_8daaf6152771_02713d6af862"));
	CHECK(!strcmp(sl_watchlist_entry(wl, 9)->value, "DE"));
	CHECK_EQ(sl_watchlist_entry(wl, 7)->line, 10);
	CHECK_EQ(sl_watchlist_entry(wl, 7)->severity, 7);
	CHECK(!strcmp(sl_watchlist_entry(wl, 7)->tag, "ja3tag"));
	CHECK(sl_watchlist_entry(wl, 10) == NULL);

	/* addresses: every matching network, any length */
	CHECK_EQ(ip(wl, "203.0.113.10", ids), 3); /* /32, /24, /0 */
	CHECK_EQ(ids[0], 0);
	CHECK_EQ(ids[1], 1);
	CHECK_EQ(ids[2], 2);
	CHECK_EQ(ip(wl, "203.0.113.11", ids), 2);
	CHECK_EQ(ip(wl, "203.0.114.10", ids), 1);
	CHECK_EQ(ip(wl, "2001:db8::1", ids), 2);
	CHECK_EQ(ip(wl, "2001:db8:ffff::1", ids), 1);
	CHECK_EQ(ids[0], 3);
	CHECK_EQ(ip(wl, "2001:db9::1", ids), 0);
	/* names: case, trailing dot, suffix at label boundaries only */
	CHECK_EQ(name(wl, SL_WL_DOMAIN, "EVIL.example.com.", ids), 1);
	CHECK_EQ(ids[0], 5);
	CHECK_EQ(name(wl, SL_WL_DOMAIN, "www.evil.example.com", ids), 0);
	CHECK_EQ(name(wl, SL_WL_DOMAIN, "bad.test", ids), 1);
	CHECK_EQ(name(wl, SL_WL_DOMAIN, "a.b.Bad.Test.", ids), 1);
	CHECK_EQ(ids[0], 6);
	CHECK_EQ(name(wl, SL_WL_DOMAIN, "notbad.test", ids), 0);
	CHECK_EQ(name(wl, SL_WL_DOMAIN, "bad.test.com", ids), 0);
	CHECK_EQ(name(wl, SL_WL_DOMAIN, "", ids), 0);
	CHECK_EQ(name(wl, SL_WL_DOMAIN, "bad\x01.test", ids), 0);
	CHECK_EQ(name(wl, SL_WL_JA3, "e7d705a3286e19ea42f587b344ee6865", ids), 1);
	CHECK_EQ(name(wl, SL_WL_JA3, "e7d705a3286e19ea42f587b344ee6866", ids), 0);
	CHECK_EQ(name(wl, SL_WL_JA4, "t13d1516h2_8daaf6152771_02713d6af862", ids), 1);
	CHECK_EQ(name(wl, SL_WL_COUNTRY, "DE", ids), 1);
	CHECK_EQ(name(wl, SL_WL_COUNTRY, "FR", ids), 0);
	CHECK(sl_watchlist_has(wl, SL_WL_DOMAIN));
	sl_watchlist_free(wl);

	/* an empty list matches nothing */
	wl = parse("# nothing\n", NULL);
	CHECK_EQ(sl_watchlist_count(wl), 0);
	CHECK_EQ(ip(wl, "1.2.3.4", ids), 0);
	CHECK_EQ(name(wl, SL_WL_DOMAIN, "a.b", ids), 0);
	CHECK(!sl_watchlist_has(wl, SL_WL_IP));
	sl_watchlist_free(wl);
}

struct bad_log {
	uint32_t lines[2048];
	char why[2048][96];
	unsigned n;
};

static void on_bad(void *arg, uint32_t line, const char *why)
{
	struct bad_log *b = arg;
	if (b->n < 2048) {
		b->lines[b->n] = line;
		snprintf(b->why[b->n], sizeof b->why[0], "%s", why);
	}
	b->n++;
}

static const char *const bad_rows[] = {
	"ip 10.0.0.1/8 t 1",             /* host bits */
	"ip 300.1.1.1 t 1",              /* not an address */
	"ip 10.0.0.0/33 t 1",            /* prefix too long */
	"ip 10.0.0.0/ t 1",
	"domain exa$mple.com t 1",
	"domain a..b t 1",
	"domain a.b.. t 1",              /* one trailing dot is dropped, not two */
	"domain *. t 1",
	"ja3 abc t 1",
	"ja4 bad-ja4! t 1",
	"country DEU t 1",
	"url http://x t 1",              /* unknown kind */
	"domain example.com t 0",        /* severity */
	"domain example.com t 256",
	"domain example.com t x",
	"domain example.com",            /* too few fields */
	"domain example.com bad|tag 1",
	"domain example.com t 1 sig\x01nature",
};
#define NBAD_KINDS (sizeof bad_rows / sizeof bad_rows[0])

/* 10,000 rows, every 17th bad (a different way each time), the rest good and all distinct. */
static void test_bad_rows(void)
{
	size_t cap = 10000 * 80, used = 0, nbad = 0;
	char *text = malloc(cap);
	static struct bad_log log;
	uint32_t want_bad[10000], nwant = 0, ids[8];
	struct sl_watchlist *wl;
	char err[256];

	REQUIRE(text);
	for (unsigned i = 1; i <= 10000; i++) {
		if (i % 17 == 0) {
			used += (size_t)snprintf(text + used, cap - used, "%s\n", bad_rows[(i / 17) % NBAD_KINDS]);
			want_bad[nwant++] = i;
		} else if (i % 3 == 0) {
			used += (size_t)snprintf(text + used, cap - used, "ip 198.%u.%u.0/24 net%u %u\n", i >> 8, i & 255, i,
			                         1 + i % 255);
		} else {
			used += (size_t)snprintf(text + used, cap - used, "domain host%u.example.org tag%u %u\n", i, i,
			                         1 + i % 255);
		}
	}
	REQUIRE(sl_watchlist_parse(text, used, &wl, on_bad, &log, &nbad, err, sizeof err) == 0);
	CHECK_EQ(nbad, nwant);
	CHECK_EQ(log.n, nwant);
	CHECK_EQ(sl_watchlist_count(wl), 10000 - nwant);
	for (unsigned i = 0; i < nwant && i < log.n; i++)
		CHECK_EQ(log.lines[i], want_bad[i]);
	CHECK(strstr(log.why[0], "SEVERITY") || strstr(log.why[0], "address") || log.why[0][0]);
	/* every good row matches, as its line says */
	unsigned found = 0;
	for (unsigned i = 1; i <= 10000; i++) {
		char s[64];
		if (i % 17 == 0)
			continue;
		if (i % 3 == 0) {
			snprintf(s, sizeof s, "198.%u.%u.77", i >> 8, i & 255);
			found += ip(wl, s, ids) == 1 && sl_watchlist_entry(wl, ids[0])->line == i;
		} else {
			snprintf(s, sizeof s, "HOST%u.example.org.", i);
			found += name(wl, SL_WL_DOMAIN, s, ids) == 1 && sl_watchlist_entry(wl, ids[0])->line == i;
		}
	}
	CHECK_EQ(found, 10000 - nwant);
	sl_watchlist_free(wl);

	/* the same text as a file: strict refuses it naming the file and the first bad line */
	char path[] = "/tmp/sluice-wl-XXXXXX";
	int fd = mkstemp(path);
	REQUIRE(fd >= 0);
	REQUIRE(write(fd, text, used) == (ssize_t)used);
	close(fd);
	CHECK(sl_watchlist_load(path, NULL, 0, true, &wl, NULL, NULL, err, sizeof err) == -EINVAL);
	CHECK(wl == NULL);
	char want[128];
	snprintf(want, sizeof want, "%s:17: ", path);
	CHECK(strstr(err, want) != NULL);
	snprintf(want, sizeof want, "(%u bad rows)", nwant);
	CHECK(strstr(err, want) != NULL);
	/* not strict: loaded, every bad row named */
	memset(&log, 0, sizeof log);
	CHECK(sl_watchlist_load(path, NULL, 0, false, &wl, on_bad, &log, err, sizeof err) == 0);
	CHECK_EQ(log.n, nwant);
	CHECK(wl && sl_watchlist_count(wl) == 10000 - nwant);
	sl_watchlist_free(wl);
	unlink(path);
	CHECK(sl_watchlist_load(path, NULL, 0, true, &wl, NULL, NULL, err, sizeof err) == -ENOENT);
	CHECK(strstr(err, path) != NULL);
	CHECK(sl_watchlist_load("/tmp", NULL, 0, true, &wl, NULL, NULL, err, sizeof err) == -EINVAL);
	free(text);

	/* each refusal on its own, with its reason */
	for (size_t i = 0; i < NBAD_KINDS; i++) {
		memset(&log, 0, sizeof log);
		REQUIRE(sl_watchlist_parse(bad_rows[i], strlen(bad_rows[i]), &wl, on_bad, &log, &nbad, err, sizeof err) == 0);
		CHECK_EQ(nbad, 1);
		CHECK_EQ(log.lines[0], 1);
		CHECK_EQ(sl_watchlist_count(wl), 0);
		sl_watchlist_free(wl);
	}
	/* a NUL byte and an overlong line are bad rows, not the end of the file */
	static const char nul[] = "domain a.b t 1\nip 1.2.3.4\0 t 1\ndomain c.d t 1\n";
	REQUIRE(sl_watchlist_parse(nul, sizeof nul - 1, &wl, NULL, NULL, &nbad, err, sizeof err) == 0);
	CHECK_EQ(nbad, 1);
	CHECK_EQ(sl_watchlist_count(wl), 2);
	sl_watchlist_free(wl);
}

/* 100,000 entries: hosts in both families, networks, names; hits and misses. */
static void test_large(void)
{
	size_t cap = 100000 * 64, used = 0, nbad;
	char *text = malloc(cap), err[256];
	struct sl_watchlist *wl;
	uint32_t ids[8];

	REQUIRE(text);
	for (unsigned i = 0; i < 100000; i++) {
		switch (i % 4) {
		case 0: used += (size_t)snprintf(text + used, cap - used, "ip 10.%u.%u.%u t 1\n", i >> 16, (i >> 8) & 255, i & 255); break;
		case 1: used += (size_t)snprintf(text + used, cap - used, "ip 2001:db8:%x::%x t 1\n", i >> 8, i & 255); break;
		case 2: used += (size_t)snprintf(text + used, cap - used, "ip 100.%u.%u.0/24 t 1\n", i >> 8 & 255, i & 255); break;
		case 3: used += (size_t)snprintf(text + used, cap - used, "domain *.d%u.example t 1\n", i); break;
		}
	}
	REQUIRE(sl_watchlist_parse(text, used, &wl, NULL, NULL, &nbad, err, sizeof err) == 0);
	CHECK_EQ(nbad, 0);
	CHECK_EQ(sl_watchlist_count(wl), 100000);
	CHECK_EQ(ip(wl, "10.1.134.96", ids), 1);    /* i = 99936 = 0x1_86_60 */
	CHECK_EQ(ip(wl, "10.1.134.97", ids), 0);
	CHECK_EQ(ip(wl, "2001:db8:186::61", ids), 1); /* 99937 */
	CHECK_EQ(ip(wl, "2001:db8:186::62", ids), 0);
	CHECK_EQ(ip(wl, "100.134.98.9", ids), 2);     /* 99938 and 34402: the same /24 twice */
	CHECK_EQ(ip(wl, "100.134.99.9", ids), 0);     /* 99939 is a name */
	CHECK_EQ(name(wl, SL_WL_DOMAIN, "www.d99939.example", ids), 1);
	CHECK_EQ(name(wl, SL_WL_DOMAIN, "www.d99938.example", ids), 0);
	sl_watchlist_free(wl);
	free(text);
}

int main(void)
{
	test_kinds();
	test_bad_rows();
	test_large();
	return check_result();
}
