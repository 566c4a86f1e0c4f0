/* SPDX-License-Identifier: MIT */
/*
 * The capture thread's flow hash. (1) Chosen tuples cannot pile up: thousands of tuples built
 * to give one and the same value under the unkeyed hash sluice used before (so one worker and
 * one bucket) are pushed through the real sl_capture_push() into four worker rings, and the
 * rings' record counters must show them spread; their keyed hashes must be distinct. (2) The
 * minimal parse agrees with the full decode: sl_flow_hash_frame() equals sl_flow_hash() of
 * sl_decode() for every packet the decoder accepts, with and without flow.use-vlan, over the
 * synthetic generator's packets and (when SLUICE_CORPUS_DIR holds it) the corpus. (3) Both
 * directions hash alike; two processes have different keys.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "analysis/decode.h"
#include "capture/capture.h"
#include "capture/synth/synth_gen.h"
#include "check.h"
#include "pipeline.h"

/* ---- the unkeyed hash this replaced, to build its collisions ----------------------------- */

static uint32_t rotl32(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }
static uint32_t rotr32(uint32_t x, int r) { return (x >> r) | (x << (32 - r)); }
static uint32_t g(uint32_t k) { return rotl32(k * 0xcc9e2d51u, 15) * 0x1b873593u; }
static uint32_t mixw(uint32_t h, uint32_t k) { return rotl32(h ^ g(k), 13) * 5 + 0xe6546b64u; }
static uint32_t inv(uint32_t a) /* a odd: a^-1 mod 2^32 by Newton's iteration */
{
	uint32_t x = a;
	for (int i = 0; i < 5; i++)
		x *= 2 - a * x;
	return x;
}
/* state after the 8 address words of (a, 0, 0, 0, b, 0, 0, 0), IPv4 a < b */
static uint32_t after_addrs(uint32_t a, uint32_t b)
{
	uint32_t h = 0x5175ce00u;
	h = mixw(h, a);
	for (int i = 0; i < 3; i++)
		h = mixw(h, 0);
	h = mixw(h, b);
	for (int i = 0; i < 3; i++)
		h = mixw(h, 0);
	return h;
}
/* the ports word that takes state h to state t */
static uint32_t solve_ports(uint32_t h, uint32_t t)
{
	uint32_t x = rotr32((t - 0xe6546b64u) * inv(5), 13) ^ h; /* = g(k) */
	return rotr32(x * inv(0x1b873593u), 15) * inv(0xcc9e2d51u);
}

