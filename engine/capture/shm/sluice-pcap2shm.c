/* SPDX-License-Identifier: MIT */
/*
 * sluice-pcap2shm: replays pcap/pcapng files into a named sluice ring, for
 * `sluiced --shm-input NAME`. It is the example of an external producer, and so it uses only
 * what one has: libpcap to read the files, and the installed headers sluice/ring.h and
 * sluice/record.h to write the ring. No engine code, no engine structs. The part worth reading
 * is put_packet() below: reserve a record, fill struct sl_pkt_rec and the bytes, commit in
 * batches, wait (never spin, never drop) when the ring is full, and give up with a clear
 * message when the consumer went away. It is also a handy tool: a capture replayed through
 * shm exercises the same consumer path a DPDK or vendor producer would.
 *
 * The files are read the way `sluiced -r` reads them (engine/capture/pcap/pcap.c): nanosecond
 * timestamps, pre-1970 seconds taken as unsigned, link types mapped to record.h's numbers,
 * every file checked before the ring is touched, and a damaged file giving the packets before
 * the damage (a warning) before the next file is read.
 *
 * Exit status: 0 done (also after a signal), 1 an input or ring error, 2 usage, 3 the consumer
 * went away while the ring was full.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <pcap/pcap.h>

#include "sluice/record.h"
#include "sluice/ring.h"

#define COMMIT_EVERY 32u
#define WAIT_MS 100

/* The producer: what put_packet() needs, nothing of the engine's. */
struct producer {
	sl_ring *ring;
	const char *name;
	int hash;             /* fill sl_pkt_rec.hash */
	uint64_t gap_ns;      /* pacing: ns between packets, 0: none */
	uint64_t next_ns;     /* pacing: when the next packet may go */
	uint32_t max_caplen;  /* largest packet a record of this ring can hold */
	uint32_t uncommitted;
	uint64_t written, bytes, too_big;
	int consumer_gone;    /* wait_writable said -EPIPE */
};

static _Atomic int stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	atomic_store_explicit(&stop_flag, 1, memory_order_relaxed);
}

