#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""An example consumer of a sluiced tap in plain Python: mmap and struct, no compiled extension.

A tap is a named sluice ring (include/sluice/ring.h, layout in ring/layout.h) whose records are
the binary metadata records of include/sluice/tap.h. This reader follows the ring protocol by
hand, as the C library does:

  1. take the consumer role: a write lock on byte 1 of the ring file (the C library takes it as
     an open-file-description lock; a POSIX lock conflicts with it the same way, and the kernel
     drops either when this process dies, which is how sluiced sees a dead consumer);
  2. load head (the producer's index), check it (at most capacity ahead of tail, 8-aligned,
     never moving back), walk the records in [tail, head), checking each header's length;
  3. after reading a batch, store the new tail (and the records_out/bytes_out counters, which
     sluiced's ledger reports as the tap's `delivered`).

Memory ordering. sluiced stores head with release order after writing the records, and reads
tail with acquire order before reusing the space. Python has no atomics, so this reader relies
on the platform: on x86-64 (TSO) an aligned 8-byte load or store is single-copy atomic, a plain
load is an acquire (later loads are not hoisted above it) and a plain store is a release
(earlier loads and stores are not sunk below it). CPython's memoryview of 'Q' items loads and
stores each item with one 8-byte access, and the interpreter runs these in program order. On a
weakly ordered CPU (ARM, POWER) this reader is NOT correct: use the C library there. It refuses
to run elsewhere unless --any-cpu is given.

A tap never waits for room (its ring has the drop policy), so a consumer never has to wake the
producer: this reader does not touch the futex words; when the ring is empty it polls every
millisecond.

    sluice_tap_read.py NAME [--wait-ms MS] [--stall-after N]

prints one JSON line at the end of the stream, the same as the C example:
    {"records":N,"bad":N,"flow":N,"http":N,"tls":N,"dns":N,"alert":N,"flow_pkts":N,"http_host_bytes":N}
