/* SPDX-License-Identifier: MIT */
/*
 * The synthetic generator, through both of its users: sluice-synth (same seed, same file byte
 * for byte; another seed, another file) and the `synth` capture source (the same packets as
 * the program with the same parameters). Every frame is checked on its own terms — Ethernet
 * + IPv4 lengths, IP/TCP/UDP checksums recomputed from scratch, strictly growing timestamps —
 * and the flows count is the number of distinct 5-tuples. With the argument "tshark", the
 * file is read by tshark instead: the HTTP hosts, DNS qnames and TLS SNIs it finds must be
 * those the generator says it wrote, packet for packet, with no expert warning (77 = skipped
 * when tshark is missing).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "check.h"
#include "sluice/record.h"
#include "synth/synth_gen.h"
#include "test_capture_support.h"

static char tmp[512];

static int synth_file(const char *out, uint64_t n, uint32_t flows, uint64_t seed, const char *extra)
{
	char cmd[2048];
	snprintf(cmd, sizeof cmd, "'%s' -o '%s' -n %llu -f %u -s %llu %s 2>/dev/null", SLUICE_SYNTH_BIN, out,
	         (unsigned long long)n, flows, (unsigned long long)seed, extra ? extra : "");
	int rc = system(cmd);
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* ---- an independent look at each frame ----------------------------------------------------- */

static uint16_t csum(const uint8_t *p, size_t n, uint32_t sum)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

struct tuple {
	uint32_t a_ip, b_ip;
	uint16_t a_port, b_port;
	uint8_t proto;
};

static int tuple_cmp(const void *x, const void *y)
{
	return memcmp(x, y, sizeof(struct tuple));
}

