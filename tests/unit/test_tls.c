/* SPDX-License-Identifier: MIT */
/*
 * TLS hello parsing and fingerprints. For every TLS session of the corpus captures the
 * ClientHello must give the SNI the manifest states and the JA3 hash tshark computes, the
 * JA4 re-derived from tshark's fields by an independent script, and the ServerHello the
 * version EVE writes (TLS 1.2 / TLS 1.3 / TLS 1.3 draft-28 / TLSv1) and tshark's JA3S. The
 * ClientHello that spans many TCP segments is parsed through the NEED_MORE protocol, one
 * re-split into many TLS records must give the same result, and FoxIO's published JA4
 * example is rebuilt byte by byte.
 */
#include "tls.h"
#include "x509.h"
#include "test_analysis_util.h"

#include <errno.h>

struct expect {
	const char *file;
	uint16_t server_port;
	unsigned k; /* which stream to that port */
	const char *sni, *ja3_hash, *ja4, *server_version, *ja3s_hash;
};

/* ja3/ja3s hashes: tshark 4.0 (tls.handshake.ja3 / ja3s); ja4: computed from tshark's
 * cipher, extension, signature-algorithm, ALPN and supported-version fields. */
static const struct expect expects[] = {
	{"sv-bug-2646-01.pcap", 443, 0, "raw.githubusercontent.com",
	 "316193effb467e51d0301cabd36b69e0", "t12d620800_106a9de34958_ce8ec278e0aa", "TLS 1.2",
	 "098e26e2609212ac1bfac552fbe04127"},
	{"sv-community-id-ipv4.pcap", 443, 0, "ipv4.google.com",
	 "e690df036922288311144cc96acf6515", "t13d3613h2_018971650b2c_e7e754ef087b", "TLS 1.3",
	 "907bf3ecef1c987c889946b737b43de8"},
	{"sv-community-id-ipv6.pcap", 443, 0, "dns.google", "7a15285d4efc355608b304698cd7f9ab",
	 "t13d1911h2_9dc949149365_e7c285222651", "TLS 1.3", "eb1d94daa7e0344597e756a1fb6e7054"},
	{"sv-community-id-ipv6.pcap", 443, 1, "ipv6.google.com",
	 "e690df036922288311144cc96acf6515", "t13d3613h2_018971650b2c_e7e754ef087b", "TLS 1.3",
	 "907bf3ecef1c987c889946b737b43de8"},
	{"sv-tls13-draft28.pcap", 4433, 0, "localhost", "43202faa1c8c1760d6f7f4bd9adde4ab",
	 "t00d291200_723694b0fccc_aaaa04918165", "TLS 1.3 draft-28",
	 "15af977ce25de452b96affa2addb1036"},
	{"sv-tls13-draft28.pcap", 4433, 1, "localhost", "d00857e0c8e7a7f35e446508c6233460",
	 "t00d291300_723694b0fccc_4c6658849c25", "TLS 1.3 draft-28",
	 "2253c82f03b621c5144709b393fde2c9"},
	{"sv-tls-client-hello-frag-01.pcap", 443, 0, "www.google.com",
	 "a64c29923906f2a1be278be1da0714fa", "t12d8008h2_9cedc1f1428b_046e095b7c4a", "TLS 1.2",
	 "a27e76e64afe9199440ad714848966f8"},
	{"sv-tls-pre-1970.pcap", 443, 0, "fkp.samsungcloudsolution.com",
	 "f271b89dfd3fc1647182ed19a5c37285", "t10d050200_0d2501948096_e78b541c01a9", "TLSv1",
	 "6b96cf9c27b0223177b0e9f135fe4899"},
};

static struct sl_tls_client_hello ch;
static struct sl_tls_server_hello sh;

/* Parse the way a worker does: start with what one segment gave, then exactly what
 * NEED_MORE asks for. Returns the final result; *rounds counts the calls. */
