/* SPDX-License-Identifier: MIT */
/*
 * The pcap source against the third-party corpus and against damaged and odd files: exact
 * packet counts and link types from the manifest, every packet's bytes and times against a
 * reader that does not use libpcap, several files in order, truncated and corrupt files
 * (readable packets, one counted error naming the file), pcapng and nanosecond files, link
 * types written by libpcap itself, start errors, interrupt() and a refusing pipeline. Also the
 * module table.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "check.h"
#include "sluice/err.h"
#include "sluice/record.h"
#include "test_capture_support.h"

static char tmp[512];

static int run_pcap(const char *const *paths, struct sl_capture_out *out, struct sl_capture_counters *ctr,
                    char *errbuf, size_t errlen, const char **phase)
{
	static _Atomic int stop;
	struct sl_capture_spec spec = { .kind = "pcap", .paths = paths };
	atomic_store(&stop, 0);
	out->stop = &stop;
	return cap_run("pcap", &spec, out, ctr, &stop, errbuf, errlen, phase);
}

static void test_table(void)
{
	const char *want[] = { "pcap", "afpacket", "shm", "synth" };
	size_t n = 0;
	while (sl__capture_modules[n] != NULL)
		n++;
	CHECK_EQ(n, 4);
	for (size_t i = 0; i < 4 && i < n; i++) {
		CHECK(strcmp(sl__capture_modules[i]->name, want[i]) == 0);
		CHECK(sl_capture_find(want[i]) == sl__capture_modules[i]);
		const struct sl_module *m = sl__capture_modules[i];
		CHECK(m->kind == SL_MODULE_CAPTURE);
		CHECK(m->init && m->start && m->run && m->interrupt && m->stop && m->fini);
	}
	CHECK(sl_capture_find("pcapng") == NULL);
	CHECK(sl_capture_find(NULL) == NULL);
}

/* Every corpus file: the manifest's count and DLT, and the same packets as our own reader. */
static void test_corpus(void)
{
	struct corpus_entry e[64];
	int n = corpus_load(SLUICE_CORPUS_DIR, e, 64);
	REQUIRE(n >= 30);
	int raw = 0, ipv4 = 0, null = 0;

	for (int i = 0; i < n; i++) {
		char path[1024], errbuf[512];
		const char *paths[2] = { path, NULL }, *phase;
		struct sl_capture_out out = { 0 };
		struct sl_capture_counters ctr;
		struct cap_list ref = { 0 };
		uint16_t file_lt = 0;

		snprintf(path, sizeof path, "%s/%.255s", SLUICE_CORPUS_DIR, e[i].file);
		int rc = run_pcap(paths, &out, &ctr, errbuf, sizeof errbuf, &phase);
		CHECK_EQ(rc, 0);
		if (rc)
			fprintf(stderr, "%s: %s failed: %s\n", e[i].file, phase, errbuf);
		CHECK_EQ(out.got.n, e[i].packets);
		CHECK_EQ(ctr.packets, e[i].packets);
		CHECK_EQ(ctr.errors, 0);
		CHECK_EQ(errbuf[0], '\0');
		CHECK_EQ(ctr.progress_total, e[i].size);
		CHECK_EQ(ctr.progress_done, e[i].size);
		uint64_t bytes = 0;
		int lt_ok = 1;
		for (size_t k = 0; k < out.got.n; k++) {
			bytes += out.got.pkts[k].caplen;
			lt_ok &= out.got.pkts[k].linktype == e[i].dlt;
		}
		CHECK_EQ(ctr.bytes, bytes);
		CHECK(lt_ok);
		if (!lt_ok || out.got.n != (size_t)e[i].packets)
			fprintf(stderr, "  in %s (manifest: %ld packets, DLT %d)\n", e[i].file, e[i].packets, e[i].dlt);
		raw += e[i].dlt == SL_LINK_RAW;
		ipv4 += e[i].dlt == SL_LINK_IPV4;
		null += e[i].dlt == SL_LINK_NULL;

		REQUIRE(pcap_parse_file(path, &ref, &file_lt, 0) == 0);
		CHECK_EQ(file_lt, e[i].dlt);
		for (size_t k = 0; k < ref.n; k++)
			ref.pkts[k].linktype = (uint16_t)e[i].dlt;
		CHECK(cap_list_compare(&out.got, &ref, e[i].file) == 0);
		cap_list_free(&ref);
		cap_list_free(&out.got);
	}
	/* The link types the corpus is there for (README): raw IP 101, raw IPv4 228, NULL. */
	CHECK(raw >= 2);
	CHECK(ipv4 >= 1);
	CHECK(null >= 1);
}

