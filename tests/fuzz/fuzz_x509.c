/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the X.509 field extraction: the input is one DER certificate. Checks:
 * the outcome is a known reason, the SAN count is within its array, every text output is
 * NUL-terminated inside its array, and the parse is a pure function of its input (a second
 * parse of a copy gives the same outcome and fields).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "x509.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sl_x509 a, b;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);
	int ra, rb;

	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	ra = sl_x509_parse(data, size, &a);
	rb = sl_x509_parse(copy, size, &b);
	free(copy);
	if (ra < 0 || ra >= SL_X509_REASON_COUNT || ra != rb || a.n_san > SL_X509_MAX_SAN)
		abort();
	if (!memchr(a.subject, 0, sizeof a.subject) || !memchr(a.issuer, 0, sizeof a.issuer) ||
	    !memchr(a.serial, 0, sizeof a.serial) || !memchr(a.fingerprint, 0, sizeof a.fingerprint) ||
	    !memchr(a.notbefore, 0, sizeof a.notbefore) || !memchr(a.notafter, 0, sizeof a.notafter))
		abort();
	if (ra == SL_X509_OK) {
		if (strcmp(a.subject, b.subject) || strcmp(a.issuer, b.issuer) || strcmp(a.serial, b.serial) ||
		    strcmp(a.fingerprint, b.fingerprint) || a.n_san != b.n_san)
			abort();
		for (unsigned i = 0; i < a.n_san; i++)
			if (!memchr(a.san[i], 0, SL_X509_SAN_LEN) || strcmp(a.san[i], b.san[i]))
				abort();
	}
	(void)sl_x509_reason_name(ra);
	return 0;
}
