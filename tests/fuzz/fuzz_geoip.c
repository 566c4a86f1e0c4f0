/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the GeoIP handle (engine/analysis/geoip/geoip.c): any bytes as a City
 * database file. Open must refuse it or accept it; an accepted one is looked up and decoded for
 * addresses of both families (and for addresses made of the input's bytes), within bounds.
 * The parsing is libmaxminddb's (not instrumented here); what this proves is that sluice's use
 * of it (the checks at open, the offsets it caches, the decoding of each field) never reads out
 * of bounds or crashes on a database it accepted. Seeds: the tests' databases (make_mmdb.pl).
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/geoip/geoip.h"

static char path[64];

static void cleanup(void)
{
	unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_geoip *g;
	char err[512];

	if (!path[0]) {
		snprintf(path, sizeof path, "/tmp/sluice-fuzz-geoip-%d.mmdb", (int)getpid());
		atexit(cleanup);
	}
	FILE *f = fopen(path, "wb");
	if (!f)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	if (sl_geoip_open(path, NULL, &g, err, sizeof err) != 0) {
		if (!strstr(err, path))
			abort(); /* a refusal names the file */
		return 0;
	}
	static const uint8_t fixed[][16] = {
		{ 198, 51, 100, 7 }, { 203, 0, 113, 9 }, { 192, 0, 2, 200 }, { 1, 1, 1, 1 },
		{ 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 },
	};
	for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
		struct sl_geoip_ref ref;
		struct sl_geoip_val v;
		if (sl_geoip_lookup(g, i < 4 ? 4 : 6, fixed[i], &ref))
			(void)sl_geoip_decode(g, &ref, &v);
	}
	for (size_t i = 0; i + 16 <= size && i < 256; i += 16) {
		struct sl_geoip_ref ref;
		struct sl_geoip_val v;
		if (sl_geoip_lookup(g, 6, data + i, &ref))
			(void)sl_geoip_decode(g, &ref, &v);
	}
	sl_geoip_close(g);
	return 0;
}
