#!/usr/bin/env python3
# Steady UDP flows for the reload and restart tests (tests/net/test_reload.sh,
# test_restart.sh): `send` runs in the namespace and sends one datagram per
# flow per tick, each carrying its sequence number; `recv` runs on the
# firewall's side, counts what arrives per flow and writes the sequence
# numbers received as JSON when it gets SIGTERM.
import json
import signal
import socket
import struct
import sys
import time


def send(dst, ports, rate, stop_file):
    socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in ports]
    for s, p in zip(socks, ports):
        s.bind(("0.0.0.0", 40000 + p % 1000))
    period = 1.0 / rate
    seq = 0
    nxt = time.monotonic()
    import os
    while not os.path.exists(stop_file):
        for s, p in zip(socks, ports):
            s.sendto(struct.pack("!Q", seq), (dst, p))
        seq += 1
        nxt += period
        d = nxt - time.monotonic()
        if d > 0:
            time.sleep(d)
    # The last sequence number sent, for the receiver's loss check.
    print(seq, flush=True)


def recv(addr, ports, out):
    socks = {}
    for p in ports:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        s.bind((addr, p))
        s.setblocking(False)
        socks[s] = p
    got = {p: [] for p in ports}
    done = []
    signal.signal(signal.SIGTERM, lambda *_: done.append(1))
    import select
    print("ready", flush=True)
    while not done:
        r, _, _ = select.select(list(socks), [], [], 0.2)
        for s in r:
            while True:
                try:
                    b = s.recv(64)
                except BlockingIOError:
                    break
                if len(b) >= 8:
                    got[socks[s]].append(struct.unpack("!Q", b[:8])[0])
    with open(out, "w") as f:
        json.dump({str(p): v for p, v in got.items()}, f)


if __name__ == "__main__":
    ports = [int(p) for p in sys.argv[3].split(",")]
    if sys.argv[1] == "send":
        send(sys.argv[2], ports, float(sys.argv[4]), sys.argv[5])
    else:
        recv(sys.argv[2], ports, sys.argv[4])