static int parse_incrementally(const uint8_t *buf, size_t total, size_t first, unsigned *rounds)
{
	size_t have = first < total ? first : total, need = 0;
	int rc;

	*rounds = 0;
	for (;;) {
		++*rounds;
		rc = sl_tls_parse_client_hello(buf, have, &ch, &need);
		if (rc != SL_TLS_NEED_MORE)
			return rc;
		CHECK(need > have);
		if (need <= have || have == total)
			return rc;
		have = need < total ? need : total;
	}
}

static void corpus(void)
{
	size_t i;

	for (i = 0; i < sizeof(expects) / sizeof(expects[0]); i++) {
		const struct expect *e = &expects[i];
		struct tstreams *ss = streams_load(e->file);
		struct tstream *c = streams_find(ss, 0, e->server_port, e->k), *s;
		size_t need;
		unsigned rounds;
		int rc;

		CHECK(c != NULL);
		if (c == NULL) {
			streams_free(ss);
			continue;
		}
		CHECK_INT(sl_tls_probe(c->buf, c->len), 1);
		rc = sl_tls_parse_client_hello(c->buf, c->len, &ch, &need);
		CHECK_STR(sl_tls_reason_name(rc), "ok");
		CHECK_STR(ch.sni, e->sni);
		CHECK_INT(ch.sni_len, strlen(e->sni));
		CHECK_STR(ch.ja3_hash, e->ja3_hash);
		CHECK_STR(ch.ja4, e->ja4);
		CHECK(ch.flags & SL_TLS_F_HAS_SNI);
		CHECK(!(ch.flags & SL_TLS_F_LIST_CUT));
		CHECK(ch.hello_end > 0 && ch.hello_end <= c->len);

		/* incrementally, from a single byte on */
		rc = parse_incrementally(c->buf, c->len, 1, &rounds);
		CHECK_INT(rc, SL_TLS_OK);
		CHECK(rounds >= 3);
		CHECK_STR(ch.ja3_hash, e->ja3_hash);

		s = streams_reverse(ss, c);
		CHECK(s != NULL);
		if (s != NULL) {
			CHECK_INT(sl_tls_probe(s->buf, s->len), 0); /* not a ClientHello */
			rc = sl_tls_parse_server_hello(s->buf, s->len, &sh, &need);
			CHECK_STR(sl_tls_reason_name(rc), "ok");
			CHECK_STR(sl_tls_version_name(sh.version), e->server_version);
			CHECK_STR(sh.ja3s_hash, e->ja3s_hash);
			/* a server stream is no ClientHello */
			CHECK_STR(sl_tls_reason_name(sl_tls_parse_client_hello(s->buf, s->len, &ch, &need)),
			          "unexpected_handshake");
		}
		streams_free(ss);
	}
}

/* The server certificate of sv-tls-pre-1970 against the fields the peer's own test asserts
 * (suricata-verify tls-pre-1970: subject, issuerdn, serial, fingerprint, validity before
 * 1970), found in the server's stream after its hello. */
static void certificate(void)
{
	static struct sl_tls_cert cert;
	static struct sl_x509 x;
	struct tstreams *ss = streams_load("sv-tls-pre-1970.pcap");
	struct tstream *c = streams_find(ss, 0, 443, 0), *s = c ? streams_reverse(ss, c) : NULL;
	size_t need, have;
	int rc;

	CHECK(s != NULL);
	if (s == NULL) {
		streams_free(ss);
		return;
	}
	rc = sl_tls_find_certificate(s->buf, s->len, &cert, &need);
	CHECK_STR(sl_tls_reason_name(rc), "ok");
	if (rc == SL_TLS_OK) {
		CHECK_INT(sl_x509_parse(cert.der, cert.der_len, &x), SL_X509_OK);
		CHECK_STR(x.subject, "OU=vd, CN=fkp.samsungcloudsolution.com");
		CHECK_STR(x.issuer, "C=KR, ST=Kyunggido, L=Suwon, O=Samsung Electronics, OU=SW2 SISC, CN=ROOT CA SISC FKP2_PLUS");
		CHECK_STR(x.serial, "32");
		CHECK_STR(x.fingerprint, "71:cd:fe:08:7f:3d:2a:18:32:69:38:fa:bd:64:7b:c6:cf:cc:44:8e");
		CHECK_STR(x.notbefore, "1969-12-31T00:00:00");
		CHECK_STR(x.notafter, "2038-12-31T00:10:03");
	}
	/* grown as NEED_MORE asks, from nothing: never more than the stream, then found */
	for (have = 0, rc = SL_TLS_NEED_MORE; rc == SL_TLS_NEED_MORE;) {
		rc = sl_tls_find_certificate(s->buf, have, &cert, &need);
		if (rc == SL_TLS_NEED_MORE) {
			CHECK(need > have && need <= s->len);
			if (need <= have || need > s->len)
				break;
			have = need;
		}
	}
	CHECK_INT(rc, SL_TLS_OK);
	/* the client's stream holds no certificate */
	CHECK_STR(sl_tls_reason_name(sl_tls_find_certificate(c->buf, c->len, &cert, &need)), "unexpected_handshake");
	streams_free(ss);
}

