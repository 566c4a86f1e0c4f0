#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""HTTP that is not textbook, end to end: this script writes a capture of its own (Ethernet,
IPv4, TCP, every header and checksum built here, so it needs nothing beyond Python), runs
sluiced over it, and checks the EVE http records field by field and the ledger's counters.

Why a capture and not only the unit harness: the records pass through the whole engine here
(capture, flow orientation, reassembly, the EVE encoder), which is where "hostname keeps its
brackets" or "a response without a request" is finally written, and the same capture can be
fed to Suricata or Zeek by hand to compare (--keep writes it next to the output).

Connections (one per case, client 10.0.0.1, server 10.0.0.2):
  lost-request   the capture missed the request: the response comes first, then a request
  midstream      no handshake, the first packet is a response (the flow takes the server
                 for the client)
  odd-method     BREW sent one byte per segment, Host an IPv6 literal with a port
  junk           blank and junk lines before the request line
  http09         GET without a version, the answer has no head
  absolute       absolute-form target with user info and port, a malformed header line, a
                 response with both Content-Length and chunked
  gaps           a segment lost inside a body, then a request's tail and a whole response
                 lost: the later requests are all logged
  overlap        "/" lost, then "aaaa" behind it, then "/bbbb" over it: bsd (the default)
                 takes the segment that starts first
  no-head        an HTTP/1.1 request answered without a status line: all body (libhtp)
  cut-heads      a request's and a response's heads cut by lost segments after their first
                 lines: both kept with what came, and the next exchange pairs right

    http_odd_check.py --sluiced build/engine/sluiced [--keep DIR]
