/* SPDX-License-Identifier: MIT */
/*
 * Packet decode and flow hashes (see decode.h for the contract). Every read goes through a
 * check of the form `need <= end - off`, written so that it cannot overflow, against an end
 * that never passes the captured length: the bytes come from the network and any of them can
 * lie. Decoding walks link layer → VLAN tags → IPv4/IPv6 (+ extension headers) → transport,
 * and stops at the first layer that is missing, truncated or inconsistent, naming it.
 */
#include "decode.h"

#include <string.h>

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

static uint32_t rotl32(uint32_t x, int r)
{
	return (x << r) | (x >> (32 - r));
}

/* A multiply-rotate mix per 32-bit word and an avalanche at the end: cheap, and every input
 * bit reaches every output bit, so worker shards stay even on skewed address plans. */
static uint32_t mix_word(uint32_t h, uint32_t k)
{
	k *= 0xcc9e2d51u;
	k = rotl32(k, 15);
	k *= 0x1b873593u;
	h ^= k;
	h = rotl32(h, 13);
	return h * 5 + 0xe6546b64u;
}

static uint32_t avalanche(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

static uint32_t hash_tuple(const uint8_t *a, uint16_t pa, const uint8_t *b, uint16_t pb,
                           uint8_t proto, uint16_t v0, uint16_t v1)
{
	uint32_t h = 0x5175ce00u; /* arbitrary seed */
	int c = memcmp(a, b, 16);
	unsigned i;

	/* order the endpoints so both directions feed the same words */
	if (c > 0 || (c == 0 && pa > pb)) {
		const uint8_t *t = a;
		uint16_t tp = pa;

		a = b;
		b = t;
		pa = pb;
		pb = tp;
	}
	for (i = 0; i < 16; i += 4)
		h = mix_word(h, rd32(a + i));
	for (i = 0; i < 16; i += 4)
		h = mix_word(h, rd32(b + i));
	h = mix_word(h, ((uint32_t)pa << 16) | pb);
	h = mix_word(h, ((uint32_t)proto << 24) | ((uint32_t)(v0 & 0xfff) << 12) | (v1 & 0xfff));
	return avalanche(h ^ 40u);
}

uint32_t sl_flow_hash(const struct sl_decoded *d)
{
	if (d->ip_version == 0)
		return 0;
	return hash_tuple(d->src, d->sport, d->dst, d->dport, d->proto,
	                  d->vlan_count > 0 ? d->vlan[0] : 0, d->vlan_count > 1 ? d->vlan[1] : 0);
}

/* Decoding touches headers only (tens of bytes, no copies), so the capture thread runs the
 * same walk as the workers: that is what keeps the two hashes equal for every packet. A
 * packet that fails past IP still hashes by what was read (addresses, protocol). */
uint32_t sl_flow_hash_raw(const uint8_t *pkt, uint32_t caplen, uint16_t linktype)
{
	struct sl_decoded d;

	(void)sl_decode(pkt, caplen, linktype, &d);
	return sl_flow_hash(&d);
}
