/* SPDX-License-Identifier: MIT */
/*
 * HTTP/1.x stream parsing (contract in http.h). Each direction is a small state machine:
 *
 *            head complete                       body framed by
 *   HEAD ─────────────────▶ (report HEAD) ──┬──▶ BODY_LEN ───────────┐
 *    ▲                                      ├──▶ CHUNK_SIZE ⇄ CHUNK_DATA → CHUNK_CRLF
 *    │                                      │      └─(size 0)─▶ TRAILER ─┤
 *    │                                      ├──▶ BODY_CLOSE ─(close)─────┤
 *    │                                      └──▶ (no body) ──────────────┤
 *    │                                                                   ▼
 *    └──────────────────────────────────────────────────────── END (report END)
 *                                                      ├──▶ WAIT_CONNECT (request side)
 *                                                      └──▶ TUNNEL (CONNECT 2xx / 101)
 *   any ── error ──▶ (report ERROR once) ──▶ GAVE_UP (swallow everything)
 *   any but a body that can take it ── gap ──▶ RESYNC ── a line that starts a message ──▶ HEAD
 *
 * The first line of a head is also looked at byte by byte while it comes: on the request side
 * it decides junk (skipped), HTTP/0.9 (the line is the request) or a request line; on the
 * response side a line that does not start with "HTTP" makes the response all body.
 *
 * Invariants:
 *   1. NEED_MORE is returned only after consuming all input, so callers loop until it.
 *   2. Every other event consumes at most the input given and changes state, so a caller
 *      feeding zero bytes in a loop still terminates.
 *   3. A head is parsed in place when it lies wholly inside one chunk, else it is gathered
 *      into hbuf, which never holds more than SL_HTTP_HDR_MAX bytes.
 */
#include "http.h"

#include <errno.h>
#include <string.h>

enum {
	ST_HEAD = 0,
	ST_BODY_LEN,
	ST_CHUNK_SIZE,
	ST_CHUNK_DATA,
	ST_CHUNK_CRLF,
	ST_TRAILER,
	ST_BODY_CLOSE,
	ST_END,          /* report END at the next call */
	ST_TUNNEL_NOW,   /* report TUNNEL at the next call */
	ST_TUNNEL,
	ST_WAIT_CONNECT, /* request side after CONNECT: the answer decides */
	ST_GAVE_UP,
	ST_RESYNC,       /* after a gap: skipping to a line that starts a message */
};

/* request kinds remembered for pairing */
enum { K_OTHER = 0, K_HEAD, K_CONNECT, K_V09 };
/* sl_http_conn.connect */
enum { C_NONE = 0, C_ACCEPTED, C_REFUSED };

#define MAX_CHUNK_SIZE (1ull << 40)
#define MAX_CONTENT_LENGTH (1ull << 62)

static const char *const http_err_names[] = {
#define SL_HTTP_ERR_NAME(name, text) text,
	SL_HTTP_ERRORS(SL_HTTP_ERR_NAME)
#undef SL_HTTP_ERR_NAME
};

const char *sl_http_error_name(int err)
{
	if (err < 0 || err >= SL_HTTP_E_COUNT)
		return "unknown";
	return http_err_names[err];
}

void sl_http_init(struct sl_http_conn *c)
{
	unsigned i;

	for (i = 0; i < 2; i++) {
		memset(&c->side[i], 0, offsetof(struct sl_http_side, hbuf));
		c->side[i].state = ST_HEAD;
		c->side[i].is_response = (uint8_t)i;
	}
	c->p_head = c->p_count = 0;
	c->connect = C_NONE;
}

/* ---- small string helpers (ASCII only, locale-free) ---- */

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int ieq(const char *a, size_t n, const char *lit)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (lit[i] == '\0' || lower((unsigned char)a[i]) != lit[i])
			return 0;
	return lit[n] == '\0';
}

static int iprefix(const char *a, size_t n, const char *lit)
{
	size_t i;

	for (i = 0; lit[i]; i++)
		if (i >= n || lower((unsigned char)a[i]) != lower((unsigned char)lit[i]))
			return 0;
	return 1;
}

static int is_ws(char c)
{
	return c == ' ' || c == '\t';
}

static int is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return 1;
	return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static struct sl_http_str mkstr(const char *p, size_t n)
{
	struct sl_http_str s = {p, (uint32_t)n};

	return s;
}

