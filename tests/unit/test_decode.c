/* SPDX-License-Identifier: MIT */
/*
 * Packet decode and flow hashes. Every packet of every corpus capture is decoded and must get
 * exactly one named outcome (the ledger's captured = decoded + errors), every decodable
 * non-fragment must hash the same from raw bytes as from its decoded form, and both
 * directions of a flow must hash alike. Then specific captures are held to the facts the
 * corpus manifest states (VLAN ids, truncations, bad versions, fragments), and hand-built
 * frames cover the link types and malformations the corpus lacks. `test_decode -v` prints
 * every packet's outcome.
 */
#include <dirent.h>

#include "test_analysis_util.h"

#include <sluice/record.h>

static int verbose;

/* ---- the whole corpus ---- */

struct tally {
	unsigned packets, ok;
	unsigned reasons[SL_DECODE_REASON_COUNT];
	const char *file;
};

static void swap_dir(struct sl_decoded *d)
{
	uint8_t t[16];
	uint16_t p;

	memcpy(t, d->src, 16);
	memcpy(d->src, d->dst, 16);
	memcpy(d->dst, t, 16);
	p = d->sport;
	d->sport = d->dport;
	d->dport = p;
}

static void tally_cb(const struct tpkt *p, void *ctx)
{
	struct tally *t = ctx;
	struct sl_decoded d, r;
	int rc = sl_decode(p->data, p->caplen, p->linktype, &d);

	t->packets++;
	CHECK(rc >= 0 && rc < SL_DECODE_REASON_COUNT);
	if (rc < 0 || rc >= SL_DECODE_REASON_COUNT)
		return;
	t->reasons[rc]++;
	if (rc == SL_DECODE_OK)
		t->ok++;
	if (verbose)
		printf("%s #%u: %s v%u proto %u %u->%u vlans %u [%u,%u] flags %#x len %u/%u/%u\n",
		       t->file, p->index, sl_decode_reason_name(rc), d.ip_version, d.proto, d.sport,
		       d.dport, d.vlan_count, d.vlan[0], d.vlan[1], d.flags, d.ip_len, d.l4_len,
		       d.payload_len);
	/* every pointer and length stays inside the capture */
	if (d.l3)
		CHECK(d.l3_off + d.ip_len <= p->caplen);
	if (d.l4)
		CHECK(d.l4_off + d.l4_len <= p->caplen && d.l4 == p->data + d.l4_off);
	if (d.payload)
		CHECK(d.payload_off + d.payload_len <= p->caplen &&
		      d.payload == p->data + d.payload_off);
	if (rc == SL_DECODE_OK) {
		CHECK(d.ip_version == 4 || d.ip_version == 6);
		CHECK_INT(sl_flow_hash_raw(p->data, p->caplen, p->linktype), sl_flow_hash(&d));
		r = d;
		swap_dir(&r);
		CHECK_INT(sl_flow_hash(&r), sl_flow_hash(&d));
	}
	/* knowing the wire length may only make an outcome stricter, never break a good one
	 * whose datagram fits on the wire */
	if (p->caplen == p->wirelen && rc == SL_DECODE_OK &&
	    !(d.flags & SL_DECODE_F_TRUNCATED)) {
		struct sl_decoded w;

		CHECK_INT(sl_decode_wire(p->data, p->caplen, p->wirelen, p->linktype, &w), 0);
	}
}

