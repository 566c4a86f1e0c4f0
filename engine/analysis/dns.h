/* SPDX-License-Identifier: MIT */
/*
 * DNS message parsing (RFC 1035) into a fixed-size struct that the worker turns into a `dns`
 * record. A DNS message is one UDP payload, or one length-prefixed message of a TCP stream
 * (sl_dns_tcp_next() splits a stream). Names are decompressed with bounded pointer jumps, so
 * neither a pointer loop nor a forward pointer can make the parser spin or read out of the
 * message, and they are rendered as dotted text with non-printable bytes escaped:
 *   a byte outside 0x21..0x7e      -> \xHH (lowercase hex)
 *   '.' or '\' inside a label      -> \. or \\ (so the dots that separate labels stay unique)
 *   the root name                  -> "" (empty), as EVE logs it
 * A name that does not fit its buffer is cut and SL_DNS_F_TRUNCATED_TEXT set. TXT and NULL
 * rdata are kept as the raw bytes (the JSON encoder escapes them, as EVE does).
 *
 * Output is bounded: at most SL_DNS_MAX_QUERIES questions and SL_DNS_MAX_ANSWERS,
 * SL_DNS_MAX_AUTHORITIES and SL_DNS_MAX_ADDITIONALS records are kept; the rest are counted in
 * *_dropped. The parser keeps no pointers into the message: names and rdata are copied into
 * the struct's text arena, which holds a whole message's worth (TXT, NULL and OPT rdata are
 * never cut short; only names longer than SL_DNS_NAME_LEN of escaped text are).
 */
#ifndef SLUICE_ANALYSIS_DNS_H
#define SLUICE_ANALYSIS_DNS_H

#include <stddef.h>
#include <stdint.h>

#define SL_DNS_MAX_QUERIES 16
#define SL_DNS_MAX_ANSWERS 16
#define SL_DNS_MAX_AUTHORITIES 16
#define SL_DNS_MAX_ADDITIONALS 16
#define SL_DNS_NAME_LEN 384      /* most text one name keeps, NUL included */
#define SL_DNS_TEXT_MAX 131072u  /* all names and rdata of one message, NULs included */

/* Outcomes of sl_dns_parse(). OK: the whole message parsed. The others are reasons, counted
 * by the caller under their stable names; with any reason past TRUNCATED_HEADER the struct
 * still holds everything parsed before the fault (header, questions, answers so far). */
#define SL_DNS_REASONS(X)                                  \
	X(OK, "ok")                                        \
	X(TRUNCATED_HEADER, "truncated_header")            \
	X(TRUNCATED_QUESTION, "truncated_question")        \
	X(TRUNCATED_RR, "truncated_rr")                    \
	X(BAD_NAME, "bad_name")                            \
	X(NAME_LOOP, "name_pointer_loop")                  \
	X(BAD_RDATA, "bad_rdata")

enum sl_dns_result {
#define SL_DNS_ENUM(name, text) SL_DNS_##name,
	SL_DNS_REASONS(SL_DNS_ENUM)
#undef SL_DNS_ENUM
	SL_DNS_REASON_COUNT
};

const char *sl_dns_reason_name(int result);

/* struct sl_dns_msg.flags (header bits, already shifted into place) and parse notes */
#define SL_DNS_F_QR 0x8000u
#define SL_DNS_F_AA 0x0400u
#define SL_DNS_F_TC 0x0200u
#define SL_DNS_F_RD 0x0100u
#define SL_DNS_F_RA 0x0080u
#define SL_DNS_F_TRUNCATED_TEXT 0x10000u /* some name or rdata text was cut to fit */

enum sl_dns_section { SL_DNS_QUESTION = 0, SL_DNS_ANSWER = 1, SL_DNS_AUTHORITY = 2, SL_DNS_ADDITIONAL = 3 };