static struct sl_http_str trim(const char *p, size_t n)
{
	while (n && is_ws(*p))
		p++, n--;
	while (n && (is_ws(p[n - 1]) || p[n - 1] == '\r'))
		n--;
	return mkstr(p, n);
}

/* Content-Length as libhtp reads it: its leading digits, whatever follows them ("5, 5" and
 * "12x" are 5 and 12). -1 without digits or beyond any real length. */
static int parse_length(struct sl_http_str v, int64_t *out)
{
	uint64_t val = 0;
	size_t i = 0;

	while (i < v.len && is_ws(v.ptr[i]))
		i++;
	if (i >= v.len || v.ptr[i] < '0' || v.ptr[i] > '9')
		return -1;
	while (i < v.len && v.ptr[i] >= '0' && v.ptr[i] <= '9') {
		val = val * 10 + (uint64_t)(v.ptr[i] - '0');
		if (val > MAX_CONTENT_LENGTH)
			return -1;
		i++;
	}
	*out = (int64_t)val;
	return 0;
}

/* Transfer-Encoding names chunked anywhere (libhtp's test; "gzip, chunked" and a bare
 * "chunked" alike)? */
static int te_chunked(struct sl_http_str v)
{
	for (size_t i = 0; i + 7 <= v.len; i++)
		if (iprefix(v.ptr + i, v.len - i, "chunked"))
			return 1;
	return 0;
}

/* ---- pairing ---- */

static void pending_push(struct sl_http_conn *c, uint8_t kind)
{
	if (c->p_count == SL_HTTP_PENDING)
		return; /* too deep a pipeline: the extra requests pair as GETs */
	c->pending[(c->p_head + c->p_count) % SL_HTTP_PENDING] = kind;
	c->p_count++;
}

static uint8_t pending_peek(const struct sl_http_conn *c)
{
	return c->p_count ? c->pending[c->p_head] : K_OTHER;
}

static void pending_pop(struct sl_http_conn *c)
{
	if (c->p_count) {
		c->p_head = (c->p_head + 1) % SL_HTTP_PENDING;
		c->p_count--;
	}
}

/* ---- heads ---- */

/* Parse a complete head (n bytes ending in LF) into m and decide how the body is framed.
 * Returns 0 or an enum sl_http_error. */
static int parse_head(struct sl_http_conn *c, struct sl_http_side *s, const char *h, size_t n,
                      struct sl_http_msg *m)
{
	const char *end = h + n, *line = h;
	int first = 1, have_cl = 0;
	int64_t cl = -1;

	m->content_length = -1;
	while (line < end) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		size_t ln;

