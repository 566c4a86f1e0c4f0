/* SPDX-License-Identifier: MIT */
/*
 * The watchlist parser and index (watchlist.h). Everything here runs on the control thread
 * when a list is loaded, except the two match functions, which workers call on an immutable
 * list: they allocate nothing and take no lock.
 *
 * The file is untrusted: any byte may appear, lines may be of any length, and a bad row is
 * named (line and reason), never half-loaded. Libc only, so the fuzz target builds it alone.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "watchlist.h"

#define TAG_MAX 64
#define SIG_MAX 256
#define NAME_MAX_LEN 253
#define JA4_MAX 64
#define LINE_MAX_LEN 4096
#define MATCH_MAX_KEY (2 + NAME_MAX_LEN)

/* While parsing, strings are offsets into the arena (it moves as it grows). */
struct row {
	uint8_t kind, severity, ipver, plen;
	uint32_t line;
	uint32_t value, tag, sig; /* arena offsets of NUL-terminated strings */
	uint32_t key, keylen;     /* the index key: kind byte, then the value's bytes */
	uint32_t hash;
};

struct sl_watchlist {
	struct sl_wl_entry *entries;
	struct row *rows;
	size_t n, cap;
	char *arena;
	size_t used, arena_cap;
	uint32_t *slots; /* id + 1; 0: empty */
	uint32_t mask;
	uint32_t gen;
	uint32_t kinds;   /* bit per enum sl_wl_kind present */
	uint8_t v4_len[33], v6_len[129]; /* prefix lengths in use, longest first */
	uint8_t n_v4, n_v6;
};

static _Atomic uint32_t next_gen = 1;

static uint32_t fnv1a(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h ? h : 1;
}

static long arena_put(struct sl_watchlist *wl, const void *p, size_t n)
{
	if (wl->used + n + 1 > wl->arena_cap) {
		size_t cap = wl->arena_cap ? wl->arena_cap : 4096;
		while (wl->used + n + 1 > cap)
			cap *= 2;
		char *a = realloc(wl->arena, cap);
		if (!a)
			return -1;
		wl->arena = a;
		wl->arena_cap = cap;
	}
	size_t off = wl->used;
	memcpy(wl->arena + off, p, n);
	wl->arena[off + n] = '\0';
	wl->used += n + 1;
	return (long)off;
}

const char *sl_wl_kind_name(enum sl_wl_kind kind)
{
	switch (kind) {
	case SL_WL_IP: return "ip";
	case SL_WL_DOMAIN: return "domain";
	case SL_WL_DOMAIN_SUFFIX: return "domain";
	case SL_WL_JA3: return "ja3";
	case SL_WL_JA4: return "ja4";
	case SL_WL_COUNTRY: return "country";
	}
	return "?";
}

/* ---- normalising values (shared by entries and lookups) ---------------------------------- */

/* A DNS-style name, lowercased, one trailing dot dropped; 0 when it is not one. */
static size_t norm_name(const char *s, size_t n, char *out)
{
	size_t label = 0;

	if (n && s[n - 1] == '.')
		n--;
	if (n == 0 || n > NAME_MAX_LEN)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		if (c == '.') {
			if (label == 0)
				return 0; /* empty label */
			label = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_') {
			if (++label > 63)
				return 0;
		} else {
			return 0;
		}
		out[i] = (char)c;
	}
	return label ? n : 0; /* "a.b.." : an empty last label */
}

static size_t norm_hex32(const char *s, size_t n, char *out)
{
	if (n != 32)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c >= 'A' && c <= 'F')
			c = (char)(c - 'A' + 'a');
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return 0;
		out[i] = c;
	}
	return n;
}

static size_t norm_ja4(const char *s, size_t n, char *out)
{
	if (n == 0 || n > JA4_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == '_'))
			return 0;
		out[i] = c;
	}
	return n;
}

