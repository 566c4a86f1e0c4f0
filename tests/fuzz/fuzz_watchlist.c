/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the watchlist parser (engine/analysis/watchlist/watchlist.c): any bytes
 * as a list file. Beyond "no crash, no out-of-bounds read, no leak" it checks what the parser
 * promises: every row that is neither blank nor a comment is either loaded or reported bad
 * (the counts add up), every loaded entry is found again by matching its own normalised value,
 * and matching the input's own fields as names and addresses stays in bounds.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/watchlist/watchlist.h"

static void count_bad(void *arg, uint32_t line, const char *why)
{
	(void)line, (void)why;
	(*(size_t *)arg)++;
}

static size_t rows(const uint8_t *p, size_t n)
{
	size_t r = 0;
	for (size_t i = 0; i < n;) {
		const uint8_t *nl = memchr(p + i, '\n', n - i);
		size_t e = nl ? (size_t)(nl - p) : n, s = i;
		while (s < e && (p[s] == ' ' || p[s] == '\t'))
			s++;
		if (s < e && p[s] != '#' && !(e - s == 1 && p[s] == '\r'))
			r++;
		i = e + 1;
	}
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_watchlist *wl;
	size_t nbad = 0, reported = 0;
	char err[256];
	uint32_t ids[8];

	if (sl_watchlist_parse((const char *)data, size, &wl, count_bad, &reported, &nbad, err, sizeof err) != 0)
		return 0;
	if (nbad != reported || sl_watchlist_count(wl) + nbad != rows(data, size))
		abort();
	for (uint32_t i = 0; i < sl_watchlist_count(wl); i++) {
		const struct sl_wl_entry *e = sl_watchlist_entry(wl, i);
		unsigned n = 0;
		if (e->kind == SL_WL_IP) {
			uint8_t a[16] = { 0 };
			char txt[64];
			const char *slash = strchr(e->value, '/');
			memcpy(txt, e->value, (size_t)(slash - e->value));
			txt[slash - e->value] = '\0';
			if (inet_pton(e->ipver == 4 ? AF_INET : AF_INET6, txt, a) != 1)
				abort();
			n = sl_watchlist_match_ip(wl, e->ipver, a, ids, 8);
		} else {
			const char *v = e->value;
			enum sl_wl_kind k = (enum sl_wl_kind)e->kind;
			if (k == SL_WL_DOMAIN_SUFFIX)
				v += 2, k = SL_WL_DOMAIN;
			n = sl_watchlist_match(wl, k, v, strlen(v), ids, 8);
		}
		int self = 0;
		for (unsigned j = 0; j < n && j < 8; j++)
			self |= ids[j] == i;
		if (!self && n < 8)
			abort();
		if (!e->tag[0] || !e->signature[0] || e->severity == 0)
			abort();
	}
	/* the input's own pieces as names, fingerprints, countries and addresses */
	for (size_t i = 0; i + 1 < size && i < 4096; i += 7) {
		size_t len = size - i < 300 ? size - i : 300;
		(void)sl_watchlist_match(wl, SL_WL_DOMAIN, (const char *)data + i, len, ids, 8);
		(void)sl_watchlist_match(wl, SL_WL_JA3, (const char *)data + i, len < 32 ? len : 32, ids, 8);
		(void)sl_watchlist_match(wl, SL_WL_JA4, (const char *)data + i, len, ids, 8);
		(void)sl_watchlist_match(wl, SL_WL_COUNTRY, (const char *)data + i, 2, ids, 8);
		if (size - i >= 16) {
			(void)sl_watchlist_match_ip(wl, 4, data + i, ids, 8);
			(void)sl_watchlist_match_ip(wl, 6, data + i, ids, 8);
		}
	}
	sl_watchlist_free(wl);
	return 0;
}