		if (nl == NULL)
			nl = end;
		ln = (size_t)(nl - line);
		if (ln && line[ln - 1] == '\r')
			ln--;
		if (first) {
			first = 0;
			if (!s->is_response) {
				size_t i = 0, ms, us;

				while (i < ln && is_tchar((unsigned char)line[i]))
					i++;
				if (i == 0 || i > 32 || i >= ln || !is_ws(line[i]))
					return SL_HTTP_E_BAD_REQUEST_LINE;
				ms = i;
				while (i < ln && is_ws(line[i]))
					i++;
				us = i;
				while (i < ln && !is_ws(line[i]))
					i++;
				if (i == us)
					return SL_HTTP_E_BAD_REQUEST_LINE;
				m->method = mkstr(line, ms);
				m->uri = mkstr(line + us, i - us);
				m->protocol = trim(line + i, ln - i);
				if (m->protocol.len && !iprefix(m->protocol.ptr, m->protocol.len, "HTTP/"))
					return SL_HTTP_E_BAD_REQUEST_LINE;
			} else {
				size_t i = 0;
				unsigned st = 0, k;

				if (!iprefix(line, ln, "HTTP/"))
					return SL_HTTP_E_BAD_STATUS_LINE;
				while (i < ln && !is_ws(line[i]))
					i++;
				m->protocol = mkstr(line, i);
				while (i < ln && is_ws(line[i]))
					i++;
				for (k = 0; k < 3; k++, i++) {
					if (i >= ln || line[i] < '0' || line[i] > '9')
						return SL_HTTP_E_BAD_STATUS_LINE;
					st = st * 10 + (unsigned)(line[i] - '0');
				}
				if (st < 100 || (i < ln && !is_ws(line[i])))
					return SL_HTTP_E_BAD_STATUS_LINE;
				m->status = (uint16_t)st;
				m->reason = trim(line + i, ln - i);
			}
		} else if (ln > 0 && (is_ws(line[0]) || memchr(line, '\0', ln) != NULL ||
		                      memchr(line, ':', ln) == NULL || line[0] == ':')) {
			/* folded, a NUL, no colon, no name: skipped, counted */
			if (m->bad_lines < UINT16_MAX)
				m->bad_lines++;
		} else if (ln > 0) {
			const char *colon = memchr(line, ':', ln);

			{
				struct sl_http_str name = trim(line, (size_t)(colon - line));
				struct sl_http_str v =
					trim(colon + 1, ln - (size_t)(colon + 1 - line));

				if (ieq(name.ptr, name.len, "host")) {
					if (!m->host.ptr)
						m->host = v;
				} else if (ieq(name.ptr, name.len, "user-agent")) {
					if (!m->user_agent.ptr)
						m->user_agent = v;
				} else if (ieq(name.ptr, name.len, "content-type")) {
					if (!m->content_type.ptr)
						m->content_type = v;
				} else if (ieq(name.ptr, name.len, "referer")) {
					if (!m->referer.ptr)
						m->referer = v;
				} else if (ieq(name.ptr, name.len, "transfer-encoding")) {
					m->transfer_encoding = v;
					m->chunked = (uint8_t)te_chunked(v);
				} else if (ieq(name.ptr, name.len, "content-length")) {
					int64_t x;

					if (parse_length(v, &x) != 0)
						m->framing |= SL_HTTP_F_BAD_CL;
					else if (have_cl && x != cl)
						m->framing |= SL_HTTP_F_CL_CONFLICT;
					else
						cl = x;
					have_cl = 1;
				}
			}
		}
		line = nl + 1;
	}
	m->content_length = cl;
	m->is_response = s->is_response;
	if (m->transfer_encoding.ptr && !m->chunked)
		m->framing |= SL_HTTP_F_BAD_TE;
	if (m->chunked && have_cl)
		m->framing |= SL_HTTP_F_CL_TE;

	/* body framing, RFC 9112 section 6.3 */
	s->after_end = ST_HEAD;
	s->no_body = 0;
	s->chunked = m->chunked;
	s->until_close = 0;
	s->body_len = 0;
	if (!s->is_response) {
		uint8_t kind = K_OTHER;

		if (ieq(m->method.ptr, m->method.len, "head"))
			kind = K_HEAD;
		else if (ieq(m->method.ptr, m->method.len, "connect"))
			kind = K_CONNECT;
		else if (m->protocol.len == 0)
			kind = K_V09, m->v09 = 1;
		m->seq = s->seq++;
		pending_push(c, kind);
		if (kind == K_CONNECT) {
			c->connect = C_NONE;
			s->after_end = ST_WAIT_CONNECT;
		}
		if (m->chunked) {
			s->state = ST_CHUNK_SIZE;
		} else if (cl > 0) {
			s->state = ST_BODY_LEN;
			s->remaining = (uint64_t)cl;
		} else {
			s->state = ST_END;
		}
	} else {
		uint8_t kind = pending_peek(c);
		unsigned st = m->status;

		m->seq = s->seq;
		if (st < 200 && st != 101) {
			m->interim = 1;
			m->no_body = 1;
			s->state = ST_END;
			s->no_body = 1;
			return 0;
		}
		pending_pop(c);
		s->seq++;
		if (st == 101) {
			m->no_body = 1;
			s->after_end = ST_TUNNEL_NOW;
		} else if (kind == K_CONNECT) {
			c->connect = (st >= 200 && st < 300) ? C_ACCEPTED : C_REFUSED;
			if (c->connect == C_ACCEPTED) {
				m->no_body = 1;
				s->after_end = ST_TUNNEL_NOW;
			}
		}
		if (kind == K_HEAD || st == 204 || st == 304)
			m->no_body = 1;
		if (m->no_body) {
			s->state = ST_END;
		} else if (m->chunked) {
			s->state = ST_CHUNK_SIZE;
		} else if (cl >= 0) {
			s->state = cl > 0 ? ST_BODY_LEN : ST_END;
			s->remaining = (uint64_t)cl;
		} else {
			m->until_close = 1;
			s->until_close = 1;
			s->state = ST_BODY_CLOSE;
		}
		s->no_body = m->no_body;
	}
	if (s->state == ST_CHUNK_SIZE) {
		s->csize = 0;
		s->cdigits = 0;
		s->cext = 0;
	}
	/* libhtp stops parsing the direction at an unusable Content-Length: the message is
	 * reported, nothing after it */
	if (!m->chunked && (m->framing & (SL_HTTP_F_BAD_CL | SL_HTTP_F_CL_CONFLICT)))
		s->state = ST_GAVE_UP;
	return 0;
}

