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
};

/* request kinds remembered for pairing */
enum { K_OTHER = 0, K_HEAD, K_CONNECT };
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

/* Content-Length: digits, or a list of equal values ("5, 5"), as RFC 9110 8.6 allows. */
static int parse_length(struct sl_http_str v, int64_t *out)
{
	uint64_t val = 0, first = 0;
	size_t i = 0;
	int have = 0, items = 0;

	for (;;) {
		while (i < v.len && is_ws(v.ptr[i]))
			i++;
		if (i >= v.len || v.ptr[i] < '0' || v.ptr[i] > '9')
			return -1;
		val = 0;
		while (i < v.len && v.ptr[i] >= '0' && v.ptr[i] <= '9') {
			val = val * 10 + (uint64_t)(v.ptr[i] - '0');
			if (val > MAX_CONTENT_LENGTH)
				return -1;
			i++;
		}
		if (items++ && val != first)
			return -1;
		first = val;
		have = 1;
		while (i < v.len && is_ws(v.ptr[i]))
			i++;
		if (i == v.len)
			break;
		if (v.ptr[i] != ',')
			return -1;
		i++;
	}
	if (!have)
		return -1;
	*out = (int64_t)val;
	return 0;
}

/* The last transfer coding of a Transfer-Encoding value is "chunked"? */
static int te_chunked(struct sl_http_str v)
{
	size_t e = v.len, s;

	while (e && (is_ws(v.ptr[e - 1]) || v.ptr[e - 1] == ','))
		e--;
	s = e;
	while (s && v.ptr[s - 1] != ',')
		s--;
	{
		struct sl_http_str t = trim(v.ptr + s, e - s);

		return ieq(t.ptr, t.len, "chunked");
	}
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
		} else if (ln > 0 && !is_ws(line[0])) { /* folded lines: ignored */
			const char *colon = memchr(line, ':', ln);

			if (colon != NULL) {
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

					if (parse_length(v, &x) != 0 || (have_cl && x != cl))
						return SL_HTTP_E_BAD_CONTENT_LENGTH;
					cl = x;
					have_cl = 1;
				}
			}
		}
		line = nl + 1;
	}
	m->content_length = cl;
	m->is_response = s->is_response;

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
		m->seq = s->seq++;
		pending_push(c, kind);
		if (kind == K_CONNECT) {
			c->connect = C_NONE;
			s->after_end = ST_WAIT_CONNECT;
		}
		if (m->transfer_encoding.ptr && !m->chunked)
			return SL_HTTP_E_BAD_TRANSFER_ENCODING;
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
		} else if (cl >= 0 && !m->transfer_encoding.ptr) {
			/* (another transfer coding than chunked: the close ends the body) */
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
	return 0;
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
		/* RFC 9112 2.2: ignore empty lines before a message */
		while (i < len && (data[i] == '\r' || data[i] == '\n'))
			i++;
		if (i == len) {
			*consumed = len;
			return SL_HTTP_NEED_MORE;
		}
		s->started = 1;
		s->eoh = 0;
		s->hlen = 0;
	}
	start = i;
	for (; i < len; i++) {
		uint8_t ch = data[i];

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
	if (i == len) { /* no end yet: keep what we have */
		if (len - start > SL_HTTP_HDR_MAX - s->hlen) {
			*consumed = len;
			m->error = SL_HTTP_E_HEADER_TOO_LONG;
			s->state = ST_GAVE_UP;
			return SL_HTTP_ERROR;
		}
		memcpy(s->hbuf + s->hlen, data + start, len - start);
		s->hlen += (uint32_t)(len - start);
		*consumed = len;
		return SL_HTTP_NEED_MORE;
	}
	i++; /* past the final LF */
	*consumed = i;
	if (i - start > SL_HTTP_HDR_MAX - s->hlen) {
		s->state = ST_GAVE_UP;
		m->error = SL_HTTP_E_HEADER_TOO_LONG;
		return SL_HTTP_ERROR;
	}
	if (s->hlen == 0) {
		h = (const char *)data + start;
		hn = i - start;
	} else {
		memcpy(s->hbuf + s->hlen, data + start, i - start);
		h = s->hbuf;
		hn = s->hlen + (i - start);
	}
	/* the head's bytes stay where they are until the next call; the buffer is free again */
	s->hlen = 0;
	s->started = 0;
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

int sl_http_idle(const struct sl_http_conn *c)
{
	for (int d = 0; d < 2; d++)
		if (c->side[d].state != ST_HEAD || c->side[d].hlen != 0)
			return 0;
	return c->p_count == 0;
}

/* Methods of RFC 9110 and WebDAV (RFC 4918) that clients send in practice. */
static const char *const methods[] = {
	"GET",  "POST", "HEAD",   "PUT",    "DELETE",    "OPTIONS", "CONNECT", "TRACE",
	"PATCH", "PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK", "SEARCH",
	"REPORT", "MKACTIVITY", "CHECKOUT", "MERGE", "NOTIFY", "SUBSCRIBE", "UNSUBSCRIBE",
	"PURGE", "LINK", "UNLINK",
};

int sl_http_probe(const uint8_t *p, size_t n)
{
	size_t i, k;
	int maybe = 0;

	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		const char *mth = methods[i];
		size_t ml = strlen(mth);

		for (k = 0; k < n && k < ml; k++)
			if (p[k] != (uint8_t)mth[k])
				break;
		if (k < n && k < ml)
			continue; /* mismatch */
		if (n <= ml) {
			maybe = 1; /* a prefix so far */
			continue;
		}
		if (p[ml] == ' ')
			return 1;
	}
	return maybe ? -EAGAIN : 0;
}
