#!/usr/bin/env python3
"""Demo and test traffic for sluice: bounded senders and counting listeners.

Every mode is bounded in packet count and in time, and refuses destination
addresses outside the documentation/benchmark ranges the project may use
(198.18.0.0/15 and 2001:db8::/32).

  sltraffic.py listen --udp ADDR:PORT ... --tcp ADDR:PORT ... --seconds S
      counts UDP datagrams and accepted TCP connections per address, prints
      one JSON object when the time is up (or on SIGTERM)
  sltraffic.py udp --src A --dst B --port P --count N
  sltraffic.py tcp --src A --dst B --port P --count N [--timeout S]
      N connection attempts; prints how many were accepted
  sltraffic.py ping --src A --dst B --count N [--timeout S]
      ICMP/ICMPv6 echo; prints how many replies came back
  sltraffic.py mix --dst4 A --dst6 B --blocked4 A --blocked6 B --seconds S --pps N
      the quickstart's demo mix of allowed and blocked flows, paced
"""
import argparse
import ipaddress
import json
import os
import selectors
import signal
import socket
import struct
import sys
import time

ALLOWED_NETS = [ipaddress.ip_network("198.18.0.0/15"), ipaddress.ip_network("2001:db8::/32")]
MAX_COUNT = 1_000_000
MAX_SECONDS = 3600


def checked_addr(text):
    addr = ipaddress.ip_address(text)
    if not any(addr in net for net in ALLOWED_NETS):
        raise argparse.ArgumentTypeError(f"{text} is outside 198.18.0.0/15 and 2001:db8::/32")
    return str(addr)


def bounded_count(text):
    n = int(text)
    if not 1 <= n <= MAX_COUNT:
        raise argparse.ArgumentTypeError(f"count must be 1..{MAX_COUNT}")
    return n


def bounded_seconds(text):
    s = float(text)
    if not 0 < s <= MAX_SECONDS:
        raise argparse.ArgumentTypeError(f"seconds must be in (0, {MAX_SECONDS}]")
    return s


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def endpoint(text):
    host, _, port = text.rpartition(":")
    host = host.strip("[]")
    return checked_addr(host), int(port)


