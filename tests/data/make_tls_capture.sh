#!/bin/sh
# SPDX-License-Identifier: MIT
# Makes tls-versions.pcap: real OpenSSL clients and servers talking over the loopback of a
# network namespace of our own, whose MTU is 400 so every certificate spans several TCP
# segments. One session per version (TLS 1.0, 1.1, 1.2, 1.3), then a TLS 1.2 session resumed
# by session id. The server certificate is tls-test-cert.pem (the one tests/unit/test_cert.h
# holds as DER). Run as root from this directory; needs openssl and dumpcap.
#   unshare -n ./make_tls_capture.sh
set -eu
out=${1:-tls-versions.pcap}
ip link set lo up
ip link set lo mtu 400
# one segment per packet (no segmentation offload), so the capture shows what the MTU makes
ip link set lo gso_max_segs 1 2>/dev/null || ip link set lo gso_max_size 400
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dumpcap -q -i lo -f "tcp portrange 44301-44310" -w "$tmp/cap.pcapng" -P &
cap=$!
sleep 1
port=44301
for v in tls1 tls1_1 tls1_2 tls1_3; do
  openssl s_server -quiet -accept "127.0.0.1:$port" -cert tls-test-cert.pem -key tls-test-key.pem \
    -"$v" -cipher 'DEFAULT:@SECLEVEL=0' -alpn http/1.1 -naccept 1 >/dev/null 2>&1 &
  srv=$!
  sleep 0.5
  printf 'hello\n' | openssl s_client -quiet -connect "127.0.0.1:$port" -servername test.example \
    -"$v" -cipher 'DEFAULT:@SECLEVEL=0' -alpn h2,http/1.1 -no_ign_eof >/dev/null 2>&1 || true
  wait "$srv" 2>/dev/null || true
  port=$((port + 1))
done
# a full TLS 1.2 handshake whose session the second connection resumes
openssl s_server -quiet -accept "127.0.0.1:$port" -cert tls-test-cert.pem -key tls-test-key.pem \
  -tls1_2 -no_ticket -naccept 2 >/dev/null 2>&1 &
srv=$!
sleep 0.5
printf 'a\n' | openssl s_client -quiet -connect "127.0.0.1:$port" -servername test.example -tls1_2 \
  -sess_out "$tmp/sess" -no_ign_eof >/dev/null 2>&1 || true
printf 'b\n' | openssl s_client -quiet -connect "127.0.0.1:$port" -servername test.example -tls1_2 \
  -sess_in "$tmp/sess" -no_ign_eof >/dev/null 2>&1 || true
wait "$srv" 2>/dev/null || true
sleep 1
kill "$cap"
wait "$cap" 2>/dev/null || true
# classic pcap, Ethernet-free loopback link type as dumpcap wrote it
editcap -F pcap "$tmp/cap.pcapng" "$out"
