/* SPDX-License-Identifier: MIT */
/*
 * TLS ClientHello and ServerHello parsing, for the `tls` record (sni, version, ja3, ja4, alpn)
 * and the detection of TLS on any port. Input is the start of one direction of a TCP stream,
 * in order and contiguous, as the flow's reassembly hands it over: the hello may be split
 * over several TLS records and over many TCP segments, so a parse that runs out of bytes says
 * SL_TLS_NEED_MORE and how many stream bytes it needs in all; the caller keeps accumulating
 * (up to SL_TLS_BUF_MAX) and calls again with the longer buffer. The parse is stateless:
 * every call starts from the first byte.
 *
 * Everything extracted is copied into the caller's struct (no pointers into the input).
 * Lists keep up to their array size; a longer list sets SL_TLS_F_LIST_CUT and the
 * fingerprints then cover the kept entries only.
 *
 * Fingerprints:
 *   ja3:  "legacy_version,ciphers,extensions,groups,point_formats" in decimal, '-' joined,
 *         GREASE values (RFC 8701) removed from ciphers, extensions and groups; ja3_hash is
 *         its MD5 in lowercase hex.
 *   ja4:  FoxIO's JA4 for TLS over TCP, e.g. "t13d1516h2_8daaf6152771_e5627efa2ab1".
 *   ja3s: "legacy_version,cipher,extensions" of the ServerHello, and its MD5.
 *   ja4s: FoxIO's JA4S, e.g. "t120400_c030_4e8089b08790": version (supported_versions'
 *         choice, else legacy), extension count, chosen ALPN's first and last characters,
 *         the cipher in hex, and the first 12 hex digits of the SHA-256 of the extension
 *         types in hex, comma-joined in the order sent.
 */
#ifndef SLUICE_ANALYSIS_TLS_H
#define SLUICE_ANALYSIS_TLS_H

#include <stddef.h>
#include <stdint.h>

/* The most stream bytes a hello parse will ask for; a hello that needs more is refused
 * (SL_TLS_TOO_BIG), so the caller's per-direction buffer never has to be larger. */
#define SL_TLS_BUF_MAX 16384

#define SL_TLS_MAX_CIPHERS 128
#define SL_TLS_MAX_EXTS 64
#define SL_TLS_MAX_GROUPS 64
#define SL_TLS_MAX_POINT_FORMATS 16
#define SL_TLS_MAX_SIGALGS 64
#define SL_TLS_MAX_VERSIONS 16
#define SL_TLS_MAX_ALPN 8
#define SL_TLS_ALPN_LEN 64  /* bytes kept of one ALPN protocol id */
#define SL_TLS_SNI_LEN 256  /* NUL included */
#define SL_TLS_JA3_LEN 4096 /* enough for every list at its maximum */

#define SL_TLS_REASONS(X)                                   \
	X(OK, "ok")                                         \
	X(NEED_MORE, "need_more")                           \
	X(NOT_TLS, "not_tls")                               \
	X(NOT_HELLO, "unexpected_handshake")                \
	X(BAD_RECORD, "bad_record")                         \
	X(TOO_BIG, "hello_too_big")                         \
	X(MALFORMED, "malformed_hello")

enum sl_tls_result {
#define SL_TLS_ENUM(name, text) SL_TLS_##name,
	SL_TLS_REASONS(SL_TLS_ENUM)
#undef SL_TLS_ENUM
	SL_TLS_REASON_COUNT
};

const char *sl_tls_reason_name(int result);

#define SL_TLS_F_LIST_CUT 0x01u /* a list was longer than its array */
#define SL_TLS_F_HAS_SNI 0x02u  /* the server_name extension is present */
#define SL_TLS_F_HAS_ALPN 0x04u /* the ALPN extension is present */
#define SL_TLS_F_HAS_SUPPORTED_VERSIONS 0x08u

struct sl_tls_client_hello {
	uint32_t flags;           /* SL_TLS_F_* */
	uint16_t record_version;  /* of the first record */
	uint16_t legacy_version;  /* the ClientHello's client_version */
	uint16_t version;         /* highest non-GREASE supported_versions, else legacy_version */
	char sni[SL_TLS_SNI_LEN]; /* first host_name, raw bytes (NUL-free up to sni_len) */
	uint16_t sni_len;
	uint8_t n_alpn;
	uint8_t alpn_len[SL_TLS_MAX_ALPN];
	uint8_t alpn[SL_TLS_MAX_ALPN][SL_TLS_ALPN_LEN]; /* raw bytes, alpn_len[i] of them */
	uint16_t n_ciphers, n_exts, n_groups, n_point_formats, n_sigalgs, n_versions;
	uint16_t ciphers[SL_TLS_MAX_CIPHERS];  /* as sent, GREASE included */
	uint16_t exts[SL_TLS_MAX_EXTS];
	uint16_t groups[SL_TLS_MAX_GROUPS];
	uint8_t point_formats[SL_TLS_MAX_POINT_FORMATS];
	uint16_t sigalgs[SL_TLS_MAX_SIGALGS];
	uint16_t versions[SL_TLS_MAX_VERSIONS];
	char ja3[SL_TLS_JA3_LEN];
	char ja3_hash[33];
	char ja4[40];
	size_t hello_end; /* stream bytes the records holding the hello took */
	uint8_t scratch_[SL_TLS_BUF_MAX]; /* the handshake message, gathered across records */
};

