/* SPDX-License-Identifier: MIT */
/*
 * GeoIP/ASN enrichment: a City database and an ASN database in MaxMind's MMDB format
 * (GeoLite2/GeoIP2 or DB-IP layouts, either or both), opened read-only and mmapped once per
 * runtime snapshot and shared by every worker. A lookup walks the search tree and keeps only
 * where the address's record lies in each database (struct sl_geoip_ref, 8 bytes, cached in the
 * flow); the record's fields are decoded from there when a record is written, through a small
 * per-worker cache, so the tree is walked once per flow and address, never per packet.
 *
 *   function            who                               cost
 *   ------------------  --------------------------------  --------------------------------
 *   sl_geoip_open       the control thread (a snapshot)   mmap + metadata checks
 *   sl_geoip_close      call_rcu's thread (old snapshot)  munmap
 *   sl_geoip_lookup     any thread, concurrently          one tree walk per database
 *   sl_geoip_decode     any thread, concurrently          a few data-section reads
 *
 * Private, loopback, link-local, CGNAT, multicast, unspecified and 0/8, 240/4 addresses are
 * never looked up (sl_geoip_private): they get no geo. Documentation networks are looked up
 * (a database has nothing for them unless it says so, as the tests' databases do).
 */
#ifndef SLUICE_ANALYSIS_GEOIP_H
#define SLUICE_ANALYSIS_GEOIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"

struct sl_geoip;

/* Where an address's records are: data-section offset + 1 in each database, 0: none. */
struct sl_geoip_ref {
	uint32_t city, asn;
};

#define SL_GEOIP_COUNTRY_MAX 3
#define SL_GEOIP_CITY_MAX 95
#define SL_GEOIP_ORG_MAX 127

/* One address's decoded fields (flags: SL_GEO_LOCATION, SL_GEO_ASN of record_meta.h). Strings
 * are cut at their maximum and hold only the bytes the database had (not NUL-terminated). */
struct sl_geoip_val {
	int32_t lat_e6, lon_e6;
	uint32_t asn;
	uint16_t flags;
	uint8_t country_len, city_len, as_org_len;
	char country[SL_GEOIP_COUNTRY_MAX];
	char city[SL_GEOIP_CITY_MAX];
	char as_org[SL_GEOIP_ORG_MAX];
};

/* Opens the databases (a NULL or empty path: that one is absent; at least one is needed).
 * Refuses a file that is not an MMDB database, or whose search tree or metadata is damaged,
 * naming the file and libmaxminddb's reason. Returns 0 or -errno with errbuf set. */
int sl_geoip_open(const char *city_path, const char *asn_path, struct sl_geoip **out, char *errbuf, size_t errlen);
void sl_geoip_close(struct sl_geoip *g);
/* Distinct for every handle opened in this process (never 0): flows cache refs by it. */
uint32_t sl_geoip_gen(const struct sl_geoip *g);

/* 1: an address that is never looked up (see above). addr: IPv4 in the first 4 bytes. */
int sl_geoip_private(uint8_t ipver, const uint8_t addr[16]);
/* Looks addr up in both databases; returns 1 when either has a record, 0 when neither (or it
 * is private, or the tree is damaged at that place: counted by the caller as a miss). */
int sl_geoip_lookup(const struct sl_geoip *g, uint8_t ipver, const uint8_t addr[16], struct sl_geoip_ref *ref);
/* Decodes the fields of ref; returns 1 when any field was found, 0 when none. */
int sl_geoip_decode(const struct sl_geoip *g, const struct sl_geoip_ref *ref, struct sl_geoip_val *v);

/* app.geoip.* */
struct sl_geoip_conf {
	bool enabled;
	char *city_db;
	char *asn_db;
};
extern const struct sl_conf_block sl__geoip_conf;
#define SL_GEOIP_CONF(cfg) ((const struct sl_geoip_conf *)sl_conf_block((cfg), &sl__geoip_conf))

#endif
