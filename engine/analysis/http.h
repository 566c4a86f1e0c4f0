/* SPDX-License-Identifier: MIT */
/*
 * HTTP/1.x message parsing over the two in-order byte streams of one TCP connection, for the
 * `http` record (hostname, url, user agent, method, protocol, status, content type, length).
 * TCP reassembly hands each direction's bytes over in chunks of any size; this parser finds
 * every message head in them, skips bodies (Content-Length, chunked, or until the connection
 * closes) so that pipelined messages are all found, and pairs responses with requests well
 * enough to know when a response has no body (HEAD, 1xx, 204, 304, CONNECT).
 *
 * Per connection the caller owns one struct sl_http_conn (about 17 KiB: a head buffer of
 * SL_HTTP_HDR_MAX per direction) and feeds it; the parser never allocates. Calls are
 * iterator style, one event per call:
 *
 *     size_t used;
 *     struct sl_http_msg m;
 *     int ev;
 *     do {
 *         ev = sl_http_feed(conn, dir, p, n, &used, &m);
 *         p += used; n -= used;
 *         ... handle ev ...
 *     } while (ev != SL_HTTP_NEED_MORE);
 *
 * SL_HTTP_NEED_MORE always consumes all of the input. Every message gives SL_HTTP_HEAD when
 * its head is complete and SL_HTTP_END when its body is (a body that runs to the close ends
 * at sl_http_close()). Strings in the msg point into the caller's chunk or into the conn's
 * head buffer; both stay valid until the next sl_http_feed()/sl_http_close() on that
 * direction, so the caller copies what it keeps.
 *
 * Tolerated, as libhtp tolerates them (hostile and broken peers are the point of a sensor):
 * LF-only line ends; empty lines and junk lines (fewer than two words, or a first word that
 * is not a token) before a request line, skipped and counted (msg->junk_lines); an HTTP/0.9
 * request line (method and target, no version: no headers, and its answer is raw bytes up to
 * the close); odd-case header names, whitespace around values; malformed header lines (no
 * colon, a NUL, obs-fold continuations) counted in msg->bad_lines and skipped; a head longer
 * than SL_HTTP_HDR_MAX parsed up to its last whole line within the limit (msg->truncated).
 * Body framing follows libhtp: a Transfer-Encoding containing "chunked" wins over a
 * Content-Length (msg->framing says so), another coding is ignored; a Content-Length is its
 * leading digits; a value without digits, or two different values, report the head and then
 * stop the direction, as libhtp's parser stops there. A response whose first line does not
 * start with "HTTP" is all body up to the close, as libhtp (and browsers) take it
 * (msg->no_head). What cannot be HTTP at all (a status line that starts with "HTTP" but is
 * none, a bad chunk size, a request line longer than the limit) gives SL_HTTP_ERROR once,
 * with a reason, and the direction then ignores all further bytes.
 *
 * Lost bytes (sl_http_gap): a gap inside a body is skipped as body; any other gap makes the
 * direction resynchronise: it skips to the next line that starts a request (a request line)
 * or a response ("HTTP/"), and parses on from there.
 *
 * Pairing assumes requests are fed no later than their responses, as in-order reassembly of
 * a real connection does; a response with no known request is taken to answer a GET.
 */
#ifndef SLUICE_ANALYSIS_HTTP_H
#define SLUICE_ANALYSIS_HTTP_H

#include <stddef.h>
#include <stdint.h>

#define SL_HTTP_HDR_MAX 8192 /* the longest message head, request line/status line included */
#define SL_HTTP_PENDING 32   /* requests remembered while their responses are outstanding */
#define SL_HTTP_PROBE_MAX 64 /* bytes sl_http_probe needs at most to decide */

/* sl_http_msg.framing: how the body framing was odd (libhtp's request/response flags) */
#define SL_HTTP_F_CL_TE 0x01       /* both Content-Length and chunked: chunked won */
#define SL_HTTP_F_BAD_TE 0x02      /* a Transfer-Encoding without chunked: ignored */
#define SL_HTTP_F_BAD_CL 0x04      /* a Content-Length without digits: direction stopped */
#define SL_HTTP_F_CL_CONFLICT 0x08 /* two different Content-Lengths: direction stopped */

enum sl_http_dir { SL_HTTP_TO_SERVER = 0, SL_HTTP_TO_CLIENT = 1 };

enum sl_http_event {
	SL_HTTP_NEED_MORE = 0, /* all input consumed, nothing (more) to report */
	SL_HTTP_HEAD = 1,      /* msg holds a complete request or response head */
	SL_HTTP_END = 2,       /* the message's body is complete: msg->body_len */
	SL_HTTP_TUNNEL = 3,    /* the direction stops being HTTP (CONNECT accepted, 101
	                        * Switching Protocols); input past *consumed is tunnel data */
	SL_HTTP_ERROR = 4,     /* gave up on this direction: msg->error */
};

#define SL_HTTP_ERRORS(X)                                  \
	X(NONE, "none")                                    \
	X(BAD_REQUEST_LINE, "bad_request_line")            \
	X(BAD_STATUS_LINE, "bad_status_line")              \
	X(HEADER_TOO_LONG, "header_too_long")              \
	X(BAD_CONTENT_LENGTH, "bad_content_length")        \
	X(BAD_TRANSFER_ENCODING, "bad_transfer_encoding")  \
	X(BAD_CHUNK, "bad_chunk")

enum sl_http_error {
#define SL_HTTP_ERR_ENUM(name, text) SL_HTTP_E_##name,
	SL_HTTP_ERRORS(SL_HTTP_ERR_ENUM)
#undef SL_HTTP_ERR_ENUM
	SL_HTTP_E_COUNT
};

