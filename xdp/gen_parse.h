/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The small parser of sluice-gen's reflector and analyser: Ethernet, up to
 * two VLAN tags, IPv4 (with options) or IPv6 (no extension headers: the
 * generator never sends any), then UDP, TCP, ICMP or ICMPv6. Every read is
 * checked against data_end. Fragments are not L4 packets to it.
 */
#ifndef SLUICE_XDP_GEN_PARSE_H
#define SLUICE_XDP_GEN_PARSE_H

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

#ifndef ETH_P_8021AD
#define ETH_P_8021AD 0x88A8
#endif

/* Where the headers of a parsed packet are. */
struct sl_gen_hdrs {
	struct ethhdr *eth;
	void *l3;       /* struct iphdr or struct ipv6hdr */
	void *l4;       /* the L4 header */
	void *payload;  /* after the L4 header (TCP: after its options) */
	__u8 family;    /* 4 or 6 */
	__u8 l4_proto;  /* IPPROTO_x */
};

/* Returns 0 when the packet is IP with a known L4 header, else -1. */
static __always_inline int sl_gen_parse(void *data, void *end, struct sl_gen_hdrs *h)
{
	struct ethhdr *eth = data;
	__be16 type;
	void *pos;
	int i;

	if ((void *)(eth + 1) > end)
		return -1;
	h->eth = eth;
	type = eth->h_proto;
	pos = eth + 1;
#pragma unroll
	for (i = 0; i < 2; i++) {
		if (type != bpf_htons(ETH_P_8021Q) && type != bpf_htons(ETH_P_8021AD))
			break;
		if (pos + 4 > end)
			return -1;
		type = *(__be16 *)(pos + 2);
		pos += 4;
	}
	h->l3 = pos;
	if (type == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = pos;

		if ((void *)(ip + 1) > end || ip->ihl < 5)
			return -1;
		/* A fragment other than the first has no L4 header. */
		if (ip->frag_off & bpf_htons(0x1fff))
			return -1;
		h->family = 4;
		h->l4_proto = ip->protocol;
		pos += ip->ihl * 4;
	} else if (type == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = pos;

		if ((void *)(ip6 + 1) > end)
			return -1;
		h->family = 6;
		h->l4_proto = ip6->nexthdr;
		pos = ip6 + 1;
	} else {
		return -1;
	}
	h->l4 = pos;
	switch (h->l4_proto) {
	case IPPROTO_UDP:
		if (pos + sizeof(struct udphdr) > end)
			return -1;
		h->payload = pos + sizeof(struct udphdr);
		return 0;
	case IPPROTO_TCP: {
		struct tcphdr *tcp = pos;

		if ((void *)(tcp + 1) > end || tcp->doff < 5)
			return -1;
		h->payload = pos + tcp->doff * 4;
		return 0;
	}
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		if (pos + 8 > end)
			return -1;
		h->payload = pos + 8;
		return 0;
	}
	return -1;
}

#endif /* SLUICE_XDP_GEN_PARSE_H */
