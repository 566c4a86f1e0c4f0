/* SPDX-License-Identifier: MIT */
/*
 * fuzz_ring: the consumer side of a named ring against a hostile producer. Each input is a
 * program of small steps run on a fresh named ring (in a private SLUICE_SHM_DIR): legitimate
 * traffic through the API, and scribbles on what a producer process could write — the shared
 * head and tail, any byte of the header page, record headers, payload bytes — between peeks,
 * partial releases, waits, validates and re-opens of the consumer. After every peek each record
 * must lie inside the consumer's mapping of the data area (ASan catches a read outside it too),
 * and once the ring says corrupt it must stay quiet (peek 0, wait_readable -EPROTO).
 *
 * Step encoding: one opcode byte, then its operands (little endian), until the input ends.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ring_impl.h"
#include "sluice/ring.h"

#define CAP 4096u
#define MAXREC 64

struct in {
	const uint8_t *p;
	size_t n;
};

static int take(struct in *in, void *out, size_t len)
{
	if (in->n < len)
		return 0;
	memcpy(out, in->p, len);
	in->p += len;
	in->n -= len;
	return 1;
}

static char dir[64];

static void remove_dir(void)
{
	sl_ring_unlink("f");
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(dir, sizeof dir, "/dev/shm/sluice-fuzz-XXXXXX");
	if (mkdtemp(dir) == NULL) {
		snprintf(dir, sizeof dir, "/tmp/sluice-fuzz-XXXXXX");
		if (mkdtemp(dir) == NULL)
			abort();
	}
	setenv("SLUICE_SHM_DIR", dir, 1);
	setenv("SLUICE_HUGETLBFS", "/nonexistent-hugetlbfs", 1);
	atexit(remove_dir);
	return 0;
}

/* Every record peek handed out lies inside the consumer's two mappings of the data area. */
static void check_recs(const sl_ring *c, const struct sl_rec *rec, size_t n)
{
	const uint8_t *lo = c->data, *hi = c->data + 2 * c->cap;

	for (size_t i = 0; i < n; i++) {
		const uint8_t *d = rec[i].data;
		if (d < lo || d > hi || (uint64_t)rec[i].len > (uint64_t)(hi - d) || ((uintptr_t)d & 7) != 0)
			abort();
		volatile uint8_t sink = 0;
		if (rec[i].len) /* touch both ends: ASan and the MMU would object if they were outside */
			sink ^= d[0] ^ d[rec[i].len - 1];
		(void)sink;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_ring_config cfg = { .capacity = CAP, .huge = SL_HUGEPAGES_NEVER };
	struct in in = { data, size };
	struct sl_rec rec[MAXREC];
	sl_ring *p = NULL, *c = NULL;
	size_t peeked = 0;
	uint8_t op;
	char why[256];

	sl_ring_unlink("f");
	if (sl_ring_create("f", &cfg, &p) != 0)
		abort();
	if (sl_ring_open("f", SL_RING_CONSUMER, &c) != 0)
		abort();

	for (int steps = 0; steps < 256 && take(&in, &op, 1); steps++) {
		switch (op % 11) {
		case 0: { /* hostile head */
			uint64_t v;
			if (take(&in, &v, 8))
				atomic_store_explicit(&p->hdr->head, v, memory_order_release);
			break;
		}
		case 1: { /* hostile tail */
			uint64_t v;
			if (take(&in, &v, 8))
				atomic_store_explicit(&p->hdr->tail, v, memory_order_release);
			break;
		}
		case 2: { /* hostile head relative to the consumer's tail: near the edges that matter */
			int32_t d;
			if (take(&in, &d, 4))
				atomic_store_explicit(&p->hdr->head, c->c_tail + (uint64_t)(int64_t)d, memory_order_release);
			break;
		}
		case 3: { /* a record header anywhere (8-byte aligned, as the consumer reads them) */
			uint16_t off;
			struct sl__rec_hdr h;
			if (take(&in, &off, 2) && take(&in, &h, sizeof h))
				memcpy(p->data + ((off * 8u) & (CAP - 1)), &h, sizeof h);
			break;
		}
		case 4: { /* a record header at the consumer's tail */
			struct sl__rec_hdr h;
			if (take(&in, &h, sizeof h))
				memcpy(p->data + (c->c_tail & (CAP - 1)), &h, sizeof h);
			break;
		}
		case 5: { /* any byte of the header page */
			uint16_t off;
			uint8_t b;
			if (take(&in, &off, 2) && take(&in, &b, 1))
				((volatile uint8_t *)p->hdr)[off % 4096] = b;
			break;
		}
		case 6: { /* legitimate traffic: reserve, fill, commit */
			uint16_t len;
			uint8_t k;
			if (!take(&in, &len, 2) || !take(&in, &k, 1))
				break;
			for (unsigned i = 0; i <= k % 8u; i++) {
				uint8_t *w = sl_ring_reserve(p, 1, len % 1024u);
				if (w == NULL)
					break;
				memset(w, 0x5a, len % 1024u);
			}
			sl_ring_commit(p);
			break;
		}
		case 7: { /* peek, check, release some */
			uint8_t max, rel;
			if (!take(&in, &max, 1) || !take(&in, &rel, 1))
				break;
			peeked = sl_ring_peek(c, rec, 1 + max % MAXREC);
			check_recs(c, rec, peeked);
			if (c->c_corrupt && peeked != 0)
				abort();
			sl_ring_release(c, rel % (peeked + 1));
			peeked = 0;
			break;
		}
		case 8: { /* wait: never a hang, -EPROTO once corrupt */
			int rc = sl_ring_wait_readable(c, 0);
			if (c->c_corrupt && rc != -EPROTO)
				abort();
			if (rc != 0 && rc != -ETIMEDOUT && rc != -EPROTO && rc != -EPIPE && rc != -ENOTCONN)
				abort();
			break;
		}
		case 9: /* validate says something, never crashes */
			sl_ring_validate(c, why, sizeof why);
			break;
		case 10: { /* re-open the consumer: the header it validates is whatever is there now */
			sl_ring *c2 = NULL;
			sl_ring_close(c);
			c = NULL;
			int rc = sl_ring_open("f", SL_RING_CONSUMER, &c2);
			if (rc == 0) {
				if (c2->cap != CAP) /* it maps what the file holds, never what the header claims */
					abort();
				c = c2;
			} else {
				goto out;
			}
			break;
		}
		}
	}
	/* Drain what is left, nobody writing: each record inside the mapping, and no more records
	 * than fit between the tail and the head the producer left (each takes 8 bytes or more):
	 * never an endless stream. */
	if (c) {
		uint64_t room = atomic_load(&c->hdr->head) - c->c_tail;
		uint64_t total = 0;
		size_t n;
		while ((n = sl_ring_peek(c, rec, MAXREC)) > 0) {
			check_recs(c, rec, n);
			sl_ring_release(c, n);
			total += n;
			if (total > room / 8 && total > CAP / 8)
				abort();
		}
	}
out:
	sl_ring_close(c);
	sl_ring_close(p);
	sl_ring_unlink("f");
	return 0;
}
