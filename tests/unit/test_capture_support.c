/* SPDX-License-Identifier: MIT */
/*
 * Shared by the capture tests (see test_capture_support.h): the recording sl_capture_push(),
 * the lifecycle runner, a pcap reader that does not use libpcap (so a libpcap result is
 * checked against something else), the corpus manifest reader and file helpers.
 */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "test_capture_support.h"

/* ---- the pipeline stand-in -------------------------------------------------------------- */

void cap_list_add(struct cap_list *l, uint64_t ts, const uint8_t *p, uint32_t caplen, uint32_t wirelen,
                  uint16_t linktype)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 256;
		l->pkts = realloc(l->pkts, l->cap * sizeof *l->pkts);
		if (l->pkts == NULL) {
			fprintf(stderr, "out of memory\n");
			exit(1);
		}
	}
	struct cap_pkt *k = &l->pkts[l->n++];
	k->ts_ns = ts;
	k->caplen = caplen;
	k->wirelen = wirelen;
	k->linktype = linktype;
	k->data = malloc(caplen ? caplen : 1);
	if (k->data == NULL) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	memcpy(k->data, p, caplen);
}

void cap_list_free(struct cap_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->pkts[i].data);
	free(l->pkts);
	memset(l, 0, sizeof *l);
}

int cap_list_compare(const struct cap_list *a, const struct cap_list *b, const char *label)
{
	if (a->n != b->n) {
		fprintf(stderr, "%s: %zu packets vs %zu\n", label, a->n, b->n);
		return -1;
	}
	for (size_t i = 0; i < a->n; i++) {
		const struct cap_pkt *x = &a->pkts[i], *y = &b->pkts[i];
		if (x->ts_ns != y->ts_ns || x->caplen != y->caplen || x->wirelen != y->wirelen ||
		    x->linktype != y->linktype || memcmp(x->data, y->data, x->caplen) != 0) {
			fprintf(stderr,
			        "%s: packet %zu differs: ts %llu/%llu caplen %u/%u wirelen %u/%u linktype %u/%u%s\n",
			        label, i, (unsigned long long)x->ts_ns, (unsigned long long)y->ts_ns, x->caplen,
			        y->caplen, x->wirelen, y->wirelen, x->linktype, y->linktype,
			        x->caplen == y->caplen && memcmp(x->data, y->data, x->caplen) ? " (bytes)" : "");
			return -1;
		}
	}
	return 0;
}

int sl_capture_push(struct sl_capture_out *out, uint64_t ts_ns, const uint8_t *pkt, uint32_t caplen,
                    uint32_t wirelen, uint16_t linktype)
{
	if (out->refuse_after && out->got.n >= out->refuse_after) {
		out->refused++;
		return -ESHUTDOWN;
	}
	cap_list_add(&out->got, ts_ns, pkt, caplen, wirelen, linktype);
	if (out->stop_after && out->got.n == out->stop_after)
		cap_interrupt(out);
	return 1;
}

void sl_capture_flush(struct sl_capture_out *out)
{
	out->flushes++;
}

void cap_interrupt(struct sl_capture_out *out)
{
	void *st;
	for (int i = 0; (st = atomic_load(&out->state)) == NULL && i < 10000; i++)
		nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
	if (st && out->mod && out->mod->interrupt)
		out->mod->interrupt(st);
}

int cap_run(const char *kind, const struct sl_capture_spec *spec, struct sl_capture_out *out,
            struct sl_capture_counters *ctr, _Atomic int *stop, char *errbuf, size_t errlen,
            const char **phase)
{
	const struct sl_module *m = sl_capture_find(kind);
	struct sl_module_env env = { .capture = spec };
	void *state = NULL;
	int err;

	(void)stop;

	memset(ctr, 0, sizeof *ctr);
	errbuf[0] = '\0';
	*phase = "find";
	if (m == NULL)
		return -ENOENT;
	*phase = "init";
	if ((err = m->init(&env, &state, errbuf, errlen)) != 0)
		return err;
	*phase = "start";
	if ((err = m->start(state, errbuf, errlen)) != 0) {
		m->fini(state);
		return err;
	}
	*phase = "run";
	out->mod = m;
	atomic_store(&out->state, state);
	err = m->run(state, out, ctr, errbuf, errlen);
	m->stop(state);
	atomic_store(&out->state, NULL);
	m->fini(state);
	if (err == 0)
		*phase = "";
	return err;
}

/* ---- an independent pcap reader ---------------------------------------------------------- */

static uint32_t rd32(const uint8_t *p, int swap)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return swap ? __builtin_bswap32(v) : v;
}

