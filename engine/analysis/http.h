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
 * Tolerated: LF-only line ends, empty lines before a message, lowercase/odd-case header
 * names, whitespace around values. obs-fold continuation lines are accepted and ignored
 * (a folded value keeps its first line only). Anything that cannot be HTTP (no method, no
 * status line, a head longer than SL_HTTP_HDR_MAX, a bad Content-Length or chunk size) gives
 * SL_HTTP_ERROR once, with a reason, and the direction then ignores all further bytes.
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
	uint8_t complete;       /* END: the body ended as framed (0: cut short by the close) */
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
 * transaction is in flight. */
int sl_http_idle(const struct sl_http_conn *c);

/* "Does this look like an HTTP request?" for detection on any port: 1 when p starts with a
 * known method and a space, 0 when it cannot, -EAGAIN when n is too short to tell. */
int sl_http_probe(const uint8_t *p, size_t n);

#endif
