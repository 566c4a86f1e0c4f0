#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# A subscriber to sluiced's publisher: one SUB socket per topic, counting what each receives and
# checking each message's shape ([topic][EVE JSON][sequence, 8 bytes little-endian]) and its
# sequence. It ends once nothing has come for --idle seconds after sluiced has gone
# (--until-gone PID), or after --idle seconds of silence, and writes a JSON report:
#   {"topics": {T: {"count": N, "first": S, "last": S, "gaps": G, "bad": B}}, "ready": true}
# --stall: subscribe, then never read (a stalled consumer); --curve-server-key: a CURVE client.
import argparse, json, os, struct, sys, time
import zmq

ap = argparse.ArgumentParser()
ap.add_argument("--endpoint", required=True)
ap.add_argument("--topics", required=True, help="comma-separated event types")
ap.add_argument("--prefix", default="")
ap.add_argument("--out", required=True)
ap.add_argument("--until-gone", type=int, default=0)
ap.add_argument("--idle", type=float, default=2.0)
ap.add_argument("--stall", action="store_true")
ap.add_argument("--rcvhwm", type=int, default=0)
ap.add_argument("--curve-server-key", default="")
a = ap.parse_args()

ctx = zmq.Context()
socks = {}
for t in a.topics.split(","):
    s = ctx.socket(zmq.SUB)
    if a.rcvhwm:
        s.setsockopt(zmq.RCVHWM, a.rcvhwm)
        s.setsockopt(zmq.RCVBUF, 4096)
    if a.curve_server_key:
        pub, sec = zmq.curve_keypair()
        s.curve_publickey, s.curve_secretkey = pub, sec
        s.curve_serverkey = open(a.curve_server_key, "rb").read().strip()
    s.setsockopt_string(zmq.SUBSCRIBE, a.prefix + t)
    s.connect(a.endpoint)
    socks[s] = t
rep = {"topics": {t: {"count": 0, "first": 0, "last": 0, "gaps": 0, "bad": 0} for t in socks.values()}}


def gone(pid):
    if not pid:
        return True
    try:
        os.kill(pid, 0)
        return False
    except ProcessLookupError:
        return True


if a.stall:
    open(a.out, "w").write(json.dumps({"stalled": True}))
    while not gone(a.until_gone):
        time.sleep(0.1)
    sys.exit(0)

poller = zmq.Poller()
for s in socks:
    poller.register(s, zmq.POLLIN)
last = time.monotonic()
while True:
    ev = dict(poller.poll(100))
    if not ev:
        if gone(a.until_gone) and time.monotonic() - last > a.idle:
            break
        continue
    last = time.monotonic()
    for s in ev:
        t = socks[s]
        r = rep["topics"][t]
        while True:
            try:
                fr = s.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                break
            # a SUB filters by prefix: "http" also brings "http_summary", another topic with
            # its own sequence; counted apart, never taken for this one
            if len(fr) == 3 and fr[0] != (a.prefix + t).encode() and fr[0].startswith((a.prefix + t).encode()):
                r["other_topics"] = r.get("other_topics", 0) + 1
                continue
            ok = len(fr) == 3 and fr[0] == (a.prefix + t).encode() and len(fr[2]) == 8
            try:
                ok = ok and json.loads(fr[1])["event_type"] == t and fr[1].endswith(b"\n")
            except ValueError:
                ok = False
            if not ok:
                r["bad"] += 1
                continue
            seq = struct.unpack("<Q", fr[2])[0]
            if r["count"] == 0:
                r["first"] = seq
            elif seq != r["last"] + 1:
                r["gaps"] += seq - r["last"] - 1
            r["last"] = seq
            r["count"] += 1
open(a.out, "w").write(json.dumps(rep))