const char *sl_http_error_name(int err);

/* A string inside the input or the head buffer, not NUL-terminated. ptr NULL: absent;
 * a header that is present but empty has a ptr and len 0. */
struct sl_http_str {
	const char *ptr;
	uint32_t len;
};

struct sl_http_msg {
	uint8_t is_response;
	uint8_t interim;        /* a 1xx response (another response to the request follows) */
	uint8_t chunked;        /* Transfer-Encoding ends in chunked */
	uint8_t no_body;        /* response to HEAD, 1xx, 204, 304, CONNECT 2xx */
	uint8_t until_close;    /* the body runs until the connection closes */
	uint8_t complete;       /* END: the body ended as framed (0: cut short by the close or a gap) */
	uint8_t v09;            /* an HTTP/0.9 request, or the answer to one (no head) */
	uint8_t truncated;      /* the head was longer than SL_HTTP_HDR_MAX: its tail was skipped */
	uint8_t framing;        /* SL_HTTP_F_* */
	uint16_t bad_lines;     /* malformed header lines skipped */
	uint16_t junk_lines;    /* junk lines skipped before the request line */
	uint8_t resync;         /* sl_http_gap: the direction now looks for the next message */
	uint8_t no_head;        /* a response whose first line was no status line: all body */
	uint16_t status;        /* responses */
	uint32_t seq;           /* requests: 0, 1, 2...; responses: the request answered */
	int64_t content_length; /* -1 when absent */
	uint64_t body_len;      /* END: body bytes (de-chunked size for chunked bodies) */
	int error;              /* ERROR: enum sl_http_error */
	struct sl_http_str method, uri, protocol; /* request line; protocol for responses too */
	struct sl_http_str reason;                /* response reason phrase */
	struct sl_http_str host, user_agent, content_type, referer, transfer_encoding;
};

/* One direction's parser state; fields are private to http.c. */
struct sl_http_side {
	uint8_t state, started, eoh, after_end;
	uint8_t is_response, cdigits, cext, no_body;
	uint8_t chunked, until_close;
	uint8_t l1done, l1tok, l1ws, l1bad; /* the first line while it is scanned */
	uint8_t trunc, rs_bol; /* head overflowed; resync: at the start of a line */
	uint16_t junk;
	int error;
	uint16_t status;
	uint32_t seq, hlen, tline;
	uint64_t remaining, body_len, csize;
	char hbuf[SL_HTTP_HDR_MAX];
};

struct sl_http_conn {
	struct sl_http_side side[2]; /* [SL_HTTP_TO_SERVER], [SL_HTTP_TO_CLIENT] */
	uint8_t pending[SL_HTTP_PENDING]; /* kinds of requests awaiting a response */
	uint32_t p_head, p_count;
	uint8_t connect; /* what became of the last CONNECT */
};

void sl_http_init(struct sl_http_conn *c);

/* Parse len bytes of direction dir (enum sl_http_dir). Returns an enum sl_http_event;
 * *consumed says how much of the input the event accounts for. */
int sl_http_feed(struct sl_http_conn *c, int dir, const uint8_t *data, size_t len,
                 size_t *consumed, struct sl_http_msg *msg);

/* The direction's stream ended (FIN/RST/flow timeout). Returns SL_HTTP_END when a message
 * body was in progress (msg->complete says whether its framing was satisfied: always for a
 * read-until-close body, never for a body cut short), else SL_HTTP_NEED_MORE. */
int sl_http_close(struct sl_http_conn *c, int dir, struct sl_http_msg *msg);

/* 1 when neither direction holds part of a message and no request awaits its response: a
 * caller may let this state go between transactions and start a fresh one (sl_http_init)
 * for the next message, so long keep-alive connections hold parser memory only while a
 * transaction is in flight. A direction that is resynchronising at a line start counts as
 * idle; the caller keeps that fact (sl_http_resyncing) and calls sl_http_resync on the fresh
 * state. */
int sl_http_idle(const struct sl_http_conn *c);
int sl_http_resyncing(const struct sl_http_conn *c, int dir);

/* Bytes of direction dir were lost (missing of them; 0: an unknown amount). Inside a body
 * they are skipped as body; otherwise the direction resynchronises at the next message start.
 * Returns SL_HTTP_END when a body in progress ended (msg->complete 0 when the gap cut it),
 * SL_HTTP_HEAD for a head the gap cut after its first line (what came of it, msg->truncated;
 * its body is lost with the rest), else SL_HTTP_NEED_MORE. */
int sl_http_gap(struct sl_http_conn *c, int dir, uint64_t missing, struct sl_http_msg *msg);

/* The parser was set up on a connection already under way (its first bytes seen were the
 * server's): direction dir starts by resynchronising, as after a gap. */
void sl_http_resync(struct sl_http_conn *c, int dir);

/* "Does this look like an HTTP request?" for detection on any port. 1 when, after empty
 * lines and short junk lines, p starts with a known method and a space, or with any token, a
 * space, a target and " HTTP/" (or a line end for HTTP/0.9 GET); also when SL_HTTP_PROBE_MAX
 * bytes hold an upper-case token, a space and a target starting with '/' not yet ended. 0 when
 * it cannot be, -EAGAIN when n is too short to tell. */
int sl_http_probe(const uint8_t *p, size_t n);

/* "Does this look like an HTTP response?": 1 when p starts with "HTTP/" a version digit, '.',
 * a digit and a space; 0 when it cannot; -EAGAIN when n is too short to tell. */
int sl_http_probe_response(const uint8_t *p, size_t n);

#endif