struct sl_tls_server_hello {
	uint32_t flags;
	uint16_t record_version;
	uint16_t legacy_version;
	uint16_t version; /* supported_versions' selected version (TLS 1.3), else legacy */
	uint16_t cipher;
	uint8_t compression;
	uint8_t alpn_len;
	uint8_t alpn[SL_TLS_ALPN_LEN]; /* the protocol the server selected */
	uint16_t n_exts;
	uint16_t exts[SL_TLS_MAX_EXTS];
	char ja3s[512];
	char ja3s_hash[33];
	char ja4s[40];
	size_t hello_end;
	uint8_t scratch_[SL_TLS_BUF_MAX];
};

/* Parse the ClientHello at the start of a client-to-server stream (len bytes so far).
 * Returns SL_TLS_OK (ch filled, fingerprints computed), SL_TLS_NEED_MORE (*need = stream
 * bytes needed in all before calling again: the least that can make progress, always more
 * than len) or a reason. *need is set to 0 except for NEED_MORE. A hello never needs more
 * than SL_TLS_BUF_MAX bytes of handshake plus the 5-byte headers of the records carrying
 * it; the caller decides how much record overhead it tolerates. */
int sl_tls_parse_client_hello(const uint8_t *buf, size_t len, struct sl_tls_client_hello *ch,
                              size_t *need);

/* The same for the ServerHello at the start of the server-to-client stream. */
int sl_tls_parse_server_hello(const uint8_t *buf, size_t len, struct sl_tls_server_hello *sh,
                              size_t *need);

/* Waiting for a hello that comes in pieces. The parses above are stateless and gather from
 * the first byte, so calling them on every TCP segment costs the whole hello each time
 * (quadratic in segments). A stream caller keeps one scan per direction instead and feeds it
 * the same growing buffer: it reads each record header once and counts handshake bytes, so
 * the wait costs O(bytes) however the hello is cut, and the parse then runs once.
 * sl_tls_scan() returns SL_TLS_NEED_MORE (not yet), SL_TLS_OK (the first handshake message
 * is whole within buf[0, len): parse it now) or the reason the parse would give up on
 * (NOT_TLS, BAD_RECORD, NOT_HELLO, TOO_BIG). buf must start where it started on the
 * previous call and len never shrink. */
#define SL_TLS_HS_CLIENT_HELLO 1
#define SL_TLS_HS_SERVER_HELLO 2
struct sl_tls_scan {
	uint32_t rec_off;  /* stream offset of the record being read */
	uint32_t rec_len;  /* its payload length; 0: its header is not read yet */
	uint32_t rec_seen; /* payload bytes of it counted */
	uint32_t have;     /* handshake bytes counted */
	uint32_t total;    /* the message's length with its 4-byte header; 0: not known yet */
	uint8_t hs[4];     /* the handshake header, gathered across records */
};
void sl_tls_scan_init(struct sl_tls_scan *sc);
int sl_tls_scan(struct sl_tls_scan *sc, uint8_t handshake_type, const uint8_t *buf, size_t len);

/* The server's first certificate (TLS 1.2 and earlier send the chain in the clear, right after
 * the ServerHello). buf is the server-to-client stream from its first byte, as for the
 * ServerHello parse; the handshake messages are gathered across records again (stateless).
 * Returns SL_TLS_OK with *der, *der_len pointing into cert->scratch_; SL_TLS_NEED_MORE with
 * *need = stream bytes needed in all before calling again (only what the first certificate
 * still lacks is asked for, never the rest of a long chain); SL_TLS_NOT_HELLO when the
 * server sends no Certificate after its hello (cert->next says what came instead: a record
 * type such as 20, ChangeCipherSpec, or 0x100 + a handshake type such as 4,
 * NewSessionTicket: both mean a resumed session); SL_TLS_TOO_BIG for a first certificate
 * larger than the scratch buffer; or BAD_RECORD / MALFORMED. */
struct sl_tls_cert {
	const uint8_t *der;
	size_t der_len;
	unsigned next;
	uint8_t scratch_[SL_TLS_BUF_MAX];
};
int sl_tls_find_certificate(const uint8_t *buf, size_t len, struct sl_tls_cert *cert, size_t *need);

/* "Is this the start of a TLS ClientHello?", for detection on any port: 1 yes (handshake
 * record, version 3.x, handshake type client_hello), 0 no, -EAGAIN too few bytes to tell. */
int sl_tls_probe(const uint8_t *p, size_t n);

/* Version names as Suricata's EVE writes them: "SSLv2", "SSLv3", "TLSv1", "TLS 1.1",
 * "TLS 1.2", "TLS 1.3", "TLS 1.3 draft-NN" (0x7f10-0x7f1c), "TLS 1.3 draft-<16" (0x7f01-
 * 0x7f0f), Facebook's experimental "TLS 1.3 draft-NN-fb" (0xfb14-0xfb17, 0xfb1a),
 * "UNDETERMINED" for 0. A constant string, or NULL for any other value, which
 * sl_tls_version_text() writes as "0x%04x", as Suricata does. */
const char *sl_tls_version_name(uint16_t version);
void sl_tls_version_text(uint16_t version, char out[20]);

/* RFC 8701 GREASE value (0x0a0a, 0x1a1a, ... 0xfafa). */
int sl_tls_is_grease(uint16_t v);

#endif
