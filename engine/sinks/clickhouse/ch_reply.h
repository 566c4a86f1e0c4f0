/* SPDX-License-Identifier: MIT */
/*
 * What a ClickHouse server's HTTP reply means to the sink (clickhouse.c), kept apart from
 * libcurl so the parsers of the server's untrusted bytes are tested and fuzzed alone
 * (tests/fuzz/fuzz_ch_reply.c). Nothing here allocates; every read is bounded by the length
 * given.
 */
#ifndef SLUICE_CH_REPLY_H
#define SLUICE_CH_REPLY_H

#include <stddef.h>
#include <stdint.h>

#define CH_REPLY_CAP 4096u /* bytes of a reply kept; the rest is read and ignored */

/* How a request ended, and what the sink does about it. */
enum ch_class {
	CH_OK = 0,
	CH_NET_DOWN,  /* no connection: nothing reached the server; retry later */
	CH_NET_LOST,  /* the request may have reached it and no reply came (timeout, reset,
	                 empty reply): maybe committed, so asked about before a resend */
	CH_SERVER,    /* a 5xx without a known cause: maybe committed */
	CH_PARTS,     /* TOO_MANY_PARTS (Code: 252): refused before writing; back off longer */
	CH_BAD_ROW,   /* the data did not parse or convert: nothing committed; find the row */
	CH_REFUSED,   /* any other refusal (unknown table, auth, ...): nothing committed; retry */
	CH_NCLASS
};

/* transport: 0 a reply came (http is its status), 1 no connection, 2 failed after connecting.
 * body: the reply's first bytes (len of them), untrusted. */
enum ch_class sl__ch_classify(int transport, long http, const char *body, size_t len);
const char *sl__ch_class_name(enum ch_class k);
/* The N of a "Code: N" at the start of an exception reply; -1 when there is none. */
long sl__ch_exception_code(const char *body, size_t len);
/* A count() reply: decimal digits and a newline, nothing else; -1 otherwise. */
int64_t sl__ch_parse_count(const char *body, size_t len);
/* Writes n bytes as the inside of a JSON string (", \ and bytes under 0x20 escaped; others as
 * they are); out must have room for 6 * n bytes. Returns the bytes written. */
size_t sl__ch_json_escape(char *out, const char *in, size_t n);

#endif
