/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The packet builder of pktbuild.h. Frames are written front to back;
 * lengths that depend on what follows (IPv4 total length, IPv6 payload
 * length, UDP length) and the checksums are filled in once the whole
 * frame is known.
 */
#include "pktbuild.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <string.h>

#ifndef ETH_P_8021AD
#define ETH_P_8021AD 0x88A8
#endif

#define PB_NEXTHDR_FRAGMENT 44

struct pb_writer {
	uint8_t *buf;
	size_t cap;
	size_t len;
	struct pb_layout *lay;
	int err;
};

/* Reserves n bytes for a header of the given kind; NULL once out of room. */
static uint8_t *pb_put(struct pb_writer *w, enum pb_hdr kind, size_t n)
{
	uint8_t *p;

	if (w->err)
		return NULL;
	if (n > w->cap - w->len) {
		w->err = -ENOSPC;
		return NULL;
	}
	if (w->lay->n >= PB_MAX_HDRS) {
		w->err = -EINVAL;
		return NULL;
	}
	w->lay->h[w->lay->n].kind = kind;
	w->lay->h[w->lay->n].off = w->len;
	w->lay->h[w->lay->n].len = n;
	w->lay->n++;
	p = w->buf + w->len;
	memset(p, 0, n);
	w->len += n;
	return p;
}

static void pb_put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void pb_put32(uint8_t *p, uint32_t v)
{
	pb_put16(p, v >> 16);
	pb_put16(p + 2, v & 0xffff);
}