static int stopped(void)
{
	return atomic_load_explicit(&stop_flag, memory_order_relaxed);
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

static void flush(struct producer *pr)
{
	sl_ring_commit(pr->ring);
	pr->uncommitted = 0;
}

/* One packet into the ring: 1 written, 0 skipped (too big for this ring), -EINTR a signal,
 * -EPIPE the ring is full and its consumer went away. */
static int put_packet(struct producer *pr, uint64_t ts_ns, const uint8_t *pkt, uint32_t caplen,
                      uint32_t wirelen, uint16_t linktype)
{
	struct sl_pkt_rec *rec;

	if (stopped())
		return -EINTR;
	if (caplen > pr->max_caplen) {
		pr->too_big++;
		return 0;
	}
	if (pr->gap_ns) {
		uint64_t now = now_ns();
		if (pr->next_ns == 0)
			pr->next_ns = now;
		if (now < pr->next_ns) {
			/* Publish before sleeping: the consumer should not wait on our pacing. */
			flush(pr);
			struct timespec ts = { .tv_sec = (time_t)(pr->next_ns / 1000000000u),
			                       .tv_nsec = (long)(pr->next_ns % 1000000000u) };
			while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
				if (stopped())
					return -EINTR;
		}
		pr->next_ns += pr->gap_ns;
	}
	while ((rec = sl_ring_reserve(pr->ring, SL_REC_PACKET, SL_PKT_REC_SIZE(caplen))) == NULL) {
		if (errno != EAGAIN) {
			pr->too_big++;
			return 0;
		}
		/* Full: publish what we hold (the consumer cannot free space it cannot see), then
		 * sleep until it frees some. Block, never drop: this is a file. */
		flush(pr);
		int rc = sl_ring_wait_writable(pr->ring, SL_PKT_REC_SIZE(caplen), WAIT_MS);
		if (stopped())
			return -EINTR;
		if (rc == -EPIPE) {
			pr->consumer_gone = 1;
			return -EPIPE;
		}
		if (rc == -EMSGSIZE) {
			pr->too_big++;
			return 0;
		}
	}
	rec->ts_ns = ts_ns;
	rec->caplen = caplen;
	rec->wirelen = wirelen;
	rec->linktype = linktype;
	rec->flags = 0;
	rec->hash = pr->hash ? flow_hash(pkt, caplen, linktype) : 0;
	memcpy(rec->data, pkt, caplen);
	pr->written++;
	pr->bytes += caplen;
	if (++pr->uncommitted >= COMMIT_EVERY)
		flush(pr);
	return 1;
}

/* ---- the files -------------------------------------------------------------------------- */

/* libpcap's DLT mapped to record.h's link types; -1 when sluice does not decode it. libpcap
 * reports LINKTYPE_RAW (101) as its platform's DLT_RAW (12, or 14 on OpenBSD). */
static int link_type(int dlt)
{
	switch (dlt) {
	case DLT_NULL: return SL_LINK_NULL;
	case DLT_EN10MB: return SL_LINK_ETHERNET;
	case 12: case 14: case 101: return SL_LINK_RAW;
	case DLT_LINUX_SLL: return SL_LINK_LINUX_SLL;
	case 228: return SL_LINK_IPV4;
	case 229: return SL_LINK_IPV6;
	case 276: return SL_LINK_LINUX_SLL2;
	default: return -1;
	}
}

static pcap_t *open_capture(const char *path, char *errbuf, size_t errlen)
{
	char perr[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, perr);

	if (p == NULL)
		snprintf(errbuf, errlen, "%s: %s", path, perr);
	return p;
}

/* Every file, before the ring is touched: a typo must leave no ring behind. */
static int check_files(char *const *paths, int n, char *errbuf, size_t errlen)
{
	for (int i = 0; i < n; i++) {
		struct stat st;
		pcap_t *p;

		if (strcmp(paths[i], "-") == 0)
			continue; /* stdin can be read only once */
		if (stat(paths[i], &st) != 0) {
			snprintf(errbuf, errlen, "%s: %s", paths[i], strerror(errno));
			return -1;
		}
		if (!S_ISREG(st.st_mode))
			continue; /* a fifo, likewise */
		if ((p = open_capture(paths[i], errbuf, errlen)) == NULL)
			return -1;
		int dlt = pcap_datalink(p);
		pcap_close(p);
		if (link_type(dlt) < 0) {
			const char *dn = pcap_datalink_val_to_name(dlt);
			snprintf(errbuf, errlen, "%s: link type %d (%s) is not supported", paths[i], dlt, dn ? dn : "unknown");
			return -1;
		}
	}
	return 0;
}

/* Pre-1970 times: the classic pcap header's seconds are unsigned (the format runs to 2106),
 * but libpcap hands them over through a signed time_t. */
static uint64_t ts_ns(const struct pcap_pkthdr *h)
{
	int64_t sec = (int64_t)h->ts.tv_sec;
	if (sec < 0)
		sec += (int64_t)1 << 32;
	return (uint64_t)sec * 1000000000u + (uint64_t)h->ts.tv_usec;
}

/* Replays the files in order: 0, or put_packet's -EINTR / -EPIPE. A damaged file is a
 * warning (the first one in warn) and the next file is read. */
static int replay(struct producer *pr, char *const *paths, int n, char *warn, size_t warnlen, uint64_t *damaged)
{
	for (int i = 0; i < n; i++) {
		char msg[PCAP_ERRBUF_SIZE + 256];
		struct pcap_pkthdr *h;
		const u_char *data;
		uint64_t in_file = 0;
		int lt, rc;
		pcap_t *p = open_capture(paths[i], msg, sizeof msg);

		if (p == NULL || (lt = link_type(pcap_datalink(p))) < 0) {
			if (p) {
				snprintf(msg, sizeof msg, "%s: link type %d is not supported", paths[i], pcap_datalink(p));
				pcap_close(p);
			}
			if ((*damaged)++ == 0)
				snprintf(warn, warnlen, "%s", msg);
			continue;
		}
		while ((rc = pcap_next_ex(p, &h, &data)) != PCAP_ERROR_BREAK) {
			if (rc == PCAP_ERROR) {
				if ((*damaged)++ == 0)
					snprintf(warn, warnlen, "%s: %s (after packet %" PRIu64 ")", paths[i],
					         pcap_geterr(p), in_file);
				break;
			}
			if (rc != 1)
				continue;
			in_file++;
			uint32_t wirelen = h->len < h->caplen ? h->caplen : h->len;
			int put = put_packet(pr, ts_ns(h), data, h->caplen, wirelen, (uint16_t)lt);
			if (put < 0) {
				pcap_close(p);
				return put;
			}
		}
		pcap_close(p);
		flush(pr);
	}
	return 0;
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
	        "At the end (or on SIGINT/SIGTERM) it finishes the ring, so the consumer ends once it\n"
	        "has read everything; the ring file stays (remove it with rm, or reuse it). Prints how\n"
	        "many packets it wrote. If the consumer goes away while the ring is full, it says so\n"
	        "and exits 3 instead of waiting for one that will not come.\n"
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
	        "    at the end: sl_ring_finish(ring), then sl_ring_close(ring): the consumer ends once\n"
	        "    it has drained. A close without finish (or a crash) only detaches: a consumer\n"
	        "    that follows waits for the next producer to attach and go on.\n"
	        "  sl_ring_wait_writable() says -EPIPE when the ring is full and its consumer went away.\n"
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
	struct producer pr = { 0 };
	uint64_t v, pps = 0, damaged = 0;
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
			pr.hash = 1;
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
	pr.gap_ns = pps ? 1000000000u / pps : 0;

	/* Check the files before touching the ring, so a typo leaves no ring behind. */
	char errbuf[PCAP_ERRBUF_SIZE + 512] = "";
	char *const *paths = &argv[optind + 1];
	int npaths = argc - optind - 1;
	if (check_files(paths, npaths, errbuf, sizeof errbuf) != 0) {
		fprintf(stderr, "sluice-pcap2shm: %s\n", errbuf);
		return 1;
	}

	const char *call = "sl_ring_open(producer)";
	for (int attempt = 0; attempt < 2; attempt++) {
		call = "sl_ring_open(producer)";
		err = sl_ring_open(name, SL_RING_PRODUCER, &pr.ring);
		if (err != -ENOENT)
			break;
		call = "sl_ring_create";
		err = sl_ring_create(name, &rcfg, &pr.ring);
		if (err != -EEXIST) {
			created = err == 0;
			break;
		}
	}
	if (err) {
		fprintf(stderr, "sluice-pcap2shm: ring %s: %s: %s%s\n", name, call, strerror(-err),
		        err == -EBUSY ? " (another producer is attached)" :
		        err == -ENOSPC ? " (no room for the ring: a smaller -c, or free some space)" : "");
		return 1;
	}
	pr.name = name;
	pr.max_caplen = sl_ring_max_record(pr.ring) - (uint32_t)sizeof(struct sl_pkt_rec);

	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	err = replay(&pr, paths, npaths, errbuf, sizeof errbuf, &damaged);
	flush(&pr);
	/* The end of the stream, also after a signal: the consumer ends once it has drained. A
	 * consumer that went away gets no finish: the next one to attach reads what is there. */
	if (err != -EPIPE)
		sl_ring_finish(pr.ring);
	sl_ring_close(pr.ring);

	if (damaged)
		fprintf(stderr, "sluice-pcap2shm: warning: %s%s\n", errbuf,
		        damaged > 1 ? " (and more damaged files)" : "");
	if (pr.too_big)
		fprintf(stderr, "sluice-pcap2shm: warning: %" PRIu64 " packets larger than the ring's "
		        "largest record (%u bytes) were skipped\n", pr.too_big, pr.max_caplen);
	if (err == -EPIPE) {
		fprintf(stderr, "sluice-pcap2shm: ring %s: the consumer went away (closed or died) and the "
		        "ring is full; stopping after %" PRIu64 " packets\n", name, pr.written);
		return 3;
	}
	if (!quiet)
		printf("sluice-pcap2shm: wrote %" PRIu64 " packets (%" PRIu64 " bytes) to ring %s%s%s\n",
		       pr.written, pr.bytes, name, created ? " (created)" : "", stopped() ? " (interrupted)" : "");
	return 0;
}
