/* SPDX-License-Identifier: MIT */
/*
 * The GeoIP/ASN databases behind a runtime snapshot (geoip.h): libmaxminddb in mmap mode,
 * opened on the control thread, read by every worker at once (libmaxminddb's lookups only
 * read the mapping), closed by call_rcu's thread once no worker can hold the snapshot.
 *
 * A database file is untrusted: libmaxminddb checks the metadata at open and bounds-checks
 * every read of the tree and the data section; on top of that, open walks the tree once for
 * an IPv4 and an IPv6 address so a file whose tree is cut short is refused at load (the last
 * good databases stay in force) rather than found out by a worker.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <maxminddb.h>

#include "geoip.h"
#include "record_meta.h"

struct sl_geoip {
	MMDB_s db[2]; /* 0: city, 1: asn */
	bool open[2];
	uint32_t gen;
};

static _Atomic uint32_t next_gen = 1;

static int open_one(MMDB_s *db, const char *path, const char *what, char *errbuf, size_t errlen)
{
	int st = MMDB_open(path, MMDB_MODE_MMAP, db);
	int sys = errno, gai = 0, e;

	if (st != MMDB_SUCCESS) {
		int io = st == MMDB_IO_ERROR || st == MMDB_FILE_OPEN_ERROR;
		snprintf(errbuf, errlen, "%s %s: %s%s%s", what, path, MMDB_strerror(st), io && sys ? ": " : "",
		         io && sys ? strerror(sys) : "");
		return io ? (sys ? -sys : -EIO) : -EINVAL;
	}
	/* a walk down the tree for each family, so a truncated tree is refused here */
	static const char *const probe[] = { "1.1.1.1", "2001:db8::1" };
	for (int i = 0; i < 2; i++) {
		if (i == 1 && db->metadata.ip_version != 6)
			break;
		MMDB_lookup_result_s r = MMDB_lookup_string(db, probe[i], &gai, &e);
		if (gai == 0 && e != MMDB_SUCCESS) {
			snprintf(errbuf, errlen, "%s %s: %s", what, path, MMDB_strerror(e));
			MMDB_close(db);
			return -EINVAL;
		}
		if (r.found_entry) {
			MMDB_entry_data_s d;
			if ((e = MMDB_get_value(&r.entry, &d, "country", "iso_code", NULL)) != MMDB_SUCCESS &&
			    e != MMDB_LOOKUP_PATH_DOES_NOT_MATCH_DATA_ERROR) {
				snprintf(errbuf, errlen, "%s %s: %s", what, path, MMDB_strerror(e));
				MMDB_close(db);
				return -EINVAL;
			}
		}
	}
	return 0;
}

int sl_geoip_open(const char *city_path, const char *asn_path, struct sl_geoip **out, char *errbuf, size_t errlen)
{
	struct sl_geoip *g;
	int e;

	*out = NULL;
	if ((!city_path || !city_path[0]) && (!asn_path || !asn_path[0])) {
		snprintf(errbuf, errlen, "geoip: app.geoip.city-db and app.geoip.asn-db are both empty");
		return -EINVAL;
	}
	if (!(g = calloc(1, sizeof *g))) {
		snprintf(errbuf, errlen, "geoip: out of memory");
		return -ENOMEM;
	}
	if (city_path && city_path[0]) {
		if ((e = open_one(&g->db[0], city_path, "geoip: app.geoip.city-db", errbuf, errlen)) != 0) {
			free(g);
			return e;
		}
		g->open[0] = true;
	}
	if (asn_path && asn_path[0]) {
		if ((e = open_one(&g->db[1], asn_path, "geoip: app.geoip.asn-db", errbuf, errlen)) != 0) {
			sl_geoip_close(g);
			return e;
		}
		g->open[1] = true;
	}
	g->gen = atomic_fetch_add_explicit(&next_gen, 1, memory_order_relaxed);
	if (g->gen == 0) /* wrapped: 0 means "nothing cached" */
		g->gen = atomic_fetch_add_explicit(&next_gen, 1, memory_order_relaxed);
	*out = g;
	return 0;
}

void sl_geoip_close(struct sl_geoip *g)
{
	if (!g)
		return;
	for (int i = 0; i < 2; i++)
		if (g->open[i])
			MMDB_close(&g->db[i]);
	free(g);
}

uint32_t sl_geoip_gen(const struct sl_geoip *g)
{
	return g->gen;
}

static int private4(const uint8_t *a)
{
	return a[0] == 0 || a[0] == 10 || a[0] == 127 || a[0] >= 224 ||   /* 0/8, 10/8, lo, mcast, 240/4 */
		       (a[0] == 100 && (a[1] & 0xc0) == 64) ||                     /* 100.64/10 CGNAT */
		       (a[0] == 169 && a[1] == 254) ||                             /* link-local */
		       (a[0] == 172 && (a[1] & 0xf0) == 16) ||                     /* 172.16/12 */
		       (a[0] == 192 && a[1] == 168);                               /* 192.168/16 */
}

int sl_geoip_private(uint8_t ipver, const uint8_t a[16])
{
	if (ipver == 4)
		return private4(a);
	static const uint8_t zero[16];
	if (memcmp(a, zero, 15) == 0 && (a[15] == 0 || a[15] == 1))
		return 1;                                       /* :: and ::1 */
	if ((a[0] & 0xfe) == 0xfc || a[0] == 0xff)          /* fc00::/7 ULA, ff00::/8 multicast */
		return 1;
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)          /* fe80::/10 */
		return 1;
	if (memcmp(a, zero, 10) == 0 && a[10] == 0xff && a[11] == 0xff) /* ::ffff:a.b.c.d */
		return private4(a + 12);
	return 0;
}