static void whole_corpus(void)
{
	char dir[1024];
	struct dirent *e;
	unsigned files = 0, total = 0;
	DIR *dp;

	snprintf(dir, sizeof(dir), "%s/pcap", SLUICE_CORPUS_DIR);
	dp = opendir(dir);
	CHECK(dp != NULL);
	if (dp == NULL)
		return;
	while ((e = readdir(dp)) != NULL) {
		struct tally t;
		unsigned sum = 0, i;
		int n;

		if (strstr(e->d_name, ".pcap") == NULL)
			continue;
		memset(&t, 0, sizeof(t));
		t.file = e->d_name;
		n = pcap_each(e->d_name, tally_cb, &t);
		CHECK(n > 0);
		for (i = 0; i < SL_DECODE_REASON_COUNT; i++)
			sum += t.reasons[i];
		/* the ledger: one outcome per packet */
		CHECK_INT(sum, t.packets);
		CHECK_INT(t.packets, n);
		files++;
		total += t.packets;
	}
	closedir(dp);
	CHECK_INT(files, 35);
	CHECK_INT(total, 6042); /* the manifest's packet count */
}

/* ---- specific captures ---- */

#define MAXP 64
struct seen {
	unsigned n;
	int rc[MAXP];
	struct sl_decoded d[MAXP];
	int wrc[MAXP]; /* with the wire length */
};

static void seen_cb(const struct tpkt *p, void *ctx)
{
	struct seen *s = ctx;
	struct sl_decoded w;

	if (s->n == MAXP)
		return;
	s->rc[s->n] = sl_decode(p->data, p->caplen, p->linktype, &s->d[s->n]);
	s->wrc[s->n] = sl_decode_wire(p->data, p->caplen, p->wirelen, p->linktype, &w);
	s->n++;
}

static struct seen *load(const char *name)
{
	static struct seen s;

	memset(&s, 0, sizeof(s));
	pcap_each(name, seen_cb, &s);
	return &s;
}