static size_t norm_country(const char *s, size_t n, char *out)
{
	if (n != 2)
		return 0;
	for (size_t i = 0; i < 2; i++) {
		char c = s[i];
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (c < 'A' || c > 'Z')
			return 0;
		out[i] = c;
	}
	return 2;
}

/* key: [kind][ipver][plen][masked address: 4 or 16 bytes] */
static size_t ip_key(uint8_t *key, uint8_t ipver, uint8_t plen, const uint8_t *addr)
{
	size_t alen = ipver == 4 ? 4 : 16;
	key[0] = SL_WL_IP;
	key[1] = ipver;
	key[2] = plen;
	for (size_t i = 0; i < alen; i++) {
		unsigned bits = plen > i * 8 ? plen - (unsigned)i * 8 : 0;
		uint8_t m = bits >= 8 ? 0xff : (uint8_t)(0xff00u >> bits);
		key[3 + i] = addr[i] & m;
	}
	return 3 + alen;
}

/* ---- rows ------------------------------------------------------------------------------ */

static const char *next_field(const char **p, const char *end, size_t *n)
{
	const char *s = *p;
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	const char *e = s;
	while (e < end && *e != ' ' && *e != '\t')
		e++;
	*p = e;
	*n = (size_t)(e - s);
	return s;
}

