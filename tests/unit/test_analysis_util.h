/* SPDX-License-Identifier: MIT */
/*
 * Shared helpers of the analysis unit tests: a CHECK that counts instead of aborting (so one
 * run reports every broken expectation), reading the corpus pcaps with libpcap, and the
 * simplest TCP stream assembly that the small corpus captures need (payloads per direction
 * put in sequence order at the end, retransmitted bytes dropped, anything after a hole
 * ignored). Header-only, each
 * test is one executable.
 */
#ifndef SLUICE_TEST_ANALYSIS_UTIL_H
#define SLUICE_TEST_ANALYSIS_UTIL_H

#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"

#ifndef SLUICE_CORPUS_DIR
#define SLUICE_CORPUS_DIR "../shared/corpus"
#endif

static int t_checks, t_failures;

#define CHECK(cond)                                                                     \
	do {                                                                            \
		t_checks++;                                                             \
		if (!(cond)) {                                                          \
			t_failures++;                                                   \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
		}                                                                       \
	} while (0)

#define CHECK_INT(a, b)                                                                 \
	do {                                                                            \
		long long a_ = (long long)(a), b_ = (long long)(b);                     \
		t_checks++;                                                             \
		if (a_ != b_) {                                                         \
			t_failures++;                                                   \
			fprintf(stderr, "%s:%d: CHECK failed: %s == %s (%lld != %lld)\n", __FILE__, \
			        __LINE__, #a, #b, a_, b_);                              \
		}                                                                       \
	} while (0)

#define CHECK_STR(a, b)                                                                 \
	do {                                                                            \
		const char *a_ = (a), *b_ = (b);                                        \
		t_checks++;                                                             \
		if (a_ == NULL || b_ == NULL || strcmp(a_, b_) != 0) {                  \
			t_failures++;                                                   \
			fprintf(stderr, "%s:%d: CHECK failed: %s == %s (\"%s\" != \"%s\")\n",     \
			        __FILE__, __LINE__, #a, #b, a_ ? a_ : "(null)", b_ ? b_ : "(null)"); \
		}                                                                       \
	} while (0)

/* ptr/len string (not NUL-terminated) against a C string */
#define CHECK_MEM(p, n, s)                                                              \
	do {                                                                            \
		const char *p_ = (const char *)(p), *s_ = (s);                          \
		size_t n_ = (size_t)(n);                                                \
		t_checks++;                                                             \
		if (strlen(s_) != n_ || (n_ && memcmp(p_, s_, n_) != 0)) {              \
			t_failures++;                                                   \
			fprintf(stderr, "%s:%d: CHECK failed: %s == \"%s\" (got \"%.*s\")\n",   \
			        __FILE__, __LINE__, #p, s_, (int)n_, p_ ? p_ : "");     \
		}                                                                       \
	} while (0)

static inline int test_done(const char *name)
{
	printf("%s: %d checks, %d failed\n", name, t_checks, t_failures);
	return t_failures ? 1 : 0;
}

struct tpkt {
	const uint8_t *data;
	uint32_t caplen, wirelen;
	uint16_t linktype;
	uint64_t ts_ns;
	unsigned index; /* 1-based, as tshark numbers frames */
};

/* 1 when the pcap corpus is where SLUICE_CORPUS_DIR says; otherwise 0, said once on stdout. */
static inline int corpus_present(void)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/manifest.json", SLUICE_CORPUS_DIR);
	FILE *f = fopen(path, "r");
	if (f) {
		fclose(f);
		return 1;
	}
	printf("SKIP corpus part: no pcap corpus at '%s' (configure with -DSLUICE_CORPUS_DIR=...)\n",
	       SLUICE_CORPUS_DIR);
	return 0;
}

/* Call cb for every packet of corpus file pcap/<name>; returns the packet count, or -1 (and
 * a failed check) when the file cannot be read. */
static inline int pcap_each(const char *name, void (*cb)(const struct tpkt *, void *), void *ctx)
{
	char path[1024], err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	struct tpkt p;
	pcap_t *pc;
	int n = 0, rc;

	snprintf(path, sizeof(path), "%s/pcap/%s", SLUICE_CORPUS_DIR, name);
	pc = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, err);
	if (pc == NULL) {
		fprintf(stderr, "cannot open %s: %s\n", path, err);
		CHECK(pc != NULL);
		return -1;
	}
	while ((rc = pcap_next_ex(pc, &h, &data)) == 1) {
		p.data = data;
		p.caplen = h->caplen;
		p.wirelen = h->len;
		p.linktype = (uint16_t)pcap_datalink(pc);
		p.ts_ns = (uint64_t)h->ts.tv_sec * 1000000000ull + (uint64_t)h->ts.tv_usec;
		p.index = (unsigned)++n;
		cb(&p, ctx);
	}
	pcap_close(pc);
	return n;
}

/* ---- in-test TCP stream assembly ---- */

/* Segments are kept as they come and put in sequence order at the end, so reordering and
 * retransmissions (which these captures have) resolve; bytes past a real hole are dropped. */
struct tseg {
	uint32_t rel; /* sequence number relative to the stream's first byte */
	uint32_t len;
	size_t at;    /* offset in raw */
};

struct tstream {
	uint8_t ip_version;
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	uint32_t isn; /* sequence number of the first byte */
	int have_isn;
	struct tseg *seg;
	size_t nseg, segcap;
	uint8_t *raw;
	size_t rawlen, rawcap;
	uint8_t *buf; /* the assembled stream */
	size_t len;
};

#define T_MAX_STREAMS 256

struct tstreams {
	struct tstream s[T_MAX_STREAMS];
	unsigned n;
};

static inline void *t_grow(void *p, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return p;
	while (*cap < need)
		*cap = *cap ? *cap * 2 : 64;
	p = realloc(p, *cap * elem);
	if (p == NULL)
		abort();
	return p;
}

static inline void streams_add(struct tstreams *ss, const struct sl_decoded *d)
{
	struct tstream *s = NULL;
	struct tseg *g;
	unsigned i;
	int32_t rel;

	if (d->proto != 6 || d->payload == NULL)
		return;
	for (i = 0; i < ss->n; i++) {
		struct tstream *x = &ss->s[i];

		if (x->sport == d->sport && x->dport == d->dport && x->ip_version == d->ip_version &&
		    !memcmp(x->src, d->src, 16) && !memcmp(x->dst, d->dst, 16)) {
			s = x;
			break;
		}
	}
	if (s == NULL) {
		if (ss->n == T_MAX_STREAMS)
			return;
		s = &ss->s[ss->n++];
		memset(s, 0, sizeof(*s));
		s->ip_version = d->ip_version;
		memcpy(s->src, d->src, 16);
		memcpy(s->dst, d->dst, 16);
		s->sport = d->sport;
		s->dport = d->dport;
	}
	if (d->tcp.flags & SL_TCP_SYN) {
		s->isn = d->tcp.seq + 1;
		s->have_isn = 1;
		return;
	}
	if (d->payload_len == 0)
		return;
	if (!s->have_isn) {
		s->isn = d->tcp.seq;
		s->have_isn = 1;
	}
	rel = (int32_t)(d->tcp.seq - s->isn);
	if (rel < 0)
		return;
	s->seg = t_grow(s->seg, &s->segcap, s->nseg + 1, sizeof(*s->seg));
	s->raw = t_grow(s->raw, &s->rawcap, s->rawlen + d->payload_len, 1);
	g = &s->seg[s->nseg++];
	g->rel = (uint32_t)rel;
	g->len = d->payload_len;
	g->at = s->rawlen;
	memcpy(s->raw + s->rawlen, d->payload, d->payload_len);
	s->rawlen += d->payload_len;
}

static inline int tseg_cmp(const void *a, const void *b)
{
	const struct tseg *x = a, *y = b;

	return (x->rel > y->rel) - (x->rel < y->rel);
}

static inline void streams_finish(struct tstreams *ss)
{
	unsigned i;

	for (i = 0; i < ss->n; i++) {
		struct tstream *s = &ss->s[i];
		size_t k;

		if (s->nseg)
			qsort(s->seg, s->nseg, sizeof(*s->seg), tseg_cmp);
		s->buf = malloc(s->rawlen + 1);
		if (s->buf == NULL)
			abort();
		s->len = 0;
		for (k = 0; k < s->nseg; k++) {
			const struct tseg *g = &s->seg[k];

			if (g->rel > s->len)
				break; /* a hole */
			if (g->rel + g->len > s->len) {
				size_t skip = s->len - g->rel;

				memcpy(s->buf + s->len, s->raw + g->at + skip, g->len - skip);
				s->len += g->len - skip;
			}
		}
	}
}

static inline void streams_cb(const struct tpkt *p, void *ctx)
{
	struct sl_decoded d;

	if (sl_decode(p->data, p->caplen, p->linktype, &d) == 0)
		streams_add(ctx, &d);
}

static inline struct tstreams *streams_load(const char *name)
{
	struct tstreams *ss = calloc(1, sizeof(*ss));

	if (ss == NULL)
		abort();
	pcap_each(name, streams_cb, ss);
	streams_finish(ss);
	return ss;
}

static inline void streams_free(struct tstreams *ss)
{
	unsigned i;

	if (ss == NULL)
		return;
	for (i = 0; i < ss->n; i++) {
		free(ss->s[i].buf);
		free(ss->s[i].raw);
		free(ss->s[i].seg);
	}
	free(ss);
}

/* The k-th stream (0-based, in order of first appearance) that carries data, with these
 * ports (0 = any). */
static inline struct tstream *streams_find(struct tstreams *ss, uint16_t sport, uint16_t dport,
                                    unsigned k)
{
	unsigned i;

	for (i = 0; i < ss->n; i++) {
		struct tstream *s = &ss->s[i];

		if (s->len && (sport == 0 || s->sport == sport) && (dport == 0 || s->dport == dport)) {
			if (k-- == 0)
				return s;
		}
	}
	return NULL;
}

/* The stream flowing the other way. */
static inline struct tstream *streams_reverse(struct tstreams *ss, const struct tstream *f)
{
	unsigned i;

	for (i = 0; i < ss->n; i++) {
		struct tstream *s = &ss->s[i];

		if (s->sport == f->dport && s->dport == f->sport && !memcmp(s->src, f->dst, 16) &&
		    !memcmp(s->dst, f->src, 16))
			return s;
	}
	return NULL;
}

#endif
