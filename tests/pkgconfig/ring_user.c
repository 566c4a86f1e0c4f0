/* SPDX-License-Identifier: MIT */
/*
 * A program outside the tree, built only from the installed header and library found through
 * pkg-config: proof that libsluice_ring installs as a usable library on its own.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <sluice/err.h>
#include <sluice/record.h>
#include <sluice/ring.h>

int main(void)
{
	struct sl_ring_config cfg = { .capacity = 1 << 16, .huge = SL_HUGEPAGES_NEVER };
	struct sl_rec rec[8];
	sl_ring *r;
	size_t got = 0;

	if (sl_ring_create(NULL, &cfg, &r) != 0)
		return 1;
	for (int i = 0; i < 5; i++) {
		char *p = sl_ring_reserve(r, (uint16_t)i, 6);
		if (!p)
			return 2;
		memcpy(p, "hello", 6);
	}
	sl_ring_commit(r);
	size_t n = sl_ring_peek(r, rec, 8);
	for (size_t i = 0; i < n; i++)
		got += rec[i].type == i && strcmp(rec[i].data, "hello") == 0;
	sl_ring_release(r, n);
	struct sl_ring_stats st;
	sl_ring_stats(r, &st);
	printf("%zu of 5 records back, backing %s\n", got, sl_ring_backing_name(st.backing));
	/* the headers an external --shm-input producer needs, and the error words */
	if (sizeof(struct sl_pkt_rec) != 24 || strcmp(sl_strerror(-ENOENT), strerror(ENOENT)) != 0 ||
	    strstr(sl_strerror(SL_EPEER_DEAD), "peer") == NULL)
		return 4;
	sl_ring_close(r);
	return got == 5 && st.records_out == 5 ? 0 : 3;
}