/* One row into wl (appended) or a reason. */
static const char *parse_row(struct sl_watchlist *wl, const char *p, const char *end, uint32_t line, int *nomem)
{
	size_t kn, vn, tn, sn;
	const char *kind = next_field(&p, end, &kn);
	const char *val = next_field(&p, end, &vn);
	const char *tag = next_field(&p, end, &tn);
	const char *sev = next_field(&p, end, &sn);
	struct row r;
	char norm[NAME_MAX_LEN + 3], sig[SIG_MAX + 1];
	uint8_t key[MATCH_MAX_KEY + 16];
	size_t normlen = 0, keylen;

	memset(&r, 0, sizeof r);
	r.line = line;
	if (!vn || !tn || !sn)
		return "expected KIND VALUE TAG SEVERITY";
	/* severity */
	unsigned long s = 0;
	for (size_t i = 0; i < sn; i++) {
		if (sev[i] < '0' || sev[i] > '9' || (s = s * 10 + (unsigned long)(sev[i] - '0')) > 255)
			return "SEVERITY is not a number from 1 to 255";
	}
	if (s < 1)
		return "SEVERITY is not a number from 1 to 255";
	r.severity = (uint8_t)s;
	/* tag */
	if (tn > TAG_MAX)
		return "TAG is longer than 64 bytes";
	for (size_t i = 0; i < tn; i++) {
		char c = tag[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
		      c == ':' || c == '/' || c == '-'))
			return "TAG has a byte outside [A-Za-z0-9_.:/-]";
	}
	/* the value, by kind */
	if ((kn == 2 && !strncasecmp(kind, "ip", 2)) || (kn == 4 && !strncasecmp(kind, "cidr", 4))) {
		char a[64];
		uint8_t addr[16] = { 0 };
		const char *slash = memchr(val, '/', vn);
		size_t an = slash ? (size_t)(slash - val) : vn;
		unsigned plen;
		if (an == 0 || an >= sizeof a)
			return "not an IPv4 or IPv6 address";
		memcpy(a, val, an);
		a[an] = '\0';
		if (inet_pton(AF_INET, a, addr) == 1)
			r.ipver = 4;
		else if (inet_pton(AF_INET6, a, addr) == 1)
			r.ipver = 6;
		else
			return "not an IPv4 or IPv6 address";
		plen = r.ipver == 4 ? 32 : 128;
		if (slash) {
			size_t ln = vn - an - 1;
			unsigned v = 0;
			if (ln == 0 || ln > 3)
				return "bad prefix length";
			for (size_t i = 0; i < ln; i++) {
				char c = slash[1 + i];
				if (c < '0' || c > '9')
					return "bad prefix length";
				v = v * 10 + (unsigned)(c - '0');
			}
			if (v > plen)
				return "prefix length longer than the address";
			plen = v;
		}
		r.plen = (uint8_t)plen;
		r.kind = SL_WL_IP;
		keylen = ip_key(key, r.ipver, r.plen, addr);
		if (memcmp(key + 3, addr, r.ipver == 4 ? 4 : 16) != 0)
			return "host bits set past the prefix length";
		char txt[INET6_ADDRSTRLEN];
		inet_ntop(r.ipver == 4 ? AF_INET : AF_INET6, addr, txt, sizeof txt);
		normlen = (size_t)snprintf(norm, sizeof norm, "%s/%u", txt, plen);
	} else if (kn == 6 && !strncasecmp(kind, "domain", 6)) {
		int suffix = vn > 2 && val[0] == '*' && val[1] == '.';
		if (suffix)
			val += 2, vn -= 2;
		if (!(normlen = norm_name(val, vn, norm + (suffix ? 2 : 0))))
			return "not a domain name (letters, digits, '-', '_', labels of 1..63, at most 253)";
		r.kind = suffix ? SL_WL_DOMAIN_SUFFIX : SL_WL_DOMAIN;
		key[0] = r.kind;
		memcpy(key + 1, norm + (suffix ? 2 : 0), normlen);
		keylen = 1 + normlen;
		if (suffix) {
			norm[0] = '*', norm[1] = '.';
			normlen += 2;
		}
	} else if (kn == 3 && !strncasecmp(kind, "ja3", 3)) {
		if (!(normlen = norm_hex32(val, vn, norm)))
			return "not a JA3 hash (32 hex digits)";
		r.kind = SL_WL_JA3;
	} else if (kn == 3 && !strncasecmp(kind, "ja4", 3)) {
		if (!(normlen = norm_ja4(val, vn, norm)))
			return "not a JA4 fingerprint ([a-z0-9_], at most 64)";
		r.kind = SL_WL_JA4;
	} else if (kn == 7 && !strncasecmp(kind, "country", 7)) {
		if (!(normlen = norm_country(val, vn, norm)))
			return "not an ISO 3166-1 alpha-2 country code";
		r.kind = SL_WL_COUNTRY;
	} else {
		return "unknown KIND (ip, cidr, domain, ja3, ja4, country)";
	}
	if (r.kind == SL_WL_JA3 || r.kind == SL_WL_JA4 || r.kind == SL_WL_COUNTRY) {
		key[0] = r.kind;
		memcpy(key + 1, norm, normlen);
		keylen = 1 + normlen;
	}
	norm[normlen] = '\0';
	/* the signature: the rest of the line, or a default */
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	size_t sl = (size_t)(end - p);
	while (sl && (p[sl - 1] == ' ' || p[sl - 1] == '\t'))
		sl--;
	if (sl > SIG_MAX)
		return "SIGNATURE is longer than 256 bytes";
	for (size_t i = 0; i < sl; i++)
		if ((unsigned char)p[i] < 0x20 || (unsigned char)p[i] > 0x7e)
			return "SIGNATURE has a byte that is not printable ASCII";
	if (sl) {
		memcpy(sig, p, sl);
	} else {
		int k = snprintf(sig, sizeof sig, "watchlist %.*s: %s %s", (int)tn, tag, sl_wl_kind_name(r.kind), norm);
		sl = k < 0 ? 0 : (size_t)k >= sizeof sig ? sizeof sig - 1 : (size_t)k;
	}
	if (wl->n == SL_WL_MAX_ENTRIES)
		return "too many entries";
	long v = arena_put(wl, norm, normlen), t = arena_put(wl, tag, tn), g = arena_put(wl, sig, sl),
	     k = arena_put(wl, key, keylen);
	if (v < 0 || t < 0 || g < 0 || k < 0) {
		*nomem = 1;
		return "out of memory";
	}
	r.value = (uint32_t)v, r.tag = (uint32_t)t, r.sig = (uint32_t)g, r.key = (uint32_t)k;
	r.keylen = (uint32_t)keylen;
	r.hash = fnv1a(key, keylen);
	if (wl->n == wl->cap) {
		size_t cap = wl->cap ? wl->cap * 2 : 256;
		struct row *rows = realloc(wl->rows, cap * sizeof *rows);
		if (!rows) {
			*nomem = 1;
			return "out of memory";
		}
		wl->rows = rows;
		wl->cap = cap;
	}
	wl->rows[wl->n++] = r;
	return NULL;
}

