/* SPDX-License-Identifier: MIT */
/*
 * sl_tap_check over a file of records, for tap_check_cross.py, which holds the Python consumer's
 * check to the C one on the same bytes. Input: records of [type u16][len u32][len bytes], little
 * endian; output: one line per record, sl_tap_check's result (0 or a negative errno).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sluice/tap.h"

int main(int argc, char **argv)
{
	FILE *f = argc > 1 ? fopen(argv[1], "rb") : NULL;
	uint8_t hdr[6];

	if (f == NULL) {
		fprintf(stderr, "usage: %s RECORDS\n", argv[0]);
		return 2;
	}
	while (fread(hdr, 1, sizeof hdr, f) == sizeof hdr) {
		uint16_t type = (uint16_t)(hdr[0] | hdr[1] << 8);
		uint32_t len = (uint32_t)hdr[2] | (uint32_t)hdr[3] << 8 | (uint32_t)hdr[4] << 16 | (uint32_t)hdr[5] << 24;
		void *rec = malloc(len ? len : 1); /* exactly len bytes, aligned like a ring record */
		if (rec == NULL || fread(rec, 1, len, f) != len) {
			fprintf(stderr, "%s: truncated input\n", argv[0]);
			return 1;
		}
		printf("%d\n", sl_tap_check(rec, len, type));
		free(rec);
	}
	fclose(f);
	return 0;
}