/* The answer to an HTTP/0.9 request: no head, its bytes run to the close. Reported as a
 * head with status 0 so the caller pairs it like any response. */
static int v09_response(struct sl_http_conn *c, struct sl_http_side *s, struct sl_http_msg *m)
{
	pending_pop(c);
	m->is_response = 1;
	m->v09 = 1;
	m->until_close = 1;
	m->seq = s->seq++;
	s->status = 0;
	s->after_end = ST_HEAD;
	s->no_body = 0;
	s->chunked = 0;
	s->until_close = 1;
	s->body_len = 0;
	s->state = ST_BODY_CLOSE;
	return SL_HTTP_HEAD;
}

/* A response whose first line does not start with "HTTP" (after spaces, any case) is not a
 * head: libhtp then takes all of it as body, as browsers do. The line lies in hbuf[0, hlen)
 * and then data[start, end). */
static int looks_like_status(const struct sl_http_side *s, const uint8_t *data, size_t start,
                             size_t end)
{
	size_t n = s->hlen + (end - start), k = 0, m = 0;

	for (; k < n && m < 4; k++) {
		char c = k < s->hlen ? s->hbuf[k] : (char)data[start + (k - s->hlen)];

		if (m == 0 && is_ws(c))
			continue;
		if (lower(c) != "http"[m])
			return 0;
		m++;
	}
	return m == 4;
}

/* The first line of a request is scanned byte by byte as it comes (it may come one byte per
 * segment): its words decide whether it is a request line (three words), an HTTP/0.9 request
 * (two) or junk before the request (fewer, or a first word that is not a token). */
static void l1_reset(struct sl_http_side *s)
{
	s->l1done = 0;
	s->l1tok = 0;
	s->l1ws = 1;
	s->l1bad = 0;
	s->eoh = 0;
	s->hlen = 0;
}

/* Where a head longer than the limit is cut: after its last whole line within h[0, n). */
static size_t cut_head(const char *h, size_t n)
{
	while (n && h[n - 1] != '\n')
		n--;
	return n;
}

