/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Packet templates of sluice-gen: the frame the generator program starts
 * from (Ethernet, an optional 802.1Q tag, IPv4 or IPv6, UDP, TCP or an
 * ICMP/ICMPv6 echo request, the sluice-gen payload, zeros up to the size)
 * with every checksum valid for the first flow, sequence 0 and tx_ns 0.
 * The program (xdp/gen_tx.bpf.c) rewrites what varies.
 */
#ifndef SLUICE_GEN_TEMPLATE_H
#define SLUICE_GEN_TEMPLATE_H

#include <stddef.h>
#include <stdint.h>

#include "sluice/gen.h"

#define SL_GEN_FCS_LEN 4         /* sizes count it (RFC 2544); the frame in memory has none */
#define SL_GEN_MIN_SIZE 64       /* the Ethernet minimum, FCS included */
#define SL_GEN_MAX_SIZE 1518     /* 1,500-byte IP packets; 1,522 with a VLAN tag */
#define SL_GEN_TCP_SYN 0x02
#define SL_GEN_TCP_ACK_PSH 0x18

struct sl_gen_spec {
	int family;          /* AF_INET or AF_INET6 */
	uint8_t l4;          /* IPPROTO_UDP, IPPROTO_TCP, or IPPROTO_ICMP (ICMPv6 for IPv6) */
	uint8_t tcp_flags;   /* TCP only: SL_GEN_TCP_SYN or SL_GEN_TCP_ACK_PSH */
	uint8_t ttl;         /* 0: 64 */
	uint8_t has_vlan;
	uint16_t vlan;       /* VLAN id 0..4095 when has_vlan */
	uint8_t dst_mac[6];
	uint8_t src_mac[6];
	uint8_t src[16];     /* first address of each range; IPv4 in the first 4 bytes */
	uint8_t dst[16];
	uint16_t sport;      /* first port of each range (ICMP: echo identifier) */
	uint16_t dport;
	uint16_t stream_base;
};

/* Where the headers of a template are, and the smallest size it fits. */
struct sl_gen_layout {
	uint16_t l3_off;
	uint16_t l4_off;
	uint16_t payload_off;
	uint16_t min_size; /* FCS included */
	uint16_t max_size;
	uint8_t l4;        /* IPPROTO_ICMPV6 for an IPv6 echo */
};

/*
 * Fills lay for spec. Returns 0, or -EINVAL for an unknown family or
 * protocol, or a VLAN id above 4095.
 */
int sl_gen_layout(const struct sl_gen_spec *spec, struct sl_gen_layout *lay);

/*
 * Builds the template of `size` bytes on the wire (size - SL_GEN_FCS_LEN
 * in buf, which holds cap bytes). Returns the frame length, -EINVAL for a
 * bad spec or a size outside [min_size, max_size], -ENOSPC when cap is
 * too small.
 */
int sl_gen_template_build(const struct sl_gen_spec *spec, unsigned size, uint8_t *buf, size_t cap);

/* The Internet checksum (RFC 1071) of len bytes, added to sum; not folded. */
uint32_t sl_gen_csum_add(uint32_t sum, const void *p, size_t len);

/* Folds a sum from sl_gen_csum_add and complements it. */
uint16_t sl_gen_csum_finish(uint32_t sum);

#endif /* SLUICE_GEN_TEMPLATE_H */