def cmd_listen(args):
    sel = selectors.DefaultSelector()
    counts = {}
    for spec in args.udp:
        host, port = endpoint(spec)
        s = socket.socket(family_of(host), socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((host, port))
        s.setblocking(False)
        key = f"udp {host} {port}"
        counts[key] = 0
        sel.register(s, selectors.EVENT_READ, ("udp", key))
    for spec in args.tcp:
        host, port = endpoint(spec)
        s = socket.socket(family_of(host), socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((host, port))
        s.listen(128)
        s.setblocking(False)
        key = f"tcp {host} {port}"
        counts[key] = 0
        sel.register(s, selectors.EVENT_READ, ("tcp", key))

    stop = [False]
    signal.signal(signal.SIGTERM, lambda *_: stop.__setitem__(0, True))
    signal.signal(signal.SIGINT, lambda *_: stop.__setitem__(0, True))
    if args.ready:
        with open(args.ready, "w") as f:
            f.write("ready\n")
    deadline = time.monotonic() + args.seconds
    while not stop[0] and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=0.1):
            kind, name = key.data
            try:
                if kind == "udp":
                    while True:
                        key.fileobj.recv(65536)
                        counts[name] += 1
                else:
                    conn, _ = key.fileobj.accept()
                    counts[name] += 1
                    conn.close()
            except (BlockingIOError, InterruptedError):
                pass
    print(json.dumps(counts), flush=True)


def cmd_udp(args):
    s = socket.socket(family_of(args.dst), socket.SOCK_DGRAM)
    s.bind((args.src, 0))
    payload = b"sluice-demo" + b"\0" * max(0, args.size - 11)
    for _ in range(args.count):
        s.sendto(payload, (args.dst, args.port))
        if args.gap:
            time.sleep(args.gap)
    print(json.dumps({"sent": args.count}))


def tcp_attempt(src, dst, port, timeout):
    s = socket.socket(family_of(dst), socket.SOCK_STREAM)
    s.bind((src, 0))
    s.settimeout(timeout)
    try:
        s.connect((dst, port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def cmd_tcp(args):
    ok = sum(tcp_attempt(args.src, args.dst, args.port, args.timeout) for _ in range(args.count))
    print(json.dumps({"attempts": args.count, "accepted": ok}))


def inet_checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def echo_request(v6, ident, seq):
    kind = 128 if v6 else 8
    body = struct.pack("!HH", ident, seq) + b"sluice-demo"
    header = struct.pack("!BBH", kind, 0, 0)
    if v6:  # the kernel fills in the ICMPv6 checksum
        return header + body
    return struct.pack("!BBH", kind, 0, inet_checksum(header + body)) + body


def ping_once(s, v6, dst, ident, seq, timeout):
    s.sendto(echo_request(v6, ident, seq), (dst, 0))
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        s.settimeout(left)
        try:
            data = s.recv(2048)
        except (socket.timeout, BlockingIOError):
            return False
        if not v6:
            data = data[(data[0] & 0x0F) * 4:]
        want = 129 if v6 else 0
        if len(data) >= 8 and data[0] == want and struct.unpack("!HH", data[4:8]) == (ident, seq):
            return True


def cmd_ping(args):
    v6 = family_of(args.dst) == socket.AF_INET6
    proto = socket.IPPROTO_ICMPV6 if v6 else socket.IPPROTO_ICMP
    s = socket.socket(family_of(args.dst), socket.SOCK_RAW, proto)
    s.bind((args.src, 0))
    ident = os.getpid() & 0xFFFF
    ok = sum(ping_once(s, v6, args.dst, ident, seq, args.timeout) for seq in range(args.count))
    print(json.dumps({"sent": args.count, "replies": ok}))


def send_syn(family, src, dst, port):
    """One TCP SYN: a non-blocking connect sends it at once."""
    t = socket.socket(family, socket.SOCK_STREAM)
    try:
        t.bind((src, 0))
        t.setblocking(False)
        t.connect((dst, port))
    except (BlockingIOError, OSError):
        pass
    finally:
        t.close()


def send_echo(dst, seq):
    """One ICMP or ICMPv6 echo request; the reply is not waited for."""
    v6 = family_of(dst) == socket.AF_INET6
    proto = socket.IPPROTO_ICMPV6 if v6 else socket.IPPROTO_ICMP
    with socket.socket(family_of(dst), socket.SOCK_RAW, proto) as s:
        s.sendto(echo_request(v6, os.getpid() & 0xFFFF, seq & 0xFFFF), (dst, 0))


def cmd_mix(args):
    """Paced rounds of the demo's flows; a round is one packet of each UDP flow."""
    flows = []
    for dst, src_ok, src_bad in ((args.dst4, args.src4, args.blocked4),
                                 (args.dst6, args.src6, args.blocked6)):
        ok = socket.socket(family_of(dst), socket.SOCK_DGRAM)
        ok.bind((src_ok, 0))
        bad = socket.socket(family_of(dst), socket.SOCK_DGRAM)
        bad.bind((src_bad, 0))
        flows.append((dst, src_ok, ok, bad))

    rounds = max(1, int(args.pps))
    syn_every = max(1, rounds // 5)  # a few TCP SYNs a second
    deadline = time.monotonic() + args.seconds
    next_send = time.monotonic()
    sent = 0
    round_no = 0
    while time.monotonic() < deadline and sent < MAX_COUNT:
        for dst, src, ok, bad in flows:
            ok.sendto(b"dns-ish", (dst, 53))      # allowed and counted
            ok.sendto(b"other", (dst, 9999))      # dropped by the default policy
            bad.sendto(b"blocked", (dst, 53))     # dropped by the blocklist
            sent += 3
            if round_no % syn_every == 0:
                send_syn(family_of(dst), src, dst, 80)  # allowed web
                send_syn(family_of(dst), src, dst, 23)  # dropped telnet
                send_echo(dst, round_no)                # allowed ping
        round_no += 1
        next_send += 1.0 / rounds
        pause = next_send - time.monotonic()
        if pause > 0:
            time.sleep(pause)
    print(json.dumps({"sent_udp": sent}), flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)

    lp = sub.add_parser("listen")
    lp.add_argument("--udp", action="append", default=[])
    lp.add_argument("--tcp", action="append", default=[])
    lp.add_argument("--seconds", type=bounded_seconds, required=True)
    lp.add_argument("--ready", help="file written once the sockets are bound")

    for name in ("udp", "tcp", "ping"):
        sp = sub.add_parser(name)
        sp.add_argument("--src", type=checked_addr, required=True)
        sp.add_argument("--dst", type=checked_addr, required=True)
        sp.add_argument("--count", type=bounded_count, default=1)
        sp.add_argument("--timeout", type=float, default=1.0)
        if name != "ping":
            sp.add_argument("--port", type=int, required=True)
        if name == "udp":
            sp.add_argument("--size", type=int, default=64)
            sp.add_argument("--gap", type=float, default=0.0)

    mp = sub.add_parser("mix")
    for opt in ("src4", "src6", "dst4", "dst6", "blocked4", "blocked6"):
        mp.add_argument("--" + opt, type=checked_addr, required=True)
    mp.add_argument("--seconds", type=bounded_seconds, required=True)
    mp.add_argument("--pps", type=float, default=200, help="rounds per second")

    args = p.parse_args()
    {"listen": cmd_listen, "udp": cmd_udp, "tcp": cmd_tcp, "ping": cmd_ping, "mix": cmd_mix}[args.cmd](args)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:  # Ctrl-C in tools/quickstart reaches us too
        sys.exit(130)
