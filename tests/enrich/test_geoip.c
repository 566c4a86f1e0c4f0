/* SPDX-License-Identifier: MIT */
/*
 * The GeoIP handle on real MMDB files written by MaxMind's Perl writer (make_mmdb.pl, run by
 * ctest into a temp dir given as argv[1]): IPv4 and IPv6 lookups decoded field by field, an
 * address only the City database has, private and unknown addresses with nothing, either
 * database alone, generations distinct per open, and damaged files refused naming the file.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/geoip/geoip.h"
#include "check.h"
#include "record_meta.h"

static char dir[512];

static const char *path(const char *name)
{
	static char p[4][600];
	static int i;
	i = (i + 1) % 4;
	snprintf(p[i], sizeof p[i], "%s/%s", dir, name);
	return p[i];
}

static int look(const struct sl_geoip *g, const char *ip, struct sl_geoip_val *v)
{
	uint8_t a[16] = { 0 };
	struct sl_geoip_ref ref;
	int v4 = inet_pton(AF_INET, ip, a) == 1;
	if (!v4)
		REQUIRE(inet_pton(AF_INET6, ip, a) == 1);
	memset(v, 0, sizeof *v);
	if (!sl_geoip_lookup(g, v4 ? 4 : 6, a, &ref))
		return 0;
	return sl_geoip_decode(g, &ref, v);
}

#define STR_EQ(len, buf, lit) CHECK((len) == sizeof(lit) - 1 && memcmp((buf), (lit), sizeof(lit) - 1) == 0)

int main(int argc, char **argv)
{
	struct sl_geoip *g, *g2;
	struct sl_geoip_val v;
	char err[512];

	REQUIRE(argc == 2);
	snprintf(dir, sizeof dir, "%s", argv[1]);
	REQUIRE(sl_geoip_open(path("city-a.mmdb"), path("asn-a.mmdb"), &g, err, sizeof err) == 0);

	CHECK_EQ(look(g, "198.51.100.7", &v), 1);
	STR_EQ(v.country_len, v.country, "DE");
	STR_EQ(v.city_len, v.city, "Berlin");
	CHECK_EQ(v.flags, SL_GEO_LOCATION | SL_GEO_ASN);
	CHECK_EQ(v.lat_e6, 52520000);
	CHECK_EQ(v.lon_e6, 13405000);
	CHECK_EQ(v.asn, 64501);
	STR_EQ(v.as_org_len, v.as_org, "Alpha HTTP Networks");
	/* the City database has 192.0.2.0/24, the ASN database only 192.0.2.0/25 */
	CHECK_EQ(look(g, "192.0.2.200", &v), 1);
	STR_EQ(v.country_len, v.country, "AU");
	CHECK_EQ(v.flags, SL_GEO_LOCATION);
	CHECK_EQ(v.as_org_len, 0);
	CHECK_EQ(v.lon_e6, 151209300);
	CHECK_EQ(v.lat_e6, -33868800);
	/* IPv6 */
	CHECK_EQ(look(g, "2001:db8:1234::1", &v), 1);
	STR_EQ(v.country_len, v.country, "SE");
	STR_EQ(v.city_len, v.city, "Stockholm");
	CHECK_EQ(v.asn, 64504);
	/* IPv4-mapped IPv6 reaches the IPv4 networks */
	CHECK_EQ(look(g, "::ffff:203.0.113.5", &v), 1);
	STR_EQ(v.country_len, v.country, "US");
	/* unknown, private, reserved: nothing */
	CHECK_EQ(look(g, "8.8.8.8", &v), 0);
	CHECK_EQ(look(g, "10.1.2.3", &v), 0);
	CHECK_EQ(look(g, "192.168.1.1", &v), 0);
	CHECK_EQ(look(g, "172.20.0.1", &v), 0);
	CHECK_EQ(look(g, "100.64.0.1", &v), 0);
	CHECK_EQ(look(g, "127.0.0.1", &v), 0);
	CHECK_EQ(look(g, "224.0.0.1", &v), 0);
	CHECK_EQ(look(g, "::1", &v), 0);
	CHECK_EQ(look(g, "fe80::1", &v), 0);
	CHECK_EQ(look(g, "fd00::1", &v), 0);
	CHECK_EQ(look(g, "::ffff:10.0.0.1", &v), 0);
	CHECK_EQ(look(g, "2001:db9::1", &v), 0);

	/* variant b: the same networks, other values; a new generation */
	REQUIRE(sl_geoip_open(path("city-b.mmdb"), NULL, &g2, err, sizeof err) == 0);
	CHECK(sl_geoip_gen(g2) != sl_geoip_gen(g) && sl_geoip_gen(g2) != 0);
	CHECK_EQ(look(g2, "192.0.2.7", &v), 1);
	STR_EQ(v.city_len, v.city, "S\xc3\xa3o Paulo");
	CHECK_EQ(v.flags, SL_GEO_LOCATION); /* no ASN database */
	sl_geoip_close(g2);
	REQUIRE(sl_geoip_open("", path("asn-b.mmdb"), &g2, err, sizeof err) == 0);
	CHECK_EQ(look(g2, "203.0.113.1", &v), 1);
	STR_EQ(v.as_org_len, v.as_org, "Bravo TLS \"Hosting\"");
	CHECK_EQ(v.country_len, 0);
	sl_geoip_close(g2);
	sl_geoip_close(g);

	/* refusals, naming the file */
	CHECK(sl_geoip_open(NULL, "", &g, err, sizeof err) == -EINVAL);
	CHECK(sl_geoip_open(path("nope.mmdb"), NULL, &g, err, sizeof err) == -ENOENT);
	CHECK(strstr(err, "nope.mmdb") != NULL);
	/* cut copies of the City database, from 0 bytes up in steps: the metadata is at the end of
	 * an MMDB file, so every cut copy must be refused, with the file named */
	FILE *f = fopen(path("city-a.mmdb"), "rb");
	REQUIRE(f);
	static uint8_t whole[1 << 16];
	size_t n = fread(whole, 1, sizeof whole, f);
	fclose(f);
	unsigned refused = 0, tried = 0;
	for (size_t cut = 0; cut < n; cut += 37) {
		FILE *o = fopen(path("cut.mmdb"), "wb");
		REQUIRE(o);
		fwrite(whole, 1, cut, o);
		fclose(o);
		tried++;
		if (sl_geoip_open(path("cut.mmdb"), NULL, &g, err, sizeof err) != 0) {
			refused += strstr(err, "cut.mmdb") != NULL;
		} else {
			look(g, "198.51.100.7", &v);
			sl_geoip_close(g);
		}
	}
	CHECK_EQ(refused, tried);
	/* bytes flipped in the tree and data sections: open may accept it, lookups stay in bounds */
	for (size_t at = 0; at + 200 < n; at += 29) {
		uint8_t saved = whole[at];
		whole[at] ^= 0xa5;
		FILE *o = fopen(path("flip.mmdb"), "wb");
		REQUIRE(o);
		fwrite(whole, 1, n, o);
		fclose(o);
		whole[at] = saved;
		if (sl_geoip_open(path("flip.mmdb"), NULL, &g, err, sizeof err) == 0) {
			static const char *const ips[] = { "198.51.100.7", "203.0.113.9", "192.0.2.1", "2001:db8::5", "8.8.8.8" };
			for (size_t i = 0; i < 5; i++)
				look(g, ips[i], &v);
			sl_geoip_close(g);
		} else {
			CHECK(strstr(err, "flip.mmdb") != NULL);
		}
	}
	return check_result();
}
