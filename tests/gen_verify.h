/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * An independent reading of a sluice-gen frame for the unit and bpf
 * tests: walks the headers from the bytes alone (not from the generator's
 * layout) and checks every length and checksum with its own arithmetic,
 * written here from RFC 791/768/793/792/4443/8200, sharing no code with
 * gen/template.c or the programs.
 */
#ifndef SLUICE_TESTS_GEN_VERIFY_H
#define SLUICE_TESTS_GEN_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct gv_frame {
	int family;           /* 4 or 6 */
	int vlan;             /* VLAN id, -1 without a tag */
	uint8_t l4;
	size_t l3_off, l4_off, payload_off;
	uint32_t src_last, dst_last; /* last 32 bits of the addresses */
	uint16_t sport, dport;       /* ICMP: identifier and sequence */
	uint16_t magic, stream;
	uint32_t seq;
	uint64_t tx_ns;
	uint8_t icmp_type;
	const char *why;             /* why gv_parse failed */
};

static inline uint16_t gv_rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t gv_rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Ones' complement sum of 16-bit big-endian words, odd byte padded. */
static inline uint64_t gv_sum(const uint8_t *p, size_t n)
{
	uint64_t s = 0;
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += gv_rd16(p + i);
	if (n & 1)
		s += (uint64_t)p[n - 1] << 8;
	return s;
}

/* True when a sum, with the checksum field inside it, folds to 0xffff. */
static inline bool gv_ok(uint64_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return s == 0xffff;
}

/*
 * Parses and checks a frame of len bytes. Returns true when every header
 * length agrees with len and every checksum is right; else false with
 * f->why.
 */
static inline bool gv_parse(const uint8_t *b, size_t len, struct gv_frame *f)
{
	size_t off = 14, l4len;
	uint16_t type;
	uint64_t s;

	f->vlan = -1;
	f->icmp_type = 0;
	f->why = "truncated";
	if (len < 14)
		return false;
	type = gv_rd16(b + 12);
	if (type == 0x8100) {
		if (len < 18)
			return false;
		f->vlan = gv_rd16(b + 14) & 0xfff;
		type = gv_rd16(b + 16);
		off = 18;
	}
	f->l3_off = off;
	if (type == 0x0800) {
		if (len < off + 20)
			return false;
		f->family = 4;
		if (b[off] != 0x45) {
			f->why = "IPv4 version/IHL";
			return false;
		}
		if (gv_rd16(b + off + 2) != len - off) {
			f->why = "IPv4 total length";
			return false;
		}
		if (!gv_ok(gv_sum(b + off, 20))) {
			f->why = "IPv4 header checksum";
			return false;
		}
		f->l4 = b[off + 9];
		f->src_last = gv_rd32(b + off + 12);
		f->dst_last = gv_rd32(b + off + 16);
		f->l4_off = off + 20;
	} else if (type == 0x86dd) {
		if (len < off + 40)
			return false;
		f->family = 6;
		if ((b[off] >> 4) != 6) {
			f->why = "IPv6 version";
			return false;
		}
		if (gv_rd16(b + off + 4) != len - off - 40) {
			f->why = "IPv6 payload length";
			return false;
		}
		f->l4 = b[off + 6];
		f->src_last = gv_rd32(b + off + 8 + 12);
		f->dst_last = gv_rd32(b + off + 24 + 12);
		f->l4_off = off + 40;
	} else {
		f->why = "EtherType";
		return false;
	}
	l4len = len - f->l4_off;
	/* Pseudo header: addresses, protocol, upper-layer length. */
	s = 0;
	if (f->family == 4)
		s = gv_sum(b + f->l3_off + 12, 8);
	else
		s = gv_sum(b + f->l3_off + 8, 32);
	s += f->l4 + (l4len & 0xffff) + (l4len >> 16);
	switch (f->l4) {
	case 17:
		if (l4len < 8 || gv_rd16(b + f->l4_off + 4) != l4len) {
			f->why = "UDP length";
			return false;
		}
		if (gv_rd16(b + f->l4_off + 6) == 0) {
			f->why = "UDP checksum absent";
			return false;
		}
		f->payload_off = f->l4_off + 8;
		break;
	case 6:
		if (l4len < 20 || (b[f->l4_off + 12] >> 4) != 5) {
			f->why = "TCP header";
			return false;
		}
		f->payload_off = f->l4_off + 20;
		break;
	case 1:
		s = 0; /* ICMPv4: no pseudo header */
		/* fall through */
	case 58:
		if (l4len < 8) {
			f->why = "ICMP length";
			return false;
		}
		f->payload_off = f->l4_off + 8;
		f->icmp_type = b[f->l4_off];
		break;
	default:
		f->why = "L4 protocol";
		return false;
	}
	s += gv_sum(b + f->l4_off, l4len);
	if (!gv_ok(s)) {
		f->why = "L4 checksum";
		return false;
	}
	if (f->l4 == 1 || f->l4 == 58) {
		f->sport = gv_rd16(b + f->l4_off + 4);
		f->dport = gv_rd16(b + f->l4_off + 6);
	} else {
		f->sport = gv_rd16(b + f->l4_off);
		f->dport = gv_rd16(b + f->l4_off + 2);
	}
	if (len < f->payload_off + 16) {
		f->why = "no room for the payload";
		return false;
	}
	f->magic = gv_rd16(b + f->payload_off);
	f->stream = gv_rd16(b + f->payload_off + 2);
	f->seq = gv_rd32(b + f->payload_off + 4);
	f->tx_ns = (uint64_t)gv_rd32(b + f->payload_off + 8) << 32 | gv_rd32(b + f->payload_off + 12);
	f->why = NULL;
	return true;
}

#endif /* SLUICE_TESTS_GEN_VERIFY_H */