/* A pre-1970-named file whose packets are from 2023: the first timestamp, to the ns. */
static void test_timestamp(void)
{
	char path[1024], errbuf[512];
	const char *paths[2] = { path, NULL }, *phase;
	struct sl_capture_out out = { 0 };
	struct sl_capture_counters ctr;

	snprintf(path, sizeof path, "%s/pcap/sv-tls-pre-1970.pcap", SLUICE_CORPUS_DIR);
	CHECK_EQ(run_pcap(paths, &out, &ctr, errbuf, sizeof errbuf, &phase), 0);
	REQUIRE(out.got.n == 17);
	CHECK_EQ(out.got.pkts[0].ts_ns, 1674679835848363000ull);
	CHECK_EQ(out.got.pkts[0].linktype, 101);
	CHECK_EQ(out.got.pkts[0].data[0] >> 4, 4); /* raw IP: the IPv4 header comes first */
	cap_list_free(&out.got);
}

static void test_several_files(void)
{
	static const char *names[] = { "sv-http-async.pcap", "sv-dns-udp-eve-log-srv.pcap",
	                               "sv-defrag-ipv4-tcp-syn.pcap", "sv-bug-814.pcap" };
	char paths_buf[4][1024], errbuf[512];
	const char *paths[5], *phase;
	struct sl_capture_out out = { 0 };
	struct sl_capture_counters ctr;
	struct cap_list ref = { 0 };
	uint64_t total = 0;

	for (int i = 0; i < 4; i++) {
		snprintf(paths_buf[i], sizeof paths_buf[i], "%s/pcap/%s", SLUICE_CORPUS_DIR, names[i]);
		paths[i] = paths_buf[i];
		size_t before = ref.n;
		uint16_t lt;
		REQUIRE(pcap_parse_file(paths[i], &ref, &lt, 0) == 0);
		for (size_t k = before; k < ref.n; k++)
			ref.pkts[k].linktype = lt;
		total += (uint64_t)file_size(paths[i]);
	}
	paths[4] = NULL;
	CHECK_EQ(run_pcap(paths, &out, &ctr, errbuf, sizeof errbuf, &phase), 0);
	CHECK_EQ(out.got.n, 16 + 2 + 3 + 7);
	CHECK(cap_list_compare(&out.got, &ref, "several files") == 0);
	CHECK_EQ(ctr.progress_total, total);
	CHECK_EQ(ctr.progress_done, total);
	CHECK_EQ(ctr.packets, out.got.n);
	/* In order: NULL, raw, raw IPv4, Ethernet. */
	CHECK_EQ(out.got.pkts[0].linktype, 0);
	CHECK_EQ(out.got.pkts[16].linktype, 101);
	CHECK_EQ(out.got.pkts[18].linktype, 228);
	CHECK_EQ(out.got.pkts[21].linktype, 1);
	cap_list_free(&out.got);
	cap_list_free(&ref);
}

/* Truncated in a packet, truncated in a record header, corrupt caplen: the packets before
 * the damage, one error naming the file, and the next file still read. */