/* ST_HEAD: find the end of the head (an empty line) in data. */
static int feed_head(struct sl_http_conn *c, struct sl_http_side *s, const uint8_t *data,
                     size_t len, size_t *consumed, struct sl_http_msg *m)
{
	size_t i = 0, start;
	const char *h;
	size_t hn;
	int err;

	if (!s->started) {
		if (s->is_response && pending_peek(c) == K_V09 && c->p_count) {
			*consumed = 0;
			return v09_response(c, s, m);
		}
		/* RFC 9112 2.2: ignore empty lines before a message */
		while (i < len && (data[i] == '\r' || data[i] == '\n'))
			i++;
		if (i == len) {
			*consumed = len;
			return SL_HTTP_NEED_MORE;
		}
		s->started = 1;
		s->trunc = 0;
		s->junk = 0;
		l1_reset(s);
	}
	start = i;
	for (; i < len; i++) {
		uint8_t ch = data[i];

		if (!s->l1done && s->is_response) {
			s->l1done = ch == '\n';
			if (s->l1done && !looks_like_status(s, data, start, i)) {
				/* no status line: the response is all body, to the close */
				uint64_t seen = s->hlen + (i + 1 - start);

				*consumed = i + 1;
				s->started = 0;
				s->hlen = 0;
				v09_response(c, s, m);
				m->v09 = 0;
				m->no_head = 1;
				s->body_len = seen;
				return SL_HTTP_HEAD;
			}
		} else if (!s->l1done) {
			if (ch == '\n') {
				s->l1done = 1;
				if (s->l1tok < 2 || s->l1bad) {
					/* junk before the request line: forget it, scan the next line */
					if (s->junk < UINT16_MAX)
						s->junk++;
					l1_reset(s);
					start = i + 1;
					continue;
				}
				if (s->l1tok == 2)
					break; /* HTTP/0.9: the line is the whole request */
			} else if (ch == ' ' || ch == '\t' || ch == '\r') {
				s->l1ws = 1;
			} else {
				if (s->l1ws && s->l1tok < 255)
					s->l1tok++;
				s->l1ws = 0;
				if (s->l1tok == 1 && !is_tchar(ch))
					s->l1bad = 1;
			}
		}
		if (ch == '\n') {
			if (s->eoh >= 1)
				break;
			s->eoh = 1;
		} else if (ch == '\r') {
			s->eoh = s->eoh == 1 ? 2 : (s->eoh == 2 ? 0 : s->eoh);
		} else {
			s->eoh = 0;
		}
	}
	if (i == len) { /* no end yet: keep what we have, up to the limit */
		size_t add = len - start;

		if (add > SL_HTTP_HDR_MAX - s->hlen) {
			add = SL_HTTP_HDR_MAX - s->hlen;
			if (!s->l1done) {
				/* not even the first line fits */
				*consumed = len;
				m->error = SL_HTTP_E_HEADER_TOO_LONG;
				s->state = ST_GAVE_UP;
				return SL_HTTP_ERROR;
			}
			s->trunc = 1;
		}
		memcpy(s->hbuf + s->hlen, data + start, add);
		s->hlen += (uint32_t)add;
		*consumed = len;
		return SL_HTTP_NEED_MORE;
	}
	i++; /* past the final LF */
	*consumed = i;
	if (s->hlen == 0 && !s->trunc) {
		h = (const char *)data + start;
		hn = i - start;
	} else {
		size_t add = i - start;

		if (add > SL_HTTP_HDR_MAX - s->hlen) {
			add = SL_HTTP_HDR_MAX - s->hlen;
			s->trunc = 1;
		}
		memcpy(s->hbuf + s->hlen, data + start, add);
		h = s->hbuf;
		hn = s->hlen + add;
	}
	if (hn > SL_HTTP_HDR_MAX) {
		hn = SL_HTTP_HDR_MAX;
		s->trunc = 1;
	}
	if (s->trunc) {
		hn = cut_head(h, hn);
		m->truncated = 1;
	}
	if (hn == 0) {
		s->state = ST_GAVE_UP;
		m->error = SL_HTTP_E_HEADER_TOO_LONG;
		return SL_HTTP_ERROR;
	}
	/* the head's bytes stay where they are until the next call; the buffer is free again */
	s->hlen = 0;
	s->started = 0;
	m->junk_lines = s->junk;
	err = parse_head(c, s, h, hn, m);
	if (err) {
		s->state = ST_GAVE_UP;
		m->error = err;
		return SL_HTTP_ERROR;
	}
	s->status = m->status;
	return SL_HTTP_HEAD;
}

static int body_done(struct sl_http_side *s, int complete, struct sl_http_msg *m)
{
	m->is_response = s->is_response;
	m->status = s->status;
	m->seq = s->seq - 1; /* the head already counted this message */
	m->body_len = s->body_len;
	m->chunked = s->chunked;
	m->until_close = s->until_close;
	m->no_body = s->no_body;
	m->complete = (uint8_t)complete;
	m->content_length = -1;
	if (s->is_response && s->no_body && s->status < 200 && s->status != 101)
		m->interim = 1, m->seq = s->seq; /* still answering the same request */
	s->state = s->after_end;
	s->after_end = ST_HEAD;
	return SL_HTTP_END;
}

/* Chunked body bytes; returns an event, *used how much of data it took. */
static int feed_chunked(struct sl_http_side *s, const uint8_t *data, size_t len, size_t *used,
                        struct sl_http_msg *m)
{
	size_t i = 0;

