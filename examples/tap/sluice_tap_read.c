/* SPDX-License-Identifier: MIT */
/*
 * An example consumer of a sluiced tap, built only from the installed headers and library:
 *
 *   cc -std=c11 sluice_tap_read.c $(pkg-config --cflags --libs sluice-ring) -o sluice-tap-read
 *   sluiced -r capture.pcap --set outputs.tap.enabled=true --set outputs.tap.names=[t0] &
 *   ./sluice-tap-read t0
 *
 * It opens the tap's ring as its consumer, reads the records where they lie (no copy), checks
 * each with sl_tap_check (sluiced is another process: its records are not trusted), tallies
 * them, and prints one JSON line at the end of the stream:
 *   {"records":N,"bad":N,"flow":N,"http":N,"tls":N,"dns":N,"alert":N,"flow_pkts":N,"http_host_bytes":N}
 * The tests compare these with sluiced's ledger and its EVE output.
 *
 *   --wait-ms MS      how long to wait for the tap to appear (default 10000)
 *   --stall-after N   read N records, then stop reading and hold the role until killed
 *                     (a consumer that falls behind, for the tests)
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sluice/ring.h>
#include <sluice/tap.h>

struct tally {
	unsigned long long records, bad, flow, http, tls, dns, alert, flow_pkts, http_host_bytes;
};

static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static void take(struct tally *t, const struct sl_rec *r)
{
	if (sl_tap_check(r->data, r->len, r->type) != 0) {
		t->bad++;
		return;
	}
	t->records++;
	switch (r->type) {
	case SL_REC_FLOW: {
		const struct sl_tap_flow *f = r->data;
		t->flow++;
		t->flow_pkts += f->pkts_toserver + f->pkts_toclient;
		break;
	}
	case SL_REC_HTTP: {
		const struct sl_tap_http *h = r->data;
		t->http++;
		t->http_host_bytes += h->hostname.len;
		break;
	}
	case SL_REC_TLS:
		t->tls++;
		break;
	case SL_REC_DNS:
		t->dns++;
		break;
	case SL_REC_ALERT:
		t->alert++;
		break;
	}
}

int main(int argc, char **argv)
{
	const char *name = NULL;
	long wait_ms = 10000;
	unsigned long long stall_after = 0;
	struct tally t = { 0 };
	sl_ring *r = NULL;
	struct sl_rec recs[64];
	int e;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--wait-ms") == 0 && i + 1 < argc)
			wait_ms = atol(argv[++i]);
		else if (strcmp(argv[i], "--stall-after") == 0 && i + 1 < argc)
			stall_after = strtoull(argv[++i], NULL, 10);
		else if (argv[i][0] != '-' && name == NULL)
			name = argv[i];
		else {
			fprintf(stderr, "usage: %s NAME [--wait-ms MS] [--stall-after N]\n", argv[0]);
			return 2;
		}
	}
	if (name == NULL) {
		fprintf(stderr, "usage: %s NAME [--wait-ms MS] [--stall-after N]\n", argv[0]);
		return 2;
	}
	for (long waited = 0; (e = sl_ring_open(name, SL_RING_CONSUMER, &r)) == -ENOENT && waited < wait_ms; waited += 10)
		nap_ms(10);
	if (e) {
		fprintf(stderr, "%s: tap %s: %s\n", argv[0], name, strerror(-e));
		return 1;
	}
	for (;;) {
		size_t n = sl_ring_peek(r, recs, stall_after ? 1 : 64);
		for (size_t i = 0; i < n; i++)
			take(&t, &recs[i]);
		sl_ring_release(r, n);
		if (stall_after && t.records + t.bad >= stall_after) {
			fprintf(stderr, "%s: stalled after %llu records\n", argv[0], t.records + t.bad);
			for (;;)
				pause();
		}
		if (n)
			continue;
		e = sl_ring_wait_readable(r, 100);
		if (e == -EPIPE)
			break; /* sluiced finished the stream and we read all of it */
		if (e == -EPROTO) {
			char why[256];
			sl_ring_validate(r, why, sizeof why);
			fprintf(stderr, "%s: tap %s is corrupt: %s\n", argv[0], name, why);
			break;
		}
		/* -ENOTCONN: sluiced went away without finishing (killed); wait for it, as a ring
		 * consumer does; -ETIMEDOUT: nothing yet */
	}
	printf("{\"records\":%llu,\"bad\":%llu,\"flow\":%llu,\"http\":%llu,\"tls\":%llu,\"dns\":%llu,\"alert\":%llu,"
	       "\"flow_pkts\":%llu,\"http_host_bytes\":%llu}\n",
	       t.records, t.bad, t.flow, t.http, t.tls, t.dns, t.alert, t.flow_pkts, t.http_host_bytes);
	sl_ring_close(r);
	return 0;
}