/* The hello of a capture made with a 300-byte MTU spans several segments; every prefix is
 * NEED_MORE (never an error), asking for no more than the stream holds. */
static void segmented(void)
{
	struct tstreams *ss = streams_load("sv-tls-client-hello-frag-01.pcap");
	struct tstream *c = streams_find(ss, 0, 443, 0);
	size_t k, need, end;
	int rc;

	CHECK(c != NULL);
	if (c == NULL)
		goto out;
	CHECK_INT(sl_tls_parse_client_hello(c->buf, c->len, &ch, &need), SL_TLS_OK);
	end = ch.hello_end;
	CHECK_INT(end, 517); /* one 512-byte record over three segments (248 + 248 + 21) */
	for (k = 0; k < end; k++) {
		rc = sl_tls_parse_client_hello(c->buf, k, &ch, &need);
		CHECK_INT(rc, SL_TLS_NEED_MORE);
		CHECK(need > k && need <= end);
	}
	/* an extra byte on the end changes nothing */
	CHECK_INT(sl_tls_parse_client_hello(c->buf, end, &ch, &need), SL_TLS_OK);
	CHECK_STR(ch.sni, "www.google.com");

	/* the same hello re-cut into 7 records of at most 100 bytes */
	{
		static uint8_t rec[20000];
		const uint8_t *hs = c->buf + 5;
		size_t hs_len = end - 5, off = 0, n = 0;
		char ja3[33], ja4[40];

		strcpy(ja3, ch.ja3_hash);
		strcpy(ja4, ch.ja4);
		while (off < hs_len) {
			size_t take = hs_len - off < 100 ? hs_len - off : 100;

			rec[n] = 22;
			rec[n + 1] = 3;
			rec[n + 2] = 1;
			rec[n + 3] = (uint8_t)(take >> 8);
			rec[n + 4] = (uint8_t)take;
			memcpy(rec + n + 5, hs + off, take);
			n += 5 + take;
			off += take;
		}
		CHECK_INT(sl_tls_parse_client_hello(rec, n, &ch, &need), SL_TLS_OK);
		CHECK_STR(ch.ja3_hash, ja3);
		CHECK_STR(ch.ja4, ja4);
		CHECK_INT(ch.hello_end, n);
		/* a non-handshake record in the middle is an error */
		rec[105] = 23;
		CHECK_STR(sl_tls_reason_name(sl_tls_parse_client_hello(rec, n, &ch, &need)),
		          "bad_record");
	}
out:
	streams_free(ss);
}

/* ---- FoxIO's JA4 example, built by hand ---- */

struct w {
	uint8_t b[4096];
	size_t n;
};

static void w8(struct w *w, unsigned v)
{
	w->b[w->n++] = (uint8_t)v;
}

static void w16(struct w *w, unsigned v)
{
	w8(w, v >> 8);
	w8(w, v & 0xff);
}

/* patch a 16-bit (or 24-bit) length at `at` to cover up to the current end */
static void len16(struct w *w, size_t at)
{
	size_t l = w->n - at - 2;

	w->b[at] = (uint8_t)(l >> 8);
	w->b[at + 1] = (uint8_t)l;
}

