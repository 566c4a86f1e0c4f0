/* SPDX-License-Identifier: MIT */
/*
 * Packet decode: from a captured frame of a given libpcap link type down to the transport
 * header, in one pass, without allocating and without trusting a single byte. Workers call it
 * once per packet; every packet gets exactly one outcome, 0 or one reason from
 * SL_DECODE_REASONS, so the ledger's `captured = decoded + errors by reason` always balances.
 * The same file holds the flow hashes: sl_flow_hash() over a decoded packet for the flow
 * table, and sl_flow_hash_raw() for the capture thread, which must pick a worker before any
 * decode has happened. Both are symmetric (a flow's two directions hash alike) and agree with
 * each other for every packet that is not an IP fragment.
 *
 * Addresses: struct sl_decoded keeps src and dst in 16 bytes each. IPv6 uses all 16; IPv4
 * uses the first 4 and the other 12 are zero (not v4-mapped). ip_version says which.
 *
 * Lengths: every length and pointer in struct sl_decoded lies inside the captured bytes.
 * When a header says the datagram is longer than what was captured (a snap length), the
 * lengths are clamped to the capture and SL_DECODE_F_TRUNCATED is set; that is not an error.
 * sl_decode_wire() also knows the length on the wire, and then a datagram that claims more
 * bytes than the wire carried is an error (ipv4_bad_total_length / ipv6_bad_payload_length).
 *
 * Fragments: an IP fragment decodes to 0 with SL_DECODE_F_FRAGMENT and its frag fields set;
 * its transport header is not parsed (the first fragment may hold only part of it). The
 * worker hands it to the defragmenter (defrag.h) and decodes the reassembled datagram, with
 * linktype SL_LINK_RAW, as a packet of its own that the capture ledger does not count again.
 */
#ifndef SLUICE_ANALYSIS_DECODE_H
#define SLUICE_ANALYSIS_DECODE_H

#include <stddef.h>
#include <stdint.h>

/* Outcome of sl_decode(). The names are stable: they are keys of the ledger's
 * "decode.errors" object. SL_DECODE_NON_IP is a frame that carries no IP at all (ARP, LLDP,
 * STP, ...): not broken, but not decoded either, so it is counted by reason like an error. */
#define SL_DECODE_REASONS(X)                                                       \
	X(OK, "ok")                                                                \
	X(UNSUPPORTED_LINKTYPE, "unsupported_linktype")                            \
	X(TRUNCATED_ETHERNET, "truncated_ethernet")                                \
	X(TRUNCATED_VLAN, "truncated_vlan")                                        \
	X(TOO_MANY_VLANS, "too_many_vlans")                                        \
	X(TRUNCATED_SLL, "truncated_sll")                                          \
	X(TRUNCATED_NULL, "truncated_null")                                        \
	X(NON_IP, "non_ip")                                                        \
	X(UNSUPPORTED_ETHERTYPE, "unsupported_ethertype")                          \
	X(RAW_BAD_VERSION, "raw_bad_ip_version")                                   \
	X(TRUNCATED_IPV4, "truncated_ipv4")                                        \
	X(IPV4_BAD_VERSION, "ipv4_bad_version")                                    \
	X(IPV4_BAD_HEADER_LENGTH, "ipv4_bad_header_length")                        \
	X(IPV4_BAD_TOTAL_LENGTH, "ipv4_bad_total_length")                          \
	X(IPV4_BAD_FRAGMENT, "ipv4_bad_fragment")                                  \
	X(TRUNCATED_IPV6, "truncated_ipv6")                                        \
	X(IPV6_BAD_VERSION, "ipv6_bad_version")                                    \
	X(IPV6_BAD_PAYLOAD_LENGTH, "ipv6_bad_payload_length")                      \
	X(TRUNCATED_IPV6_EXTHDR, "truncated_ipv6_exthdr")                          \
	X(IPV6_TOO_MANY_EXTHDRS, "ipv6_too_many_exthdrs")                          \
	X(IPV6_BAD_FRAGMENT, "ipv6_bad_fragment")                                  \
	X(TRUNCATED_TCP, "truncated_tcp")                                          \
	X(BAD_TCP_HEADER_LENGTH, "bad_tcp_header_length")                          \
	X(TRUNCATED_UDP, "truncated_udp")                                          \
	X(BAD_UDP_LENGTH, "bad_udp_length")                                        \
	X(TRUNCATED_ICMP, "truncated_icmp")                                        \
	X(TRUNCATED_ICMPV6, "truncated_icmpv6")                                    \
	X(TRUNCATED_GRE, "truncated_gre")

enum sl_decode_result {
#define SL_DECODE_ENUM(name, text) SL_DECODE_##name,
	SL_DECODE_REASONS(SL_DECODE_ENUM)
#undef SL_DECODE_ENUM
	SL_DECODE_REASON_COUNT
};

/* The stable short name of a result ("ok", "truncated_tcp", ...); "unknown" out of range. */
const char *sl_decode_reason_name(int reason);

