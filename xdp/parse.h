/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Bounded packet parser: Ethernet, up to two VLAN tags (802.1Q/802.1ad),
 * IPv4 with options and fragments, IPv6 with a bounded extension-header
 * chain, TCP, UDP, ICMP and ICMPv6. Every function checks the length
 * against data_end before it reads, and returns 0 or an enum sl_reason.
 */
#ifndef SLUICE_XDP_PARSE_H
#define SLUICE_XDP_PARSE_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "sluice/abi.h"

#ifndef ETH_P_8021AD
#define ETH_P_8021AD 0x88A8
#endif

#define SL_IP4_MF 0x2000
#define SL_IP4_OFFSET 0x1fff

#define SL_NEXTHDR_HOP 0
#define SL_NEXTHDR_ROUTING 43
#define SL_NEXTHDR_FRAGMENT 44
#define SL_NEXTHDR_DEST 60
#define SL_NEXTHDR_NONE 59

/* Where a header starts; advanced as the parser walks the packet. */
struct sl_cursor {
	void *pos;
	void *end;
};

/* What the classifier needs to know about a packet. */
struct sl_pkt {
	__u16 l3_proto;   /* ETH_P_IP, ETH_P_IPV6 in host order, or 0 for non-IP */
	__u16 vlan;       /* outer VLAN id, or SL_VLAN_NONE */
	__u8 l4_proto;    /* IPPROTO_x; for a fragment, the fragment's protocol */
	__u8 frag;        /* 1 when the packet is a fragment */
	__u8 frag_first;  /* 1 when it is the first fragment (offset 0) */
	__u8 tcp_flags_valid;
	__u8 tcp_flags;
	__u8 pad[3];
	__u32 sport;      /* SL_PORT_NONE without L4 ports */
	__u32 dport;
	__u32 icmp;       /* index into the ICMP dimension, SL_ICMP_NONE if absent */
	__u8 src[16];     /* IPv4 in the first four bytes */
	__u8 dst[16];
};

static __always_inline int sl_parse_eth(struct sl_cursor *c, struct sl_pkt *p, __u16 *eth_type)
{
	struct ethhdr *eth = c->pos;
	__u16 type;
	int i;

	if ((void *)(eth + 1) > c->end)
		return SL_REASON_ETH_TRUNC;
	c->pos = eth + 1;
	type = eth->h_proto;
	p->vlan = SL_VLAN_NONE;

#pragma unroll
	for (i = 0; i < SL_MAX_VLAN_DEPTH; i++) {
		struct {
			__be16 tci;
			__be16 type;
		} *tag = c->pos;

		if (type != bpf_htons(ETH_P_8021Q) && type != bpf_htons(ETH_P_8021AD))
			break;
		if ((void *)(tag + 1) > c->end)
			return SL_REASON_VLAN_TRUNC;
		if (i == 0)
			p->vlan = bpf_ntohs(tag->tci) & 0x0fff;
		type = tag->type;
		c->pos = tag + 1;
	}
	if (type == bpf_htons(ETH_P_8021Q) || type == bpf_htons(ETH_P_8021AD))
		return SL_REASON_VLAN_TOO_DEEP;
	*eth_type = bpf_ntohs(type);
	return 0;
}

static __always_inline int sl_parse_ip4(struct sl_cursor *c, struct sl_pkt *p)
{
	struct iphdr *ip = c->pos;
	__u32 hlen;
	__u16 frag;

	if ((void *)(ip + 1) > c->end)
		return SL_REASON_IP4_TRUNC;
	if (ip->version != 4)
		return SL_REASON_IP4_BAD_VERSION;
	hlen = ip->ihl * 4;
	if (hlen < sizeof(*ip))
		return SL_REASON_IP4_BAD_IHL;
	if (c->pos + hlen > c->end)
		return SL_REASON_IP4_TRUNC;
	if (bpf_ntohs(ip->tot_len) < hlen)
		return SL_REASON_IP4_BAD_TOTLEN;

	p->l3_proto = ETH_P_IP;
	p->l4_proto = ip->protocol;
	__builtin_memcpy(p->src, &ip->saddr, 4);
	__builtin_memcpy(p->dst, &ip->daddr, 4);
	frag = bpf_ntohs(ip->frag_off);
	if (frag & (SL_IP4_MF | SL_IP4_OFFSET)) {
		p->frag = 1;
		p->frag_first = (frag & SL_IP4_OFFSET) == 0;
	}
	c->pos += hlen;
	return 0;
}

