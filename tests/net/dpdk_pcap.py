#!/usr/bin/env python3
# The pcap side of tests/net/test_dpdk_pcap.sh, written apart from
# sluice's C so that it checks the dataplane rather than repeating it.
#
#   dpdk_pcap.py fixture OUT.pcap ROUNDS    frames of many kinds, ROUNDS times over
#   dpdk_pcap.py reflect IN.pcap OUT.pcap   what the reflect stage must send back
#   dpdk_pcap.py compare GOT.pcap WANT.pcap packet bytes equal, in order (JSON verdict)
#   dpdk_pcap.py count FILE.pcap            packets in a capture
#
# The fixture mixes IPv4 and IPv6, UDP, TCP and ICMP, an IPv6 extension
# header, one and two VLAN tags, ARP, a non-first fragment, frames from
# 42 bytes to 9,000 (several mbufs each at a 2,048-byte data room), and
# two frames the reflect stage must drop (a runt, and an IPv4 header cut
# short). Payload bytes differ per round, so a mixed-up or corrupted
# buffer shows. Timestamps are not compared: a PMD stamps what it sends.
import json
import random
import struct
import sys

MAC_A = bytes.fromhex("02000000d001")
MAC_B = bytes.fromhex("02000000d002")
V4_A, V4_B = bytes([198, 18, 7, 1]), bytes([198, 18, 7, 2])
V6_A = bytes.fromhex("20010db8000700000000000000000001")
V6_B = bytes.fromhex("20010db8000700000000000000000002")

# ------------------------------------------------------------------ pcap I/O


def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        raise SystemExit(f"{path}: not a pcap file ({len(data)} bytes)")
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        end = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        end = ">"
    else:
        raise SystemExit(f"{path}: bad pcap magic {magic.hex()}")
    linktype = struct.unpack(end + "I", data[20:24])[0]
    if linktype != 1:
        raise SystemExit(f"{path}: link type {linktype}, not Ethernet")
    out, off = [], 24
    while off < len(data):
        if len(data) - off < 16:
            raise SystemExit(f"{path}: a record header cut short at byte {off}")
        _, _, caplen, wirelen = struct.unpack(end + "IIII", data[off:off + 16])
        off += 16
        if caplen > len(data) - off:
            raise SystemExit(f"{path}: a record cut short at byte {off}")
        if caplen != wirelen:
            raise SystemExit(f"{path}: record {len(out)} truncated ({caplen} of {wirelen} bytes)")
        out.append(data[off:off + caplen])
        off += caplen
    return out