static void test_damaged(void)
{
	char src[1024], good[1024], cut1[1024], cut2[1024], bad[1024], errbuf[1024];
	const char *phase;
	struct sl_capture_counters ctr;

	snprintf(src, sizeof src, "%s/pcap/sv-ethernet-eve.pcap", SLUICE_CORPUS_DIR);
	snprintf(good, sizeof good, "%s/pcap/sv-bug-814.pcap", SLUICE_CORPUS_DIR);
	snprintf(cut1, sizeof cut1, "%s/cut-in-packet.pcap", tmp);
	snprintf(cut2, sizeof cut2, "%s/cut-in-header.pcap", tmp);
	snprintf(bad, sizeof bad, "%s/bad-caplen.pcap", tmp);
	long off50 = pcap_record_offset(src, 50), off60 = pcap_record_offset(src, 60);
	long off70 = pcap_record_offset(src, 70);
	REQUIRE(off50 > 0 && off60 > 0 && off70 > 0);
	REQUIRE(copy_prefix(src, cut1, off50 + 16 + 10) == 0);
	REQUIRE(copy_prefix(src, cut2, off60 + 8) == 0);
	REQUIRE(copy_prefix(src, bad, -1) == 0);
	{
		/* caplen of record 70 := 0x7fffff00, far past any snaplen */
		FILE *f = fopen(bad, "r+b");
		uint8_t b[4];
		REQUIRE(f && fseek(f, off70 + 8, SEEK_SET) == 0 && fread(b, 1, 4, f) == 4);
		uint32_t v = 0x7fffff00u;
		int le = b[3] == 0 && b[2] == 0; /* small little-endian caplen */
		for (int i = 0; i < 4; i++)
			b[i] = (uint8_t)(le ? v >> (8 * i) : v >> (24 - 8 * i));
		REQUIRE(fseek(f, off70 + 8, SEEK_SET) == 0 && fwrite(b, 1, 4, f) == 4);
		fclose(f);
	}
	struct {
		const char *path;
		size_t readable;
	} cases[] = { { cut1, 50 }, { cut2, 60 }, { bad, 70 } };

	for (int c = 0; c < 3; c++) {
		const char *paths[3] = { cases[c].path, good, NULL };
		struct sl_capture_out out = { 0 };
		struct cap_list ref = { 0 };
		int rc = run_pcap(paths, &out, &ctr, errbuf, sizeof errbuf, &phase);

		CHECK_EQ(rc, 0);
		CHECK_EQ(out.got.n, cases[c].readable + 7);
		CHECK_EQ(ctr.packets, cases[c].readable + 7);
		CHECK_EQ(ctr.errors, 1);
		CHECK(strstr(errbuf, cases[c].path) != NULL);
		CHECK(strstr(errbuf, "pcap_next_ex") != NULL);
		if (c < 2) /* the truncated files: our reader agrees on what was readable */
			REQUIRE(pcap_parse_file(cases[c].path, &ref, NULL, 0) == 0);
		else
			REQUIRE(pcap_parse_file(src, &ref, NULL, (uint64_t)off70) == 0);
		CHECK_EQ(ref.n, cases[c].readable);
		for (size_t k = 0; k < ref.n; k++)
			ref.pkts[k].linktype = 1;
		out.got.n -= 7;
		CHECK(cap_list_compare(&out.got, &ref, cases[c].path) == 0);
		out.got.n += 7;
		CHECK_EQ(ctr.progress_done, ctr.progress_total);
		printf("damaged file %d: %s\n", c, errbuf);
		cap_list_free(&out.got);
		cap_list_free(&ref);
	}

	/* Two damaged files: both counted, the first described, the count appended. */
	const char *paths[4] = { cut1, cut2, good, NULL };
	struct sl_capture_out out = { 0 };
	CHECK_EQ(run_pcap(paths, &out, &ctr, errbuf, sizeof errbuf, &phase), 0);
	CHECK_EQ(out.got.n, 50 + 60 + 7);
	CHECK_EQ(ctr.errors, 2);
	CHECK(strstr(errbuf, cut1) != NULL);
	CHECK(strstr(errbuf, "2 errors in all") != NULL);
	cap_list_free(&out.got);
}

