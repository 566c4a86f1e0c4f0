/* SPDX-License-Identifier: MIT */
/*
 * MD5, SHA-1 and SHA-256 for fingerprints (see hash.h). Straight from RFC 1321 and FIPS 180-4: one
 * block function each, a shared buffering scheme, big- or little-endian length padding. Speed
 * is not a goal: a fingerprint hashes a few hundred bytes once per TLS session.
 */
#include "hash.h"

#include <string.h>

static uint32_t rotl(uint32_t x, unsigned r)
{
	return (x << r) | (x >> (32 - r));
}

static uint32_t rotr(uint32_t x, unsigned r)
{
	return (x >> r) | (x << (32 - r));
}

/* ---- MD5 ---- */

/* Per-round shift amounts and the sine-derived constants of RFC 1321, section 3.4. */
static const uint8_t md5_s[64] = {
	7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
	5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20,
	4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
	6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
};

static const uint32_t md5_k[64] = {
	0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613,
	0xfd469501, 0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193,
	0xa679438e, 0x49b40821, 0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d,
	0x02441453, 0xd8a1e681, 0xe7d3fbc8, 0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed,
	0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a, 0xfffa3942, 0x8771f681, 0x6d9d6122,
	0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70, 0x289b7ec6, 0xeaa127fa,
	0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665, 0xf4292244,
	0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
	0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb,
	0xeb86d391,
};

static void md5_block(uint32_t st[4], const uint8_t *p)
{
	uint32_t m[16], a = st[0], b = st[1], c = st[2], d = st[3], f, t;
	unsigned i, g;

	for (i = 0; i < 16; i++)
		m[i] = (uint32_t)p[4 * i] | ((uint32_t)p[4 * i + 1] << 8) |
		       ((uint32_t)p[4 * i + 2] << 16) | ((uint32_t)p[4 * i + 3] << 24);
	for (i = 0; i < 64; i++) {
		if (i < 16) {
			f = (b & c) | (~b & d);
			g = i;
		} else if (i < 32) {
			f = (d & b) | (~d & c);
			g = (5 * i + 1) & 15;
		} else if (i < 48) {
			f = b ^ c ^ d;
			g = (3 * i + 5) & 15;
		} else {
			f = c ^ (b | ~d);
			g = (7 * i) & 15;
		}
		t = d;
		d = c;
		c = b;
		b = b + rotl(a + f + md5_k[i] + m[g], md5_s[i]);
		a = t;
	}
	st[0] += a;
	st[1] += b;
	st[2] += c;
	st[3] += d;
}

void sl_md5_init(struct sl_md5_ctx *c)
{
	c->state[0] = 0x67452301;
	c->state[1] = 0xefcdab89;
	c->state[2] = 0x98badcfe;
	c->state[3] = 0x10325476;
	c->bytes = 0;
}

/* Both hashes consume 64-byte blocks the same way (Merkle-Damgard): whole blocks straight
 * from the input, the rest gathered in buf. */
static void md_update(uint32_t *state, uint8_t buf[64], uint64_t *bytes, const void *data, size_t len,
                      void (*block)(uint32_t *, const uint8_t *))
{
	const uint8_t *p = data;
	size_t have = (size_t)(*bytes & 63), take;

	*bytes += len;
	if (have) {
		take = 64 - have < len ? 64 - have : len;
		memcpy(buf + have, p, take);
		p += take;
		len -= take;
		if (have + take < 64)
			return;
		block(state, buf);
	}
	for (; len >= 64; p += 64, len -= 64)
		block(state, p);
	if (len)
		memcpy(buf, p, len);
}

void sl_md5_update(struct sl_md5_ctx *c, const void *data, size_t len)
{
	md_update(c->state, c->buf, &c->bytes, data, len, md5_block);
}

void sl_md5_final(struct sl_md5_ctx *c, uint8_t out[16])
{
	uint64_t bits = c->bytes * 8;
	uint8_t pad[72] = {0x80};
	size_t have = (size_t)(c->bytes & 63);
	size_t padlen = (have < 56 ? 56 : 120) - have;
	unsigned i;

	for (i = 0; i < 8; i++)
		pad[padlen + i] = (uint8_t)(bits >> (8 * i));
	sl_md5_update(c, pad, padlen + 8);
	for (i = 0; i < 16; i++)
		out[i] = (uint8_t)(c->state[i / 4] >> (8 * (i % 4)));
}

void sl_md5(const void *data, size_t len, uint8_t out[16])
{
	struct sl_md5_ctx c;

	sl_md5_init(&c);
	sl_md5_update(&c, data, len);
	sl_md5_final(&c, out);
}

/* ---- SHA-256 ---- */

static const uint32_t sha_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
	0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
	0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
	0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
	0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
	0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
	0xc67178f2,
};