static void specific(void)
{
	struct seen *s;
	unsigned i;

	/* outer 802.1ad tag 200, inner 802.1Q 2001, ARP inside */
	s = load("td-802.1ad_QinQ.pcap");
	CHECK_INT(s->n, 2);
	for (i = 0; i < s->n; i++) {
		CHECK_STR(sl_decode_reason_name(s->rc[i]), "non_ip");
		CHECK_INT(s->d[i].vlan_count, 2);
		CHECK_INT(s->d[i].vlan[0], 200);
		CHECK_INT(s->d[i].vlan[1], 2001);
		CHECK_INT(s->d[i].ethertype, 0x0806);
	}

	/* one flow on VLAN 6, one on outer 1 / inner 10 */
	s = load("sv-eve-flow-vlan.pcap");
	CHECK_INT(s->n, 2);
	{
		int single = 0, dbl = 0;

		for (i = 0; i < s->n; i++) {
			CHECK_INT(s->rc[i], SL_DECODE_OK);
			if (s->d[i].vlan_count == 1 && s->d[i].vlan[0] == 6)
				single++;
			if (s->d[i].vlan_count == 2 && s->d[i].vlan[0] == 1 && s->d[i].vlan[1] == 10)
				dbl++;
		}
		CHECK_INT(single, 1);
		CHECK_INT(dbl, 1);
		/* same addresses and ports, different VLANs: different flows */
		CHECK(sl_flow_hash(&s->d[0]) != sl_flow_hash(&s->d[1]));
	}

	/* 8 generated packets: IPv4 then IPv6, each TCP/UDP/half UDP/half GRE */
	s = load("sv-decode-too-small.pcap");
	CHECK_INT(s->n, 8);
	{
		static const char *const want[8] = {
			"truncated_tcp", "truncated_udp", "truncated_udp", "truncated_gre",
			"truncated_tcp", "truncated_udp", "truncated_udp", "truncated_gre",
		};

		for (i = 0; i < 8 && i < s->n; i++) {
			CHECK_STR(sl_decode_reason_name(s->rc[i]), want[i]);
			CHECK_INT(s->d[i].ip_version, i < 4 ? 4 : 6);
		}
		CHECK(!memcmp(s->d[0].src, "\x01\x01\x01\x01", 4));
		CHECK(!memcmp(s->d[0].dst, "\x02\x02\x02\x02", 4));
		CHECK(!memcmp(s->d[4].src, "\xfd\x01\0\0\0\0\0\0\0\0\0\0\x01\x01\x01\x01", 16));
	}

	/* frames 2 and 4 carry ethertype IPv6 with version 0 */
	s = load("td-ipv6-bad-version.pcap");
	CHECK_INT(s->n, 4);
	for (i = 0; i < s->n; i++) {
		if (i % 2 == 0) {
			CHECK_INT(s->rc[i], SL_DECODE_OK);
			CHECK_INT(s->d[i].proto, 58);
			CHECK_INT(s->d[i].icmp.type, 135); /* neighbour solicitation */
		} else {
			CHECK_STR(sl_decode_reason_name(s->rc[i]), "ipv6_bad_version");
		}
	}

	/* IPv4 total length 65028 in a 1530-byte frame that was captured whole */
	s = load("sv-ipv4-truncated.pcap");
	CHECK_INT(s->n, 1);
	CHECK_INT(s->rc[0], SL_DECODE_OK);
	CHECK(s->d[0].flags & SL_DECODE_F_TRUNCATED);
	CHECK_INT(s->d[0].ip_len, 1516);
	CHECK_STR(sl_decode_reason_name(s->wrc[0]), "ipv4_bad_total_length");

	/* cut by the snap length inside the TCP payload: decoded, marked truncated */
	s = load("td-tcp_rst_data-trunc.pcap");
	CHECK_INT(s->n, 1);
	CHECK_INT(s->rc[0], SL_DECODE_OK);
	CHECK_INT(s->wrc[0], SL_DECODE_OK);
	CHECK(s->d[0].flags & SL_DECODE_F_TRUNCATED);
	CHECK_INT(s->d[0].sport, 80);
	CHECK_INT(s->d[0].dport, 52875);
	CHECK_INT(s->d[0].tcp.flags, SL_TCP_RST | SL_TCP_ACK);
	CHECK(s->d[0].payload_len > 0 && s->d[0].payload_len < 58);

	/* IPv6 in VLAN 1111 */
	s = load("sv-bug-814.pcap");
	CHECK_INT(s->n, 7);
	for (i = 0; i < s->n; i++) {
		CHECK_INT(s->rc[i], SL_DECODE_OK);
		CHECK_INT(s->d[i].ip_version, 6);
		CHECK_INT(s->d[i].vlan_count, 1);
		CHECK_INT(s->d[i].vlan[0], 1111);
		CHECK(s->d[i].sport == 58307 || s->d[i].dport == 58307);
	}
	CHECK_INT(s->d[0].tcp.flags, SL_TCP_SYN);
	for (i = 1; i < s->n; i++)
		CHECK_INT(sl_flow_hash(&s->d[i]), sl_flow_hash(&s->d[0]));

	/* BSD loopback (DLT 0) */
	s = load("sv-http-async.pcap");
	CHECK_INT(s->n, 16);
	for (i = 0; i < s->n; i++) {
		CHECK_INT(s->rc[i], SL_DECODE_OK);
		CHECK(s->d[i].sport == 8080 || s->d[i].dport == 8080);
	}

	/* raw IP (DLT 101) */
	s = load("sv-tls-pre-1970.pcap");
	CHECK_INT(s->n, 17);
	for (i = 0; i < s->n; i++) {
		CHECK_INT(s->rc[i], SL_DECODE_OK);
		CHECK_INT(s->d[i].ip_version, 4);
		CHECK(s->d[i].sport == 443 || s->d[i].dport == 443);
	}
	s = load("sv-dns-udp-eve-log-srv.pcap");
	CHECK_INT(s->n, 2);
	CHECK_INT(s->rc[0], SL_DECODE_OK);
	CHECK_INT(s->d[0].proto, 17);
	CHECK_INT(s->d[0].dport, 53);

	/* raw IPv4 (DLT 228), fragments of 8 bytes */
	s = load("sv-defrag-ipv4-tcp-syn.pcap");
	CHECK_INT(s->n, 3);
	for (i = 0; i < s->n; i++) {
		CHECK_INT(s->rc[i], SL_DECODE_OK);
		CHECK(s->d[i].flags & SL_DECODE_F_FRAGMENT);
		CHECK_INT(s->d[i].proto, 6);
		CHECK_INT(s->d[i].sport, 0); /* not parsed in a fragment */
		CHECK_INT(s->d[i].frag.id, s->d[0].frag.id);
		CHECK_INT(sl_flow_hash(&s->d[i]), sl_flow_hash(&s->d[0]));
	}
	CHECK_INT(s->d[0].frag.offset, 0);
	CHECK_INT(s->d[0].frag.more, 1);
	CHECK_INT(s->d[2].frag.more, 0);

	/* IPv6 fragment header inside VLAN 6 */
	s = load("sv-defrag-eth-vlan-ipv6-tcp.pcap");
	CHECK_INT(s->n, 3);
	for (i = 0; i < s->n; i++) {
		CHECK_INT(s->rc[i], SL_DECODE_OK);
		CHECK(s->d[i].flags & SL_DECODE_F_FRAGMENT);
		CHECK_INT(s->d[i].ip_version, 6);
		CHECK_INT(s->d[i].vlan[0], 6);
		CHECK_INT(s->d[i].frag.next, 6);
		CHECK_INT(s->d[i].frag.hdr_off, 40);
	}
}