int sl_geoip_lookup(const struct sl_geoip *g, uint8_t ipver, const uint8_t addr[16], struct sl_geoip_ref *ref)
{
	struct sockaddr_in in4;
	struct sockaddr_in6 in6;
	const struct sockaddr *sa;
	int found = 0;

	ref->city = ref->asn = 0;
	if (sl_geoip_private(ipver, addr))
		return 0;
	if (ipver == 4) {
		memset(&in4, 0, sizeof in4);
		in4.sin_family = AF_INET;
		memcpy(&in4.sin_addr, addr, 4);
		sa = (const struct sockaddr *)&in4;
	} else {
		memset(&in6, 0, sizeof in6);
		in6.sin6_family = AF_INET6;
		memcpy(&in6.sin6_addr, addr, 16);
		sa = (const struct sockaddr *)&in6;
	}
	for (int i = 0; i < 2; i++) {
		int e = MMDB_SUCCESS;
		if (!g->open[i])
			continue;
		/* an IPv6 address in an IPv4-only database is "not found" (e says so), not an error */
		MMDB_lookup_result_s r = MMDB_lookup_sockaddr(&g->db[i], sa, &e);
		if (e != MMDB_SUCCESS || !r.found_entry || r.entry.offset == UINT32_MAX)
			continue;
		if (i == 0)
			ref->city = r.entry.offset + 1;
		else
			ref->asn = r.entry.offset + 1;
		found = 1;
	}
	return found;
}

static uint8_t get_str(MMDB_entry_s *en, char *dst, size_t cap, const char *const *path)
{
	MMDB_entry_data_s d;

	if (MMDB_aget_value(en, &d, path) != MMDB_SUCCESS || !d.has_data || d.type != MMDB_DATA_TYPE_UTF8_STRING)
		return 0;
	size_t n = d.data_size < cap ? d.data_size : cap;
	memcpy(dst, d.utf8_string, n);
	return (uint8_t)n;
}

static int get_double(MMDB_entry_s *en, double *v, const char *const *path)
{
	MMDB_entry_data_s d;

	if (MMDB_aget_value(en, &d, path) != MMDB_SUCCESS || !d.has_data)
		return 0;
	if (d.type == MMDB_DATA_TYPE_DOUBLE)
		*v = d.double_value;
	else if (d.type == MMDB_DATA_TYPE_FLOAT)
		*v = d.float_value;
	else
		return 0;
	return isfinite(*v);
}

static int get_u32(MMDB_entry_s *en, uint32_t *v, const char *const *path)
{
	MMDB_entry_data_s d;

	if (MMDB_aget_value(en, &d, path) != MMDB_SUCCESS || !d.has_data)
		return 0;
	switch (d.type) {
	case MMDB_DATA_TYPE_UINT16: *v = d.uint16; return 1;
	case MMDB_DATA_TYPE_UINT32: *v = d.uint32; return 1;
	case MMDB_DATA_TYPE_INT32: *v = (uint32_t)d.int32; return d.int32 >= 0;
	case MMDB_DATA_TYPE_UINT64: *v = (uint32_t)d.uint64; return d.uint64 <= UINT32_MAX;
	}
	return 0;
}

static const char *const p_country[] = { "country", "iso_code", NULL };
static const char *const p_reg_country[] = { "registered_country", "iso_code", NULL };
static const char *const p_city[] = { "city", "names", "en", NULL };
static const char *const p_lat[] = { "location", "latitude", NULL };
static const char *const p_lon[] = { "location", "longitude", NULL };
static const char *const p_asn[] = { "autonomous_system_number", NULL };
static const char *const p_org[] = { "autonomous_system_organization", NULL };

/* Every field from every database that has the address (a City database of DB-IP's
 * "location+ISP" kind carries the ASN too); the City database is read first, the ASN
 * database fills what it left empty. */
int sl_geoip_decode(const struct sl_geoip *g, const struct sl_geoip_ref *ref, struct sl_geoip_val *v)
{
	uint32_t off[2] = { ref->city, ref->asn };

	memset(v, 0, offsetof(struct sl_geoip_val, country));
	for (int i = 0; i < 2; i++) {
		if (!g->open[i] || off[i] == 0)
			continue;
		MMDB_entry_s en = { .mmdb = &g->db[i], .offset = off[i] - 1 };
		double lat, lon;
		if (!v->country_len && !(v->country_len = get_str(&en, v->country, sizeof v->country, p_country)))
			v->country_len = get_str(&en, v->country, sizeof v->country, p_reg_country);
		if (!v->city_len)
			v->city_len = get_str(&en, v->city, sizeof v->city, p_city);
		if (!(v->flags & SL_GEO_LOCATION) && get_double(&en, &lat, p_lat) && get_double(&en, &lon, p_lon) &&
		    fabs(lat) <= 90 && fabs(lon) <= 180) {
			v->lat_e6 = (int32_t)lround(lat * 1e6);
			v->lon_e6 = (int32_t)lround(lon * 1e6);
			v->flags |= SL_GEO_LOCATION;
		}
		if (!(v->flags & SL_GEO_ASN) && get_u32(&en, &v->asn, p_asn))
			v->flags |= SL_GEO_ASN;
		if (!v->as_org_len)
			v->as_org_len = get_str(&en, v->as_org, sizeof v->as_org, p_org);
	}
	return v->country_len || v->city_len || v->as_org_len || v->flags;
}
