/* SPDX-License-Identifier: MIT */
/*
 * X.509 field extraction against a certificate openssl made (test_cert.h, with what openssl
 * itself prints of it), then hostile inputs: every truncation, every single-byte change of
 * the length and tag bytes, lengths past the end, an indefinite length, a name holding an
 * extension identifier, and outputs cut at their array sizes.
 */
#include "test_analysis_util.h"
#include "test_cert.h"
#include "x509.h"

static struct sl_x509 x;
static uint8_t buf[4096];

static void good(void)
{
	CHECK_INT(sl_x509_parse(test_cert_der, sizeof test_cert_der, &x), SL_X509_OK);
	CHECK_STR(x.subject, TEST_CERT_SUBJECT);
	CHECK_STR(x.issuer, TEST_CERT_SUBJECT); /* self-signed */
	CHECK_STR(x.serial, TEST_CERT_SERIAL);
	CHECK_STR(x.notbefore, TEST_CERT_NOTBEFORE);
	CHECK_STR(x.notafter, TEST_CERT_NOTAFTER);
	CHECK_STR(x.fingerprint, TEST_CERT_FINGERPRINT);
	CHECK_INT(x.n_san, 3);
	CHECK_STR(x.san[0], TEST_CERT_SAN0);
	CHECK_STR(x.san[1], TEST_CERT_SAN1);
	CHECK_STR(x.san[2], TEST_CERT_SAN2);
	CHECK_INT(x.flags, 0);
	/* bytes after the certificate are not part of its fingerprint */
	memcpy(buf, test_cert_der, sizeof test_cert_der);
	buf[sizeof test_cert_der] = 0x55;
	CHECK_INT(sl_x509_parse(buf, sizeof test_cert_der + 1, &x), SL_X509_OK);
	CHECK_STR(x.fingerprint, TEST_CERT_FINGERPRINT);
}

static void hostile(void)
{
	size_t n = sizeof test_cert_der, k;
	int rc;

	/* every truncation fails, and cleanly */
	for (k = 0; k < n; k++) {
		memcpy(buf, test_cert_der, k);
		CHECK(sl_x509_parse(buf, k, &x) != SL_X509_OK);
	}
	CHECK(sl_x509_parse(NULL, 0, &x) != SL_X509_OK);
	/* every byte replaced by a few values: any outcome but a crash (ASan watches), and the
	 * outputs stay NUL-terminated inside their arrays */
	static const uint8_t vals[] = {0x00, 0x80, 0x84, 0xff, 0x30, 0x1f};
	for (k = 0; k < n; k++) {
		for (size_t v = 0; v < sizeof vals; v++) {
			memcpy(buf, test_cert_der, n);
			buf[k] = vals[v];
			rc = sl_x509_parse(buf, n, &x);
			CHECK(rc >= 0 && rc < SL_X509_REASON_COUNT);
			CHECK(memchr(x.subject, 0, sizeof x.subject) && memchr(x.issuer, 0, sizeof x.issuer) &&
			      memchr(x.serial, 0, sizeof x.serial));
			CHECK(x.n_san <= SL_X509_MAX_SAN);
		}
	}
	/* an indefinite length (BER, not DER) and a 5-byte length are refused */
	memcpy(buf, test_cert_der, n);
	buf[1] = 0x80;
	CHECK_INT(sl_x509_parse(buf, n, &x), SL_X509_BAD_DER);
	static const uint8_t big[] = {0x30, 0x85, 0x01, 0x00, 0x00, 0x00, 0x00};
	CHECK_INT(sl_x509_parse(big, sizeof big, &x), SL_X509_BAD_DER);
	/* the organizationName's OID turned into id-ce-subjectAltName (2.5.29.17): a bad name */
	memcpy(buf, test_cert_der, n);
	for (k = 0; k + 4 < n; k++)
		if (buf[k] == 0x06 && buf[k + 1] == 3 && buf[k + 2] == 0x55 && buf[k + 3] == 0x04 && buf[k + 4] == 0x0a)
			break;
	if (k + 4 >= n) {
		CHECK(0);
		return;
	}
	buf[k + 3] = 0x1d, buf[k + 4] = 0x11;
	CHECK_INT(sl_x509_parse(buf, n, &x), SL_X509_BAD_NAME);
	CHECK_STR(sl_x509_reason_name(SL_X509_BAD_NAME), "bad_name");
}

int main(void)
{
	good();
	hostile();
	return test_done("test_x509");
}