"""
import argparse
import json
import os
import struct
import subprocess
import sys
import tempfile


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


class Conn:
    """One TCP connection; seq[0] the client's next sequence number, seq[1] the server's."""

    def __init__(self, w, cport, sport=80):
        self.w, self.cport, self.sport = w, cport, sport
        self.seq = [1000, 5000]

    def seg(self, d, flags, data=b"", seq=None):
        src, dst = (b"\x0a\0\0\x01", b"\x0a\0\0\x02") if d == 0 else (b"\x0a\0\0\x02", b"\x0a\0\0\x01")
        sp, dp = (self.cport, self.sport) if d == 0 else (self.sport, self.cport)
        s = self.seq[d] if seq is None else seq
        ack = self.seq[1 - d] if flags & 0x10 else 0
        tcp = struct.pack("!HHIIBBHHH", sp, dp, s & 0xFFFFFFFF, ack & 0xFFFFFFFF, 5 << 4, flags, 65535, 0, 0) + data
        ph = src + dst + struct.pack("!BBH", 0, 6, len(tcp))
        tcp = tcp[:16] + struct.pack("!H", csum(ph + tcp)) + tcp[18:]
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0, 64, 6, 0, src, dst)
        ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
        eth = b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00" if d == 0 else b"\x02\0\0\0\0\x01\x02\0\0\0\0\x02\x08\x00"
        self.w.packet(eth + ip + tcp)
        if seq is None:
            self.seq[d] += len(data) + (1 if flags & 0x03 else 0)

    def handshake(self):
        self.seg(0, 0x02)
        self.seg(1, 0x12)
        self.seg(0, 0x10)

    def send(self, d, data, size=1460):
        for i in range(0, len(data), size):
            self.seg(d, 0x18, data[i:i + size])

    def close(self):
        self.seg(0, 0x11)
        self.seg(1, 0x11)
        self.seg(0, 0x10)


class Pcap:
    def __init__(self, path):
        self.f = open(path, "wb")
        self.f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        self.t = 1700000000 * 1000000

    def packet(self, b):
        self.t += 1000
        self.f.write(struct.pack("<IIII", self.t // 1000000, self.t % 1000000, len(b), len(b)) + b)

    def close(self):
        self.f.close()


def build(path):
    w = Pcap(path)
    # lost-request
    c = Conn(w, 43001)
    c.handshake()
    c.seq[0] += 40
    c.send(1, b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: 5\r\n\r\nhello")
    c.send(0, b"GET /next HTTP/1.1\r\nHost: Example.COM:8080\r\nUser-Agent: odd/1\r\n\r\n")
    c.send(1, b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
    c.close()
    # midstream
    c = Conn(w, 43002)
    c.seq = [7000, 9000]
    c.send(1, b"HTTP/1.1 301 Moved\r\nContent-Length: 3\r\n\r\nabc")
    c.send(0, b"GET /after HTTP/1.1\r\nHost: mid.example\r\n\r\n")
    c.send(1, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    c.close()
    # odd-method
    c = Conn(w, 43003, 8080)
    c.handshake()
    c.send(0, b"BREW /pot HTTP/1.1\r\nHost: [2001:DB8::1]:8080\r\n\r\n", 1)
    c.send(1, b"HTTP/1.1 418 I'm a teapot\r\nContent-Length: 0\r\n\r\n")
    c.close()
    # junk
    c = Conn(w, 43004)
    c.handshake()
    c.send(0, b"\r\n\r\nxx\r\nGET /j HTTP/1.0\r\nHost: junk.example\r\n\r\n")
    c.send(1, b"HTTP/1.0 200 OK\r\n\r\nbody")
    c.close()
    # http09
    c = Conn(w, 43005)
    c.handshake()
    c.send(0, b"GET /old\r\n")
    c.send(1, b"<html>0.9</html>")
    c.close()
    # absolute
    c = Conn(w, 43006, 3128)
    c.handshake()
    c.send(0, b"GET http://User@WWW.Example.org:8080/p?q HTTP/1.1\r\nHost: other\r\nbogus line\r\n\r\n")
    c.send(1, b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
    c.close()
    # gaps
    c = Conn(w, 43007)
    c.handshake()
    c.send(0, b"GET /1 HTTP/1.1\r\nHost: g\r\n\r\n")
    c.send(1, b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + b"b" * 400)
    c.seq[1] += 300
    c.send(1, b"b" * 300)
    c.send(0, b"GET /2 HT")
    c.seq[0] += 19
    c.seq[1] += 38
    c.send(0, b"GET /3 HTTP/1.1\r\nHost: g\r\n\r\n")
    c.send(1, b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n")
    c.send(0, b"GET /4 HTTP/1.1\r\nHost: g\r\n\r\n")
    c.send(1, b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n")
    c.close()
    # overlap
    c = Conn(w, 43008)
    c.handshake()
    base = c.seq[0]
    c.seg(0, 0x10, b"GET ", seq=base)
    c.seg(0, 0x10, b"aaaa", seq=base + 5)
    c.seg(0, 0x10, b"/bbbb", seq=base + 4)
    rest = b" HTTP/1.1\r\nHost: o\r\n\r\n"
    c.seg(0, 0x18, rest, seq=base + 9)
    c.seq[0] = base + 9 + len(rest)
    c.send(1, b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    c.close()
    # no-head
    c = Conn(w, 43009)
    c.handshake()
    c.send(0, b"GET /nohead HTTP/1.1\r\nHost: n\r\n\r\n")
    c.send(1, b"<html>raw</html>\r\n")
    c.close()
    # cut-heads
    c = Conn(w, 43010)
    c.handshake()
    c.send(0, b"GET /a HTTP/1.1\r\nHost: cut.example\r\nX-Lo")
    c.seq[0] += 30
    c.send(1, b"HTTP/1.1 206 Partial\r\nContent-Ty")
    c.seq[1] += 60
    c.send(0, b"GET /b HTTP/1.1\r\nHost: cut.example\r\n\r\n")
    c.send(1, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    c.close()
    w.close()


# (client port, expected http fields; None: the key must be absent)
WANT = [
    (43001, {"status": 200, "length": 5, "http_content_type": "text/html", "http_method": None, "url": None}),
    (43001, {"http_method": "GET", "url": "/next", "hostname": "example.com", "http_port": 8080,
             "http_user_agent": "odd/1",
             "status": 404, "protocol": "HTTP/1.1"}),
    (43002, {"status": 301, "length": 3}),
    (43002, {"http_method": "GET", "url": "/after", "hostname": "mid.example", "http_port": None,
             "status": 200, "length": 2}),
    (43003, {"http_method": "BREW", "url": "/pot", "hostname": "[2001:db8::1]", "http_port": 8080,
             "status": 418}),
    (43004, {"http_method": "GET", "url": "/j", "hostname": "junk.example", "protocol": "HTTP/1.0",
             "status": 200, "length": 4}),
    (43005, {"http_method": "GET", "url": "/old", "protocol": None, "status": None, "length": 16}),
    (43006, {"http_method": "GET", "url": "http://User@WWW.Example.org:8080/p?q", "hostname": "www.example.org",
             "http_port": 8080, "status": 200, "length": 3}),
    (43007, {"url": "/1", "status": 200, "length": 1000}),
    (43007, {"url": "/3", "status": 201}),
    (43007, {"url": "/4", "status": 202}),
    (43008, {"url": "/bbbb", "hostname": "o", "status": 200}),
    (43009, {"url": "/nohead", "protocol": "HTTP/1.1", "status": None, "length": 18}),
    (43010, {"url": "/a", "hostname": "cut.example", "status": 206}),
    (43010, {"url": "/b", "hostname": "cut.example", "status": 200, "length": 2}),
]
LEDGER = {("app", "http_bad_lines"): 5, ("app", "http_framing"): 1, ("app", "http_resyncs"): 4,
          ("app", "http_errors"): 0, ("tcp", "overlap_conflicts"): 1}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sluiced", required=True)
    ap.add_argument("--keep", help="directory to leave the capture and the output in")
    a = ap.parse_args()
    d = a.keep or tempfile.mkdtemp(prefix="sluice-http-odd-%d-" % os.getpid())
    os.makedirs(d, exist_ok=True)
    pcap, out, led = (os.path.join(d, n) for n in ("http_odd.pcap", "eve.json", "ledger.json"))
    build(pcap)
    p = subprocess.run([a.sluiced, "-q", "-r", pcap, "-w", "1", "-o", out, "--stats-json", led],
                       capture_output=True, text=True, timeout=120)
    fails = 0
    if p.returncode != 0:
        print("sluiced exit %d: %s" % (p.returncode, p.stderr[-800:]))
        return 1
    recs = [json.loads(l) for l in open(out) if l.strip()]
    http = [r for r in recs if r.get("event_type") == "http"]

    def port_of(r):  # the client's port, whichever way the flow was oriented
        return r["src_port"] if r["src_port"] >= 43000 else r["dest_port"]

    by_port = {}
    for r in http:
        by_port.setdefault(port_of(r), []).append(r["http"])
    seen = {}
    for port, want in WANT:
        i = seen.get(port, 0)
        seen[port] = i + 1
        got = by_port.get(port, [])
        if i >= len(got):
            print("FAIL port %d: record %d missing (have %d)" % (port, i, len(got)))
            fails += 1
            continue
        h = got[i]
        for k, v in want.items():
            if h.get(k) != v:
                print("FAIL port %d record %d: %s is %r, want %r" % (port, i, k, h.get(k), v))
                fails += 1
    for port, n in seen.items():
        if len(by_port.get(port, [])) != n:
            print("FAIL port %d: %d records, want %d" % (port, len(by_port.get(port, [])), n))
            fails += 1
    ledger = json.load(open(led))
    for (sec, key), v in LEDGER.items():
        if ledger.get(sec, {}).get(key) != v:
            print("FAIL ledger %s.%s is %r, want %r" % (sec, key, ledger.get(sec, {}).get(key), v))
            fails += 1
    print("http_odd: %d http records, %d checks failed" % (len(http), fails))
    if not a.keep:
        for f in (pcap, out, led):
            os.unlink(f)
        os.rmdir(d)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
