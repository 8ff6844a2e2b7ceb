#!/usr/bin/env python3
# Writes the capture that tests/net/test_gen_afxdp.sh replays: Ethernet
# frames of IPv4 and IPv6, UDP, TCP and ICMP, one with an 802.1Q tag, one
# at the largest size an MTU of 1,500 allows and one above it (the replay
# skips and counts that one), every checksum valid, 20 ms apart, from
# source MAC 02:00:00:00:5e:01 so that a capture at the far end can pick
# them out. Usage: gen_pcap_fixture.py OUT.pcap
import struct
import sys

SRC_MAC = bytes.fromhex("02000000 5e01".replace(" ", ""))
DST_MAC = bytes.fromhex("02000000 5e02".replace(" ", ""))
V4_SRC, V4_DST = bytes([198, 18, 0, 1]), bytes([198, 18, 0, 2])
V6_SRC = bytes.fromhex("20010db8000000000000000000000001")
V6_DST = bytes.fromhex("20010db8000000000000000000000002")


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def l4(proto, src, dst, seg, at):
    """Fills the checksum of an L4 segment (at: the field's offset) over its pseudo header."""
    if len(src) == 4:
        ph = src + dst + struct.pack("!BBH", 0, proto, len(seg))
    else:
        ph = src + dst + struct.pack("!IxxxB", len(seg), proto)
    c = csum(ph + seg) if proto != 1 else csum(seg)
    if proto == 17 and c == 0:
        c = 0xFFFF
    return seg[:at] + struct.pack("!H", c) + seg[at + 2:]


def udp(sport, dport, payload):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def tcp(sport, dport, flags, payload):
    return struct.pack("!HHIIBBHHH", sport, dport, 1000, 1 if flags & 0x10 else 0, 5 << 4, flags,
                       65535, 0, 0) + payload


def ipv4(proto, seg, ident):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(seg), ident, 0x4000, 64, proto, 0, V4_SRC, V4_DST)
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    at = {17: 6, 6: 16, 1: 2}[proto]
    return h + l4(proto, V4_SRC, V4_DST, seg, at)


def ipv6(proto, seg):
    at = {17: 6, 6: 16}[proto]
    return struct.pack("!IHBB16s16s", 0x60000000, len(seg), proto, 64, V6_SRC, V6_DST) + \
        l4(proto, V6_SRC, V6_DST, seg, at)


def eth(ethertype, body, vlan=None):
    if vlan is not None:
        return DST_MAC + SRC_MAC + struct.pack("!HHH", 0x8100, vlan, ethertype) + body
    return DST_MAC + SRC_MAC + struct.pack("!H", ethertype) + body


def pad(n, seed):
    return bytes((seed + i * 7) & 0xFF for i in range(n))


frames = [
    eth(0x0800, ipv4(17, udp(1234, 9, pad(18, 1)), 1)),
    eth(0x0800, ipv4(6, tcp(40000, 80, 0x02, b""), 2)),
    eth(0x86DD, ipv6(17, udp(1234, 9, pad(40, 2)))),
    eth(0x86DD, ipv6(6, tcp(40001, 443, 0x18, pad(300, 3)))),
    eth(0x0800, ipv4(17, udp(5000, 5001, pad(972, 4)), 3)),
    eth(0x0800, ipv4(17, udp(7, 7, pad(30, 5)), 4), vlan=42),
    eth(0x0800, ipv4(1, struct.pack("!BBHHH", 8, 0, 0, 77, 1) + pad(56, 6), 5)),
    eth(0x0800, ipv4(17, udp(9, 9, pad(1600 - 42, 7)), 6)),        # 1,600 bytes: above the MTU
    eth(0x86DD, ipv6(17, udp(9, 9, pad(1514 - 62, 8)))),             # 1,514: the MTU exactly
]

with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    for i, fr in enumerate(frames):
        us = 100000 + i * 20000
        f.write(struct.pack("<IIII", 1700000000 + us // 1000000, us % 1000000, len(fr), len(fr)))
        f.write(fr)