"""
import argparse
import fcntl
import json
import mmap
import os
import platform
import signal
import struct
import sys
import time

RING_MAGIC = 0x31474E4952554C53  # "SLURING1"
RING_VERSION = 2
TAP_VERSION = 1
# ring/layout.h: byte offsets in the header
OFF_CAPACITY, OFF_DATA_OFF = 16, 24
OFF_CONSUMER_PID, OFF_PRODUCER_ATTACHED, OFF_CONSUMER_ATTACHED = 52, 56, 60
OFF_CONSUMER_GEN, OFF_FINISHED = 68, 72
OFF_HEAD, OFF_RECORDS_IN = 128, 136
OFF_TAIL, OFF_RECORDS_OUT, OFF_BYTES_OUT = 256, 264, 272
LOCK_CONSUMER = 1

REC_FLOW, REC_HTTP, REC_TLS, REC_DNS, REC_ALERT = 16, 17, 18, 19, 20
# include/sluice/tap.h
COMMON = struct.Struct("<QQ16s16sHHBBBBHHIH6x")  # 72 bytes
FIXED = {REC_FLOW: 128, REC_HTTP: 136, REC_TLS: 208, REC_DNS: 88, REC_ALERT: 112}
FLOW_PKTS = struct.Struct("<QQ")  # at 72
STRS6 = struct.Struct("<12I")     # six (off, len): http at 88
STRS16 = struct.Struct("<32I")    # sixteen (off, len): tls at 80
STRS4 = struct.Struct("<8I")      # four (off, len): alert at 80
DNS_HDR = struct.Struct("<IHHHB5x")   # at 72: tx_id, id, flags, n_rr, truncated
DNS_RR = struct.Struct("<HBBI5II6I")  # 56 bytes: rrtype, section, kind, ttl, v[5], pad, 3 strings
ENRICH_STRS = ((24, 3), (64, 3), (96, 3))  # (offset in the block, strings): src geo, dst geo, alert


class Corrupt(Exception):
    pass


def ring_paths(name):
    dirs = [os.environ.get("SLUICE_SHM_DIR", "/dev/shm")]
    huge = os.environ.get("SLUICE_HUGETLBFS")
    if not huge:
        try:
            with open("/proc/mounts") as f:
                for line in f:
                    p = line.split()
                    if len(p) > 2 and p[2] == "hugetlbfs":
                        huge = p[1]
                        break
        except OSError:
            pass
    if huge:
        dirs.append(huge)
    return [os.path.join(d, "sluice." + name) for d in dirs]


class Tap:
    def __init__(self, name):
        self.fd = None
        for p in ring_paths(name):
            try:
                self.fd = os.open(p, os.O_RDWR)
                break
            except FileNotFoundError:
                continue
        if self.fd is None:
            raise FileNotFoundError(name)
        size = os.fstat(self.fd).st_size
        hdr = os.pread(self.fd, 40, 0)
        magic, version, _hsz, cap, data_off, page = struct.unpack_from("<QIIQQQ", hdr)
        if magic != RING_MAGIC:
            raise Corrupt("not a sluice ring (magic)")
        if version != RING_VERSION:
            raise Corrupt("ring layout version %d, this reader knows %d" % (version, RING_VERSION))
        if cap == 0 or cap & (cap - 1) or data_off < 4096 or data_off + cap > size:
            raise Corrupt("bad capacity %d / data offset %d for a %d-byte file" % (cap, data_off, size))
        # the consumer role, or EBUSY-like refusal when a live consumer holds it
        try:
            fcntl.lockf(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, LOCK_CONSUMER, os.SEEK_SET)
        except OSError:
            raise RuntimeError("the tap already has a live consumer")
        self.mm = mmap.mmap(self.fd, data_off + cap, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
        self.q = memoryview(self.mm).cast("Q")   # 8-byte words: single loads and stores
        self.w = memoryview(self.mm).cast("I")   # 4-byte words
        self.cap, self.mask, self.base = cap, cap - 1, data_off
        self.tail = self.q[OFF_TAIL // 8]
        if self.tail & 7:
            raise Corrupt("misaligned tail %d" % self.tail)
        self.head_seen = self.tail
        self.rec_out = self.q[OFF_RECORDS_OUT // 8]
        self.bytes_out = self.q[OFF_BYTES_OUT // 8]
        self.w[OFF_CONSUMER_PID // 4] = os.getpid()
        self.w[OFF_CONSUMER_GEN // 4] = (self.w[OFF_CONSUMER_GEN // 4] + 1) & 0xFFFFFFFF
        self.w[OFF_CONSUMER_ATTACHED // 4] = 1

    def close(self):
        self.w[OFF_CONSUMER_PID // 4] = 0
        self.w[OFF_CONSUMER_ATTACHED // 4] = 0
        self.q.release()
        self.w.release()
        self.mm.close()
        os.close(self.fd)  # drops the role lock

    def finished(self):
        return self.w[OFF_FINISHED // 4] == 1

    def producer_attached(self):
        return self.w[OFF_PRODUCER_ATTACHED // 4] == 1

    def read(self, pos, n):
        """n bytes of the data area from index pos, as one bytes object (a record may straddle
        the end of the data area: this reader maps it once, so it joins the two pieces)."""
        o = pos & self.mask
        if o + n <= self.cap:
            return self.mm[self.base + o:self.base + o + n]
        k = self.cap - o
        return self.mm[self.base + o:self.base + self.cap] + self.mm[self.base:self.base + n - k]

    def peek(self, max_n):
        """Up to max_n (type, payload) records from the tail; the new tail after them."""
        head = self.q[OFF_HEAD // 8]  # an acquire on x86 (see the module's docstring)
        ahead = (head - self.tail) & 0xFFFFFFFFFFFFFFFF
        if ahead > self.cap or head & 7 or ahead < ((self.head_seen - self.tail) & 0xFFFFFFFFFFFFFFFF):
            raise Corrupt("head %d: not within capacity ahead of tail %d" % (head, self.tail))
        self.head_seen = head
        out, pos = [], self.tail
        while pos != head and len(out) < max_n:
            ln, typ, _flags = struct.unpack("<IHH", self.read(pos, 8))
            slot = 8 + ((ln + 7) & ~7)
            if slot > ((head - pos) & 0xFFFFFFFFFFFFFFFF):
                raise Corrupt("record at %d: length %d runs past head %d" % (pos, ln, head))
            out.append((typ, self.read(pos + 8, ln)))
            pos += slot
        return out, pos

    def release(self, n, pos, nbytes):
        self.rec_out += n
        self.bytes_out += nbytes
        self.q[OFF_RECORDS_OUT // 8] = self.rec_out & 0xFFFFFFFFFFFFFFFF
        self.q[OFF_BYTES_OUT // 8] = self.bytes_out & 0xFFFFFFFFFFFFFFFF
        self.tail = pos
        self.q[OFF_TAIL // 8] = pos & 0xFFFFFFFFFFFFFFFF  # a release on x86: the reads above are done


def str_ok(off, ln, total):
    return off <= total and ln <= total - off


def check(typ, rec):
    """Like sl_tap_check: None when every field may be used, else why not."""
    if typ not in FIXED:
        return "type %d" % typ
    n = len(rec)
    if n < COMMON.size:
        return "short"
    c = COMMON.unpack_from(rec, 0)
    enrich, version = c[12], c[13]
    if version != TAP_VERSION:
        return "tap layout version %d" % version
    if n < FIXED[typ]:
        return "short"
    if typ in (REC_HTTP, REC_TLS):
        s = STRS6.unpack_from(rec, 88) if typ == REC_HTTP else STRS16.unpack_from(rec, 80)
        if not all(str_ok(s[i], s[i + 1], n) for i in range(0, len(s), 2)):
            return "string out of bounds"
    if typ == REC_ALERT:
        s = STRS4.unpack_from(rec, 80)
        if not all(str_ok(s[i], s[i + 1], n) for i in range(0, 8, 2)):
            return "string out of bounds"
    if typ == REC_DNS:
        count = DNS_HDR.unpack_from(rec, 72)[3]
        if FIXED[REC_DNS] + count * DNS_RR.size > n:
            return "entries out of bounds"
        for i in range(count):
            a = DNS_RR.unpack_from(rec, FIXED[REC_DNS] + i * DNS_RR.size)
            if not (str_ok(a[10], a[11], n) and str_ok(a[12], a[13], n) and str_ok(a[14], a[15], n)):
                return "entry string out of bounds"
    if enrich:
        if enrich < COMMON.size or enrich & 3 or enrich > n or n - enrich < 120:
            return "enrichment out of bounds"
        for off, k in ENRICH_STRS:
            s = struct.unpack_from("<%dI" % (2 * k), rec, enrich + off)
            if not all(str_ok(s[i], s[i + 1], n) for i in range(0, 2 * k, 2)):
                return "enrichment string out of bounds"
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("name")
    ap.add_argument("--wait-ms", type=int, default=10000, help="how long to wait for the tap to appear")
    ap.add_argument("--stall-after", type=int, default=0, help="read N records, then stop reading until killed")
    ap.add_argument("--any-cpu", action="store_true", help="run on a CPU other than x86-64 anyway")
    a = ap.parse_args()
    if platform.machine() not in ("x86_64", "AMD64") and not a.any_cpu:
        sys.exit("sluice_tap_read.py relies on x86-64 memory ordering; use the C library here")
    t0 = time.monotonic()
    while True:
        try:
            tap = Tap(a.name)
            break
        except FileNotFoundError:
            if (time.monotonic() - t0) * 1000 > a.wait_ms:
                sys.exit("tap %s: no such ring" % a.name)
            time.sleep(0.01)
    tally = dict(records=0, bad=0, flow=0, http=0, tls=0, dns=0, alert=0, flow_pkts=0, http_host_bytes=0)
    names = {REC_FLOW: "flow", REC_HTTP: "http", REC_TLS: "tls", REC_DNS: "dns", REC_ALERT: "alert"}
    try:
        while True:
            batch, pos = tap.peek(1 if a.stall_after else 64)
            nbytes = 0
            for typ, rec in batch:
                nbytes += len(rec)
                if check(typ, rec) is not None:
                    tally["bad"] += 1
                    continue
                tally["records"] += 1
                tally[names[typ]] += 1
                if typ == REC_FLOW:
                    tally["flow_pkts"] += sum(FLOW_PKTS.unpack_from(rec, 72))
                elif typ == REC_HTTP:
                    tally["http_host_bytes"] += STRS6.unpack_from(rec, 88)[1]
            if batch:
                tap.release(len(batch), pos, nbytes)
                if a.stall_after and tally["records"] + tally["bad"] >= a.stall_after:
                    print("stalled after %d records" % (tally["records"] + tally["bad"]), file=sys.stderr)
                    while True:
                        signal.pause()
                continue
            # empty: the end of the stream once sluiced finished it, or it went away cleanly
            if tap.finished() or not tap.producer_attached():
                batch, _ = tap.peek(1)
                if not batch:
                    break
                continue
            time.sleep(0.001)
    except Corrupt as e:
        print("tap %s is corrupt: %s" % (a.name, e), file=sys.stderr)
    tap.close()
    print(json.dumps(tally, separators=(",", ":")))


if __name__ == "__main__":
    main()