/* How an entry's rdata reads, which is how EVE writes it (Suricata 8's rules): */
enum sl_dns_rdata_kind {
	SL_DNS_RD_NONE = 0, /* no rdata logged: types Suricata does not decode (NAPTR, CAA, HTTPS, ...) */
	SL_DNS_RD_TEXT,     /* "rdata": A, AAAA, CNAME, NS, PTR, MX (exchange), TXT (one string), NULL */
	SL_DNS_RD_SOA,      /* "soa": rdata = mname, rdata2 = rname, u.soa */
	SL_DNS_RD_SRV,      /* "srv": rdata = target, u.srv */
	SL_DNS_RD_SSHFP,    /* "sshfp": rdata = fingerprint as colon-separated hex, u.sshfp */
	SL_DNS_RD_OPT,      /* "opt": rdata = the raw option list (code, length, data)* */
};

/* Text fields point into the message's own text arena (m->text), NUL-terminated, and stay
 * valid until the next parse into the same struct; rdata may hold NUL bytes (NULL, TXT):
 * rdata_len is its length. */
struct sl_dns_query {
	const char *name;
	uint16_t type, qclass;
};

struct sl_dns_rr {
	const char *name;
	const char *rdata, *rdata2;
	uint32_t rdata_len, rdata2_len;
	uint16_t type, rclass;
	uint32_t ttl;
	uint16_t rdlength;
	uint8_t section; /* enum sl_dns_section */
	uint8_t kind;    /* enum sl_dns_rdata_kind */
	union {
		struct {
			uint16_t preference;
		} mx;
		struct {
			uint16_t priority, weight, port;
		} srv;
		struct {
			uint32_t serial, refresh, retry, expire, minimum;
		} soa;
		struct {
			uint8_t algo, fp_type;
		} sshfp;
	} u;
};

/* A TXT record with several character-strings is kept as one entry per string (same name,
 * type and TTL), the way EVE lists them; the kept counts count entries. */
struct sl_dns_msg {
	uint16_t id;
	uint16_t hflags; /* the header's flag word as sent (opcode and rcode included) */
	uint32_t flags;  /* SL_DNS_F_*: the header's flag bits plus parse notes */
	uint8_t opcode;  /* 0 QUERY, 1 IQUERY, 2 STATUS, 4 NOTIFY, 5 UPDATE */
	uint8_t rcode;   /* header RCODE (4 bits; no EDNS extension) */
	uint16_t qdcount, ancount, nscount, arcount; /* as the header says */
	uint8_t nq, nan, nns, nar;   /* kept */
	uint16_t q_dropped, an_dropped, ns_dropped, ar_dropped; /* present but not kept */
	uint32_t text_used;
	struct sl_dns_query q[SL_DNS_MAX_QUERIES];
	struct sl_dns_rr an[SL_DNS_MAX_ANSWERS];
	struct sl_dns_rr ns[SL_DNS_MAX_AUTHORITIES];
	struct sl_dns_rr ar[SL_DNS_MAX_ADDITIONALS];
	char text[SL_DNS_TEXT_MAX];
};

/* Parse one DNS message of len bytes into *m. Returns 0 or an enum sl_dns_result reason.
 * The message bytes are borrowed for the call only. */
int sl_dns_parse(const uint8_t *msg, size_t len, struct sl_dns_msg *m);

/* One message of a DNS-over-TCP stream: buf holds stream bytes that start at a 2-byte length
 * prefix. When a whole message is there, sets *msg and *msg_len (pointing into buf) and returns
 * the bytes to consume (2 + length); returns 0 when more bytes are needed. */
size_t sl_dns_tcp_next(const uint8_t *buf, size_t len, const uint8_t **msg, size_t *msg_len);

/* Names as EVE writes them. Unknown types are "TYPE<n>" and unknown rcodes "RCODE<n>", in a
 * caller's buffer of at least 12 bytes; the returned pointer is either a constant or buf. */
const char *sl_dns_type_name(uint16_t type, char *buf, size_t buflen);
const char *sl_dns_rcode_name(uint8_t rcode, char *buf, size_t buflen);

#endif
