/* SPDX-License-Identifier: MIT */
/*
 * Watchlists: addresses, networks, domain names, TLS fingerprints and countries an operator
 * wants to hear about. A list is parsed and indexed on the control thread into one immutable
 * object that a runtime snapshot owns; workers only read it, once per flow (addresses,
 * countries) or once per record (names, fingerprints), never per packet.
 *
 * File format (UTF-8 text, one entry per line; '#' starts a comment line; blank lines are
 * skipped; fields are separated by spaces or tabs):
 *
 *   KIND VALUE TAG SEVERITY [SIGNATURE...]
 *
 *   KIND      ip (or cidr): an IPv4/IPv6 address or network (203.0.113.0/24, 2001:db8::/32;
 *                           host bits past the prefix are refused as a likely typo)
 *             domain:       a name, matched case-insensitively, trailing dot ignored, against
 *                           the HTTP host, the TLS SNI and the DNS query name; "*.NAME"
 *                           matches NAME and every name under it
 *             ja3:          an MD5 JA3 hash (32 hex digits)
 *             ja4:          a JA4 fingerprint (t13d1516h2_8daaf6152771_02713d6af862)
 *             country:      an ISO 3166-1 alpha-2 code, matched against src_geo/dest_geo
 *   TAG       [A-Za-z0-9_.:/-], 1..64 bytes: the alert's `watchlist` field
 *   SEVERITY  1 (highest) .. 255: the alert's severity
 *   SIGNATURE the rest of the line (printable ASCII, at most 256 bytes); default
 *             "watchlist TAG: KIND VALUE"
 *
 * A line that does not parse is a bad row, named by file and line with the reason. Index:
 * one open-addressing hash over (kind, normalised value); networks are keyed by their prefix
 * length and masked address, and an address lookup probes each prefix length the list uses,
 * longest first, so every matching entry is found (a /32 and its /8 both alert), the memory is
 * a few dozen bytes per entry whatever the family, and the work is bounded by the number of
 * distinct prefix lengths (a 100,000-entry list of hosts and a few network sizes: a handful).
 *
 *   function                   who                                 progress
 *   -------------------------  ----------------------------------  -------------------------
 *   sl_watchlist_parse/load    the control thread (a new snapshot)  allocates; O(rows)
 *   sl_watchlist_free          call_rcu's thread (an old snapshot)  -
 *   sl_watchlist_match(_ip)    any thread, concurrently             wait-free, no allocation
 *   count/gen/has/entry        any thread, concurrently             wait-free
 */
#ifndef SLUICE_ANALYSIS_WATCHLIST_H
#define SLUICE_ANALYSIS_WATCHLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"

struct sl_watchlist;

enum sl_wl_kind {
	SL_WL_IP = 1,
	SL_WL_DOMAIN,
	SL_WL_DOMAIN_SUFFIX, /* written "*.name" */
	SL_WL_JA3,
	SL_WL_JA4,
	SL_WL_COUNTRY,
};

struct sl_wl_entry {
	uint8_t kind;     /* enum sl_wl_kind */
	uint8_t severity;
	uint8_t ipver, plen; /* SL_WL_IP */
	uint32_t line;    /* in its file */
	const char *value; /* as normalised: "203.0.113.0/24", "*.example.com", lowercase hex */
	const char *tag;
	const char *signature;
};

/* Called for every bad row (line numbers from 1), in order. */
typedef void (*sl_wl_bad_fn)(void *arg, uint32_t line, const char *reason);

/* Parses text (len bytes, any bytes) into a new watchlist. Every bad row goes to bad (may be
 * NULL) and is counted in *nbad. Good rows are kept. Returns 0, or -ENOMEM / -EFBIG (more
 * than SL_WL_MAX_ENTRIES) with errbuf set. The list it makes is empty when no row is good. */
#define SL_WL_MAX_ENTRIES 10000000u
int sl_watchlist_parse(const char *text, size_t len, struct sl_watchlist **out, sl_wl_bad_fn bad, void *arg,
                       size_t *nbad, char *errbuf, size_t errlen);
/* Reads and parses a file followed by extra (extralen bytes of rows in the same format, such
 * as the database's rows; may be NULL): path NULL or "" reads extra alone. strict: the first bad
 * row refuses the whole list (errbuf: "PATH:LINE: reason (N bad rows)"; lines past the file's
 * are extra's); not strict: bad rows go to bad and the good ones are loaded. */
int sl_watchlist_load(const char *path, const char *extra, size_t extralen, bool strict, struct sl_watchlist **out,
                      sl_wl_bad_fn bad, void *arg, char *errbuf, size_t errlen);
void sl_watchlist_free(struct sl_watchlist *wl);

size_t sl_watchlist_count(const struct sl_watchlist *wl);
uint32_t sl_watchlist_gen(const struct sl_watchlist *wl); /* distinct per list made, never 0 */
/* true when the list has entries of that kind (so a worker skips what cannot match) */
bool sl_watchlist_has(const struct sl_watchlist *wl, enum sl_wl_kind kind);
const struct sl_wl_entry *sl_watchlist_entry(const struct sl_watchlist *wl, uint32_t id);
const char *sl_wl_kind_name(enum sl_wl_kind kind);

/* Matching: the ids of up to max matching entries in ids[], and how many matched in all. */
unsigned sl_watchlist_match_ip(const struct sl_watchlist *wl, uint8_t ipver, const uint8_t addr[16], uint32_t *ids,
                               unsigned max);
/* kind: SL_WL_DOMAIN (exact and suffix entries), SL_WL_JA3, SL_WL_JA4, SL_WL_COUNTRY; the
 * value is normalised the way the entries were (case, a trailing dot). */
unsigned sl_watchlist_match(const struct sl_watchlist *wl, enum sl_wl_kind kind, const char *s, size_t n,
                            uint32_t *ids, unsigned max);

/* app.watchlist.* */
struct sl_watchlist_conf {
	bool enabled;
	char *file;
	bool alert_once;
	bool strict;
};
extern const struct sl_conf_block sl__watchlist_conf;
#define SL_WATCHLIST_CONF(cfg) ((const struct sl_watchlist_conf *)sl_conf_block((cfg), &sl__watchlist_conf))

#endif
