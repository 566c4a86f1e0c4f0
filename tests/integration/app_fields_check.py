#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The EVE fields of tls and dns records, exactly, from captures made for the purpose:

* tests/data/tls-versions.pcap: real OpenSSL clients and servers (make_tls_capture.sh next to
  it) in TLS 1.0, 1.1, 1.2 and 1.3 over a 400-byte MTU, so every certificate spans several
  segments, and a resumed TLS 1.2 session. Expected: the certificate's fields as openssl
  prints them (tests/unit/test_cert.h), JA3/JA3S as tshark 4.0 computes them, JA4/JA4S as an
  independent script computed them from tshark's fields, the version names Suricata writes,
  and no record for the resumed session (Suricata's default).
* a DNS capture this script writes (Ethernet, IPv4, UDP): one request and responses holding
  every kind of rdata EVE v3 distinguishes (A, AAAA, CNAME, MX, NS, PTR, TXT with several
  long strings, NULL with binary and 3000-byte data, SSHFP, SRV, SOA in the authority
  section, EDNS options and glue in the additional section) and the types Suricata names but
  does not decode (NAPTR, CAA, HTTPS, SVCB, DNAME, an unassigned one).

    app_fields_check.py --sluiced build/engine/sluiced --data tests/data
"""
import argparse
import json
import os
import struct
import subprocess
import sys
import tempfile

failures = []
checks = 0


def check(what, got, want):
    global checks
    checks += 1
    if got != want:
        failures.append(f"{what}: got {got!r}, want {want!r}")


def run(sluiced, pcap, tmp, name):
    out = os.path.join(tmp, name + ".json")
    p = subprocess.run([sluiced, "-q", "-r", pcap, "-w", "1", "-o", out], capture_output=True, text=True,
                       timeout=120)
    check(f"{name}: sluiced exits 0", p.returncode, 0)
    return [json.loads(line) for line in open(out)] if os.path.exists(out) else []


# ---- TLS ---------------------------------------------------------------------------------

CERT = {
    "subject": "C=DE, ST=Berlin, O=Sluice Test, OU=Sensors + CN=test.example, emailAddress=ops@test.example",
    "issuerdn": "C=DE, ST=Berlin, O=Sluice Test, OU=Sensors + CN=test.example, emailAddress=ops@test.example",
    "serial": "00:E5:A1:B2:C3:D4",
    "fingerprint": "03:f9:84:fa:2f:47:83:43:19:8f:3d:7e:83:f6:eb:43:2d:74:cd:8c",
    "notbefore": "2026-12-07T17:56:18",
    "notafter": "2036-12-04T17:56:18",
    "subjectaltname": ["test.example", "*.test.example", "sluice.test"],
}
# server port -> version, ja3 hash, ja3s hash, ja4, ja4s, certificate logged
TLS = {
    44301: ("TLSv1", "f7e3efed3265ef03512f40b4510e7137", "bea3c455a35920b352b23270d4769786",
            "t10d0907h2_c491f621fb4c_195413a0cc0f", "t1006h1_c00a_6a979d14ab72", True),
    44302: ("TLS 1.1", "22ca23d5d8102e3ff549f036f6c1889b", "ad3d00dd1fb10c14028b9192fdcc813b",
            "t11d0907h2_c491f621fb4c_195413a0cc0f", "t1106h1_c00a_6a979d14ab72", True),
    44303: ("TLS 1.2", "22558766122974704364c9c75c5cce0a", "e195432758194ce2d482396b82e0d48e",
            "t12d2808h2_d943125447b4_3c5a66c06c35", "t1205h1_c02c_1ece00aee4e9", True),
    44304: ("TLS 1.3", "9dffdb8b608a430b774a2ff7d36c1a0c", "15af977ce25de452b96affa2addb1036",
            "t13d0411h2_16476d049b0b_78f1d400d464", "t130200_1302_a56c5b993250", False),
    44305: ("TLS 1.2", "871a754af286dfb70c1b53c6887c62e0", "a548c224ffe85e7076d7897c27f6758c",
            "t12d280700_d943125447b4_e7e480e5a997", "t120300_c02c_460f64128655", True),
}


def check_tls(events):
    tls = [e for e in events if e.get("event_type") == "tls"]
    # the sixth session (port 44305 again) resumes the fifth: not logged
    check("tls: one record per full handshake", sorted(e["dest_port"] for e in tls), sorted(TLS))
    for e in tls:
        port, t = e["dest_port"], e["tls"]
        version, ja3, ja3s, ja4, ja4s, has_cert = TLS[port]
        check(f"tls {port} version", t.get("version"), version)
        check(f"tls {port} sni", t.get("sni"), "test.example")
        check(f"tls {port} ja3", t.get("ja3", {}).get("hash"), ja3)
        check(f"tls {port} ja3s", t.get("ja3s", {}).get("hash"), ja3s)
        check(f"tls {port} ja4", t.get("ja4"), ja4)
        check(f"tls {port} ja4s", t.get("ja4s"), ja4s)
        for k, v in CERT.items():
            check(f"tls {port} {k}", t.get(k), v if has_cert else None)


# ---- DNS ---------------------------------------------------------------------------------

def name(n):
    return b"".join(bytes([len(p)]) + p.encode() for p in n.split(".") if p) + b"\0"


def rr(owner, rtype, rdata, ttl=300):
    return name(owner) + struct.pack(">HHIH", rtype, 1, ttl, len(rdata)) + rdata


def msg(mid, flags, questions, an=(), ns=(), ar=()):
    q = b"".join(name(n) + struct.pack(">HH", t, 1) for n, t in questions)
    return struct.pack(">HHHHHH", mid, flags, len(questions), len(an), len(ns), len(ar)) + q + \
        b"".join(an) + b"".join(ns) + b"".join(ar)


def frame(payload, to_server):
    a, b = bytes([192, 0, 2, 10]), bytes([192, 0, 2, 53])
    src, dst, sport, dport = (a, b, 40000, 53) if to_server else (b, a, 53, 40000)
    udp = struct.pack(">HHHH", sport, dport, 8 + len(payload), 0) + payload
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0, src, dst)
    s = sum(struct.unpack(">10H", ip))
    s = (s & 0xffff) + (s >> 16)
    ip = ip[:10] + struct.pack(">H", ~((s & 0xffff) + (s >> 16)) & 0xffff) + ip[12:]
    return b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + b"\x08\x00" + ip + udp


TXT = ["a" * 255, "b" * 200, "v=spf1 -all"]
FP = bytes(range(32))
NULL_BIN = b"\x00\x01bin\xff"
NULL_LONG = bytes(ord("x") + i % 3 for i in range(3000))


def dns_messages():
    q = msg(0x1111, 0x0100, [("types.example", 255)])
    r1 = msg(0x1111, 0x8580, [("types.example", 255)], an=[
        rr("types.example", 1, bytes([192, 0, 2, 1])),
        rr("types.example", 28, bytes.fromhex("20010db8000000000000000000000001")),
        rr("types.example", 5, name("alias.example")),
        rr("types.example", 15, struct.pack(">H", 10) + name("mail.example")),
        rr("types.example", 2, name("ns1.example")),
        rr("types.example", 12, name("host.example")),
        rr("types.example", 16, b"".join(bytes([len(s)]) + s.encode() for s in TXT), ttl=60),
        rr("types.example", 10, NULL_BIN),
        rr("types.example", 44, bytes([1, 2]) + FP),
        rr("_sip._udp.types.example", 33, struct.pack(">HHH", 5, 10, 5060) + name("sip.example")),
    ], ns=[
        rr("example", 6, name("ns.example") + name("host.example") + struct.pack(">IIIII", 2024010101, 7200, 900,
                                                                                1209600, 300), ttl=899),
    ], ar=[
        name("") + struct.pack(">HHIH", 41, 1232, 0, 12) + struct.pack(">HH", 10, 8) + bytes(range(8)),
        rr("ns1.example", 1, bytes([192, 0, 2, 53])),
    ])
    r2 = msg(0x2222, 0x8180, [("more.example", 65)], an=[
        rr("more.example", 35, struct.pack(">HH", 10, 20) + b"\x01U\x03E2U\x00" + name("")),
        rr("more.example", 257, b"\x00\x05issueca.example"),
        rr("more.example", 65, struct.pack(">H", 1) + name("") + struct.pack(">HH", 1, 3) + b"\x02h2"),
        rr("more.example", 64, struct.pack(">H", 1) + name("svc.example")),
        rr("more.example", 39, name("target.example")),
        rr("more.example", 65280, b"\xde\xad"),
    ])
    r3 = msg(0x3333, 0x8180, [("long.example", 10)], an=[rr("long.example", 10, NULL_LONG)])
    return [(q, True), (r1, False), (r2, False), (r3, False)]


def write_pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            f.write(struct.pack("<IIII", 1700000000 + i, 0, len(fr), len(fr)))
            f.write(fr)


def check_dns(events):
    dns = {(e["dns"]["id"], e["dns"]["type"]): e["dns"] for e in events if e.get("event_type") == "dns"}
    check("dns: four records", sorted(dns), sorted([(0x1111, "request"), (0x1111, "response"),
                                                    (0x2222, "response"), (0x3333, "response")]))
    q = dns.get((0x1111, "request"), {})
    check("request", {k: q.get(k) for k in ("version", "tx_id", "flags", "rd", "opcode", "rcode", "queries")},
          {"version": 3, "tx_id": 0, "flags": "100", "rd": True, "opcode": 0, "rcode": "NOERROR",
           "queries": [{"rrname": "types.example", "rrtype": "ANY"}]})
    check("request has no answers", "answers" in q, False)
    r = dns.get((0x1111, "response"), {})
    check("response header", {k: r.get(k) for k in ("tx_id", "flags", "qr", "aa", "rd", "ra", "rcode")},
          {"tx_id": 1, "flags": "8580", "qr": True, "aa": True, "rd": True, "ra": True, "rcode": "NOERROR"})
    want = [
        {"rrname": "types.example", "rrtype": "A", "ttl": 300, "rdata": "192.0.2.1"},
        {"rrname": "types.example", "rrtype": "AAAA", "ttl": 300, "rdata": "2001:0db8:0000:0000:0000:0000:0000:0001"},
        {"rrname": "types.example", "rrtype": "CNAME", "ttl": 300, "rdata": "alias.example"},
        {"rrname": "types.example", "rrtype": "MX", "ttl": 300, "rdata": "mail.example"},
        {"rrname": "types.example", "rrtype": "NS", "ttl": 300, "rdata": "ns1.example"},
        {"rrname": "types.example", "rrtype": "PTR", "ttl": 300, "rdata": "host.example"},
    ] + [{"rrname": "types.example", "rrtype": "TXT", "ttl": 60, "rdata": s} for s in TXT] + [
        {"rrname": "types.example", "rrtype": "NULL", "ttl": 300, "rdata": NULL_BIN.decode("latin-1")},
        {"rrname": "types.example", "rrtype": "SSHFP", "ttl": 300,
         "sshfp": {"fingerprint": ":".join("%02x" % b for b in FP), "algo": 1, "type": 2}},
        {"rrname": "_sip._udp.types.example", "rrtype": "SRV", "ttl": 300,
         "srv": {"priority": 5, "weight": 10, "port": 5060, "name": "sip.example"}},
    ]
    got = r.get("answers", [])
    check("answer count", len(got), len(want))
    for i, (g, w) in enumerate(zip(got, want)):
        check(f"answers[{i}] {w['rrtype']}", g, w)
    grouped = r.get("grouped", {})
    check("grouped keys", sorted(grouped), sorted(["A", "AAAA", "CNAME", "MX", "NS", "PTR", "TXT", "NULL", "SSHFP",
                                                   "SRV"]))
    check("grouped.TXT", grouped.get("TXT"), TXT)
    check("grouped.A", grouped.get("A"), ["192.0.2.1"])
    check("grouped.SRV", grouped.get("SRV"), [{"priority": 5, "weight": 10, "port": 5060, "name": "sip.example"}])
    check("authorities", r.get("authorities"), [
        {"rrname": "example", "rrtype": "SOA", "ttl": 899,
         "soa": {"mname": "ns.example", "rname": "host.example", "serial": 2024010101, "refresh": 7200, "retry": 900,
                 "expire": 1209600, "minimum": 300}}])
    check("additionals", r.get("additionals"), [
        {"rrname": "", "rrtype": "OPT", "ttl": 0, "opt": [{"code": 10, "data": "0001020304050607"}]},
        {"rrname": "ns1.example", "rrtype": "A", "ttl": 300, "rdata": "192.0.2.53"}])
    r2 = dns.get((0x2222, "response"), {})
    check("named types without rdata", [(a.get("rrtype"), "rdata" in a) for a in r2.get("answers", [])],
          [("NAPTR", False), ("CAA", False), ("HTTPS", False), ("SVCB", False), ("DNAME", False),
           ("TYPE65280", False)])
    check("query of type HTTPS", r2.get("queries"), [{"rrname": "more.example", "rrtype": "HTTPS"}])
    check("no grouped without groupable rdata", "grouped" in r2, False)
    r3 = dns.get((0x3333, "response"), {})
    check("3000-byte NULL rdata whole", (r3.get("answers") or [{}])[0].get("rdata"), NULL_LONG.decode())


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sluiced", required=True)
    ap.add_argument("--data", required=True)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="sluice-fields-") as tmp:
        check_tls(run(args.sluiced, os.path.join(args.data, "tls-versions.pcap"), tmp, "tls"))
        pcap = os.path.join(tmp, "dns-types.pcap")
        write_pcap(pcap, [frame(m, up) for m, up in dns_messages()])
        check_dns(run(args.sluiced, pcap, tmp, "dns"))
    for f in failures:
        print("MISMATCH", f)
    print(f"{checks - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
