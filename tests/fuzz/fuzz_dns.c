/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for DNS parsing: the input as one message (UDP), then as a DNS-over-TCP
 * stream split with sl_dns_tcp_next(). Checks: outcomes in range, kept counts within the
 * arrays, every text field NUL-terminated inside the arena (or the empty constant).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sl_dns_msg m;

/* A text field must be the empty constant or lie inside the arena, NUL-terminated there. */
static void text_ok(const char *t, size_t len)
{
	if (t[0] == '\0' && len == 0)
		return;
	if (t < m.text || t + len >= m.text + sizeof m.text || t[len] != '\0')
		abort();
}

static void rrs_ok(const struct sl_dns_rr *r, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		text_ok(r[i].name, strlen(r[i].name));
		text_ok(r[i].rdata, r[i].rdata_len);
		text_ok(r[i].rdata2, r[i].rdata2_len);
		if (r[i].kind > SL_DNS_RD_OPT)
			abort();
	}
}

static void check(void)
{
	unsigned i;

	if (m.nq > SL_DNS_MAX_QUERIES || m.nan > SL_DNS_MAX_ANSWERS || m.nns > SL_DNS_MAX_AUTHORITIES ||
	    m.nar > SL_DNS_MAX_ADDITIONALS || m.text_used > sizeof m.text)
		abort();
	for (i = 0; i < m.nq; i++)
		text_ok(m.q[i].name, strlen(m.q[i].name));
	rrs_ok(m.an, m.nan);
	rrs_ok(m.ns, m.nns);
	rrs_ok(m.ar, m.nar);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *msg;
	size_t len, used, off = 0;
	int rc;

	rc = sl_dns_parse(data, size, &m);
	if (rc < 0 || rc >= SL_DNS_REASON_COUNT)
		abort();
	if (rc != SL_DNS_TRUNCATED_HEADER)
		check();
	while ((used = sl_dns_tcp_next(data + off, size - off, &msg, &len)) > 0) {
		if (used != len + 2 || used > size - off)
			abort();
		rc = sl_dns_parse(msg, len, &m);
		if (rc < 0 || rc >= SL_DNS_REASON_COUNT)
			abort();
		off += used;
	}
	return 0;
}
