/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The reflect stage (docs/dataplane.md): every packet goes back where it
 * came from with its addresses and ports swapped, for load-test rigs
 * whose reflector must run in userspace. A frame too short for its own
 * headers is dropped rather than sent back half swapped.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "stage.h"

#define ETH_HLEN_ 14
#define ETH_P_IP_ 0x0800
#define ETH_P_IPV6_ 0x86DD
#define ETH_P_8021Q_ 0x8100
#define ETH_P_8021AD_ 0x88A8
#define MAX_VLANS 2

/* IPv6 extension headers that may stand between the fixed header and the ports. */
#define NH_HOP 0
#define NH_ROUTING 43
#define NH_FRAGMENT 44
#define NH_DEST 60
#define MAX_IP6_EXT 8

static void swap_bytes(uint8_t *a, uint8_t *b, size_t n)
{
	uint8_t t[16];

	memcpy(t, a, n);
	memcpy(a, b, n);
	memcpy(b, t, n);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Where the fields to swap are, found before anything is touched. */
struct spots {
	uint32_t ip;     /* offset of the source address, 0: not IP */
	uint32_t ip_len; /* 4 or 16; the destination follows it */
	uint32_t l4;     /* offset of the source port, 0: no ports to swap */
};

/* The ports of a TCP or UDP header at off, when it is all there. */
static int find_ports(uint32_t len, uint32_t off, uint8_t proto, struct spots *sp)
{
	uint32_t need = proto == IPPROTO_TCP ? 20 : proto == IPPROTO_UDP ? 8 : 0;

	if (!need)
		return 0;
	if (off > len || len - off < need)
		return -EINVAL;
	sp->l4 = off;
	return 0;
}

/* Walks the headers behind the Ethernet header at off; reads only. */
static int find_spots(const uint8_t *frame, uint32_t len, struct spots *sp)
{
	uint32_t off = ETH_HLEN_, ihl, i;
	uint16_t type = get16(frame + 12);
	uint8_t nh;

	for (i = 0; i < MAX_VLANS && (type == ETH_P_8021Q_ || type == ETH_P_8021AD_); i++) {
		if (len - off < 4)
			return -EINVAL;
		type = get16(frame + off + 2);
		off += 4;
	}
	if (type == ETH_P_IP_) {
		if (len - off < 20)
			return -EINVAL;
		ihl = (frame[off] & 0x0f) * 4u;
		if ((frame[off] >> 4) != 4 || ihl < 20 || len - off < ihl)
			return -EINVAL;
		sp->ip = off + 12;
		sp->ip_len = 4;
		/* A non-first fragment has no ports. */
		if (get16(frame + off + 6) & 0x1fff)
			return 0;
		return find_ports(len, off + ihl, frame[off + 9], sp);
	}
	if (type != ETH_P_IPV6_)
		return 0; /* not IP: the MACs are all there is to swap */
	if (len - off < 40 || (frame[off] >> 4) != 6)
		return -EINVAL;
	sp->ip = off + 8;
	sp->ip_len = 16;
	nh = frame[off + 6];
	off += 40;
	for (i = 0; i < MAX_IP6_EXT; i++) {
		if (nh == NH_FRAGMENT) {
			if (len - off < 8)
				return -EINVAL;
			if (get16(frame + off + 2) & 0xfff8)
				return 0; /* a non-first fragment */
			nh = frame[off];
			off += 8;
		} else if (nh == NH_HOP || nh == NH_ROUTING || nh == NH_DEST) {
			if (len - off < 8)
				return -EINVAL;
			nh = frame[off];
			off += (frame[off + 1] + 1u) * 8;
			if (off > len)
				return -EINVAL;
		} else {
			break;
		}
	}
	return find_ports(len, off, nh, sp);
}

int sl_reflect_frame(uint8_t *frame, uint32_t len)
{
	struct spots sp = { 0 };
	int err;

	if (len < ETH_HLEN_)
		return -EINVAL;
	swap_bytes(frame, frame + 6, 6);
	/* All or nothing beyond the MACs: a refused frame keeps its addresses and ports. */
	err = find_spots(frame, len, &sp);
	if (err)
		return err;
	if (sp.ip)
		swap_bytes(frame + sp.ip, frame + sp.ip + sp.ip_len, sp.ip_len);
	if (sp.l4)
		swap_bytes(frame + sp.l4, frame + sp.l4 + 2, 2);
	return 0;
}

/* Packets ahead whose headers reflect_run prefetches. */
#define PREFETCH_AHEAD 4

static void reflect_run(void *state, struct sl_stage_pkt *pkts, uint32_t n)
{
	uint32_t i;

	(void)state;
	/*
	 * The frames were written by the CPU that received them: their
	 * headers are a cache miss each, fetched a few packets ahead.
	 */
	for (i = 0; i < n && i < PREFETCH_AHEAD; i++)
		__builtin_prefetch(pkts[i].bufs[0].data, 1);
	for (i = 0; i < n; i++) {
		struct sl_stage_pkt *p = &pkts[i];

		if (i + PREFETCH_AHEAD < n)
			__builtin_prefetch(pkts[i + PREFETCH_AHEAD].bufs[0].data, 1);

		if (p->verdict != SL_SV_CONTINUE)
			continue;
		/* The headers are in the first buffer; later ones hold payload only. */
		p->verdict = sl_reflect_frame(p->bufs[0].data, p->bufs[0].len) ? SL_SV_DROP : SL_SV_TX;
	}
}

const struct sl_stage_ops sl_stage_reflect = {
	.name = "reflect",
	.run = reflect_run,
};