/* An SSLv3 ClientHello: no extensions at all (RFC 6101 has none). JA4 names the version
 * "s3", counts no extensions and hashes the cipher list only, the extension part being
 * zeros; JA3 ends in three empty lists. The expected hash is of "000a,002f,0035" (sha256sum).
 * Then the ServerHello choosing SSLv3: its name and JA4S (no extensions: zeros). */
static void sslv3(void)
{
	static struct w w;
	static struct sl_tls_client_hello c3;
	static struct sl_tls_server_hello s3;
	size_t need;

	w.n = 0;
	w8(&w, 22), w16(&w, 0x0300), w16(&w, 0);
	w8(&w, 1), w8(&w, 0), w16(&w, 0);
	w16(&w, 0x0300);
	for (int i = 0; i < 32; i++)
		w8(&w, i);
	w8(&w, 0);
	w16(&w, 6), w16(&w, 0x0035), w16(&w, 0x002f), w16(&w, 0x000a);
	w8(&w, 1), w8(&w, 0);
	len16(&w, 3);
	w.b[7] = (uint8_t)((w.n - 9) >> 8), w.b[8] = (uint8_t)(w.n - 9);
	CHECK_INT(sl_tls_parse_client_hello(w.b, w.n, &c3, &need), SL_TLS_OK);
	CHECK_STR(c3.ja3, "768,53-47-10,,,");
	CHECK_STR(c3.ja4, "ts3i030000_5704bdfc91c6_000000000000");

	w.n = 0;
	w8(&w, 22), w16(&w, 0x0300), w16(&w, 0);
	w8(&w, 2), w8(&w, 0), w16(&w, 0);
	w16(&w, 0x0300);
	for (int i = 0; i < 32; i++)
		w8(&w, i);
	w8(&w, 0);
	w16(&w, 0x002f), w8(&w, 0);
	len16(&w, 3);
	w.b[7] = (uint8_t)((w.n - 9) >> 8), w.b[8] = (uint8_t)(w.n - 9);
	CHECK_INT(sl_tls_parse_server_hello(w.b, w.n, &s3, &need), SL_TLS_OK);
	CHECK_STR(sl_tls_version_name(s3.version), "SSLv3");
	CHECK_STR(s3.ja3s, "768,47,");
	CHECK_STR(s3.ja4s, "ts30000_002f_000000000000");
}

