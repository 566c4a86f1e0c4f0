/* SPDX-License-Identifier: MIT */
/*
 * Builds the fuzzers' starting corpora from the pcap corpus at test time, so no bytes of the
 * third-party captures are copied into this repository: frames for fuzz_decode, fragment
 * sequences for fuzz_defrag, assembled HTTP/TLS streams and DNS messages for the others.
 * Usage: fuzz_seeds OUTDIR  (creates OUTDIR/seeds/<target> and OUTDIR/work/<target>)
 */
#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>

#include "test_analysis_util.h"
#include "tls.h"

static const char *out_dir;
static unsigned written;

static const uint16_t decode_links[] = {0, 1, 12, 14, 101, 108, 113, 228, 229, 276, 147};

static void put(const char *target, const char *tag, unsigned n, const uint8_t *a, size_t alen,
                const uint8_t *b, size_t blen)
{
	char path[2048];
	FILE *f;

	snprintf(path, sizeof(path), "%s/seeds/%s/%s-%u", out_dir, target, tag, n);
	f = fopen(path, "wb");
	if (f == NULL)
		return;
	if (alen)
		fwrite(a, 1, alen, f);
	if (blen)
		fwrite(b, 1, blen, f);
	fclose(f);
	written++;
}

struct ctx {
	const char *file;
	unsigned n;
	uint8_t defrag[8192];
	size_t dlen;
};

static void packet_cb(const struct tpkt *p, void *vctx)
{
	struct ctx *c = vctx;
	struct sl_decoded d;
	uint8_t sel = 0;
	unsigned i;
	int rc;

	for (i = 0; i < sizeof(decode_links) / sizeof(decode_links[0]); i++)
		if (decode_links[i] == p->linktype)
			sel = (uint8_t)i;
	rc = sl_decode(p->data, p->caplen, p->linktype, &d);
	/* a few frames per file, and every one that fails */
	if ((c->n < 4 || rc != 0) && p->caplen <= 2048)
		put("decode", c->file, c->n, &sel, 1, p->data, p->caplen);
	if (rc == 0 && (d.flags & SL_DECODE_F_FRAGMENT) && c->dlen + 4 + p->caplen < sizeof(c->defrag)) {
		static const uint16_t dl[] = {228, 229, 101, 1};

		for (i = 0; i < 4; i++)
			if (dl[i] == p->linktype)
				break;
		c->defrag[c->dlen++] = (uint8_t)(i < 4 ? i : 0);
		c->defrag[c->dlen++] = (uint8_t)(p->caplen >> 8);
		c->defrag[c->dlen++] = (uint8_t)p->caplen;
		memcpy(c->defrag + c->dlen, p->data, p->caplen);
		c->dlen += p->caplen;
		c->defrag[c->dlen++] = 1;
	}
	if (rc == 0 && d.proto == 17 && (d.sport == 53 || d.dport == 53) && d.payload_len <= 1500)
		put("dns", c->file, c->n, d.payload, d.payload_len, NULL, 0);
	c->n++;
}

static void streams(const char *file)
{
	struct tstreams *ss = streams_load(file);
	unsigned i, k = 0;

	for (i = 0; i < ss->n && k < 8; i++) {
		struct tstream *s = &ss->s[i], *r;
		size_t a, b;
		uint8_t hdr[3];

		if (s->len == 0 || s->dport < s->sport)
			continue; /* start from the client side */
		r = streams_reverse(ss, s);
		a = s->len < 3000 ? s->len : 3000;
		b = r ? (r->len < 3000 ? r->len : 3000) : 0;
		if (s->buf[0] == 22)
			put("tls", file, k, s->buf, a, NULL, 0);
		if (r && r->len && r->buf[0] == 22)
			put("tls", file, 100 + k, r->buf, b, NULL, 0);
		{
			/* the server's first certificate, whole, for the X.509 target */
			static struct sl_tls_cert cert;
			size_t need;

			if (s->buf[0] == 22 && sl_tls_find_certificate(s->buf, s->len, &cert, &need) == SL_TLS_OK)
				put("x509", file, k, cert.der, cert.der_len, NULL, 0);
			if (r && r->len && r->buf[0] == 22 &&
			    sl_tls_find_certificate(r->buf, r->len, &cert, &need) == SL_TLS_OK)
				put("x509", file, 100 + k, cert.der, cert.der_len, NULL, 0);
		}
		if (s->buf[0] >= 'A' && s->buf[0] <= 'Z') {
			hdr[0] = (uint8_t)(a * 256 / (a + b + 1));
			hdr[1] = 17;
			hdr[2] = 200;
			{
				uint8_t *tmp = malloc(3 + a);

				memcpy(tmp, hdr, 3);
				memcpy(tmp + 3, s->buf, a);
				put("http", file, k, tmp, 3 + a, r ? r->buf : NULL, b);
				free(tmp);
			}
		}
		if (s->dport == 53)
			put("dns", file, 200 + k, s->buf, a, NULL, 0);
		k++;
	}
	streams_free(ss);
}

static void mk(const char *a, const char *b)
{
	char path[2048];

	snprintf(path, sizeof(path), "%s/%s%s%s", out_dir, a, b ? "/" : "", b ? b : "");
	if (mkdir(path, 0755) != 0 && errno != EEXIST) {
		perror(path);
		exit(1);
	}
}

int main(int argc, char **argv)
{
	static const char *const targets[] = {"decode", "defrag", "http", "tls", "dns", "x509"};
	char dir[1024];
	struct dirent *e;
	DIR *dp;
	unsigned i;

	if (argc != 2) {
		fprintf(stderr, "usage: %s OUTDIR\n", argv[0]);
		return 2;
	}
	out_dir = argv[1];
	mk("", NULL);
	mk("seeds", NULL);
	mk("work", NULL);
	for (i = 0; i < sizeof targets / sizeof targets[0]; i++) {
		mk("seeds", targets[i]);
		mk("work", targets[i]);
	}
	snprintf(dir, sizeof(dir), "%s/pcap", SLUICE_CORPUS_DIR);
	dp = opendir(dir);
	if (dp == NULL) {
		/* the targets still start from their hand-made seeds (seeds/<target>) */
		printf("fuzz_seeds: no pcap corpus at '%s' (SLUICE_CORPUS_DIR): no corpus seeds, only the "
		       "hand-made ones\n", dir);
		return 0;
	}
	while ((e = readdir(dp)) != NULL) {
		struct ctx *c;

		if (strstr(e->d_name, ".pcap") == NULL)
			continue;
		c = calloc(1, sizeof(*c));
		c->file = e->d_name;
		pcap_each(e->d_name, packet_cb, c);
		if (c->dlen)
			put("defrag", e->d_name, 0, c->defrag, c->dlen, NULL, 0);
		free(c);
		streams(e->d_name);
	}
	closedir(dp);
	printf("fuzz_seeds: %u seed files in %s/seeds\n", written, out_dir);
	return written > 100 ? 0 : 1;
}
