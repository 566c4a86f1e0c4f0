/* SPDX-License-Identifier: MIT */
/*
 * sluice-pcap2shm: replays pcap/pcapng files into a named sluice ring, for
 * `sluiced --shm-input NAME`. It is the example of an external producer — the part worth
 * reading is sl_capture_push() below: reserve a record, fill struct sl_pkt_rec and the bytes,
 * commit in batches, wait (never spin, never drop) when the ring is full. It is also a handy
 * tool: a capture replayed through shm exercises the same consumer path a DPDK or vendor
 * producer would.
 *
 * Reading the files is the `pcap` capture source's job (pcap/pcap.c), reused as is: this
 * program provides the sl_capture_push()/sl_capture_flush() the source calls, which here
 * write to the ring instead of the engine's pipeline.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture.h"
#include "sluice/record.h"
#include "sluice/ring.h"

extern const struct sl_module sl__capture_pcap;

#define COMMIT_EVERY 32u
#define WAIT_MS 100

struct sl_capture_out {
	sl_ring *ring;
	const _Atomic int *stop;
	int hash;             /* fill sl_pkt_rec.hash */
	uint64_t gap_ns;      /* pacing: ns between packets, 0: none */
	uint64_t next_ns;     /* pacing: when the next packet may go */
	uint32_t max_caplen;  /* largest packet a record of this ring can hold */
	uint32_t uncommitted;
	uint64_t written, bytes, too_big;
};

static _Atomic int stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	atomic_store_explicit(&stop_flag, 1, memory_order_relaxed);
}

/* ---- an optional symmetric flow hash ---------------------------------------------------- */

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	return x ^ (x >> 33);
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

/* Symmetric: both directions of a flow give the same value, because the addresses and the
 * ports enter only through sums and xors of the pair. 0 when the packet is not IP. */
static uint32_t flow_hash(const uint8_t *p, uint32_t len, uint16_t linktype)
{
	uint32_t off = 0;
	uint16_t type = 0;

	switch (linktype) {
	case SL_LINK_ETHERNET:
		if (len < 14)
			return 0;
		type = (uint16_t)(p[12] << 8 | p[13]);
		off = 14;
		while ((type == 0x8100 || type == 0x88a8) && len >= off + 4) {
			type = (uint16_t)(p[off + 2] << 8 | p[off + 3]);
			off += 4;
		}
		break;
	case SL_LINK_NULL:
		off = 4;
		break;
	case SL_LINK_LINUX_SLL:
		if (len < 16)
			return 0;
		type = (uint16_t)(p[14] << 8 | p[15]);
		off = 16;
		break;
	case SL_LINK_LINUX_SLL2:
		if (len < 20)
			return 0;
		type = (uint16_t)(p[0] << 8 | p[1]);
		off = 20;
		break;
	default: /* raw IP */
		break;
	}
	if (len <= off)
		return 0;
	if (linktype != SL_LINK_ETHERNET && linktype != SL_LINK_LINUX_SLL && linktype != SL_LINK_LINUX_SLL2)
		type = (p[off] >> 4) == 6 ? 0x86dd : (p[off] >> 4) == 4 ? 0x0800 : 0;

	uint64_t a, b;
	uint8_t proto;
	uint32_t l4;
	int ports = 1;
	if (type == 0x0800 && len >= off + 20) {
		const uint8_t *ip = p + off;
		a = (uint32_t)ip[12] << 24 | (uint32_t)ip[13] << 16 | (uint32_t)ip[14] << 8 | ip[15];
		b = (uint32_t)ip[16] << 24 | (uint32_t)ip[17] << 16 | (uint32_t)ip[18] << 8 | ip[19];
		proto = ip[9];
		l4 = off + (uint32_t)(ip[0] & 15) * 4;
		/* Fragments (MF or an offset) hash on addresses only: later ones carry no ports. */
		ports = !((ip[6] & 0x3f) | ip[7]);
	} else if (type == 0x86dd && len >= off + 40) {
		const uint8_t *ip = p + off;
		a = mix64(rd64(ip + 8)) ^ rd64(ip + 16);
		b = mix64(rd64(ip + 24)) ^ rd64(ip + 32);
		proto = ip[6];
		l4 = off + 40;
	} else {
		return 0;
	}
	uint64_t h = (a + b) ^ mix64(a ^ b) ^ proto;
	if ((proto == 6 || proto == 17 || proto == 132) && ports && len >= l4 + 4) {
		uint32_t sp = (uint32_t)p[l4] << 8 | p[l4 + 1], dp = (uint32_t)p[l4 + 2] << 8 | p[l4 + 3];
		h ^= mix64(((uint64_t)(sp + dp) << 16) | (sp ^ dp));
	}
	h = mix64(h);
	return (uint32_t)h ? (uint32_t)h : 1;
}

/* ---- the producer side of the ring ------------------------------------------------------ */

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void sl_capture_flush(struct sl_capture_out *out)
{
	sl_ring_commit(out->ring);
	out->uncommitted = 0;
}