	while (i < len) {
		uint8_t ch = data[i];

		switch (s->state) {
		case ST_CHUNK_SIZE: {
			int v = -1;

			i++;
			if (ch >= '0' && ch <= '9')
				v = ch - '0';
			else if (lower(ch) >= 'a' && lower(ch) <= 'f')
				v = lower(ch) - 'a' + 10;
			if (v >= 0 && !s->cext) {
				s->csize = s->csize * 16 + (uint64_t)v;
				if (++s->cdigits > 16 || s->csize > MAX_CHUNK_SIZE)
					goto bad;
			} else if (ch == '\n') {
				if (s->cdigits == 0)
					goto bad;
				if (s->csize == 0) {
					s->state = ST_TRAILER;
					s->tline = 0;
					s->remaining = 0;
				} else {
					s->state = ST_CHUNK_DATA;
					s->remaining = s->csize;
				}
			} else if (ch == '\r') {
				/* part of the line end */
			} else if (ch == ';' || is_ws((char)ch)) {
				s->cext = 1;
			} else if (!s->cext) {
				goto bad;
			}
			break;
		}
		case ST_CHUNK_DATA: {
			size_t n = len - i;

			if (n > s->remaining)
				n = (size_t)s->remaining;
			s->remaining -= n;
			s->body_len += n;
			i += n;
			if (s->remaining == 0)
				s->state = ST_CHUNK_CRLF;
			break;
		}
		case ST_CHUNK_CRLF:
			i++;
			if (ch == '\n') {
				s->state = ST_CHUNK_SIZE;
				s->csize = 0;
				s->cdigits = 0;
				s->cext = 0;
			} else if (ch != '\r') {
				goto bad;
			}
			break;
		case ST_TRAILER:
			i++;
			if (ch == '\n') {
				if (s->tline == 0) {
					*used = i;
					return body_done(s, 1, m);
				}
				s->tline = 0;
			} else if (ch != '\r') {
				s->tline++;
				if (++s->remaining > SL_HTTP_HDR_MAX)
					goto bad;
			}
			break;
		default:
			*used = i;
			return SL_HTTP_NEED_MORE;
		}
	}
	*used = i;
	return SL_HTTP_NEED_MORE;
bad:
	*used = i;
	s->state = ST_GAVE_UP;
	m->error = SL_HTTP_E_BAD_CHUNK;
	return SL_HTTP_ERROR;
}

static int request_line_at(const uint8_t *p, size_t n);

/* Does a message start at p? Only what this chunk holds is looked at: a start cut by the
 * chunk's end is missed, and the search goes on at the next line. */
static int message_at(const struct sl_http_side *s, const uint8_t *p, size_t n)
{
	if (s->is_response)
		return sl_http_probe_response(p, n) == 1;
	return request_line_at(p, n) == 1;
}

/* ST_RESYNC: skip to the start of a line that starts a message; returns the bytes skipped
 * (the state is ST_HEAD when one was found). */
static size_t resync(struct sl_http_side *s, const uint8_t *p, size_t n)
{
	size_t k = 0;

	while (k < n) {
		if (s->rs_bol) {
			s->rs_bol = 0;
			if (message_at(s, p + k, n - k)) {
				s->state = ST_HEAD;
				s->started = 0;
				s->hlen = 0;
				return k;
			}
		}
		const uint8_t *nl = memchr(p + k, '\n', n - k);
		if (nl == NULL)
			return n;
		k = (size_t)(nl - p) + 1;
		s->rs_bol = 1;
	}
	return n;
}

int sl_http_feed(struct sl_http_conn *c, int dir, const uint8_t *data, size_t len,
                 size_t *consumed, struct sl_http_msg *m)
{
	struct sl_http_side *s;
	size_t n;
	int ev;

	memset(m, 0, sizeof(*m));
	m->content_length = -1;
	*consumed = 0;
	if (dir != SL_HTTP_TO_SERVER && dir != SL_HTTP_TO_CLIENT)
		return SL_HTTP_NEED_MORE;
	if (data == NULL)
		len = 0;
	s = &c->side[dir];

	for (;;) {
		const uint8_t *p = data + *consumed;
		size_t left = len - *consumed;

		switch (s->state) {
		case ST_HEAD:
			if (left == 0)
				return SL_HTTP_NEED_MORE;
			ev = feed_head(c, s, p, left, &n, m);
			*consumed += n;
			return ev;
		case ST_BODY_LEN:
			if (left == 0)
				return SL_HTTP_NEED_MORE;
			n = left < s->remaining ? left : (size_t)s->remaining;
			s->remaining -= n;
			s->body_len += n;
			*consumed += n;
			if (s->remaining == 0)
				return body_done(s, 1, m);
			return SL_HTTP_NEED_MORE;
		case ST_CHUNK_SIZE:
		case ST_CHUNK_DATA:
		case ST_CHUNK_CRLF:
		case ST_TRAILER:
			if (left == 0)
				return SL_HTTP_NEED_MORE;
			ev = feed_chunked(s, p, left, &n, m);
			*consumed += n;
			return ev;
		case ST_BODY_CLOSE:
			s->body_len += left;
			*consumed = len;
			return SL_HTTP_NEED_MORE;
		case ST_END:
			return body_done(s, 1, m);
		case ST_TUNNEL_NOW:
			s->state = ST_TUNNEL;
			m->is_response = s->is_response;
			return SL_HTTP_TUNNEL;
		case ST_WAIT_CONNECT:
			if (left == 0)
				return SL_HTTP_NEED_MORE;
			if (c->connect == C_REFUSED) {
				s->state = ST_HEAD; /* e.g. 407, then a new CONNECT */
				continue;
			}
			s->state = ST_TUNNEL_NOW;
			continue;
		case ST_RESYNC:
			n = resync(s, p, left);
			*consumed += n;
			if (s->state == ST_RESYNC)
				return SL_HTTP_NEED_MORE;
			continue;
		case ST_TUNNEL:
		case ST_GAVE_UP:
		default:
			*consumed = len;
			return SL_HTTP_NEED_MORE;
		}
	}
}

