/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for DNS parsing: the input as one message (UDP), then as a DNS-over-TCP
 * stream split with sl_dns_tcp_next(). Checks: outcomes in range, kept counts within the
 * arrays, every text field NUL-terminated inside its buffer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sl_dns_msg m;

static void check(void)
{
	unsigned i;

	if (m.nq > SL_DNS_MAX_QUERIES || m.nan > SL_DNS_MAX_ANSWERS ||
	    m.nns > SL_DNS_MAX_AUTHORITIES)
		abort();
	for (i = 0; i < m.nq; i++)
		if (memchr(m.q[i].name, 0, sizeof(m.q[i].name)) == NULL)
			abort();
	for (i = 0; i < m.nan; i++)
		if (memchr(m.an[i].name, 0, SL_DNS_NAME_LEN) == NULL ||
		    memchr(m.an[i].rdata, 0, SL_DNS_RDATA_LEN) == NULL ||
		    memchr(m.an[i].soa_rname, 0, SL_DNS_NAME_LEN) == NULL)
			abort();
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