/* struct sl_decoded.flags */
#define SL_DECODE_F_FRAGMENT 0x01u  /* IP fragment: frag fields valid, no L4 parsed */
#define SL_DECODE_F_TRUNCATED 0x02u /* the IP datagram is longer than the capture */
#define SL_DECODE_F_IPV6_EXT 0x04u  /* IPv6 extension headers were skipped */
#define SL_DECODE_F_IPV4_OPTS 0x08u /* IPv4 options were skipped */
#define SL_DECODE_F_ESP 0x10u       /* IPv6/IPv4 walk stopped at ESP (proto 50) */

/* TCP flag bits as in the header's 13th byte */
#define SL_TCP_FIN 0x01u
#define SL_TCP_SYN 0x02u
#define SL_TCP_RST 0x04u
#define SL_TCP_PSH 0x08u
#define SL_TCP_ACK 0x10u
#define SL_TCP_URG 0x20u
#define SL_TCP_ECE 0x40u
#define SL_TCP_CWR 0x80u

#define SL_DECODE_MAX_VLANS 2

/* One decoded packet. Pointers point into the caller's packet bytes and live as long as
 * they do; offsets are from the start of those bytes. Fields past the point where decoding
 * stopped are zero. */
struct sl_decoded {
	const uint8_t *l3;      /* IP header, NULL when there is none */
	const uint8_t *l4;      /* transport header (a fragment: its payload), or NULL */
	const uint8_t *payload; /* transport payload (TCP/UDP), or NULL */
	uint32_t l3_off, l4_off, payload_off;
	uint32_t ip_len;      /* IP datagram length (header + payload), clamped to caplen */
	uint32_t l4_len;      /* bytes from l4 to the end of the datagram, clamped */
	uint32_t payload_len; /* transport payload bytes, clamped */
	uint32_t flags;       /* SL_DECODE_F_* */

	uint8_t src[16], dst[16]; /* IPv4: first 4 bytes, rest zero */
	uint8_t ip_version;       /* 4, 6, or 0 before IP */
	uint8_t proto;            /* transport protocol (after IPv6 extension headers) */
	uint8_t ttl;              /* IPv4 TTL / IPv6 hop limit */
	uint8_t vlan_count;       /* tags seen and kept, at most SL_DECODE_MAX_VLANS */
	uint16_t vlan[SL_DECODE_MAX_VLANS]; /* 12-bit ids, outermost first */
	uint16_t ethertype;       /* the innermost ethertype (0x0800 / 0x86dd for IP) */
	uint16_t sport, dport;    /* TCP/UDP ports, host order; 0 otherwise */

	struct {
		uint32_t seq, ack;
		uint16_t window;
		uint8_t flags;  /* SL_TCP_* */
		uint8_t hlen;   /* header length in bytes, options included */
	} tcp;
	struct {
		uint8_t type, code;
	} icmp; /* ICMP and ICMPv6 */
	struct {
		uint32_t id;        /* IPv4: 16-bit identification; IPv6: 32-bit */
		uint32_t offset;    /* byte offset of this fragment's data */
		uint8_t more;       /* MF set */
		uint8_t next;       /* the protocol the reassembled datagram will carry */
		uint16_t hdr_off;   /* IPv6: offset of the fragment header from l3 */
	} frag;
};

/* Decode caplen bytes captured on a link of type linktype (a libpcap DLT number). Returns 0
 * or an enum sl_decode_result reason; d is always fully written (zeroed, then filled as far
 * as decoding got). */
int sl_decode(const uint8_t *pkt, uint32_t caplen, uint16_t linktype, struct sl_decoded *d);

/* The same, knowing the frame's length on the wire: an IP length beyond what was on the wire
 * (not merely beyond the snap length) is then an error. wirelen 0 means unknown. */
int sl_decode_wire(const uint8_t *pkt, uint32_t caplen, uint32_t wirelen, uint16_t linktype,
                   struct sl_decoded *d);

/* Symmetric hash of a decoded packet's addresses, ports, protocol and VLAN ids. Both
 * directions of a flow give the same value. For a packet that has not reached IP it is 0,
 * otherwise never 0. Keyed with a per-process random key (getrandom, drawn on first use by
 * any thread): chosen tuples cannot be made to collide, and values differ between processes. */
uint32_t sl_flow_hash(const struct sl_decoded *d);

/* sl_flow_hash_raw() with the flow.use-vlan rule: use_vlan 0 hashes as if the frame had no
 * VLAN tags (the workers then leave them out of the flow key too). */
uint32_t sl_flow_hash_frame(const uint8_t *pkt, uint32_t caplen, uint16_t linktype, int use_vlan);

/* The capture thread's hash: a minimal parse of the raw frame (link layer, VLAN tags, IP
 * addresses, protocol, ports) with no validation beyond bounds. For every packet that is not
 * an IP fragment it equals sl_flow_hash() of the decoded packet. IP fragments (MF set or an
 * offset) hash by addresses, protocol and VLANs only, so all fragments of a datagram, the
 * first one included, reach the same worker. Consequence: a fragmented datagram may be
 * reassembled on a different worker than the one that owns its flow; the reassembling worker
 * then handles the reassembled packet itself (counted in its flow table). That is accepted:
 * fragmented traffic is rare and the records stay correct, only that flow's counters may be
 * split over two workers. Frames that carry no IP hash to 0. For a frame sl_decode() refuses the
 * value is only a worker choice. */
uint32_t sl_flow_hash_raw(const uint8_t *pkt, uint32_t caplen, uint16_t linktype);

#endif