/* ---- the index --------------------------------------------------------------------------- */

static int build(struct sl_watchlist *wl)
{
	size_t nslots = 16;
	uint8_t v4[33] = { 0 }, v6[129] = { 0 };

	while (nslots < wl->n * 2)
		nslots *= 2;
	wl->slots = calloc(nslots, sizeof *wl->slots);
	wl->entries = calloc(wl->n ? wl->n : 1, sizeof *wl->entries);
	if (!wl->slots || !wl->entries)
		return -ENOMEM;
	wl->mask = (uint32_t)(nslots - 1);
	for (size_t i = 0; i < wl->n; i++) {
		const struct row *r = &wl->rows[i];
		struct sl_wl_entry *e = &wl->entries[i];
		e->kind = r->kind;
		e->severity = r->severity;
		e->ipver = r->ipver;
		e->plen = r->plen;
		e->line = r->line;
		e->value = wl->arena + r->value;
		e->tag = wl->arena + r->tag;
		e->signature = wl->arena + r->sig;
		wl->kinds |= 1u << r->kind;
		if (r->kind == SL_WL_IP)
			(r->ipver == 4 ? v4 : v6)[r->plen] = 1;
		uint32_t s = r->hash & wl->mask;
		while (wl->slots[s])
			s = (s + 1) & wl->mask;
		wl->slots[s] = (uint32_t)i + 1;
	}
	for (int l = 32; l >= 0; l--)
		if (v4[l])
			wl->v4_len[wl->n_v4++] = (uint8_t)l;
	for (int l = 128; l >= 0; l--)
		if (v6[l])
			wl->v6_len[wl->n_v6++] = (uint8_t)l;
	return 0;
}

static unsigned probe(const struct sl_watchlist *wl, const uint8_t *key, size_t keylen, uint32_t *ids, unsigned max,
                      unsigned found)
{
	uint32_t h = fnv1a(key, keylen);

	for (uint32_t s = h & wl->mask; wl->slots[s]; s = (s + 1) & wl->mask) {
		const struct row *r = &wl->rows[wl->slots[s] - 1];
		if (r->hash == h && r->keylen == keylen && memcmp(wl->arena + r->key, key, keylen) == 0) {
			if (found < max)
				ids[found] = wl->slots[s] - 1;
			found++;
		}
	}
	return found;
}

unsigned sl_watchlist_match_ip(const struct sl_watchlist *wl, uint8_t ipver, const uint8_t addr[16], uint32_t *ids,
                               unsigned max)
{
	uint8_t key[3 + 16];
	unsigned found = 0, nl = ipver == 4 ? wl->n_v4 : wl->n_v6;
	const uint8_t *lens = ipver == 4 ? wl->v4_len : wl->v6_len;

	if (!(wl->kinds & (1u << SL_WL_IP)))
		return 0;
	for (unsigned i = 0; i < nl; i++) {
		size_t kl = ip_key(key, ipver, lens[i], addr);
		found = probe(wl, key, kl, ids, max, found);
	}
	return found;
}