/* ---- hand-built frames ---- */

/* IPv4 + TCP, 4 payload bytes */
static size_t build_v4_tcp(uint8_t *b, const uint8_t src[4], const uint8_t dst[4], uint16_t sp,
                           uint16_t dp)
{
	memset(b, 0, 64);
	b[0] = 0x45;
	b[3] = 44;
	b[8] = 64;
	b[9] = 6;
	memcpy(b + 12, src, 4);
	memcpy(b + 16, dst, 4);
	b[20] = (uint8_t)(sp >> 8);
	b[21] = (uint8_t)sp;
	b[22] = (uint8_t)(dp >> 8);
	b[23] = (uint8_t)dp;
	b[24 + 3] = 1;   /* seq 1 */
	b[32] = 0x50;    /* 20-byte header */
	b[33] = 0x18;    /* PSH|ACK */
	b[34] = 0xff;
	memcpy(b + 40, "ping", 4);
	return 44;
}

static void handmade(void)
{
	static const uint8_t a[4] = {10, 0, 0, 1}, z[4] = {192, 168, 1, 2};
	uint8_t ip[64], ip2[64], f[128];
	struct sl_decoded d, d2;
	size_t n, k;
	int rc;

	n = build_v4_tcp(ip, a, z, 40000, 443);
	build_v4_tcp(ip2, z, a, 443, 40000);

	/* raw, both versions of DLT_RAW, DLT_IPV4 */
	CHECK_INT(sl_decode(ip, (uint32_t)n, SL_LINK_RAW, &d), 0);
	CHECK_INT(d.sport, 40000);
	CHECK_INT(d.dport, 443);
	CHECK_INT(d.tcp.seq, 1);
	CHECK_INT(d.tcp.flags, SL_TCP_PSH | SL_TCP_ACK);
	CHECK_INT(d.payload_len, 4);
	CHECK(d.payload && !memcmp(d.payload, "ping", 4));
	CHECK(!memcmp(d.src, a, 4) && d.src[4] == 0 && d.src[15] == 0);
	CHECK_INT(sl_decode(ip, (uint32_t)n, 12, &d), 0);
	CHECK_INT(sl_decode(ip, (uint32_t)n, 14, &d), 0);
	CHECK_INT(sl_decode(ip, (uint32_t)n, SL_LINK_IPV4, &d), 0);
	CHECK_STR(sl_decode_reason_name(sl_decode(ip, (uint32_t)n, SL_LINK_IPV6, &d)),
	          "ipv6_bad_version");
	CHECK_STR(sl_decode_reason_name(sl_decode(ip, 39, SL_LINK_IPV6, &d)), "truncated_ipv6");
	CHECK_INT(sl_decode(ip, (uint32_t)n, SL_LINK_RAW, &d), 0);

	/* symmetric hashes */
	CHECK_INT(sl_flow_hash_raw(ip, (uint32_t)n, SL_LINK_RAW),
	          sl_flow_hash_raw(ip2, (uint32_t)n, SL_LINK_RAW));
	sl_decode(ip2, (uint32_t)n, SL_LINK_RAW, &d2);
	CHECK_INT(sl_flow_hash(&d), sl_flow_hash(&d2));
	ip2[21] ^= 1; /* another source port: another flow */
	CHECK(sl_flow_hash_raw(ip, (uint32_t)n, SL_LINK_RAW) !=
	      sl_flow_hash_raw(ip2, (uint32_t)n, SL_LINK_RAW));

	/* NULL/loopback: family 2 in either byte order; 24/28/30 for IPv6; others non_ip */
	memcpy(f + 4, ip, n);
	memcpy(f, "\x02\0\0\0", 4);
	CHECK_INT(sl_decode(f, (uint32_t)n + 4, SL_LINK_NULL, &d), 0);
	CHECK_INT(d.l3_off, 4);
	memcpy(f, "\0\0\0\x02", 4);
	CHECK_INT(sl_decode(f, (uint32_t)n + 4, SL_LINK_NULL, &d), 0);
	memcpy(f, "\x07\0\0\0", 4);
	CHECK_STR(sl_decode_reason_name(sl_decode(f, (uint32_t)n + 4, SL_LINK_NULL, &d)), "non_ip");
	memcpy(f, "\x1e\0\0\0", 4); /* says IPv6, holds IPv4 */
	CHECK_STR(sl_decode_reason_name(sl_decode(f, (uint32_t)n + 4, SL_LINK_NULL, &d)),
	          "ipv6_bad_version");
	CHECK_STR(sl_decode_reason_name(sl_decode(f, 3, SL_LINK_NULL, &d)), "truncated_null");

	/* Linux SLL (16 bytes, protocol at 14) and SLL2 (20 bytes, protocol at 0) */
	memset(f, 0, 20);
	f[14] = 0x08;
	memcpy(f + 16, ip, n);
	CHECK_INT(sl_decode(f, (uint32_t)n + 16, SL_LINK_LINUX_SLL, &d), 0);
	CHECK_INT(d.dport, 443);
	CHECK_STR(sl_decode_reason_name(sl_decode(f, 15, SL_LINK_LINUX_SLL, &d)), "truncated_sll");
	memset(f, 0, 20);
	f[0] = 0x08;
	memcpy(f + 20, ip, n);
	CHECK_INT(sl_decode(f, (uint32_t)n + 20, SL_LINK_LINUX_SLL2, &d), 0);
	CHECK_INT(d.l3_off, 20);

	/* Ethernet: three VLAN tags are refused, two are kept, 802.3 length is non_ip */
	memset(f, 0, 14);
	f[12] = 0x81;
	f[14] = 0x00;
	f[15] = 0x05; /* vid 5 */
	f[16] = 0x88;
	f[17] = 0xa8;
	f[18] = 0x00;
	f[19] = 0x07;
	f[20] = 0x91;
	f[21] = 0x00;
	f[22] = 0;
	f[23] = 9;
	f[24] = 0x08;
	f[25] = 0x00;
	memcpy(f + 26, ip, n);
	CHECK_STR(sl_decode_reason_name(sl_decode(f, (uint32_t)n + 26, SL_LINK_ETHERNET, &d)),
	          "too_many_vlans");
	f[20] = 0x08; /* now two tags, then IPv4 */
	f[21] = 0x00;
	memmove(f + 22, f + 26, n);
	CHECK_INT(sl_decode(f, (uint32_t)n + 22, SL_LINK_ETHERNET, &d), 0);
	CHECK_INT(d.vlan_count, 2);
	CHECK_INT(d.vlan[0], 5);
	CHECK_INT(d.vlan[1], 7);
	CHECK_STR(sl_decode_reason_name(sl_decode(f, 17, SL_LINK_ETHERNET, &d)), "truncated_vlan");
	f[12] = 0x00;
	f[13] = 0x40;
	CHECK_STR(sl_decode_reason_name(sl_decode(f, 60, SL_LINK_ETHERNET, &d)), "non_ip");
	f[12] = 0x88;
	f[13] = 0x47; /* MPLS */
	CHECK_STR(sl_decode_reason_name(sl_decode(f, 60, SL_LINK_ETHERNET, &d)),
	          "unsupported_ethertype");
	CHECK_STR(sl_decode_reason_name(sl_decode(f, 13, SL_LINK_ETHERNET, &d)),
	          "truncated_ethernet");
	CHECK_STR(sl_decode_reason_name(sl_decode(f, 60, 147, &d)), "unsupported_linktype");
	CHECK_STR(sl_decode_reason_name(sl_decode(NULL, 0, SL_LINK_RAW, &d)), "truncated_ipv4");

	/* IPv4 header checks */
	memcpy(f, ip, n);
	f[0] = 0x44;
	CHECK_STR(sl_decode_reason_name(sl_decode(f, (uint32_t)n, SL_LINK_IPV4, &d)),
	          "ipv4_bad_header_length");
	f[0] = 0x55;
	CHECK_STR(sl_decode_reason_name(sl_decode(f, (uint32_t)n, SL_LINK_IPV4, &d)),
	          "ipv4_bad_version");
	CHECK_STR(sl_decode_reason_name(sl_decode(f, (uint32_t)n, SL_LINK_RAW, &d)),
	          "raw_bad_ip_version");
	f[0] = 0x46; /* 24-byte header with one option word */
	memcpy(f, ip, 20);
	f[0] = 0x46;
	f[3] = 48;
	memmove(f + 24, ip + 20, n - 20);
	memset(f + 20, 1, 4); /* NOPs */
	CHECK_INT(sl_decode(f, (uint32_t)n + 4, SL_LINK_IPV4, &d), 0);
	CHECK(d.flags & SL_DECODE_F_IPV4_OPTS);
	CHECK_INT(d.dport, 443);
	f[3] = 10; /* total length below the header length */
	CHECK_STR(sl_decode_reason_name(sl_decode(f, (uint32_t)n + 4, SL_LINK_IPV4, &d)),
	          "ipv4_bad_total_length");

	/* TCP data offset below 5 / past the datagram */
	memcpy(f, ip, n);
	f[32] = 0x40;
	CHECK_STR(sl_decode_reason_name(sl_decode(f, (uint32_t)n, SL_LINK_IPV4, &d)),
	          "bad_tcp_header_length");
	f[32] = 0xf0;
	CHECK_STR(sl_decode_reason_name(sl_decode(f, (uint32_t)n, SL_LINK_IPV4, &d)),
	          "bad_tcp_header_length");

	/* UDP length beyond the datagram */
	memset(f, 0, 64);
	f[0] = 0x45;
	f[3] = 36;
	f[9] = 17;
	f[25] = 200;
	CHECK_STR(sl_decode_reason_name(sl_decode(f, 36, SL_LINK_IPV4, &d)), "bad_udp_length");
	f[25] = 16;
	CHECK_INT(sl_decode(f, 36, SL_LINK_IPV4, &d), 0);
	CHECK_INT(d.payload_len, 8);

	/* IPv6 with hop-by-hop, destination options and AH before UDP; too many headers */
	memset(f, 0, 128);
	f[0] = 0x60;
	f[6] = 0;     /* hop-by-hop */
	f[7] = 64;
	f[40] = 60;   /* -> destination options */
	f[41] = 0;    /* 8 bytes */
	f[48] = 51;   /* -> AH */
	f[49] = 0;
	f[56] = 17;   /* AH -> UDP */
	f[57] = 1;    /* (1+2)*4 = 12 bytes */
	f[68 + 1] = 53;
	f[68 + 3] = 53;
	f[68 + 5] = 8;
	f[5] = 36;    /* payload length: 8 + 8 + 12 + 8 */
	CHECK_INT(sl_decode(f, 76, SL_LINK_IPV6, &d), 0);
	CHECK_INT(d.proto, 17);
	CHECK_INT(d.l4_off, 68);
	CHECK_INT(d.dport, 53);
	CHECK(d.flags & SL_DECODE_F_IPV6_EXT);
	CHECK_STR(sl_decode_reason_name(sl_decode(f, 60, SL_LINK_IPV6, &d)),
	          "truncated_ipv6_exthdr");
	{
		uint8_t g[200];
		unsigned i;

		memset(g, 0, sizeof(g));
		g[0] = 0x60;
		g[5] = 160 - 40;
		g[6] = 60;
		for (i = 0; i < 12; i++)
			g[40 + 8 * i] = 60; /* destination options, forever */
		CHECK_STR(sl_decode_reason_name(sl_decode(g, 160, SL_LINK_IPV6, &d)),
		          "ipv6_too_many_exthdrs");
		/* ESP stops the walk without error */
		g[6] = 50;
		CHECK_INT(sl_decode(g, 160, SL_LINK_IPV6, &d), 0);
		CHECK_INT(d.proto, 50);
		CHECK(d.flags & SL_DECODE_F_ESP);
		/* an atomic fragment (offset 0, no MF) is not a fragment */
		g[6] = 44;
		g[40] = 6;
		g[42] = 0;
		g[43] = 0;
		g[48 + 12] = 0x50;
		CHECK_INT(sl_decode(g, 160, SL_LINK_IPV6, &d), 0);
		CHECK(!(d.flags & SL_DECODE_F_FRAGMENT));
		CHECK_INT(d.proto, 6);
		CHECK_INT(d.tcp.hlen, 20);
		g[43] = 1; /* MF */
		CHECK_INT(sl_decode(g, 160, SL_LINK_IPV6, &d), 0);
		CHECK(d.flags & SL_DECODE_F_FRAGMENT);
		CHECK_INT(d.frag.more, 1);
		CHECK_INT(d.frag.hdr_off, 40);
		/* an offset that would pass 64 KiB */
		g[42] = 0xff;
		g[43] = 0xf8;
		CHECK_STR(sl_decode_reason_name(sl_decode(g, 160, SL_LINK_IPV6, &d)),
		          "ipv6_bad_fragment");
	}

	/* every prefix of a good frame decodes without reading past it (ASan checks the rest)
	 * and a cut inside the headers is a truncation, never ok */
	memset(f, 0, 18);
	f[12] = 0x81;
	f[15] = 3;
	f[16] = 0x08;
	memcpy(f + 18, ip, n);
	for (k = 0; k <= n + 18; k++) {
		uint8_t *cp = malloc(k ? k : 1);

		memcpy(cp, f, k);
		rc = sl_decode(cp, (uint32_t)k, SL_LINK_ETHERNET, &d);
		if (k < 18 + 40)
			CHECK(rc != 0);
		else
			CHECK_INT(rc, 0);
		free(cp);
	}

	/* names: stable, and "unknown" outside the table */
	CHECK_STR(sl_decode_reason_name(0), "ok");
	CHECK_STR(sl_decode_reason_name(-1), "unknown");
	CHECK_STR(sl_decode_reason_name(SL_DECODE_REASON_COUNT), "unknown");
	CHECK_STR(sl_decode_reason_name(SL_DECODE_TRUNCATED_ETHERNET), "truncated_ethernet");
}

int main(int argc, char **argv)
{
	verbose = argc > 1 && strcmp(argv[1], "-v") == 0;
	whole_corpus();
	specific();
	handmade();
	return test_done("test_decode");
}