/* pcapng and nanosecond pcap (converted at test time by editcap): the same packets. */
static void test_other_formats(void)
{
	if (!have_program("editcap")) {
		printf("SKIP pcapng/nsec part: editcap not installed\n");
		return;
	}
	static const char *names[] = { "sv-tls-pre-1970.pcap", "sv-community-id-ipv6.pcap", "sv-http-async.pcap" };
	static const char *formats[] = { "pcapng", "nsecpcap" };

	for (int i = 0; i < 3; i++) {
		for (int f = 0; f < 2; f++) {
			char src[1024], dst[1024], cmd[2600], errbuf[512];
			const char *phase, *p1[2] = { src, NULL }, *p2[2] = { dst, NULL };
			struct sl_capture_out a = { 0 }, b = { 0 };
			struct sl_capture_counters ctr;

			snprintf(src, sizeof src, "%s/pcap/%s", SLUICE_CORPUS_DIR, names[i]);
			snprintf(dst, sizeof dst, "%s/%s.%s", tmp, names[i], formats[f]);
			snprintf(cmd, sizeof cmd, "editcap -F %s '%s' '%s'", formats[f], src, dst);
			REQUIRE(system(cmd) == 0);
			CHECK_EQ(run_pcap(p1, &a, &ctr, errbuf, sizeof errbuf, &phase), 0);
			CHECK_EQ(run_pcap(p2, &b, &ctr, errbuf, sizeof errbuf, &phase), 0);
			CHECK(a.got.n > 0);
			CHECK(cap_list_compare(&a.got, &b.got, dst) == 0);
			cap_list_free(&a.got);
			cap_list_free(&b.got);
		}
	}
}

/* Files written by libpcap with link types the corpus lacks. */
static void write_pcap(const char *path, int dlt, int npkts)
{
	pcap_t *p = pcap_open_dead(dlt, 65535);
	pcap_dumper_t *d = pcap_dump_open(p, path);
	uint8_t pkt[64];
	REQUIRE(d != NULL);
	for (int i = 0; i < npkts; i++) {
		struct pcap_pkthdr h = { .ts = { .tv_sec = 1700000000 + i, .tv_usec = 5 }, .caplen = 40, .len = 60 };
		memset(pkt, i, sizeof pkt);
		pkt[0] = 0x45;
		pcap_dump((u_char *)d, &h, pkt);
	}
	pcap_dump_close(d);
	pcap_close(p);
}

