/* SPDX-License-Identifier: MIT */
/*
 * Packet decode and flow hashes (see decode.h for the contract). Every read goes through a
 * check of the form `need <= end - off`, written so that it cannot overflow, against an end
 * that never passes the captured length: the bytes come from the network and any of them can
 * lie. Decoding walks link layer → VLAN tags → IPv4/IPv6 (+ extension headers) → transport,
 * and stops at the first layer that is missing, truncated or inconsistent, naming it.
 */
#include "decode.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/random.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <sluice/record.h>

static const char *const reason_names[] = {
#define SL_DECODE_NAME(name, text) text,
	SL_DECODE_REASONS(SL_DECODE_NAME)
#undef SL_DECODE_NAME
};

const char *sl_decode_reason_name(int reason)
{
	if (reason < 0 || reason >= SL_DECODE_REASON_COUNT)
		return "unknown";
	return reason_names[reason];
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

#define ETH_IPV4 0x0800u
#define ETH_IPV6 0x86ddu
#define IPPROTO_HOPOPTS_ 0
#define IPPROTO_ICMP_ 1
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17
#define IPPROTO_ROUTING_ 43
#define IPPROTO_FRAGMENT_ 44
#define IPPROTO_GRE_ 47
#define IPPROTO_ESP_ 50
#define IPPROTO_AH_ 51
#define IPPROTO_ICMPV6_ 58
#define IPPROTO_NONE_ 59
#define IPPROTO_DSTOPTS_ 60
#define IPPROTO_MH_ 135

/* Beyond this many IPv6 extension headers a packet is more likely an attack on the decoder
 * than traffic; real stacks send at most a handful. */
#define MAX_IPV6_EXTHDRS 8

/* Frame types that are well known and carry no IP: counted as non_ip rather than as an
 * unsupported ethertype, so a ledger full of ARP does not look like a decode problem. */
static int ethertype_is_non_ip(uint16_t et)
{
	if (et < 0x0600) /* an 802.3 length: LLC / STP / CDP */
		return 1;
	switch (et) {
	case 0x0806: /* ARP */
	case 0x8035: /* RARP */
	case 0x88cc: /* LLDP */
	case 0x888e: /* EAPOL */
	case 0x8809: /* slow protocols (LACP) */
	case 0x8808: /* Ethernet flow control */
	case 0x88f7: /* PTP */
	case 0x9000: /* loopback test */
	case 0x88e1: /* HomePlug */
	case 0x893a: /* IEEE 1905 */
		return 1;
	}
	return 0;
}

/* Walk VLAN tags starting at an ethertype already read; off points just past it. */
static int decode_ethertype(const uint8_t *pkt, uint32_t end, uint32_t off, uint16_t et,
                            struct sl_decoded *d, uint32_t *l3_off)
{
	unsigned tags = 0;

	while (et == 0x8100 || et == 0x88a8 || et == 0x9100) {
		if (end - off < 4)
			return SL_DECODE_TRUNCATED_VLAN;
		if (tags == SL_DECODE_MAX_VLANS)
			return SL_DECODE_TOO_MANY_VLANS;
		d->vlan[tags++] = rd16(pkt + off) & 0x0fff;
		d->vlan_count = (uint8_t)tags;
		et = rd16(pkt + off + 2);
		off += 4;
	}
	d->ethertype = et;
	if (et == ETH_IPV4 || et == ETH_IPV6) {
		*l3_off = off;
		return SL_DECODE_OK;
	}
	return ethertype_is_non_ip(et) ? SL_DECODE_NON_IP : SL_DECODE_UNSUPPORTED_ETHERTYPE;
}

/* Find where IP starts and which version the link layer says it is (0: look at the nibble). */
static int decode_link(const uint8_t *pkt, uint32_t caplen, uint16_t linktype,
                       struct sl_decoded *d, uint32_t *l3_off)
{
	uint32_t fam;

	switch (linktype) {
	case SL_LINK_ETHERNET:
		if (caplen < 14)
			return SL_DECODE_TRUNCATED_ETHERNET;
		return decode_ethertype(pkt, caplen, 14, rd16(pkt + 12), d, l3_off);
	case SL_LINK_LINUX_SLL:
		if (caplen < 16)
			return SL_DECODE_TRUNCATED_SLL;
		return decode_ethertype(pkt, caplen, 16, rd16(pkt + 14), d, l3_off);
	case SL_LINK_LINUX_SLL2:
		if (caplen < 20)
			return SL_DECODE_TRUNCATED_SLL;
		return decode_ethertype(pkt, caplen, 20, rd16(pkt), d, l3_off);
	case SL_LINK_NULL:
	case 108: /* DLT_LOOP: the same header, always network order */
		if (caplen < 4)
			return SL_DECODE_TRUNCATED_NULL;
		/* Written in the capturing host's order, which may not be ours: a family is a small
		 * number, so whichever reading is small is the right one. */
		fam = (uint32_t)pkt[0] | ((uint32_t)pkt[1] << 8) | ((uint32_t)pkt[2] << 16) |
		      ((uint32_t)pkt[3] << 24);
		if (fam > 0xffff)
			fam = rd32(pkt);
		*l3_off = 4;
		if (fam == 2) {
			d->ethertype = ETH_IPV4;
			return SL_DECODE_OK;
		}
		if (fam == 24 || fam == 28 || fam == 30 || fam == 10) {
			d->ethertype = ETH_IPV6;
			return SL_DECODE_OK;
		}
		return SL_DECODE_NON_IP;
	case SL_LINK_RAW:
	case 12: /* DLT_RAW on some systems */
	case 14: /* DLT_RAW on others */
		*l3_off = 0;
		if (caplen < 1)
			return SL_DECODE_TRUNCATED_IPV4;
		if ((pkt[0] >> 4) == 4)
			d->ethertype = ETH_IPV4;
		else if ((pkt[0] >> 4) == 6)
			d->ethertype = ETH_IPV6;
		else
			return SL_DECODE_RAW_BAD_VERSION;
		return SL_DECODE_OK;
	case SL_LINK_IPV4:
		*l3_off = 0;
		d->ethertype = ETH_IPV4;
		return SL_DECODE_OK;
	case SL_LINK_IPV6:
		*l3_off = 0;
		d->ethertype = ETH_IPV6;
		return SL_DECODE_OK;
	}
	return SL_DECODE_UNSUPPORTED_LINKTYPE;
}

/* Transport header at d->l4 (l4_len bytes captured of it, `declared` bytes per the IP
 * header, which may be more when the capture was cut short). */
static int decode_l4(const uint8_t *pkt, struct sl_decoded *d, uint32_t declared)
{
	const uint8_t *p = d->l4;
	uint32_t n = d->l4_len;
	uint32_t hl, ulen;

	switch (d->proto) {
	case IPPROTO_TCP_:
		if (n < 20)
			return SL_DECODE_TRUNCATED_TCP;
		hl = (uint32_t)(p[12] >> 4) * 4;
		if (hl < 20 || hl > declared)
			return SL_DECODE_BAD_TCP_HEADER_LENGTH;
		if (hl > n)
			return SL_DECODE_TRUNCATED_TCP;
		d->sport = rd16(p);
		d->dport = rd16(p + 2);
		d->tcp.seq = rd32(p + 4);
		d->tcp.ack = rd32(p + 8);
		d->tcp.flags = p[13];
		d->tcp.window = rd16(p + 14);
		d->tcp.hlen = (uint8_t)hl;
		d->payload = p + hl;
		d->payload_off = (uint32_t)(d->payload - pkt);
		d->payload_len = n - hl;
		return SL_DECODE_OK;
	case IPPROTO_UDP_:
		if (n < 8)
			return SL_DECODE_TRUNCATED_UDP;
		ulen = rd16(p + 4);
		if (ulen < 8 || ulen > declared)
			return SL_DECODE_BAD_UDP_LENGTH;
		d->sport = rd16(p);
		d->dport = rd16(p + 2);
		d->payload = p + 8;
		d->payload_off = (uint32_t)(d->payload - pkt);
		d->payload_len = (ulen < n ? ulen : n) - 8;
		return SL_DECODE_OK;
	case IPPROTO_ICMP_:
	case IPPROTO_ICMPV6_:
		if (n < 4)
			return d->proto == IPPROTO_ICMP_ ? SL_DECODE_TRUNCATED_ICMP
			                                 : SL_DECODE_TRUNCATED_ICMPV6;
		d->icmp.type = p[0];
		d->icmp.code = p[1];
		return SL_DECODE_OK;
	case IPPROTO_GRE_:
		if (n < 4)
			return SL_DECODE_TRUNCATED_GRE;
		return SL_DECODE_OK;
	}
	return SL_DECODE_OK;
}

/* avail: captured bytes from l3 on; wire: bytes on the wire from l3 on (0 = unknown). */
static int decode_ipv4(const uint8_t *pkt, uint32_t l3_off, uint32_t avail, uint32_t wire,
                       struct sl_decoded *d)
{
	const uint8_t *p = pkt + l3_off;
	uint32_t hl, total, len, fo;

	if (avail < 20)
		return SL_DECODE_TRUNCATED_IPV4;
	if ((p[0] >> 4) != 4)
		return SL_DECODE_IPV4_BAD_VERSION;
	hl = (uint32_t)(p[0] & 0x0f) * 4;
	if (hl < 20)
		return SL_DECODE_IPV4_BAD_HEADER_LENGTH;
	total = rd16(p + 2);
	if (total < hl)
		return SL_DECODE_IPV4_BAD_TOTAL_LENGTH;
	if (hl > avail)
		return SL_DECODE_TRUNCATED_IPV4;
	if (wire && total > wire)
		return SL_DECODE_IPV4_BAD_TOTAL_LENGTH;

	d->l3 = p;
	d->l3_off = l3_off;
	d->ip_version = 4;
	d->ttl = p[8];
	d->proto = p[9];
	memcpy(d->src, p + 12, 4);
	memcpy(d->dst, p + 16, 4);
	if (hl > 20)
		d->flags |= SL_DECODE_F_IPV4_OPTS;
	len = total;
	if (len > avail) {
		len = avail;
		d->flags |= SL_DECODE_F_TRUNCATED;
	}
	d->ip_len = len;
	d->l4 = p + hl;
	d->l4_off = l3_off + hl;
	d->l4_len = len - hl;

	fo = rd16(p + 6);
	if (fo & 0x3fff) { /* MF or a nonzero offset */
		d->flags |= SL_DECODE_F_FRAGMENT;
		d->frag.id = rd16(p + 4);
		d->frag.offset = (fo & 0x1fff) * 8;
		d->frag.more = (fo & 0x2000) ? 1 : 0;
		d->frag.next = d->proto;
		if (d->frag.offset + (total - hl) > 0xffff)
			return SL_DECODE_IPV4_BAD_FRAGMENT;
		return SL_DECODE_OK;
	}
	if (d->proto == IPPROTO_ESP_)
		d->flags |= SL_DECODE_F_ESP;
	return decode_l4(pkt, d, total - hl);
}

static int decode_ipv6(const uint8_t *pkt, uint32_t l3_off, uint32_t avail, uint32_t wire,
                       struct sl_decoded *d)
{
	const uint8_t *p = pkt + l3_off;
	uint32_t total, len, off, hl;
	uint8_t nh;
	unsigned n;

	if (avail < 40)
		return SL_DECODE_TRUNCATED_IPV6;
	if ((p[0] >> 4) != 6)
		return SL_DECODE_IPV6_BAD_VERSION;
	total = 40 + (uint32_t)rd16(p + 4);
	if (wire && total > wire)
		return SL_DECODE_IPV6_BAD_PAYLOAD_LENGTH;

	d->l3 = p;
	d->l3_off = l3_off;
	d->ip_version = 6;
	d->ttl = p[7];
	memcpy(d->src, p + 8, 16);
	memcpy(d->dst, p + 24, 16);
	len = total;
	if (len > avail) {
		len = avail;
		d->flags |= SL_DECODE_F_TRUNCATED;
	}
	d->ip_len = len;

	nh = p[6];
	off = 40; /* from l3 */
	for (n = 0;; n++) {
		if (nh != IPPROTO_HOPOPTS_ && nh != IPPROTO_ROUTING_ && nh != IPPROTO_DSTOPTS_ &&
		    nh != IPPROTO_FRAGMENT_ && nh != IPPROTO_AH_ && nh != IPPROTO_MH_)
			break;
		if (n == MAX_IPV6_EXTHDRS)
			return SL_DECODE_IPV6_TOO_MANY_EXTHDRS;
		if (len - off < 8)
			return SL_DECODE_TRUNCATED_IPV6_EXTHDR;
		d->flags |= SL_DECODE_F_IPV6_EXT;
		if (nh == IPPROTO_FRAGMENT_) {
			uint16_t fo = rd16(p + off + 2);

			if ((fo & 0xfff8) == 0 && (fo & 1) == 0) {
				/* an atomic fragment (RFC 6946): the whole datagram, skip it */
				nh = p[off];
				off += 8;
				continue;
			}
			d->flags |= SL_DECODE_F_FRAGMENT;
			d->frag.hdr_off = (uint16_t)off;
			d->frag.id = rd32(p + off + 4);
			d->frag.offset = fo & 0xfff8;
			d->frag.more = fo & 1;
			d->frag.next = p[off];
			d->proto = p[off];
			d->l4 = p + off + 8;
			d->l4_off = l3_off + off + 8;
			d->l4_len = len - off - 8;
			if (total < off + 8 ||
			    d->frag.offset + (total - off - 8) > 0xffff)
				return SL_DECODE_IPV6_BAD_FRAGMENT;
			return SL_DECODE_OK;
		}
		if (nh == IPPROTO_AH_)
			hl = ((uint32_t)p[off + 1] + 2) * 4;
		else
			hl = ((uint32_t)p[off + 1] + 1) * 8;
		if (hl > len - off)
			return SL_DECODE_TRUNCATED_IPV6_EXTHDR;
		nh = p[off];
		off += hl;
	}
	if (total < off)
		return SL_DECODE_IPV6_BAD_PAYLOAD_LENGTH;
	d->proto = nh;
	d->l4 = p + off;
	d->l4_off = l3_off + off;
	d->l4_len = len - off;
	if (nh == IPPROTO_ESP_)
		d->flags |= SL_DECODE_F_ESP;
	if (nh == IPPROTO_ESP_ || nh == IPPROTO_NONE_)
		return SL_DECODE_OK;
	return decode_l4(pkt, d, total - off);
}

int sl_decode_wire(const uint8_t *pkt, uint32_t caplen, uint32_t wirelen, uint16_t linktype,
                   struct sl_decoded *d)
{
	uint32_t l3_off = 0, wire = 0;
	int rc;

	memset(d, 0, sizeof(*d));
	if (pkt == NULL)
		caplen = 0;
	rc = decode_link(pkt, caplen, linktype, d, &l3_off);
	if (rc != SL_DECODE_OK)
		return rc;
	if (l3_off > caplen)
		return SL_DECODE_TRUNCATED_ETHERNET;
	if (wirelen >= caplen && wirelen > l3_off)
		wire = wirelen - l3_off;
	if (d->ethertype == ETH_IPV4)
		return decode_ipv4(pkt, l3_off, caplen - l3_off, wire, d);
	return decode_ipv6(pkt, l3_off, caplen - l3_off, wire, d);
}

int sl_decode(const uint8_t *pkt, uint32_t caplen, uint16_t linktype, struct sl_decoded *d)
{
	return sl_decode_wire(pkt, caplen, 0, linktype, d);
}

/* ---- flow hashes ---------------------------------------------------------------------- */

/* Keyed: SipHash-1-3 (Aumasson & Bernstein) under a 128-bit key drawn with getrandom() the
 * first time any thread hashes. Without a key, whoever chooses tuples can choose collisions
 * (the multiply-rotate mix this replaced had seed-independent ones) and pile flows into one
 * worker and one bucket. The key never leaves the process: hashes are comparable only inside
 * one sluiced. */
static uint64_t flow_key[2];
static _Atomic int flow_key_ready; /* release in draw_key, acquire in key(): the key's bytes */
static pthread_once_t flow_key_once = PTHREAD_ONCE_INIT;

static void draw_key(void)
{
	uint64_t k[2];

	if (getrandom(k, sizeof k, 0) != (ssize_t)sizeof k) {
		/* no entropy source at all: still unpredictable enough from outside */
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		k[0] = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ull ^ (uint64_t)getpid();
		k[1] = (uint64_t)(uintptr_t)&ts ^ ((uint64_t)ts.tv_sec << 32);
	}
	flow_key[0] = k[0];
	flow_key[1] = k[1];
	atomic_store_explicit(&flow_key_ready, 1, memory_order_release); /* pairs with key() */
}

static inline const uint64_t *key(void)
{
	if (__builtin_expect(!atomic_load_explicit(&flow_key_ready, memory_order_acquire), 0))
		pthread_once(&flow_key_once, draw_key);
	return flow_key;
}

#define ROTL64(x, b) (((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                                  \
	do {                                                                      \
		v0 += v1; v1 = ROTL64(v1, 13); v1 ^= v0; v0 = ROTL64(v0, 32);     \
		v2 += v3; v3 = ROTL64(v3, 16); v3 ^= v2;                          \
		v0 += v3; v3 = ROTL64(v3, 21); v3 ^= v0;                          \
		v2 += v1; v1 = ROTL64(v1, 17); v1 ^= v2; v2 = ROTL64(v2, 32);     \
	} while (0)

/* The tuple as 64-bit words: addresses (IPv4: one word for both; IPv6: four), then ports,
 * protocol and VLAN ids in one word; the endpoints in a fixed order, so both directions
 * hash alike. Never 0 (0 means "no hash" in a packet record). */
static uint32_t hash_tuple(const uint8_t *a, uint16_t pa, const uint8_t *b, uint16_t pb, uint8_t proto,
                           uint16_t vl0, uint16_t vl1, uint8_t version)
{
	const uint64_t *k = key();
	uint64_t v0 = k[0] ^ 0x736f6d6570736575ull, v1 = k[1] ^ 0x646f72616e646f6dull;
	uint64_t v2 = k[0] ^ 0x6c7967656e657261ull, v3 = k[1] ^ 0x7465646279746573ull;
	uint64_t m[6];
	unsigned n = 0;
	int c = version == 4 ? (rd32(a) > rd32(b)) - (rd32(a) < rd32(b)) : memcmp(a, b, 16);

	if (c > 0 || (c == 0 && pa > pb)) {
		const uint8_t *t = a;
		uint16_t tp = pa;

		a = b;
		b = t;
		pa = pb;
		pb = tp;
	}
	if (version == 4) {
		m[n++] = (uint64_t)rd32(a) << 32 | rd32(b);
	} else {
		for (unsigned i = 0; i < 16; i += 8)
			m[n++] = (uint64_t)rd32(a + i) << 32 | rd32(a + i + 4);
		for (unsigned i = 0; i < 16; i += 8)
			m[n++] = (uint64_t)rd32(b + i) << 32 | rd32(b + i + 4);
	}
	m[n++] = (uint64_t)pa << 48 | (uint64_t)pb << 32 | (uint64_t)proto << 24 |
	         (uint64_t)(vl0 & 0xfff) << 12 | (vl1 & 0xfff);
	m[n] = (uint64_t)(n * 8) << 56 | version; /* SipHash's length block */
	for (unsigned i = 0; i <= n; i++) {
		v3 ^= m[i];
		SIPROUND;
		v0 ^= m[i];
	}
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	uint64_t h = v0 ^ v1 ^ v2 ^ v3;
	uint32_t h32 = (uint32_t)(h ^ (h >> 32));
	return h32 ? h32 : 0x5175ce01u;
}

uint32_t sl_flow_hash(const struct sl_decoded *d)
{
	if (d->ip_version == 0)
		return 0;
	return hash_tuple(d->src, d->sport, d->dst, d->dport, d->proto, d->vlan_count > 0 ? d->vlan[0] : 0,
	                  d->vlan_count > 1 ? d->vlan[1] : 0, d->ip_version);
}

/* The minimal parse: link layer, VLAN tags, IP addresses, protocol, ports, and nothing else
 * (no struct to fill, no lengths to keep). It reads what sl_decode() reads on the way to the
 * flow key and takes the same turns, so for every packet sl_decode() accepts the two agree;
 * for one it refuses, the value only picks a worker (the worker counts the error). */
uint32_t sl_flow_hash_frame(const uint8_t *pkt, uint32_t caplen, uint16_t linktype, int use_vlan)
{
	static const uint8_t zero[16];
	uint16_t vlan[SL_DECODE_MAX_VLANS] = { 0, 0 }, sport = 0, dport = 0;
	uint32_t off, et, fam, avail, total, len, hl;
	unsigned tags = 0;
	const uint8_t *p;
	uint8_t proto = 0, a4[16], b4[16];

	if (pkt == NULL)
		return 0;
	switch (linktype) {
	case SL_LINK_ETHERNET:
		if (caplen < 14)
			return 0;
		et = rd16(pkt + 12), off = 14;
		break;
	case SL_LINK_LINUX_SLL:
		if (caplen < 16)
			return 0;
		et = rd16(pkt + 14), off = 16;
		break;
	case SL_LINK_LINUX_SLL2:
		if (caplen < 20)
			return 0;
		et = rd16(pkt), off = 20;
		break;
	case SL_LINK_NULL:
	case 108:
		if (caplen < 4)
			return 0;
		fam = (uint32_t)pkt[0] | ((uint32_t)pkt[1] << 8) | ((uint32_t)pkt[2] << 16) | ((uint32_t)pkt[3] << 24);
		if (fam > 0xffff)
			fam = rd32(pkt);
		if (fam == 2)
			et = ETH_IPV4;
		else if (fam == 24 || fam == 28 || fam == 30 || fam == 10)
			et = ETH_IPV6;
		else
			return 0;
		off = 4;
		goto ip;
	case SL_LINK_RAW:
	case 12:
	case 14:
		if (caplen < 1)
			return 0;
		et = (pkt[0] >> 4) == 4 ? ETH_IPV4 : (pkt[0] >> 4) == 6 ? ETH_IPV6 : 0;
		if (et == 0)
			return 0;
		off = 0;
		goto ip;
	case SL_LINK_IPV4:
		et = ETH_IPV4, off = 0;
		goto ip;
	case SL_LINK_IPV6:
		et = ETH_IPV6, off = 0;
		goto ip;
	default:
		return 0;
	}
	while (et == 0x8100 || et == 0x88a8 || et == 0x9100) {
		if (caplen - off < 4 || tags == SL_DECODE_MAX_VLANS)
			return 0;
		vlan[tags++] = rd16(pkt + off) & 0x0fff;
		et = rd16(pkt + off + 2);
		off += 4;
	}
	if (et != ETH_IPV4 && et != ETH_IPV6)
		return 0;
ip:
	if (!use_vlan)
		vlan[0] = vlan[1] = 0;
	p = pkt + off;
	avail = caplen - off;
	if (et == ETH_IPV4) {
		if (avail < 20 || (p[0] >> 4) != 4)
			return 0;
		hl = (uint32_t)(p[0] & 0x0f) * 4;
		total = rd16(p + 2);
		if (hl < 20 || total < hl || hl > avail)
			return 0;
		proto = p[9];
		len = total < avail ? total : avail;
		if (!(rd16(p + 6) & 0x3fff) && (proto == IPPROTO_TCP_ || proto == IPPROTO_UDP_) && len - hl >= 4) {
			sport = rd16(p + hl);
			dport = rd16(p + hl + 2);
		}
		memcpy(a4, p + 12, 4);
		memcpy(a4 + 4, zero, 12);
		memcpy(b4, p + 16, 4);
		memcpy(b4 + 4, zero, 12);
		return hash_tuple(a4, sport, b4, dport, proto, vlan[0], vlan[1], 4);
	}
	if (avail < 40 || (p[0] >> 4) != 6)
		return 0;
	total = 40 + (uint32_t)rd16(p + 4);
	len = total < avail ? total : avail;
	uint8_t nh = p[6];
	uint32_t o = 40;
	for (unsigned n = 0;; n++) {
		if (nh != IPPROTO_HOPOPTS_ && nh != IPPROTO_ROUTING_ && nh != IPPROTO_DSTOPTS_ &&
		    nh != IPPROTO_FRAGMENT_ && nh != IPPROTO_AH_ && nh != IPPROTO_MH_)
			break;
		if (n == MAX_IPV6_EXTHDRS || len - o < 8)
			goto v6; /* refused by the decoder: addresses only */
		if (nh == IPPROTO_FRAGMENT_) {
			uint16_t fo = rd16(p + o + 2);
			if ((fo & 0xfff8) == 0 && (fo & 1) == 0) {
				nh = p[o];
				o += 8;
				continue;
			}
			proto = p[o]; /* a fragment: addresses and protocol */
			goto v6;
		}
		hl = nh == IPPROTO_AH_ ? ((uint32_t)p[o + 1] + 2) * 4 : ((uint32_t)p[o + 1] + 1) * 8;
		if (hl > len - o)
			goto v6;
		nh = p[o];
		o += hl;
	}
	if (total < o)
		goto v6;
	proto = nh;
	if ((proto == IPPROTO_TCP_ || proto == IPPROTO_UDP_) && len - o >= 4) {
		sport = rd16(p + o);
		dport = rd16(p + o + 2);
	}
v6:
	return hash_tuple(p + 8, sport, p + 24, dport, proto, vlan[0], vlan[1], 6);
}

uint32_t sl_flow_hash_raw(const uint8_t *pkt, uint32_t caplen, uint16_t linktype)
{
	return sl_flow_hash_frame(pkt, caplen, linktype, 1);
}
