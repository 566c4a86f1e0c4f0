#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# A proxy in front of a ClickHouse HTTP port that loses replies: it forwards each request
# whole, waits for the server's whole reply (so the INSERT has committed), and for every Nth
# INSERT (at most K of them) closes the client's connection instead of answering. The client
# sees what a lost reply looks like (an empty reply / a reset) after a committed insert, on a
# kept-alive connection it had used before.
#
#   ch_lossy_proxy.py LISTEN_PORT SERVER_PORT EVERY MAX COUNT_FILE
# listens on 127.0.0.1 only; writes the number of replies it dropped to COUNT_FILE after each.
import socket
import sys
import threading

listen_port, server_port, every, most, count_file = (int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]),
                                                     int(sys.argv[4]), sys.argv[5])
lock = threading.Lock()
state = {"inserts": 0, "dropped": 0}


def read_request(f):
    head = b""
    while not head.endswith(b"\r\n\r\n"):
        line = f.readline()
        if not line:
            return None
        head += line
    length = 0
    for h in head.split(b"\r\n")[1:]:
        k, _, v = h.partition(b":")
        if k.strip().lower() == b"content-length":
            length = int(v.strip())
    body = f.read(length) if length else b""
    return head, body


def serve(conn):
    f = conn.makefile("rb")
    try:
        while True:
            req = read_request(f)
            if req is None:
                return
            head, body = req
            lines = [l for l in head.split(b"\r\n") if l and not l.lower().startswith(b"connection:")]
            up = socket.create_connection(("127.0.0.1", server_port))
            up.sendall(b"\r\n".join(lines) + b"\r\nConnection: close\r\n\r\n" + body)
            reply = b""
            while True:
                b = up.recv(65536)
                if not b:
                    break
                reply += b
            up.close()
            drop = False
            if b"INSERT" in lines[0] and b" 200 " in reply.split(b"\r\n", 1)[0]:
                with lock:
                    state["inserts"] += 1
                    if state["inserts"] % every == 0 and state["dropped"] < most:
                        state["dropped"] += 1
                        drop = True
                        with open(count_file, "w") as c:
                            c.write("%d\n" % state["dropped"])
            if drop:
                conn.shutdown(socket.SHUT_RDWR)
                return
            # the client keeps its connection: a dropped reply then hits a reused connection,
            # the case where an HTTP client may quietly send the request again
            head_r, _, body_r = reply.partition(b"\r\n\r\n")
            hl = [l for l in head_r.split(b"\r\n") if not l.lower().startswith(b"connection:")]
            conn.sendall(b"\r\n".join(hl) + b"\r\nConnection: Keep-Alive\r\n\r\n" + body_r)
    except OSError:
        return
    finally:
        conn.close()


s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", listen_port))
s.listen(16)
with open(count_file, "w") as c:
    c.write("0\n")
print("listening", flush=True)
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
