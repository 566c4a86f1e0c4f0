#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs the AF_PACKET capture test in a network namespace of its own, so it touches no real
# interface: a veth pair and the namespace's loopback, removed on exit. Needs root; exits 77
# (skipped) with the reason when it is not root or cannot make the namespace.
#
#   test_capture_afpacket.sh HELPER CORPUS_DIR
set -u
helper=$1
corpus=$2

if [ "$(id -u)" != 0 ]; then
	echo "SKIP: the AF_PACKET test needs root (it creates a network namespace and a veth pair)"
	exit 77
fi
if ! command -v ip >/dev/null 2>&1; then
	echo "SKIP: iproute2 (ip) is not installed"
	exit 77
fi

ns="sluice-capt-$$"
a="slc$$a"
b="slc$$b"
cleanup() {
	ip netns del "$ns" 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if ! ip netns add "$ns" 2>/dev/null; then
	echo "SKIP: cannot create a network namespace (ip netns add failed)"
	exit 77
fi
# No IPv6 autoconfiguration chatter on the pair: only our frames travel on it.
ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 >/dev/null 2>&1
ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 >/dev/null 2>&1
if ! ip -n "$ns" link add "$a" type veth peer name "$b" 2>/dev/null; then
	echo "SKIP: cannot create a veth pair in the namespace"
	exit 77
fi
ip -n "$ns" link set "$a" mtu 17000 up &&
	ip -n "$ns" link set "$b" mtu 17000 up &&
	ip -n "$ns" link set lo up || exit 1

# VLAN and QinQ frames (tags the kernel strips on receive), IPv6, frames up to 16 KiB.
ip netns exec "$ns" "$helper" "$a" "$b" \
	"$corpus/pcap/sv-bug-814.pcap" \
	"$corpus/pcap/td-802.1ad_QinQ.pcap" \
	"$corpus/pcap/sv-dns-udp-eve-dig.pcap" \
	"$corpus/pcap/sv-community-id-ipv4.pcap" \
	"$corpus/pcap/sv-ethernet-eve.pcap"