def write_pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            f.write(struct.pack("<IIII", 1700000000 + i // 1000, (i % 1000) * 1000, len(fr), len(fr)))
            f.write(fr)

# ------------------------------------------------------------------- frames


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4(proto, seg, frag=0x4000, ident=1):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(seg), ident, frag, 64, proto, 0, V4_A, V4_B)
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + seg


def ipv6(nh, seg):
    return struct.pack("!IHBB16s16s", 0x60000000, len(seg), nh, 64, V6_A, V6_B) + seg


def udp(sport, dport, payload):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def tcp(sport, dport, payload):
    return struct.pack("!HHIIBBHHH", sport, dport, 1, 0, 5 << 4, 0x18, 65535, 0, 0) + payload


def eth(ethertype, body, tags=()):
    h = MAC_B + MAC_A
    for tpid, vid in tags:
        h += struct.pack("!HH", tpid, vid)
    return h + struct.pack("!H", ethertype) + body


def fixture(rounds):
    rnd = random.Random(7)
    frames = []
    for r in range(rounds):
        def pay(n):
            return bytes(rnd.getrandbits(8) for _ in range(n))
        hop = bytes([17, 0]) + bytes(6)  # hop-by-hop options, 8 bytes, then UDP
        frames += [
            eth(0x0800, ipv4(17, udp(1000 + r, 53, b""))),                       # 42 bytes
            eth(0x0800, ipv4(6, tcp(2000 + r, 80, pay(100)))),
            eth(0x0800, ipv4(1, bytes([8, 0, 0, 0, 0, 1, 0, r & 0xFF]) + pay(32))),
            eth(0x86DD, ipv6(17, udp(3000 + r, 5001, pay(200)))),
            eth(0x86DD, ipv6(0, hop + udp(3100 + r, 443, pay(64)))),
            eth(0x0800, ipv4(17, udp(4000 + r, 7, pay(80))), tags=[(0x8100, 42)]),
            eth(0x86DD, ipv6(6, tcp(4100 + r, 22, pay(40))), tags=[(0x88A8, 10), (0x8100, 20)]),
            eth(0x0806, bytes.fromhex("0001080006040001") + MAC_A + V4_A + bytes(6) + V4_B),
            eth(0x0800, ipv4(17, pay(60), frag=100 + r)),                         # not a first fragment
            eth(0x0800, ipv4(17, udp(5000 + r, 9, pay(1472)))),                   # 1,514 bytes
            eth(0x0800, ipv4(17, udp(5100 + r, 9, pay(2958)))),                   # 3,000: two mbufs
            eth(0x86DD, ipv6(17, udp(5200 + r, 9, pay(8938)))),                   # 9,000: five mbufs
            pay(10),                                                              # runt: dropped
            eth(0x0800, bytes([0x45]) + pay(9)),                                  # IPv4 cut short: dropped
        ]
    return frames

# --------------------------------------------------------- reflect, modelled


def reflect(fr):
    """The frame reflect sends back, or None for one it drops (docs/dataplane.md)."""
    if len(fr) < 14:
        return None
    b = bytearray(fr)
    b[0:6], b[6:12] = fr[6:12], fr[0:6]
    off, etype = 14, struct.unpack("!H", fr[12:14])[0]
    for _ in range(2):
        if etype not in (0x8100, 0x88A8):
            break
        if len(fr) - off < 4:
            return None
        etype = struct.unpack("!H", fr[off + 2:off + 4])[0]
        off += 4
    l4 = None
    if etype == 0x0800:
        if len(fr) - off < 20 or fr[off] >> 4 != 4 or (fr[off] & 15) < 5:
            return None
        ihl = (fr[off] & 15) * 4
        if len(fr) - off < ihl:
            return None
        addr, alen, proto = off + 12, 4, fr[off + 9]
        if not struct.unpack("!H", fr[off + 6:off + 8])[0] & 0x1FFF:
            l4 = off + ihl
    elif etype == 0x86DD:
        if len(fr) - off < 40 or fr[off] >> 4 != 6:
            return None
        addr, alen, proto = off + 8, 16, fr[off + 6]
        l4 = off + 40
        for _ in range(8):
            if proto == 44:
                if len(fr) - l4 < 8:
                    return None
                if struct.unpack("!H", fr[l4 + 2:l4 + 4])[0] & 0xFFF8:
                    l4 = None
                    break
                proto, l4 = fr[l4], l4 + 8
            elif proto in (0, 43, 60):
                if len(fr) - l4 < 8:
                    return None
                proto, l4 = fr[l4], l4 + (fr[l4 + 1] + 1) * 8
                if l4 > len(fr):
                    return None
            else:
                break
    else:
        return bytes(b)
    if l4 is not None and proto in (6, 17):
        if len(fr) - l4 < (20 if proto == 6 else 8):
            return None
    else:
        l4 = None
    b[addr:addr + alen], b[addr + alen:addr + 2 * alen] = fr[addr + alen:addr + 2 * alen], fr[addr:addr + alen]
    if l4 is not None:
        b[l4:l4 + 2], b[l4 + 2:l4 + 4] = fr[l4 + 2:l4 + 4], fr[l4:l4 + 2]
    return bytes(b)


def main():
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "fixture" and len(sys.argv) == 4:
        write_pcap(sys.argv[2], fixture(int(sys.argv[3])))
    elif cmd == "reflect" and len(sys.argv) == 4:
        frames = read_pcap(sys.argv[2])
        out = [r for r in map(reflect, frames) if r is not None]
        write_pcap(sys.argv[3], out)
        print(json.dumps({"in": len(frames), "out": len(out), "dropped": len(frames) - len(out)}))
    elif cmd == "compare" and len(sys.argv) == 4:
        got, want = read_pcap(sys.argv[2]), read_pcap(sys.argv[3])
        diff = next((i for i, (g, w) in enumerate(zip(got, want)) if g != w), None)
        verdict = {"got": len(got), "want": len(want), "first_difference": diff}
        if diff is not None:
            g, w = got[diff], want[diff]
            at = next((i for i in range(min(len(g), len(w))) if g[i] != w[i]), min(len(g), len(w)))
            verdict.update(got_len=len(g), want_len=len(w), at_byte=at)
        print(json.dumps(verdict))
        sys.exit(0 if diff is None and len(got) == len(want) else 1)
    elif cmd == "count" and len(sys.argv) == 3:
        print(len(read_pcap(sys.argv[2])))
    else:
        sys.exit(__doc__ or "usage: dpdk_pcap.py fixture|reflect|compare|count ...")


if __name__ == "__main__":
    main()
