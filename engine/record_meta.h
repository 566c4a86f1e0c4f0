/* SPDX-License-Identifier: MIT */
/*
 * Metadata records: what workers emit and sinks encode. Each is a compact struct written in
 * place into ring memory, followed by its strings. A string is an offset and a length from
 * the start of the record, so a record is position independent and copied with one memcpy
 * (the router copies records between rings). Strings are not NUL-terminated and may contain
 * any byte: the encoder escapes them.
 *
 *   [struct sl_ev_* (fixed part)] [string bytes ...]
 *
 * Builders (sl_meta_*) compute the exact size first, reserve once, fill, commit: no malloc,
 * no second copy.
 */
#ifndef SLUICE_RECORD_META_H
#define SLUICE_RECORD_META_H

#include <stdint.h>
#include <string.h>

#include "sluice/record.h"

/* An inline string: bytes at ((const uint8_t *)record + off), len of them. */
struct sl_mstr {
	uint16_t off;
	uint16_t len;
};

/* Longest string a record keeps; longer ones are cut (and flagged where it matters). */
#define SL_MSTR_MAX 2048u

/* What every event has: EVE's timestamp, flow_id and addresses. */
struct sl_ev_common {
	uint64_t ts_ns;
	uint64_t flow_id;
	uint8_t src[16], dst[16]; /* IPv4 in the first 4 bytes */
	uint16_t sport, dport;
	uint8_t ipver;            /* 4 or 6 */
	uint8_t proto;            /* IP protocol number */
	uint8_t vlan_count;
	uint8_t worker;
	uint16_t vlan[2];
	uint32_t pad;
};

enum sl_app_proto {
	SL_APP_NONE = 0,
	SL_APP_HTTP,
	SL_APP_TLS,
	SL_APP_DNS,
	SL_APP_FAILED,
};

struct sl_ev_flow {
	struct sl_ev_common c;
	uint64_t pkts_toserver, pkts_toclient;
	uint64_t bytes_toserver, bytes_toclient;
	uint64_t start_ns, end_ns;
	uint8_t state;     /* enum sl_flow_state (flow/flow.h) */
	uint8_t reason;    /* enum sl_flow_reason (flow/flow.h) */
	uint8_t app_proto; /* enum sl_app_proto */
	uint8_t tcp_flags_ts, tcp_flags_tc;
	uint8_t icmp_type, icmp_code; /* ICMP/ICMPv6 flows: of the first packet */
	uint8_t pad;
};

struct sl_ev_http {
	struct sl_ev_common c;
	uint64_t length;      /* response body length (Content-Length or counted) */
	uint16_t status;      /* 0: no response seen */
	uint16_t pad[3];
	struct sl_mstr hostname, url, user_agent, method, protocol, content_type;
};

struct sl_ev_tls {
	struct sl_ev_common c;
	uint16_t version;        /* the server's choice when seen, else the client's best */
	uint8_t resumed;         /* the server resumed a session (no certificate exchange) */
	uint8_t pad[5];
	struct sl_mstr version_name, sni, ja3, ja3_hash, ja4, alpn; /* alpn: "h2,http/1.1" */
};

#define SL_EV_DNS_MAX_ANSWERS 16

struct sl_ev_dns_answer {
	uint16_t rrtype;
	uint16_t pad;
	uint32_t ttl;
	struct sl_mstr rrname, rdata;
};

struct sl_ev_dns {
	struct sl_ev_common c;
	uint16_t id;
	uint16_t flags;
	uint16_t rrtype;
	uint8_t is_response;
	uint8_t rcode;
	uint8_t answer_count; /* entries in answers[] */
	uint8_t pad[7];
	struct sl_mstr rrname;
	struct sl_ev_dns_answer answers[]; /* answer_count of them, then the strings */
};

/* ---- builder ----------------------------------------------------------------------------- */

/* Writes strings after a fixed part. base is the reserved record; used starts at the fixed
 * part's size. The caller sized the reservation with sl_meta_size(). */
struct sl_meta_builder {
	uint8_t *base;
	uint32_t used;
};

static inline uint32_t sl_meta_strlen(uint32_t len)
{
	return len > SL_MSTR_MAX ? SL_MSTR_MAX : len;
}

static inline void sl_meta_put(struct sl_meta_builder *b, struct sl_mstr *s, const void *p, uint32_t len)
{
	len = sl_meta_strlen(len);
	s->off = (uint16_t)b->used;
	s->len = (uint16_t)len;
	if (len)
		memcpy(b->base + b->used, p, len);
	b->used += len;
}

#endif