static void sha256_block(uint32_t st[8], const uint8_t *p)
{
	uint32_t w[64], s[8], t1, t2;
	unsigned i;

	for (i = 0; i < 16; i++)
		w[i] = ((uint32_t)p[4 * i] << 24) | ((uint32_t)p[4 * i + 1] << 16) |
		       ((uint32_t)p[4 * i + 2] << 8) | p[4 * i + 3];
	for (i = 16; i < 64; i++) {
		uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);

		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	memcpy(s, st, sizeof(s));
	for (i = 0; i < 64; i++) {
		uint32_t e = s[4], a = s[0];

		t1 = s[7] + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & s[5]) ^ (~e & s[6])) +
		     sha_k[i] + w[i];
		t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & s[1]) ^ (a & s[2]) ^ (s[1] & s[2]));
		s[7] = s[6];
		s[6] = s[5];
		s[5] = s[4];
		s[4] = s[3] + t1;
		s[3] = s[2];
		s[2] = s[1];
		s[1] = s[0];
		s[0] = t1 + t2;
	}
	for (i = 0; i < 8; i++)
		st[i] += s[i];
}

void sl_sha256_init(struct sl_sha256_ctx *c)
{
	static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
	                               0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

	memcpy(c->state, iv, sizeof(iv));
	c->bytes = 0;
}

void sl_sha256_update(struct sl_sha256_ctx *c, const void *data, size_t len)
{
	md_update(c->state, c->buf, &c->bytes, data, len, sha256_block);
}

void sl_sha256_final(struct sl_sha256_ctx *c, uint8_t out[32])
{
	uint64_t bits = c->bytes * 8;
	uint8_t pad[72] = {0x80};
	size_t have = (size_t)(c->bytes & 63);
	size_t padlen = (have < 56 ? 56 : 120) - have;
	unsigned i;

	for (i = 0; i < 8; i++)
		pad[padlen + i] = (uint8_t)(bits >> (56 - 8 * i));
	sl_sha256_update(c, pad, padlen + 8);
	for (i = 0; i < 32; i++)
		out[i] = (uint8_t)(c->state[i / 4] >> (24 - 8 * (i % 4)));
}

void sl_sha256(const void *data, size_t len, uint8_t out[32])
{
	struct sl_sha256_ctx c;

	sl_sha256_init(&c);
	sl_sha256_update(&c, data, len);
	sl_sha256_final(&c, out);
}

void sl_hash_hex(const uint8_t *in, size_t n, char *out)
{
	static const char hx[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hx[in[i] >> 4];
		out[2 * i + 1] = hx[in[i] & 15];
	}
	out[2 * n] = '\0';
}

/* ---- SHA-1 ---- */

static void sha1_block(uint32_t h[5], const uint8_t *p)
{
	uint32_t w[80], a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];

	for (int i = 0; i < 16; i++)
		w[i] = ((uint32_t)p[4 * i] << 24) | ((uint32_t)p[4 * i + 1] << 16) | ((uint32_t)p[4 * i + 2] << 8) |
		       p[4 * i + 3];
	for (int i = 16; i < 80; i++)
		w[i] = rotl(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
	for (int i = 0; i < 80; i++) {
		uint32_t f, k, t;

		if (i < 20)
			f = (b & c) | (~b & d), k = 0x5a827999u;
		else if (i < 40)
			f = b ^ c ^ d, k = 0x6ed9eba1u;
		else if (i < 60)
			f = (b & c) | (b & d) | (c & d), k = 0x8f1bbcdcu;
		else
			f = b ^ c ^ d, k = 0xca62c1d6u;
		t = rotl(a, 5) + f + e + k + w[i];
		e = d, d = c, c = rotl(b, 30), b = a, a = t;
	}
	h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e;
}

void sl_sha1(const void *data, size_t len, uint8_t out[20])
{
	uint32_t h[5] = {0x67452301u, 0xefcdab89u, 0x98badcfeu, 0x10325476u, 0xc3d2e1f0u};
	const uint8_t *p = data;
	uint8_t last[128];
	size_t full = len & ~(size_t)63, rest = len - full, n;
	uint64_t bits = (uint64_t)len * 8;

	for (size_t i = 0; i < full; i += 64)
		sha1_block(h, p + i);
	memset(last, 0, sizeof last);
	if (rest)
		memcpy(last, p + full, rest);
	last[rest] = 0x80;
	n = rest + 1 + 8 <= 64 ? 64 : 128;
	for (int i = 0; i < 8; i++)
		last[n - 1 - i] = (uint8_t)(bits >> (8 * i));
	sha1_block(h, last);
	if (n == 128)
		sha1_block(h, last + 64);
	for (int i = 0; i < 5; i++) {
		out[4 * i] = (uint8_t)(h[i] >> 24);
		out[4 * i + 1] = (uint8_t)(h[i] >> 16);
		out[4 * i + 2] = (uint8_t)(h[i] >> 8);
		out[4 * i + 3] = (uint8_t)h[i];
	}
}