unsigned sl_watchlist_match(const struct sl_watchlist *wl, enum sl_wl_kind kind, const char *s, size_t n,
                            uint32_t *ids, unsigned max)
{
	uint8_t key[MATCH_MAX_KEY];
	size_t nl;
	unsigned found = 0;

	switch (kind) {
	case SL_WL_DOMAIN:
		if (!(wl->kinds & ((1u << SL_WL_DOMAIN) | (1u << SL_WL_DOMAIN_SUFFIX))))
			return 0;
		if (!(nl = norm_name(s, n, (char *)key + 1)))
			return 0;
		if (wl->kinds & (1u << SL_WL_DOMAIN)) {
			key[0] = SL_WL_DOMAIN;
			found = probe(wl, key, 1 + nl, ids, max, found);
		}
		if (wl->kinds & (1u << SL_WL_DOMAIN_SUFFIX)) {
			/* the name itself, then each parent: a.b.c, b.c, c */
			for (size_t at = 0; at < nl;) {
				uint8_t k2[MATCH_MAX_KEY];
				k2[0] = SL_WL_DOMAIN_SUFFIX;
				memcpy(k2 + 1, key + 1 + at, nl - at);
				found = probe(wl, k2, 1 + nl - at, ids, max, found);
				const uint8_t *dot = memchr(key + 1 + at, '.', nl - at);
				if (!dot)
					break;
				at = (size_t)(dot - (key + 1)) + 1;
			}
		}
		return found;
	case SL_WL_JA3:
		nl = norm_hex32(s, n, (char *)key + 1);
		break;
	case SL_WL_JA4:
		nl = norm_ja4(s, n, (char *)key + 1);
		break;
	case SL_WL_COUNTRY:
		nl = norm_country(s, n, (char *)key + 1);
		break;
	default:
		return 0;
	}
	if (!nl || !(wl->kinds & (1u << kind)))
		return 0;
	key[0] = (uint8_t)kind;
	return probe(wl, key, 1 + nl, ids, max, 0);
}

/* ---- loading ----------------------------------------------------------------------------- */

int sl_watchlist_parse(const char *text, size_t len, struct sl_watchlist **out, sl_wl_bad_fn bad, void *arg,
                       size_t *nbad, char *errbuf, size_t errlen)
{
	struct sl_watchlist *wl = calloc(1, sizeof *wl);
	const char *p = text, *end = text + len;
	uint32_t line = 0;
	int nomem = 0;

	*out = NULL;
	*nbad = 0;
	if (!wl)
		goto oom;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end, *ls = p;
		p = nl ? nl + 1 : end;
		line++;
		if (le > ls && le[-1] == '\r')
			le--;
		const char *q = ls;
		while (q < le && (*q == ' ' || *q == '\t'))
			q++;
		if (q == le || *q == '#')
			continue;
		const char *why = NULL;
		if (le - ls > LINE_MAX_LEN)
			why = "line longer than 4096 bytes";
		else if (memchr(ls, '\0', (size_t)(le - ls)))
			why = "NUL byte in the line";
		else
			why = parse_row(wl, ls, le, line, &nomem);
		if (nomem)
			goto oom;
		if (why) {
			if (wl->n == SL_WL_MAX_ENTRIES && !strcmp(why, "too many entries")) {
				snprintf(errbuf, errlen, "line %u: more than %u entries", line, SL_WL_MAX_ENTRIES);
				sl_watchlist_free(wl);
				return -EFBIG;
			}
			(*nbad)++;
			if (bad)
				bad(arg, line, why);
		}
	}
	if (build(wl) != 0)
		goto oom;
	wl->gen = atomic_fetch_add_explicit(&next_gen, 1, memory_order_relaxed);
	if (wl->gen == 0)
		wl->gen = atomic_fetch_add_explicit(&next_gen, 1, memory_order_relaxed);
	*out = wl;
	return 0;
oom:
	sl_watchlist_free(wl);
	snprintf(errbuf, errlen, "watchlist: out of memory");
	return -ENOMEM;
}

struct first_bad {
	uint32_t line;
	char why[128];
	sl_wl_bad_fn bad;
	void *arg;
};

static void keep_first(void *arg, uint32_t line, const char *why)
{
	struct first_bad *fb = arg;
	if (!fb->line) {
		fb->line = line;
		snprintf(fb->why, sizeof fb->why, "%s", why);
	}
	if (fb->bad)
		fb->bad(fb->arg, line, why);
}

#define FILE_MAX ((size_t)1 << 30)