/* Ones'-complement sum of a byte string, folded later by pb_fold. */
static uint32_t pb_sum(uint32_t sum, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

static uint16_t pb_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Sum of the TCP/UDP/ICMPv6 pseudo header (RFC 793, RFC 8200 8.1). */
static uint32_t pb_pseudo_sum(const struct pb_spec *s, uint8_t proto, size_t l4_len)
{
	uint8_t tail[8];
	uint32_t sum = 0;

	if (s->family == AF_INET) {
		sum = pb_sum(sum, s->src, 4);
		sum = pb_sum(sum, s->dst, 4);
		sum += proto;
		sum += (uint32_t)l4_len;
		return sum;
	}
	sum = pb_sum(sum, s->src, 16);
	sum = pb_sum(sum, s->dst, 16);
	pb_put32(tail, (uint32_t)l4_len);
	memset(tail + 4, 0, 3);
	tail[7] = proto;
	return pb_sum(sum, tail, sizeof(tail));
}

/* Offset of the checksum field in the L4 header, or 0 when it has none here. */
static size_t pb_l4_csum_off(const struct pb_layout *lay, enum pb_hdr *kind)
{
	size_t i;

	for (i = 0; i < lay->n; i++) {
		switch (lay->h[i].kind) {
		case PB_H_TCP:
			*kind = PB_H_TCP;
			return lay->h[i].off + 16;
		case PB_H_UDP:
			*kind = PB_H_UDP;
			return lay->h[i].off + 6;
		case PB_H_ICMP:
		case PB_H_ICMP6:
			*kind = lay->h[i].kind;
			return lay->h[i].off + 2;
		default:
			break;
		}
	}
	return 0;
}

static uint16_t pb_l4_csum(const uint8_t *buf, const struct pb_layout *lay,
			   const struct pb_spec *s, enum pb_hdr kind)
{
	size_t l4_len = lay->len - lay->l4_off;
	uint32_t sum = 0;
	uint8_t proto = kind == PB_H_TCP    ? IPPROTO_TCP
			: kind == PB_H_UDP  ? IPPROTO_UDP
			: kind == PB_H_ICMP ? IPPROTO_ICMP
					    : IPPROTO_ICMPV6;

	if (kind != PB_H_ICMP)
		sum = pb_pseudo_sum(s, proto, l4_len);
	return pb_fold(pb_sum(sum, buf + lay->l4_off, l4_len));
}

void pb_ip4_fix_csum(uint8_t *buf, const struct pb_layout *lay)
{
	uint8_t *ip = buf + lay->l3_off;
	size_t hlen = (size_t)(ip[0] & 0x0f) * 4;

	if (hlen < 20)
		hlen = 20;
	ip[10] = ip[11] = 0;
	pb_put16(ip + 10, pb_fold(pb_sum(0, ip, hlen)));
}

static void pb_build_ip6_ext(struct pb_writer *w, const struct pb_ext *e, uint8_t next)
{
	size_t n = e->type == PB_NEXTHDR_FRAGMENT ? 8 : ((size_t)e->hdrlen + 1) * 8;
	uint8_t *p = pb_put(w, PB_H_IP6_EXT, n);

	if (!p)
		return;
	p[0] = next;
	if (e->type == PB_NEXTHDR_FRAGMENT) {
		pb_put16(p + 2, (uint16_t)(e->frag_offset << 3) | (e->frag_more ? 1 : 0));
		pb_put32(p + 4, 0x5c1ce000u);
		return;
	}
	p[1] = e->hdrlen;
	if (e->type == 43) {
		/* Routing: type 253 (experimental), no segments left. */
		p[2] = 253;
		p[3] = 0;
		return;
	}
	/* Options headers: one PadN option fills the rest. */
	p[2] = 1;
	p[3] = (uint8_t)(n - 4);
}

int pb_build(const struct pb_spec *s, uint8_t *buf, size_t cap, struct pb_layout *lay)
{
	struct pb_layout scratch;
	struct pb_writer w = { .buf = buf, .cap = cap, .lay = lay ? lay : &scratch };
	bool first_frag = true;
	uint8_t *p, *eth, *l3 = NULL, *l4 = NULL;
	uint16_t type;
	size_t i, n;

	memset(w.lay, 0, sizeof(*w.lay));
	if (s->n_vlans > PB_MAX_VLANS || s->n_ext > PB_MAX_EXT || s->ip4_opt_len % 4 ||
	    s->ip4_opt_len > PB_MAX_OPT || s->tcp_opt_len % 4 || s->tcp_opt_len > PB_MAX_OPT)
		return -EINVAL;
	if (s->family != 0 && s->family != AF_INET && s->family != AF_INET6)
		return -EINVAL;

	eth = pb_put(&w, PB_H_ETH, 14);
	if (!eth)
		return w.err;
	/* Locally administered unicast MACs. */
	memcpy(eth, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01", 12);
	type = s->family == AF_INET ? ETH_P_IP : s->family == AF_INET6 ? ETH_P_IPV6 : s->eth_type;
	p = eth + 12;
	for (i = 0; i < s->n_vlans; i++) {
		uint8_t *tag;

		pb_put16(p, s->vlans[i].tpid ? s->vlans[i].tpid : ETH_P_8021Q);
		tag = pb_put(&w, PB_H_VLAN, 4);
		if (!tag)
			return w.err;
		pb_put16(tag, s->vlans[i].vid & 0x0fff);
		p = tag + 2;
	}
	pb_put16(p, type);

	if (s->family == AF_INET) {
		uint16_t frag = (s->frag_offset & 0x1fff) | (s->frag_more ? 0x2000 : 0);

		l3 = pb_put(&w, PB_H_IP4, 20 + (size_t)s->ip4_opt_len);
		if (!l3)
			return w.err;
		w.lay->l3_off = (size_t)(l3 - buf);
		l3[0] = 0x40 | (uint8_t)((20 + s->ip4_opt_len) / 4);
		pb_put16(l3 + 4, 0x51ce);
		pb_put16(l3 + 6, frag);
		l3[8] = 64;
		l3[9] = s->l4;
		memcpy(l3 + 12, s->src, 4);
		memcpy(l3 + 16, s->dst, 4);
		/* Options: NOPs ended by an End of Options list. */
		if (s->ip4_opt_len) {
			memset(l3 + 20, 1, s->ip4_opt_len - 1);
			l3[20 + s->ip4_opt_len - 1] = 0;
		}
		first_frag = s->frag_offset == 0;
	} else if (s->family == AF_INET6) {
		l3 = pb_put(&w, PB_H_IP6, 40);
		if (!l3)
			return w.err;
		w.lay->l3_off = (size_t)(l3 - buf);
		pb_put32(l3, 0x60000000u);
		l3[6] = s->n_ext ? s->ext[0].type : s->l4;
		l3[7] = 64;
		memcpy(l3 + 8, s->src, 16);
		memcpy(l3 + 24, s->dst, 16);
		for (i = 0; i < s->n_ext; i++) {
			uint8_t next = i + 1 < s->n_ext ? s->ext[i + 1].type : s->l4;

			pb_build_ip6_ext(&w, &s->ext[i], next);
			if (w.err)
				return w.err;
			if (s->ext[i].type == PB_NEXTHDR_FRAGMENT && s->ext[i].frag_offset)
				first_frag = false;
		}
	}

	w.lay->l4_off = w.len;
	if (s->family && first_frag) {
		switch (s->l4) {
		case IPPROTO_TCP:
			l4 = pb_put(&w, PB_H_TCP, 20 + (size_t)s->tcp_opt_len);
			if (!l4)
				return w.err;
			pb_put16(l4, s->sport);
			pb_put16(l4 + 2, s->dport);
			pb_put32(l4 + 4, 0x01020304);
			pb_put32(l4 + 8, (s->tcp_flags & 0x10) ? 0x0a0b0c0d : 0);
			l4[12] = (uint8_t)(((20 + s->tcp_opt_len) / 4) << 4);
			l4[13] = s->tcp_flags;
			pb_put16(l4 + 14, 65535);
			if (s->tcp_opt_len) {
				/* MSS 1460, then NOPs. */
				memset(l4 + 20, 1, s->tcp_opt_len);
				l4[20] = 2;
				l4[21] = 4;
				pb_put16(l4 + 22, 1460);
			}
			break;
		case IPPROTO_UDP:
			l4 = pb_put(&w, PB_H_UDP, 8);
			if (!l4)
				return w.err;
			pb_put16(l4, s->sport);
			pb_put16(l4 + 2, s->dport);
			break;
		case IPPROTO_ICMP:
		case IPPROTO_ICMPV6:
			l4 = pb_put(&w, s->l4 == IPPROTO_ICMP ? PB_H_ICMP : PB_H_ICMP6, 8);
			if (!l4)
				return w.err;
			l4[0] = s->icmp_type;
			l4[1] = s->icmp_code;
			pb_put32(l4 + 4, 0x00010001); /* echo identifier and sequence */
			break;
		default:
			break;
		}
	}
	if (s->payload_len) {
		p = pb_put(&w, PB_H_PAYLOAD, s->payload_len);
		if (!p)
			return w.err;
		for (n = 0; n < s->payload_len; n++)
			p[n] = (uint8_t)('a' + n % 26);
	}
	w.lay->len = w.len;

	/* Lengths and checksums, now that the frame is complete. */
	if (s->family == AF_INET) {
		pb_put16(l3 + 2, (uint16_t)(w.len - w.lay->l3_off));
		pb_ip4_fix_csum(buf, w.lay);
	} else if (s->family == AF_INET6) {
		pb_put16(l3 + 4, (uint16_t)(w.len - w.lay->l3_off - 40));
	}
	if (l4) {
		enum pb_hdr kind;
		size_t off = pb_l4_csum_off(w.lay, &kind);

		if (kind == PB_H_UDP)
			pb_put16(l4 + 4, (uint16_t)(w.len - w.lay->l4_off));
		if ((kind == PB_H_ICMP && s->family != AF_INET) ||
		    (kind == PB_H_ICMP6 && s->family != AF_INET6)) {
			/* ICMP over the wrong family: leave the checksum 0. */
		} else {
			uint16_t c = pb_l4_csum(buf, w.lay, s, kind);

			if (kind == PB_H_UDP && c == 0)
				c = 0xffff; /* 0 means "no checksum" in UDP */
			pb_put16(buf + off, c);
		}
	}
	return (int)w.len;
}

bool pb_csum_ok(const uint8_t *buf, const struct pb_layout *lay, const struct pb_spec *s)
{
	enum pb_hdr kind;
	size_t off;

	if (s->family == AF_INET) {
		const uint8_t *ip = buf + lay->l3_off;

		if (pb_fold(pb_sum(0, ip, (size_t)(ip[0] & 0x0f) * 4)) != 0)
			return false;
	}
	off = pb_l4_csum_off(lay, &kind);
	if (!off)
		return true;
	/* Summing over a header that includes its checksum gives zero. */
	if (kind == PB_H_ICMP)
		return pb_fold(pb_sum(0, buf + lay->l4_off, lay->len - lay->l4_off)) == 0;
	return pb_fold(pb_sum(pb_pseudo_sum(s, kind == PB_H_TCP	   ? IPPROTO_TCP
						  : kind == PB_H_UDP ? IPPROTO_UDP
								     : IPPROTO_ICMPV6,
					  lay->len - lay->l4_off),
			      buf + lay->l4_off, lay->len - lay->l4_off)) == 0;
}

static void pb_spec_ip(struct pb_spec *s, int family, const char *src, const char *dst,
		       uint8_t l4)
{
	memset(s, 0, sizeof(*s));
	s->family = family;
	s->l4 = l4;
	/* The tests pass literal addresses; a bad one leaves zeros. */
	if (inet_pton(family, src, s->src) != 1)
		memset(s->src, 0, sizeof(s->src));
	if (inet_pton(family, dst, s->dst) != 1)
		memset(s->dst, 0, sizeof(s->dst));
	s->sport = 40000;
	s->dport = 80;
	if (l4 == IPPROTO_TCP)
		s->tcp_flags = 0x02; /* SYN */
	if (l4 == IPPROTO_ICMP)
		s->icmp_type = 8; /* echo request */
	if (l4 == IPPROTO_ICMPV6)
		s->icmp_type = 128; /* echo request */
	s->payload_len = 16;
}

void pb_spec_ip4(struct pb_spec *s, const char *src, const char *dst, uint8_t l4)
{
	pb_spec_ip(s, AF_INET, src, dst, l4);
}

void pb_spec_ip6(struct pb_spec *s, const char *src, const char *dst, uint8_t l4)
{
	pb_spec_ip(s, AF_INET6, src, dst, l4);
}

const char *pb_hdr_name(enum pb_hdr h)
{
	static const char *const names[] = {
		[PB_H_ETH] = "eth",	    [PB_H_VLAN] = "vlan", [PB_H_IP4] = "ipv4",
		[PB_H_IP6] = "ipv6",	    [PB_H_IP6_EXT] = "ipv6-ext", [PB_H_TCP] = "tcp",
		[PB_H_UDP] = "udp",	    [PB_H_ICMP] = "icmp", [PB_H_ICMP6] = "icmpv6",
		[PB_H_PAYLOAD] = "payload",
	};

	if ((size_t)h < sizeof(names) / sizeof(names[0]) && names[h])
		return names[h];
	return "?";
}