static void foxio_example(void)
{
	static const uint16_t ciphers[] = {0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f,
	                                   0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013,
	                                   0xc014, 0x009c, 0x009d, 0x002f, 0x0035};
	static const uint16_t exts[] = {0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017,
	                                0x002d, 0x000d, 0x0005, 0x0023, 0x0012, 0x002b,
	                                0xff01, 0x000b, 0x000a, 0x0015};
	static const uint16_t sigs[] = {0x0403, 0x0804, 0x0401, 0x0503,
	                                0x0805, 0x0501, 0x0806, 0x0601};
	static struct w w;
	size_t i, k, rec_len, hs_len, cs, ex, at, need;

	w.n = 0;
	w8(&w, 22);
	w16(&w, 0x0301);
	rec_len = w.n;
	w16(&w, 0);
	w8(&w, 1);
	hs_len = w.n;
	w8(&w, 0);
	w16(&w, 0);
	w16(&w, 0x0303);
	for (i = 0; i < 32; i++)
		w8(&w, i);
	w8(&w, 0); /* no session id */
	cs = w.n;
	w16(&w, 0);
	w16(&w, 0x3a3a); /* GREASE first, as browsers do */
	for (i = 0; i < 15; i++)
		w16(&w, ciphers[i]);
	len16(&w, cs);
	w8(&w, 1);
	w8(&w, 0);
	ex = w.n;
	w16(&w, 0);
	w16(&w, 0xdada); /* a GREASE extension */
	w16(&w, 0);
	for (i = 0; i < 16; i++) {
		w16(&w, exts[i]);
		at = w.n;
		w16(&w, 0);
		switch (exts[i]) {
		case 0x0000:
			w16(&w, 14);
			w8(&w, 0);
			w16(&w, 11);
			memcpy(w.b + w.n, "example.com", 11);
			w.n += 11;
			break;
		case 0x0010:
			w16(&w, 12);
			w8(&w, 2);
			w8(&w, 'h');
			w8(&w, '2');
			w8(&w, 8);
			memcpy(w.b + w.n, "http/1.1", 8);
			w.n += 8;
			break;
		case 0x000d:
			w16(&w, 16);
			for (k = 0; k < 8; k++)
				w16(&w, sigs[k]);
			break;
		case 0x002b:
			w8(&w, 6);
			w16(&w, 0x4a4a);
			w16(&w, 0x0304);
			w16(&w, 0x0303);
			break;
		case 0x000a:
			w16(&w, 8);
			w16(&w, 0x8a8a);
			w16(&w, 29);
			w16(&w, 23);
			w16(&w, 24);
			break;
		case 0x000b:
			w8(&w, 1);
			w8(&w, 0);
			break;
		}
		len16(&w, at);
	}
	len16(&w, ex);
	/* handshake length (24 bits) and record length */
	{
		size_t l = w.n - hs_len - 3;

		w.b[hs_len] = (uint8_t)(l >> 16);
		w.b[hs_len + 1] = (uint8_t)(l >> 8);
		w.b[hs_len + 2] = (uint8_t)l;
		len16(&w, rec_len);
	}
	CHECK_INT(sl_tls_parse_client_hello(w.b, w.n, &ch, &need), SL_TLS_OK);
	CHECK_STR(ch.ja4, "t13d1516h2_8daaf6152771_e5627efa2ab1");
	CHECK_STR(ch.sni, "example.com");
	CHECK_INT(ch.version, 0x0304);
	CHECK_STR(sl_tls_version_name(ch.version), "TLS 1.3");
	CHECK_INT(ch.legacy_version, 0x0303);
	CHECK_INT(ch.n_ciphers, 16); /* GREASE kept in the list, dropped from fingerprints */
	CHECK_INT(ch.n_exts, 17);
	CHECK_INT(ch.n_alpn, 2);
	CHECK_MEM(ch.alpn[1], ch.alpn_len[1], "http/1.1");
	CHECK_INT(ch.n_sigalgs, 8);
	CHECK_INT(ch.n_groups, 4);
	CHECK_INT(ch.n_point_formats, 1);
	CHECK_STR(ch.ja3,
	          "771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-157-47-53,"
	          "27-0-51-16-17513-23-45-13-5-35-18-43-65281-11-10-21,29-23-24,0");

	/* without signature algorithms the extension hash covers the sorted list alone */
	for (i = 0; i + 4 < w.n; i++) {
		if (w.b[i] == 0x00 && w.b[i + 1] == 0x0d && w.b[i + 2] == 0 && w.b[i + 3] == 18) {
			w.b[i + 1] = 0x0e; /* rename the extension: 000e (use_srtp) */
			break;
		}
	}
	CHECK_INT(sl_tls_parse_client_hello(w.b, w.n, &ch, &need), SL_TLS_OK);
	CHECK_INT(ch.n_sigalgs, 0);
	/* ALPN of a non-alphanumeric value: hex of its first and last bytes */
	for (i = 0; i + 3 < w.n; i++) {
		if (w.b[i] == 2 && w.b[i + 1] == 'h' && w.b[i + 2] == '2') {
			w.b[i + 1] = 0xab;
			w.b[i + 2] = 0xcd;
			break;
		}
	}
	CHECK_INT(sl_tls_parse_client_hello(w.b, w.n, &ch, &need), SL_TLS_OK);
	CHECK(strncmp(ch.ja4, "t13d1516ad_", 11) == 0);

	/* every truncation of the message (record length kept) is NEED_MORE, no crash */
	for (i = 0; i < w.n; i++) {
		int rc = sl_tls_parse_client_hello(w.b, i, &ch, &need);

		CHECK_INT(rc, SL_TLS_NEED_MORE);
	}
	/* a cipher-suites length that runs past the message is malformed */
	w.b[cs] = 0x7f;
	CHECK_STR(sl_tls_reason_name(sl_tls_parse_client_hello(w.b, w.n, &ch, &need)),
	          "malformed_hello");
}