static void test_linktypes(void)
{
	static const struct {
		int dlt;
		int want;
	} cases[] = {
		{ DLT_RAW, 101 }, { DLT_IPV4, 228 }, { DLT_IPV6, 229 }, { DLT_LINUX_SLL, 113 },
		{ DLT_LINUX_SLL2, 276 }, { DLT_NULL, 0 }, { DLT_EN10MB, 1 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char path[1024], errbuf[512];
		const char *phase, *paths[2] = { path, NULL };
		struct sl_capture_out out = { 0 };
		struct sl_capture_counters ctr;

		snprintf(path, sizeof path, "%s/lt%d.pcap", tmp, cases[i].dlt);
		write_pcap(path, cases[i].dlt, 3);
		CHECK_EQ(run_pcap(paths, &out, &ctr, errbuf, sizeof errbuf, &phase), 0);
		CHECK_EQ(out.got.n, 3);
		for (size_t k = 0; k < out.got.n; k++) {
			CHECK_EQ(out.got.pkts[k].linktype, cases[i].want);
			CHECK_EQ(out.got.pkts[k].caplen, 40);
			CHECK_EQ(out.got.pkts[k].wirelen, 60);
			CHECK_EQ(out.got.pkts[k].ts_ns, (1700000000ull + k) * 1000000000ull + 5000);
		}
		cap_list_free(&out.got);
	}
}

static void test_start_errors(void)
{
	char missing[1024], text[1024], wifi[1024], errbuf[512], good[1024];
	const char *phase;
	struct sl_capture_out out = { 0 };
	struct sl_capture_counters ctr;

	snprintf(good, sizeof good, "%s/pcap/sv-bug-814.pcap", SLUICE_CORPUS_DIR);
	snprintf(missing, sizeof missing, "%s/no-such.pcap", tmp);
	snprintf(text, sizeof text, "%s/notes.txt", tmp);
	snprintf(wifi, sizeof wifi, "%s/wifi.pcap", tmp);
	FILE *f = fopen(text, "w");
	REQUIRE(f != NULL);
	fputs("this is not a capture file, it is a note\n", f);
	fclose(f);
	write_pcap(wifi, DLT_IEEE802_11, 2);

	/* A bad file after a good one fails at start: nothing is pushed. */
	const char *p1[3] = { good, missing, NULL };
	CHECK_EQ(run_pcap(p1, &out, &ctr, errbuf, sizeof errbuf, &phase), -ENOENT);
	CHECK(strcmp(phase, "start") == 0);
	CHECK(strstr(errbuf, missing) != NULL);
	CHECK_EQ(out.got.n, 0);

	const char *p2[2] = { text, NULL };
	CHECK(run_pcap(p2, &out, &ctr, errbuf, sizeof errbuf, &phase) < 0);
	CHECK(strcmp(phase, "start") == 0);
	CHECK(strstr(errbuf, text) != NULL);

	const char *p3[2] = { wifi, NULL };
	CHECK_EQ(run_pcap(p3, &out, &ctr, errbuf, sizeof errbuf, &phase), SL_ELINKTYPE);
	CHECK(strstr(errbuf, wifi) != NULL && strstr(errbuf, "link type 105") != NULL);

	const char *p4[2] = { tmp, NULL };
	CHECK_EQ(run_pcap(p4, &out, &ctr, errbuf, sizeof errbuf, &phase), -EISDIR);

	const char *p5[1] = { NULL };
	CHECK_EQ(run_pcap(p5, &out, &ctr, errbuf, sizeof errbuf, &phase), -EINVAL);
	CHECK(strcmp(phase, "init") == 0);
	CHECK_EQ(out.got.n, 0);
}

static void test_stop_and_refuse(void)
{
	char path[1024], errbuf[512];
	const char *phase, *paths[3] = { path, path, NULL };
	struct sl_capture_counters ctr;

	snprintf(path, sizeof path, "%s/pcap/sv-bug-4376.pcap", SLUICE_CORPUS_DIR);
	struct sl_capture_out out = { .stop_after = 5 };
	CHECK_EQ(run_pcap(paths, &out, &ctr, errbuf, sizeof errbuf, &phase), 0);
	CHECK_EQ(out.got.n, 5);
	CHECK_EQ(ctr.packets, 5);
	CHECK(out.flushes >= 1);
	cap_list_free(&out.got);

	struct sl_capture_out out2 = { .refuse_after = 300 };
	CHECK_EQ(run_pcap(paths, &out2, &ctr, errbuf, sizeof errbuf, &phase), 0);
	CHECK_EQ(out2.got.n, 300);
	CHECK_EQ(out2.refused, 1); /* no push after the first refusal */
	CHECK_EQ(ctr.packets, 300);
	cap_list_free(&out2.got);
}

int main(void)
{
	REQUIRE(tmpdir_make(tmp, sizeof tmp, "pcap") == 0);
	test_table();
	test_corpus();
	test_timestamp();
	test_several_files();
	test_damaged();
	test_other_formats();
	test_linktypes();
	test_start_errors();
	test_stop_and_refuse();
	tmpdir_remove(tmp);
	return check_result();
}
