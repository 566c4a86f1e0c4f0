/* SPDX-License-Identifier: MIT */
/*
 * The X.509 fields EVE's tls record carries (subject, issuerdn, serial, fingerprint,
 * notbefore, notafter, subjectaltname), read from a certificate's DER. Before TLS 1.3 the
 * server's certificate chain travels in the clear, and logging who a server claims to be is
 * the point of a sensor; no library in our dependency set parses DER without also pulling in
 * a TLS stack, and the few fields wanted need a small walk, not a full ASN.1 decoder.
 *
 * The input is untrusted and the walk is bounded: every TLV is checked against its parent's
 * end, lengths are definite (DER) and at most 4 bytes, the nesting is the certificate's fixed
 * shape (no recursion on input), and every output is a fixed array that is cut, never
 * overrun. Nothing is allocated and nothing points into the input afterwards.
 *
 * Text is written as Suricata's EVE writes it:
 *   subject/issuerdn  "C=KR, ST=Kyunggido, O=Example, CN=host" (RDNs in certificate order,
 *                     ", " between them, " + " inside a multi-valued RDN; unknown attribute
 *                     types by dotted OID; BMPString converted to UTF-8)
 *   serial            "00:E5:1A" (the INTEGER's content bytes, uppercase hex)
 *   fingerprint       "71:cd:fe:.." (SHA-1 of the whole DER, lowercase hex)
 *   notbefore/after   "2038-12-31T00:10:03" (UTCTime years 50-99 are 19xx)
 *   subjectaltname    the dNSName entries of the subjectAltName extension, in order
 */
#ifndef SLUICE_ANALYSIS_X509_H
#define SLUICE_ANALYSIS_X509_H

#include <stddef.h>
#include <stdint.h>

#define SL_X509_DN_LEN 1024     /* subject / issuer text, NUL included */
#define SL_X509_SERIAL_LEN 160  /* 53 content bytes as "XX:" (RFC 5280 allows 20) */
#define SL_X509_MAX_SAN 32
#define SL_X509_SAN_LEN 256

#define SL_X509_REASONS(X)                    \
	X(OK, "ok")                           \
	X(BAD_DER, "bad_der")                 \
	X(BAD_NAME, "bad_name")               \
	X(BAD_TIME, "bad_time")               \
	X(BAD_EXTENSIONS, "bad_extensions")

enum sl_x509_result {
#define SL_X509_ENUM(name, text) SL_X509_##name,
	SL_X509_REASONS(SL_X509_ENUM)
#undef SL_X509_ENUM
	SL_X509_REASON_COUNT
};

const char *sl_x509_reason_name(int result);

#define SL_X509_F_CUT 0x01u /* some text or the SAN list was longer than its array */

struct sl_x509 {
	uint32_t flags;
	char subject[SL_X509_DN_LEN];
	char issuer[SL_X509_DN_LEN];
	char serial[SL_X509_SERIAL_LEN];
	char fingerprint[60]; /* 20 bytes as "xx:" */
	char notbefore[20], notafter[20];
	uint8_t n_san;
	char san[SL_X509_MAX_SAN][SL_X509_SAN_LEN];
};

/* Parse one DER certificate of len bytes. Returns SL_X509_OK with *x filled, or a reason
 * (then *x holds what was read before the fault and must not be logged). */
int sl_x509_parse(const uint8_t *der, size_t len, struct sl_x509 *x);

#endif