static void misc(void)
{
	static const uint8_t http[] = "GET / HTTP/1.1\r\n";
	static const uint8_t big[] = {22, 3, 1, 0x40, 0x00, 1, 0x01, 0x00, 0x00};
	size_t need = 1;

	CHECK_INT(sl_tls_probe(http, 16), 0);
	CHECK_INT(sl_tls_probe((const uint8_t *)"\x16\x03", 2), -EAGAIN);
	CHECK_INT(sl_tls_probe((const uint8_t *)"\x16\x03\x01\x00\x10\x02", 6), 0);
	CHECK_INT(sl_tls_probe((const uint8_t *)"\x16\x03\x01\x00\x10\x01", 6), 1);
	CHECK_INT(sl_tls_probe((const uint8_t *)"\x16\x02", 2), 0);
	CHECK_STR(sl_tls_reason_name(sl_tls_parse_client_hello(http, 16, &ch, &need)), "not_tls");
	CHECK_INT(need, 0);
	CHECK_STR(sl_tls_reason_name(sl_tls_parse_client_hello(NULL, 0, &ch, &need)), "need_more");
	CHECK_INT(need, 5);
	/* a ClientHello claiming 64 KiB is refused before anyone buffers it */
	CHECK_STR(sl_tls_reason_name(sl_tls_parse_client_hello(big, sizeof(big), &ch, &need)),
	          "hello_too_big");
	/* zero-length record */
	CHECK_STR(sl_tls_reason_name(sl_tls_parse_client_hello(
			  (const uint8_t *)"\x16\x03\x01\x00\x00", 5, &ch, &need)),
	          "bad_record");

	CHECK(sl_tls_is_grease(0x0a0a) && sl_tls_is_grease(0xfafa) && !sl_tls_is_grease(0x0a1a));
	CHECK_STR(sl_tls_version_name(0x0300), "SSLv3");
	CHECK_STR(sl_tls_version_name(0x0002), "SSLv2");
	CHECK_STR(sl_tls_version_name(0x0301), "TLSv1");
	CHECK_STR(sl_tls_version_name(0x0302), "TLS 1.1");
	CHECK_STR(sl_tls_version_name(0x7f12), "TLS 1.3 draft-18");
	CHECK(sl_tls_version_name(0x7f50) == NULL);
	CHECK_STR(sl_tls_version_name(0x7f1c), "TLS 1.3 draft-28");
	CHECK_STR(sl_tls_version_name(0x7f10), "TLS 1.3 draft-16");
	CHECK_STR(sl_tls_version_name(0x7f0e), "TLS 1.3 draft-<16");
	CHECK_STR(sl_tls_version_name(0x7f01), "TLS 1.3 draft-<16");
	CHECK_STR(sl_tls_version_name(0xfb1a), "TLS 1.3 draft-26-fb");
	CHECK_STR(sl_tls_version_name(0xfb14), "TLS 1.3 draft-20-fb");
	CHECK_STR(sl_tls_version_name(0x0200), "SSLv2");
	CHECK_STR(sl_tls_version_name(0x0300), "SSLv3");
	CHECK_STR(sl_tls_version_name(0x0301), "TLSv1");
	CHECK_STR(sl_tls_version_name(0x0302), "TLS 1.1");
	CHECK_STR(sl_tls_version_name(0), "UNDETERMINED");
	{
		char vt[20];

		sl_tls_version_text(0x7f50, vt);
		CHECK_STR(vt, "0x7f50");
		/* BoringSSL's TLS 1.3 experiments (0x7e01..0x7e03) have no name in Suricata either */
		sl_tls_version_text(0x7e02, vt);
		CHECK_STR(vt, "0x7e02");
		sl_tls_version_text(0xfeff, vt);
		CHECK_STR(vt, "0xfeff");
		sl_tls_version_text(0x0303, vt);
		CHECK_STR(vt, "TLS 1.2");
	}
	CHECK(sl_tls_version_name(0x1234) == NULL);
}

int main(void)
{
	certificate();
	sslv3();
	corpus();
	segmented();
	foxio_example();
	misc();
	return test_done("test_tls");
}
