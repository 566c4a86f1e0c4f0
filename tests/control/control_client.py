#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# The control socket's test client (python3-zmq), for control_test.sh. Prints JSON.
#   req EP FRAME...        one request of the given frames (a frame "@N" is N bytes of 'x');
#                          prints {"reply": <parsed reply or null>, "raw": "..."}
#   reqsock EP JSON        the same through a REQ socket (the empty delimiter frame)
#   burst EP N             N requests in a row on one DEALER, each answered before the next;
#                          prints {"sent": N, "ok": K, "bad": [...first few...]}
#   silent EP N FILE       sends N stats requests and never reads; writes FILE once they are
#                          sent, then holds the connection until FILE is removed (or 60 s)
#   sub EP PUB SEC N       a CURVE subscriber (PUB: the server's public key file): counts
#                          messages until 3 s of silence after the first; prints {"count": K}
import json, os, sys, time
import zmq

def key(path):
    for line in open(path):
        line = line.strip()
        if line and not line.startswith('#'):
            return line.encode()
    raise SystemExit("no key in " + path)

def frames(args):
    out = []
    for a in args:
        out.append(b'x' * int(a[1:]) if a.startswith('@') else os.fsencode(a))
    return out

def dealer(ctx, ep, timeout=5000):
    s = ctx.socket(zmq.DEALER)
    s.setsockopt(zmq.LINGER, 0)
    s.setsockopt(zmq.RCVTIMEO, timeout)
    s.connect(ep)
    return s

def show(raw):
    try:
        rep = json.loads(raw)
    except ValueError:
        rep = None
    print(json.dumps({"reply": rep, "raw": raw.decode(errors="replace")[:400]}))

def main():
    ctx = zmq.Context()
    mode, ep = sys.argv[1], sys.argv[2]
    if mode == 'req':
        s = dealer(ctx, ep)
        s.send_multipart(frames(sys.argv[3:]))
        try:
            show(s.recv())
        except zmq.Again:
            print(json.dumps({"reply": None, "raw": "", "timeout": True}))
    elif mode == 'reqsock':
        s = ctx.socket(zmq.REQ)
        s.setsockopt(zmq.LINGER, 0)
        s.setsockopt(zmq.RCVTIMEO, 5000)
        s.connect(ep)
        s.send(sys.argv[3].encode())
        show(s.recv())
    elif mode == 'burst':
        n = int(sys.argv[3])
        s = dealer(ctx, ep)
        cmds = ['version', 'stats', 'rings', 'loglevel']
        ok, bad = 0, []
        for i in range(n):
            c = cmds[i % len(cmds)]
            s.send(json.dumps({"cmd": c}).encode())
            try:
                r = json.loads(s.recv())
                if r.get("ok") is True and (c != 'stats' or 'capture' in r['stats']):
                    ok += 1
                elif len(bad) < 5:
                    bad.append(r)
            except (zmq.Again, ValueError) as e:
                if len(bad) < 5:
                    bad.append(str(e))
        print(json.dumps({"sent": n, "ok": ok, "bad": bad}))
    elif mode == 'silent':
        n, flag = int(sys.argv[3]), sys.argv[4]
        s = ctx.socket(zmq.DEALER)
        s.setsockopt(zmq.LINGER, 0)
        s.setsockopt(zmq.RCVHWM, 1)
        s.setsockopt(zmq.RCVBUF, 4096)
        s.connect(ep)
        for _ in range(n):
            s.send(b'{"cmd":"stats"}')
        open(flag, 'w').close()
        t = time.time()
        while os.path.exists(flag) and time.time() - t < 60:
            time.sleep(0.1)
    elif mode == 'sub':
        pub, secs = sys.argv[3], float(sys.argv[4])
        s = ctx.socket(zmq.SUB)
        s.setsockopt(zmq.LINGER, 0)
        if pub != '-':
            cpub, csec = zmq.curve_keypair()
            s.curve_serverkey = key(pub)
            s.curve_publickey = cpub
            s.curve_secretkey = csec
        s.setsockopt(zmq.SUBSCRIBE, b'')
        s.connect(ep)
        count, t0, last = 0, time.time(), None
        while True:
            if s.poll(100):
                s.recv_multipart()
                count += 1
                last = time.time()
            elif (last and time.time() - last > 3) or (not last and time.time() - t0 > secs):
                break
        print(json.dumps({"count": count}))

main()