int sl_http_close(struct sl_http_conn *c, int dir, struct sl_http_msg *m)
{
	struct sl_http_side *s;

	memset(m, 0, sizeof(*m));
	m->content_length = -1;
	if (dir != SL_HTTP_TO_SERVER && dir != SL_HTTP_TO_CLIENT)
		return SL_HTTP_NEED_MORE;
	s = &c->side[dir];
	switch (s->state) {
	case ST_BODY_CLOSE:
		s->after_end = ST_GAVE_UP;
		return body_done(s, 1, m);
	case ST_BODY_LEN:
	case ST_CHUNK_SIZE:
	case ST_CHUNK_DATA:
	case ST_CHUNK_CRLF:
	case ST_TRAILER:
		s->after_end = ST_GAVE_UP;
		return body_done(s, 0, m);
	case ST_END:
		return body_done(s, 1, m);
	}
	return SL_HTTP_NEED_MORE;
}

static void start_resync(struct sl_http_side *s)
{
	s->state = ST_RESYNC;
	s->rs_bol = 1;
	s->started = 0;
	s->hlen = 0;
	s->after_end = ST_HEAD;
}

void sl_http_resync(struct sl_http_conn *c, int dir)
{
	if (dir == SL_HTTP_TO_SERVER || dir == SL_HTTP_TO_CLIENT)
		start_resync(&c->side[dir]);
}

int sl_http_gap(struct sl_http_conn *c, int dir, uint64_t missing, struct sl_http_msg *m)
{
	struct sl_http_side *s;
	int ev = SL_HTTP_NEED_MORE;

	memset(m, 0, sizeof(*m));
	m->content_length = -1;
	if (dir != SL_HTTP_TO_SERVER && dir != SL_HTTP_TO_CLIENT)
		return SL_HTTP_NEED_MORE;
	s = &c->side[dir];
	switch (s->state) {
	case ST_BODY_LEN:
		if (missing && missing <= s->remaining) {
			/* inside the body: those bytes were body */
			s->remaining -= missing;
			s->body_len += missing;
			return s->remaining ? SL_HTTP_NEED_MORE : body_done(s, 1, m);
		}
		ev = body_done(s, 0, m);
		break;
	case ST_CHUNK_DATA:
		if (missing && missing < s->remaining) {
			s->remaining -= missing;
			s->body_len += missing;
			return SL_HTTP_NEED_MORE;
		}
		ev = body_done(s, 0, m);
		break;
	case ST_CHUNK_SIZE:
	case ST_CHUNK_CRLF:
	case ST_TRAILER:
		ev = body_done(s, 0, m);
		break;
	case ST_BODY_CLOSE:
		s->body_len += missing;
		return SL_HTTP_NEED_MORE;
	case ST_END:
		ev = body_done(s, 1, m);
		break;
	case ST_HEAD:
		/* a head cut by the gap after its first line: what came of it is reported, as
		 * libhtp keeps a transaction whose request or status line it has */
		if (s->started && s->l1done && s->hlen) {
			size_t hn = cut_head(s->hbuf, s->hlen);

			if (hn && parse_head(c, s, s->hbuf, hn, m) == 0) {
				m->truncated = 1;
				s->status = m->status;
				ev = SL_HTTP_HEAD;
			}
		}
		break;
	case ST_RESYNC:
		break;
	default: /* a tunnel, or given up: nothing to find again */
		return SL_HTTP_NEED_MORE;
	}
	start_resync(s);
	m->resync = 1;
	return ev;
}

int sl_http_idle(const struct sl_http_conn *c)
{
	for (int d = 0; d < 2; d++) {
		const struct sl_http_side *s = &c->side[d];
		if (s->state == ST_RESYNC ? s->rs_bol == 0 : (s->state != ST_HEAD || s->hlen != 0))
			return 0;
	}
	return c->p_count == 0;
}