/*
 * Walks at most SL_MAX_IP6_EXT extension headers; a longer chain is
 * reported rather than followed, so the loop stays bounded.
 */
static __always_inline int sl_parse_ip6(struct sl_cursor *c, struct sl_pkt *p)
{
	struct ipv6hdr *ip6 = c->pos;
	__u8 next;
	int i;

	if ((void *)(ip6 + 1) > c->end)
		return SL_REASON_IP6_TRUNC;
	if (ip6->version != 6)
		return SL_REASON_IP6_BAD_VERSION;
	p->l3_proto = ETH_P_IPV6;
	__builtin_memcpy(p->src, &ip6->saddr, 16);
	__builtin_memcpy(p->dst, &ip6->daddr, 16);
	next = ip6->nexthdr;
	c->pos = ip6 + 1;

#pragma unroll
	for (i = 0; i < SL_MAX_IP6_EXT; i++) {
		struct {
			__u8 nexthdr;
			__u8 hdrlen;
			__be16 frag_off; /* fragment header only */
			__be32 id;
		} *ext = c->pos;

		switch (next) {
		case SL_NEXTHDR_HOP:
		case SL_NEXTHDR_ROUTING:
		case SL_NEXTHDR_DEST:
			if (c->pos + 8 > c->end)
				return SL_REASON_IP6_EXT_TRUNC;
			if (c->pos + (ext->hdrlen + 1) * 8 > c->end)
				return SL_REASON_IP6_EXT_TRUNC;
			next = ext->nexthdr;
			c->pos += (ext->hdrlen + 1) * 8;
			break;
		case SL_NEXTHDR_FRAGMENT:
			if (c->pos + 8 > c->end)
				return SL_REASON_IP6_EXT_TRUNC;
			p->frag = 1;
			p->frag_first = (bpf_ntohs(ext->frag_off) & 0xfff8) == 0;
			next = ext->nexthdr;
			c->pos += 8;
			break;
		default:
			p->l4_proto = next;
			return 0;
		}
	}
	/* Still an extension header after the bound: refuse to guess. */
	if (next == SL_NEXTHDR_HOP || next == SL_NEXTHDR_ROUTING ||
	    next == SL_NEXTHDR_DEST || next == SL_NEXTHDR_FRAGMENT)
		return SL_REASON_IP6_EXT_TOO_LONG;
	p->l4_proto = next;
	return 0;
}

/* Reads the L4 header of an unfragmented packet or a first fragment. */
static __always_inline int sl_parse_l4(struct sl_cursor *c, struct sl_pkt *p)
{
	p->sport = SL_PORT_NONE;
	p->dport = SL_PORT_NONE;
	p->icmp = SL_ICMP_NONE;
	if (p->frag && !p->frag_first)
		return 0;

	switch (p->l4_proto) {
	case IPPROTO_TCP: {
		struct tcphdr *tcp = c->pos;

		if ((void *)(tcp + 1) > c->end)
			return SL_REASON_TCP_TRUNC;
		if (tcp->doff < 5)
			return SL_REASON_TCP_BAD_DOFF;
		if (c->pos + tcp->doff * 4 > c->end)
			return SL_REASON_TCP_TRUNC;
		p->sport = bpf_ntohs(tcp->source);
		p->dport = bpf_ntohs(tcp->dest);
		p->tcp_flags = ((__u8 *)tcp)[13];
		p->tcp_flags_valid = 1;
		return 0;
	}
	case IPPROTO_UDP: {
		struct udphdr *udp = c->pos;

		if ((void *)(udp + 1) > c->end)
			return SL_REASON_UDP_TRUNC;
		p->sport = bpf_ntohs(udp->source);
		p->dport = bpf_ntohs(udp->dest);
		return 0;
	}
	case IPPROTO_ICMP: {
		struct icmphdr *icmp = c->pos;

		if (p->l3_proto != ETH_P_IP)
			return 0;
		if ((void *)(icmp + 1) > c->end)
			return SL_REASON_ICMP_TRUNC;
		p->icmp = icmp->type;
		return 0;
	}
	case IPPROTO_ICMPV6: {
		struct icmp6hdr *icmp6 = c->pos;

		if (p->l3_proto != ETH_P_IPV6)
			return 0;
		if ((void *)(icmp6 + 1) > c->end)
			return SL_REASON_ICMP6_TRUNC;
		p->icmp = SL_ICMP6_BASE + icmp6->icmp6_type;
		return 0;
	}
	}
	return 0;
}

#endif /* SLUICE_XDP_PARSE_H */
