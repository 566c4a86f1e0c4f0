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
 * A name or rdata text that does not fit its buffer is cut and SL_DNS_F_TRUNCATED_TEXT set.
 *
 * Output is bounded: at most SL_DNS_MAX_QUERIES questions, SL_DNS_MAX_ANSWERS answers and
 * SL_DNS_MAX_AUTHORITIES authority records are kept; the rest are counted in *_dropped.
 * The parser keeps no pointers into the message: everything is copied into the struct.
 */
#ifndef SLUICE_ANALYSIS_DNS_H
#define SLUICE_ANALYSIS_DNS_H

#include <stddef.h>
#include <stdint.h>

#define SL_DNS_MAX_QUERIES 4
#define SL_DNS_MAX_ANSWERS 16
#define SL_DNS_MAX_AUTHORITIES 4
#define SL_DNS_NAME_LEN 384  /* text buffer for one name, NUL included */
#define SL_DNS_RDATA_LEN 384 /* text buffer for one rdata, NUL included */

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

enum sl_dns_section { SL_DNS_ANSWER = 1, SL_DNS_AUTHORITY = 2 };

struct sl_dns_query {
	char name[SL_DNS_NAME_LEN];
	uint16_t type, qclass;
};

struct sl_dns_rr {
	char name[SL_DNS_NAME_LEN];
	uint16_t type, rclass;
	uint32_t ttl;
	uint16_t rdlength;
	/* Text for A, AAAA (8 groups of 4 hex digits, as EVE writes IPv6), CNAME, PTR, NS, DNAME,
	 * MX (exchange), SRV (target), SOA (mname), TXT (strings joined by one space); empty for
	 * other types. */
	char rdata[SL_DNS_RDATA_LEN];
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
	} u;
	char soa_rname[SL_DNS_NAME_LEN]; /* SOA only */
};

struct sl_dns_msg {
	uint16_t id;
	uint32_t flags;  /* SL_DNS_F_*: the header's flag bits plus parse notes */
	uint8_t opcode;  /* 0 QUERY, 1 IQUERY, 2 STATUS, 4 NOTIFY, 5 UPDATE */
	uint8_t rcode;   /* header RCODE (4 bits; no EDNS extension) */
	uint16_t qdcount, ancount, nscount, arcount; /* as the header says */
	uint8_t nq, nan, nns;        /* kept */
	uint16_t q_dropped, an_dropped, ns_dropped; /* present but not kept */
	struct sl_dns_query q[SL_DNS_MAX_QUERIES];
	struct sl_dns_rr an[SL_DNS_MAX_ANSWERS];
	struct sl_dns_rr ns[SL_DNS_MAX_AUTHORITIES];
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
