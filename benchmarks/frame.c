/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include "frame.h"

#include <errno.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

/* Folds a one's-complement sum of 16-bit big-endian words. */
static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

int sl_bench_frame_build(const struct sl_bench_frame_spec *spec, uint8_t *buf, size_t len)
{
	size_t l4_len, ip_len, l4_off = ETH_HLEN + sizeof(struct iphdr);
	uint8_t *ip = buf + ETH_HLEN, *l4 = buf + l4_off;
	uint8_t pseudo[12];
	uint32_t sum;

	if (spec->proto == IPPROTO_TCP)
		l4_len = sizeof(struct tcphdr);
	else if (spec->proto == IPPROTO_UDP)
		l4_len = sizeof(struct udphdr);
	else
		return -EINVAL;
	if (len < SL_BENCH_FRAME_LEN || l4_off + l4_len > SL_BENCH_FRAME_LEN)
		return -ENOSPC;
	memset(buf, 0, SL_BENCH_FRAME_LEN);
	ip_len = sizeof(struct iphdr) + l4_len;

	memcpy(buf, spec->dst_mac, 6);
	memcpy(buf + 6, spec->src_mac, 6);
	put16(buf + 12, ETH_P_IP);

	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)ip_len);
	put16(ip + 4, 1); /* id */
	put16(ip + 6, 0x4000); /* DF */
	ip[8] = 64;
	ip[9] = spec->proto;
	memcpy(ip + 12, spec->src, 4);
	memcpy(ip + 16, spec->dst, 4);
	put16(ip + 10, csum_fold(csum_add(0, ip, sizeof(struct iphdr))));

	put16(l4, spec->sport);
	put16(l4 + 2, spec->dport);
	if (spec->proto == IPPROTO_TCP) {
		put16(l4 + 4, 0x1234); /* seq */
		l4[12] = (sizeof(struct tcphdr) / 4) << 4;
		l4[13] = spec->tcp_flags;
		put16(l4 + 14, 64240); /* window */
	} else {
		put16(l4 + 4, (uint16_t)l4_len);
	}
	memcpy(pseudo, spec->src, 4);
	memcpy(pseudo + 4, spec->dst, 4);
	pseudo[8] = 0;
	pseudo[9] = spec->proto;
	put16(pseudo + 10, (uint16_t)l4_len);
	sum = csum_fold(csum_add(csum_add(0, pseudo, sizeof(pseudo)), l4, l4_len));
	if (spec->proto == IPPROTO_UDP && sum == 0)
		sum = 0xffff; /* 0 means "no checksum" in UDP */
	put16(l4 + (spec->proto == IPPROTO_TCP ? 16 : 6), (uint16_t)sum);
	return SL_BENCH_FRAME_LEN;
}

int sl_bench_parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	char extra;
	int i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &extra) != 6)
		return -EINVAL;
	for (i = 0; i < 6; i++) {
		if (b[i] > 0xff)
			return -EINVAL;
		mac[i] = (uint8_t)b[i];
	}
	return 0;
}
