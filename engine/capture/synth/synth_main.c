/* SPDX-License-Identifier: MIT */
/*
 * sluice-synth: writes the synthetic generator's packets to a pcap file. It exists so that a
 * benchmark's workload can be inspected with the usual tools (tcpdump, tshark), replayed with
 * `sluiced -r`, and shipped as the README's sample capture — the same generator the `synth`
 * capture source runs, so the file and a live benchmark with the same parameters agree.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "synth_gen.h"

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: sluice-synth -o FILE [-n PACKETS] [-f FLOWS] [-s SEED] [-m MIX] [--names FILE]\n"
	        "\n"
	        "Writes synthetic traffic to a pcap file (Ethernet, microsecond timestamps): whole\n"
	        "HTTP/1.1, DNS and TLS conversations over FLOWS distinct 5-tuples. The same options\n"
	        "give the same file, byte for byte.\n"
	        "\n"
	        "  -o, --output FILE    the pcap to write ('-': standard output)\n"
	        "  -n, --packets N      how many packets (default 10000)\n"
	        "  -f, --flows N        distinct 5-tuples (default %u, at most %u)\n"
	        "  -s, --seed N         the seed (default 1)\n"
	        "  -m, --mix SPEC       per-flow weights, default \"%s\"\n"
	        "      --names FILE     also write, for each packet that carries one, its number,\n"
	        "                       kind and name (HTTP Host, DNS qname, TLS SNI), tab-separated\n"
	        "  -h, --help           this text\n",
	        SL__SYNTH_FLOWS_DEFAULT, SL__SYNTH_FLOWS_MAX, SL__SYNTH_MIX_DEFAULT);
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || end == s || *end || s[0] == '-')
		return -1;
	*out = v;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' }, { "packets", required_argument, NULL, 'n' },
		{ "flows", required_argument, NULL, 'f' },  { "seed", required_argument, NULL, 's' },
		{ "mix", required_argument, NULL, 'm' },    { "names", required_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },         { NULL, 0, NULL, 0 },
	};
	struct sl__synth_cfg cfg = { .packets = 10000, .seed = 1 };
	const char *output = NULL, *names_path = NULL;
	uint64_t v;
	int c;

	while ((c = getopt_long(argc, argv, "o:n:f:s:m:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			output = optarg;
			break;
		case 'n':
			if (parse_u64(optarg, &v) || v == 0) {
				fprintf(stderr, "sluice-synth: -n wants a packet count above 0, not '%s'\n", optarg);
				return 2;
			}
			cfg.packets = v;
			break;
		case 'f':
			if (parse_u64(optarg, &v) || v == 0 || v > SL__SYNTH_FLOWS_MAX) {
				fprintf(stderr, "sluice-synth: -f wants 1..%u flows, not '%s'\n", SL__SYNTH_FLOWS_MAX,
				        optarg);
				return 2;
			}
			cfg.flows = (uint32_t)v;
			break;
		case 's':
			if (parse_u64(optarg, &v)) {
				fprintf(stderr, "sluice-synth: -s wants a number, not '%s'\n", optarg);
				return 2;
			}
			cfg.seed = v;
			break;
		case 'm':
			cfg.mix = optarg;
			break;
		case 'N':
			names_path = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (output == NULL || optind != argc) {
		usage(stderr);
		return 2;
	}

	char errbuf[256];
	struct sl__synth *g;
	int err = sl__synth_create(&cfg, &g, errbuf, sizeof errbuf);
	if (err) {
		fprintf(stderr, "sluice-synth: %s\n", errbuf);
		return 1;
	}
	pcap_t *p = pcap_open_dead(DLT_EN10MB, 65535);
	pcap_dumper_t *d = p ? pcap_dump_open(p, output) : NULL;
	if (d == NULL) {
		fprintf(stderr, "sluice-synth: %s: pcap_dump_open: %s\n", output, p ? pcap_geterr(p) : "no memory");
		if (p)
			pcap_close(p);
		sl__synth_destroy(g);
		return 1;
	}
	FILE *names = NULL;
	if (names_path && (names = fopen(names_path, "w")) == NULL) {
		fprintf(stderr, "sluice-synth: %s: fopen: %s\n", names_path, strerror(errno));
		pcap_dump_close(d);
		pcap_close(p);
		sl__synth_destroy(g);
		return 1;
	}

	struct sl__synth_pkt pkt;
	uint64_t n = 0;
	while (sl__synth_next(g, &pkt)) {
		struct pcap_pkthdr h = {
			.ts = { .tv_sec = (time_t)(pkt.ts_ns / 1000000000u),
			        .tv_usec = (suseconds_t)(pkt.ts_ns % 1000000000u / 1000u) },
			.caplen = pkt.len,
			.len = pkt.len,
		};
		pcap_dump((u_char *)d, &h, pkt.data);
		n++;
		if (names && pkt.name)
			fprintf(names, "%" PRIu64 "\t%s\t%s\n", n, sl__synth_kind_name(pkt.kind), pkt.name);
	}
	int bad = pcap_dump_flush(d) != 0 || ferror(pcap_dump_file(d));
	pcap_dump_close(d);
	pcap_close(p);
	if (names && fclose(names) != 0)
		bad = 1;

	uint64_t s[SL__SYNTH_KINDS];
	sl__synth_sessions(g, s);
	sl__synth_destroy(g);
	if (bad) {
		fprintf(stderr, "sluice-synth: %s: write failed: %s\n", output, strerror(errno));
		return 1;
	}
	fprintf(stderr,
	        "sluice-synth: wrote %" PRIu64 " packets to %s (%u flows; conversations: http %" PRIu64
	        ", dns %" PRIu64 ", tls %" PRIu64 ")\n",
	        n, output, cfg.flows ? cfg.flows : SL__SYNTH_FLOWS_DEFAULT, s[SL__SYNTH_HTTP],
	        s[SL__SYNTH_DNS], s[SL__SYNTH_TLS]);
	return 0;
}