static size_t udp4(uint8_t *f, uint32_t src, uint32_t dst, uint16_t sp, uint16_t dp)
{
	memset(f, 0, 64);
	f[12] = 0x08;
	uint8_t *ip = f + 14;
	ip[0] = 0x45, ip[3] = 28 + 8, ip[8] = 64, ip[9] = 17;
	for (int i = 0; i < 4; i++) {
		ip[12 + i] = (uint8_t)(src >> (24 - 8 * i));
		ip[16 + i] = (uint8_t)(dst >> (24 - 8 * i));
	}
	uint8_t *u = ip + 20;
	u[0] = (uint8_t)(sp >> 8), u[1] = (uint8_t)sp, u[2] = (uint8_t)(dp >> 8), u[3] = (uint8_t)dp;
	u[5] = 16;
	return 14 + 20 + 16;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

#define NCOLL 4096
#define NW 4

static void test_chosen_collisions(void)
{
	static uint32_t keyed[NCOLL];
	const uint32_t dst = 0x0ac80001u; /* 10.200.0.1 */
	uint32_t target = after_addrs(0x0a000001u, dst) ^ 0x1234u;
	uint8_t f[64];

	sl_ring *rings[NW];
	static _Atomic int hard_stop;
	struct sl_capture_out out;
	memset(&out, 0, sizeof out);
	struct sl_ring_config rc = { .capacity = 1u << 20, .huge = SL_HUGEPAGES_NEVER };
	for (int w = 0; w < NW; w++) {
		REQUIRE(sl_ring_create(NULL, &rc, &rings[w]) == 0);
		out.rings[w] = rings[w];
	}
	out.nworkers = NW;
	out.snaplen = 65535;
	out.drop = 1;
	out.use_vlan = 1;
	out.hard_stop = &hard_stop;

	uint32_t old0 = 0;
	int same_old = 1;
	for (uint32_t i = 0; i < NCOLL; i++) {
		uint32_t src = 0x0a000001u + i; /* 10.0.x.y < 10.200.0.1 */
		uint32_t kp = solve_ports(after_addrs(src, dst), target);
		REQUIRE(mixw(after_addrs(src, dst), kp) == target);
		uint32_t old = mixw(mixw(after_addrs(src, dst), kp), 17u << 24); /* + proto word; then the avalanche */
		if (i == 0)
			old0 = old;
		same_old &= old == old0;
		size_t n = udp4(f, src, dst, (uint16_t)(kp >> 16), (uint16_t)kp);
		keyed[i] = sl_flow_hash_raw(f, (uint32_t)n, SL_LINK_ETHERNET);
		CHECK_EQ(sl_capture_push(&out, i, f, (uint32_t)n, (uint32_t)n, SL_LINK_ETHERNET), 1);
	}
	sl_capture_flush(&out);
	CHECK(same_old); /* the pattern is a full collision of the old hash: one worker, one bucket */

	uint64_t total = 0;
	for (int w = 0; w < NW; w++) {
		struct sl_ring_stats st;
		REQUIRE(sl_ring_stats(rings[w], &st) == 0);
		printf("worker %d: %llu of %d chosen-collision packets\n", w, (unsigned long long)st.records_in, NCOLL);
		CHECK(st.records_in >= NCOLL / NW / 2 && st.records_in <= NCOLL / NW * 3 / 2);
		total += st.records_in;
		sl_ring_close(rings[w]);
	}
	CHECK_EQ(total, NCOLL);
	qsort(keyed, NCOLL, sizeof keyed[0], cmp_u32);
	size_t distinct = 1;
	for (size_t i = 1; i < NCOLL; i++)
		distinct += keyed[i] != keyed[i - 1];
	printf("distinct keyed hashes: %zu of %d\n", distinct, NCOLL);
	CHECK(distinct >= NCOLL - 8);
}

/* ---- minimal parse == full decode ------------------------------------------------------ */

static uint64_t compared, refused;

static void check_packet(const uint8_t *p, uint32_t caplen, uint16_t lt, const char *where, uint64_t idx)
{
	struct sl_decoded d;
	if (sl_decode(p, caplen, lt, &d) != SL_DECODE_OK) {
		refused++;
		return;
	}
	compared++;
	uint32_t full = sl_flow_hash(&d);
	if (sl_flow_hash_frame(p, caplen, lt, 1) != full || sl_flow_hash_raw(p, caplen, lt) != full) {
		fprintf(stderr, "%s packet %llu: minimal parse differs (use-vlan on)\n", where, (unsigned long long)idx);
		CHECK(0);
	}
	d.vlan_count = 0;
	if (sl_flow_hash_frame(p, caplen, lt, 0) != sl_flow_hash(&d)) {
		fprintf(stderr, "%s packet %llu: minimal parse differs (use-vlan off)\n", where, (unsigned long long)idx);
		CHECK(0);
	}
	CHECK(full != 0);
	struct sl_decoded r = d;
	memcpy(r.src, d.dst, 16);
	memcpy(r.dst, d.src, 16);
	r.sport = d.dport;
	r.dport = d.sport;
	CHECK_EQ(sl_flow_hash(&r), sl_flow_hash(&d));
}

static void test_synth_equal(void)
{
	struct sl__synth_cfg cfg = { .packets = 50000, .flows = 512, .seed = 7, .mix = NULL };
	struct sl__synth *gen;
	struct sl__synth_pkt pkt;
	char err[256];
	REQUIRE(sl__synth_create(&cfg, &gen, err, sizeof err) == 0);
	for (uint64_t i = 0; sl__synth_next(gen, &pkt); i++)
		check_packet(pkt.data, pkt.len, SL_LINK_ETHERNET, "synth", i);
	sl__synth_destroy(gen);
}

static int test_corpus_equal(void)
{
	char dir[1024];
	snprintf(dir, sizeof dir, "%s/pcap", SLUICE_CORPUS_DIR);
	DIR *dp = opendir(dir);
	if (dp == NULL) {
		printf("SKIP corpus part: no corpus at %s (set SLUICE_CORPUS_DIR)\n", dir);
		return 0;
	}
	struct dirent *e;
	int files = 0;
	while ((e = readdir(dp)) != NULL) {
		char path[2048], perr[PCAP_ERRBUF_SIZE];
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		pcap_t *p = pcap_open_offline(path, perr);
		if (p == NULL)
			continue;
		int lt = sl_capture_linktype(pcap_datalink(p));
		struct pcap_pkthdr *h;
		const u_char *data;
		uint64_t i = 0;
		while (lt >= 0 && pcap_next_ex(p, &h, &data) == 1)
			check_packet(data, h->caplen, (uint16_t)lt, e->d_name, i++);
		pcap_close(p);
		files++;
	}
	closedir(dp);
	return files;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--print") == 0) { /* for the cross-process check */
		uint8_t f[64];
		size_t n = udp4(f, 0x0a000001u, 0x0a000002u, 1000, 53);
		printf("%u\n", sl_flow_hash_raw(f, (uint32_t)n, SL_LINK_ETHERNET));
		return 0;
	}
	test_chosen_collisions();
	test_synth_equal();
	int files = test_corpus_equal();
	printf("minimal parse vs full decode: %llu packets compared (%llu refused by the decoder), %d corpus files\n",
	       (unsigned long long)compared, (unsigned long long)refused, files);
	CHECK(compared > 10000);
	/* two processes: different keys (equal by chance with probability 2^-32) */
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "%s --print", argv[0]);
	FILE *a = popen(cmd, "r"), *b = popen(cmd, "r");
	unsigned ha = 0, hb = 0;
	REQUIRE(a && b && fscanf(a, "%u", &ha) == 1 && fscanf(b, "%u", &hb) == 1);
	pclose(a);
	pclose(b);
	CHECK(ha != hb);
	return check_result();
}
