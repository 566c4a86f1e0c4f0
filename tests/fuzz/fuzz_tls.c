/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for TLS hello parsing. The whole input is a stream start, parsed as a
 * ClientHello and as a ServerHello. Checks: NEED_MORE always asks for more than it had, and
 * a hello that parses whole also parses when grown step by step as NEED_MORE asks, to the
 * same fingerprints.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sl_tls_client_hello ch, ch2;
static struct sl_tls_server_hello sh;

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
	(void)sl_tls_probe(data, size);
	(void)sl_tls_version_name(size >= 2 ? (uint16_t)(data[0] << 8 | data[1]) : 0);
	return 0;
}