int pcap_parse_file(const char *path, struct cap_list *out, uint16_t *linktype, uint64_t max_bytes)
{
	FILE *f = fopen(path, "rb");
	uint8_t gh[24], rh[16];
	static uint8_t buf[1 << 18];
	uint64_t pos = 24;
	int swap, nano;

	if (f == NULL || fread(gh, 1, 24, f) != 24)
		goto bad;
	uint32_t magic;
	memcpy(&magic, gh, 4);
	if (magic == 0xa1b2c3d4 || magic == 0xa1b23c4d)
		swap = 0;
	else if (magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1)
		swap = 1;
	else
		goto bad;
	nano = (swap ? __builtin_bswap32(magic) : magic) == 0xa1b23c4d;
	if (linktype)
		*linktype = (uint16_t)(rd32(gh + 20, swap) & 0xffff);
	while (fread(rh, 1, 16, f) == 16) {
		uint32_t sec = rd32(rh, swap), frac = rd32(rh + 4, swap);
		uint32_t caplen = rd32(rh + 8, swap), len = rd32(rh + 12, swap);
		if (caplen > sizeof buf || fread(buf, 1, caplen, f) != caplen)
			break;
		pos += 16 + caplen;
		if (max_bytes && pos > max_bytes)
			break;
		uint64_t ts = (uint64_t)sec * 1000000000u + (nano ? frac : (uint64_t)frac * 1000u);
		if (out)
			cap_list_add(out, ts, buf, caplen, len < caplen ? caplen : len, 0);
	}
	fclose(f);
	return 0;
bad:
	if (f)
		fclose(f);
	return -1;
}

long pcap_record_offset(const char *path, size_t idx)
{
	FILE *f = fopen(path, "rb");
	uint8_t gh[24], rh[16];
	long off = 24;
	int swap;

	if (f == NULL || fread(gh, 1, 24, f) != 24)
		goto bad;
	uint32_t magic;
	memcpy(&magic, gh, 4);
	swap = magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1;
	for (size_t i = 0; i < idx; i++) {
		if (fread(rh, 1, 16, f) != 16)
			goto bad;
		uint32_t caplen = rd32(rh + 8, swap);
		if (fseek(f, (long)caplen, SEEK_CUR) != 0)
			goto bad;
		off += 16 + (long)caplen;
	}
	fclose(f);
	return off;
bad:
	if (f)
		fclose(f);
	return -1;
}

/* ---- files ------------------------------------------------------------------------------- */

int tmpdir_make(char *buf, size_t len, const char *tag)
{
	const char *base = getenv("TMPDIR");
	snprintf(buf, len, "%s/sluice-%s-XXXXXX", base && *base ? base : "/tmp", tag);
	return mkdtemp(buf) ? 0 : -errno;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void tmpdir_remove(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int copy_prefix(const char *src, const char *dst, long bytes)
{
	FILE *in = fopen(src, "rb"), *out = fopen(dst, "wb");
	char buf[65536];
	long left = bytes;
	int ok = in && out;

	while (ok && (bytes < 0 || left > 0)) {
		size_t want = bytes < 0 || left > (long)sizeof buf ? sizeof buf : (size_t)left;
		size_t n = fread(buf, 1, want, in);
		if (n == 0)
			break;
		ok = fwrite(buf, 1, n, out) == n;
		left -= (long)n;
	}
	if (in)
		fclose(in);
	if (out && fclose(out) != 0)
		ok = 0;
	return ok ? 0 : -1;
}

long file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

int file_equal(const char *a, const char *b)
{
	FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
	int eq = fa && fb;
	while (eq) {
		int ca = fgetc(fa), cb = fgetc(fb);
		if (ca != cb)
			eq = 0;
		if (ca == EOF || cb == EOF)
			break;
	}
	if (fa)
		fclose(fa);
	if (fb)
		fclose(fb);
	return eq;
}

int have_program(const char *name)
{
	char cmd[256];
	snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", name);
	return system(cmd) == 0;
}

/* ---- the corpus manifest ----------------------------------------------------------------- */

/* The manifest is JSON; we need three numbers per file, each the first of its key after the
 * entry's "file" key (the nested objects use other key names), so a scan does. */
static long key_after(const char *from, const char *until, const char *key)
{
	const char *p = strstr(from, key);
	if (p == NULL || (until && p > until))
		return -1;
	p += strlen(key);
	while (*p == ' ' || *p == ':')
		p++;
	return strtol(p, NULL, 10);
}

int corpus_load(const char *dir, struct corpus_entry *out, size_t max)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/manifest.json", dir);
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return -1;
	fseek(f, 0, SEEK_END);
	long len = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *s = malloc((size_t)len + 1);
	if (s == NULL || fread(s, 1, (size_t)len, f) != (size_t)len) {
		fclose(f);
		free(s);
		return -1;
	}
	s[len] = '\0';
	fclose(f);

	int n = 0;
	const char *key = "\"file\": \"";
	for (const char *p = strstr(s, key); p && (size_t)n < max;) {
		const char *name = p + strlen(key), *q = strchr(name, '"');
		const char *next = strstr(q, key);
		struct corpus_entry *e = &out[n];
		snprintf(e->file, sizeof e->file, "%.*s", (int)(q - name), name);
		e->packets = key_after(q, next, "\"packets\"");
		e->dlt = (int)key_after(q, next, "\"linktype_dlt\"");
		e->size = key_after(q, next, "\"size_bytes\"");
		n++;
		p = next;
	}
	free(s);
	return n;
}
