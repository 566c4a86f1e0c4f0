/* SPDX-License-Identifier: MIT */
/*
 * MD5 and SHA-256 against the published test vectors (RFC 1321 appendix A.5, FIPS 180-2
 * appendix B / NIST examples), fed whole and byte by byte so the buffering between blocks is
 * exercised too. The TLS fingerprints are only as right as these.
 */
#include "hash.h"
#include "test_analysis_util.h"

static void md5_hex(const char *s, char out[33])
{
	uint8_t md[16];

	sl_md5(s, strlen(s), md);
	sl_hash_hex(md, 16, out);
}

static void sha_hex(const char *s, char out[65])
{
	uint8_t md[32];

	sl_sha256(s, strlen(s), md);
	sl_hash_hex(md, 32, out);
}

int main(void)
{
	static const struct {
		const char *in, *md5;
	} m[] = {
		{"", "d41d8cd98f00b204e9800998ecf8427e"},
		{"a", "0cc175b9c0f1b6a831c399e269772661"},
		{"abc", "900150983cd24fb0d6963f7d28e17f72"},
		{"message digest", "f96b697d7cb7938d525a2f31aaf161d0"},
		{"abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"},
		{"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
		 "d174ab98d277d9f5a5611c2c9f419d9f"},
		{"1234567890123456789012345678901234567890123456789012345678901234567890123456"
		 "7890",
		 "57edf4a22be3c955ac49da2e2107b67a"},
	};
	static const struct {
		const char *in, *sha;
	} s[] = {
		{"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		 "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
		{"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopq"
		 "klmnopqrlmnopqrsmnopqrstnopqrstu",
		 "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
		/* JA4's own example cipher list (FoxIO technical details) */
		{"002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9",
		 "8daaf6152771"},
	};
	char out[65];
	size_t i, k;

	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		struct sl_md5_ctx c;
		uint8_t md[16];

		md5_hex(m[i].in, out);
		CHECK_STR(out, m[i].md5);
		sl_md5_init(&c);
		for (k = 0; m[i].in[k]; k++)
			sl_md5_update(&c, m[i].in + k, 1);
		sl_md5_final(&c, md);
		sl_hash_hex(md, 16, out);
		CHECK_STR(out, m[i].md5);
	}
	for (i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		struct sl_sha256_ctx c;
		uint8_t md[32];

		sha_hex(s[i].in, out);
		CHECK(strncmp(out, s[i].sha, strlen(s[i].sha)) == 0);
		sl_sha256_init(&c);
		for (k = 0; s[i].in[k]; k++)
			sl_sha256_update(&c, s[i].in + k, 1);
		sl_sha256_final(&c, md);
		sl_hash_hex(md, 32, out);
		CHECK(strncmp(out, s[i].sha, strlen(s[i].sha)) == 0);
	}
	{
		/* SHA-1: FIPS 180 examples, and lengths around the padding boundary checked
		 * against sha1sum (55, 56 and 64 'a') */
		static const struct {
			const char *in, *sha;
		} s1[] = {
			{"", "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
			{"abc", "a9993e364706816aba3e25717850c26c9cd0d89d"},
			{"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
			 "84983e441c3bd26ebaae4aa1f95129e5e54670f1"},
			{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
			 "c1c8bbdc22796e28c0e15163d20899b65621d65a"},
			{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
			 "c2db330f6083854c99d4b5bfb6e8f29f201be699"},
			{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
			 "0098ba824b5c16427bd7a1122a5a442a25ec644d"},
		};
		uint8_t md[20];

		for (i = 0; i < sizeof(s1) / sizeof(s1[0]); i++) {
			sl_sha1(s1[i].in, strlen(s1[i].in), md);
			sl_hash_hex(md, 20, out);
			CHECK_STR(out, s1[i].sha);
		}
	}
	{
		/* one million 'a' (FIPS 180-2 B.3), in uneven pieces */
		static char a[2048];
		struct sl_sha256_ctx c;
		struct sl_md5_ctx mc;
		uint8_t md[32];
		size_t done = 0, step = 1;

		memset(a, 'a', sizeof(a));
		sl_sha256_init(&c);
		sl_md5_init(&mc);
		while (done < 1000000) {
			size_t n = 1000000 - done < step ? 1000000 - done : step;

			sl_sha256_update(&c, a, n);
			sl_md5_update(&mc, a, n);
			done += n;
			step = step % 997 + 13;
		}
		sl_sha256_final(&c, md);
		sl_hash_hex(md, 32, out);
		CHECK_STR(out, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
		sl_md5_final(&mc, md);
		sl_hash_hex(md, 16, out);
		CHECK_STR(out, "7707d6ae4e027c70eea2a935c2296f21");
	}
	return test_done("test_hash");
}
