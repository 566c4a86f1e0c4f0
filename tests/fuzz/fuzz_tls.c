/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for TLS hello parsing. The whole input is a stream start, parsed as a
 * ClientHello and as a ServerHello. Checks: NEED_MORE always asks for more than it had, and
 * a hello that parses whole also parses when grown step by step as NEED_MORE asks, to the
 * same fingerprints. The resumable scan (sl_tls_scan), fed the input in pieces whose sizes the
 * input's bytes choose, must agree with the stateless parse: OK exactly when the parse has
 * the whole message (then the parse does not ask for more), the same reason when it refuses,
 * NEED_MORE when the parse needs more. The server's stream is also searched for its first
 * certificate (NEED_MORE asks for more than it had; an OK certificate lies inside the
 * scratch buffer), and that certificate, when found, goes through the X.509 parse.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tls.h"
#include "x509.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sl_tls_client_hello ch, ch2;
static struct sl_tls_server_hello sh;
static struct sl_tls_cert cert;
static struct sl_x509 x509;

static int is_refusal(int r)
{
	return r == SL_TLS_NOT_TLS || r == SL_TLS_BAD_RECORD || r == SL_TLS_NOT_HELLO || r == SL_TLS_TOO_BIG;
}

static void scan_agrees(const uint8_t *data, size_t size, uint8_t type)
{
	struct sl_tls_scan sc;
	size_t len = 0, need;
	int r = SL_TLS_NEED_MORE, p;

	sl_tls_scan_init(&sc);
	while (len < size) {
		len += 1 + data[len] % 23u;
		if (len > size)
			len = size;
		r = sl_tls_scan(&sc, type, data, len);
		if (r != SL_TLS_NEED_MORE)
			break;
	}
	if (size == 0)
		r = sl_tls_scan(&sc, type, data, 0);
	p = type == SL_TLS_HS_CLIENT_HELLO ? sl_tls_parse_client_hello(data, len, &ch2, &need)
	                                   : sl_tls_parse_server_hello(data, len, &sh, &need);
	if (r == SL_TLS_OK ? (p == SL_TLS_NEED_MORE || is_refusal(p)) : r != p)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t need = 0, have;
	int rc, rc2, rounds = 0;

	rc = sl_tls_parse_client_hello(data, size, &ch, &need);
	if (rc < 0 || rc >= SL_TLS_REASON_COUNT)
		abort();
	if (rc == SL_TLS_NEED_MORE && need <= size)
		abort();
	if (rc == SL_TLS_OK) {
		if (strlen(ch.ja3_hash) != 32 || strlen(ch.ja4) != 36 || ch.hello_end > size)
			abort();
		have = 0;
		do {
			rc2 = sl_tls_parse_client_hello(data, have, &ch2, &need);
			if (rc2 == SL_TLS_NEED_MORE) {
				if (need <= have || need > size)
					abort();
				have = need;
			}
			if (++rounds > 10000)
				abort();
		} while (rc2 == SL_TLS_NEED_MORE);
		if (rc2 != SL_TLS_OK || strcmp(ch.ja3_hash, ch2.ja3_hash) != 0 ||
		    strcmp(ch.ja4, ch2.ja4) != 0 || strcmp(ch.sni, ch2.sni) != 0)
			abort();
	}
	rc = sl_tls_parse_server_hello(data, size, &sh, &need);
	if (rc < 0 || rc >= SL_TLS_REASON_COUNT)
		abort();
	if (rc == SL_TLS_NEED_MORE && need <= size)
		abort();
	rc = sl_tls_find_certificate(data, size, &cert, &need);
	if (rc < 0 || rc >= SL_TLS_REASON_COUNT || (rc == SL_TLS_NEED_MORE && need <= size))
		abort();
	if (rc == SL_TLS_OK) {
		if (cert.der < cert.scratch_ || cert.der_len > sizeof cert.scratch_ ||
		    (size_t)(cert.der - cert.scratch_) > sizeof cert.scratch_ - cert.der_len)
			abort();
		rc = sl_x509_parse(cert.der, cert.der_len, &x509);
		if (rc < 0 || rc >= SL_X509_REASON_COUNT || x509.n_san > SL_X509_MAX_SAN)
			abort();
	}
	scan_agrees(data, size, SL_TLS_HS_CLIENT_HELLO);
	scan_agrees(data, size, SL_TLS_HS_SERVER_HELLO);
	(void)sl_tls_probe(data, size);
	{
		char vt[20];
		sl_tls_version_text(size >= 2 ? (uint16_t)(data[0] << 8 | data[1]) : 0, vt);
		if (memchr(vt, 0, sizeof vt) == NULL)
			abort();
	}
	return 0;
}
