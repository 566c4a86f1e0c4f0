#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The Python tap consumer's record check (examples/tap/sluice_tap_read.py) against the C one
(sl_tap_check in include/sluice/tap.h) on the same bytes: valid records of each type, then
thousands of mutations of them (a field or a byte overwritten, the record cut), and random
bytes. Both must accept and refuse exactly the same records, and both must accept the valid ones.

    tap_check_cross.py TAP_CHECK_TOOL SOURCE_DIR
"""
import importlib.util
import os
import random
import struct
import subprocess
import sys
import tempfile

tool, src = sys.argv[1], sys.argv[2]
sys.dont_write_bytecode = True  # nothing written into the source tree
spec = importlib.util.spec_from_file_location("tapread", os.path.join(src, "examples/tap/sluice_tap_read.py"))
tapread = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tapread)

def common(enrich=0, version=1):
    return struct.pack("<QQ16s16sHHBBBBHHIH6x", 1700000000123456789, 42, b"\x0a\0\0\x01" + b"\0" * 12,
                       b"\xc0\xa8\0\x01" + b"\0" * 12, 5555, 80, 4, 6, 0, 0, 0, 0, enrich, version)

def strs(base, items):
    """(off, len) pairs for items laid out after base bytes, and the bytes."""
    out, tail, off = [], b"", base
    for s in items:
        out += [off, len(s)]
        tail += s
        off += len(s)
    return out, tail

def enrich_block(at):
    geo_strs = [b"DE", b"Berlin", b"DTAG"]
    pairs, tail = strs(at + 120, geo_strs)
    src = struct.pack("<iiIHH6I", 52_520_000, 13_400_000, 3320, 3, 0, *pairs)
    dst = struct.pack("<iiIHH6I", 0, 0, 0, 0, 0, *([0] * 6))
    alert = struct.pack("<B7x6I", 1, *([0] * 6))
    return struct.pack("<H6x", 1) + src + dst + alert, tail

def http(enrich):
    items = [b"example.com", b"/index.html", b"curl/8", b"GET", b"HTTP/1.1", b"text/html"]
    pairs, tail = strs(136, items)
    body = struct.pack("<QH6x12I", 1234, 200, *pairs) + tail
    rec = common() + body
    if enrich:
        pad = (-len(rec)) % 4
        at = len(rec) + pad
        blk, t2 = enrich_block(at)
        rec = common(enrich=at) + body + b"\0" * pad + blk + t2
    return 17, rec

def tls():
    items = [b"TLS 1.3", b"example.org", b"771,4865", b"0123456789abcdef", b"t13d", b"h2,http/1.1",
             b"771,4865,", b"fedcba9876543210", b"t130200", b"CN=example.org", b"CN=CA", b"01:02",
             b"aa:bb", b"2024-01-01T00:00:00", b"2025-01-01T00:00:00", b"example.org\0www.example.org\0"]
    pairs, tail = strs(208, items)
    return 18, common() + struct.pack("<HB5x32I", 0x304, 0, *pairs) + tail

def dns(n):
    off = 88 + 56 * n
    rrs, tail = b"", b""
    for i in range(n):
        rrs += struct.pack("<HBBI5II6I", 1, 0 if i == 0 else 1, 1, 300, 0, 0, 0, 0, 0, 0,
                           off, 9, off + 9, 7, off + 16, 0)
        off += 16
        tail += b"a.example" + b"1.2.3.4"
    return 19, common() + struct.pack("<IHHHB5x", 0, 7, 0x8180, n, 0) + rrs + tail

def alert():
    items = [b"domain", b"*.example.com", b"www.example.com", b"http.hostname"]
    pairs, tail = strs(112, items)
    return 20, common() + struct.pack("<H6x8I", 17, *pairs) + tail

def flow():
    return 16, common() + struct.pack("<QQQQQQ8B", 3, 2, 300, 200, 1, 2, 1, 3, 1, 0x1b, 0x1b, 0, 0, 0)

valid = [http(0), http(1), tls(), dns(0), dns(3), alert(), flow()]
rnd = random.Random(8)
cases = list(valid)
for _ in range(6000):
    t, r = rnd.choice(valid)
    b = bytearray(r)
    k = rnd.randrange(4)
    if k == 0:   # a 32-bit field somewhere gets a nasty value
        at = rnd.randrange(0, max(1, len(b) - 3)) & ~3
        b[at:at + 4] = struct.pack("<I", rnd.choice([0, 1, 7, len(b), len(b) + 1, 0xFFFFFFFF, 0x7FFFFFFF,
                                                     rnd.randrange(1 << 32)]))
    elif k == 1:  # a byte
        b[rnd.randrange(len(b))] = rnd.randrange(256)
    elif k == 2:  # cut
        b = b[:rnd.randrange(len(b))]
    else:         # the type
        t = rnd.choice([1, 16, 17, 18, 19, 20, 21, 300])
    cases.append((t, bytes(b)))
for _ in range(1000):
    cases.append((rnd.choice([16, 17, 18, 19, 20]), bytes(rnd.randrange(256) for _ in range(rnd.randrange(200)))))

with tempfile.NamedTemporaryFile(prefix="sluice-tapcheck-", delete=False) as f:
    for t, r in cases:
        f.write(struct.pack("<HI", t, len(r)) + r)
    path = f.name
try:
    out = subprocess.run([tool, path], check=True, capture_output=True, text=True).stdout.split()
finally:
    os.unlink(path)
assert len(out) == len(cases), "the tool answered %d of %d" % (len(out), len(cases))
bad = 0
accepted = 0
for i, ((t, r), c) in enumerate(zip(cases, out)):
    py_ok = tapread.check(t, r) is None
    c_ok = int(c) == 0
    accepted += c_ok
    if py_ok != c_ok:
        bad += 1
        if bad <= 5:
            print("case %d (type %d, %d bytes): C %s, Python %s" % (i, t, len(r), c, tapread.check(t, r)))
for i in range(len(valid)):
    if int(out[i]) != 0:
        print("valid record %d refused by C (%s): the test's records are wrong" % (i, out[i]))
        bad += 1
print("%d records, %d accepted by both, %d disagreements" % (len(cases), accepted, bad))
sys.exit(1 if bad or accepted <= len(valid) else 0)