/* Checks one frame; fills t with its direction-free 5-tuple. 0 when well formed. */
static int check_frame(const uint8_t *f, uint32_t len, struct tuple *t)
{
	if (len < 14 + 20 || f[12] != 0x08 || f[13] != 0x00)
		return -1;
	const uint8_t *ip = f + 14;
	uint32_t ihl = (ip[0] & 15) * 4u, tot = (uint32_t)ip[2] << 8 | ip[3];
	if (ip[0] >> 4 != 4 || ihl != 20 || 14 + tot != len)
		return -2; /* the frame is exactly Ethernet + the IP datagram */
	if (csum(ip, ihl, 0) != 0)
		return -3;
	uint32_t src = (uint32_t)ip[12] << 24 | (uint32_t)ip[13] << 16 | (uint32_t)ip[14] << 8 | ip[15];
	uint32_t dst = (uint32_t)ip[16] << 24 | (uint32_t)ip[17] << 16 | (uint32_t)ip[18] << 8 | ip[19];
	const uint8_t *l4 = ip + ihl;
	uint32_t l4len = tot - ihl;
	uint32_t pseudo = (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + ip[9] + l4len;
	if (ip[9] == 6) {
		if (l4len < 20 || (uint32_t)(l4[12] >> 4) * 4 > l4len)
			return -4;
	} else if (ip[9] == 17) {
		if (l4len < 8 || ((uint32_t)l4[4] << 8 | l4[5]) != l4len)
			return -5;
	} else {
		return -6;
	}
	if (csum(l4, l4len, pseudo) != 0)
		return -7;
	uint16_t sp = (uint16_t)(l4[0] << 8 | l4[1]), dp = (uint16_t)(l4[2] << 8 | l4[3]);
	memset(t, 0, sizeof *t);
	t->proto = ip[9];
	if (src < dst || (src == dst && sp < dp)) {
		t->a_ip = src, t->a_port = sp, t->b_ip = dst, t->b_port = dp;
	} else {
		t->a_ip = dst, t->a_port = dp, t->b_ip = src, t->b_port = sp;
	}
	return 0;
}

/* Checks every frame of l; returns the number of distinct 5-tuples (or -1). */
static long check_frames(const struct cap_list *l, const char *label)
{
	struct tuple *t = calloc(l->n ? l->n : 1, sizeof *t);
	int bad = 0;
	REQUIRE(t != NULL);
	for (size_t i = 0; i < l->n; i++) {
		int rc = check_frame(l->pkts[i].data, l->pkts[i].caplen, &t[i]);
		if (rc != 0 && bad++ < 5)
			fprintf(stderr, "%s: frame %zu malformed (%d)\n", label, i, rc);
		if (l->pkts[i].caplen != l->pkts[i].wirelen && bad++ < 5)
			fprintf(stderr, "%s: frame %zu caplen != wirelen\n", label, i);
		if (i && l->pkts[i].ts_ns <= l->pkts[i - 1].ts_ns && bad++ < 5)
			fprintf(stderr, "%s: frame %zu timestamp does not grow\n", label, i);
	}
	qsort(t, l->n, sizeof *t, tuple_cmp);
	long distinct = 0;
	for (size_t i = 0; i < l->n; i++)
		distinct += i == 0 || tuple_cmp(&t[i], &t[i - 1]) != 0;
	free(t);
	CHECK_EQ(bad, 0);
	return bad ? -1 : distinct;
}

/* ---- the program ---------------------------------------------------------------------------- */

static void test_program(void)
{
	char a[1024], b[1024], c[1024];
	struct cap_list l = { 0 };
	uint16_t lt = 0;

	snprintf(a, sizeof a, "%s/a.pcap", tmp);
	snprintf(b, sizeof b, "%s/b.pcap", tmp);
	snprintf(c, sizeof c, "%s/c.pcap", tmp);
	CHECK_EQ(synth_file(a, 5000, 300, 42, NULL), 0);
	CHECK_EQ(synth_file(b, 5000, 300, 42, NULL), 0);
	CHECK_EQ(synth_file(c, 5000, 300, 43, NULL), 0);
	CHECK(file_size(a) > 5000 * 54);
	CHECK(file_equal(a, b));
	CHECK(!file_equal(a, c));

	REQUIRE(pcap_parse_file(a, &l, &lt, 0) == 0);
	CHECK_EQ(lt, 1);
	CHECK_EQ(l.n, 5000);
	CHECK_EQ(check_frames(&l, "a.pcap"), 300);
	CHECK_EQ(l.pkts[0].ts_ns / 1000000000u, SL__SYNTH_START_NS / 1000000000u);
	cap_list_free(&l);

	/* Fewer packets than flows: each packet is a new flow's first. */
	CHECK_EQ(synth_file(a, 100, 1000, 1, NULL), 0);
	REQUIRE(pcap_parse_file(a, &l, NULL, 0) == 0);
	CHECK_EQ(l.n, 100);
	CHECK_EQ(check_frames(&l, "100 of 1000"), 100);
	cap_list_free(&l);

	/* Many flows: still distinct. */
	CHECK_EQ(synth_file(a, 120000, 50000, 5, NULL), 0);
	REQUIRE(pcap_parse_file(a, &l, NULL, 0) == 0);
	CHECK_EQ(check_frames(&l, "50000 flows"), 50000);
	cap_list_free(&l);

	/* Bad arguments are refused. */
	CHECK(synth_file(a, 0, 10, 1, NULL) != 0);
	CHECK(synth_file(a, 10, 10, 1, "-m http=1,ftp=2") != 0);
	CHECK(synth_file(a, 10, 10, 1, "-m http=0") != 0);
}

/* ---- the capture source ------------------------------------------------------------------------ */

static int run_synth(uint64_t packets, uint32_t flows, uint64_t seed, const char *mix, struct sl_capture_out *out,
                     struct sl_capture_counters *ctr, char *errbuf, size_t errlen, const char **phase)
{
	static _Atomic int stop;
	struct sl_capture_spec spec = { .kind = "synth" };
	spec.synth.packets = packets;
	spec.synth.flows = flows;
	spec.synth.seed = seed;
	spec.synth.mix = mix;
	atomic_store(&stop, 0);
	out->stop = &stop;
	return cap_run("synth", &spec, out, ctr, &stop, errbuf, errlen, phase);
}

static void test_module(void)
{
	char path[1024], errbuf[512];
	const char *phase;
	struct sl_capture_out out = { 0 };
	struct sl_capture_counters ctr;
	struct cap_list ref = { 0 };

	/* The same packets as the program's file with the same parameters. */
	snprintf(path, sizeof path, "%s/m.pcap", tmp);
	CHECK_EQ(synth_file(path, 2000, 50, 9, NULL), 0);
	REQUIRE(pcap_parse_file(path, &ref, NULL, 0) == 0);
	for (size_t i = 0; i < ref.n; i++)
		ref.pkts[i].linktype = SL_LINK_ETHERNET;
	CHECK_EQ(run_synth(2000, 50, 9, NULL, &out, &ctr, errbuf, sizeof errbuf, &phase), 0);
	CHECK_EQ(out.got.n, 2000);
	CHECK(cap_list_compare(&out.got, &ref, "module vs program") == 0);
	CHECK_EQ(check_frames(&out.got, "module"), 50);
	CHECK_EQ(ctr.packets, 2000);
	CHECK_EQ(ctr.progress_done, 2000);
	CHECK_EQ(ctr.progress_total, 2000);
	uint64_t bytes = 0;
	for (size_t i = 0; i < out.got.n; i++)
		bytes += out.got.pkts[i].caplen;
	CHECK_EQ(ctr.bytes, bytes);
	CHECK(out.flushes >= 1);
	cap_list_free(&out.got);
	cap_list_free(&ref);

	/* No end: runs until interrupted. */
	struct sl_capture_out out2 = { .stop_after = 10000 };
	CHECK_EQ(run_synth(0, 0, 3, NULL, &out2, &ctr, errbuf, sizeof errbuf, &phase), 0);
	CHECK_EQ(out2.got.n, 10000);
	CHECK_EQ(ctr.progress_total, 0);
	CHECK_EQ(check_frames(&out2.got, "until stop"), SL__SYNTH_FLOWS_DEFAULT);
	cap_list_free(&out2.got);

	/* A refusing pipeline ends the run. */
	struct sl_capture_out out3 = { .refuse_after = 77 };
	CHECK_EQ(run_synth(0, 10, 3, NULL, &out3, &ctr, errbuf, sizeof errbuf, &phase), 0);
	CHECK_EQ(out3.got.n, 77);
	CHECK_EQ(ctr.packets, 77);
	cap_list_free(&out3.got);

	/* Errors at init. */
	struct sl_capture_out out4 = { 0 };
	CHECK_EQ(run_synth(10, 10, 1, "http=1,smtp=1", &out4, &ctr, errbuf, sizeof errbuf, &phase), -EINVAL);
	CHECK(strcmp(phase, "init") == 0 && strstr(errbuf, "smtp") != NULL);
	CHECK_EQ(run_synth(10, SL__SYNTH_FLOWS_MAX + 1, 1, NULL, &out4, &ctr, errbuf, sizeof errbuf, &phase),
	         -EINVAL);
	CHECK_EQ(run_synth(10, 10, 1, "dns=0", &out4, &ctr, errbuf, sizeof errbuf, &phase), -EINVAL);
	CHECK_EQ(out4.got.n, 0);
}

/* One kind only: every packet on that kind's port and protocol. */
static void test_mix(void)
{
	static const struct {
		const char *mix;
		uint8_t proto;
		uint16_t port;
	} cases[] = { { "dns=1", 17, 53 }, { "http=5", 6, 80 }, { "tls=2,http=0", 6, 443 } };

	for (size_t c = 0; c < 3; c++) {
		char errbuf[512];
		const char *phase;
		struct sl_capture_out out = { 0 };
		struct sl_capture_counters ctr;
		int ok = 1;

		CHECK_EQ(run_synth(3000, 40, 11, cases[c].mix, &out, &ctr, errbuf, sizeof errbuf, &phase), 0);
		CHECK_EQ(out.got.n, 3000);
		for (size_t i = 0; i < out.got.n; i++) {
			const uint8_t *ip = out.got.pkts[i].data + 14, *l4 = ip + 20;
			uint16_t sp = (uint16_t)(l4[0] << 8 | l4[1]), dp = (uint16_t)(l4[2] << 8 | l4[3]);
			ok &= ip[9] == cases[c].proto && (sp == cases[c].port || dp == cases[c].port);
		}
		CHECK(ok);
		CHECK_EQ(check_frames(&out.got, cases[c].mix), 40);
		cap_list_free(&out.got);
	}
}

/* The generator's own account: names only on carriers, sessions counted, flows in range. */
static void test_gen(void)
{
	struct sl__synth_cfg cfg = { .packets = 20000, .flows = 64, .seed = 77 };
	struct sl__synth *g;
	struct sl__synth_pkt p;
	char errbuf[256];
	uint64_t names[SL__SYNTH_KINDS] = { 0 }, s[SL__SYNTH_KINDS], n = 0;
	int ok = 1;

	REQUIRE(sl__synth_create(&cfg, &g, errbuf, sizeof errbuf) == 0);
	while (sl__synth_next(g, &p)) {
		n++;
		ok &= p.flow < 64 && p.kind < SL__SYNTH_KINDS;
		if (p.name) {
			names[p.kind]++;
			ok &= strstr(p.name, ".example.") != NULL;
		}
	}
	CHECK(ok);
	CHECK_EQ(n, 20000);
	CHECK_EQ(sl__synth_next(g, &p), 0);
	sl__synth_sessions(g, s);
	/* Each conversation carries its name once, in its first or fourth packet; so names and
	 * sessions differ only by conversations cut off by the end. */
	for (int k = 0; k < SL__SYNTH_KINDS; k++) {
		CHECK(names[k] > 0);
		CHECK(names[k] <= s[k] && s[k] - names[k] <= 64);
	}
	sl__synth_destroy(g);

	unsigned w[SL__SYNTH_KINDS];
	CHECK_EQ(sl__synth_parse_mix("tls=7,http=2", w, errbuf, sizeof errbuf), 0);
	CHECK(w[SL__SYNTH_HTTP] == 2 && w[SL__SYNTH_DNS] == 0 && w[SL__SYNTH_TLS] == 7);
	CHECK_EQ(sl__synth_parse_mix("http=", w, errbuf, sizeof errbuf), -EINVAL);
	CHECK_EQ(sl__synth_parse_mix("http=1,", w, errbuf, sizeof errbuf), 0);
	CHECK_EQ(sl__synth_parse_mix("http=1,,dns=1", w, errbuf, sizeof errbuf), -EINVAL);
}

/* ---- tshark --------------------------------------------------------------------------------- */

struct lines {
	char **v;
	size_t n, cap;
};

static void lines_add(struct lines *l, const char *s)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->v = realloc(l->v, l->cap * sizeof *l->v);
		REQUIRE(l->v != NULL);
	}
	l->v[l->n++] = strdup(s);
}