int sl_http_resyncing(const struct sl_http_conn *c, int dir)
{
	return (dir == SL_HTTP_TO_SERVER || dir == SL_HTTP_TO_CLIENT) && c->side[dir].state == ST_RESYNC;
}

/* Methods of RFC 9110 and WebDAV (RFC 4918) that clients send in practice. */
static const char *const methods[] = {
	"GET",  "POST", "HEAD",   "PUT",    "DELETE",    "OPTIONS", "CONNECT", "TRACE",
	"PATCH", "PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK", "SEARCH",
	"REPORT", "MKACTIVITY", "CHECKOUT", "MERGE", "NOTIFY", "SUBSCRIBE", "UNSUBSCRIBE",
	"PURGE", "LINK", "UNLINK",
};

/* One line at p: a known method and a space (1); a token, a space, a target and " HTTP/"
 * or, for GET, a line end (HTTP/0.9) (1); not a request line (0); too short to tell (-EAGAIN).
 * *upper_slash: the line so far is an upper-case token, a space and a target starting '/'. */
static int request_line(const uint8_t *p, size_t n, int *upper_slash)
{
	size_t i, k, t, ts;
	int upper = 1;

	*upper_slash = 0;
	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		const char *mth = methods[i];
		size_t ml = strlen(mth);

		for (k = 0; k < n && k < ml; k++)
			if (p[k] != (uint8_t)mth[k])
				break;
		if (k == ml && n > ml && p[ml] == ' ')
			return 1;
	}
	for (t = 0; t < n && t <= 32 && is_tchar(p[t]); t++)
		if (p[t] < 'A' || p[t] > 'Z')
			upper = 0;
	if (t == n)
		return t <= 32 ? -EAGAIN : 0;
	if (t == 0 || t > 32 || p[t] != ' ')
		return 0;
	ts = t + 1;
	for (k = ts; k < n && p[k] > ' ' && p[k] < 0x7f; k++)
		;
	if (k == n) {
		*upper_slash = upper && k > ts && p[ts] == '/';
		return -EAGAIN;
	}
	if (k == ts)
		return 0;
	if (p[k] == '\r' || p[k] == '\n') /* HTTP/0.9: only GET had it */
		return t == 3 && memcmp(p, "GET", 3) == 0;
	if (p[k] != ' ')
		return 0;
	for (i = 0; i < 5; i++) {
		if (k + 1 + i >= n)
			return -EAGAIN;
		if (p[k + 1 + i] != (uint8_t)"HTTP/"[i])
			return 0;
	}
	return 1;
}

static int request_line_at(const uint8_t *p, size_t n)
{
	int us;

	return request_line(p, n, &us);
}

static int is_text(uint8_t c)
{
	return (c >= ' ' && c < 0x7f) || c == '\t' || c == '\r';
}

int sl_http_probe(const uint8_t *p, size_t n)
{
	size_t i = 0;
	int junk = 0;

	while (i < n && i < SL_HTTP_PROBE_MAX) {
		size_t e;
		int us, r;

		/* empty lines, then one junk line at most before the request line */
		while (i < n && (p[i] == '\r' || p[i] == '\n'))
			i++;
		if (i == n)
			return n >= SL_HTTP_PROBE_MAX ? 0 : -EAGAIN;
		r = request_line(p + i, n - i, &us);
		if (r == 1)
			return 1;
		if (r == -EAGAIN)
			return n >= SL_HTTP_PROBE_MAX ? us : -EAGAIN;
		/* not a request line: junk if it is a short line of text */
		for (e = i; e < n && p[e] != '\n'; e++)
			if (!is_text(p[e]) || e - i > 16)
				return 0;
		if (e == n)
			return n >= SL_HTTP_PROBE_MAX ? 0 : -EAGAIN;
		if (e - i > 16 || junk++)
			return 0;
		i = e + 1;
	}
	return n ? 0 : -EAGAIN;
}

int sl_http_probe_response(const uint8_t *p, size_t n)
{
	static const char pre[] = "HTTP/";
	size_t i;

	for (i = 0; i < n && i < 9; i++) {
		uint8_t c = p[i];
		int ok;

		if (i < 5)
			ok = c == (uint8_t)pre[i];
		else if (i == 6)
			ok = c == '.';
		else if (i == 8)
			ok = c == ' ';
		else
			ok = c >= '0' && c <= '9';
		if (!ok)
			return 0;
	}
	return i == 9 ? 1 : -EAGAIN;
}