/* The file's bytes in a buffer of room + 1 more at the end: 0, or -errno with errbuf. */
static int read_file(const char *path, size_t room, char **text, size_t *len, char *errbuf, size_t errlen)
{
	struct stat st;
	size_t got = 0;
	int fd, e;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		e = -errno;
		snprintf(errbuf, errlen, "watchlist %s: %s", path, strerror(-e));
		return e;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > FILE_MAX) {
		e = S_ISREG(st.st_mode) ? -EFBIG : -EINVAL;
		snprintf(errbuf, errlen, "watchlist %s: %s", path,
		         e == -EFBIG ? "larger than 1GiB" : "not a regular file");
		close(fd);
		return e;
	}
	if (!(*text = malloc((size_t)st.st_size + room + 1))) {
		close(fd);
		snprintf(errbuf, errlen, "watchlist %s: out of memory", path);
		return -ENOMEM;
	}
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, *text + got, (size_t)st.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			e = r < 0 ? -errno : -EIO;
			snprintf(errbuf, errlen, "watchlist %s: read: %s", path, r < 0 ? strerror(-e) : "file shrank");
			free(*text);
			*text = NULL;
			close(fd);
			return e;
		}
		got += (size_t)r;
	}
	close(fd);
	*len = got;
	return 0;
}

int sl_watchlist_load(const char *path, const char *extra, size_t extralen, bool strict, struct sl_watchlist **out,
                      sl_wl_bad_fn bad, void *arg, char *errbuf, size_t errlen)
{
	struct first_bad fb = { .bad = bad, .arg = arg };
	char *text = NULL;
	size_t got = 0, nbad = 0;
	const char *name = path && path[0] ? path : "(database rows)";
	int e;

	*out = NULL;
	if (!extra)
		extralen = 0;
	if (path && path[0]) {
		if ((e = read_file(path, extralen + 1, &text, &got, errbuf, errlen)) != 0)
			return e;
	} else if (!(text = malloc(extralen + 2))) {
		snprintf(errbuf, errlen, "watchlist: out of memory");
		return -ENOMEM;
	}
	if (extralen) { /* the extra rows start on a line of their own */
		if (got && text[got - 1] != '\n')
			text[got++] = '\n';
		memcpy(text + got, extra, extralen);
		got += extralen;
	}
	e = sl_watchlist_parse(text, got, out, keep_first, &fb, &nbad, errbuf, errlen);
	free(text);
	if (e != 0) {
		char tmp[256];
		snprintf(tmp, sizeof tmp, "%s", errbuf);
		snprintf(errbuf, errlen, "watchlist %s: %s", name, tmp);
		return e;
	}
	if (strict && nbad) {
		snprintf(errbuf, errlen, "watchlist %s:%u: %s (%zu bad row%s)", name, fb.line, fb.why, nbad,
		         nbad == 1 ? "" : "s");
		sl_watchlist_free(*out);
		*out = NULL;
		return -EINVAL;
	}
	return 0;
}

void sl_watchlist_free(struct sl_watchlist *wl)
{
	if (!wl)
		return;
	free(wl->entries);
	free(wl->rows);
	free(wl->arena);
	free(wl->slots);
	free(wl);
}

size_t sl_watchlist_count(const struct sl_watchlist *wl)
{
	return wl->n;
}

uint32_t sl_watchlist_gen(const struct sl_watchlist *wl)
{
	return wl->gen;
}

bool sl_watchlist_has(const struct sl_watchlist *wl, enum sl_wl_kind kind)
{
	if (kind == SL_WL_DOMAIN)
		return (wl->kinds & ((1u << SL_WL_DOMAIN) | (1u << SL_WL_DOMAIN_SUFFIX))) != 0;
	return (wl->kinds & (1u << kind)) != 0;
}

const struct sl_wl_entry *sl_watchlist_entry(const struct sl_watchlist *wl, uint32_t id)
{
	return id < wl->n ? &wl->entries[id] : NULL;
}