static void lines_free(struct lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof *l);
}

static void read_cmd(const char *cmd, struct lines *out)
{
	char line[4096];
	FILE *p = popen(cmd, "r");
	REQUIRE(p != NULL);
	while (fgets(line, sizeof line, p)) {
		line[strcspn(line, "\r\n")] = '\0';
		lines_add(out, line);
	}
	CHECK_EQ(pclose(p), 0);
}

static int compare_lines(const struct lines *a, const struct lines *b, const char *label)
{
	if (a->n != b->n) {
		fprintf(stderr, "%s: %zu lines from tshark, %zu from the generator\n", label, a->n, b->n);
		return -1;
	}
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]) != 0) {
			fprintf(stderr, "%s: line %zu: tshark '%s', generator '%s'\n", label, i, a->v[i], b->v[i]);
			return -1;
		}
	return 0;
}

static int test_tshark(void)
{
	static const struct {
		const char *kind, *filter, *field;
	} q[] = {
		{ "http", "http.request", "http.host" },
		{ "dns", "dns.flags.response == 0", "dns.qry.name" },
		{ "tls", "tls.handshake.type == 1", "tls.handshake.extensions_server_name" },
	};
	char pcap[1024], names[1024], cmd[4096];
	struct lines gen = { 0 };

	if (!have_program("tshark")) {
		printf("SKIP: tshark is not installed; the generated capture was not cross-checked\n");
		return 77;
	}
	snprintf(pcap, sizeof pcap, "%s/t.pcap", tmp);
	snprintf(names, sizeof names, "%s/t.names", tmp);
	snprintf(cmd, sizeof cmd, "--names '%s'", names);
	REQUIRE(synth_file(pcap, 6000, 150, 2024, cmd) == 0);
	snprintf(cmd, sizeof cmd, "cat '%s'", names);
	read_cmd(cmd, &gen);
	CHECK(gen.n > 300);

	for (size_t k = 0; k < 3; k++) {
		struct lines want = { 0 }, got = { 0 };
		size_t kl = strlen(q[k].kind);
		for (size_t i = 0; i < gen.n; i++) {
			/* "number\tkind\tname" -> "number\tname" */
			char *t1 = strchr(gen.v[i], '\t');
			if (t1 && strncmp(t1 + 1, q[k].kind, kl) == 0 && t1[1 + kl] == '\t') {
				char line[512];
				snprintf(line, sizeof line, "%.*s\t%s", (int)(t1 - gen.v[i]), gen.v[i], t1 + 2 + kl);
				lines_add(&want, line);
			}
		}
		snprintf(cmd, sizeof cmd,
		         "tshark -n -r '%s' -Y '%s' -T fields -e frame.number -e %s 2>/dev/null", pcap,
		         q[k].filter, q[k].field);
		read_cmd(cmd, &got);
		CHECK(want.n > 20);
		CHECK(compare_lines(&got, &want, q[k].kind) == 0);
		printf("tshark %s: %zu names agree\n", q[k].kind, got.n);
		lines_free(&want);
		lines_free(&got);
	}

	/* Checksums validated, TCP analysis on: no warning or error anywhere. */
	struct lines warn = { 0 };
	snprintf(cmd, sizeof cmd,
	         "tshark -n -r '%s' -o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE "
	         "-o udp.check_checksum:TRUE -Y '_ws.expert.severity >= 0x00600000' 2>/dev/null", pcap);
	read_cmd(cmd, &warn);
	CHECK_EQ(warn.n, 0);
	for (size_t i = 0; i < warn.n && i < 5; i++)
		fprintf(stderr, "tshark warns: %s\n", warn.v[i]);
	lines_free(&warn);

	/* The servers choose both TLS versions. */
	struct lines ver = { 0 };
	snprintf(cmd, sizeof cmd,
	         "tshark -n -r '%s' -Y 'tls.handshake.type == 2' -T fields "
	         "-e tls.handshake.extensions.supported_version 2>/dev/null | sort -u", pcap);
	read_cmd(cmd, &ver);
	CHECK_EQ(ver.n, 2); /* "" (TLS 1.2) and 0x0304 */
	lines_free(&ver);
	lines_free(&gen);
	return check_result();
}

int main(int argc, char **argv)
{
	REQUIRE(tmpdir_make(tmp, sizeof tmp, "synth") == 0);
	if (argc > 1 && strcmp(argv[1], "tshark") == 0) {
		int rc = test_tshark();
		tmpdir_remove(tmp);
		return rc;
	}
	test_program();
	test_module();
	test_mix();
	test_gen();
	tmpdir_remove(tmp);
	return check_result();
}
