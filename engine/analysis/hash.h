/* SPDX-License-Identifier: MIT */
/*
 * MD5 (RFC 1321), SHA-1 and SHA-256 (FIPS 180-4), written here from the specifications because
 * the TLS fingerprints need them (JA3 is an MD5, JA4 truncates SHA-256s, a certificate's EVE
 * fingerprint is the SHA-1 of its DER) and the analysis library
 * links libc only. Neither is used for security; they name fingerprints. Streaming contexts
 * live wherever the caller puts them, so nothing is allocated.
 */
#ifndef SLUICE_ANALYSIS_HASH_H
#define SLUICE_ANALYSIS_HASH_H

#include <stddef.h>
#include <stdint.h>

struct sl_md5_ctx {
	uint32_t state[4];
	uint64_t bytes;
	uint8_t buf[64];
};

struct sl_sha256_ctx {
	uint32_t state[8];
	uint64_t bytes;
	uint8_t buf[64];
};

void sl_md5_init(struct sl_md5_ctx *c);
void sl_md5_update(struct sl_md5_ctx *c, const void *data, size_t len);
void sl_md5_final(struct sl_md5_ctx *c, uint8_t out[16]);
void sl_md5(const void *data, size_t len, uint8_t out[16]);

void sl_sha256_init(struct sl_sha256_ctx *c);
void sl_sha256_update(struct sl_sha256_ctx *c, const void *data, size_t len);
void sl_sha256_final(struct sl_sha256_ctx *c, uint8_t out[32]);
void sl_sha256(const void *data, size_t len, uint8_t out[32]);

/* SHA-1 of one buffer (a certificate is hashed whole, so no streaming form is needed). */
void sl_sha1(const void *data, size_t len, uint8_t out[20]);

/* Lowercase hex of n bytes into out (2n+1 bytes, NUL-terminated). */
void sl_hash_hex(const uint8_t *in, size_t n, char *out);

#endif