int sl_capture_push(struct sl_capture_out *out, uint64_t ts_ns, const uint8_t *pkt, uint32_t caplen,
                    uint32_t wirelen, uint16_t linktype)
{
	struct sl_pkt_rec *rec;

	if (atomic_load_explicit(out->stop, memory_order_relaxed))
		return -EINTR; /* a signal: refusing the packet ends the source's run */
	if (caplen > out->max_caplen) {
		out->too_big++;
		return 0;
	}
	if (out->gap_ns) {
		uint64_t now = now_ns();
		if (out->next_ns == 0)
			out->next_ns = now;
		if (now < out->next_ns) {
			/* Publish before sleeping: the consumer should not wait on our pacing. */
			sl_capture_flush(out);
			struct timespec ts = { .tv_sec = (time_t)(out->next_ns / 1000000000u),
			                       .tv_nsec = (long)(out->next_ns % 1000000000u) };
			while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
				if (atomic_load_explicit(out->stop, memory_order_relaxed))
					return -EINTR;
		}
		out->next_ns += out->gap_ns;
	}
	while ((rec = sl_ring_reserve(out->ring, SL_REC_PACKET, SL_PKT_REC_SIZE(caplen))) == NULL) {
		if (errno != EAGAIN) {
			out->too_big++;
			return 0;
		}
		/* Full: publish what we hold (the consumer cannot free space it cannot see), then
		 * sleep until it frees some. Block, never drop: this is a file. */
		sl_capture_flush(out);
		int rc = sl_ring_wait_writable(out->ring, SL_PKT_REC_SIZE(caplen), WAIT_MS);
		if (atomic_load_explicit(out->stop, memory_order_relaxed))
			return -EINTR;
		if (rc == -EMSGSIZE) {
			out->too_big++;
			return 0;
		}
	}
	rec->ts_ns = ts_ns;
	rec->caplen = caplen;
	rec->wirelen = wirelen;
	rec->linktype = linktype;
	rec->flags = 0;
	rec->hash = out->hash ? flow_hash(pkt, caplen, linktype) : 0;
	memcpy(rec->data, pkt, caplen);
	out->written++;
	out->bytes += caplen;
	if (++out->uncommitted >= COMMIT_EVERY)
		sl_capture_flush(out);
	return 1;
}

/* ---- main ------------------------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: sluice-pcap2shm [-c BYTES] [-r PPS] [-H] [--huge auto|never|require] [-q] NAME FILE...\n"
	        "\n"
	        "Replays pcap/pcapng FILEs, in order, into the sluice ring NAME, for\n"
	        "`sluiced --shm-input NAME`. Creates the ring if it does not exist (in\n"
	        "$SLUICE_SHM_DIR, default /dev/shm, as sluice.NAME; or on hugetlbfs), else opens it as\n"
	        "its producer. When the ring is full it waits for the consumer: nothing is dropped.\n"
	        "At the end it finishes the ring, so the consumer ends once it has read everything;\n"
	        "the ring file stays (remove it with rm, or reuse it). Prints how many packets it wrote.\n"
	        "\n"
	        "  -c, --capacity BYTES  data bytes of a ring it creates (default 16M; k, M, G suffixes)\n"
	        "  -r, --pps N           send at most N packets per second (default: as fast as taken)\n"
	        "  -H, --hash            fill in a symmetric flow hash (default 0: not computed)\n"
	        "      --huge MODE       hugepages for a ring it creates: auto (default), never, require\n"
	        "  -q, --quiet           print nothing but errors\n"
	        "  -h, --help            this text\n"
	        "\n"
	        "Writing your own producer (include/sluice/ring.h, include/sluice/record.h):\n"
	        "  one ring record of type SL_REC_PACKET (1) per packet, whose payload is\n"
	        "    struct sl_pkt_rec {              offset\n"
	        "        uint64_t ts_ns;                0  capture time, ns since the Unix epoch\n"
	        "        uint32_t caplen;               8  bytes of packet that follow\n"
	        "        uint32_t wirelen;             12  length on the wire, >= caplen\n"
	        "        uint16_t linktype;            16  0 NULL, 1 Ethernet, 101 raw IP, 113 Linux SLL,\n"
	        "                                          228 raw IPv4, 229 raw IPv6, 276 Linux SLL2\n"
	        "        uint16_t flags;               18  0\n"
	        "        uint32_t hash;                20  symmetric flow hash, or 0\n"
	        "        uint8_t  data[caplen];        24  the packet, from its link-layer header\n"
	        "    }                                     record length = 24 + caplen\n"
	        "  in host byte order, written in place:\n"
	        "    rec = sl_ring_reserve(ring, SL_REC_PACKET, SL_PKT_REC_SIZE(caplen));\n"
	        "    (NULL, errno EAGAIN: commit, then sl_ring_wait_writable(ring, len, ms) and retry)\n"
	        "    fill *rec and rec->data; every few records: sl_ring_commit(ring);\n"
	        "    at the end: sl_ring_close(ring)  (the consumer sees the end once it has drained).\n"
	        "  sluiced counts and skips records that break these rules (wrong type, caplen past the\n"
	        "  record, wirelen < caplen, unknown linktype).\n");
}

static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || end == s || s[0] == '-')
		return -1;
	switch (*end) {
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	default: break;
	}
	if (*end)
		return -1;
	*out = v;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "capacity", required_argument, NULL, 'c' }, { "pps", required_argument, NULL, 'r' },
		{ "hash", no_argument, NULL, 'H' },           { "huge", required_argument, NULL, 'U' },
		{ "quiet", no_argument, NULL, 'q' },          { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sl_ring_config rcfg = { .capacity = 16u << 20, .huge = SL_HUGEPAGES_AUTO };
	struct sl_capture_out out = { .stop = &stop_flag };
	uint64_t v, pps = 0;
	int c, quiet = 0, created = 0, err;

	while ((c = getopt_long(argc, argv, "c:r:Hqh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (parse_size(optarg, &v) || v == 0 || v > SL_RING_CAPACITY_MAX) {
				fprintf(stderr, "sluice-pcap2shm: bad capacity '%s'\n", optarg);
				return 2;
			}
			rcfg.capacity = (size_t)v;
			break;
		case 'r':
			if (parse_size(optarg, &pps) || pps == 0 || pps > 1000000000u) {
				fprintf(stderr, "sluice-pcap2shm: bad rate '%s'\n", optarg);
				return 2;
			}
			break;
		case 'H':
			out.hash = 1;
			break;
		case 'U':
			if (strcmp(optarg, "auto") == 0)
				rcfg.huge = SL_HUGEPAGES_AUTO;
			else if (strcmp(optarg, "never") == 0)
				rcfg.huge = SL_HUGEPAGES_NEVER;
			else if (strcmp(optarg, "require") == 0)
				rcfg.huge = SL_HUGEPAGES_REQUIRE;
			else {
				fprintf(stderr, "sluice-pcap2shm: --huge wants auto, never or require\n");
				return 2;
			}
			break;
		case 'q':
			quiet = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (argc - optind < 2) {
		usage(stderr);
		return 2;
	}
	const char *name = argv[optind];
	out.gap_ns = pps ? 1000000000u / pps : 0;

	/* Open the files before touching the ring, so a typo leaves no ring behind. */
	char errbuf[512] = "";
	struct sl_capture_spec spec = { .kind = "pcap", .paths = (const char *const *)&argv[optind + 1] };
	struct sl_module_env env = { .capture = &spec };
	void *src = NULL;
	if ((err = sl__capture_pcap.init(&env, &src, errbuf, sizeof errbuf)) != 0 ||
	    (err = sl__capture_pcap.start(src, errbuf, sizeof errbuf)) != 0) {
		fprintf(stderr, "sluice-pcap2shm: %s\n", errbuf);
		if (src)
			sl__capture_pcap.fini(src);
		return 1;
	}

	const char *call = "sl_ring_open(producer)";
	for (int attempt = 0; attempt < 2; attempt++) {
		call = "sl_ring_open(producer)";
		err = sl_ring_open(name, SL_RING_PRODUCER, &out.ring);
		if (err != -ENOENT)
			break;
		call = "sl_ring_create";
		err = sl_ring_create(name, &rcfg, &out.ring);
		if (err != -EEXIST) {
			created = err == 0;
			break;
		}
	}
	if (err) {
		fprintf(stderr, "sluice-pcap2shm: ring %s: %s: %s%s\n", name, call, strerror(-err),
		        err == -EBUSY ? " (another producer is attached)" : "");
		sl__capture_pcap.fini(src);
		return 1;
	}
	out.max_caplen = sl_ring_max_record(out.ring) - (uint32_t)sizeof(struct sl_pkt_rec);

	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	struct sl_capture_counters ctr;
	memset(&ctr, 0, sizeof ctr);
	err = sl__capture_pcap.run(src, &out, &ctr, errbuf, sizeof errbuf);
	sl_capture_flush(&out);
	sl__capture_pcap.stop(src);
	sl__capture_pcap.fini(src);
	sl_ring_close(out.ring); /* finishes the ring: the consumer ends after draining it */

	if (err)
		fprintf(stderr, "sluice-pcap2shm: %s\n", errbuf);
	else if (errbuf[0])
		fprintf(stderr, "sluice-pcap2shm: warning: %s\n", errbuf);
	if (out.too_big)
		fprintf(stderr, "sluice-pcap2shm: warning: %" PRIu64 " packets larger than the ring's "
		        "largest record (%u bytes) were skipped\n", out.too_big, out.max_caplen);
	if (!quiet)
		printf("sluice-pcap2shm: wrote %" PRIu64 " packets (%" PRIu64 " bytes) to ring %s%s%s\n",
		       out.written, out.bytes, name, created ? " (created)" : "",
		       atomic_load_explicit(&stop_flag, memory_order_relaxed) ? " (interrupted)" : "");
	return err ? 1 : 0;
}
